//! Golden bytes P19–P23 (spec golden-vectors.md 3.3), as sent by a real server over the
//! simulated network, and their parsing.

mod replication_support;
mod support;

use netscene::replication::wire::{Spawn, SyncEntries, parse_despawn};
use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig,
};
use netscene::variant::Vector2;
use netscene::{
    MultiplayerEvent, NodeId, SceneTree, SpawnRequest, TransferMode, TreeError, Variant,
};
use replication_support::build_marker;
use support::{SERVER, Sent, World};

const P19: &[u8] = &[0x05, 0x01, 0x00, 0x00, 0x00];
const P20: &[u8] = &[
    0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00,
    0x00, 0x00, 0x50, 0x6c, 0x61, 0x79, 0x65, 0x72, 0x00,
];
const P21: &[u8] = &[
    0x04, 0xff, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00,
    0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x05, 0x05, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40,
];
const P22: &[u8] = &[
    0x06, 0x01, 0x00, 0x01, 0x00, 0x00, 0x80, 0x02, 0x00, 0x00, 0x00, 0x02, 0x05,
];
const P23: &[u8] = &[
    0x16, 0x01, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x02, 0x05,
];

/// Replication packets (command 4, 5, 6) the server sent, in order.
fn replication_sent(w: &World) -> Vec<Sent> {
    w.take_sent(0)
        .into_iter()
        .filter(|s| matches!(s.data[0] & 7, 4..=6))
        .collect()
}

/// The custom spawn of P21: a node with a synchronizer whose spawn state is `position`.
fn build_custom(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let node = tree.add_child(request.parent, request.name.clone())?;
    let Variant::Int(arg) = request.data else {
        return Err(TreeError::InvalidName("bad argument".into()));
    };
    tree.node_mut(node)
        .unwrap()
        .set_property("arg", Variant::Int(arg));
    tree.node_mut(node)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(1.0, 2.0)));
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1);
    config.property_set_replication_mode(":position", ReplicationMode::Never);
    let sync = tree.add_child(node, "Sync")?;
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
    Ok(node)
}

fn add_spawner(tree: &mut SceneTree, branch: &str) -> NodeId {
    tree.add_path(&format!("{branch}/Players")).unwrap();
    let spawner = tree.add_path(&format!("{branch}/Spawner")).unwrap();
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("player", build_marker)
        .set_spawn_function(build_custom);
    tree.set_spawner(spawner, role).unwrap();
    spawner
}

#[test]
fn spawn_custom_spawn_and_despawn_are_byte_exact() {
    let mut w = World::connected(1);
    let client = w.client_path(0).to_owned();
    let server_spawner = add_spawner(&mut w.tree, SERVER);
    let client_spawner = add_spawner(&mut w.tree, &client);

    let player = w.tree.spawn_scene(server_spawner, 0, "Player").unwrap();
    w.pump();
    let sent = replication_sent(&w);
    assert_eq!(sent.len(), 1, "{sent:02x?}");
    assert_eq!(sent[0].data, P20);
    assert_eq!(sent[0].mode, TransferMode::Reliable);
    assert_eq!(sent[0].channel, 0);

    let custom = w.tree.spawn(server_spawner, "P", Variant::Int(5)).unwrap();
    w.pump();
    let sent = replication_sent(&w);
    assert_eq!(sent.len(), 1, "{sent:02x?}");
    assert_eq!(sent[0].data, P21);

    // The client built both, the custom one from the argument and the spawn state.
    let players = w.tree.get_node(&format!("{client}/Players")).unwrap();
    let remote_player = w.tree.child_by_name(players, "Player").unwrap();
    let remote_p = w.tree.child_by_name(players, "P").unwrap();
    let node = w.tree.node(remote_p).unwrap();
    assert_eq!(node.get_property("arg"), Some(&Variant::Int(5)));
    assert_eq!(
        node.get_property("position"),
        Some(&Variant::Vector2(Vector2::new(1.0, 2.0)))
    );
    let events = w.events(&client);
    assert!(events.contains(&MultiplayerEvent::Spawned {
        spawner: client_spawner,
        node: remote_player
    }));
    assert!(events.contains(&MultiplayerEvent::Spawned {
        spawner: client_spawner,
        node: remote_p
    }));

    w.tree.remove_node(player).unwrap();
    w.pump();
    let sent = replication_sent(&w);
    assert_eq!(sent.len(), 1, "{sent:02x?}");
    assert_eq!(sent[0].data, P19);
    assert!(w.tree.node(remote_player).is_none());
    assert!(w.tree.node(remote_p).is_some());
    assert!(w.events(&client).contains(&MultiplayerEvent::Despawned {
        spawner: client_spawner,
        node: remote_player
    }));
    assert!(w.tree.node(custom).is_some());
}

