//! The `Variant` value and its containers.

use crate::containers::{Array, Dictionary};
use crate::math::*;
use crate::node_path::{NodePath, StringName};

/// Godot 4's `Variant::Type` ids, as they appear in byte 0 of an encoded value.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
#[non_exhaustive]
pub enum VariantType {
    Nil = 0,
    Bool = 1,
    Int = 2,
    Float = 3,
    String = 4,
    Vector2 = 5,
    Vector2i = 6,
    Rect2 = 7,
    Rect2i = 8,
    Vector3 = 9,
    Vector3i = 10,
    Transform2D = 11,
    Vector4 = 12,
    Vector4i = 13,
    Plane = 14,
    Quaternion = 15,
    Aabb = 16,
    Basis = 17,
    Transform3D = 18,
    Projection = 19,
    Color = 20,
    StringName = 21,
    NodePath = 22,
    Rid = 23,
    Object = 24,
    Callable = 25,
    Signal = 26,
    Dictionary = 27,
    Array = 28,
    PackedByteArray = 29,
    PackedInt32Array = 30,
    PackedInt64Array = 31,
    PackedFloat32Array = 32,
    PackedFloat64Array = 33,
    PackedStringArray = 34,
    PackedVector2Array = 35,
    PackedVector3Array = 36,
    PackedColorArray = 37,
    PackedVector4Array = 38,
}

impl VariantType {
    /// `Variant::VARIANT_MAX`: ids at or above it are invalid.
    pub const MAX: u8 = 39;

    /// The type for a wire id, or `None` when the id is not a Godot 4 type.
    pub fn from_id(id: u8) -> Option<Self> {
        if id < Self::MAX {
            // SAFETY-free: the enum is dense from 0 to MAX - 1.
            Some(ALL_TYPES[id as usize])
        } else {
            None
        }
    }

    /// The wire id.
    pub fn id(self) -> u8 {
        self as u8
    }
}

const ALL_TYPES: [VariantType; VariantType::MAX as usize] = {
    use VariantType::*;
    [
        Nil,
        Bool,
        Int,
        Float,
        String,
        Vector2,
        Vector2i,
        Rect2,
        Rect2i,
        Vector3,
        Vector3i,
        Transform2D,
        Vector4,
        Vector4i,
        Plane,
        Quaternion,
        Aabb,
        Basis,
        Transform3D,
        Projection,
        Color,
        StringName,
        NodePath,
        Rid,
        Object,
        Callable,
        Signal,
        Dictionary,
        Array,
        PackedByteArray,
        PackedInt32Array,
        PackedInt64Array,
        PackedFloat32Array,
        PackedFloat64Array,
        PackedStringArray,
        PackedVector2Array,
        PackedVector3Array,
        PackedColorArray,
        PackedVector4Array,
    ]
};

/// Godot `RID`: an opaque 64-bit resource id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rid(pub u64);

/// An `Object` value as it can cross the wire.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ObjectValue {
    /// A null (or freed) object; encoded as NIL.
    Null,
    /// Godot's `EncodedObjectAsID`: an instance id only (the default on the wire).
    Id(u64),
    /// A full object (only with object encoding/decoding allowed): class and stored properties.
    Full {
        /// Class name, e.g. `"Resource"`.
        class: String,
        /// Properties in the order they were written (`script` as a `res://` path or NIL).
        properties: Vec<(String, Variant)>,
    },
}

/// Godot `Signal`: a signal name on an object, sent as name + instance id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signal {
    /// Signal name.
    pub name: StringName,
    /// Instance id of the emitting object.
    pub object_id: u64,
}

/// A Godot 4 `Variant`: every type Godot's binary format carries.
#[allow(missing_docs)]
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum Variant {
    #[default]
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Vector2(Vector2),
    Vector2i(Vector2i),
    Rect2(Rect2),
    Rect2i(Rect2i),
    Vector3(Vector3),
    Vector3i(Vector3i),
    Transform2D(Transform2D),
    Vector4(Vector4),
    Vector4i(Vector4i),
    Plane(Plane),
    Quaternion(Quaternion),
    Aabb(Aabb),
    Basis(Basis),
    Transform3D(Transform3D),
    Projection(Projection),
    Color(Color),
    StringName(StringName),
    NodePath(NodePath),
    Rid(Rid),
    Object(ObjectValue),
    /// Callables never cross the wire with content: this is always Godot's empty `Callable()`.
    Callable,
    Signal(Signal),
    Dictionary(Dictionary),
    Array(Array),
    PackedByteArray(Vec<u8>),
    PackedInt32Array(Vec<i32>),
    PackedInt64Array(Vec<i64>),
    PackedFloat32Array(Vec<f32>),
    PackedFloat64Array(Vec<f64>),
    PackedStringArray(Vec<String>),
    PackedVector2Array(Vec<Vector2>),
    PackedVector3Array(Vec<Vector3>),
    PackedColorArray(Vec<Color>),
    PackedVector4Array(Vec<Vector4>),
}

