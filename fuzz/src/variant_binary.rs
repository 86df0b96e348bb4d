//! `variant_decode`: the binary Variant decoders on arbitrary bytes, and the round-trip property
//! for what they accept.
//!
//! For every decoder — `decode_variant` without and with object decoding, the compressed single
//! value, and the compressed argument list with and without the raw form — a successful decode
//! must re-encode, the encoding must decode again to an equal value consuming every byte, and
//! from then on encoding and decoding must give the same bytes (the encoding is a fixed point).
//!
//! Values are compared up to [`normalized`]: a null `Object` is encoded as `NIL`, as in Godot.
//! Values holding a NaN are not equal to themselves; for them only the byte comparison applies.

use crate::normalize::normalized;
use netscene_variant::{
    DecodeOptions, EncodeOptions, Variant, decode_and_decompress_variant,
    decode_and_decompress_variants, decode_variant, encode_and_compress_variant,
    encode_and_compress_variants, encode_and_compress_variants_raw, encode_variant_to_vec,
};

/// Runs every binary decoder on `data` and checks the round trip of whatever it accepts.
pub fn check(data: &[u8]) {
    for options in [DecodeOptions::default(), DecodeOptions::allowing_objects()] {
        full_form(data, &options);
        compressed_value(data, &options);
        if let Some((&argc, rest)) = data.split_first() {
            compressed_list(rest, usize::from(argc), &options);
        }
        raw_list(data, &options);
    }
}

/// The encode options matching a decode: full objects exactly when they were accepted.
fn encode_options(options: &DecodeOptions) -> EncodeOptions {
    EncodeOptions {
        full_objects: options.allow_objects,
        double_precision: false,
    }
}

/// `a == b` up to [`normalized`] (a null object comes back as `Nil`), unless `a` holds a NaN
/// somewhere (then it is not equal to itself; the byte comparison covers it).
fn assert_same_value(first: &Variant, second: &Variant, what: &str) {
    let first = normalized(first);
    if crate::normalize::self_equal(&first) {
        assert_eq!(
            first,
            normalized(second),
            "{what}: the re-decoded value differs"
        );
    }
}

fn full_form(data: &[u8], options: &DecodeOptions) {
    let Ok((value, used)) = decode_variant(data, options) else {
        return;
    };
    assert!(
        used <= data.len(),
        "decode_variant consumed {used} of {}",
        data.len()
    );
    let enc = encode_options(options);
    let bytes = encode_variant_to_vec(&value, &enc)
        .unwrap_or_else(|e| panic!("a decoded value does not encode: {e} ({value:?})"));
    let (again, used_again) = decode_variant(&bytes, options)
        .unwrap_or_else(|e| panic!("an encoding does not decode: {e}\n{bytes:02x?}"));
    assert_eq!(used_again, bytes.len(), "the encoding has trailing bytes");
    assert_same_value(&value, &again, "decode_variant");
    // From the second round on the bytes must not change. (Not from the first: a dictionary
    // with both a null object and `Nil` as keys encodes them as two NIL keys, which read back
    // as one entry, in Godot too.)
    let second = encode_variant_to_vec(&again, &enc).expect("re-encode");
    let (third, _) = decode_variant(&second, options).expect("re-decode");
    let third = encode_variant_to_vec(&third, &enc).expect("re-encode");
    assert_eq!(second, third, "encoding is not a fixed point");
}

fn compressed_value(data: &[u8], options: &DecodeOptions) {
    let Ok((value, used)) = decode_and_decompress_variant(data, options) else {
        return;
    };
    assert!(
        used <= data.len(),
        "compressed decode consumed {used} of {}",
        data.len()
    );
    let enc = encode_options(options);
    let mut bytes = Vec::new();
    encode_and_compress_variant(&value, &mut bytes, &enc)
        .unwrap_or_else(|e| panic!("a decoded value does not compress: {e} ({value:?})"));
    let (again, used_again) = decode_and_decompress_variant(&bytes, options)
        .unwrap_or_else(|e| panic!("a compressed encoding does not decode: {e}\n{bytes:02x?}"));
    assert_eq!(
        used_again,
        bytes.len(),
        "the compressed encoding has trailing bytes"
    );
    assert_same_value(&value, &again, "decode_and_decompress_variant");
    let mut second = Vec::new();
    encode_and_compress_variant(&again, &mut second, &enc).expect("re-encode");
    let (third, _) = decode_and_decompress_variant(&second, options).expect("re-decode");
    let mut third_bytes = Vec::new();
    encode_and_compress_variant(&third, &mut third_bytes, &enc).expect("re-encode");
    assert_eq!(
        second, third_bytes,
        "compressed encoding is not a fixed point"
    );
}

fn compressed_list(data: &[u8], argc: usize, options: &DecodeOptions) {
    let Ok((values, used)) = decode_and_decompress_variants(data, argc, false, options) else {
        return;
    };
    assert_eq!(values.len(), argc, "argument count");
    assert!(
        used <= data.len(),
        "argument list consumed {used} of {}",
        data.len()
    );
    let enc = encode_options(options);
    let mut bytes = Vec::new();
    encode_and_compress_variants(&values, &mut bytes, &enc)
        .unwrap_or_else(|e| panic!("decoded arguments do not compress: {e}"));
    let (again, used_again) = decode_and_decompress_variants(&bytes, argc, false, options)
        .unwrap_or_else(|e| panic!("compressed arguments do not decode: {e}\n{bytes:02x?}"));
    assert_eq!(
        used_again,
        bytes.len(),
        "the argument encoding has trailing bytes"
    );
    assert_same_value(
        &Variant::Array(netscene_variant::Array::from_vec(values)),
        &Variant::Array(netscene_variant::Array::from_vec(again)),
        "decode_and_decompress_variants",
    );
}

/// The raw form: one PackedByteArray (or nothing) must come back as its bytes verbatim.
fn raw_list(data: &[u8], options: &DecodeOptions) {
    let argc = usize::from(!data.is_empty());
    let (values, used) = decode_and_decompress_variants(data, argc, true, options)
        .unwrap_or_else(|e| panic!("the raw form refused {argc} argument(s): {e}"));
    assert_eq!(used, data.len(), "the raw form consumes everything");
    let mut bytes = Vec::new();
    let raw = encode_and_compress_variants_raw(&values, &mut bytes, &encode_options(options))
        .expect("raw arguments encode");
    assert!(raw, "one PackedByteArray or nothing is sent raw");
    assert_eq!(bytes, data, "raw arguments are their bytes verbatim");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_decodes_and_round_trips() {
        let dir = format!("{}/corpus/variant_decode", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let options = DecodeOptions::allowing_objects();
            let decoded = if name.starts_with("golden_C") {
                decode_and_decompress_variant(&data, &options).map(drop)
            } else if name.starts_with("args_") {
                decode_and_decompress_variants(&data[1..], usize::from(data[0]), false, &options)
                    .map(drop)
            } else {
                decode_variant(&data, &options).map(drop)
            };
            assert!(decoded.is_ok(), "{name}: {decoded:?}");
            check(&data);
        }
    }
}
