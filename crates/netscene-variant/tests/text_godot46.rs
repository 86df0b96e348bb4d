//! `var_to_str` against text real Godot 4.6 printed for the same values (the web template's
//! `var_to_str`, recorded by netscene-godot-suite's variants test): regression tests that run
//! without a browser.

mod common;

use common::*;
use netscene_variant::*;

fn sn(s: &str) -> Variant {
    Variant::StringName(StringName::new(s))
}

fn dict(entries: Vec<(Variant, Variant)>) -> Variant {
    Variant::Dictionary(entries.into_iter().collect())
}

fn arr(items: Vec<Variant>) -> Variant {
    Variant::Array(Array::from_vec(items))
}

#[test]
fn mixed_keys_in_godots_order() {
    // {"b": 1, &"a": 2, 3: 3, 2.5: 4, null: 5, true: 6, Vector2(1, 2): 7, [1]: 8, "A": 9,
    //  Vector2i(0, 0): 10, -7: 11, &"z": 12}, in that insertion order.
    let d = dict(vec![
        ("b".into(), 1.into()),
        (sn("a"), 2.into()),
        (3.into(), 3.into()),
        (2.5.into(), 4.into()),
        (Variant::Nil, 5.into()),
        (true.into(), 6.into()),
        (v2(1.0, 2.0).into(), 7.into()),
        (arr(vec![1.into()]), 8.into()),
        ("A".into(), 9.into()),
        (Vector2i::new(0, 0).into(), 10.into()),
        ((-7).into(), 11.into()),
        (sn("z"), 12.into()),
    ]);
    assert_eq!(
        var_to_str(&d),
        "{\nnull: 5,\ntrue: 6,\n-7: 11,\n3: 3,\n2.5: 4,\n\"A\": 9,\n&\"a\": 2,\n\"b\": 1,\n\
         Vector2(1, 2): 7,\nVector2i(0, 0): 10,\n&\"z\": 12,\n[1]: 8\n}"
    );
}

#[test]
fn forty_keys_without_a_consistent_order_in_godots_order() {
    // More keys than Godot's insertion-sort threshold, of types whose order is not transitive
    // (String < Vector2 < StringName by type, String and StringName by text): Godot's introsort
    // leaves one Vector2 among the numbers' neighbours and the rest after the strings.
    let mut d = Dictionary::new();
    for i in 0..40i64 {
        let k = (i * 17) % 40;
        let key: Variant = match i % 5 {
            0 => format!("s{k:02}").into(),
            1 => sn(&format!("r{k:02}")),
            2 => v2(k as f32, -k as f32).into(),
            3 => k.into(),
            _ => (k as f64 / 2.0).into(),
        };
        d.insert(key, i);
    }
    assert_eq!(
        var_to_str(&d.into()),
        "{\n1: 33,\n6: 38,\n11: 3,\n16: 8,\n21: 13,\n26: 18,\n31: 23,\n36: 28,\n1.5: 19,\n\
         4.0: 24,\n6.5: 29,\n9.0: 34,\n11.5: 39,\n14.0: 4,\n16.5: 9,\n19.0: 14,\n\
         Vector2(14, -14): 22,\n&\"r02\": 26,\n&\"r07\": 31,\n&\"r12\": 36,\n&\"r17\": 1,\n\
         &\"r22\": 6,\n&\"r27\": 11,\n&\"r32\": 16,\n&\"r37\": 21,\n\"s00\": 0,\n\"s05\": 5,\n\
         \"s10\": 10,\n\"s15\": 15,\n\"s20\": 20,\n\"s25\": 25,\n\"s30\": 30,\n\"s35\": 35,\n\
         Vector2(4, -4): 12,\nVector2(9, -9): 17,\nVector2(19, -19): 27,\n\
         Vector2(24, -24): 32,\nVector2(29, -29): 37,\nVector2(34, -34): 2,\n\
         Vector2(39, -39): 7\n}"
    );
}

