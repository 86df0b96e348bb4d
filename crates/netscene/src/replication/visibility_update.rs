//! The start of every network frame on the authority: refreshes the cached visibility of
//! its synchronizers (Godot's `update_visibility` / `visibility_changed` handling in
//! `SceneReplicationInterface`) and notes which local spawns need a SPAWN/DESPAWN check.
//!
//! A synchronizer's visibility is evaluated for every peer when it starts (first frame after
//! being attached, after its authority moved here, or after a reconnection), for a peer when
//! that peer connects, and otherwise only for the peers named by `update_visibility` calls
//! (explicit, from `set_visibility_for`, or automatic in the `Idle`/`Physics` modes).

use std::collections::BTreeSet;

use super::state::CachedVisibility;
use super::values::sync_root;
use crate::api::MultiplayerEvent;
use crate::peer::PeerId;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

impl SceneMultiplayer {
    /// Handles this frame's visibility updates of the synchronizers configured to this API.
    pub(crate) fn refresh_visibility(&mut self, tree: &mut SceneTree) {
        let me = self.link.unique_id();
        let peers = self.link.connected.as_slice();
        let state = &mut self.replication;
        state.new_peers.clear();
        let version = self.link.connected.version();
        if state.visibility_peers_version != Some(version) {
            state.new_peers.extend(
                peers
                    .iter()
                    .copied()
                    .filter(|p| !state.visibility_peers.contains(p)),
            );
            state.visibility_peers = peers.iter().copied().collect();
            state.visibility_peers_version = Some(version);
        }
        state.spawn_checks.clear();
        let mut events = Vec::new();
        for i in 0..tree.synchronizers.len() {
            let sync = tree.synchronizers[i];
            if !state.configured_syncs.contains(&sync) {
                continue;
            }
            let Some(node) = tree.node_mut(sync) else {
                continue;
            };
            let authority = node.authority;
            let Some(role) = node.synchronizer.as_deref_mut() else {
                continue;
            };
            let mut requests = std::mem::take(&mut role.visibility_requests);
            if role.take_automatic_update() {
                requests.push(0);
            }
            let started = std::mem::replace(&mut role.visibility_started, true);
            let root = if authority == me {
                sync_root(tree, sync)
            } else {
                None
            };
            let (Some(root), Some(role)) = (
                root,
                tree.node(sync).and_then(|n| n.synchronizer.as_deref()),
            ) else {
                // Godot only acts on `update_visibility` on the authority, with a root node.
                if let Some(out) = state.outbound.get_mut(&sync) {
                    out.visibility = None;
                }
                continue;
            };
            let out = state.outbound.entry(sync).or_default();
            let fresh = !started || out.visibility.as_ref().is_none_or(|c| c.root != root);
            if fresh {
                out.delta_sent.clear();
                out.visibility = Some(CachedVisibility {
                    root,
                    peers: peers
                        .iter()
                        .copied()
                        .filter(|&p| role.is_visible_to(p))
                        .collect(),
                });
            } else {
                for &peer in &state.new_peers {
                    out.set_visible(peer, role.is_visible_to(peer));
                }
            }
            for &for_peer in &requests {
                events.push(MultiplayerEvent::VisibilityChanged {
                    synchronizer: sync,
                    for_peer,
                });
                if !fresh {
                    if for_peer == 0 {
                        for &peer in peers {
                            out.set_visible(peer, role.is_visible_to(peer));
                        }
                    } else if state.visibility_peers.contains(&for_peer) {
                        out.set_visible(for_peer, role.is_visible_to(for_peer));
                    }
                }
                state.spawn_checks.entry(root).or_default().insert(for_peer);
            }
        }
        for event in events {
            self.push_replication_event(event);
        }
    }

    /// The peers whose SPAWN/DESPAWN of local spawn `node` must be checked this frame: all of
    /// them for a new spawn, else the new peers and those its synchronizers' visibility
    /// updates named.
    pub(crate) fn spawn_check_peers(&self, node: NodeId, connected: &[PeerId]) -> Vec<PeerId> {
        let state = &self.replication;
        let asked = state.spawn_checks.get(&node);
        if !state.local_spawns.contains_key(&node) || asked.is_some_and(|a| a.contains(&0)) {
            return connected.to_vec();
        }
        let mut peers: BTreeSet<PeerId> = state.new_peers.iter().copied().collect();
        if let Some(asked) = asked {
            peers.extend(asked.iter().filter(|p| state.visibility_peers.contains(p)));
        }
        peers.into_iter().collect()
    }
}
