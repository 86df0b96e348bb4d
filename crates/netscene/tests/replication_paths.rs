//! Property, root and spawn paths as the Godot editor saves them (`.:position`, `..`,
//! `Child:prop`, `:prop`), and properties that do not resolve: left out of the wire as Godot
//! leaves them out, never sent as `null`, and reported once.

mod replication_support;
mod support;

use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig, wire,
};
use netscene::variant::{Color, NodePath, Vector2};
use netscene::{MultiplayerEvent, NodeId, SceneTree, SpawnRequest, TreeError, Variant};
use replication_support::{count, position, set_position};
use support::{SERVER, World};

/// Every form of property path Godot resolves, relative to the synchronizer's root (the
/// `Player` node): the editor's `.:prop`, the bare `:prop`, a child's, a subname of a child's
/// and a property of the root's parent.
fn editor_config(extra: &[&str]) -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    for path in [
        ".:position",
        ":speed",
        "Body:color",
        "Body/./Arm:position:y",
    ]
    .iter()
    .chain(extra)
    {
        config.add_property(*path, -1);
    }
    config.add_property(".:hp", -1);
    config.property_set_replication_mode(".:hp", ReplicationMode::OnChange);
    config.add_property("..:round", -1);
    config.property_set_replication_mode("..:round", ReplicationMode::OnChange);
    config
}

fn vec2(x: f32, y: f32) -> Variant {
    Variant::Vector2(Vector2::new(x, y))
}

/// `Player` with `Body/Arm` and a synchronizer whose root path is `root_path` (from the
/// `Sync` node under `Player`).
fn build(
    tree: &mut SceneTree,
    request: &SpawnRequest,
    root_path: &str,
    config: SceneReplicationConfig,
) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    let body = tree.add_child(player, "Body")?;
    let arm = tree.add_child(body, "Arm")?;
    let set = |tree: &mut SceneTree, node, name: &str, value| {
        tree.node_mut(node).unwrap().set_property(name, value);
    };
    set(tree, player, "position", vec2(0.0, 0.0));
    set(tree, player, "speed", Variant::Float(1.0));
    set(tree, player, "hp", Variant::Int(100));
    set(
        tree,
        body,
        "color",
        Variant::Color(Color::new(0.0, 0.0, 0.0, 1.0)),
    );
    set(tree, arm, "position", vec2(0.0, 0.0));
    let sync = tree.add_child(player, "Sync")?;
    let mut role = MultiplayerSynchronizer::new(config);
    role.set_root_path(root_path);
    tree.set_synchronizer(sync, role)?;
    Ok(player)
}

/// A game in every branch: `Game/Players` (with a `round` property) holds a spawner `Spawner`
/// whose spawn path is `.` (the editor's form for "spawn under me") and whose scene 0 builds
/// a player.
fn game(
    clients: usize,
    root_path: &'static str,
    extra: &'static [&'static str],
) -> (World, Vec<NodeId>) {
    let mut w = World::connected(clients);
    let mut spawners = Vec::new();
    let branches: Vec<String> = std::iter::once(SERVER.to_owned())
        .chain(w.clients.iter().map(|c| c.0.clone()))
        .collect();
    for branch in branches {
        let players = w.tree.add_path(&format!("{branch}/Game/Players")).unwrap();
        w.tree
            .node_mut(players)
            .unwrap()
            .set_property("round", Variant::Int(1));
        let spawner = w.tree.add_child(players, "Spawner").unwrap();
        let mut role = MultiplayerSpawner::new("./..");
        role.add_spawnable_scene("player", move |tree, request| {
            build(tree, request, root_path, editor_config(extra))
        });
        w.tree.set_spawner(spawner, role).unwrap();
        spawners.push(spawner);
    }
    (w, spawners)
}

fn prop(tree: &SceneTree, node: NodeId, name: &str) -> Option<Variant> {
    tree.node(node)?.get_property(name).cloned()
}

fn not_found(events: &[MultiplayerEvent]) -> Vec<NodePath> {
    events
        .iter()
        .filter_map(|e| match e {
            MultiplayerEvent::ReplicatedPropertyNotFound { property, .. } => Some(property.clone()),
            _ => None,
        })
        .collect()
}

/// The (mask, state length) of every delta entry in the server's packets to client 0.
fn delta_masks(w: &World) -> Vec<u64> {
    w.take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] == wire::DELTA_SYNC)
        .flat_map(|s| {
            wire::SyncEntries::new(&s.data, true)
                .map(|e| e.unwrap().mask)
                .collect::<Vec<_>>()
        })
        .collect()
}

