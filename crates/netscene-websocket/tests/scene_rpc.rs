//! An RPC round trip through SceneMultiplayer over real WebSockets: a client calls `ping` on
//! the server, whose handler answers `pong` to the caller. Server and client each have their
//! own SceneTree, as two processes would.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::DEADLINE;
use netscene::{MultiplayerApi, MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree, args};
use netscene_websocket::WebSocketMultiplayerPeer;

fn tree_with_peer(peer: WebSocketMultiplayerPeer) -> SceneTree {
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer
        .set_multiplayer_peer(Some(Box::new(peer)))
        .expect("peer accepted");
    SceneTree::with_multiplayer(Box::new(multiplayer))
}

#[test]
fn rpc_round_trip_over_websocket() {
    let mut server_peer = WebSocketMultiplayerPeer::new();
    server_peer.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server_peer.bound_port().unwrap());
    let mut client_peer = WebSocketMultiplayerPeer::new();
    client_peer.create_client(&url, None).unwrap();

    let mut server = tree_with_peer(server_peer);
    let mut client = tree_with_peer(client_peer);
    let server_node = server.add_path("/root/Main").unwrap();
    let client_node = client.add_path("/root/Main").unwrap();

    server
        .on_rpc(
            server_node,
            "ping",
            RpcConfig::any_peer(),
            |ctx, (text,): (String,)| {
                let caller = ctx.remote_sender_id();
                ctx.rpc_id(caller, "pong", &args![format!("{text} back to {caller}")])
                    .expect("reply");
            },
        )
        .unwrap();
    let pongs = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&pongs);
    client
        .on_rpc(
            client_node,
            "pong",
            RpcConfig::any_peer(),
            move |ctx, (text,): (String,)| {
                seen.lock().unwrap().push((ctx.remote_sender_id(), text));
            },
        )
        .unwrap();
    // The server's method must exist in the client's node too (same script on both sides,
    // as in Godot: method ids come from the sorted method list and the checksum must match).
    client
        .on_rpc(
            client_node,
            "ping",
            RpcConfig::any_peer(),
            |_, (_text,): (String,)| {},
        )
        .unwrap();
    server
        .on_rpc(
            server_node,
            "pong",
            RpcConfig::any_peer(),
            |_, (_text,): (String,)| {},
        )
        .unwrap();

    let start = Instant::now();
    let mut called = false;
    while pongs.lock().unwrap().is_empty() {
        server.poll().unwrap();
        client.poll().unwrap();
        if !called
            && client
                .drain_events("/root")
                .contains(&MultiplayerEvent::ConnectedToServer)
        {
            client
                .rpc_id(client_node, 1, "ping", &args!["hello"])
                .unwrap();
            called = true;
        }
        assert!(start.elapsed() < DEADLINE, "no pong (called: {called})");
        std::thread::sleep(Duration::from_millis(1));
    }
    let client_id = client.multiplayer("/root").unwrap().get_unique_id();
    assert!(client_id >= 2);
    assert_eq!(
        pongs.lock().unwrap().as_slice(),
        &[(1, format!("hello back to {client_id}"))]
    );
}

#[test]
fn rpc_between_clients_goes_through_the_server_relay() {
    let mut server_peer = WebSocketMultiplayerPeer::new();
    server_peer.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server_peer.bound_port().unwrap());
    let mut trees = vec![tree_with_peer(server_peer)];
    for _ in 0..2 {
        let mut peer = WebSocketMultiplayerPeer::new();
        peer.create_client(&url, None).unwrap();
        trees.push(tree_with_peer(peer));
    }
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut nodes = Vec::new();
    for (index, tree) in trees.iter_mut().enumerate() {
        let node = tree.add_path("/root/Main").unwrap();
        let seen = Arc::clone(&calls);
        tree.on_rpc(
            node,
            "hello",
            RpcConfig::any_peer(),
            move |ctx, (n,): (i64,)| {
                seen.lock()
                    .unwrap()
                    .push((index, ctx.remote_sender_id(), n));
            },
        )
        .unwrap();
        nodes.push(node);
    }

    // Each client learns the other through the server's ADD_PEER (relay is on by default).
    let start = Instant::now();
    let ids: Vec<i32> = loop {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        let ids: Vec<i32> = trees
            .iter_mut()
            .map(|t| t.multiplayer("/root").unwrap().get_unique_id())
            .collect();
        let knows_other = |t: &mut SceneTree, other: i32| {
            t.multiplayer("/root").unwrap().get_peers().contains(&other)
        };
        if ids[1] >= 2
            && ids[2] >= 2
            && knows_other(&mut trees[1], ids[2])
            && knows_other(&mut trees[2], ids[1])
        {
            break ids;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "clients never learned each other"
        );
        std::thread::sleep(Duration::from_millis(1));
    };

    trees[1]
        .rpc_id(nodes[1], ids[2], "hello", &args![7])
        .unwrap();
    let start = Instant::now();
    while calls.lock().unwrap().is_empty() {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        assert!(start.elapsed() < DEADLINE, "relayed call never arrived");
        std::thread::sleep(Duration::from_millis(1));
    }
    // Only client 2 ran it, and it saw client 1 as the caller (not the relaying server).
    assert_eq!(calls.lock().unwrap().as_slice(), &[(2, ids[1], 7)]);
}
