//! The opt-in fallback for sync states larger than `max_sync_packet_size`
//! (`SceneMultiplayer::set_reliable_oversized_sync`): between netscene peers that both enable
//! it, such a state goes alone in a reliable SYNC; to a peer that did not announce it (a
//! Godot peer, or a netscene peer with the option off) it is dropped and reported as
//! `SyncStateTooLarge`, as without the option. The announcement is CONFIRM_PATH's validity
//! byte 3 instead of Godot's 1.

mod support;

use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig, wire};
use netscene::{MultiplayerEvent, NodeId, TransferMode, Variant};
use support::{SERVER, Sent, World};

const MAX: usize = 128;
/// CONFIRM_PATH's command byte.
const CONFIRM_PATH: u8 = 2;

/// A server and one client with `max_sync_packet_size` 128 and the option set per side;
/// `Game/Big` replicates `blob` (ALWAYS) with a path-based synchronizer.
struct Game {
    w: World,
    /// Server's `Game/Big`, then the client's.
    big: [NodeId; 2],
    big_sync: NodeId,
}

fn blob(len: usize) -> Variant {
    Variant::PackedByteArray(vec![7; len])
}

fn game(server_opts_in: bool, client_opts_in: bool) -> Game {
    let mut w = World::with_setup(1, |mp| mp.set_max_sync_packet_size(MAX).unwrap());
    let client = w.client_path(0).to_owned();
    for (path, on) in [(SERVER, server_opts_in), (client.as_str(), client_opts_in)] {
        let mp = w.tree.scene_multiplayer(path).unwrap();
        assert!(!mp.is_reliable_oversized_sync_enabled(), "off by default");
        mp.set_reliable_oversized_sync(on);
    }
    w.pump();
    w.drain_all();
    let ids = w.add_everywhere("Game/Big");
    let mut config = SceneReplicationConfig::new();
    config.add_property(".:blob", -1);
    let mut syncs = Vec::new();
    for &id in &ids {
        w.tree.node_mut(id).unwrap().set_property("blob", blob(4));
        let sync = w.tree.add_child(id, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
            .unwrap();
        syncs.push(sync);
    }
    w.pump();
    Game {
        w,
        big: [ids[0], ids[1]],
        big_sync: syncs[0],
    }
}

fn client_blob(g: &Game) -> Option<Variant> {
    g.w.tree.node(g.big[1])?.get_property("blob").cloned()
}

fn confirm_bytes(sent: &[Sent]) -> Vec<u8> {
    sent.iter()
        .filter(|s| s.data[0] == CONFIRM_PATH)
        .map(|s| s.data[1])
        .collect()
}

fn too_large(events: &[MultiplayerEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, MultiplayerEvent::SyncStateTooLarge { .. }))
        .count()
}

/// The server's SYNC packets (not deltas) with their transfer mode.
fn syncs_sent(sent: &[Sent]) -> Vec<(TransferMode, usize)> {
    sent.iter()
        .filter(|s| s.data[0] == wire::SYNC)
        .map(|s| (s.mode, s.data.len()))
        .collect()
}

#[test]
fn with_both_ends_opted_in_an_oversized_state_arrives_reliably() {
    let mut g = game(true, true);
    // The client announced itself while confirming the synchronizer's path: 3, not 1.
    assert_eq!(confirm_bytes(&g.w.take_sent(1)), [3]);
    g.w.drain_all();

    g.w.tree
        .node_mut(g.big[0])
        .unwrap()
        .set_property("blob", blob(1000));
    g.w.pump();
    assert_eq!(client_blob(&g), Some(blob(1000)));
    let sent = syncs_sent(&g.w.take_sent(0));
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|&(mode, len)| mode == TransferMode::Reliable && len > MAX),
        "alone and reliable: {sent:?}"
    );
    assert_eq!(too_large(&g.w.events(SERVER)), 0);

    // Back under the limit: the usual unreliable SYNC.
    g.w.tree
        .node_mut(g.big[0])
        .unwrap()
        .set_property("blob", blob(8));
    g.w.pump();
    assert_eq!(client_blob(&g), Some(blob(8)));
    let sent = syncs_sent(&g.w.take_sent(0));
    assert!(
        sent.iter()
            .all(|&(mode, len)| mode == TransferMode::Unreliable && len <= MAX),
        "{sent:?}"
    );
}

