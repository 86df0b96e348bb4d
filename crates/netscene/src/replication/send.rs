//! The sending side, run at the end of every network frame (`poll`) and right after a local
//! spawn (spec D.2–D.8): visibility updates, DESPAWN for removed or hidden nodes, SPAWN for
//! nodes new to a peer (late joiners included), then per peer SYNC (unreliable) and delta
//! SYNC (reliable) to the peers each synchronizer's cached visibility includes.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use netscene_variant::{EncodeOptions, encode_and_compress_variant};
use smallvec::SmallVec;

use super::state::LocalSpawn;
use super::sync_index::SyncRootIndex;
use super::tracked::TrackedSpawn;
use super::values::{StateError, encode_values, sync_root};
use super::watch::{WatchedValues, track_changes};
use super::wire;
use crate::error::MultiplayerError;
use crate::peer::{ConnectionStatus, PeerId, TransferMode};
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};
use crate::wire::SimplifyPath;

const PATH_NET_ID_FLAG: u32 = 0x8000_0000;

/// One authority-owned synchronizer's contribution to this frame.
struct FrameSync {
    sync: NodeId,
    /// `Some(net id)` when its root is a node this peer spawned.
    spawn_net_id: Option<u32>,
    /// The root node when it is a local spawn (only that spawn's peers may receive it).
    spawn_root: Option<NodeId>,
    state: Option<Range<usize>>,
    /// Encoded watched values (delta).
    watch: WatchedValues,
}

impl SceneMultiplayer {
    /// A network frame: spawns, then SYNC and delta SYNC for every peer (spec D.7).
    pub(crate) fn replicate_frame(&mut self, tree: &mut SceneTree) {
        if self.link.status() != ConnectionStatus::Connected {
            return;
        }
        self.replication.frame += 1;
        self.refresh_visibility(tree);
        self.replicate_spawns(tree);
        self.send_syncs(tree);
    }

    /// Sends SIMPLIFY_PATH for `node` to `peer` if it never got it (or, with `resend`, if it
    /// is still unconfirmed long after it was sent: the peer may have lacked the node);
    /// returns the cache id and whether `peer` confirmed it.
    fn announce_node(
        &mut self,
        tree: &SceneTree,
        node: NodeId,
        peer: PeerId,
        resend: bool,
    ) -> Result<(u32, bool), MultiplayerError> {
        let cache_id = self.cache.ensure_id(node);
        let now = (self.clock)();
        match self.cache.confirm_state(node, peer) {
            Some(false) if resend && self.cache.resend_due(node, peer, now) => {
                tracing::debug!(peer, cache_id, "re-sending an unconfirmed SIMPLIFY_PATH");
            }
            Some(confirmed) => return Ok((cache_id, confirmed)),
            None => {}
        }
        let path = tree
            .relative_path(node, &self.root_path)
            .ok_or(MultiplayerError::InvalidNode)?;
        let checksum = tree
            .node(node)
            .ok_or(MultiplayerError::InvalidNode)?
            .table
            .checksum;
        let mut buf = Vec::with_capacity(40 + path.len());
        SimplifyPath {
            checksum,
            cache_id,
            path: &path,
        }
        .emit(&mut buf);
        self.link
            .send_command(peer, TransferMode::Reliable, 0, &buf)?;
        self.cache.mark_sent(node, peer, now);
        Ok((cache_id, false))
    }

