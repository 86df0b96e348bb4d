//! The `MultiplayerApi` trait (Godot's `MultiplayerAPI`) and its events.
//!
//! Methods that need the scene take the [`SceneTree`] as a parameter (`poll`, `rpc`): the
//! tree owns its APIs and lends each one out while calling it, so an API never stores a
//! reference to the tree. Applications normally go through the tree
//! ([`SceneTree::poll`], [`SceneTree::rpc_id`], [`SceneTree::multiplayer`]), which finds the
//! API of a node's branch.

use std::any::Any;

use netscene_variant::{NodePath, StringName, Variant};

use crate::error::{MultiplayerError, PacketError, RpcRejection};
use crate::peer::{MultiplayerPeer, PeerId};
use crate::tree::{NodeId, SceneTree};

/// Signals of the multiplayer API as a typed event, drained with
/// [`MultiplayerApi::pop_event`] after `poll` (names are Godot's signal names).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MultiplayerEvent {
    /// `connected_to_server`: this client was admitted by the server (just before
    /// `PeerConnected(1)`).
    ConnectedToServer,
    /// `connection_failed`: the connection attempt ended before it was established.
    ConnectionFailed,
    /// `server_disconnected`: the connection to the server ended (or the server's peer closed).
    ServerDisconnected,
    /// `peer_connected(id)`: a peer was admitted (on clients: the server and, via relay,
    /// other clients).
    PeerConnected(PeerId),
    /// `peer_disconnected(id)`: an admitted peer left.
    PeerDisconnected(PeerId),
    /// `peer_authenticating(id)`: a peer connected and awaits authentication.
    PeerAuthenticating(PeerId),
    /// `peer_authentication_failed(id)`: a pending peer timed out or left before it was admitted.
    PeerAuthenticationFailed(PeerId),
    /// `peer_packet(id, packet)`: bytes sent with `send_bytes`.
    PeerPacket {
        /// The sender.
        from: PeerId,
        /// The bytes.
        data: Vec<u8>,
    },
    /// An incoming packet was malformed or not acceptable; it was dropped (Godot only logs).
    PacketRejected {
        /// The sender (the relay source for relayed packets).
        from: PeerId,
        /// Why.
        error: PacketError,
    },
    /// A well-formed RPC was refused; it was dropped (Godot only logs).
    RpcRejected {
        /// The sender.
        from: PeerId,
        /// The node's path relative to the API's root path.
        node: NodePath,
        /// The method (empty when the id was unknown).
        method: StringName,
        /// Why.
        reason: RpcRejection,
    },
    /// A replication packet (or one SYNC entry) was refused and dropped (Godot only logs).
    ReplicationRejected {
        /// The sender.
        from: PeerId,
        /// Why.
        error: crate::replication::ReplicationError,
    },
    /// MultiplayerSpawner `spawned(node)`: a peer spawned `node` here.
    Spawned {
        /// The spawner node.
        spawner: NodeId,
        /// The new node.
        node: NodeId,
    },
    /// MultiplayerSpawner `despawned(node)`: a peer despawned `node` (already removed).
    Despawned {
        /// The spawner node.
        spawner: NodeId,
        /// The removed node.
        node: NodeId,
    },
    /// MultiplayerSynchronizer `synchronized`: a SYNC state was applied.
    Synchronized {
        /// The synchronizer node.
        synchronizer: NodeId,
    },
    /// MultiplayerSynchronizer `delta_synchronized`: a delta SYNC was applied.
    DeltaSynchronized {
        /// The synchronizer node.
        synchronizer: NodeId,
    },
    /// MultiplayerSynchronizer `visibility_changed(for_peer)`: on the synchronizer's
    /// authority, its visibility was updated for `for_peer` (0 = all peers), once per
    /// `update_visibility` call (also when the result did not change).
    VisibilityChanged {
        /// The synchronizer node.
        synchronizer: NodeId,
        /// The peer updated (0 = all).
        for_peer: PeerId,
    },
    /// A property of a synchronizer's replication config does not resolve under its root
    /// node here (no such node, property or subname): it is not replicated (no SPAWN or SYNC
    /// state holding it is sent, as in Godot; never `null` in its place; a receiver stores
    /// the other values). Reported once per synchronizer and path, when the synchronizer
    /// first needs it; see [`SceneTree::unresolved_replicated_properties`].
    ReplicatedPropertyNotFound {
        /// The synchronizer node.
        synchronizer: NodeId,
        /// The property path as configured (relative to the synchronizer's root node).
        property: NodePath,
    },
    /// Not in Godot, which only prints an error: this peer's state of `synchronizer` (its
    /// ALWAYS properties) needs a SYNC packet of `size` bytes, more than
    /// `max_sync_packet_size` (`max`), so it is not sent, as in Godot. Reported once, again
    /// only after the state fitted in between. Raise
    /// [`set_max_sync_packet_size`](crate::SceneMultiplayer::set_max_sync_packet_size),
    /// replicate the large properties ON_CHANGE (reliable deltas), or, between netscene
    /// peers, opt in to
    /// [`set_reliable_oversized_sync`](crate::SceneMultiplayer::set_reliable_oversized_sync)
    /// (then reported only for the peers that did not opt in).
    SyncStateTooLarge {
        /// The synchronizer node.
        synchronizer: NodeId,
        /// The bytes a SYNC holding only this state needs (header and entry header included).
        size: usize,
        /// `max_sync_packet_size`.
        max: usize,
    },
    /// Not in Godot: the server began draining
    /// ([`SceneMultiplayer::begin_drain`](crate::SceneMultiplayer::begin_drain)), e.g. before
    /// an orchestrator stops it. New connections are refused from now on; the admitted peers
    /// stay until they leave or the server disconnects them. Queued once per drain.
    DrainStarted,
}

