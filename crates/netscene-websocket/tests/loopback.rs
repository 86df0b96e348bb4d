//! A netscene server with netscene clients over loopback, `ws://` and `wss://`: ids, peer
//! announcement, packet round trips, addressing, disconnects, server loss, TLS trust.

mod common;

use std::time::Duration;

use common::*;
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerError, PeerEvent, TransferMode};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

/// Ids, announcement, and every addressing form, over an already connected server + 3 clients.
fn exercise_three_clients(
    server: &mut WebSocketMultiplayerPeer,
    clients: &mut [WebSocketMultiplayerPeer],
    announced: &[i32],
) {
    // Each client learned the id the server announced for it, and reported the server.
    let mut client_ids: Vec<i32> = clients.iter().map(|c| c.get_unique_id()).collect();
    let mut server_ids = announced.to_vec();
    client_ids.sort();
    server_ids.sort();
    assert_eq!(client_ids, server_ids);
    let mut peer_ids = server.peer_ids();
    peer_ids.sort();
    assert_eq!(peer_ids, server_ids);
    for client in clients.iter_mut() {
        let id = client.get_unique_id();
        assert!(id >= 2, "client id {id} must be in 2..=i32::MAX");
        assert!(!client.is_server());
        assert_eq!(events(client), vec![PeerEvent::PeerConnected(1)]);
        assert_eq!(client.peer_ids(), vec![1]);
        assert!(server.get_peer_port(id).is_some());
        assert_eq!(
            server.get_peer_address(id),
            Some("127.0.0.1".parse().unwrap())
        );
    }
    assert!(server.is_server());
    assert_eq!(server.get_unique_id(), 1);

    // Client → server: mode and channel are ignored (reported reliable, channel 0).
    for (n, client) in clients.iter_mut().enumerate() {
        client
            .send(
                0,
                TransferMode::Unreliable,
                3,
                format!("hello {n}").as_bytes(),
            )
            .unwrap();
    }
    let mut received = Vec::new();
    {
        let mut all: Vec<&mut WebSocketMultiplayerPeer> = vec![server];
        pump_until(&mut all, "3 packets at the server", |p| {
            p[0].get_available_packet_count() >= 3
        });
        received.extend(packets(all[0]));
    }
    assert_eq!(received.len(), 3);
    for (n, client) in clients.iter().enumerate() {
        let packet = received
            .iter()
            .find(|p| p.from == client.get_unique_id())
            .expect("packet from each client");
        assert_eq!(packet.data, format!("hello {n}").as_bytes());
        assert_eq!(packet.channel, 0);
        assert_eq!(packet.mode, TransferMode::Reliable);
    }

    // Server → one client; broadcast; all but one.
    let first = clients[0].get_unique_id();
    server
        .send(first, TransferMode::Reliable, 0, b"just you")
        .unwrap();
    server
        .send(0, TransferMode::UnreliableOrdered, 1, b"everyone")
        .unwrap();
    server
        .send(-first, TransferMode::Reliable, 0, b"not the first")
        .unwrap();
    let expected: [Vec<&[u8]>; 3] = [
        vec![b"just you", b"everyone"],
        vec![b"everyone", b"not the first"],
        vec![b"everyone", b"not the first"],
    ];
    for (client, expected) in clients.iter_mut().zip(expected) {
        let mut got = Vec::new();
        let start = std::time::Instant::now();
        while got.len() < expected.len() {
            server.poll();
            client.poll();
            got.extend(packets(client));
            assert!(start.elapsed() < DEADLINE, "client packets");
            std::thread::sleep(Duration::from_millis(1));
        }
        let data: Vec<&[u8]> = got.iter().map(|p| p.data.as_slice()).collect();
        assert_eq!(data, expected, "packets in order, nothing extra");
        assert!(got.iter().all(|p| p.from == 1 && p.channel == 0));
    }
    // Nothing more arrives (the first client was excluded from the last send).
    let mut all: Vec<&mut WebSocketMultiplayerPeer> = vec![server];
    pump_for(&mut all, Duration::from_millis(50));
    for client in clients.iter_mut() {
        client.poll();
        assert_eq!(client.get_available_packet_count(), 0);
    }
}

#[test]
fn three_clients_over_ws() {
    let (mut server, url) = ws_server();
    let (mut clients, announced) = connect_clients(&mut server, &url, None, 3);
    exercise_three_clients(&mut server, &mut clients, &announced);
}

