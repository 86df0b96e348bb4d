//! ENet host compressors for Godot's `ENetConnection.CompressionMode`: stock ENet's range
//! coder (from rusty_enet) and the three codecs Godot installs as an ENet compressor callback,
//! which gathers the datagram body (everything after ENet's protocol header) into one buffer
//! and hands it to Godot's `Compression::compress` / `Compression::decompress`:
//!
//! * `COMPRESS_FASTLZ` ([`fastlz`]): `Compression::MODE_FASTLZ`.
//! * `COMPRESS_ZLIB` ([`zlib`]): `Compression::MODE_DEFLATE` (zlib-wrapped deflate).
//! * `COMPRESS_ZSTD` ([`zstd`]): `Compression::MODE_ZSTD`.
//!
//! What all three share, as in Godot: a compressed body that does not fit ENet's output buffer
//! is not sent compressed (the compressor returns 0 and ENet sends the datagram as it is), and
//! a body that fails to decompress, or would not fit ENet's receive buffer, yields 0, which
//! makes ENet drop the datagram. Nothing here panics on a peer's bytes.

mod fastlz;
mod zlib;
mod zstd;

use rusty_enet::{Compressor, RangeCoder};

use crate::options::CompressionMode;

pub(crate) use fastlz::FastLzCompressor;
pub(crate) use zlib::ZlibCompressor;
pub(crate) use zstd::ZstdCompressor;

/// The compressor for `mode`, or `None` for no compression.
pub(crate) fn compressor(mode: CompressionMode) -> Option<Box<dyn Compressor>> {
    match mode {
        CompressionMode::None => None,
        CompressionMode::RangeCoder => Some(Box::new(RangeCoder::new())),
        CompressionMode::FastLz => Some(Box::new(FastLzCompressor::default())),
        CompressionMode::Zlib => Some(Box::new(ZlibCompressor::default())),
        CompressionMode::Zstd => Some(Box::new(ZstdCompressor::default())),
    }
}

/// Concatenates ENet's outgoing buffers into `body` (cleared first), keeping at most
/// `in_limit` bytes: the datagram body Godot's callback hands to its codec.
fn gather_body(body: &mut Vec<u8>, in_buffers: &[&[u8]], in_limit: usize) {
    body.clear();
    for buffer in in_buffers {
        let room = in_limit - body.len();
        if room == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..buffer.len().min(room)]);
    }
}

/// Copies `compressed` into the front of `out`; its length, or 0 when it does not fit.
fn copy_if_fits(compressed: &[u8], out: &mut [u8]) -> usize {
    match out.get_mut(..compressed.len()) {
        Some(target) => {
            target.copy_from_slice(compressed);
            compressed.len()
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_concatenates_and_stops_at_the_limit() {
        let mut body = vec![9, 9, 9];
        gather_body(&mut body, &[b"abc", b"", b"defg", b"hij"], 8);
        assert_eq!(body, b"abcdefgh");
        gather_body(&mut body, &[b"xy"], 10);
        assert_eq!(body, b"xy");
    }

    #[test]
    fn each_mode_gets_its_codec() {
        assert!(compressor(CompressionMode::None).is_none());
        // Every codec returns a compressed body the same mode decompresses, and that the
        // others refuse (or, for the range coder's self-describing-less format, at least do
        // not reproduce).
        let body = b"godot godot godot godot godot godot godot godot godot godot".repeat(4);
        let modes = [
            CompressionMode::RangeCoder,
            CompressionMode::FastLz,
            CompressionMode::Zlib,
            CompressionMode::Zstd,
        ];
        for mode in modes {
            let mut codec = compressor(mode).unwrap();
            let mut packed = vec![0u8; body.len()];
            let size = codec.compress(&[&body], body.len(), &mut packed);
            assert!(size > 0 && size < body.len(), "{mode:?} did not compress");
            let mut back = vec![0u8; 4096];
            let len = codec.decompress(&packed[..size], &mut back);
            assert_eq!(&back[..len], body.as_slice(), "{mode:?}");
            for other in modes.into_iter().filter(|&m| m != mode) {
                let mut decoder = compressor(other).unwrap();
                let len = decoder.decompress(&packed[..size], &mut back);
                assert_ne!(&back[..len], body.as_slice(), "{other:?} read {mode:?}");
            }
        }
    }

    /// A small deterministic generator (no dependency) for the hostile-input sweep.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) as u32
        }

        fn below(&mut self, bound: usize) -> usize {
            self.next() as usize % bound.max(1)
        }
    }

    #[test]
    fn hostile_bodies_never_panic_and_stay_in_bounds() {
        // Random bytes, and valid compressed bodies with one byte changed or cut short, into
        // output buffers of random sizes: each codec returns a length within the buffer (0
        // for nearly all), never panics.
        let mut rng = Lcg(7);
        let body: Vec<u8> = b"pos 1.0 2.0 hp 100; "
            .iter()
            .copied()
            .cycle()
            .take(700)
            .collect();
        for mode in [
            CompressionMode::FastLz,
            CompressionMode::Zlib,
            CompressionMode::Zstd,
        ] {
            let mut codec = compressor(mode).unwrap();
            let mut packed = vec![0u8; body.len()];
            let size = codec.compress(&[&body], body.len(), &mut packed);
            assert!(size > 0);
            packed.truncate(size);
            for round in 0..3000 {
                let input: Vec<u8> = if round % 2 == 0 {
                    (0..rng.below(300)).map(|_| rng.next() as u8).collect()
                } else {
                    let mut mutated = packed.clone();
                    let at = rng.below(mutated.len());
                    mutated[at] ^= 1 << rng.below(8);
                    mutated.truncate(mutated.len() - rng.below(4));
                    mutated
                };
                let mut out = vec![0u8; rng.below(1000)];
                let len = codec.decompress(&input, &mut out);
                assert!(len <= out.len(), "{mode:?}: {len} > {}", out.len());
            }
        }
    }
}
