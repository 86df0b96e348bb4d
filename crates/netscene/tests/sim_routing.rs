//! Addressing over the simulated network: broadcast, one peer, all but one, and what a client
//! may target (like Godot's ENet client, everything goes to the server).

use std::time::Duration;

use netscene::peer::simulated::{LinkConditions, SimulatedNetwork, SimulatedPeer};
use netscene::peer::{MultiplayerPeer, Packet, PeerError, TransferMode};

fn drain(peer: &mut SimulatedPeer) -> Vec<Packet> {
    peer.poll();
    std::iter::from_fn(|| peer.get_packet()).collect()
}

/// A server with `n` connected clients, all events drained.
fn star(
    seed: u64,
    n: usize,
    link: LinkConditions,
) -> (SimulatedNetwork, SimulatedPeer, Vec<SimulatedPeer>) {
    let network = SimulatedNetwork::new(seed);
    network.set_default_link(link);
    let mut server = network.create_server().unwrap();
    let mut clients: Vec<_> = (0..n).map(|_| network.create_client()).collect();
    network.advance(link.latency * 2);
    server.poll();
    while server.pop_event().is_some() {}
    for client in &mut clients {
        client.poll();
        while client.pop_event().is_some() {}
    }
    (network, server, clients)
}

fn check_targets(link: LinkConditions) {
    let (network, mut server, mut clients) = star(11, 4, link);
    let ids: Vec<_> = clients.iter().map(|c| c.get_unique_id()).collect();

    server.send(0, TransferMode::Reliable, 0, b"all").unwrap();
    server
        .send(ids[1], TransferMode::Reliable, 0, b"one")
        .unwrap();
    server
        .send(-ids[2], TransferMode::Reliable, 0, b"but")
        .unwrap();
    network.advance(link.latency);

    for (index, client) in clients.iter_mut().enumerate() {
        let got: Vec<Vec<u8>> = drain(client).into_iter().map(|p| p.data).collect();
        let mut expected: Vec<&[u8]> = vec![b"all"];
        if index == 1 {
            expected.push(b"one");
        }
        if index != 2 {
            expected.push(b"but");
        }
        assert_eq!(got, expected, "client {index}");
    }
    assert!(
        drain(&mut server).is_empty(),
        "the server never sends to itself"
    );
}

#[test]
fn server_targets_reach_exactly_the_right_clients_on_a_perfect_link() {
    check_targets(LinkConditions::PERFECT);
}

#[test]
fn server_targets_reach_exactly_the_right_clients_on_a_slow_link() {
    check_targets(LinkConditions::default().with_latency(Duration::from_millis(30)));
}

#[test]
fn unknown_targets_are_errors() {
    let (_network, mut server, mut clients) = star(12, 2, LinkConditions::PERFECT);
    assert_eq!(
        server.send(999, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(999))
    );
    assert_eq!(
        server.send(-999, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(-999))
    );
    assert_eq!(
        server.send(i32::MIN, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(i32::MIN))
    );
    let other = clients[1].get_unique_id();
    assert_eq!(
        clients[0].send(other, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(other))
    );
    assert!(matches!(
        server.send(0, TransferMode::Reliable, 254, b"x"),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        server.send(0, TransferMode::Reliable, -1, b"x"),
        Err(PeerError::InvalidParameter(_))
    ));
    let huge = vec![0u8; server.get_max_packet_size() + 1];
    assert!(matches!(
        server.send(0, TransferMode::Reliable, 0, &huge),
        Err(PeerError::PacketTooLarge { .. })
    ));
}

#[test]
fn client_sends_reach_only_the_server_with_metadata() {
    let (network, mut server, mut clients) = star(13, 3, LinkConditions::PERFECT);
    let sender = clients[0].get_unique_id();
    for target in [0, 1, -1] {
        clients[0]
            .send(target, TransferMode::UnreliableOrdered, 3, &[target as u8])
            .unwrap();
    }
    network.advance(Duration::ZERO);
    server.poll();
    assert_eq!(server.get_available_packet_count(), 3);
    assert_eq!(server.get_packet_peer(), Some(sender));
    assert_eq!(server.get_packet_channel(), Some(3));
    assert_eq!(
        server.get_packet_mode(),
        Some(TransferMode::UnreliableOrdered)
    );
    let packets = drain(&mut server);
    assert!(packets.iter().all(|p| p.from == sender && p.channel == 3));
    for client in &mut clients[1..] {
        assert!(drain(client).is_empty());
    }
    // And the server's packets come from 1.
    server
        .send(sender, TransferMode::Unreliable, 0, b"r")
        .unwrap();
    let got = drain(&mut clients[0]);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].from, got[0].mode), (1, TransferMode::Unreliable));
}

#[test]
fn set_all_links_changes_existing_and_future_links() {
    let (network, mut server, clients) = star(14, 2, LinkConditions::PERFECT);
    let slow = LinkConditions::default().with_latency(Duration::from_millis(7));
    network.set_all_links(slow).unwrap();
    let late = network.create_client();
    for id in clients.iter().chain([&late]).map(|c| c.get_unique_id()) {
        assert_eq!(network.link(id), Some(slow));
    }
    assert!(network.set_all_links(slow.with_duplicate(2.0)).is_err());
    network.advance(Duration::from_millis(14));
    server.poll();
    assert_eq!(server.peer_ids().len(), 3);
}
