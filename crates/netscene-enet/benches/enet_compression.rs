//! Host compression's cost and gain: 1000-byte reliable game-state packets from one client to
//! one server over loopback, in batches of 64 (each waited for), with each of Godot's five
//! compression modes in the same run. Criterion times a batch; the summary after it gives the
//! bytes each packet took on the wire (ENet's totalSentData of both hosts over 50 batches:
//! payload, ENet headers, acknowledgements; after compression).
//!
//! `cargo bench -p netscene-enet --bench enet_compression`

mod common;

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use netscene::peer::{MultiplayerPeer, TransferMode};
use netscene_enet::{CompressionMode, ENetMultiplayerPeer, HostStatistic};

const BATCH: usize = 64;
const PACKET_SIZE: usize = 1000;
const MODES: [CompressionMode; 5] = [
    CompressionMode::None,
    CompressionMode::RangeCoder,
    CompressionMode::FastLz,
    CompressionMode::Zlib,
    CompressionMode::Zstd,
];

/// A game-state-like packet: entity records whose values drift a little from one to the next.
fn state_packet(sequence: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity(PACKET_SIZE);
    let mut entity = 0u32;
    while data.len() < PACKET_SIZE {
        data.extend_from_slice(&entity.to_le_bytes());
        let x = (entity as f32) * 1.5 + (sequence % 7) as f32 * 0.25;
        data.extend_from_slice(&x.to_le_bytes());
        data.extend_from_slice(&(x * 0.5).to_le_bytes());
        data.extend_from_slice(&[100, 0, 3, 1]);
        entity += 1;
    }
    data.truncate(PACKET_SIZE);
    data[..4].copy_from_slice(&sequence.to_le_bytes());
    data
}

struct Pair {
    server: ENetMultiplayerPeer,
    client: ENetMultiplayerPeer,
    sequence: u32,
}

impl Pair {
    fn new(mode: CompressionMode) -> Self {
        let (server, client) = common::connected_pair(mode);
        Self {
            server,
            client,
            sequence: 0,
        }
    }

    /// Sends one batch and waits until the server has it all.
    fn batch(&mut self) {
        for _ in 0..BATCH {
            self.sequence += 1;
            let data = state_packet(self.sequence);
            self.client
                .send(1, TransferMode::Reliable, 0, &data)
                .unwrap();
        }
        let mut received = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while received < BATCH {
            self.client.poll();
            self.server.poll();
            while self.server.get_packet().is_some() {
                received += 1;
            }
            assert!(Instant::now() < deadline, "batch lost");
        }
    }

    /// Bytes both hosts sent since the last call.
    fn wire_bytes(&mut self) -> u64 {
        let mut total = 0;
        for peer in [&mut self.server, &mut self.client] {
            let host = peer.get_host().unwrap();
            total += u64::from(host.pop_statistic(HostStatistic::TotalSentData).unwrap());
        }
        total
    }
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    let mut summary = Vec::new();
    for mode in MODES {
        let mut pair = Pair::new(mode);
        let mut group = criterion.benchmark_group("enet_compression_1000B");
        group.sample_size(20);
        group.throughput(Throughput::Elements(BATCH as u64));
        group.bench_function(format!("{mode:?}"), |bencher| bencher.iter(|| pair.batch()));
        group.finish();
        // Wire bytes over a fixed number of batches, outside criterion's timing.
        pair.wire_bytes();
        let batches = 50;
        for _ in 0..batches {
            pair.batch();
        }
        summary.push((mode, pair.wire_bytes() as f64 / (batches * BATCH) as f64));
    }
    criterion.final_summary();
    println!("\nmode        wire bytes per 1000-byte packet");
    for (mode, bytes) in summary {
        println!("{:<10} {bytes:>7.1}", format!("{mode:?}"));
    }
}
