//! Typed containers holding elements of another type, decoded as Godot 4.4+ decodes them.
//!
//! Godot's `decode_variant` (core/io/marshalls.cpp) types the container first, then adds each
//! element with `Array::push_back` / `dict[key] = value` (core/variant/array.cpp,
//! core/variant/dictionary.cpp), which run it through `ContainerTypeValidate::validate`
//! (core/variant/container_type_validate.h): an element of another type is left out with an
//! error print, the decode itself succeeds; `StringName` ↔ `String` and `int` → `float` are
//! converted; `null` goes into object-typed containers. Dictionaries check keys only.
//!
//! Every input is written out by hand from the wire format (spec A.1–A.4), never produced by our
//! encoder.

mod common;

use common::hex;
use netscene_variant::*;

/// `NIL`
const NIL: &str = "00 00 00 00";
/// `INT` 7
const INT_7: &str = "02 00 00 00 07 00 00 00";
/// `FLOAT` 1.5 (32-bit)
const FLOAT_1_5: &str = "03 00 00 00 00 00 c0 3f";
/// `STRING` "ab"
const STRING_AB: &str = "04 00 00 00 02 00 00 00 61 62 00 00";
/// `STRING_NAME` &"ab"
const NAME_AB: &str = "15 00 00 00 02 00 00 00 61 62 00 00";
/// `OBJECT` sent by instance id 5
const OBJECT_ID_5: &str = "18 00 01 00 05 00 00 00 00 00 00 00";
/// `OBJECT` sent by instance id 0: a null object
const OBJECT_NULL: &str = "18 00 01 00 00 00 00 00 00 00 00 00";
/// A full `Node` object with no properties (needs object decoding)
const OBJECT_FULL_NODE: &str = "18 00 00 00 04 00 00 00 4e 6f 64 65 00 00 00 00";

/// `Array[T]` (builtin element type id `type_id`) holding `elements`.
fn typed_array(type_id: u8, elements: &[&str]) -> Vec<u8> {
    let mut text = format!(
        "1c 00 01 00 {type_id:02x} 00 00 00 {:02x} 00 00 00",
        elements.len()
    );
    for element in elements {
        text.push(' ');
        text.push_str(element);
    }
    hex(&text)
}

/// `Dictionary[K, V]` with builtin key and value type ids.
fn typed_dictionary(key_id: u8, value_id: u8, entries: &[(&str, &str)]) -> Vec<u8> {
    let mut text = format!(
        "1b 00 05 00 {key_id:02x} 00 00 00 {value_id:02x} 00 00 00 {:02x} 00 00 00",
        entries.len()
    );
    for (key, value) in entries {
        text.push(' ');
        text.push_str(key);
        text.push(' ');
        text.push_str(value);
    }
    hex(&text)
}

fn decode(bytes: &[u8], options: &DecodeOptions) -> Variant {
    let (value, used) = decode_variant(bytes, options).expect("Godot decodes it (OK)");
    assert_eq!(used, bytes.len(), "every element is consumed, kept or not");
    value
}

fn decode_plain(bytes: &[u8]) -> Variant {
    decode(bytes, &DecodeOptions::default())
}

fn array_of(ty: VariantType, items: Vec<Variant>) -> Variant {
    Variant::Array(Array::typed(ContainerType::Builtin(ty), items))
}

#[test]
fn array_leaves_out_elements_of_another_builtin_type() {
    // Array[int] [7, "ab", 1.5, null, 7]: only the ints stay, in order.
    let bytes = typed_array(2, &[INT_7, STRING_AB, FLOAT_1_5, NIL, INT_7]);
    assert_eq!(
        decode_plain(&bytes),
        array_of(VariantType::Int, vec![Variant::Int(7), Variant::Int(7)])
    );
}

#[test]
fn array_with_no_element_of_its_type_decodes_empty() {
    // Array[String] [null, null]: the fuzzer's case, as an array.
    let bytes = typed_array(4, &[NIL, NIL]);
    assert_eq!(decode_plain(&bytes), array_of(VariantType::String, vec![]));
}

