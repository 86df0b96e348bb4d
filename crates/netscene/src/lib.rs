//! Godot 4's high-level multiplayer — MultiplayerAPI, SceneMultiplayer and MultiplayerPeer —
//! in Rust, wire-compatible with Godot 4.

pub mod peer;

pub use netscene_variant as variant;
pub use netscene_variant::{NodePath, StringName, Variant};
pub use peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PeerError, PeerEvent, PeerId, TransferMode,
};
