//! `SceneMultiplayer`: Godot 4's default MultiplayerAPI — RPCs with the node path cache,
//! authentication, server relay and raw packets, byte-exact with Godot (spec B, C, H).
//!
//! Hardened against hostile peers beyond what Godot does (honest Godot peers never notice;
//! `tests/hostile_*.rs` play the attacks):
//! * packets over [`get_max_packet_size`](SceneMultiplayer::get_max_packet_size) are dropped
//!   unread, and each peer may announce at most
//!   [`get_max_cache_entries_per_peer`](SceneMultiplayer::get_max_cache_entries_per_peer)
//!   path cache ids;
//! * a server may cap what each peer sends per second (RPCs, bytes, relayed copies) and
//!   disconnect peers that keep exceeding it ([`PeerLimits`], off by default);
//! * node paths from the wire must name a node inside this API's branch and may not go up
//!   (`..`), so they cannot reach another branch of the same tree nor cost more than a walk
//!   down the tree, whatever their length;
//! * every refusal is a typed event (`PacketRejected`, `RpcRejected`), and the queues of
//!   rejection and `peer_packet` events are bounded while the application does not drain them.
//!
//! ```
//! use netscene::{SceneMultiplayer, MultiplayerApi};
//! let mp = SceneMultiplayer::new();
//! // Like Godot, it starts with an OfflineMultiplayerPeer: a server without peers.
//! assert!(mp.is_server());
//! assert_eq!(mp.get_unique_id(), 1);
//! assert!(mp.is_server_relay_enabled());
//! assert_eq!(mp.get_auth_timeout(), 3.0);
//! ```

mod auth;
pub(crate) mod cache;
mod common_calls;
mod drain;
mod id_hash;
mod limits;
pub(crate) mod link;
mod resolve;
mod rpc;
mod sys;

pub use auth::AuthCallback;
pub use cache::DEFAULT_MAX_CACHE_ENTRIES_PER_PEER;
pub use limits::{PeerLimitKind, PeerLimits};

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::OnceLock;
use std::time::Instant;

use netscene_variant::{NodePath, Variant};

use crate::api::{MultiplayerApi, MultiplayerEvent};
use crate::error::{MultiplayerError, PacketError};
use crate::peer::{
    ConnectionStatus, MultiplayerPeer, OfflineMultiplayerPeer, Packet, PeerEvent, PeerId,
};
use crate::replication::state::ReplicationState;
use crate::replication::{ReplicationObject, unsupported_configuration};
use crate::tree::{NodeId, SceneTree};
use crate::wire::{Command, RpcArgs};
use cache::PathCache;
use link::Link;

/// Default `max_sync_packet_size` (Godot: 1350, minimum 128).
pub const DEFAULT_MAX_SYNC_PACKET_SIZE: usize = 1350;
/// Default `max_delta_packet_size` (Godot: 65535, minimum 128).
pub const DEFAULT_MAX_DELTA_PACKET_SIZE: usize = 65535;
/// Default cap on incoming packet size: larger packets are dropped unread (Godot's
/// `PacketPeer.encode_buffer_max_size` is the same 8 MiB).
pub const DEFAULT_MAX_PACKET_SIZE: usize = 8 << 20;
/// Rejection events kept while the application does not drain them; further ones are only logged.
const MAX_QUEUED_REJECTIONS: usize = 1024;
/// Undrained `peer_packet` events one sender may have queued; its further RAW packets are
/// dropped with a warning. The cap is per sender so that a flooding peer loses its own packets,
/// never another peer's.
pub const MAX_QUEUED_PEER_PACKETS_PER_PEER: usize = 1024;
/// Undrained `peer_packet` payload bytes one sender may have queued (the count cap alone would
/// let a peer queue 1024 packets of the maximum packet size).
pub const MAX_QUEUED_PEER_PACKET_BYTES_PER_PEER: usize = 4 << 20;

/// What one sender has waiting in the event queue as `peer_packet` events.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct RawBacklog {
    pub(crate) packets: usize,
    pub(crate) bytes: usize,
}

