//! `netscene bench`: N bot clients ping a server at a fixed rate; the server answers each
//! `ping` with a `pong` to its sender (both reliable RPCs). The server runs in its own thread
//! so its CPU time can be measured; the bots share one or two threads.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use netscene::peer::MultiplayerPeer;
use netscene::peer::simulated::{NetworkConfig, SimulatedNetwork};
use netscene::{MultiplayerEvent, NodeId, RpcConfig, SceneMultiplayer, SceneTree};
use netscene_enet::ENetClientGroup;

use crate::counting::{Traffic, counting_peer};
use crate::logging;
use crate::netem::{self, Impairment, Relay};
use crate::pacing::sleep_rest_of_tick;
use crate::stats::{LatencySamples, format_ms, format_rate, thread_cpu_time};
use crate::transport::{self, Endpoint, TransportKind};
use crate::world::now_us;

/// Arguments of `netscene bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Number of bot clients.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=4095))]
    clients: u16,
    /// Pings per second each client sends.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rate: u32,
    /// Transport.
    #[arg(long, value_enum, default_value_t = TransportKind::Enet)]
    transport: TransportKind,
    /// Seconds of measurement (after every client connected).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Percent of packets a relay on 127.0.0.1 drops, each direction (ENet: datagrams lost;
    /// WebSocket: chunks delayed as a TCP retransmission would).
    #[arg(long, default_value_t = 0.0, value_name = "PCT")]
    loss: f64,
    /// One-way delay the relay adds, each direction.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    latency: u64,
    /// Uniform variation of the relay's delay (± this much).
    #[arg(long, default_value_t = 0, value_name = "MS")]
    jitter: u64,
    /// What the clients do: answer pings, or play the arena as a soak (server in a child
    /// process; RPCs in every mode, spawns and despawns, syncs; memory and CPU sampled).
    #[arg(long, value_enum, default_value_t = BenchGame::Ping)]
    game: BenchGame,
    /// Arena: seconds between two samples of the server's memory and CPU.
    #[arg(long, default_value_t = 10)]
    sample_interval: u64,
    /// Arena: mean seconds a bot plays before it leaves and joins again (0: never leaves).
    #[arg(long, default_value_t = 60)]
    session_seconds: u64,
    /// Runs the arena soak's server (the bench starts it as its child process).
    #[arg(long, hide = true)]
    soak_server: bool,
    /// Runs the memory measurement's server (the bench starts it as its child process).
    #[arg(long, hide = true, value_enum)]
    memory_server: Option<crate::memory::MemoryStack>,
}

/// `--game` of `bench`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchGame {
    /// Ping/pong RPCs, latency and throughput.
    Ping,
    /// The arena as a soak: see `crate::soak`.
    Arena,
    /// The server's memory per peer slot and per connected client, ENet alone and the
    /// whole stack (ENet transport only).
    Memory,
}

impl BenchArgs {
    /// The relay's impairment from `--loss`, `--latency` and `--jitter`.
    fn impairment(&self) -> Result<Impairment, String> {
        if !(0.0..=100.0).contains(&self.loss) {
            return Err("--loss must be between 0 and 100".into());
        }
        if self.jitter > self.latency {
            return Err("--jitter may not exceed --latency".into());
        }
        Ok(Impairment {
            loss: self.loss / 100.0,
            latency: Duration::from_millis(self.latency),
            jitter: Duration::from_millis(self.jitter),
        })
    }
}

/// Phases, shared by every thread.
const JOINING: u8 = 0;
const MEASURING: u8 = 1;
const DRAINING: u8 = 2;
const STOPPING: u8 = 3;

/// Longest waits for the clients to connect and for the last pongs.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Counters every thread updates.
#[derive(Default)]
struct Shared {
    phase: AtomicU8,
    server_peers: AtomicUsize,
    clients_connected: AtomicUsize,
    clients_failed: AtomicUsize,
    pings_sent: AtomicU64,
    pongs_received: AtomicU64,
}

