//! SPAWN order: every peer, late joiners included, gets the spawns of all spawners in the
//! order they were created (Godot keeps one creation-ordered set of spawned nodes); DESPAWNs
//! of one frame go newest first (children before the spawn they are nested in, as Godot).

mod replication_support;
mod support;

use netscene::replication::{MultiplayerSpawner, wire};
use netscene::{NodeId, SceneMultiplayer, SceneTree, SpawnRequest, TreeError, Variant};
use support::{SERVER, World, recording_peer};

fn build(tree: &mut SceneTree, request: &SpawnRequest) -> Result<NodeId, TreeError> {
    tree.add_child(request.parent, request.name.clone())
}

/// `Game/A` and `Game/B` spawners (spawn paths `../PA`, `../PB`) in `branch`.
fn add_spawners(tree: &mut SceneTree, branch: &str) -> (NodeId, NodeId) {
    let mut out = Vec::new();
    for name in ["A", "B"] {
        tree.add_path(&format!("{branch}/Game/P{name}")).unwrap();
        let spawner = tree.add_path(&format!("{branch}/Game/{name}")).unwrap();
        let mut role = MultiplayerSpawner::new(&format!("../P{name}"));
        role.set_spawn_function(build);
        tree.set_spawner(spawner, role).unwrap();
        out.push(spawner);
    }
    (out[0], out[1])
}

/// The node names in the SPAWN packets the server sent, in order.
fn spawned_names(w: &World) -> Vec<String> {
    w.take_sent(0)
        .into_iter()
        .filter(|s| s.data[0] == wire::SPAWN)
        .map(|s| {
            let spawn = wire::Spawn::parse(&s.data).unwrap();
            String::from_utf8(spawn.name.to_vec()).unwrap()
        })
        .collect()
}

#[test]
fn spawns_of_two_spawners_go_out_in_creation_order_also_to_late_joiners() {
    let mut w = World::connected(1);
    let (a, b) = add_spawners(&mut w.tree, SERVER);
    let client = w.client_path(0).to_owned();
    add_spawners(&mut w.tree, &client);
    w.pump();
    w.take_sent(0);
    let mut spawned = Vec::new();
    for (spawner, name) in [(a, "A1"), (b, "B1"), (a, "A2"), (b, "B2"), (a, "A3")] {
        spawned.push(w.tree.spawn(spawner, name, Variant::Nil).unwrap());
        // Each SPAWN goes out at once: its net id is the next one.
    }
    w.pump();
    let order = ["A1", "B1", "A2", "B2", "A3"];
    assert_eq!(spawned_names(&w), order);

    let peer = w.net.create_client();
    let mut mp = SceneMultiplayer::new();
    mp.set_multiplayer_peer(Some(Box::new(recording_peer(peer, Default::default()))))
        .unwrap();
    let late = "/root/late";
    w.tree.set_multiplayer(Box::new(mp), late).unwrap();
    w.tree.add_path(late).unwrap();
    add_spawners(&mut w.tree, late);
    w.pump();
    assert_eq!(spawned_names(&w), order, "the late joiner's");

    // A1, B2 and A3 removed in one frame: DESPAWN newest first, to both clients.
    let net_id = |name: &str| {
        let at = order.iter().position(|n| *n == name).unwrap();
        u32::try_from(at).unwrap() + 1
    };
    for i in [0, 3, 4] {
        w.tree.remove_node(spawned[i]).unwrap();
    }
    w.pump();
    let mut to_each: std::collections::BTreeMap<_, Vec<u32>> = Default::default();
    for sent in w.take_sent(0) {
        if sent.data[0] == wire::DESPAWN {
            let net_id = wire::parse_despawn(&sent.data).unwrap();
            to_each.entry(sent.to).or_default().push(net_id);
        }
    }
    let newest_first = vec![net_id("A3"), net_id("B2"), net_id("A1")];
    assert_eq!(to_each.len(), 2);
    for despawns in to_each.values() {
        assert_eq!(despawns, &newest_first);
    }
}
