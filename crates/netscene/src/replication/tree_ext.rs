//! The scene-side API of replication: attaching spawner / synchronizer roles to nodes and
//! spawning on the authority.

use netscene_variant::{StringName, Variant};

use super::configuration::ReplicationObject;
use super::spawner::{CUSTOM_SPAWN_SCENE_ID, MultiplayerSpawner, SpawnRequest};
use super::sync_index::SyncRootIndex;
use super::synchronizer::MultiplayerSynchronizer;
use super::tracked::TrackedSpawn;
use super::values::sync_root;
use crate::error::MultiplayerError;
use crate::tree::{NodeId, SceneTree, TreeError};

impl SceneTree {
    /// Makes `node` a MultiplayerSpawner (replacing an earlier spawner role).
    pub fn set_spawner(
        &mut self,
        node: NodeId,
        spawner: MultiplayerSpawner,
    ) -> Result<(), TreeError> {
        let role = &mut self.node_mut(node).ok_or(TreeError::NodeNotFound)?.spawner;
        // A node with a role is listed already (the lists only drop nodes without one).
        if role.replace(Box::new(spawner)).is_none() {
            self.spawners.push(node);
        }
        Ok(())
    }

    /// Makes `node` a MultiplayerSynchronizer. A spawned subtree must attach its
    /// synchronizers in the same order on every peer (their net ids are listed in that order).
    /// The authority evaluates its visibility for every peer at the next network frame.
    ///
    /// The API serving `node` gets `object_configuration_add(root, Synchronizer(node))` (a
    /// [`ReplicationObject`]; `root` is the synchronizer's root node when it resolves), as
    /// Godot's synchronizer entering the tree; removing the node calls
    /// `object_configuration_remove`.
    pub fn set_synchronizer(
        &mut self,
        node: NodeId,
        mut synchronizer: MultiplayerSynchronizer,
    ) -> Result<(), TreeError> {
        // A clone of a running role starts over too (Godot re-evaluates on enter_tree).
        synchronizer.visibility_started = false;
        synchronizer.root_watch = self.sync_index.watch();
        let role = &mut self
            .node_mut(node)
            .ok_or(TreeError::NodeNotFound)?
            .synchronizer;
        if role.replace(Box::new(synchronizer)).is_none() {
            self.synchronizers.push(node);
        }
        SyncRootIndex::attach(self, node);
        let root = sync_root(self, node);
        self.configure_replication_for(node, true, root, ReplicationObject::Synchronizer(node));
        Ok(())
    }

    /// The spawner role of `node`, mutable (scenes, spawn function, limit).
    pub fn spawner_mut(&mut self, node: NodeId) -> Option<&mut MultiplayerSpawner> {
        self.node_mut(node)?.spawner.as_deref_mut()
    }

    /// The synchronizer role of `node`, mutable (visibility, intervals, config).
    pub fn synchronizer_mut(&mut self, node: NodeId) -> Option<&mut MultiplayerSynchronizer> {
        self.node_mut(node)?.synchronizer.as_deref_mut()
    }

    /// Spawns spawnable scene `scene_id` of `spawner` as a child named `name` of its spawn
    /// path (Godot: the authority adds an instance of a spawnable scene).
    ///
    /// The API serving the spawner gets `object_configuration_add(node, Spawner(spawner))`
    /// (a [`ReplicationObject`]), as from Godot's spawner. Peers that can see the node receive
    /// its SPAWN before the next RPC sent through that API, at the latest at its next `poll`
    /// (called from a handler of that API: at the end of its next `poll`).
    pub fn spawn_scene(
        &mut self,
        spawner: NodeId,
        scene_id: u8,
        name: impl Into<StringName>,
    ) -> Result<NodeId, MultiplayerError> {
        if scene_id == CUSTOM_SPAWN_SCENE_ID {
            return Err(MultiplayerError::InvalidParameter(
                "scene id 255 is reserved for custom spawns".into(),
            ));
        }
        self.spawn_with(spawner, scene_id, name.into(), Variant::Nil)
    }

    /// Godot's `MultiplayerSpawner.spawn(data)`: builds a child named `name` with the spawn
    /// function and replicates it with `data` (scene id 0xFF).
    pub fn spawn(
        &mut self,
        spawner: NodeId,
        name: impl Into<StringName>,
        data: Variant,
    ) -> Result<NodeId, MultiplayerError> {
        self.spawn_with(spawner, CUSTOM_SPAWN_SCENE_ID, name.into(), data)
    }

    fn spawn_with(
        &mut self,
        spawner: NodeId,
        scene_id: u8,
        name: StringName,
        data: Variant,
    ) -> Result<NodeId, MultiplayerError> {
        let invalid = |what: &str| MultiplayerError::InvalidParameter(what.to_owned());
        if !self.is_branch_lent(spawner) && !self.is_multiplayer_authority(spawner) {
            return Err(invalid(
                "only the spawner's multiplayer authority can spawn",
            ));
        }
        let node = self.node(spawner).ok_or(MultiplayerError::InvalidNode)?;
        let role = node
            .spawner
            .as_deref()
            .ok_or_else(|| invalid("node is not a spawner"))?;
        // Counted only under a limit: a walk over every tracked node per spawn.
        if role.spawn_limit > 0 && role.live_spawns(self) >= role.spawn_limit as usize {
            return Err(invalid("spawn limit reached"));
        }
        let factory = role
            .factory(scene_id)
            .ok_or_else(|| invalid("no such spawnable scene (or no spawn function)"))?;
        let parent = self
            .resolve_node_path(spawner, &role.spawn_path)
            .ok_or_else(|| invalid("spawn path does not name a node"))?;
        let request = SpawnRequest {
            parent,
            name: name.clone(),
            data: data.clone(),
        };
        let child = factory(self, &request).map_err(|e| invalid(&format!("spawn failed: {e}")))?;
        let built = self.node(child).ok_or(MultiplayerError::InvalidNode)?;
        if built.parent != Some(parent) || built.name != name {
            let _ = self.remove_node(child);
            return Err(invalid(
                "the spawn factory must add a child named as requested under the parent",
            ));
        }
        if let Some(role) = self.spawner_mut(spawner) {
            role.tracked.push(TrackedSpawn::new(child, scene_id, data));
        }
        self.configure_replication_for(
            spawner,
            true,
            Some(child),
            ReplicationObject::Spawner(spawner),
        );
        Ok(child)
    }
}