fn check_editor_paths(root_path: &'static str) {
    let (mut w, spawners) = game(1, root_path, &[]);
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    set_position(&mut w.tree, player, 7.0, 8.0);
    let body = w.tree.child_by_name(player, "Body").unwrap();
    let arm = w.tree.child_by_name(body, "Arm").unwrap();
    let set = |w: &mut World, node, name: &str, value| {
        w.tree.node_mut(node).unwrap().set_property(name, value);
    };
    set(&mut w, player, "speed", Variant::Float(2.5));
    set(&mut w, player, "hp", Variant::Int(42));
    set(
        &mut w,
        body,
        "color",
        Variant::Color(Color::new(1.0, 0.5, 0.0, 1.0)),
    );
    set(&mut w, arm, "position", vec2(3.0, 4.0));
    let server_players = w.tree.get_node(&format!("{SERVER}/Game/Players")).unwrap();
    set(&mut w, server_players, "round", Variant::Int(9));
    w.pump();
    w.pump();

    let client = w.client_path(0).to_owned();
    let players = w.tree.get_node(&format!("{client}/Game/Players")).unwrap();
    let remote = w.tree.child_by_name(players, "Alice").expect("spawned");
    let remote_body = w.tree.child_by_name(remote, "Body").unwrap();
    let remote_arm = w.tree.child_by_name(remote_body, "Arm").unwrap();
    assert_eq!(position(&w.tree, remote), Some(Vector2::new(7.0, 8.0)));
    assert_eq!(prop(&w.tree, remote, "speed"), Some(Variant::Float(2.5)));
    assert_eq!(prop(&w.tree, remote, "hp"), Some(Variant::Int(42)));
    assert_eq!(
        prop(&w.tree, remote_body, "color"),
        Some(Variant::Color(Color::new(1.0, 0.5, 0.0, 1.0)))
    );
    // Only `:y` of the arm's position is replicated.
    assert_eq!(prop(&w.tree, remote_arm, "position"), Some(vec2(0.0, 4.0)));
    assert_eq!(prop(&w.tree, players, "round"), Some(Variant::Int(9)));
    assert!(not_found(&w.events(SERVER)).is_empty());
    assert!(not_found(&w.events(&client)).is_empty());
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    assert_eq!(w.tree.unresolved_replicated_properties(sync), Some(vec![]));

    // Later changes follow, through SYNC and delta.
    set_position(&mut w.tree, player, -1.0, 2.0);
    set(&mut w, player, "hp", Variant::Int(41));
    w.pump();
    assert_eq!(position(&w.tree, remote), Some(Vector2::new(-1.0, 2.0)));
    assert_eq!(prop(&w.tree, remote, "hp"), Some(Variant::Int(41)));
}

#[test]
fn editor_property_paths_replicate_in_spawn_sync_and_delta() {
    check_editor_paths("..");
}

#[test]
fn root_paths_with_dots_resolve_as_in_godot() {
    // `./..` and `../Sync/..` are the parent too; `.` segments change nothing.
    check_editor_paths("./..");
    check_editor_paths("../Sync/..");
}

#[test]
fn an_absolute_property_path_starts_at_root() {
    let mut tree = SceneTree::new();
    let player = tree.add_path("/root/Player").unwrap();
    tree.node_mut(player)
        .unwrap()
        .set_property("hp", Variant::Int(3));
    let holder = tree.add_path("/root/Holder").unwrap();
    let sync = tree.add_child(holder, "Sync").unwrap();
    let mut config = SceneReplicationConfig::new();
    for path in [
        "/root/Player:hp",
        "/root/./Player:hp",
        "/Player:hp",
        "/root/Nope:hp",
    ] {
        config.add_property(path, -1);
    }
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))
        .unwrap();
    // `/Player` names nothing: an absolute path's first name is the root's (`root`).
    assert_eq!(
        tree.unresolved_replicated_properties(sync),
        Some(vec![
            NodePath::new("/Player:hp"),
            NodePath::new("/root/Nope:hp")
        ])
    );
}

