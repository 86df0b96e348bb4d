//! `MultiplayerSpawner`: a node role that replicates the spawning of children of its
//! `spawn_path` (spec D.2–D.4).

use std::sync::Arc;

use netscene_variant::{NodePath, StringName, Variant};

use super::tracked::TrackedSpawns;
use crate::tree::{NodeId, SceneTree, TreeError};

/// What a spawn factory must build: a child of `parent` named `name`.
#[derive(Debug, Clone)]
pub struct SpawnRequest {
    /// The spawn parent (the node at the spawner's `spawn_path`).
    pub parent: NodeId,
    /// The name the new child must have.
    pub name: StringName,
    /// The custom spawn argument (`Nil` for spawnable scenes).
    pub data: Variant,
}

/// Builds a spawned subtree: adds the child `request.name` under `request.parent` (with its
/// properties, RPCs and synchronizers) and returns it. It runs on the authority and on every
/// peer that receives the spawn, so it must build the same subtree everywhere. Godot's
/// spawnable `PackedScene` and `spawn_function`.
///
/// The nodes it adds start with multiplayer authority 1, as every new node in Godot and in
/// [`SceneTree::add_child`] (authority is not inherited, also under a parent another peer
/// owns): the spawner's authority lists in the SPAWN only the synchronizers it owns, and the
/// receiver must find the same ones. Set another authority in the factory, as a Godot
/// `spawn_function` does.
pub type SpawnFunction =
    Arc<dyn Fn(&mut SceneTree, &SpawnRequest) -> Result<NodeId, TreeError> + Send + Sync>;

/// Scene id of a custom spawn (`spawn_function`) on the wire.
pub const CUSTOM_SPAWN_SCENE_ID: u8 = 0xFF;

/// Godot's `MultiplayerSpawner`, attached to a node with
/// [`SceneTree::set_spawner`](crate::SceneTree::set_spawner).
///
/// The spawner's multiplayer authority spawns with
/// [`SceneTree::spawn_scene`](crate::SceneTree::spawn_scene) or
/// [`SceneTree::spawn`](crate::SceneTree::spawn); every peer that can see the new node gets a
/// SPAWN and builds the same subtree with the same factory. Removing the node on the
/// authority despawns it everywhere.
#[derive(Clone)]
pub struct MultiplayerSpawner {
    pub(crate) spawn_path: NodePath,
    pub(crate) scenes: Vec<(String, SpawnFunction)>,
    pub(crate) spawn_function: Option<SpawnFunction>,
    pub(crate) spawn_limit: u32,
    /// Children spawned through this spawner (locally or from the wire); dead ones are
    /// dropped on the next network frame.
    pub(crate) tracked: TrackedSpawns,
}

impl std::fmt::Debug for MultiplayerSpawner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiplayerSpawner")
            .field("spawn_path", &self.spawn_path)
            .field(
                "scenes",
                &self.scenes.iter().map(|s| &s.0).collect::<Vec<_>>(),
            )
            .field("spawn_function", &self.spawn_function.is_some())
            .field("spawn_limit", &self.spawn_limit)
            .field("tracked", &self.tracked)
            .finish()
    }
}

impl MultiplayerSpawner {
    /// A spawner whose spawn parent is `spawn_path`, relative to the spawner node (Godot's
    /// default `""` would name nothing; `".."` is the spawner's parent).
    pub fn new(spawn_path: &str) -> Self {
        Self {
            spawn_path: NodePath::new(spawn_path),
            scenes: Vec::new(),
            spawn_function: None,
            spawn_limit: 0,
            tracked: TrackedSpawns::default(),
        }
    }

    /// `add_spawnable_scene(path)`: `factory` builds the scene; its index is the scene id.
    /// At most 255 scenes (id 0xFF means a custom spawn).
    pub fn add_spawnable_scene(
        &mut self,
        name: impl Into<String>,
        factory: impl Fn(&mut SceneTree, &SpawnRequest) -> Result<NodeId, TreeError>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        if self.scenes.len() < usize::from(CUSTOM_SPAWN_SCENE_ID) {
            self.scenes.push((name.into(), Arc::new(factory)));
        } else {
            tracing::error!("a spawner holds at most 255 spawnable scenes");
        }
        self
    }

    /// `clear_spawnable_scenes()` (does not despawn anything).
    pub fn clear_spawnable_scenes(&mut self) {
        self.scenes.clear();
    }

    /// `get_spawnable_scene(index)`: the scene's name.
    pub fn get_spawnable_scene(&self, index: usize) -> Option<&str> {
        self.scenes.get(index).map(|s| s.0.as_str())
    }

    /// `get_spawnable_scene_count()`.
    pub fn get_spawnable_scene_count(&self) -> usize {
        self.scenes.len()
    }

    /// `spawn_function`: builds custom spawns from the argument given to `spawn`.
    pub fn set_spawn_function(
        &mut self,
        function: impl Fn(&mut SceneTree, &SpawnRequest) -> Result<NodeId, TreeError>
        + Send
        + Sync
        + 'static,
    ) -> &mut Self {
        self.spawn_function = Some(Arc::new(function));
        self
    }

    /// `spawn_limit` (0 = no limit; counts scene and custom spawns).
    pub fn get_spawn_limit(&self) -> u32 {
        self.spawn_limit
    }

    /// Sets `spawn_limit`.
    pub fn set_spawn_limit(&mut self, limit: u32) -> &mut Self {
        self.spawn_limit = limit;
        self
    }

    /// `spawn_path`, relative to the spawner node.
    pub fn get_spawn_path(&self) -> &NodePath {
        &self.spawn_path
    }

    /// The nodes this spawner spawned (or received), oldest first.
    pub fn tracked_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.tracked.iter().map(|t| t.node)
    }

    /// The tracked nodes still in the tree (what `spawn_limit` counts).
    pub(crate) fn live_spawns(&self, tree: &SceneTree) -> usize {
        self.tracked
            .iter()
            .filter(|t| tree.node(t.node).is_some())
            .count()
    }

    /// The factory for a scene id (0xFF: the spawn function).
    pub(crate) fn factory(&self, scene_id: u8) -> Option<SpawnFunction> {
        if scene_id == CUSTOM_SPAWN_SCENE_ID {
            self.spawn_function.clone()
        } else {
            self.scenes.get(usize::from(scene_id)).map(|s| s.1.clone())
        }
    }
}
