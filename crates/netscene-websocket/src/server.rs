//! The server side: listening socket, pending handshakes, open peers (Godot's `_poll_server`).

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mio::net::TcpStream;

use netscene::peer::{Packet, PeerError, PeerEvent, PeerId, generate_unique_id};
use rustls::{ServerConfig, ServerConnection};
use socket2::{Domain, Protocol, Socket, Type};
use tungstenite::handshake::server::ServerHandshake;
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::{Bytes, WebSocket};

use crate::connection::{Connection, Ended, Lingering, SendError};
use crate::negotiation::Negotiation;
use crate::readiness::{Readiness, Ready};
use crate::settings::Settings;
use crate::stream::NetStream;
use crate::tls::{TlsError, TlsOptions};

/// Connections still in their handshake at once; more wait in the kernel's accept backlog.
/// Each is also bounded in time by `handshake_timeout`, so slow or silent peers cannot pile up.
pub const MAX_PENDING_PEERS: usize = 1024;
/// New TCP connections taken per poll, so a connection flood cannot stall `poll()`.
const ACCEPTS_PER_POLL: usize = 64;
/// Listen backlog: Linux's `SOMAXCONN` since 5.4 (the kernel caps it at
/// `net.core.somaxconn`). With 128, thousands of clients connecting at once overflowed the
/// accept queue: dropped SYNs are retried after 1 s and 3 s, past Godot's 3 s handshake
/// timeout. Connections waiting here cost the server nothing until accepted.
const LISTEN_BACKLOG: i32 = 4096;
/// How often open peers are checked for a due round-trip ping (the other connections a poll
/// visits are only those with news or output).
const PING_SCAN_PERIOD: Duration = Duration::from_millis(10);

type ServerMidHandshake = MidHandshake<ServerHandshake<NetStream, Negotiation>>;

/// A TCP connection that is not yet an open WebSocket (Godot's `PendingPeer`).
struct PendingPeer {
    id: PeerId,
    /// The remote IP address (canonical: IPv4 clients of a dual-stack socket as IPv4).
    ip: Option<IpAddr>,
    started: Instant,
    handshake: ServerMidHandshake,
}

/// The certificate a `wss://` server presents to new connections, replaceable while it runs
/// (certificate renewal): connections already open keep the TLS session they made.
///
/// ```
/// # use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};
/// # fn renew(server: &WebSocketMultiplayerPeer, new: &TlsOptions) {
/// if let Some(certificate) = server.server_certificate() {
///     certificate.replace(new).expect("server options");
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct ServerCertificate {
    config: Arc<Mutex<Arc<ServerConfig>>>,
}

impl std::fmt::Debug for ServerCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerCertificate")
    }
}