#[test]
fn without_the_option_the_oversized_state_is_dropped_with_the_event() {
    let mut g = game(false, false);
    // Godot's validity byte.
    assert_eq!(confirm_bytes(&g.w.take_sent(1)), [1]);
    g.w.drain_all();
    g.w.tree
        .node_mut(g.big[0])
        .unwrap()
        .set_property("blob", blob(1000));
    g.w.pump();
    assert_eq!(client_blob(&g), Some(blob(4)));
    assert!(syncs_sent(&g.w.take_sent(0)).is_empty());
    let events = g.w.events(SERVER);
    let reported: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MultiplayerEvent::SyncStateTooLarge {
                synchronizer,
                size,
                max,
            } => Some((*synchronizer, *size > 1000, *max)),
            _ => None,
        })
        .collect();
    assert_eq!(reported, [(g.big_sync, true, MAX)], "{events:?}");
}

#[test]
fn a_spawned_synchronizer_uses_it_too() {
    use netscene::replication::MultiplayerSpawner;
    use netscene::{SceneTree, SpawnRequest, TreeError};

    fn build(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
        let node = tree.add_child(request.parent, request.name.clone())?;
        tree.node_mut(node)
            .ok_or(TreeError::NodeNotFound)?
            .set_property("blob", blob(4));
        let mut config = SceneReplicationConfig::new();
        config.add_property(".:blob", -1);
        let sync = tree.add_child(node, "Sync")?;
        tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
        Ok(node)
    }
    let mut w = World::with_setup(1, |mp| {
        mp.set_max_sync_packet_size(MAX).unwrap();
        mp.set_reliable_oversized_sync(true);
    });
    w.pump();
    w.drain_all();
    let client = w.client_path(0).to_owned();
    let mut spawners = Vec::new();
    for branch in [SERVER, client.as_str()] {
        w.tree.add_path(&format!("{branch}/Items")).unwrap();
        let spawner = w.tree.add_path(&format!("{branch}/Spawner")).unwrap();
        let mut role = MultiplayerSpawner::new("../Items");
        role.add_spawnable_scene("item", build);
        w.tree.set_spawner(spawner, role).unwrap();
        spawners.push(spawner);
    }
    let item = w.tree.spawn_scene(spawners[0], 0, "Item").unwrap();
    w.pump();
    // The client announced itself when confirming the spawner's path.
    assert_eq!(confirm_bytes(&w.take_sent(1)), [3]);
    w.tree
        .node_mut(item)
        .unwrap()
        .set_property("blob", blob(2000));
    w.pump();
    let theirs = w.tree.get_node(&format!("{client}/Items/Item")).unwrap();
    assert_eq!(
        w.tree.node(theirs).unwrap().get_property("blob"),
        Some(&blob(2000))
    );
    assert_eq!(too_large(&w.events(SERVER)), 0);
}

#[test]
fn a_peer_that_did_not_announce_keeps_godots_behaviour() {
    // The server opted in, the client (as a Godot peer would) did not announce.
    let mut g = game(true, false);
    assert_eq!(confirm_bytes(&g.w.take_sent(1)), [1]);
    g.w.drain_all();
    g.w.tree
        .node_mut(g.big[0])
        .unwrap()
        .set_property("blob", blob(1000));
    g.w.pump();
    assert_eq!(client_blob(&g), Some(blob(4)));
    assert!(syncs_sent(&g.w.take_sent(0)).is_empty());
    assert_eq!(too_large(&g.w.events(SERVER)), 1);

    // The client opting in alone does not make the server send either.
    let mut g = game(false, true);
    assert_eq!(confirm_bytes(&g.w.take_sent(1)), [3]);
    g.w.drain_all();
    g.w.tree
        .node_mut(g.big[0])
        .unwrap()
        .set_property("blob", blob(1000));
    g.w.pump();
    assert_eq!(client_blob(&g), Some(blob(4)));
    assert_eq!(too_large(&g.w.events(SERVER)), 1);
}
