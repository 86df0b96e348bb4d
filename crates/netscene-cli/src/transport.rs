//! Which transport a subcommand uses, and how it makes server and client peers.

use std::fmt;

use clap::ValueEnum;
use netscene::peer::MultiplayerPeer;
use netscene::peer::simulated::SimulatedNetwork;
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, MAX_PEERS, ServerOptions};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

/// A transport choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportKind {
    /// The in-process simulated network (latency, loss), for demos and benches.
    Sim,
    /// ENet over UDP: Godot's `ENetMultiplayerPeer`.
    Enet,
    /// WebSocket over TCP: Godot's `WebSocketMultiplayerPeer`.
    Ws,
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Sim => "sim",
            TransportKind::Enet => "enet",
            TransportKind::Ws => "ws",
        })
    }
}

/// Where servers listen and clients connect; the simulated network lives in the process.
#[derive(Clone)]
pub enum Endpoint {
    /// A simulated network shared by server and clients.
    Sim(SimulatedNetwork),
    /// ENet at `host:port`.
    Enet {
        /// Host name or IP address.
        host: String,
        /// UDP port.
        port: u16,
    },
    /// WebSocket at `ws://host:port`, or `wss://host:port` with TLS.
    Ws {
        /// Host name or IP address.
        host: String,
        /// TCP port.
        port: u16,
        /// `wss://`: what a client trusts (`None`: plain `ws://`).
        tls: Option<TlsOptions>,
    },
}

impl Endpoint {
    /// A short human-readable form: `enet 127.0.0.1:7000`.
    pub fn describe(&self) -> String {
        match self {
            Endpoint::Sim(_) => "simulated network".into(),
            Endpoint::Enet { host, port } => format!("ENet udp://{host}:{port}"),
            Endpoint::Ws { .. } => format!("WebSocket {}", self.ws_url().unwrap_or_default()),
        }
    }

    /// The `ws://` or `wss://` URL of a WebSocket endpoint (IPv6 hosts in brackets).
    pub fn ws_url(&self) -> Option<String> {
        let Endpoint::Ws { host, port, tls } = self else {
            return None;
        };
        let scheme = if tls.is_some() { "wss" } else { "ws" };
        Some(if host.contains(':') {
            format!("{scheme}://[{host}]:{port}")
        } else {
            format!("{scheme}://{host}:{port}")
        })
    }
}

/// Receive and send buffer asked for an ENet server socket. Linux grants at most
/// `net.core.rmem_max` / `wmem_max`: with 4 MiB, 4 095 bench clients still overflowed it in
/// bursts (ENet then resends after its timeout: seconds of p99); with 32 MiB, never.
pub const SERVER_SOCKET_BUFFER: usize = 32 << 20;

/// Starts a server peer. `bind` is `"*"` or an IP address; `port` 0 picks a free port.
/// Returns the peer and the endpoint clients use to reach it (loopback for wildcard binds).
pub fn start_server(
    kind: TransportKind,
    bind: &str,
    port: u16,
    max_clients: usize,
    network: Option<&SimulatedNetwork>,
) -> Result<(Box<dyn MultiplayerPeer>, Endpoint), String> {
    match kind {
        TransportKind::Sim => {
            let network = network.cloned().unwrap_or_else(|| SimulatedNetwork::new(1));
            let peer = network
                .create_server()
                .map_err(|e| format!("cannot start the simulated server: {e}"))?;
            Ok((Box::new(peer), Endpoint::Sim(network)))
        }
        TransportKind::Enet => {
            let (peer, endpoint) = start_enet_server(bind, port, max_clients)?;
            Ok((Box::new(peer), endpoint))
        }
        TransportKind::Ws => {
            let (peer, endpoint) = start_ws_server(bind, port, None, Vec::new())?;
            Ok((Box::new(peer), endpoint))
        }
    }
}

/// Starts an ENet server (see [`start_server`]), as its concrete peer so that ENet's own
/// settings can be applied.
pub fn start_enet_server(
    bind: &str,
    port: u16,
    max_clients: usize,
) -> Result<(ENetMultiplayerPeer, Endpoint), String> {
    let client_host = client_host(bind);
    if !(1..=MAX_PEERS).contains(&max_clients) {
        return Err(format!(
            "--max-clients must be between 1 and {MAX_PEERS} for ENet"
        ));
    }
    let bind_ip = if bind == "*" {
        None
    } else {
        Some(
            bind.parse()
                .map_err(|_| format!("invalid bind address {bind:?}"))?,
        )
    };
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_server_with(ServerOptions {
        max_clients,
        bind_ip,
        ..ServerOptions::new(port)
    })
    .map_err(|e| format!("cannot listen on ENet port {port}: {e}"))?;
    // One socket takes every client's traffic: C ENet's 256 KiB holds a few hundred
    // datagrams, too few when the server thread waits for a busy CPU.
    match peer.set_socket_buffer_size(SERVER_SOCKET_BUFFER) {
        Ok(granted) if granted < SERVER_SOCKET_BUFFER => tracing::info!(
            granted_kib = granted / 1024,
            asked_kib = SERVER_SOCKET_BUFFER / 1024,
            "the system capped the UDP socket buffers; with thousands of clients, bursts will \
             be dropped and resent: raise net.core.rmem_max and net.core.wmem_max"
        ),
        Ok(_) => {}
        Err(error) => tracing::debug!(%error, "socket buffer size not raised"),
    }
    let port = peer.local_port().unwrap_or(port);
    Ok((
        peer,
        Endpoint::Enet {
            host: client_host,
            port,
        },
    ))
}

