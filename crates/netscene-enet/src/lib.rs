//! Godot 4's `ENetMultiplayerPeer` for netscene, over [rusty_enet] (a pure-Rust port of
//! ENet 1.3.18, the version Godot 4 bundles).
//!
//! Wire-compatible with Godot 4 (spec section F): a Godot 4 client can join a netscene
//! server and a netscene client a Godot 4 server; both also talk to plain C ENet 1.3 peers
//! that follow the same conventions (tested against Debian's libenet).
//!
//! * [`ENetMultiplayerPeer`]: server, client and mesh modes, poll-driven, no thread.
//! * [`ENetConnection`]: a bare ENet host, for mesh networking.
//! * [`ENetPacketPeer`]: per-peer statistics (round-trip time, packet loss, throttle) and
//!   timeouts, from `get_peer(id)`.
//! * [`ServerOptions`] / [`ClientOptions`]: the constructors' arguments as named fields.
//!
//! rusty_enet 0.4.1's `Packet::kind()` always reports "reliable"; this crate reads the
//! received packet's flags another way (see [`flags`]) so the transfer mode reported on
//! receive is the sender's, as in Godot.

mod connection;
pub mod flags;
mod options;
mod packet_peer;
mod peer;
mod poll;
mod socket;

pub use connection::{ConnectionEvent, ENetConnection, PeerSlot};
pub use options::{
    ClientOptions, CompressionMode, MAX_PEERS, PeerSettings, PeerTimeout, ServerOptions,
};
pub use packet_peer::{ENetPacketPeer, PACKET_LOSS_SCALE, PACKET_THROTTLE_SCALE};
pub use peer::{ENetMultiplayerPeer, MAX_PACKET_SIZE};
pub use socket::SOCKET_BUFFER_SIZE;

/// rusty_enet's peer state, as returned by [`ENetPacketPeer::state`].
pub use rusty_enet::PeerState;
