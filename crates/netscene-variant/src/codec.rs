//! Godot 4's binary Variant format (`encode_variant` / `decode_variant`) and the compressed
//! form RPCs and replication use (`encode_and_compress_variant`).
//!
//! CONTRACT (fixed signatures other crates build on; the bodies are being written).

use crate::variant::Variant;

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
    /// Accept fully encoded objects (Godot's `allow_object_decoding`). Off by default.
    pub allow_objects: bool,
    /// Maximum container nesting depth accepted.
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

/// Why encoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// TODO(codec): filled in by the codec implementation.
    #[error("encode failed")]
    Placeholder,
}

/// Why decoding failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// TODO(codec): filled in by the codec implementation.
    #[error("decode failed")]
    Placeholder,
}

/// Appends the Godot binary encoding of `value` to `out`.
pub fn encode_variant(
    value: &Variant,
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<(), EncodeError> {
    let _ = (value, out, options);
    todo!("codec")
}

/// Decodes one value from the start of `bytes`; returns it and the number of bytes consumed.
pub fn decode_variant(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    let _ = (bytes, options);
    todo!("codec")
}

/// Appends the compressed form (spec A.7) of one value.
pub fn encode_and_compress_variant(
    value: &Variant,
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<(), EncodeError> {
    let _ = (value, out, options);
    todo!("codec")
}

/// Decodes one compressed value; returns it and the bytes consumed.
pub fn decode_and_decompress_variant(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    let _ = (bytes, options);
    todo!("codec")
}
