//! Options for creating ENet hosts, servers and clients: Godot's constructor arguments as
//! named fields, plus what Rust callers need (port 0, a fixed client id, short timeouts).

use std::net::IpAddr;

use netscene::peer::{PeerError, PeerId};
use rusty_enet::{Host, HostSettings};

use crate::flags::{ENET_MAX_CHANNELS, SYSCH_MAX};
use crate::socket::{EnetSocket, bind_udp};

/// The rusty_enet host type every netscene ENet object uses.
pub(crate) type EnetHost = Host<EnetSocket>;

/// The most peers an ENet host accepts (`ENET_PROTOCOL_MAXIMUM_PEER_ID`), as Godot checks.
pub const MAX_PEERS: usize = 4095;

/// Godot's `ENetConnection.CompressionMode`, with Godot's values.
///
/// Compression applies to each ENet datagram body as a whole (after ENet's protocol header);
/// a datagram that would not get smaller goes out uncompressed, flagged as such. Both ends of
/// a connection must use the same mode: a host without a compressor drops every compressed
/// datagram it receives, and a host with another codec fails to decompress them and drops
/// them too (so the handshake, or later the large packets, never get through).
#[doc(alias = "ENetConnection.CompressionMode")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum CompressionMode {
    /// `COMPRESS_NONE`: Godot's default.
    #[default]
    #[doc(alias = "COMPRESS_NONE")]
    None = 0,
    /// `COMPRESS_RANGE_CODER`: stock ENet's adaptive range coder.
    #[doc(alias = "COMPRESS_RANGE_CODER")]
    RangeCoder = 1,
    /// `COMPRESS_FASTLZ`: each datagram body as one FastLZ level-1 block (Godot's
    /// `MODE_FASTLZ`; bodies under 16 bytes are zero-padded to 16 first, as Godot does).
    #[doc(alias = "COMPRESS_FASTLZ")]
    FastLz = 2,
    /// `COMPRESS_ZLIB`: each datagram body as one zlib stream (Godot's `MODE_DEFLATE`).
    #[doc(alias = "COMPRESS_ZLIB")]
    Zlib = 3,
    /// `COMPRESS_ZSTD`: each datagram body as one Zstandard frame at level 3 (Godot's
    /// `MODE_ZSTD` with its default level).
    #[doc(alias = "COMPRESS_ZSTD")]
    Zstd = 4,
}

/// ENet's per-peer timeout settings (`ENetPacketPeer.set_timeout`).
///
/// A peer is dropped when a reliable packet stays unacknowledged for `maximum_ms`, or for
/// `minimum_ms` once the round-trip-based retry limit `limit` is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerTimeout {
    /// Retry limit, in units of the round-trip time (ENet default 32).
    pub limit: u32,
    /// Minimum time before a timeout, in milliseconds (ENet default 5000).
    pub minimum_ms: u32,
    /// Maximum time before a timeout, in milliseconds (ENet default 30000).
    pub maximum_ms: u32,
}

impl Default for PeerTimeout {
    fn default() -> Self {
        Self {
            limit: 32,
            minimum_ms: 5000,
            maximum_ms: 30000,
        }
    }
}

/// ENet's unreliable-packet throttle settings (`ENetPacketPeer.throttle_configure`).
///
/// ENet drops a share of unreliable packets when the round-trip time rises; `deceleration`
/// is how fast the throttle closes, `acceleration` how fast it reopens (both in 1/32 steps).
/// Setting them sends them to the remote end too, which adopts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeerThrottle {
    /// Interval between throttle measurements, in milliseconds (ENet default 5000).
    pub interval_ms: u32,
    /// Throttle increase per good measurement (ENet default 2).
    pub acceleration: u32,
    /// Throttle decrease per bad measurement (ENet default 2; 0 never drops).
    pub deceleration: u32,
}

impl Default for PeerThrottle {
    fn default() -> Self {
        Self {
            interval_ms: 5000,
            acceleration: 2,
            deceleration: 2,
        }
    }
}

/// Settings applied to each remote peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PeerSettings {
    /// Timeouts; `None` keeps ENet's defaults.
    pub timeout: Option<PeerTimeout>,
    /// Interval between pings of an idle connection, in milliseconds; `None` keeps ENet's 500.
    pub ping_interval_ms: Option<u32>,
    /// Unreliable-packet throttle, applied (and sent to the remote) once connected; `None`
    /// keeps ENet's defaults.
    pub throttle: Option<PeerThrottle>,
}

