//! Interop with a real C ENet peer (Debian's libenet 1.3.17) that behaves as Godot 4 does on
//! the wire: a C "Godot client" against a netscene server, and a netscene client against a
//! C "Godot server", exchanging every transfer mode on several channels both ways; and host
//! compression with ENet's range coder, the system's zlib and the system's libzstd set up as
//! Godot's COMPRESS_ZLIB / COMPRESS_ZSTD (FastLZ: cross-checked against the reference C
//! FastLZ in the crate's unit tests, Debian has no C FastLZ library).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{DEADLINE, Node, local_server, run_until};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_enet::{ClientOptions, CompressionMode, HostStatistic, ServerOptions};
use netscene_enet_interop::{CEvent, CPeer, CReceived};

const MODES: [TransferMode; 3] = [
    TransferMode::Unreliable,
    TransferMode::UnreliableOrdered,
    TransferMode::Reliable,
];
const CHANNELS: [i32; 3] = [0, 1, 4];

/// Godot 4's ENet channel for a mode and user channel (spec F.2), written out independently
/// of the crate's own mapping.
fn godot_enet_channel(mode: TransferMode, channel: i32) -> u8 {
    match (channel, mode) {
        (0, TransferMode::Reliable) => 0,
        (0, _) => 1,
        (c, _) => (c + 1) as u8,
    }
}

/// The flags C ENet reports for a small packet Godot sent in `mode`: SEND_UNSEQUENCED gives
/// UNSEQUENCED (2), SEND_UNRELIABLE gives 0, SEND_RELIABLE gives RELIABLE (1).
fn received_flags(mode: TransferMode) -> u32 {
    match mode {
        TransferMode::Unreliable => 2,
        TransferMode::UnreliableOrdered => 0,
        TransferMode::Reliable => 1,
    }
}

fn payload(tag: u8, mode: TransferMode, channel: i32) -> Vec<u8> {
    vec![0xC0, tag, mode as u8, channel as u8]
}

/// Waits for the C peer to print something matching `wanted` while pumping `nodes`.
fn expect_c(c: &mut CPeer, nodes: &mut [&mut Node], wanted: impl FnMut(&CEvent) -> bool) -> CEvent {
    let mut skipped = Vec::new();
    let found = c.wait_for(
        DEADLINE,
        &mut skipped,
        || {
            for node in nodes.iter_mut() {
                node.pump();
            }
        },
        wanted,
    );
    found.unwrap_or_else(|| panic!("C peer never reported it; saw {skipped:?}"))
}

/// Collects `count` packets the C peer receives while pumping `nodes`.
fn c_receives(c: &mut CPeer, nodes: &mut [&mut Node], count: usize) -> Vec<CReceived> {
    let mut got = Vec::new();
    while got.len() < count {
        match expect_c(c, nodes, |e| matches!(e, CEvent::Received(_))) {
            CEvent::Received(packet) => got.push(packet),
            _ => unreachable!(),
        }
    }
    got
}

#[test]
fn c_godot_client_talks_to_a_netscene_server() {
    let mut server = local_server();
    let mut c = CPeer::client("127.0.0.1", server.port(), 4242, None);
    expect_c(&mut c, &mut [&mut server], |e| *e == CEvent::Connected(1));
    assert!(run_until(&mut [&mut server], |n| n[0].events
        == vec![PeerEvent::PeerConnected(4242)]));

    // C client → netscene server: mode and channel reported as sent.
    let mut expected = BTreeSet::new();
    for mode in MODES {
        for channel in CHANNELS {
            let data = payload(1, mode, channel);
            c.send(1, channel, mode as u8, &data);
            expected.insert((4242, channel, mode as u8, data));
        }
    }
    assert!(run_until(&mut [&mut server], |n| n[0].packets.len() >= expected.len()));
    let got: BTreeSet<_> = server
        .take_packets()
        .into_iter()
        .map(|p| (p.from, p.channel, p.mode as u8, p.data))
        .collect();
    assert_eq!(got, expected);

    // netscene server → C client: Godot's ENet channels and flags on the wire.
    for mode in MODES {
        for channel in CHANNELS {
            server
                .peer
                .send(4242, mode, channel, &payload(2, mode, channel))
                .unwrap();
        }
    }
    let got: BTreeSet<CReceived> = c_receives(&mut c, &mut [&mut server], 9)
        .into_iter()
        .collect();
    let want: BTreeSet<CReceived> = MODES
        .iter()
        .flat_map(|&mode| {
            CHANNELS.iter().map(move |&channel| CReceived {
                from: 1,
                enet_channel: godot_enet_channel(mode, channel),
                flags: received_flags(mode),
                user_channel: channel,
                mode: mode as u8,
                data: payload(2, mode, channel),
            })
        })
        .collect();
    assert_eq!(got, want);

    // An unreliable packet above the MTU goes out as unreliable fragments (flag 8): proof
    // that UNRELIABLE_FRAGMENT is set, as in Godot (without it ENet would send it reliably).
    let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
    server
        .peer
        .send(4242, TransferMode::Unreliable, 0, &big)
        .unwrap();
    let got = c_receives(&mut c, &mut [&mut server], 1);
    assert_eq!(
        (got[0].enet_channel, got[0].flags, &got[0].data),
        (1, 8, &big)
    );

    // Broadcast reaches the C client too; then the C client leaves.
    server
        .peer
        .send(0, TransferMode::Reliable, 0, b"all")
        .unwrap();
    let got = c_receives(&mut c, &mut [&mut server], 1);
    assert_eq!(got[0].data, b"all");
    c.command("disconnect 1");
    expect_c(&mut c, &mut [&mut server], |e| {
        *e == CEvent::Disconnected(1)
    });
    assert!(run_until(&mut [&mut server], |n| n[0]
        .events
        .contains(&PeerEvent::PeerDisconnected(4242))));
    c.quit();
}

