//! The netscene side of the replication suite: a server whose tree mirrors
//! `godot/replication/main.tscn` (the Godot clients' main scene), with synchronizers read from
//! the same `.tscn` files the Godot clients load, and a pump that runs the server at about
//! 60 network frames a second.
#![allow(dead_code)]

pub mod tscn;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netscene::replication::MultiplayerSpawner;
use netscene::variant::{Dictionary, Vector2};
use netscene::{MultiplayerEvent, NodeId, PeerId, SceneTree, SpawnRequest, TreeError, Variant};
use netscene_godot_suite::{GodotClient, GodotProject, WsServer, suite_project_dir};

pub use tscn::SceneFile;

/// Longest wait for one step of a test.
pub const STEP: Duration = Duration::from_secs(30);

/// Longest wait for a Godot client to start and connect: a few seconds normally, much more
/// while other browsers load the shared cores (a 40 MB wasm module to compile).
pub const START: Duration = Duration::from_secs(90);

/// The server's network frame: about Godot's 60 frames a second.
const FRAME: Duration = Duration::from_millis(16);

/// The suite's Godot project directory.
pub fn project_dir() -> std::path::PathBuf {
    suite_project_dir("replication")
}

/// The Godot project the clients run.
pub fn project() -> GodotProject {
    GodotProject::from_dir(project_dir())
}

/// A scene of the project, parsed.
pub fn scene(name: &str) -> SceneFile {
    SceneFile::load(project_dir().join(name))
}

/// The server's nodes mirroring `main.tscn`.
#[derive(Debug, Clone, Copy)]
pub struct Nodes {
    pub main: NodeId,
    pub players: NodeId,
    pub items: NodeId,
    pub avatars: NodeId,
    pub player_spawner: NodeId,
    pub item_spawner: NodeId,
    pub avatar_spawner: NodeId,
    pub board: NodeId,
    pub board_sync: NodeId,
    pub secret_sync: NodeId,
}

/// A player's replicated values: position, hp, team.
#[derive(Debug, Clone, PartialEq)]
pub struct PlayerValues {
    pub x: f32,
    pub y: f32,
    pub hp: i64,
    pub team: String,
    /// `Some(peer)`: the synchronizer is not public and only this peer sees it (so only it
    /// gets the SPAWN).
    pub visible_only_to: Option<PeerId>,
}

/// The values the server's player factory gives each player name (the SPAWN is sent as the
/// factory returns, so the spawn state must be set there).
type Presets = Arc<Mutex<HashMap<String, PlayerValues>>>;

/// What a test runs on the server's tree before each network frame.
pub type FrameHook = Box<dyn FnMut(&mut SceneTree)>;

/// A netscene server with the game, pumped from the tests' waits.
pub struct Game {
    pub server: WsServer,
    pub nodes: Nodes,
    presets: Presets,
    /// Every event the server's multiplayer reported, in order.
    pub events: Vec<MultiplayerEvent>,
    /// Run before each network frame (moving things, counting).
    pub on_frame: Option<FrameHook>,
    last_frame: Option<Instant>,
}

impl Game {
    /// The server with the whole main scene.
    pub fn start() -> Self {
        let mut server = WsServer::start(|_| {});
        let presets = Presets::default();
        let nodes = build_main(&mut server.tree, presets.clone());
        Game {
            server,
            nodes,
            presets,
            events: Vec::new(),
            on_frame: None,
            last_frame: None,
        }
    }

    /// Launches a Godot client of the project (or of `project`) and waits until it is
    /// connected; returns it with its peer id.
    pub fn join(&mut self, name: &str, project: &GodotProject) -> (GodotClient, PeerId) {
        let mut client = GodotClient::launch(name, project, &[self.server.port_arg()]);
        let line = client.wait_for("connected as", START, || self.pump());
        let id = line["connected as ".len()..].parse().expect("a peer id");
        (client, id)
    }

    /// One network frame when one is due (about 60 a second); the test's wait loops call
    /// this every millisecond.
    pub fn pump(&mut self) {
        if self.last_frame.is_some_and(|t| t.elapsed() < FRAME) {
            return;
        }
        self.last_frame = Some(Instant::now());
        if let Some(hook) = self.on_frame.as_mut() {
            hook(&mut self.server.tree);
        }
        self.server.poll();
        self.events.extend(self.server.tree.drain_events(""));
    }

