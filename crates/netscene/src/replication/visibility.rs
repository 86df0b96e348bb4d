//! Which peers an RPC to a replicated node may reach (spec D.8, Godot's `is_rpc_visible`).

use crate::peer::PeerId;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

impl SceneMultiplayer {
    /// True when `peer` can see `node`: nodes without synchronizers are visible to all; a
    /// node spawned here is visible to the peer that spawned it; a node this peer spawned
    /// to the peers that got the spawn (the cached spawn visibility, which only changes with
    /// a visibility update); otherwise when any of its synchronizers' `is_visible_to(peer)`
    /// accepts it now (Godot evaluates these live, whatever the visibility update mode).
    pub(crate) fn is_rpc_visible(&self, tree: &SceneTree, node: NodeId, peer: PeerId) -> bool {
        let Some(syncs) = self.replication.roots.get(&node) else {
            return true;
        };
        if syncs.is_empty() || self.replication.remote_owner.get(&node) == Some(&peer) {
            return true;
        }
        if let Some(spawn) = self.replication.local_spawns.get(&node) {
            return spawn.peers.contains(&peer);
        }
        syncs.iter().any(|&s| {
            tree.node(s)
                .and_then(|n| n.synchronizer.as_deref())
                .is_some_and(|s| s.is_visible_to(peer))
        })
    }
}
