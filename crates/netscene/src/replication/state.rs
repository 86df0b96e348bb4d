//! The replication bookkeeping a SceneMultiplayer keeps (Godot's `SceneReplicationInterface`
//! state): net ids, who was sent which spawn, sync times and change tracking.

use std::collections::{BTreeSet, HashMap};

use netscene_variant::Variant;

use crate::peer::PeerId;
use crate::tree::NodeId;

/// Replication events (`spawned`, `synchronized`, ...) kept while the application does not
/// drain them; further ones are only logged.
pub const MAX_QUEUED_REPLICATION_EVENTS: usize = 4096;

/// A node this peer spawned (as the spawner's authority).
#[derive(Debug)]
pub(crate) struct LocalSpawn {
    pub net_id: u32,
    /// Peers that were sent the SPAWN (and not a DESPAWN since).
    pub peers: BTreeSet<PeerId>,
}

/// A node a peer spawned here.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteSpawn {
    pub node: NodeId,
    pub spawner: NodeId,
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
    pub roots: HashMap<NodeId, Vec<NodeId>>,
    /// Receiving side: last accepted sync time per synchronizer.
    pub inbound_time: HashMap<NodeId, u16>,
    /// Per destination peer sync time counter.
    pub peer_time: HashMap<PeerId, u16>,
    pub frame: u64,
    pub queued_events: usize,
    /// Nodes spawned here by peers that left (or by every peer, after a disconnection):
    /// removed on the next `poll`, as Godot frees them.
    pub orphans: Vec<RemoteSpawn>,
}

impl ReplicationState {
    pub fn clear(&mut self) {
        let queued_events = self.queued_events;
        let mut orphans = std::mem::take(&mut self.orphans);
        orphans.extend(self.remote_spawns.values().copied());
        *self = Self::default();
        // Events already queued are still drained (and counted down) by the application.
        self.queued_events = queued_events;
        self.orphans = orphans;
    }

    pub fn next_net_id(&mut self) -> u32 {
        self.last_net_id = self.last_net_id.wrapping_add(1) & 0x7FFF_FFFF;
        if self.last_net_id == 0 {
            self.last_net_id = 1;
        }
        self.last_net_id
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
        }
        self.peer_time.remove(&peer);
        // The nodes it spawned go (Godot frees them too).
        let orphans = &mut self.orphans;
        self.remote_spawns.retain(|(p, _), spawn| {
            if *p == peer {
                orphans.push(*spawn);
            }
            *p != peer
        });
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
