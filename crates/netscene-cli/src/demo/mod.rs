//! `netscene demo`: a server and N bots in one process playing a small game that uses the
//! whole API: token authentication, lobby chat (any_peer RPCs the server rebroadcasts),
//! avatars the server owns (authority RPCs), a scoreboard replicated by a
//! MultiplayerSynchronizer, whispers and raw bytes between bots through the server relay,
//! and leaving. Exits 0 only when every reliable message arrived and every bot's scoreboard
//! shows the server's final value.

use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use netscene::peer::simulated::{LinkConditions, NetworkConfig, SimulatedNetwork};

mod bot;
mod report;
mod server;

use bot::{Bot, Reliable};
use report::{Narrator, Window};
use server::Server;

use crate::logging;
use crate::stats::{LatencySamples, format_ms, format_rate};
use crate::transport::TransportKind;
use crate::world;

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
        return Err("--duration must be more than 0 and at most 86400 seconds".into());
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

/// Bots that see exactly the server's avatars, at the server's positions.
fn avatars_agree(server: &Server, bots: &[Bot]) -> usize {
    let mut expected = world::avatars(&server.tree);
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    bots.iter()
        .filter(|bot| {
            let mut seen = world::avatars(&bot.tree);
            seen.sort_by(|a, b| a.0.cmp(&b.0));
            seen == expected
        })
        .count()
}

/// Bots whose replicated scoreboard shows the server's final count of moves.
fn scoreboards_agree(server: &Server, bots: &[Bot]) -> usize {
    let moves = server.moves_handled();
    if world::score(&server.tree, server.board) != moves {
        return 0;
    }
    bots.iter()
        .filter(|bot| world::score(&bot.tree, bot.board) == moves)
        .count()
}

fn step(server: &mut Server, bots: &mut [Bot], narrator: &mut Narrator) {
    server.poll();
    server.notice_registrations();
    server.update_scoreboard();
    for bot in bots.iter_mut() {
        bot.poll();
    }
    narrator.tell(server, bots);
    thread::sleep(Duration::from_millis(1));
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
        "netscene demo: a server and {count} bots on {}{conditions}.\n\
         The bots authenticate, chat in the lobby, move avatars the server spawns and\n\
         replicates, whisper and send raw bytes to each other through the server relay,\n\
         then leave.\n",
        endpoint.describe()
    );
    let mut bots = (0..count)
        .map(|i| Bot::new(i, &endpoint))
        .collect::<Result<Vec<_>, _>>()?;

    // Join: everyone connected, authenticated, registered, and knows everyone.
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("valid template"));
    let mut narrator = Narrator::new(&bar);
    narrator.phase(
        "Joining (token auth, avatar spawn, `register` in the lobby):",
        8,
    );
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
        3,
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
        let replicated = scoreboards_agree(&server, &bots) == bots.len()
            && avatars_agree(&server, &bots) == bots.len();
        if (received.total() >= sent.total() && replicated) || drain_start.elapsed() > DRAIN_TIMEOUT
        {
            break;
        }
    }
    let (sent, received) = totals(&server, &bots);
    let final_score = server.moves_handled();
    let agree = scoreboards_agree(&server, &bots);
    let avatars_match = avatars_agree(&server, &bots);
    let avatar_count = world::avatars(&server.tree).len();
    let spawns: u64 = bots.iter().map(|b| b.spawns_received).sum();
    let syncs: u64 = bots.iter().map(|b| b.syncs_received).sum();
    let (_, _, moves_sent) = server.counts();
    let inputs_sent: u64 = bots.iter().map(|b| b.inputs_sent).sum();
    let moves_received: u64 = bots.iter().map(|b| b.world_counts().0).sum();
    let (bytes_out, bytes_in) = server.traffic.bytes();

    // Leave, one bot after the other.
    narrator.phase("Leaving:", 8);
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

    let ok = received.total() == sent.total() && agree == bots.len() && avatars_match == bots.len();
    out!();
    out!(
        "  {:<26} {:>6} {:>10}",
        "reliable messages",
        "sent",
        "received"
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
    let mark = if avatars_match == bots.len() {
        ""
    } else {
        "  <- stale"
    };
    out!(
        "  replicated avatars (MultiplayerSpawner + MultiplayerSynchronizer): {spawns} spawns \
         received; {avatar_count} avatars at the server's positions on {avatars_match}/{} bots{mark}",
        bots.len()
    );
    let mark = if agree == bots.len() {
        ""
    } else {
        "  <- stale"
    };
    out!(
        "  replicated scoreboard (MultiplayerSynchronizer): moves = {final_score} on the server \
         and on {agree}/{} bots{mark}\n  replication: {syncs} syncs applied on the bots \
         (ON_CHANGE deltas, reliable)",
        bots.len()
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
