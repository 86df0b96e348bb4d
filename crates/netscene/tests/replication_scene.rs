//! Replication over the simulated network: one server and clients as branches of one tree.

mod replication_support;
mod support;

use std::time::Duration;

use netscene::peer::simulated::LinkConditions;
use netscene::replication::MultiplayerSpawner;
use netscene::variant::Vector2;
use netscene::{
    MultiplayerEvent, NodeId, ReplicationError, SceneMultiplayer, SceneTree, SpawnRequest,
    TreeError, Variant,
};
use replication_support::{add_game, build_player, count, position, set_position};
use support::{SERVER, World, recording_peer};

fn players(w: &World, branch: &str) -> NodeId {
    w.tree.get_node(&format!("{branch}/Game/Players")).unwrap()
}

/// Server and two clients with the game, connected, events drained.
fn game() -> (World, Vec<NodeId>) {
    let mut w = World::connected(2);
    let mut spawners = vec![add_game(&mut w.tree, SERVER)];
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        spawners.push(add_game(&mut w.tree, &path));
    }
    (w, spawners)
}

/// The server's factory differs from the clients' only in the starting position, so the
/// clients can only learn (7, 8) from the spawn state.
fn build_player_at_7_8(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = build_player(tree, request)?;
    set_position(tree, player, 7.0, 8.0);
    Ok(player)
}

fn server_spawner_at_7_8(w: &mut World, spawner: NodeId) {
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("player", build_player_at_7_8);
    w.tree.set_spawner(spawner, role).unwrap();
}

#[test]
fn spawn_reaches_every_client_with_its_state_and_despawn_removes_it() {
    let (mut w, spawners) = game();
    server_spawner_at_7_8(&mut w, spawners[0]);
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let mut remote = Vec::new();
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        let node = w.tree.child_by_name(players(&w, &path), "Alice").unwrap();
        assert_eq!(
            position(&w.tree, node),
            Some(Vector2::new(7.0, 8.0)),
            "client {i}"
        );
        let events = w.events(&path);
        assert!(events.contains(&MultiplayerEvent::Spawned {
            spawner: spawners[i + 1],
            node
        }));
        assert_eq!(
            count(&events, |e| matches!(e, MultiplayerEvent::Spawned { .. })),
            1
        );
        remote.push(node);
    }
    // The authority itself gets no spawned event.
    assert!(
        !w.events(SERVER)
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::Spawned { .. }))
    );
    w.tree.remove_node(player).unwrap();
    w.pump();
    for (i, node) in remote.into_iter().enumerate() {
        assert!(w.tree.node(node).is_none(), "client {i}");
        let path = w.client_path(i).to_owned();
        assert!(w.events(&path).contains(&MultiplayerEvent::Despawned {
            spawner: spawners[i + 1],
            node
        }));
    }
}

#[test]
fn a_late_joiner_gets_the_existing_spawns() {
    let (mut w, spawners) = game();
    server_spawner_at_7_8(&mut w, spawners[0]);
    w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.tree.spawn_scene(spawners[0], 0, "Bob").unwrap();
    w.pump();
    // A third client connects now.
    let peer = w.net.create_client();
    let log = Default::default();
    let mut mp = SceneMultiplayer::new();
    mp.set_multiplayer_peer(Some(Box::new(recording_peer(peer, log))))
        .unwrap();
    let late = "/root/late";
    w.tree.set_multiplayer(Box::new(mp), late).unwrap();
    w.tree.add_path(late).unwrap();
    add_game(&mut w.tree, late);
    w.pump();
    let parent = players(&w, late);
    for name in ["Alice", "Bob"] {
        let node = w.tree.child_by_name(parent, name).expect(name);
        assert_eq!(position(&w.tree, node), Some(Vector2::new(7.0, 8.0)));
    }
    let events = w.events(late);
    assert_eq!(
        count(&events, |e| matches!(e, MultiplayerEvent::Spawned { .. })),
        2
    );
}