#[test]
fn netscene_server_refuses_c_clients_with_bad_or_used_ids() {
    let mut server = local_server();
    let port = server.port();
    let mut good = CPeer::client("127.0.0.1", port, 500, None);
    expect_c(&mut good, &mut [&mut server], |e| {
        *e == CEvent::Connected(1)
    });
    // ENet completes the handshake of these C clients, the server drops them (Godot's
    // `peer->reset()`), and they time out (quickly: short timeouts).
    let mut bad: Vec<CPeer> = [0u32, 1, 500]
        .into_iter()
        .map(|id| CPeer::client_with("127.0.0.1", port, id, None, true))
        .collect();
    for c in &mut bad {
        expect_c(c, &mut [&mut server], |e| *e == CEvent::Disconnected(1));
    }
    assert_eq!(server.events, vec![PeerEvent::PeerConnected(500)]);
    good.quit();
    assert!(run_until(&mut [&mut server], |n| n[0]
        .events
        .contains(&PeerEvent::PeerDisconnected(500))));
}

#[test]
fn netscene_client_talks_to_a_c_godot_server() {
    let (mut c, port) = CPeer::server(0);
    let mut client = Node::client(port, Some(31337));
    expect_c(&mut c, &mut [&mut client], |e| {
        *e == CEvent::Connected(31337)
    });
    assert!(run_until(&mut [&mut client], |n| n[0].connected()));
    assert_eq!(client.events, vec![PeerEvent::PeerConnected(1)]);

    // netscene client → C server.
    for mode in MODES {
        for channel in CHANNELS {
            client
                .peer
                .send(1, mode, channel, &payload(3, mode, channel))
                .unwrap();
        }
    }
    let got: BTreeSet<CReceived> = c_receives(&mut c, &mut [&mut client], 9)
        .into_iter()
        .collect();
    let want: BTreeSet<CReceived> = MODES
        .iter()
        .flat_map(|&mode| {
            CHANNELS.iter().map(move |&channel| CReceived {
                from: 31337,
                enet_channel: godot_enet_channel(mode, channel),
                flags: received_flags(mode),
                user_channel: channel,
                mode: mode as u8,
                data: payload(3, mode, channel),
            })
        })
        .collect();
    assert_eq!(got, want);

    // C server → netscene client, addressed and broadcast.
    let mut expected = BTreeSet::new();
    for mode in MODES {
        for channel in CHANNELS {
            let data = payload(4, mode, channel);
            c.send(31337, channel, mode as u8, &data);
            expected.insert((1, channel, mode as u8, data));
        }
    }
    c.send(0, 2, 2, b"broadcast");
    expected.insert((1, 2, 2, b"broadcast".to_vec()));
    assert!(run_until(&mut [&mut client], |n| n[0].packets.len() >= expected.len()));
    let got: BTreeSet<_> = client
        .take_packets()
        .into_iter()
        .map(|p| (p.from, p.channel, p.mode as u8, p.data))
        .collect();
    assert_eq!(got, expected);

    // A second netscene client claiming the same id is refused by the C server.
    let mut twin = Node::client_with(ClientOptions {
        unique_id: Some(31337),
        peer_settings: common::short_timeouts(),
        ..ClientOptions::new("127.0.0.1", port)
    });
    expect_c(&mut c, &mut [&mut client, &mut twin], |e| {
        *e == CEvent::Refused(31337)
    });

    // The C server kicks the client.
    c.command("disconnect 31337");
    assert!(run_until(&mut [&mut client], |n| n[0]
        .peer
        .get_connection_status()
        == ConnectionStatus::Disconnected));
    assert_eq!(
        client.events,
        vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
    );
    c.quit();
}

