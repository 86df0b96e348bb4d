//! Helpers shared by the integration tests.
#![allow(dead_code)]

use netscene_variant::*;

/// Bytes from hex with optional spaces: `"01 00 ff"`.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd hex: {s}");
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// Encoding with default options.
pub fn enc(v: &Variant) -> Vec<u8> {
    let mut out = Vec::new();
    encode_variant(v, &mut out, &EncodeOptions::default()).expect("encodes");
    out
}

/// Decoding with default options.
pub fn dec(bytes: &[u8]) -> Result<(Variant, usize), DecodeError> {
    decode_variant(bytes, &DecodeOptions::default())
}

pub fn v2(x: f32, y: f32) -> Vector2 {
    Vector2::new(x, y)
}

pub fn v3(x: f32, y: f32, z: f32) -> Vector3 {
    Vector3::new(x, y, z)
}

/// `depth` arrays nested inside each other around `inner`.
pub fn nested_arrays(depth: usize, inner: Variant) -> Variant {
    let mut v = inner;
    for _ in 0..depth {
        v = Variant::Array(Array::from_vec(vec![v]));
    }
    v
}

/// The encoding of `depth` nested one-element arrays around NIL, built by hand (spec A.3).
pub fn nested_array_bytes(depth: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(depth * 8 + 4);
    for _ in 0..depth {
        out.extend_from_slice(&[0x1c, 0, 0, 0, 1, 0, 0, 0]);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

/// `depth` dictionaries `{nil: {nil: {…: nil}}}`, built by hand (spec A.3).
pub fn nested_dictionary_bytes(depth: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..depth {
        bytes.extend_from_slice(&hex("1b 00 00 00 01 00 00 00 00 00 00 00"));
    }
    bytes.extend_from_slice(&hex("00 00 00 00"));
    bytes
}

/// `depth` full objects of class "A", each with one property "p" holding the next, around NIL.
pub fn nested_object_bytes(depth: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..depth {
        bytes.extend_from_slice(&hex(
            "18 00 00 00 01 00 00 00 41 00 00 00 01 00 00 00 01 00 00 00 70 00 00 00",
        ));
    }
    bytes.extend_from_slice(&hex("00 00 00 00"));
    bytes
}

/// `depth` one-element `Array[Array]`s (builtin-typed, spec A.3) around an empty untyped array.
pub fn nested_typed_array_bytes(depth: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    for _ in 0..depth {
        bytes.extend_from_slice(&hex("1c 00 01 00 1c 00 00 00 01 00 00 00"));
    }
    bytes.extend_from_slice(&hex("1c 00 00 00 00 00 00 00"));
    bytes
}

/// Rust's default for spawned threads, test threads included.
pub const TWO_MIB: usize = 2 << 20;

/// Runs `f` on a thread with a 2 MiB stack; a stack overflow aborts the test binary.
pub fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(TWO_MIB)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no stack overflow or panic")
}

pub mod vectors;
