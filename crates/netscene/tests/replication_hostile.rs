//! Hostile replication bytes: truncated packets, huge counts and lengths, unknown ids. Each
//! is dropped with a typed `ReplicationRejected` event, nothing panics, nothing is allocated
//! by the peer's numbers, and the client stays usable.

mod replication_support;
mod support;

use netscene::replication::{MultiplayerSpawner, ReplicationError};
use netscene::wire::SimplifyPath;
use netscene::{MultiplayerEvent, PacketError, TransferMode};
use replication_support::{add_game, build_marker, build_player};
use support::{SERVER, World};

fn send_raw(w: &mut World, bytes: &[u8]) {
    let path = w.client_path(0).to_owned();
    w.tree
        .multiplayer(&path)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .send(1, TransferMode::Reliable, 0, bytes)
        .unwrap();
}

fn rejections(w: &mut World) -> Vec<ReplicationError> {
    w.events(SERVER)
        .into_iter()
        .filter_map(|e| match e {
            MultiplayerEvent::ReplicationRejected { error, .. } => Some(error),
            MultiplayerEvent::PacketRejected { error, .. } => panic!("unexpected {error:?}"),
            _ => None,
        })
        .collect()
}

fn spawn_header(scene: u8, spawner: u32, net_id: u32, syncs: u32, name_len: u32) -> Vec<u8> {
    let mut p = vec![0x04, scene];
    for v in [spawner, net_id, syncs, name_len] {
        p.extend_from_slice(&v.to_le_bytes());
    }
    p
}