#[test]
fn c_server_shutdown_is_a_server_loss() {
    let (mut c, port) = CPeer::server(0);
    let mut client = Node::client(port, Some(99));
    expect_c(&mut c, &mut [&mut client], |e| *e == CEvent::Connected(99));
    assert!(run_until(&mut [&mut client], |n| n[0].connected()));
    c.quit();
    assert!(run_until(&mut [&mut client], |n| !n[0].connected()));
    assert_eq!(
        client.events,
        vec![PeerEvent::PeerConnected(1), PeerEvent::PeerDisconnected(1)]
    );
}

/// Compressible payloads of several sizes: a few bytes, near the MTU, and fragmented.
fn compressible_payloads(tag: u8) -> Vec<Vec<u8>> {
    [40, 1300, 5000]
        .into_iter()
        .map(|size| {
            let mut data: Vec<u8> = b"compress me, compress me, compress me! "
                .iter()
                .copied()
                .cycle()
                .take(size)
                .collect();
            data[0] = tag;
            data
        })
        .collect()
}

/// Bytes `node`'s host sent or received since the last call (after compression).
fn wire_bytes(node: &mut Node, statistic: HostStatistic) -> u32 {
    node.peer
        .get_host()
        .and_then(|host| host.pop_statistic(statistic))
        .expect("active host")
}

/// A netscene client with `mode` against a C ENet server compressing with `c_mode`:
/// compressible packets of several sizes, reliable both ways. Fewer bytes than the payloads
/// cross the wire each way, so both ends compressed and decompressed the other's datagrams.
fn compressed_exchange(mode: CompressionMode, c_mode: &str) {
    let (mut c, port) = CPeer::server_with(0, Some(c_mode));
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(8),
        compression: mode,
        ..ClientOptions::new("127.0.0.1", port)
    });
    expect_c(&mut c, &mut [&mut client], |e| *e == CEvent::Connected(8));
    assert!(run_until(&mut [&mut client], |n| n[0].connected()));
    wire_bytes(&mut client, HostStatistic::TotalSentData);
    wire_bytes(&mut client, HostStatistic::TotalReceivedData);
    let payloads = compressible_payloads(1);
    let total: usize = payloads.iter().map(Vec::len).sum();
    for data in &payloads {
        client
            .peer
            .send(1, TransferMode::Reliable, 0, data)
            .unwrap();
    }
    let got = c_receives(&mut c, &mut [&mut client], payloads.len());
    let got: Vec<Vec<u8>> = got.into_iter().map(|p| p.data).collect();
    assert_eq!(got, payloads, "{c_mode}: netscene → C");
    let sent = wire_bytes(&mut client, HostStatistic::TotalSentData);
    assert!(
        (sent as usize) < total / 2,
        "{c_mode}: {sent} bytes sent for {total}"
    );

    let payloads = compressible_payloads(2);
    for data in &payloads {
        c.send(8, 0, 2, data);
    }
    assert!(run_until(&mut [&mut client], |n| n[0].packets.len() == payloads.len()));
    let got: Vec<Vec<u8>> = client.take_packets().into_iter().map(|p| p.data).collect();
    assert_eq!(got, payloads, "{c_mode}: C → netscene");
    let received = wire_bytes(&mut client, HostStatistic::TotalReceivedData);
    assert!(
        (received as usize) < total / 2,
        "{c_mode}: {received} bytes received for {total}"
    );
    c.quit();
}

#[test]
fn range_coder_compression_interoperates_with_c_enet() {
    compressed_exchange(CompressionMode::RangeCoder, "range");
}

#[test]
fn zlib_compression_interoperates_with_c_zlib() {
    // The C side compresses with the system's zlib (compress2/uncompress), as Godot's
    // COMPRESS_ZLIB does with its bundled zlib.
    compressed_exchange(CompressionMode::Zlib, "zlib");
}

#[test]
fn zstd_compression_interoperates_with_c_zstd() {
    // The C side compresses with the system's libzstd (ZSTD_compressCCtx at level 3,
    // ZSTD_decompressDCtx), as Godot's COMPRESS_ZSTD does with its bundled zstd.
    compressed_exchange(CompressionMode::Zstd, "zstd");
}

