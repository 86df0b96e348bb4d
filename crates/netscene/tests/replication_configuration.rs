//! Spawners and synchronizers reach the multiplayer API through `object_configuration_add` /
//! `object_configuration_remove` with a `ReplicationObject`, as in Godot: a user-written
//! `MultiplayerApi` that contains a SceneMultiplayer and forwards to it hosts replication
//! (composition, Godot's `MultiplayerAPIExtension` pattern), may withhold an object, and
//! SceneMultiplayer serves exactly what it was configured with.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::MultiplayerPeer;
use netscene::peer::simulated::SimulatedNetwork;
use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationObject, SceneReplicationConfig,
};
use netscene::variant::Vector2;
use netscene::{
    MultiplayerApi, MultiplayerError, MultiplayerEvent, NodeId, PeerId, RpcConfig,
    SceneMultiplayer, SceneTree, SpawnRequest, TreeError, Variant,
};

/// One replication configuration call: (add, object, configuration).
type Call = (bool, Option<NodeId>, ReplicationObject);

/// A user API: forwards everything to the SceneMultiplayer it contains, records the
/// replication configurations, and keeps the `withheld` nodes' objects to itself.
struct Composed {
    inner: SceneMultiplayer,
    calls: Arc<Mutex<Vec<Call>>>,
    withheld: Arc<Mutex<HashSet<NodeId>>>,
}

impl Composed {
    fn new(peer: Option<Box<dyn MultiplayerPeer>>) -> Self {
        let mut inner = SceneMultiplayer::new();
        if peer.is_some() {
            inner.set_multiplayer_peer(peer).unwrap();
        }
        Self {
            inner,
            calls: Arc::default(),
            withheld: Arc::default(),
        }
    }

    /// Records a replication configuration; true when it goes on to SceneMultiplayer.
    fn note(&self, add: bool, object: Option<NodeId>, configuration: &Variant) -> bool {
        let Some(replication) = ReplicationObject::from_variant(configuration) else {
            return true;
        };
        self.calls.lock().unwrap().push((add, object, replication));
        !self.withheld.lock().unwrap().contains(&replication.node())
    }
}

impl MultiplayerApi for Composed {
    fn set_multiplayer_peer(
        &mut self,
        peer: Option<Box<dyn MultiplayerPeer>>,
    ) -> Result<(), MultiplayerError> {
        self.inner.set_multiplayer_peer(peer)
    }
    fn get_multiplayer_peer(&self) -> Option<&dyn MultiplayerPeer> {
        self.inner.get_multiplayer_peer()
    }
    fn get_multiplayer_peer_mut(&mut self) -> Option<&mut dyn MultiplayerPeer> {
        self.inner.get_multiplayer_peer_mut()
    }
    fn get_peers(&self) -> Vec<PeerId> {
        self.inner.get_peers()
    }
    fn get_unique_id(&self) -> PeerId {
        self.inner.get_unique_id()
    }
    fn get_remote_sender_id(&self) -> PeerId {
        self.inner.get_remote_sender_id()
    }
    fn object_configuration_add(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        if !self.note(true, object, configuration) {
            return Ok(());
        }
        self.inner.object_configuration_add(object, configuration)
    }
    fn object_configuration_remove(
        &mut self,
        object: Option<NodeId>,
        configuration: &Variant,
    ) -> Result<(), MultiplayerError> {
        if !self.note(false, object, configuration) {
            return Ok(());
        }
        self.inner
            .object_configuration_remove(object, configuration)
    }
    fn poll(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError> {
        self.inner.poll(tree)
    }
    fn rpc(
        &mut self,
        tree: &mut SceneTree,
        peer: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        self.inner.rpc(tree, peer, node, method, args)
    }
    fn pop_event(&mut self) -> Option<MultiplayerEvent> {
        self.inner.pop_event()
    }
}

const SERVER: &str = "/root/server";
const CLIENT: &str = "/root/client";

/// A server and a client branch, each served by a `Composed` API; returns the call logs and
/// the withheld sets (server first).
struct Game {
    net: SimulatedNetwork,
    tree: SceneTree,
    calls: [Arc<Mutex<Vec<Call>>>; 2],
    withheld: [Arc<Mutex<HashSet<NodeId>>>; 2],
}

impl Game {
    fn new() -> Self {
        let net = SimulatedNetwork::new(7);
        let mut tree = SceneTree::new();
        let server = Composed::new(Some(Box::new(net.create_server().unwrap())));
        let client = Composed::new(Some(Box::new(net.create_client())));
        let calls = [server.calls.clone(), client.calls.clone()];
        let withheld = [server.withheld.clone(), client.withheld.clone()];
        tree.set_multiplayer(Box::new(server), SERVER).unwrap();
        tree.set_multiplayer(Box::new(client), CLIENT).unwrap();
        let mut game = Self {
            net,
            tree,
            calls,
            withheld,
        };
        game.pump();
        game.tree.drain_events(SERVER);
        game.tree.drain_events(CLIENT);
        game
    }