    /// DESPAWN for removed or hidden spawns, SPAWN for new or newly visible ones.
    pub(crate) fn replicate_spawns(&mut self, tree: &mut SceneTree) {
        if self.link.status() != ConnectionStatus::Connected {
            return;
        }
        let me = self.link.unique_id();
        let alive: Vec<NodeId> = tree
            .spawners
            .iter()
            .copied()
            .filter(|&n| tree.node(n).is_some_and(|n| n.spawner.is_some()))
            .collect();
        tree.spawners = alive;
        let alive: Vec<NodeId> = tree
            .synchronizers
            .iter()
            .copied()
            .filter(|&n| tree.node(n).is_some_and(|n| n.synchronizer.is_some()))
            .collect();
        tree.synchronizers = alive;
        self.replication
            .outbound
            .retain(|sync, _| tree.node(*sync).is_some());
        self.prune_unresolved_reports(tree);
        self.prune_oversized_reports(tree);
        self.prune_configured(tree);
        // The frame sends whatever was configured since the last flush.
        self.replication.pending_spawns.clear();

        // Prune the spawners' lists; collect what this peer's spawners track.
        let spawners: Vec<NodeId> = tree
            .spawners
            .iter()
            .copied()
            .filter(|&s| tree.is_branch_lent(s))
            .collect();
        let mut mine = Vec::new();
        for spawner in spawners {
            let Some(role) = tree
                .node_mut(spawner)
                .and_then(|n| n.spawner.as_deref_mut())
            else {
                continue;
            };
            let mut tracked = std::mem::take(&mut role.tracked);
            tracked.retain(|t| tree.node(t.node).is_some());
            if tree.get_multiplayer_authority(spawner) == me {
                // Only the spawns configured to this API (object_configuration_add).
                let configured = &self.replication.configured_spawns;
                mine.extend(
                    tracked
                        .iter()
                        .filter(|t| configured.get(&t.node) == Some(&spawner))
                        .map(|t| (t.seq, spawner, t.node)),
                );
            }
            if let Some(role) = tree
                .node_mut(spawner)
                .and_then(|n| n.spawner.as_deref_mut())
            {
                role.tracked = tracked;
            }
        }
        // Creation order across spawners; each spawner's list is in order already, so the
        // stable sort only merges those runs.
        mine.sort_by_key(|&(seq, _, _)| seq);
        let still_tracked: HashSet<NodeId> = mine.iter().map(|&(_, _, node)| node).collect();

        // Removed (or no longer tracked) nodes: DESPAWN to every peer that had them, newest
        // first. Godot despawns as nodes leave its tree, children before their parent; the
        // removal order is not kept here, and newest first puts a spawn nested in another
        // spawn before its parent too (the other way round Godot's receiver would fail on
        // the child's DESPAWN: the parent's took the child with it).
        let mut gone: Vec<(u64, NodeId)> = self
            .replication
            .local_spawns
            .iter()
            .filter(|(node, _)| tree.node(**node).is_none() || !still_tracked.contains(node))
            .map(|(node, spawn)| (spawn.seq, *node))
            .collect();
        gone.sort_unstable_by(|a, b| b.cmp(a));
        for (_, node) in gone {
            if let Some(spawn) = self.replication.local_spawns.remove(&node) {
                for peer in spawn.peers {
                    self.send_despawn(peer, spawn.net_id);
                }
            }
        }

        // The synchronizers of each root node, in attach order, found once per frame.
        // They also correct the root index where a role was overwritten in place.
        let mut by_root: HashMap<NodeId, SmallVec<[NodeId; 2]>> = HashMap::new();
        for i in 0..tree.synchronizers.len() {
            let sync = tree.synchronizers[i];
            let root = sync_root(tree, sync);
            SyncRootIndex::check(tree, sync, root);
            if let Some(root) = root {
                by_root.entry(root).or_default().push(sync);
            }
        }
        // A server of thousands of peers polls a thousand times a second: the list is copied
        // only when some spawn may go out.
        let peers: Vec<PeerId> = if mine.is_empty() {
            Vec::new()
        } else {
            self.link.connected.iter().collect()
        };
        for (_, spawner, node) in mine {
            // Spawn visibility follows the synchronizers' visibility updates (cached between).
            let check = self.spawn_check_peers(node, &peers);
            if check.is_empty() {
                continue;
            }
            let Some(spawn) = tracked_spawn(tree, spawner, node) else {
                continue;
            };
            let syncs = by_root.get(&node).map_or(&[][..], |s| s.as_slice());
            self.replicate_one_spawn(tree, spawner, &spawn, syncs, &check);
        }
        self.replication.roots = by_root;
    }

    /// SPAWN of one node just spawned locally (the rest waits for the frame): keeps a burst
    /// of spawns linear in its size.
    pub(crate) fn replicate_new_spawn(
        &mut self,
        tree: &mut SceneTree,
        spawner: NodeId,
        node: NodeId,
    ) {
        let me = self.link.unique_id();
        if self.link.status() != ConnectionStatus::Connected
            || tree.get_multiplayer_authority(spawner) != me
        {
            return;
        }
        let Some(spawn) = tracked_spawn(tree, spawner, node) else {
            return;
        };
        let syncs = SyncRootIndex::synchronizers_of(tree, node);
        let peers: Vec<PeerId> = self.link.connected.iter().collect();
        self.replicate_one_spawn(tree, spawner, &spawn, &syncs, &peers);
        self.replication.roots.insert(node, syncs.into());
    }

