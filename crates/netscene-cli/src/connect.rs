//! `netscene connect`: a lobby client for the terminal. Every event and chat line is printed
//! as one line; each stdin line is sent as `chat`, `/raw ID TEXT` sends raw bytes to peer ID
//! (through the server relay).

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

use netscene::{MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree, TransferMode};

use crate::lobby::{self, LobbyEvent};
use crate::logging::{self, LogFormat, LogTarget};
use crate::token_auth;
use crate::transport::{self, Endpoint, NetTransport};

/// Arguments of `netscene connect`.
#[derive(Debug, clap::Args)]
pub struct ConnectArgs {
    /// Server address: `HOST:PORT`, or a `ws://HOST:PORT` / `wss://HOST:PORT` URL (WebSocket).
    #[arg(value_name = "HOST:PORT|URL")]
    address: String,
    /// Transport the server uses (a `ws://` or `wss://` address means WebSocket).
    #[arg(long, value_enum, default_value_t = NetTransport::Enet)]
    transport: NetTransport,
    /// Name to register with.
    #[arg(long, default_value = "rust", value_parser = crate::non_empty)]
    name: String,
    /// Auth token the server expects.
    #[arg(long, value_parser = crate::non_empty)]
    auth_token: Option<String>,
    /// PEM certificate(s) of a private CA to trust for `wss://` (instead of the public roots).
    #[arg(long, value_name = "FILE")]
    tls_ca: Option<std::path::PathBuf>,
    /// Give up when not connected after this many seconds (at most 3600).
    #[arg(long, default_value_t = 10.0, value_parser = connect_timeout_seconds)]
    connect_timeout: f64,
}

/// Longest `--connect-timeout`: an hour is already far past any useful wait.
const MAX_CONNECT_TIMEOUT: f64 = 3600.0;

/// Parses `--connect-timeout`: a finite number of seconds, more than 0 and at most an hour.
fn connect_timeout_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| "not a number of seconds".to_string())?;
    if seconds > 0.0 && seconds <= MAX_CONNECT_TIMEOUT {
        Ok(seconds)
    } else {
        Err(format!(
            "must be more than 0 and at most {MAX_CONNECT_TIMEOUT} seconds"
        ))
    }
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

/// Where `connect` goes: `wss://` URLs get TLS (trusting `--tls-ca` or the public roots).
fn server_endpoint(args: &ConnectArgs) -> Result<Endpoint, String> {
    let (scheme, rest) = match args.address.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, args.address.as_str()),
    };
    // A path in the URL is fine for Godot's server and ours alike: neither routes by it.
    let authority = rest.split('/').next().unwrap_or(rest);
    let (host, port) = transport::parse_host_port(authority)?;
    let secure = match scheme.as_deref() {
        None => false,
        Some("ws") => false,
        Some("wss") => true,
        Some(other) => return Err(format!("unknown scheme {other}:// (use ws:// or wss://)")),
    };
    if args.tls_ca.is_some() && !secure {
        return Err("--tls-ca needs a wss:// address".into());
    }
    if scheme.is_none() && args.transport == NetTransport::Enet {
        return Ok(Endpoint::Enet { host, port });
    }
    let tls = if secure {
        let ca = match &args.tls_ca {
            Some(path) => Some(
                std::fs::read(path)
                    .map_err(|e| format!("cannot read --tls-ca {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let options = netscene_websocket::TlsOptions::client(ca.as_deref(), None);
        Some(options.map_err(|e| format!("--tls-ca: {e}"))?)
    } else {
        None
    };
    Ok(Endpoint::Ws { host, port, tls })
}

fn connect(args: &ConnectArgs) -> Result<(), String> {
    let endpoint = server_endpoint(args)?;
    let peer = transport::start_client(&endpoint)?;
    let mut mp = SceneMultiplayer::new();
    if args.auth_token.is_some() {
        token_auth::expect_server_auth(&mut mp);
        // --connect-timeout bounds the wait instead: then a failed authentication can only
        // mean the server dropped us, and a wait that runs out is reported as one.
        mp.set_auth_timeout(0.0)
            .map_err(|e| format!("cannot configure authentication: {e}"))?;
    }
    mp.set_multiplayer_peer(Some(peer))
        .map_err(|e| format!("cannot start the client: {e}"))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = lobby::install_client(&mut tree);
    let input = stdin_reader();
    let started = Instant::now();
    let mut connected = false;
    // The transport is up and the server asked for authentication.
    let mut authenticating = false;
    // Any lobby message arrived: the server admitted us.
    let mut lobby_answered = false;
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
                authenticating = true;
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
                MultiplayerEvent::ServerDisconnected if !lobby_answered => {
                    // A server with a token drops a client that sends none once its auth
                    // timeout ends; the lobby never answered the registration.
                    return Err(format!(
                        "connection to the server lost before the lobby answered{}",
                        if args.auth_token.is_none() {
                            " (does the server require --auth-token?)"
                        } else {
                            ""
                        }
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
                    return Err(auth_failure(&endpoint, id));
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
            lobby_answered = true;
            say(describe(&tree, lobby, &event));
        }
        if !connected && started.elapsed().as_secs_f64() > args.connect_timeout {
            if authenticating {
                return Err(format!(
                    "connected to {} but authentication did not complete within {} s \
                     (does the server use --auth-token?)",
                    endpoint.describe(),
                    args.connect_timeout
                ));
            }
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

/// Authentication with `id` failed: with no auth timeout of ours, the server dropped us
/// before completing it, which the lobby server does to a wrong token.
fn auth_failure(endpoint: &Endpoint, id: PeerId) -> String {
    if id == 1 {
        format!(
            "connected to {} but the server refused the auth token",
            endpoint.describe()
        )
    } else {
        format!("authentication with peer {id} failed")
    }
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