/// A source of milliseconds for the auth timeout (replaceable for deterministic tests).
pub type Clock = Box<dyn Fn() -> u64 + Send>;

fn default_clock() -> Clock {
    static START: OnceLock<Instant> = OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    Box::new(move || start.elapsed().as_millis() as u64)
}

#[derive(Debug, Clone, Copy)]
struct PendingPeer {
    since_ms: u64,
    local: bool,
    remote: bool,
}

/// Godot's `SceneMultiplayer`. See the [module docs](self) and [`MultiplayerApi`].
pub struct SceneMultiplayer {
    pub(crate) link: Link,
    pub(crate) root_path: NodePath,
    last_status: ConnectionStatus,
    pending: BTreeMap<PeerId, PendingPeer>,
    remote_sender_id: PeerId,
    events: VecDeque<MultiplayerEvent>,
    queued_rejections: usize,
    queued_raw: HashMap<PeerId, RawBacklog>,
    pub(crate) cache: PathCache,
    pub(crate) replication: ReplicationState,
    packet_buf: Vec<u8>,
    simplify_buf: Vec<u8>,
    targets: Vec<PeerId>,
    to_announce: Vec<PeerId>,
    args_buf: RpcArgs,
    allow_object_decoding: bool,
    auth_callback: Option<AuthCallback>,
    auth_timeout_ms: u64,
    pub(crate) clock: Clock,
    pub(crate) max_sync_packet_size: usize,
    pub(crate) max_delta_packet_size: usize,
    max_packet_size: usize,
    draining: bool,
    pub(crate) limits: limits::LimitState,
}

impl Default for SceneMultiplayer {
    fn default() -> Self {
        Self::new()
    }
}

impl SceneMultiplayer {
    /// A SceneMultiplayer with Godot's defaults and an [`OfflineMultiplayerPeer`].
    pub fn new() -> Self {
        let mut mp = Self {
            link: Link::new(None),
            root_path: NodePath::default(),
            last_status: ConnectionStatus::Disconnected,
            pending: BTreeMap::new(),
            remote_sender_id: 0,
            events: VecDeque::new(),
            queued_rejections: 0,
            queued_raw: HashMap::new(),
            cache: PathCache::default(),
            replication: ReplicationState::default(),
            packet_buf: Vec::new(),
            simplify_buf: Vec::new(),
            targets: Vec::new(),
            to_announce: Vec::new(),
            args_buf: RpcArgs::new(),
            allow_object_decoding: false,
            auth_callback: None,
            auth_timeout_ms: 3000,
            clock: default_clock(),
            max_sync_packet_size: DEFAULT_MAX_SYNC_PACKET_SIZE,
            max_delta_packet_size: DEFAULT_MAX_DELTA_PACKET_SIZE,
            max_packet_size: DEFAULT_MAX_PACKET_SIZE,
            draining: false,
            limits: limits::LimitState::default(),
        };
        let offline: Box<dyn MultiplayerPeer> = Box::new(OfflineMultiplayerPeer::new());
        // An offline peer is always connected, so this cannot fail.
        let _ = mp.set_multiplayer_peer(Some(offline));
        mp
    }

    /// A SceneMultiplayer using `peer` (must be connecting or connected).
    pub fn with_peer(peer: Box<dyn MultiplayerPeer>) -> Result<Self, MultiplayerError> {
        let mut mp = Self::new();
        mp.set_multiplayer_peer(Some(peer))?;
        Ok(mp)
    }

    // ---- properties ----

    /// `root_path`: the node wire paths are relative to (set by the tree on install).
    pub fn get_root_path(&self) -> &NodePath {
        &self.root_path
    }

    /// Sets `root_path`; it must be absolute (or empty).
    pub fn set_root_path(&mut self, path: NodePath) -> Result<(), MultiplayerError> {
        if !path.is_absolute() && !path.is_empty() {
            return Err(MultiplayerError::InvalidParameter(
                "SceneMultiplayer root path must be absolute".into(),
            ));
        }
        self.root_path = path;
        Ok(())
    }

