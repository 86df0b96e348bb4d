//! Loopback throughput of netscene's `WebRtcMultiplayerPeer`: one client → one server on
//! 127.0.0.1, through the reliable data channel and the unreliable ones (Godot's layout,
//! `unreliable_lifetime` 1 ms), beside netscene's WebSocket peer as a yardstick.
//!
//! Reliable: the client sends batches of 64 packets and polls both ends until the server has
//! the batch. Unreliable: the client offers packets as fast as its channel takes them (a full
//! SCTP send buffer refuses more), polling both ends in between, and the server counts what
//! arrives; Godot's 1 ms lifetime makes SCTP abandon what it cannot send within 1 ms, so
//! `delivered` is the share that made it. `cargo bench -p netscene-webrtc` prints, per case,
//! the median of 5 runs of 20 480 packets.

use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_webrtc::{ConnectionEvent, WebRtcMultiplayerPeer, WebRtcPeerConnection};

const BATCH: usize = 64;

/// A connected server and client.
type Pair = (Box<dyn MultiplayerPeer>, Box<dyn MultiplayerPeer>);

/// One measured case: name, how to connect, mode, packet size.
type Case = (&'static str, fn() -> Pair, TransferMode, usize);
const RUNS: usize = 5;

fn relay(from: &WebRtcPeerConnection, to: &WebRtcPeerConnection) {
    while let Some(event) = from.pop_event() {
        match event {
            ConnectionEvent::SessionDescriptionCreated { kind, sdp } => {
                from.set_local_description(kind.as_str(), &sdp).unwrap();
                to.set_remote_description(kind.as_str(), &sdp).unwrap();
            }
            ConnectionEvent::IceCandidateCreated { media, index, name } => {
                to.add_ice_candidate(&media, index, &name).unwrap();
            }
            _ => {}
        }
    }
}

fn webrtc_pair() -> Pair {
    let mut server = WebRtcMultiplayerPeer::new();
    server.create_server(&[]).unwrap();
    let mut client = WebRtcMultiplayerPeer::new();
    client.create_client(2, &[]).unwrap();
    let (a, b) = (
        WebRtcPeerConnection::new().unwrap(),
        WebRtcPeerConnection::new().unwrap(),
    );
    // NETSCENE_BENCH_UNRELIABLE_LIFETIME (ms) replaces Godot's default of 1 ms.
    let lifetime = std::env::var("NETSCENE_BENCH_UNRELIABLE_LIFETIME")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .unwrap_or(1);
    server.add_peer(&a, 2, lifetime).unwrap();
    client.add_peer(&b, 1, lifetime).unwrap();
    a.create_offer().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get_connection_status() != ConnectionStatus::Connected
        || !server.get_peer(2).is_some_and(|p| p.connected)
    {
        assert!(Instant::now() < deadline, "WebRTC pair did not connect");
        relay(&a, &b);
        relay(&b, &a);
        server.poll();
        client.poll();
    }
    while server.pop_event().is_some() {}
    while client.pop_event().is_some() {}
    (Box::new(server), Box::new(client))
}

fn websocket_pair() -> Pair {
    use netscene_websocket::WebSocketMultiplayerPeer;
    let mut server = WebSocketMultiplayerPeer::new();
    server.create_server(0, "127.0.0.1", None).unwrap();
    let port = server.bound_port().unwrap();
    let mut client = WebSocketMultiplayerPeer::new();
    client
        .create_client(&format!("ws://127.0.0.1:{port}"), None)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut connected = false;
    while client.get_connection_status() != ConnectionStatus::Connected || !connected {
        assert!(Instant::now() < deadline, "WebSocket pair did not connect");
        server.poll();
        client.poll();
        while let Some(event) = server.pop_event() {
            connected |= matches!(event, PeerEvent::PeerConnected(_));
        }
    }
    while client.pop_event().is_some() {}
    (Box::new(server), Box::new(client))
}

struct Outcome {
    packets_per_second: f64,
    delivered: f64,
}

/// Sends `total` packets of `size` bytes from client to server: reliable ones in batches of 64
/// (each waited for before the next); unreliable ones as fast as the sender takes them, for as
/// long as the reliable run of the same count would roughly take, then counts what arrived.
fn run(
    server: &mut dyn MultiplayerPeer,
    client: &mut dyn MultiplayerPeer,
    mode: TransferMode,
    size: usize,
    total: usize,
) -> Outcome {
    let payload = vec![0xA5u8; size];
    let start = Instant::now();
    let mut received = 0;
    let mut sent = 0;
    if mode == TransferMode::Reliable {
        while sent < total {
            let target = received + BATCH;
            let mut batch_sent = 0;
            while batch_sent < BATCH || received < target {
                while batch_sent < BATCH && client.send(1, mode, 0, &payload).is_ok() {
                    batch_sent += 1;
                }
                client.poll();
                server.poll();
                while server.get_packet().is_some() {
                    received += 1;
                }
            }
            sent += BATCH;
        }
    } else {
        while sent < total {
            for _ in 0..BATCH {
                if sent == total || client.send(1, mode, 0, &payload).is_err() {
                    break;
                }
                sent += 1;
            }
            client.poll();
            server.poll();
            while server.get_packet().is_some() {
                received += 1;
            }
        }
        // Stragglers still in flight.
        let settle = Instant::now();
        while settle.elapsed() < Duration::from_millis(50) {
            client.poll();
            server.poll();
            while server.get_packet().is_some() {
                received += 1;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    Outcome {
        packets_per_second: received as f64 / elapsed,
        delivered: received as f64 / sent.max(1) as f64,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn main() {
    // `cargo test --benches` runs this binary with `--bench` absent: keep that run short.
    let quick = !std::env::args().any(|a| a == "--bench");
    let total = if quick { 640 } else { 20_480 };
    println!(
        "| transport | mode | packet | packets/s | payload MB/s | delivered |\n|---|---|---:|---:|---:|---:|"
    );
    let cases: [Case; 6] = [
        ("WebRTC", webrtc_pair, TransferMode::Reliable, 64),
        ("WebRTC", webrtc_pair, TransferMode::UnreliableOrdered, 64),
        ("WebRTC", webrtc_pair, TransferMode::Unreliable, 64),
        ("WebRTC", webrtc_pair, TransferMode::Reliable, 1024),
        ("WebRTC", webrtc_pair, TransferMode::Unreliable, 1024),
        ("ws://", websocket_pair, TransferMode::Reliable, 64),
    ];
    for (name, pair, mode, size) in cases {
        let (mut server, mut client) = pair();
        let outcomes: Vec<Outcome> = (0..if quick { 1 } else { RUNS })
            .map(|_| run(&mut *server, &mut *client, mode, size, total))
            .collect();
        let rate = median(outcomes.iter().map(|o| o.packets_per_second).collect());
        let delivered = median(outcomes.iter().map(|o| o.delivered).collect());
        println!(
            "| {name} | {mode:?} | {size} B | {rate:.0} | {:.2} | {:.1} % |",
            rate * size as f64 / 1e6,
            delivered * 100.0
        );
    }
}
