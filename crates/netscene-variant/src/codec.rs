//! Godot 4's binary Variant format (`encode_variant` / `decode_variant`, core/io/marshalls.cpp)
//! and the compressed form RPCs and replication use (`encode_and_compress_variant`,
//! scene/main/multiplayer_api.cpp).
//!
//! The format, in short (spec section A): every value starts with a little-endian u32 header whose
//! low byte is the [`VariantType`](crate::VariantType) id and whose bit 16 (`FLAG_64`) selects
//! 64-bit payloads; everything written is padded to 4 bytes. Typed arrays and dictionaries carry
//! their element types in header bits 16–19.
//!
//! ```
//! use netscene_variant::{decode_variant, encode_variant, DecodeOptions, EncodeOptions, Variant};
//! let mut bytes = Vec::new();
//! encode_variant(&Variant::from("hi"), &mut bytes, &EncodeOptions::default()).unwrap();
//! assert_eq!(bytes, [4, 0, 0, 0, 2, 0, 0, 0, b'h', b'i', 0, 0]);
//! let (value, used) = decode_variant(&bytes, &DecodeOptions::default()).unwrap();
//! assert_eq!((value, used), (Variant::from("hi"), 12));
//! ```

use crate::variant::Variant;

pub use crate::compressed::{
    decode_and_decompress_variant, decode_and_decompress_variants,
    decode_and_decompress_variants_into, encode_and_compress_variant, encode_and_compress_variants,
    encode_and_compress_variants_raw,
};
pub use crate::error::{DecodeError, DecodeErrorKind, EncodeError};

/// Header bit 16: 64-bit payload (INT, FLOAT, real_t math types) or, for OBJECT, "instance id".
pub(crate) const FLAG_64: u32 = 1 << 16;

/// Options for [`encode_variant`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Encode objects fully (class + properties) instead of as instance ids (`full_objects`).
    pub full_objects: bool,
    /// Write real_t math types as f64 with FLAG_64, as a double-precision Godot build does.
    pub double_precision: bool,
}

/// Options for [`decode_variant`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// Accept fully encoded objects (Godot's `allow_object_decoding`). Off by default; the
    /// instance-id form is always accepted.
    pub allow_objects: bool,
    /// Maximum container nesting depth accepted. Values above
    /// [`MAX_DECODE_DEPTH`](crate::MAX_DECODE_DEPTH) are lowered to it: the limit protects the
    /// decoding thread's stack and cannot be raised.
    pub max_depth: usize,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            allow_objects: false,
            max_depth: crate::MAX_DECODE_DEPTH,
        }
    }
}

impl DecodeOptions {
    /// Default options with full objects accepted.
    pub fn allowing_objects() -> Self {
        Self {
            allow_objects: true,
            ..Self::default()
        }
    }
}

/// Appends the Godot binary encoding of `value` to `out`.
///
/// On error `out` may hold a partial encoding after its original contents.
pub fn encode_variant(
    value: &Variant,
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<(), EncodeError> {
    crate::encode::encode(value, out, options)
}

/// The encoding of `value` as a new buffer.
pub fn encode_variant_to_vec(
    value: &Variant,
    options: &EncodeOptions,
) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(crate::encode::encoded_size_hint(value));
    encode_variant(value, &mut out, options)?;
    Ok(out)
}

/// Decodes one value from the start of `bytes`; returns it and the number of bytes consumed.
///
/// Bytes after the value are left alone (callers that want all input consumed compare the count
/// with `bytes.len()`). Never panics, bounds every allocation by the bytes actually present, and
/// refuses nesting deeper than `options.max_depth`.
///
/// A typed container keeps its elements as Godot's does: an element of another type is left out
/// (the decode still succeeds, as in Godot), `int` goes into `Array[float]` as a float,
/// `String`/`StringName` into each other's containers, `null` into object-typed ones; a typed
/// dictionary checks only its keys.
pub fn decode_variant(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    crate::decode::decode(bytes, options)
}
