//! Godot 4's `ENetMultiplayerPeer` for netscene, over [rusty_enet] (a pure-Rust port of
//! ENet 1.3.18, the version Godot 4 bundles).
//!
//! Wire-compatible with Godot 4 (spec section F): a Godot 4 client can join a netscene
//! server and a netscene client a Godot 4 server; both also talk to plain C ENet 1.3 peers
//! that follow the same conventions (tested against Debian's libenet).
//!
//! * [`ENetMultiplayerPeer`]: server, client and mesh modes, poll-driven, no thread.
//! * [`ENetConnection`]: a bare ENet host, for mesh networking.
//! * [`ENetClientGroup`]: many clients of one server on one host and socket, for load tests.
//! * [`ENetPacketPeer`]: per-peer statistics (round-trip time, packet loss, throttle) and
//!   timeouts, from `get_peer(id)`.
//! * [`ServerOptions`] / [`ClientOptions`]: the constructors' arguments as named fields.
//!
//! # Where this differs from Godot 4, and why
//!
//! * **Server host arguments (spec F.2).** Godot's `create_server` creates the ENet host with
//!   channel limit 0 (= 255) and passes `max_channels + 2` as the *incoming bandwidth*; this
//!   crate passes `max_channels + 2` (or 255) as the channel limit and `in_bandwidth` as the
//!   incoming bandwidth. Interoperation is unaffected: the channel limit only caps what a
//!   connecting client asks for (ENet then tells the client the agreed count in
//!   VERIFY_CONNECT), and the advertised bandwidth only tunes ENet's throttle and window. With
//!   the default `max_channels = 0` both create identical hosts.
//! * **Client ids above 2³¹−1** in the CONNECT data are refused (Godot would store them as
//!   negative ids, which collide with the "all but n" targets).
//! * **Client sockets.** With the default `"*"` bind, a client of an IPv4 server binds an IPv4
//!   socket instead of Godot's dual-stack one (same datagrams; the kernel's v4-mapped path is
//!   slower). Servers bind dual-stack, as Godot does. A client's socket is also `connect`ed to
//!   its server: the kernel skips a route lookup per send and the source address per receive,
//!   and drops datagrams from anyone else (which ENet would drop anyway). The ICMP errors a
//!   connected socket reports are ignored, so a lost server still times out as in Godot.
//! * **Compression** is chosen when the host is created ([`ServerOptions::compression`]);
//!   Godot calls `ENetConnection.compress()` afterwards. All five of Godot's modes exist, with
//!   Godot's values: NONE, RANGE_CODER (rusty_enet's port of ENet's), FASTLZ (FastLZ level 1,
//!   short bodies zero-padded to 16 bytes, as Godot's `Compression::MODE_FASTLZ`), ZLIB (zlib
//!   streams, as `MODE_DEFLATE`) and ZSTD (Zstandard frames at Godot's default level 3, as
//!   `MODE_ZSTD`). Compressed bytes need not be identical to Godot's (another FastLZ hash,
//!   another zlib or zstd build); each side decodes the other's, which is what the wire needs.
//! * **Socket buffers** are set to C ENet's 256 KiB (Godot's socket layer ignores the request).
//! * **Flushes.** Godot flushes the host after every `put_packet`, and a flush walks every
//!   peer slot. Inside a send batch (`begin_send_batch` .. `end_send_batch`, which
//!   `SceneMultiplayer` puts around each poll) the host is flushed once, when the batch ends;
//!   outside one, every packet is flushed at once as in Godot. A poll also services the host
//!   again while its socket holds unread datagrams (ENet reads at most 256 per service), and
//!   looks for peers gone without an ENet event only after `get_peer` / `get_host` gave
//!   direct access to them (Godot looks on every poll).
//! * `add_mesh_peer` refuses an id already in the mesh (Godot replaces the old host).
//!
//! Refusing new connections, bad ids and duplicate ids behave as in Godot on plain UDP: ENet
//! completes its handshake, then the server resets the peer silently, and the client times out.
//!
//! # rusty_enet's `Packet::kind()` defect
//!
//! rusty_enet 0.4.1's `Packet::kind()` always reports "reliable"; this crate reads the
//! received packet's flags from its `Debug` output instead (see [`flags`]), so the transfer
//! mode reported on receive is the sender's, as in Godot. A unit test fails if a rusty_enet
//! update fixes `kind()` or changes the `Debug` output.

#![deny(missing_docs)]

mod batch_io;
mod client_group;
mod coalesce;
mod compression;
mod connection;
pub mod flags;
mod multiplayer_peer;
mod options;
mod packet_peer;
mod peer;
mod pending;
mod poll;
mod socket;
mod statistics;

pub use client_group::{ENetClientGroup, ENetGroupClient};
pub use connection::{ConnectionEvent, ENetConnection, HostStatistic, PeerSlot};
pub use options::{
    ClientOptions, CompressionMode, MAX_PEERS, PeerSettings, PeerThrottle, PeerTimeout,
    ServerOptions,
};
pub use packet_peer::{ENetPacketPeer, PACKET_LOSS_SCALE, PACKET_THROTTLE_SCALE, PeerStatistic};
pub use peer::{ENetMultiplayerPeer, MAX_PACKET_SIZE};
pub use socket::SOCKET_BUFFER_SIZE;

/// rusty_enet's peer state, as returned by [`ENetPacketPeer::state`].
pub use rusty_enet::PeerState;

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
