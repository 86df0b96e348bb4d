//! `netscene demo`: a server and N bots in one process playing a small game that uses the
//! whole API: token authentication, lobby chat (any_peer RPCs the server rebroadcasts),
//! avatars the server owns (authority RPCs), whispers and raw bytes between bots through
//! the server relay, and leaving. Exits 0 only when every reliable message arrived.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use netscene::peer::simulated::{LinkConditions, NetworkConfig, SimulatedNetwork};
use netscene::{
    MultiplayerApi, MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree, TransferMode,
};

use crate::counting::{CountingPeer, Traffic};
use crate::lobby::{self, LobbyEvent};
use crate::stats::{LatencySamples, format_ms, format_rate};
use crate::transport::{self, Endpoint, TransportKind};
use crate::world::{self, BotWorld, ServerWorld};
use crate::{logging, token_auth};

/// Arguments of `netscene demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Number of bot clients.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    bots: u16,
    /// Seconds of play (after everyone joined).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Transport: real ENet on 127.0.0.1, or the in-process simulated network.
    #[arg(long, value_enum, default_value_t = TransportKind::Enet)]
    transport: TransportKind,
    /// Packet loss probability on each simulated link, 0 to 0.9 (sim only).
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// One-way latency of each simulated link, in milliseconds (sim only).
    #[arg(long, default_value_t = 0)]
    latency: u64,
}