#[test]
fn position_follows_the_server_every_frame() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let remote: Vec<NodeId> = (0..2)
        .map(|i| {
            let path = w.client_path(i).to_owned();
            w.tree.child_by_name(players(&w, &path), "Alice").unwrap()
        })
        .collect();
    for step in 1..=5 {
        set_position(&mut w.tree, player, step as f32, 0.0);
        w.pump();
        for &node in &remote {
            assert_eq!(
                position(&w.tree, node),
                Some(Vector2::new(step as f32, 0.0))
            );
        }
    }
    let path = w.client_path(0).to_owned();
    let events = w.events(&path);
    assert!(
        count(&events, |e| matches!(
            e,
            MultiplayerEvent::Synchronized { .. }
        )) >= 5
    );
}

#[test]
fn under_loss_and_reordering_the_newest_state_wins() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let path = w.client_path(0).to_owned();
    let remote = w.tree.child_by_name(players(&w, &path), "Alice").unwrap();
    let lossy = LinkConditions {
        latency: Duration::from_millis(20),
        jitter: Duration::from_millis(40),
        loss: 0.3,
        ..LinkConditions::PERFECT
    };
    w.net.set_link(w.client_id(0), lossy).unwrap();
    let mut seen = Vec::new();
    for frame in 1..=200 {
        set_position(&mut w.tree, player, frame as f32, 0.0);
        w.tree.poll().unwrap();
        w.net.advance(Duration::from_millis(5));
        let x = position(&w.tree, remote).unwrap().x;
        if seen.last() != Some(&x) {
            seen.push(x);
        }
    }
    assert!(
        seen.windows(2).all(|p| p[0] < p[1]),
        "older after newer: {seen:?}"
    );
    assert!(seen.len() > 20, "hardly anything arrived: {seen:?}");
    // Some states were lost or overtaken, yet the last one wins once the link is clean.
    assert!(seen.len() < 200);
    w.net
        .set_link(w.client_id(0), LinkConditions::PERFECT)
        .unwrap();
    w.pump();
    assert_eq!(position(&w.tree, remote), Some(Vector2::new(200.0, 0.0)));
}

#[test]
fn on_change_properties_are_sent_only_when_they_change() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let path = w.client_path(0).to_owned();
    let remote = w.tree.child_by_name(players(&w, &path), "Alice").unwrap();
    let deltas = |w: &World| {
        w.take_sent(0)
            .into_iter()
            .filter(|s| s.data[0] == 0x16)
            .count()
    };
    // One initial delta per client (hp), then nothing while hp stays.
    assert_eq!(deltas(&w), 2);
    w.events(&path);
    for _ in 0..3 {
        w.pump();
    }
    assert_eq!(deltas(&w), 0);
    assert_eq!(
        count(&w.events(&path), |e| matches!(
            e,
            MultiplayerEvent::DeltaSynchronized { .. }
        )),
        0
    );
    w.tree
        .node_mut(player)
        .unwrap()
        .set_property("hp", Variant::Int(42));
    w.pump();
    assert_eq!(deltas(&w), 2);
    assert_eq!(
        w.tree.node(remote).unwrap().get_property("hp"),
        Some(&Variant::Int(42))
    );
    let sync = w.tree.child_by_name(remote, "Sync").unwrap();
    assert!(
        w.events(&path)
            .contains(&MultiplayerEvent::DeltaSynchronized { synchronizer: sync })
    );
}

#[test]
fn a_client_that_is_not_the_authority_cannot_spawn_or_sync() {
    let (mut w, spawners) = game();
    let path = w.client_path(0).to_owned();
    let client = w.client_id(0);
    // Through the API: refused locally.
    assert!(w.tree.spawn_scene(spawners[1], 0, "Mallory").is_err());
    // A client that claims the authority locally: the server refuses its SPAWN.
    w.tree
        .set_multiplayer_authority(spawners[1], client, false)
        .unwrap();
    w.tree.spawn_scene(spawners[1], 0, "Mallory").unwrap();
    w.pump();
    assert!(
        w.tree
            .child_by_name(players(&w, SERVER), "Mallory")
            .is_none()
    );
    let events = w.events(SERVER);
    assert!(
        events.contains(&MultiplayerEvent::ReplicationRejected {
            from: client,
            error: ReplicationError::NotAuthority {
                sender: client,
                authority: 1
            }
        }),
        "{events:?}"
    );
    // Its SYNC for a server-owned player is refused too.
    w.tree
        .set_multiplayer_authority(spawners[1], 1, false)
        .unwrap();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let remote = w.tree.child_by_name(players(&w, &path), "Alice").unwrap();
    let remote_sync = w.tree.child_by_name(remote, "Sync").unwrap();
    w.tree
        .set_multiplayer_authority(remote_sync, client, false)
        .unwrap();
    set_position(&mut w.tree, remote, 99.0, 99.0);
    w.events(SERVER);
    w.pump();
    assert_eq!(position(&w.tree, player), Some(Vector2::new(0.0, 0.0)));
    let events = w.events(SERVER);
    assert!(
        events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::ReplicationRejected {
                error: ReplicationError::NotAuthority { .. },
                ..
            }
        )),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::Synchronized { .. }))
    );
}