impl ServerCertificate {
    fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            config: Arc::new(Mutex::new(config)),
        }
    }

    /// Presents `options` (server options: key and certificate chain) to every connection
    /// accepted from now on. Client options are refused.
    pub fn replace(&self, options: &TlsOptions) -> Result<(), TlsError> {
        let config = options.server_config().ok_or_else(|| {
            TlsError::Config("client TLS options cannot serve connections".into())
        })?;
        *self.config.lock().unwrap_or_else(|e| e.into_inner()) = config;
        Ok(())
    }

    fn current(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Listening socket and connections of a `WebSocketMultiplayerPeer` in server mode.
///
/// A poll visits only the open connections listed in `work`: those the readiness poller
/// reported, those a receive left unfinished, and those with output to flush. Idle
/// connections cost nothing (reading every one each poll cost a read syscall apiece).
pub(crate) struct Server {
    listener: mio::net::TcpListener,
    readiness: Readiness,
    /// Connections may wait in the accept backlog (cleared when `accept` would block).
    listener_ready: bool,
    pub(crate) tls: Option<ServerCertificate>,
    pending: Vec<PendingPeer>,
    /// Open peers. Change them through [`connection_mut`](Self::connection_mut), which lists
    /// them for the next poll.
    pub(crate) peers: BTreeMap<PeerId, Connection>,
    /// Open peers the next poll visits (each once: see `Connection::schedule`).
    work: Vec<PeerId>,
    /// `work`'s previous allocation, reused.
    spare_work: Vec<PeerId>,
    /// When open peers were last checked for a due ping.
    last_ping_scan: Option<Instant>,
    lingering: Vec<Lingering>,
    /// Set while `max_peers` peers are open: handshakes read meanwhile are refused.
    full: Arc<AtomicBool>,
}

/// Opens the listening socket. `bind_address` is Godot's: `"*"` for every address (IPv6 and
/// IPv4 when the system allows both), or one IP address. Port 0 lets the OS choose.
pub(crate) fn listen(port: u16, bind_address: &str) -> Result<TcpListener, PeerError> {
    let candidates: Vec<IpAddr> = match bind_address.trim() {
        "*" | "" => vec![
            IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        ],
        address => {
            let bare = address.trim_start_matches('[').trim_end_matches(']');
            vec![bare.parse().map_err(|_| {
                PeerError::InvalidParameter(format!("invalid bind address {address:?}"))
            })?]
        }
    };
    let mut last_error = None;
    for ip in candidates {
        match listen_on(SocketAddr::new(ip, port)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    let error = last_error.map(|e| e.to_string()).unwrap_or_default();
    Err(PeerError::CantCreate(format!(
        "cannot listen on {bind_address}:{port}: {error}"
    )))
}

fn listen_on(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv6() {
        // Godot's "*" accepts IPv4 clients too (as IPv4-mapped addresses).
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

impl Server {
    pub(crate) fn new(listener: TcpListener, tls: Option<Arc<ServerConfig>>) -> io::Result<Self> {
        let mut listener = mio::net::TcpListener::from_std(listener);
        let readiness = Readiness::new()?;
        readiness.register_listener(&mut listener)?;
        Ok(Self {
            listener,
            readiness,
            listener_ready: true,
            tls: tls.map(ServerCertificate::new),
            pending: Vec::new(),
            peers: BTreeMap::new(),
            work: Vec::new(),
            spare_work: Vec::new(),
            last_ping_scan: None,
            lingering: Vec::new(),
            full: Arc::new(AtomicBool::new(false)),
        })
    }

    /// The open peer `id`, listed for the next poll (which flushes what was sent, and drops it
    /// if it started closing).
    pub(crate) fn connection_mut(&mut self, id: PeerId) -> Option<&mut Connection> {
        let connection = self.peers.get_mut(&id)?;
        if connection.schedule() {
            self.work.push(id);
        }
        Some(connection)
    }

    /// Every open peer, each listed for the next poll.
    pub(crate) fn connections_mut(&mut self) -> impl Iterator<Item = (PeerId, &mut Connection)> {
        let work = &mut self.work;
        self.peers.iter_mut().map(move |(&id, connection)| {
            if connection.schedule() {
                work.push(id);
            }
            (id, connection)
        })
    }

    /// Lists `id` for the next poll if it has work.
    fn schedule_if_busy(&mut self, id: PeerId) {
        if let Some(connection) = self.peers.get_mut(&id)
            && connection.has_work()
            && connection.schedule()
        {
            self.work.push(id);
        }
    }

    /// Takes the poller's news: marks ready connections readable and lists them.
    fn take_readiness(&mut self) {
        let Self {
            readiness,
            listener_ready,
            peers,
            work,
            ..
        } = self;
        readiness.take(|ready| match ready {
            Ready::Listener => *listener_ready = true,
            // Events of pending handshakes are not needed: handshakes advance every poll.
            Ready::Peer(id) => {
                if let Some(connection) = peers.get_mut(&id) {
                    connection.mark_readable();
                    if connection.schedule() {
                        work.push(id);
                    }
                }
            }
            Ready::Everything => {
                *listener_ready = true;
                for (&id, connection) in peers.iter_mut() {
                    connection.mark_readable();
                    if connection.schedule() {
                        work.push(id);
                    }
                }
            }
        });
    }

    /// Writes a round-trip ping to every open peer whose ping is due (checked every
    /// `PING_SCAN_PERIOD`, not at every poll).
    fn send_due_pings(&mut self, settings: &Settings, now: Instant) {
        let Some(interval) = settings.rtt_ping_interval else {
            return;
        };
        if self
            .last_ping_scan
            .is_some_and(|last| now.duration_since(last) < PING_SCAN_PERIOD)
        {
            return;
        }
        self.last_ping_scan = Some(now);
        for (&id, connection) in &mut self.peers {
            if connection.ping_if_due(interval, now) && connection.schedule() {
                self.work.push(id);
            }
        }
    }

    /// Whether `max_peers` peers are open.
    fn is_full(&self, settings: &Settings) -> bool {
        settings
            .max_peers
            .is_some_and(|max| self.peers.len() >= max)
    }

    /// Publishes [`is_full`](Self::is_full) to the handshakes' callbacks.
    fn update_full(&self, settings: &Settings) {
        self.full.store(self.is_full(settings), Ordering::Relaxed);
    }

    /// The address the server listens on (its port is the OS's pick after port 0).
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Accepts, advances handshakes, moves packets, and reports connects and disconnects.
    pub(crate) fn poll(
        &mut self,
        settings: &Settings,
        refusing: bool,
        incoming: &mut VecDeque<Packet>,
        events: &mut VecDeque<PeerEvent>,
    ) {
        let now = Instant::now();
        self.update_full(settings);
        self.take_readiness();
        if !refusing && self.listener_ready {
            self.accept_new(settings, now);
        }
        self.advance_handshakes(settings, refusing, now, events);
        self.send_due_pings(settings, now);

        let mut gone = Vec::new();
        let mut work = std::mem::replace(&mut self.work, std::mem::take(&mut self.spare_work));
        for &id in &work {
            let Some(connection) = self.peers.get_mut(&id) else {
                continue;
            };
            connection.unschedule();
            let mut result = Ok(());
            if connection.is_readable() {
                result = connection.read_messages(id, settings, incoming);
            }
            if result.is_ok() && connection.needs_flush() {
                result = connection.flush();
            }
            if connection.is_closing() {
                gone.push(id);
            } else if let Err(ended) = result {
                match ended {
                    Ended::ByRemote => tracing::debug!(peer = id, "websocket peer closed"),
                    Ended::Error(error) => {
                        tracing::debug!(peer = id, %error, "websocket peer dropped")
                    }
                }
                gone.push(id);
            } else {
                // Unfinished reads (queue full, TLS plaintext left) and blocked output.
                self.schedule_if_busy(id);
            }
        }
        work.clear();
        self.spare_work = work;
        let deadline = now + settings.handshake_timeout;
        for id in gone {
            if let Some(connection) = self.peers.remove(&id) {
                self.lingering.push(connection.into_lingering(deadline));
                events.push_back(PeerEvent::PeerDisconnected(id));
            }
        }
        self.lingering.retain_mut(|lingering| lingering.poll(now));
    }

    fn accept_new(&mut self, settings: &Settings, now: Instant) {
        for _ in 0..ACCEPTS_PER_POLL {
            if self.pending.len() >= MAX_PENDING_PEERS {
                return;
            }
            let (mut tcp, ip) = match self.listener.accept() {
                Ok((tcp, addr)) => (tcp, addr.ip().to_canonical()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.listener_ready = false;
                    return;
                }
                Err(error) => {
                    tracing::debug!(%error, "accept failed");
                    return;
                }
            };
            if let Some(max) = settings.max_pending_per_address
                && self.pending.iter().filter(|p| p.ip == Some(ip)).count() >= max
            {
                // Closed at once (dropping the socket): one address cannot hold every slot.
                tracing::debug!(%ip, max, "too many pending websocket handshakes from one address");
                continue;
            }
            let id = self.fresh_id();
            if let Err(error) = self.readiness.register_peer(&mut tcp, id) {
                tracing::debug!(%error, "cannot watch a new websocket connection");
                continue;
            }
            match self.start_handshake(tcp, settings) {
                Ok(handshake) => {
                    self.pending.push(PendingPeer {
                        id,
                        ip: Some(ip),
                        started: now,
                        handshake,
                    });
                }
                Err(error) => tracing::debug!(%error, "websocket handshake failed at once"),
            }
        }
    }

    /// A random id no pending or open peer has (Godot draws it when accepting TCP).
    fn fresh_id(&self) -> PeerId {
        loop {
            let id = generate_unique_id();
            if !self.peers.contains_key(&id) && self.pending.iter().all(|p| p.id != id) {
                return id;
            }
        }
    }

    fn start_handshake(
        &self,
        tcp: TcpStream,
        settings: &Settings,
    ) -> Result<ServerMidHandshake, String> {
        // mio's accepted sockets are non-blocking already.
        let _ = tcp.set_nodelay(true);
        let stream = match &self.tls {
            None => NetStream::Plain(tcp),
            Some(certificate) => {
                let tls =
                    ServerConnection::new(certificate.current()).map_err(|e| e.to_string())?;
                NetStream::tls(tls, tcp)
            }
        };
        let negotiation = Negotiation::new(settings, Arc::clone(&self.full));
        let config = settings.websocket_config();
        Ok(ServerHandshake::start(stream, negotiation, Some(config)))
    }

    fn advance_handshakes(
        &mut self,
        settings: &Settings,
        refusing: bool,
        now: Instant,
        events: &mut VecDeque<PeerEvent>,
    ) {
        for mut pending in std::mem::take(&mut self.pending) {
            if now.duration_since(pending.started) > settings.handshake_timeout {
                tracing::debug!(
                    timeout = ?settings.handshake_timeout,
                    "websocket handshake timed out"
                );
                pending.handshake.get_mut().get_mut().shutdown();
                continue;
            }
            let PendingPeer {
                id,
                ip,
                started,
                handshake,
            } = pending;
            match handshake.handshake() {
                Ok(ws) => {
                    self.open(id, ws, settings, refusing, events);
                    self.update_full(settings);
                }
                Err(HandshakeError::Interrupted(handshake)) => self.pending.push(PendingPeer {
                    id,
                    ip,
                    started,
                    handshake,
                }),
                Err(HandshakeError::Failure(error)) => {
                    tracing::debug!(%error, "websocket handshake failed");
                }
            }
        }
    }

    /// The WebSocket is open: send the id (one binary message, i32 LE), then announce the peer.
    fn open(
        &mut self,
        id: PeerId,
        ws: WebSocket<NetStream>,
        settings: &Settings,
        refusing: bool,
        events: &mut VecDeque<PeerEvent>,
    ) {
        let mut connection = Connection::new(ws);
        if refusing {
            // Godot drops peers that finish their handshake while new connections are refused.
            connection.abort();
            return;
        }
        if self.is_full(settings) {
            // Upgraded before the server filled up (handshakes finishing in one poll): closed
            // before the id message, so the client reports a failed connection and nobody a
            // peer.
            tracing::debug!(
                peer = id,
                "websocket server full; connection closed before its id"
            );
            connection.start_close();
            let _ = connection.flush();
            connection.abort();
            return;
        }
        match connection.send_uncounted(Bytes::copy_from_slice(&id.to_le_bytes()), settings) {
            Ok(()) => {
                tracing::debug!(peer = id, addr = ?connection.addr(), "websocket peer connected");
                // Listed at once: the id message waits to be flushed, and bytes may have come
                // with the handshake (their readiness event went to the pending handshake).
                connection.schedule();
                self.work.push(id);
                self.peers.insert(id, connection);
                events.push_back(PeerEvent::PeerConnected(id));
            }
            Err(SendError::QueueFull | SendError::Closed(_)) => {
                tracing::debug!(peer = id, "failed to send the id to a new websocket peer");
                connection.abort();
            }
        }
    }

    /// Closes every connection (a close frame where the socket takes it) and stops listening.
    pub(crate) fn shutdown(self) {
        for (_, mut connection) in self.peers {
            connection.start_close();
            let _ = connection.flush();
            connection.abort();
        }
        for mut pending in self.pending {
            pending.handshake.get_mut().get_mut().shutdown();
        }
    }
}