    /// `allow_object_decoding` (default false).
    pub fn is_object_decoding_allowed(&self) -> bool {
        self.allow_object_decoding
    }

    /// Sets `allow_object_decoding`.
    pub fn set_allow_object_decoding(&mut self, enable: bool) {
        self.allow_object_decoding = enable;
    }

    /// `server_relay` (default true).
    pub fn is_server_relay_enabled(&self) -> bool {
        self.link.server_relay
    }

    /// Sets `server_relay`. As in Godot 4.6, this may change at any time, also on an active
    /// peer (older Godot versions refused that): from then on the server forwards (or refuses)
    /// RELAY packets and announces (or not) the peers it admits and loses; peers announced
    /// before stay known. Never fails; the `Result` is kept for the callers written against
    /// the earlier check.
    pub fn set_server_relay_enabled(&mut self, enabled: bool) -> Result<(), MultiplayerError> {
        self.link.server_relay = enabled;
        Ok(())
    }

    /// `refuse_new_connections` (forwarded to the peer).
    pub fn is_refusing_new_connections(&self) -> bool {
        self.link
            .peer
            .as_ref()
            .is_some_and(|p| p.is_refusing_new_connections())
    }

    /// Sets `refuse_new_connections` on the peer.
    pub fn set_refuse_new_connections(&mut self, refuse: bool) -> Result<(), MultiplayerError> {
        let peer = self.link.peer.as_mut().ok_or(MultiplayerError::NoPeer)?;
        peer.set_refuse_new_connections(refuse);
        Ok(())
    }

    /// `max_sync_packet_size` (default 1350; for replication).
    pub fn get_max_sync_packet_size(&self) -> usize {
        self.max_sync_packet_size
    }

    /// Sets `max_sync_packet_size` (at least 128, as Godot requires).
    pub fn set_max_sync_packet_size(&mut self, size: usize) -> Result<(), MultiplayerError> {
        if size < 128 {
            return Err(MultiplayerError::InvalidParameter(
                "sync packet size must be at least 128".into(),
            ));
        }
        self.max_sync_packet_size = size;
        Ok(())
    }

    /// `max_delta_packet_size` (default 65535; for replication).
    pub fn get_max_delta_packet_size(&self) -> usize {
        self.max_delta_packet_size
    }

    /// Sets `max_delta_packet_size` (at least 128).
    pub fn set_max_delta_packet_size(&mut self, size: usize) -> Result<(), MultiplayerError> {
        if size < 128 {
            return Err(MultiplayerError::InvalidParameter(
                "delta packet size must be at least 128".into(),
            ));
        }
        self.max_delta_packet_size = size;
        Ok(())
    }

    /// Largest incoming packet processed (default [`DEFAULT_MAX_PACKET_SIZE`]); larger ones are
    /// dropped with `PacketRejected(TooLarge)`. Not in Godot, which relies on the transport.
    pub fn get_max_packet_size(&self) -> usize {
        self.max_packet_size
    }

    /// Sets the incoming packet size cap.
    pub fn set_max_packet_size(&mut self, size: usize) {
        self.max_packet_size = size;
    }

    /// Cap on path cache ids each peer may announce (default
    /// [`DEFAULT_MAX_CACHE_ENTRIES_PER_PEER`]); SIMPLIFY_PATH beyond it is refused with
    /// `PacketRejected(CacheFull)`. Not in Godot (unbounded there).
    pub fn get_max_cache_entries_per_peer(&self) -> usize {
        self.cache.max_entries_per_peer
    }

    /// Sets the per-peer path cache cap.
    pub fn set_max_cache_entries_per_peer(&mut self, max: usize) {
        self.cache.max_entries_per_peer = max;
    }

    /// Path cache ids `peer` has announced to this API and that are kept (at most
    /// [`get_max_cache_entries_per_peer`](Self::get_max_cache_entries_per_peer)); 0 for an
    /// unknown peer. A diagnostic, e.g. to watch a peer flooding SIMPLIFY_PATH.
    pub fn get_remote_cache_entries(&self, peer: PeerId) -> usize {
        self.cache.recv_len(peer)
    }

