//! In-process RPC throughput on one core: encode → SimulatedNetwork peer → decode → dispatch,
//! for a no-argument RPC and for an RPC with (int, float, String, Vector3); plus wire bytes
//! per RPC and heap allocations per RPC in steady state.
//!
//! `cargo bench -p netscene --bench rpc`

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use netscene::peer::MultiplayerPeer;
use netscene::peer::simulated::SimulatedNetwork;
use netscene::variant::Vector3;
use netscene::{NodeId, PeerId, RpcConfig, SceneMultiplayer, SceneTree, Variant};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

// The workspace forbids `unsafe`, so the counting allocator comes from `stats_alloc`.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// RPCs per measured batch (one poll delivers the batch).
const BATCH: usize = 1000;

struct Rig {
    _net: SimulatedNetwork,
    tree: SceneTree,
    server_node: NodeId,
    client: PeerId,
    calls: Arc<AtomicU64>,
}

/// A server branch and one client branch; `Game` with `ping()` and
/// `update(int, float, String, Vector3)`; the path cache already confirmed.
fn rig() -> Rig {
    let net = SimulatedNetwork::new(3);
    let mut tree = SceneTree::new();
    let server = SceneMultiplayer::with_peer(Box::new(net.create_server().unwrap())).unwrap();
    tree.set_multiplayer(Box::new(server), "/root/server")
        .unwrap();
    let peer = net.create_client();
    let client = peer.get_unique_id();
    let client_mp = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    tree.set_multiplayer(Box::new(client_mp), "/root/client")
        .unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let mut nodes = Vec::new();
    for branch in ["/root/server", "/root/client"] {
        let node = tree.add_path(&format!("{branch}/Game")).unwrap();
        let c = calls.clone();
        tree.on_rpc(node, "ping", RpcConfig::authority(), move |_, (): ()| {
            c.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        let c = calls.clone();
        tree.on_rpc(
            node,
            "update",
            RpcConfig::authority(),
            move |_, (i, f, s, v): (i64, f64, String, Vector3)| {
                black_box((i, f, s, v));
                c.fetch_add(1, Ordering::Relaxed);
            },
        )
        .unwrap();
        nodes.push(node);
    }
    for _ in 0..4 {
        net.advance(Duration::from_millis(1));
        tree.poll().unwrap();
    }
    let mut rig = Rig {
        _net: net,
        tree,
        server_node: nodes[0],
        client,
        calls,
    };
    // Path cache handshake done: later calls use the compressed id.
    rig.round(1, "ping", &[]);
    rig.round(1, "ping", &[]);
    rig
}

impl Rig {
    fn round(&mut self, n: usize, method: &str, args: &[Variant]) {
        let before = self.calls.load(Ordering::Relaxed);
        for _ in 0..n {
            self.tree
                .rpc_id(self.server_node, self.client, method, args)
                .unwrap();
        }
        self.tree.poll().unwrap();
        assert_eq!(self.calls.load(Ordering::Relaxed) - before, n as u64);
    }
}

fn update_args() -> [Variant; 4] {
    [
        Variant::Int(42),
        Variant::Float(1.5),
        Variant::String("hello".into()),
        Variant::Vector3(Vector3::new(1.0, 2.0, 3.0)),
    ]
}

fn rpc_throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("rpc");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("no_args", |b| {
        let mut rig = rig();
        b.iter(|| rig.round(BATCH, "ping", &[]));
    });
    group.bench_function("int_float_string_vector3", |b| {
        let mut rig = rig();
        let args = update_args();
        b.iter(|| rig.round(BATCH, "update", black_box(&args)));
    });
    group.finish();
}

/// Bytes of one REMOTE_CALL after the cache handshake, as sent, next to the size the spec's
/// rules give for Godot (C.4 header + A.7 compressed arguments).
fn wire_bytes_and_allocations() {
    let mut rig = rig();
    for (method, args, godot) in [
        ("ping", Vec::new(), 3usize),
        // meta + node u8 + method u8 + argc, int 42 (2), float 1.5 (8), "hello" (16), Vector3 (16)
        ("update", update_args().to_vec(), 4 + 2 + 8 + 16 + 16),
    ] {
        let before = rig._net.stats();
        rig.round(1, method, &args);
        let after = rig._net.stats();
        let bytes = after.bytes_delivered - before.bytes_delivered;
        println!("wire bytes per RPC `{method}`: netscene {bytes}, Godot (spec) {godot}");

        rig.round(BATCH, method, &args);
        let region = Region::new(GLOBAL);
        rig.round(BATCH, method, &args);
        let stats = region.change();
        println!(
            "heap allocations per RPC `{method}` (steady state, incl. transport): {:.2}",
            stats.allocations as f64 / BATCH as f64
        );
    }
}

criterion_group!(benches, rpc_throughput);

fn main() {
    wire_bytes_and_allocations();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
