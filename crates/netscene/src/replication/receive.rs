//! Receiving SPAWN, DESPAWN, SYNC and delta SYNC (spec D.3–D.6). Every refusal drops the
//! packet (or the one entry) and becomes a `ReplicationRejected` event.

use netscene_variant::{
    DecodeOptions, NodePath, StringName, Variant, decode_and_decompress_variant,
};

use super::config::SceneReplicationConfig;
use super::error::ReplicationError;
use super::spawner::SpawnRequest;
use super::state::{RemoteSpawn, is_stale};
use super::sync_index::SyncRootIndex;
use super::tracked::TrackedSpawn;
use super::values::{apply_values, decode_values, is_valid_node_name, sync_root};
use super::wire::{self, Spawn, SyncEntries, SyncEntry};
use crate::api::MultiplayerEvent;
use crate::peer::PeerId;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree, TreeError};

const PATH_NET_ID_FLAG: u32 = 0x8000_0000;

impl SceneMultiplayer {
    /// A SPAWN, DESPAWN or SYNC packet (`data[0] & 7` is 4, 5 or 6).
    pub(crate) fn process_replication(&mut self, tree: &mut SceneTree, from: PeerId, data: &[u8]) {
        let result = match data.first().map(|b| b & crate::wire::CMD_MASK) {
            Some(wire::SPAWN) => self.receive_spawn(tree, from, data),
            Some(wire::DESPAWN) => self.receive_despawn(tree, from, data),
            _ => self.receive_sync(tree, from, data),
        };
        if let Err(error) = result {
            self.reject_replication(from, error);
        }
    }

    pub(crate) fn reject_replication(&mut self, from: PeerId, error: ReplicationError) {
        tracing::warn!(peer = from, "dropped replication packet: {error}");
        self.reject_event(MultiplayerEvent::ReplicationRejected { from, error });
    }

    pub(crate) fn push_replication_event(&mut self, event: MultiplayerEvent) {
        if self.replication.queued_events < super::state::MAX_QUEUED_REPLICATION_EVENTS {
            self.replication.queued_events += 1;
            self.push_event(event);
        } else {
            tracing::debug!("replication event queue full; {event:?} not queued");
        }
    }

    /// Removes the nodes spawned here by peers that left (Godot frees them, without a
    /// `despawned` signal).
    pub(crate) fn free_orphan_spawns(&mut self, tree: &mut SceneTree) {
        for spawn in std::mem::take(&mut self.replication.orphans) {
            untrack_and_remove(tree, spawn.spawner, spawn.node);
        }
    }

    fn receive_spawn(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        data: &[u8],
    ) -> Result<(), ReplicationError> {
        let spawn = Spawn::parse(data)?;
        let spawner_node = self
            .cache
            .resolve_recv(tree, &self.root_path, from, spawn.spawner_cache_id)
            .map_err(ReplicationError::Cache)?;
        let node = tree
            .node(spawner_node)
            .ok_or(ReplicationError::NotASpawner)?;
        let authority = node.authority;
        let spawner = node
            .spawner
            .as_deref()
            .ok_or(ReplicationError::NotASpawner)?;
        if authority != from {
            return Err(ReplicationError::NotAuthority {
                sender: from,
                authority,
            });
        }
        let name = std::str::from_utf8(spawn.name)
            .map_err(|_| ReplicationError::invalid_name(&String::from_utf8_lossy(spawn.name)))?;
        if !is_valid_node_name(name) {
            return Err(ReplicationError::invalid_name(name));
        }
        let parent = tree
            .resolve_node_path(spawner_node, &spawner.spawn_path)
            .ok_or(ReplicationError::Tree(TreeError::NodeNotFound))?;
        if tree.child_by_name(parent, name).is_some() {
            return Err(ReplicationError::Tree(TreeError::NameTaken(
                StringName::new(name),
            )));
        }
        // Counted only under a limit: a walk over every tracked node per spawn.
        if spawner.spawn_limit > 0 && spawner.live_spawns(tree) >= spawner.spawn_limit as usize {
            return Err(ReplicationError::SpawnLimit(spawner.spawn_limit));
        }
        if self
            .replication
            .remote_spawns
            .get(&(from, spawn.net_id))
            .is_some_and(|s| tree.node(s.node).is_some())
        {
            return Err(ReplicationError::DuplicateNetId(spawn.net_id));
        }
        let factory = spawner
            .factory(spawn.scene_id)
            .ok_or(ReplicationError::UnknownScene(spawn.scene_id))?;
        let data_arg = match spawn.arg {
            Some(arg) => {
                decode_and_decompress_variant(arg, &DecodeOptions::default())
                    .map_err(ReplicationError::Value)?
                    .0
            }
            None => Variant::Nil,
        };
        let request = SpawnRequest {
            parent,
            name: StringName::new(name),
            data: data_arg.clone(),
        };
        let spawned = factory(tree, &request).map_err(ReplicationError::Tree)?;
        if let Err(error) = self.finish_remote_spawn(tree, from, &spawn, &request, spawned) {
            if tree.node(spawned).is_some() {
                let _ = tree.remove_node(spawned);
            }
            return Err(error);
        }
        if let Some(role) = tree
            .node_mut(spawner_node)
            .and_then(|n| n.spawner.as_deref_mut())
        {
            role.tracked
                .push(TrackedSpawn::new(spawned, spawn.scene_id, data_arg));
        }
        self.replication.remote_owner.insert(spawned, from);
        let replaced = self.replication.remote_spawns.insert(
            (from, spawn.net_id),
            RemoteSpawn {
                node: spawned,
                spawner: spawner_node,
                sync_ids: spawn.sync_ids().collect(),
            },
        );
        // The net id of a node removed here without a DESPAWN, used again.
        if let Some(old) = replaced {
            self.replication.remote_owner.remove(&old.node);
            self.replication.forget_dead_syncs(tree, from, &old);
        }
        self.push_replication_event(MultiplayerEvent::Spawned {
            spawner: spawner_node,
            node: spawned,
        });
        Ok(())
    }

