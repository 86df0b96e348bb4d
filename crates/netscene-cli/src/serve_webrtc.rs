//! `netscene serve --transport webrtc`: the server is the host (peer id 1) of a WebRTC lobby
//! ([`LobbyPeer`]); players join the lobby through a signaling server and then talk to the
//! server over WebRTC data channels. Without `--signal`, the signaling server runs in this
//! process on `--bind`/`--port` (what `netscene signal` runs on its own), for the life of the
//! process.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::thread;
use std::time::Duration;

use netscene::peer::MultiplayerPeer;
use netscene_webrtc::{ConnectionConfig, LobbyOptions, LobbyPeer, SignalingServer};

/// `serve`'s WebRTC flags (used with `--transport webrtc` only).
#[derive(Debug, Clone, clap::Args)]
pub struct WebRtcArgs {
    /// WebRTC: the `ws://` URL of a running lobby signaling server (`netscene signal`);
    /// without it the signaling server runs in this process on --bind and --port.
    #[arg(long, env = "NETSCENE_SIGNAL", value_name = "URL")]
    pub signal: Option<String>,
    /// WebRTC: the IP address the server's data-channel sockets bind to and announce to
    /// players (its ICE host candidate). Default: --bind when it is one address, else
    /// 127.0.0.1 (give a LAN or public address for players on other machines).
    #[arg(long, env = "NETSCENE_WEBRTC_IP", value_name = "IP")]
    pub webrtc_ip: Option<IpAddr>,
}

impl WebRtcArgs {
    /// True when a WebRTC flag was given.
    pub fn is_used(&self) -> bool {
        self.signal.is_some() || self.webrtc_ip.is_some()
    }
}

/// A started WebRTC lobby host: its peer, and the signaling port when hosted in-process.
pub struct WebRtcServer {
    /// The lobby's server peer (id 1).
    pub peer: Box<dyn MultiplayerPeer>,
    /// The in-process signaling server's port (0 with `--signal`).
    pub port: u16,
}

/// How often the in-process signaling server is polled.
const SIGNALING_POLL: Duration = Duration::from_millis(2);

/// Starts the signaling server when no `--signal` URL is given, creates the lobby as its
/// server and logs the lobby's name and signaling URL (what players need to join).
pub fn start(args: &WebRtcArgs, bind: &str, port: u16) -> Result<WebRtcServer, String> {
    let bind_ip: Option<IpAddr> = match bind {
        "*" => None,
        other => Some(
            other
                .parse()
                .map_err(|_| format!("invalid bind address {other:?}"))?,
        ),
    };
    let (url, signaling_port) = match &args.signal {
        Some(url) => (url.clone(), 0),
        None => {
            let ip = bind_ip.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            let (url, port) = host_signaling(SocketAddr::new(ip, port))?;
            (url, port)
        }
    };
    let ip = args
        .webrtc_ip
        .or(bind_ip.filter(|ip| !ip.is_unspecified()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let options = LobbyOptions {
        connection: ConnectionConfig {
            bind: SocketAddr::new(ip, 0),
        },
        ..LobbyOptions::default()
    };
    let peer = LobbyPeer::create(&url, false, options)
        .map_err(|e| format!("cannot create a lobby on the signaling server {url}: {e}"))?;
    tracing::info!(
        lobby = %peer.lobby(),
        signal = %url,
        webrtc_ip = %ip,
        "WebRTC lobby open: players join this lobby through the signaling server"
    );
    Ok(WebRtcServer {
        peer: Box::new(peer),
        port: signaling_port,
    })
}

/// Binds the signaling server and polls it on a thread of its own for the life of the
/// process; returns the URL this server reaches it at, and its port.
fn host_signaling(address: SocketAddr) -> Result<(String, u16), String> {
    let mut server = SignalingServer::bind(address)
        .map_err(|e| format!("cannot listen for WebRTC signaling on {address}: {e}"))?;
    let bound = server.local_addr().unwrap_or(address);
    let host = match bound.ip() {
        ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        ip => ip,
    };
    let url = format!("ws://{}", SocketAddr::new(host, bound.port()));
    thread::Builder::new()
        .name("signaling".into())
        .spawn(move || {
            loop {
                server.poll();
                thread::sleep(SIGNALING_POLL);
            }
        })
        .map_err(|e| format!("cannot start the signaling thread: {e}"))?;
    tracing::info!(url = %format!("ws://{bound}"), "signaling server listening");
    Ok((url, bound.port()))
}
