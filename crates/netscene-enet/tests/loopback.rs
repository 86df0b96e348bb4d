//! A netscene ENet server with three netscene ENet clients over loopback: connection and
//! ids, every transfer mode on several channels in both directions, targets, disconnection,
//! server loss, refused connections, timeouts and statistics (options: `options.rs`).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Node, connected_group, local_server, run_for, run_until, short_timeouts};
use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, PeerError, PeerEvent, PeerId, TransferMode,
};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};

const IDS: [PeerId; 3] = [1001, 2002, 0x7FFF_FFFF];
const MODES: [TransferMode; 3] = [
    TransferMode::Unreliable,
    TransferMode::UnreliableOrdered,
    TransferMode::Reliable,
];
const CHANNELS: [i32; 3] = [0, 1, 5];

fn payload(tag: u8, mode: TransferMode, channel: i32) -> Vec<u8> {
    vec![tag, mode as u8, channel as u8, 0xAB]
}

fn all_nodes<'a>(server: &'a mut Node, clients: &'a mut [Node]) -> Vec<&'a mut Node> {
    std::iter::once(server).chain(clients.iter_mut()).collect()
}

#[test]
fn three_clients_connect_with_their_ids() {
    let (server, mut clients) = connected_group(&IDS);
    assert_eq!(server.peer.get_unique_id(), 1);
    assert!(server.peer.is_server());
    let connected: BTreeSet<PeerId> = server
        .events
        .iter()
        .map(|e| match e {
            PeerEvent::PeerConnected(id) => *id,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(connected, IDS.into_iter().collect());
    let mut listed = server.peer.peer_ids();
    listed.sort_unstable();
    assert_eq!(listed, vec![1001, 2002, 0x7FFF_FFFF]);
    for (client, id) in clients.iter_mut().zip(IDS) {
        assert_eq!(client.peer.get_unique_id(), id);
        assert!(!client.peer.is_server());
        // A client only ever sees the server: others arrive via SceneMultiplayer's ADD_PEER.
        assert_eq!(client.events, vec![PeerEvent::PeerConnected(1)]);
        assert!(client.peer.is_server_relay_supported());
    }
}

#[test]
fn a_client_without_a_fixed_id_draws_one() {
    let mut server = local_server();
    let mut client = Node::client(server.port(), None);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    let id = client.peer.get_unique_id();
    assert!(id >= 2);
    assert_eq!(server.events, vec![PeerEvent::PeerConnected(id)]);
}

#[test]
fn every_mode_and_channel_is_reported_on_receive_both_ways() {
    let (mut server, mut clients) = connected_group(&IDS);
    let mut expected_at_server = BTreeSet::new();
    for (index, client) in clients.iter_mut().enumerate() {
        for mode in MODES {
            for channel in CHANNELS {
                let data = payload(index as u8, mode, channel);
                client.peer.send(1, mode, channel, &data).unwrap();
                expected_at_server.insert((IDS[index], channel, mode as u8, data));
            }
        }
    }
    let mut received = BTreeSet::new();
    assert!(run_until(
        &mut all_nodes(&mut server, &mut clients),
        |nodes| { nodes[0].packets.len() >= expected_at_server.len() }
    ));
    for packet in server.take_packets() {
        received.insert((packet.from, packet.channel, packet.mode as u8, packet.data));
    }
    assert_eq!(received, expected_at_server);

    // Server to each client, addressed to that client.
    for (index, id) in IDS.iter().enumerate() {
        for mode in MODES {
            for channel in CHANNELS {
                let data = payload(100 + index as u8, mode, channel);
                server.peer.send(*id, mode, channel, &data).unwrap();
            }
        }
    }
    let per_client = MODES.len() * CHANNELS.len();
    assert!(run_until(
        &mut all_nodes(&mut server, &mut clients),
        |nodes| { nodes[1..].iter().all(|c| c.packets.len() >= per_client) }
    ));
    for (index, client) in clients.iter_mut().enumerate() {
        let got: BTreeSet<_> = client
            .take_packets()
            .into_iter()
            .map(|p| (p.from, p.channel, p.mode as u8, p.data))
            .collect();
        let want: BTreeSet<_> = MODES
            .iter()
            .flat_map(|mode| {
                CHANNELS
                    .iter()
                    .map(move |ch| (1, *ch, *mode as u8, payload(100 + index as u8, *mode, *ch)))
            })
            .collect();
        assert_eq!(got, want, "client {index}");
    }
}

#[test]
fn broadcast_and_exclusion_targets() {
    let (mut server, mut clients) = connected_group(&IDS);
    server
        .peer
        .send(0, TransferMode::Reliable, 2, b"everyone")
        .unwrap();
    server
        .peer
        .send(-IDS[1], TransferMode::Reliable, 0, b"not you")
        .unwrap();
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| {
        n[1].packets.len() == 2 && n[3].packets.len() == 2 && !n[2].packets.is_empty()
    }));
    run_for(
        &mut all_nodes(&mut server, &mut clients),
        Duration::from_millis(100),
    );
    for (index, client) in clients.iter_mut().enumerate() {
        let data: Vec<Vec<u8>> = client.take_packets().into_iter().map(|p| p.data).collect();
        if index == 1 {
            assert_eq!(data, vec![b"everyone".to_vec()]);
        } else {
            assert_eq!(data, vec![b"everyone".to_vec(), b"not you".to_vec()]);
        }
    }
}

