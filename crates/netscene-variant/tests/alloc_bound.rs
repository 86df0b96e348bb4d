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
}