/// The token the bots authenticate with.
const TOKEN: &str = "netscene-demo";
/// Each bot acts this often (moves every tick, talks now and then).
const BOT_TICK: Duration = Duration::from_millis(50);
/// Longest wait for everyone to join, for the last messages, and for everyone to leave.
const JOIN_TIMEOUT: Duration = Duration::from_secs(20);
const DRAIN_TIMEOUT: Duration = Duration::from_secs(15);
const LEAVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs the demo.
pub fn run(args: DemoArgs) -> ExitCode {
    // The library warns about benign races (a leaving peer told about another leaving peer);
    // the demo shows only errors unless RUST_LOG asks for more.
    logging::init(
        logging::LogFormat::Text,
        logging::LogTarget::Stderr,
        "error",
    );
    match demo(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn check(args: &DemoArgs) -> Result<Option<SimulatedNetwork>, String> {
    if !(args.duration > 0.0 && args.duration <= 86_400.0) {
        return Err("--duration must be between 0 and 86400 seconds".into());
    }
    if !(0.0..=0.9).contains(&args.loss) {
        return Err("--loss must be between 0 and 0.9".into());
    }
    match args.transport {
        TransportKind::Sim => {
            let link = LinkConditions::default()
                .with_latency(Duration::from_millis(args.latency.min(10_000)))
                .with_loss(args.loss);
            let config = NetworkConfig {
                default_link: link,
                ..NetworkConfig::default()
            };
            Ok(Some(SimulatedNetwork::new_real_time(7, config)))
        }
        _ if args.loss > 0.0 || args.latency > 0 => {
            Err("--loss and --latency shape the simulated network: add --transport sim".into())
        }
        _ => Ok(None),
    }
}

/// One bot: its own tree (`/root/Lobby`, `/root/World`) and what it sent and received.
struct Bot {
    name: String,
    tree: SceneTree,
    lobby: NodeId,
    world: NodeId,
    id: PeerId,
    connected: bool,
    lost: bool,
    players: Vec<PeerId>,
    names: std::collections::BTreeMap<PeerId, String>,
    /// What this bot saw, for the narration (only the first bot narrates).
    narration: Option<Vec<String>>,
    rng: u64,
    ticks: u64,
    sent: Reliable,
    received: Reliable,
    inputs_sent: u64,
}

/// Reliable messages by kind.
#[derive(Debug, Default, Clone, Copy)]
struct Reliable {
    register: u64,
    chat: u64,
    receive_chat: u64,
    update_players: u64,
    whisper: u64,
    raw: u64,
}

impl Reliable {
    fn total(&self) -> u64 {
        self.register
            + self.chat
            + self.receive_chat
            + self.update_players
            + self.whisper
            + self.raw
    }

    fn add(&mut self, other: &Reliable) {
        self.register += other.register;
        self.chat += other.chat;
        self.receive_chat += other.receive_chat;
        self.update_players += other.update_players;
        self.whisper += other.whisper;
        self.raw += other.raw;
    }
}

impl Bot {
    fn new(index: usize, endpoint: &Endpoint) -> Result<Self, String> {
        let peer = transport::start_client(endpoint)?;
        let mut mp = SceneMultiplayer::new();
        token_auth::expect_server_auth(&mut mp);
        mp.set_multiplayer_peer(Some(peer))
            .map_err(|e| format!("bot {index}: {e}"))?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = lobby::install_client(&mut tree);
        let world = world::install_bot(&mut tree);
        Ok(Self {
            name: format!("bot-{}", index + 1),
            tree,
            lobby,
            world,
            id: 0,
            connected: false,
            lost: false,
            players: Vec::new(),
            names: Default::default(),
            narration: (index == 0).then(Vec::new),
            rng: 0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d),
            ticks: index as u64 * 7,
            sent: Reliable::default(),
            received: Reliable::default(),
            inputs_sent: 0,
        })
    }

    fn random(&mut self) -> u64 {
        // xorshift64: enough to vary the bots' behaviour.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Polls the bot's network and takes in what arrived.
    fn poll(&mut self) {
        if let Err(error) = self.tree.poll() {
            tracing::debug!(bot = %self.name, %error, "poll");
        }
        for event in self.tree.drain_events("") {
            if let Some(mp) = self.tree.scene_multiplayer("")
                && token_auth::answer_server(mp, &event, TOKEN)
            {
                continue;
            }
            match event {
                MultiplayerEvent::ConnectedToServer => {
                    self.connected = true;
                    self.id = self.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id());
                    let name = self.name.clone();
                    if self
                        .tree
                        .rpc_id(self.lobby, 1, "register", &[name.into()])
                        .is_ok()
                    {
                        self.sent.register += 1;
                    }
                }
                MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                    self.lost = true;
                }
                MultiplayerEvent::PeerPacket { from, data } => {
                    self.received.raw += 1;
                    let line = format!(
                        "{} got raw bytes from {} (relayed): {:?}",
                        self.name,
                        self.name_of(from),
                        String::from_utf8_lossy(&data)
                    );
                    self.narrate(line);
                }
                MultiplayerEvent::RpcRejected { method, reason, .. } => {
                    tracing::warn!(bot = %self.name, %method, %reason, "RPC refused");
                }
                _ => {}
            }
        }
        let whispers = self
            .tree
            .node_mut(self.world)
            .and_then(|node| node.state_mut::<BotWorld>())
            .map(|state| std::mem::take(&mut state.whispers))
            .unwrap_or_default();
        for (from, text) in whispers {
            let line = format!(
                "{} got a whisper from {} (RPC relayed by the server): {text:?}",
                self.name,
                self.name_of(from)
            );
            self.narrate(line);
        }
        for event in lobby::take_client_events(&mut self.tree, self.lobby) {
            match event {
                LobbyEvent::Chat { from, text } => {
                    self.received.receive_chat += 1;
                    let line = format!("[chat] {}: {text}", self.name_of(from));
                    self.narrate(line);
                }
                LobbyEvent::Players(players) => {
                    self.received.update_players += 1;
                    self.players = players.keys().copied().collect();
                    self.names = players;
                }
            }
        }
    }

    fn name_of(&self, peer: PeerId) -> String {
        self.names
            .get(&peer)
            .cloned()
            .unwrap_or_else(|| format!("peer {peer}"))
    }

    fn narrate(&mut self, line: String) {
        if let Some(narration) = &mut self.narration {
            narration.push(line);
        }
    }

    /// One game tick: move; now and then chat, whisper and send raw bytes to another bot.
    fn act(&mut self) {
        if !self.connected || self.lost {
            return;
        }
        self.ticks += 1;
        let dx = (self.random() % 3) as f32 - 1.0;
        let dy = (self.random() % 3) as f32 - 1.0;
        let input = [dx.into(), dy.into(), world::now_us().into()];
        if self.tree.rpc_id(self.world, 1, "input", &input).is_ok() {
            self.inputs_sent += 1;
        }
        // About once a second each: chat to everyone, whisper and raw bytes to one bot.
        match self.ticks % 20 {
            0 => {
                let line = format!("hello from {} (tick {})", self.name, self.ticks);
                if self
                    .tree
                    .rpc_id(self.lobby, 1, "chat", &[line.into()])
                    .is_ok()
                {
                    self.sent.chat += 1;
                }
            }
            10 => {
                let Some(other) = self.pick_other() else {
                    return;
                };
                let text = format!("psst from {}", self.name);
                if self
                    .tree
                    .rpc_id(self.world, other, "whisper", &[text.as_str().into()])
                    .is_ok()
                {
                    self.sent.whisper += 1;
                }
                let Some(mp) = self.tree.scene_multiplayer("") else {
                    return;
                };
                if mp
                    .send_bytes(text.as_bytes(), other, TransferMode::Reliable, 0)
                    .is_ok()
                {
                    self.sent.raw += 1;
                }
            }
            _ => {}
        }
    }

    /// Another registered bot this one can reach through the relay.
    fn pick_other(&mut self) -> Option<PeerId> {
        let reachable = self.tree.multiplayer("").map(|mp| mp.get_peers())?;
        let candidates: Vec<PeerId> = self
            .players
            .iter()
            .copied()
            .filter(|&p| p != self.id && reachable.contains(&p))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let pick = self.random() as usize % candidates.len();
        Some(candidates[pick])
    }

    fn take_round_trips(&mut self) -> Vec<Duration> {
        self.tree
            .node_mut(self.world)
            .and_then(|node| node.state_mut::<BotWorld>())
            .map(|state| std::mem::take(&mut state.round_trips))
            .unwrap_or_default()
    }

    fn world_counts(&self) -> (u64, u64) {
        self.tree
            .node(self.world)
            .and_then(|node| node.state::<BotWorld>())
            .map_or((0, 0), |state| {
                (state.moves_received, state.whispers_received)
            })
    }

    fn leave(&mut self) {
        if let Some(peer) = self
            .tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer_mut())
        {
            peer.close();
        }
    }
}

