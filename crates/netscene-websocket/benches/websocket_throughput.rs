//! 64-byte packets over loopback, one client and one server: netscene's
//! `WebSocketMultiplayerPeer` over `ws://` and `wss://`, side by side with netscene's
//! `ENetMultiplayerPeer` (reliable) in the same run.
//!
//! * `one_way`: the client sends batches of 64 packets; each batch is waited for at the server.
//! * `round_trip`: the same, but the server echoes every packet and the client waits for the
//!   echoes of its batch.
//!
//! `cargo bench -p netscene-websocket` prints criterion's numbers, then a summary with
//! packets/s, payload bytes/s and the ratios to ENet.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

const PACKETS_PER_ITERATION: u64 = 1000;
const BATCH: u64 = 64;
const PACKET_SIZE: usize = 64;
const SUMMARY_PACKETS: u64 = 20_000;

/// A connected server and client of one transport.
struct Pair {
    name: &'static str,
    server: Box<dyn MultiplayerPeer>,
    client: Box<dyn MultiplayerPeer>,
    client_id: i32,
}

fn connect(
    name: &'static str,
    mut server: Box<dyn MultiplayerPeer>,
    mut client: Box<dyn MultiplayerPeer>,
) -> Pair {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut client_id = None;
    while client.get_connection_status() != ConnectionStatus::Connected || client_id.is_none() {
        assert!(Instant::now() < deadline, "{name}: client did not connect");
        server.poll();
        client.poll();
        while let Some(event) = server.pop_event() {
            if let PeerEvent::PeerConnected(id) = event {
                client_id = Some(id);
            }
        }
    }
    while client.pop_event().is_some() {}
    Pair {
        name,
        server,
        client,
        client_id: client_id.unwrap(),
    }
}

fn websocket_pair(name: &'static str, secure: bool) -> Pair {
    let mut server = WebSocketMultiplayerPeer::new();
    let mut client = WebSocketMultiplayerPeer::new();
    if secure {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let tls = TlsOptions::server(
            certified.signing_key.serialize_pem().as_bytes(),
            certified.cert.pem().as_bytes(),
        )
        .unwrap();
        server.create_server(0, "127.0.0.1", Some(tls)).unwrap();
        let url = format!("wss://127.0.0.1:{}", server.bound_port().unwrap());
        client
            .create_client(&url, Some(TlsOptions::client_unsafe().unwrap()))
            .unwrap();
    } else {
        server.create_server(0, "127.0.0.1", None).unwrap();
        let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
        client.create_client(&url, None).unwrap();
    }
    connect(name, Box::new(server), Box::new(client))
}

fn enet_pair() -> Pair {
    let mut server = ENetMultiplayerPeer::new();
    server
        .create_server_with(ServerOptions {
            bind_ip: Some("127.0.0.1".parse().unwrap()),
            ..ServerOptions::new(0)
        })
        .unwrap();
    let mut client = ENetMultiplayerPeer::new();
    client
        .create_client_with(ClientOptions::new(
            "127.0.0.1",
            server.local_port().unwrap(),
        ))
        .unwrap();
    connect("enet_reliable", Box::new(server), Box::new(client))
}

impl Pair {
    /// `count` packets client → server (echoed back when `echo`); returns the time taken.
    fn round(&mut self, count: u64, echo: bool) -> Duration {
        let mut payload = [0u8; PACKET_SIZE];
        let (mut sent, mut at_server, mut echoed) = (0u64, 0u64, 0u64);
        let start = Instant::now();
        let deadline = start + Duration::from_secs(60);
        while sent < count {
            let batch = BATCH.min(count - sent);
            for _ in 0..batch {
                payload[0] = sent as u8;
                self.client
                    .send(1, TransferMode::Reliable, 0, &payload)
                    .unwrap();
                sent += 1;
            }
            while at_server < sent || (echo && echoed < sent) {
                assert!(Instant::now() < deadline, "{}: packets stalled", self.name);
                self.server.poll();
                while let Some(packet) = self.server.get_packet() {
                    at_server += 1;
                    if echo {
                        self.server
                            .send(self.client_id, TransferMode::Reliable, 0, &packet.data)
                            .unwrap();
                    }
                    black_box(packet);
                }
                self.client.poll();
                while let Some(packet) = self.client.get_packet() {
                    echoed += 1;
                    black_box(packet);
                }
            }
        }
        start.elapsed()
    }
}

fn bench(criterion: &mut Criterion, pairs: &mut [Pair]) {
    for (label, echo) in [("one_way", false), ("round_trip", true)] {
        let mut group = criterion.benchmark_group(format!("64B_{label}"));
        group.throughput(Throughput::Elements(PACKETS_PER_ITERATION));
        group.sample_size(20);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(3));
        for pair in pairs.iter_mut() {
            group.bench_function(pair.name, |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| pair.round(PACKETS_PER_ITERATION, echo))
                        .sum()
                })
            });
        }
        group.finish();
    }
}

/// Median packets per second over 7 rounds of [`SUMMARY_PACKETS`].
fn median_rate(pair: &mut Pair, echo: bool) -> f64 {
    let mut rates: Vec<f64> = (0..7)
        .map(|_| SUMMARY_PACKETS as f64 / pair.round(SUMMARY_PACKETS, echo).as_secs_f64())
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn summary(pairs: &mut [Pair]) {
    println!(
        "\n64-byte packets, 1 client -> 1 server on loopback, batches of {BATCH} \
         (median of 7 x {SUMMARY_PACKETS}):"
    );
    for (label, echo) in [("one way", false), ("round trip", true)] {
        let rates: Vec<(&str, f64)> = pairs
            .iter_mut()
            .map(|pair| (pair.name, median_rate(pair, echo)))
            .collect();
        let enet = rates
            .iter()
            .find(|(name, _)| name.starts_with("enet"))
            .map(|(_, rate)| *rate);
        for (name, rate) in &rates {
            let ratio = enet
                .map(|e| format!(" | {:.2}x ENet", rate / e))
                .unwrap_or_default();
            println!(
                "  {label:<10} {name:<14} {rate:>9.0} packets/s {:>7.2} MB/s payload{ratio}",
                rate * PACKET_SIZE as f64 / 1e6
            );
        }
    }
}

fn main() {
    let mut pairs = vec![
        websocket_pair("websocket_ws", false),
        websocket_pair("websocket_wss", true),
        enet_pair(),
    ];
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &mut pairs);
    criterion.final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        summary(&mut pairs);
    }
}
