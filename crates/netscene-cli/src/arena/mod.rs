//! The replicated arena of `netscene serve --game arena`: the contract between the server and
//! `examples/godot-arena-client/` (a Godot 4 project), described in full in that project's
//! README.
//!
//! Nodes, the same on every peer (wire paths are relative to `/root`):
//! * `/root/Arena` ([`ARENA_PATH`]) declares one RPC, `move(direction: Vector2i)`: any_peer,
//!   call_remote, reliable, channel 0 (client → server). The server steps the sender's avatar
//!   one cell along each non-zero axis of `direction`.
//! * `/root/Arena/Players` ([`PLAYERS_PATH`]): the avatars' parent.
//! * `/root/Arena/PlayerSpawner` ([`SPAWNER_PATH`]): a MultiplayerSpawner with spawn path
//!   `../Players` and one spawnable scene, `res://player.tscn` (scene id 0). The server (its
//!   authority) adds one avatar per admitted peer, named after the peer id.
//! * An avatar ([`build_player`], Godot's `player.tscn`): a 2D node with `position`,
//!   `score` and `player_name`, and a child `MultiplayerSynchronizer` (root path `..`) whose
//!   config lists, in this order: `.:position` (ALWAYS), `.:score` (ON_CHANGE),
//!   `.:player_name` (ON_CHANGE), all three in the spawn state.
//!
//! The names come from the lobby (`/root/Lobby`, [`crate::lobby`]): a client registers there
//! and the server copies the name onto its avatar.

// The netscene side of a client; only the tests play it so far (`netscene connect` speaks
// the lobby alone).
#[cfg(test)]
pub mod client;
pub mod server;

#[cfg(test)]
mod tests;

use netscene::replication::MultiplayerSpawner;
use netscene::variant::{Vector2, Vector2i};
use netscene::{
    MultiplayerSynchronizer, NodeId, ReplicationMode, RpcConfig, SceneReplicationConfig, SceneTree,
    SpawnRequest, TreeError, Variant,
};

/// Absolute path of the arena node.
pub const ARENA_PATH: &str = "/root/Arena";
/// The avatars' parent (the spawner's spawn path).
pub const PLAYERS_PATH: &str = "/root/Arena/Players";
/// The avatars' MultiplayerSpawner.
pub const SPAWNER_PATH: &str = "/root/Arena/PlayerSpawner";
/// The spawner's only spawnable scene (scene id 0), as the Godot project names it.
pub const PLAYER_SCENE: &str = "res://player.tscn";
/// Name of the avatar's synchronizer child (the Godot editor's default name).
pub const SYNCHRONIZER_NAME: &str = "MultiplayerSynchronizer";
/// The RPC a client calls to move its avatar.
pub const MOVE_METHOD: &str = "move";

/// The avatar's replicated properties, in synchronizer config order (that order is the
/// order of the values on the wire).
pub const POSITION: &str = ".:position";
/// The avatar's score: cells it entered for the first time.
pub const SCORE: &str = ".:score";
/// The avatar's name, copied from the lobby registration.
pub const PLAYER_NAME: &str = ".:player_name";

/// Seconds between two ALWAYS syncs of an avatar's position (20 per second): a tick rate,
/// where Godot's default 0 would send at every server poll.
pub const REPLICATION_INTERVAL: f64 = 0.05;

/// Side of a grid cell, in pixels.
pub const CELL_SIZE: f32 = 32.0;
/// Cells across the arena.
pub const COLUMNS: i32 = 20;
/// Cells down the arena.
pub const ROWS: i32 = 15;
/// Where avatars appear, by join order (cycled).
pub const SPAWN_CELLS: [Cell; 5] = [
    Cell { x: 3, y: 3 },
    Cell { x: 16, y: 3 },
    Cell { x: 3, y: 11 },
    Cell { x: 16, y: 11 },
    Cell { x: 9, y: 7 },
];

/// A cell of the arena's grid (column `x`, row `y`; `y` grows downwards as in Godot 2D).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    /// Column, `0..COLUMNS`.
    pub x: i32,
    /// Row, `0..ROWS`.
    pub y: i32,
}

impl Cell {
    /// The cell one step along each non-zero axis of `direction`, kept inside the arena.
    /// Directions come from the network: any magnitude counts as one step.
    pub fn step(self, direction: Vector2i) -> Cell {
        Cell {
            x: (self.x + direction.x.signum()).clamp(0, COLUMNS - 1),
            y: (self.y + direction.y.signum()).clamp(0, ROWS - 1),
        }
    }

    /// The avatar position of this cell: its centre, in pixels.
    pub fn position(self) -> Vector2 {
        Vector2 {
            x: (self.x as f32 + 0.5) * CELL_SIZE,
            y: (self.y as f32 + 0.5) * CELL_SIZE,
        }
    }
}

/// The avatar synchronizer's config: [`POSITION`] ALWAYS, [`SCORE`] and [`PLAYER_NAME`]
/// ON_CHANGE, all in the spawn state (what `player.tscn`'s SceneReplicationConfig says).
pub fn player_replication_config() -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    for (path, mode) in [
        (POSITION, ReplicationMode::Always),
        (SCORE, ReplicationMode::OnChange),
        (PLAYER_NAME, ReplicationMode::OnChange),
    ] {
        config.add_property(path, -1);
        config.property_set_spawn(path, true);
        config.property_set_replication_mode(path, mode);
    }
    config
}

/// Scene 0 of the spawner, `player.tscn`: the avatar node (at the origin, score 0, no name)
/// and its synchronizer. Built the same way on the server and on netscene clients.
pub fn build_player(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let node = tree.node_mut(player).ok_or(TreeError::NodeNotFound)?;
    node.set_property("position", Variant::Vector2(Vector2::default()));
    node.set_property("score", Variant::Int(0));
    node.set_property("player_name", Variant::String(String::new()));
    let sync = tree.add_child(player, SYNCHRONIZER_NAME)?;
    let mut synchronizer = MultiplayerSynchronizer::new(player_replication_config());
    synchronizer.set_replication_interval(REPLICATION_INTERVAL);
    tree.set_synchronizer(sync, synchronizer)?;
    Ok(player)
}

/// `move`'s configuration: any peer may call it, reliably (a dropped step would leave the
/// avatar on the wrong cell).
pub fn move_config() -> RpcConfig {
    RpcConfig::any_peer()
}

/// Adds the arena's nodes (arena, players, spawner) without RPC handlers; `player_scene`
/// builds scene 0. Returns the arena and the spawner.
pub(crate) fn add_arena_nodes(
    tree: &mut SceneTree,
    player_scene: impl Fn(&mut SceneTree, &SpawnRequest) -> Result<NodeId, TreeError>
    + Send
    + Sync
    + 'static,
) -> (NodeId, NodeId) {
    let arena = tree.add_path(ARENA_PATH).expect("a fresh tree has /root");
    tree.add_path(PLAYERS_PATH).expect("arena node");
    let spawner = tree.add_path(SPAWNER_PATH).expect("arena node");
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene(PLAYER_SCENE, player_scene);
    tree.set_spawner(spawner, role).expect("spawner node");
    (arena, spawner)
}
