//! Replication (`MultiplayerSpawner` + `MultiplayerSynchronizer`) over the simulated network
//! on a perfect link (zero latency, the fast path): one server and 4 clients, each its own
//! `SceneTree`, so the server's network frame and a client's are timed apart.
//!
//! * `sync_server/N`, `sync_client/N`: N spawned players, each with `hp` (int), `position`
//!   (Vector3) and `label` (String). Every frame each player moves, one in ten changes its
//!   hp, no label changes. `full`: the three properties ALWAYS (an unreliable SYNC state per
//!   player per frame, `replication_interval` 0); `delta`: the three ON_CHANGE (a reliable
//!   delta SYNC of the changed ones, `delta_interval` 0); `rpc`: the baseline a game would
//!   otherwise write, static nodes and one unreliable `state(hp, position, label)` RPC per
//!   player per frame to every client. Server: the frame's RPC calls and `poll` (encode,
//!   send to 4 clients); client: one client's `poll` (receive, decode, apply, events drained).
//!   Changing the server's properties is not timed.
//! * `spawn_despawn/N`: N players spawned with their 3 spawn properties (mode NEVER after the
//!   spawn), then removed on the server: the server's spawns + `poll`, one client's `poll`
//!   receiving them; the same for the removal.
//!
//! After criterion a summary runs the three ways round by round (so they share the machine's
//! load) and prints medians, bytes and packets per client per frame, and the ratios.
//!
//! `cargo bench -p netscene --bench replication`

use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use netscene::peer::TransferMode;
use netscene::peer::simulated::SimulatedNetwork;
use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig,
};
use netscene::variant::Vector3;
use netscene::{
    NodeId, RpcConfig, SceneMultiplayer, SceneTree, SpawnRequest, StringName, TreeError, Variant,
};

const CLIENTS: usize = 4;
/// Players replicated (criterion and summary).
const SIZES: [usize; 2] = [100, 1000];
/// Spawn / despawn sizes in the summary (the largest shows how the cost grows).
const SPAWN_SIZES: [usize; 3] = [100, 1000, 3000];

/// Scene ids of the game's spawner.
const SCENE_FULL: u8 = 0;
const SCENE_DELTA: u8 = 1;
const SCENE_SPAWN_ONLY: u8 = 2;

/// How the server keeps the clients' players up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    Full,
    Delta,
    Rpc,
}

const WAYS: [Way; 3] = [Way::Full, Way::Delta, Way::Rpc];

impl Way {
    fn name(self) -> &'static str {
        match self {
            Way::Full => "full",
            Way::Delta => "delta",
            Way::Rpc => "rpc",
        }
    }
}

fn player_name(i: usize) -> StringName {
    StringName::new(&format!("player_{i}"))
}

fn player_config(mode: ReplicationMode) -> SceneReplicationConfig {
    let mut config = SceneReplicationConfig::new();
    for property in [":hp", ":position", ":label"] {
        config.add_property(property, -1);
        config.property_set_replication_mode(property, mode);
    }
    config
}

/// The properties every player starts with (the label is its name, so it never changes).
fn init_player(tree: &mut SceneTree, player: NodeId) -> Result<(), TreeError> {
    let node = tree.node_mut(player).ok_or(TreeError::NodeNotFound)?;
    let label = Variant::String(node.name().as_str().into());
    node.set_property("hp", Variant::Int(100));
    node.set_property("position", Variant::Vector3(Vector3::new(0.0, 0.0, 0.0)));
    node.set_property("label", label);
    Ok(())
}

/// A spawnable player whose child `Sync` replicates its three properties in `mode`.
fn build_player(
    tree: &mut SceneTree,
    request: &SpawnRequest,
    mode: ReplicationMode,
) -> Result<NodeId, TreeError> {
    let player = tree.add_child(request.parent, request.name.clone())?;
    init_player(tree, player)?;
    let sync = tree.add_child(player, "Sync")?;
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(player_config(mode)))?;
    Ok(player)
}

