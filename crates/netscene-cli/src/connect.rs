//! `netscene connect`: a lobby client for the terminal. Every event and chat line is printed
//! as one line; each stdin line is sent as `chat`, `/raw ID TEXT` sends raw bytes to peer ID
//! (through the server relay).

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use netscene::{
    MultiplayerApi, MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree, TransferMode,
};

use crate::lobby::{self, LobbyEvent};
use crate::logging::{self, LogFormat, LogTarget};
use crate::token_auth;
use crate::transport::{self, Endpoint, NetTransport};

/// Arguments of `netscene connect`.
#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// Server address, `HOST:PORT`.
    address: String,
    /// Transport the server uses.
    #[arg(long, value_enum, default_value_t = NetTransport::Enet)]
    transport: NetTransport,
    /// Name to register with.
    #[arg(long, default_value = "rust")]
    name: String,
    /// Auth token the server expects.
    #[arg(long)]
    auth_token: Option<String>,
    /// Give up when not connected after this many seconds.
    #[arg(long, default_value_t = 10.0)]
    connect_timeout: f64,
}

/// Time given to queued packets to leave after stdin closes.
const LINGER: Duration = Duration::from_millis(300);

/// Runs the client; exits 0 when stdin ends, 1 when the server is unreachable or lost.
pub fn run(args: ConnectArgs) -> ExitCode {
    logging::init(LogFormat::Text, LogTarget::Stderr, "warn");
    match connect(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Input {
    Line(String),
    End,
}

fn stdin_reader() -> Receiver<Input> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            for line in io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(Input::Line(line)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Input::End);
        })
        .expect("spawn the stdin reader");
    rx
}

fn connect(args: &ConnectArgs) -> Result<(), String> {
    let (host, port) = transport::parse_host_port(&args.address)?;
    if !(args.connect_timeout > 0.0 && args.connect_timeout.is_finite()) {
        return Err("--connect-timeout must be a positive number of seconds".into());
    }
    let endpoint = match args.transport {
        NetTransport::Enet => Endpoint::Enet { host, port },
        NetTransport::Ws => Endpoint::Ws { host, port },
    };
    let peer = transport::start_client(&endpoint)?;
    let mut mp = SceneMultiplayer::new();
    if args.auth_token.is_some() {
        token_auth::expect_server_auth(&mut mp);
    }
    mp.set_multiplayer_peer(Some(peer))
        .map_err(|e| format!("cannot start the client: {e}"))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = lobby::install_client(&mut tree);
    let input = stdin_reader();
    let started = Instant::now();
    let mut connected = false;
    let mut ending: Option<Instant> = None;
    let mut out = io::stdout().lock();
    let mut say = |line: String| {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    say(format!("connecting to {}", endpoint.describe()));
    loop {
        if let Err(error) = tree.poll() {
            tracing::debug!(%error, "poll");
        }
        for event in tree.drain_events("") {
            if let Some(token) = &args.auth_token
                && let Some(mp) = tree.scene_multiplayer("")
                && token_auth::answer_server(mp, &event, token)
            {
                say("authenticating".into());
                continue;
            }
            match event {
                MultiplayerEvent::ConnectedToServer => {
                    connected = true;
                    let id = tree.multiplayer("").map_or(0, |mp| mp.get_unique_id());
                    say(format!("connected as {id}"));
                    if let Err(error) =
                        tree.rpc_id(lobby, 1, "register", &[args.name.as_str().into()])
                    {
                        return Err(format!("cannot register: {error}"));
                    }
                }
                MultiplayerEvent::ConnectionFailed => {
                    return Err(format!(
                        "cannot reach {} (connection failed)",
                        endpoint.describe()
                    ));
                }
                MultiplayerEvent::ServerDisconnected => {
                    return Err("connection to the server lost".into());
                }
                MultiplayerEvent::PeerConnected(id) => say(format!("peer connected: {id}")),
                MultiplayerEvent::PeerDisconnected(id) => say(format!("peer disconnected: {id}")),
                MultiplayerEvent::PeerPacket { from, data } => say(format!(
                    "raw from {from}: {}",
                    String::from_utf8_lossy(&data)
                )),
                MultiplayerEvent::PeerAuthenticating(id) => {
                    say(format!("authenticating with {id}"))
                }
                MultiplayerEvent::PeerAuthenticationFailed(id) => {
                    return Err(format!("authentication with {id} failed"));
                }
                MultiplayerEvent::RpcRejected {
                    from,
                    method,
                    reason,
                    ..
                } => say(format!("refused RPC {method} from {from}: {reason}")),
                MultiplayerEvent::PacketRejected { from, error } => {
                    say(format!("dropped packet from {from}: {error}"))
                }
                MultiplayerEvent::ReplicationRejected { from, error } => {
                    say(format!("refused replication from {from}: {error}"))
                }
                // The lobby replicates nothing; other servers may spawn or sync nodes.
                other => say(format!("{other:?}")),
            }
        }
        for event in lobby::take_client_events(&mut tree, lobby) {
            say(describe(&tree, lobby, &event));
        }
        if !connected && started.elapsed().as_secs_f64() > args.connect_timeout {
            return Err(format!(
                "cannot reach {} (no answer after {} s)",
                endpoint.describe(),
                args.connect_timeout
            ));
        }
        if let Some(since) = ending {
            if since.elapsed() >= LINGER {
                break;
            }
        } else if connected {
            loop {
                match input.try_recv() {
                    Ok(Input::Line(line)) => {
                        if let Err(error) = send_line(&mut tree, lobby, &line) {
                            say(format!("not sent: {error}"));
                        }
                    }
                    Ok(Input::End) | Err(TryRecvError::Disconnected) => {
                        ending = Some(Instant::now());
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                }
            }
        }
        thread::sleep(Duration::from_millis(2));
    }
    if let Some(peer) = tree
        .multiplayer("")
        .and_then(|mp| mp.get_multiplayer_peer_mut())
    {
        peer.close();
    }
    Ok(())
}

fn describe(tree: &SceneTree, lobby: NodeId, event: &LobbyEvent) -> String {
    match event {
        LobbyEvent::Chat { from, text } => {
            let name = tree
                .node(lobby)
                .and_then(|node| node.state::<lobby::ClientLobby>())
                .and_then(|state| state.players.get(from).cloned())
                .unwrap_or_else(|| from.to_string());
            format!("[chat] {name} ({from}): {text}")
        }
        LobbyEvent::Players(players) => {
            let list: Vec<String> = players
                .iter()
                .map(|(id, name)| format!("{id}={name}"))
                .collect();
            format!("players: {}", list.join(" "))
        }
    }
}

/// Sends one stdin line: `/raw ID TEXT` as raw bytes, anything else as `chat`.
fn send_line(tree: &mut SceneTree, lobby: NodeId, line: &str) -> Result<(), String> {
    if let Some(rest) = line.strip_prefix("/raw ") {
        let (id, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let id: PeerId = id
            .trim()
            .parse()
            .map_err(|_| format!("usage: /raw PEER_ID TEXT ({id:?} is not a peer id)"))?;
        let mp = tree.scene_multiplayer("").ok_or("no multiplayer")?;
        return mp
            .send_bytes(text.as_bytes(), id, TransferMode::Reliable, 0)
            .map_err(|e| e.to_string());
    }
    if line.is_empty() {
        return Ok(());
    }
    tree.rpc_id(lobby, 1, "chat", &[line.into()])
        .map_err(|e| e.to_string())
}
