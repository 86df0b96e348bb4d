//! RPC arguments: `encode_and_compress_variants` with the raw optimisation (spec A.7, C.4).

use netscene_variant::{
    DecodeOptions, EncodeOptions, Variant, decode_and_decompress_variant,
    encode_and_compress_variant,
};
use smallvec::SmallVec;

use crate::{MultiplayerError, PacketError};

/// Decoded RPC arguments: inline up to 4 values, so typical calls allocate nothing for the list.
pub type RpcArgs = SmallVec<[Variant; 4]>;

/// Appends the argument area of a REMOTE_CALL to `out` and returns the
/// `byte_only_or_no_args` flag: no arguments → nothing; one PackedByteArray → its bytes
/// verbatim; otherwise the argc byte and the compressed values.
pub fn encode_args(
    args: &[Variant],
    out: &mut Vec<u8>,
    options: &EncodeOptions,
) -> Result<bool, MultiplayerError> {
    match args {
        [] => Ok(true),
        [Variant::PackedByteArray(bytes)] => {
            out.extend_from_slice(bytes);
            Ok(true)
        }
        _ => {
            let argc = u8::try_from(args.len())
                .map_err(|_| MultiplayerError::TooManyArguments(args.len()))?;
            out.push(argc);
            for arg in args {
                encode_and_compress_variant(arg, out, options)?;
            }
            Ok(false)
        }
    }
}

/// Decodes an argument area into `out` (cleared first). With `byte_only_or_no_args` the
/// whole area is one PackedByteArray (or nothing when empty). Trailing bytes after the
/// declared arguments are ignored, as Godot ignores them. Offsets in decode errors count from
/// the start of `area`.
pub fn decode_args(
    area: &[u8],
    byte_only_or_no_args: bool,
    options: &DecodeOptions,
    out: &mut RpcArgs,
) -> Result<(), PacketError> {
    out.clear();
    if byte_only_or_no_args {
        if !area.is_empty() {
            out.push(Variant::PackedByteArray(area.to_vec()));
        }
        return Ok(());
    }
    let Some((&argc, mut rest)) = area.split_first() else {
        return Err(PacketError::TooShort {
            what: "RPC argument count",
            len: 0,
            need: 1,
        });
    };
    let declared = usize::from(argc);
    // Offset of `rest` in the area: decode errors report where in the area they are.
    let mut at = 1;
    for found in 0..declared {
        if rest.is_empty() {
            return Err(PacketError::ArgumentCount { declared, found });
        }
        let (value, used) = decode_and_decompress_variant(rest, options).map_err(|mut e| {
            e.offset += at;
            e
        })?;
        rest = rest.get(used..).unwrap_or(&[]);
        at += used;
        out.push(value);
    }
    Ok(())
}