/// Runs the benchmark.
pub fn run(args: BenchArgs) -> ExitCode {
    logging::init(
        logging::LogFormat::Text,
        logging::LogTarget::Stderr,
        "error",
    );
    if args.soak_server {
        return match crate::soak::server::run(args.transport, usize::from(args.clients)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    if let Some(stack) = args.memory_server {
        return match crate::memory::serve(stack, usize::from(args.clients)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        };
    }
    let result = match args.game {
        BenchGame::Ping => bench(&args),
        BenchGame::Arena => soak(&args),
        BenchGame::Memory if args.transport == TransportKind::Enet => {
            crate::memory::run(usize::from(args.clients))
        }
        BenchGame::Memory => Err("--game memory measures the ENet transport".into()),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn install_bench_node(tree: &mut SceneTree, server: bool) -> NodeId {
    let node = tree
        .add_path("/root/Bench")
        .expect("a fresh tree has /root");
    if server {
        tree.on_rpc(
            node,
            "ping",
            RpcConfig::any_peer(),
            |ctx, (seq, sent_us): (i64, i64)| {
                let from = ctx.remote_sender_id();
                if let Err(error) = ctx.rpc_id(from, "pong", &[seq.into(), sent_us.into()]) {
                    tracing::debug!(%error, "pong not sent");
                }
            },
        )
        .expect("bench node");
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::authority(),
            |_, (_, _): (i64, i64)| {},
        )
        .expect("bench node");
    } else {
        tree.node_mut(node)
            .expect("just added")
            .set_state(LatencySamples::default());
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::authority(),
            |ctx, (_, sent_us): (i64, i64)| {
                let rtt = now_us().saturating_sub(sent_us).max(0) as u64;
                if let Some(samples) = ctx.state_mut::<LatencySamples>() {
                    samples.record(Duration::from_micros(rtt));
                }
            },
        )
        .expect("bench node");
        tree.on_rpc(
            node,
            "ping",
            RpcConfig::any_peer(),
            |_, (_, _): (i64, i64)| {},
        )
        .expect("bench node");
    }
    node
}

/// What the server thread measured.
struct ServerReport {
    cpu: Option<Duration>,
    wall: Duration,
}

fn spawn_server(
    kind: TransportKind,
    clients: usize,
    network: Option<SimulatedNetwork>,
    shared: Arc<Shared>,
    traffic: Arc<Traffic>,
) -> Result<(Endpoint, JoinHandle<ServerReport>), String> {
    let (ready_tx, ready_rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name("server".into())
        .spawn(move || {
            let counted = Arc::clone(&traffic);
            let started = transport::start_server(kind, "127.0.0.1", 0, clients, network.as_ref())
                .and_then(|(peer, endpoint)| {
                    let mut mp = SceneMultiplayer::new();
                    // Clients only talk to the server here. With the relay on, every join is
                    // announced to every client: N² reliable messages (a million for 1000
                    // clients) whose acks flood the server socket.
                    mp.set_server_relay_enabled(false)
                        .map_err(|e| format!("cannot configure the relay: {e}"))?;
                    mp.set_multiplayer_peer(Some(Box::new(counting_peer(peer, counted))))
                        .map_err(|e| format!("cannot start the server: {e}"))?;
                    Ok((mp, endpoint))
                });
            let mp = match started {
                Ok((mp, endpoint)) => {
                    let _ = ready_tx.send(Ok(endpoint));
                    mp
                }
                Err(message) => {
                    let _ = ready_tx.send(Err(message));
                    return ServerReport {
                        cpu: None,
                        wall: Duration::ZERO,
                    };
                }
            };
            let mut tree = SceneTree::with_multiplayer(Box::new(mp));
            install_bench_node(&mut tree, true);
            serve_until_stopped(&mut tree, &shared)
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;
    let endpoint = ready_rx
        .recv()
        .map_err(|_| "the server thread ended early".to_string())??;
    Ok((endpoint, handle))
}

fn serve_until_stopped(tree: &mut SceneTree, shared: &Shared) -> ServerReport {
    let mut measure_start: Option<(Instant, Option<Duration>)> = None;
    let mut report = ServerReport {
        cpu: None,
        wall: Duration::ZERO,
    };
    loop {
        let began = Instant::now();
        let phase = shared.phase.load(Ordering::Acquire);
        if phase >= MEASURING && measure_start.is_none() {
            measure_start = Some((Instant::now(), thread_cpu_time()));
        }
        if phase >= DRAINING
            && report.wall.is_zero()
            && let Some((wall, cpu)) = measure_start
        {
            report.wall = wall.elapsed();
            report.cpu = thread_cpu_time()
                .zip(cpu)
                .map(|(end, start)| end.saturating_sub(start));
        }
        // Checked after the measurement so a stop right after draining still reports it.
        if phase == STOPPING {
            break;
        }
        if let Err(error) = tree.poll() {
            tracing::debug!(%error, "server poll");
        }
        let mut handled = 0;
        for event in tree.drain_events("") {
            match event {
                MultiplayerEvent::RpcRejected { .. } | MultiplayerEvent::PacketRejected { .. } => {
                    tracing::warn!(?event, "server refused");
                }
                _ => handled += 1,
            }
        }
        let _ = handled;
        let peers = tree.multiplayer("").map_or(0, |mp| mp.get_peers().len());
        shared.server_peers.store(peers, Ordering::Relaxed);
        sleep_rest_of_tick(began);
    }
    report
}

/// One bot client.
struct Bot {
    tree: SceneTree,
    node: NodeId,
    connected: bool,
    failed: bool,
    /// This client's place in the ping interval, so the clients' pings are spread evenly.
    offset: Duration,
    /// The first ping (before measuring) sets up the path caches on both sides.
    warmed_up: bool,
    next_ping: Instant,
    seq: i64,
    /// Its transport received something since its last poll (always true without a group,
    /// which cannot tell).
    has_mail: bool,
}

/// What one bot thread measured.
struct BotsReport {
    samples: LatencySamples,
    /// Passes over all its clients while measuring, and their total time.
    passes: u64,
    busy: Duration,
}

/// The socket buffers of a bot thread's shared ENet socket, which carries the traffic of
/// thousands of clients.
const BOT_GROUP_SOCKET_BUFFER: usize = 4 << 20;

fn spawn_bots(
    first: usize,
    count: usize,
    endpoint: &Endpoint,
    rate: u32,
    shared: Arc<Shared>,
) -> Result<JoinHandle<BotsReport>, String> {
    let mut bots = Vec::with_capacity(count);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let now = Instant::now();
    // Over ENet, a thread's clients share one host and socket: still one ENet connection
    // and one Godot peer each, but one socket to read per pass instead of one per client.
    let group = match endpoint {
        Endpoint::Enet { host, port } => {
            let group = ENetClientGroup::new(host, *port, count)
                .map_err(|e| format!("cannot start the clients of {host}:{port}: {e}"))?;
            if let Err(error) = group.set_socket_buffer_size(BOT_GROUP_SOCKET_BUFFER) {
                tracing::debug!(%error, "bot socket buffers");
            }
            Some(group)
        }
        _ => None,
    };
    for i in 0..count {
        let peer: Box<dyn MultiplayerPeer> = match &group {
            Some(group) => Box::new(
                group
                    .connect()
                    .map_err(|e| format!("client {}: {e}", first + i))?,
            ),
            None => transport::start_client(endpoint)?,
        };
        let mut mp = SceneMultiplayer::new();
        mp.set_multiplayer_peer(Some(peer))
            .map_err(|e| format!("client {}: {e}", first + i))?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let node = install_bench_node(&mut tree, false);
        // Spread the clients' pings evenly over one interval.
        let offset = interval.mul_f64(((first + i) % 997) as f64 / 997.0);
        bots.push(Bot {
            tree,
            node,
            connected: false,
            failed: false,
            offset,
            warmed_up: false,
            next_ping: now + offset,
            seq: 0,
            has_mail: true,
        });
    }
    thread::Builder::new()
        .name(format!("bots-{first}"))
        .spawn(move || run_bots(bots, group, interval, &shared))
        .map_err(|e| format!("cannot start a bot thread: {e}"))
}

fn run_bots(
    mut bots: Vec<Bot>,
    group: Option<ENetClientGroup>,
    interval: Duration,
    shared: &Shared,
) -> BotsReport {
    let mut report = BotsReport {
        samples: LatencySamples::default(),
        passes: 0,
        busy: Duration::ZERO,
    };
    // A pass over many clients costs CPU the server needs: pace the passes (1 ms for a few
    // clients, 20 ms for 500), which adds at most that much to the measured round trips.
    let pass = Duration::from_millis((bots.len() as u64 / 25).clamp(1, 20));
    // With a group, only the clients it received something for are polled: a poll of an
    // idle client's SceneMultiplayer does nothing but costs a few microseconds, thousands
    // of times a pass.
    let index_by_id: std::collections::HashMap<_, _> = bots
        .iter_mut()
        .enumerate()
        .filter_map(|(i, bot)| Some((bot.tree.multiplayer("")?.get_unique_id(), i)))
        .collect();
    let mut ready = Vec::new();
    loop {
        let phase = shared.phase.load(Ordering::Acquire);
        if phase == STOPPING {
            break;
        }
        let now = Instant::now();
        if let Some(group) = &group {
            group.service();
            group.take_ready(&mut ready);
            for id in ready.drain(..) {
                if let Some(&i) = index_by_id.get(&id) {
                    bots[i].has_mail = true;
                }
            }
        }
        for bot in bots.iter_mut() {
            if std::mem::replace(&mut bot.has_mail, group.is_none()) {
                receive(bot, phase, shared, &mut report);
            }
            send(bot, phase, now, interval, shared);
        }
        if let Some(group) = &group {
            group.flush();
        }
        let busy = now.elapsed();
        if phase == MEASURING {
            report.passes += 1;
            report.busy += busy;
        }
        thread::sleep(pass.saturating_sub(busy).max(Duration::from_micros(500)));
    }
    for bot in bots.iter_mut() {
        if let Some(peer) = bot
            .tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer_mut())
        {
            peer.close();
        }
    }
    if let Some(group) = &group {
        group.flush();
    }
    report
}

/// Polls one bot: connection events, and the round trips of the pongs it received.
fn receive(bot: &mut Bot, phase: u8, shared: &Shared, report: &mut BotsReport) {
    if let Err(error) = bot.tree.poll() {
        tracing::debug!(%error, "bot poll");
    }
    for event in bot.tree.drain_events("") {
        match event {
            MultiplayerEvent::ConnectedToServer => {
                bot.connected = true;
                shared.clients_connected.fetch_add(1, Ordering::Relaxed);
            }
            MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                if bot.connected {
                    shared.clients_connected.fetch_sub(1, Ordering::Relaxed);
                }
                bot.connected = false;
                bot.failed = true;
                shared.clients_failed.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    if let Some(samples) = bot
        .tree
        .node_mut(bot.node)
        .and_then(|node| node.state_mut::<LatencySamples>())
        && samples.len() > 0
    {
        let taken = std::mem::take(samples);
        shared
            .pongs_received
            .fetch_add(taken.len() as u64, Ordering::Relaxed);
        if phase == MEASURING {
            report.samples.extend(&taken);
        }
    }
}

/// Sends one bot's ping when it is due (and its warm-up ping while joining).
fn send(bot: &mut Bot, phase: u8, now: Instant, interval: Duration, shared: &Shared) {
    if phase == MEASURING && bot.connected && now >= bot.next_ping {
        bot.seq += 1;
        let args = [bot.seq.into(), now_us().into()];
        if bot.tree.rpc_id(bot.node, 1, "ping", &args).is_ok() {
            shared.pings_sent.fetch_add(1, Ordering::Relaxed);
        }
        bot.next_ping += interval;
        if now.saturating_duration_since(bot.next_ping) > Duration::from_secs(1) {
            // Far behind (a stalled thread): skip ahead instead of bursting.
            bot.next_ping = now + interval;
        }
    } else if phase == JOINING {
        if bot.connected && !bot.warmed_up {
            let args = [0.into(), now_us().into()];
            if bot.tree.rpc_id(bot.node, 1, "ping", &args).is_ok() {
                shared.pings_sent.fetch_add(1, Ordering::Relaxed);
            }
            bot.warmed_up = true;
        }
        bot.next_ping = now + bot.offset;
    }
}

fn soak(args: &BenchArgs) -> Result<bool, String> {
    if !(args.duration > 0.0 && args.duration <= 3600.0) {
        return Err("--duration must be more than 0 and at most 3600 seconds".into());
    }
    let plan = crate::soak::bots::SoakPlan {
        transport: args.transport,
        bots: usize::from(args.clients),
        duration: Duration::from_secs_f64(args.duration),
        impairment: args.impairment()?,
        sample_interval: Duration::from_secs(args.sample_interval.max(1)),
        session: (args.session_seconds > 0).then(|| Duration::from_secs(args.session_seconds)),
        rate: args.rate,
    };
    crate::soak::bots::run(&plan)
}

/// Puts the loss/delay relay between the clients and `endpoint` when one is asked for.
fn impaired(
    endpoint: Endpoint,
    impairment: Impairment,
) -> Result<(Endpoint, Option<Relay>), String> {
    if !impairment.is_active() {
        return Ok((endpoint, None));
    }
    let local = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    match endpoint {
        Endpoint::Enet { port, .. } => {
            let relay = netem::start_udp(local(port), impairment, 1)?;
            let port = relay.local_addr.port();
            Ok((
                Endpoint::Enet {
                    host: "127.0.0.1".into(),
                    port,
                },
                Some(relay),
            ))
        }
        Endpoint::Ws {
            port, tls: None, ..
        } => {
            let relay = netem::start_tcp(local(port), impairment, 1)?;
            let port = relay.local_addr.port();
            Ok((
                Endpoint::Ws {
                    host: "127.0.0.1".into(),
                    port,
                    tls: None,
                },
                Some(relay),
            ))
        }
        _ => Err("--loss, --latency and --jitter need --transport enet or ws".into()),
    }
}

fn bench(args: &BenchArgs) -> Result<bool, String> {
    if !(args.duration > 0.0 && args.duration <= 3600.0) {
        return Err("--duration must be more than 0 and at most 3600 seconds".into());
    }
    let impairment = args.impairment()?;
    let clients = usize::from(args.clients);
    let network = (args.transport == TransportKind::Sim)
        .then(|| SimulatedNetwork::new_real_time(11, NetworkConfig::default()));
    let shared = Arc::new(Shared::default());
    let traffic = Arc::new(Traffic::default());
    let (endpoint, server) = spawn_server(
        args.transport,
        clients,
        network,
        shared.clone(),
        traffic.clone(),
    )?;
    let (endpoint, _relay) = match impaired(endpoint, impairment) {
        Ok(relayed) => relayed,
        Err(message) => {
            stop(&shared, server, Vec::new());
            return Err(message);
        }
    };
    out!(
        "netscene bench: {clients} clients x {} pings/s over {}, {} s",
        args.rate,
        endpoint.describe(),
        args.duration
    );

    // Joining counts from the first client created to the last warm-up pong.
    let join_start = Instant::now();
    // Two bot threads from 50 clients on (the machine has two cores; the server has one).
    let threads = if clients >= 50 { 2 } else { 1 };
    let mut bot_threads = Vec::new();
    let per_thread = clients.div_ceil(threads);
    let mut first = 0;
    while first < clients {
        let count = per_thread.min(clients - first);
        let handle = spawn_bots(first, count, &endpoint, args.rate, shared.clone());
        match handle {
            Ok(handle) => bot_threads.push(handle),
            Err(message) => {
                stop(&shared, server, bot_threads);
                return Err(message);
            }
        }
        first += count;
    }

    let bar = ProgressBar::new(clients as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:24} [{bar:30}] {pos}/{len}")
            .expect("valid template"),
    );
    bar.set_message("connecting, first ping");
    let join_timeout = Duration::from_secs(20) + Duration::from_millis(20 * clients as u64);
    loop {
        let connected = shared.clients_connected.load(Ordering::Relaxed);
        bar.set_position(connected as u64);
        let warmed_up = shared.pongs_received.load(Ordering::Relaxed)
            >= shared.pings_sent.load(Ordering::Relaxed);
        if (connected == clients && warmed_up)
            || join_start.elapsed() > join_timeout
            || connected + shared.clients_failed.load(Ordering::Relaxed) >= clients
        {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let connected = shared.clients_connected.load(Ordering::Relaxed);
    let join_time = join_start.elapsed();

    let measure = Duration::from_secs_f64(args.duration);
    bar.set_length(measure.as_millis() as u64);
    bar.set_position(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:24} [{bar:30}] {elapsed}")
            .expect("valid template"),
    );
    let bytes_before = traffic.bytes();
    let rpcs_before = rpc_count(&shared);
    shared.phase.store(MEASURING, Ordering::Release);
    let measure_start = Instant::now();
    while measure_start.elapsed() < measure {
        bar.set_position(measure_start.elapsed().as_millis() as u64);
        bar.set_message(format!(
            "{} pings, {} pongs",
            shared.pings_sent.load(Ordering::Relaxed),
            shared.pongs_received.load(Ordering::Relaxed)
        ));
        thread::sleep(Duration::from_millis(50));
    }
    shared.phase.store(DRAINING, Ordering::Release);
    let measured = measure_start.elapsed();
    let bytes_after = traffic.bytes();
    let rpcs = rpc_count(&shared) - rpcs_before;

    bar.set_message("waiting for the last pongs");
    let drain_start = Instant::now();
    while shared.pongs_received.load(Ordering::Relaxed) < shared.pings_sent.load(Ordering::Relaxed)
        && drain_start.elapsed() < DRAIN_TIMEOUT
    {
        thread::sleep(Duration::from_millis(10));
    }
    bar.finish_and_clear();
    let (server_report, mut samples, mean_pass) = stop(&shared, server, bot_threads);

    let pings = shared.pings_sent.load(Ordering::Relaxed);
    let pongs = shared.pongs_received.load(Ordering::Relaxed);
    let lost = pings.saturating_sub(pongs);
    let cpu = server_report.and_then(|r| {
        let wall = r.wall.as_secs_f64();
        r.cpu
            .filter(|_| wall > 0.0)
            .map(|cpu| cpu.as_secs_f64() / wall * 100.0)
    });
    let up = bytes_after.1 - bytes_before.1;
    let down = bytes_after.0 - bytes_before.0;
    out!();
    out!("  transport                 {}", args.transport);
    out!(
        "  clients connected         {connected}/{clients} (in {:.2} s)",
        join_time.as_secs_f64()
    );
    out!(
        "  measured                  {:.2} s",
        measured.as_secs_f64()
    );
    out!(
        "  RPCs delivered            {} (ping + pong)",
        format_rate(rpcs, measured, "RPC")
    );
    out!(
        "  bytes up (to server)      {}",
        format_rate(up, measured, "B")
    );
    out!(
        "  bytes down (to clients)   {}",
        format_rate(down, measured, "B")
    );
    out!(
        "  server CPU                {}",
        cpu.map_or_else(|| "-".to_string(), |c| format!("{c:.1} % of one core"))
    );
    out!(
        "  round trip p50            {}",
        format_ms(samples.percentile(50.0))
    );
    out!(
        "  round trip p99            {}",
        format_ms(samples.percentile(99.0))
    );
    out!("  reliable RPCs lost        {lost} (of {pings} pings)");
    out!(
        "  bot threads               {threads}, {} clients each, {:.1} ms per pass",
        per_thread,
        mean_pass.as_secs_f64() * 1000.0
    );
    Ok(lost == 0 && connected == clients)
}

/// Pings the server handled plus pongs the clients received.
fn rpc_count(shared: &Shared) -> u64 {
    shared.pings_sent.load(Ordering::Relaxed) + shared.pongs_received.load(Ordering::Relaxed)
}

fn stop(
    shared: &Shared,
    server: JoinHandle<ServerReport>,
    bots: Vec<JoinHandle<BotsReport>>,
) -> (Option<ServerReport>, LatencySamples, Duration) {
    shared.phase.store(STOPPING, Ordering::Release);
    let mut samples = LatencySamples::default();
    let (mut passes, mut busy) = (0, Duration::ZERO);
    for handle in bots {
        if let Ok(report) = handle.join() {
            samples.extend(&report.samples);
            passes += report.passes;
            busy += report.busy;
        }
    }
    let mean_pass = busy.checked_div(passes.max(1) as u32).unwrap_or_default();
    (server.join().ok(), samples, mean_pass)
}
