//! Godot 4's `WebSocketMultiplayerPeer` in Rust, wire-compatible with Godot 4.
//!
//! [`WebSocketMultiplayerPeer`] implements netscene's
//! [`MultiplayerPeer`](netscene::peer::MultiplayerPeer) over RFC 6455 WebSockets
//! (tungstenite), plain (`ws://`) or over TLS (`wss://`, rustls with the `ring` provider,
//! configured through [`TlsOptions`] like Godot's `TLSOptions`). Its wire behaviour is Godot's:
//!
//! * the server sends each new client its id as one binary message of exactly 4 bytes
//!   (i32 little-endian) and only then reports it connected;
//! * every packet is one binary message, without any header;
//! * transfer modes and channels are accepted but ignored: TCP delivers everything reliably
//!   and in order, and received packets report channel 0 and
//!   [`TransferMode::Reliable`](netscene::peer::TransferMode::Reliable);
//! * server relay is supported (SceneMultiplayer relays client to client through the server);
//! * properties and defaults follow Godot: handshake timeout 3 s, inbound and outbound
//!   buffers of 65535 bytes, 2048 queued packets, no subprotocols, no extra headers.
//!
//! `wss://` takes Godot-style TLS options, with PEM certificates and keys:
//!
//! ```no_run
//! use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = std::fs::read("server.key")?;
//! let chain = std::fs::read("server.crt")?;
//! let mut server = WebSocketMultiplayerPeer::new();
//! server.create_server(9080, "*", Some(TlsOptions::server(&key, &chain)?))?;
//!
//! // A client trusting only the given CA (None: the public web roots).
//! let ca = std::fs::read("ca.crt")?;
//! let mut client = WebSocketMultiplayerPeer::new();
//! client.create_client("wss://localhost:9080", Some(TlsOptions::client(Some(&ca), None)?))?;
//! # Ok(())
//! # }
//! ```
//!
//! All I/O runs inside `poll()` on non-blocking sockets, so no async runtime or thread is
//! needed. Hostile peers are bounded: handshakes time out, messages larger than the inbound
//! buffer close the connection (code 1009), and a peer whose packets are not consumed stops
//! being read (TCP flow control slows it down) instead of growing memory.

#![deny(missing_docs)]

mod client;
mod connection;
mod negotiation;
mod peer;
#[cfg(test)]
mod poll_tests;
mod readiness;
mod server;
mod settings;
mod stream;
mod tls;

pub use peer::WebSocketMultiplayerPeer;
pub use server::{MAX_PENDING_PEERS, ServerCertificate};
pub use settings::{
    DEFAULT_BUFFER_SIZE, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_MAX_QUEUED_PACKETS, PROTO_SIZE,
};
pub use tls::{TlsError, TlsOptions};

// The README's example is one of this crate's doc tests, so `cargo test` compiles and runs it
// and the README cannot drift from the API; the crate documentation above stays its own text.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