#[test]
fn each_builtin_type_refuses_a_mismatching_element() {
    // For every builtin element type but Object, an element of another type is left out.
    // `INT_7` stands in for "another type", except for the types that take or convert an int.
    for id in 1..VariantType::MAX {
        let ty = VariantType::from_id(id).unwrap();
        if ty == VariantType::Object {
            continue;
        }
        let other = if matches!(ty, VariantType::Int | VariantType::Float) {
            STRING_AB
        } else {
            INT_7
        };
        let bytes = typed_array(id, &[other, NIL]);
        assert_eq!(decode_plain(&bytes), array_of(ty, vec![]), "Array[{ty:?}]");
    }
}

#[test]
fn int_into_float_array_is_converted_through_32_bits() {
    // Array[float] [7, 1.5, 16777217]: ints become floats; 2^24+1 rounds to 2^24 as Godot's
    // cast through a C++ float does.
    let bytes = typed_array(3, &[INT_7, FLOAT_1_5, "02 00 00 00 01 00 00 01"]);
    assert_eq!(
        decode_plain(&bytes),
        array_of(
            VariantType::Float,
            vec![
                Variant::Float(7.0),
                Variant::Float(1.5),
                Variant::Float(16_777_216.0)
            ]
        )
    );
}

#[test]
fn float_into_int_array_is_not_converted() {
    let bytes = typed_array(2, &[FLOAT_1_5]);
    assert_eq!(decode_plain(&bytes), array_of(VariantType::Int, vec![]));
}

#[test]
fn string_and_string_name_convert_into_each_other() {
    let bytes = typed_array(4, &[NAME_AB, STRING_AB]);
    assert_eq!(
        decode_plain(&bytes),
        array_of(
            VariantType::String,
            vec![Variant::from("ab"), Variant::from("ab")]
        )
    );
    let bytes = typed_array(21, &[STRING_AB, NAME_AB]);
    let name = Variant::StringName(StringName::from("ab"));
    assert_eq!(
        decode_plain(&bytes),
        array_of(VariantType::StringName, vec![name.clone(), name])
    );
}

#[test]
fn object_array_takes_null_and_objects_only() {
    // Array[Object] [null, id 5, null object, 7]
    let bytes = typed_array(24, &[NIL, OBJECT_ID_5, OBJECT_NULL, INT_7]);
    assert_eq!(
        decode_plain(&bytes),
        array_of(
            VariantType::Object,
            vec![
                Variant::Nil,
                Variant::Object(ObjectValue::Id(5)),
                Variant::Object(ObjectValue::Null)
            ]
        )
    );
}

#[test]
fn a_null_object_is_not_nil_for_builtin_types() {
    // A null object is an OBJECT-typed Variant in Godot: refused by Array[int].
    let bytes = typed_array(2, &[OBJECT_NULL]);
    assert_eq!(decode_plain(&bytes), array_of(VariantType::Int, vec![]));
}

/// `Array[<class>]` (CLASS_NAME descriptor) holding `elements`.
fn class_array(class: &str, elements: &[&str]) -> Vec<u8> {
    let mut bytes = hex(&format!("1c 00 02 00 {:02x} 00 00 00", class.len()));
    bytes.extend_from_slice(class.as_bytes());
    // The name is zero-padded to a multiple of 4 bytes.
    bytes.resize(bytes.len().next_multiple_of(4), 0);
    bytes.extend_from_slice(&(elements.len() as u32).to_le_bytes());
    for element in elements {
        bytes.extend(hex(element));
    }
    bytes
}

#[test]
fn class_typed_array_without_objects_takes_ids_and_nulls() {
    // Without object decoding Godot types it EncodedObjectAsID: ids and nulls pass, others not.
    let bytes = class_array("Node", &[NIL, OBJECT_ID_5, OBJECT_NULL, STRING_AB]);
    assert_eq!(
        decode_plain(&bytes),
        Variant::Array(Array::typed(
            ContainerType::ClassName("EncodedObjectAsID".into()),
            vec![
                Variant::Nil,
                Variant::Object(ObjectValue::Id(5)),
                Variant::Object(ObjectValue::Null)
            ]
        ))
    );
}

