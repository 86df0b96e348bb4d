//! The server spawns a player on every client and keeps its `position` in sync.
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::replication::{MultiplayerSpawner, MultiplayerSynchronizer, SceneReplicationConfig};
use netscene::variant::Vector2;
use netscene::{SceneMultiplayer, SceneTree, SpawnRequest, TreeError, Variant};

/// The spawnable "player" scene: runs on the server and on every client that gets the spawn.
fn player(tree: &mut SceneTree, req: &SpawnRequest) -> Result<netscene::NodeId, TreeError> {
    let player = tree.add_child(req.parent, req.name.clone())?;
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1); // spawn state + unreliable SYNC every frame
    let sync = tree.add_child(player, "Sync")?;
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
    Ok(player)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = SimulatedNetwork::new(7);
    let mut tree = SceneTree::new();
    let server = SceneMultiplayer::with_peer(Box::new(net.create_server()?))?;
    tree.set_multiplayer(Box::new(server), "/root/server")?;
    let client = SceneMultiplayer::with_peer(Box::new(net.create_client()))?;
    tree.set_multiplayer(Box::new(client), "/root/client")?;
    for branch in ["/root/server", "/root/client"] {
        tree.add_path(&format!("{branch}/World/Players"))?;
        let spawner = tree.add_path(&format!("{branch}/World/Spawner"))?;
        let mut role = MultiplayerSpawner::new("../Players"); // spawn path, from the spawner
        role.add_spawnable_scene("player", player); // scene id 0
        tree.set_spawner(spawner, role)?;
    }
    for _ in 0..10 {
        net.advance(Duration::from_millis(10));
        tree.poll()?; // connects
    }
    let spawner = tree
        .get_node("/root/server/World/Spawner")
        .expect("added above");
    let alice = tree.spawn_scene(spawner, 0, "Alice")?; // SPAWN to every peer
    for x in 1..=3 {
        let at = Variant::Vector2(Vector2::new(x as f32, 0.0));
        tree.node_mut(alice)
            .expect("spawned")
            .set_property("position", at);
        net.advance(Duration::from_millis(10));
        tree.poll()?; // end of each poll: SYNC from the authority (the server)
    }
    net.advance(Duration::from_millis(10));
    tree.poll()?;
    let copy = tree
        .get_node("/root/client/World/Players/Alice")
        .expect("spawned on the client");
    let position = tree.node(copy).and_then(|n| n.get_property("position"));
    println!("client sees Alice at {position:?}");
    println!("client events: {:?}", tree.drain_events("/root/client"));
    Ok(())
}