/// The server: its tree, node ids and traffic counters.
struct Server {
    tree: SceneTree,
    lobby: NodeId,
    world: NodeId,
    traffic: std::sync::Arc<Traffic>,
    joined: u64,
    left: u64,
    refused: u64,
    narration: Vec<String>,
    /// Registered names seen so far, to tell who joined and who left.
    known: std::collections::BTreeMap<PeerId, String>,
}

impl Server {
    fn start(
        kind: TransportKind,
        network: Option<&SimulatedNetwork>,
        bots: usize,
    ) -> Result<(Self, Endpoint), String> {
        let (peer, endpoint) = transport::start_server(kind, "127.0.0.1", 0, bots.max(1), network)?;
        let traffic = std::sync::Arc::new(Traffic::default());
        let mut mp = SceneMultiplayer::new();
        token_auth::require_token(&mut mp, TOKEN.into());
        mp.set_multiplayer_peer(Some(Box::new(CountingPeer::new(peer, traffic.clone()))))
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = lobby::install_server(&mut tree);
        let world = world::install_server(&mut tree);
        Ok((
            Self {
                tree,
                lobby,
                world,
                traffic,
                joined: 0,
                left: 0,
                refused: 0,
                narration: Vec::new(),
                known: Default::default(),
            },
            endpoint,
        ))
    }