#[test]
fn an_empty_root_or_spawn_path_names_nothing() {
    let mut tree = SceneTree::new();
    let player = tree.add_path("/root/Player").unwrap();
    tree.node_mut(player)
        .unwrap()
        .set_property("hp", Variant::Int(3));
    let sync = tree.add_child(player, "Sync").unwrap();
    let mut config = SceneReplicationConfig::new();
    config.add_property(":hp", -1);
    let mut role = MultiplayerSynchronizer::new(config);
    role.set_root_path("");
    tree.set_synchronizer(sync, role).unwrap();
    // Godot's `get_node_or_null(NodePath())` is null: the synchronizer has no root.
    assert_eq!(
        tree.unresolved_replicated_properties(sync),
        Some(vec![NodePath::new(":hp")])
    );
    assert_eq!(tree.unresolved_replicated_properties(player), None);

    let spawner = tree.add_path("/root/Spawner").unwrap();
    let mut role = MultiplayerSpawner::new("");
    role.set_spawn_function(|tree, request| tree.add_child(request.parent, request.name.clone()));
    tree.set_spawner(spawner, role).unwrap();
    assert!(tree.spawn(spawner, "X", Variant::Nil).is_err());
    let mut role = MultiplayerSpawner::new(".");
    role.set_spawn_function(|tree, request| tree.add_child(request.parent, request.name.clone()));
    tree.set_spawner(spawner, role).unwrap();
    let x = tree.spawn(spawner, "X", Variant::Nil).unwrap();
    assert_eq!(tree.get_node("/root/Spawner/X"), Some(x));
}

#[test]
fn a_missing_spawn_property_sends_no_spawn_and_is_reported_once() {
    // `.:missing` is in the spawn state (and the sync list) of every player.
    let (mut w, spawners) = game(1, "..", &[".:missing"]);
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    for _ in 0..3 {
        w.pump();
    }
    let sent = w.take_sent(0);
    assert!(
        !sent.iter().any(|s| s.data[0] == wire::SPAWN),
        "a spawn state with a hole is not sent"
    );
    assert!(!sent.iter().any(|s| s.data[0] == wire::SYNC), "nor a SYNC");
    let client = w.client_path(0).to_owned();
    let players = w.tree.get_node(&format!("{client}/Game/Players")).unwrap();
    assert!(w.tree.child_by_name(players, "Alice").is_none());
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    let events = w.events(SERVER);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, MultiplayerEvent::ReplicatedPropertyNotFound { .. }))
            .collect::<Vec<_>>(),
        vec![&MultiplayerEvent::ReplicatedPropertyNotFound {
            synchronizer: sync,
            property: NodePath::new(".:missing"),
        }]
    );
    assert_eq!(
        w.tree.unresolved_replicated_properties(sync),
        Some(vec![NodePath::new(".:missing")])
    );

    // Once the property exists, a new peer gets the spawn, with its value.
    w.tree
        .node_mut(player)
        .unwrap()
        .set_property("missing", Variant::Int(5));
    w.tree.synchronizer_mut(sync).unwrap().update_visibility(0);
    w.pump();
    let remote = w.tree.child_by_name(players, "Alice").expect("spawned now");
    assert_eq!(prop(&w.tree, remote, "missing"), Some(Variant::Int(5)));
    assert!(not_found(&w.events(SERVER)).is_empty(), "reported once");
}