/// `/root/Game/Players` and `/root/Game/Spawner` (scenes: full, delta, spawn only).
fn add_game(tree: &mut SceneTree) -> NodeId {
    tree.add_path("/root/Game/Players").expect("players");
    let spawner = tree.add_path("/root/Game/Spawner").expect("spawner");
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("full", |t, r| build_player(t, r, ReplicationMode::Always))
        .add_spawnable_scene("delta", |t, r| {
            build_player(t, r, ReplicationMode::OnChange)
        })
        .add_spawnable_scene("spawn_only", |t, r| {
            build_player(t, r, ReplicationMode::Never)
        });
    tree.set_spawner(spawner, role).expect("spawner role");
    spawner
}

/// The RPC baseline's players: static nodes `/root/Game/Rpc/player_i` whose `state` RPC
/// stores the three values as replication would.
fn add_rpc_players(tree: &mut SceneTree, n: usize) -> Vec<NodeId> {
    let parent = tree.add_path("/root/Game/Rpc").expect("rpc parent");
    let config = RpcConfig::authority().transfer_mode(TransferMode::Unreliable);
    (0..n)
        .map(|i| {
            let node = tree.add_child(parent, player_name(i)).expect("rpc player");
            init_player(tree, node).expect("just added");
            tree.on_rpc(
                node,
                "state",
                config,
                |ctx, (hp, position, label): (i64, Vector3, String)| {
                    let node = ctx.node();
                    if let Some(n) = ctx.tree().node_mut(node) {
                        n.set_property("hp", Variant::Int(hp));
                        n.set_property("position", Variant::Vector3(position));
                        n.set_property("label", Variant::String(label));
                    }
                },
            )
            .expect("rpc handler");
            node
        })
        .collect()
}

fn drain_events(tree: &mut SceneTree) {
    if let Some(api) = tree.multiplayer("") {
        while api.pop_event().is_some() {}
    }
}

/// One server tree and [`CLIENTS`] client trees on one simulated network.
struct World {
    net: SimulatedNetwork,
    server: SceneTree,
    clients: Vec<SceneTree>,
    spawner: NodeId,
    /// The server's players (spawned, or static for the RPC baseline).
    players: Vec<NodeId>,
    way: Way,
    frame: u64,
}

impl World {
    fn connected(way: Way) -> Self {
        let net = SimulatedNetwork::new(11);
        let server_peer = net.create_server().expect("first server");
        let server_mp = SceneMultiplayer::with_peer(Box::new(server_peer)).expect("server");
        let mut server = SceneTree::with_multiplayer(Box::new(server_mp));
        let mut clients: Vec<SceneTree> = (0..CLIENTS)
            .map(|_| {
                let mp =
                    SceneMultiplayer::with_peer(Box::new(net.create_client())).expect("client");
                SceneTree::with_multiplayer(Box::new(mp))
            })
            .collect();
        for _ in 0..10 {
            net.advance(Duration::from_millis(1));
            server.poll().expect("server poll");
            for client in &mut clients {
                client.poll().expect("client poll");
            }
        }
        let peers = server.multiplayer("").expect("server api").get_peers();
        assert_eq!(peers.len(), CLIENTS, "all clients connected");
        let spawner = add_game(&mut server);
        for client in &mut clients {
            add_game(client);
        }
        Self {
            net,
            server,
            clients,
            spawner,
            players: Vec::new(),
            way,
            frame: 0,
        }
    }

    /// `n` players kept in sync `way`, every client up to date, caches warm.
    fn with_players(way: Way, n: usize) -> Self {
        let mut w = Self::connected(way);
        match way {
            Way::Full | Way::Delta => {
                let scene = if way == Way::Full {
                    SCENE_FULL
                } else {
                    SCENE_DELTA
                };
                for i in 0..n {
                    let player = w
                        .server
                        .spawn_scene(w.spawner, scene, player_name(i))
                        .expect("spawn");
                    w.players.push(player);
                }
            }
            Way::Rpc => {
                w.players = add_rpc_players(&mut w.server, n);
                for client in &mut w.clients {
                    add_rpc_players(client, n);
                }
            }
        }
        w.settle();
        w
    }