    fn pump(&mut self) {
        for _ in 0..8 {
            self.net.advance(Duration::from_millis(10));
            self.tree.poll().unwrap();
        }
    }

    fn calls(&self, side: usize) -> Vec<Call> {
        std::mem::take(&mut *self.calls[side].lock().unwrap())
    }
}

fn position_config() -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1);
    config
}

fn position(tree: &SceneTree, node: NodeId) -> Option<Variant> {
    tree.node(node)?.get_property("position").cloned()
}

fn set_position(tree: &mut SceneTree, node: NodeId, x: f32) {
    tree.node_mut(node)
        .unwrap()
        .set_property("position", Variant::Vector2(Vector2::new(x, 0.0)));
}

/// `Game/Players` and `Game/Spawner` whose scene 0 builds a player with `position`, a
/// synchronizer `Sync` and an authority RPC `hello` that appends to `hellos`.
fn add_spawner(tree: &mut SceneTree, branch: &str, hellos: Arc<Mutex<Vec<String>>>) -> NodeId {
    tree.add_path(&format!("{branch}/Game/Players")).unwrap();
    let spawner = tree.add_path(&format!("{branch}/Game/Spawner")).unwrap();
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene(
        "player",
        move |tree: &mut SceneTree, request: &SpawnRequest| -> Result<NodeId, TreeError> {
            let player = tree.add_child(request.parent, request.name.clone())?;
            set_position(tree, player, 0.0);
            let hellos = hellos.clone();
            tree.on_rpc(
                player,
                "hello",
                RpcConfig::authority(),
                move |_, (text,): (String,)| hellos.lock().unwrap().push(text),
            )?;
            let sync = tree.add_child(player, "Sync")?;
            tree.set_synchronizer(sync, MultiplayerSynchronizer::new(position_config()))?;
            Ok(player)
        },
    );
    tree.set_spawner(spawner, role).unwrap();
    spawner
}