    fn replicate_one_spawn(
        &mut self,
        tree: &SceneTree,
        spawner: NodeId,
        spawn: &TrackedSpawn,
        all_syncs: &[NodeId],
        peers: &[PeerId],
    ) {
        let me = self.link.unique_id();
        // Only the synchronizers this peer owns are announced in the spawn (as in Godot).
        let syncs: Vec<NodeId> = all_syncs
            .iter()
            .copied()
            .filter(|&s| tree.get_multiplayer_authority(s) == me)
            .collect();
        if !self.replication.local_spawns.contains_key(&spawn.node) {
            let net_id = self.replication.next_net_id();
            self.replication.local_spawns.insert(
                spawn.node,
                LocalSpawn {
                    net_id,
                    seq: spawn.seq,
                    peers: Default::default(),
                },
            );
            for &sync in &syncs {
                let id = self.replication.next_net_id();
                self.replication
                    .outbound
                    .entry(sync)
                    .or_default()
                    .spawn_net_id = id;
            }
        }
        let visible_to = |peer: PeerId| {
            let mut owned = syncs
                .iter()
                .filter_map(|&s| tree.node(s).and_then(|n| n.synchronizer.as_deref()))
                .peekable();
            owned.peek().is_none() || owned.any(|s| s.is_visible_to(peer))
        };
        let mut packet: Option<Vec<u8>> = None;
        for &peer in peers {
            let visible = visible_to(peer);
            let Some(local) = self.replication.local_spawns.get(&spawn.node) else {
                return;
            };
            let (sent, net_id) = (local.peers.contains(&peer), local.net_id);
            if visible && !sent {
                if packet.is_none() {
                    match self.build_spawn(tree, spawner, spawn, &syncs, net_id) {
                        Ok(Some(p)) => packet = Some(p),
                        // A spawn property does not resolve (reported once): no SPAWN, as
                        // in Godot; a later visibility update or a new peer tries again.
                        Ok(None) => return,
                        Err(e) => {
                            tracing::error!("cannot build SPAWN: {e}");
                            return;
                        }
                    }
                }
                let Some(bytes) = packet.as_mut() else {
                    return;
                };
                let sent =
                    self.announce_node(tree, spawner, peer, false)
                        .and_then(|(cache_id, _)| {
                            bytes[2..6].copy_from_slice(&cache_id.to_le_bytes());
                            self.link
                                .send_command(peer, TransferMode::Reliable, 0, bytes)
                        });
                match sent {
                    Ok(()) => {
                        if let Some(local) = self.replication.local_spawns.get_mut(&spawn.node) {
                            local.peers.insert(peer);
                        }
                    }
                    Err(e) => tracing::warn!(peer, "cannot send SPAWN: {e}"),
                }
            } else if !visible && sent {
                self.send_despawn(peer, net_id);
                if let Some(local) = self.replication.local_spawns.get_mut(&spawn.node) {
                    local.peers.remove(&peer);
                }
                for sync in &syncs {
                    if let Some(out) = self.replication.outbound.get_mut(sync) {
                        out.delta_sent.remove(&peer);
                    }
                }
            }
        }
    }

    fn build_spawn(
        &mut self,
        tree: &SceneTree,
        spawner: NodeId,
        spawn: &TrackedSpawn,
        syncs: &[NodeId],
        net_id: u32,
    ) -> Result<Option<Vec<u8>>, MultiplayerError> {
        let name = tree
            .node(spawn.node)
            .ok_or(MultiplayerError::InvalidNode)?
            .name
            .clone();
        let sync_ids: Vec<u8> = syncs
            .iter()
            .flat_map(|s| {
                let id = self
                    .replication
                    .outbound
                    .get(s)
                    .map_or(0, |o| o.spawn_net_id);
                id.to_le_bytes()
            })
            .collect();
        let mut state = Vec::new();
        let mut unresolved = Vec::new();
        for &sync in syncs {
            let (Some(root), Some(role)) = (
                sync_root(tree, sync),
                tree.node(sync).and_then(|n| n.synchronizer.as_deref()),
            ) else {
                continue;
            };
            match encode_values(tree, root, role.config.spawn_properties(), &mut state) {
                Ok(()) => {}
                Err(StateError::Unresolved(paths)) => unresolved.push((sync, paths)),
                Err(StateError::Encode(e)) => return Err(e.into()),
            }
        }
        if !unresolved.is_empty() {
            for (sync, paths) in unresolved {
                self.report_unresolved(sync, paths);
            }
            return Ok(None);
        }
        let mut arg = Vec::new();
        let custom = spawn.scene_id == super::spawner::CUSTOM_SPAWN_SCENE_ID;
        if custom {
            encode_and_compress_variant(&spawn.data, &mut arg, &EncodeOptions::default())?;
        }
        let cache_id = self.cache.ensure_id(spawner);
        let mut out = Vec::new();
        wire::Spawn {
            scene_id: spawn.scene_id,
            spawner_cache_id: cache_id,
            net_id,
            sync_ids: &sync_ids,
            name: name.as_bytes(),
            arg: custom.then_some(arg.as_slice()),
            state: &state,
        }
        .emit(&mut out);
        Ok(Some(out))
    }

