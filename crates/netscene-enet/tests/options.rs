//! Server and client options over loopback: channel limits, throttle settings that travel
//! to the other end, and host compression (range coder, FastLZ, zlib, zstd; more in
//! `compression.rs`).

mod common;

use common::{Node, local_server, run_until};
use netscene::peer::{MultiplayerPeer, PeerError, TransferMode};
use netscene_enet::{ClientOptions, CompressionMode, ServerOptions};
use std::time::Duration;

#[test]
fn throttle_settings_travel_to_the_other_end() {
    // The server configures its peers (common::steady: deceleration 0); the client keeps
    // ENet's defaults itself and adopts the server's settings through ENet's command.
    let mut server = local_server();
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(12),
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    let deadline = std::time::Instant::now() + common::DEADLINE;
    loop {
        server.pump();
        client.pump();
        let adopted = client
            .peer
            .get_peer(1)
            .and_then(|p| p.throttle_settings())
            .is_some_and(|t| t.deceleration == 0);
        if adopted {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "settings never arrived"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let settings = server
        .peer
        .get_peer(12)
        .unwrap()
        .throttle_settings()
        .unwrap();
    assert_eq!(
        settings,
        netscene_enet::PeerThrottle {
            interval_ms: 5000,
            acceleration: 2,
            deceleration: 0
        }
    );
}

#[test]
fn channel_limits_follow_the_arguments() {
    // max_channels 2 → ENet channel limit 4: user channels 0..=2 work, 3 does not.
    let mut server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        max_channels: 2,
        ..ServerOptions::new(0)
    });
    let mut client = Node::client(server.port(), Some(3));
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    assert_eq!(server.peer.get_peer(3).unwrap().channel_count(), 4);
    client
        .peer
        .send(1, TransferMode::Reliable, 2, b"ok")
        .unwrap();
    assert!(matches!(
        client.peer.send(1, TransferMode::Reliable, 3, b"no"),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        client.peer.send(1, TransferMode::Reliable, 254, b"no"),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[0]
        .packets
        .is_empty()));
    assert_eq!(server.packets[0].channel, 2);
}

fn compressed_round_trip(mode: CompressionMode) {
    let mut server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        compression: mode,
        ..ServerOptions::new(0)
    });
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(4),
        compression: mode,
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    let text = b"compressible compressible compressible compressible".repeat(20);
    client
        .peer
        .send(1, TransferMode::Reliable, 1, &text)
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[0]
        .packets
        .is_empty()));
    assert_eq!(server.packets[0].data, text);
    assert_eq!(server.packets[0].channel, 1);
    server
        .peer
        .send(4, TransferMode::Reliable, 0, &text)
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[1]
        .packets
        .is_empty()));
    assert_eq!(client.packets[0].data, text);
}

#[test]
fn range_coder_compression_round_trips() {
    compressed_round_trip(CompressionMode::RangeCoder);
}

#[test]
fn zlib_compression_round_trips() {
    compressed_round_trip(CompressionMode::Zlib);
}

#[test]
fn fastlz_compression_round_trips() {
    compressed_round_trip(CompressionMode::FastLz);
}

#[test]
fn zstd_compression_round_trips() {
    compressed_round_trip(CompressionMode::Zstd);
}
