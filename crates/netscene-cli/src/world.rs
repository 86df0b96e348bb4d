//! The demo game's `/root/World` node: avatars the server owns, moved by the bots' inputs,
//! and bot-to-bot whispers through the server relay.
//!
//! * `input(dx: float, dy: float, sent_us: int)`: any_peer, unreliable_ordered, channel 1
//!   (client → server). The server moves the sender's avatar and calls `avatar_moved`.
//! * `avatar_moved(peer: int, position: Vector2, sent_us: int)`: authority, unreliable_ordered,
//!   channel 1 (server → every peer). `sent_us` echoes the input's send time, so a bot sees
//!   the full round trip of its own moves.
//! * `whisper(text: String)`: any_peer, reliable (client → client, relayed by the server).
//!
//! Replication: the server spawns each player's avatar (`Avatars/<peer id>`, through the
//! `AvatarSpawner` MultiplayerSpawner) and moves it; a MultiplayerSynchronizer on each avatar
//! replicates its `position`, and one on `Scoreboard` the number of moves handled.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use netscene::replication::MultiplayerSpawner;
use netscene::variant::Vector2;
use netscene::{
    MultiplayerSynchronizer, NodeId, PeerId, ReplicationMode, RpcConfig, SceneReplicationConfig,
    SceneTree, SpawnRequest, TransferMode, TreeError, Variant, args,
};

/// Absolute path of the world node.
pub const WORLD_PATH: &str = "/root/World";

/// Avatars stay inside this square (± half of it on each axis).
const ARENA: f32 = 100.0;

/// Microseconds since the process's first call: the clock `sent_us` uses (one process holds
/// the server and every bot, so the echo measures a true round trip).
pub fn now_us() -> i64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as i64
}

fn movement() -> RpcConfig {
    RpcConfig::any_peer()
        .transfer_mode(TransferMode::UnreliableOrdered)
        .channel(1)
}

fn avatar_updates() -> RpcConfig {
    RpcConfig::authority()
        .transfer_mode(TransferMode::UnreliableOrdered)
        .channel(1)
}

/// The server's world: avatar positions.
#[derive(Debug, Default)]
pub struct ServerWorld {
    /// Avatar position per peer.
    pub avatars: HashMap<PeerId, Vector2>,
    /// The spawned avatar node of each peer (its `position` is replicated).
    pub avatar_nodes: HashMap<PeerId, NodeId>,
    /// `input` calls handled.
    pub inputs_received: u64,
    /// `avatar_moved` deliveries sent.
    pub moves_sent: u64,
}

/// Adds `/root/World` with the server's handlers.
pub fn install_server(tree: &mut SceneTree) -> NodeId {
    let world = tree.add_path(WORLD_PATH).expect("a fresh tree has /root");
    tree.node_mut(world)
        .expect("just added")
        .set_state(ServerWorld::default());
    tree.on_rpc(
        world,
        "input",
        movement(),
        |ctx, (dx, dy, sent_us): (f32, f32, i64)| {
            let from = ctx.remote_sender_id();
            let peers = ctx.multiplayer().get_peers().len() as u64;
            let Some(state) = ctx.state_mut::<ServerWorld>() else {
                return;
            };
            let avatar = state.avatars.entry(from).or_default();
            // Inputs come from the network: clamp the step and keep avatars in the arena.
            avatar.x = (avatar.x + dx.clamp(-1.0, 1.0)).clamp(-ARENA / 2.0, ARENA / 2.0);
            avatar.y = (avatar.y + dy.clamp(-1.0, 1.0)).clamp(-ARENA / 2.0, ARENA / 2.0);
            let position = *avatar;
            state.inputs_received += 1;
            state.moves_sent += peers;
            if let Some(&node) = state.avatar_nodes.get(&from)
                && let Some(node) = ctx.tree().node_mut(node)
            {
                node.set_property("position", Variant::Vector2(position));
            }
            if let Err(error) = ctx.rpc("avatar_moved", &args![from, position, sent_us]) {
                tracing::debug!(%error, "avatar update not sent");
            }
        },
    )
    .expect("world node");
    tree.on_rpc(
        world,
        "avatar_moved",
        avatar_updates(),
        |_, (_, _, _): (i64, Vector2, i64)| {},
    )
    .expect("world node");
    tree.on_rpc(
        world,
        "whisper",
        RpcConfig::any_peer(),
        |_, (_,): (String,)| {},
    )
    .expect("world node");
    world
}

/// A bot's view of the world.
#[derive(Debug, Default)]
pub struct BotWorld {
    /// Round trips of this bot's own inputs, not yet taken.
    pub round_trips: Vec<Duration>,
    /// `avatar_moved` calls received (any avatar).
    pub moves_received: u64,
    /// `whisper` calls received.
    pub whispers_received: u64,
    /// Whispers not yet taken: sender and text.
    pub whispers: Vec<(PeerId, String)>,
}

