//! The `MultiplayerPeer` contract: Godot 4's packet transport interface, in Rust.
//!
//! A peer moves whole packets between numbered peers. The server is always id 1; clients
//! have random ids in `2..=i32::MAX` ([`generate_unique_id`]). Before each
//! [`MultiplayerPeer::put_packet`] the caller picks the target, transfer mode and channel,
//! exactly as in Godot; [`MultiplayerPeer::send`] does all four in one call.

use std::any::Any;

pub use netscene_variant::ErrorCode;

pub mod offline;
pub mod simulated;
mod statistics;
mod tap;

pub use offline::OfflineMultiplayerPeer;
pub use simulated::{LinkConditions, SimulatedNetwork, SimulatedPeer};
pub use statistics::{PeerStatistics, PeerTraffic};
pub use tap::{PacketTap, TappedPeer};

/// A peer id: 1 is the server, 0 addresses everyone, `-n` everyone but `n`.
pub type PeerId = i32;

/// `MultiplayerPeer.TARGET_PEER_BROADCAST`.
pub const TARGET_PEER_BROADCAST: PeerId = 0;
/// `MultiplayerPeer.TARGET_PEER_SERVER`.
pub const TARGET_PEER_SERVER: PeerId = 1;

/// `MultiplayerPeer.TransferMode`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum TransferMode {
    /// May be lost, duplicated or reordered.
    Unreliable = 0,
    /// May be lost, but never delivered older-after-newer on its channel.
    UnreliableOrdered = 1,
    /// Delivered exactly once, in order per channel.
    #[default]
    Reliable = 2,
}

impl TransferMode {
    /// The mode for Godot's numeric value.
    pub fn from_godot(value: u8) -> Option<Self> {
        match value {
            0 => Some(Self::Unreliable),
            1 => Some(Self::UnreliableOrdered),
            2 => Some(Self::Reliable),
            _ => None,
        }
    }
}

/// `MultiplayerPeer.ConnectionStatus`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum ConnectionStatus {
    /// Not connected (closed, refused, lost or never started).
    #[default]
    Disconnected = 0,
    /// A client waiting for the server to accept it.
    Connecting = 1,
    /// Connected (a server is connected as soon as it listens).
    Connected = 2,
}

/// A received packet with the metadata Godot exposes through `get_packet_peer()`,
/// `get_packet_channel()` and `get_packet_mode()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// The sending peer's id.
    pub from: PeerId,
    /// The user channel it was sent on (0 when the transport has no channels).
    pub channel: i32,
    /// The transfer mode it was sent with.
    pub mode: TransferMode,
    /// The payload.
    pub data: Vec<u8>,
}

/// What a peer reports from [`MultiplayerPeer::poll`] besides packets: Godot's
/// `peer_connected` / `peer_disconnected` signals of the MultiplayerPeer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerEvent {
    /// A remote peer connected (on a client: the server, id 1, once accepted).
    PeerConnected(PeerId),
    /// A remote peer disconnected or timed out.
    PeerDisconnected(PeerId),
}

/// Errors a peer returns. Each maps to the Godot `Error` the same call returns in Godot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// The peer is not active (closed, or offline): Godot's `ERR_UNCONFIGURED`.
    #[error("the multiplayer peer is not active")]
    Unconfigured,
    /// The target peer is unknown: Godot's `ERR_INVALID_PARAMETER`.
    #[error("peer {0} is not connected")]
    UnknownPeer(PeerId),
    /// The packet exceeds the transport's limit: Godot's `ERR_OUT_OF_MEMORY`.
    #[error("packet of {size} bytes exceeds the limit of {limit}")]
    PacketTooLarge {
        /// Size of the rejected packet.
        size: usize,
        /// The transport's maximum.
        limit: usize,
    },
    /// The send queue is full: Godot's `ERR_OUT_OF_MEMORY`.
    #[error("send queue full")]
    QueueFull,
    /// An argument is out of range (bad channel, bad id): Godot's `ERR_INVALID_PARAMETER`.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The peer is already active: Godot's `ERR_ALREADY_IN_USE`.
    #[error("the peer is already in use")]
    AlreadyInUse,
    /// Creating the host or socket failed: Godot's `ERR_CANT_CREATE`.
    #[error("cannot create: {0}")]
    CantCreate(String),
    /// Connecting failed: Godot's `ERR_CANT_CONNECT`.
    #[error("cannot connect: {0}")]
    CantConnect(String),
    /// A transport-level I/O error: Godot's `ERR_CONNECTION_ERROR`.
    #[error("connection error: {0}")]
    Connection(String),
}

