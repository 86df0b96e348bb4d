//! MultiplayerSynchronizer visibility as in Godot 4: the authority's cached visibility,
//! `visibility_update_mode`, `update_visibility(for_peer)` and `visibility_changed(for_peer)`.
//! One server and clients as branches of one tree over the simulated network.

mod replication_support;
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use netscene::replication::wire::{DELTA_SYNC, DESPAWN, SPAWN, SYNC};
use netscene::replication::{MultiplayerSynchronizer, VisibilityUpdateMode};
use netscene::{MultiplayerEvent, NodeId, PeerId, RpcConfig, SceneMultiplayer, SceneTree};
use replication_support::{add_game, count, player_config, set_position};
use support::{SERVER, Sent, World, recording_peer};

fn players(w: &World, branch: &str) -> NodeId {
    w.tree.get_node(&format!("{branch}/Game/Players")).unwrap()
}

/// Server and two clients with the game, and "Alice" spawned by the server everywhere,
/// events and send logs drained. Returns the world, the server's Alice and her synchronizer.
fn alice_everywhere() -> (World, NodeId, NodeId) {
    let mut w = World::connected(2);
    let spawner = add_game(&mut w.tree, SERVER);
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        add_game(&mut w.tree, &path);
    }
    let alice = w.tree.spawn_scene(spawner, 0, "Alice").unwrap();
    w.pump();
    for i in 0..2 {
        assert!(client_has_alice(&w, i), "client {i} got the spawn");
    }
    w.drain_all();
    let sync = w.tree.child_by_name(alice, "Sync").unwrap();
    (w, alice, sync)
}

fn client_has_alice(w: &World, client: usize) -> bool {
    let path = w.client_path(client);
    w.tree.child_by_name(players(w, path), "Alice").is_some()
}

fn sync_role(w: &mut World, sync: NodeId) -> &mut MultiplayerSynchronizer {
    w.tree.synchronizer_mut(sync).unwrap()
}

/// A filter hiding the peer stored in the returned cell (0: hides nobody).
fn hiding_filter(role: &mut MultiplayerSynchronizer) -> Arc<AtomicI32> {
    let hidden = Arc::new(AtomicI32::new(0));
    let cell = hidden.clone();
    role.add_visibility_filter(move |peer| peer != cell.load(Ordering::Relaxed));
    hidden
}

/// The replication commands sent to `peer` (`data[0] & 7`: SPAWN, DESPAWN, or SYNC for both
/// SYNC and delta SYNC).
fn commands_to(sent: &[Sent], peer: PeerId) -> Vec<u8> {
    sent.iter()
        .filter(|s| s.to == peer)
        .map(|s| s.data[0] & 7)
        .filter(|&c| c == SPAWN || c == DESPAWN || c == SYNC)
        .collect()
}

fn visibility_events(events: &[MultiplayerEvent]) -> Vec<(NodeId, PeerId)> {
    events
        .iter()
        .filter_map(|e| match e {
            MultiplayerEvent::VisibilityChanged {
                synchronizer,
                for_peer,
            } => Some((*synchronizer, *for_peer)),
            _ => None,
        })
        .collect()
}

#[test]
fn visibility_update_mode_has_godots_values_and_defaults_to_idle() {
    let role = MultiplayerSynchronizer::new(player_config());
    assert_eq!(
        role.get_visibility_update_mode(),
        VisibilityUpdateMode::Idle
    );
    assert_eq!(VisibilityUpdateMode::default(), VisibilityUpdateMode::Idle);
    assert_eq!(VisibilityUpdateMode::Idle as u8, 0);
    assert_eq!(VisibilityUpdateMode::Physics as u8, 1);
    assert_eq!(VisibilityUpdateMode::None as u8, 2);
    assert_eq!(
        VisibilityUpdateMode::from_godot(2),
        Some(VisibilityUpdateMode::None)
    );
    assert_eq!(
        VisibilityUpdateMode::from_godot(1),
        Some(VisibilityUpdateMode::Physics)
    );
    assert_eq!(VisibilityUpdateMode::from_godot(3), None);
    assert_eq!(VisibilityUpdateMode::from_godot(-1), None);
}

