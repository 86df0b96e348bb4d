//! Heap allocations per RPC round trip on an ENet server, in steady state: the cost every
//! packet pays at scale (malloc and free were the largest share of the 4 095-client server
//! thread after the kernel). The server answers each `ping(seq, sent)` with a `pong` to its
//! sender, both reliable, as `netscene bench` does.

use std::alloc::System;
use std::time::Instant;

use netscene::{MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

// The workspace forbids `unsafe`, so the counting allocator comes from `stats_alloc`.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

mod common;
use common::DEADLINE;

fn tree_with(peer: ENetMultiplayerPeer, server: bool) -> SceneTree {
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer.set_server_relay_enabled(false).unwrap();
    multiplayer
        .set_multiplayer_peer(Some(Box::new(peer)))
        .expect("peer accepted");
    let mut tree = SceneTree::with_multiplayer(Box::new(multiplayer));
    let node = tree.add_path("/root/Bench").unwrap();
    if server {
        tree.on_rpc(
            node,
            "ping",
            RpcConfig::any_peer(),
            |ctx, (seq, sent): (i64, i64)| {
                let from = ctx.remote_sender_id();
                ctx.rpc_id(from, "pong", &[seq.into(), sent.into()])
                    .expect("pong sent");
            },
        )
        .unwrap();
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::authority(),
            |_, (_, _): (i64, i64)| {},
        )
        .unwrap();
    } else {
        tree.node_mut(node).unwrap().set_state(0_u64);
        tree.on_rpc(
            node,
            "ping",
            RpcConfig::any_peer(),
            |_, (_, _): (i64, i64)| {},
        )
        .unwrap();
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::authority(),
            |ctx, (_, _): (i64, i64)| {
                if let Some(pongs) = ctx.state_mut::<u64>() {
                    *pongs += 1;
                }
            },
        )
        .unwrap();
    }
    tree
}

#[test]
fn a_ping_pong_round_trip_costs_the_server_few_allocations() {
    let mut server_peer = ENetMultiplayerPeer::new();
    server_peer
        .create_server_with(ServerOptions {
            bind_ip: Some("127.0.0.1".parse().unwrap()),
            ..ServerOptions::new(0)
        })
        .unwrap();
    let port = server_peer.local_port().unwrap();
    let mut client_peer = ENetMultiplayerPeer::new();
    client_peer
        .create_client_with(ClientOptions::new("127.0.0.1", port))
        .unwrap();
    let mut server = tree_with(server_peer, true);
    let mut client = tree_with(client_peer, false);
    let node = client.get_node("/root/Bench").unwrap();
    let deadline = Instant::now() + DEADLINE;
    while !client
        .drain_events("")
        .contains(&MultiplayerEvent::ConnectedToServer)
    {
        assert!(
            Instant::now() < deadline,
            "not connected within {DEADLINE:?}"
        );
        client.poll().unwrap();
        server.poll().unwrap();
    }

    let mut server_allocations = 0_usize;
    let mut round = |rounds: u64, counted: &mut usize| {
        let start_pongs = *client.node(node).unwrap().state::<u64>().unwrap();
        let deadline = Instant::now() + DEADLINE;
        for seq in 0..rounds {
            client
                .rpc_id(node, 1, "ping", &[(seq as i64).into(), 0_i64.into()])
                .unwrap();
            while *client.node(node).unwrap().state::<u64>().unwrap() < start_pongs + seq + 1 {
                assert!(Instant::now() < deadline, "no pong within {DEADLINE:?}");
                client.poll().unwrap();
                let region = Region::new(GLOBAL);
                server.poll().unwrap();
                *counted += region.change().allocations;
            }
        }
    };
    // Warm-up: connection, path cache, buffers grown to size.
    let mut ignored = 0;
    round(200, &mut ignored);
    const ROUNDS: u64 = 1000;
    round(ROUNDS, &mut server_allocations);
    let per_round_trip = server_allocations as f64 / ROUNDS as f64;
    println!("server heap allocations per ping/pong round trip: {per_round_trip:.2}");
    // rusty_enet makes 8 of them: for the ping, its incoming command, packet, packet data
    // and acknowledgement; for the pong, its outgoing command and packet, and the datagram
    // it assembles (one allocation and a growth). netscene adds the two the `MultiplayerPeer`
    // contract needs: the received packet's bytes, and the sent packet's bytes handed over.
    // A tenth to spare for ENet's own rare traffic on a slow machine; one more allocation per
    // round trip fails.
    assert!(
        per_round_trip < 10.1,
        "{per_round_trip} allocations per round trip"
    );

    // An idle poll allocates nothing: a server polls a thousand times a second. (ENet's own
    // keep-alive pings may fall in the window and cost a few.)
    const IDLE_POLLS: usize = 1000;
    let region = Region::new(GLOBAL);
    for _ in 0..IDLE_POLLS {
        server.poll().unwrap();
    }
    let per_poll = region.change().allocations as f64 / IDLE_POLLS as f64;
    println!("server heap allocations per idle poll: {per_poll:.3}");
    assert!(per_poll < 0.05, "{per_poll} allocations per idle poll");
}
