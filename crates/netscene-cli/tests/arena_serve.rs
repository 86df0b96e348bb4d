//! `netscene serve --game arena` as a black box over WebSocket and ENet on 127.0.0.1: netscene
//! clients
//! built from the contract in examples/godot-arena-client/README.md alone (no code shared
//! with the server) join, move, get named, send bad input and leave.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use netscene::replication::MultiplayerSpawner;
use netscene::variant::{Dictionary, Vector2, Vector2i};
use netscene::{
    MultiplayerSynchronizer, NodeId, ReplicationMode, RpcConfig, SceneMultiplayer,
    SceneReplicationConfig, SceneTree, SpawnRequest, TreeError, Variant, args,
};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer};
use netscene_websocket::WebSocketMultiplayerPeer;
use support::*;

/// `player.tscn`: the avatar and its synchronizer, config in the README's order.
fn player_scene(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let sync = tree.add_child(player, "MultiplayerSynchronizer")?;
    let mut config = SceneReplicationConfig::new();
    for (path, mode) in [
        (".:position", ReplicationMode::Always),
        (".:score", ReplicationMode::OnChange),
        (".:player_name", ReplicationMode::OnChange),
    ] {
        config.add_property(path, -1);
        config.property_set_replication_mode(path, mode);
    }
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
    Ok(player)
}

/// A client of the arena: `/root/Lobby` and `/root/Arena` as the Godot project has them.
struct Client {
    tree: SceneTree,
    lobby: NodeId,
    arena: NodeId,
}

impl Client {
    fn join(transport: &str, port: u16) -> Self {
        let peer: Box<dyn netscene::MultiplayerPeer> = if transport == "enet" {
            let mut peer = ENetMultiplayerPeer::new();
            peer.create_client_with(ClientOptions::new("127.0.0.1", port))
                .expect("client peer");
            Box::new(peer)
        } else {
            let mut peer = WebSocketMultiplayerPeer::new();
            peer.create_client(&format!("ws://127.0.0.1:{port}"), None)
                .expect("client peer");
            Box::new(peer)
        };
        let mut mp = SceneMultiplayer::new();
        mp.set_multiplayer_peer(Some(peer)).expect("peer accepted");
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = tree.add_path("/root/Lobby").unwrap();
        let (any_peer, authority) = (RpcConfig::any_peer(), RpcConfig::authority());
        tree.on_rpc(lobby, "chat", any_peer, |_, (_,): (String,)| {})
            .unwrap();
        tree.on_rpc(lobby, "register", any_peer, |_, (_,): (String,)| {})
            .unwrap();
        tree.on_rpc(
            lobby,
            "receive_chat",
            authority,
            |_, (_, _): (i64, String)| {},
        )
        .unwrap();
        tree.on_rpc(
            lobby,
            "update_players",
            authority,
            |_, (_,): (Dictionary,)| {},
        )
        .unwrap();
        let arena = tree.add_path("/root/Arena").unwrap();
        tree.on_rpc(arena, "move", any_peer, |_, (_,): (Vector2i,)| {})
            .unwrap();
        tree.add_path("/root/Arena/Players").unwrap();
        let spawner = tree.add_path("/root/Arena/PlayerSpawner").unwrap();
        let mut role = MultiplayerSpawner::new("../Players");
        role.add_spawnable_scene("res://player.tscn", player_scene);
        tree.set_spawner(spawner, role).unwrap();
        Client { tree, lobby, arena }
    }

    fn id(&mut self) -> i32 {
        self.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id())
    }

    /// `(position, score, player_name)` of avatar `peer`, as replicated here.
    fn avatar(&self, peer: i32) -> Option<(Vector2, i64, String)> {
        let node = self.tree.get_node(&format!("/root/Arena/Players/{peer}"))?;
        let node = self.tree.node(node)?;
        let position = match node.get_property("position") {
            Some(Variant::Vector2(v)) => *v,
            _ => return None,
        };
        let score = match node.get_property("score") {
            Some(Variant::Int(score)) => *score,
            _ => return None,
        };
        let name = match node.get_property("player_name") {
            Some(Variant::String(name)) => name.clone(),
            _ => return None,
        };
        Some((position, score, name))
    }

    fn send(&mut self, node: NodeId, method: &str, arguments: &[Variant]) {
        self.tree
            .rpc_id(node, 1, method, arguments)
            .expect("RPC sent");
    }

    fn leave(&mut self) {
        if let Some(peer) = self
            .tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer_mut())
        {
            peer.close();
        }
    }
}