#[test]
fn class_typed_array_with_objects_refuses_ids_of_other_classes() {
    // With object decoding an id decodes as an EncodedObjectAsID, which is no Node; a full
    // object's class cannot be checked without a class database and is kept.
    let options = DecodeOptions::allowing_objects();
    let bytes = class_array("Node", &[OBJECT_ID_5, OBJECT_FULL_NODE, NIL, INT_7]);
    assert_eq!(
        decode(&bytes, &options),
        Variant::Array(Array::typed(
            ContainerType::ClassName("Node".into()),
            vec![
                Variant::Object(ObjectValue::Full {
                    class: "Node".into(),
                    properties: vec![]
                }),
                Variant::Nil
            ]
        ))
    );
    // EncodedObjectAsID inherits RefCounted: Array[RefCounted] keeps the id.
    let bytes = class_array("RefCounted", &[OBJECT_ID_5]);
    assert_eq!(
        decode(&bytes, &options),
        Variant::Array(Array::typed(
            ContainerType::ClassName("RefCounted".into()),
            vec![Variant::Object(ObjectValue::Id(5))]
        ))
    );
}

#[test]
fn script_typed_array_with_objects_refuses_ids() {
    // SCRIPT descriptor "res://a.gd" (10 bytes + 2 padding): an EncodedObjectAsID has no script.
    let mut bytes = hex("1c 00 03 00 0a 00 00 00");
    bytes.extend_from_slice(b"res://a.gd\0\0");
    bytes.extend(hex("03 00 00 00"));
    bytes.extend(hex(OBJECT_ID_5));
    bytes.extend(hex(OBJECT_NULL));
    bytes.extend(hex(FLOAT_1_5));
    assert_eq!(
        decode(&bytes, &DecodeOptions::allowing_objects()),
        Variant::Array(Array::typed(
            ContainerType::Script("res://a.gd".into()),
            vec![Variant::Object(ObjectValue::Null)]
        ))
    );
}

#[test]
fn dictionary_drops_entries_whose_key_has_another_type() {
    // Dictionary[String, String] {null: "ab", "ab": "ab", 7: "ab"}: the fuzzer's case.
    let bytes = typed_dictionary(
        4,
        4,
        &[(NIL, STRING_AB), (STRING_AB, STRING_AB), (INT_7, STRING_AB)],
    );
    let mut expected = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::String),
    );
    expected.insert("ab", "ab");
    assert_eq!(decode_plain(&bytes), Variant::Dictionary(expected));
}

#[test]
fn dictionary_keeps_values_of_another_type() {
    // Dictionary[String, int] {"ab": null}: Godot's `dict[key] = value` leaves values unchecked.
    let bytes = typed_dictionary(4, 2, &[(STRING_AB, NIL)]);
    let mut expected = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::Int),
    );
    expected.insert("ab", Variant::Nil);
    assert_eq!(decode_plain(&bytes), Variant::Dictionary(expected));
}

#[test]
fn dictionary_keys_are_converted_and_merge_after_conversion() {
    // Dictionary[float, int] {7: 1, 7.0: 2}... written as {7: 7, 1.5: 7, 7.0 (as int 7): null}
    // The int key 7 becomes 7.0; a second int 7 then replaces its value in place.
    let bytes = typed_dictionary(3, 2, &[(INT_7, INT_7), (FLOAT_1_5, INT_7), (INT_7, NIL)]);
    let mut expected = Dictionary::typed(
        ContainerType::Builtin(VariantType::Float),
        ContainerType::Builtin(VariantType::Int),
    );
    expected.insert(7.0, Variant::Nil);
    expected.insert(1.5, 7);
    let Variant::Dictionary(decoded) = decode_plain(&bytes) else {
        panic!("not a dictionary");
    };
    assert_eq!(decoded, expected);
    // Insertion order: 7.0 first (its value replaced in place), then 1.5.
    let keys: Vec<_> = decoded.keys().cloned().collect();
    assert_eq!(keys, vec![Variant::Float(7.0), Variant::Float(1.5)]);
    // StringName keys into a String-keyed dictionary become Strings.
    let bytes = typed_dictionary(4, 0, &[(NAME_AB, INT_7)]);
    let Variant::Dictionary(decoded) = decode_plain(&bytes) else {
        panic!("not a dictionary");
    };
    assert_eq!(
        decoded.keys().collect::<Vec<_>>(),
        vec![&Variant::from("ab")]
    );
}

