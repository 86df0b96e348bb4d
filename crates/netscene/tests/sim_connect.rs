//! Connection life cycle over the simulated network: connect, refuse, disconnect, close,
//! timeout, with the events each side sees.

use std::time::Duration;

use netscene::peer::simulated::{LinkConditions, NetworkConfig, SimulatedNetwork, SimulatedPeer};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerError, PeerEvent, TransferMode};

const LATENCY: Duration = Duration::from_millis(25);

fn events(peer: &mut SimulatedPeer) -> Vec<PeerEvent> {
    peer.poll();
    std::iter::from_fn(|| peer.pop_event()).collect()
}

fn network_with_latency(seed: u64) -> SimulatedNetwork {
    let network = SimulatedNetwork::new(seed);
    network.set_default_link(LinkConditions::default().with_latency(LATENCY));
    network
}

#[test]
fn handshake_takes_a_round_trip_and_emits_on_both_sides() {
    let network = network_with_latency(1);
    let mut server = network.create_server().unwrap();
    assert_eq!(server.get_unique_id(), 1);
    assert!(server.is_server());
    assert_eq!(server.get_connection_status(), ConnectionStatus::Connected);

    let mut client = network.create_client();
    let id = client.get_unique_id();
    assert!(id >= 2);
    assert!(!client.is_server());
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connecting);
    assert_eq!(
        client.send(1, TransferMode::Reliable, 0, b"early"),
        Err(PeerError::Unconfigured)
    );

    network.advance(LATENCY - Duration::from_millis(1));
    assert!(events(&mut server).is_empty());
    network.advance(Duration::from_millis(1));
    assert_eq!(events(&mut server), vec![PeerEvent::PeerConnected(id)]);
    assert_eq!(server.peer_ids(), vec![id]);
    assert!(events(&mut client).is_empty());
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connecting);

    network.advance(LATENCY);
    assert_eq!(events(&mut client), vec![PeerEvent::PeerConnected(1)]);
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connected);
    assert!(client.is_server_relay_supported());
    assert!(server.is_server_relay_supported());
}

#[test]
fn refusing_server_rejects_new_clients_without_events() {
    let network = network_with_latency(2);
    let mut server = network.create_server().unwrap();
    let mut admitted = network.create_client();
    network.advance(LATENCY * 2);
    server.set_refuse_new_connections(true);
    assert!(server.is_refusing_new_connections());

    let mut refused = network.create_client();
    network.advance(LATENCY * 2);
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerConnected(admitted.get_unique_id())]
    );
    assert!(events(&mut refused).is_empty());
    assert_eq!(
        refused.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert_eq!(refused.get_unique_id(), 0);
    assert_eq!(events(&mut admitted), vec![PeerEvent::PeerConnected(1)]);

    // Accepting again admits the next client.
    server.set_refuse_new_connections(false);
    let mut later = network.create_client();
    network.advance(LATENCY * 2);
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerConnected(later.get_unique_id())]
    );
    assert_eq!(events(&mut later), vec![PeerEvent::PeerConnected(1)]);
}

