//! Golden vectors: golden-vectors.md §3.1 (D1–D42) and §3.2 (C1–C18), plus hand-derived vectors
//! (H*) for types the table lacks, each computed from the rules in godot-wire-protocol.md §A.

use super::{v2, v3};
use netscene_variant::*;

/// One vector: id, value, bytes (hex) — both directions hold.
pub struct Golden {
    pub id: &'static str,
    pub value: Variant,
    pub hex: &'static str,
}

fn g(id: &'static str, value: impl Into<Variant>, hex: &'static str) -> Golden {
    Golden {
        id,
        value: value.into(),
        hex,
    }
}

fn dict(entries: Vec<(Variant, Variant)>) -> Dictionary {
    entries.into_iter().collect()
}

/// `encode_variant` vectors that also decode back to the same value.
pub fn binary() -> Vec<Golden> {
    vec![
        g("D1", true, "01 00 00 00 01 00 00 00"),
        g("D2", false, "01 00 00 00 00 00 00 00"),
        g("D3", -1i64, "02 00 00 00 ff ff ff ff"),
        g("D4", 2147483648i64, "02 00 01 00 00 00 00 80 00 00 00 00"),
        g("D5", -2147483648i64, "02 00 00 00 00 00 00 80"),
        g("D6", 1.5f64, "03 00 00 00 00 00 c0 3f"),
        g("D7", 0.1f64, "03 00 01 00 9a 99 99 99 99 99 b9 3f"),
        g("D8", "", "04 00 00 00 00 00 00 00"),
        g("D9", "hi", "04 00 00 00 02 00 00 00 68 69 00 00"),
        g("D10", "abcd", "04 00 00 00 04 00 00 00 61 62 63 64"),
        g("D11", "é", "04 00 00 00 02 00 00 00 c3 a9 00 00"),
        g(
            "D12",
            StringName::new("hi"),
            "15 00 00 00 02 00 00 00 68 69 00 00",
        ),
        g("D13", v2(1.0, 2.0), "05 00 00 00 00 00 80 3f 00 00 00 40"),
        g(
            "D14",
            Vector2i::new(1, -1),
            "06 00 00 00 01 00 00 00 ff ff ff ff",
        ),
        g(
            "D15",
            v3(0.0, 0.0, 0.0),
            "09 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        ),
        g(
            "D16",
            Rect2i::new(Vector2i::new(1, 2), Vector2i::new(3, 4)),
            "08 00 00 00 01 00 00 00 02 00 00 00 03 00 00 00 04 00 00 00",
        ),
        g(
            "D17",
            Transform2D::IDENTITY,
            "0b 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00",
        ),
        g(
            "D18",
            Quaternion::IDENTITY,
            "0f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f",
        ),
        g(
            "D19",
            Color::new(1.0, 0.0, 0.0, 1.0),
            "14 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 80 3f",
        ),
        g(
            "D20",
            NodePath::new(""),
            "16 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00",
        ),
        g(
            "D21",
            NodePath::new("/root/Main"),
            "16 00 00 00 02 00 00 80 00 00 00 00 01 00 00 00 04 00 00 00 72 6f 6f 74 04 00 00 00 4d 61 69 6e",
        ),
        g(
            "D22",
            NodePath::new("Main:position"),
            "16 00 00 00 01 00 00 80 01 00 00 00 00 00 00 00 04 00 00 00 4d 61 69 6e 08 00 00 00 70 6f 73 69 74 69 6f 6e",
        ),
        g(
            "D24",
            Variant::Object(ObjectValue::Id(0x1234)),
            "18 00 01 00 34 12 00 00 00 00 00 00",
        ),
        g("D25", Variant::Callable, "19 00 00 00"),
        g(
            "D26",
            Signal {
                name: StringName::new("s"),
                object_id: 5,
            },
            "1a 00 00 00 01 00 00 00 73 00 00 00 05 00 00 00 00 00 00 00",
        ),
        g("D27", Dictionary::new(), "1b 00 00 00 00 00 00 00"),
        g(
            "D28",
            dict(vec![("a".into(), 1.into())]),
            "1b 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 61 00 00 00 02 00 00 00 01 00 00 00",
        ),
        g("D29", Array::default(), "1c 00 00 00 00 00 00 00"),
        g(
            "D30",
            Array::from_vec(vec![1.into(), "a".into()]),
            "1c 00 00 00 02 00 00 00 02 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 61 00 00 00",
        ),
        g(
            "D31",
            Array::typed(
                ContainerType::Builtin(VariantType::String),
                vec!["a".into()],
            ),
            "1c 00 01 00 04 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 61 00 00 00",
        ),
        g(
            "D32",
            vec![1u8, 2, 3],
            "1d 00 00 00 03 00 00 00 01 02 03 00",
        ),
        g("D33", Vec::<u8>::new(), "1d 00 00 00 00 00 00 00"),
        g("D34", vec![1i32], "1e 00 00 00 01 00 00 00 01 00 00 00"),
        g(
            "D35",
            vec![1i64],
            "1f 00 00 00 01 00 00 00 01 00 00 00 00 00 00 00",
        ),
        g("D36", vec![1.0f32], "20 00 00 00 01 00 00 00 00 00 80 3f"),
        g(
            "D37",
            vec![1.0f64],
            "21 00 00 00 01 00 00 00 00 00 00 00 00 00 f0 3f",
        ),
        g(
            "D38",
            vec!["ab".to_owned()],
            "22 00 00 00 01 00 00 00 03 00 00 00 61 62 00 00",
        ),
        g(
            "D39",
            vec!["abc".to_owned()],
            "22 00 00 00 01 00 00 00 04 00 00 00 61 62 63 00",
        ),
        g(
            "D40",
            vec![v2(1.0, 2.0)],
            "23 00 00 00 01 00 00 00 00 00 80 3f 00 00 00 40",
        ),
        g(
            "D41",
            vec![Color::new(1.0, 1.0, 1.0, 1.0)],
            "25 00 00 00 01 00 00 00 00 00 80 3f 00 00 80 3f 00 00 80 3f 00 00 80 3f",
        ),
        g("D42", Vec::<Vector4>::new(), "26 00 00 00 00 00 00 00"),
        // Hand-derived (spec A.2 / A.3).
        g("H-nil", Variant::Nil, "00 00 00 00"),
        g(
            "H-int64-neg",
            -2147483649i64,
            "02 00 01 00 ff ff ff 7f ff ff ff ff",
        ),
        g("H-float-inf", f64::INFINITY, "03 00 00 00 00 00 80 7f"),
        g(
            "H-rect2",
            Rect2::new(v2(1.0, 2.0), v2(3.0, 4.0)),
            "07 00 00 00 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40",
        ),
        g(
            "H-vector3i",
            Vector3i::new(1, -2, 3),
            "0a 00 00 00 01 00 00 00 fe ff ff ff 03 00 00 00",
        ),
        g(
            "H-vector4",
            Vector4::new(1.0, 2.0, 3.0, 4.0),
            "0c 00 00 00 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40",
        ),
        g(
            "H-vector4i",
            Vector4i::new(-1, 0, 1, 2),
            "0d 00 00 00 ff ff ff ff 00 00 00 00 01 00 00 00 02 00 00 00",
        ),
        g(
            "H-plane",
            Plane::new(v3(0.0, 1.0, 0.0), 5.0),
            "0e 00 00 00 00 00 00 00 00 00 80 3f 00 00 00 00 00 00 a0 40",
        ),
        g(
            "H-aabb",
            Aabb::new(v3(1.0, 2.0, 3.0), v3(4.0, 5.0, 6.0)),
            "10 00 00 00 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40 00 00 a0 40 00 00 c0 40",
        ),
        // Axes x = (1, 2, 3), y = (4, 5, 6), z = (7, 8, 9): rows are (1, 4, 7), (2, 5, 8), (3, 6, 9);
        // the wire is row-major.
        g(
            "H-basis",
            Basis::new([v3(1.0, 4.0, 7.0), v3(2.0, 5.0, 8.0), v3(3.0, 6.0, 9.0)]),
            "11 00 00 00 00 00 80 3f 00 00 80 40 00 00 e0 40 00 00 00 40 00 00 a0 40 00 00 00 41 00 00 40 40 00 00 c0 40 00 00 10 41",
        ),
        g(
            "H-transform3d",
            Transform3D::new(Basis::IDENTITY, v3(10.0, 11.0, 12.0)),
            "12 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f 00 00 20 41 00 00 30 41 00 00 40 41",
        ),
        g(
            "H-projection",
            Projection::new([
                Vector4::new(1.0, 2.0, 0.0, 0.0),
                Vector4::new(0.0, 1.0, 0.0, 0.0),
                Vector4::new(0.0, 0.0, 1.0, 0.0),
                Vector4::new(0.0, 0.0, 0.0, 1.0),
            ]),
            "13 00 00 00 00 00 80 3f 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 80 3f",
        ),
        g(
            "H-rid",
            Rid(0x0102030405060708),
            "17 00 00 00 08 07 06 05 04 03 02 01",
        ),
        g(
            "H-typed-dictionary",
            {
                let mut d = Dictionary::typed(
                    ContainerType::Builtin(VariantType::String),
                    ContainerType::Builtin(VariantType::Int),
                );
                d.insert("a", 1);
                d
            },
            "1b 00 05 00 04 00 00 00 02 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 61 00 00 00 02 00 00 00 01 00 00 00",
        ),
        g(
            "H-typed-dictionary-value-only",
            {
                let mut d = Dictionary::typed(
                    ContainerType::None,
                    ContainerType::Builtin(VariantType::Float),
                );
                d.insert(1, 0.5);
                d
            },
            "1b 00 04 00 03 00 00 00 01 00 00 00 02 00 00 00 01 00 00 00 03 00 00 00 00 00 00 3f",
        ),
        g(
            "H-array-of-objects",
            Array::typed(
                ContainerType::ClassName("EncodedObjectAsID".into()),
                vec![Variant::Object(ObjectValue::Id(7))],
            ),
            "1c 00 02 00 11 00 00 00 45 6e 63 6f 64 65 64 4f 62 6a 65 63 74 41 73 49 44 00 00 00 01 00 00 00 18 00 01 00 07 00 00 00 00 00 00 00",
        ),
        g(
            "H-packed-vector3",
            vec![v3(1.0, 2.0, 3.0)],
            "24 00 00 00 01 00 00 00 00 00 80 3f 00 00 00 40 00 00 40 40",
        ),
        g(
            "H-packed-vector4",
            vec![Vector4::new(1.0, 2.0, 3.0, 4.0)],
            "26 00 00 00 01 00 00 00 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40",
        ),
        g(
            "H-packed-string-two",
            vec!["".to_owned(), "abcd".to_owned()],
            "22 00 00 00 02 00 00 00 01 00 00 00 00 00 00 00 05 00 00 00 61 62 63 64 00 00 00 00",
        ),
        g(
            "H-nested",
            Array::from_vec(vec![Array::from_vec(vec![true.into()]).into()]),
            "1c 00 00 00 01 00 00 00 1c 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00",
        ),
    ]
}

/// Math types as a double-precision Godot build writes them (FLAG_64 + f64), and the value the
/// single-precision decoder makes of them.
pub fn double_precision() -> Vec<Golden> {
    vec![
        g(
            "H64-vector2",
            v2(1.0, 2.0),
            "05 00 01 00 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40",
        ),
        g(
            "H64-vector3",
            v3(0.5, -1.0, 0.0),
            "09 00 01 00 00 00 00 00 00 00 e0 3f 00 00 00 00 00 00 f0 bf 00 00 00 00 00 00 00 00",
        ),
        g(
            "H64-transform2d",
            Transform2D::IDENTITY,
            "0b 00 01 00 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        ),
        g(
            "H64-quaternion",
            Quaternion::IDENTITY,
            "0f 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 f0 3f",
        ),
        g(
            "H64-packed-vector2",
            vec![v2(1.0, 2.0)],
            "23 00 01 00 01 00 00 00 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40",
        ),
        // Integer vectors and colors never widen.
        g(
            "H64-vector2i",
            Vector2i::new(1, -1),
            "06 00 00 00 01 00 00 00 ff ff ff ff",
        ),
        g(
            "H64-color",
            Color::new(1.0, 0.0, 0.0, 1.0),
            "14 00 00 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 80 3f",
        ),
    ]
}

/// Compressed-form vectors (golden-vectors.md §3.2).
pub fn compressed() -> Vec<Golden> {
    vec![
        g("C1", true, "81"),
        g("C2", false, "01"),
        g("C3", 0i64, "02 00"),
        g("C4", 5i64, "02 05"),
        g("C5", -1i64, "02 ff"),
        g("C6", 127i64, "02 7f"),
        g("C7", -128i64, "02 80"),
        g("C8", 128i64, "42 80 00"),
        g("C9", -129i64, "42 7f ff"),
        g("C10", 300i64, "42 2c 01"),
        g("C11", 32767i64, "42 ff 7f"),
        g("C12", 32768i64, "82 00 80 00 00"),
        g("C13", 70000i64, "82 70 11 01 00"),
        g("C14", -2147483648i64, "82 00 00 00 80"),
        g("C15", 2147483648i64, "c2 00 00 00 80 00 00 00 00"),
        g("C16", Variant::Nil, "00 00 00 00"),
        g("C17", 1.5f64, "03 00 00 00 00 00 c0 3f"),
        g("C18", "hi", "04 00 00 00 02 00 00 00 68 69 00 00"),
        g("H-c-int64-min", i64::MIN, "c2 00 00 00 00 00 00 00 80"),
    ]
}