/// Starts a WebSocket server: `wss://` when `tls` (server options) is given, admitting only
/// the `allowed_origins` when the list is not empty. Returns the peer itself (for its
/// certificate renewal) and the endpoint clients use.
pub fn start_ws_server(
    bind: &str,
    port: u16,
    tls: Option<TlsOptions>,
    allowed_origins: Vec<String>,
) -> Result<(WebSocketMultiplayerPeer, Endpoint), String> {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.set_allowed_origins(allowed_origins);
    // Round-trip times for the server's per-peer statistics (browsers and Godot answer pings
    // by themselves).
    peer.set_rtt_ping_interval(Some(std::time::Duration::from_secs(1)));
    let secure = tls.is_some();
    peer.create_server(port, bind, tls)
        .map_err(|e| format!("cannot listen on WebSocket port {port}: {e}"))?;
    let port = peer.bound_port().unwrap_or(port);
    let client_tls = secure.then(|| TlsOptions::client(None, None)).transpose();
    let tls = client_tls.map_err(|e| format!("cannot make client TLS options: {e}"))?;
    let endpoint = Endpoint::Ws {
        host: client_host(bind),
        port,
        tls,
    };
    Ok((peer, endpoint))
}

/// Where a client on this machine reaches a server bound to `bind` (loopback for wildcards).
fn client_host(bind: &str) -> String {
    if bind == "*" || bind == "0.0.0.0" || bind == "::" {
        "127.0.0.1".to_string()
    } else {
        bind.to_string()
    }
}

/// Starts a client peer connecting to `endpoint`.
pub fn start_client(endpoint: &Endpoint) -> Result<Box<dyn MultiplayerPeer>, String> {
    match endpoint {
        Endpoint::Sim(network) => Ok(Box::new(network.create_client())),
        Endpoint::Enet { host, port } => {
            let mut peer = ENetMultiplayerPeer::new();
            peer.create_client_with(ClientOptions::new(host.clone(), *port))
                .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
            Ok(Box::new(peer))
        }
        Endpoint::Ws { tls, .. } => {
            let mut peer = WebSocketMultiplayerPeer::new();
            let url = endpoint.ws_url().unwrap_or_default();
            peer.create_client(&url, tls.clone())
                .map_err(|e| format!("cannot connect to {url}: {e}"))?;
            Ok(Box::new(peer))
        }
    }
}

/// Splits `HOST:PORT` (IPv6 as `[::1]:7000`) into host and port.
pub fn parse_host_port(address: &str) -> Result<(String, u16), String> {
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| format!("expected HOST:PORT, got {address:?}"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("expected HOST:PORT, got {address:?}"));
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("invalid port in {address:?}"))?;
    if port == 0 {
        return Err(format!("port 0 in {address:?}: give the server's port"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_parsing() {
        assert_eq!(
            parse_host_port("127.0.0.1:7000"),
            Ok(("127.0.0.1".into(), 7000))
        );
        assert_eq!(parse_host_port("[::1]:80"), Ok(("::1".into(), 80)));
        assert!(parse_host_port("localhost").is_err());
        assert!(parse_host_port(":7000").is_err());
        assert!(parse_host_port("h:70000").is_err());
        assert!(parse_host_port("h:0").is_err());
    }
}

/// The transports a networked server or client can use (not the in-process simulation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetTransport {
    /// ENet over UDP: Godot's `ENetMultiplayerPeer`.
    Enet,
    /// WebSocket over TCP: Godot's `WebSocketMultiplayerPeer`.
    Ws,
}

impl From<NetTransport> for TransportKind {
    fn from(value: NetTransport) -> Self {
        match value {
            NetTransport::Enet => TransportKind::Enet,
            NetTransport::Ws => TransportKind::Ws,
        }
    }
}

/// The transports `serve` hosts: [`NetTransport`]'s, and WebRTC (the server hosts a lobby:
/// [`crate::serve_webrtc`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServeTransport {
    /// ENet over UDP: Godot's `ENetMultiplayerPeer`.
    Enet,
    /// WebSocket over TCP: Godot's `WebSocketMultiplayerPeer`.
    Ws,
    /// WebRTC data channels: Godot's `WebRTCMultiplayerPeer`, players joining the server's
    /// lobby through a signaling server (`netscene signal`'s protocol).
    Webrtc,
}

impl fmt::Display for ServeTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ServeTransport::Enet => "enet",
            ServeTransport::Ws => "ws",
            ServeTransport::Webrtc => "webrtc",
        })
    }
}