#[test]
fn mode_none_keeps_the_cached_visibility_until_update_visibility() {
    let (mut w, alice, sync) = alice_everywhere();
    let (shown, hidden) = (w.client_id(0), w.client_id(1));
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    let filter_hides = hiding_filter(role);
    filter_hides.store(hidden, Ordering::Relaxed);
    assert!(!sync_role(&mut w, sync).is_visible_to(hidden));
    // The filter now says no, but nothing re-evaluates it: the hidden peer keeps the node
    // and keeps getting its SYNCs, and no visibility_changed is reported.
    for step in 0..3 {
        set_position(&mut w.tree, alice, step as f32, 1.0);
        w.pump();
        assert!(client_has_alice(&w, 1), "step {step}");
        let sent = w.take_sent(0);
        assert!(commands_to(&sent, hidden).contains(&SYNC), "step {step}");
        assert!(!commands_to(&sent, hidden).contains(&DESPAWN));
    }
    assert_eq!(visibility_events(&w.events(SERVER)), vec![]);

    sync_role(&mut w, sync).update_visibility(hidden);
    w.pump();
    assert!(
        !client_has_alice(&w, 1),
        "despawned after update_visibility"
    );
    assert!(client_has_alice(&w, 0));
    let hidden_path = w.client_path(1).to_owned();
    assert_eq!(
        count(&w.events(&hidden_path), |e| matches!(
            e,
            MultiplayerEvent::Despawned { .. }
        )),
        1
    );
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, hidden)]);
    let sent = w.take_sent(0);
    assert_eq!(commands_to(&sent, hidden), vec![DESPAWN]);

    // Hidden from now on: moves reach the shown peer only.
    set_position(&mut w.tree, alice, 9.0, 9.0);
    w.pump();
    let sent = w.take_sent(0);
    assert!(commands_to(&sent, hidden).is_empty());
    assert!(commands_to(&sent, shown).contains(&SYNC));

    // The filter accepts again: still hidden until the next update.
    filter_hides.store(0, Ordering::Relaxed);
    w.pump();
    assert!(!client_has_alice(&w, 1));
    sync_role(&mut w, sync).update_visibility(hidden);
    w.pump();
    assert!(client_has_alice(&w, 1), "spawned again");
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, hidden)]);
}

#[test]
fn update_visibility_for_one_peer_leaves_the_others_cached() {
    let (mut w, _alice, sync) = alice_everywhere();
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    // A filter that hides everyone, added in mode None: not run yet.
    role.add_visibility_filter(|_| false);
    w.pump();
    assert!(client_has_alice(&w, 0) && client_has_alice(&w, 1));
    let first = w.client_id(0);
    sync_role(&mut w, sync).update_visibility(first);
    w.pump();
    assert!(!client_has_alice(&w, 0));
    assert!(
        client_has_alice(&w, 1),
        "only the named peer was re-evaluated"
    );
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, first)]);
}

#[test]
fn update_visibility_zero_covers_every_peer() {
    let (mut w, _alice, sync) = alice_everywhere();
    let accept = Arc::new(AtomicBool::new(true));
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    let cell = accept.clone();
    role.add_visibility_filter(move |_| cell.load(Ordering::Relaxed));
    accept.store(false, Ordering::Relaxed);
    w.pump();
    assert!(client_has_alice(&w, 0) && client_has_alice(&w, 1));
    w.take_sent(0);
    sync_role(&mut w, sync).update_visibility(0);
    w.pump();
    assert!(!client_has_alice(&w, 0) && !client_has_alice(&w, 1));
    let sent = w.take_sent(0);
    for i in 0..2 {
        assert_eq!(
            commands_to(&sent, w.client_id(i)),
            vec![DESPAWN],
            "client {i}"
        );
    }
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, 0)]);

    accept.store(true, Ordering::Relaxed);
    sync_role(&mut w, sync).update_visibility(0);
    w.pump();
    assert!(client_has_alice(&w, 0) && client_has_alice(&w, 1));
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, 0)]);
}

fn idle_like_mode_re_evaluates_at_the_next_poll(mode: VisibilityUpdateMode) {
    let (mut w, _alice, sync) = alice_everywhere();
    let hidden = w.client_id(1);
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(mode);
    let filter_hides = hiding_filter(role);
    w.pump();
    assert!(client_has_alice(&w, 1));
    w.drain_all();
    filter_hides.store(hidden, Ordering::Relaxed);
    // One poll: the server re-runs the filter at its network frame and despawns at once.
    w.tree.poll().unwrap();
    let sent = w.take_sent(0);
    assert_eq!(commands_to(&sent, hidden), vec![DESPAWN], "{mode:?}");
    assert_eq!(
        visibility_events(&w.events(SERVER)),
        vec![(sync, 0)],
        "{mode:?}: one automatic update_visibility(0) per frame"
    );
    w.tree.poll().unwrap();
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, 0)]);
    w.pump();
    assert!(!client_has_alice(&w, 1), "{mode:?}");
    assert!(client_has_alice(&w, 0), "{mode:?}");
}

#[test]
fn idle_mode_re_evaluates_the_filters_at_the_next_poll() {
    idle_like_mode_re_evaluates_at_the_next_poll(VisibilityUpdateMode::Idle);
}

