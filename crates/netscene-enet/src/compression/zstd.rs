//! Godot's `COMPRESS_ZSTD`: each datagram body compressed as one Zstandard frame (Godot's
//! `Compression::MODE_ZSTD`).
//!
//! What Godot does, and this module does the same way: `ZSTD_compressCCtx` at Godot's default
//! `zstd_level` 3 into a buffer of `ZSTD_compressBound` bytes; a frame larger than ENet's
//! output buffer is not used. `ZSTD_compressCCtx` resets every advanced parameter, so Godot's
//! long-distance-matching and window-log settings never reach the compressor; on the decoder
//! they only raise `ZSTD_d_windowLogMax`, which cannot matter for a frame of at most 4096
//! bytes of content. Decompression is `ZSTD_decompressDCtx` into ENet's receive buffer; any
//! zstd error (corrupt frame, content larger than the buffer) yields 0 and ENet drops the
//! datagram. Pre-1.0 ("legacy") frames are not decoded, as in Godot's build of zstd.
//!
//! The frames are standard Zstandard (content size recorded, no checksum), so any zstd version
//! reads them; the bytes can differ between zstd versions, which only affects whether ENet
//! finds a datagram worth sending compressed.

use rusty_enet::Compressor;
use zstd::zstd_safe::{CCtx, DCtx, compress_bound};

use super::{copy_if_fits, gather_body};

/// Godot's default `Compression::zstd_level` (project setting
/// `compression/formats/zstd/compression_level`).
pub(crate) const GODOT_ZSTD_LEVEL: i32 = 3;

/// Godot's `COMPRESS_ZSTD` ENet compressor. The zstd contexts are created on first use and
/// reused; if zstd cannot allocate one, datagrams go out uncompressed (and compressed ones
/// are dropped) instead of panicking.
#[derive(Default)]
pub(crate) struct ZstdCompressor {
    /// The datagram body gathered from ENet's buffers.
    body: Vec<u8>,
    /// The frame, in a buffer of `ZSTD_compressBound` bytes as Godot's.
    frame: Vec<u8>,
    compression: Option<CCtx<'static>>,
    decompression: Option<DCtx<'static>>,
}

impl Compressor for ZstdCompressor {
    fn compress(&mut self, in_buffers: &[&[u8]], in_limit: usize, out: &mut [u8]) -> usize {
        gather_body(&mut self.body, in_buffers, in_limit);
        if self.compression.is_none() {
            self.compression = CCtx::try_create();
        }
        let Some(context) = self.compression.as_mut() else {
            return 0;
        };
        self.frame.clear();
        self.frame.reserve(compress_bound(self.body.len()));
        match context.compress(&mut self.frame, &self.body, GODOT_ZSTD_LEVEL) {
            Ok(_) => copy_if_fits(&self.frame, out),
            Err(_) => 0,
        }
    }

    fn decompress(&mut self, in_data: &[u8], out: &mut [u8]) -> usize {
        if self.decompression.is_none() {
            self.decompression = DCtx::try_create();
        }
        let Some(context) = self.decompression.as_mut() else {
            return 0;
        };
        context.decompress(out, in_data).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(body: &[u8], out_len: usize) -> Vec<u8> {
        let mut codec = ZstdCompressor::default();
        let mut out = vec![0u8; out_len];
        let size = codec.compress(&[body], body.len(), &mut out);
        out.truncate(size);
        out
    }

    #[test]
    fn frames_are_plain_zstd_with_the_content_size() {
        let body = b"state state state state state state state state".repeat(8);
        let frame = compress(&body, body.len());
        assert!(!frame.is_empty() && frame.len() < body.len());
        // Zstandard magic number, little-endian.
        assert_eq!(frame[..4], [0x28, 0xb5, 0x2f, 0xfd]);
        // Frame header descriptor: single segment, content size present, no checksum, no
        // dictionary id (what ZSTD_compressCCtx writes by default).
        let descriptor = frame[4];
        assert_eq!(descriptor & 0b0000_0100, 0, "no checksum");
        assert_eq!(descriptor & 0b0000_0011, 0, "no dictionary id");
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(&frame).ok(),
            Some(Some(body.len() as u64))
        );
        let mut back = vec![0u8; 4096];
        let len = ZstdCompressor::default().decompress(&frame, &mut back);
        assert_eq!(&back[..len], body.as_slice());
    }

    #[test]
    fn golden_frame_of_a_raw_block_decodes() {
        // Hand-written frame: magic, descriptor 0x20 (single segment, 1-byte content size),
        // content size 3, one last raw block of 3 bytes (header 0x19 0x00 0x00), "abc".
        let frame = [
            0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x03, 0x19, 0x00, 0x00, b'a', b'b', b'c',
        ];
        let mut out = [0u8; 16];
        assert_eq!(ZstdCompressor::default().decompress(&frame, &mut out), 3);
        assert_eq!(&out[..3], b"abc");
    }

    #[test]
    fn hostile_frames_decode_to_nothing() {
        let mut codec = ZstdCompressor::default();
        let mut out = [0u8; 64];
        let big = compress(&[1u8; 1000], 1000);
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x28, 0xb5, 0x2f],
            vec![0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0],
            // Content larger than the 64-byte buffer.
            big.clone(),
            // Truncated.
            big[..big.len() - 1].to_vec(),
            // A zstd v0.7 (legacy) magic number: not decoded, as in Godot's build.
            vec![0x27, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0, 0, 0],
        ];
        for frame in &cases {
            assert_eq!(codec.decompress(frame, &mut out), 0, "{frame:02x?}");
        }
        // The codec still works after all that.
        let frame = compress(&[5u8; 40], 40);
        assert_eq!(codec.decompress(&frame, &mut out), 40);
    }

    #[test]
    fn a_frame_larger_than_the_output_is_not_used() {
        let mut state = 12_345u32;
        let noise: Vec<u8> = (0..300)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        assert!(compress(&noise, noise.len()).is_empty());
        assert!(compress(b"tiny", 4).is_empty());
    }
}
