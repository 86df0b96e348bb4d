//! The replication bookkeeping a SceneMultiplayer keeps (Godot's `SceneReplicationInterface`
//! state): net ids, who was sent which spawn, sync times and change tracking.

use std::collections::{BTreeSet, HashMap, HashSet};

use netscene_variant::{NodePath, Variant};
use smallvec::SmallVec;

use crate::peer::PeerId;
use crate::tree::{NodeId, SceneTree};

/// Replication events (`spawned`, `synchronized`, ...) kept while the application does not
/// drain them; further ones are only logged.
pub const MAX_QUEUED_REPLICATION_EVENTS: usize = 4096;

/// A node this peer spawned (as the spawner's authority).
#[derive(Debug)]
pub(crate) struct LocalSpawn {
    pub net_id: u32,
    /// The spawn's creation order (`TrackedSpawn::seq`).
    pub seq: u64,
    /// Peers that were sent the SPAWN (and not a DESPAWN since).
    pub peers: BTreeSet<PeerId>,
}

/// A node a peer spawned here.
#[derive(Debug, Clone)]
pub(crate) struct RemoteSpawn {
    pub node: NodeId,
    pub spawner: NodeId,
    /// The net ids its SPAWN gave its synchronizers (keys of `remote_syncs`), as many as the
    /// spawned subtree has synchronizers.
    pub sync_ids: SmallVec<[u32; 2]>,
}

/// Sending-side state of a synchronizer this peer is the authority of.
#[derive(Debug, Default)]
pub(crate) struct OutboundSync {
    /// Net id given at spawn time (0 = none yet: path based).
    pub spawn_net_id: u32,
    pub last_sync_ms: Option<u64>,
    pub last_delta_ms: Option<u64>,
    /// Last seen values of the watch list and the frame each last changed.
    pub watched: Vec<Option<Variant>>,
    pub changed_at: Vec<u64>,
    /// Frame of the last delta sent to each peer.
    pub delta_sent: HashMap<PeerId, u64>,
    /// The peers this synchronizer was last found visible to (None: not evaluated yet).
    pub visibility: Option<CachedVisibility>,
}

/// The result of the last visibility evaluation of a synchronizer (Godot keeps it as each
/// peer's set of synchronizers to sync): only these peers get its SYNCs.
#[derive(Debug)]
pub(crate) struct CachedVisibility {
    /// The root node it was evaluated for (a new root path starts over).
    pub root: NodeId,
    pub peers: BTreeSet<PeerId>,
}

impl OutboundSync {
    /// Records whether `peer` sees the synchronizer; a hidden peer gets a full delta when it
    /// sees it again.
    pub fn set_visible(&mut self, peer: PeerId, visible: bool) {
        let Some(cache) = self.visibility.as_mut() else {
            return;
        };
        if visible {
            cache.peers.insert(peer);
        } else if cache.peers.remove(&peer) {
            self.delta_sent.remove(&peer);
        }
    }

    /// Whether `peer` gets this synchronizer's SYNCs.
    pub fn is_visible_to(&self, peer: PeerId) -> bool {
        self.visibility
            .as_ref()
            .is_some_and(|c| c.peers.contains(&peer))
    }
}

#[derive(Default)]
pub(crate) struct ReplicationState {
    pub last_net_id: u32,
    pub local_spawns: HashMap<NodeId, LocalSpawn>,
    pub outbound: HashMap<NodeId, OutboundSync>,
    /// Keys chosen by remote peers: std's DoS-resistant hasher.
    pub remote_spawns: HashMap<(PeerId, u32), RemoteSpawn>,
    pub remote_syncs: HashMap<(PeerId, u32), NodeId>,
    /// Who spawned each node spawned here (RPCs to it always reach that peer).
    pub remote_owner: HashMap<NodeId, PeerId>,
    /// The synchronizers of each root node, refreshed every network frame (RPC visibility).
    pub roots: HashMap<NodeId, SmallVec<[NodeId; 2]>>,
    /// Receiving side: last accepted sync time per synchronizer.
    pub inbound_time: HashMap<NodeId, u16>,
    /// Per destination peer sync time counter.
    pub peer_time: HashMap<PeerId, u16>,
    pub frame: u64,
    pub queued_events: usize,
    /// Nodes spawned here by peers that left (or by every peer, after a disconnection):
    /// removed on the next `poll`, as Godot frees them.
    pub orphans: Vec<RemoteSpawn>,
    /// Connected peers whose visibility was evaluated (the others are new this frame).
    pub visibility_peers: BTreeSet<PeerId>,
    /// The version of the connected set `visibility_peers` was taken from.
    pub visibility_peers_version: Option<u64>,
    /// Peers connected since the previous network frame.
    pub new_peers: Vec<PeerId>,
    /// Local spawns whose visibility must be re-evaluated this frame, with the peers asked
    /// for (0 = all), from their synchronizers' visibility updates.
    pub spawn_checks: HashMap<NodeId, BTreeSet<PeerId>>,
    /// The property paths of each synchronizer already reported as not resolving (each is
    /// reported once while the synchronizer node lives; kept across reconnections).
    pub unresolved_reported: HashMap<NodeId, Vec<NodePath>>,
    /// Synchronizers reported as `SyncStateTooLarge` whose state has not fitted since.
    pub oversized_reported: HashSet<NodeId>,
    /// Synchronizers configured to this API (`object_configuration_add`): the only ones it
    /// sends. Kept across reconnections, as Godot keeps its configured objects.
    pub configured_syncs: HashSet<NodeId>,
    /// Spawned nodes configured to this API, with their spawner: the only ones it spawns.
    pub configured_spawns: HashMap<NodeId, NodeId>,
    /// (spawner, node) configured since the last flush: SPAWN before the next RPC.
    pub pending_spawns: Vec<(NodeId, NodeId)>,
    /// `set_reliable_oversized_sync` (kept across reconnections).
    pub reliable_oversized: bool,
    /// Peers that announced they accept reliable oversized SYNC (CONFIRM_PATH flag).
    pub reliable_oversized_peers: HashSet<PeerId>,
}

