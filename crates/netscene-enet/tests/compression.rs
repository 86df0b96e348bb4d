//! Host compression between netscene ENet peers over loopback, for Godot's FASTLZ and ZSTD
//! modes (and the others, for comparison): packets of many sizes, up to several times the MTU
//! (fragmented), in every transfer mode on two channels both ways; what goes on the wire shrinks;
//! and what ENet does when only one end compresses (it drops the datagrams it cannot read). (C interop: `c_interop.rs`; the codecs'
//! golden bytes and C FastLZ cross-checks: the unit tests of `src/compression/`.)

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Node, run_for, run_until, short_timeouts, steady};
use netscene::peer::{MultiplayerPeer, PeerId, TransferMode};
use netscene_enet::{ClientOptions, CompressionMode, HostStatistic, ServerOptions};

const MODES: [TransferMode; 3] = [
    TransferMode::Unreliable,
    TransferMode::UnreliableOrdered,
    TransferMode::Reliable,
];
const CHANNELS: [i32; 2] = [0, 2];
/// From below FastLZ's 16-byte minimum (padded) to several MTUs (fragmented).
const SIZES: [usize; 9] = [1, 7, 15, 16, 17, 300, 1200, 2500, 9000];

/// A payload tagged with its (mode, channel, size), half game-state-like repetition and half
/// noise, so some datagrams compress and some do not.
fn payload(tag: u8, mode: TransferMode, channel: i32, size: usize) -> Vec<u8> {
    let mut state = (size as u32) ^ ((mode as u32) << 20) ^ ((channel as u32) << 24);
    let mut data: Vec<u8> = (0..size)
        .map(|i| {
            if (i / 64) % 2 == 0 {
                (i % 13) as u8
            } else {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            }
        })
        .collect();
    for (slot, value) in data.iter_mut().zip([tag, mode as u8, channel as u8]) {
        *slot = value;
    }
    data
}

fn pair(server_mode: CompressionMode, client_mode: CompressionMode, id: PeerId) -> (Node, Node) {
    let server = Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        compression: server_mode,
        peer_settings: steady(),
        ..ServerOptions::new(0)
    });
    let client = Node::client_with(ClientOptions {
        unique_id: Some(id),
        compression: client_mode,
        peer_settings: short_timeouts(),
        ..ClientOptions::new("127.0.0.1", server.port())
    });
    (server, client)
}

/// (from, channel, reliable, payload). Unreliable packets larger than the MTU travel as
/// ENet's unreliable fragments, which Godot (and this crate) report as UNRELIABLE_ORDERED, so
/// only reliable/unreliable is compared here (the exact mode mapping: `loopback.rs`).
type Received = BTreeSet<(PeerId, i32, bool, Vec<u8>)>;

fn received(node: &mut Node) -> Received {
    node.take_packets()
        .into_iter()
        .map(|p| (p.from, p.channel, p.mode == TransferMode::Reliable, p.data))
        .collect()
}

/// A short description of packets, for failure messages (the payloads are long).
fn summary(packets: &Received) -> Vec<(PeerId, i32, bool, usize, u8)> {
    packets
        .iter()
        .map(|(from, channel, reliable, data)| {
            (
                *from,
                *channel,
                *reliable,
                data.len(),
                data.get(1).copied().unwrap_or(0),
            )
        })
        .collect()
}

/// Every size in every transfer mode on every channel, client → server then server → client;
/// returns the bytes each host put on the wire meanwhile.
fn exchange_everything(mode: CompressionMode) -> (u32, u32) {
    let (mut server, mut client) = pair(mode, mode, 77);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    server.get_sent_data();
    client.get_sent_data();
    for (from, to, tag) in [(1usize, 0usize, 1u8), (0, 1, 2)] {
        let mut want = Received::new();
        for transfer in MODES {
            for channel in CHANNELS {
                for size in SIZES {
                    let data = payload(tag, transfer, channel, size);
                    let (sender, target, source) = if from == 1 {
                        (&mut client, 1, 77)
                    } else {
                        (&mut server, 77, 1)
                    };
                    sender.peer.send(target, transfer, channel, &data).unwrap();
                    let reliable = transfer == TransferMode::Reliable;
                    want.insert((source, channel, reliable, data));
                }
                // Let each burst drain: unreliable fragments beyond the socket buffer would be
                // lost (as on any network), and this test is about compression.
                let nodes = &mut [&mut server, &mut client];
                let count = nodes[to].packets.len() + SIZES.len();
                assert!(
                    run_until(nodes, |n| n[to].packets.len() >= count),
                    "{mode:?}: {transfer:?} on channel {channel} did not all arrive"
                );
            }
        }
        let receiver = if to == 0 { &mut server } else { &mut client };
        let got = received(receiver);
        assert!(
            got == want,
            "{mode:?}: got {:?}, want {:?}",
            summary(&got),
            summary(&want)
        );
    }
    (server.get_sent_data(), client.get_sent_data())
}

