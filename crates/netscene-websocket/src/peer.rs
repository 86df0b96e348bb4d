//! `WebSocketMultiplayerPeer`: Godot 4's WebSocket transport behind netscene's
//! [`MultiplayerPeer`] trait.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER,
};
use tungstenite::Bytes;

use crate::client::{Client, Progress};
use crate::connection::{Connection, Lingering, SendError};
use crate::server::{Server, listen};
use crate::settings::Settings;
use crate::tls::TlsOptions;

enum Role {
    Idle,
    Server(Box<Server>),
    Client(Box<Client>),
}

/// Godot 4's `WebSocketMultiplayerPeer`, wire-compatible with it: a Godot 4 web or desktop
/// client can join a netscene server and a netscene client can join a Godot server.
///
/// The server sends each client its id as one binary message of exactly 4 bytes (i32 LE)
/// once the WebSocket is open, then reports [`PeerEvent::PeerConnected`]; the client takes
/// that first message as its id and reports `PeerConnected(1)`. Every packet is one binary
/// message with no header. WebSocket runs over TCP, so every transfer mode is delivered
/// reliably and in order, and channels are ignored (packets report channel 0, reliable).
///
/// All I/O happens in [`poll`](MultiplayerPeer::poll) on non-blocking sockets (tungstenite,
/// rustls for `wss://`); no thread is started.
///
/// ```no_run
/// use netscene::peer::{MultiplayerPeer, PeerEvent};
/// use netscene_websocket::WebSocketMultiplayerPeer;
///
/// let mut server = WebSocketMultiplayerPeer::new();
/// server.create_server(0, "127.0.0.1", None).unwrap();
/// let port = server.bound_port().unwrap();
/// let mut client = WebSocketMultiplayerPeer::new();
/// client.create_client(&format!("ws://127.0.0.1:{port}"), None).unwrap();
/// loop {
///     server.poll();
///     client.poll();
///     if let Some(PeerEvent::PeerConnected(1)) = client.pop_event() {
///         break;
///     }
/// }
/// ```
pub struct WebSocketMultiplayerPeer {
    settings: Settings,
    role: Role,
    status: ConnectionStatus,
    unique_id: PeerId,
    packet_settings: PacketSettings,
    refusing: bool,
    incoming: VecDeque<Packet>,
    events: VecDeque<PeerEvent>,
    lingering: Vec<Lingering>,
}

impl Default for WebSocketMultiplayerPeer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for WebSocketMultiplayerPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketMultiplayerPeer")
            .field("status", &self.status)
            .field("unique_id", &self.unique_id)
            .field("local_addr", &self.local_addr())
            .finish_non_exhaustive()
    }
}

fn send_error(error: SendError) -> PeerError {
    match error {
        SendError::QueueFull => PeerError::QueueFull,
        SendError::Closed(why) => PeerError::Connection(why),
    }
}

impl WebSocketMultiplayerPeer {
    /// A closed peer with Godot's default properties.
    pub fn new() -> Self {
        Self {
            settings: Settings::default(),
            role: Role::Idle,
            status: ConnectionStatus::Disconnected,
            unique_id: 0,
            packet_settings: PacketSettings::default(),
            refusing: false,
            incoming: VecDeque::new(),
            events: VecDeque::new(),
            lingering: Vec::new(),
        }
    }

    /// Starts a server on `port` (0: the OS picks one, see [`bound_port`](Self::bound_port)).
    /// `bind_address` is `"*"` (every address) or one IP address; `tls` must be server
    /// options (`wss://`) or `None` (`ws://`).
    pub fn create_server(
        &mut self,
        port: u16,
        bind_address: &str,
        tls: Option<TlsOptions>,
    ) -> Result<(), PeerError> {
        if self.status != ConnectionStatus::Disconnected {
            return Err(PeerError::AlreadyInUse);
        }
        let tls_config = match &tls {
            Some(options) => Some(options.server_config().ok_or_else(|| {
                PeerError::InvalidParameter("client TLS options given to a server".into())
            })?),
            None => None,
        };
        self.clear();
        self.events.clear();
        let listener = listen(port, bind_address)?;
        let server = Server::new(listener, tls_config).map_err(|e| {
            PeerError::CantCreate(format!("cannot watch the server's sockets: {e}"))
        })?;
        tracing::info!(addr = ?server.local_addr(), tls = tls.is_some(), "websocket server listening");
        self.role = Role::Server(Box::new(server));
        self.unique_id = TARGET_PEER_SERVER;
        self.status = ConnectionStatus::Connected;
        Ok(())
    }