/// Adds `/root/World` with a bot's handlers.
pub fn install_bot(tree: &mut SceneTree) -> NodeId {
    let world = tree.add_path(WORLD_PATH).expect("a fresh tree has /root");
    tree.node_mut(world)
        .expect("just added")
        .set_state(BotWorld::default());
    tree.on_rpc(
        world,
        "avatar_moved",
        avatar_updates(),
        |ctx, (peer, _position, sent_us): (i64, Vector2, i64)| {
            let own = i64::from(ctx.unique_id()) == peer;
            let Some(state) = ctx.state_mut::<BotWorld>() else {
                return;
            };
            state.moves_received += 1;
            if own {
                let rtt = now_us().saturating_sub(sent_us).max(0) as u64;
                state.round_trips.push(Duration::from_micros(rtt));
            }
        },
    )
    .expect("world node");
    tree.on_rpc(
        world,
        "whisper",
        RpcConfig::any_peer(),
        |ctx, (text,): (String,)| {
            let from = ctx.remote_sender_id();
            if let Some(state) = ctx.state_mut::<BotWorld>() {
                state.whispers_received += 1;
                state.whispers.push((from, text));
            }
        },
    )
    .expect("world node");
    tree.on_rpc(
        world,
        "input",
        movement(),
        |_, (_, _, _): (f32, f32, i64)| {},
    )
    .expect("world node");
    world
}

/// Path of the scoreboard: a node the server owns whose `moves` property (the avatar moves
/// the server handled) a MultiplayerSynchronizer replicates to every peer.
pub const SCOREBOARD_PATH: &str = "/root/World/Scoreboard";
/// The replicated property.
pub const SCORE_PROPERTY: &str = "moves";

/// Adds the scoreboard and its synchronizer (`Scoreboard/Sync`, `:moves` ON_CHANGE: a
/// reliable delta whenever the value changes). Server and bots add the same nodes; the
/// synchronizer is not spawned, so its id on the wire is its path.
pub fn install_scoreboard(tree: &mut SceneTree) -> NodeId {
    let board = tree
        .add_path(SCOREBOARD_PATH)
        .expect("a fresh tree has /root");
    tree.node_mut(board)
        .expect("just added")
        .set_property(SCORE_PROPERTY, Variant::Int(0));
    let sync = tree.add_child(board, "Sync").expect("scoreboard node");
    let mut config = SceneReplicationConfig::new();
    let property = format!(":{SCORE_PROPERTY}");
    config.add_property(property.as_str(), -1);
    config.property_set_replication_mode(&property, ReplicationMode::OnChange);
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))
        .expect("scoreboard sync node");
    board
}

/// The scoreboard's value on this peer.
pub fn score(tree: &SceneTree, board: NodeId) -> i64 {
    match tree
        .node(board)
        .and_then(|node| node.get_property(SCORE_PROPERTY))
    {
        Some(Variant::Int(value)) => *value,
        _ => 0,
    }
}

/// Sets the scoreboard (on the server, the synchronizer's authority).
pub fn set_score(tree: &mut SceneTree, board: NodeId, value: i64) {
    if let Some(node) = tree.node_mut(board) {
        node.set_property(SCORE_PROPERTY, Variant::Int(value));
    }
}

/// The spawn parent of the avatars (`Avatars/<peer id>`), the same on every peer.
pub const AVATARS_PATH: &str = "/root/World/Avatars";
/// The MultiplayerSpawner of the avatars; its authority (the server) spawns them.
pub const AVATAR_SPAWNER_PATH: &str = "/root/World/AvatarSpawner";

/// Scene 0 of the avatar spawner: a node with `position`, replicated by a child `Sync`
/// (ON_CHANGE: a reliable delta whenever the server moves it).
fn build_avatar(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let avatar = tree.add_child(request.parent, request.name.clone())?;
    tree.node_mut(avatar)
        .ok_or(TreeError::NodeNotFound)?
        .set_property("position", Variant::Vector2(Vector2::default()));
    let sync = tree.add_child(avatar, "Sync")?;
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1);
    config.property_set_replication_mode(":position", ReplicationMode::OnChange);
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
    Ok(avatar)
}

/// Adds the avatars' parent and their spawner; returns the spawner.
pub fn install_avatar_spawner(tree: &mut SceneTree) -> NodeId {
    tree.add_path(AVATARS_PATH).expect("a fresh tree has /root");
    let spawner = tree.add_path(AVATAR_SPAWNER_PATH).expect("world node");
    let mut role = MultiplayerSpawner::new("../Avatars");
    role.add_spawnable_scene("avatar", build_avatar);
    tree.set_spawner(spawner, role).expect("spawner node");
    spawner
}

/// Every avatar on this peer: name (the owner's peer id) and position.
pub fn avatars(tree: &SceneTree) -> Vec<(String, Option<Vector2>)> {
    let Some(parent) = tree.get_node(AVATARS_PATH) else {
        return Vec::new();
    };
    let Some(parent) = tree.node(parent) else {
        return Vec::new();
    };
    parent
        .children()
        .iter()
        .filter_map(|&child| tree.node(child))
        .map(|node| {
            let position = match node.get_property("position") {
                Some(Variant::Vector2(v)) => Some(*v),
                _ => None,
            };
            (node.name().to_string(), position)
        })
        .collect()
}
