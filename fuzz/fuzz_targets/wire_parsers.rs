//! Fuzz target: `netscene::wire`'s parsers and their emit round trip (see `netscene_fuzz::wire`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::wire::check(data));