#[test]
fn physics_mode_re_evaluates_the_filters_at_the_next_poll_too() {
    idle_like_mode_re_evaluates_at_the_next_poll(VisibilityUpdateMode::Physics);
}

#[test]
fn idle_mode_without_filters_reports_no_automatic_updates() {
    let (mut w, _alice, sync) = alice_everywhere();
    w.pump();
    assert_eq!(visibility_events(&w.events(SERVER)), vec![]);
    // Removing the last filter re-evaluates once more, then the updates stop.
    let role = sync_role(&mut w, sync);
    let filter = role.add_visibility_filter(|_| false);
    w.tree.poll().unwrap();
    assert!(!visibility_events(&w.events(SERVER)).is_empty());
    sync_role(&mut w, sync).remove_visibility_filter(&filter);
    w.tree.poll().unwrap();
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, 0)]);
    w.pump();
    assert_eq!(visibility_events(&w.events(SERVER)), vec![]);
    assert!(client_has_alice(&w, 0) && client_has_alice(&w, 1));
}

#[test]
fn set_visibility_for_reports_visibility_changed_on_a_change_only() {
    let (mut w, _alice, sync) = alice_everywhere();
    let (kept, dropped) = (w.client_id(0), w.client_id(1));
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    role.set_visibility_for(0, true) // unchanged: public already
        .set_visibility_for(kept, true)
        .set_visibility_for(kept, true) // unchanged
        .set_visibility_for(0, false);
    w.pump();
    assert_eq!(
        visibility_events(&w.events(SERVER)),
        vec![(sync, kept), (sync, 0)]
    );
    assert!(client_has_alice(&w, 0), "flagged for this peer");
    assert!(!client_has_alice(&w, 1), "no longer public");
    let sent = w.take_sent(0);
    assert_eq!(commands_to(&sent, dropped), vec![DESPAWN]);

    sync_role(&mut w, sync).set_visibility_public(true);
    w.pump();
    assert_eq!(visibility_events(&w.events(SERVER)), vec![(sync, 0)]);
    assert!(client_has_alice(&w, 1));
    // Only the authority reports it: a client's copy changing its flags is silent.
    let copy = w
        .tree
        .child_by_name(players(&w, w.client_path(0)), "Alice")
        .and_then(|n| w.tree.child_by_name(n, "Sync"))
        .unwrap();
    sync_role(&mut w, copy)
        .set_visibility_for(0, false)
        .update_visibility(0);
    w.pump();
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        assert_eq!(visibility_events(&w.events(&path)), vec![], "client {i}");
    }
}

#[test]
fn a_peer_connecting_later_is_evaluated_on_connection_in_mode_none() {
    let (mut w, _alice, sync) = alice_everywhere();
    let known: Vec<PeerId> = (0..2).map(|i| w.client_id(i)).collect();
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    role.add_visibility_filter(move |peer| known.contains(&peer));
    w.pump();
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
    // Godot evaluates visibility for a new peer without a visibility_changed signal.
    assert!(w.tree.child_by_name(players(&w, late), "Alice").is_none());
    assert!(client_has_alice(&w, 0) && client_has_alice(&w, 1));
    assert_eq!(visibility_events(&w.events(SERVER)), vec![]);
}

#[test]
fn path_based_syncs_follow_the_cached_visibility_in_mode_none() {
    let mut w = World::connected(2);
    let things = w.add_everywhere("Shared/Thing");
    let mut syncs = Vec::new();
    for &thing in &things {
        w.tree
            .node_mut(thing)
            .unwrap()
            .set_property("position", netscene::Variant::Vector2(Default::default()));
        w.tree
            .node_mut(thing)
            .unwrap()
            .set_property("hp", netscene::Variant::Int(1));
        let sync = w.tree.add_child(thing, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(player_config()))
            .unwrap();
        syncs.push(sync);
    }
    let hidden = w.client_id(1);
    let role = sync_role(&mut w, syncs[0]);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    let filter_hides = hiding_filter(role);
    w.pump();
    w.drain_all();
    filter_hides.store(hidden, Ordering::Relaxed);
    set_position(&mut w.tree, things[0], 3.0, 3.0);
    w.pump();
    assert!(commands_to(&w.take_sent(0), hidden).contains(&SYNC));
    sync_role(&mut w, syncs[0]).update_visibility(0);
    w.pump();
    w.take_sent(0);
    set_position(&mut w.tree, things[0], 4.0, 4.0);
    w.pump();
    let sent = w.take_sent(0);
    assert!(commands_to(&sent, hidden).is_empty());
    assert!(commands_to(&sent, w.client_id(0)).contains(&SYNC));
    assert_eq!(
        replication_support::position(&w.tree, things[2]),
        Some(netscene::variant::Vector2::new(3.0, 3.0)),
        "the hidden client kept the last state it was sent"
    );
    // Shown again: the watched (ON_CHANGE) properties go out in full although `hp` did not
    // change meanwhile, as Godot forgets a hidden peer's delta history.
    filter_hides.store(0, Ordering::Relaxed);
    sync_role(&mut w, syncs[0]).update_visibility(hidden);
    w.pump();
    let deltas = w
        .take_sent(0)
        .into_iter()
        .filter(|s| s.to == hidden && s.data[0] == DELTA_SYNC)
        .count();
    assert_eq!(deltas, 1);
    assert_eq!(
        replication_support::position(&w.tree, things[2]),
        Some(netscene::variant::Vector2::new(4.0, 4.0))
    );
}