    /// Ten whole frames (every hp changes once in ten), then every client must hold the
    /// server's values: spawns delivered, RPC path caches confirmed, no state left behind by
    /// frames whose packets a client dropped unread.
    fn settle(&mut self) {
        for _ in 0..10 {
            self.change();
            self.server_frame();
            self.clients_poll();
        }
        self.assert_clients_follow();
    }

    /// What the game does between frames: every player moves, one in ten changes its hp.
    fn change(&mut self) {
        self.frame += 1;
        let frame = self.frame;
        for (i, &player) in self.players.iter().enumerate() {
            let node = self.server.node_mut(player).expect("server player");
            let position = Vector3::new(frame as f32, i as f32, 0.5);
            node.set_property("position", Variant::Vector3(position));
            if (i as u64 + frame).is_multiple_of(10) {
                node.set_property("hp", Variant::Int(frame as i64));
            }
        }
    }

    /// The server's network frame: the baseline's RPCs, then `poll` (replication's frame).
    fn server_frame(&mut self) {
        if self.way == Way::Rpc {
            for &player in &self.players {
                let node = self.server.node(player).expect("server player");
                let args = ["hp", "position", "label"]
                    .map(|p| node.get_property(p).cloned().expect("property"));
                self.server.rpc(player, "state", &args).expect("state rpc");
            }
        }
        self.server.poll().expect("server poll");
        drain_events(&mut self.server);
    }

    fn client_frame(&mut self, client: usize) {
        let tree = &mut self.clients[client];
        tree.poll().expect("client poll");
        drain_events(tree);
    }

    fn clients_poll(&mut self) {
        for client in 0..CLIENTS {
            self.client_frame(client);
        }
    }

    /// Takes client `client`'s packets off its transport unread, so a timed loop does not
    /// pay for clients it does not measure.
    fn client_drop_packets(&mut self, client: usize) {
        let api = self.clients[client].multiplayer("").expect("client api");
        let peer = api.get_multiplayer_peer_mut().expect("client peer");
        peer.poll();
        while peer.get_packet().is_some() {}
    }

    /// Every client holds the server's values of every player (the bench moves real data).
    fn assert_clients_follow(&mut self) {
        let parent = match self.way {
            Way::Rpc => "/root/Game/Rpc",
            _ => "/root/Game/Players",
        };
        for (i, &player) in self.players.iter().enumerate() {
            let server = self.server.node(player).expect("server player");
            for client in &self.clients {
                let node = client
                    .get_node(&format!("{parent}/player_{i}"))
                    .and_then(|id| client.node(id))
                    .expect("client player");
                for p in ["hp", "position", "label"] {
                    assert_eq!(node.get_property(p), server.get_property(p), "{p} of {i}");
                }
            }
        }
    }

    /// The server's frames, timed; the clients' packets are dropped unread.
    fn timed_server_frames(&mut self, iters: u64) -> Duration {
        let mut spent = Duration::ZERO;
        for _ in 0..iters {
            self.change();
            let start = Instant::now();
            self.server_frame();
            spent += start.elapsed();
            for client in 0..CLIENTS {
                self.client_drop_packets(client);
            }
        }
        spent
    }

    /// Client 0's frames, timed; the other clients' packets are dropped unread.
    fn timed_client_frames(&mut self, iters: u64) -> Duration {
        let mut spent = Duration::ZERO;
        for _ in 0..iters {
            self.change();
            self.server_frame();
            let start = Instant::now();
            self.client_frame(0);
            spent += start.elapsed();
            for client in 1..CLIENTS {
                self.client_drop_packets(client);
            }
        }
        spent
    }
}

/// The timed phases of a spawn + despawn cycle, in the order [`spawn_cycle`] returns them.
const PHASES: [&str; 4] = [
    "spawn_server",
    "spawn_client",
    "despawn_server",
    "despawn_client",
];

