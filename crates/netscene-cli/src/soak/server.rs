//! The soak's server, run as a child process (`netscene bench --soak-server`): the arena of
//! `serve --game arena` plus [`SOAK_PATH`], whose handlers record every stream, and a reliable
//! `tick` to every bot five times a second. It prints `listening port=N` once bound; on a
//! `report` line from stdin it prints one [`StreamReport`] line per stream, then `end`; it
//! stops when stdin closes.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc::TryRecvError;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use netscene::{MultiplayerEvent, SceneMultiplayer, SceneTree};

use super::{
    FIN_0, FIN_ACK, SOAK_PATH, StreamReport, TICK, fin_configs, is_reliable, streams, tick_config,
};
use crate::arena::server as arena;
use crate::lobby;
use crate::transport::{self, Endpoint, TransportKind};

/// Ticks per second to every bot.
const TICK_INTERVAL: Duration = Duration::from_millis(200);

#[derive(Debug, Default)]
struct Stream {
    received: u64,
    last: Option<i64>,
    out_of_order: u64,
}

type Streams = Arc<Mutex<HashMap<(i32, &'static str), Stream>>>;
/// Fins seen per peer (bit 0: channel 0, bit 1: channel 1).
type Fins = Arc<Mutex<HashMap<i32, u8>>>;

fn install_soak(tree: &mut SceneTree, recorded: &Streams, fins: &Fins) -> netscene::NodeId {
    let node = tree.add_path(SOAK_PATH).expect("a fresh tree has /root");
    for (method, config) in streams() {
        let recorded = recorded.clone();
        tree.on_rpc(node, method, config, move |ctx, (n,): (i64,)| {
            let from = ctx.remote_sender_id();
            let mut streams = recorded.lock().unwrap_or_else(|e| e.into_inner());
            let stream = streams.entry((from, method)).or_default();
            stream.received += 1;
            let in_order = if is_reliable(method) {
                n == stream.last.map_or(0, |last| last + 1)
            } else {
                stream.last.is_none_or(|last| n > last)
            };
            if !in_order && method != super::UNRELIABLE {
                stream.out_of_order += 1;
            }
            stream.last = Some(stream.last.map_or(n, |last| last.max(n)));
        })
        .expect("soak node");
    }
    tree.on_rpc(node, TICK, tick_config(), |_, (_,): (i64,)| {})
        .expect("soak node");
    // Both fins seen: the answer goes out.
    for (method, config) in fin_configs() {
        let fins = fins.clone();
        let bit = if method == FIN_0 { 1 } else { 2 };
        tree.on_rpc(node, method, config, move |ctx, ()| {
            let from = ctx.remote_sender_id();
            let both = {
                let mut fins = fins.lock().unwrap_or_else(|e| e.into_inner());
                let seen = fins.entry(from).or_default();
                *seen |= bit;
                *seen == 3
            };
            if both && let Err(error) = ctx.rpc_id(from, FIN_ACK, &[]) {
                tracing::warn!(%error, from, "fin_ack not sent");
            }
        })
        .expect("soak node");
    }
    tree.on_rpc(node, FIN_ACK, tick_config(), |_, ()| {})
        .expect("soak node");
    node
}

/// `dropped PEER UNIX_SECONDS`: a peer left before its fins were both acknowledged, as the
/// server saw it (the bots compare the time with their own view of the break).
pub(super) fn dropped_line(peer: i32) -> String {
    format!("dropped {peer} {:.3}", super::unix_seconds())
}

/// Runs the soak server until stdin closes.
pub fn run(kind: TransportKind, max_clients: usize) -> Result<(), String> {
    let (peer, endpoint) = transport::start_server(kind, "127.0.0.1", 0, max_clients, None)?;
    let port = match endpoint {
        Endpoint::Enet { port, .. } | Endpoint::Ws { port, .. } => port,
        Endpoint::Sim(_) => return Err("the soak needs a real transport (enet or ws)".into()),
    };
    let mut mp = SceneMultiplayer::new();
    mp.set_multiplayer_peer(Some(peer))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = lobby::install_server(&mut tree);
    let nodes = arena::install_server(&mut tree);
    let recorded: Streams = Arc::default();
    let fins: Fins = Arc::default();
    let soak = install_soak(&mut tree, &recorded, &fins);

    let lines = crate::bench_child::lines_of(std::io::BufReader::new(std::io::stdin()));
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening port={port}").map_err(|e| e.to_string())?;
    stdout.flush().map_err(|e| e.to_string())?;

    let mut tick = 0i64;
    let mut next_tick = Instant::now() + TICK_INTERVAL;
    loop {
        match lines.try_recv() {
            Ok(line) if line.trim() == "report" => {
                let streams = recorded.lock().unwrap_or_else(|e| e.into_inner());
                let mut out = stdout.lock();
                for ((peer, method), stream) in streams.iter() {
                    let report = StreamReport {
                        peer: *peer,
                        method: (*method).to_string(),
                        received: stream.received,
                        out_of_order: stream.out_of_order,
                    };
                    writeln!(out, "{}", report.to_line()).map_err(|e| e.to_string())?;
                }
                writeln!(out, "ticks {tick}\nend").map_err(|e| e.to_string())?;
                out.flush().map_err(|e| e.to_string())?;
            }
            Ok(_) | Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => break,
        }
        if let Err(error) = tree.poll() {
            tracing::debug!(%error, "soak server poll");
        }
        for event in tree.drain_events("") {
            match event {
                MultiplayerEvent::PeerConnected(peer) => {
                    arena::server_peer_joined(&mut tree, nodes, peer);
                }
                MultiplayerEvent::PeerDisconnected(peer) => {
                    let finished =
                        fins.lock().unwrap_or_else(|e| e.into_inner()).remove(&peer) == Some(3);
                    if !finished {
                        writeln!(stdout, "{}", dropped_line(peer)).map_err(|e| e.to_string())?;
                    }
                    lobby::server_peer_left(&mut tree, lobby, peer);
                    arena::server_peer_left(&mut tree, nodes, peer);
                }
                MultiplayerEvent::RpcRejected { .. }
                | MultiplayerEvent::PacketRejected { .. }
                | MultiplayerEvent::ReplicationRejected { .. } => {
                    tracing::warn!(?event, "soak server refused");
                }
                _ => {}
            }
        }
        arena::server_sync_names(&mut tree, nodes, lobby);
        if Instant::now() >= next_tick {
            next_tick += TICK_INTERVAL;
            let peers = tree.multiplayer("").map_or(0, |mp| mp.get_peers().len());
            if peers > 0 && tree.rpc_id(soak, 0, TICK, &[tick.into()]).is_ok() {
                tick += 1;
            }
        }
        thread::sleep(Duration::from_millis(1));
    }
    if let Some(peer) = tree
        .multiplayer("")
        .and_then(|mp| mp.get_multiplayer_peer_mut())
    {
        peer.close();
    }
    Ok(())
}