    fn poll(&mut self) {
        if let Err(error) = self.tree.poll() {
            tracing::debug!(%error, "server poll");
        }
        for event in self.tree.drain_events("") {
            match event {
                MultiplayerEvent::PeerConnected(_) => self.joined += 1,
                MultiplayerEvent::PeerDisconnected(peer) => {
                    self.left += 1;
                    let name = self.known.get(&peer).cloned().unwrap_or_default();
                    self.narration
                        .push(format!("server: {name} (peer {peer}) left; players updated"));
                    lobby::server_peer_left(&mut self.tree, self.lobby, peer);
                }
                MultiplayerEvent::RpcRejected {
                    from,
                    method,
                    reason,
                    ..
                } => {
                    self.refused += 1;
                    tracing::warn!(peer = from, %method, %reason, "server refused an RPC");
                }
                MultiplayerEvent::PacketRejected { from, error } => {
                    self.refused += 1;
                    tracing::warn!(peer = from, %error, "server dropped a packet");
                }
                _ => {}
            }
        }
    }

    /// Narrates players who registered since the last call.
    fn notice_registrations(&mut self) {
        let Some(state) = self
            .tree
            .node(self.lobby)
            .and_then(|node| node.state::<lobby::ServerLobby>())
        else {
            return;
        };
        for (peer, name) in &state.players {
            if !self.known.contains_key(peer) {
                self.known.insert(*peer, name.clone());
                self.narration.push(format!(
                    "server: peer {peer} authenticated with the token and registered as {name}"
                ));
            }
        }
    }

    fn peers(&mut self) -> usize {
        self.tree
            .multiplayer("")
            .map_or(0, |mp| mp.get_peers().len())
    }

    /// Reliable messages the server received (`received`) and sent (`sent`), and the
    /// unreliable counts `(inputs handled, avatar updates sent)`.
    fn counts(&self) -> (Reliable, Reliable, u64) {
        let counters = lobby::server_counters(&self.tree, self.lobby);
        let received = Reliable {
            register: counters.register_received,
            chat: counters.chat_received,
            ..Reliable::default()
        };
        let sent = Reliable {
            receive_chat: counters.receive_chat_sent,
            update_players: counters.update_players_sent,
            ..Reliable::default()
        };
        let moves_sent = self
            .tree
            .node(self.world)
            .and_then(|node| node.state::<ServerWorld>())
            .map_or(0, |state| state.moves_sent);
        (received, sent, moves_sent)
    }
}

/// Totals over the server and every bot.
fn totals(server: &Server, bots: &[Bot]) -> (Reliable, Reliable) {
    let (mut received, mut sent, _) = server.counts();
    for bot in bots {
        sent.add(&bot.sent);
        received.add(&bot.received);
        received.whisper += bot.world_counts().1;
    }
    (sent, received)
}

fn step(server: &mut Server, bots: &mut [Bot], narrator: &mut Narrator) {
    server.poll();
    server.notice_registrations();
    for bot in bots.iter_mut() {
        bot.poll();
    }
    narrator.tell(server, bots);
    thread::sleep(Duration::from_millis(1));
}

/// Prints some of the game's events above the status line: a few per phase, then a count.
struct Narrator {
    bar: ProgressBar,
    budget: usize,
    skipped: usize,
}

impl Narrator {
    fn new(bar: &ProgressBar) -> Self {
        Self {
            bar: bar.clone(),
            budget: 0,
            skipped: 0,
        }
    }

    /// Starts a phase: says what it is and allows `budget` event lines.
    fn phase(&mut self, title: &str, budget: usize) {
        self.finish_phase();
        self.bar.suspend(|| out!("{title}"));
        self.budget = budget;
    }

    fn finish_phase(&mut self) {
        if self.skipped > 0 {
            let skipped = std::mem::take(&mut self.skipped);
            self.bar.suspend(|| out!("  ... and {skipped} more"));
        }
    }

    fn tell(&mut self, server: &mut Server, bots: &mut [Bot]) {
        let from_bot = bots
            .first_mut()
            .and_then(|bot| bot.narration.as_mut())
            .map(std::mem::take)
            .unwrap_or_default();
        for line in std::mem::take(&mut server.narration).into_iter().chain(from_bot) {
            if self.budget > 0 {
                self.budget -= 1;
                self.bar.suspend(|| out!("  {line}"));
            } else {
                self.skipped += 1;
            }
        }
    }
}

