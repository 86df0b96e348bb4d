//! Godot issue 98052: a path-based synchronizer announced (SIMPLIFY_PATH) to a peer that did
//! not have the node yet. That peer drops the announcement without answering, so the
//! synchronizer stays unconfirmed and, in Godot, never syncs to it. netscene re-sends the
//! unconfirmed announcement after 1 s, then after twice as long each time (at most 4 s), with
//! the same cache id and path, so the sync flows once the node exists there; a confirmed
//! announcement is never repeated.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig, wire};
use netscene::{MultiplayerEvent, NodeId, PacketError, Variant};
use support::{SERVER, Sent, World};

/// Godot's SIMPLIFY_PATH command (low bits of the first byte).
const SIMPLIFY_PATH: u8 = 1;

/// A world whose APIs all read `clock` (ms) for their timers.
fn world_with_clock(clock: &Arc<AtomicU64>) -> World {
    let shared = clock.clone();
    let mut w = World::with_setup(1, move |mp| {
        let c = shared.clone();
        mp.set_clock(Box::new(move || c.load(Ordering::SeqCst)));
    });
    w.pump();
    w.drain_all();
    w
}

fn hp_config() -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    config.add_property(".:hp", -1);
    config
}

/// `Game/Thing` with `hp` and a synchronizer `Sync` under it, in the branch at `branch`.
fn add_thing(w: &mut World, branch: &str, hp: i64) -> NodeId {
    let thing = w.tree.add_path(&format!("{branch}/Game/Thing")).unwrap();
    w.tree
        .node_mut(thing)
        .unwrap()
        .set_property("hp", Variant::Int(hp));
    let sync = w.tree.add_child(thing, "Sync").unwrap();
    w.tree
        .set_synchronizer(sync, MultiplayerSynchronizer::new(hp_config()))
        .unwrap();
    thing
}

fn simplify_paths(sent: &[Sent]) -> Vec<Vec<u8>> {
    sent.iter()
        .filter(|s| s.data[0] & 0x07 == SIMPLIFY_PATH)
        .map(|s| s.data.clone())
        .collect()
}

fn hp(w: &World, node: NodeId) -> Option<Variant> {
    w.tree.node(node)?.get_property("hp").cloned()
}

#[test]
fn a_synchronizer_whose_node_appears_later_on_the_peer_still_syncs() {
    let clock = Arc::new(AtomicU64::new(0));
    let mut w = world_with_clock(&clock);
    let client = w.client_path(0).to_owned();
    let server_thing = add_thing(&mut w, SERVER, 7);
    w.pump();

    // The client lacks the node: it refuses the announcement and answers nothing.
    let first = simplify_paths(&w.take_sent(0));
    assert_eq!(first.len(), 1, "one SIMPLIFY_PATH for the synchronizer");
    assert!(
        w.take_sent(1).is_empty(),
        "no CONFIRM_PATH for a missing node"
    );
    let events = w.events(&client);
    assert!(
        events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected {
                error: PacketError::NodeNotFound(_),
                ..
            }
        )),
        "{events:?}"
    );

    // The node appears on the client. Without the re-send (Godot's behaviour) nothing flows:
    // the announcement is not repeated before its wait is over.
    let client_thing = add_thing(&mut w, &client, 0);
    clock.store(999, Ordering::SeqCst);
    for _ in 0..3 {
        w.pump();
    }
    assert!(simplify_paths(&w.take_sent(0)).is_empty());
    assert_eq!(hp(&w, client_thing), Some(Variant::Int(0)));

    // After 1 s the server announces again, byte for byte the same (same cache id, same
    // path: what a Godot receiver that never stored the id accepts); the client confirms and
    // the state arrives.
    clock.store(1_000, Ordering::SeqCst);
    w.pump();
    assert_eq!(simplify_paths(&w.take_sent(0)), first);
    assert!(
        w.take_sent(1)
            .iter()
            .any(|s| s.data[0] == 0x02 && s.data[1] == 1),
        "the client confirmed (valid checksum)"
    );
    w.pump();
    assert_eq!(hp(&w, client_thing), Some(Variant::Int(7)));
    w.tree
        .node_mut(server_thing)
        .unwrap()
        .set_property("hp", Variant::Int(9));
    w.pump();
    assert_eq!(hp(&w, client_thing), Some(Variant::Int(9)));
    assert!(
        w.take_sent(0).iter().any(|s| s.data[0] == wire::SYNC),
        "SYNC flows"
    );

    // Confirmed: never announced again, however long it runs.
    for t in [5_000, 20_000, 60_000] {
        clock.store(t, Ordering::SeqCst);
        w.pump();
        assert!(simplify_paths(&w.take_sent(0)).is_empty(), "at {t} ms");
    }
    let events = w.events(&client);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::PacketRejected { .. })),
        "{events:?}"
    );
}

#[test]
fn an_unconfirmed_announcement_is_repeated_with_a_growing_wait() {
    let clock = Arc::new(AtomicU64::new(0));
    let mut w = world_with_clock(&clock);
    add_thing(&mut w, SERVER, 1);
    w.pump();
    assert_eq!(simplify_paths(&w.take_sent(0)).len(), 1);
    // Never added on the client: re-sent at 1 s, 3 s (2 s later), 7 s (4 s later), then
    // every 4 s.
    let mut resent_at = Vec::new();
    for t in (250..=16_000).step_by(250) {
        clock.store(t, Ordering::SeqCst);
        w.tree.poll().unwrap();
        w.net.advance(std::time::Duration::from_millis(5));
        w.tree.poll().unwrap();
        if !simplify_paths(&w.take_sent(0)).is_empty() {
            resent_at.push(t);
        }
    }
    assert_eq!(resent_at, [1_000, 3_000, 7_000, 11_000, 15_000]);
}
