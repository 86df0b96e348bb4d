//! `netscene variant decode|encode`, run as the built binary.

use std::process::{Command, Output};

fn netscene(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netscene"))
        .args(args)
        .output()
        .expect("run netscene")
}

/// Exit status, stdout and stderr (as text).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = netscene(args);
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8(out.stdout).expect("utf-8 stdout"),
        String::from_utf8(out.stderr).expect("utf-8 stderr"),
    )
}

fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
    stdout
}

/// Bad input: exit status 2, nothing on stdout, one `error:` line on stderr.
fn bad(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 2, "{args:?}: {stdout} {stderr}");
    assert!(stdout.is_empty(), "{args:?}: {stdout}");
    assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn decode_prints_godot_text() {
    // golden D13, with spaces and without.
    assert_eq!(
        ok(&["variant", "decode", "05 00 00 00 00 00 80 3f 00 00 00 40"]),
        "Vector2(1, 2)\n"
    );
    assert_eq!(
        ok(&["variant", "decode", "050000000000803f00000040"]),
        "Vector2(1, 2)\n"
    );
    // Several arguments are joined.
    assert_eq!(
        ok(&["variant", "decode", "01", "00 00 00", "01000000"]),
        "true\n"
    );
    // golden D28: a dictionary, laid out as Godot's var_to_str lays it out.
    assert_eq!(
        ok(&[
            "variant",
            "decode",
            "1b000000 01000000 04000000 01000000 61000000 02000000 01000000"
        ]),
        "{\n\"a\": 1\n}\n"
    );
    // golden D31: a typed array.
    assert_eq!(
        ok(&[
            "variant",
            "decode",
            "1c000100 04000000 01000000 04000000 01000000 61000000"
        ]),
        "Array[String]([\"a\"])\n"
    );
    assert_eq!(
        ok(&["variant", "decode", "03000100 9a999999 9999b93f"]),
        "0.1\n"
    );
    assert_eq!(
        ok(&["variant", "decode", "1d000000 03000000 01020300"]),
        "PackedByteArray(1, 2, 3)\n"
    );
}

/// `{"b": 1, &"a": 2, 3: [Signal(&"hit", 7)]}` in the bytes' order.
const MIXED_DICTIONARY: &str = "1b000000 03000000 \
    04000000 01000000 62000000 02000000 01000000 \
    15000000 01000000 61000000 02000000 02000000 \
    02000000 03000000 1c000000 01000000 \
    1a000000 03000000 68697400 07000000 00000000";

#[test]
fn decode_sorts_keys_and_blanks_signals_as_godot_does() {
    // Godot's var_to_str: int keys before strings, String and StringName by text, and a
    // signal written as `Signal()` whatever it holds.
    assert_eq!(
        ok(&["variant", "decode", MIXED_DICTIONARY]),
        "{\n3: [Signal()],\n&\"a\": 2,\n\"b\": 1\n}\n"
    );
    // The old flag asks for what is now the default.
    assert_eq!(
        ok(&["variant", "decode", "--godot", MIXED_DICTIONARY]),
        ok(&["variant", "decode", MIXED_DICTIONARY])
    );
}