    /// Replaces the millisecond clock used for the auth timeout (tests use a manual clock).
    pub fn set_clock(&mut self, clock: Clock) {
        self.clock = clock;
    }

    /// `clear()`: forgets all network state (peers, pending peers, path cache).
    pub fn clear(&mut self) {
        self.last_status = ConnectionStatus::Disconnected;
        self.pending.clear();
        self.link.connected.clear();
        self.cache.clear();
        self.replication.clear();
        self.limits.clear();
    }

    /// `disconnect_peer(id)`: drops the peer without signals on this side, then asks the
    /// transport to disconnect it.
    pub fn disconnect_peer(&mut self, id: PeerId) -> Result<(), MultiplayerError> {
        if self.link.status() != ConnectionStatus::Connected {
            return Err(MultiplayerError::NotConnected);
        }
        self.pending.remove(&id);
        if self.link.connected.contains(id) {
            // As Godot 4.6 (its disconnect_peer runs _del_peer with signals blocked): relayed
            // clients are told it left (DEL_PEER), only this side stays silent.
            if self.link.relay_active() && self.link.unique_id() == 1 {
                self.announce_gone_peer(id);
            }
            self.link.connected.remove(id);
            self.cache.on_peer_change(id, false);
            self.replication.on_peer_change(id, false);
        }
        let peer = self.link.peer.as_mut().ok_or(MultiplayerError::NoPeer)?;
        peer.disconnect_peer(id, false);
        Ok(())
    }

    // ---- internals ----

    pub(crate) fn push_event(&mut self, event: MultiplayerEvent) {
        self.events.push_back(event);
    }

    /// Logs a dropped packet and reports it (bounded while the application does not drain).
    pub(crate) fn reject_packet(&mut self, from: PeerId, error: PacketError) {
        tracing::warn!(peer = from, "dropped packet: {error}");
        if self.queued_rejections < MAX_QUEUED_REJECTIONS {
            self.queued_rejections += 1;
            self.push_event(MultiplayerEvent::PacketRejected { from, error });
        }
    }

    pub(crate) fn reject_event(&mut self, event: MultiplayerEvent) {
        if self.queued_rejections < MAX_QUEUED_REJECTIONS {
            self.queued_rejections += 1;
            self.push_event(event);
        }
    }

    fn update_status(&mut self) {
        let status = self.link.status();
        if status != self.last_status {
            if status == ConnectionStatus::Disconnected {
                self.push_event(if self.last_status == ConnectionStatus::Connecting {
                    MultiplayerEvent::ConnectionFailed
                } else {
                    MultiplayerEvent::ServerDisconnected
                });
                self.clear();
            }
            self.last_status = status;
        }
    }

    /// A transport `peer_connected`: pending when authentication is on, else admitted.
    fn add_peer(&mut self, id: PeerId) {
        if self.auth_callback.is_some() {
            let now = (self.clock)();
            self.pending.insert(
                id,
                PendingPeer {
                    since_ms: now,
                    local: false,
                    remote: false,
                },
            );
            self.push_event(MultiplayerEvent::PeerAuthenticating(id));
        } else {
            self.admit_peer(id);
        }
    }

    /// Admission: relay announcements (server), then the signals.
    pub(crate) fn admit_peer(&mut self, id: PeerId) {
        if self.link.relay_active() && self.link.unique_id() == 1 {
            self.announce_new_peer(id);
        }
        self.link.connected.insert(id);
        self.cache.on_peer_change(id, true);
        if id == 1 {
            self.push_event(MultiplayerEvent::ConnectedToServer);
        }
        self.push_event(MultiplayerEvent::PeerConnected(id));
    }

    /// A transport `peer_disconnected` (or DEL_PEER on a client).
    pub(crate) fn del_peer(&mut self, id: PeerId) {
        if self.pending.remove(&id).is_some() {
            self.push_event(MultiplayerEvent::PeerAuthenticationFailed(id));
            return;
        }
        if !self.link.connected.contains(id) {
            return;
        }
        if self.link.relay_active() && self.link.unique_id() == 1 {
            self.announce_gone_peer(id);
        }
        self.cache.on_peer_change(id, false);
        self.replication.on_peer_change(id, false);
        self.link.connected.remove(id);
        self.push_event(MultiplayerEvent::PeerDisconnected(id));
    }

