//! Simulated network throughput on a perfect link (the fast path RPC benchmarks ride on),
//! side by side with a plain `VecDeque` push/pop of the same packets, and memory per connected
//! peer counted by an instrumented global allocator.
//!
//! `cargo bench -p netscene --bench simulated_network`

use std::alloc::System;
use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use netscene::peer::simulated::{SimulatedNetwork, SimulatedPeer};
use netscene::peer::{MultiplayerPeer, Packet, TransferMode};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

// The workspace forbids `unsafe`, so the counting allocator comes from `stats_alloc`.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Packets per measured batch.
const BATCH: usize = 256;
/// A typical small RPC: command byte, node id, method id, one compressed int.
const PAYLOAD: [u8; 8] = [0x00, 0x01, 0x2A, 0x00, 0x00, 0x05, 0x02, 0x07];

fn connected_pair() -> (SimulatedNetwork, SimulatedPeer, SimulatedPeer) {
    let network = SimulatedNetwork::new(1);
    let mut server = network.create_server().expect("first server");
    let mut client = network.create_client();
    network.advance(Duration::ZERO);
    server.poll();
    client.poll();
    while server.pop_event().is_some() || client.pop_event().is_some() {}
    (network, server, client)
}

fn hop(c: &mut Criterion) {
    let mut group = c.benchmark_group("packet_hop");
    group.throughput(Throughput::Elements(BATCH as u64));

    group.bench_function("vecdeque_push_pop", |b| {
        let mut queue = VecDeque::with_capacity(BATCH);
        b.iter(|| {
            for _ in 0..BATCH {
                queue.push_back(Packet {
                    from: 1,
                    channel: 0,
                    mode: TransferMode::Reliable,
                    data: black_box(&PAYLOAD[..]).to_vec(),
                });
            }
            while let Some(packet) = queue.pop_front() {
                black_box(packet);
            }
        });
    });

    group.bench_function("simulated_server_to_client", |b| {
        let (_network, mut server, mut client) = connected_pair();
        let id = client.get_unique_id();
        b.iter(|| {
            for _ in 0..BATCH {
                server
                    .send(id, TransferMode::Reliable, 0, black_box(&PAYLOAD))
                    .expect("connected");
            }
            client.poll();
            while let Some(packet) = client.get_packet() {
                black_box(packet);
            }
        });
    });

    group.bench_function("simulated_client_to_server", |b| {
        let (_network, mut server, mut client) = connected_pair();
        b.iter(|| {
            for _ in 0..BATCH {
                client
                    .send(1, TransferMode::Reliable, 0, black_box(&PAYLOAD))
                    .expect("connected");
            }
            server.poll();
            while let Some(packet) = server.get_packet() {
                black_box(packet);
            }
        });
    });

    group.bench_function("simulated_send_poll_get_each", |b| {
        let (_network, mut server, mut client) = connected_pair();
        let id = client.get_unique_id();
        b.iter(|| {
            for _ in 0..BATCH {
                server
                    .send(id, TransferMode::Reliable, 0, black_box(&PAYLOAD))
                    .expect("connected");
                client.poll();
                black_box(client.get_packet());
            }
        });
    });
    group.finish();
}

/// Bytes still allocated per client once 1000 clients are connected (hub state, link,
/// peer handle), measured over the whole set-up and divided by the client count.
fn memory_per_connected_peer() {
    const CLIENTS: usize = 1000;
    let network = SimulatedNetwork::new(2);
    let mut server = network.create_server().expect("first server");
    let region = Region::new(GLOBAL);
    let mut clients: Vec<SimulatedPeer> = Vec::with_capacity(CLIENTS);
    let handles_bytes = CLIENTS * std::mem::size_of::<SimulatedPeer>();
    for _ in 0..CLIENTS {
        clients.push(network.create_client());
    }
    network.advance(Duration::from_millis(1));
    server.poll();
    for client in &mut clients {
        client.poll();
    }
    while server.pop_event().is_some() {}
    let stats = region.change();
    let live = stats
        .bytes_allocated
        .saturating_sub(stats.bytes_deallocated);
    assert_eq!(server.peer_ids().len(), CLIENTS);
    println!(
        "memory per connected peer: {} bytes ({} of them the SimulatedPeer handle), \
         {} clients, {} allocations",
        live / CLIENTS,
        handles_bytes / CLIENTS,
        CLIENTS,
        stats.allocations
    );
    black_box((clients, server, network));
}

criterion_group!(benches, hop);

fn main() {
    memory_per_connected_peer();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
