//! The bench's bot clients: each thread polls its share of the clients, sends their pings on
//! schedule and records the round trips of their pongs. Over ENet a thread's clients share
//! one `ENetClientGroup`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use netscene::peer::MultiplayerPeer;
use netscene::{MultiplayerEvent, NodeId, SceneMultiplayer, SceneTree};
use netscene_enet::ENetClientGroup;

use crate::bench::{JOINING, MEASURING, STOPPING, Shared, install_bench_node};
use crate::stats::LatencySamples;
use crate::transport::{self, Endpoint};
use crate::world::now_us;

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
pub(crate) struct BotsReport {
    pub(crate) samples: LatencySamples,
    /// Passes over all its clients while measuring, and their total time.
    pub(crate) passes: u64,
    pub(crate) busy: Duration,
}

/// The socket buffers of a bot thread's shared ENet socket, which carries the traffic of
/// thousands of clients.
const BOT_GROUP_SOCKET_BUFFER: usize = 32 << 20;

/// Where a bot thread's passes fall among those of the other bot threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassPhase {
    /// The instant every bot thread counts its passes from.
    pub(crate) epoch: Instant,
    /// This thread's index, of `threads`.
    pub(crate) thread: usize,
    pub(crate) threads: usize,
}

pub(crate) fn spawn_bots(
    first: usize,
    count: usize,
    endpoint: &Endpoint,
    rate: u32,
    phase: PassPhase,
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
        .spawn(move || run_bots(bots, group, interval, phase, &shared))
        .map_err(|e| format!("cannot start a bot thread: {e}"))
}

fn run_bots(
    mut bots: Vec<Bot>,
    group: Option<ENetClientGroup>,
    interval: Duration,
    phase: PassPhase,
    shared: &Shared,
) -> BotsReport {
    yield_to_server();
    let mut report = BotsReport {
        samples: LatencySamples::default(),
        passes: 0,
        busy: Duration::ZERO,
    };
    // A pass over many clients costs CPU the server needs: pace the passes (1 ms for a few
    // clients, 20 ms for 500), which adds at most that much to the measured round trips.
    let pass = Duration::from_millis((bots.len() as u64 / 25).clamp(1, 20));
    let mut clock = PassClock::new(pass, phase);
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
        clock.wait();
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

/// The nice value of the bot threads: above the server's 0, so the server gets a core when
/// it wants one and the bots take the rest.
pub(crate) const BOT_NICE: i32 = 10;

/// Lowers this bot thread's priority to [`BOT_NICE`]. The bots are the measuring instrument:
/// on a real deployment the server has its cores to itself, and here a bot thread that
/// wakes for its pass would otherwise take the server's core for a few milliseconds, often
/// enough to hold up one poll in twenty by 15 to 80 ms.
fn yield_to_server() {
    #[cfg(target_os = "linux")]
    if let Err(error) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), BOT_NICE)
    {
        tracing::debug!(%error, "bot thread priority not lowered");
    }
}

/// The start of each pass of a bot thread: every `period` on a grid shared by the bot
/// threads, each thread at its own phase. Passes that take turns leave the server a core;
/// when two bot threads each pace only themselves, their passes drift into step about half
/// the time, and then the server waits for a core (runs of the same 4 095-client bench
/// split into p99 57–102 ms and 128–286 ms that way).
struct PassClock {
    next: Instant,
    period: Duration,
}

impl PassClock {
    fn new(period: Duration, phase: PassPhase) -> Self {
        let offset = period.mul_f64(phase.thread as f64 / phase.threads.max(1) as f64);
        Self {
            next: phase.epoch + offset,
            period,
        }
    }

    /// Sleeps until the next pass is due. A pass that ran late is followed at once by the
    /// next, and one more than a period late gives up the missed passes, keeping the grid.
    fn wait(&mut self) {
        self.next += self.period;
        let now = Instant::now();
        if let Some(early) = self.next.checked_duration_since(now) {
            thread::sleep(early);
        } else {
            let late = now - self.next;
            if late > self.period {
                let missed = late.as_nanos() / self.period.as_nanos();
                self.next += self.period * u32::try_from(missed).unwrap_or(u32::MAX);
            }
        }
    }
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