#[test]
fn c_zstd_client_talks_to_a_netscene_zstd_server() {
    let mut server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        compression: CompressionMode::Zstd,
        peer_settings: common::steady(),
        ..ServerOptions::new(0)
    });
    let mut c = CPeer::client_compressed("127.0.0.1", server.port(), 4343, "zstd");
    expect_c(&mut c, &mut [&mut server], |e| *e == CEvent::Connected(1));
    assert!(run_until(&mut [&mut server], |n| !n[0].events.is_empty()));
    wire_bytes(&mut server, HostStatistic::TotalReceivedData);
    // C client → netscene server, on user channel 1 in every transfer mode.
    let payloads = compressible_payloads(3);
    let mut expected = BTreeSet::new();
    for mode in MODES {
        for data in &payloads {
            let mut data = data.clone();
            data[1] = mode as u8;
            c.send(1, 1, mode as u8, &data);
            expected.insert((4343, 1, data));
        }
    }
    assert!(run_until(&mut [&mut server], |n| n[0].packets.len() >= expected.len()));
    let got: BTreeSet<_> = server
        .take_packets()
        .into_iter()
        .map(|p| (p.from, p.channel, p.data))
        .collect();
    assert_eq!(got, expected);
    let received = wire_bytes(&mut server, HostStatistic::TotalReceivedData) as usize;
    let total = 3 * payloads.iter().map(Vec::len).sum::<usize>();
    assert!(
        received < total / 2,
        "{received} bytes received for {total}"
    );
    // netscene server → C client.
    for data in compressible_payloads(4) {
        server
            .peer
            .send(4343, TransferMode::Reliable, 0, &data)
            .unwrap();
    }
    let got: Vec<Vec<u8>> = c_receives(&mut c, &mut [&mut server], 3)
        .into_iter()
        .map(|p| p.data)
        .collect();
    assert_eq!(got, compressible_payloads(4));
    c.quit();
}

/// C ENet drops every datagram flagged compressed when it has no compressor (and a
/// compressing host's VERIFY_CONNECT shrinks), so a plain C client never joins a ZSTD server,
/// and a FastLZ netscene client (whose CONNECT shrinks) never joins a plain C server.
#[test]
fn compression_mismatch_with_c_enet_never_connects() {
    let mut server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        compression: CompressionMode::Zstd,
        ..ServerOptions::new(0)
    });
    let mut c = CPeer::client_with("127.0.0.1", server.port(), 31, None, true);
    let mut skipped = Vec::new();
    let event = c.wait_for(
        Duration::from_secs(2),
        &mut skipped,
        || server.pump(),
        |e| *e == CEvent::Connected(1),
    );
    assert_eq!(event, None, "a plain C client joined a zstd server");
    assert!(server.events.is_empty(), "{:?}", server.events);
    c.quit();

    let (mut c, port) = CPeer::server(0);
    let mut client = Node::client_with(ClientOptions {
        unique_id: Some(32),
        compression: CompressionMode::FastLz,
        peer_settings: common::short_timeouts(),
        ..ClientOptions::new("127.0.0.1", port)
    });
    let event = c.wait_for(
        Duration::from_secs(2),
        &mut skipped,
        || client.pump(),
        |e| matches!(e, CEvent::Connected(_)),
    );
    assert_eq!(event, None, "a plain C server accepted a FastLZ client");
    assert!(!client.connected());
    c.quit();
}

#[test]
fn c_client_with_fewer_channels_gets_what_it_asked_for() {
    // A Godot client created with channel_count 1 asks for 3 ENet channels.
    let mut server = local_server();
    let mut c = CPeer::client("127.0.0.1", server.port(), 77, Some(1));
    expect_c(&mut c, &mut [&mut server], |e| *e == CEvent::Connected(1));
    assert!(run_until(&mut [&mut server], |n| !n[0].events.is_empty()));
    assert_eq!(server.peer.get_peer(77).unwrap().channel_count(), 3);
    server
        .peer
        .send(77, TransferMode::Reliable, 1, b"on channel 1")
        .unwrap();
    let got = c_receives(&mut c, &mut [&mut server], 1);
    assert_eq!((got[0].enet_channel, got[0].user_channel), (2, 1));
    // Channel 2 would be ENet channel 3, beyond the connection's 3 channels.
    assert!(
        server
            .peer
            .send(77, TransferMode::Reliable, 2, b"x")
            .is_err()
    );
    c.quit();
}