#[test]
fn three_clients_over_wss_with_a_test_ca() {
    let (ca, chain, key) = test_pki();
    let mut server = WebSocketMultiplayerPeer::new();
    let tls = TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap();
    assert!(tls.is_server());
    server.create_server(0, "127.0.0.1", Some(tls)).unwrap();
    let port = server.bound_port().unwrap();
    let trusted = TlsOptions::client(Some(ca.as_bytes()), None).unwrap();
    assert!(!trusted.is_server() && !trusted.is_unsafe_client());
    // Two clients verify against the test CA (by IP and by name), one skips verification.
    let (mut by_ip, ids_a) = connect_clients(
        &mut server,
        &format!("wss://127.0.0.1:{port}"),
        Some(trusted.clone()),
        1,
    );
    let (mut by_name, ids_b) = connect_clients(
        &mut server,
        &format!("wss://localhost:{port}/game"),
        Some(trusted),
        1,
    );
    let (mut unsafe_client, ids_c) = connect_clients(
        &mut server,
        &format!("wss://127.0.0.1:{port}"),
        Some(TlsOptions::client_unsafe().unwrap()),
        1,
    );
    let mut clients = vec![by_ip.remove(0), by_name.remove(0), unsafe_client.remove(0)];
    // Keep the server's order of announcement aligned with `clients`.
    let announced = [ids_a[0], ids_b[0], ids_c[0]];
    exercise_three_clients(&mut server, &mut clients, &announced);
}