    /// Connects to `url` (`ws://host:port/path` or `wss://…`; no scheme means `ws://`).
    /// `tls` must be client options or `None` (for `wss://`: verify against the default
    /// roots). The connection is made in [`poll`](MultiplayerPeer::poll).
    pub fn create_client(&mut self, url: &str, tls: Option<TlsOptions>) -> Result<(), PeerError> {
        if self.status != ConnectionStatus::Disconnected {
            return Err(PeerError::AlreadyInUse);
        }
        if tls.as_ref().is_some_and(TlsOptions::is_server) {
            return Err(PeerError::InvalidParameter(
                "server TLS options given to a client".into(),
            ));
        }
        self.clear();
        self.events.clear();
        let client = Client::connect(url, tls.as_ref(), &self.settings)?;
        self.role = Role::Client(Box::new(client));
        self.status = ConnectionStatus::Connecting;
        Ok(())
    }

    /// The address the server listens on (`None` unless a server).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.role {
            Role::Server(server) => server.local_addr(),
            _ => None,
        }
    }

    /// The port the server listens on: the OS's choice after `create_server(0, …)`.
    pub fn bound_port(&self) -> Option<u16> {
        self.local_addr().map(|addr| addr.port())
    }

    fn connection(&self, id: PeerId) -> Option<&Connection> {
        match &self.role {
            Role::Server(server) => server.peers.get(&id),
            Role::Client(client) if id == TARGET_PEER_SERVER => client.connection(),
            _ => None,
        }
    }

    /// The remote IP address of a connected peer (Godot's `get_peer_address`). IPv4 clients
    /// of a dual-stack server are reported as IPv4, not as IPv4-mapped IPv6.
    pub fn get_peer_address(&self, id: PeerId) -> Option<IpAddr> {
        self.connection(id)?
            .addr()
            .map(|addr| addr.ip().to_canonical())
    }

    /// The remote port of a connected peer (Godot's `get_peer_port`).
    pub fn get_peer_port(&self, id: PeerId) -> Option<u16> {
        self.connection(id)?.addr().map(|addr| addr.port())
    }

    /// The ids of the connected peers (on a client: `[1]` once connected).
    pub fn peer_ids(&self) -> Vec<PeerId> {
        match &self.role {
            Role::Server(server) => server.peers.keys().copied().collect(),
            Role::Client(_) if self.status == ConnectionStatus::Connected => {
                vec![TARGET_PEER_SERVER]
            }
            _ => Vec::new(),
        }
    }

    /// `Sec-WebSocket-Protocol` values a client offers or a server accepts (default: none).
    pub fn get_supported_protocols(&self) -> &[String] {
        &self.settings.supported_protocols
    }
    /// Sets the subprotocols, for connections made afterwards.
    pub fn set_supported_protocols(&mut self, protocols: Vec<String>) {
        self.settings.supported_protocols = protocols;
    }
    /// How often each connection pings its remote end to measure the round-trip time that
    /// `peer_statistics` reports (default `None`: no pings, as Godot's peer).
    pub fn get_rtt_ping_interval(&self) -> Option<Duration> {
        self.settings.rtt_ping_interval
    }
    /// Sets the round-trip ping interval, for connections made afterwards. Not in Godot;
    /// Godot and browsers answer pings by themselves, so any client works.
    pub fn set_rtt_ping_interval(&mut self, interval: Option<Duration>) {
        self.settings.rtt_ping_interval = interval.filter(|i| !i.is_zero());
    }
    /// Extra `Name: value` handshake header lines (default: none).
    pub fn get_handshake_headers(&self) -> &[String] {
        &self.settings.handshake_headers
    }
    /// Sets the extra handshake headers, for connections made afterwards.
    pub fn set_handshake_headers(&mut self, headers: Vec<String>) {
        self.settings.handshake_headers = headers;
    }
    /// Largest message accepted and receive budget per connection (default 65535 bytes).
    pub fn get_inbound_buffer_size(&self) -> usize {
        self.settings.inbound_buffer_size
    }
    /// Sets the inbound buffer size, for connections made afterwards.
    pub fn set_inbound_buffer_size(&mut self, size: usize) {
        self.settings.inbound_buffer_size = size;
    }
    /// Unsent bytes a connection may hold (default 65535); `get_max_packet_size()` is this − 9.
    pub fn get_outbound_buffer_size(&self) -> usize {
        self.settings.outbound_buffer_size
    }
    /// Sets the outbound buffer size, for connections made afterwards.
    pub fn set_outbound_buffer_size(&mut self, size: usize) {
        self.settings.outbound_buffer_size = size;
    }
    /// Messages a connection may hold unsent or unread (default 2048).
    pub fn get_max_queued_packets(&self) -> usize {
        self.settings.max_queued_packets
    }
    /// Sets the queue limit, for connections made afterwards.
    pub fn set_max_queued_packets(&mut self, count: usize) {
        self.settings.max_queued_packets = count.max(1);
    }
    /// How long a connection may take to open, id message included (default 3 s).
    pub fn get_handshake_timeout(&self) -> Duration {
        self.settings.handshake_timeout
    }
    /// The `Origin` values a server accepts in handshakes (empty: every origin, Godot's
    /// behaviour). A netscene addition against cross-site WebSocket hijacking: a browser page
    /// of another site is refused with `403 Forbidden`; clients that send no `Origin` (native
    /// Godot games, tools) are admitted. Compared without case and a trailing `/`, e.g.
    /// `https://game.example.com`. Applies to handshakes that start after the call.
    pub fn set_allowed_origins(&mut self, origins: Vec<String>) {
        self.settings.allowed_origins = origins;
    }

    /// Most peers a server keeps open at once (`None`, the default: no limit, as Godot, which
    /// has no such setting). A netscene addition: while the server is full, a new client's
    /// handshake is answered `503 Service Unavailable` (a Godot client reports
    /// `connection_failed`), so no peer is admitted and then dropped, and the connected
    /// players see nothing. Applies from the next poll.
    pub fn set_max_peers(&mut self, max: Option<usize>) {
        self.settings.max_peers = max;
    }

    /// The limit set by [`set_max_peers`](Self::set_max_peers).
    pub fn get_max_peers(&self) -> Option<usize> {
        self.settings.max_peers
    }

    /// Most connections one IP address may have in their handshake at once (`None`, the
    /// default: no limit, as in Godot). A netscene addition against handshake floods: further
    /// connections from that address are closed as soon as they are accepted, so one address
    /// cannot take every pending slot (at most 1024 in total) from legitimate clients.
    pub fn set_max_pending_per_address(&mut self, max: Option<usize>) {
        self.settings.max_pending_per_address = max.map(|m| m.max(1));
    }

    /// The limit set by [`set_max_pending_per_address`](Self::set_max_pending_per_address).
    pub fn get_max_pending_per_address(&self) -> Option<usize> {
        self.settings.max_pending_per_address
    }

    /// The origins set by [`set_allowed_origins`](Self::set_allowed_origins).
    pub fn get_allowed_origins(&self) -> &[String] {
        &self.settings.allowed_origins
    }

    /// A `wss://` server's certificate, replaceable while the server runs (renewal without
    /// dropping players). `None` for clients and `ws://` servers.
    pub fn server_certificate(&self) -> Option<crate::ServerCertificate> {
        match &self.role {
            Role::Server(server) => server.tls.clone(),
            _ => None,
        }
    }

    /// Sets the handshake timeout; zero is refused, as in Godot.
    pub fn set_handshake_timeout(&mut self, timeout: Duration) -> Result<(), PeerError> {
        if timeout.is_zero() {
            return Err(PeerError::InvalidParameter(
                "handshake_timeout must be positive".into(),
            ));
        }
        self.settings.handshake_timeout = timeout;
        Ok(())
    }

    /// Godot's `_clear`: drops every connection and queued packet, without events.
    fn clear(&mut self) {
        match std::mem::replace(&mut self.role, Role::Idle) {
            Role::Idle => {}
            Role::Server(server) => server.shutdown(),
            Role::Client(client) => {
                if let Some(mut lingering) = client.close(Instant::now()) {
                    // Past its deadline at once: sends the close frame if it can, then drops.
                    lingering.poll(Instant::now());
                }
            }
        }
        self.status = ConnectionStatus::Disconnected;
        self.unique_id = 0;
        self.incoming.clear();
    }

    fn poll_client(&mut self) {
        let Role::Client(client) = &mut self.role else {
            return;
        };
        match client.poll(&self.settings, &mut self.incoming) {
            Progress::Connecting | Progress::Open => {}
            Progress::Connected(id) => {
                tracing::debug!(id, "websocket client connected");
                self.unique_id = id;
                self.status = ConnectionStatus::Connected;
                self.events
                    .push_back(PeerEvent::PeerConnected(TARGET_PEER_SERVER));
            }
            Progress::Ended => {
                if self.status == ConnectionStatus::Connected {
                    self.events
                        .push_back(PeerEvent::PeerDisconnected(TARGET_PEER_SERVER));
                }
                if let Role::Client(client) = std::mem::replace(&mut self.role, Role::Idle) {
                    let deadline = Instant::now() + self.settings.handshake_timeout;
                    self.lingering.extend(client.close(deadline));
                }
                self.clear();
            }
        }
    }
}