    /// One packet from the transport (spec B.2).
    fn receive(&mut self, tree: &mut SceneTree, packet: Packet) {
        let from = packet.from;
        let data = &packet.data;
        if self.limits.is_kicked(from) {
            return;
        }
        if data.len() > self.max_packet_size {
            self.reject_packet(
                from,
                PacketError::TooLarge {
                    len: data.len(),
                    limit: self.max_packet_size,
                },
            );
            return;
        }
        if !self.charge_peer(from, PeerLimitKind::Bytes, data.len() as u64) {
            return;
        }
        if self.receive_pending(from, data) {
            return;
        }
        if !self.link.connected.contains(from) {
            self.reject_packet(
                from,
                PacketError::SysRefused {
                    command: "any",
                    reason: "sender is not an admitted peer",
                },
            );
            return;
        }
        if data
            .first()
            .is_some_and(|b| b & crate::wire::CMD_MASK == Command::Sys as u8)
        {
            if data.len() > 1 && data[1] == 0 {
                // A late "auth completed" notice: fine when exactly 2 bytes.
                if data.len() != 2 {
                    self.reject_packet(
                        from,
                        PacketError::SysRefused {
                            command: "AUTH",
                            reason: "authentication data after the peer was admitted",
                        },
                    );
                }
                return;
            }
            self.process_sys(tree, from, data, packet.mode, packet.channel);
        } else {
            self.remote_sender_id = from;
            self.process_packet(tree, from, data);
            self.remote_sender_id = 0;
        }
    }

    /// Dispatches a non-SYS packet (also the payload of a relay).
    pub(crate) fn process_packet(&mut self, tree: &mut SceneTree, from: PeerId, data: &[u8]) {
        let result = if self.root_path.is_empty() {
            Err(PacketError::NoRootPath)
        } else {
            match data.first() {
                None => Err(PacketError::Empty),
                Some(&b0) => match Command::from_byte(b0) {
                    Command::RemoteCall => self.process_rpc(tree, from, data),
                    Command::SimplifyPath => self.process_simplify_path(tree, from, data),
                    Command::ConfirmPath => self.process_confirm_path(from, data),
                    Command::Raw => self.process_raw(from, data),
                    Command::Spawn | Command::Despawn | Command::Sync => {
                        // Refusals are reported by replication itself (ReplicationRejected).
                        self.process_replication(tree, from, data);
                        Ok(())
                    }
                    Command::Sys => Err(PacketError::SysRefused {
                        command: "SYS",
                        reason: "not allowed inside a relayed packet",
                    }),
                },
            }
        };
        if let Err(error) = result {
            self.reject_packet(from, error);
        }
    }

    /// Godot's `poll`: transport, peers, packets, auth timeouts, then the replication frame.
    fn poll_network(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError> {
        self.update_status();
        if self.last_status == ConnectionStatus::Disconnected {
            return Ok(());
        }
        let Some(peer) = self.link.peer.as_mut() else {
            return Ok(());
        };
        peer.poll();
        while let Some(event) = self.link.peer.as_mut().and_then(|p| p.pop_event()) {
            match event {
                PeerEvent::PeerConnected(id) => self.add_peer(id),
                PeerEvent::PeerDisconnected(id) => {
                    self.del_peer(id);
                    self.limits.forget(id);
                }
            }
        }
        self.update_status();
        if self.last_status != ConnectionStatus::Connected {
            return Ok(());
        }
        self.flush_pending_spawns(tree);
        while let Some(packet) = self.link.peer.as_mut().and_then(|p| p.get_packet()) {
            self.receive(tree, packet);
            self.update_status();
            if self.last_status != ConnectionStatus::Connected {
                return Ok(());
            }
        }
        self.check_auth_timeouts();
        self.update_status();
        // The network frame: spawns, then SYNC and delta SYNC (spec D.7).
        self.replicate_frame(tree);
        Ok(())
    }
}

impl MultiplayerApi for SceneMultiplayer {
    fn set_multiplayer_peer(
        &mut self,
        peer: Option<Box<dyn MultiplayerPeer>>,
    ) -> Result<(), MultiplayerError> {
        if let Some(p) = &peer
            && p.get_connection_status() == ConnectionStatus::Disconnected
        {
            return Err(MultiplayerError::InvalidParameter(
                "supplied MultiplayerPeer must be connecting or connected".into(),
            ));
        }
        if self.link.peer.is_some() {
            self.clear();
        }
        self.link.peer = peer;
        self.update_status();
        Ok(())
    }

