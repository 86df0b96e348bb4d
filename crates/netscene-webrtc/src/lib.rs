//! netscene-webrtc: Godot 4's `WebRTCMultiplayerPeer` in Rust, wire-compatible with Godot.
//!
//! * [`WebRtcPeerConnection`]: Godot's `WebRTCPeerConnection` (one remote end; the
//!   offer/answer/ICE-candidate exchange is the application's job, as in Godot) over the
//!   sans-IO [`str0m`] stack and one UDP socket, polled like every netscene transport.
//! * [`WebRtcMultiplayerPeer`]: Godot's `WebRTCMultiplayerPeer` (`create_server`,
//!   `create_client(id)`, `create_mesh(id)`, `add_peer`), with Godot's data-channel layout
//!   ([`layout`]), so a Godot game and a netscene peer interoperate.
//! * [`signaling`]: a small WebSocket lobby protocol (the `netscene signal` server and its
//!   client), and [`LobbyPeer`], a `MultiplayerPeer` that joins a lobby and connects itself.
//!
//! No async runtime: everything happens in `poll()`.

#![deny(missing_docs)]

mod connection;
mod data_channel;
mod error;
pub mod layout;
mod multiplayer_peer;
mod session;
pub mod signaling;

pub use connection::{
    ConnectionConfig, ConnectionEvent, ConnectionState, SdpType, WebRtcPeerConnection,
};
pub use data_channel::{ChannelState, DataChannelConfig, WebRtcDataChannel, WriteMode};
pub use error::WebRtcError;
pub use multiplayer_peer::{MAX_PACKET_SIZE, NetworkMode, PeerInfo, WebRtcMultiplayerPeer};
pub use signaling::{LobbyOptions, LobbyPeer, SignalingClient, SignalingError, SignalingServer};

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
