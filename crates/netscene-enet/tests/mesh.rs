//! Mesh mode: each pair of peers shares one `ENetConnection`, ids come from the application,
//! and the hosts accept no further connections. Also: a wildcard (dual-stack) server reached
//! over IPv4 and IPv6.

mod common;

use std::time::{Duration, Instant};

use common::{DEADLINE, Node, run_until};
use netscene::peer::{MultiplayerPeer, PeerError, PeerEvent, TransferMode};
use netscene_enet::{ConnectionEvent, ENetConnection, ENetMultiplayerPeer, ServerOptions};

/// Two connected `ENetConnection`s: `a` listened, `b` connected to it.
fn connected_pair() -> (ENetConnection, ENetConnection) {
    let loopback = Some("127.0.0.1".parse().unwrap());
    let mut a = ENetConnection::create_host_bound(loopback, 0, 1, 0, 0, 0).unwrap();
    let mut b = ENetConnection::create_host_bound(loopback, 0, 1, 0, 0, 0).unwrap();
    b.connect_to_host("127.0.0.1", a.local_port().unwrap(), 0, 0)
        .unwrap();
    let (mut a_up, mut b_up) = (false, false);
    let deadline = Instant::now() + DEADLINE;
    while !(a_up && b_up) {
        assert!(Instant::now() < deadline, "mesh hosts did not connect");
        while let Some(event) = a.service().unwrap() {
            a_up |= matches!(event, ConnectionEvent::Connect { .. });
        }
        while let Some(event) = b.service().unwrap() {
            b_up |= matches!(event, ConnectionEvent::Connect { .. });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    (a, b)
}

#[test]
fn two_mesh_peers_exchange_packets_and_part() {
    let (host_a, host_b) = connected_pair();
    let mut a = ENetMultiplayerPeer::new();
    a.create_mesh(10).unwrap();
    let mut b = ENetMultiplayerPeer::new();
    b.create_mesh(20).unwrap();
    assert!(matches!(
        a.add_mesh_peer(10, ENetConnection::create_host(1, 0, 0, 0).unwrap()),
        Err(PeerError::InvalidParameter(_))
    ));
    a.add_mesh_peer(20, host_a).unwrap();
    b.add_mesh_peer(10, host_b).unwrap();
    // Keep ENet's unreliable throttle open on this link (see common::steady).
    a.get_peer(20).unwrap().throttle_configure(5000, 2, 0);
    let mut a = Node::new(a);
    let mut b = Node::new(b);
    assert_eq!(a.peer.get_unique_id(), 10);
    assert!(!a.peer.is_server());
    assert!(!a.peer.is_server_relay_supported());
    assert!(a.connected());

    a.peer.send(20, TransferMode::Reliable, 2, b"to b").unwrap();
    a.peer
        .send(0, TransferMode::Unreliable, 0, b"to all")
        .unwrap();
    // As in Godot, an excluded peer must be a known one.
    assert!(matches!(
        b.peer.send(-99, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(-99))
    ));
    b.peer
        .send(0, TransferMode::UnreliableOrdered, 1, b"from b")
        .unwrap();
    assert!(run_until(&mut [&mut a, &mut b], |n| n[0].packets.len()
        == 1
        && n[1].packets.len() == 2));
    let at_b: Vec<_> = b
        .take_packets()
        .into_iter()
        .map(|p| (p.from, p.channel, p.mode, p.data))
        .collect();
    assert!(at_b.contains(&(10, 2, TransferMode::Reliable, b"to b".to_vec())));
    assert!(at_b.contains(&(10, 0, TransferMode::Unreliable, b"to all".to_vec())));
    assert_eq!(
        a.packets[0].clone(),
        netscene::peer::Packet {
            from: 20,
            channel: 1,
            mode: TransferMode::UnreliableOrdered,
            data: b"from b".to_vec(),
        }
    );
    assert_eq!(a.events, vec![PeerEvent::PeerConnected(20)]);
    assert!(a.peer.get_peer(20).is_some());

    b.peer.disconnect_peer(10, false);
    assert!(run_until(&mut [&mut a, &mut b], |n| n[0].events.len() == 2
        && n[1].events.len() == 2));
    assert_eq!(a.events[1], PeerEvent::PeerDisconnected(20));
    assert_eq!(b.events[1], PeerEvent::PeerDisconnected(10));
    assert!(a.peer.peer_ids().is_empty());
}

#[test]
fn wildcard_server_takes_ipv4_and_ipv6_clients() {
    let mut server = Node::server(ServerOptions::new(0));
    let port = server.port();
    let mut v4 = Node::client(port, Some(40));
    let mut v6 = Node::client_with(netscene_enet::ClientOptions {
        unique_id: Some(60),
        ..netscene_enet::ClientOptions::new("::1", port)
    });
    assert!(run_until(&mut [&mut server, &mut v4, &mut v6], |n| n[0]
        .events
        .len()
        == 2));
    v6.peer.send(1, TransferMode::Reliable, 0, b"six").unwrap();
    v4.peer.send(1, TransferMode::Reliable, 0, b"four").unwrap();
    assert!(run_until(&mut [&mut server, &mut v4, &mut v6], |n| n[0]
        .packets
        .len()
        == 2));
    let mut got: Vec<_> = server
        .take_packets()
        .into_iter()
        .map(|p| (p.from, p.data))
        .collect();
    got.sort();
    assert_eq!(got, vec![(40, b"four".to_vec()), (60, b"six".to_vec())]);
}

#[test]
fn enet_connection_and_packet_peer_api() {
    use netscene_enet::{HostStatistic, PeerStatistic};
    let (mut a, mut b) = connected_pair();
    // A sends to B through the packet-peer API and a broadcast, with raw flags.
    let a_slot = a.peer_slots()[0];
    a.get_peer(a_slot)
        .unwrap()
        .send(3, b"direct", netscene_enet::flags::FLAG_RELIABLE)
        .unwrap();
    a.broadcast(
        4,
        b"broadcast",
        netscene_enet::flags::FLAG_UNSEQUENCED | netscene_enet::flags::FLAG_UNRELIABLE_FRAGMENT,
    );
    a.flush();
    let mut got = Vec::new();
    let deadline = Instant::now() + DEADLINE;
    while got.len() < 2 {
        assert!(Instant::now() < deadline, "packets never arrived: {got:?}");
        let _ = a.service().unwrap();
        while let Some(event) = b.service().unwrap() {
            if let ConnectionEvent::Receive {
                channel,
                flags,
                data,
                ..
            } = event
            {
                got.push((channel, flags, data));
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    got.sort();
    assert_eq!(
        got,
        vec![(3, 1, b"direct".to_vec()), (4, 2, b"broadcast".to_vec())]
    );

    // Host statistics pop (read and reset) like Godot's.
    let sent = a.pop_statistic(HostStatistic::TotalSentPackets).unwrap();
    assert!(sent >= 2, "sent {sent}");
    assert_eq!(a.pop_statistic(HostStatistic::TotalSentPackets), Some(0));
    assert!(b.pop_statistic(HostStatistic::TotalReceivedData).unwrap() > 0);

    // Peer statistics, including those rusty_enet has no getter for.
    let peer = a.get_peer(a_slot).unwrap();
    assert_eq!(
        peer.get_statistic(PeerStatistic::PacketThrottleInterval),
        Some(5000.0)
    );
    assert_eq!(
        peer.get_statistic(PeerStatistic::PacketThrottleAcceleration),
        Some(2.0)
    );
    assert!(
        peer.get_statistic(PeerStatistic::PacketThrottleLimit)
            .is_some()
    );
    assert!(
        peer.get_statistic(PeerStatistic::LastRoundTripTime)
            .is_some()
    );

    // Limits and raw datagrams.
    a.channel_limit(8);
    assert_eq!(a.max_channels(), 8);
    a.channel_limit(0);
    assert_eq!(a.max_channels(), 255);
    a.bandwidth_limit(100_000, 0);
    let listener = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    listener
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    a.socket_send("127.0.0.1", listener.local_addr().unwrap().port(), b"punch")
        .unwrap();
    let mut buf = [0u8; 16];
    let (len, from) = listener.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..len], b"punch");
    assert_eq!(from.port(), a.local_port().unwrap());

    // peer_disconnect: B sees the disconnection.
    a.get_peer(a_slot).unwrap().peer_disconnect(0);
    let mut disconnected = false;
    while !disconnected {
        assert!(Instant::now() < deadline + DEADLINE, "no disconnection");
        let _ = a.service().unwrap();
        while let Some(event) = b.service().unwrap() {
            disconnected |= matches!(event, ConnectionEvent::Disconnect { .. });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}
