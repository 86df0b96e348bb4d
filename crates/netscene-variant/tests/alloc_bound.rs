//! Allocation bound: a declared length never makes the decoder allocate more than the input can
//! justify. A counting global allocator measures the bytes requested; this file holds one
//! test so nothing else runs in the process while it measures.

mod common;

use std::alloc::System;

use common::hex;
use netscene_variant::*;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn hostile_lengths_never_allocate_beyond_the_input() {
    let tail = "00 00 00 00 00 00 00 00 00 00";
    let cases = [
        format!("1c 00 00 00 ff ff ff 7f {tail}"),
        format!("1b 00 00 00 ff ff ff 7f {tail}"),
        format!("1d 00 00 00 ff ff ff 7f {tail}"),
        format!("1f 00 00 00 ff ff ff 0f {tail}"),
        format!("22 00 00 00 ff ff ff 7f {tail}"),
        format!("25 00 00 00 ff ff ff 07 {tail}"),
        format!("16 00 00 00 ff ff ff ff ff ff ff ff 00 00 00 00 {tail}"),
        format!("04 00 00 00 ff ff ff 7f {tail}"),
        format!("18 00 00 00 01 00 00 00 4e 00 00 00 ff ff ff 7f {tail}"),
        // Arrays of arrays each declaring 2^31 - 1 elements, nested.
        format!("1c 00 00 00 ff ff ff 7f 1c 00 00 00 ff ff ff 7f {tail}"),
    ];
    let inputs: Vec<Vec<u8>> = cases.iter().map(|c| hex(c)).collect();
    let argc_bytes = [0u8; 16];
    let region = Region::new(GLOBAL);
    for input in &inputs {
        assert!(decode_variant(input, &DecodeOptions::allowing_objects()).is_err());
        assert!(decode_and_decompress_variant(input, &DecodeOptions::allowing_objects()).is_err());
    }
    // A huge argument count on a short buffer.
    assert!(
        decode_and_decompress_variants(&argc_bytes, usize::MAX, false, &DecodeOptions::default())
            .is_err()
    );
    let allocated = region.change().bytes_allocated;
    assert!(
        allocated < 8192,
        "{allocated} bytes allocated while refusing hostile lengths"
    );

    // Nested containers share the bytes their declared counts are checked against: 500 levels
    // of arrays (and of dictionaries), each declaring as many elements as the bytes left could
    // hold, in 64 KiB padded with NILs. Reserving every declared count would ask for ~700 MB.
    for (kind, element_bytes) in [(0x1c_u8, 4_usize), (0x1b, 8)] {
        let total = 64 << 10;
        let mut input = Vec::with_capacity(total);
        for _ in 0..500 {
            let left = total - input.len() - 8;
            input.extend_from_slice(&[kind, 0, 0, 0]);
            input.extend_from_slice(&((left / element_bytes) as u32).to_le_bytes());
        }
        input.resize(total, 0);
        let region = Region::new(GLOBAL);
        let _ = decode_variant(&input, &DecodeOptions::default());
        let allocated = region.change().bytes_allocated;
        // A decoded Variant is 22 times the 4 bytes of a NIL on the wire, and a growing Vec
        // doubles: what the elements really decoded can justify is under ~50x the input.
        assert!(
            allocated < 64 * total,
            "{allocated} bytes allocated for {total} bytes of nested {kind:#x} containers"
        );
    }
}
