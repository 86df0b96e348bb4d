//! Property tests: binary, compressed and text round trips for arbitrary nested values, and
//! arbitrary bytes / text never panic the decoders.

mod common;

use common::*;
use netscene_variant::*;
use proptest::prelude::*;

/// No NaN (never equal to itself) and no -0.0 (Godot's text form writes it as `0`, so its bytes
/// cannot survive a text round trip; `var_to_str` tests cover that case).
fn real() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("NaN or -0", |f| {
        !f.is_nan() && (*f != 0.0 || f.is_sign_positive())
    })
}

/// As [`real`], for `f64`.
fn float() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("NaN or -0", |f| {
        !f.is_nan() && (*f != 0.0 || f.is_sign_positive())
    })
}

/// Text without NUL (Godot strings end there) and without a leading BOM (skipped on decode).
fn text() -> impl Strategy<Value = String> {
    any::<String>().prop_map(|s| {
        s.replace('\0', "")
            .trim_start_matches('\u{feff}')
            .to_owned()
    })
}

fn name() -> impl Strategy<Value = StringName> {
    "[a-zA-Z0-9_ .é-]{1,8}".prop_map(StringName::from)
}

fn node_path() -> impl Strategy<Value = NodePath> {
    (
        prop::collection::vec(name(), 0..4),
        prop::collection::vec(name(), 0..3),
        any::<bool>(),
    )
        .prop_map(|(names, subnames, absolute)| NodePath::from_parts(names, subnames, absolute))
}

fn v2() -> impl Strategy<Value = Vector2> {
    (real(), real()).prop_map(|(x, y)| Vector2::new(x, y))
}

fn v3() -> impl Strategy<Value = Vector3> {
    (real(), real(), real()).prop_map(|(x, y, z)| Vector3::new(x, y, z))
}

fn v4() -> impl Strategy<Value = Vector4> {
    (real(), real(), real(), real()).prop_map(|(x, y, z, w)| Vector4::new(x, y, z, w))
}

fn color() -> impl Strategy<Value = Color> {
    (real(), real(), real(), real()).prop_map(|(r, g, b, a)| Color::new(r, g, b, a))
}

fn container_type() -> impl Strategy<Value = ContainerType> {
    prop_oneof![
        Just(ContainerType::None),
        (1u8..VariantType::MAX)
            .prop_map(|id| ContainerType::Builtin(VariantType::from_id(id).unwrap())),
        "[A-Z][a-zA-Z0-9]{0,6}".prop_map(ContainerType::ClassName),
        "res://[a-z]{1,5}\\.gd".prop_map(ContainerType::Script),
    ]
}

