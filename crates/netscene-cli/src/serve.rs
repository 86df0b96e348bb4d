//! `netscene serve`: a headless dedicated server hosting the Godot lobby at `/root/Lobby` and,
//! with `--game arena`, the replicated arena at `/root/Arena` ([`crate::arena`]).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, TappedPeer};
use netscene::{MultiplayerEvent, MultiplayerPeer, SceneMultiplayer, SceneTree};

use crate::agones::Agones;
use crate::arena::server::{self as arena, ServerArenaNodes};
use crate::counting::{Traffic, counting_peer};
use crate::drain::{self, Drain};
use crate::health::{HealthServer, HealthState};
use crate::limits::LimitArgs;
use crate::logging::LogFormat;
use crate::metrics::{MetricsTap, ServerMetrics};
use crate::pacing::sleep_rest_of_tick;
use crate::serve_webrtc::{self, WebRtcArgs};
use crate::status_line::{StatusLine, Totals};
use crate::transport::{self, ServeTransport};
use crate::wss::{CertificateRenewal, LoadedCertificate, WssArgs};
use crate::{lobby, token_auth};

/// Arguments of `netscene serve`; each flag can also come from its `NETSCENE_*` variable.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0: any free port, logged at start).
    #[arg(long, env = "NETSCENE_PORT", default_value_t = 7000)]
    port: u16,
    /// Address to bind: `*` for every address, or one IP address.
    #[arg(long, env = "NETSCENE_BIND", default_value = "*")]
    bind: String,
    /// What the server hosts: the lobby, or the lobby plus the replicated arena of
    /// examples/godot-arena-client.
    #[arg(long, env = "NETSCENE_GAME", value_enum, default_value_t = Game::Lobby)]
    game: Game,
    /// Transport Godot clients use (webrtc: the server hosts a lobby; see --signal).
    #[arg(long, env = "NETSCENE_TRANSPORT", value_enum, default_value_t = ServeTransport::Enet)]
    transport: ServeTransport,
    /// Most clients at once.
    #[arg(long, env = "NETSCENE_MAX_CLIENTS", default_value_t = 32,
          value_parser = clap::value_parser!(u16).range(1..=4095))]
    max_clients: u16,
    /// Do not relay RPCs and raw packets between clients.
    #[arg(long, env = "NETSCENE_NO_RELAY")]
    no_relay: bool,
    /// Admit only clients whose auth bytes equal this token (UTF-8).
    #[arg(long, env = "NETSCENE_AUTH_TOKEN",
          value_parser = crate::non_empty)]
    auth_token: Option<String>,
    /// Log line format.
    #[arg(long, env = "NETSCENE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Serve HTTP `/healthz`, `/readyz` and `/metrics` on this port (0: any free port, logged).
    #[arg(long, env = "NETSCENE_HEALTH_PORT")]
    health_port: Option<u16>,
    /// `/healthz` fails when the game loop has not polled for this many milliseconds.
    #[arg(long, env = "NETSCENE_STALL_TIMEOUT_MS", default_value_t = 5000)]
    stall_timeout_ms: u64,
    /// Also accept `POST /drain` on the health port (as SIGTERM: drain, then exit).
    #[arg(long, env = "NETSCENE_HTTP_DRAIN")]
    http_drain: bool,
    /// On SIGTERM, SIGINT or `POST /drain`: seconds the players may stay before they are
    /// disconnected and the server exits (new connections are refused meanwhile).
    #[arg(long, env = "NETSCENE_DRAIN_TIMEOUT", default_value_t = 25)]
    drain_timeout: u64,
    /// Talk to the Agones SDK sidecar: Ready once bound, Health from the game loop, the
    /// `players` list, labels, Shutdown when the server stops (cargo feature `agones`).
    #[arg(long, env = "NETSCENE_AGONES")]
    agones: bool,
    /// With --agones: once every player has left, drain and stop (one match per server).
    #[arg(long, env = "NETSCENE_AGONES_SHUTDOWN_WHEN_EMPTY", requires = "agones")]
    agones_shutdown_when_empty: bool,
    #[command(flatten)]
    wss: WssArgs,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    webrtc: WebRtcArgs,
}