impl MultiplayerPeer for WebSocketMultiplayerPeer {
    /// Mode and channel are kept for the getters only: WebSocket is one reliable, ordered stream.
    fn packet_settings(&self) -> &PacketSettings {
        &self.packet_settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.packet_settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        if self.status != ConnectionStatus::Connected {
            return Err(PeerError::Unconfigured);
        }
        let limit = self.settings.max_packet_size();
        if data.len() > limit {
            return Err(PeerError::PacketTooLarge {
                size: data.len(),
                limit,
            });
        }
        let payload = Bytes::copy_from_slice(data);
        match &mut self.role {
            Role::Server(server) => {
                let target = self.packet_settings.target_peer;
                if target > 0 {
                    let connection = server
                        .connection_mut(target)
                        .ok_or(PeerError::UnknownPeer(target))?;
                    return connection.send(payload, &self.settings).map_err(send_error);
                }
                // Broadcast (0) or all but one (-id): per-peer failures are not reported, as
                // in Godot; a broken connection leaves at the next poll.
                for (id, connection) in server.connections_mut() {
                    if target < 0 && Some(id) == target.checked_neg() {
                        continue;
                    }
                    if let Err(error) = connection.send(payload.clone(), &self.settings) {
                        tracing::debug!(peer = id, ?error, "broadcast to one peer failed");
                    }
                }
                Ok(())
            }
            // A client only talks to the server; the target is the relay's business.
            Role::Client(client) => match client.connection_mut() {
                Some(connection) => connection.send(payload, &self.settings).map_err(send_error),
                None => Err(PeerError::Unconfigured),
            },
            Role::Idle => Err(PeerError::Unconfigured),
        }
    }

