//! Godot's `object_configuration_remove` of replication objects, as netscene does it:
//! removing a synchronizer node or a spawner node. A removed synchronizer sends nothing more
//! (the peers keep the last state); a removed spawner despawns its live spawns on the peers,
//! as Godot's spawner does when it leaves the tree (`object_configuration_remove(node,
//! spawner)` for each tracked node, which sends DESPAWN), while they stay here.

mod replication_support;
mod support;

use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig, wire};
use netscene::{MultiplayerEvent, Variant};
use replication_support::{add_game, count};
use support::{SERVER, World};

#[test]
fn a_removed_synchronizer_sends_nothing_more_and_the_peer_keeps_its_state() {
    let mut w = World::connected(1);
    let things = w.add_everywhere("Game/Thing");
    let mut config = SceneReplicationConfig::new();
    config.add_property(".:hp", -1);
    let mut syncs = Vec::new();
    for &thing in &things {
        w.tree
            .node_mut(thing)
            .unwrap()
            .set_property("hp", Variant::Int(1));
        let sync = w.tree.add_child(thing, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
            .unwrap();
        syncs.push(sync);
    }
    w.tree
        .node_mut(things[0])
        .unwrap()
        .set_property("hp", Variant::Int(2));
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(
        w.tree.node(things[1]).unwrap().get_property("hp"),
        Some(&Variant::Int(2))
    );
    w.drain_all();
    w.tree.remove_node(syncs[0]).unwrap();
    w.tree
        .node_mut(things[0])
        .unwrap()
        .set_property("hp", Variant::Int(3));
    for _ in 0..3 {
        w.pump();
    }
    assert!(
        !w.take_sent(0)
            .iter()
            .any(|s| s.data[0] == wire::SYNC || s.data[0] == wire::DELTA_SYNC),
        "no SYNC after the synchronizer left"
    );
    assert_eq!(
        w.tree.node(things[1]).unwrap().get_property("hp"),
        Some(&Variant::Int(2))
    );
    let client = w.client_path(0).to_owned();
    assert!(w.events(&client).is_empty());
    assert!(w.events(SERVER).is_empty());
}

#[test]
fn a_removed_spawner_despawns_its_spawns_on_the_peers_and_keeps_them_here() {
    let mut w = World::connected(1);
    let client = w.client_path(0).to_owned();
    let spawners = [
        add_game(&mut w.tree, SERVER),
        add_game(&mut w.tree, &client),
    ];
    w.pump();
    w.drain_all();
    let mine = w.tree.spawn_scene(spawners[0], 0, "P").unwrap();
    w.pump();
    let players = w.tree.get_node(&format!("{client}/Game/Players")).unwrap();
    let theirs = w.tree.child_by_name(players, "P").expect("spawned there");
    w.drain_all();
    w.tree.remove_node(spawners[0]).unwrap();
    for _ in 0..3 {
        w.pump();
    }
    let despawns = w
        .take_sent(0)
        .iter()
        .filter(|s| s.data[0] == wire::DESPAWN)
        .count();
    assert_eq!(despawns, 1);
    assert!(w.tree.node(theirs).is_none(), "despawned on the peer");
    assert!(w.tree.node(mine).is_some(), "kept here");
    let events = w.events(&client);
    assert_eq!(
        count(&events, |e| matches!(e, MultiplayerEvent::Despawned { .. })),
        1,
        "{events:?}"
    );
}