fn leaf() -> impl Strategy<Value = Variant> {
    prop_oneof![
        Just(Variant::Nil),
        any::<bool>().prop_map(Variant::Bool),
        any::<i64>().prop_map(Variant::Int),
        float().prop_map(Variant::Float),
        text().prop_map(Variant::String),
        v2().prop_map(Variant::Vector2),
        (any::<i32>(), any::<i32>()).prop_map(|(x, y)| Variant::Vector2i(Vector2i::new(x, y))),
        (v2(), v2()).prop_map(|(p, s)| Variant::Rect2(Rect2::new(p, s))),
        any::<[i32; 4]>().prop_map(|[a, b, c, d]| Variant::Rect2i(Rect2i::new(
            Vector2i::new(a, b),
            Vector2i::new(c, d)
        ))),
        v3().prop_map(Variant::Vector3),
        any::<[i32; 3]>().prop_map(|[x, y, z]| Variant::Vector3i(Vector3i::new(x, y, z))),
        (v2(), v2(), v2()).prop_map(|(x, y, o)| Variant::Transform2D(Transform2D::new(x, y, o))),
        v4().prop_map(Variant::Vector4),
        any::<[i32; 4]>().prop_map(|[x, y, z, w]| Variant::Vector4i(Vector4i::new(x, y, z, w))),
        (v3(), real()).prop_map(|(n, d)| Variant::Plane(Plane::new(n, d))),
        v4().prop_map(|v| Variant::Quaternion(Quaternion::new(v.x, v.y, v.z, v.w))),
        (v3(), v3()).prop_map(|(p, s)| Variant::Aabb(Aabb::new(p, s))),
        (v3(), v3(), v3()).prop_map(|(a, b, c)| Variant::Basis(Basis::new([a, b, c]))),
        (v3(), v3(), v3(), v3()).prop_map(|(a, b, c, o)| Variant::Transform3D(Transform3D::new(
            Basis::new([a, b, c]),
            o
        ))),
        (v4(), v4(), v4(), v4())
            .prop_map(|(a, b, c, d)| Variant::Projection(Projection::new([a, b, c, d]))),
        color().prop_map(Variant::Color),
        name().prop_map(Variant::StringName),
        node_path().prop_map(Variant::NodePath),
        any::<u64>().prop_map(|id| Variant::Rid(Rid(id))),
        (1u64..).prop_map(|id| Variant::Object(ObjectValue::Id(id))),
        Just(Variant::Object(ObjectValue::Null)).prop_map(|_| Variant::Nil),
        Just(Variant::Callable),
        (name(), any::<u64>())
            .prop_map(|(name, object_id)| Variant::Signal(Signal { name, object_id })),
        prop::collection::vec(any::<u8>(), 0..9).prop_map(Variant::PackedByteArray),
        prop::collection::vec(any::<i32>(), 0..5).prop_map(Variant::PackedInt32Array),
        prop::collection::vec(any::<i64>(), 0..5).prop_map(Variant::PackedInt64Array),
        prop::collection::vec(real(), 0..5).prop_map(Variant::PackedFloat32Array),
        prop::collection::vec(float(), 0..5).prop_map(Variant::PackedFloat64Array),
        prop::collection::vec(text(), 0..4).prop_map(Variant::PackedStringArray),
        prop::collection::vec(v2(), 0..4).prop_map(Variant::PackedVector2Array),
        prop::collection::vec(v3(), 0..4).prop_map(Variant::PackedVector3Array),
        prop::collection::vec(color(), 0..4).prop_map(Variant::PackedColorArray),
        prop::collection::vec(v4(), 0..4).prop_map(Variant::PackedVector4Array),
    ]
}

/// True when a typed container keeps `item` as it is: the decoder leaves out (or converts) the
/// others as Godot does (tests/typed_containers.rs), so they cannot round-trip unchanged.
fn conforms(ty: &ContainerType, item: &Variant) -> bool {
    match (ty, item) {
        (ContainerType::None, _) => true,
        (ContainerType::Builtin(VariantType::Object), Variant::Nil) => true,
        (ContainerType::Builtin(t), item) => item.get_type() == *t,
        (_, Variant::Nil | Variant::Object(ObjectValue::Null | ObjectValue::Full { .. })) => true,
        // An id decodes as an EncodedObjectAsID (a RefCounted, without script).
        (ContainerType::ClassName(class), Variant::Object(ObjectValue::Id(_))) => {
            matches!(
                class.as_str(),
                "EncodedObjectAsID" | "RefCounted" | "Object"
            )
        }
        _ => false,
    }
}

fn variant() -> impl Strategy<Value = Variant> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            (container_type(), prop::collection::vec(inner.clone(), 0..6)).prop_map(
                |(t, items)| {
                    let items = items.into_iter().filter(|i| conforms(&t, i)).collect();
                    Variant::Array(Array::typed(t, items))
                }
            ),
            (
                container_type(),
                container_type(),
                prop::collection::vec((inner.clone(), inner.clone()), 0..6)
            )
                .prop_map(|(k, v, entries)| {
                    // The binary form checks only keys, the text form keys and values.
                    let mut d = Dictionary::typed(k.clone(), v.clone());
                    let conforming = |(key, value): &(Variant, Variant)| {
                        conforms(&k, key) && conforms(&v, value)
                    };
                    for (key, value) in entries.into_iter().filter(conforming) {
                        d.insert(key, value);
                    }
                    Variant::Dictionary(d)
                }),
            (
                "[A-Z][a-zA-Z0-9_]{0,6}",
                prop::collection::vec(("[a-z_]{1,6}", inner), 0..3)
            )
                .prop_map(|(class, properties)| Variant::Object(ObjectValue::Full {
                    class,
                    properties
                })),
        ]
    })
}