/// A synchronizer that is not spawned (path-based net id) at `Game/Thing/Sync` in every
/// branch, replicating `paths` of `Thing`; after the first frames, with what the server
/// reported as not found meanwhile.
fn path_synced(paths: &[(&str, ReplicationMode)]) -> (World, Vec<NodeId>, Vec<NodePath>) {
    let mut w = World::connected(1);
    let things = w.add_everywhere("Game/Thing");
    let mut config = SceneReplicationConfig::new();
    for (path, mode) in paths {
        config.add_property(*path, -1);
        config.property_set_replication_mode(path, *mode);
    }
    for &thing in &things {
        let node = w.tree.node_mut(thing).unwrap();
        node.set_property("a", Variant::Int(0));
        node.set_property("b", Variant::Int(0));
        let sync = w.tree.add_child(thing, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
            .unwrap();
    }
    w.pump();
    let reported = not_found(&w.events(SERVER));
    w.drain_all();
    (w, things, reported)
}

#[test]
fn a_missing_sync_property_drops_that_sync_entry_only() {
    let (mut w, things, reported) = path_synced(&[
        (".:a", ReplicationMode::Always),
        (".:nope", ReplicationMode::Always),
    ]);
    assert_eq!(reported, vec![NodePath::new(".:nope")]);
    w.tree
        .node_mut(things[0])
        .unwrap()
        .set_property("a", Variant::Int(7));
    for _ in 0..3 {
        w.pump();
    }
    assert!(
        !w.take_sent(0).iter().any(|s| s.data[0] == wire::SYNC),
        "no SYNC holds a null in place of the missing property"
    );
    assert_eq!(prop(&w.tree, things[1], "a"), Some(Variant::Int(0)));
    assert!(not_found(&w.events(SERVER)).is_empty(), "reported once");
    let client = w.client_path(0).to_owned();
    assert_eq!(
        count(&w.events(&client), |e| matches!(
            e,
            MultiplayerEvent::Synchronized { .. }
        )),
        0
    );
}

#[test]
fn a_missing_watched_property_is_left_out_of_the_delta() {
    let (mut w, things, reported) = path_synced(&[
        (".:nope", ReplicationMode::OnChange),
        (".:a", ReplicationMode::OnChange),
        (".:b", ReplicationMode::OnChange),
    ]);
    // The first delta carried `a` and `b` (bits 1 and 2), never the missing bit 0.
    w.tree
        .node_mut(things[0])
        .unwrap()
        .set_property("b", Variant::Int(3));
    w.pump();
    assert_eq!(delta_masks(&w), vec![0b100]);
    assert_eq!(prop(&w.tree, things[1], "b"), Some(Variant::Int(3)));
    // Reported at the first use, not again.
    assert_eq!(reported, vec![NodePath::new(".:nope")]);
    assert!(not_found(&w.events(SERVER)).is_empty());
    let sync = w
        .tree
        .get_node(&format!("{SERVER}/Game/Thing/Sync"))
        .unwrap();
    assert_eq!(
        w.tree.unresolved_replicated_properties(sync),
        Some(vec![NodePath::new(".:nope")])
    );
}

#[test]
fn the_first_delta_never_selects_a_missing_property() {
    let mut w = World::connected(1);
    let things = w.add_everywhere("Game/Thing");
    let mut config = SceneReplicationConfig::new();
    for path in [".:nope", ".:a"] {
        config.add_property(path, -1);
        config.property_set_replication_mode(path, ReplicationMode::OnChange);
    }
    for &thing in &things {
        w.tree
            .node_mut(thing)
            .unwrap()
            .set_property("a", Variant::Int(4));
        let sync = w.tree.add_child(thing, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(config.clone()))
            .unwrap();
    }
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(delta_masks(&w), vec![0b10]);
    assert_eq!(not_found(&w.events(SERVER)), vec![NodePath::new(".:nope")]);
}

#[test]
fn a_receiver_missing_a_node_stores_the_rest_and_reports_once() {
    let (mut w, things, _) = path_synced(&[
        (".:a", ReplicationMode::Always),
        ("Extra:c", ReplicationMode::Always),
    ]);
    // Only the server has `Extra`.
    let extra = w.tree.add_child(things[0], "Extra").unwrap();
    w.tree
        .node_mut(extra)
        .unwrap()
        .set_property("c", Variant::Int(1));
    w.tree
        .node_mut(things[0])
        .unwrap()
        .set_property("a", Variant::Int(6));
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(prop(&w.tree, things[1], "a"), Some(Variant::Int(6)));
    let client = w.client_path(0).to_owned();
    let events = w.events(&client);
    assert_eq!(not_found(&events), vec![NodePath::new("Extra:c")]);
    assert!(
        count(&events, |e| matches!(
            e,
            MultiplayerEvent::Synchronized { .. }
        )) >= 3
    );
}

#[test]
fn a_removed_synchronizer_is_reported_again_when_added_back() {
    let (mut w, things, reported) = path_synced(&[(".:nope", ReplicationMode::Always)]);
    assert_eq!(reported, vec![NodePath::new(".:nope")]);
    w.pump();
    w.events(SERVER);
    let sync = w
        .tree
        .get_node(&format!("{SERVER}/Game/Thing/Sync"))
        .unwrap();
    w.tree.remove_node(sync).unwrap();
    w.pump();
    let mut config = SceneReplicationConfig::new();
    config.add_property(".:nope", -1);
    let again = w.tree.add_child(things[0], "Sync").unwrap();
    w.tree
        .set_synchronizer(again, MultiplayerSynchronizer::new(config))
        .unwrap();
    w.pump();
    assert_eq!(
        w.events(SERVER)
            .into_iter()
            .filter(|e| matches!(e, MultiplayerEvent::ReplicatedPropertyNotFound { .. }))
            .collect::<Vec<_>>(),
        vec![MultiplayerEvent::ReplicatedPropertyNotFound {
            synchronizer: again,
            property: NodePath::new(".:nope"),
        }]
    );
}
