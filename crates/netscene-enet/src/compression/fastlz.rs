//! Godot's `COMPRESS_FASTLZ`: each datagram body compressed as one FastLZ block (Godot's
//! `Compression::MODE_FASTLZ` over FastLZ 0.5.0's `fastlz_compress`).
//!
//! What Godot does, and this module does the same way:
//! * A body shorter than 16 bytes (FastLZ's documented minimum input) is padded with zeros to
//!   16 bytes before compressing, so the receiver decompresses 16 bytes. ENet stops parsing a
//!   datagram at a zero command byte, so the padding is harmless to both C ENet and rusty_enet.
//! * `fastlz_compress` picks level 1 for inputs under 64 KiB, which every ENet datagram body is
//!   (at most 4096 bytes); the level is recorded in the block's first byte, and the decoder
//!   accepts level 1 and level 2 blocks.
//!
//! The codec is [`fastlz_rs`] (pure Rust): its level-1 blocks are not byte-identical to the C
//! compressor's (another hash function) but decode with the reference C decoder, which the
//! tests check both ways. Its decoder checks every read and write against the buffers.

use fastlz_rs::{CompressState, CompressionLevel, decompress_to_buf};
use rusty_enet::Compressor;

use super::gather_body;

/// Godot pads shorter bodies with zeros to this length before compressing.
pub(crate) const FASTLZ_MIN_INPUT: usize = 16;

/// Godot's `COMPRESS_FASTLZ` ENet compressor.
pub(crate) struct FastLzCompressor {
    /// The datagram body gathered from ENet's buffers, kept to reuse its allocation.
    body: Vec<u8>,
    /// FastLZ's 8192-entry hash table (64 KiB), boxed and reused.
    state: Box<CompressState>,
}

impl Default for FastLzCompressor {
    fn default() -> Self {
        Self {
            body: Vec::new(),
            state: CompressState::new_boxed(),
        }
    }
}

impl Compressor for FastLzCompressor {
    fn compress(&mut self, in_buffers: &[&[u8]], in_limit: usize, out: &mut [u8]) -> usize {
        gather_body(&mut self.body, in_buffers, in_limit);
        if self.body.len() < FASTLZ_MIN_INPUT {
            self.body.resize(FASTLZ_MIN_INPUT, 0);
        }
        // `Default` is `fastlz_compress`'s choice: level 1 below 64 KiB. A block that does not
        // fit `out` is an error here, and 0 ("send it uncompressed") as in Godot.
        self.state
            .compress_to_buf(&self.body, out, CompressionLevel::Default)
            .unwrap_or(0)
    }

    fn decompress(&mut self, in_data: &[u8], out: &mut [u8]) -> usize {
        // Bounded by `out` (ENet's receive buffer); a malformed block, a back-reference before
        // the start, or output beyond `out` → 0, and ENet drops the datagram.
        decompress_to_buf(in_data, out).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Twelve `a`s: the smallest kind of body Godot pads, and one that still compresses.
    const TWELVE_A: &[u8] = b"aaaaaaaaaaaa";

    fn compress(body: &[u8], out_len: usize) -> (usize, Vec<u8>) {
        let mut codec = FastLzCompressor::default();
        let mut out = vec![0u8; out_len];
        let size = codec.compress(&[body], body.len(), &mut out);
        out.truncate(size);
        (size, out)
    }

    fn decompress(block: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; 4096];
        let len = FastLzCompressor::default().decompress(block, &mut out);
        out.truncate(len);
        out
    }

    fn padded(body: &[u8]) -> Vec<u8> {
        let mut padded = body.to_vec();
        padded.resize(padded.len().max(FASTLZ_MIN_INPUT), 0);
        padded
    }

    #[test]
    fn golden_tiny_body_is_padded_then_compressed() {
        // Hand-checked level-1 block of "aaaaaaaaaaaa" + four zero bytes of padding:
        //   00 61        literal run of 1: "a"
        //   e0 02 00     long match: length 2 + 9 = 11, distance 0 + 1 = 1 → 11 × "a"
        //   03 00000000  literal run of 4: the padding
        let (size, block) = compress(TWELVE_A, TWELVE_A.len());
        assert_eq!(
            block,
            [0x00, 0x61, 0xe0, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00]
        );
        assert_eq!(size, 10);
        assert_eq!(decompress(&block), padded(TWELVE_A));
        let mut out = [0u8; 64];
        assert_eq!(
            ::fastlz::decompress(&block, &mut out).unwrap(),
            padded(TWELVE_A).as_slice(),
            "the reference C decoder agrees"
        );
    }