#[test]
fn nan_and_container_keys_in_godots_order() {
    let d = dict(vec![
        (f64::NAN.into(), 1.into()),
        (1.5.into(), 2.into()),
        ((-1.5).into(), 3.into()),
    ]);
    assert_eq!(var_to_str(&d), "{\nnan: 1,\n-1.5: 3,\n1.5: 2\n}");
    let d = dict(vec![
        (arr(vec![1.into(), arr(vec![2.into()])]), "a".into()),
        (dict(vec![("x".into(), 1.into())]), "b".into()),
        (arr(vec![1.into()]), "c".into()),
        (arr(vec![0.into(), 5.into()]), "d".into()),
    ]);
    assert_eq!(
        var_to_str(&d),
        "{\n{\n\"x\": 1\n}: \"b\",\n[0, 5]: \"d\",\n[1]: \"c\",\n[1, [2]]: \"a\"\n}"
    );
    let mut typed = Dictionary::typed(
        ContainerType::Builtin(VariantType::StringName),
        ContainerType::None,
    );
    typed.insert(sn("k"), arr(vec![1.into()]));
    typed.insert(sn("j"), "x");
    assert_eq!(
        var_to_str(&typed.into()),
        "Dictionary[StringName, Variant]({\n&\"j\": \"x\",\n&\"k\": [1]\n})"
    );
}

#[test]
fn floats_as_godot_writes_them() {
    // A double a float holds exactly is written with the float's digits.
    assert_eq!(var_to_str(&f64::from(f32::MAX).into()), "3.4028235e+38");
    assert_eq!(var_to_str(&1234567.0.into()), "1234567.0");
    // Floats keep plain digits up to 15 places.
    assert_eq!(
        var_to_str(&Vector2::new(0.1, 1e10).into()),
        "Vector2(0.1, 10000000000)"
    );
    assert_eq!(
        var_to_str(
            &Transform2D::new(
                Vector2::new(0.877_582_55, 0.479_425_55),
                Vector2::new(-0.479_425_55, 0.877_582_55),
                Vector2::new(2.0, 3.0),
            )
            .into()
        ),
        "Transform2D(0.87758255, 0.47942555, -0.47942555, 0.87758255, 2, 3)"
    );
    // Godot's Grisu2 digits where Rust's shortest formatting picks others.
    assert_eq!(
        var_to_str(&Variant::PackedFloat32Array(vec![3370849.8])),
        "PackedFloat32Array(3370849.7)"
    );
    assert_eq!(
        var_to_str(&Variant::PackedFloat64Array(vec![
            -7.422331995167682e-298,
            2.3542598802946835e-281
        ])),
        "PackedFloat64Array(-7.4223319951676816e-298, 2.3542598802946834e-281)"
    );
}

#[test]
fn objects_callables_signals_and_ids_as_godot_writes_them() {
    assert_eq!(
        var_to_str(&Variant::Object(ObjectValue::Id(23488103700))),
        "Object(EncodedObjectAsID,\"object_id\":23488103700,\"script\":null)\n"
    );
    assert_eq!(
        var_to_str(&Variant::Array(Array::typed(
            ContainerType::ClassName("EncodedObjectAsID".into()),
            vec![]
        ))),
        "Array[EncodedObjectAsID]([])"
    );
    assert_eq!(
        var_to_str(
            &Signal {
                name: StringName::new("tree_exiting"),
                object_id: 23488103700
            }
            .into()
        ),
        "Signal()"
    );
    assert_eq!(var_to_str(&Variant::Callable), "Callable()");
    assert_eq!(var_to_str(&Rid(123456789).into()), "RID(123456789)");
    assert_eq!(
        var_to_str(&NodePath::new("%Unique/child").into()),
        "NodePath(\"%Unique/child\")"
    );
    // Control characters stay raw in Godot's layout.
    assert_eq!(var_to_str(&"a\u{1}b\r\nc".into()), "\"a\u{1}b\r\nc\"");
}

#[test]
fn a_full_objects_script_is_a_resource_reference() {
    // Measured: an object sent in full with a script, as Godot's var_to_str writes it.
    let object = Variant::Object(ObjectValue::Full {
        class: "RefCounted".into(),
        properties: vec![("script".into(), "res://cases.gd".into())],
    });
    let text = "Object(RefCounted,\"script\":Resource(\"res://cases.gd\"))\n";
    assert_eq!(var_to_str(&object), text);
    assert_eq!(str_to_var(text.trim_end()).unwrap(), object);
    // With the UID Godot adds when the script has one, the path is what netscene keeps.
    assert_eq!(
        str_to_var(r#"Object(RefCounted,"script":Resource("uid://b4x1", "res://cases.gd"))"#)
            .unwrap(),
        object
    );
    // No script, and `Resource(…)` anywhere else, stay as they were.
    let bare = Variant::Object(ObjectValue::Full {
        class: "RefCounted".into(),
        properties: vec![("script".into(), Variant::Nil)],
    });
    assert_eq!(var_to_str(&bare), "Object(RefCounted,\"script\":null)\n");
    assert!(str_to_var(r#"[Resource("res://x.gd")]"#).is_err());
}