impl Variant {
    /// The value's type.
    pub fn get_type(&self) -> VariantType {
        use VariantType as T;
        match self {
            Variant::Nil => T::Nil,
            Variant::Bool(_) => T::Bool,
            Variant::Int(_) => T::Int,
            Variant::Float(_) => T::Float,
            Variant::String(_) => T::String,
            Variant::Vector2(_) => T::Vector2,
            Variant::Vector2i(_) => T::Vector2i,
            Variant::Rect2(_) => T::Rect2,
            Variant::Rect2i(_) => T::Rect2i,
            Variant::Vector3(_) => T::Vector3,
            Variant::Vector3i(_) => T::Vector3i,
            Variant::Transform2D(_) => T::Transform2D,
            Variant::Vector4(_) => T::Vector4,
            Variant::Vector4i(_) => T::Vector4i,
            Variant::Plane(_) => T::Plane,
            Variant::Quaternion(_) => T::Quaternion,
            Variant::Aabb(_) => T::Aabb,
            Variant::Basis(_) => T::Basis,
            Variant::Transform3D(_) => T::Transform3D,
            Variant::Projection(_) => T::Projection,
            Variant::Color(_) => T::Color,
            Variant::StringName(_) => T::StringName,
            Variant::NodePath(_) => T::NodePath,
            Variant::Rid(_) => T::Rid,
            Variant::Object(_) => T::Object,
            Variant::Callable => T::Callable,
            Variant::Signal(_) => T::Signal,
            Variant::Dictionary(_) => T::Dictionary,
            Variant::Array(_) => T::Array,
            Variant::PackedByteArray(_) => T::PackedByteArray,
            Variant::PackedInt32Array(_) => T::PackedInt32Array,
            Variant::PackedInt64Array(_) => T::PackedInt64Array,
            Variant::PackedFloat32Array(_) => T::PackedFloat32Array,
            Variant::PackedFloat64Array(_) => T::PackedFloat64Array,
            Variant::PackedStringArray(_) => T::PackedStringArray,
            Variant::PackedVector2Array(_) => T::PackedVector2Array,
            Variant::PackedVector3Array(_) => T::PackedVector3Array,
            Variant::PackedColorArray(_) => T::PackedColorArray,
            Variant::PackedVector4Array(_) => T::PackedVector4Array,
        }
    }
}

macro_rules! from_impl {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(impl From<$ty> for Variant {
            fn from(v: $ty) -> Self {
                Variant::$variant(v.into())
            }
        })*
    };
}

from_impl!(
    bool => Bool, i64 => Int, i32 => Int, u32 => Int, u8 => Int, f64 => Float, f32 => Float,
    String => String, &str => String, Vector2 => Vector2, Vector2i => Vector2i, Rect2 => Rect2,
    Rect2i => Rect2i, Vector3 => Vector3, Vector3i => Vector3i, Transform2D => Transform2D,
    Vector4 => Vector4, Vector4i => Vector4i, Plane => Plane, Quaternion => Quaternion,
    Aabb => Aabb, Basis => Basis, Transform3D => Transform3D, Projection => Projection,
    Color => Color, StringName => StringName, NodePath => NodePath, Rid => Rid,
    Signal => Signal, Dictionary => Dictionary, Array => Array, Vec<u8> => PackedByteArray,
    Vec<i32> => PackedInt32Array, Vec<i64> => PackedInt64Array, Vec<f32> => PackedFloat32Array,
    Vec<f64> => PackedFloat64Array, Vec<String> => PackedStringArray,
    Vec<Vector2> => PackedVector2Array, Vec<Vector3> => PackedVector3Array,
    Vec<Color> => PackedColorArray, Vec<Vector4> => PackedVector4Array,
);