#[test]
fn value_typed_dictionary_checks_nothing() {
    // Dictionary[Variant, int] (key kind NONE, value BUILTIN int): {null: "ab"} stays whole.
    let bytes = hex(&format!(
        "1b 00 04 00 02 00 00 00 01 00 00 00 {NIL} {STRING_AB}"
    ));
    let mut expected = Dictionary::typed(
        ContainerType::None,
        ContainerType::Builtin(VariantType::Int),
    );
    expected.insert(Variant::Nil, "ab");
    assert_eq!(decode_plain(&bytes), Variant::Dictionary(expected));
}

#[test]
fn object_keyed_dictionary_takes_null_keys() {
    // Dictionary[Object, int] {null: 7, id 5: 7, 7: 7}
    let bytes = typed_dictionary(24, 2, &[(NIL, INT_7), (OBJECT_ID_5, INT_7), (INT_7, INT_7)]);
    let Variant::Dictionary(decoded) = decode_plain(&bytes) else {
        panic!("not a dictionary");
    };
    let keys: Vec<_> = decoded.keys().cloned().collect();
    assert_eq!(
        keys,
        vec![Variant::Nil, Variant::Object(ObjectValue::Id(5))]
    );
}

#[test]
fn nested_typed_containers_check_each_level() {
    // Array[Array] [Array[int] [7, "ab"], 7]: the inner array drops "ab", the outer drops 7.
    let inner = typed_array(2, &[INT_7, STRING_AB]);
    let inner_hex: String = inner.iter().map(|b| format!("{b:02x} ")).collect();
    let bytes = typed_array(28, &[inner_hex.trim(), INT_7]);
    assert_eq!(
        decode_plain(&bytes),
        array_of(
            VariantType::Array,
            vec![array_of(VariantType::Int, vec![Variant::Int(7)])]
        )
    );
    // Dictionary[String, Array] {"ab": Array[float] [7]} converts inside the value, and an
    // Array key is not a String: {Array[int] []: 7} is dropped.
    let inner = typed_array(3, &[INT_7]);
    let inner_hex: String = inner.iter().map(|b| format!("{b:02x} ")).collect();
    let empty = typed_array(2, &[]);
    let empty_hex: String = empty.iter().map(|b| format!("{b:02x} ")).collect();
    let bytes = typed_dictionary(
        4,
        28,
        &[(STRING_AB, inner_hex.trim()), (empty_hex.trim(), INT_7)],
    );
    let mut expected = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::Array),
    );
    expected.insert(
        "ab",
        array_of(VariantType::Float, vec![Variant::Float(7.0)]),
    );
    assert_eq!(decode_plain(&bytes), Variant::Dictionary(expected));
}

#[test]
fn compressed_form_applies_the_same_rules() {
    // RPC arguments go through the compressed form, which hands containers to decode_variant.
    let bytes = typed_array(2, &[INT_7, STRING_AB]);
    let (value, used) = decode_and_decompress_variant(&bytes, &DecodeOptions::default()).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(value, array_of(VariantType::Int, vec![Variant::Int(7)]));
}

// The text form: Godot's parser reads the elements untyped, then `assign`s them to the typed
// container (core/variant/variant_parser.cpp): all kept (converted where
// `Variant::can_convert_strict` allows), or none as soon as one cannot be converted.