/// `--game`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Game {
    /// `/root/Lobby` only (examples/godot-lobby-client).
    Lobby,
    /// The lobby and `/root/Arena`, avatars spawned and replicated per player
    /// (examples/godot-arena-client).
    Arena,
}

/// Runs the server until SIGINT or SIGTERM (then drains: see [`crate::drain`]).
pub fn run(args: ServeArgs) -> ExitCode {
    // On a terminal, a live status line (logs are written around it); else logs only.
    let status = StatusLine::for_terminal();
    status.init_logging(args.log_format);
    #[cfg(not(feature = "agones"))]
    if args.agones {
        eprintln!("error: {}", crate::agones::NOT_BUILT);
        return ExitCode::from(2);
    }
    // Unusable certificate files are a usage error, caught before anything listens.
    let certificate = match load_certificate(&args) {
        Ok(certificate) => certificate,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match serve(&args, certificate, status) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn load_certificate(args: &ServeArgs) -> Result<Option<LoadedCertificate>, String> {
    if args.wss.is_used() && args.transport != ServeTransport::Ws {
        return Err("--tls-cert, --tls-key and --allowed-origin need --transport ws".into());
    }
    if args.webrtc.is_used() && args.transport != ServeTransport::Webrtc {
        return Err("--signal and --webrtc-ip need --transport webrtc".into());
    }
    args.wss
        .certificate_files()
        .map(|files| files.load())
        .transpose()
}

/// A started WebSocket server: its peer, where clients reach it, and its certificate renewal
/// (`wss://` only).
type WebSocketServer = (
    Box<dyn MultiplayerPeer>,
    transport::Endpoint,
    Option<CertificateRenewal>,
);

/// The WebSocket server: `wss://` with renewal on SIGHUP when a certificate was given.
fn start_websocket(
    args: &ServeArgs,
    certificate: Option<LoadedCertificate>,
) -> Result<WebSocketServer, String> {
    let (tls, expires) = match certificate {
        Some(loaded) => (Some(loaded.options), loaded.expires),
        None => (None, String::new()),
    };
    let origins = args.wss.allowed_origins.clone();
    let (mut peer, endpoint) = transport::start_ws_server(&args.bind, args.port, tls, origins)?;
    args.limits
        .apply_websocket(&mut peer, usize::from(args.max_clients));
    let mut renewal = None;
    if let (Some(files), Some(current)) = (args.wss.certificate_files(), peer.server_certificate())
    {
        tracing::info!(%expires, "serving wss:// (SIGHUP reloads the certificate)");
        renewal = Some(CertificateRenewal::start(files, current)?);
    }
    Ok((Box::new(peer), endpoint, renewal))
}

fn serve(
    args: &ServeArgs,
    certificate: Option<LoadedCertificate>,
    mut status: StatusLine,
) -> Result<(), String> {
    let stop = Arc::new(AtomicBool::new(false));
    // SIGINT and SIGTERM stop the server (an orchestrator's stop); SIGHUP is left to the
    // certificate renewal.
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| format!("cannot install the signal handler: {e}"))?;
    }

    let max_clients = usize::from(args.max_clients);
    let kind = args.transport;
    let (peer, port, renewal) = match kind {
        ServeTransport::Ws => {
            let (peer, endpoint, renewal) = start_websocket(args, certificate)?;
            (peer, endpoint_port(&endpoint), renewal)
        }
        ServeTransport::Enet => {
            let (mut peer, endpoint) =
                transport::start_enet_server(&args.bind, args.port, max_clients)?;
            args.limits.apply_enet(&mut peer);
            let peer: Box<dyn MultiplayerPeer> = Box::new(peer);
            (peer, endpoint_port(&endpoint), None)
        }
        ServeTransport::Webrtc => {
            let server = serve_webrtc::start(&args.webrtc, &args.bind, args.port)?;
            (server.peer, server.port, None)
        }
    };
    let traffic = Arc::new(Traffic::default());
    let mut mp = SceneMultiplayer::new();
    mp.set_server_relay_enabled(!args.no_relay)
        .map_err(|e| format!("cannot configure the relay: {e}"))?;
    args.limits.apply(&mut mp);
    if let Some(token) = &args.auth_token {
        token_auth::require_token(&mut mp, token.clone());
    }
    let metrics = Arc::new(ServerMetrics::new(&kind.to_string()));
    let counted = Box::new(counting_peer(peer, traffic.clone()));
    let measured = TappedPeer::new(counted, MetricsTap::new(metrics.clone()));
    mp.set_multiplayer_peer(Some(Box::new(measured)))
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = lobby::install_server(&mut tree);
    let arena = (args.game == Game::Arena).then(|| arena::install_server(&mut tree));

    tracing::info!(
        transport = %kind,
        game = ?args.game,
        bind = %args.bind,
        port,
        max_clients,
        relay = !args.no_relay,
        auth = args.auth_token.is_some(),
        "listening"
    );

    let health_state = Arc::new(HealthState::new(
        Duration::from_millis(args.stall_timeout_ms),
        args.http_drain,
    ));
    health_state.heartbeat();
    health_state.set_transport_open(true);
    health_state.set_ready(true);
    let _health = match args.health_port {
        Some(health_port) => {
            let ip = match args.bind.as_str() {
                "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                other => other
                    .parse()
                    .map_err(|_| format!("invalid bind address {other:?}"))?,
            };
            let address = SocketAddr::new(ip, health_port);
            let health = HealthServer::start(address, health_state.clone(), metrics.clone())
                .map_err(|e| format!("cannot listen for health probes on {health_port}: {e}"))?;
            tracing::info!(
                port = health.local_addr().port(),
                "health endpoint listening"
            );
            Some(health)
        }
        None => None,
    };

    let mut agones = match args.agones {
        true => Some(Agones::start(&kind.to_string(), max_clients)?),
        false => None,
    };
    let drain_timeout = Duration::from_secs(args.drain_timeout);
    let mut drain = Drain::new(drain_timeout, health_state.clone(), metrics.clone());
    let mut last_sample = Instant::now();
    loop {
        let began = Instant::now();
        health_state.heartbeat();
        if stop.swap(false, Ordering::SeqCst) {
            if drain.is_draining() {
                tracing::warn!("second stop signal: ending the drain now");
                break;
            }
            drain.start(&mut tree, "stop signal");
        }
        if health_state.take_drain_request() {
            drain.start(&mut tree, "POST /drain");
        }
        if let Some(renewal) = &renewal {
            renewal.poll();
        }
        if let Err(error) = tree.poll() {
            tracing::warn!(%error, "poll failed");
        }
        for event in tree.drain_events("") {
            handle_event(&mut tree, lobby, arena, event, max_clients, &metrics);
        }
        if let Some(arena) = arena {
            arena::server_sync_names(&mut tree, arena, lobby);
        }
        let ids = tree
            .multiplayer("")
            .map(|mp| mp.get_peers())
            .unwrap_or_default();
        // A transport that closed itself (socket error) fails /healthz.
        let open = tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer())
            .is_some_and(|peer| peer.get_connection_status() == ConnectionStatus::Connected);
        health_state.set_transport_open(open);
        let peers = ids.len();
        if let Some(agones) = &mut agones {
            agones.tick(&ids);
            if args.agones_shutdown_when_empty && agones.emptied() {
                drain.start(&mut tree, "every player left");
            }
        }
        if let Some(end) = drain.end(peers) {
            tracing::info!(?end, peers, "drain over");
            break;
        }
        if last_sample.elapsed() >= Duration::from_secs(1) {
            last_sample = Instant::now();
            sample_peer_statistics(&mut tree, &metrics);
        }
        let loop_time = began.elapsed();
        metrics.observe_loop(loop_time);
        let (bytes_out, bytes_in) = traffic.bytes();
        let rpcs = metrics.rpc_count();
        let totals = Totals {
            rpcs,
            bytes_in,
            bytes_out,
        };
        status.update(peers, totals, loop_time);
        sleep_rest_of_tick(began);
    }

    status.finish();
    drain::disconnect_everyone(&mut tree);
    health_state.set_ready(false);
    tracing::info!("shutting down");
    if let Some(peer) = tree
        .multiplayer("")
        .and_then(|mp| mp.get_multiplayer_peer_mut())
    {
        peer.close();
    }
    health_state.set_transport_open(false);
    if let Some(agones) = agones {
        agones.shutdown();
    }
    let (sent, received) = traffic.bytes();
    tracing::info!(
        connects = metrics.connects.get(),
        bytes_sent = sent,
        bytes_received = received,
        "stopped"
    );
    Ok(())
}

