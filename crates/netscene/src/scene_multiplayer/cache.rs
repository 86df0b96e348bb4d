//! The node path cache (Godot's `SceneCacheInterface`, spec C.1–C.2).
//!
//! Sending side: each node gets a cache id (from 1) the first time it needs one, and
//! remembers per peer whether SIMPLIFY_PATH was sent (`false`) and confirmed (`true`), and
//! when it was last sent (replication re-sends an unconfirmed announcement, see
//! [`PathCache::resend_due`]).
//! Receiving side: per peer, the ids that peer announced and the node each resolved to. An
//! identical repeat of an announcement (same id, same path) is answered again; the same id
//! for another path is refused.
//! Entries of removed nodes stay until `clear()`; their ids are never reused, and a stale
//! receive entry falls back to resolving its path again (as Godot does).

use netscene_variant::NodePath;

use crate::error::PacketError;
use crate::peer::PeerId;
use crate::tree::{NodeId, SceneTree};

use super::id_hash::{IdMap, IdSet};

/// Default cap on cache ids one peer may announce (see [`crate::SceneMultiplayer::set_max_cache_entries_per_peer`]).
pub const DEFAULT_MAX_CACHE_ENTRIES_PER_PEER: usize = 16_384;

struct SentNode {
    cache_id: u32,
    confirmed: IdMap<PeerId, Announced>,
}

/// One SIMPLIFY_PATH sent to one peer.
#[derive(Debug, Clone, Copy)]
struct Announced {
    confirmed: bool,
    /// When it was last sent (the API's clock, ms).
    sent_ms: u64,
    /// Re-sends so far (each waits twice as long as the one before, up to a cap).
    resends: u32,
}

/// An unconfirmed announcement is re-sent after this long at first (ms)...
pub(crate) const FIRST_RESEND_AFTER_MS: u64 = 1_000;
/// ...then after twice as long each time, at most this long (ms).
pub(crate) const MAX_RESEND_AFTER_MS: u64 = 4_000;

struct RecvNode {
    node: NodeId,
    path: String,
}

#[derive(Default)]
struct PeerInfo {
    /// Keys chosen by the remote peer: keeps std's DoS-resistant hasher.
    recv: std::collections::HashMap<u32, RecvNode>,
    sent: IdSet<NodeId>,
}

pub(crate) struct PathCache {
    next_id: u32,
    sent: IdMap<NodeId, SentNode>,
    assigned: IdMap<u32, NodeId>,
    peers: IdMap<PeerId, PeerInfo>,
    pub max_entries_per_peer: usize,
    /// Size of `sent` at which entries of removed nodes are swept next (amortised O(1)).
    prune_at: usize,
}

const MIN_PRUNE_AT: usize = 1024;

impl Default for PathCache {
    fn default() -> Self {
        Self {
            next_id: 1,
            sent: IdMap::default(),
            assigned: IdMap::default(),
            peers: IdMap::default(),
            max_entries_per_peer: DEFAULT_MAX_CACHE_ENTRIES_PER_PEER,
            prune_at: MIN_PRUNE_AT,
        }
    }
}

impl PathCache {
    pub fn clear(&mut self) {
        self.next_id = 1;
        self.sent.clear();
        self.assigned.clear();
        self.peers.clear();
    }

    pub fn on_peer_change(&mut self, peer: PeerId, connected: bool) {
        if connected {
            self.peers.insert(peer, PeerInfo::default());
        } else if let Some(info) = self.peers.remove(&peer) {
            for node in info.sent {
                if let Some(s) = self.sent.get_mut(&node) {
                    s.confirmed.remove(&peer);
                }
            }
        }
    }

    /// Forgets the sending-side entries of nodes no longer in the tree (Godot drops them when
    /// the node exits the tree). Runs only when the map has doubled since the last sweep.
    pub fn prune_removed(&mut self, tree: &SceneTree) {
        if self.sent.len() < self.prune_at {
            return;
        }
        let dead: Vec<NodeId> = self
            .sent
            .keys()
            .copied()
            .filter(|n| tree.node(*n).is_none())
            .collect();
        for node in dead {
            if let Some(entry) = self.sent.remove(&node) {
                self.assigned.remove(&entry.cache_id);
                for peer in entry.confirmed.keys() {
                    if let Some(info) = self.peers.get_mut(peer) {
                        info.sent.remove(&node);
                    }
                }
            }
        }
        self.prune_at = (self.sent.len() * 2).max(MIN_PRUNE_AT);
    }

    /// Number of nodes with a sending-side entry.
    #[cfg(test)]
    pub fn sent_len(&self) -> usize {
        self.sent.len()
    }

    /// Number of cache ids `peer` announced and we keep.
    pub fn recv_len(&self, peer: PeerId) -> usize {
        self.peers.get(&peer).map_or(0, |info| info.recv.len())
    }

    /// The node's cache id, assigned on first use.
    pub fn ensure_id(&mut self, node: NodeId) -> u32 {
        if let Some(s) = self.sent.get(&node) {
            return s.cache_id;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1).max(1);
        self.sent.insert(
            node,
            SentNode {
                cache_id: id,
                confirmed: IdMap::default(),
            },
        );
        self.assigned.insert(id, node);
        id
    }

    /// `None`: never announced to `peer`; `Some(false)`: announced, not confirmed.
    pub fn confirm_state(&self, node: NodeId, peer: PeerId) -> Option<bool> {
        Some(self.sent.get(&node)?.confirmed.get(&peer)?.confirmed)
    }

