//! SYNC packing to `max_sync_packet_size` and `replication_interval` (spec D.5, D.7).

mod replication_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use replication_support::add_game;
use support::{SERVER, Sent, World};

fn syncs_to(sent: Vec<Sent>, peer: i32) -> Vec<Vec<u8>> {
    sent.into_iter()
        .filter(|s| s.to == peer && s.data[0] == 0x06)
        .map(|s| s.data)
        .collect()
}

#[test]
fn one_frame_of_sync_is_split_at_max_sync_packet_size() {
    let mut w = World::with_setup(1, |mp| mp.set_max_sync_packet_size(128).unwrap());
    w.pump();
    w.drain_all();
    let spawner = add_game(&mut w.tree, SERVER);
    let path = w.client_path(0).to_owned();
    add_game(&mut w.tree, &path);
    for i in 0..20 {
        w.tree.spawn_scene(spawner, 0, format!("P{i}")).unwrap();
    }
    w.pump();
    w.take_sent(0);
    w.tree.poll().unwrap(); // one network frame
    let packets = syncs_to(w.take_sent(0), w.client_id(0));
    // Each entry: u32 id + u32 size + Vector2 (12 bytes) = 20 bytes; 6 fit after the header.
    let sizes: Vec<usize> = packets.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![123, 123, 123, 43]);
    // Every packet of the frame carries the same sync time.
    assert!(packets.iter().all(|p| p[1..3] == packets[0][1..3]));
}

#[test]
fn replication_interval_spaces_the_syncs() {
    let now = Arc::new(AtomicU64::new(0));
    let clock = now.clone();
    let mut w = World::new(1);
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_clock(Box::new(move || clock.load(Ordering::Relaxed)));
    w.pump();
    w.drain_all();
    let spawner = add_game(&mut w.tree, SERVER);
    let path = w.client_path(0).to_owned();
    add_game(&mut w.tree, &path);
    let player = w.tree.spawn_scene(spawner, 0, "Alice").unwrap();
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    w.tree
        .node_mut(sync)
        .unwrap()
        .synchronizer_mut()
        .unwrap()
        .set_replication_interval(1.0);
    let client = w.client_id(0);
    let mut per_frame = Vec::new();
    for t in [0, 0, 500, 999, 1000, 1500, 2000] {
        now.store(t, Ordering::Relaxed);
        w.tree.poll().unwrap();
        per_frame.push(syncs_to(w.take_sent(0), client).len());
    }
    assert_eq!(per_frame, vec![1, 0, 0, 0, 1, 0, 1]);
}

#[test]
fn undrained_replication_events_are_bounded() {
    use netscene::MultiplayerEvent;
    use netscene::replication::MAX_QUEUED_REPLICATION_EVENTS;
    let mut w = World::connected(1);
    let spawner = add_game(&mut w.tree, SERVER);
    let path = w.client_path(0).to_owned();
    add_game(&mut w.tree, &path);
    let player = w.tree.spawn_scene(spawner, 0, "Alice").unwrap();
    w.pump();
    w.drain_all();
    let is_replication = |e: &MultiplayerEvent| {
        matches!(
            e,
            MultiplayerEvent::Synchronized { .. } | MultiplayerEvent::DeltaSynchronized { .. }
        )
    };
    let frames = MAX_QUEUED_REPLICATION_EVENTS + 100;
    for i in 0..frames {
        replication_support::set_position(&mut w.tree, player, i as f32, 0.0);
        w.tree.poll().unwrap();
        w.net.advance(std::time::Duration::from_millis(1));
    }
    w.tree.poll().unwrap();
    let events = w.events(&path);
    assert_eq!(
        events.iter().filter(|e| is_replication(e)).count(),
        MAX_QUEUED_REPLICATION_EVENTS
    );
    // Drained: events flow again, and the states kept being applied meanwhile.
    let copy = w
        .tree
        .get_node(&format!("{path}/Game/Players/Alice"))
        .unwrap();
    assert_eq!(
        replication_support::position(&w.tree, copy).unwrap().x,
        (frames - 1) as f32
    );
    w.tree.poll().unwrap();
    w.net.advance(std::time::Duration::from_millis(1));
    w.tree.poll().unwrap();
    assert!(w.events(&path).iter().any(is_replication));
}
