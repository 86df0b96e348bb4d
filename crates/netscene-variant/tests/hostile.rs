//! Hostile bytes: truncation at every offset of every golden vector, depth bombs, huge and
//! negative lengths, unknown types, bad UTF-8. None may panic; each must be a typed error.

mod common;

use common::*;
use netscene_variant::*;

#[test]
fn every_truncation_of_every_binary_vector_is_an_error() {
    for v in vectors::binary()
        .into_iter()
        .chain(vectors::double_precision())
    {
        let bytes = hex(v.hex);
        for cut in 0..bytes.len() {
            let result = dec(&bytes[..cut]);
            assert!(result.is_err(), "{} cut at {cut} decoded: {result:?}", v.id);
        }
    }
}

#[test]
fn every_truncation_of_every_compressed_vector_is_an_error() {
    for v in vectors::compressed() {
        let bytes = hex(v.hex);
        for cut in 0..bytes.len() {
            let result = decode_and_decompress_variant(&bytes[..cut], &DecodeOptions::default());
            assert!(result.is_err(), "{} cut at {cut} decoded: {result:?}", v.id);
        }
    }
}

#[test]
fn truncation_error_names_the_offset() {
    let err = dec(&hex("05 00 00 00 00 00 80 3f")).unwrap_err();
    assert_eq!(err.offset, 4);
    assert_eq!(err.code(), ErrorCode::InvalidData);
    assert!(matches!(
        err.kind,
        DecodeErrorKind::Truncated {
            needed: 8,
            available: 4,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "truncated Vector2: needs 8 bytes, 4 left at byte 4"
    );
}

#[test]
fn depth_bomb_at_the_limit_decodes_encodes_and_drops_on_a_2mib_stack() {
    on_small_stack(|| {
        let bytes = nested_array_bytes(MAX_DECODE_DEPTH);
        let (value, used) = dec(&bytes).expect("512 levels decode");
        assert_eq!(used, bytes.len());
        assert_eq!(enc(&value), bytes);
        let copy = value.clone();
        assert_eq!(copy, value);
        drop(copy);
    });
}

#[test]
fn depth_bomb_past_the_limit_is_refused() {
    on_small_stack(|| {
        let err = dec(&nested_array_bytes(MAX_DECODE_DEPTH + 1)).unwrap_err();
        assert_eq!(
            err.kind,
            DecodeErrorKind::TooDeep {
                max: MAX_DECODE_DEPTH
            }
        );
        assert_eq!(err.code(), ErrorCode::OutOfMemory);
        assert_eq!(err.offset, (MAX_DECODE_DEPTH + 1) * 8);
    });
}

#[test]
fn deep_depth_bomb_fails_fast_without_recursing_further() {
    on_small_stack(|| {
        // 100 000 levels: far past any stack if the decoder kept recursing.
        let err = dec(&nested_array_bytes(100_000)).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::TooDeep { .. }));
    });
}

#[test]
fn dictionary_and_object_depth_bombs_at_the_limit_survive_every_walk_on_a_2mib_stack() {
    on_small_stack(|| {
        let full = EncodeOptions {
            full_objects: true,
            ..Default::default()
        };
        for bytes in [
            nested_dictionary_bytes(MAX_DECODE_DEPTH),
            nested_object_bytes(MAX_DECODE_DEPTH),
        ] {
            let (value, used) = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap();
            assert_eq!(used, bytes.len());
            let mut again = Vec::new();
            encode_variant(&value, &mut again, &full).unwrap();
            assert_eq!(again, bytes);
            let copy = value.clone();
            assert_eq!(copy, value);
            assert!(!var_to_str(&value).is_empty());
            assert!(!value.to_string().is_empty());
            drop(copy);
        }
    });
}

#[test]
fn dictionary_and_object_depth_bombs_past_the_limit_are_refused() {
    on_small_stack(|| {
        for bytes in [
            nested_dictionary_bytes(MAX_DECODE_DEPTH + 1),
            nested_object_bytes(MAX_DECODE_DEPTH + 1),
            nested_dictionary_bytes(100_000),
        ] {
            let err = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap_err();
            assert!(matches!(err.kind, DecodeErrorKind::TooDeep { .. }), "{err}");
        }
    });
}