    fn get_multiplayer_peer(&self) -> Option<&dyn MultiplayerPeer> {
        self.link.peer.as_deref()
    }

    fn get_multiplayer_peer_mut(&mut self) -> Option<&mut dyn MultiplayerPeer> {
        match &mut self.link.peer {
            Some(p) => Some(p.as_mut()),
            None => None,
        }
    }

    fn get_peers(&self) -> Vec<PeerId> {
        self.link.connected.iter().collect()
    }

    fn get_unique_id(&self) -> PeerId {
        self.link.unique_id()
    }

    fn get_remote_sender_id(&self) -> PeerId {
        self.remote_sender_id
    }

    fn object_configuration_add(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        match (object, configuration) {
            (None, Variant::NodePath(path)) => self.set_root_path(path.clone()),
            _ => match ReplicationObject::from_variant(configuration) {
                Some(replication) => self.replication_configuration_add(object, replication),
                None => Err(unsupported_configuration()),
            },
        }
    }

    fn object_configuration_remove(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        match (object, configuration) {
            (None, Variant::NodePath(path)) if *path == self.root_path => {
                self.root_path = NodePath::default();
                Ok(())
            }
            _ => match ReplicationObject::from_variant(configuration) {
                Some(replication) => self.replication_configuration_remove(object, replication),
                None => Err(unsupported_configuration()),
            },
        }
    }

    fn poll(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError> {
        if let Some(peer) = self.link.peer.as_mut() {
            peer.begin_send_batch();
        }
        let result = self.poll_network(tree);
        self.free_orphan_spawns(tree);
        // A handler may have replaced the peer; ending a batch that was never begun is harmless.
        if let Some(peer) = self.link.peer.as_mut() {
            peer.end_send_batch();
        }
        result
    }

    fn rpc(
        &mut self,
        tree: &mut SceneTree,
        peer: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        // A node spawned just before must reach the peers before a call to it.
        self.flush_pending_spawns(tree);
        self.rpcp(tree, peer, node, method, args)
    }

    fn pop_event(&mut self) -> Option<MultiplayerEvent> {
        let event = self.events.pop_front()?;
        match event {
            MultiplayerEvent::PacketRejected { .. }
            | MultiplayerEvent::RpcRejected { .. }
            | MultiplayerEvent::ReplicationRejected { .. } => {
                self.queued_rejections = self.queued_rejections.saturating_sub(1);
            }
            MultiplayerEvent::Spawned { .. }
            | MultiplayerEvent::Despawned { .. }
            | MultiplayerEvent::Synchronized { .. }
            | MultiplayerEvent::DeltaSynchronized { .. }
            | MultiplayerEvent::VisibilityChanged { .. }
            | MultiplayerEvent::ReplicatedPropertyNotFound { .. }
            | MultiplayerEvent::SyncStateTooLarge { .. } => {
                self.replication.queued_events = self.replication.queued_events.saturating_sub(1);
            }
            MultiplayerEvent::PeerPacket { from, ref data } => {
                if let Entry::Occupied(mut entry) = self.queued_raw.entry(from) {
                    let backlog = entry.get_mut();
                    backlog.packets = backlog.packets.saturating_sub(1);
                    backlog.bytes = backlog.bytes.saturating_sub(data.len());
                    if backlog.packets == 0 {
                        entry.remove();
                    }
                }
            }
            _ => {}
        }
        Some(event)
    }
}