impl ReplicationState {
    pub fn clear(&mut self) {
        let queued_events = self.queued_events;
        let mut orphans = std::mem::take(&mut self.orphans);
        orphans.extend(self.remote_spawns.drain().map(|(_, spawn)| spawn));
        let unresolved_reported = std::mem::take(&mut self.unresolved_reported);
        let oversized_reported = std::mem::take(&mut self.oversized_reported);
        let configured_syncs = std::mem::take(&mut self.configured_syncs);
        let configured_spawns = std::mem::take(&mut self.configured_spawns);
        let reliable_oversized = self.reliable_oversized;
        *self = Self::default();
        self.configured_syncs = configured_syncs;
        self.configured_spawns = configured_spawns;
        self.reliable_oversized = reliable_oversized;
        // Events already queued are still drained (and counted down) by the application.
        self.queued_events = queued_events;
        self.orphans = orphans;
        self.unresolved_reported = unresolved_reported;
        self.oversized_reported = oversized_reported;
    }

    pub fn next_net_id(&mut self) -> u32 {
        self.last_net_id = self.last_net_id.wrapping_add(1) & 0x7FFF_FFFF;
        if self.last_net_id == 0 {
            self.last_net_id = 1;
        }
        self.last_net_id
    }

    /// Drops the `remote_syncs` entries of a remote spawn (from `peer`) whose synchronizer
    /// is gone.
    pub fn forget_dead_syncs(&mut self, tree: &SceneTree, peer: PeerId, spawn: &RemoteSpawn) {
        for &net_id in &spawn.sync_ids {
            if self
                .remote_syncs
                .get(&(peer, net_id))
                .is_some_and(|&sync| tree.node(sync).is_none())
            {
                self.remote_syncs.remove(&(peer, net_id));
            }
        }
    }

    pub fn on_peer_change(&mut self, peer: PeerId, connected: bool) {
        if connected {
            return;
        }
        for spawn in self.local_spawns.values_mut() {
            spawn.peers.remove(&peer);
        }
        for sync in self.outbound.values_mut() {
            sync.delta_sent.remove(&peer);
            if let Some(cache) = sync.visibility.as_mut() {
                cache.peers.remove(&peer);
            }
        }
        self.visibility_peers.remove(&peer);
        self.peer_time.remove(&peer);
        self.reliable_oversized_peers.remove(&peer);
        // The nodes it spawned go (Godot frees them too).
        let orphans = &mut self.orphans;
        orphans.extend(
            self.remote_spawns
                .extract_if(|(p, _), _| *p == peer)
                .map(|(_, spawn)| spawn),
        );
        self.remote_owner.retain(|_, p| *p != peer);
        self.remote_syncs.retain(|(p, _), _| *p != peer);
    }
}

/// Staleness rule of spec D.5: `t` is stale when `t <= last` and `last - t < 32767`.
pub(crate) fn is_stale(time: u16, last: u16) -> bool {
    time <= last && last - time < 32767
}

#[cfg(test)]
mod tests {
    use super::is_stale;

    #[test]
    fn sync_time_wraps_around() {
        assert!(is_stale(5, 5));
        assert!(is_stale(4, 5));
        assert!(!is_stale(6, 5));
        // 65535 → 0 is a wrap: newer.
        assert!(!is_stale(0, 65535));
        assert!(!is_stale(3, 65530));
        // Far behind counts as a wrap too (newer).
        assert!(!is_stale(1, 40000));
        assert!(is_stale(10000, 40000));
    }
}
