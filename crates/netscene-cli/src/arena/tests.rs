//! The arena server against netscene clients over the in-process simulated network: joins
//! spawn avatars, `move` steps them, score and name arrive ON_CHANGE, leaving despawns.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::variant::{Vector2, Vector2i};
use netscene::{MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree, args};

use super::client::*;
use super::server::{self, ServerArenaNodes};
use super::*;
use crate::lobby;

/// A millisecond clock the test moves with the network's virtual time (the synchronizers'
/// replication interval is measured with it).
#[derive(Clone, Default)]
struct ManualClock(Arc<AtomicU64>);

fn tree_on(peer: Box<dyn netscene::MultiplayerPeer>, clock: &ManualClock) -> SceneTree {
    let mut mp = SceneMultiplayer::new();
    let clock = clock.clone();
    mp.set_clock(Box::new(move || clock.0.load(Ordering::Relaxed)));
    mp.set_multiplayer_peer(Some(peer)).expect("peer accepted");
    SceneTree::with_multiplayer(Box::new(mp))
}

struct Server {
    tree: SceneTree,
    nodes: ServerArenaNodes,
    lobby: NodeId,
}

impl Server {
    /// What `netscene serve --game arena` does with each event and after each poll.
    fn poll(&mut self) {
        self.tree.poll().expect("server poll");
        for event in self.tree.drain_events("") {
            match event {
                MultiplayerEvent::PeerConnected(peer) => {
                    server::server_peer_joined(&mut self.tree, self.nodes, peer);
                }
                MultiplayerEvent::PeerDisconnected(peer) => {
                    lobby::server_peer_left(&mut self.tree, self.lobby, peer);
                    server::server_peer_left(&mut self.tree, self.nodes, peer);
                }
                _ => {}
            }
        }
        server::server_sync_names(&mut self.tree, self.nodes, self.lobby);
    }
}

struct Client {
    tree: SceneTree,
    lobby: NodeId,
    arena: NodeId,
}

impl Client {
    fn id(&mut self) -> PeerId {
        self.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id())
    }

    fn avatar(&self, peer: PeerId) -> Option<AvatarView> {
        avatars(&self.tree)
            .into_iter()
            .find(|avatar| avatar.name == peer.to_string())
    }

    fn send_move(&mut self, x: i32, y: i32) {
        self.tree
            .rpc_id(self.arena, 1, MOVE_METHOD, &args![Vector2i { x, y }])
            .expect("move sent");
    }
}

struct Game {
    network: SimulatedNetwork,
    clock: ManualClock,
    server: Server,
    clients: Vec<Client>,
}

impl Game {
    fn new() -> Self {
        let network = SimulatedNetwork::new(7);
        let clock = ManualClock::default();
        let mut tree = tree_on(Box::new(network.create_server().unwrap()), &clock);
        let lobby = lobby::install_server(&mut tree);
        let nodes = server::install_server(&mut tree);
        Self {
            network,
            clock,
            server: Server { tree, nodes, lobby },
            clients: Vec::new(),
        }
    }

    fn join(&mut self) -> usize {
        let mut tree = tree_on(Box::new(self.network.create_client()), &self.clock);
        let lobby = lobby::install_client(&mut tree);
        let arena = install_client(&mut tree);
        self.clients.push(Client { tree, lobby, arena });
        self.run(Duration::from_millis(200));
        self.clients.len() - 1
    }

    /// Runs the network and every peer for `time` of virtual time, in 10 ms frames.
    fn run(&mut self, time: Duration) {
        let frame = Duration::from_millis(10);
        for _ in 0..time.as_millis() / frame.as_millis() {
            self.network.advance(frame);
            self.clock.0.fetch_add(10, Ordering::Relaxed);
            self.server.poll();
            for client in &mut self.clients {
                client.tree.poll().expect("client poll");
                client.tree.drain_events("");
            }
        }
    }
}

#[test]
fn a_join_spawns_an_avatar_on_every_peer_at_its_spawn_cell() {
    let mut game = Game::new();
    let first = game.join();
    let second = game.join();
    let (a, b) = (game.clients[first].id(), game.clients[second].id());
    let (spawn_a, spawn_b) = (SPAWN_CELLS[0].position(), SPAWN_CELLS[1].position());
    for client in &game.clients {
        let avatar = client.avatar(a).expect("first avatar");
        assert_eq!((avatar.position, avatar.score), (spawn_a, 0));
        let avatar = client.avatar(b).expect("second avatar");
        assert_eq!((avatar.position, avatar.score), (spawn_b, 0));
        assert_eq!(avatars(&client.tree).len(), 2);
    }
    // The late joiner got the first avatar from the spawn sent when it became visible.
    assert_eq!(avatars(&game.server.tree).len(), 2);
}