/// `ENetMultiplayerPeer.create_server` arguments, plus bind address, compression and per-peer
/// settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// UDP port to listen on; 0 lets the system pick one (read it with `local_port()`).
    pub port: u16,
    /// Most clients at once (1 to 4095; Godot's default 32).
    pub max_clients: usize,
    /// User channels beyond the default one; 0 allows the maximum (253).
    pub max_channels: usize,
    /// Incoming bandwidth limit in bytes per second, 0 for none.
    pub in_bandwidth: u32,
    /// Outgoing bandwidth limit in bytes per second, 0 for none.
    pub out_bandwidth: u32,
    /// Address to bind; `None` is Godot's `"*"` (all addresses, IPv6 and IPv4).
    pub bind_ip: Option<IpAddr>,
    /// Host compression.
    pub compression: CompressionMode,
    /// Applied to every client when it connects.
    pub peer_settings: PeerSettings,
}

impl ServerOptions {
    /// Godot's defaults on `port`.
    pub fn new(port: u16) -> Self {
        Self {
            port,
            max_clients: 32,
            max_channels: 0,
            in_bandwidth: 0,
            out_bandwidth: 0,
            bind_ip: None,
            compression: CompressionMode::None,
            peer_settings: PeerSettings::default(),
        }
    }
}

/// `ENetMultiplayerPeer.create_client` arguments, plus bind address, compression, per-peer
/// settings and an optional fixed id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Server host name or IP address.
    pub address: String,
    /// Server port.
    pub port: u16,
    /// User channels beyond the default one; 0 asks for the maximum (253).
    pub channel_count: usize,
    /// Incoming bandwidth limit in bytes per second, 0 for none.
    pub in_bandwidth: u32,
    /// Outgoing bandwidth limit in bytes per second, 0 for none.
    pub out_bandwidth: u32,
    /// Local port to bind; 0 lets the system pick one.
    pub local_port: u16,
    /// Address to bind; `None` is Godot's `"*"`.
    pub bind_ip: Option<IpAddr>,
    /// Host compression (must match the server's).
    pub compression: CompressionMode,
    /// Applied to the connection to the server.
    pub peer_settings: PeerSettings,
    /// This client's id (2 to 2³¹−1); `None` draws one with `generate_unique_id()` as Godot.
    pub unique_id: Option<PeerId>,
}

impl ClientOptions {
    /// Godot's defaults for a connection to `address:port`.
    pub fn new(address: impl Into<String>, port: u16) -> Self {
        Self {
            address: address.into(),
            port,
            channel_count: 0,
            in_bandwidth: 0,
            out_bandwidth: 0,
            local_port: 0,
            bind_ip: None,
            compression: CompressionMode::None,
            peer_settings: PeerSettings::default(),
            unique_id: None,
        }
    }
}

/// Everything needed to create one ENet host.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HostParams {
    pub bind_ip: Option<IpAddr>,
    pub port: u16,
    pub max_peers: usize,
    /// 1..=255 ENet channels per connection.
    pub channel_limit: usize,
    pub in_bandwidth: u32,
    pub out_bandwidth: u32,
    pub compression: CompressionMode,
}

/// ENet's channel limit for Godot's "user channels, 0 = maximum" arguments: `n + 2`, or 255.
pub(crate) fn channel_limit_for_user_channels(user_channels: usize) -> Result<usize, PeerError> {
    if user_channels == 0 {
        return Ok(ENET_MAX_CHANNELS);
    }
    let limit = user_channels + usize::from(SYSCH_MAX);
    if limit > ENET_MAX_CHANNELS {
        return Err(PeerError::InvalidParameter(format!(
            "{user_channels} channels requested, at most {} are available",
            ENET_MAX_CHANNELS - usize::from(SYSCH_MAX)
        )));
    }
    Ok(limit)
}

/// Creates a bound ENet host.
pub(crate) fn create_host(params: HostParams) -> Result<EnetHost, PeerError> {
    if !(1..=MAX_PEERS).contains(&params.max_peers) {
        return Err(PeerError::InvalidParameter(format!(
            "peer count {} is outside 1..={MAX_PEERS}",
            params.max_peers
        )));
    }
    if !(1..=ENET_MAX_CHANNELS).contains(&params.channel_limit) {
        return Err(PeerError::InvalidParameter(format!(
            "channel limit {} is outside 1..={ENET_MAX_CHANNELS}",
            params.channel_limit
        )));
    }
    let socket = bind_udp(params.bind_ip, params.port)
        .map_err(|error| PeerError::CantCreate(format!("binding port {}: {error}", params.port)))?;
    let settings = HostSettings {
        peer_limit: params.max_peers,
        channel_limit: params.channel_limit,
        incoming_bandwidth_limit: (params.in_bandwidth > 0).then_some(params.in_bandwidth),
        outgoing_bandwidth_limit: (params.out_bandwidth > 0).then_some(params.out_bandwidth),
        compressor: crate::compression::compressor(params.compression),
        ..HostSettings::default()
    };
    Host::new(EnetSocket::new(socket), settings)
        .map_err(|error| PeerError::CantCreate(error.to_string()))
}