/// `Game` with `score` = 5 and a synchronizer `Game/Sync` (not spawned: path-based id).
fn add_scored_game(tree: &mut SceneTree, branch: &str, mode: ReplicationMode) -> NodeId {
    let game = tree.add_path(&format!("{branch}/Game")).unwrap();
    tree.node_mut(game)
        .unwrap()
        .set_property("score", Variant::Int(5));
    let sync = tree.add_child(game, "Sync").unwrap();
    let mut config = SceneReplicationConfig::new();
    config.add_property(":score", -1);
    config.property_set_replication_mode(":score", mode);
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))
        .unwrap();
    sync
}

#[test]
fn path_based_sync_is_byte_exact_after_the_path_is_confirmed() {
    let mut w = World::connected(1);
    let client = w.client_path(0).to_owned();
    add_scored_game(&mut w.tree, SERVER, ReplicationMode::Always);
    let client_sync = add_scored_game(&mut w.tree, &client, ReplicationMode::Always);
    let client_game = w.tree.get_node(&format!("{client}/Game")).unwrap();
    w.tree
        .node_mut(client_game)
        .unwrap()
        .set_property("score", Variant::Int(0));
    w.pump();
    let sent: Vec<Sent> = w.take_sent(0);
    // SIMPLIFY_PATH first; no SYNC before the client confirmed the path.
    assert_eq!(sent[0].data[0], 0x01);
    let syncs: Vec<&Sent> = sent.iter().filter(|s| s.data[0] == 0x06).collect();
    assert!(!syncs.is_empty());
    assert_eq!(syncs[0].data, P22);
    assert_eq!(syncs[0].mode, TransferMode::Unreliable);
    assert_eq!(
        w.tree.node(client_game).unwrap().get_property("score"),
        Some(&Variant::Int(5))
    );
    assert!(w.events(&client).contains(&MultiplayerEvent::Synchronized {
        synchronizer: client_sync
    }));
}

#[test]
fn path_based_delta_is_byte_exact_and_sent_once() {
    let mut w = World::connected(1);
    let client = w.client_path(0).to_owned();
    add_scored_game(&mut w.tree, SERVER, ReplicationMode::OnChange);
    let client_sync = add_scored_game(&mut w.tree, &client, ReplicationMode::OnChange);
    let client_game = w.tree.get_node(&format!("{client}/Game")).unwrap();
    w.tree
        .node_mut(client_game)
        .unwrap()
        .set_property("score", Variant::Int(0));
    w.pump();
    let deltas: Vec<Sent> = w
        .take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] == 0x16)
        .collect();
    assert_eq!(deltas.len(), 1, "unchanged values are not sent again");
    assert_eq!(deltas[0].data, P23);
    assert_eq!(deltas[0].mode, TransferMode::Reliable);
    assert_eq!(
        w.tree.node(client_game).unwrap().get_property("score"),
        Some(&Variant::Int(5))
    );
    assert_eq!(
        w.events(&client),
        vec![MultiplayerEvent::DeltaSynchronized {
            synchronizer: client_sync
        }]
    );
}

#[test]
fn golden_packets_parse() {
    let spawn = Spawn::parse(P21).unwrap();
    assert_eq!(spawn.scene_id, 0xFF);
    assert_eq!(spawn.spawner_cache_id, 1);
    assert_eq!(spawn.net_id, 2);
    assert_eq!(spawn.sync_ids().collect::<Vec<_>>(), vec![3]);
    assert_eq!(spawn.name, b"P");
    assert_eq!(spawn.arg, Some(&[0x02, 0x05][..]));
    assert_eq!(spawn.state.len(), 12);
    let mut out = Vec::new();
    spawn.emit(&mut out);
    assert_eq!(out, P21);
    let spawn = Spawn::parse(P20).unwrap();
    assert_eq!(
        (spawn.name, spawn.arg, spawn.state),
        (&b"Player"[..], None, &[][..])
    );
    assert_eq!(parse_despawn(P19).unwrap(), 1);
    let entries: Vec<_> = SyncEntries::new(P22, false).map(Result::unwrap).collect();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].net_id, entries[0].state),
        (0x8000_0001, &[2, 5][..])
    );
    let entries: Vec<_> = SyncEntries::new(P23, true).map(Result::unwrap).collect();
    assert_eq!(
        (entries[0].net_id, entries[0].mask, entries[0].state),
        (0x8000_0001, 1, &[2, 5][..])
    );
}