    #[test]
    fn golden_block_of_the_c_compressor_decodes() {
        // FastLZ 0.5.0 (Godot's copy) on the same 16 padded bytes, derived by hand from its
        // algorithm: two leading literals, a long match at distance 2 of 8 + 2 = 10 bytes,
        // then the four padding bytes as literals.
        let c_block = [
            0x01, 0x61, 0x61, 0xe0, 0x01, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(decompress(&c_block), padded(TWELVE_A));
    }

    #[test]
    fn tiny_incompressible_body_is_not_compressed() {
        // "abc" padded to 16 bytes makes an 8-byte block: more than the 3-byte body, so 0.
        assert_eq!(compress(b"abc", 3).0, 0);
        // With room, the block holds the padded 16 bytes:
        //   03 61626300  literal run of 4: "abc" and the first zero
        //   e0 03 00     long match: length 3 + 9 = 12, distance 1 → the other twelve zeros
        // (FastLZ 0.5.0 itself stops looking for matches 12 bytes before the end and writes
        // the 17-byte all-literal block; the decoder reads both.)
        let (_, block) = compress(b"abc", 64);
        assert_eq!(block, [0x03, 0x61, 0x62, 0x63, 0x00, 0xe0, 0x03, 0x00]);
        assert_eq!(decompress(&block), padded(b"abc"));
        let c_block = [&[15u8, b'a', b'b', b'c'][..], &[0u8; 13]].concat();
        assert_eq!(decompress(&c_block), padded(b"abc"));
    }

    #[test]
    fn hostile_blocks_decode_to_nothing() {
        let mut out = [0u8; 64];
        let mut codec = FastLzCompressor::default();
        let cases: &[&[u8]] = &[
            &[],
            // Level 3 does not exist.
            &[0x40, 0x61],
            // Literal run of 32 with 1 byte behind it.
            &[0x1f, 0x61],
            // A match before the start of the output.
            &[0x00, 0x61, 0x20, 0x05],
            // A truncated long match.
            &[0x00, 0x61, 0xe0],
            // Level 2 with a truncated 16-bit distance.
            &[0x20, 0x61, 0x3f, 0xff, 0x00],
        ];
        for block in cases {
            assert_eq!(codec.decompress(block, &mut out), 0, "{block:02x?}");
        }
        // A valid block whose output is larger than the buffer.
        let (_, block) = compress(&[7u8; 1000], 1000);
        assert_eq!(codec.decompress(&block, &mut out), 0);
    }

    /// Deterministic noise: incompressible for FastLZ.
    fn noise(len: usize, seed: u32) -> Vec<u8> {
        let mut state = seed.wrapping_mul(747_796_405).wrapping_add(1);
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect()
    }

    /// Mixed bodies: text-like repeats, runs, noise, and ENet-like command headers.
    fn bodies() -> Vec<Vec<u8>> {
        let mut bodies = Vec::new();
        for len in (0..=40).chain([63, 64, 65, 255, 256, 257, 1000, 1392, 4000, 4092]) {
            bodies.push(noise(len, len as u32));
            bodies.push(b"netscene ".iter().copied().cycle().take(len).collect());
            bodies.push(vec![0u8; len]);
            bodies.push(
                (0..len)
                    .map(|i| {
                        if i % 48 < 8 {
                            (i / 48) as u8 | 0x86
                        } else {
                            (i % 7) as u8
                        }
                    })
                    .collect(),
            );
        }
        bodies
    }

    #[test]
    fn reference_c_decoder_reads_our_blocks() {
        for body in bodies() {
            let (size, block) = compress(&body, body.len().max(FASTLZ_MIN_INPUT) * 2 + 66);
            assert!(size > 0, "no block for {} bytes", body.len());
            let mut out = vec![0u8; 8192];
            let decoded = ::fastlz::decompress(&block, &mut out).unwrap();
            assert_eq!(decoded, padded(&body).as_slice(), "{} bytes", body.len());
        }
    }

    #[test]
    fn we_read_the_reference_c_compressors_blocks() {
        for body in bodies() {
            // The C FastLZ wants at least 16 bytes (Godot pads for this reason) and an output
            // of at least 66 bytes and 5 % above the input.
            let input = padded(&body);
            let mut block = vec![0u8; input.len() * 2 + 66];
            let block = ::fastlz::compress(&input, &mut block).unwrap();
            assert_eq!(block[0] >> 5, 0, "the C compressor chose level 1");
            assert_eq!(decompress(block), input, "{} bytes", body.len());
        }
    }

    #[test]
    fn incompressible_bodies_are_sent_as_they_are() {
        for len in [16, 100, 1392] {
            let body = noise(len, 99);
            assert_eq!(compress(&body, len).0, 0, "{len} bytes of noise");
        }
    }
}
