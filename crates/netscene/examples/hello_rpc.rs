//! A server and a client in one process: a `Chat` node with two RPCs.
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::{RpcConfig, SceneMultiplayer, SceneTree, args};

fn pump(net: &SimulatedNetwork, tree: &mut SceneTree) -> Result<(), netscene::MultiplayerError> {
    for _ in 0..10 {
        net.advance(Duration::from_millis(10)); // virtual time: latency, delivery
        tree.poll()?; // every branch: packets in, handlers run, events out
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net = SimulatedNetwork::new(7);
    let mut tree = SceneTree::new();
    let server = SceneMultiplayer::with_peer(Box::new(net.create_server()?))?;
    tree.set_multiplayer(Box::new(server), "/root/server")?;
    let client = SceneMultiplayer::with_peer(Box::new(net.create_client()))?;
    tree.set_multiplayer(Box::new(client), "/root/client")?;

    // The same node in both branches; on the wire both are "Chat".
    for branch in ["/root/server", "/root/client"] {
        let chat = tree.add_path(&format!("{branch}/Chat"))?;
        let say = RpcConfig::any_peer();
        tree.on_rpc(chat, "say", say, |ctx, (text,): (String,)| {
            let line = format!("peer {} says {text}", ctx.remote_sender_id());
            ctx.rpc("show", &args![line]).expect("sent"); // an RPC from inside an RPC
        })?;
        let show = RpcConfig::authority().call_local(true);
        tree.on_rpc(chat, "show", show, move |_, (line,): (String,)| {
            println!("[{branch}] {line}");
        })?;
    }
    pump(&net, &mut tree)?;
    println!("client events: {:?}", tree.drain_events("/root/client"));

    let chat = tree.get_node("/root/client/Chat").expect("added above");
    tree.rpc_id(chat, 1, "say", &args!["hello"])?; // to the server (peer 1)
    pump(&net, &mut tree)?;
    Ok(())
}
