//! Fuzz target: `str_to_var` and the text round trip (see `netscene_fuzz::variant_text`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::variant_text::check(data));