#[test]
fn large_packets_fragment_with_godots_modes() {
    let (mut server, mut clients) = connected_group(&IDS[..1]);
    let reliable: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let unreliable: Vec<u8> = (0..4000u32).map(|i| (i % 13) as u8).collect();
    clients[0]
        .peer
        .send(1, TransferMode::Reliable, 3, &reliable)
        .unwrap();
    clients[0]
        .peer
        .send(1, TransferMode::Unreliable, 0, &unreliable)
        .unwrap();
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| n
        [0]
    .packets
    .len()
        == 2));
    let packets = server.take_packets();
    let big = packets
        .iter()
        .find(|p| p.data.len() == reliable.len())
        .unwrap();
    assert_eq!((big.channel, big.mode), (3, TransferMode::Reliable));
    assert_eq!(big.data, reliable);
    let frag = packets
        .iter()
        .find(|p| p.data.len() == unreliable.len())
        .unwrap();
    assert_eq!(frag.data, unreliable);
    // Above the MTU an UNRELIABLE packet travels as unreliable fragments, which ENet
    // delivers with only the UNRELIABLE_FRAGMENT flag: Godot reports UNRELIABLE_ORDERED too.
    assert_eq!(frag.mode, TransferMode::UnreliableOrdered);
}

#[test]
fn client_close_and_disconnect_peer_are_reported() {
    let (mut server, mut clients) = connected_group(&IDS);
    server.events.clear();

    // A client leaving.
    clients[0].peer.close();
    assert_eq!(
        clients[0].peer.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert_eq!(clients[0].peer.get_unique_id(), 0);
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| !n
        [0]
    .events
    .is_empty()));
    assert_eq!(server.events, vec![PeerEvent::PeerDisconnected(IDS[0])]);
    server.events.clear();

    // The server kicking a client: both sides are told.
    server.peer.disconnect_peer(IDS[1], false);
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| {
        !n[0].events.is_empty()
            && n[2].peer.get_connection_status() == ConnectionStatus::Disconnected
    }));
    assert_eq!(server.events, vec![PeerEvent::PeerDisconnected(IDS[1])]);
    assert_eq!(
        clients[1].events,
        vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
    );
    server.events.clear();

    // A forced disconnect removes the peer at once, without an event.
    server.peer.disconnect_peer(IDS[2], true);
    assert_eq!(server.peer.peer_ids(), Vec::<PeerId>::new());
    assert!(matches!(
        server.peer.send(IDS[2], TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(_))
    ));
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| !n
        [3]
    .connected()));
    run_for(
        &mut all_nodes(&mut server, &mut clients),
        Duration::from_millis(100),
    );
    assert_eq!(server.events, vec![]);
    assert_eq!(
        clients[2].events.last(),
        Some(&PeerEvent::PeerDisconnected(1))
    );
}

#[test]
fn server_loss_is_reported_to_every_client() {
    let (mut server, mut clients) = connected_group(&IDS);
    server.peer.close();
    assert_eq!(
        server.peer.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| n
        [1..]
        .iter()
        .all(|c| !c.connected())));
    for client in &clients {
        assert_eq!(
            client.events,
            vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
        );
        assert_eq!(client.peer.get_unique_id(), 0);
    }
}

