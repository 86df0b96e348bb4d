//! 64-byte packets from one client to one server over loopback, reliable and unreliable:
//! netscene's `ENetMultiplayerPeer` (rusty_enet) side by side with C ENet (libenet) doing the
//! same thing in the same run. Both sides behave like Godot: a flush after every packet,
//! batches of 64 packets, each batch waited for (or 50 ms without progress: lost unreliable
//! packets) before the next.
//!
//! `cargo bench -p netscene-enet` prints criterion's numbers, then a summary with the ratio.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use netscene::peer::{MultiplayerPeer, TransferMode};
use netscene_enet::{CompressionMode, ENetMultiplayerPeer};
use netscene_enet_interop::{CEvent, CPeer, thread_cpu_nanos};

const PACKETS_PER_ITERATION: u64 = 1000;
const BATCH: u64 = 64;
const PACKET_SIZE: usize = 64;

struct RustPair {
    server: ENetMultiplayerPeer,
    client: ENetMultiplayerPeer,
}

impl RustPair {
    fn new() -> Self {
        let (server, client) = common::connected_pair(CompressionMode::None);
        Self { server, client }
    }

    /// One round of `count` packets; returns the time taken, the packets received and the
    /// CPU time this thread used.
    fn round(&mut self, mode: TransferMode, count: u64) -> (Duration, u64, Duration) {
        let cpu_start = thread_cpu_nanos().unwrap_or(0);
        let mut payload = [0u8; PACKET_SIZE];
        let mut sent = 0;
        let mut received = 0;
        let start = Instant::now();
        while sent < count {
            let batch = BATCH.min(count - sent);
            for _ in 0..batch {
                payload[0] = sent as u8;
                self.client.send(1, mode, 0, &payload).unwrap();
                sent += 1;
            }
            let mut before = received;
            let mut last_progress = Instant::now();
            while received < sent {
                self.server.poll();
                while let Some(packet) = self.server.get_packet() {
                    black_box(&packet);
                    received += 1;
                }
                self.client.poll();
                if received != before {
                    before = received;
                    last_progress = Instant::now();
                } else if last_progress.elapsed() > Duration::from_millis(50) {
                    break;
                }
            }
        }
        let elapsed = start.elapsed();
        let cpu = thread_cpu_nanos().unwrap_or(0).saturating_sub(cpu_start);
        (elapsed, received, Duration::from_nanos(cpu))
    }
}

/// One round of the C program; returns the time it measured, the packets received and the
/// CPU time its thread used.
fn c_round(c: &mut CPeer, mode: TransferMode, count: u64) -> (Duration, u64, Duration) {
    let letter = if mode == TransferMode::Reliable {
        'r'
    } else {
        'u'
    };
    c.command(&format!("bench {letter} {count}"));
    match c.next_event(Duration::from_secs(60)) {
        Some(CEvent::Bench {
            nanos,
            received,
            cpu_nanos,
        }) => (
            Duration::from_nanos(nanos),
            received,
            Duration::from_nanos(cpu_nanos),
        ),
        other => panic!("C bench failed: {other:?}"),
    }
}

fn mode_name(mode: TransferMode) -> &'static str {
    match mode {
        TransferMode::Reliable => "reliable",
        _ => "unreliable",
    }
}

fn bench(criterion: &mut Criterion, rust: &mut RustPair, c: &mut CPeer) {
    for mode in [TransferMode::Reliable, TransferMode::Unreliable] {
        let mut group = criterion.benchmark_group(format!("enet_64B_{}", mode_name(mode)));
        group.throughput(Throughput::Elements(PACKETS_PER_ITERATION));
        group.sample_size(20);
        group.bench_function("netscene", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| rust.round(mode, PACKETS_PER_ITERATION).0)
                    .sum()
            })
        });
        group.bench_function("c_enet", |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| c_round(c, mode, PACKETS_PER_ITERATION).0)
                    .sum()
            })
        });
        group.finish();
    }
}

const SUMMARY_ROUNDS: usize = 21;
const SUMMARY_PACKETS: u64 = 10_000;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Alternates netscene and C rounds (so both see the same machine load) and prints the
/// median rates and their ratio, by wall-clock time and by the CPU time of the thread doing
/// the work (which the load of other processes on the machine disturbs much less).
fn summary(rust: &mut RustPair, c: &mut CPeer) {
    println!(
        "\nENet transport, {PACKET_SIZE}-byte packets, 1 client -> 1 server on loopback \
         (median of {SUMMARY_ROUNDS} alternating rounds of {SUMMARY_PACKETS}):"
    );
    for mode in [TransferMode::Reliable, TransferMode::Unreliable] {
        let [mut ours, mut theirs, mut ours_cpu, mut theirs_cpu] = [(); 4].map(|()| Vec::new());
        let (mut ours_lost, mut theirs_lost) = (0, 0);
        for _ in 0..SUMMARY_ROUNDS {
            let (time, received, cpu) = rust.round(mode, SUMMARY_PACKETS);
            ours.push(received as f64 / time.as_secs_f64());
            ours_cpu.push(received as f64 / cpu.as_secs_f64());
            ours_lost += SUMMARY_PACKETS - received;
            let (time, received, cpu) = c_round(c, mode, SUMMARY_PACKETS);
            theirs.push(received as f64 / time.as_secs_f64());
            theirs_cpu.push(received as f64 / cpu.as_secs_f64());
            theirs_lost += SUMMARY_PACKETS - received;
        }
        let (ours, theirs) = (median(ours), median(theirs));
        let (ours_cpu, theirs_cpu) = (median(ours_cpu), median(theirs_cpu));
        println!(
            "  {:<10} wall: netscene {ours:>8.0}/s, C ENet {theirs:>8.0}/s, ratio {:.2}x | \
             CPU: netscene {ours_cpu:>8.0}/s, C ENet {theirs_cpu:>8.0}/s, ratio {:.2}x | \
             lost {ours_lost} / {theirs_lost}",
            mode_name(mode),
            ours / theirs,
            ours_cpu / theirs_cpu,
        );
    }
}

fn main() {
    let mut rust = RustPair::new();
    let mut c = CPeer::bench();
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &mut rust, &mut c);
    criterion.final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        summary(&mut rust, &mut c);
    }
    c.quit();
}
