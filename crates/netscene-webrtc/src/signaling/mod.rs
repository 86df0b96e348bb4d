//! Lobby signaling: the JSON-over-WebSocket protocol of `netscene signal` ([`protocol`]), its
//! server ([`SignalingServer`]), its client ([`SignalingClient`]) and [`LobbyPeer`], a
//! `MultiplayerPeer` that finds its peers through a lobby.

mod client;
mod lobby;
pub mod protocol;
mod server;

pub use client::{SignalingClient, SignalingError};
pub use lobby::{LobbyOptions, LobbyPeer};
pub use server::SignalingServer;