#[test]
fn moves_step_the_avatar_on_the_grid_and_score_new_cells_only() {
    let mut game = Game::new();
    let first = game.join();
    let observer = game.join();
    let id = game.clients[first].id();
    let start = SPAWN_CELLS[0];
    // right, right, up, then back down (a cell already visited scores nothing), and a
    // direction of any size counts as one step.
    for (x, y) in [(1, 0), (5, 0), (0, -1), (0, 1)] {
        game.clients[first].send_move(x, y);
    }
    game.run(Duration::from_millis(200));
    let expected = Cell {
        x: start.x + 2,
        y: start.y,
    };
    for client in &game.clients {
        let avatar = client.avatar(id).expect("avatar");
        assert_eq!(avatar.position, expected.position(), "position (ALWAYS)");
        assert_eq!(avatar.score, 3, "score (ON_CHANGE)");
    }
    // The observer's own avatar did not move.
    let other = game.clients[observer].id();
    let avatar = game.clients[first]
        .avatar(other)
        .expect("observer's avatar");
    assert_eq!(avatar.position, SPAWN_CELLS[1].position());
}

#[test]
fn avatars_stay_inside_the_arena() {
    let mut game = Game::new();
    let first = game.join();
    let id = game.clients[first].id();
    for _ in 0..(COLUMNS + 5) {
        game.clients[first].send_move(-1, -1);
    }
    game.run(Duration::from_millis(300));
    let avatar = game.clients[first].avatar(id).expect("avatar");
    assert_eq!(avatar.position, Cell { x: 0, y: 0 }.position());
    assert_eq!(avatar.position, Vector2 { x: 16.0, y: 16.0 });
    // (3,3) to (0,0) diagonally: three new cells, then only bumps into the corner.
    assert_eq!(avatar.score, 3);
}

#[test]
fn the_lobby_name_reaches_every_avatar_copy() {
    let mut game = Game::new();
    let first = game.join();
    let second = game.join();
    let id = game.clients[first].id();
    for client in &game.clients {
        assert_eq!(client.avatar(id).expect("avatar").player_name, "");
    }
    let client = &mut game.clients[first];
    client
        .tree
        .rpc_id(client.lobby, 1, "register", &args!["alice"])
        .expect("register sent");
    game.run(Duration::from_millis(100));
    for client in &game.clients {
        assert_eq!(client.avatar(id).expect("avatar").player_name, "alice");
    }
    // A name registered before the avatar exists is copied too (the later joiner's).
    let client = &mut game.clients[second];
    client
        .tree
        .rpc_id(client.lobby, 1, "register", &args!["bob"])
        .expect("register sent");
    game.run(Duration::from_millis(100));
    let other = game.clients[second].id();
    assert_eq!(
        game.clients[first]
            .avatar(other)
            .expect("avatar")
            .player_name,
        "bob"
    );
}

#[test]
fn leaving_despawns_the_avatar_on_the_others() {
    let mut game = Game::new();
    let first = game.join();
    let second = game.join();
    let leaver = game.clients[second].id();
    assert!(game.clients[first].avatar(leaver).is_some());
    if let Some(peer) = game.clients[second]
        .tree
        .multiplayer("")
        .and_then(|mp| mp.get_multiplayer_peer_mut())
    {
        peer.close();
    }
    game.run(Duration::from_millis(300));
    assert!(game.clients[first].avatar(leaver).is_none());
    assert_eq!(avatars(&game.clients[first].tree).len(), 1);
    assert_eq!(avatars(&game.server.tree).len(), 1);
    // Its moves are forgotten with it: a new player takes the next spawn cell.
    let third = game.join();
    let id = game.clients[third].id();
    let avatar = game.clients[first].avatar(id).expect("new avatar");
    assert_eq!(avatar.position, SPAWN_CELLS[2].position());
}

#[test]
fn a_move_from_a_peer_without_an_avatar_changes_nothing() {
    let mut game = Game::new();
    let first = game.join();
    let id = game.clients[first].id();
    // The avatar is gone on the server (as after a refused or departed peer).
    server::server_peer_left(&mut game.server.tree, game.server.nodes, id);
    game.clients[first].send_move(1, 0);
    game.run(Duration::from_millis(100));
    assert!(avatars(&game.server.tree).is_empty());
    assert!(game.clients[first].avatar(id).is_none());
}

