//! SceneMultiplayer over ENet: an RPC round trip and a client-to-client relay between netscene
//! peers (netscene's transport test kit), and the SceneMultiplayer handshake of a Godot 4 client played by the C ENet peer with
//! the spec's golden bytes (golden-vectors §3.3: P9 SIMPLIFY_PATH, P10 CONFIRM_PATH, P12/P17
//! REMOTE_CALL).

mod common;

use std::sync::{Arc, Mutex};

use common::DEADLINE;
use netscene::{RpcConfig, SceneMultiplayer, SceneTree, testing};
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
    let (server, port) = server_peer();
    let client_id =
        testing::rpc_round_trip(Box::new(server), Box::new(client_peer(port)), DEADLINE).unwrap();
    assert!(client_id >= 2);
}

#[test]
fn clients_learn_of_each_other_through_add_peer_and_relay() {
    let (server, port) = server_peer();
    let (a, b) = testing::relay_between_clients(
        Box::new(server),
        Box::new(client_peer(port)),
        Box::new(client_peer(port)),
        DEADLINE,
    )
    .unwrap();
    assert_ne!(a, b);
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
