//! Property tests: whatever the link does (latency, jitter, loss, duplication, bandwidth) and
//! whatever the traffic, each transfer mode keeps its promise in both directions.

use std::collections::HashMap;
use std::time::Duration;

use netscene::peer::simulated::{LinkConditions, SimulatedNetwork, SimulatedPeer};
use netscene::peer::{MultiplayerPeer, Packet, TransferMode};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Send {
    upstream: bool,
    mode: TransferMode,
    channel: i32,
    gap_micros: u64,
}

fn link_strategy() -> impl Strategy<Value = LinkConditions> {
    (
        0u64..40,
        0u64..40,
        0.0f64..0.5,
        0.0f64..0.3,
        prop_oneof![Just(0u64), 20_000u64..2_000_000],
    )
        .prop_map(|(latency, jitter, loss, duplicate, bandwidth)| {
            LinkConditions::default()
                .with_latency(Duration::from_millis(latency))
                .with_jitter(Duration::from_millis(jitter))
                .with_loss(loss)
                .with_duplicate(duplicate)
                .with_bandwidth(bandwidth)
        })
}

fn send_strategy() -> impl Strategy<Value = Send> {
    (
        any::<bool>(),
        prop_oneof![
            Just(TransferMode::Reliable),
            Just(TransferMode::UnreliableOrdered),
            Just(TransferMode::Unreliable),
        ],
        0i32..3,
        0u64..3000,
    )
        .prop_map(|(upstream, mode, channel, gap_micros)| Send {
            upstream,
            mode,
            channel,
            gap_micros,
        })
}

fn drain(peer: &mut SimulatedPeer, into: &mut Vec<Packet>) {
    peer.poll();
    into.extend(std::iter::from_fn(|| peer.get_packet()));
}

/// Serial number of a packet: its index in the whole run.
fn serial(packet: &Packet) -> u32 {
    u32::from_le_bytes(packet.data[..4].try_into().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_mode_keeps_its_promise(
        seed in any::<u64>(),
        link in link_strategy(),
        sends in prop::collection::vec(send_strategy(), 1..400),
    ) {
        let network = SimulatedNetwork::new(seed);
        let mut server = network.create_server().unwrap();
        let mut client = network.create_client();
        network.advance(Duration::ZERO);
        network.set_link(client.get_unique_id(), link).unwrap();
        let (mut at_server, mut at_client) = (Vec::new(), Vec::new());
        let mut sent: HashMap<u32, (bool, TransferMode, i32)> = HashMap::new();
        for (index, send) in sends.iter().enumerate() {
            let index = index as u32;
            let (from, target) = if send.upstream { (&mut client, 1) } else { (&mut server, 0) };
            from.send(target, send.mode, send.channel, &index.to_le_bytes()).unwrap();
            sent.insert(index, (send.upstream, send.mode, send.channel));
            network.advance(Duration::from_micros(send.gap_micros));
            drain(&mut server, &mut at_server);
            drain(&mut client, &mut at_client);
        }
        prop_assert!(network.settle(Duration::from_secs(600)));
        drain(&mut server, &mut at_server);
        drain(&mut client, &mut at_client);

        for (upstream, received) in [(true, &at_server), (false, &at_client)] {
            for packet in received.iter() {
                let origin = sent.get(&serial(packet));
                prop_assert_eq!(origin, Some(&(upstream, packet.mode, packet.channel)));
            }
            for channel in 0..3 {
                let of = |mode| -> Vec<u32> {
                    received
                        .iter()
                        .filter(|p| p.channel == channel && p.mode == mode)
                        .map(serial)
                        .collect()
                };
                let expected: Vec<u32> = (0..sends.len() as u32)
                    .filter(|i| sent[i] == (upstream, TransferMode::Reliable, channel))
                    .collect();
                prop_assert_eq!(of(TransferMode::Reliable), expected);
                let ordered = of(TransferMode::UnreliableOrdered);
                prop_assert!(ordered.windows(2).all(|w| w[0] < w[1]), "{:?}", ordered);
            }
        }
    }
}
