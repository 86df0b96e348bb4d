//! Godot's `COMPRESS_ZLIB`: each datagram body compressed as one zlib stream (deflate with the
//! zlib header and Adler-32 trailer, 32 KiB window, zlib's default level 6: Godot's
//! `Compression::MODE_DEFLATE` with its default `zlib_level`).

use miniz_oxide::deflate::core::{
    CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
};
use rusty_enet::Compressor;

use super::gather_body;

/// zlib's `Z_DEFAULT_COMPRESSION` level, Godot's default `zlib_level`.
const ZLIB_DEFAULT_LEVEL: u8 = 6;

/// zlib's default window: 2^15 bytes; a positive window makes miniz_oxide write the zlib
/// header and Adler-32 trailer.
const ZLIB_WINDOW_BITS: i32 = 15;

/// Godot's `COMPRESS_ZLIB` ENet compressor.
pub(crate) struct ZlibCompressor {
    /// The datagram body gathered from ENet's buffers, kept to reuse its allocation.
    source: Vec<u8>,
    /// The deflate state (hundreds of KiB), reset for each datagram rather than allocated.
    deflate: Box<CompressorOxide>,
}

impl Default for ZlibCompressor {
    fn default() -> Self {
        let flags =
            create_comp_flags_from_zip_params(ZLIB_DEFAULT_LEVEL.into(), ZLIB_WINDOW_BITS, 0);
        Self {
            source: Vec::new(),
            deflate: Box::new(CompressorOxide::new(flags)),
        }
    }
}

impl Compressor for ZlibCompressor {
    fn compress(&mut self, in_buffers: &[&[u8]], in_limit: usize, out: &mut [u8]) -> usize {
        gather_body(&mut self.source, in_buffers, in_limit);
        self.deflate.reset();
        // The whole stream straight into `out`; a stream that does not fit stops short of
        // `Done`, and is 0 ("send it uncompressed") as in Godot.
        match compress(&mut self.deflate, &self.source, out, TDEFLFlush::Finish) {
            (TDEFLStatus::Done, _, written) => written,
            _ => 0,
        }
    }

    fn decompress(&mut self, in_data: &[u8], out: &mut [u8]) -> usize {
        // Bounded by `out` (ENet's MTU-sized buffer); malformed or oversized input → 0, and
        // ENet drops the datagram.
        miniz_oxide::inflate::decompress_slice_iter_to_slice(
            out,
            std::iter::once(in_data),
            true,
            false,
        )
        .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zlib_round_trip_through_split_buffers() {
        let mut zlib = ZlibCompressor::default();
        let body = b"header".to_vec();
        let payload = b"abcabcabcabcabcabcabcabcabcabcabcabc".to_vec();
        let mut out = [0u8; 1400];
        let size = zlib.compress(&[&body, &payload], body.len() + payload.len(), &mut out);
        assert!(size > 0 && size < body.len() + payload.len());
        // A zlib header: CM 8 (deflate), CINFO 7 (32 KiB window), check bits valid.
        assert_eq!(out[0], 0x78);
        assert_eq!((u16::from(out[0]) << 8 | u16::from(out[1])) % 31, 0);
        let mut back = [0u8; 1400];
        let len = zlib.decompress(&out[..size], &mut back);
        assert_eq!(&back[..len], [body, payload].concat().as_slice());
    }

    #[test]
    fn zlib_rejects_garbage_and_overflow() {
        let mut zlib = ZlibCompressor::default();
        let mut out = [0u8; 64];
        assert_eq!(
            zlib.decompress(&[0x78, 0x9c, 0xff, 0xff, 0xff], &mut out),
            0
        );
        assert_eq!(zlib.decompress(&[], &mut out), 0);
        // 1000 zeros compress to a few bytes but do not fit in 64.
        let mut packed = [0u8; 1400];
        let size = zlib.compress(&[&[0u8; 1000]], 1000, &mut packed);
        assert_eq!(zlib.decompress(&packed[..size], &mut out), 0);
        // Incompressible data larger than `out` is not sent compressed.
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(zlib.compress(&[&noise], noise.len(), &mut [0u8; 100]), 0);
    }
}