    /// Pumps for `duration`.
    pub fn pump_for(&mut self, duration: Duration) {
        let start = Instant::now();
        while start.elapsed() < duration {
            self.pump();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The server's events that refuse or report something (rejections, properties not
    /// found): none is expected in a clean run.
    pub fn problems(&self) -> Vec<&MultiplayerEvent> {
        self.events
            .iter()
            .filter(|e| {
                matches!(
                    e,
                    MultiplayerEvent::PacketRejected { .. }
                        | MultiplayerEvent::RpcRejected { .. }
                        | MultiplayerEvent::ReplicationRejected { .. }
                        | MultiplayerEvent::ReplicatedPropertyNotFound { .. }
                )
            })
            .collect()
    }

    /// Panics when the server reported a problem.
    pub fn assert_clean(&self) {
        assert!(
            self.problems().is_empty(),
            "server problems: {:#?}",
            self.problems()
        );
    }

    /// Spawns player `name` from the scene list at (x, y) with `hp` and `team`.
    pub fn spawn_player(&mut self, name: &str, x: f32, y: f32, hp: i64, team: &str) -> NodeId {
        self.spawn_player_with(
            name,
            PlayerValues {
                x,
                y,
                hp,
                team: team.to_owned(),
                visible_only_to: None,
            },
        )
    }

    /// Spawns player `name` from the scene list with `values`.
    pub fn spawn_player_with(&mut self, name: &str, values: PlayerValues) -> NodeId {
        self.presets.lock().unwrap().insert(name.to_owned(), values);
        self.server
            .tree
            .spawn_scene(self.nodes.player_spawner, 0, name)
            .expect("spawn a player")
    }

    /// Spawns squad `name` (scene 1) and returns it with its `MemberSpawner`.
    pub fn spawn_squad(&mut self, name: &str) -> (NodeId, NodeId) {
        let tree = &mut self.server.tree;
        let squad = tree
            .spawn_scene(self.nodes.player_spawner, 1, name)
            .expect("spawn a squad");
        let spawner = tree.child_by_name(squad, "MemberSpawner").unwrap();
        (squad, spawner)
    }

    /// Spawns player `name` with `spawner` (scene 0 of a squad's `MemberSpawner`).
    pub fn spawn_member(&mut self, spawner: NodeId, name: &str, x: f32, y: f32) -> NodeId {
        let values = PlayerValues {
            x,
            y,
            hp: 1,
            team: "squad".into(),
            visible_only_to: None,
        };
        self.presets.lock().unwrap().insert(name.to_owned(), values);
        self.server
            .tree
            .spawn_scene(spawner, 0, name)
            .expect("spawn a squad member")
    }

    /// Spawns item `name` with the spawn function (`spawn(data)`).
    pub fn spawn_item(&mut self, name: &str, kind: &str, x: i64, y: i64) -> NodeId {
        let mut data = Dictionary::new();
        data.insert(Variant::String("kind".into()), Variant::String(kind.into()));
        data.insert(Variant::String("x".into()), Variant::Int(x));
        data.insert(Variant::String("y".into()), Variant::Int(y));
        self.server
            .tree
            .spawn(self.nodes.item_spawner, name, Variant::Dictionary(data))
            .expect("spawn an item")
    }

    /// Spawns an avatar owned by `owner`.
    pub fn spawn_avatar(&mut self, name: &str, owner: PeerId) -> NodeId {
        self.server
            .tree
            .spawn(
                self.nodes.avatar_spawner,
                name,
                Variant::Int(i64::from(owner)),
            )
            .expect("spawn an avatar")
    }

    /// A property of a node of the server's tree.
    pub fn property(&self, node: NodeId, name: &str) -> Option<Variant> {
        self.server.tree.node(node)?.get_property(name).cloned()
    }
}

/// Sets a player's replicated values.
pub fn set_player(tree: &mut SceneTree, player: NodeId, x: f32, y: f32, hp: i64, team: &str) {
    let node = tree.node_mut(player).expect("the player");
    node.set_property("position", Variant::Vector2(Vector2::new(x, y)));
    node.set_property("hp", Variant::Int(hp));
    node.set_property("team", Variant::String(team.into()));
}

/// `player.tscn`: a Node2D with `position`, `hp`, `team` and its synchronizer, with the
/// preset values of its name (the script's defaults without one).
fn build_player(
    tree: &mut SceneTree,
    request: &SpawnRequest,
    presets: &Presets,
) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let values = presets.lock().unwrap().get(request.name.as_str()).cloned();
    let values = values.unwrap_or(PlayerValues {
        x: 0.0,
        y: 0.0,
        hp: 0,
        team: "none".into(),
        visible_only_to: None,
    });
    set_player(tree, player, values.x, values.y, values.hp, &values.team);
    let sync = tree.add_child(player, "MultiplayerSynchronizer")?;
    let mut role = scene("player.tscn").synchronizer("MultiplayerSynchronizer");
    if let Some(peer) = values.visible_only_to {
        role.set_visibility_public(false)
            .set_visibility_for(peer, true);
    }
    tree.set_synchronizer(sync, role)?;
    Ok(player)
}

/// `squad.tscn`: `Members` and `MemberSpawner`, a spawner of players nested in the spawn.
fn build_squad(
    tree: &mut SceneTree,
    request: &SpawnRequest,
    presets: &Presets,
) -> Result<NodeId, TreeError> {
    let squad = tree.add_child(request.parent, request.name.clone())?;
    tree.add_child(squad, "Members")?;
    let spawner = tree.add_child(squad, "MemberSpawner")?;
    let presets = presets.clone();
    let mut role = MultiplayerSpawner::new("../Members");
    role.add_spawnable_scene("res://player.tscn", move |tree, request| {
        build_player(tree, request, &presets)
    });
    tree.set_spawner(spawner, role)?;
    Ok(squad)
}

/// `main.gd`'s `_spawn_item`: a Node2D at the data's x, y.
fn build_item(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let item = tree.add_child(request.parent, request.name.clone())?;
    let Variant::Dictionary(data) = &request.data else {
        return Err(TreeError::NodeNotFound);
    };
    let coordinate = |key: &str| match data.get(&Variant::String(key.into())) {
        Some(Variant::Int(v)) => *v as f32,
        _ => 0.0,
    };
    let position = Vector2::new(coordinate("x"), coordinate("y"));
    tree.node_mut(item)
        .expect("the item")
        .set_property("position", Variant::Vector2(position));
    Ok(item)
}

/// `main.gd`'s `_spawn_avatar`: `avatar.tscn` owned by the peer the data names.
fn build_avatar(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let Variant::Int(owner) = request.data else {
        return Err(TreeError::NodeNotFound);
    };
    let avatar = tree.add_child(request.parent, request.name.clone())?;
    let node = tree.node_mut(avatar).expect("the avatar");
    node.set_property("position", Variant::Vector2(Vector2::new(0.0, 0.0)));
    node.set_property("mood", Variant::String("calm".into()));
    let sync = tree.add_child(avatar, "MultiplayerSynchronizer")?;
    tree.set_synchronizer(
        sync,
        scene("avatar.tscn").synchronizer("MultiplayerSynchronizer"),
    )?;
    tree.add_child(avatar, "Drops")?;
    let drop_spawner = tree.add_child(avatar, "DropSpawner")?;
    let mut role = MultiplayerSpawner::new("../Drops");
    let presets = Presets::default();
    role.add_spawnable_scene("res://player.tscn", move |tree, request| {
        build_player(tree, request, &presets)
    });
    tree.set_spawner(drop_spawner, role)?;
    tree.set_multiplayer_authority(avatar, owner as PeerId, true)?;
    Ok(avatar)
}

/// The server's copy of `main.tscn`.
fn build_main(tree: &mut SceneTree, presets: Presets) -> Nodes {
    let main_scene = scene("main.tscn");
    let main = tree.add_path("/root/Main").unwrap();
    let child = |tree: &mut SceneTree, parent, name: &str| tree.add_child(parent, name).unwrap();
    let players = child(tree, main, "Players");
    let items = child(tree, main, "Items");
    let avatars = child(tree, main, "Avatars");
    let player_spawner = child(tree, main, "PlayerSpawner");
    let mut role = MultiplayerSpawner::new("../Players");
    let squad_presets = presets.clone();
    role.add_spawnable_scene("res://player.tscn", move |tree, request| {
        build_player(tree, request, &presets)
    })
    .add_spawnable_scene("res://squad.tscn", move |tree, request| {
        build_squad(tree, request, &squad_presets)
    });
    tree.set_spawner(player_spawner, role).unwrap();
    let item_spawner = child(tree, main, "ItemSpawner");
    let mut role = MultiplayerSpawner::new("../Items");
    role.set_spawn_function(build_item);
    tree.set_spawner(item_spawner, role).unwrap();
    let avatar_spawner = child(tree, main, "AvatarSpawner");
    let mut role = MultiplayerSpawner::new("../Avatars");
    role.set_spawn_function(build_avatar);
    tree.set_spawner(avatar_spawner, role).unwrap();
    let board = child(tree, main, "Board");
    let node = tree.node_mut(board).unwrap();
    node.set_property("round", Variant::Int(0));
    node.set_property("clock", Variant::Float(0.0));
    node.set_property("secret", Variant::String("".into()));
    let board_sync = child(tree, board, "BoardSync");
    tree.set_synchronizer(board_sync, main_scene.synchronizer("BoardSync"))
        .unwrap();
    let secret_sync = child(tree, board, "SecretSync");
    tree.set_synchronizer(secret_sync, main_scene.synchronizer("SecretSync"))
        .unwrap();
    Nodes {
        main,
        players,
        items,
        avatars,
        player_spawner,
        item_spawner,
        avatar_spawner,
        board,
        board_sync,
        secret_sync,
    }
}

/// The lines of `client` (stdout) that start with `prefix`, in order.
pub fn lines_starting(client: &GodotClient, prefix: &str) -> Vec<String> {
    client
        .stdout_lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}
