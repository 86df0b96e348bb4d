//! A small game for the replication tests: in every branch `Game/Players` (the spawn
//! parent) and `Game/Spawner` whose scene 0 "player" builds `Player` with `position`
//! (Vector2, ALWAYS) and `hp` (int, ON_CHANGE) replicated by a child `Sync`.
#![allow(dead_code)]

use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig,
};
use netscene::variant::Vector2;
use netscene::{MultiplayerEvent, NodeId, SceneTree, SpawnRequest, TreeError, Variant};

pub fn player_config() -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1);
    config.add_property(":hp", -1);
    config.property_set_replication_mode(":hp", ReplicationMode::OnChange);
    config
}

/// Scene 0: a player with a synchronizer.
pub fn build_player(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let node = tree.node_mut(player).ok_or(TreeError::NodeNotFound)?;
    node.set_property("position", Variant::Vector2(Vector2::new(0.0, 0.0)));
    node.set_property("hp", Variant::Int(100));
    let sync = tree.add_child(player, "Sync")?;
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(player_config()))?;
    Ok(player)
}

/// Scene 1: a bare node (no synchronizer).
pub fn build_marker(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    tree.add_child(request.parent, request.name.clone())
}

/// Adds `Game/Players` and `Game/Spawner` under `branch` and returns the spawner.
pub fn add_game(tree: &mut SceneTree, branch: &str) -> NodeId {
    tree.add_path(&format!("{branch}/Game/Players")).unwrap();
    let spawner = tree.add_path(&format!("{branch}/Game/Spawner")).unwrap();
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("player", build_player)
        .add_spawnable_scene("marker", build_marker);
    tree.set_spawner(spawner, role).unwrap();
    spawner
}

pub fn position(tree: &SceneTree, node: NodeId) -> Option<Vector2> {
    match tree.node(node)?.get_property("position")? {
        Variant::Vector2(v) => Some(*v),
        _ => None,
    }
}

pub fn set_position(tree: &mut SceneTree, node: NodeId, x: f32, y: f32) {
    tree.node_mut(node)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(x, y)));
}

pub fn count(events: &[MultiplayerEvent], pred: impl Fn(&MultiplayerEvent) -> bool) -> usize {
    events.iter().filter(|e| pred(e)).count()
}
