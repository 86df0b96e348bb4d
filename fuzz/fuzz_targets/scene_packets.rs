//! Fuzz target: a live SceneMultiplayer server receiving a client's packets (see
//! `netscene_fuzz::scene`). The input is several packets joined by `|PKT|`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::scene::check(data));