#[test]
fn a_user_api_wrapping_scene_multiplayer_hosts_a_spawner_and_a_synchronizer() {
    let mut g = Game::new();
    let hellos: Arc<Mutex<Vec<String>>> = Arc::default();
    let spawner = add_spawner(&mut g.tree, SERVER, Arc::default());
    add_spawner(&mut g.tree, CLIENT, hellos.clone());
    // Neither tree accessor downcasts to SceneMultiplayer here: the API is the user's.
    assert!(g.tree.scene_multiplayer(SERVER).is_none());
    assert!(g.calls(0).is_empty(), "a spawner alone configures nothing");

    // Spawn and call the new node at once: the SPAWN goes out first.
    let player = g.tree.spawn_scene(spawner, 0, "P1").unwrap();
    let sync = g.tree.child_by_name(player, "Sync").unwrap();
    g.tree
        .rpc(player, "hello", &netscene::args!["first"])
        .unwrap();
    assert_eq!(
        g.calls(0),
        [
            (true, Some(player), ReplicationObject::Synchronizer(sync)),
            (true, Some(player), ReplicationObject::Spawner(spawner)),
        ],
        "the synchronizer as it attached (object: its root), then the spawn"
    );
    g.pump();
    let events = g.tree.drain_events(CLIENT);
    let theirs = g
        .tree
        .get_node(&format!("{CLIENT}/Game/Players/P1"))
        .expect("spawned on the client");
    assert!(
        events.contains(&MultiplayerEvent::Spawned {
            spawner: g.tree.get_node(&format!("{CLIENT}/Game/Spawner")).unwrap(),
            node: theirs,
        }),
        "{events:?}"
    );
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::RpcRejected { .. })),
        "{events:?}"
    );
    assert_eq!(*hellos.lock().unwrap(), ["first"]);
    // The client's factory ran inside its poll: its API got the synchronizer afterwards.
    let their_sync = g.tree.child_by_name(theirs, "Sync").unwrap();
    assert_eq!(
        g.calls(1),
        [(
            true,
            Some(theirs),
            ReplicationObject::Synchronizer(their_sync)
        )]
    );

    // The synchronizer replicates through the user's API.
    set_position(&mut g.tree, player, 4.0);
    g.pump();
    assert_eq!(
        position(&g.tree, theirs),
        Some(Variant::Vector2(Vector2::new(4.0, 0.0)))
    );

    // Removing the node: the synchronizer's remove, and the client despawns it.
    g.tree.remove_node(player).unwrap();
    assert_eq!(
        g.calls(0),
        [(false, Some(player), ReplicationObject::Synchronizer(sync))]
    );
    g.pump();
    assert!(g.tree.node(theirs).is_none());
}

#[test]
fn a_withheld_synchronizer_does_not_replicate_until_configured() {
    let mut g = Game::new();
    let mut syncs = Vec::new();
    let mut things = Vec::new();
    for branch in [SERVER, CLIENT] {
        for name in ["A", "B"] {
            let thing = g.tree.add_path(&format!("{branch}/Game/{name}")).unwrap();
            set_position(&mut g.tree, thing, 0.0);
            let sync = g.tree.add_child(thing, "Sync").unwrap();
            if branch == SERVER && name == "A" {
                g.withheld[0].lock().unwrap().insert(sync);
            }
            g.tree
                .set_synchronizer(sync, MultiplayerSynchronizer::new(position_config()))
                .unwrap();
            syncs.push(sync);
            things.push(thing);
        }
    }
    // Server A, B, then client A, B.
    set_position(&mut g.tree, things[0], 1.0);
    set_position(&mut g.tree, things[1], 2.0);
    g.pump();
    assert_eq!(
        position(&g.tree, things[2]),
        Some(Variant::Vector2(Vector2::new(0.0, 0.0))),
        "A was kept from SceneMultiplayer: nothing sent"
    );
    assert_eq!(
        position(&g.tree, things[3]),
        Some(Variant::Vector2(Vector2::new(2.0, 0.0)))
    );

    // The user's API hands it on later.
    g.withheld[0].lock().unwrap().clear();
    let config = ReplicationObject::Synchronizer(syncs[0]).to_variant();
    g.tree
        .multiplayer(SERVER)
        .unwrap()
        .object_configuration_add(Some(things[0]), &config)
        .unwrap();
    g.pump();
    assert_eq!(
        position(&g.tree, things[2]),
        Some(Variant::Vector2(Vector2::new(1.0, 0.0)))
    );
}

