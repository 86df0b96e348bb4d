//! The soak's bots and its report (see [the module docs](super)).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use netscene::variant::Vector2i;
use netscene::{MultiplayerEvent, NodeId, SceneMultiplayer, SceneTree};

use super::broken::{Broken, report_broken, timed_out_by_enet};
use super::child::{ServerChild, slope_per_minute};
use super::{
    FIN_ACK, SOAK_PATH, StreamReport, TICK, UNRELIABLE, fin_configs, is_reliable, streams,
    tick_config, unix_seconds,
};
use crate::arena::{MOVE_METHOD, add_arena_nodes, build_player, move_config};
use crate::lobby;
use crate::netem::{self, Impairment, Relay, Rng};
use crate::transport::{self, Endpoint, TransportKind};

/// What the soak runs.
#[derive(Debug, Clone)]
pub struct SoakPlan {
    /// Transport (enet or ws).
    pub transport: TransportKind,
    /// Bots.
    pub bots: usize,
    /// Seconds of play after every bot joined.
    pub duration: Duration,
    /// Loss and delay of the relay.
    pub impairment: Impairment,
    /// Seconds between two samples of the server's memory and CPU.
    pub sample_interval: Duration,
    /// Mean seconds a bot stays before it leaves and joins again (`None`: never leaves).
    pub session: Option<Duration>,
    /// Stream RPCs per second per bot (each of the four streams).
    pub rate: u32,
}

const JOINING: u8 = 0;
const PLAYING: u8 = 1;
const QUIET: u8 = 2;
const STOPPING: u8 = 3;

/// Longest wait for `fin_ack`; a bot that waited longer leaves anyway (counted as unacked).
const FIN_TIMEOUT: Duration = Duration::from_secs(30);
/// Moves per second per bot.
const MOVE_INTERVAL: Duration = Duration::from_millis(250);

/// One bot connection from join to leave: what it sent on each stream.
#[derive(Debug, Clone)]
struct Session {
    peer: i32,
    sent: [u64; 4],
    /// Ended by a disconnect the bot did not ask for (its streams may be cut short).
    broken: Option<Broken>,
}

#[derive(Default)]
struct Shared {
    phase: AtomicU8,
    connected: AtomicUsize,
    ever_connected: AtomicUsize,
    failures: AtomicU64,
    spawns: AtomicU64,
    despawns: AtomicU64,
    syncs: AtomicU64,
    moves: AtomicU64,
    ticks: AtomicU64,
    tick_gaps: AtomicU64,
    /// Sessions that left without `fin_ack` (their last calls may be lost by the close).
    unacked: AtomicU64,
    /// Bots done at the end (their fins acknowledged).
    finished: AtomicUsize,
    sessions: Mutex<Vec<Session>>,
}

/// Ticks a bot received, on its soak node.
#[derive(Debug, Default)]
struct Ticks {
    last: Option<i64>,
    last_at: Option<Instant>,
    received: u64,
    gaps: u64,
    fin_acked: bool,
}

struct Bot {
    tree: SceneTree,
    arena: NodeId,
    soak: NodeId,
    peer: i32,
    connected: bool,
    connected_at: Option<Instant>,
    seq: [i64; 4],
    sent: [u64; 4],
    next_send: Instant,
    next_move: Instant,
    leave_at: Option<Instant>,
    fin_sent: Option<Instant>,
    finished: bool,
}