impl PeerError {
    /// The Godot `Error` value for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            PeerError::Unconfigured => ErrorCode::Unconfigured,
            PeerError::UnknownPeer(_) | PeerError::InvalidParameter(_) => {
                ErrorCode::InvalidParameter
            }
            PeerError::PacketTooLarge { .. } | PeerError::QueueFull => ErrorCode::OutOfMemory,
            PeerError::AlreadyInUse => ErrorCode::AlreadyInUse,
            PeerError::CantCreate(_) => ErrorCode::CantCreate,
            PeerError::CantConnect(_) => ErrorCode::CantConnect,
            PeerError::Connection(_) => ErrorCode::ConnectionError,
        }
    }
}

/// Where and how the next [`MultiplayerPeer::put_packet`] goes. Godot keeps these three on the
/// `MultiplayerPeer` base class; here every transport holds one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PacketSettings {
    /// 0 all, 1 server, `n` that peer, `-n` all but `n` (Godot's `target_peer`, default 0).
    pub target_peer: PeerId,
    /// Godot's `transfer_mode` (default reliable).
    pub transfer_mode: TransferMode,
    /// Godot's `transfer_channel` (default 0).
    pub transfer_channel: i32,
}

/// Godot's `MultiplayerPeer`: the transport under a `MultiplayerApi`.
///
/// Poll-driven: [`poll`](Self::poll) does all I/O; received packets then wait in a queue
/// ([`get_packet`](Self::get_packet)) and connection changes in an event queue
/// ([`pop_event`](Self::pop_event)). Implementations never panic on network input.
///
/// The trait is object safe; `dyn MultiplayerPeer` upcasts to `dyn Any` for downcasting to
/// the concrete transport (e.g. to read ENet statistics).
pub trait MultiplayerPeer: Any + Send {
    /// Where and how the next `put_packet` goes. Implementations keep one [`PacketSettings`]
    /// and return it here; the six Godot setters and getters below work through it.
    fn packet_settings(&self) -> &PacketSettings;
    /// The same settings, mutable.
    fn packet_settings_mut(&mut self) -> &mut PacketSettings;

    /// Sets the target of the next `put_packet`: 0 all, 1 server, `n` that peer, `-n` all but `n`.
    fn set_target_peer(&mut self, id: PeerId) {
        self.packet_settings_mut().target_peer = id;
    }
    /// The current target.
    fn get_target_peer(&self) -> PeerId {
        self.packet_settings().target_peer
    }
    /// Sets the transfer mode of the next `put_packet`.
    fn set_transfer_mode(&mut self, mode: TransferMode) {
        self.packet_settings_mut().transfer_mode = mode;
    }
    /// The current transfer mode.
    fn get_transfer_mode(&self) -> TransferMode {
        self.packet_settings().transfer_mode
    }
    /// Sets the channel of the next `put_packet` (0 = the default channel).
    fn set_transfer_channel(&mut self, channel: i32) {
        self.packet_settings_mut().transfer_channel = channel;
    }
    /// The current channel.
    fn get_transfer_channel(&self) -> i32 {
        self.packet_settings().transfer_channel
    }

    /// Sends `data` to the current target with the current mode and channel.
    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError>;
    /// Number of received packets waiting.
    fn get_available_packet_count(&self) -> usize;
    /// The packet at the head of the receive queue, without removing it.
    fn peek_packet(&self) -> Option<&Packet>;
    /// Removes and returns the packet at the head of the receive queue.
    fn get_packet(&mut self) -> Option<Packet>;

    /// Does all pending I/O: sends, receives, connection handshakes and timeouts.
    fn poll(&mut self);
    /// From now until [`end_send_batch`](Self::end_send_batch), `put_packet` may queue
    /// packets instead of writing them to the network at once. `SceneMultiplayer` brackets
    /// each of its polls with the pair, so every packet its handlers send goes out before
    /// the poll returns, in one write per remote peer instead of one per packet.
    ///
    /// Not in Godot, where ENet flushes its whole host, a walk over every peer slot, after
    /// each packet: with thousands of clients that walk is most of a server's time. The
    /// default does nothing (every packet goes out at once).
    fn begin_send_batch(&mut self) {}
    /// Writes whatever was queued since [`begin_send_batch`](Self::begin_send_batch) and
    /// sends at once again. Calling it without a batch open does nothing.
    fn end_send_batch(&mut self) {}
    /// The next connection event, in the order they happened.
    fn pop_event(&mut self) -> Option<PeerEvent>;