/// Registers "ping" on every copy of Alice; returns the call counter of each copy.
fn count_pings(w: &mut World, alice: NodeId) -> Vec<Arc<AtomicUsize>> {
    let mut copies = vec![alice];
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        copies.push(w.tree.child_by_name(players(w, &path), "Alice").unwrap());
    }
    copies
        .into_iter()
        .map(|node| {
            let pings = Arc::new(AtomicUsize::new(0));
            let counter = pings.clone();
            w.tree
                .on_rpc(node, "ping", RpcConfig::authority(), move |_, (): ()| {
                    counter.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
            pings
        })
        .collect()
}

fn rpc_targets(w: &mut World, tree_rpc: impl FnOnce(&mut SceneTree)) -> Vec<PeerId> {
    w.take_sent(0);
    tree_rpc(&mut w.tree);
    w.pump();
    let mut to: Vec<PeerId> = w
        .take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] & 7 == 0)
        .map(|s| s.to)
        .collect();
    to.sort_unstable();
    to
}

#[test]
fn rpc_visibility_of_a_spawned_node_follows_the_cached_visibility() {
    let (mut w, alice, sync) = alice_everywhere();
    let pings = count_pings(&mut w, alice);
    let (shown, hidden) = (w.client_id(0), w.client_id(1));
    let mut both = vec![shown, hidden];
    both.sort_unstable();
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    let filter_hides = hiding_filter(role);
    filter_hides.store(hidden, Ordering::Relaxed);
    w.pump();
    // Not re-evaluated yet: the broadcast still reaches both.
    let to = rpc_targets(&mut w, |t| t.rpc(alice, "ping", &[]).unwrap());
    assert_eq!(to, both);
    assert_eq!(pings[2].load(Ordering::Relaxed), 1);
    sync_role(&mut w, sync).update_visibility(0);
    w.pump();
    let to = rpc_targets(&mut w, |t| t.rpc(alice, "ping", &[]).unwrap());
    assert_eq!(to, vec![shown]);
    // An explicit target that cannot see the node gets nothing (Godot logs an error).
    let to = rpc_targets(&mut w, |t| t.rpc_id(alice, hidden, "ping", &[]).unwrap());
    assert!(to.is_empty());
    assert_eq!(pings[1].load(Ordering::Relaxed), 2);
    assert_eq!(pings[2].load(Ordering::Relaxed), 1);
}

#[test]
fn rpc_visibility_of_a_node_not_spawned_is_evaluated_live_as_in_godot() {
    let mut w = World::connected(2);
    let things = w.add_everywhere("Shared/Thing");
    let mut pings = Vec::new();
    for &thing in &things {
        let sync = w.tree.add_child(thing, "Sync").unwrap();
        w.tree
            .set_synchronizer(sync, MultiplayerSynchronizer::new(Default::default()))
            .unwrap();
        let counter = Arc::new(AtomicUsize::new(0));
        let calls = counter.clone();
        w.tree
            .on_rpc(thing, "ping", RpcConfig::authority(), move |_, (): ()| {
                calls.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        pings.push(counter);
    }
    let (shown, hidden) = (w.client_id(0), w.client_id(1));
    let sync = w.tree.child_by_name(things[0], "Sync").unwrap();
    let role = sync_role(&mut w, sync);
    role.set_visibility_update_mode(VisibilityUpdateMode::None);
    let filter_hides = hiding_filter(role);
    w.pump();
    filter_hides.store(hidden, Ordering::Relaxed);
    // No update_visibility: the SYNC cache still includes the peer, but Godot's
    // is_rpc_visible runs the synchronizers' is_visible_to for nodes it did not spawn.
    let to = rpc_targets(&mut w, |t| t.rpc(things[0], "ping", &[]).unwrap());
    assert_eq!(to, vec![shown]);
    assert_eq!(pings[1].load(Ordering::Relaxed), 1);
    assert_eq!(pings[2].load(Ordering::Relaxed), 0);
}
