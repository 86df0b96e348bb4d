//! The same seed and the same calls replay the same run, delivery for delivery; the real-time
//! clock mode works without `advance`.

use std::time::{Duration, Instant};

use netscene::peer::simulated::{
    LinkConditions, NetworkConfig, SimulatedNetwork, TraceKind, TraceRecord,
};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};

/// A busy scenario: several clients, every mode, loss, jitter, duplication, a disconnect.
fn scenario(seed: u64) -> (Vec<TraceRecord>, Vec<i32>) {
    let network = SimulatedNetwork::new(seed);
    network.enable_trace();
    network.set_default_link(
        LinkConditions::default()
            .with_latency(Duration::from_millis(15))
            .with_jitter(Duration::from_millis(20))
            .with_loss(0.15)
            .with_duplicate(0.05)
            .with_bandwidth(2_000_000),
    );
    let mut server = network.create_server().unwrap();
    let mut clients: Vec<_> = (0..4).map(|_| network.create_client()).collect();
    let ids = clients.iter().map(|c| c.get_unique_id()).collect();
    network.advance(Duration::from_millis(100));
    let modes = [
        TransferMode::Reliable,
        TransferMode::UnreliableOrdered,
        TransferMode::Unreliable,
    ];
    for round in 0..300u32 {
        let mode = modes[round as usize % 3];
        let bytes = round.to_le_bytes();
        server.send(0, mode, (round % 2) as i32, &bytes).unwrap();
        let client = &mut clients[round as usize % 4];
        if client.get_connection_status() == ConnectionStatus::Connected {
            client.send(1, mode, 0, &bytes).unwrap();
        }
        if round == 150 {
            clients[3].disconnect_peer(1, false);
        }
        network.advance(Duration::from_millis(2));
        server.poll();
        while server.get_packet().is_some() {}
        for client in &mut clients {
            client.poll();
            while client.get_packet().is_some() {}
        }
    }
    network.settle(Duration::from_secs(30));
    (network.take_trace(), ids)
}

#[test]
fn same_seed_gives_an_identical_trace() {
    let (first, ids) = scenario(99);
    let (second, same_ids) = scenario(99);
    assert_eq!(ids, same_ids);
    assert_eq!(first, second);
    let deliveries = first
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Delivered { .. }))
        .count();
    let losses = first
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Lost { .. }))
        .count();
    assert!(deliveries > 1000 && losses > 100, "{deliveries} {losses}");
    assert!(first.iter().any(|r| r.kind
        == TraceKind::Event {
            peer: 1,
            event: PeerEvent::PeerDisconnected(ids[3]),
        }));

    let (other, other_ids) = scenario(100);
    assert_ne!(ids, other_ids);
    assert_ne!(first, other);
}

#[test]
fn real_time_clock_moves_packets_without_advance() {
    let config = NetworkConfig {
        default_link: LinkConditions::default().with_latency(Duration::from_millis(5)),
        ..NetworkConfig::default()
    };
    let network = SimulatedNetwork::new_real_time(5, config);
    let mut server = network.create_server().unwrap();
    let mut client = network.create_client();
    // Bounded by a generous wall-clock deadline: a slow machine only makes it loop longer.
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get_connection_status() != ConnectionStatus::Connected {
        assert!(Instant::now() < deadline, "never connected");
        std::thread::sleep(Duration::from_millis(1));
        client.poll();
        server.poll();
    }
    assert!(network.now() >= Duration::from_millis(10));
    client.send(1, TransferMode::Reliable, 0, b"tick").unwrap();
    while server.get_available_packet_count() == 0 {
        assert!(Instant::now() < deadline, "never delivered");
        std::thread::sleep(Duration::from_millis(1));
        server.poll();
    }
    assert_eq!(server.get_packet().unwrap().data, b"tick");
}