#[test]
fn max_depth_option_lowers_the_limit() {
    let opts = DecodeOptions {
        max_depth: 2,
        ..Default::default()
    };
    assert!(decode_variant(&nested_array_bytes(2), &opts).is_ok());
    assert!(decode_variant(&nested_array_bytes(3), &opts).is_err());
    // It cannot raise it.
    let opts = DecodeOptions {
        max_depth: usize::MAX,
        ..Default::default()
    };
    assert!(decode_variant(&nested_array_bytes(MAX_DECODE_DEPTH + 1), &opts).is_err());
}

#[test]
fn encoding_past_the_depth_limit_is_refused() {
    on_small_stack(|| {
        let deep = nested_arrays(MAX_DECODE_DEPTH + 1, Variant::Nil);
        let err = encode_variant(&deep, &mut Vec::new(), &EncodeOptions::default()).unwrap_err();
        assert_eq!(
            err,
            EncodeError::TooDeep {
                max: MAX_DECODE_DEPTH
            }
        );
        assert_eq!(err.code(), ErrorCode::OutOfMemory);
    });
}

fn assert_count_too_large(bytes: &[u8], what_offset: usize) {
    let err = dec(bytes).unwrap_err();
    assert!(
        matches!(err.kind, DecodeErrorKind::CountTooLarge { .. }),
        "{err:?}"
    );
    assert_eq!(err.offset, what_offset, "{err}");
    assert_eq!(err.code(), ErrorCode::InvalidData);
}

