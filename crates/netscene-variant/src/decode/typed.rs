//! What a typed container keeps of a decoded element, as Godot 4.4+ does.
//!
//! Godot's `decode_variant` never fails on an element of the wrong type. It makes the container
//! typed before reading the elements (`Array::set_typed`, `Dictionary::set_typed`), then adds
//! each element the way any caller would: `Array::push_back` for arrays, `dict[key] = value` for
//! dictionaries (core/io/marshalls.cpp). Both run the element through
//! `ContainerTypeValidate::validate` (core/variant/container_type_validate.h), which:
//!
//! * accepts an element of exactly the declared type;
//! * converts three pairs: `StringName` into a `String` container, `String` into a `StringName`
//!   one, and `int` into a `float` one (through a C++ `float`, i.e. rounded to 32 bits);
//! * accepts `null` into an object-typed container;
//! * refuses anything else: it prints an error and the element is left out, the rest of the
//!   container decoding as usual.
//!
//! For an object of the right type it also checks the object's class (and script) against the
//! container's: see [`admit`] for what netscene, which has no class database, can check.
//!
//! A dictionary checks only its keys: `Dictionary::operator[]` validates (and converts) the key,
//! sending a refused key's value to a throwaway slot, but the value is assigned to the returned
//! reference unchecked (core/variant/dictionary.cpp says so itself). A `Dictionary[String, int]`
//! thus drops the entries whose key is not a `String`/`StringName`, and keeps a `String` value.

use crate::containers::ContainerType;
use crate::decode::ENCODED_OBJECT_AS_ID;
use crate::node_path::StringName;
use crate::variant::{ObjectValue, Variant, VariantType};

/// The element as the typed container `ty` stores it (converted where Godot converts), or
/// `None` when Godot leaves it out.
///
/// Class- and script-typed containers (`Array[Node]`, `Array[MyScript]`) check what can be known
/// without Godot's class database:
///
/// * `null` (a `Nil`, or a null object) is accepted, as in Godot;
/// * a value that is not an object is refused, as in Godot;
/// * an object sent by instance id decodes, in Godot, as an `EncodedObjectAsID`, which inherits
///   `RefCounted` and `Object` and has no script: it is accepted exactly when the container's
///   class is one of those three (always the case without object decoding, where Godot types
///   every object container `EncodedObjectAsID`), and refused by a script-typed container;
/// * a full object is accepted whatever its class: whether that class inherits the container's
///   (or carries its script) needs the class database and the script, which netscene has not.
pub(crate) fn admit(ty: &ContainerType, value: Variant) -> Option<Variant> {
    match ty {
        ContainerType::None => Some(value),
        ContainerType::Builtin(declared) => admit_builtin(*declared, value),
        ContainerType::ClassName(class) => typed_object_admits(Some(class), value),
        ContainerType::Script(_) => typed_object_admits(None, value),
    }
}

fn admit_builtin(declared: VariantType, value: Variant) -> Option<Variant> {
    if value.get_type() == declared {
        return Some(value);
    }
    match (declared, value) {
        (VariantType::Object, Variant::Nil) => Some(Variant::Nil),
        (VariantType::String, Variant::StringName(name)) => {
            Some(Variant::String(name.as_str().to_owned()))
        }
        (VariantType::StringName, Variant::String(text)) => {
            Some(Variant::StringName(StringName::from(text)))
        }
        // Godot converts through a C++ `float` (32 bits); `as f32` rounds to nearest like it.
        (VariantType::Float, Variant::Int(i)) => Some(Variant::Float(f64::from(i as f32))),
        _ => None,
    }
}

/// What a class-typed (`class` is its native class) or script-typed (`class` is `None`)
/// container keeps of `value`: the rules of [`admit`], shared with the text parser.
pub(crate) fn typed_object_admits(class: Option<&str>, value: Variant) -> Option<Variant> {
    match &value {
        Variant::Nil | Variant::Object(ObjectValue::Null | ObjectValue::Full { .. }) => Some(value),
        Variant::Object(ObjectValue::Id(_)) => class
            .is_some_and(|c| matches!(c, ENCODED_OBJECT_AS_ID | "RefCounted" | "Object"))
            .then_some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin(ty: VariantType) -> ContainerType {
        ContainerType::Builtin(ty)
    }

    #[test]
    fn int_into_float_rounds_through_32_bits() {
        // 2^24 + 1 is the first integer a 32-bit float cannot hold.
        let admitted = admit(&builtin(VariantType::Float), Variant::Int(16_777_217));
        assert_eq!(admitted, Some(Variant::Float(16_777_216.0)));
        let admitted = admit(&builtin(VariantType::Float), Variant::Int(-3));
        assert_eq!(admitted, Some(Variant::Float(-3.0)));
    }

    #[test]
    fn float_into_int_is_refused() {
        assert_eq!(admit(&builtin(VariantType::Int), Variant::Float(1.0)), None);
    }

    #[test]
    fn null_object_is_an_object_not_nil() {
        let null = Variant::Object(ObjectValue::Null);
        assert_eq!(admit(&builtin(VariantType::String), null.clone()), None);
        assert_eq!(
            admit(&builtin(VariantType::Object), null.clone()),
            Some(null)
        );
    }
}
