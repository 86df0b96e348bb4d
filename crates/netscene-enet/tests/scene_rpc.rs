//! SceneMultiplayer over ENet: an RPC round trip and a client-to-client relay between netscene
//! peers, and the SceneMultiplayer handshake of a Godot 4 client played by the C ENet peer with
//! the spec's golden bytes (golden-vectors §3.3: P9 SIMPLIFY_PATH, P10 CONFIRM_PATH, P12/P17
//! REMOTE_CALL).

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::DEADLINE;
use netscene::{MultiplayerApi, MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree, args};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};
use netscene_enet_interop::{CEvent, CPeer};

fn tree_with_peer(peer: ENetMultiplayerPeer) -> SceneTree {
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer
        .set_multiplayer_peer(Some(Box::new(peer)))
        .expect("peer accepted");
    SceneTree::with_multiplayer(Box::new(multiplayer))
}

fn server_peer() -> (ENetMultiplayerPeer, u16) {
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_server_with(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        ..ServerOptions::new(0)
    })
    .unwrap();
    let port = peer.local_port().unwrap();
    (peer, port)
}

fn client_peer(port: u16) -> ENetMultiplayerPeer {
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_client_with(ClientOptions::new("127.0.0.1", port))
        .unwrap();
    peer
}

#[test]
fn rpc_round_trip_over_enet() {
    let (server_peer, port) = server_peer();
    let mut server = tree_with_peer(server_peer);
    let mut client = tree_with_peer(client_peer(port));
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
    server
        .on_rpc(
            server_node,
            "pong",
            RpcConfig::any_peer(),
            |_, (_,): (String,)| {},
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
    client
        .on_rpc(
            client_node,
            "ping",
            RpcConfig::any_peer(),
            |_, (_,): (String,)| {},
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
    assert_eq!(
        pongs.lock().unwrap().as_slice(),
        &[(1, format!("hello back to {client_id}"))]
    );
}

#[test]
fn clients_learn_of_each_other_through_add_peer_and_relay() {
    let (server_peer, port) = server_peer();
    let mut trees = vec![tree_with_peer(server_peer)];
    for _ in 0..2 {
        trees.push(tree_with_peer(client_peer(port)));
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
    let start = Instant::now();
    let ids = loop {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        let ids: Vec<i32> = trees
            .iter_mut()
            .map(|t| t.multiplayer("/root").unwrap().get_unique_id())
            .collect();
        let knows = |t: &mut SceneTree, other: i32| {
            t.multiplayer("/root").unwrap().get_peers().contains(&other)
        };
        if knows(&mut trees[1], ids[2]) && knows(&mut trees[2], ids[1]) {
            break ids;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "clients never learned of each other"
        );
        std::thread::sleep(Duration::from_millis(1));
    };
    trees[1]
        .rpc_id(nodes[1], ids[2], "hello", &args![7i64])
        .unwrap();
    while calls.lock().unwrap().is_empty() {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        assert!(start.elapsed() < DEADLINE, "relayed call never arrived");
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(calls.lock().unwrap().as_slice(), &[(2, ids[1], 7)]);
}

/// `01` + md5 hex of the node's sorted RPC names + `00` + u32 cache id + path + `00` (P9).
fn simplify_path(checksum_hex: &str, cache_id: u32, path: &str) -> Vec<u8> {
    let mut packet = vec![0x01];
    packet.extend_from_slice(checksum_hex.as_bytes());
    packet.push(0);
    packet.extend_from_slice(&cache_id.to_le_bytes());
    packet.extend_from_slice(path.as_bytes());
    packet.push(0);
    packet
}

#[test]
fn c_godot_client_does_the_scene_multiplayer_dance() {
    // The server node "Main/Player" has RPCs "ping" and "pong": method ids 0 and 1 (sorted
    // names), checksum md5("pingpong") = cd3c3621a18bef2bcb2cc568833aa0a5 (golden P9 note).
    const CHECKSUM: &str = "cd3c3621a18bef2bcb2cc568833aa0a5";
    let (server_peer, port) = server_peer();
    let mut server = tree_with_peer(server_peer);
    let node = server.add_path("/root/Main/Player").unwrap();
    let pings = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&pings);
    server
        .on_rpc(node, "ping", RpcConfig::any_peer(), move |ctx, ()| {
            let caller = ctx.remote_sender_id();
            seen.lock().unwrap().push(caller);
            ctx.rpc_id(caller, "pong", &[]).expect("reply");
        })
        .unwrap();
    server
        .on_rpc(node, "pong", RpcConfig::any_peer(), |_, ()| {})
        .unwrap();

    let mut c = CPeer::client("127.0.0.1", port, 4242, None);
    let mut skipped = Vec::new();
    let mut poll = || server.poll().unwrap();
    assert!(
        c.wait_for(DEADLINE, &mut skipped, &mut poll, |e| *e
            == CEvent::Connected(1))
            .is_some()
    );

    // SIMPLIFY_PATH (P9 layout) reliable on ENet channel 0; the server confirms (P10).
    c.send(1, 0, 2, &simplify_path(CHECKSUM, 1, "Main/Player"));
    let confirm = c
        .wait_for(DEADLINE, &mut skipped, &mut poll, |e| {
            matches!(e, CEvent::Received(_))
        })
        .expect("CONFIRM_PATH");
    let CEvent::Received(confirm) = confirm else {
        unreachable!()
    };
    assert_eq!(confirm.data, [0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    assert_eq!((confirm.enet_channel, confirm.flags), (0, 1));

    // REMOTE_CALL ping: node cache id 1, method 0, no args (P12).
    c.send(1, 0, 2, &[0x80, 0x01, 0x00]);
    let mut received = Vec::new();
    while received.len() < 2 {
        match c.wait_for(DEADLINE, &mut skipped, &mut poll, |e| {
            matches!(e, CEvent::Received(_))
        }) {
            Some(CEvent::Received(packet)) => received.push(packet),
            other => panic!("expected the reply, got {other:?} after {skipped:?}"),
        }
    }
    assert_eq!(pings.lock().unwrap().as_slice(), &[4242]);
    // The server's reply: its own SIMPLIFY_PATH for the node, then `pong` (method 1) with
    // the path inline because the C client has not confirmed it yet (P17 layout).
    assert_eq!(received[0].data, simplify_path(CHECKSUM, 1, "Main/Player"));
    let mut pong = vec![0xa0, 0x06, 0x00, 0x00, 0x80, 0x01];
    pong.extend_from_slice(b"Main/Player\0");
    assert_eq!(received[1].data, pong);
    for packet in &received {
        assert_eq!((packet.enet_channel, packet.flags, packet.from), (0, 1, 1));
    }
    c.quit();
}
