//! A synchronizer whose `root_path` is not the default `..` (its parent), over the wire
//! between netscene peers: its properties resolve under that root on both ends, while a
//! path-based synchronizer is still announced by its own path (Godot's SIMPLIFY_PATH names
//! the synchronizer node, not its root).

mod support;

use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig, wire,
};
use netscene::{NodeId, SceneTree, SpawnRequest, TreeError, Variant};
use support::{SERVER, World};

/// Godot's SIMPLIFY_PATH command (low bits of the first byte).
const SIMPLIFY_PATH: u8 = 1;

fn get(w: &World, node: NodeId, property: &str) -> Option<Variant> {
    w.tree.node(node)?.get_property(property).cloned()
}

fn set(w: &mut World, node: NodeId, property: &str, value: Variant) {
    w.tree.node_mut(node).unwrap().set_property(property, value);
}

fn hp_and_score() -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    config.add_property(":hp", -1);
    config.add_property(":score", -1);
    config.property_set_replication_mode(":score", ReplicationMode::OnChange);
    config
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_path_based_synchronizer_replicates_a_root_outside_its_parent() {
    let mut w = World::connected(1);
    let things = w.add_everywhere("Game/World/Thing");
    let nets = w.add_everywhere("Game/Net");
    for (&thing, &net) in things.iter().zip(&nets) {
        set(&mut w, thing, "hp", Variant::Int(0));
        set(&mut w, thing, "score", Variant::Int(0));
        // Its parent `Net` has neither property: only the root path makes them resolve.
        let sync = w.tree.add_child(net, "Sync").unwrap();
        let mut role = MultiplayerSynchronizer::new(hp_and_score());
        role.set_root_path("../../World/Thing");
        w.tree.set_synchronizer(sync, role).unwrap();
    }
    w.pump();
    w.drain_all();
    set(&mut w, things[0], "hp", Variant::Int(5));
    set(&mut w, things[0], "score", Variant::Int(3));
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(get(&w, things[1], "hp"), Some(Variant::Int(5)));
    assert_eq!(get(&w, things[1], "score"), Some(Variant::Int(3)));
    assert!(w.tree.unresolved_replicated_properties(nets[1]).is_none());
    let sync = w.tree.child_by_name(nets[0], "Sync").unwrap();
    assert_eq!(
        w.tree.unresolved_replicated_properties(sync),
        Some(Vec::new())
    );

    // Fresh announcement to a late client: the SIMPLIFY_PATH names the synchronizer.
    let mut w = World::connected(1);
    let thing = w
        .tree
        .add_path(&format!("{SERVER}/Game/World/Thing"))
        .unwrap();
    set(&mut w, thing, "hp", Variant::Int(1));
    set(&mut w, thing, "score", Variant::Int(1));
    let net = w.tree.add_path(&format!("{SERVER}/Game/Net")).unwrap();
    let sync = w.tree.add_child(net, "Sync").unwrap();
    let mut role = MultiplayerSynchronizer::new(hp_and_score());
    role.set_root_path("../../World/Thing");
    w.tree.set_synchronizer(sync, role).unwrap();
    w.pump();
    let simplify: Vec<_> = w
        .take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] & 0x0F == SIMPLIFY_PATH)
        .collect();
    assert!(
        simplify.iter().any(|s| contains(&s.data, b"Game/Net/Sync")),
        "{simplify:?}"
    );
    assert!(
        !simplify.iter().any(|s| contains(&s.data, b"World/Thing")),
        "the root is never announced"
    );
}

/// A player whose synchronizer (`Player/Sync`) replicates its sibling `Player/Body`. Godot
/// files a synchronizer under its root node (`object_configuration_add(root, sync)`), so a
/// spawn lists only the synchronizers rooted at the spawned node: this one is path-based.
fn build_player(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let body = tree.add_child(player, "Body")?;
    let node = tree.node_mut(body).ok_or(TreeError::NodeNotFound)?;
    node.set_property("hp", Variant::Int(100));
    node.set_property("score", Variant::Int(0));
    let sync = tree.add_child(player, "Sync")?;
    let mut role = MultiplayerSynchronizer::new(hp_and_score());
    role.set_root_path("../Body");
    tree.set_synchronizer(sync, role)?;
    Ok(player)
}

#[test]
fn a_synchronizer_rooted_below_the_spawn_is_path_based_as_in_godot() {
    let mut w = World::connected(1);
    let mut spawners = Vec::new();
    for players in w.add_everywhere("Game/Players") {
        let spawner = w.tree.add_child(players, "Spawner").unwrap();
        let mut role = MultiplayerSpawner::new("..");
        role.add_spawnable_scene("player", build_player);
        w.tree.set_spawner(spawner, role).unwrap();
        spawners.push(spawner);
    }
    w.pump();
    w.drain_all();
    let player = w.tree.spawn_scene(spawners[0], 0, "P").unwrap();
    let body = w.tree.child_by_name(player, "Body").unwrap();
    set(&mut w, body, "hp", Variant::Int(77));
    w.pump();
    let sent = w.take_sent(0);
    let spawn = sent
        .iter()
        .find(|s| s.data[0] == wire::SPAWN)
        .expect("a SPAWN");
    assert_eq!(wire::Spawn::parse(&spawn.data).unwrap().sync_count(), 0);
    assert!(
        sent.iter()
            .any(|s| s.data[0] & 0x0F == SIMPLIFY_PATH && contains(&s.data, b"Players/P/Sync")),
        "announced by its path"
    );
    let players = w
        .tree
        .get_node(&format!("{}/Game/Players", w.client_path(0)))
        .unwrap();
    let theirs = w.tree.child_by_name(players, "P").expect("spawned");
    let their_body = w.tree.child_by_name(theirs, "Body").unwrap();
    assert_eq!(get(&w, their_body, "hp"), Some(Variant::Int(77)));
    set(&mut w, body, "hp", Variant::Int(50));
    set(&mut w, body, "score", Variant::Int(9));
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(get(&w, their_body, "hp"), Some(Variant::Int(50)));
    assert_eq!(get(&w, their_body, "score"), Some(Variant::Int(9)));
    assert_eq!(get(&w, theirs, "hp"), None, "not the synchronizer's parent");
}