#[test]
fn malformed_replication_packets_are_refused_without_panic() {
    let mut w = World::connected(1);
    let client = w.client_id(0);
    let spawner = add_game(&mut w.tree, SERVER);
    // The client owns this spawner on the server, so its SPAWNs pass the authority check,
    // and the player factory gives it the synchronizers it spawns (spawned nodes start at
    // authority 1, as in Godot).
    w.tree
        .set_multiplayer_authority(spawner, client, false)
        .unwrap();
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("player", move |tree, request| {
        let player = build_player(tree, request)?;
        tree.set_multiplayer_authority(player, client, true)?;
        Ok(player)
    })
    .add_spawnable_scene("marker", build_marker);
    w.tree.set_spawner(spawner, role).unwrap();
    // Announce the server's spawner as cache id 9 from the client.
    let mut simplify = Vec::new();
    SimplifyPath {
        checksum: *b"d41d8cd98f00b204e9800998ecf8427e",
        cache_id: 9,
        path: "Game/Spawner",
    }
    .emit(&mut simplify);
    send_raw(&mut w, &simplify);
    w.pump();
    w.drain_all();

    let truncated = |what, len, need| ReplicationError::Truncated { what, len, need };
    let mut name_then_arg = spawn_header(0xFF, 9, 1, 0, 2);
    name_then_arg.extend_from_slice(b"A\0");
    name_then_arg.extend_from_slice(&u32::MAX.to_le_bytes());
    let mut bad_name = spawn_header(0, 9, 1, 0, 4);
    bad_name.extend_from_slice(b"a/b\0");
    let mut empty_name = spawn_header(0, 9, 1, 0, 1);
    empty_name.push(0);
    let mut unknown_scene = spawn_header(7, 9, 1, 0, 2);
    unknown_scene.extend_from_slice(b"A\0");
    let mut too_many_syncs = spawn_header(1, 9, 1, 1, 2);
    too_many_syncs.extend_from_slice(&5u32.to_le_bytes());
    too_many_syncs.extend_from_slice(b"A\0");
    let mut missing_state = spawn_header(0, 9, 1, 1, 2);
    missing_state.extend_from_slice(&5u32.to_le_bytes());
    missing_state.extend_from_slice(b"B\0");
    let mut unknown_spawner = spawn_header(0, 77, 1, 0, 2);
    unknown_spawner.extend_from_slice(b"A\0");
    let cases: Vec<(Vec<u8>, ReplicationError)> = vec![
        (vec![0x04, 0, 9, 0, 0, 0], truncated("SPAWN header", 6, 18)),
        (
            spawn_header(0, 9, 1, u32::MAX, 2),
            truncated("SPAWN ids and name", 18, 18 + 4 * u64::from(u32::MAX) + 2),
        ),
        (
            spawn_header(0, 9, 1, 0, u32::MAX),
            truncated("SPAWN ids and name", 18, 18 + u64::from(u32::MAX)),
        ),
        (
            name_then_arg,
            truncated("SPAWN argument", 24, 24 + u64::from(u32::MAX)),
        ),
        (bad_name, ReplicationError::InvalidName("a/b".into())),
        (empty_name, ReplicationError::InvalidName(String::new())),
        (unknown_scene, ReplicationError::UnknownScene(7)),
        (
            too_many_syncs,
            ReplicationError::SynchronizerCount { sent: 1, local: 0 },
        ),
        (
            unknown_spawner,
            ReplicationError::Cache(PacketError::UnknownCacheId(77)),
        ),
        (vec![0x05, 1, 0], truncated("DESPAWN", 3, 5)),
        (vec![0x05, 1, 0, 0, 0], ReplicationError::UnknownNetId(1)),
        (vec![0x06, 1, 0, 1, 0, 0, 0], truncated("SYNC", 7, 11)),
        (
            [&[0x06, 1, 0, 1, 0, 0, 0][..], &u32::MAX.to_le_bytes()].concat(),
            truncated("SYNC entry state", 8, 8 + u64::from(u32::MAX)),
        ),
        (
            [
                &[0x16, 1, 0, 0, 0][..],
                &u64::MAX.to_le_bytes(),
                &[9, 0, 0, 0],
            ]
            .concat(),
            truncated("SYNC entry state", 16, 25),
        ),
        (
            vec![0x16, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            truncated("SYNC entry header", 14, 16),
        ),
    ];
    for (bytes, expected) in cases {
        send_raw(&mut w, &bytes);
        w.pump();
        assert_eq!(rejections(&mut w), vec![expected], "{bytes:02x?}");
    }
    // A SPAWN whose factory builds a synchronizer but whose state is missing spawns nothing.
    let players = w.tree.get_node(&format!("{SERVER}/Game/Players")).unwrap();
    send_raw(&mut w, &missing_state);
    w.pump();
    let refused = rejections(&mut w);
    assert!(
        matches!(refused[..], [ReplicationError::Value(_)]),
        "{refused:?}"
    );
    assert!(w.tree.child_by_name(players, "B").is_none());
    // Unknown synchronizers in a well-formed SYNC are skipped silently.
    send_raw(&mut w, &[0x06, 1, 0, 0x44, 0, 0, 0, 2, 0, 0, 0, 0x02, 5]);
    w.pump();
    assert_eq!(rejections(&mut w), vec![]);

    // Still connected, and a proper spawn from the (client-owned) spawner works.
    let mut good = spawn_header(1, 9, 1, 0, 2);
    good.extend_from_slice(b"A\0");
    send_raw(&mut w, &good);
    w.pump();
    assert_eq!(rejections(&mut w), vec![]);
    let spawned = w.tree.child_by_name(players, "A").unwrap();
    // The same net id again is a duplicate; the same name is taken.
    let mut again = spawn_header(1, 9, 1, 0, 2);
    again.extend_from_slice(b"Z\0");
    send_raw(&mut w, &again);
    send_raw(&mut w, &[&spawn_header(1, 9, 2, 0, 2)[..], b"A\0"].concat());
    w.pump();
    assert_eq!(
        rejections(&mut w),
        vec![
            ReplicationError::DuplicateNetId(1),
            ReplicationError::Tree(netscene::TreeError::NameTaken("A".into())),
        ]
    );
    send_raw(&mut w, &[0x05, 1, 0, 0, 0]);
    w.pump();
    assert!(w.tree.node(spawned).is_none());
    assert_eq!(rejections(&mut w), vec![]);
    assert_eq!(
        w.tree.multiplayer(SERVER).unwrap().get_peers(),
        vec![client]
    );
}

#[test]
fn a_spawn_flood_stops_at_the_spawn_limit() {
    let mut w = World::connected(1);
    let client = w.client_id(0);
    let spawner = add_game(&mut w.tree, SERVER);
    w.tree
        .set_multiplayer_authority(spawner, client, false)
        .unwrap();
    w.tree.spawner_mut(spawner).unwrap().set_spawn_limit(10);
    let mut simplify = Vec::new();
    SimplifyPath {
        checksum: *b"d41d8cd98f00b204e9800998ecf8427e",
        cache_id: 1,
        path: "Game/Spawner",
    }
    .emit(&mut simplify);
    send_raw(&mut w, &simplify);
    for i in 0..100u32 {
        let name = format!("N{i}\0");
        let mut p = spawn_header(1, 1, i + 1, 0, name.len() as u32);
        p.extend_from_slice(name.as_bytes());
        send_raw(&mut w, &p);
    }
    w.pump();
    let players = w.tree.get_node(&format!("{SERVER}/Game/Players")).unwrap();
    assert_eq!(w.tree.node(players).unwrap().children().len(), 10);
    let refused = rejections(&mut w);
    assert_eq!(refused.len(), 90);
    assert!(
        refused
            .iter()
            .all(|e| *e == ReplicationError::SpawnLimit(10))
    );
}

#[test]
fn bad_sync_entries_from_the_authority_are_refused_or_skipped() {
    use netscene::Variant;
    use netscene::replication::{MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig};
    let mut w = World::connected(1);
    let client = w.client_id(0);
    // A client-owned synchronizer on the server: `a` ALWAYS, `b` ON_CHANGE.
    let game = w.tree.add_path(&format!("{SERVER}/Game")).unwrap();
    let sync = w.tree.add_child(game, "Sync").unwrap();
    let mut config = SceneReplicationConfig::new();
    config.add_property(":a", -1);
    config.add_property(":b", -1);
    config.property_set_replication_mode(":b", ReplicationMode::OnChange);
    w.tree
        .set_synchronizer(sync, MultiplayerSynchronizer::new(config))
        .unwrap();
    w.tree
        .set_multiplayer_authority(sync, client, false)
        .unwrap();
    let mut simplify = Vec::new();
    SimplifyPath {
        checksum: *b"d41d8cd98f00b204e9800998ecf8427e",
        cache_id: 10,
        path: "Game/Sync",
    }
    .emit(&mut simplify);
    send_raw(&mut w, &simplify);
    w.pump();
    w.drain_all();
    let id = 0x8000_000Au32.to_le_bytes();
    let sync_packet = |time: u16, value: u8| {
        [
            &[0x06][..],
            &time.to_le_bytes(),
            &id,
            &[2, 0, 0, 0, 0x02, value],
        ]
        .concat()
    };
    let a = |w: &World| w.tree.node(game).unwrap().get_property("a").cloned();

    send_raw(&mut w, &sync_packet(5, 50));
    w.pump();
    assert_eq!(a(&w), Some(Variant::Int(50)));
    // Older (and equal) times are skipped silently; a wrapped-around time is newer.
    send_raw(&mut w, &sync_packet(4, 40));
    send_raw(&mut w, &sync_packet(5, 41));
    w.pump();
    assert_eq!(a(&w), Some(Variant::Int(50)));
    assert_eq!(rejections(&mut w), vec![]);
    send_raw(&mut w, &sync_packet(5u16.wrapping_sub(40000), 60));
    w.pump();
    assert_eq!(a(&w), Some(Variant::Int(60)));

    let delta = |mask: u64, state: &[u8]| {
        [
            &[0x16][..],
            &id,
            &mask.to_le_bytes(),
            &(state.len() as u32).to_le_bytes(),
            state,
        ]
        .concat()
    };
    send_raw(&mut w, &delta(0, &[]));
    send_raw(&mut w, &delta(1, &[0x02, 7, 0]));
    w.pump();
    assert_eq!(
        rejections(&mut w),
        vec![
            ReplicationError::EmptyDelta(0),
            ReplicationError::StateSize { size: 3, used: 2 },
        ]
    );
    send_raw(&mut w, &delta(1, &[0x02, 7]));
    w.pump();
    assert_eq!(
        w.tree.node(game).unwrap().get_property("b"),
        Some(&Variant::Int(7))
    );
    // Still connected.
    assert_eq!(
        w.tree.multiplayer(SERVER).unwrap().get_peers(),
        vec![client]
    );
}