/// Polls the clients (and reads the server's log) until `done` holds.
fn until(
    what: &str,
    server: &mut Running,
    clients: &mut [&mut Client],
    mut done: impl FnMut(&mut [&mut Client]) -> bool,
) {
    let start = Instant::now();
    loop {
        server.pump();
        for client in clients.iter_mut() {
            client.tree.poll().expect("client poll");
            client.tree.drain_events("");
        }
        if done(clients) {
            return;
        }
        assert!(
            start.elapsed() < WAIT,
            "never: {what}\nserver log:\n{}",
            server.seen().join("\n")
        );
        thread::sleep(Duration::from_millis(2));
    }
}

fn at(x: f32, y: f32) -> Vector2 {
    Vector2 { x, y }
}

#[test]
fn netscene_clients_play_the_arena_over_websocket() {
    play("ws");
}

#[test]
fn netscene_clients_play_the_arena_over_enet() {
    play("enet");
}

fn play(transport: &str) {
    let (mut server, port) = serve_arena(transport, &[]);
    let mut ann = Client::join(transport, port);
    until("ann's avatar spawned", &mut server, &mut [&mut ann], |c| {
        let id = c[0].id();
        id > 1 && c[0].avatar(id).is_some()
    });
    let ann_id = ann.id();
    assert_eq!(
        ann.avatar(ann_id),
        Some((at(112.0, 112.0), 0, String::new()))
    );

    // Registered in the lobby, named on the avatar; right, right, down: three new cells.
    let (lobby, arena) = (ann.lobby, ann.arena);
    ann.send(lobby, "register", &args!["ann"]);
    for (x, y) in [(1, 0), (1, 0), (0, 1)] {
        ann.send(arena, "move", &args![Vector2i { x, y }]);
    }
    let ann_final = (at(176.0, 144.0), 3, "ann".to_string());
    until("ann moved and named", &mut server, &mut [&mut ann], |c| {
        c[0].avatar(ann_id) == Some(ann_final.clone())
    });

    // A later joiner gets ann's avatar with its whole state, and its own on the next cell.
    let mut ben = Client::join(transport, port);
    until(
        "ben sees both avatars",
        &mut server,
        &mut [&mut ann, &mut ben],
        |c| {
            let id = c[1].id();
            id > 1 && c[1].avatar(ann_id) == Some(ann_final.clone()) && c[1].avatar(id).is_some()
        },
    );
    let ben_id = ben.id();
    assert_eq!(
        ben.avatar(ben_id),
        Some((at(528.0, 112.0), 0, String::new()))
    );

    // Bad input from the network: refused, nothing moves, the server keeps serving.
    let arena = ben.arena;
    ben.send(arena, "move", &args!["north"]);
    ben.send(arena, "move", &[]);
    ben.send(arena, "move", &args![Vector2i { x: 1, y: 0 }, 7]);
    ben.send(arena, "move", &args![Vector2 { x: 1.0, y: 0.0 }]);
    server.wait_logged(&["refused RPC", &format!("peer={ben_id} "), "method=move"]);
    ben.send(arena, "move", &args![Vector2i { x: -40, y: 0 }]);
    until(
        "ben's one step left",
        &mut server,
        &mut [&mut ann, &mut ben],
        |c| {
            let expected = Some((at(496.0, 112.0), 1, String::new()));
            c[0].avatar(ben_id) == expected && c[1].avatar(ben_id) == expected
        },
    );
    let refused = server
        .seen()
        .iter()
        .filter(|line| line.contains("refused RPC") && line.contains("method=move"))
        .count();
    assert_eq!(refused, 4, "{}", server.seen().join("\n"));

    // Ann leaves: her avatar is despawned on ben's side and on the server.
    ann.leave();
    until(
        "ann's avatar despawned",
        &mut server,
        &mut [&mut ann, &mut ben],
        |c| c[1].avatar(ann_id).is_none(),
    );
    server.wait_logged(&["player despawned", &format!("peer={ann_id}")]);
    assert!(ben.avatar(ben_id).is_some());
}

#[test]
fn an_unknown_game_is_a_usage_error() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_netscene"))
        .args(["serve", "--game", "chess", "--port", "0"])
        .output()
        .expect("run netscene");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("chess"), "{stderr}");
}
