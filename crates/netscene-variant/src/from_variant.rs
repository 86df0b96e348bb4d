//! Typed conversions out of a `Variant`, for RPC handlers with typed parameters.
//!
//! Conversions follow what Godot accepts for a typed parameter: an `int` argument is accepted
//! for a `float` parameter, `String` and `StringName` convert into each other, a `String`
//! converts into a `NodePath`; integers are range-checked into narrower Rust types. Anything
//! else is `None`. The other direction is `Into<Variant>` ([`ToVariant`]).
//!
//! ```
//! use netscene_variant::{FromVariant, Variant};
//! assert_eq!(f64::from_variant(&Variant::Int(3)), Some(3.0));
//! assert_eq!(u8::from_variant(&Variant::Int(300)), None);
//! assert_eq!(String::from_variant(&Variant::from("hi")), Some("hi".to_owned()));
//! ```

use crate::containers::{Array, Dictionary};
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::variant::{ObjectValue, Rid, Signal, Variant};

/// Converts a `Variant` into a typed Rust value, or `None` when Godot would refuse the argument.
pub trait FromVariant: Sized {
    /// The converted value, or `None` for a value of another (non-convertible) type or out of range.
    fn from_variant(v: &Variant) -> Option<Self>;
}

/// Converts a Rust value into a `Variant`: any `Into<Variant>`.
pub trait ToVariant {
    /// The value as a `Variant`.
    fn to_variant(&self) -> Variant;
}

impl<T: Clone + Into<Variant>> ToVariant for T {
    fn to_variant(&self) -> Variant {
        self.clone().into()
    }
}

impl FromVariant for Variant {
    fn from_variant(v: &Variant) -> Option<Self> {
        Some(v.clone())
    }
}

impl FromVariant for bool {
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

macro_rules! int_from_variant {
    ($($ty:ty),*) => {$(
        impl FromVariant for $ty {
            fn from_variant(v: &Variant) -> Option<Self> {
                match v {
                    Variant::Int(i) => <$ty>::try_from(*i).ok(),
                    _ => None,
                }
            }
        }
    )*};
}

int_from_variant!(i64, i32, i16, i8, u64, u32, u16, u8, isize, usize);

impl FromVariant for f64 {
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::Float(f) => Some(*f),
            // Godot converts an int argument for a float parameter.
            Variant::Int(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl FromVariant for f32 {
    fn from_variant(v: &Variant) -> Option<Self> {
        f64::from_variant(v).map(|f| f as f32)
    }
}

impl FromVariant for String {
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::String(s) => Some(s.clone()),
            Variant::StringName(s) => Some(s.as_str().to_owned()),
            Variant::NodePath(p) => Some(p.to_string()),
            _ => None,
        }
    }
}

impl FromVariant for StringName {
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::StringName(s) => Some(s.clone()),
            Variant::String(s) => Some(StringName::new(s)),
            _ => None,
        }
    }
}

impl FromVariant for NodePath {
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::NodePath(p) => Some(p.clone()),
            Variant::String(s) => Some(NodePath::new(s)),
            Variant::StringName(s) => Some(NodePath::new(s)),
            _ => None,
        }
    }
}

impl<T: FromVariant> FromVariant for Option<T> {
    /// `Nil` is `Some(None)`; any convertible value is `Some(Some(value))`.
    fn from_variant(v: &Variant) -> Option<Self> {
        match v {
            Variant::Nil => Some(None),
            other => T::from_variant(other).map(Some),
        }
    }
}

macro_rules! exact_from_variant {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl FromVariant for $ty {
            fn from_variant(v: &Variant) -> Option<Self> {
                match v {
                    Variant::$variant(inner) => Some(inner.clone()),
                    _ => None,
                }
            }
        }
    )*};
}

exact_from_variant!(
    Vector2 => Vector2, Vector2i => Vector2i, Rect2 => Rect2, Rect2i => Rect2i,
    Vector3 => Vector3, Vector3i => Vector3i, Transform2D => Transform2D, Vector4 => Vector4,
    Vector4i => Vector4i, Plane => Plane, Quaternion => Quaternion, Aabb => Aabb, Basis => Basis,
    Transform3D => Transform3D, Projection => Projection, Color => Color, Rid => Rid,
    ObjectValue => Object, Signal => Signal, Dictionary => Dictionary, Array => Array,
    Vec<u8> => PackedByteArray, Vec<i32> => PackedInt32Array, Vec<i64> => PackedInt64Array,
    Vec<f32> => PackedFloat32Array, Vec<f64> => PackedFloat64Array,
    Vec<String> => PackedStringArray, Vec<Vector2> => PackedVector2Array,
    Vec<Vector3> => PackedVector3Array, Vec<Color> => PackedColorArray,
    Vec<Vector4> => PackedVector4Array,
);

/// Converts a whole argument list, e.g. the arguments of an RPC, into a tuple.
///
/// ```
/// use netscene_variant::{FromVariantArgs, Variant};
/// let args = [Variant::Int(5), Variant::from("hi")];
/// let (n, s): (i32, String) = FromVariantArgs::from_variant_args(&args).unwrap();
/// assert_eq!((n, s.as_str()), (5, "hi"));
/// ```
pub trait FromVariantArgs: Sized {
    /// The converted tuple, or `None` when the count or a type does not match.
    fn from_variant_args(args: &[Variant]) -> Option<Self>;
}

macro_rules! tuple_from_args {
    ($($name:ident),*) => {
        impl<$($name: FromVariant),*> FromVariantArgs for ($($name,)*) {
            #[allow(non_snake_case)]
            fn from_variant_args(args: &[Variant]) -> Option<Self> {
                match args {
                    [$($name),*] => Some(($($name::from_variant($name)?,)*)),
                    _ => None,
                }
            }
        }
    };
}

tuple_from_args!();
tuple_from_args!(A);
tuple_from_args!(A, B);
tuple_from_args!(A, B, C);
tuple_from_args!(A, B, C, D);
tuple_from_args!(A, B, C, D, E);
tuple_from_args!(A, B, C, D, E, F);
tuple_from_args!(A, B, C, D, E, F, G);
tuple_from_args!(A, B, C, D, E, F, G, H);
