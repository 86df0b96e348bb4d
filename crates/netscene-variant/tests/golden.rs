//! Golden bytes, both directions: every vector of golden-vectors.md §3.1/§3.2 plus hand-derived
//! vectors for the types the table lacks (see `common/vectors.rs`).

mod common;

use common::*;
use netscene_variant::*;

#[test]
fn encode_matches_golden_bytes() {
    for v in vectors::binary() {
        assert_eq!(enc(&v.value), hex(v.hex), "{} encode", v.id);
    }
}

#[test]
fn decode_matches_golden_values_and_consumes_everything() {
    for v in vectors::binary() {
        let bytes = hex(v.hex);
        let (value, used) = dec(&bytes).unwrap_or_else(|e| panic!("{} decode: {e}", v.id));
        assert_eq!(value, v.value, "{} decode", v.id);
        assert_eq!(used, bytes.len(), "{} consumed", v.id);
    }
}

#[test]
fn decode_reports_consumed_bytes_before_trailing_data() {
    let mut bytes = hex("04 00 00 00 02 00 00 00 68 69 00 00");
    bytes.extend_from_slice(&[0xAA, 0xBB]);
    assert_eq!(dec(&bytes).unwrap(), (Variant::from("hi"), 12));
}

#[test]
fn null_object_encodes_as_nil_d23() {
    assert_eq!(enc(&Variant::Object(ObjectValue::Null)), hex("00 00 00 00"));
    let full = EncodeOptions {
        full_objects: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    encode_variant(&Variant::Object(ObjectValue::Null), &mut out, &full).unwrap();
    assert_eq!(out, hex("00 00 00 00"));
}

#[test]
fn object_id_zero_decodes_as_null_object() {
    let (v, _) = dec(&hex("18 00 01 00 00 00 00 00 00 00 00 00")).unwrap();
    assert_eq!(v, Variant::Object(ObjectValue::Null));
}

#[test]
fn double_precision_encoding_matches_flag64_vectors() {
    let double = EncodeOptions {
        double_precision: true,
        ..Default::default()
    };
    for v in vectors::double_precision() {
        let mut out = Vec::new();
        encode_variant(&v.value, &mut out, &double).unwrap();
        assert_eq!(out, hex(v.hex), "{} encode", v.id);
    }
}

#[test]
fn flag64_math_types_decode_to_the_same_values() {
    for v in vectors::double_precision() {
        let bytes = hex(v.hex);
        let (value, used) = dec(&bytes).unwrap_or_else(|e| panic!("{} decode: {e}", v.id));
        assert_eq!(value, v.value, "{}", v.id);
        assert_eq!(used, bytes.len(), "{}", v.id);
    }
}

#[test]
fn flag64_on_a_color_is_ignored_as_godot_does() {
    let (v, used) = dec(&hex(
        "14 00 01 00 00 00 80 3f 00 00 00 00 00 00 00 00 00 00 80 3f",
    ))
    .unwrap();
    assert_eq!(v, Variant::Color(Color::new(1.0, 0.0, 0.0, 1.0)));
    assert_eq!(used, 20);
}

#[test]
fn flag64_narrows_f64_components_to_f32() {
    // Vector2(0.1, 0) written by a double build: 0.1 rounds to the nearest f32.
    let (v, _) = dec(&hex(
        "05 00 01 00 9a 99 99 99 99 99 b9 3f 00 00 00 00 00 00 00 00",
    ))
    .unwrap();
    assert_eq!(v, Variant::Vector2(v2(0.1, 0.0)));
}

#[test]
fn compressed_matches_golden_bytes_both_ways() {
    for v in vectors::compressed() {
        let mut out = Vec::new();
        encode_and_compress_variant(&v.value, &mut out, &EncodeOptions::default()).unwrap();
        assert_eq!(out, hex(v.hex), "{} encode", v.id);
        let (value, used) = decode_and_decompress_variant(&out, &DecodeOptions::default()).unwrap();
        assert_eq!(value, v.value, "{} decode", v.id);
        assert_eq!(used, out.len(), "{} consumed", v.id);
    }
}

#[test]
fn compressed_list_is_plain_concatenation() {
    // The argument part of golden P13: (int 5, "hi").
    let args = [Variant::Int(5), Variant::from("hi")];
    let mut out = Vec::new();
    encode_and_compress_variants(&args, &mut out, &EncodeOptions::default()).unwrap();
    assert_eq!(out, hex("02 05 04 00 00 00 02 00 00 00 68 69 00 00"));
    let (values, used) =
        decode_and_decompress_variants(&out, 2, false, &DecodeOptions::default()).unwrap();
    assert_eq!(values, args);
    assert_eq!(used, out.len());
}

#[test]
fn raw_rpc_arguments_follow_the_raw_rules() {
    let opts = EncodeOptions::default();
    let mut out = Vec::new();
    assert!(encode_and_compress_variants_raw(&[], &mut out, &opts).unwrap());
    assert!(out.is_empty());

    // Golden P14: a single PackedByteArray travels as its bytes.
    let pba = [Variant::PackedByteArray(vec![0xde, 0xad])];
    assert!(encode_and_compress_variants_raw(&pba, &mut out, &opts).unwrap());
    assert_eq!(out, [0xde, 0xad]);
    let (values, used) =
        decode_and_decompress_variants(&out, 1, true, &DecodeOptions::default()).unwrap();
    assert_eq!((values.as_slice(), used), (pba.as_slice(), 2));

    // Golden P15: one bool is not raw.
    out.clear();
    assert!(!encode_and_compress_variants_raw(&[true.into()], &mut out, &opts).unwrap());
    assert_eq!(out, [0x81]);

    let many = vec![Variant::Nil; 256];
    assert_eq!(
        encode_and_compress_variants_raw(&many, &mut out, &opts),
        Err(EncodeError::TooManyArguments(256))
    );
    let err = decode_and_decompress_variants(&[1, 2], 2, true, &DecodeOptions::default());
    assert_eq!(err.unwrap_err().kind, DecodeErrorKind::InvalidRawArgc(2));
}

#[test]
fn full_object_round_trip_needs_permission() {
    let object = Variant::Object(ObjectValue::Full {
        class: "Node".into(),
        properties: vec![("name".into(), Variant::from("x"))],
    });
    let bytes = hex(
        "18 00 00 00 04 00 00 00 4e 6f 64 65 01 00 00 00 04 00 00 00 6e 61 6d 65 04 00 00 00 01 00 00 00 78 00 00 00",
    );
    let full = EncodeOptions {
        full_objects: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    encode_variant(&object, &mut out, &full).unwrap();
    assert_eq!(out, bytes);

    let refused = dec(&bytes).unwrap_err();
    assert_eq!(refused.kind, DecodeErrorKind::ObjectsNotAllowed);
    assert_eq!(refused.offset, 0);
    assert_eq!(refused.code(), ErrorCode::Unauthorized);

    let (value, used) = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap();
    assert_eq!((value, used), (object.clone(), bytes.len()));

    // Without full_objects there is no id to send.
    let mut out = Vec::new();
    assert!(matches!(
        encode_variant(&object, &mut out, &EncodeOptions::default()),
        Err(EncodeError::FullObjectNotAllowed { .. })
    ));
}

#[test]
fn script_typed_containers() {
    let array = Array::typed(ContainerType::Script("res://player.gd".into()), vec![]);
    // Without full objects the script type falls back to EncodedObjectAsID (kind 2).
    assert_eq!(
        enc(&array.clone().into()),
        hex(
            "1c 00 02 00 11 00 00 00 45 6e 63 6f 64 65 64 4f 62 6a 65 63 74 41 73 49 44 00 00 00 00 00 00 00"
        )
    );
    let full = EncodeOptions {
        full_objects: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    encode_variant(&array.clone().into(), &mut out, &full).unwrap();
    let expected =
        hex("1c 00 03 00 0f 00 00 00 72 65 73 3a 2f 2f 70 6c 61 79 65 72 2e 67 64 00 00 00 00 00");
    assert_eq!(out, expected);
    // Decoded with permission the script path survives; without, it becomes EncodedObjectAsID.
    let (with, _) = decode_variant(&out, &DecodeOptions::allowing_objects()).unwrap();
    assert_eq!(with, Variant::Array(array));
    let (without, _) = dec(&out).unwrap();
    assert_eq!(
        without,
        Variant::Array(Array::typed(
            ContainerType::ClassName("EncodedObjectAsID".into()),
            vec![]
        ))
    );

    let bad = Array::typed(ContainerType::Script("user://x.gd".into()), vec![]);
    let err = encode_variant(&bad.into(), &mut Vec::new(), &full).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
}

#[test]
fn obsolete_nodepath_subname_flag_decodes() {
    // flags bit 1: one extra subname follows (pre-3.0 property field).
    let bytes = hex(
        "16 00 00 00 01 00 00 80 00 00 00 00 02 00 00 00 01 00 00 00 61 00 00 00 01 00 00 00 62 00 00 00",
    );
    let (v, used) = dec(&bytes).unwrap();
    assert_eq!(v, Variant::NodePath(NodePath::new("a:b")));
    assert_eq!(used, bytes.len());
}

#[test]
fn strings_stop_at_nul_and_skip_a_bom() {
    let (v, used) = dec(&hex("04 00 00 00 05 00 00 00 61 62 00 63 64 00 00 00")).unwrap();
    assert_eq!((v, used), (Variant::from("ab"), 16));
    let (v, _) = dec(&hex("04 00 00 00 04 00 00 00 ef bb bf 7a")).unwrap();
    assert_eq!(v, Variant::from("z"));
}

#[test]
fn duplicate_dictionary_keys_replace_in_place() {
    // {1: "a", 2: "b", 1: "c"} → {1: "c", 2: "b"}, as Godot's `d[key] = value` does.
    let bytes = hex("1b 00 00 00 03 00 00 00 \
         02 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 61 00 00 00 \
         02 00 00 00 02 00 00 00 04 00 00 00 01 00 00 00 62 00 00 00 \
         02 00 00 00 01 00 00 00 04 00 00 00 01 00 00 00 63 00 00 00");
    let (v, _) = dec(&bytes).unwrap();
    let Variant::Dictionary(d) = v else {
        panic!("not a dictionary")
    };
    let entries: Vec<_> = d.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(
        entries,
        vec![(1.into(), "c".into()), (2.into(), "b".into())]
    );
}

#[test]
fn shared_bit_of_array_count_is_ignored() {
    let (v, _) = dec(&hex("1c 00 00 00 01 00 00 80 00 00 00 00")).unwrap();
    assert_eq!(v, Variant::Array(Array::from_vec(vec![Variant::Nil])));
}
