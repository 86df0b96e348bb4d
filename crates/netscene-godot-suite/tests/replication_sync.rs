//! Synchronizers as the Godot editor saves them (`.:position` in a SceneReplicationConfig
//! sub-resource), against real Godot 4.6 clients: spawn / ALWAYS / ON_CHANGE / NEVER
//! properties, `replication_interval`, `delta_interval`, `public_visibility` and per-peer
//! visibility. The server's synchronizers are read from the same `.tscn` files.

mod replication_common;

use std::time::Duration;

use netscene::variant::Vector2;
use netscene::{MultiplayerEvent, Variant};
use replication_common::{Game, PlayerValues, STEP, lines_starting, project};

/// Regression: netscene resolved the editor's `.:position` as a child named "." and sent
/// `null` (Godot kept its defaults: `pos=0,0 hp=0 team=none`).
#[test]
fn editor_saved_properties_reach_godot_in_spawn_sync_and_delta() {
    let mut game = Game::start();
    let (mut alice, _) = game.join("alice", &project());
    let p1 = game.spawn_player("P1", 7.0, 8.0, 100, "red");
    let spawned = alice.wait_for("spawned PlayerSpawner P1", STEP, || game.pump());
    assert_eq!(spawned, "spawned PlayerSpawner P1 pos=7,8 hp=100 team=red");

    // ALWAYS: position follows.
    let tree = &mut game.server.tree;
    tree.node_mut(p1)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(20.0, 30.0)));
    alice.wait_for("pos P1 20,30", STEP, || game.pump());
    // ON_CHANGE: hp in a delta; NEVER: team stays what the spawn said.
    let node = game.server.tree.node_mut(p1).unwrap();
    node.set_property("team", Variant::String("green".into()));
    node.set_property("hp", Variant::Int(42));
    alice.wait_for("hp P1 42 team=red", STEP, || game.pump());

    let sync = game
        .server
        .tree
        .child_by_name(p1, "MultiplayerSynchronizer")
        .unwrap();
    assert_eq!(
        game.server.tree.unresolved_replicated_properties(sync),
        Some(vec![])
    );
    assert!(
        !game
            .events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::ReplicatedPropertyNotFound { .. }))
    );
    game.assert_clean();
    alice.assert_clean();
}

/// "board rate N deltas M": BoardSync's `synchronized` and `delta_synchronized` signals in
/// Godot's first two seconds of SYNCs.
fn board_rates(line: &str) -> (u32, u32) {
    let words: Vec<&str> = line.split(' ').collect();
    (words[2].parse().unwrap(), words[4].parse().unwrap())
}