/// Spawns a spawn-only player per name on the server and removes them again; returns the
/// time of each of [`PHASES`].
fn spawn_cycle(w: &mut World, names: &[StringName]) -> [Duration; 4] {
    let mut times = [Duration::ZERO; 4];
    let start = Instant::now();
    let spawned: Vec<NodeId> = names
        .iter()
        .map(|name| {
            w.server
                .spawn_scene(w.spawner, SCENE_SPAWN_ONLY, name.clone())
                .expect("spawn")
        })
        .collect();
    w.server.poll().expect("server poll");
    times[0] = start.elapsed();
    let start = Instant::now();
    w.client_frame(0);
    times[1] = start.elapsed();
    for client in 1..CLIENTS {
        w.client_frame(client);
    }
    drain_events(&mut w.server);
    assert_eq!(
        spawned_players(&w.clients[0]),
        names.len(),
        "every spawn arrived"
    );

    let start = Instant::now();
    for node in spawned {
        w.server.remove_node(node).expect("remove");
    }
    w.server.poll().expect("server poll");
    times[2] = start.elapsed();
    let start = Instant::now();
    w.client_frame(0);
    times[3] = start.elapsed();
    for client in 1..CLIENTS {
        w.client_frame(client);
    }
    assert_eq!(spawned_players(&w.clients[0]), 0, "every despawn arrived");
    times
}

fn spawned_players(tree: &SceneTree) -> usize {
    let players = tree.get_node("/root/Game/Players").expect("players");
    tree.node(players).expect("players").children().len()
}

fn sync_benches(c: &mut Criterion) {
    for n in SIZES {
        for (side, client) in [("sync_server", false), ("sync_client", true)] {
            let mut group = c.benchmark_group(format!("{side}/{n}"));
            group.throughput(Throughput::Elements(n as u64));
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(2));
            group.sample_size(30);
            for way in WAYS {
                // Built on first use: a benchmark filtered out costs nothing.
                let mut world = None;
                group.bench_function(way.name(), |b| {
                    let w = world.get_or_insert_with(|| World::with_players(way, n));
                    b.iter_custom(|iters| {
                        if client {
                            w.timed_client_frames(iters)
                        } else {
                            w.timed_server_frames(iters)
                        }
                    });
                });
            }
            group.finish();
        }
    }
}