    fn send_despawn(&mut self, peer: PeerId, net_id: u32) {
        let mut buf = Vec::with_capacity(5);
        wire::emit_despawn(&mut buf, net_id);
        if let Err(e) = self
            .link
            .send_command(peer, TransferMode::Reliable, 0, &buf)
        {
            tracing::debug!(peer, "cannot send DESPAWN: {e}");
        }
    }

    /// Encodes this frame's states once, then sends each peer its SYNC and delta packets.
    fn send_syncs(&mut self, tree: &SceneTree) {
        let me = self.link.unique_id();
        let mut unresolved = Vec::new();
        let now = (self.clock)();
        let frame = self.replication.frame;
        let mut values = Vec::new();
        let mut items = Vec::new();
        for &sync in &tree.synchronizers {
            let Some(node) = tree.node(sync) else {
                continue;
            };
            let (Some(role), Some(root)) = (node.synchronizer.as_deref(), sync_root(tree, sync))
            else {
                continue;
            };
            if node.authority != me || !self.replication.configured_syncs.contains(&sync) {
                continue;
            }
            let out = self.replication.outbound.entry(sync).or_default();
            // Spawn-time net id, or (e.g. the authority changed after the spawn) path based.
            let spawn_root = (self.replication.local_spawns.contains_key(&root)
                && out.spawn_net_id != 0)
                .then_some(root);
            let due = |last: Option<u64>, interval: f64| {
                last.is_none_or(|l| now.saturating_sub(l) as f64 >= interval * 1000.0)
            };
            let mut state = None;
            if role.config.sync_properties().next().is_some()
                && due(out.last_sync_ms, role.replication_interval)
            {
                out.last_sync_ms = Some(now);
                let start = values.len();
                match encode_values(tree, root, role.config.sync_properties(), &mut values) {
                    Ok(()) => state = Some(start..values.len()),
                    // No SYNC entry for this synchronizer, as in Godot.
                    Err(StateError::Unresolved(paths)) => unresolved.push((sync, paths)),
                    Err(StateError::Encode(e)) => tracing::error!("cannot encode sync state: {e}"),
                }
            }
            let mut watch = Vec::new();
            if role.config.watch_properties().next().is_some()
                && due(out.last_delta_ms, role.delta_interval)
            {
                out.last_delta_ms = Some(now);
                let missing;
                (watch, missing) = track_changes(tree, root, role, out, frame, &mut values);
                if !missing.is_empty() {
                    unresolved.push((sync, missing));
                }
            }
            items.push(FrameSync {
                sync,
                spawn_net_id: spawn_root.map(|_| out.spawn_net_id),
                spawn_root,
                state,
                watch,
            });
        }
        for (sync, paths) in unresolved {
            self.report_unresolved(sync, paths);
        }
        if items.is_empty() {
            return;
        }
        let peers: Vec<PeerId> = self.link.connected.iter().collect();
        for peer in peers {
            self.send_syncs_to(tree, peer, &items, &values);
        }
    }

