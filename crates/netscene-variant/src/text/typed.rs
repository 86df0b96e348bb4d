//! What `Array[T]([…])` and `Dictionary[K, V]({…})` keep of their elements, as Godot 4.4+'s text
//! parser does.
//!
//! Godot's `VariantParser` (core/variant/variant_parser.cpp) reads the elements into an untyped
//! container, then hands it to the typed one's `assign` (core/variant/array.cpp,
//! core/variant/dictionary.cpp). Unlike the binary decoder's element-by-element `push_back`,
//! `assign` is all or nothing: an element of the declared type is kept, one of another type is
//! converted when `Variant::can_convert_strict` allows it (core/variant/variant.cpp), and the
//! first one that cannot be converted makes `assign` fail, leaving the container typed but
//! *empty*; the parse itself still succeeds. A typed dictionary checks its keys and its values
//! this way (the binary decoder checks only keys). Object-typed containers take `null` and
//! objects (their class checked as in [`crate::decode`]'s rules), nothing else.
//!
//! The strict conversions implemented are those between scalars, strings and vectors:
//! `bool`/`int`/`float` among themselves, `String` from `StringName`/`NodePath`, `StringName` and
//! `NodePath` from `String`, and each of `Vector2`/`Vector3`/`Vector4`/`Rect2` from its integer
//! twin and back. Godot also converts `Transform2D`/`Transform3D`/`Basis`/`Quaternion`/
//! `Projection` into one another, `Color` from `String`/`int`, `RID` from `Object`, and `Array`
//! from and to the packed arrays; netscene does not implement those constructors, and refuses
//! such an element like an unconvertible one (the container comes out empty) rather than keep a
//! value of the wrong type in it.

use crate::containers::{ContainerType, Dictionary, DictionaryBuilder};
use crate::decode::typed_object_admits;
use crate::math::*;
use crate::node_path::{NodePath, StringName};
use crate::variant::{Variant, VariantType};

/// The items an `Array[T]` keeps: all of them (converted), or none when one is refused.
pub(super) fn assign_array(ty: &ContainerType, items: Vec<Variant>) -> Vec<Variant> {
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        match assign_one(ty, item) {
            Some(item) => kept.push(item),
            None => return Vec::new(),
        }
    }
    kept
}

/// The dictionary a `Dictionary[K, V]` keeps: every entry (converted), or none when one key or
/// value is refused. Keys equal after conversion merge, the later value replacing the earlier.
pub(super) fn assign_dictionary(dict: Dictionary) -> Dictionary {
    if !dict.is_typed() {
        return dict;
    }
    let (key_type, value_type) = (dict.key_type.clone(), dict.value_type.clone());
    let entries = dict.into_entries();
    let mut builder = DictionaryBuilder::new(key_type.clone(), value_type.clone(), entries.len());
    for (key, value) in entries {
        match (assign_one(&key_type, key), assign_one(&value_type, value)) {
            (Some(key), Some(value)) => builder.insert(key, value),
            _ => return Dictionary::typed(key_type, value_type),
        }
    }
    builder.finish()
}

/// One element as `assign` stores it, or `None` when it makes `assign` fail.
fn assign_one(ty: &ContainerType, value: Variant) -> Option<Variant> {
    match ty {
        ContainerType::None => Some(value),
        ContainerType::Builtin(VariantType::Object) => {
            matches!(value, Variant::Nil | Variant::Object(_)).then_some(value)
        }
        ContainerType::Builtin(declared) if value.get_type() == *declared => Some(value),
        ContainerType::Builtin(declared) => convert_strict(*declared, value),
        ContainerType::ClassName(class) => typed_object_admits(Some(class.as_str()), value),
        ContainerType::Script(_) => typed_object_admits(None, value),
    }
}

/// `Variant::construct(to, value)` for the strict conversions implemented (see the module docs).
fn convert_strict(to: VariantType, value: Variant) -> Option<Variant> {
    use Variant as V;
    use VariantType as T;
    Some(match (to, value) {
        (T::Bool, V::Int(i)) => V::Bool(i != 0),
        (T::Bool, V::Float(f)) => V::Bool(f != 0.0),
        (T::Int, V::Bool(b)) => V::Int(i64::from(b)),
        // C++'s double-to-int64 cast truncates toward zero (out-of-range values are undefined
        // there; `as` saturates).
        (T::Int, V::Float(f)) => V::Int(f as i64),
        (T::Float, V::Bool(b)) => V::Float(f64::from(u8::from(b))),
        // `float(int)` is a plain double conversion here, unlike the binary decoder's validate.
        (T::Float, V::Int(i)) => V::Float(i as f64),
        (T::String, V::StringName(name)) => V::String(name.as_str().to_owned()),
        (T::String, V::NodePath(path)) => V::String(path.to_string()),
        (T::StringName, V::String(text)) => V::StringName(StringName::from(text)),
        (T::NodePath, V::String(text)) => V::NodePath(NodePath::new(&text)),
        (T::Vector2, V::Vector2i(v)) => V::Vector2(v2(v)),
        (T::Vector2i, V::Vector2(v)) => V::Vector2i(v2i(v)),
        (T::Rect2, V::Rect2i(r)) => V::Rect2(Rect2::new(v2(r.position), v2(r.size))),
        (T::Rect2i, V::Rect2(r)) => V::Rect2i(Rect2i::new(v2i(r.position), v2i(r.size))),
        (T::Vector3, V::Vector3i(v)) => {
            V::Vector3(Vector3::new(v.x as f32, v.y as f32, v.z as f32))
        }
        (T::Vector3i, V::Vector3(v)) => {
            V::Vector3i(Vector3i::new(v.x as i32, v.y as i32, v.z as i32))
        }
        (T::Vector4, V::Vector4i(v)) => {
            V::Vector4(Vector4::new(v.x as f32, v.y as f32, v.z as f32, v.w as f32))
        }
        (T::Vector4i, V::Vector4(v)) => V::Vector4i(Vector4i::new(
            v.x as i32, v.y as i32, v.z as i32, v.w as i32,
        )),
        _ => return None,
    })
}

fn v2(v: Vector2i) -> Vector2 {
    Vector2::new(v.x as f32, v.y as f32)
}

/// Godot's `Vector2i(Vector2)` truncates each component toward zero.
fn v2i(v: Vector2) -> Vector2i {
    Vector2i::new(v.x as i32, v.y as i32)
}
