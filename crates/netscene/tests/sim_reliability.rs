//! Transfer modes over impaired simulated links: reliable is complete and ordered per channel
//! despite loss, jitter and duplication; unreliable-ordered never goes backwards; unreliable
//! loses about the configured share.

use std::time::Duration;

use netscene::peer::simulated::{LinkConditions, SimulatedNetwork, SimulatedPeer};
use netscene::peer::{MultiplayerPeer, Packet, TransferMode};

fn connected_pair(
    seed: u64,
    link: LinkConditions,
) -> (SimulatedNetwork, SimulatedPeer, SimulatedPeer) {
    let network = SimulatedNetwork::new(seed);
    let mut server = network.create_server().unwrap();
    let mut client = network.create_client();
    network.advance(Duration::ZERO);
    server.poll();
    client.poll();
    network.set_link(client.get_unique_id(), link).unwrap();
    (network, server, client)
}

fn drain(peer: &mut SimulatedPeer, into: &mut Vec<Packet>) {
    peer.poll();
    into.extend(std::iter::from_fn(|| peer.get_packet()));
}

fn payload(channel: i32, index: u32) -> Vec<u8> {
    let mut bytes = vec![channel as u8];
    bytes.extend_from_slice(&index.to_le_bytes());
    bytes
}

fn index_of(packet: &Packet) -> u32 {
    assert_eq!(packet.data.len(), 5);
    assert_eq!(i32::from(packet.data[0]), packet.channel);
    u32::from_le_bytes([
        packet.data[1],
        packet.data[2],
        packet.data[3],
        packet.data[4],
    ])
}

/// What [`stream`] sends: `count` packets per channel, one round every `gap`.
struct Traffic<'a> {
    target: i32,
    mode: TransferMode,
    channels: &'a [i32],
    count: u32,
    gap: Duration,
}

/// Sends `traffic` from `from`, draining `to` as it goes; returns what `to` received.
fn stream(
    network: &SimulatedNetwork,
    from: &mut SimulatedPeer,
    to: &mut SimulatedPeer,
    traffic: Traffic<'_>,
) -> Vec<Packet> {
    let mut received = Vec::new();
    for index in 0..traffic.count {
        for &channel in traffic.channels {
            from.send(
                traffic.target,
                traffic.mode,
                channel,
                &payload(channel, index),
            )
            .unwrap();
        }
        network.advance(traffic.gap);
        if index % 64 == 0 {
            drain(to, &mut received);
        }
    }
    assert!(
        network.settle(Duration::from_secs(120)),
        "network never went quiet"
    );
    drain(to, &mut received);
    received
}

#[test]
fn ten_thousand_reliable_packets_on_three_channels_survive_loss_and_jitter() {
    let link = LinkConditions::default()
        .with_latency(Duration::from_millis(20))
        .with_jitter(Duration::from_millis(15))
        .with_loss(0.2)
        .with_duplicate(0.05);
    let (network, mut server, mut client) = connected_pair(21, link);
    let channels = [0, 1, 2];
    let per_channel = 3334; // 10 002 packets in all
    let received = stream(
        &network,
        &mut client,
        &mut server,
        Traffic {
            target: 1,
            mode: TransferMode::Reliable,
            channels: &channels,
            count: per_channel,
            gap: Duration::from_millis(1),
        },
    );
    assert_eq!(received.len(), channels.len() * per_channel as usize);
    for &channel in &channels {
        let order: Vec<u32> = received
            .iter()
            .filter(|p| p.channel == channel)
            .map(index_of)
            .collect();
        assert_eq!(
            order,
            (0..per_channel).collect::<Vec<_>>(),
            "channel {channel}"
        );
    }
    assert!(received.iter().all(|p| p.mode == TransferMode::Reliable));
    let stats = network.stats();
    assert!(stats.datagrams_lost > 2000, "{stats:?}");
    assert!(stats.retransmissions > 2000, "{stats:?}");
    assert!(stats.datagrams_duplicated > 100, "{stats:?}");
}

#[test]
fn reliable_survives_loss_downstream_to_several_clients() {
    let link = LinkConditions::default()
        .with_latency(Duration::from_millis(5))
        .with_jitter(Duration::from_millis(10))
        .with_loss(0.3);
    let network = SimulatedNetwork::new(22);
    network.set_default_link(link);
    let mut server = network.create_server().unwrap();
    let mut clients: Vec<_> = (0..3).map(|_| network.create_client()).collect();
    network.advance(Duration::from_millis(60));
    for client in &mut clients {
        client.poll();
    }
    for index in 0..500 {
        server
            .send(0, TransferMode::Reliable, 4, &payload(4, index))
            .unwrap();
        network.advance(Duration::from_micros(500));
    }
    assert!(network.settle(Duration::from_secs(60)));
    for client in &mut clients {
        let mut received = Vec::new();
        drain(client, &mut received);
        let order: Vec<u32> = received.iter().map(index_of).collect();
        assert_eq!(order, (0..500).collect::<Vec<_>>());
    }
}

