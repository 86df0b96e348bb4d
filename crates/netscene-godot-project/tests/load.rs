//! Servers built from the project: the arena example loaded into a netscene server and a
//! netscene client over the simulated network — RPC ids agree with the Godot project, handlers
//! attach by path and method name, spawnable scenes spawn the imported subtree with its
//! synchronizer, and missing or undeclared handlers are reported.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::{MultiplayerPeer, SceneMultiplayer, SceneTree, Variant};
use netscene_godot_project::{AttachError, GodotProject};
use netscene_variant::{Vector2, Vector2i};

fn arena() -> GodotProject {
    GodotProject::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/godot-arena-client"
    ))
    .unwrap()
}

fn tree_with(peer: Box<dyn MultiplayerPeer>) -> SceneTree {
    let mut api = SceneMultiplayer::new();
    api.set_multiplayer_peer(Some(peer)).unwrap();
    SceneTree::with_multiplayer(Box::new(api))
}

fn pump(
    net: &SimulatedNetwork,
    trees: &mut [&mut SceneTree],
    mut until: impl FnMut(&mut [&mut SceneTree]) -> bool,
) {
    for _ in 0..2000 {
        for t in trees.iter_mut() {
            t.poll().unwrap();
        }
        if until(trees) {
            return;
        }
        net.advance(Duration::from_millis(5));
    }
    panic!("never happened");
}

#[test]
fn arena_server_and_client_built_from_the_project() {
    let net = SimulatedNetwork::new(7);
    let mut server = tree_with(Box::new(net.create_server().unwrap()));
    let mut client = tree_with(Box::new(net.create_client()));
    let mut loaded = arena().load_into(&mut server).unwrap();
    let _client_side = arena().load_into(&mut client).unwrap();

    // Everything the project declares is listed until handled.
    assert_eq!(
        loaded.missing_handlers(),
        [
            "/root/Lobby.chat",
            "/root/Lobby.receive_chat",
            "/root/Lobby.register",
            "/root/Lobby.update_players",
            "/root/Arena.move"
        ]
    );
    // A handler for a method the project does not declare is refused.
    let err = loaded
        .on_rpc(&mut server, "/root/Arena", "jump", |_, (): ()| {})
        .unwrap_err();
    assert_eq!(
        err,
        AttachError::Undeclared {
            path: "/root/Arena".into(),
            method: "jump".into()
        }
    );

    let moves: Arc<Mutex<Vec<(i64, Vector2i)>>> = Arc::default();
    let seen = moves.clone();
    loaded
        .on_rpc(
            &mut server,
            "/root/Arena",
            "move",
            move |ctx, (dir,): (Vector2i,)| {
                seen.lock()
                    .unwrap()
                    .push((i64::from(ctx.remote_sender_id()), dir));
            },
        )
        .unwrap();
    assert!(
        !loaded
            .missing_handlers()
            .contains(&"/root/Arena.move".to_string())
    );

    // The loaded nodes carry the project's ids and checksum.
    let arena_id = server.get_node("/root/Arena").unwrap();
    let table_checksum = loaded
        .table()
        .rpc_node("/root/Arena")
        .unwrap()
        .checksum
        .clone();
    assert_eq!(
        server.node(arena_id).unwrap().rpc_checksum(),
        table_checksum
    );
    assert_eq!(
        server
            .node(server.get_node("/root/Lobby").unwrap())
            .unwrap()
            .rpc_method_id("update_players"),
        Some(3)
    );

    pump(&net, &mut [&mut server, &mut client], |t| {
        !t[0].multiplayer("/root").unwrap().get_peers().is_empty()
    });
    let client_arena = client.get_node("/root/Arena").unwrap();
    client
        .rpc_id(
            client_arena,
            1,
            "move",
            &[Variant::Vector2i(Vector2i::new(1, 0))],
        )
        .unwrap();
    pump(&net, &mut [&mut server, &mut client], |_| {
        !moves.lock().unwrap().is_empty()
    });
    assert_eq!(moves.lock().unwrap()[0].1, Vector2i::new(1, 0));

    // Spawnable scene 0 (res://player.tscn) builds the imported subtree on both sides, and its
    // synchronizer (from player.tscn's SceneReplicationConfig) replicates position.
    let player = loaded
        .spawn(
            &mut server,
            "/root/Arena/PlayerSpawner",
            0,
            "2",
            |tree, player| {
                let node = tree.node_mut(player).unwrap();
                node.set_property("position", Variant::Vector2(Vector2::new(48.0, 16.0)));
                node.set_property("player_name", Variant::String("alice".into()));
            },
        )
        .unwrap();
    assert!(
        server
            .get_node("/root/Arena/Players/2/MultiplayerSynchronizer")
            .is_some()
    );
    assert!(server.get_node("/root/Arena/Players/2/NameLabel").is_some());
    // player.gd's `@export var score := 0` is the starting value, as in Godot.
    assert_eq!(
        server.node(player).unwrap().get_property("score"),
        Some(&Variant::Int(0))
    );
    pump(&net, &mut [&mut server, &mut client], |t| {
        t[1].get_node("/root/Arena/Players/2")
            .and_then(|id| t[1].node(id))
            .and_then(|n| n.get_property("position").cloned())
            == Some(Variant::Vector2(Vector2::new(48.0, 16.0)))
    });
    let spawned = client.get_node("/root/Arena/Players/2").unwrap();
    assert_eq!(
        client.node(spawned).unwrap().get_property("player_name"),
        Some(&Variant::String("alice".into()))
    );
    // An ON_CHANGE property set later reaches the client as a delta.
    server
        .node_mut(player)
        .unwrap()
        .set_property("score", Variant::Int(3));
    pump(&net, &mut [&mut server, &mut client], |t| {
        let id = t[1].get_node("/root/Arena/Players/2").unwrap();
        t[1].node(id).unwrap().get_property("score") == Some(&Variant::Int(3))
    });
}