#[test]
fn duplicate_ids_are_refused() {
    let mut server = local_server();
    let port = server.port();
    let mut first = Node::client(port, Some(77));
    assert!(run_until(&mut [&mut server, &mut first], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    let mut second = Node::client_with(ClientOptions {
        unique_id: Some(77),
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", port)
    });
    // The server drops the second connection silently, as Godot does: ENet completes the
    // handshake first, so the client connects and then times out.
    assert!(run_until(
        &mut [&mut server, &mut first, &mut second],
        |n| { n[2].events.contains(&PeerEvent::PeerDisconnected(1)) }
    ));
    assert_eq!(server.events, vec![PeerEvent::PeerConnected(77)]);
    assert!(first.connected());
    assert!(!second.connected());
}

#[test]
fn ids_below_two_are_refused_on_the_wire() {
    // Raw ENet clients sending CONNECT data 0 and 1 (a netscene client cannot be created so).
    let mut server = local_server();
    let port = server.port();
    for data in [0u32, 1, 0x8000_0000] {
        let mut raw = netscene_enet::ENetConnection::create_host_bound(
            Some("127.0.0.1".parse().unwrap()),
            0,
            1,
            0,
            0,
            0,
        )
        .unwrap();
        let slot = raw.connect_to_host("127.0.0.1", port, 0, data).unwrap();
        raw.get_peer(slot)
            .unwrap()
            .set_timeout(netscene_enet::PeerTimeout {
                limit: 4,
                minimum_ms: 300,
                maximum_ms: 1000,
            });
        let mut disconnected = false;
        let deadline = std::time::Instant::now() + common::DEADLINE;
        while !disconnected && std::time::Instant::now() < deadline {
            server.pump();
            while let Ok(Some(event)) = raw.service() {
                if let netscene_enet::ConnectionEvent::Disconnect { .. } = event {
                    disconnected = true;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(disconnected, "data {data}: the server kept the connection");
        assert_eq!(server.events, vec![], "data {data}");
    }
    assert!(matches!(
        ENetMultiplayerPeer::new().create_client_with(ClientOptions {
            unique_id: Some(1),
            ..ClientOptions::new("127.0.0.1", port)
        }),
        Err(PeerError::InvalidParameter(_))
    ));
}

#[test]
fn refusing_new_connections_keeps_existing_ones() {
    let (mut server, mut clients) = connected_group(&IDS[..1]);
    server.peer.set_refuse_new_connections(true);
    assert!(server.peer.is_refusing_new_connections());
    let mut late = Node::client_with(ClientOptions {
        unique_id: Some(5),
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    assert!(run_until(
        &mut [&mut server, &mut clients[0], &mut late],
        |n| n[2].events.contains(&PeerEvent::PeerDisconnected(1))
    ));
    assert_eq!(server.events, vec![PeerEvent::PeerConnected(IDS[0])]);
    clients[0]
        .peer
        .send(1, TransferMode::Reliable, 0, b"still here")
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut clients[0]], |n| !n[0]
        .packets
        .is_empty()));

    // Accepting again.
    server.peer.set_refuse_new_connections(false);
    let mut later = Node::client(server.port(), Some(6));
    assert!(run_until(&mut [&mut server, &mut later], |n| n[0]
        .events
        .contains(&PeerEvent::PeerConnected(6))));
}

#[test]
fn a_silent_client_times_out_on_the_server() {
    let mut server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        peer_settings: short_timeouts(),
        ..ServerOptions::new(0)
    });
    let mut client = Node::client(server.port(), Some(9));
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    // The client stops answering (never polled again): only the server runs.
    assert!(run_until(&mut [&mut server], |n| n[0]
        .events
        .contains(&PeerEvent::PeerDisconnected(9))));
    assert_eq!(
        server.events,
        vec![PeerEvent::PeerConnected(9), PeerEvent::PeerDisconnected(9)]
    );
}

#[test]
fn a_silent_server_times_out_on_the_client() {
    let mut server = local_server();
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(10),
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    assert!(run_until(&mut [&mut client], |n| !n[0].connected()));
    assert_eq!(
        client.events,
        vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
    );
}

/// The client's socket is connected to the server, so the kernel reports the ICMP "port
/// unreachable" of a closed server port as an error; the client must still time out as on an
/// unconnected socket and report the loss, not fail on the error and close silently.
#[test]
fn a_vanished_server_times_out_on_the_client() {
    let mut server = local_server();
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(11),
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    drop(server);
    // Reliable traffic to the closed port draws ICMP replies while the client waits.
    client.peer.set_transfer_mode(TransferMode::Reliable);
    for _ in 0..5 {
        client.peer.put_packet(b"anyone?").unwrap();
        run_for(&mut [&mut client], Duration::from_millis(20));
    }
    assert!(run_until(&mut [&mut client], |n| !n[0].connected()));
    assert_eq!(
        client.events,
        vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
    );
}

#[test]
fn connecting_to_nobody_fails_without_events() {
    // A bound socket that never answers.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut client = Node::client_with(ClientOptions {
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", silent.local_addr().unwrap().port())
    });
    assert_eq!(
        client.peer.get_connection_status(),
        ConnectionStatus::Connecting
    );
    assert!(matches!(
        client.peer.put_packet(b"early"),
        Err(PeerError::Unconfigured)
    ));
    assert!(run_until(&mut [&mut client], |n| n[0]
        .peer
        .get_connection_status()
        == ConnectionStatus::Disconnected));
    assert_eq!(client.events, vec![]);
}

