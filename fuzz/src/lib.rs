//! The checks behind netscene's fuzz targets, as plain functions so that a crash input can also
//! be replayed from a test or a debugger without libFuzzer.
//!
//! Each `fuzz_targets/<name>.rs` is one `fuzz_target!` calling one function here. A check panics
//! exactly when the code under test broke a property (a panic inside the code under test counts
//! too); everything a hostile input may legitimately cause — refusals, errors — passes.

pub mod client;
pub mod normalize;
pub mod packets;
pub mod peer;
pub mod scene;
pub mod scene_auth;
pub mod variant_binary;
pub mod variant_text;
pub mod wire;