#[test]
fn decode_one_line_keeps_byte_order_and_signal_contents() {
    assert_eq!(
        ok(&["variant", "decode", "--one-line", MIXED_DICTIONARY]),
        "{\"b\": 1, &\"a\": 2, 3: [Signal(&\"hit\", 7)]}\n"
    );
    // Not both.
    let (code, _, stderr) = run(&["variant", "decode", "--godot", "--one-line", "00000000"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn decode_compressed() {
    // golden C10.
    assert_eq!(
        ok(&["variant", "decode", "--compressed", "42 2c 01"]),
        "300\n"
    );
}

#[test]
fn encode_prints_lowercase_hex() {
    assert_eq!(
        ok(&["variant", "encode", "Vector2(1, 2)"]),
        "050000000000803f00000040\n"
    );
    assert_eq!(
        ok(&["variant", "encode", "--double", "Vector2(1, 2)"]),
        "05000100000000000000f03f0000000000000040\n"
    );
    assert_eq!(
        ok(&["variant", "encode", "{\"a\": 1}"]),
        "1b000000010000000400000001000000610000000200000001000000\n"
    );
    assert_eq!(
        ok(&["variant", "encode", "--compressed", "300"]),
        "422c01\n"
    );
    assert_eq!(
        ok(&["variant", "encode", "&\"hi\""]),
        "150000000200000068690000\n"
    );
    // Values starting with '-' are values, not flags (D3, C5).
    assert_eq!(ok(&["variant", "encode", "-1"]), "02000000ffffffff\n");
    assert_eq!(ok(&["variant", "encode", "--compressed", "-1"]), "02ff\n");
}

#[test]
fn encode_then_decode_round_trips() {
    for text in [
        "Transform3D(1, 0, 0, 0, 1, 0, 0, 0, 1, 10, 11, 12)",
        "Array[int]([1, 2])",
        "PackedStringArray(\"a\", \"b\")",
        "NodePath(\"/root/Main:position\")",
        "Dictionary[String, int]({\"a\": 1})",
        "[1, 2.5, \"x\", null, true]",
        "{\"b\": 1, 2: null}",
    ] {
        let hex = ok(&["variant", "encode", text]);
        assert_eq!(
            ok(&["variant", "decode", "--one-line", hex.trim()]),
            format!("{text}\n")
        );
        // Godot's layout reads back to the same value (its keys now in sorted order), which
        // is written the same way again.
        let godot_text = ok(&["variant", "decode", hex.trim()]);
        let again = ok(&["variant", "encode", godot_text.trim_end()]);
        assert_eq!(ok(&["variant", "decode", again.trim()]), godot_text);
    }
}

#[test]
fn trailing_bytes_are_an_error_unless_allowed() {
    let err = bad(&["variant", "decode", "01000000 01000000 ff"]);
    assert!(
        err.contains("1 trailing bytes") && err.contains("byte 8"),
        "{err}"
    );
    assert_eq!(
        ok(&[
            "variant",
            "decode",
            "--allow-trailing",
            "01000000 01000000 ff"
        ]),
        "true\n"
    );
}

#[test]
fn bad_input_is_one_line_on_stderr_with_status_2() {
    let err = bad(&["variant", "decode", "01 0x"]);
    assert!(err.contains("invalid hex digit 'x' at column 5"), "{err}");
    let err = bad(&["variant", "decode", "010"]);
    assert!(err.contains("odd number of hex digits"), "{err}");
    // Truncated: names the field and the offset.
    let err = bad(&["variant", "decode", "05000000 0000803f"]);
    assert!(
        err.contains("truncated Vector2") && err.contains("at byte 4"),
        "{err}"
    );
    assert!(err.contains("ERR_INVALID_DATA"), "{err}");
    // Unknown type id.
    let err = bad(&["variant", "decode", "27000000"]);
    assert!(
        err.contains("unknown variant type id 39") && err.contains("at byte 0"),
        "{err}"
    );
    // Objects refused without --allow-objects.
    let object = "18000000 04000000 4e6f6465 00000000";
    let err = bad(&["variant", "decode", object]);
    assert!(err.contains("ERR_UNAUTHORIZED"), "{err}");
    // Godot ends an object's text with a newline: it is not doubled.
    assert_eq!(
        ok(&["variant", "decode", "--allow-objects", object]),
        "Object(Node,)\n"
    );
    // Text that does not parse: names the column.
    let err = bad(&["variant", "encode", "Vector2(1, )"]);
    assert!(err.contains("line 1, column 12"), "{err}");
    let err = bad(&["variant", "encode", "Frobnicate(1)"]);
    assert!(err.contains("unexpected identifier 'Frobnicate'"), "{err}");
    let err = bad(&["variant", "encode", ""]);
    assert!(err.contains("cannot parse value"), "{err}");
}

#[test]
fn usage_errors_exit_with_status_2() {
    let (code, _, stderr) = run(&["variant", "decode"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = run(&["variant", "frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn hostile_depth_bomb_is_refused_not_a_crash() {
    let bomb = "1c00000001000000".repeat(600) + "00000000";
    let err = bad(&["variant", "decode", &bomb]);
    assert!(
        err.contains("nested deeper than 512") && err.contains("ERR_OUT_OF_MEMORY"),
        "{err}"
    );
}
