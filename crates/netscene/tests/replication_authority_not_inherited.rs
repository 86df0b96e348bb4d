//! Multiplayer authority is not inherited: a node added under a subtree a client owns starts
//! at authority 1 (the server), as every new node in Godot 4, whose `Node` starts at 1 and
//! whose `set_multiplayer_authority(id, true)` reaches only the children that exist. A
//! synchronizer added later to a client's avatar therefore belongs to the server until it is
//! given an owner, on both ends, and its SYNCs go from the server to the client.

mod support;

use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig};
use netscene::{NodeId, Variant};
use support::{SERVER, World};

fn hp(w: &World, node: NodeId) -> Option<Variant> {
    w.tree.node(node)?.get_property("hp").cloned()
}

/// `Game/Avatar` everywhere, given to the client recursively, then `Avatar/Sync` (replicating
/// `hp`) added afterwards. Returns the world, the avatars and the synchronizers (server first).
fn avatar_with_late_sync() -> (World, Vec<NodeId>, Vec<NodeId>) {
    let mut w = World::connected(1);
    let client = w.client_id(0);
    let avatars = w.add_everywhere("Game/Avatar");
    let mut config = SceneReplicationConfig::new();
    config.add_property(".:hp", -1);
    let mut syncs = Vec::new();
    for &avatar in &avatars {
        w.tree
            .node_mut(avatar)
            .unwrap()
            .set_property("hp", Variant::Int(100));
        w.tree
            .set_multiplayer_authority(avatar, client, true)
            .unwrap();
        let sync = w.tree.add_child(avatar, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
            .unwrap();
        syncs.push(sync);
    }
    w.pump();
    w.drain_all();
    (w, avatars, syncs)
}

#[test]
fn a_child_added_after_a_recursive_set_starts_at_the_server() {
    let (w, avatars, syncs) = avatar_with_late_sync();
    let client = w.client_id(0);
    let client_path = w.client_path(0).to_owned();
    for (&avatar, &sync) in avatars.iter().zip(&syncs) {
        assert_eq!(w.tree.get_multiplayer_authority(avatar), client);
        assert_eq!(w.tree.get_multiplayer_authority(sync), 1);
    }
    let server_sync = w
        .tree
        .get_node(&format!("{SERVER}/Game/Avatar/Sync"))
        .unwrap();
    let client_sync = w
        .tree
        .get_node(&format!("{client_path}/Game/Avatar/Sync"))
        .unwrap();
    assert!(w.tree.is_multiplayer_authority(server_sync));
    assert!(!w.tree.is_multiplayer_authority(client_sync));
}

#[test]
fn the_late_synchronizer_syncs_from_the_server_not_from_the_avatar_owner() {
    let (mut w, avatars, _) = avatar_with_late_sync();
    // The client's change stays local: it is not the synchronizer's authority.
    w.tree
        .node_mut(avatars[1])
        .unwrap()
        .set_property("hp", Variant::Int(5));
    // The server's change reaches the client.
    w.tree
        .node_mut(avatars[0])
        .unwrap()
        .set_property("hp", Variant::Int(42));
    for _ in 0..4 {
        w.pump();
    }
    assert_eq!(hp(&w, avatars[0]), Some(Variant::Int(42)));
    assert_eq!(hp(&w, avatars[1]), Some(Variant::Int(42)));
}

#[test]
fn the_late_synchronizer_follows_the_client_once_given_to_it() {
    let (mut w, avatars, syncs) = avatar_with_late_sync();
    let client = w.client_id(0);
    for &sync in &syncs {
        w.tree
            .set_multiplayer_authority(sync, client, false)
            .unwrap();
    }
    w.tree
        .node_mut(avatars[1])
        .unwrap()
        .set_property("hp", Variant::Int(7));
    for _ in 0..4 {
        w.pump();
    }
    assert_eq!(hp(&w, avatars[0]), Some(Variant::Int(7)));
}