#[test]
fn per_peer_statistics_and_settings() {
    let (mut server, mut clients) = connected_group(&IDS[..1]);
    for i in 0..20u8 {
        clients[0]
            .peer
            .send(1, TransferMode::Reliable, 0, &[i])
            .unwrap();
    }
    assert!(run_until(&mut all_nodes(&mut server, &mut clients), |n| n
        [0]
    .packets
    .len()
        == 20));
    let mut peer = server.peer.get_peer(IDS[0]).expect("connected peer");
    assert_eq!(peer.state(), netscene_enet::PeerState::Connected);
    assert_eq!(peer.channel_count(), 255);
    assert!(peer.round_trip_time() < Duration::from_secs(5));
    let throttle = peer.packet_throttle().expect("throttle readable");
    assert!(throttle <= netscene_enet::PACKET_THROTTLE_SCALE);
    assert!(peer.packet_loss() <= netscene_enet::PACKET_LOSS_SCALE);
    assert!(peer.remote_address().unwrap().ip().is_loopback());
    peer.set_ping_interval(250);
    assert_eq!(peer.ping_interval(), Duration::from_millis(250));
    assert!(server.peer.get_peer(12345).is_none());
    // The `host` property: the server's ENet host and its statistics.
    let port = server.peer.local_port();
    let host = server.peer.get_host().expect("server host");
    assert_eq!(host.local_port(), port);
    let received = host
        .pop_statistic(netscene_enet::HostStatistic::TotalReceivedPackets)
        .unwrap();
    assert!(received >= 1, "received {received} datagrams");
    assert!(clients[0].peer.get_peer(1).is_some());
    assert!(clients[0].peer.get_peer(IDS[0]).is_none());
}

#[test]
fn godot_named_constructors_and_errors() {
    let mut server = ENetMultiplayerPeer::new();
    assert!(matches!(
        server.put_packet(b"x"),
        Err(PeerError::Unconfigured)
    ));
    assert_eq!(server.get_unique_id(), 0);
    server.set_bind_ip("127.0.0.1").unwrap();
    assert!(server.set_bind_ip("not an ip").is_err());
    server.create_server(0, 32, 0, 0, 0).unwrap();
    assert!(matches!(
        server.create_server(0, 32, 0, 0, 0),
        Err(PeerError::AlreadyInUse)
    ));
    let port = server.local_port().unwrap();
    let mut taken = ENetMultiplayerPeer::new();
    taken.set_bind_ip("127.0.0.1").unwrap();
    assert!(matches!(
        taken.create_server(port, 32, 0, 0, 0),
        Err(PeerError::CantCreate(_))
    ));
    assert!(matches!(
        taken.create_server(0, 0, 0, 0, 0),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        taken.create_server(0, 32, 254, 0, 0),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        server.send(42, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(42))
    ));
    assert!(matches!(
        server.send(
            0,
            TransferMode::Reliable,
            0,
            &vec![0; netscene_enet::MAX_PACKET_SIZE + 1]
        ),
        Err(PeerError::PacketTooLarge { .. })
    ));
    assert_eq!(server.get_max_packet_size(), 1 << 24);

    // A host name, against a server on every address ("*"): whichever family "localhost"
    // resolves to first, the server is there.
    drop(server);
    let mut server = ENetMultiplayerPeer::new();
    server.create_server(0, 32, 0, 0, 0).unwrap();
    let port = server.local_port().unwrap();
    let mut server = Node::new(server);
    let mut client = ENetMultiplayerPeer::new();
    client.create_client("localhost", port, 0, 0, 0, 0).unwrap();
    let mut client = Node::new(client);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    client
        .peer
        .send(1, TransferMode::Reliable, 0, b"hi")
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[0]
        .packets
        .is_empty()));
}