    /// Records that SIMPLIFY_PATH for `node` went to `peer` at `now_ms` (a first send, or a
    /// re-send of an unconfirmed one).
    pub fn mark_sent(&mut self, node: NodeId, peer: PeerId, now_ms: u64) {
        if let Some(s) = self.sent.get_mut(&node) {
            let resends = s
                .confirmed
                .get(&peer)
                .map_or(0, |a| a.resends.saturating_add(1));
            s.confirmed.insert(
                peer,
                Announced {
                    confirmed: false,
                    sent_ms: now_ms,
                    resends,
                },
            );
        }
        if let Some(info) = self.peers.get_mut(&peer) {
            info.sent.insert(node);
        }
    }

    /// A CONFIRM_PATH from `from`. Unknown ids are ignored (the node may be gone).
    pub fn confirm(&mut self, from: PeerId, cache_id: u32) -> Result<(), PacketError> {
        let Some(node) = self.assigned.get(&cache_id) else {
            return Ok(());
        };
        let confirmed = self
            .sent
            .get_mut(node)
            .and_then(|s| s.confirmed.get_mut(&from))
            .ok_or(PacketError::SysRefused {
                command: "CONFIRM_PATH",
                reason: "confirms a node that was not announced to this peer",
            })?;
        confirmed.confirmed = true;
        Ok(())
    }

    /// True when `node` was announced to `peer`, is still unconfirmed, and the last send is
    /// old enough to send it again: [`FIRST_RESEND_AFTER_MS`], doubling with each re-send up
    /// to [`MAX_RESEND_AFTER_MS`]. A peer that lacked the node dropped the announcement
    /// without answering (Godot and netscene alike), and nothing else would ever announce it
    /// again (Godot issue 98052). The wait keeps repeats to a peer whose confirmation is
    /// merely in flight rare: a Godot receiver that already has the id prints "Duplicate
    /// remote cache ID" and drops the repeat (harmless otherwise).
    pub fn resend_due(&self, node: NodeId, peer: PeerId, now_ms: u64) -> bool {
        let Some(announced) = self.sent.get(&node).and_then(|s| s.confirmed.get(&peer)) else {
            return false;
        };
        let wait = FIRST_RESEND_AFTER_MS
            .saturating_mul(1 << announced.resends.min(16))
            .min(MAX_RESEND_AFTER_MS);
        !announced.confirmed && now_ms.saturating_sub(announced.sent_ms) >= wait
    }

    pub fn node_of_cache_id(&self, cache_id: u32) -> Option<NodeId> {
        self.assigned.get(&cache_id).copied()
    }

    /// Records a SIMPLIFY_PATH from `from`. A repeat of an id it announced is accepted when
    /// it names the same path (the sender re-sends until it hears CONFIRM_PATH) and refused
    /// with `DuplicateCacheId` when it names another one.
    pub fn insert_recv(
        &mut self,
        from: PeerId,
        cache_id: u32,
        node: NodeId,
        path: &str,
    ) -> Result<(), PacketError> {
        let limit = self.max_entries_per_peer;
        let info = self.peers.get_mut(&from).ok_or(PacketError::SysRefused {
            command: "SIMPLIFY_PATH",
            reason: "sender is not an admitted peer",
        })?;
        if let Some(known) = info.recv.get_mut(&cache_id) {
            if known.path != path {
                return Err(PacketError::DuplicateCacheId(cache_id));
            }
            known.node = node;
            return Ok(());
        }
        if info.recv.len() >= limit {
            return Err(PacketError::CacheFull(limit));
        }
        info.recv.insert(
            cache_id,
            RecvNode {
                node,
                path: path.to_owned(),
            },
        );
        Ok(())
    }

    /// The node `from` means by `cache_id`.
    pub fn resolve_recv(
        &mut self,
        tree: &SceneTree,
        root_path: &NodePath,
        from: PeerId,
        cache_id: u32,
    ) -> Result<NodeId, PacketError> {
        let entry = self
            .peers
            .get_mut(&from)
            .and_then(|info| info.recv.get_mut(&cache_id))
            .ok_or(PacketError::UnknownCacheId(cache_id))?;
        if tree.node(entry.node).is_some() {
            return Ok(entry.node);
        }
        // The node was removed: the path may name a newer node.
        let node = super::resolve::node_in_branch(tree, root_path, &entry.path)
            .ok_or(PacketError::UnknownCacheId(cache_id))?;
        entry.node = node;
        Ok(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_of_removed_nodes_are_swept() {
        let mut tree = SceneTree::new();
        let parent = tree.add_path("/root/Spawned").unwrap();
        let mut cache = PathCache::default();
        cache.on_peer_change(5, true);
        let keep = tree.add_path("/root/Keep").unwrap();
        let keep_id = cache.ensure_id(keep);
        cache.mark_sent(keep, 5, 0);
        for i in 0..1100 {
            let n = tree.add_child(parent, format!("N{i}")).unwrap();
            cache.ensure_id(n);
            cache.mark_sent(n, 5, 0);
        }
        cache.prune_removed(&tree);
        assert_eq!(cache.sent_len(), 1101, "all alive: nothing swept");
        tree.remove_node(parent).unwrap();
        cache.prune_removed(&tree);
        assert_eq!(
            cache.sent_len(),
            1101,
            "the next sweep waits until the map doubles"
        );
        cache.prune_at = 1101;
        cache.prune_removed(&tree);
        assert_eq!(cache.sent_len(), 1);
        assert_eq!(cache.prune_at, MIN_PRUNE_AT);
        assert_eq!(cache.ensure_id(keep), keep_id);
        assert_eq!(cache.confirm_state(keep, 5), Some(false));
        assert_eq!(cache.peers[&5].sent.len(), 1);
        // Ids are never reused.
        let fresh = tree.add_path("/root/Fresh").unwrap();
        assert_eq!(cache.ensure_id(fresh), 1102);
    }
}