fn demo(args: &DemoArgs) -> Result<bool, String> {
    let network = check(args)?;
    let count = usize::from(args.bots);
    let (mut server, endpoint) = Server::start(args.transport, network.as_ref(), count)?;
    let conditions = if args.transport == TransportKind::Sim {
        format!(
            " (latency {} ms, loss {:.0}%)",
            args.latency,
            args.loss * 100.0
        )
    } else {
        String::new()
    };
    out!(
        "netscene demo: a server and {count} bots on {}{conditions}: they authenticate, chat, \
         move server-owned avatars, whisper through the relay, then leave.",
        endpoint.describe()
    );
    let mut bots = (0..count)
        .map(|i| Bot::new(i, &endpoint))
        .collect::<Result<Vec<_>, _>>()?;

    // Join: everyone connected, authenticated, registered, and knows everyone.
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    let mut narrator = Narrator::new(&bar);
    narrator.phase("Joining (token auth, then `register` in the lobby):", 10);
    let started = Instant::now();
    loop {
        step(&mut server, &mut bots, &mut narrator);
        let ready = bots.iter().filter(|b| b.players.len() == count).count();
        bar.set_message(format!("joining: {ready}/{count} bots in the lobby"));
        bar.tick();
        if ready == count {
            break;
        }
        if let Some(bot) = bots.iter().find(|b| b.lost) {
            bar.finish_and_clear();
            return Err(format!(
                "{} could not connect to {}",
                bot.name,
                endpoint.describe()
            ));
        }
        if started.elapsed() > JOIN_TIMEOUT {
            bar.finish_and_clear();
            return Err(format!(
                "only {ready} of {count} bots joined within {JOIN_TIMEOUT:?}"
            ));
        }
    }
    let join_time = started.elapsed();

    // Play.
    narrator.phase(
        &format!(
            "Playing for {:.0} s (what {} sees):",
            args.duration,
            bots.first().map_or("a bot", |b| b.name.as_str())
        ),
        8,
    );
    let play = Duration::from_secs_f64(args.duration);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>3} {bar:16} {msg}")
            .expect("valid template"),
    );
    bar.set_length(play.as_millis() as u64);
    bar.set_message(format!("{count}/{count} peers, playing"));
    let play_start = Instant::now();
    let mut next_tick = play_start;
    let mut window = Window::new(&server, &bots);
    let mut all_rtt = LatencySamples::default();
    let mut last_mean = None;
    while play_start.elapsed() < play {
        if Instant::now() >= next_tick {
            next_tick += BOT_TICK;
            for bot in bots.iter_mut() {
                bot.act();
            }
        }
        step(&mut server, &mut bots, &mut narrator);
        for bot in bots.iter_mut() {
            for rtt in bot.take_round_trips() {
                window.rtt.record(rtt);
                all_rtt.record(rtt);
            }
        }
        if window.started.elapsed() >= Duration::from_millis(500) {
            let peers = server.peers();
            let (rpcs, bytes, elapsed) = window.rates(&server, &bots);
            last_mean = window.rtt.mean().or(last_mean);
            bar.set_message(format!(
                "{peers}/{count} peers | {} | {} | RTT {}",
                format_rate(rpcs, elapsed, "RPC"),
                format_rate(bytes, elapsed, "B"),
                format_ms(last_mean)
            ));
            window = Window::new(&server, &bots);
        }
        bar.set_position(play_start.elapsed().as_millis() as u64);
    }
    let played = play_start.elapsed();

    // Drain: nothing new is sent; wait for the last reliable messages.
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    let drain_start = Instant::now();
    loop {
        step(&mut server, &mut bots, &mut narrator);
        let (sent, received) = totals(&server, &bots);
        bar.set_message(format!(
            "waiting for the last messages: {}/{}",
            received.total(),
            sent.total()
        ));
        bar.tick();
        if received.total() >= sent.total() || drain_start.elapsed() > DRAIN_TIMEOUT {
            break;
        }
    }
    let (sent, received) = totals(&server, &bots);
    let (_, _, moves_sent) = server.counts();
    let inputs_sent: u64 = bots.iter().map(|b| b.inputs_sent).sum();
    let moves_received: u64 = bots.iter().map(|b| b.world_counts().0).sum();
    let (bytes_out, bytes_in) = server.traffic.bytes();

    // Leave, one bot after the other.
    narrator.phase("Leaving:", 10);
    let leave_start = Instant::now();
    for bot in 0..bots.len() {
        bots[bot].leave();
        for _ in 0..5 {
            step(&mut server, &mut bots, &mut narrator);
        }
    }
    while server.peers() > 0 && leave_start.elapsed() < LEAVE_TIMEOUT {
        bar.set_message(format!("leaving: {} bots still connected", server.peers()));
        bar.tick();
        step(&mut server, &mut bots, &mut narrator);
    }
    narrator.finish_phase();
    bar.finish_and_clear();

    let ok = received.total() == sent.total();
    out!();
    out!(
        "  {:<26} {:>6} {:>10}",
        "reliable messages", "sent", "received"
    );
    let rows = [
        ("register (any_peer)", sent.register, received.register),
        ("chat (any_peer)", sent.chat, received.chat),
        (
            "receive_chat (authority)",
            sent.receive_chat,
            received.receive_chat,
        ),
        (
            "update_players (authority)",
            sent.update_players,
            received.update_players,
        ),
        ("whisper (relayed RPC)", sent.whisper, received.whisper),
        ("raw bytes (relayed)", sent.raw, received.raw),
    ];
    for (name, s, r) in rows {
        let mark = if s == r { "" } else { "  <- missing" };
        out!("  {name:<26} {s:>6} {r:>10}{mark}");
    }
    out!(
        "  {:<26} {:>6} {:>10}",
        "total",
        sent.total(),
        received.total()
    );
    out!();
    out!(
        "  unreliable: {inputs_sent} inputs sent, {moves_sent} avatar updates sent, \
         {moves_received} received"
    );
    let mut all = all_rtt;
    out!(
        "  round trip (input -> avatar update): mean {}, p50 {}, p99 {} ({} samples)",
        format_ms(all.mean()),
        format_ms(all.percentile(50.0)),
        format_ms(all.percentile(99.0)),
        all.len()
    );
    out!(
        "  server traffic: {} out, {} in over {:.1} s of play",
        format_rate(bytes_out, played, "B"),
        format_rate(bytes_in, played, "B"),
        played.as_secs_f64()
    );
    out!(
        "  peers: {} joined in {:.2} s, {} left, {} refused messages",
        server.joined,
        join_time.as_secs_f64(),
        server.left,
        server.refused
    );
    out!();
    if ok {
        out!(
            "reliable: {} sent, {} received, 0 lost: every reliable message arrived",
            sent.total(),
            received.total()
        );
    } else {
        out!(
            "reliable: {} sent, {} received, {} lost",
            sent.total(),
            received.total(),
            sent.total().saturating_sub(received.total())
        );
    }
    Ok(ok)
}

/// Counters at the start of a status-line window.
struct Window {
    started: Instant,
    rpcs: u64,
    bytes: u64,
    rtt: LatencySamples,
}

impl Window {
    fn new(server: &Server, bots: &[Bot]) -> Self {
        let (rpcs, bytes) = Self::counters(server, bots);
        Self {
            started: Instant::now(),
            rpcs,
            bytes,
            rtt: LatencySamples::default(),
        }
    }

    /// RPCs received anywhere, and bytes through the server.
    fn counters(server: &Server, bots: &[Bot]) -> (u64, u64) {
        let (_, received) = totals(server, bots);
        let moves: u64 = bots.iter().map(|b| b.world_counts().0).sum();
        let inputs = server
            .tree
            .node(server.world)
            .and_then(|node| node.state::<ServerWorld>())
            .map_or(0, |state| state.inputs_received);
        let (out, inn) = server.traffic.bytes();
        (received.total() - received.raw + moves + inputs, out + inn)
    }

    fn rates(&self, server: &Server, bots: &[Bot]) -> (u64, u64, Duration) {
        let (rpcs, bytes) = Self::counters(server, bots);
        (rpcs - self.rpcs, bytes - self.bytes, self.started.elapsed())
    }
}