#[test]
fn huge_declared_counts_fail_before_allocating() {
    // 2^31 - 1 elements with 10 bytes left.
    let tail = "00 00 00 00 00 00 00 00 00 00";
    assert_count_too_large(&hex(&format!("1c 00 00 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(&hex(&format!("1b 00 00 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(&hex(&format!("1d 00 00 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(&hex(&format!("1e 00 00 00 00 00 00 40 {tail}")), 4);
    assert_count_too_large(&hex(&format!("21 00 00 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(&hex(&format!("22 00 00 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(&hex(&format!("24 00 01 00 ff ff ff 7f {tail}")), 4);
    assert_count_too_large(
        &hex(&format!(
            "16 00 00 00 ff ff ff ff ff ff ff ff 03 00 00 00 {tail}"
        )),
        4,
    );
    // Typed array: the count follows the descriptor.
    assert_count_too_large(
        &hex(&format!("1c 00 01 00 02 00 00 00 ff ff ff 7f {tail}")),
        8,
    );
    // Bit 31 of an array count is masked off, leaving 2^31 - 1.
    assert_count_too_large(&hex(&format!("1c 00 00 00 ff ff ff ff {tail}")), 4);
    // Multiplication overflow is not a way around the check.
    assert_count_too_large(&hex(&format!("26 00 01 00 ff ff ff 7f {tail}")), 4);
}

#[test]
fn huge_string_length_is_eof() {
    let err = dec(&hex("04 00 00 00 ff ff ff 7f 61 62 63 64")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::StringTooLong { .. }));
    assert_eq!(err.code(), ErrorCode::FileEof);
    assert_eq!(err.offset, 4);
}

#[test]
fn negative_lengths_are_refused() {
    for bytes in [
        "1d 00 00 00 ff ff ff ff 00 00 00 00",
        "1e 00 00 00 00 00 00 80 00 00 00 00",
        "20 00 00 00 fe ff ff ff 00 00 00 00",
        "22 00 00 00 ff ff ff ff 00 00 00 00",
        "25 00 00 00 ff ff ff ff 00 00 00 00",
    ] {
        let err = dec(&hex(bytes)).unwrap_err();
        assert!(
            matches!(err.kind, DecodeErrorKind::NegativeLength { .. }),
            "{bytes}: {err:?}"
        );
        assert_eq!(err.offset, 4);
    }
    let err = dec(&hex("04 00 00 00 fc ff ff ff 00 00 00 00")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::StringTooLong { .. }));
    // Object property count, with objects allowed.
    let bytes = hex("18 00 00 00 04 00 00 00 4e 6f 64 65 ff ff ff ff 00 00 00 00");
    let err = decode_variant(&bytes, &DecodeOptions::allowing_objects()).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::NegativeLength { .. }));
    assert_eq!(err.offset, 12);
}

#[test]
fn unknown_types_are_invalid_data() {
    for (bytes, id) in [("27 00 00 00", 39), ("ff 00 00 00", 255)] {
        let err = dec(&hex(bytes)).unwrap_err();
        assert_eq!(err.kind, DecodeErrorKind::UnknownType(id));
        assert_eq!(err.code(), ErrorCode::InvalidData);
    }
    let err = decode_and_decompress_variant(&[0x27], &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::UnknownType(39));
    // Unused header bits do not change the type (Godot masks with 0xFF).
    assert_eq!(
        dec(&hex("01 7f 00 00 01 00 00 00")).unwrap().0,
        Variant::Bool(true)
    );
    // A typed array whose builtin type is out of range.
    let err = dec(&hex("1c 00 01 00 27 00 00 00 00 00 00 00")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::InvalidContainerType(_)));
}

#[test]
fn invalid_utf8_is_invalid_data() {
    let err = dec(&hex("04 00 00 00 02 00 00 00 c3 28 00 00")).unwrap_err();
    assert!(matches!(err.kind, DecodeErrorKind::InvalidUtf8 { .. }));
    assert_eq!(err.offset, 8);
    assert_eq!(err.code(), ErrorCode::InvalidData);
}

#[test]
fn obsolete_node_path_is_refused() {
    let err = dec(&hex("16 00 00 00 02 00 00 00 61 62 00 00")).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::ObsoleteNodePath);
}

#[test]
fn many_distinct_dictionary_keys_decode_in_linear_time() {
    // 60 000 distinct int keys with nil values (12 bytes each): quadratic insertion would take
    // billions of comparisons.
    let n = 60_000u32;
    let mut bytes = hex("1b 00 00 00");
    bytes.extend_from_slice(&n.to_le_bytes());
    for i in 0..n {
        bytes.extend_from_slice(&[2, 0, 0, 0]);
        bytes.extend_from_slice(&i.to_le_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0]);
    }
    let (v, used) = dec(&bytes).unwrap();
    assert_eq!(used, bytes.len());
    let Variant::Dictionary(d) = v else {
        panic!("dictionary")
    };
    assert_eq!(d.len(), n as usize);
}

/// Two equal dictionaries nested `depth` deep whose entries differ in order at every level, as
/// the two keys of one outer dictionary: decoding compares the keys (a repeated key replaces
/// the value). Found by the `wire_parsers` fuzz target.
fn reordered_twin_dictionaries(depth: usize) -> Vec<u8> {
    let int = |v: u32| [2u32.to_le_bytes(), v.to_le_bytes()].concat();
    let dict = |entries: &[(Vec<u8>, Vec<u8>)]| {
        let mut out = [0x1bu32.to_le_bytes(), (entries.len() as u32).to_le_bytes()].concat();
        for (k, v) in entries {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        out
    };
    let (mut a, mut b) = (int(0), int(0));
    for _ in 0..depth {
        a = dict(&[(int(0), a), (int(1), int(0)), (int(2), int(0))]);
        b = dict(&[(int(0), b), (int(2), int(0)), (int(1), int(0))]);
    }
    dict(&[(a, int(0)), (b, int(0))])
}

#[test]
fn comparing_reordered_nested_dictionaries_is_not_exponential() {
    // Comparing each pair of entries twice made this 2^depth work: 2.3 KB at depth 24 took
    // half a second, depth 48 would take years. It must finish, so a regression fails on the
    // deadline instead of hanging the test run.
    let bytes = reordered_twin_dictionaries(48);
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(dec(&bytes).map(|(v, used)| (v, used, bytes.len()))));
    let (v, used, len) = result
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("decoding took over a minute: dictionary comparison is exponential again")
        .unwrap();
    assert_eq!(used, len);
    let Variant::Dictionary(d) = v else {
        panic!("dictionary")
    };
    // The two keys are equal, so the second replaced the first's value.
    assert_eq!(d.len(), 1);
}
