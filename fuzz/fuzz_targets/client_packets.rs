//! Fuzz target: a live SceneMultiplayer client receiving its server's packets (see
//! `netscene_fuzz::client`). The input is several packets joined by `|PKT|`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::client::check(data));