    fn get_available_packet_count(&self) -> usize {
        self.incoming.len()
    }

    fn peek_packet(&self) -> Option<&Packet> {
        self.incoming.front()
    }

    fn get_packet(&mut self) -> Option<Packet> {
        let packet = self.incoming.pop_front()?;
        let connection = match &mut self.role {
            // A connection whose reads stopped at its queue limit is still listed (readable).
            Role::Server(server) => server.peers.get_mut(&packet.from),
            Role::Client(client) => client.connection_mut(),
            Role::Idle => None,
        };
        if let Some(connection) = connection {
            connection.packet_taken(packet.data.len());
        }
        Some(packet)
    }

    fn poll(&mut self) {
        let now = Instant::now();
        self.lingering.retain_mut(|lingering| lingering.poll(now));
        match &mut self.role {
            Role::Idle => {}
            Role::Server(server) => server.poll(
                &self.settings,
                self.refusing,
                &mut self.incoming,
                &mut self.events,
            ),
            Role::Client(_) => self.poll_client(),
        }
    }

    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    fn get_unique_id(&self) -> PeerId {
        self.unique_id
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        self.status
    }

    /// Sends a close frame; the peer leaves (with `PeerDisconnected`) at the next poll.
    /// `force` drops it at once and reports nothing, as Godot does.
    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        match &mut self.role {
            Role::Server(server) => {
                if force {
                    if let Some(mut connection) = server.peers.remove(&id) {
                        connection.start_close();
                        let _ = connection.flush();
                        connection.abort();
                    }
                } else if let Some(connection) = server.connection_mut(id) {
                    connection.start_close();
                }
            }
            Role::Client(client) if id == TARGET_PEER_SERVER => match client.connection_mut() {
                Some(connection) if !force && self.status == ConnectionStatus::Connected => {
                    connection.start_close();
                }
                _ => self.clear(),
            },
            _ => {}
        }
    }

    fn close(&mut self) {
        self.clear();
    }

    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.refusing = refuse;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refusing
    }

    fn is_server_relay_supported(&self) -> bool {
        true
    }

    fn get_max_packet_size(&self) -> usize {
        self.settings.max_packet_size()
    }

    fn peer_statistics(&self, id: PeerId) -> Option<netscene::peer::PeerStatistics> {
        Some(self.connection(id)?.statistics())
    }
}