#[test]
fn intervals_and_per_peer_visibility_hold_in_godot() {
    let mut game = Game::start();
    let board = game.nodes.board;
    // The board changes every network frame (about 60 a second).
    game.on_frame = Some(Box::new(move |tree| {
        let node = tree.node_mut(board).unwrap();
        let round = match node.get_property("round") {
            Some(Variant::Int(r)) => *r,
            _ => 0,
        };
        node.set_property("round", Variant::Int(round + 1));
        node.set_property("clock", Variant::Float((round + 1) as f64 * 0.016));
    }));
    let (mut alice, alice_id) = game.join("alice", &project());
    let (mut bob, bob_id) = game.join("bob", &project());

    // replication_interval 0.1 s: about 20 SYNCs in 2 s, not 120; delta_interval 0.25 s:
    // about 8 deltas although `round` changes every frame.
    for client in [&mut alice, &mut bob] {
        let line = client.wait_for("board rate", STEP, || game.pump());
        let (syncs, deltas) = board_rates(&line);
        println!("{}: {line}", client.name());
        assert!((12..=24).contains(&syncs), "{}: {line}", client.name());
        assert!((4..=10).contains(&deltas), "{}: {line}", client.name());
    }

    // SecretSync is saved with public_visibility = false: only the peers it is made visible
    // to get its SYNCs.
    let secret = game.nodes.secret_sync;
    let set_secret = |game: &mut Game, text: &str| {
        game.server
            .tree
            .node_mut(board)
            .unwrap()
            .set_property("secret", Variant::String(text.into()));
    };
    set_secret(&mut game, "one");
    game.server
        .tree
        .synchronizer_mut(secret)
        .unwrap()
        .set_visibility_for(alice_id, true);
    alice.wait_for("secret one", STEP, || game.pump());
    game.server
        .tree
        .synchronizer_mut(secret)
        .unwrap()
        .set_visibility_for(alice_id, false)
        .set_visibility_for(bob_id, true);
    set_secret(&mut game, "two");
    bob.wait_for("secret two", STEP, || game.pump());
    game.pump_for(Duration::from_millis(500));
    alice.update();
    bob.update();
    assert_eq!(lines_starting(&alice, "secret "), ["secret one"]);
    assert_eq!(lines_starting(&bob, "secret "), ["secret two"]);
    // The server reported each visibility update of SecretSync.
    let updates = game
        .events
        .iter()
        .filter(|e| {
            matches!(e, MultiplayerEvent::VisibilityChanged { synchronizer, .. } if *synchronizer == secret)
        })
        .count();
    assert!(updates >= 3, "{updates} visibility updates");
    game.assert_clean();
    alice.assert_clean();
    bob.assert_clean();
}

/// A spawned node's synchronizer that is not public gates its SPAWN: only the peers it is
/// visible to get it, a peer made visible later gets it then (with the current state), and
/// a peer it is hidden from again gets a DESPAWN.
#[test]
fn spawn_visibility_follows_the_synchronizer() {
    let mut game = Game::start();
    let (mut alice, alice_id) = game.join("alice", &project());
    let (mut bob, bob_id) = game.join("bob", &project());
    let hidden = game.spawn_player_with(
        "P9",
        PlayerValues {
            x: 9.0,
            y: 9.0,
            hp: 9,
            team: "ghost".into(),
            visible_only_to: Some(alice_id),
        },
    );
    // A public player after it: Bob gets that one, so he would have got P9 by now.
    game.spawn_player("P10", 10.0, 10.0, 10, "red");
    alice.wait_for(
        "spawned PlayerSpawner P9 pos=9,9 hp=9 team=ghost",
        STEP,
        || game.pump(),
    );
    bob.wait_for("spawned PlayerSpawner P10", STEP, || game.pump());
    game.pump_for(Duration::from_millis(300));
    assert!(
        !bob.stdout_lines().any(|l| l.contains("P9")),
        "P9 hidden from Bob"
    );

    let sync = game
        .server
        .tree
        .child_by_name(hidden, "MultiplayerSynchronizer")
        .unwrap();
    game.server
        .tree
        .node_mut(hidden)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(19.0, 29.0)));
    game.server
        .tree
        .synchronizer_mut(sync)
        .unwrap()
        .set_visibility_for(bob_id, true);
    bob.wait_for(
        "spawned PlayerSpawner P9 pos=19,29 hp=9 team=ghost",
        STEP,
        || game.pump(),
    );
    game.server
        .tree
        .synchronizer_mut(sync)
        .unwrap()
        .set_visibility_for(alice_id, false);
    alice.wait_for("despawned PlayerSpawner P9", STEP, || game.pump());
    // Bob keeps it, and its SYNCs.
    game.server
        .tree
        .node_mut(hidden)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(39.0, 49.0)));
    bob.wait_for("pos P9 39,49", STEP, || game.pump());
    game.pump_for(Duration::from_millis(300));
    assert!(!bob.stdout_lines().any(|l| l.starts_with("despawned")));
    assert!(!alice.stdout_lines().any(|l| l == "pos P9 39,49"));
    game.assert_clean();
    alice.assert_clean();
    bob.assert_clean();
}