/// What Godot's `var_to_str` keeps of a value: signals lose their name and object.
fn godot_text_image(v: &Variant) -> Variant {
    match v {
        Variant::Signal(_) => Variant::Signal(Signal::default()),
        Variant::Array(a) => Variant::Array(Array::typed(
            a.element_type.clone(),
            a.items.iter().map(godot_text_image).collect(),
        )),
        Variant::Dictionary(d) => {
            let mut out = Dictionary::typed(d.key_type.clone(), d.value_type.clone());
            for (k, v) in d.iter() {
                out.insert(godot_text_image(k), godot_text_image(v));
            }
            Variant::Dictionary(out)
        }
        Variant::Object(ObjectValue::Full { class, properties }) => {
            Variant::Object(ObjectValue::Full {
                class: class.clone(),
                properties: properties
                    .iter()
                    .map(|(k, v)| (k.clone(), godot_text_image(v)))
                    .collect(),
            })
        }
        other => other.clone(),
    }
}

const FULL: EncodeOptions = EncodeOptions {
    full_objects: true,
    double_precision: false,
};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn binary_round_trip(v in variant()) {
        let mut bytes = Vec::new();
        encode_variant(&v, &mut bytes, &FULL).unwrap();
        prop_assert_eq!(bytes.len() % 4, 0);
        let (back, used) = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(&back, &v);
        // Deterministic: encoding the decoded value gives the same bytes.
        let mut again = Vec::new();
        encode_variant(&back, &mut again, &FULL).unwrap();
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn double_precision_round_trip(v in variant()) {
        let opts = EncodeOptions { double_precision: true, ..FULL };
        let mut bytes = Vec::new();
        encode_variant(&v, &mut bytes, &opts).unwrap();
        let (back, used) = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, v);
    }

    #[test]
    fn compressed_list_round_trip(values in prop::collection::vec(variant(), 0..5)) {
        let mut bytes = Vec::new();
        encode_and_compress_variants(&values, &mut bytes, &FULL).unwrap();
        let (back, used) = decode_and_decompress_variants(
            &bytes, values.len(), false, &DecodeOptions::allowing_objects()).unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(back, values);
    }

    #[test]
    fn one_line_text_round_trip(v in variant()) {
        let line = var_to_str_one_line(&v);
        prop_assert!(!line.contains('\n'));
        let back = str_to_var(&line).map_err(|e| TestCaseError::fail(format!("{line}: {e}")))?;
        prop_assert_eq!(&back, &v);
        // encode(parse(format(v))) == encode(v)
        let (mut a, mut b) = (Vec::new(), Vec::new());
        encode_variant(&back, &mut a, &FULL).unwrap();
        encode_variant(&v, &mut b, &FULL).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn godot_text_round_trip(v in variant()) {
        let text = var_to_str(&v);
        let back = str_to_var(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, godot_text_image(&v));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_variant(&bytes, &DecodeOptions::default());
        let _ = decode_variant(&bytes, &DecodeOptions::allowing_objects());
        let _ = decode_and_decompress_variant(&bytes, &DecodeOptions::allowing_objects());
        let _ = decode_and_decompress_variants(&bytes, 4, false, &DecodeOptions::default());
    }

    #[test]
    fn mutated_golden_bytes_never_panic(
        index in 0usize..1000,
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let vectors = vectors::binary();
        let mut bytes = hex(vectors[index % vectors.len()].hex);
        let at = position.index(bytes.len());
        bytes[at] = byte;
        if let Ok((value, used)) = decode_variant(&bytes, &DecodeOptions::allowing_objects()) {
            prop_assert!(used <= bytes.len());
            // Whatever decodes re-encodes.
            let _ = encode_variant(&value, &mut Vec::new(), &FULL);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = str_to_var(&text);
    }

    #[test]
    fn value_like_text_never_panics(text in "[\\[\\]{}(),:&^#\"a-zA-Z0-9._ -]{0,40}") {
        let _ = str_to_var(&text);
    }
}
