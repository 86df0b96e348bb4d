//! Godot 4's high-level multiplayer — MultiplayerAPI, SceneMultiplayer and MultiplayerPeer —
//! in Rust, wire-compatible with Godot 4.
//!
//! * [`SceneTree`] holds nodes (addressed by [`NodePath`]) and the multiplayer APIs serving
//!   its branches; [`SceneTree::poll`] runs everything.
//! * [`MultiplayerApi`] is Godot's `MultiplayerAPI`; [`SceneMultiplayer`] its default
//!   implementation (RPC, path cache, auth, relay, raw bytes).
//! * [`peer`] holds the transport contract and the offline and simulated transports.
//! * [`replication`] has MultiplayerSpawner and MultiplayerSynchronizer.
//! * [`wire`] has the packet formats, sans-IO.
//!
//! # Features
//!
//! * `testing` (off by default): the `testing` module, the SceneMultiplayer checks a
//!   [`MultiplayerPeer`] implementation should pass (an RPC round trip, server relay between
//!   clients); the ENet and WebSocket transports run them in their tests.

#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
pub mod error;
pub mod handler;
pub mod peer;
pub mod registry;
pub mod replication;
pub mod rpc_config;
pub mod scene_multiplayer;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod tree;
pub mod typed;
pub mod wire;

pub use netscene_variant as variant;
pub use netscene_variant::{NodePath, StringName, Variant};
pub use peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    PeerStatistics, TransferMode,
};

pub use api::{MultiplayerApi, MultiplayerEvent};
pub use error::{MultiplayerError, PacketError, PropertyError, RpcRejection};
pub use handler::{CallError, HandlerResult, RpcContext, RpcHandler, handler};
pub use registry::{
    create_default_interface, create_interface, get_default_interface, register_interface,
    set_default_interface, unregister_interface,
};
pub use replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationError, ReplicationMode,
    SceneReplicationConfig, SpawnRequest,
};
pub use rpc_config::{RpcConfig, RpcMode};
pub use scene_multiplayer::{AuthCallback, PeerLimitKind, PeerLimits, SceneMultiplayer};
pub use tree::{Node, NodeId, SceneTree, TreeError};
pub use typed::FromRpcArgs;

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
