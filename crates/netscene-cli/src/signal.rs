//! `netscene signal [--listen ADDR]`: the WebRTC lobby signaling server. Players' games (Godot's
//! WebRTCMultiplayerPeer with a few lines of GDScript, or netscene's `LobbyPeer`) join lobbies
//! here and exchange their offers, answers and ICE candidates; the game traffic itself then
//! flows peer to peer over WebRTC. The JSON protocol is in the README's "WebRTC" section.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Args;
use netscene_webrtc::SignalingServer;

use crate::logging::{self, LogFormat, LogTarget};

/// Arguments of `netscene signal`.
#[derive(Debug, Args)]
pub struct SignalArgs {
    /// Address to listen on (WebSocket, ws://).
    #[arg(long, default_value = "127.0.0.1:9080", env = "NETSCENE_SIGNAL_LISTEN")]
    listen: SocketAddr,
    /// Log format.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
}

/// Runs the signaling server until SIGINT or SIGTERM.
pub fn run(args: SignalArgs) -> ExitCode {
    logging::init(args.log_format, LogTarget::Stdout, "info");
    let mut server = match SignalingServer::bind(args.listen) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", args.listen);
            return ExitCode::from(1);
        }
    };
    let addr = server.local_addr().unwrap_or(args.listen);
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            eprintln!("error: cannot handle signal {signal}: {e}");
            return ExitCode::from(1);
        }
    }
    tracing::info!(url = %format!("ws://{addr}"), "signaling server listening");
    while !stop.load(Ordering::Relaxed) {
        server.poll();
        std::thread::sleep(Duration::from_millis(2));
    }
    tracing::info!(lobbies = server.lobbies().len(), "signaling server stopped");
    ExitCode::SUCCESS
}
