//! The nodes a spawner spawned (or received), in spawn order and keyed by node, so a
//! despawn does not walk every tracked node.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use netscene_variant::Variant;

use crate::tree::NodeId;

/// A node spawned through a spawner, with what rebuilds it on another peer.
#[derive(Debug, Clone)]
pub(crate) struct TrackedSpawn {
    pub node: NodeId,
    pub scene_id: u8,
    pub data: Variant,
    /// Creation order across every spawner: peers get SPAWNs in this order, late joiners
    /// too (Godot keeps one insertion-ordered set of spawned nodes).
    pub seq: u64,
}

impl TrackedSpawn {
    /// A spawn created now (the newest of all spawners).
    pub fn new(node: NodeId, scene_id: u8, data: Variant) -> Self {
        static NEXT_SEQ: AtomicU64 = AtomicU64::new(0);
        Self {
            node,
            scene_id,
            data,
            seq: NEXT_SEQ.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// Tracked spawns in spawn order. Removal leaves a hole, closed up once holes are half of the
/// slots: memory stays within twice the tracked nodes.
#[derive(Clone, Default)]
pub(crate) struct TrackedSpawns {
    slots: Vec<Option<TrackedSpawn>>,
    /// Slot of each tracked node.
    at: HashMap<NodeId, usize>,
}

impl std::fmt::Debug for TrackedSpawns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl TrackedSpawns {
    /// Tracks `spawn` as the newest (a node tracked already moves to the end).
    pub fn push(&mut self, spawn: TrackedSpawn) {
        self.remove(spawn.node);
        self.at.insert(spawn.node, self.slots.len());
        self.slots.push(Some(spawn));
    }

    /// Stops tracking `node`.
    pub fn remove(&mut self, node: NodeId) -> Option<TrackedSpawn> {
        let slot = self.at.remove(&node)?;
        let spawn = self.slots.get_mut(slot)?.take();
        self.compact_if_sparse();
        spawn
    }

    /// The tracked spawn of `node`.
    pub fn get(&self, node: NodeId) -> Option<&TrackedSpawn> {
        self.slots.get(*self.at.get(&node)?)?.as_ref()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &TrackedSpawn> + '_ {
        self.slots.iter().flatten()
    }

    /// Keeps the spawns `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&TrackedSpawn) -> bool) {
        for slot in &mut self.slots {
            if let Some(spawn) = slot.take_if(|s| !keep(s)) {
                self.at.remove(&spawn.node);
            }
        }
        self.compact_if_sparse();
    }

    fn compact_if_sparse(&mut self) {
        if self.at.len() * 2 < self.slots.len() {
            self.compact();
        }
    }

    fn compact(&mut self) {
        self.slots.retain(Option::is_some);
        self.at.clear();
        for (i, spawn) in self.slots.iter().flatten().enumerate() {
            self.at.insert(spawn.node, i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{TrackedSpawn, TrackedSpawns};
    use crate::SceneTree;
    use netscene_variant::Variant;

    #[test]
    fn keeps_spawn_order_through_removals() {
        let mut tree = SceneTree::new();
        let nodes: Vec<_> = (0..10)
            .map(|i| tree.add_child(tree.root(), format!("n{i}")).unwrap())
            .collect();
        let mut tracked = TrackedSpawns::default();
        for (i, &node) in nodes.iter().enumerate() {
            tracked.push(TrackedSpawn::new(node, i as u8, Variant::Nil));
        }
        for &gone in &[nodes[0], nodes[3], nodes[4], nodes[5], nodes[6], nodes[8]] {
            assert_eq!(tracked.remove(gone).map(|s| s.node), Some(gone));
            assert!(tracked.remove(gone).is_none());
        }
        let left: Vec<_> = tracked.iter().map(|s| s.node).collect();
        assert_eq!(left, [nodes[1], nodes[2], nodes[7], nodes[9]]);
        assert_eq!(tracked.get(nodes[7]).map(|s| s.scene_id), Some(7));
        assert!(tracked.get(nodes[8]).is_none());
        // Holes were closed up: no more slots than twice the tracked nodes.
        assert!(tracked.slots.len() <= 8);
        tracked.retain(|s| s.node != nodes[2]);
        let left: Vec<_> = tracked.iter().map(|s| s.node).collect();
        assert_eq!(left, [nodes[1], nodes[7], nodes[9]]);
        assert_eq!(tracked.get(nodes[9]).map(|s| s.scene_id), Some(9));
    }
}