    fn send_syncs_to(
        &mut self,
        tree: &SceneTree,
        peer: PeerId,
        items: &[FrameSync],
        values: &[u8],
    ) {
        let frame = self.replication.frame;
        let mut entries: Vec<(u32, &FrameSync)> = Vec::new();
        for item in items {
            let visible = self
                .replication
                .outbound
                .get(&item.sync)
                .is_some_and(|out| out.is_visible_to(peer));
            if !visible {
                continue;
            }
            let net_id = match (item.spawn_root, item.spawn_net_id) {
                (Some(root), Some(id)) => {
                    let spawned = self
                        .replication
                        .local_spawns
                        .get(&root)
                        .is_some_and(|s| s.peers.contains(&peer));
                    if !spawned {
                        continue;
                    }
                    id
                }
                _ => match self.announce_node(tree, item.sync, peer, true) {
                    Ok((cache_id, true)) => PATH_NET_ID_FLAG | cache_id,
                    Ok((_, false)) => continue,
                    Err(e) => {
                        tracing::warn!(peer, "cannot announce synchronizer: {e}");
                        continue;
                    }
                },
            };
            entries.push((net_id, item));
        }
        if entries.iter().any(|(_, item)| item.state.is_some()) {
            let time = self.replication.peer_time.entry(peer).or_insert(0);
            *time = time.wrapping_add(1);
            let time = *time;
            let max = self.max_sync_packet_size;
            let mut buf = Vec::with_capacity(max.min(1 << 16));
            wire::emit_sync_header(&mut buf, time);
            for (net_id, item) in &entries {
                let Some(range) = &item.state else {
                    continue;
                };
                let state = &values[range.clone()];
                let alone = wire::SYNC_HEADER_SIZE + 8 + state.len();
                if alone > max {
                    if self.sends_oversized_to(peer) {
                        // Opt-in fallback (see `oversized`): alone, reliably.
                        let mut big = Vec::with_capacity(alone);
                        wire::emit_sync_header(&mut big, time);
                        wire::emit_sync_entry(&mut big, *net_id, state);
                        self.send_replication(peer, TransferMode::Reliable, &big);
                    } else {
                        self.report_oversized_sync(item.sync, alone, max);
                    }
                    continue;
                }
                self.oversized_sync_fits(item.sync);
                if buf.len() + 8 + state.len() > max {
                    self.send_replication(peer, TransferMode::Unreliable, &buf);
                    buf.truncate(wire::SYNC_HEADER_SIZE);
                }
                wire::emit_sync_entry(&mut buf, *net_id, state);
            }
            if buf.len() > wire::SYNC_HEADER_SIZE {
                self.send_replication(peer, TransferMode::Unreliable, &buf);
            }
        }
        let max = self.max_delta_packet_size;
        let mut buf = vec![wire::DELTA_SYNC];
        let mut state = Vec::new();
        for (net_id, item) in &entries {
            if item.watch.is_empty() {
                continue;
            }
            let Some(out) = self.replication.outbound.get_mut(&item.sync) else {
                continue;
            };
            let last = out.delta_sent.get(&peer).copied();
            let mut mask = 0u64;
            state.clear();
            for (i, watched) in item.watch.iter().enumerate() {
                let Some((range, changed_at)) = watched else {
                    continue;
                };
                if last.is_none_or(|l| *changed_at > l) {
                    mask |= 1 << i;
                    state.extend_from_slice(&values[range.clone()]);
                }
            }
            if mask == 0 {
                continue;
            }
            if 1 + 16 + state.len() > max {
                tracing::error!(
                    size = state.len(),
                    "delta state larger than max_delta_packet_size; not sent"
                );
                continue;
            }
            out.delta_sent.insert(peer, frame);
            if buf.len() + 16 + state.len() > max {
                self.send_replication(peer, TransferMode::Reliable, &buf);
                buf.truncate(1);
            }
            wire::emit_delta_entry(&mut buf, *net_id, mask, &state);
        }
        if buf.len() > 1 {
            self.send_replication(peer, TransferMode::Reliable, &buf);
        }
    }

    fn send_replication(&mut self, peer: PeerId, mode: TransferMode, data: &[u8]) {
        if let Err(e) = self.link.send_command(peer, mode, 0, data) {
            tracing::debug!(peer, "cannot send replication packet: {e}");
        }
    }
}

/// A copy of the spawn `spawner` tracks for `node`, if it tracks one.
fn tracked_spawn(tree: &SceneTree, spawner: NodeId, node: NodeId) -> Option<TrackedSpawn> {
    tree.node(spawner)
        .and_then(|n| n.spawner.as_deref())
        .and_then(|s| s.tracked.get(node))
        .cloned()
}