#[test]
fn duplicate_id_is_refused_and_small_ids_are_invalid() {
    let network = SimulatedNetwork::new(3);
    let mut server = network.create_server().unwrap();
    let mut first = network.create_client_with_id(77).unwrap();
    let mut second = network.create_client_with_id(77).unwrap();
    network.advance(Duration::ZERO);
    assert_eq!(events(&mut server), vec![PeerEvent::PeerConnected(77)]);
    assert_eq!(events(&mut first), vec![PeerEvent::PeerConnected(1)]);
    assert!(events(&mut second).is_empty());
    assert_eq!(
        second.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert!(matches!(
        network.create_client_with_id(1),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        network.create_server(),
        Err(PeerError::AlreadyInUse)
    ));
}

#[test]
fn server_disconnect_peer_notifies_both_sides_and_force_skips_the_local_event() {
    let network = network_with_latency(4);
    let mut server = network.create_server().unwrap();
    let mut gentle = network.create_client();
    let mut forced = network.create_client();
    network.advance(LATENCY * 2);
    events(&mut server);
    events(&mut gentle);
    events(&mut forced);
    let (gentle_id, forced_id) = (gentle.get_unique_id(), forced.get_unique_id());

    server.disconnect_peer(gentle_id, false);
    server.disconnect_peer(forced_id, true);
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerDisconnected(gentle_id)]
    );
    assert!(server.peer_ids().is_empty());
    assert_eq!(
        server.send(gentle_id, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(gentle_id))
    );

    assert!(events(&mut gentle).is_empty(), "not before one latency");
    network.advance(LATENCY);
    for client in [&mut gentle, &mut forced] {
        assert_eq!(events(client), vec![PeerEvent::PeerDisconnected(1)]);
        assert_eq!(
            client.get_connection_status(),
            ConnectionStatus::Disconnected
        );
        assert_eq!(client.get_unique_id(), 0);
    }
    // Disconnecting an unknown peer is ignored.
    server.disconnect_peer(12345, false);
    assert!(events(&mut server).is_empty());
}

#[test]
fn client_disconnect_peer_notifies_the_server() {
    let network = network_with_latency(5);
    let mut server = network.create_server().unwrap();
    let mut gentle = network.create_client();
    let mut forced = network.create_client();
    network.advance(LATENCY * 2);
    events(&mut server);
    events(&mut gentle);
    events(&mut forced);
    let (gentle_id, forced_id) = (gentle.get_unique_id(), forced.get_unique_id());

    gentle.disconnect_peer(1, false);
    assert_eq!(events(&mut gentle), vec![PeerEvent::PeerDisconnected(1)]);
    assert_eq!(
        gentle.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    forced.disconnect_peer(1, true);
    assert!(events(&mut forced).is_empty());
    assert_eq!(
        forced.get_connection_status(),
        ConnectionStatus::Disconnected
    );

    network.advance(LATENCY);
    let mut seen = events(&mut server);
    seen.sort_by_key(|event| match event {
        PeerEvent::PeerConnected(id) | PeerEvent::PeerDisconnected(id) => *id,
        other => panic!("unexpected peer event {other:?}"),
    });
    let mut expected = vec![
        PeerEvent::PeerDisconnected(gentle_id),
        PeerEvent::PeerDisconnected(forced_id),
    ];
    expected.sort_by_key(|event| match event {
        PeerEvent::PeerConnected(id) | PeerEvent::PeerDisconnected(id) => *id,
        other => panic!("unexpected peer event {other:?}"),
    });
    assert_eq!(seen, expected);
}

#[test]
fn server_close_disconnects_every_client_and_frees_the_network() {
    let network = network_with_latency(6);
    let mut server = network.create_server().unwrap();
    let mut clients: Vec<_> = (0..3).map(|_| network.create_client()).collect();
    network.advance(LATENCY * 2);
    events(&mut server);
    server.close();
    assert_eq!(
        server.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert_eq!(server.get_unique_id(), 0);
    assert!(!server.is_server());
    assert!(!server.is_server_relay_supported());
    assert!(events(&mut server).is_empty());
    assert_eq!(
        server.send(0, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::Unconfigured)
    );
    network.advance(LATENCY);
    for client in &mut clients {
        assert_eq!(
            events(client),
            vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
        );
        assert_eq!(
            client.get_connection_status(),
            ConnectionStatus::Disconnected
        );
    }
    assert!(network.create_server().is_ok());
}

#[test]
fn client_close_and_drop_notify_the_server() {
    let network = network_with_latency(7);
    let mut server = network.create_server().unwrap();
    let mut closing = network.create_client();
    let dropped = network.create_client();
    network.advance(LATENCY * 2);
    events(&mut server);
    let (closing_id, dropped_id) = (closing.get_unique_id(), dropped.get_unique_id());
    closing.close();
    assert_eq!(
        closing.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    network.advance(LATENCY);
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerDisconnected(closing_id)]
    );
    drop(dropped);
    network.advance(LATENCY);
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerDisconnected(dropped_id)]
    );
}