/// The port clients reach a server endpoint on.
fn endpoint_port(endpoint: &transport::Endpoint) -> u16 {
    match endpoint {
        transport::Endpoint::Enet { port, .. } | transport::Endpoint::Ws { port, .. } => *port,
        transport::Endpoint::Sim(_) => 0,
    }
}

/// Adds every admitted peer's round-trip time and loss to the metrics' histograms.
fn sample_peer_statistics(tree: &mut SceneTree, metrics: &ServerMetrics) {
    let Some(mp) = tree.multiplayer("") else {
        return;
    };
    let Some(peer) = mp.get_multiplayer_peer() else {
        return;
    };
    for id in mp.get_peers() {
        if let Some(statistics) = peer.peer_statistics(id) {
            metrics.observe_peer(&statistics);
        }
    }
}

fn handle_event(
    tree: &mut SceneTree,
    lobby: netscene::NodeId,
    arena: Option<ServerArenaNodes>,
    event: MultiplayerEvent,
    max_clients: usize,
    metrics: &ServerMetrics,
) {
    match event {
        MultiplayerEvent::PeerConnected(peer) => {
            let peers = tree.multiplayer("").map_or(0, |mp| mp.get_peers().len());
            if peers > max_clients {
                // ENet and WebSocket (max_peers) refuse extra clients before admission; this
                // only guards against a transport that does not.
                tracing::warn!(peer, max_clients, "refused: server full");
                metrics.refused_full.inc();
                if let Some(mp) = tree.scene_multiplayer("") {
                    let _ = mp.disconnect_peer(peer);
                }
                // disconnect_peer raises no peer_disconnected here: forget it in the lobby now
                // (it may have registered in the same poll).
                lobby::server_peer_left(tree, lobby, peer);
                return;
            }
            metrics.connects.inc();
            metrics.peers.set(peers as i64);
            tracing::info!(peer, peers, "peer connected");
            if let Some(arena) = arena {
                arena::server_peer_joined(tree, arena, peer);
            }
        }
        MultiplayerEvent::PeerDisconnected(peer) => {
            let peers = tree.multiplayer("").map_or(0, |mp| mp.get_peers().len());
            metrics.disconnects.inc();
            metrics.peers.set(peers as i64);
            tracing::info!(peer, peers, "peer disconnected");
            lobby::server_peer_left(tree, lobby, peer);
            if let Some(arena) = arena {
                arena::server_peer_left(tree, arena, peer);
            }
        }
        MultiplayerEvent::PeerAuthenticating(peer) => {
            tracing::info!(peer, "peer authenticating");
        }
        MultiplayerEvent::PeerAuthenticationFailed(peer) => {
            metrics.auth_failures.inc();
            tracing::warn!(peer, "authentication failed");
        }
        MultiplayerEvent::RpcRejected {
            from,
            node,
            method,
            reason,
        } => {
            metrics.record_rpc_rejected(&reason);
            tracing::warn!(peer = from, node = %node, method = %method, %reason, "refused RPC");
        }
        MultiplayerEvent::PacketRejected { from, error } => {
            metrics.packets_rejected.inc();
            tracing::warn!(peer = from, %error, "dropped packet");
        }
        MultiplayerEvent::ReplicationRejected { from, error } => {
            metrics.replication_rejected.inc();
            tracing::warn!(peer = from, %error, "refused replication");
        }
        MultiplayerEvent::PeerPacket { from, data } => {
            tracing::debug!(peer = from, bytes = data.len(), "raw packet for the server");
        }
        MultiplayerEvent::DrainStarted => {
            tracing::info!("the game was told the server drains");
        }
        MultiplayerEvent::ConnectedToServer
        | MultiplayerEvent::ConnectionFailed
        | MultiplayerEvent::ServerDisconnected => {}
        _ => {}
    }
}
