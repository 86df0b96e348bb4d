//! The compressed form RPC arguments and replication state use (spec A.7,
//! `MultiplayerAPI::encode_and_compress_variant`): BOOL in one byte, INT in the smallest
//! two's-complement width, everything else in the full `encode_variant` form.
//!
//! ```
//! use netscene_variant::{encode_and_compress_variant, EncodeOptions, Variant};
//! let mut out = Vec::new();
//! encode_and_compress_variant(&Variant::Int(300), &mut out, &EncodeOptions::default()).unwrap();
//! assert_eq!(out, [0x42, 0x2c, 0x01]);
//! ```

use crate::codec::{DecodeOptions, EncodeOptions, encode_variant};
use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::reader::Reader;
use crate::variant::{Variant, VariantType};

const META_TYPE_MASK: u8 = 0x3F;
const BOOL_TRUE: u8 = 0x80;

/// Appends the compressed form (spec A.7) of one value.
///
/// `options.full_objects` should be the sender's `allow_object_decoding`, as Godot does.
pub fn encode_and_compress_variant(
    value: &Variant,
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<(), EncodeError> {
    match value {
        Variant::Bool(b) => {
            out.push(VariantType::Bool.id() | if *b { BOOL_TRUE } else { 0 });
            Ok(())
        }
        Variant::Int(i) => {
            let meta = VariantType::Int.id();
            let i = *i;
            if let Ok(v) = i8::try_from(i) {
                out.push(meta);
                out.extend_from_slice(&v.to_le_bytes());
            } else if let Ok(v) = i16::try_from(i) {
                out.push(meta | 1 << 6);
                out.extend_from_slice(&v.to_le_bytes());
            } else if let Ok(v) = i32::try_from(i) {
                out.push(meta | 2 << 6);
                out.extend_from_slice(&v.to_le_bytes());
            } else {
                out.push(meta | 3 << 6);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Ok(())
        }
        _ => encode_variant(value, out, options),
    }
}

/// Decodes one compressed value; returns it and the bytes consumed.
pub fn decode_and_decompress_variant(
    bytes: &[u8],
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    decompress_at(bytes, 0, options)
}

#[inline]
fn decompress_at(
    bytes: &[u8],
    base: usize,
    options: &DecodeOptions,
) -> Result<(Variant, usize), DecodeError> {
    let mut r = Reader::with_base(bytes, base);
    let [meta] = r.array::<1>("compressed meta byte")?;
    let ty = meta & META_TYPE_MASK;
    if ty >= VariantType::MAX {
        return Err(DecodeError::new(
            base,
            DecodeErrorKind::UnknownType(u32::from(ty)),
        ));
    }
    if ty == VariantType::Bool.id() {
        return Ok((Variant::Bool(meta & BOOL_TRUE != 0), 1));
    }
    if ty == VariantType::Int.id() {
        let value = match meta >> 6 {
            0 => i64::from(i8::from_le_bytes(r.array::<1>("int8")?)),
            1 => i64::from(i16::from_le_bytes(r.array::<2>("int16")?)),
            2 => i64::from(i32::from_le_bytes(r.array::<4>("int32")?)),
            _ => i64::from_le_bytes(r.array::<8>("int64")?),
        };
        return Ok((Variant::Int(value), r.position()));
    }
    // Every other type: the full form, starting at the same byte.
    crate::decode::decode_at(bytes, base, options)
}

/// `encode_and_compress_variants`: the compressed forms of `values`, concatenated (no count, no
/// separators).
pub fn encode_and_compress_variants(
    values: &[Variant],
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<(), EncodeError> {
    for value in values {
        encode_and_compress_variant(value, out, options)?;
    }
    Ok(())
}

/// The RPC argument encoding with Godot's "raw" optimisation (spec A.7, C.4): zero arguments →
/// nothing; exactly one `PackedByteArray` → its bytes verbatim; otherwise the compressed list.
///
/// Returns the raw flag (`byte_only_or_no_args`, bit 7 of the REMOTE_CALL meta byte). When it is
/// `false` the caller writes the argument count byte before these bytes; more than 255 arguments
/// are refused.
pub fn encode_and_compress_variants_raw(
    values: &[Variant],
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<bool, EncodeError> {
    match values {
        [] => Ok(true),
        [Variant::PackedByteArray(bytes)] => {
            out.extend_from_slice(bytes);
            Ok(true)
        }
        _ if values.len() > 255 => Err(EncodeError::TooManyArguments(values.len())),
        _ => {
            encode_and_compress_variants(values, out, options)?;
            Ok(false)
        }
    }
}

/// `decode_and_decompress_variants`: decodes `argc` compressed values from `bytes`, or with `raw`
/// set, the raw form (`argc` 0 → nothing; `argc` 1 → all of `bytes` as one `PackedByteArray`).
/// Returns the values and the bytes consumed.
///
/// A receiver of a raw REMOTE_CALL takes `argc = 1` when bytes follow the ids and 0 otherwise,
/// as Godot does (so an empty `PackedByteArray` arrives as zero arguments).
pub fn decode_and_decompress_variants(
    bytes: &[u8],
    argc: usize,
    raw: bool,
    options: &DecodeOptions,
) -> Result<(Vec<Variant>, usize), DecodeError> {
    // Every compressed value takes at least one byte: bound the allocation by the input.
    let mut values = Vec::with_capacity(if raw { 1 } else { argc.min(bytes.len()) });
    let used = decode_and_decompress_variants_into(bytes, argc, raw, options, &mut values)?;
    Ok((values, used))
}

/// [`decode_and_decompress_variants`] appending to a caller's vector, so a receive loop can
/// reuse one allocation for every packet's arguments. Returns the bytes consumed; on error `out`
/// may hold the values decoded before the failing one.
pub fn decode_and_decompress_variants_into(
    bytes: &[u8],
    argc: usize,
    raw: bool,
    options: &DecodeOptions,
    out: &mut Vec<Variant>,
) -> Result<usize, DecodeError> {
    if raw {
        return match argc {
            0 => Ok(0),
            1 => {
                out.push(Variant::PackedByteArray(bytes.to_vec()));
                Ok(bytes.len())
            }
            n => Err(DecodeError::new(0, DecodeErrorKind::InvalidRawArgc(n))),
        };
    }
    out.reserve(argc.min(bytes.len()));
    let mut used = 0;
    for _ in 0..argc {
        let rest = bytes.get(used..).unwrap_or_default();
        // The compact forms are decoded in place: they are most RPC arguments.
        match rest {
            [meta, ..] if meta & META_TYPE_MASK == VariantType::Bool.id() => {
                out.push(Variant::Bool(meta & BOOL_TRUE != 0));
                used += 1;
            }
            [meta, tail @ ..] if meta & META_TYPE_MASK == VariantType::Int.id() => {
                let width = 1usize << (meta >> 6);
                let Some(le) = tail.get(..width) else {
                    return Err(DecodeError::new(
                        used + 1,
                        DecodeErrorKind::Truncated {
                            what: "compressed int",
                            needed: width,
                            available: tail.len(),
                        },
                    ));
                };
                out.push(Variant::Int(sign_extend(le)));
                used += 1 + width;
            }
            _ => {
                let (value, n) = decompress_at(rest, used, options)?;
                out.push(value);
                used += n;
            }
        }
    }
    Ok(used)
}

/// A little-endian two's-complement integer of 1, 2, 4 or 8 bytes, sign-extended.
fn sign_extend(le: &[u8]) -> i64 {
    let mut buf = [0u8; 8];
    let negative = le.last().is_some_and(|b| b & 0x80 != 0);
    if negative {
        buf = [0xFF; 8];
    }
    buf[..le.len()].copy_from_slice(le);
    i64::from_le_bytes(buf)
}
