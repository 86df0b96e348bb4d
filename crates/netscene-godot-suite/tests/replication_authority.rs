//! The server's authority vs a client-owned node, against real Godot 4.6 clients: a player
//! the server owns syncs from the server; an avatar the server spawns for a Godot client
//! (the spawn function makes that client its authority on every peer) syncs from that
//! client to the server, and through the server's relay to the other client.

mod replication_common;

use std::time::{Duration, Instant};

use netscene::variant::Vector2;
use netscene::{MultiplayerEvent, Variant};
use replication_common::{Game, STEP, lines_starting, project};

#[test]
fn a_client_owned_avatar_syncs_to_the_server_and_a_server_owned_player_to_the_clients() {
    let mut game = Game::start();
    let (mut alice, alice_id) = game.join("alice", &project());
    let (mut bob, _) = game.join("bob", &project());

    // Server-owned: the server moves it, both clients follow.
    let p1 = game.spawn_player("P1", 1.0, 1.0, 10, "red");
    game.server
        .tree
        .node_mut(p1)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(64.0, 32.0)));
    for client in [&mut alice, &mut bob] {
        client.wait_for("pos P1 64,32", STEP, || game.pump());
    }

    // Client-owned: Alice's avatar.
    let avatar = game.spawn_avatar("Alice", alice_id);
    let sync = game
        .server
        .tree
        .child_by_name(avatar, "MultiplayerSynchronizer")
        .unwrap();
    assert_eq!(game.server.tree.get_multiplayer_authority(sync), alice_id);
    assert!(!game.server.tree.is_multiplayer_authority(avatar));
    alice.wait_for(
        &format!("avatar Alice owner {alice_id} mine true"),
        STEP,
        || game.pump(),
    );
    bob.wait_for(
        &format!("avatar Alice owner {alice_id} mine false"),
        STEP,
        || game.pump(),
    );

    // Alice's Godot moves it one unit a frame along y = 5 and turns its mood "happy": the
    // server receives both (SYNC and delta), authority checked.
    let start = Instant::now();
    loop {
        game.pump();
        let x = match game.property(avatar, "position") {
            // (0, 0) until her first SYNC arrives.
            Some(Variant::Vector2(v)) => {
                assert!(
                    v == Vector2::new(0.0, 0.0) || v.y == 5.0,
                    "Alice moves along y = 5: {v:?}"
                );
                v.x
            }
            other => panic!("avatar position {other:?}"),
        };
        let mood = game.property(avatar, "mood");
        if x >= 100.0 && mood == Some(Variant::String("happy".into())) {
            break;
        }
        assert!(
            start.elapsed() < STEP,
            "the server's avatar: x {x}, mood {mood:?}\n{}",
            alice.transcript_text()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let synced = |wanted: fn(&MultiplayerEvent) -> Option<netscene::NodeId>| {
        game.events
            .iter()
            .filter(|e| wanted(e) == Some(sync))
            .count()
    };
    assert!(
        synced(|e| match e {
            MultiplayerEvent::Synchronized { synchronizer } => Some(*synchronizer),
            _ => None,
        }) >= 10
    );
    assert!(
        synced(|e| match e {
            MultiplayerEvent::DeltaSynchronized { synchronizer } => Some(*synchronizer),
            _ => None,
        }) >= 1
    );

    // Bob sees Alice's avatar move: her SYNCs reach him through the server's relay.
    bob.wait_for_line(
        "avatar pos Alice x>=50",
        |line| {
            line.strip_prefix("avatar pos Alice ")
                .and_then(|p| p.split_once(','))
                .is_some_and(|(x, y)| y == "5" && x.parse::<i32>().is_ok_and(|x| x >= 50))
        },
        STEP,
        || game.pump(),
    );
    // Alice never prints her own avatar's SYNCs (she sends them).
    assert!(lines_starting(&alice, "avatar pos ").is_empty());
    game.assert_clean();
    alice.assert_clean();
    bob.assert_clean();
}

/// A client spawns with a spawner of its own (the DropSpawner inside its avatar). The new
/// node starts at authority 1 in Godot, as every new node: the client's SPAWN lists none of
/// its synchronizers and carries no spawn state, and the server owns and syncs it. Regression:
/// netscene's factory let the node inherit the client's authority from the avatar and
/// refused the SPAWN (`SynchronizerCount { sent: 0, local: 1 }`).
#[test]
fn a_client_spawn_under_its_avatar_belongs_to_the_server_as_in_godot() {
    let mut game = Game::start();
    let (mut alice, alice_id) = game.join("alice", &project());
    let avatar = game.spawn_avatar("Alice", alice_id);
    alice.wait_for("dropped Drop1 authority 1", STEP, || game.pump());
    let drops = game.server.tree.child_by_name(avatar, "Drops").unwrap();
    let start = Instant::now();
    let drop = loop {
        game.pump();
        if let Some(drop) = game.server.tree.child_by_name(drops, "Drop1") {
            break drop;
        }
        assert!(
            start.elapsed() < STEP,
            "no Drop1 on the server: {:#?}",
            game.problems()
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    assert!(
        game.events.contains(&MultiplayerEvent::Spawned {
            spawner: game
                .server
                .tree
                .child_by_name(avatar, "DropSpawner")
                .unwrap(),
            node: drop
        })
    );
    let sync = game
        .server
        .tree
        .child_by_name(drop, "MultiplayerSynchronizer")
        .unwrap();
    assert_eq!(game.server.tree.get_multiplayer_authority(sync), 1);
    // No spawn state (player.gd's defaults), as a Godot server would have it.
    assert_eq!(game.property(drop, "hp"), Some(Variant::Int(0)));
    // The server's SYNCs of it are accepted by Godot (which refuses a non-authority's).
    game.server
        .tree
        .node_mut(drop)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(33.0, 44.0)));
    alice.wait_for("pos Drop1 33,44", STEP, || game.pump());
    game.assert_clean();
    alice.assert_clean();
}