fn new_bot(endpoint: &Endpoint, plan: &SoakPlan, rng: &mut Rng) -> Result<Bot, String> {
    let peer = transport::start_client(endpoint)?;
    let mut mp = SceneMultiplayer::new();
    mp.set_multiplayer_peer(Some(peer))
        .map_err(|e| format!("bot: {e}"))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    lobby::install_client(&mut tree);
    let (arena, _) = add_arena_nodes(&mut tree, build_player);
    tree.on_rpc(arena, MOVE_METHOD, move_config(), |_, (_,): (Vector2i,)| {})
        .map_err(|e| e.to_string())?;
    let soak = tree.add_path(SOAK_PATH).map_err(|e| e.to_string())?;
    for (method, config) in streams() {
        tree.on_rpc(soak, method, config, |_, (_,): (i64,)| {})
            .map_err(|e| e.to_string())?;
    }
    tree.node_mut(soak)
        .ok_or("soak node")?
        .set_state(Ticks::default());
    tree.on_rpc(soak, TICK, tick_config(), |ctx, (n,): (i64,)| {
        if let Some(ticks) = ctx.state_mut::<Ticks>() {
            if ticks.last.is_some_and(|last| n != last + 1) {
                ticks.gaps += 1;
            }
            ticks.last = Some(n);
            ticks.last_at = Some(Instant::now());
            ticks.received += 1;
        }
    })
    .map_err(|e| e.to_string())?;
    for (method, config) in fin_configs() {
        tree.on_rpc(soak, method, config, |_, ()| {})
            .map_err(|e| e.to_string())?;
    }
    tree.on_rpc(soak, FIN_ACK, tick_config(), |ctx, ()| {
        if let Some(ticks) = ctx.state_mut::<Ticks>() {
            ticks.fin_acked = true;
        }
    })
    .map_err(|e| e.to_string())?;
    let now = Instant::now();
    let leave_at = plan
        .session
        .map(|mean| now + mean.mul_f64(0.5 + rng.unit()));
    Ok(Bot {
        tree,
        arena,
        soak,
        peer: 0,
        connected: false,
        connected_at: None,
        seq: [0; 4],
        sent: [0; 4],
        next_send: now,
        next_move: now,
        leave_at,
        fin_sent: None,
        finished: false,
    })
}

/// Ends a bot's session: its counts go to the report, its ticks to the totals.
fn end_session(bot: &mut Bot, shared: &Shared, broken: bool) {
    let mut last_tick = None;
    if let Some(ticks) = bot
        .tree
        .node_mut(bot.soak)
        .and_then(|n| n.state_mut::<Ticks>())
    {
        shared.ticks.fetch_add(ticks.received, Ordering::Relaxed);
        shared.tick_gaps.fetch_add(ticks.gaps, Ordering::Relaxed);
        last_tick = ticks.last_at;
    }
    let broken = broken.then(|| Broken {
        at: unix_seconds(),
        connected_for: bot
            .connected_at
            .map_or(0.0, |at| at.elapsed().as_secs_f64()),
        silence: last_tick.map(|at| at.elapsed().as_secs_f64()),
    });
    if bot.peer != 0 {
        shared
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Session {
                peer: bot.peer,
                sent: bot.sent,
                broken,
            });
    }
    if bot.connected {
        shared.connected.fetch_sub(1, Ordering::Relaxed);
    }
    if let Some(peer) = bot
        .tree
        .multiplayer("")
        .and_then(|mp| mp.get_multiplayer_peer_mut())
    {
        peer.close();
    }
}

