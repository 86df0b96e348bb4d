//! A sync state larger than `max_sync_packet_size` is not sent, as in Godot (which only
//! prints an error every frame, Godot issue 89262), and is reported to the game once as
//! `MultiplayerEvent::SyncStateTooLarge`; the other synchronizers' states still go.

mod support;

use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig, wire};
use netscene::{MultiplayerEvent, NodeId, Variant};
use support::{SERVER, World};

const MAX: usize = 128;

struct Game {
    w: World,
    /// `Game/Big` (replicates `blob`) in the server's branch, then the client's.
    big: [NodeId; 2],
    /// `Game/Small` (replicates `a`), server then client.
    small: [NodeId; 2],
    /// The server's `Game/Big/Sync`.
    big_sync: NodeId,
}

fn blob(len: usize) -> Variant {
    Variant::PackedByteArray(vec![7; len])
}

fn game() -> Game {
    let mut w = World::with_setup(1, |mp| mp.set_max_sync_packet_size(MAX).unwrap());
    w.pump();
    w.drain_all();
    let mut syncs = Vec::new();
    let mut nodes = Vec::new();
    for (name, property, value) in [("Big", "blob", blob(4)), ("Small", "a", Variant::Int(0))] {
        let ids = w.add_everywhere(&format!("Game/{name}"));
        let mut config = SceneReplicationConfig::new();
        config.add_property(format!(".:{property}").as_str(), -1);
        for &id in &ids {
            w.tree
                .node_mut(id)
                .unwrap()
                .set_property(property, value.clone());
            let sync = w.tree.add_child(id, "Sync").unwrap();
            w.tree
                .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
                .unwrap();
            syncs.push(sync);
        }
        nodes.push([ids[0], ids[1]]);
    }
    w.pump();
    w.drain_all();
    Game {
        w,
        big: nodes[0],
        small: nodes[1],
        big_sync: syncs[0],
    }
}

fn set(w: &mut World, node: NodeId, property: &str, value: Variant) {
    w.tree.node_mut(node).unwrap().set_property(property, value);
}

fn get(w: &World, node: NodeId, property: &str) -> Option<Variant> {
    w.tree.node(node).unwrap().get_property(property).cloned()
}

fn too_large(events: &[MultiplayerEvent]) -> Vec<(NodeId, usize, usize)> {
    events
        .iter()
        .filter_map(|e| match e {
            MultiplayerEvent::SyncStateTooLarge {
                synchronizer,
                size,
                max,
            } => Some((*synchronizer, *size, *max)),
            _ => None,
        })
        .collect()
}

fn frames(w: &mut World, n: usize) {
    for _ in 0..n {
        w.pump();
    }
}

#[test]
fn an_oversized_state_is_not_sent_and_reported_once() {
    let mut g = game();
    set(&mut g.w, g.big[0], "blob", blob(200));
    set(&mut g.w, g.small[0], "a", Variant::Int(9));
    frames(&mut g.w, 4);
    let reports = too_large(&g.w.events(SERVER));
    assert_eq!(reports.len(), 1, "once, not every frame: {reports:?}");
    let (synchronizer, size, max) = reports[0];
    assert_eq!(synchronizer, g.big_sync);
    assert_eq!(max, MAX);
    assert!(size >= 200 + 8 + 3, "{size}");
    // Not sent: the client keeps its value; every SYNC fits; the other synchronizer syncs.
    assert_eq!(get(&g.w, g.big[1], "blob"), Some(blob(4)));
    let syncs: Vec<_> =
        g.w.take_sent(0)
            .into_iter()
            .filter(|s| s.data[0] == wire::SYNC)
            .collect();
    assert!(!syncs.is_empty());
    assert!(syncs.iter().all(|s| s.data.len() <= MAX));
    assert_eq!(get(&g.w, g.small[1], "a"), Some(Variant::Int(9)));
    let client = g.w.client_path(0).to_owned();
    assert!(too_large(&g.w.events(&client)).is_empty());
}

#[test]
fn it_is_reported_again_only_after_fitting_in_between() {
    let mut g = game();
    set(&mut g.w, g.big[0], "blob", blob(300));
    frames(&mut g.w, 2);
    assert_eq!(too_large(&g.w.events(SERVER)).len(), 1);
    set(&mut g.w, g.big[0], "blob", blob(10));
    frames(&mut g.w, 2);
    assert!(too_large(&g.w.events(SERVER)).is_empty());
    assert_eq!(get(&g.w, g.big[1], "blob"), Some(blob(10)));
    set(&mut g.w, g.big[0], "blob", blob(400));
    frames(&mut g.w, 2);
    let again = too_large(&g.w.events(SERVER));
    assert_eq!(again.len(), 1, "{again:?}");
    assert!(again[0].1 >= 400);
    assert_eq!(get(&g.w, g.big[1], "blob"), Some(blob(10)));
}