#[test]
fn a_synchronizer_hidden_from_a_peer_despawns_there_and_stops_syncing() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    let visible = w.client_id(0);
    w.tree
        .node_mut(sync)
        .unwrap()
        .synchronizer_mut()
        .unwrap()
        .set_visibility_for(0, false)
        .set_visibility_for(visible, true);
    w.pump();
    let path0 = w.client_path(0).to_owned();
    let path1 = w.client_path(1).to_owned();
    assert!(w.tree.child_by_name(players(&w, &path0), "Alice").is_some());
    assert!(w.tree.child_by_name(players(&w, &path1), "Alice").is_none());
    // Shown again: spawned again.
    w.tree
        .node_mut(sync)
        .unwrap()
        .synchronizer_mut()
        .unwrap()
        .set_visibility_for(0, true);
    w.pump();
    assert!(w.tree.child_by_name(players(&w, &path1), "Alice").is_some());
}

#[test]
fn spawn_limit_is_enforced_on_the_authority() {
    let (mut w, spawners) = game();
    w.tree.spawner_mut(spawners[0]).unwrap().set_spawn_limit(1);
    w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    assert!(w.tree.spawn_scene(spawners[0], 0, "Bob").is_err());
    assert!(w.tree.spawn_scene(spawners[0], 7, "Carol").is_err());
}

/// Scene "avatar": the player named after its owner's peer id; the owner has authority over
/// its synchronizer (Godot's usual client-driven player).
fn build_avatar(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    let player = build_player(tree, request)?;
    let owner: i32 = request
        .name
        .parse()
        .map_err(|_| TreeError::InvalidName(request.name.to_string()))?;
    let sync = tree.child_by_name(player, "Sync").unwrap();
    tree.set_multiplayer_authority(sync, owner, false)
        .map_err(|_| TreeError::NodeNotFound)?;
    Ok(player)
}

#[test]
fn a_client_owned_synchronizer_in_a_server_spawn_syncs_to_everyone() {
    let (mut w, spawners) = game();
    for &spawner in &spawners {
        let mut role = MultiplayerSpawner::new("../Players");
        role.add_spawnable_scene("avatar", build_avatar);
        w.tree.set_spawner(spawner, role).unwrap();
    }
    let owner = w.client_id(0);
    let name = owner.to_string();
    let server_avatar = w.tree.spawn_scene(spawners[0], 0, name.as_str()).unwrap();
    w.pump();
    let path0 = w.client_path(0).to_owned();
    let path1 = w.client_path(1).to_owned();
    let mine = w.tree.child_by_name(players(&w, &path0), &name).unwrap();
    let theirs = w.tree.child_by_name(players(&w, &path1), &name).unwrap();
    set_position(&mut w.tree, mine, 3.0, 4.0);
    w.pump();
    assert_eq!(
        position(&w.tree, server_avatar),
        Some(Vector2::new(3.0, 4.0))
    );
    assert_eq!(position(&w.tree, theirs), Some(Vector2::new(3.0, 4.0)));
    // The server cannot move it back: it is not the synchronizer's authority.
    set_position(&mut w.tree, server_avatar, 0.0, 0.0);
    w.pump();
    assert_eq!(position(&w.tree, mine), Some(Vector2::new(3.0, 4.0)));
}