#[test]
fn the_contract_matches_player_tscn() {
    // The wire order of the values is the config order; ids and checksum are Godot's.
    let config = player_replication_config();
    let paths: Vec<String> = config
        .get_properties()
        .iter()
        .map(|p| p.path.to_string())
        .collect();
    assert_eq!(paths, [POSITION, SCORE, PLAYER_NAME]);
    assert_eq!(config.spawn_properties().count(), 3);
    assert_eq!(config.sync_properties().count(), 1);
    assert_eq!(config.watch_properties().count(), 2);
    let mut tree = SceneTree::new();
    let arena = install_client(&mut tree);
    let node = tree.node(arena).unwrap();
    assert_eq!(node.rpc_method_id(MOVE_METHOD), Some(0));
    // MD5 of "move": what arena.gd's one @rpc method gives.
    assert_eq!(node.rpc_checksum(), "3734a903022249b3010be1897042568e");
}

#[test]
fn the_server_matches_the_wire_table_of_the_godot_example() {
    // What examples/godot-arena-client puts on the wire, read from its files (the table
    // `netscene inspect` prints), against the server's nodes: RPC ids, modes and checksums,
    // the spawner's scene list and the synchronizer's property order and modes.
    use netscene_godot_project::GodotProject;
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/godot-arena-client"
    );
    let table = GodotProject::open(dir)
        .and_then(|mut project| project.wire_table())
        .expect("the example project reads");
    assert!(table.warnings.is_empty(), "{:?}", table.warnings);
    let mut tree = SceneTree::new();
    let lobby = lobby::install_server(&mut tree);
    let nodes = server::install_server(&mut tree);
    for (path, node) in [(lobby::LOBBY_PATH, lobby), (ARENA_PATH, nodes.arena)] {
        let godot = table.rpc_node(path).expect("an RPC node in the example");
        let ours = tree.node(node).unwrap();
        // The checksum hashes every method name in id order: the same list on both sides.
        assert_eq!(godot.checksum, ours.rpc_checksum(), "{path}");
        for method in &godot.methods {
            assert_eq!(ours.rpc_method_id(&method.name), Some(method.id), "{path}");
            let config = ours.get_rpc_config(&method.name).unwrap();
            let mode = match config.mode {
                netscene::RpcMode::AnyPeer => "any_peer",
                netscene::RpcMode::Authority => "authority",
                _ => "disabled",
            };
            assert_eq!(mode, method.mode, "{path} {}", method.name);
            assert_eq!(config.call_local, method.call_local);
            assert_eq!(config.channel, method.channel);
            assert_eq!(
                netscene_godot_project::build::transfer_name(config.transfer_mode),
                method.transfer_mode
            );
        }
    }
    let live = table.scene("live").unwrap();
    let [spawner] = live.spawners.as_slice() else {
        panic!("one spawner: {:?}", live.spawners);
    };
    assert_eq!(spawner.path, SPAWNER_PATH);
    assert_eq!(spawner.spawn_node.as_deref(), Some(PLAYERS_PATH));
    let role = tree.node(nodes.spawner).unwrap().spawner().unwrap();
    assert_eq!(role.get_spawn_path().to_string(), spawner.spawn_path);
    let ours: Vec<&str> = (0..role.get_spawnable_scene_count())
        .filter_map(|i| role.get_spawnable_scene(i))
        .collect();
    assert_eq!(ours, spawner.scenes);
    let player = table.scene(PLAYER_SCENE).expect("player.tscn's table");
    let [sync] = player.synchronizers.as_slice() else {
        panic!("one synchronizer: {:?}", player.synchronizers);
    };
    assert_eq!(sync.path, SYNCHRONIZER_NAME);
    assert_eq!(sync.root_path, "..");
    assert_eq!(sync.replication_interval, REPLICATION_INTERVAL);
    let config = player_replication_config();
    let ours: Vec<(String, bool, &str)> = config
        .get_properties()
        .iter()
        .map(|p| {
            let mode = match p.mode {
                ReplicationMode::Always => "always",
                ReplicationMode::OnChange => "on_change",
                _ => "never",
            };
            (p.path.to_string(), p.spawn, mode)
        })
        .collect();
    let godot: Vec<(String, bool, &str)> = sync
        .properties
        .iter()
        .map(|p| (p.path.clone(), p.spawn, p.mode.as_str()))
        .collect();
    assert_eq!(ours, godot);
}