#[test]
fn wss_client_refuses_an_untrusted_certificate() {
    let (_ca, chain, key) = test_pki();
    let mut server = WebSocketMultiplayerPeer::new();
    server
        .create_server(
            0,
            "127.0.0.1",
            Some(TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap()),
        )
        .unwrap();
    let port = server.bound_port().unwrap();
    // Default options: the public web roots, which do not include the test CA.
    let mut client = WebSocketMultiplayerPeer::new();
    client
        .create_client(&format!("wss://127.0.0.1:{port}"), None)
        .unwrap();
    let mut peers = [&mut server, &mut client];
    pump_until(&mut peers, "client gives up", |p| {
        p[1].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert!(events(&mut client).is_empty(), "never connected");
    assert!(events(&mut server).is_empty(), "server announced nobody");
}

#[test]
fn disconnects_are_reported_on_both_sides() {
    let (mut server, url) = ws_server();
    let (mut clients, ids) = connect_clients(&mut server, &url, None, 3);
    for client in clients.iter_mut() {
        events(client);
    }
    let mut c2 = clients.pop().unwrap();
    let mut c1 = clients.pop().unwrap();
    let mut c0 = clients.pop().unwrap();
    let (id0, id1, id2) = (c0.get_unique_id(), c1.get_unique_id(), c2.get_unique_id());
    assert_eq!(ids.len(), 3);

    // Server kicks c0: both sides report it.
    server.disconnect_peer(id0, false);
    let mut peers = [&mut server, &mut c0];
    pump_until(&mut peers, "kick seen by the client", |p| {
        p[1].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert_eq!(events(&mut c0), vec![PeerEvent::PeerDisconnected(1)]);
    assert_eq!(events(&mut server), vec![PeerEvent::PeerDisconnected(id0)]);

    // c1 leaves politely.
    c1.disconnect_peer(1, false);
    let mut peers = [&mut server, &mut c1];
    pump_until(&mut peers, "client leave seen by the server", |p| {
        p[0].peer_ids().len() == 1
    });
    assert_eq!(events(&mut server), vec![PeerEvent::PeerDisconnected(id1)]);
    assert_eq!(events(&mut c1), vec![PeerEvent::PeerDisconnected(1)]);
    assert_eq!(c1.get_connection_status(), ConnectionStatus::Disconnected);
    assert_eq!(c1.get_unique_id(), 0);

    // Forced kick: no event on the server side (Godot erases the peer silently).
    server.disconnect_peer(id2, true);
    assert!(server.peer_ids().is_empty());
    let mut peers = [&mut server, &mut c2];
    pump_until(&mut peers, "forced kick seen by the client", |p| {
        p[1].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert!(events(&mut server).is_empty());
    assert_eq!(events(&mut c2), vec![PeerEvent::PeerDisconnected(1)]);
    assert_eq!(
        c2.put_packet(b"late"),
        Err(PeerError::Unconfigured),
        "a disconnected client cannot send"
    );
}

#[test]
fn server_loss_disconnects_every_client() {
    let (mut server, url) = ws_server();
    let (mut clients, _) = connect_clients(&mut server, &url, None, 3);
    server.close();
    assert_eq!(
        server.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    drop(server);
    let mut peers: Vec<&mut WebSocketMultiplayerPeer> = clients.iter_mut().collect();
    pump_until(&mut peers, "every client sees the server go", |p| {
        p.iter()
            .all(|c| c.get_connection_status() == ConnectionStatus::Disconnected)
    });
    for client in clients.iter_mut() {
        assert_eq!(
            events(client),
            vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
        );
    }
}

#[test]
fn contract_errors_match_godot() {
    let mut peer = WebSocketMultiplayerPeer::new();
    assert_eq!(peer.get_connection_status(), ConnectionStatus::Disconnected);
    assert_eq!(peer.put_packet(b"x"), Err(PeerError::Unconfigured));
    assert!(peer.is_server_relay_supported());
    assert_eq!(peer.get_max_packet_size(), 65535 - 9);
    assert_eq!(peer.get_handshake_timeout(), Duration::from_secs(3));
    assert_eq!(peer.get_inbound_buffer_size(), 65535);
    assert_eq!(peer.get_outbound_buffer_size(), 65535);
    assert_eq!(peer.get_max_queued_packets(), 2048);
    assert!(peer.get_supported_protocols().is_empty());
    assert!(peer.get_handshake_headers().is_empty());
    assert!(peer.set_handshake_timeout(Duration::ZERO).is_err());
    assert!(matches!(
        peer.create_client("http://127.0.0.1:1/", None),
        Err(PeerError::InvalidParameter(_))
    ));
    let (_, chain, key) = test_pki();
    let server_tls = TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap();
    assert!(matches!(
        peer.create_client("wss://127.0.0.1:1/", Some(server_tls)),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        peer.create_server(0, "127.0.0.1", Some(TlsOptions::client_unsafe().unwrap())),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        peer.create_server(0, "not an address", None),
        Err(PeerError::InvalidParameter(_))
    ));

    let (mut server, url) = ws_server();
    assert_eq!(
        server.create_server(0, "127.0.0.1", None),
        Err(PeerError::AlreadyInUse)
    );
    let (mut clients, _) = connect_clients(&mut server, &url, None, 1);
    let client = &mut clients[0];
    assert_eq!(
        client.create_client(&url, None),
        Err(PeerError::AlreadyInUse)
    );
    assert_eq!(
        server.send(12345, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(12345))
    );
    let too_big = vec![0u8; server.get_max_packet_size() + 1];
    assert!(matches!(
        server.put_packet(&too_big),
        Err(PeerError::PacketTooLarge { .. })
    ));
    // The largest allowed packet goes through whole.
    let largest = vec![7u8; client.get_max_packet_size()];
    client.put_packet(&largest).unwrap();
    let mut peers = [&mut server, client];
    pump_until(&mut peers, "largest packet", |p| {
        p[0].get_available_packet_count() == 1
    });
    assert_eq!(server.get_packet().unwrap().data, largest);
}

#[test]
fn refusing_new_connections_keeps_clients_out() {
    let (mut server, url) = ws_server();
    server.set_refuse_new_connections(true);
    assert!(server.is_refusing_new_connections());
    let mut client = WebSocketMultiplayerPeer::new();
    client
        .set_handshake_timeout(Duration::from_millis(300))
        .unwrap();
    client.create_client(&url, None).unwrap();
    let mut peers = [&mut server, &mut client];
    pump_until(&mut peers, "refused client times out", |p| {
        p[1].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert!(events(&mut server).is_empty());
    assert!(events(&mut client).is_empty());
    // Accepting again lets a new client in.
    server.set_refuse_new_connections(false);
    let (clients, _) = connect_clients(&mut server, &url, None, 1);
    assert_eq!(
        clients[0].get_connection_status(),
        ConnectionStatus::Connected
    );
}

#[test]
fn wildcard_bind_accepts_clients_by_address_and_by_name() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.create_server(0, "*", None).unwrap();
    let port = server.bound_port().unwrap();
    assert!(server.local_addr().unwrap().ip().is_unspecified());
    let (by_address, _) = connect_clients(&mut server, &format!("ws://127.0.0.1:{port}"), None, 1);
    // "localhost" may resolve to ::1 first; the client tries each address in turn.
    let (by_name, _) = connect_clients(
        &mut server,
        &format!("localhost:{port}/lobby?room=1"),
        None,
        1,
    );
    assert_eq!(server.peer_ids().len(), 2);
    assert_ne!(by_address[0].get_unique_id(), by_name[0].get_unique_id());
    let address = server
        .get_peer_address(by_address[0].get_unique_id())
        .unwrap();
    assert_eq!(address, "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
}

/// Both sides send as fast as their queues allow while both also read: a blocked write must
/// never stop the reads (over TLS that needs care, or each side waits for the other forever).
fn bidirectional_flood(
    server: &mut WebSocketMultiplayerPeer,
    client: &mut WebSocketMultiplayerPeer,
    client_id: i32,
) {
    const COUNT: usize = 1500; // 16 KiB each: about 24 MiB per direction
    let payload = vec![0x5a; 16 * 1024];
    let (mut to_client, mut to_server) = (0, 0);
    let (mut at_client, mut at_server) = (0, 0);
    let start = std::time::Instant::now();
    while at_client < COUNT || at_server < COUNT {
        while to_client < COUNT
            && server
                .send(client_id, TransferMode::Reliable, 0, &payload)
                .is_ok()
        {
            to_client += 1;
        }
        while to_server < COUNT && client.put_packet(&payload).is_ok() {
            to_server += 1;
        }
        server.poll();
        client.poll();
        for packet in packets(server).into_iter().chain(packets(client)) {
            assert_eq!(packet.data, payload);
            if packet.from == 1 {
                at_client += 1;
            } else {
                at_server += 1;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "stalled: server got {at_server}, client got {at_client} of {COUNT}"
        );
    }
    assert_eq!((at_server, at_client), (COUNT, COUNT));
}

#[test]
fn bidirectional_flood_over_ws_completes() {
    let (mut server, url) = ws_server();
    let (mut clients, ids) = connect_clients(&mut server, &url, None, 1);
    bidirectional_flood(&mut server, &mut clients[0], ids[0]);
}

#[test]
fn bidirectional_flood_over_wss_completes() {
    let (ca, chain, key) = test_pki();
    let mut server = WebSocketMultiplayerPeer::new();
    server
        .create_server(
            0,
            "127.0.0.1",
            Some(TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap()),
        )
        .unwrap();
    let url = format!("wss://127.0.0.1:{}", server.bound_port().unwrap());
    let trusted = TlsOptions::client(Some(ca.as_bytes()), None).unwrap();
    let (mut clients, ids) = connect_clients(&mut server, &url, Some(trusted), 1);
    bidirectional_flood(&mut server, &mut clients[0], ids[0]);
}

#[test]
fn tls_and_plain_ends_do_not_mix() {
    let (ca, chain, key) = test_pki();
    let mut tls_server = WebSocketMultiplayerPeer::new();
    tls_server
        .create_server(
            0,
            "127.0.0.1",
            Some(TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap()),
        )
        .unwrap();
    let tls_port = tls_server.bound_port().unwrap();
    let (mut plain_server, plain_url) = ws_server();

    // ws:// to a wss:// server, and wss:// to a ws:// server: both fail, nobody is announced.
    let mut plain_client = WebSocketMultiplayerPeer::new();
    plain_client
        .create_client(&format!("ws://127.0.0.1:{tls_port}"), None)
        .unwrap();
    let mut tls_client = WebSocketMultiplayerPeer::new();
    tls_client
        .create_client(
            &plain_url.replace("ws://", "wss://"),
            Some(TlsOptions::client(Some(ca.as_bytes()), None).unwrap()),
        )
        .unwrap();
    let mut peers = [
        &mut tls_server,
        &mut plain_server,
        &mut plain_client,
        &mut tls_client,
    ];
    pump_until(&mut peers, "both mismatched clients give up", |p| {
        p[2..]
            .iter()
            .all(|c| c.get_connection_status() == ConnectionStatus::Disconnected)
    });
    for peer in [
        &mut tls_server,
        &mut plain_server,
        &mut plain_client,
        &mut tls_client,
    ] {
        assert!(events(peer).is_empty());
    }
}

#[test]
fn sixty_four_clients_get_distinct_ids_and_a_broadcast() {
    let (mut server, url) = ws_server();
    let (mut clients, announced) = connect_clients(&mut server, &url, None, 64);
    let mut ids: Vec<i32> = clients.iter().map(|c| c.get_unique_id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 64, "ids are distinct");
    let mut announced = announced;
    announced.sort();
    assert_eq!(announced, ids);
    server
        .send(0, TransferMode::Reliable, 0, b"to everyone")
        .unwrap();
    let mut peers: Vec<&mut WebSocketMultiplayerPeer> = clients.iter_mut().collect();
    pump_until(&mut peers, "broadcast reaches all 64", |p| {
        p.iter().all(|c| c.get_available_packet_count() == 1)
    });
    for client in clients.iter_mut() {
        assert_eq!(client.get_packet().unwrap().data, b"to everyone");
    }
}