    /// Checks what the factory built and applies the synchronizer ids and spawn state.
    fn finish_remote_spawn(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        spawn: &Spawn<'_>,
        request: &SpawnRequest,
        spawned: NodeId,
    ) -> Result<(), ReplicationError> {
        let built = tree
            .node(spawned)
            .ok_or(ReplicationError::Tree(TreeError::NodeNotFound))?;
        if built.parent != Some(request.parent) || built.name != request.name {
            tracing::error!("a spawn factory must add a child named as requested under the parent");
            return Err(ReplicationError::invalid_name(request.name.as_str()));
        }
        // Only the synchronizers the spawning peer owns take part (as in Godot).
        let syncs: Vec<NodeId> = SyncRootIndex::synchronizers_of(tree, spawned)
            .into_iter()
            .filter(|&s| tree.get_multiplayer_authority(s) == from)
            .collect();
        if syncs.len() != spawn.sync_count() {
            return Err(ReplicationError::SynchronizerCount {
                sent: spawn.sync_count() as u32,
                local: syncs.len(),
            });
        }
        // Decode every state first: a bad one spawns nothing.
        let mut at = 0;
        let mut states = Vec::with_capacity(syncs.len());
        for &sync in &syncs {
            let count = tree
                .node(sync)
                .and_then(|n| n.synchronizer.as_deref())
                .map_or(0, |s| s.config.spawn_properties().count());
            let (values, used) = decode_values(&spawn.state[at..], count)?;
            at += used;
            states.push((sync, values));
        }
        for ((sync, values), net_id) in states.into_iter().zip(spawn.sync_ids()) {
            if let Some(root) = sync_root(tree, sync)
                && let Some(role) = tree.node_mut(sync).and_then(|n| n.synchronizer.take())
            {
                // Lent out while storing, as in `apply_sync_entry`.
                let unresolved = apply_values(tree, root, role.config.spawn_properties(), values);
                if let Some(node) = tree.node_mut(sync) {
                    node.synchronizer = Some(role);
                }
                self.report_unresolved(sync, unresolved);
            }
            self.replication.remote_syncs.insert((from, net_id), sync);
        }
        Ok(())
    }

    fn receive_despawn(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        data: &[u8],
    ) -> Result<(), ReplicationError> {
        let net_id = wire::parse_despawn(data)?;
        let spawner = self
            .replication
            .remote_spawns
            .get(&(from, net_id))
            .ok_or(ReplicationError::UnknownNetId(net_id))?
            .spawner;
        let authority = tree.get_multiplayer_authority(spawner);
        if authority != from {
            return Err(ReplicationError::NotAuthority {
                sender: from,
                authority,
            });
        }
        let Some(spawn) = self.replication.remote_spawns.remove(&(from, net_id)) else {
            return Err(ReplicationError::UnknownNetId(net_id));
        };
        self.replication.remote_owner.remove(&spawn.node);
        untrack_and_remove(tree, spawn.spawner, spawn.node);
        self.replication.forget_dead_syncs(tree, from, &spawn);
        self.push_replication_event(MultiplayerEvent::Despawned {
            spawner: spawn.spawner,
            node: spawn.node,
        });
        Ok(())
    }