#[test]
fn nodes_spawned_by_a_peer_that_leaves_are_freed() {
    let (mut w, spawners) = game();
    let client = w.client_id(0);
    // Client 0 owns a spawner (on its side and on the server's).
    w.tree
        .set_multiplayer_authority(spawners[0], client, false)
        .unwrap();
    w.tree
        .set_multiplayer_authority(spawners[1], client, false)
        .unwrap();
    w.tree.spawn_scene(spawners[1], 1, "Flag").unwrap();
    w.pump();
    let flag = w.tree.child_by_name(players(&w, SERVER), "Flag").unwrap();
    let path1 = w.client_path(1).to_owned();
    let relayed = w.tree.child_by_name(players(&w, &path1), "Flag");
    assert!(
        relayed.is_none(),
        "client 1's spawner is owned by the server"
    );
    // Client 0 leaves.
    let path0 = w.client_path(0).to_owned();
    w.tree
        .multiplayer(&path0)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .close();
    w.pump();
    assert!(w.tree.node(flag).is_none(), "freed when its spawner left");
    assert!(
        !w.events(SERVER)
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::Despawned { .. }))
    );
}

#[test]
fn a_disconnected_client_frees_what_the_server_spawned() {
    let (mut w, spawners) = game();
    w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let path0 = w.client_path(0).to_owned();
    let alice = w.tree.child_by_name(players(&w, &path0), "Alice").unwrap();
    w.tree
        .multiplayer(SERVER)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .close();
    w.pump();
    assert!(w.tree.node(alice).is_none());
    let role = w.tree.node(spawners[1]).unwrap().spawner().unwrap();
    assert_eq!(role.tracked_nodes().count(), 0);
}

#[test]
fn a_visibility_filter_hides_the_spawn_and_its_syncs_from_a_peer() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    let hidden = w.client_id(1);
    let shown = w.client_id(0);
    let role = w.tree.node_mut(sync).unwrap().synchronizer_mut().unwrap();
    let filter = role.add_visibility_filter(move |peer| peer != hidden);
    assert!(role.get_visibility_for(0) && !role.get_visibility_for(hidden));
    assert!(!role.is_visible_to(hidden) && role.is_visible_to(shown));
    w.pump();
    let path0 = w.client_path(0).to_owned();
    let path1 = w.client_path(1).to_owned();
    let seen = w.tree.child_by_name(players(&w, &path0), "Alice").unwrap();
    assert!(w.tree.child_by_name(players(&w, &path1), "Alice").is_none());
    w.drain_all();
    set_position(&mut w.tree, player, 5.0, 5.0);
    w.pump();
    assert_eq!(position(&w.tree, seen), Some(Vector2::new(5.0, 5.0)));
    assert!(w.take_sent(0).iter().all(|s| s.to != hidden));
    w.tree
        .node_mut(sync)
        .unwrap()
        .synchronizer_mut()
        .unwrap()
        .remove_visibility_filter(&filter);
    w.pump();
    let back = w.tree.child_by_name(players(&w, &path1), "Alice").unwrap();
    assert_eq!(position(&w.tree, back), Some(Vector2::new(5.0, 5.0)));
}

#[test]
fn rpcs_to_a_replicated_node_only_reach_peers_that_can_see_it() {
    let (mut w, spawners) = game();
    let player = w.tree.spawn_scene(spawners[0], 0, "Alice").unwrap();
    w.pump();
    let pings = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut copies = vec![player];
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        copies.push(w.tree.child_by_name(players(&w, &path), "Alice").unwrap());
    }
    for &node in &copies {
        let pings = pings.clone();
        w.tree
            .on_rpc(
                node,
                "ping",
                netscene::RpcConfig::authority(),
                move |_, (): ()| {
                    pings.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                },
            )
            .unwrap();
    }
    let (shown, hidden) = (w.client_id(0), w.client_id(1));
    let sync = w.tree.child_by_name(player, "Sync").unwrap();
    w.tree
        .node_mut(sync)
        .unwrap()
        .synchronizer_mut()
        .unwrap()
        .set_visibility_for(0, false)
        .set_visibility_for(shown, true);
    w.pump();
    w.drain_all();
    w.tree.rpc(player, "ping", &[]).unwrap();
    // Godot logs and sends nothing for an explicit target that cannot see the node.
    w.tree.rpc_id(player, hidden, "ping", &[]).unwrap();
    w.pump();
    let calls: Vec<i32> = w
        .take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] & 7 == 0)
        .map(|s| s.to)
        .collect();
    assert_eq!(calls, vec![shown]);
    assert_eq!(pings.load(std::sync::atomic::Ordering::Relaxed), 1);
}
