//! The server's arena: one avatar per admitted peer, moved by its `move` RPCs, scored, named
//! from the lobby and despawned when the peer leaves.

use std::collections::{BTreeMap, HashSet};

use netscene::variant::Vector2i;
use netscene::{NodeId, PeerId, SceneTree, Variant};

use super::{
    ARENA_PATH, Cell, MOVE_METHOD, SPAWN_CELLS, add_arena_nodes, build_player, move_config,
};
use crate::lobby::ServerLobby;

/// The arena's nodes on the server.
#[derive(Debug, Clone, Copy)]
pub struct ServerArenaNodes {
    /// `/root/Arena` (its state is a [`ServerArena`]).
    pub arena: NodeId,
    /// `/root/Arena/PlayerSpawner`.
    pub spawner: NodeId,
}

/// One player's avatar on the server.
#[derive(Debug)]
pub struct ArenaPlayer {
    /// The spawned avatar node.
    pub node: NodeId,
    /// The avatar's cell.
    pub cell: Cell,
    /// Cells the avatar has been on (the spawn cell included).
    pub visited: HashSet<Cell>,
    /// The name last copied onto the avatar.
    pub name: String,
}

impl ArenaPlayer {
    /// Cells entered for the first time: the avatar's `score`.
    pub fn score(&self) -> i64 {
        self.visited.len() as i64 - 1
    }
}

/// The server's arena state, kept on the arena node.
#[derive(Debug, Default)]
pub struct ServerArena {
    /// Every admitted peer's avatar.
    pub players: BTreeMap<PeerId, ArenaPlayer>,
    /// Avatars spawned so far (picks the next spawn cell).
    pub spawned: u64,
    /// `move` calls handled.
    pub moves_received: u64,
    /// The cell of the avatar being spawned, read by [`spawn_player`].
    spawning_at: Option<Cell>,
}

/// The server's scene 0: [`build_player`], placed on the cell [`server_peer_joined`] chose.
/// The position must be set here, before the SPAWN goes out, so the spawn state carries it
/// (as a Godot server sets `position` before `add_child`).
fn spawn_player(
    tree: &mut SceneTree,
    request: &netscene::SpawnRequest,
) -> Result<NodeId, netscene::TreeError> {
    let player = build_player(tree, request)?;
    let cell = tree
        .get_node(ARENA_PATH)
        .and_then(|arena| tree.node(arena))
        .and_then(|arena| arena.state::<ServerArena>())
        .and_then(|state| state.spawning_at);
    if let (Some(cell), Some(avatar)) = (cell, tree.node_mut(player)) {
        avatar.set_property("position", Variant::Vector2(cell.position()));
    }
    Ok(player)
}

/// Adds `/root/Arena`, its players node and spawner, and the server's `move` handler.
pub fn install_server(tree: &mut SceneTree) -> ServerArenaNodes {
    let (arena, spawner) = add_arena_nodes(tree, spawn_player);
    tree.node_mut(arena)
        .expect("just added")
        .set_state(ServerArena::default());
    tree.on_rpc(
        arena,
        MOVE_METHOD,
        move_config(),
        |ctx, (direction,): (Vector2i,)| {
            let from = ctx.remote_sender_id();
            let Some(state) = ctx.state_mut::<ServerArena>() else {
                return;
            };
            state.moves_received += 1;
            // A peer whose avatar is gone (or never came) has nothing to move.
            let Some(player) = state.players.get_mut(&from) else {
                return;
            };
            player.cell = player.cell.step(direction);
            player.visited.insert(player.cell);
            let (node, cell, score) = (player.node, player.cell, player.score());
            if let Some(avatar) = ctx.tree().node_mut(node) {
                avatar.set_property("position", Variant::Vector2(cell.position()));
                avatar.set_property("score", Variant::Int(score));
            }
            tracing::info!(
                peer = from,
                x = cell.position().x,
                y = cell.position().y,
                score,
                "player moved"
            );
        },
    )
    .expect("arena node");
    ServerArenaNodes { arena, spawner }
}

/// Spawns the avatar of a peer the server just admitted (named after its id, on the next
/// spawn cell); every peer that can see it gets the SPAWN.
pub fn server_peer_joined(tree: &mut SceneTree, nodes: ServerArenaNodes, peer: PeerId) {
    let Some(state) = tree
        .node_mut(nodes.arena)
        .and_then(|node| node.state_mut::<ServerArena>())
    else {
        return;
    };
    if state.players.contains_key(&peer) {
        return;
    }
    let cell = SPAWN_CELLS[(state.spawned % SPAWN_CELLS.len() as u64) as usize];
    state.spawned += 1;
    state.spawning_at = Some(cell);
    let spawned = tree.spawn_scene(nodes.spawner, 0, peer.to_string());
    let Some(state) = tree
        .node_mut(nodes.arena)
        .and_then(|node| node.state_mut::<ServerArena>())
    else {
        return;
    };
    state.spawning_at = None;
    let node = match spawned {
        Ok(node) => node,
        Err(error) => {
            tracing::warn!(peer, %error, "cannot spawn the avatar");
            return;
        }
    };
    let player = ArenaPlayer {
        node,
        cell,
        visited: HashSet::from([cell]),
        name: String::new(),
    };
    state.players.insert(peer, player);
    tracing::info!(
        peer,
        x = cell.position().x,
        y = cell.position().y,
        "player spawned"
    );
}

/// Despawns a peer's avatar (removing it on the authority sends the DESPAWN).
pub fn server_peer_left(tree: &mut SceneTree, nodes: ServerArenaNodes, peer: PeerId) {
    let Some(player) = tree
        .node_mut(nodes.arena)
        .and_then(|node| node.state_mut::<ServerArena>())
        .and_then(|state| state.players.remove(&peer))
    else {
        return;
    };
    if tree.remove_node(player.node).is_ok() {
        tracing::info!(peer, "player despawned");
    }
}

/// Copies each player's lobby name onto its avatar when it changed (registration happens
/// at any time, possibly before the avatar exists). Cheap enough to run every server loop:
/// one map lookup and one string comparison per player.
pub fn server_sync_names(tree: &mut SceneTree, nodes: ServerArenaNodes, lobby: NodeId) {
    let Some(names) = tree
        .node(lobby)
        .and_then(|node| node.state::<ServerLobby>())
        .map(|lobby| &lobby.players)
    else {
        return;
    };
    let Some(state) = tree
        .node(nodes.arena)
        .and_then(|node| node.state::<ServerArena>())
    else {
        return;
    };
    let renamed: Vec<(PeerId, NodeId, String)> = state
        .players
        .iter()
        .filter_map(|(peer, player)| {
            let name = names.get(peer)?;
            (*name != player.name).then(|| (*peer, player.node, name.clone()))
        })
        .collect();
    for (peer, node, name) in renamed {
        if let Some(avatar) = tree.node_mut(node) {
            avatar.set_property("player_name", Variant::String(name.clone()));
        }
        tracing::info!(peer, %name, "player named");
        if let Some(player) = tree
            .node_mut(nodes.arena)
            .and_then(|node| node.state_mut::<ServerArena>())
            .and_then(|state| state.players.get_mut(&peer))
        {
            player.name = name;
        }
    }
}
