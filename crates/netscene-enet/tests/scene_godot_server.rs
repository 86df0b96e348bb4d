//! The reverse of `scene_rpc.rs`'s C-client dance: a netscene client (SceneTree +
//! SceneMultiplayer over ENet) against the C ENet peer playing a Godot 4 server, checked
//! byte for byte against the spec's golden layouts (golden-vectors §3.3: P9 SIMPLIFY_PATH,
//! P10 CONFIRM_PATH, P12 and P17 REMOTE_CALL) and Godot's ENet channel and flags.

mod common;

use std::sync::{Arc, Mutex};

use common::{DEADLINE, steady};
use netscene::{RpcConfig, SceneMultiplayer, SceneTree};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer};
use netscene_enet_interop::{CEvent, CPeer, CReceived};

/// md5("pingpong"): the checksum of a node whose RPCs are "ping" and "pong" (P9 note).
const CHECKSUM: &str = "cd3c3621a18bef2bcb2cc568833aa0a5";
const CLIENT_ID: u32 = 31337;

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

/// A REMOTE_CALL without arguments naming its node by path (P17): header `a0` (no args,
/// u32 node field), node field 0x80000000 | 6 (the path's offset), the method id, the path.
fn call_with_inline_path(method: u8, path: &str) -> Vec<u8> {
    let mut packet = vec![0xa0, 0x06, 0x00, 0x00, 0x80, method];
    packet.extend_from_slice(path.as_bytes());
    packet.push(0);
    packet
}

/// Waits for the next packet the C server receives while polling the client tree.
fn next_packet(c: &mut CPeer, client: &mut SceneTree) -> CReceived {
    let mut skipped = Vec::new();
    match c.wait_for(
        DEADLINE,
        &mut skipped,
        || client.poll().unwrap(),
        |e| matches!(e, CEvent::Received(_)),
    ) {
        Some(CEvent::Received(packet)) => packet,
        other => panic!("expected a packet, got {other:?} after {skipped:?}"),
    }
}

/// What Godot's ENet peer uses for a reliable packet on user channel 0: ENet channel 0 and
/// the RELIABLE flag (1), from the client's id.
fn assert_reliable_channel_0(packet: &CReceived) {
    assert_eq!(
        (packet.from, packet.enet_channel, packet.flags),
        (CLIENT_ID as i32, 0, 1),
        "{packet:?}"
    );
}

#[test]
fn netscene_client_does_the_scene_multiplayer_dance_with_a_c_godot_server() {
    let (mut c, port) = CPeer::server(0);
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_client_with(ClientOptions {
        unique_id: Some(CLIENT_ID as i32),
        peer_settings: steady(),
        ..ClientOptions::new("127.0.0.1", port)
    })
    .unwrap();
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer
        .set_multiplayer_peer(Some(Box::new(peer)))
        .unwrap();
    let mut client = SceneTree::with_multiplayer(Box::new(multiplayer));

    // The client's "Main" node: "ping" (method 0) answers with "pong" (method 1) to the
    // caller, the server (peer 1, also the node's authority).
    let main = client.add_path("/root/Main").unwrap();
    let pings = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&pings);
    client
        .on_rpc(main, "ping", RpcConfig::authority(), move |ctx, ()| {
            let caller = ctx.remote_sender_id();
            seen.lock().unwrap().push(caller);
            ctx.rpc_id(caller, "pong", &[]).expect("reply");
        })
        .unwrap();
    client
        .on_rpc(main, "pong", RpcConfig::any_peer(), |_, ()| {})
        .unwrap();

    let mut skipped = Vec::new();
    let connected = c.wait_for(
        DEADLINE,
        &mut skipped,
        || client.poll().unwrap(),
        |e| *e == CEvent::Connected(CLIENT_ID as i32),
    );
    assert!(connected.is_some(), "no connection; saw {skipped:?}");

    // The server announces "Main" as its cache id 7 (P9); the client confirms it (P10),
    // reliably on ENet channel 0.
    c.send(CLIENT_ID as i32, 0, 2, &simplify_path(CHECKSUM, 7, "Main"));
    let confirm = next_packet(&mut c, &mut client);
    assert_eq!(confirm.data, [0x02, 0x01, 0x07, 0x00, 0x00, 0x00]);
    assert_reliable_channel_0(&confirm);

    // `ping` with the path inline (P17 layout, method 0).
    c.send(CLIENT_ID as i32, 0, 2, &call_with_inline_path(0, "Main"));
    // The client has never told the server about its own "Main": it announces it in its own
    // cache (id 1), then calls `pong` with the path inline because the server has not
    // confirmed yet.
    let announce = next_packet(&mut c, &mut client);
    assert_eq!(announce.data, simplify_path(CHECKSUM, 1, "Main"));
    assert_reliable_channel_0(&announce);
    let pong = next_packet(&mut c, &mut client);
    assert_eq!(pong.data, call_with_inline_path(1, "Main"));
    assert_reliable_channel_0(&pong);
    assert_eq!(pings.lock().unwrap().as_slice(), &[1]);

    // The server confirms the client's path (P10), then calls `ping` through its own cache
    // id 7 (P12 layout). The reply now uses the client's confirmed cache id 1: header `80`
    // (no args, u8 node field), node 1, method 1.
    c.send(
        CLIENT_ID as i32,
        0,
        2,
        &[0x02, 0x01, 0x01, 0x00, 0x00, 0x00],
    );
    c.send(CLIENT_ID as i32, 0, 2, &[0x80, 0x07, 0x00]);
    let pong = next_packet(&mut c, &mut client);
    assert_eq!(pong.data, [0x80, 0x01, 0x01]);
    assert_reliable_channel_0(&pong);
    assert_eq!(pings.lock().unwrap().as_slice(), &[1, 1]);
    c.quit();
}
