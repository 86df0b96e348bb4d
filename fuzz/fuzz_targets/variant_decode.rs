//! Fuzz target: the binary Variant decoders and their round trip (see `netscene_fuzz::variant_binary`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::variant_binary::check(data));
