//! Godot's text form: `var_to_str` output as Godot's `VariantWriter` writes it, `str_to_var`
//! parsing (with positions in errors), and round trips over every golden value.

mod common;

use common::*;
use netscene_variant::*;

fn s(v: impl Into<Variant>) -> String {
    var_to_str(&v.into())
}

#[test]
fn scalars_as_godot_writes_them() {
    assert_eq!(s(Variant::Nil), "null");
    assert_eq!(s(true), "true");
    assert_eq!(s(-42i64), "-42");
    assert_eq!(s(1.0f64), "1.0");
    assert_eq!(s(0.1f64), "0.1");
    assert_eq!(s(-0.0f64), "0.0");
    assert_eq!(s(f64::INFINITY), "inf");
    assert_eq!(s(f64::NEG_INFINITY), "inf_neg");
    assert_eq!(s(f64::NAN), "nan");
    assert_eq!(s("a\"b\\c"), r#""a\"b\\c""#);
    assert_eq!(s(StringName::new("name")), r#"&"name""#);
    assert_eq!(
        s(NodePath::new("/root/Main:position")),
        r#"NodePath("/root/Main:position")"#
    );
    assert_eq!(s(Rid(0)), "RID()");
    assert_eq!(s(Rid(77)), "RID(77)");
    // Godot's `itos` makes ids past i64::MAX negative; they read back to the same bits.
    assert_eq!(s(Rid(1 << 63)), "RID(-9223372036854775808)");
    assert_eq!(
        str_to_var("RID(-9223372036854775808)").unwrap(),
        Variant::Rid(Rid(1 << 63))
    );
    assert_eq!(s(Variant::Callable), "Callable()");
    assert_eq!(
        s(Signal {
            name: StringName::new("hit"),
            object_id: 3
        }),
        "Signal()"
    );
}

#[test]
fn math_types_as_godot_writes_them() {
    assert_eq!(s(v2(1.0, 2.0)), "Vector2(1, 2)");
    assert_eq!(s(v2(0.1, -2.5)), "Vector2(0.1, -2.5)");
    assert_eq!(s(Vector2i::new(1, -1)), "Vector2i(1, -1)");
    assert_eq!(
        s(Rect2::new(v2(1.0, 2.0), v2(3.0, 4.0))),
        "Rect2(1, 2, 3, 4)"
    );
    assert_eq!(s(Rect2i::default()), "Rect2i(0, 0, 0, 0)");
    assert_eq!(s(v3(1.0, 2.0, 3.0)), "Vector3(1, 2, 3)");
    assert_eq!(s(Vector3i::new(1, 2, 3)), "Vector3i(1, 2, 3)");
    assert_eq!(s(Vector4::new(1.0, 2.0, 3.0, 4.0)), "Vector4(1, 2, 3, 4)");
    assert_eq!(s(Vector4i::new(1, 2, 3, 4)), "Vector4i(1, 2, 3, 4)");
    assert_eq!(s(Transform2D::IDENTITY), "Transform2D(1, 0, 0, 1, 0, 0)");
    assert_eq!(s(Plane::new(v3(0.0, 1.0, 0.0), 5.0)), "Plane(0, 1, 0, 5)");
    assert_eq!(s(Quaternion::IDENTITY), "Quaternion(0, 0, 0, 1)");
    assert_eq!(
        s(Aabb::new(v3(1.0, 2.0, 3.0), v3(4.0, 5.0, 6.0))),
        "AABB(1, 2, 3, 4, 5, 6)"
    );
    assert_eq!(s(Basis::IDENTITY), "Basis(1, 0, 0, 0, 1, 0, 0, 0, 1)");
    assert_eq!(
        s(Transform3D::new(Basis::IDENTITY, v3(10.0, 11.0, 12.0))),
        "Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 10, 11, 12)"
    );
    assert_eq!(
        s(Projection::IDENTITY),
        "Projection(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1)"
    );
    assert_eq!(s(Color::new(1.0, 0.5, 0.0, 1.0)), "Color(1, 0.5, 0, 1)");
}

#[test]
fn containers_as_godot_writes_them() {
    let mut d = Dictionary::new();
    d.insert("b", 1);
    d.insert("a", v2(1.0, 2.0));
    d.insert(3, Variant::Nil);
    // Godot: one entry per line, keys in StringLikeVariantOrder (int before String).
    assert_eq!(
        s(d.clone()),
        "{\n3: null,\n\"a\": Vector2(1, 2),\n\"b\": 1\n}"
    );
    assert_eq!(
        var_to_str_one_line(&d.into()),
        r#"{"b": 1, "a": Vector2(1, 2), 3: null}"#
    );
    assert_eq!(s(Dictionary::new()), "{}");
    let mut typed = Dictionary::typed(
        ContainerType::Builtin(VariantType::String),
        ContainerType::Builtin(VariantType::Int),
    );
    typed.insert("a", 1);
    assert_eq!(
        var_to_str_one_line(&typed.clone().into()),
        r#"Dictionary[String, int]({"a": 1})"#
    );
    assert_eq!(s(typed), "Dictionary[String, int]({\n\"a\": 1\n})");
    let value_only = Dictionary::typed(
        ContainerType::None,
        ContainerType::Builtin(VariantType::Float),
    );
    assert_eq!(s(value_only), "Dictionary[Variant, float]({})");

    assert_eq!(
        s(Array::from_vec(vec![1.into(), "a".into()])),
        r#"[1, "a"]"#
    );
    assert_eq!(
        s(Array::typed(
            ContainerType::Builtin(VariantType::Int),
            vec![1.into(), 2.into()]
        )),
        "Array[int]([1, 2])"
    );
    assert_eq!(
        s(Array::typed(
            ContainerType::ClassName("Node".into()),
            vec![]
        )),
        "Array[Node]([])"
    );
    assert_eq!(
        s(Array::typed(
            ContainerType::Script("res://p.gd".into()),
            vec![]
        )),
        r#"Array[Resource("res://p.gd")]([])"#
    );
}

#[test]
fn packed_arrays_as_godot_writes_them() {
    assert_eq!(s(vec![1u8, 2]), "PackedByteArray(1, 2)");
    assert_eq!(s(Vec::<u8>::new()), "PackedByteArray()");
    assert_eq!(s(vec![1i32, -2]), "PackedInt32Array(1, -2)");
    assert_eq!(s(vec![i64::MAX]), "PackedInt64Array(9223372036854775807)");
    assert_eq!(s(vec![1.0f32, 2.5]), "PackedFloat32Array(1, 2.5)");
    assert_eq!(s(vec![0.1f64]), "PackedFloat64Array(0.1)");
    assert_eq!(
        s(vec!["a".to_owned(), "b\n".to_owned()]),
        r#"PackedStringArray("a", "b\n")"#
    );
    assert_eq!(
        s(vec![v2(1.0, 2.0), v2(3.0, 4.0)]),
        "PackedVector2Array(1, 2, 3, 4)"
    );
    assert_eq!(s(vec![v3(1.0, 2.0, 3.0)]), "PackedVector3Array(1, 2, 3)");
    assert_eq!(
        s(vec![Color::new(1.0, 1.0, 1.0, 1.0)]),
        "PackedColorArray(1, 1, 1, 1)"
    );
    assert_eq!(
        s(vec![Vector4::new(1.0, 2.0, 3.0, 4.0)]),
        "PackedVector4Array(1, 2, 3, 4)"
    );
}

#[test]
fn objects_as_godot_writes_them() {
    assert_eq!(s(Variant::Object(ObjectValue::Null)), "null");
    assert_eq!(
        s(Variant::Object(ObjectValue::Id(4660))),
        "Object(EncodedObjectAsID,\"object_id\":4660,\"script\":null)\n"
    );
    let full = Variant::Object(ObjectValue::Full {
        class: "Node".into(),
        properties: vec![("name".into(), "x".into())],
    });
    assert_eq!(var_to_str_one_line(&full), r#"Object(Node,"name":"x")"#);
    assert_eq!(str_to_var(&s(full.clone())).unwrap(), full);
    assert_eq!(
        str_to_var(&s(Variant::Object(ObjectValue::Id(4660)))).unwrap(),
        Variant::Object(ObjectValue::Id(4660))
    );
}

#[test]
fn strings_keep_newlines_in_godot_style_and_escape_them_on_one_line() {
    let v = Variant::from("a\nb\u{1}");
    assert_eq!(var_to_str(&v), "\"a\nb\u{1}\"");
    assert_eq!(var_to_str_one_line(&v), r#""a\nb\u0001""#);
    assert_eq!(str_to_var(&var_to_str(&v)).unwrap(), v);
    assert_eq!(str_to_var(&var_to_str_one_line(&v)).unwrap(), v);
    assert_eq!(v.to_string(), r#""a\nb\u0001""#);
}

#[test]
fn parses_godot_text() {
    let p = |t: &str| str_to_var(t).unwrap_or_else(|e| panic!("{t}: {e}"));
    assert_eq!(p("  42 "), Variant::Int(42));
    assert_eq!(p("-1.5e3"), Variant::Float(-1500.0));
    assert_eq!(p("1."), Variant::Float(1.0));
    assert_eq!(p("nil"), Variant::Nil);
    assert!(matches!(p("nan"), Variant::Float(f) if f.is_nan()));
    assert_eq!(p("inf_neg"), Variant::Float(f64::NEG_INFINITY));
    assert_eq!(p(r#""\u00e9\t\"""#), Variant::from("é\t\""));
    assert_eq!(p(r#""\ud83d\ude00""#), Variant::from("😀"));
    assert_eq!(
        p(r#"&"name""#),
        Variant::StringName(StringName::new("name"))
    );
    assert_eq!(p(r#"^"a/b:c""#), Variant::NodePath(NodePath::new("a/b:c")));
    assert_eq!(p("Vector2(inf, nan)").get_type(), VariantType::Vector2);
    assert_eq!(
        p("Quat(0, 0, 0, 1)"),
        Variant::Quaternion(Quaternion::IDENTITY)
    );
    assert_eq!(
        p("Transform(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0)"),
        Variant::Transform3D(Transform3D::IDENTITY)
    );
    assert_eq!(p("#ff0000"), Variant::Color(Color::new(1.0, 0.0, 0.0, 1.0)));
    assert_eq!(p("#f00f"), Variant::Color(Color::new(1.0, 0.0, 0.0, 1.0)));
    assert_eq!(
        p(r#"PackedByteArray("AQI=")"#),
        Variant::PackedByteArray(vec![1, 2])
    );
    assert_eq!(
        p(r#"PackedByteArray("AQID")"#),
        Variant::PackedByteArray(vec![1, 2, 3])
    );
    assert_eq!(
        p("PoolByteArray(1, 2)"),
        Variant::PackedByteArray(vec![1, 2])
    );
    assert_eq!(
        p("[1, 2, ] ; trailing comma and a comment"),
        Variant::Array(Array::from_vec(vec![1.into(), 2.into()]))
    );
    assert_eq!(
        p("{\n\"a\": 1,\n}"),
        Variant::Dictionary([("a".into(), 1.into())].into_iter().collect())
    );
    assert_eq!(p("Signal()"), Variant::Signal(Signal::default()));
    assert_eq!(
        p(r#"Signal(&"hit", 7)"#),
        Variant::Signal(Signal {
            name: StringName::new("hit"),
            object_id: 7
        })
    );
    assert_eq!(p("RID()"), Variant::Rid(Rid(0)));
    assert_eq!(
        p("Dictionary[Variant, Node]({})"),
        Variant::Dictionary(Dictionary::typed(
            ContainerType::None,
            ContainerType::ClassName("Node".into())
        ))
    );
}

#[test]
fn parse_errors_say_what_and_where() {
    let e = str_to_var("Vector2(1, )").unwrap_err();
    assert_eq!((e.line, e.column, e.offset), (1, 12, 11));
    assert!(e.message.contains("expected number"), "{e}");
    assert_eq!(e.code(), ErrorCode::ParseError);

    let e = str_to_var("[1,\n  2 3]").unwrap_err();
    assert_eq!((e.line, e.column), (2, 5));
    assert!(e.message.contains("expected ',' or ']'"), "{e}");

    let e = str_to_var("Vector3(1, 2)").unwrap_err();
    assert!(e.message.contains("expected 3 arguments"), "{e}");
    let e = str_to_var("Frobnicate(1)").unwrap_err();
    assert_eq!(e.message, "unexpected identifier 'Frobnicate'");
    assert_eq!(
        e.to_string(),
        "unexpected identifier 'Frobnicate' at line 1, column 1"
    );
    assert!(
        str_to_var("\"open")
            .unwrap_err()
            .message
            .contains("unterminated")
    );
    assert!(str_to_var("").is_err());
    assert!(
        str_to_var("1 2")
            .unwrap_err()
            .message
            .contains("after the value")
    );
    assert!(str_to_var("Vector2i(1.5, 2)").is_err());
    assert!(str_to_var("PackedByteArray(256)").is_err());
    assert!(str_to_var("99999999999999999999").is_err());
    assert!(str_to_var(r#"Resource("res://x.tres")"#).is_err());
    assert!(str_to_var("{1 2}").is_err());
    assert!(str_to_var("@").is_err());
}

#[test]
fn every_golden_value_round_trips_through_both_text_styles() {
    for v in vectors::binary()
        .into_iter()
        .chain(vectors::double_precision())
    {
        let godot = var_to_str(&v.value);
        let back = str_to_var(&godot).unwrap_or_else(|e| panic!("{}: {godot}: {e}", v.id));
        if matches!(v.value, Variant::Signal(_)) {
            // Godot's writer drops signal contents.
            assert_eq!(back, Variant::Signal(Signal::default()), "{}", v.id);
        } else {
            assert_eq!(back, v.value, "{}", v.id);
        }
        let line = var_to_str_one_line(&v.value);
        assert!(!line.contains('\n'), "{}: {line}", v.id);
        let back = str_to_var(&line).unwrap_or_else(|e| panic!("{}: {line}: {e}", v.id));
        assert_eq!(back, v.value, "{}", v.id);
        // encode(parse(format(v))) gives the value's bytes.
        assert_eq!(enc(&back), enc(&v.value), "{}", v.id);
    }
}