#[test]
fn unreliable_ordered_never_delivers_older_after_newer() {
    // Jitter far above the spacing reorders heavily.
    let link = LinkConditions::default()
        .with_latency(Duration::from_millis(10))
        .with_jitter(Duration::from_millis(30))
        .with_loss(0.1)
        .with_duplicate(0.1);
    let (network, mut server, mut client) = connected_pair(23, link);
    let channels = [0, 5];
    let received = stream(
        &network,
        &mut server,
        &mut client,
        Traffic {
            target: 0,
            mode: TransferMode::UnreliableOrdered,
            channels: &channels,
            count: 3000,
            gap: Duration::from_millis(1),
        },
    );
    for &channel in &channels {
        let order: Vec<u32> = received
            .iter()
            .filter(|p| p.channel == channel)
            .map(index_of)
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "channel {channel}");
        // Reordering made it drop late packets, not just the lossy ones.
        assert!(order.len() < 2700, "channel {channel}: {}", order.len());
        assert!(order.len() > 300, "channel {channel}: {}", order.len());
    }

    // The same link really reorders unreliable packets: the check above can fail.
    let (network, mut server, mut client) = connected_pair(23, link);
    let received = stream(
        &network,
        &mut server,
        &mut client,
        Traffic {
            target: 0,
            mode: TransferMode::Unreliable,
            channels: &[0],
            count: 3000,
            gap: Duration::from_millis(1),
        },
    );
    let order: Vec<u32> = received.iter().map(index_of).collect();
    assert!(order.windows(2).any(|w| w[0] > w[1]));
}

#[test]
fn unreliable_loss_rate_matches_the_configuration() {
    for (seed, loss) in [(24, 0.1), (25, 0.35)] {
        let link = LinkConditions::default().with_loss(loss);
        let (network, mut server, mut client) = connected_pair(seed, link);
        let sent = 20_000u32;
        let received = stream(
            &network,
            &mut server,
            &mut client,
            Traffic {
                target: 0,
                mode: TransferMode::Unreliable,
                channels: &[0],
                count: sent,
                gap: Duration::from_micros(100),
            },
        );
        let delivered = received.len() as f64 / f64::from(sent);
        // 20 000 Bernoulli draws: a standard deviation of ~0.0034 at most; allow 5.
        assert!(
            (delivered - (1.0 - loss)).abs() < 0.017,
            "loss {loss}: delivered {delivered}"
        );
    }
}

#[test]
fn unreliable_duplicates_but_reliable_delivers_exactly_once() {
    let link = LinkConditions::default()
        .with_latency(Duration::from_millis(2))
        .with_duplicate(0.5);
    let (network, mut server, mut client) = connected_pair(26, link);
    let unreliable = stream(
        &network,
        &mut server,
        &mut client,
        Traffic {
            target: 0,
            mode: TransferMode::Unreliable,
            channels: &[0],
            count: 2000,
            gap: Duration::from_micros(200),
        },
    );
    assert!(unreliable.len() > 2800, "{}", unreliable.len());
    let reliable = stream(
        &network,
        &mut server,
        &mut client,
        Traffic {
            target: 0,
            mode: TransferMode::Reliable,
            channels: &[1],
            count: 2000,
            gap: Duration::from_micros(200),
        },
    );
    let order: Vec<u32> = reliable.iter().map(index_of).collect();
    assert_eq!(order, (0..2000).collect::<Vec<_>>());
}

#[test]
fn latency_and_bandwidth_delay_delivery() {
    let latency = Duration::from_millis(40);
    let link = LinkConditions::default()
        .with_latency(latency)
        .with_bandwidth(100_000);
    let (network, mut server, mut client) = connected_pair(27, link);
    // 100 packets of 988 + 12 overhead bytes: one second of transmission at 100 kB/s.
    for _ in 0..100 {
        server
            .send(0, TransferMode::Unreliable, 0, &[7u8; 988])
            .unwrap();
    }
    let mut received = Vec::new();
    network.advance(latency + Duration::from_millis(9));
    drain(&mut client, &mut received);
    assert!(received.is_empty(), "first packet needs 10 ms on the wire");
    network.advance(Duration::from_millis(1));
    drain(&mut client, &mut received);
    assert_eq!(received.len(), 1);
    network.advance(Duration::from_millis(489));
    drain(&mut client, &mut received);
    assert_eq!(received.len(), 49);
    network.advance(Duration::from_millis(501));
    drain(&mut client, &mut received);
    assert_eq!(received.len(), 100);
}

#[test]
fn a_lost_reliable_packet_blocks_only_its_own_channel() {
    let clean = LinkConditions::default().with_latency(Duration::from_millis(10));
    let (network, mut server, mut client) = connected_pair(28, clean);
    let id = client.get_unique_id();
    network.set_link(id, clean.with_loss(1.0)).unwrap();
    server
        .send(0, TransferMode::Reliable, 0, &payload(0, 0))
        .unwrap();
    network.set_link(id, clean).unwrap();
    server
        .send(0, TransferMode::Reliable, 1, &payload(1, 0))
        .unwrap();
    server
        .send(0, TransferMode::Reliable, 0, &payload(0, 1))
        .unwrap();

    let mut received = Vec::new();
    network.advance(Duration::from_millis(10));
    drain(&mut client, &mut received);
    let channels: Vec<i32> = received.iter().map(|p| p.channel).collect();
    assert_eq!(
        channels,
        vec![1],
        "channel 0 waits for its lost head, channel 1 does not"
    );

    assert!(network.settle(Duration::from_secs(5)));
    drain(&mut client, &mut received);
    let channel_0: Vec<u32> = received
        .iter()
        .filter(|p| p.channel == 0)
        .map(index_of)
        .collect();
    assert_eq!(channel_0, vec![0, 1]);
    assert_eq!(network.stats().retransmissions, 1);
}
