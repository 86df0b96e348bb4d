//! Spawning against real Godot 4.6 clients: a MultiplayerSpawner with a spawnable scene list
//! and one with a spawn function (`spawn(data)`), late joiners, despawn.

mod replication_common;

use netscene::MultiplayerEvent;
use replication_common::{Game, STEP, lines_starting, project};

#[test]
fn scene_list_and_spawn_function_spawns_reach_late_joiners_in_creation_order() {
    let mut game = Game::start();
    let (mut alice, alice_id) = game.join("alice", &project());
    // Interleaved across the two spawners.
    let p1 = game.spawn_player("P1", 7.0, 8.0, 100, "red");
    let i1 = game.spawn_item("I1", "coin", 3, 4);
    game.spawn_player("P2", -5.0, 12.0, 50, "blue");
    game.spawn_item("I2", "gem", 9, -1);
    let expected = [
        "spawned PlayerSpawner P1 pos=7,8 hp=100 team=red",
        "spawned ItemSpawner I1 kind=coin pos=3,4",
        "spawned PlayerSpawner P2 pos=-5,12 hp=50 team=blue",
        "spawned ItemSpawner I2 kind=gem pos=9,-1",
    ];
    alice.wait_for(expected[3], STEP, || game.pump());
    assert_eq!(lines_starting(&alice, "spawned "), expected);

    // A late joiner gets every existing spawn, in creation order across both spawners.
    let (mut bob, bob_id) = game.join("bob", &project());
    bob.wait_for(expected[3], STEP, || game.pump());
    game.pump_for(std::time::Duration::from_millis(200));
    assert_eq!(lines_starting(&bob, "spawned "), expected);

    // Despawn reaches both. Removed newest first, so Godot's order (removal) and netscene's
    // (newest first within a frame) agree.
    game.server.tree.remove_node(i1).unwrap();
    game.server.tree.remove_node(p1).unwrap();
    let despawned = ["despawned ItemSpawner I1", "despawned PlayerSpawner P1"];
    for client in [&mut alice, &mut bob] {
        client.wait_for(despawned[1], STEP, || game.pump());
    }
    game.pump_for(std::time::Duration::from_millis(200));
    for client in [&alice, &bob] {
        assert_eq!(lines_starting(client, "despawned "), despawned);
    }

    // The server saw both peers and refused nothing.
    for id in [alice_id, bob_id] {
        assert!(game.events.contains(&MultiplayerEvent::PeerConnected(id)));
    }
    let tracked = |spawner| -> Vec<String> {
        let tree = &game.server.tree;
        tree.node(spawner)
            .and_then(|n| n.spawner())
            .map(|s| {
                s.tracked_nodes()
                    .filter_map(|n| tree.node(n))
                    .map(|n| n.name().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(tracked(game.nodes.player_spawner), ["P2"]);
    assert_eq!(tracked(game.nodes.item_spawner), ["I2"]);
    game.assert_clean();
    alice.assert_clean();
    bob.assert_clean();
}

/// A spawn nested in another (a squad's own spawner spawned its members): removing the
/// squad despawns the members first, as Godot does; the other order makes Godot fail on the
/// members' DESPAWN (the squad's took them along).
#[test]
fn nested_spawns_despawn_children_first() {
    let mut game = Game::start();
    let (mut alice, _) = game.join("alice", &project());
    let (squad, members) = game.spawn_squad("S1");
    alice.wait_for("spawned PlayerSpawner S1", STEP, || game.pump());
    game.spawn_member(members, "M1", 1.0, 2.0);
    game.spawn_member(members, "M2", 3.0, 4.0);
    alice.wait_for("spawned MemberSpawner M2 in S1", STEP, || game.pump());
    // A late joiner builds the squad before its members.
    let (mut bob, _) = game.join("bob", &project());
    bob.wait_for("spawned MemberSpawner M2 in S1", STEP, || game.pump());
    assert_eq!(
        lines_starting(&bob, "spawned "),
        [
            "spawned PlayerSpawner S1",
            "spawned MemberSpawner M1 in S1",
            "spawned MemberSpawner M2 in S1"
        ]
    );
    game.server.tree.remove_node(squad).unwrap();
    for client in [&mut alice, &mut bob] {
        client.wait_for("despawned PlayerSpawner S1", STEP, || game.pump());
    }
    game.pump_for(std::time::Duration::from_millis(300));
    for client in [&alice, &bob] {
        assert_eq!(
            lines_starting(client, "despawned "),
            [
                "despawned MemberSpawner M2 in S1",
                "despawned MemberSpawner M1 in S1",
                "despawned PlayerSpawner S1"
            ],
            "{}",
            client.name()
        );
    }
    game.assert_clean();
    alice.assert_clean();
    bob.assert_clean();
}