    /// This peer's id (1 on a server; 0 before a client knows its id, as in Godot's WebSocket peer).
    fn get_unique_id(&self) -> PeerId;
    /// True when this peer is the server (id 1).
    fn is_server(&self) -> bool {
        self.get_unique_id() == TARGET_PEER_SERVER
    }
    /// Disconnected, connecting or connected.
    fn get_connection_status(&self) -> ConnectionStatus;
    /// Disconnects one remote peer; the remote end is told. With `force` the peer is dropped
    /// at once and *no* local `PeerDisconnected` is emitted for it (Godot: "if force is true,
    /// the peer_disconnected signal will not be emitted"); without it, `PeerDisconnected(id)`
    /// comes from the next [`poll`](Self::poll). On a client only id 1 exists, and a forced
    /// disconnect closes the client. An unknown id is logged and ignored, as in Godot.
    fn disconnect_peer(&mut self, id: PeerId, force: bool);
    /// Closes every connection and the host. Remote ends are told; no local events are
    /// emitted, pending packets and events are dropped, the status becomes `Disconnected` and
    /// (as Godot's ENet peer) the unique id 0 and refusing new connections false.
    fn close(&mut self);
    /// Refuses (or again accepts) new connections.
    fn set_refuse_new_connections(&mut self, refuse: bool);
    /// True while new connections are refused.
    fn is_refusing_new_connections(&self) -> bool;
    /// True when the transport can carry SceneMultiplayer's server relay (client ↔ client).
    fn is_server_relay_supported(&self) -> bool {
        false
    }
    /// The largest packet `put_packet` accepts.
    fn get_max_packet_size(&self) -> usize;
    /// Statistics of one connected remote peer (round-trip time, loss, traffic), or `None`
    /// when `id` is not connected or the transport keeps none (the default, so every
    /// transport compiles without it). netscene's ENet and WebSocket peers keep them.
    fn peer_statistics(&self, id: PeerId) -> Option<PeerStatistics> {
        let _ = id;
        None
    }

    /// Godot's `get_packet_peer()`: the sender of the packet at the head of the queue.
    fn get_packet_peer(&self) -> Option<PeerId> {
        self.peek_packet().map(|packet| packet.from)
    }
    /// Godot's `get_packet_channel()`: the channel of the packet at the head of the queue.
    fn get_packet_channel(&self) -> Option<i32> {
        self.peek_packet().map(|packet| packet.channel)
    }
    /// Godot's `get_packet_mode()`: the transfer mode of the packet at the head of the queue.
    fn get_packet_mode(&self) -> Option<TransferMode> {
        self.peek_packet().map(|packet| packet.mode)
    }

    /// Sets target, mode and channel, then sends: the usual one-call way from Rust.
    fn send(
        &mut self,
        target: PeerId,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), PeerError> {
        self.set_target_peer(target);
        self.set_transfer_mode(mode);
        self.set_transfer_channel(channel);
        self.put_packet(data)
    }
}

/// Draws a random peer id with Godot's rules: positive, 31-bit, never 0 or 1.
///
/// ```
/// let id = netscene::peer::generate_unique_id();
/// assert!(id >= 2);
/// ```
pub fn generate_unique_id() -> PeerId {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    loop {
        // RandomState is seeded from the OS per process; mixing in time and a counter makes
        // successive draws differ without a random-number dependency.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        hasher.write_u64(nanos);
        if let Some(id) = peer_id_from_bits(hasher.finish() as u32) {
            return id;
        }
    }
}

/// Turns 32 random bits into a peer id the way Godot does: keep the low 31 bits (ids are
/// never negative, since `-n` means "all but n"), and reject 0 and 1 (broadcast and server).
///
/// ```
/// use netscene::peer::peer_id_from_bits;
/// assert_eq!(peer_id_from_bits(0x8000_0001), None);
/// assert_eq!(peer_id_from_bits(0xFFFF_FFFF), Some(i32::MAX));
/// assert_eq!(peer_id_from_bits(2), Some(2));
/// ```
pub fn peer_id_from_bits(bits: u32) -> Option<PeerId> {
    let id = (bits & 0x7FFF_FFFF) as PeerId;
    (id > 1).then_some(id)
}