fn parse(text: &str) -> Variant {
    str_to_var(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn text_array_with_an_unconvertible_element_comes_out_empty() {
    assert_eq!(
        parse(r#"Array[int]([1, "a"])"#),
        array_of(VariantType::Int, vec![])
    );
    // null converts to nothing but objects.
    assert_eq!(
        parse("Array[String]([null])"),
        array_of(VariantType::String, vec![])
    );
    assert_eq!(
        parse("Array[Object]([null, 1])"),
        array_of(VariantType::Object, vec![])
    );
    assert_eq!(
        parse("Array[Object]([null])"),
        array_of(VariantType::Object, vec![Variant::Nil])
    );
}

#[test]
fn text_array_converts_strictly_convertible_elements() {
    assert_eq!(
        parse("Array[float]([1, 2.5, true])"),
        array_of(
            VariantType::Float,
            vec![
                Variant::Float(1.0),
                Variant::Float(2.5),
                Variant::Float(1.0)
            ]
        )
    );
    // float to int truncates toward zero; 2^24 + 1 stays exact (no 32-bit float on this path,
    // unlike the binary decoder's).
    assert_eq!(
        parse("Array[int]([1.9, -1.9, false])"),
        array_of(
            VariantType::Int,
            vec![Variant::Int(1), Variant::Int(-1), Variant::Int(0)]
        )
    );
    assert_eq!(
        parse("Array[float]([16777217])"),
        array_of(VariantType::Float, vec![Variant::Float(16_777_217.0)])
    );
    assert_eq!(
        parse(r#"Array[String]([&"a", ^"n/p:x"])"#),
        array_of(
            VariantType::String,
            vec![Variant::from("a"), Variant::from("n/p:x")]
        )
    );
    assert_eq!(
        parse(r#"Array[StringName](["a"])"#),
        array_of(
            VariantType::StringName,
            vec![Variant::StringName("a".into())]
        )
    );
    assert_eq!(
        parse("Array[Vector2i]([Vector2(1.7, -1.7)])"),
        array_of(
            VariantType::Vector2i,
            vec![Variant::Vector2i(Vector2i::new(1, -1))]
        )
    );
}

#[test]
fn text_conversions_netscene_does_not_implement_empty_the_array() {
    // Godot builds a Color from a String; netscene has no such constructor and refuses it
    // rather than keep a String in an Array[Color].
    assert_eq!(
        parse(r#"Array[Color](["red"])"#),
        array_of(VariantType::Color, vec![])
    );
}

#[test]
fn text_dictionary_checks_keys_and_values() {
    let mut expected = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::Int),
    );
    expected.insert("a", 1);
    expected.insert("b", 2);
    assert_eq!(
        parse(r#"Dictionary[String, int]({"a": 1.5, &"b": 2})"#),
        Variant::Dictionary(expected)
    );
    let empty = Variant::Dictionary(Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::Int),
    ));
    assert_eq!(parse(r#"Dictionary[String, int]({"a": 1, 2: 2})"#), empty);
    // Unlike the binary form, a value of another type is refused too.
    assert_eq!(parse(r#"Dictionary[String, int]({"a": "x"})"#), empty);
}

#[test]
fn text_nested_typed_containers_check_each_level() {
    assert_eq!(
        parse(r#"Array[Array]([Array[int]([1, "x"]), [2]])"#),
        array_of(
            VariantType::Array,
            vec![
                array_of(VariantType::Int, vec![]),
                Variant::Array(Array::from_vec(vec![Variant::Int(2)]))
            ]
        )
    );
}

#[test]
fn text_class_typed_array_checks_encoded_ids() {
    // An `Object(EncodedObjectAsID, …)` is no Node, but is a RefCounted.
    let id = r#"Object(EncodedObjectAsID,"object_id":5)"#;
    assert_eq!(
        parse(&format!("Array[Node]([null, {id}])")),
        Variant::Array(Array::typed(
            ContainerType::ClassName("Node".into()),
            vec![]
        ))
    );
    assert_eq!(
        parse(&format!("Array[RefCounted]([null, {id}])")),
        Variant::Array(Array::typed(
            ContainerType::ClassName("RefCounted".into()),
            vec![Variant::Nil, Variant::Object(ObjectValue::Id(5))]
        ))
    );
}