trait SentData {
    /// Bytes this host sent since the last call (ENet's totalSentData: after compression).
    fn get_sent_data(&mut self) -> u32;
}

impl SentData for Node {
    fn get_sent_data(&mut self) -> u32 {
        let host = self.peer.get_host().expect("active host");
        host.pop_statistic(HostStatistic::TotalSentData)
            .expect("statistic")
    }
}

#[test]
fn fastlz_carries_every_size_mode_and_channel() {
    exchange_everything(CompressionMode::FastLz);
}

#[test]
fn zstd_carries_every_size_mode_and_channel() {
    exchange_everything(CompressionMode::Zstd);
}

/// Bytes on the wire for the same reliable, compressible traffic (both ways) in `mode`.
fn wire_bytes(mode: CompressionMode) -> u32 {
    let (mut server, mut client) = pair(mode, mode, 5);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    server.get_sent_data();
    client.get_sent_data();
    // Game-state-like: the same small records again and again, 40 packets of 600 bytes.
    let record = b"\x01pos\x00\x00\x80\x3f\x00\x00\x00\x40hp\x00\x64";
    let data: Vec<u8> = record.iter().copied().cycle().take(600).collect();
    for _ in 0..40 {
        client
            .peer
            .send(1, TransferMode::Reliable, 0, &data)
            .unwrap();
        server
            .peer
            .send(5, TransferMode::Reliable, 0, &data)
            .unwrap();
    }
    assert!(run_until(&mut [&mut server, &mut client], |n| n[0]
        .packets
        .len()
        == 40
        && n[1].packets.len() == 40));
    assert!(
        server
            .packets
            .iter()
            .chain(&client.packets)
            .all(|p| p.data == data)
    );
    // Let the last acknowledgements go out too.
    run_for(&mut [&mut server, &mut client], Duration::from_millis(50));
    server.get_sent_data() + client.get_sent_data()
}

#[test]
fn compression_shrinks_what_goes_on_the_wire() {
    let plain = wire_bytes(CompressionMode::None);
    assert!(
        plain > 2 * 40 * 600,
        "{plain} bytes for 48000 bytes of payload"
    );
    for mode in [
        CompressionMode::RangeCoder,
        CompressionMode::FastLz,
        CompressionMode::Zlib,
        CompressionMode::Zstd,
    ] {
        let compressed = wire_bytes(mode);
        assert!(
            compressed * 3 < plain,
            "{mode:?}: {compressed} bytes on the wire, uncompressed {plain}"
        );
    }
}

/// A host without a compressor drops every datagram flagged compressed (ENet's
/// `enet_protocol_handle_incoming_commands`), while a compressing host reads uncompressed ones:
/// FastLZ shrinks even ENet's 48-byte CONNECT and the VERIFY_CONNECT answer, so a FastLZ end
/// and a plain end never finish the handshake, whichever side compresses.
#[test]
fn fastlz_against_no_compression_never_connects() {
    for (server_mode, client_mode) in [
        (CompressionMode::FastLz, CompressionMode::None),
        (CompressionMode::None, CompressionMode::FastLz),
    ] {
        let (mut server, mut client) = pair(server_mode, client_mode, 9);
        run_for(&mut [&mut server, &mut client], Duration::from_secs(2));
        assert!(
            !client.connected() && server.events.is_empty(),
            "server {server_mode:?}, client {client_mode:?}: {:?} / {:?}",
            server.events,
            client.events
        );
    }
}

/// Zstandard's frame overhead leaves the 48-byte CONNECT uncompressed, so a ZSTD client joins a
/// plain server; after that, what the server sends arrives, what the client compresses is
/// dropped, and the client times out waiting for its reliable packet's acknowledgement.
#[test]
fn zstd_client_of_a_plain_server_connects_but_its_packets_are_lost() {
    let (mut server, mut client) = pair(CompressionMode::None, CompressionMode::Zstd, 9);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    let state = payload(3, TransferMode::Reliable, 0, 2500);
    server
        .peer
        .send(9, TransferMode::Reliable, 0, &state)
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[1]
        .packets
        .is_empty()));
    assert_eq!(client.packets[0].data, state);
    let compressible = vec![7u8; 2000];
    client
        .peer
        .send(1, TransferMode::Reliable, 0, &compressible)
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut client], |n| !n[1].connected()));
    assert!(
        server.packets.is_empty(),
        "the server read a compressed datagram"
    );
}

/// A ZSTD server's VERIFY_CONNECT shrinks, so a plain client never completes the handshake.
#[test]
fn plain_client_of_a_zstd_server_never_connects() {
    let (mut server, mut client) = pair(CompressionMode::Zstd, CompressionMode::None, 9);
    run_for(&mut [&mut server, &mut client], Duration::from_secs(2));
    assert!(!client.connected() && server.events.is_empty());
}
