//! Fuzz target: a SceneMultiplayer server with an auth callback receiving an unauthenticated
//! client's packets (see `netscene_fuzz::scene_auth`). The input is packets joined by `|PKT|`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| netscene_fuzz::scene_auth::check(data));