fn spawn_benches(c: &mut Criterion) {
    for n in SIZES {
        let names: Vec<StringName> = (0..n).map(player_name).collect();
        let mut world = None;
        let mut group = c.benchmark_group(format!("spawn_despawn/{n}"));
        group.throughput(Throughput::Elements(n as u64));
        // Each iteration is a whole cycle of which one phase is timed: few, flat samples.
        group.sampling_mode(SamplingMode::Flat);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
        group.sample_size(10);
        for (phase, name) in PHASES.into_iter().enumerate() {
            group.bench_function(name, |b| {
                let w = world.get_or_insert_with(|| World::connected(Way::Full));
                b.iter_custom(|iters| (0..iters).map(|_| spawn_cycle(w, &names)[phase]).sum());
            });
        }
        group.finish();
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Per frame: median server and client microseconds, bytes and packets to one client.
struct WayFrame {
    server_us: f64,
    client_us: f64,
    bytes: f64,
    packets: f64,
}

/// The three ways round by round, `frames` frames each per round.
fn summary_sync(n: usize, rounds: usize, frames: u64) -> Vec<WayFrame> {
    let mut worlds: Vec<World> = WAYS
        .iter()
        .map(|&way| World::with_players(way, n))
        .collect();
    let mut server = vec![Vec::new(); WAYS.len()];
    let mut client = vec![Vec::new(); WAYS.len()];
    for _ in 0..rounds {
        for (k, w) in worlds.iter_mut().enumerate() {
            server[k].push(w.timed_server_frames(frames).as_secs_f64() * 1e6 / frames as f64);
            client[k].push(w.timed_client_frames(frames).as_secs_f64() * 1e6 / frames as f64);
        }
    }
    worlds
        .iter_mut()
        .enumerate()
        .map(|(k, w)| {
            w.settle();
            // Wire cost of the next few frames (deterministic: the same changes each frame).
            let before = w.net.stats();
            const WIRE_FRAMES: u64 = 10;
            for _ in 0..WIRE_FRAMES {
                w.change();
                w.server_frame();
                w.clients_poll();
            }
            let after = w.net.stats();
            let per_client = (CLIENTS as u64 * WIRE_FRAMES) as f64;
            WayFrame {
                server_us: median(std::mem::take(&mut server[k])),
                client_us: median(std::mem::take(&mut client[k])),
                bytes: (after.bytes_delivered - before.bytes_delivered) as f64 / per_client,
                packets: (after.packets_delivered - before.packets_delivered) as f64 / per_client,
            }
        })
        .collect()
}

fn print_sync_summary() {
    println!("\n== replication summary: per network frame, 1 server + {CLIENTS} clients ==");
    println!(
        "{:>5} {:>6} {:>10} {:>10} {:>12} {:>11} {:>10} {:>10} {:>10}",
        "N",
        "way",
        "server µs",
        "client µs",
        "bytes/client",
        "pkts/client",
        "server/rpc",
        "client/rpc",
        "bytes/rpc"
    );
    for n in SIZES {
        let (rounds, frames) = if n <= 100 { (21, 40) } else { (21, 6) };
        let results = summary_sync(n, rounds, frames);
        let rpc = &results[2];
        for (way, r) in WAYS.iter().zip(&results) {
            println!(
                "{n:>5} {:>6} {:>10.1} {:>10.1} {:>12.0} {:>11.1} {:>9.2}x {:>9.2}x {:>9.2}x",
                way.name(),
                r.server_us,
                r.client_us,
                r.bytes,
                r.packets,
                r.server_us / rpc.server_us,
                r.client_us / rpc.client_us,
                r.bytes / rpc.bytes
            );
        }
        let (full, delta) = (&results[0], &results[1]);
        println!(
            "{n:>5} delta/full: bytes {:.2}x, server {:.2}x, client {:.2}x; \
             per player per frame: full {:.0} ns server + {:.0} ns a client, {:.1} bytes",
            delta.bytes / full.bytes,
            delta.server_us / full.server_us,
            delta.client_us / full.client_us,
            full.server_us * 1e3 / n as f64,
            full.client_us * 1e3 / n as f64,
            full.bytes / n as f64
        );
    }
}

fn print_spawn_summary() {
    println!("\n== spawn / despawn summary: {CLIENTS} clients, medians of 5 cycles ==");
    println!(
        "{:>5} {:>14} {:>14} {:>14} {:>14}   (µs per node)",
        "N", "spawn server", "spawn client", "despawn server", "despawn client"
    );
    let mut per_node_at = Vec::new();
    for n in SPAWN_SIZES {
        let names: Vec<StringName> = (0..n).map(player_name).collect();
        let mut w = World::connected(Way::Full);
        spawn_cycle(&mut w, &names);
        let cycles: Vec<[Duration; 4]> = (0..5).map(|_| spawn_cycle(&mut w, &names)).collect();
        let row: [f64; 4] = std::array::from_fn(|phase| {
            let per_node = |t: &[Duration; 4]| t[phase].as_secs_f64() * 1e6 / n as f64;
            median(cycles.iter().map(per_node).collect())
        });
        println!(
            "{n:>5} {:>14.2} {:>14.2} {:>14.2} {:>14.2}",
            row[0], row[1], row[2], row[3]
        );
        per_node_at.push((n, row));
    }
    let (n0, first) = per_node_at[0];
    for &(n, row) in &per_node_at[1..] {
        println!(
            "per-node cost at {n} / at {n0} (1.00x = linear): spawn server {:.2}x, \
             client {:.2}x; despawn server {:.2}x, client {:.2}x",
            row[0] / first[0],
            row[1] / first[1],
            row[2] / first[2],
            row[3] / first[3]
        );
    }
}

fn main() {
    // No HTML plots: drawing them took ~5 s per benchmark on the 2-core machine, more than
    // the measurement itself.
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    sync_benches(&mut criterion);
    spawn_benches(&mut criterion);
    criterion.final_summary();
    // A smoke run (`--test`), `--list` and `--profile-time` skip the summaries.
    let quick = ["--test", "--list", "--profile-time"];
    if !std::env::args().any(|a| quick.contains(&a.as_str())) {
        print_sync_summary();
        print_spawn_summary();
    }
}