/// Godot's `MultiplayerAPI`: what a tree (or one branch of it) uses for RPCs and peers.
///
/// Object safe; `dyn MultiplayerApi` upcasts to `dyn Any`, e.g. to reach
/// [`SceneMultiplayer`](crate::SceneMultiplayer)'s own settings. Implement it to replace
/// SceneMultiplayer (Godot's `MultiplayerAPIExtension`): register a factory with
/// [`register_interface`](crate::register_interface) or install an instance with
/// [`SceneTree::set_multiplayer`].
///
/// Replication reaches the API only through `object_configuration_add` / `_remove` (and its
/// `poll` and `rpc`), never by downcasting: an implementation that contains a SceneMultiplayer
/// and forwards those calls, `poll`, `rpc` and `pop_event` to it hosts spawners and
/// synchronizers like SceneMultiplayer itself.
#[doc(alias = "MultiplayerAPI")]
#[doc(alias = "MultiplayerAPIExtension")]
pub trait MultiplayerApi: Any + Send {
    /// Sets (or with `None` removes) the transport. Godot refuses a peer that is disconnected.
    fn set_multiplayer_peer(
        &mut self,
        peer: Option<Box<dyn MultiplayerPeer>>,
    ) -> Result<(), MultiplayerError>;
    /// The transport.
    fn get_multiplayer_peer(&self) -> Option<&dyn MultiplayerPeer>;
    /// The transport, mutable.
    fn get_multiplayer_peer_mut(&mut self) -> Option<&mut dyn MultiplayerPeer>;
    /// True when a transport is set.
    fn has_multiplayer_peer(&self) -> bool {
        self.get_multiplayer_peer().is_some()
    }
    /// Ids of the admitted peers (after authentication).
    #[doc(alias = "get_peer_ids")]
    fn get_peers(&self) -> Vec<PeerId>;
    /// This peer's id (0 without a transport).
    fn get_unique_id(&self) -> PeerId;
    /// True when a transport is set and this is the server (id 1).
    fn is_server(&self) -> bool {
        self.has_multiplayer_peer() && self.get_unique_id() == 1
    }
    /// The sender of the RPC being handled; 0 outside handlers.
    fn get_remote_sender_id(&self) -> PeerId;
    /// Configuration hook, as Godot's: the tree passes `(None, NodePath root)` when installing
    /// the API, and replication objects as a
    /// [`ReplicationObject`](crate::replication::ReplicationObject) value:
    /// `(root node, Synchronizer(node))` when a synchronizer is attached,
    /// `(spawned node, Spawner(spawner))` when a spawner's authority spawns. An API that
    /// contains a [`SceneMultiplayer`](crate::SceneMultiplayer) forwards them to it to host
    /// replication; an API that does not replicate may ignore them.
    fn object_configuration_add(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError>;
    /// Reverse of [`object_configuration_add`](Self::object_configuration_add): the tree
    /// passes `(root node, Synchronizer(node))` when a synchronizer node is removed (a
    /// removed spawned node is despawned by SceneMultiplayer at its next network frame
    /// without a call; `(node, Spawner(spawner))` despawns a node that stays).
    fn object_configuration_remove(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError>;
    /// Polls the transport, processes packets and runs RPC handlers.
    fn poll(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError>;
    /// Calls `method` on `node` on `peer` (0 all, `n` that peer, `-n` all but `n`).
    fn rpc(
        &mut self,
        tree: &mut SceneTree,
        peer: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError>;
    /// The next event, oldest first.
    fn pop_event(&mut self) -> Option<MultiplayerEvent>;
}