fn step_bot(bot: &mut Bot, plan: &SoakPlan, shared: &Shared, phase: u8, rng: &mut Rng) -> bool {
    if let Err(error) = bot.tree.poll() {
        tracing::debug!(%error, "bot poll");
    }
    let mut broken = false;
    for event in bot.tree.drain_events("") {
        match event {
            MultiplayerEvent::ConnectedToServer => {
                bot.connected = true;
                bot.connected_at = Some(Instant::now());
                bot.peer = bot.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id());
                shared.connected.fetch_add(1, Ordering::Relaxed);
                shared.ever_connected.fetch_add(1, Ordering::Relaxed);
            }
            MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                broken = true;
            }
            MultiplayerEvent::Spawned { .. } => {
                shared.spawns.fetch_add(1, Ordering::Relaxed);
            }
            MultiplayerEvent::Despawned { .. } => {
                shared.despawns.fetch_add(1, Ordering::Relaxed);
            }
            MultiplayerEvent::Synchronized { .. } | MultiplayerEvent::DeltaSynchronized { .. } => {
                shared.syncs.fetch_add(1, Ordering::Relaxed);
            }
            _ => {}
        }
    }
    if broken {
        shared.failures.fetch_add(1, Ordering::Relaxed);
        end_session(bot, shared, true);
        return false;
    }
    let now = Instant::now();
    let leaving = phase >= QUIET || bot.leave_at.is_some_and(|at| now >= at);
    if bot.connected && phase == PLAYING && !leaving {
        let interval = Duration::from_secs_f64(1.0 / f64::from(plan.rate));
        if now >= bot.next_send {
            bot.next_send = (bot.next_send + interval).max(now - interval);
            for (i, (method, _)) in streams().iter().enumerate() {
                let args = [bot.seq[i].into()];
                if bot.tree.rpc_id(bot.soak, 1, method, &args).is_ok() {
                    bot.seq[i] += 1;
                    bot.sent[i] += 1;
                }
            }
        }
        if now >= bot.next_move {
            bot.next_move = now + MOVE_INTERVAL;
            let direction = Vector2i {
                x: (rng.next_u64() % 3) as i32 - 1,
                y: (rng.next_u64() % 3) as i32 - 1,
            };
            if bot
                .tree
                .rpc_id(bot.arena, 1, MOVE_METHOD, &[direction.into()])
                .is_ok()
            {
                shared.moves.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    if !leaving || !bot.connected || bot.finished {
        return true;
    }
    let Some(fin_sent) = bot.fin_sent else {
        for (method, _) in fin_configs() {
            if let Err(error) = bot.tree.rpc_id(bot.soak, 1, method, &[]) {
                tracing::warn!(%error, "fin not sent");
            }
        }
        bot.fin_sent = Some(now);
        return true;
    };
    let acked = bot
        .tree
        .node(bot.soak)
        .and_then(|n| n.state::<Ticks>())
        .is_some_and(|t| t.fin_acked);
    let timed_out = now.duration_since(fin_sent) > FIN_TIMEOUT;
    if !acked && !timed_out {
        return true;
    }
    if !acked {
        shared.unacked.fetch_add(1, Ordering::Relaxed);
    }
    if phase >= QUIET {
        // The end: stay connected (the report is asked for next), counted once.
        bot.finished = true;
        shared.finished.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    end_session(bot, shared, false);
    false
}

fn run_bots(count: usize, endpoint: Endpoint, plan: SoakPlan, shared: Arc<Shared>, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut bots: Vec<Bot> = Vec::with_capacity(count);
    for _ in 0..count {
        match new_bot(&endpoint, &plan, &mut rng) {
            Ok(bot) => bots.push(bot),
            Err(error) => {
                tracing::error!(%error, "bot not started");
                shared.failures.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let pass = Duration::from_millis((count as u64 / 25).clamp(1, 10));
    loop {
        let phase = shared.phase.load(Ordering::Acquire);
        if phase == STOPPING {
            break;
        }
        let started = Instant::now();
        for slot in bots.iter_mut() {
            if !step_bot(slot, &plan, &shared, phase, &mut rng) {
                // Left (or dropped): a new connection takes its place.
                match new_bot(&endpoint, &plan, &mut rng) {
                    Ok(bot) => *slot = bot,
                    Err(error) => tracing::error!(%error, "bot not restarted"),
                }
            }
        }
        thread::sleep(
            pass.saturating_sub(started.elapsed())
                .max(Duration::from_micros(500)),
        );
    }
    for bot in &mut bots {
        end_session(bot, &shared, false);
    }
}

/// Runs the soak; `Ok(true)` when every guarantee held.
pub fn run(plan: &SoakPlan) -> Result<bool, String> {
    let (mut server, port) = ServerChild::start(plan)?;
    let server_addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let relay: Option<Relay> = match plan.transport {
        TransportKind::Enet => Some(netem::start_udp(server_addr, plan.impairment, 1)?),
        TransportKind::Ws => Some(netem::start_tcp(server_addr, plan.impairment, 1)?),
        TransportKind::Sim => return Err("the soak needs --transport enet or ws".into()),
    };
    let front = relay.as_ref().map_or(port, |r| r.local_addr.port());
    let endpoint = match plan.transport {
        TransportKind::Ws => Endpoint::Ws {
            host: "127.0.0.1".into(),
            port: front,
            tls: None,
        },
        _ => Endpoint::Enet {
            host: "127.0.0.1".into(),
            port: front,
        },
    };
    out!(
        "netscene bench --game arena: {} bots over {} through a relay ({:.1} % loss, {} ± {} ms), {} s",
        plan.bots,
        plan.transport,
        plan.impairment.loss * 100.0,
        plan.impairment.latency.as_millis(),
        plan.impairment.jitter.as_millis(),
        plan.duration.as_secs()
    );
    let shared = Arc::new(Shared::default());
    shared.phase.store(JOINING, Ordering::Release);
    let threads = if plan.bots >= 50 { 2 } else { 1 };
    let per_thread = plan.bots.div_ceil(threads);
    let mut handles: Vec<JoinHandle<()>> = Vec::new();
    let mut first = 0;
    while first < plan.bots {
        let count = per_thread.min(plan.bots - first);
        let (endpoint, plan, shared) = (endpoint.clone(), plan.clone(), shared.clone());
        let seed = 100 + first as u64;
        handles.push(
            thread::Builder::new()
                .name(format!("soak-bots-{first}"))
                .spawn(move || run_bots(count, endpoint, plan, shared, seed))
                .map_err(|e| format!("bot thread: {e}"))?,
        );
        first += count;
    }

    let join_start = Instant::now();
    let join_timeout = Duration::from_secs(30) + Duration::from_millis(100 * plan.bots as u64);
    while shared.connected.load(Ordering::Relaxed) < plan.bots
        && join_start.elapsed() < join_timeout
    {
        thread::sleep(Duration::from_millis(50));
    }
    let joined = shared.connected.load(Ordering::Relaxed);
    let join_time = join_start.elapsed();
    out!(
        "  joined                    {joined}/{} in {:.1} s",
        plan.bots,
        join_time.as_secs_f64()
    );

    shared.phase.store(PLAYING, Ordering::Release);
    let drops_before = crate::stats::udp_buffer_drops();
    let start = Instant::now();
    let first_sample = server.sample();
    let mut rss_samples: Vec<(f64, u64)> = Vec::new();
    let mut next_sample = start;
    while start.elapsed() < plan.duration {
        if Instant::now() >= next_sample {
            next_sample += plan.sample_interval;
            if let Some((rss, cpu)) = server.sample() {
                let t = start.elapsed().as_secs_f64();
                rss_samples.push((t, rss));
                out!(
                    "  t={t:>5.0} s  server RSS {rss} KiB, CPU {:.1} s, bots connected {}, syncs {}",
                    cpu.as_secs_f64(),
                    shared.connected.load(Ordering::Relaxed),
                    shared.syncs.load(Ordering::Relaxed)
                );
            }
        }
        thread::sleep(Duration::from_millis(50));
    }
    let played = start.elapsed();
    let kernel_drops = crate::stats::udp_buffer_drops_since(drops_before);
    let last_sample = server.sample();
    shared.phase.store(QUIET, Ordering::Release);
    // Every bot's fins acknowledged (or timed out): its reliable calls all arrived.
    let quiet = Instant::now();
    while shared.finished.load(Ordering::Relaxed) < plan.bots
        && quiet.elapsed() < FIN_TIMEOUT + Duration::from_secs(30)
    {
        thread::sleep(Duration::from_millis(20));
    }
    let server_report = server.report()?;
    let ticks_sent = server_report.ticks;
    shared.phase.store(STOPPING, Ordering::Release);
    for handle in handles {
        let _ = handle.join();
    }
    server.stop();
    if let Some(relay) = &relay {
        out!(
            "  relay                     {} packets forwarded, {} lost{}",
            relay.counters.forwarded.load(Ordering::Relaxed),
            relay.counters.lost.load(Ordering::Relaxed),
            if plan.transport == TransportKind::Ws {
                " (TCP: delivered late, as retransmitted)"
            } else {
                ""
            }
        );
    }

    if let Some(drops) = kernel_drops {
        out!(
            "  kernel UDP buffer drops   {drops} (socket buffers full: loss the relay did not choose)"
        );
    }

    let by_stream: HashMap<(i32, &str), &StreamReport> = server_report
        .streams
        .iter()
        .map(|r| ((r.peer, r.method.as_str()), r))
        .collect();
    let sessions = shared
        .sessions
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let broken = sessions.iter().filter(|s| s.broken.is_some()).count();
    let mut sent = [0u64; 4];
    let mut received = [0u64; 4];
    let mut lost = [0u64; 4];
    let mut out_of_order = [0u64; 4];
    for session in sessions.iter().filter(|s| s.broken.is_none()) {
        for (i, (method, _)) in streams().iter().enumerate() {
            let report = by_stream.get(&(session.peer, *method));
            let got = report.map_or(0, |r| r.received);
            sent[i] += session.sent[i];
            received[i] += got;
            if is_reliable(method) {
                lost[i] += session.sent[i].saturating_sub(got);
            }
            if *method != UNRELIABLE {
                out_of_order[i] += report.map_or(0, |r| r.out_of_order);
            }
        }
    }
    let names = streams().map(|(m, _)| m);
    for i in 0..4 {
        out!(
            "  {:<25} sent {}, received {}, lost {}, out of order {}",
            names[i],
            sent[i],
            received[i],
            if is_reliable(names[i]) {
                lost[i].to_string()
            } else {
                format!("{} (allowed)", sent[i].saturating_sub(received[i]))
            },
            out_of_order[i]
        );
    }
    let ticks = shared.ticks.load(Ordering::Relaxed);
    let tick_gaps = shared.tick_gaps.load(Ordering::Relaxed);
    out!(
        "  tick (server → bots)      {ticks} received by the bots ({ticks_sent} broadcasts), gaps {tick_gaps}"
    );
    out!(
        "  moves sent                {}",
        shared.moves.load(Ordering::Relaxed)
    );
    out!(
        "  spawns / despawns seen    {} / {}",
        shared.spawns.load(Ordering::Relaxed),
        shared.despawns.load(Ordering::Relaxed)
    );
    out!(
        "  syncs applied             {} ({:.0}/s)",
        shared.syncs.load(Ordering::Relaxed),
        shared.syncs.load(Ordering::Relaxed) as f64 / played.as_secs_f64()
    );
    let unacked = shared.unacked.load(Ordering::Relaxed);
    let broken_sessions: Vec<(i32, Broken)> = sessions
        .iter()
        .filter_map(|s| Some((s.peer, s.broken?)))
        .collect();
    let timed_out = timed_out_by_enet(&broken_sessions, relay.as_ref());
    let unexplained = broken - timed_out.len();
    out!(
        "  sessions                  {} ({} joins; broken {broken}: {} ENet timeouts, {unexplained} unexplained; {unacked} left without fin_ack)",
        sessions.len(),
        shared.ever_connected.load(Ordering::Relaxed),
        timed_out.len(),
    );
    report_broken(&broken_sessions, &server_report.dropped, &timed_out);
    if let (Some((_, cpu0)), Some((_, cpu1))) = (first_sample, last_sample) {
        out!(
            "  server CPU                {:.1} % of one core",
            (cpu1.saturating_sub(cpu0)).as_secs_f64() / played.as_secs_f64() * 100.0
        );
    }
    // Warm-up: the first sample (or the first 20 % of the run) is left out of the slope.
    let warm = plan.duration.as_secs_f64() * 0.2;
    let steady: Vec<(f64, u64)> = rss_samples
        .iter()
        .copied()
        .filter(|s| s.0 >= warm)
        .collect();
    out!(
        "  server RSS                {} KiB → {} KiB, slope after warm-up {}",
        rss_samples.first().map_or(0, |s| s.1),
        rss_samples.last().map_or(0, |s| s.1),
        slope_per_minute(&steady).map_or("-".into(), |s| format!("{s:+.0} KiB/min"))
    );
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    out!(
        "  load average              {}",
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let lost_total: u64 = lost.iter().sum();
    let disorder: u64 = out_of_order.iter().sum();
    let ok = joined == plan.bots
        && lost_total == 0
        && disorder == 0
        && tick_gaps == 0
        && unexplained == 0
        && unacked == 0;
    out!(
        "  result                    {}",
        if ok { "ok" } else { "FAILED" }
    );
    Ok(ok)
}
