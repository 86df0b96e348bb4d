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
use netscene::peer::simulated::{NetworkConfig, SimulatedNetwork};
use netscene::{MultiplayerEvent, NodeId, RpcConfig, SceneMultiplayer, SceneTree};

use crate::bench_bots::{BOT_NICE, BotsReport, PassPhase, spawn_bots};
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
    /// The server's memory per peer slot and per connected client, the transport's peer
    /// alone and the whole stack (ENet or WebSocket).
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
pub(crate) const JOINING: u8 = 0;
pub(crate) const MEASURING: u8 = 1;
const DRAINING: u8 = 2;
pub(crate) const STOPPING: u8 = 3;

/// Longest waits for the clients to connect and for the last pongs.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Counters every thread updates.
#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) phase: AtomicU8,
    pub(crate) clients_connected: AtomicUsize,
    pub(crate) clients_failed: AtomicUsize,
    pub(crate) pings_sent: AtomicU64,
    pub(crate) pongs_received: AtomicU64,
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
        return match crate::memory::serve(stack, args.transport, usize::from(args.clients)) {
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
        BenchGame::Memory => crate::memory::run(args.transport, usize::from(args.clients)),
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
        for event in tree.drain_events("") {
            if let MultiplayerEvent::RpcRejected { .. } | MultiplayerEvent::PacketRejected { .. } =
                event
            {
                tracing::warn!(?event, "server refused");
            }
        }
        sleep_rest_of_tick(began);
    }
    report
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
    let drops_at_start = crate::stats::udp_buffer_drops();
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
    let epoch = Instant::now();
    while first < clients {
        let count = per_thread.min(clients - first);
        let phase = PassPhase {
            epoch,
            thread: bot_threads.len(),
            threads,
        };
        let handle = spawn_bots(first, count, &endpoint, args.rate, phase, shared.clone());
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
    let drops_before = crate::stats::udp_buffer_drops();
    let joining_drops = crate::stats::udp_buffer_drops_since(drops_at_start);
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
    let kernel_drops = crate::stats::udp_buffer_drops_since(drops_before);

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
    if let (Some(measuring), Some(joining)) = (kernel_drops, joining_drops) {
        out!(
            "  kernel UDP buffer drops   {measuring} while measuring, {joining} while joining \
             (full socket buffers)"
        );
        if measuring + joining > 0 && args.transport == TransportKind::Enet {
            // Each drop costs ENet a retransmission timeout, late in a busy run: seconds.
            out!(
                "                            raise net.core.rmem_max and wmem_max (e.g. to \
                 33554432) or run as root, which lifts them"
            );
        }
    }
    out!(
        "  bot threads               {threads}, {} clients each, {:.1} ms per pass, nice {BOT_NICE}",
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