#[test]
fn vanished_client_times_out_on_both_sides() {
    let timeout = Duration::from_secs(2);
    let config = NetworkConfig {
        timeout,
        default_link: LinkConditions::default().with_latency(LATENCY),
        ..NetworkConfig::default()
    };
    let network = SimulatedNetwork::with_config(8, config);
    let mut server = network.create_server().unwrap();
    let mut client = network.create_client();
    let mut other = network.create_client();
    network.advance(LATENCY * 2);
    events(&mut server);
    events(&mut client);
    events(&mut other);
    let id = client.get_unique_id();

    // Idle but alive links survive many timeouts thanks to keep-alives.
    network.advance(timeout * 3);
    assert!(events(&mut server).is_empty());
    assert!(events(&mut client).is_empty());

    network.vanish(id).unwrap();
    network.advance(timeout - Duration::from_millis(600));
    assert!(events(&mut server).is_empty());
    network.advance(Duration::from_millis(1200));
    assert_eq!(events(&mut server), vec![PeerEvent::PeerDisconnected(id)]);
    assert_eq!(events(&mut client), vec![PeerEvent::PeerDisconnected(1)]);
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert!(events(&mut other).is_empty());
    assert_eq!(other.get_connection_status(), ConnectionStatus::Connected);
    assert_eq!(server.peer_ids(), vec![other.get_unique_id()]);
}

#[test]
fn connecting_without_a_server_times_out() {
    let network = SimulatedNetwork::new(9);
    let mut client = network.create_client();
    network.advance(Duration::from_secs(4));
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connecting);
    network.advance(Duration::from_secs(2));
    assert!(events(&mut client).is_empty());
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
}

#[test]
fn a_short_outage_loses_nothing_reliable_and_keeps_the_connection() {
    let network = network_with_latency(10);
    let mut server = network.create_server().unwrap();
    let mut client = network.create_client();
    network.advance(LATENCY * 2);
    events(&mut server);
    events(&mut client);
    let id = client.get_unique_id();

    network.set_link_cut(id, true).unwrap();
    for index in 0..20u8 {
        server
            .send(id, TransferMode::Reliable, 0, &[index])
            .unwrap();
        network.advance(Duration::from_millis(100));
    }
    client.poll();
    assert_eq!(client.get_available_packet_count(), 0);
    network.set_link_cut(id, false).unwrap();
    assert!(network.settle(Duration::from_secs(10)));
    client.poll();
    let got: Vec<u8> = std::iter::from_fn(|| client.get_packet())
        .map(|p| p.data[0])
        .collect();
    assert_eq!(got, (0..20).collect::<Vec<_>>());
    assert!(events(&mut server).is_empty());
    assert!(events(&mut client).is_empty());
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connected);
    // Backoff: 20 packets over a 2 s outage, far fewer than one resend per 55 ms timeout.
    assert!(
        network.stats().retransmissions < 20 * 12,
        "{:?}",
        network.stats()
    );
}

#[test]
fn absurd_configuration_does_not_panic_or_hang() {
    let config = NetworkConfig {
        keepalive_interval: Duration::ZERO,
        timeout: Duration::ZERO,
        default_link: LinkConditions::default()
            .with_latency(Duration::MAX)
            .with_jitter(Duration::MAX)
            .with_bandwidth(1),
    };
    let network = SimulatedNetwork::with_config(11, config);
    let mut server = network.create_server().unwrap();
    let mut client = network.create_client();
    network.advance(Duration::from_secs(1));
    network.advance(Duration::MAX);
    client.poll();
    server.poll();
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert!(
        network
            .set_link(2, LinkConditions::default().with_loss(-0.1))
            .is_err()
    );
}