#[test]
fn scene_multiplayer_serves_the_replication_objects_configured_to_it() {
    let mut g = Game::new();
    let spawner = add_spawner(&mut g.tree, SERVER, Arc::default());
    add_spawner(&mut g.tree, CLIENT, Arc::default());
    let player = g.tree.spawn_scene(spawner, 0, "P1").unwrap();
    let sync = g.tree.child_by_name(player, "Sync").unwrap();
    g.pump();
    let theirs = g
        .tree
        .get_node(&format!("{CLIENT}/Game/Players/P1"))
        .unwrap();
    g.tree.drain_events(CLIENT);

    // Removing the synchronizer's configuration stops its SYNCs; the peer keeps the state.
    let sync_config = ReplicationObject::Synchronizer(sync).to_variant();
    let api = g.tree.multiplayer(SERVER).unwrap();
    api.object_configuration_remove(Some(player), &sync_config)
        .unwrap();
    set_position(&mut g.tree, player, 5.0);
    g.pump();
    assert_eq!(
        position(&g.tree, theirs),
        Some(Variant::Vector2(Vector2::new(0.0, 0.0)))
    );
    let api = g.tree.multiplayer(SERVER).unwrap();
    api.object_configuration_add(Some(player), &sync_config)
        .unwrap();
    g.pump();
    assert_eq!(
        position(&g.tree, theirs),
        Some(Variant::Vector2(Vector2::new(5.0, 0.0)))
    );

    // Removing the spawn's configuration despawns it on the peer; it stays here. Adding it
    // again spawns it again.
    let spawn_config = ReplicationObject::Spawner(spawner).to_variant();
    let api = g.tree.multiplayer(SERVER).unwrap();
    api.object_configuration_remove(Some(player), &spawn_config)
        .unwrap();
    g.pump();
    assert!(g.tree.node(theirs).is_none());
    assert!(g.tree.node(player).is_some());
    let events = g.tree.drain_events(CLIENT);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::Despawned { .. })),
        "{events:?}"
    );
    let api = g.tree.multiplayer(SERVER).unwrap();
    api.object_configuration_add(Some(player), &spawn_config)
        .unwrap();
    g.pump();
    let again = g
        .tree
        .get_node(&format!("{CLIENT}/Game/Players/P1"))
        .expect("spawned again");
    assert_eq!(
        position(&g.tree, again),
        Some(Variant::Vector2(Vector2::new(5.0, 0.0)))
    );

    // What is not a replication object (or a spawn without its node) is refused.
    let mut plain = SceneMultiplayer::new();
    for (object, config) in [
        (None, spawn_config.clone()),
        (Some(player), Variant::Int(3)),
        (Some(player), Variant::String("MultiplayerSpawner".into())),
    ] {
        assert!(matches!(
            plain.object_configuration_add(object, &config),
            Err(MultiplayerError::InvalidParameter(_))
        ));
        assert!(matches!(
            plain.object_configuration_remove(object, &config),
            Err(MultiplayerError::InvalidParameter(_))
        ));
    }
    assert_eq!(ReplicationObject::from_variant(&Variant::Int(3)), None);
}

#[test]
fn a_branch_installed_over_existing_synchronizers_takes_them_over() {
    let default_api = Composed::new(None);
    let default_calls = default_api.calls.clone();
    let mut tree = SceneTree::with_multiplayer(Box::new(default_api));
    let thing = tree.add_path("/root/Late/Thing").unwrap();
    let sync = tree.add_child(thing, "Sync").unwrap();
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(position_config()))
        .unwrap();
    let added = (true, Some(thing), ReplicationObject::Synchronizer(sync));
    assert_eq!(*default_calls.lock().unwrap(), [added]);

    let late = Composed::new(None);
    let late_calls = late.calls.clone();
    tree.set_multiplayer(Box::new(late), "/root/Late").unwrap();
    assert_eq!(
        default_calls.lock().unwrap().last(),
        Some(&(false, Some(thing), ReplicationObject::Synchronizer(sync)))
    );
    assert_eq!(*late_calls.lock().unwrap(), [added]);

    // Replacing the branch's API hands the new one the branch's objects.
    let replacement = Composed::new(None);
    let replacement_calls = replacement.calls.clone();
    tree.set_multiplayer(Box::new(replacement), "/root/Late")
        .unwrap();
    assert_eq!(*replacement_calls.lock().unwrap(), [added]);
}