    fn receive_sync(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        data: &[u8],
    ) -> Result<(), ReplicationError> {
        if data.len() < wire::MIN_SYNC_SIZE {
            return Err(ReplicationError::Truncated {
                what: "SYNC",
                len: data.len(),
                need: wire::MIN_SYNC_SIZE as u64,
            });
        }
        let delta = data[0] == wire::DELTA_SYNC;
        let time = u16::from_le_bytes([data[1], data[2]]);
        for entry in SyncEntries::new(data, delta) {
            let entry = entry?;
            if let Err(error) = self.apply_sync_entry(tree, from, entry, (!delta).then_some(time)) {
                self.reject_replication(from, error);
            }
        }
        Ok(())
    }

    /// One SYNC entry (`time` is `None` for delta entries).
    fn apply_sync_entry(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        entry: SyncEntry<'_>,
        time: Option<u16>,
    ) -> Result<(), ReplicationError> {
        let sync = if entry.net_id & PATH_NET_ID_FLAG != 0 {
            self.cache
                .resolve_recv(
                    tree,
                    &self.root_path,
                    from,
                    entry.net_id & !PATH_NET_ID_FLAG,
                )
                .ok()
        } else {
            self.replication
                .remote_syncs
                .get(&(from, entry.net_id))
                .copied()
        };
        // Unknown synchronizers are skipped silently, as in Godot (e.g. a sync overtaking
        // its spawn, or one for a node already despawned).
        let Some(sync) = sync else {
            return Ok(());
        };
        let Some(node) = tree.node(sync) else {
            return Ok(());
        };
        let Some(role) = node.synchronizer.as_deref() else {
            return Err(ReplicationError::NotASynchronizer);
        };
        if node.authority != from {
            return Err(ReplicationError::NotAuthority {
                sender: from,
                authority: node.authority,
            });
        }
        let mask = time.is_none().then_some(entry.mask);
        let count = entry_paths(&role.config, mask).count();
        if let Some(time) = time
            && let Some(&last) = self.replication.inbound_time.get(&sync)
            && is_stale(time, last)
        {
            // An older state overtaken by a newer one: skipped, as in Godot.
            tracing::debug!(peer = from, time, last, "stale sync skipped");
            return Ok(());
        }
        if time.is_none() && count == 0 {
            return Err(ReplicationError::EmptyDelta(entry.mask));
        }
        let (values, used) = decode_values(entry.state, count)?;
        if time.is_none() && used != entry.state.len() {
            return Err(ReplicationError::StateSize {
                size: entry.state.len(),
                used,
            });
        }
        if let Some(time) = time {
            self.replication.inbound_time.insert(sync, time);
        }
        if let Some(root) = sync_root(tree, sync) {
            // The role is lent out while the values are stored, so its paths need no copy
            // (storing a property never looks at synchronizer roles).
            if let Some(role) = tree.node_mut(sync).and_then(|n| n.synchronizer.take()) {
                let unresolved = apply_values(tree, root, entry_paths(&role.config, mask), values);
                if let Some(node) = tree.node_mut(sync) {
                    node.synchronizer = Some(role);
                }
                self.report_unresolved(sync, unresolved);
            }
        }
        self.push_replication_event(match time {
            Some(_) => MultiplayerEvent::Synchronized { synchronizer: sync },
            None => MultiplayerEvent::DeltaSynchronized { synchronizer: sync },
        });
        Ok(())
    }
}

/// The properties of a SYNC entry: the sync list, or (`mask` of a delta entry) the watched
/// properties whose bit is set.
fn entry_paths(
    config: &SceneReplicationConfig,
    mask: Option<u64>,
) -> impl Iterator<Item = &NodePath> {
    let (full, delta) = match mask {
        None => (Some(config.sync_properties()), None),
        Some(mask) => (
            None,
            Some(
                config
                    .watch_properties()
                    .enumerate()
                    .filter(move |(i, _)| mask & (1u64 << i) != 0)
                    .map(|(_, p)| p),
            ),
        ),
    };
    full.into_iter()
        .flatten()
        .chain(delta.into_iter().flatten())
}

/// Stops `spawner` tracking `node` and removes `node` from the tree if it is still there.
fn untrack_and_remove(tree: &mut SceneTree, spawner: NodeId, node: NodeId) {
    if let Some(role) = tree
        .node_mut(spawner)
        .and_then(|n| n.spawner.as_deref_mut())
    {
        role.tracked.remove(node);
    }
    if tree.node(node).is_some() {
        let _ = tree.remove_node(node);
    }
}
