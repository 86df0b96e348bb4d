//! The nodes a spawn factory builds start at multiplayer authority 1, as every new node in
//! Godot, also under a parent a client owns (authority is never inherited): a real
//! Godot 4.6 client spawning into its own avatar lists none of the new node's synchronizers
//! in its SPAWN, and netscene refused that SPAWN (`SynchronizerCount { sent: 0, local: 1 }`).

mod replication_support;
mod support;

use netscene::replication::wire;
use netscene::{MultiplayerEvent, ReplicationError};
use replication_support::add_game;
use support::{SERVER, World};

#[test]
fn a_client_spawn_under_a_client_owned_parent_starts_at_authority_one() {
    let mut w = World::connected(1);
    let client = w.client_id(0);
    let client_path = w.client_path(0).to_owned();
    let mut spawners = Vec::new();
    for branch in [SERVER, client_path.as_str()] {
        let spawner = add_game(&mut w.tree, branch);
        let players = w.tree.get_node(&format!("{branch}/Game/Players")).unwrap();
        // The client owns the spawner and the spawn parent, everywhere.
        w.tree
            .set_multiplayer_authority(spawner, client, false)
            .unwrap();
        w.tree
            .set_multiplayer_authority(players, client, false)
            .unwrap();
        spawners.push(spawner);
    }
    w.pump();
    w.drain_all();
    let mine = w.tree.spawn_scene(spawners[1], 0, "Drop").unwrap();
    let sync = w.tree.child_by_name(mine, "Sync").unwrap();
    assert_eq!(w.tree.get_multiplayer_authority(mine), 1);
    assert_eq!(w.tree.get_multiplayer_authority(sync), 1);
    w.pump();
    // As Godot's: no synchronizer of the client's in the SPAWN.
    let spawns: Vec<_> = w
        .take_sent(1)
        .into_iter()
        .filter(|s| s.data[0] == wire::SPAWN)
        .collect();
    assert_eq!(spawns.len(), 1);
    assert_eq!(wire::Spawn::parse(&spawns[0].data).unwrap().sync_count(), 0);

    let players = w.tree.get_node(&format!("{SERVER}/Game/Players")).unwrap();
    let theirs = w
        .tree
        .child_by_name(players, "Drop")
        .expect("the server built it");
    let events = w.events(SERVER);
    assert!(events.contains(&MultiplayerEvent::Spawned {
        spawner: spawners[0],
        node: theirs
    }));
    assert!(
        !events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::ReplicationRejected {
                error: ReplicationError::SynchronizerCount { .. },
                ..
            }
        )),
        "{events:?}"
    );
    let their_sync = w.tree.child_by_name(theirs, "Sync").unwrap();
    assert_eq!(w.tree.get_multiplayer_authority(their_sync), 1);
    // Outside a factory too, add_child does not pass the parent's owner on.
    let later = w.tree.add_child(players, "Later").unwrap();
    assert_eq!(w.tree.get_multiplayer_authority(later), 1);
}
