//! ENet connect floods, measured (RELIABILITY.md): half-open connections from one address
//! (127.0.0.2) that send CONNECT and never answer VERIFY_CONNECT each hold a server slot until
//! ENet's timeout. Godot has no per-address limit (C ENet's `duplicatePeers` is not set by
//! it, nor exposed by rusty_enet), so by default `max_clients` is the bound: below it
//! legitimate clients still join at once; at it they wait for the flood to time out. With
//! `set_max_pending_per_address` they join at once whatever the flood.

use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, MultiplayerPeer};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};

const SLOTS: usize = 32;

fn server() -> (ENetMultiplayerPeer, u16) {
    let mut server = ENetMultiplayerPeer::new();
    server
        .create_server_with(ServerOptions {
            max_clients: SLOTS,
            bind_ip: Some("127.0.0.1".parse().unwrap()),
            ..ServerOptions::new(0)
        })
        .unwrap();
    let port = server.local_port().unwrap();
    (server, port)
}

/// `count` clients from 127.0.0.2 that send their CONNECT and are never polled again.
fn half_open(
    port: u16,
    count: usize,
    server: &mut ENetMultiplayerPeer,
) -> Vec<ENetMultiplayerPeer> {
    let mut flood = Vec::new();
    for _ in 0..count {
        let mut peer = ENetMultiplayerPeer::new();
        peer.create_client_with(ClientOptions {
            bind_ip: Some("127.0.0.2".parse().unwrap()),
            ..ClientOptions::new("127.0.0.1", port)
        })
        .unwrap();
        peer.poll();
        flood.push(peer);
    }
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        server.poll();
        std::thread::sleep(Duration::from_millis(1));
    }
    flood
}

/// A legitimate client from 127.0.0.1: its join time, or `None` after `limit`.
fn join(port: u16, server: &mut ENetMultiplayerPeer, limit: Duration) -> Option<Duration> {
    let mut client = ENetMultiplayerPeer::new();
    client
        .create_client_with(ClientOptions::new("127.0.0.1", port))
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < limit {
        server.poll();
        client.poll();
        match client.get_connection_status() {
            ConnectionStatus::Connected => return Some(start.elapsed()),
            ConnectionStatus::Disconnected => return None,
            ConnectionStatus::Connecting => {}
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

#[test]
fn half_open_flood_below_max_clients_leaves_room_for_players() {
    let (mut server, port) = server();
    let _flood = half_open(port, SLOTS - 4, &mut server);
    let times: Vec<Option<Duration>> = (0..4)
        .map(|_| join(port, &mut server, Duration::from_secs(5)))
        .collect();
    println!("{} half-open connects: joins {times:?}", SLOTS - 4);
    assert!(
        times
            .iter()
            .all(|t| t.is_some_and(|d| d < Duration::from_secs(1))),
        "{times:?}"
    );
}

#[test]
fn half_open_flood_at_max_clients_holds_every_slot_until_enet_times_it_out() {
    let (mut server, port) = server();
    let _flood = half_open(port, SLOTS, &mut server);
    let blocked = join(port, &mut server, Duration::from_secs(3));
    println!("{SLOTS} half-open connects: a player's join within 3 s: {blocked:?}");
    assert_eq!(blocked, None, "ENet keeps half-open peers in their slots");
    // The slots come back once ENet gives up on the silent peers.
    let start = Instant::now();
    let mut joined = None;
    while start.elapsed() < Duration::from_secs(60) && joined.is_none() {
        joined = join(port, &mut server, Duration::from_secs(2)).map(|_| start.elapsed());
    }
    println!("a player joined {joined:?} after the first attempt failed");
    assert!(
        joined.is_some(),
        "the flood's slots are freed by ENet's timeout"
    );
}

#[test]
fn with_a_per_address_limit_a_flood_beyond_max_clients_leaves_room_for_players() {
    let (mut server, port) = server();
    server.set_max_pending_per_address(Some(4));
    // Twice as many half-open connects as there are slots, from one address.
    let _flood = half_open(port, 2 * SLOTS, &mut server);
    let times: Vec<Option<Duration>> = (0..4)
        .map(|_| join(port, &mut server, Duration::from_secs(5)))
        .collect();
    println!(
        "{} half-open connects, at most 4 per address: joins {times:?}",
        2 * SLOTS
    );
    assert!(
        times
            .iter()
            .all(|t| t.is_some_and(|d| d < Duration::from_secs(1))),
        "{times:?}"
    );
}
