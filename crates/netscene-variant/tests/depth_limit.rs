//! One nesting limit, `MAX_DECODE_DEPTH`, for both of Godot's forms: a value nested exactly at
//! the limit goes binary → text → binary unchanged; one level deeper is refused by the binary
//! decoder and the text parser alike; text bombs far past it fail fast. Everything runs on a
//! 2 MiB stack in a debug build, where a recursive parser or decoder would overflow.

mod common;

use common::*;
use netscene_variant::*;

/// The error both forms give one level past the limit.
const TOO_DEEP: &str = "values nested deeper than 512 levels";

/// Every nesting shape at `depth` levels, as hand-built bytes (spec A.3): the value at the
/// bottom sits inside `depth` containers.
fn shapes(depth: usize) -> [(&'static str, Vec<u8>); 4] {
    [
        ("arrays", nested_array_bytes(depth)),
        ("typed arrays", nested_typed_array_bytes(depth)),
        ("dictionaries", nested_dictionary_bytes(depth)),
        ("objects", nested_object_bytes(depth)),
    ]
}

fn decode_whole(bytes: &[u8]) -> Result<Variant, DecodeError> {
    let (value, used) = decode_variant(bytes, &DecodeOptions::allowing_objects())?;
    assert_eq!(used, bytes.len());
    Ok(value)
}

fn encode_full(value: &Variant) -> Vec<u8> {
    let mut out = Vec::new();
    let options = EncodeOptions {
        full_objects: true,
        ..Default::default()
    };
    encode_variant(value, &mut out, &options).expect("encodes");
    out
}

#[test]
fn the_limit_is_512_levels() {
    assert_eq!(MAX_DECODE_DEPTH, 512);
    assert_eq!(
        DecodeErrorKind::TooDeep {
            max: MAX_DECODE_DEPTH
        }
        .to_string(),
        TOO_DEEP
    );
}

#[test]
fn values_nested_at_the_limit_go_binary_to_text_to_binary() {
    on_small_stack(|| {
        for (shape, bytes) in shapes(MAX_DECODE_DEPTH) {
            let value = decode_whole(&bytes).unwrap_or_else(|e| panic!("{shape}: {e}"));
            for text in [var_to_str(&value), var_to_str_one_line(&value)] {
                let back = str_to_var(&text).unwrap_or_else(|e| panic!("{shape}: {e}"));
                assert!(encode_full(&back) == bytes, "{shape}: bytes differ");
            }
        }
    });
}

#[test]
fn hand_written_text_at_the_limit_encodes_to_the_hand_built_bytes() {
    on_small_stack(|| {
        let n = MAX_DECODE_DEPTH;
        let texts = [
            (
                "[".repeat(n) + "null" + &"]".repeat(n),
                nested_array_bytes(n),
            ),
            (
                "Array[Array]([".repeat(n) + "[]" + &"])".repeat(n),
                nested_typed_array_bytes(n),
            ),
            (
                "{null: ".repeat(n) + "null" + &"}".repeat(n),
                nested_dictionary_bytes(n),
            ),
            (
                "Object(A, \"p\": ".repeat(n) + "null" + &")".repeat(n),
                nested_object_bytes(n),
            ),
        ];
        for (text, bytes) in texts {
            let value = str_to_var(&text).unwrap_or_else(|e| panic!("{}: {e}", &text[..16]));
            assert!(
                encode_full(&value) == bytes,
                "{}: bytes differ",
                &text[..16]
            );
        }
    });
}

#[test]
fn one_level_deeper_is_refused_by_the_decoder() {
    on_small_stack(|| {
        for (shape, bytes) in shapes(MAX_DECODE_DEPTH + 1) {
            let err = decode_whole(&bytes).unwrap_err();
            assert_eq!(
                err.kind,
                DecodeErrorKind::TooDeep {
                    max: MAX_DECODE_DEPTH
                },
                "{shape}"
            );
            assert_eq!(err.code(), ErrorCode::OutOfMemory, "{shape}");
            assert!(err.to_string().starts_with(TOO_DEEP), "{shape}: {err}");
        }
    });
}

#[test]
fn one_level_deeper_is_refused_by_the_text_parser_at_the_offending_value() {
    on_small_stack(|| {
        let n = MAX_DECODE_DEPTH + 1;
        // (text, byte offset of the first value inside 513 containers)
        let texts = [
            // The `null` inside the 513th array.
            ("[".repeat(n) + "null" + &"]".repeat(n), n),
            // The `[]` inside the 513th typed array.
            ("Array[Array]([".repeat(n) + "[]" + &"])".repeat(n), 14 * n),
            // The key of the 513th dictionary.
            (
                "{null: ".repeat(n) + "null" + &"}".repeat(n),
                7 * (n - 1) + 1,
            ),
            // The property value of the 513th object.
            (
                "Object(A, \"p\": ".repeat(n) + "null" + &")".repeat(n),
                15 * n,
            ),
        ];
        for (text, offset) in texts {
            let err = str_to_var(&text).unwrap_err();
            assert_eq!(err.message, TOO_DEEP, "{}", &text[..16]);
            assert_eq!(err.code(), ErrorCode::ParseError);
            assert_eq!(
                (err.offset, err.line, err.column),
                (offset, 1, offset + 1),
                "{}",
                &text[..16]
            );
            assert_eq!(
                err.to_string(),
                format!("{TOO_DEEP} at line 1, column {}", offset + 1)
            );
        }
    });
}

#[test]
fn text_written_for_a_value_past_the_limit_is_refused_too() {
    on_small_stack(|| {
        for depth in [MAX_DECODE_DEPTH + 1, MAX_DECODE_DEPTH + 2] {
            let deep = nested_arrays(depth, Variant::Int(1));
            assert!(matches!(
                encode_variant(&deep, &mut Vec::new(), &EncodeOptions::default()),
                Err(EncodeError::TooDeep { .. })
            ));
            for text in [var_to_str(&deep), var_to_str_one_line(&deep)] {
                assert_eq!(str_to_var(&text).unwrap_err().message, TOO_DEEP);
            }
        }
    });
}

#[test]
fn text_bombs_far_past_the_limit_fail_fast() {
    on_small_stack(|| {
        for opener in [
            "[",
            "{",
            "{1: ",
            "Array[int]([",
            "Dictionary[int, Array]({",
            "Object(A, \"p\": ",
        ] {
            let bomb = opener.repeat(100_000);
            let err = str_to_var(&bomb).unwrap_err();
            assert_eq!(err.message, TOO_DEEP, "{opener}");
        }
        // Closed, so only the depth is wrong.
        let closed = "[".repeat(100_000) + &"]".repeat(100_000);
        assert_eq!(
            str_to_var(&closed).unwrap_err().column,
            MAX_DECODE_DEPTH + 2
        );
    });
}
