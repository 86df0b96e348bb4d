//! The client side: non-blocking TCP connect, optional TLS, HTTP upgrade, then the id message
//! (Godot's `_poll_client`).

use std::collections::VecDeque;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Instant;

use netscene::peer::{Packet, PeerError, PeerId, TARGET_PEER_SERVER};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};
use socket2::{Domain, Protocol, Socket, Type};
use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::client::{ClientHandshake, Request};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::http::{HeaderName, HeaderValue};

use crate::connection::{Connection, Lingering};
use crate::settings::Settings;
use crate::stream::NetStream;
use crate::tls::{TlsOptions, server_name};

/// Where a client connection stands.
enum Stage {
    /// TCP connect in progress to `candidates`' front-runner.
    Connecting(Socket),
    /// TLS and HTTP upgrade in progress.
    Handshaking(MidHandshake<ClientHandshake<NetStream>>),
    /// Open WebSocket, waiting for the server's id message.
    WaitingForId(Connection),
    /// Connected: packets flow.
    Open(Connection),
    /// Over (failed, closed or timed out).
    Ended,
}

/// What one client poll found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Still connecting.
    Connecting,
    /// The id message arrived: connected with this id.
    Connected(PeerId),
    /// Connected, nothing new about the connection.
    Open,
    /// The connection is over.
    Ended,
}

/// A `WebSocketMultiplayerPeer` in client mode.
pub(crate) struct Client {
    stage: Stage,
    started: Instant,
    request: Request,
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
    candidates: VecDeque<SocketAddr>,
}

/// Splits Godot's URL forms: `ws://host:port/path`, `wss://…`, or no scheme (then `ws://`).
fn parse_url(url: &str) -> Result<(Request, bool, String, u16), PeerError> {
    let invalid = |why: String| PeerError::InvalidParameter(format!("invalid URL {url:?}: {why}"));
    let full = if url.contains("://") {
        url.to_owned()
    } else {
        format!("ws://{url}")
    };
    let request = full
        .as_str()
        .into_client_request()
        .map_err(|e| invalid(e.to_string()))?;
    let uri = request.uri();
    let secure = match uri.scheme_str() {
        Some("ws") => false,
        Some("wss") => true,
        other => return Err(invalid(format!("scheme {other:?} is not ws or wss"))),
    };
    let host = uri
        .host()
        .ok_or_else(|| invalid("no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if secure { 443 } else { 80 });
    Ok((request, secure, host, port))
}

fn start_connect(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&addr.into()) {
        Ok(()) => Ok(socket),
        Err(e) if connect_in_progress(&e) => Ok(socket),
        Err(e) => Err(e),
    }
}

/// A non-blocking connect reports "in progress" as EINPROGRESS on Unix (`ErrorKind::InProgress`
/// is not stable yet) and as `WouldBlock` on Windows.
fn connect_in_progress(error: &io::Error) -> bool {
    #[cfg(unix)]
    if error.raw_os_error() == Some(libc::EINPROGRESS) {
        return true;
    }
    error.kind() == io::ErrorKind::WouldBlock
}

/// `Ok(true)` once connected, `Ok(false)` while in progress.
fn connect_finished(socket: &Socket) -> io::Result<bool> {
    if let Some(error) = socket.take_error()? {
        return Err(error);
    }
    match socket.peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(e),
    }
}

impl Client {
    /// Validates the URL and options, resolves the host (blocking, as Godot's `connect_to_url`
    /// may) and starts a non-blocking TCP connect.
    pub(crate) fn connect(
        url: &str,
        tls: Option<&TlsOptions>,
        settings: &Settings,
    ) -> Result<Self, PeerError> {
        let (mut request, secure, host, port) = parse_url(url)?;
        let headers = request.headers_mut();
        if !settings.supported_protocols.is_empty() {
            let offered = settings.supported_protocols.join(",");
            let value = HeaderValue::from_str(&offered).map_err(|_| {
                PeerError::InvalidParameter(format!("invalid subprotocol list {offered:?}"))
            })?;
            headers.insert("Sec-WebSocket-Protocol", value);
        }
        let extra = settings.parsed_headers().ok_or_else(|| {
            PeerError::InvalidParameter("handshake_headers must be \"Name: value\" lines".into())
        })?;
        for (name, value) in extra {
            let bad = || PeerError::InvalidParameter(format!("invalid header {name}: {value}"));
            let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
            let header_value = HeaderValue::from_str(&value).map_err(|_| bad())?;
            headers.append(header_name, header_value);
        }

        let tls = if secure {
            let options = match tls {
                Some(options) => options.clone(),
                None => TlsOptions::client(None, None)
                    .map_err(|e| PeerError::CantCreate(e.to_string()))?,
            };
            let (config, name) = options.client_config(&host).ok_or_else(|| {
                PeerError::InvalidParameter("server TLS options given to a client".into())
            })?;
            let name =
                server_name(&name).map_err(|e| PeerError::InvalidParameter(e.to_string()))?;
            Some((config, name))
        } else {
            None
        };

        let candidates: VecDeque<SocketAddr> = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| PeerError::CantConnect(format!("cannot resolve {host}: {e}")))?
            .collect();
        let mut client = Self {
            stage: Stage::Ended,
            started: Instant::now(),
            request,
            tls,
            candidates,
        };
        client.stage = client
            .next_candidate()
            .ok_or_else(|| PeerError::CantConnect(format!("cannot connect to {host}:{port}")))?;
        Ok(client)
    }

    fn next_candidate(&mut self) -> Option<Stage> {
        while let Some(addr) = self.candidates.pop_front() {
            match start_connect(addr) {
                Ok(socket) => return Some(Stage::Connecting(socket)),
                Err(error) => tracing::debug!(%addr, %error, "connect failed"),
            }
        }
        None
    }

    /// The open connection, once the handshake is done.
    pub(crate) fn connection_mut(&mut self) -> Option<&mut Connection> {
        match &mut self.stage {
            Stage::WaitingForId(connection) | Stage::Open(connection) => Some(connection),
            _ => None,
        }
    }

    /// The open connection, once the handshake is done.
    pub(crate) fn connection(&self) -> Option<&Connection> {
        match &self.stage {
            Stage::WaitingForId(connection) | Stage::Open(connection) => Some(connection),
            _ => None,
        }
    }

    /// Advances the connection; received packets go to `incoming` (from the server, id 1).
    pub(crate) fn poll(
        &mut self,
        settings: &Settings,
        incoming: &mut VecDeque<Packet>,
    ) -> Progress {
        let stage = std::mem::replace(&mut self.stage, Stage::Ended);
        let (stage, progress) = self.advance(stage, settings, incoming);
        let timed_out = self.started.elapsed() > settings.handshake_timeout;
        let (stage, progress) = match stage {
            Stage::Connecting(_) | Stage::Handshaking(_) | Stage::WaitingForId(_) if timed_out => {
                tracing::debug!(timeout = ?settings.handshake_timeout, "websocket handshake timed out");
                (Stage::Ended, Progress::Ended)
            }
            stage => (stage, progress),
        };
        self.stage = stage;
        progress
    }

    fn advance(
        &mut self,
        stage: Stage,
        settings: &Settings,
        incoming: &mut VecDeque<Packet>,
    ) -> (Stage, Progress) {
        match stage {
            Stage::Connecting(socket) => match connect_finished(&socket) {
                Ok(false) => (Stage::Connecting(socket), Progress::Connecting),
                Ok(true) => {
                    let stage = self.start_handshake(socket.into(), settings);
                    self.advance(stage, settings, incoming)
                }
                Err(error) => {
                    tracing::debug!(%error, "connect failed");
                    match self.next_candidate() {
                        Some(stage) => (stage, Progress::Connecting),
                        None => (Stage::Ended, Progress::Ended),
                    }
                }
            },
            Stage::Handshaking(handshake) => match handshake.handshake() {
                Ok((ws, _response)) => {
                    let stage = Stage::WaitingForId(Connection::new(ws));
                    self.advance(stage, settings, incoming)
                }
                Err(HandshakeError::Interrupted(handshake)) => {
                    (Stage::Handshaking(handshake), Progress::Connecting)
                }
                Err(HandshakeError::Failure(error)) => {
                    tracing::debug!(%error, "websocket handshake failed");
                    (Stage::Ended, Progress::Ended)
                }
            },
            Stage::WaitingForId(connection) => Self::await_id(connection, settings, incoming),
            Stage::Open(mut connection) => {
                let result = connection
                    .receive(TARGET_PEER_SERVER, settings, incoming)
                    .and_then(|()| connection.flush());
                if result.is_err() {
                    (Stage::Ended, Progress::Ended)
                } else if connection.is_closing() {
                    // Kept so that `close` can finish the close handshake in the background.
                    (Stage::Open(connection), Progress::Ended)
                } else {
                    (Stage::Open(connection), Progress::Open)
                }
            }
            Stage::Ended => (Stage::Ended, Progress::Ended),
        }
    }

    fn start_handshake(&self, tcp: TcpStream, settings: &Settings) -> Stage {
        let tcp = mio::net::TcpStream::from_std(tcp);
        let _ = tcp.set_nodelay(true);
        let stream = match &self.tls {
            None => NetStream::Plain(tcp),
            Some((config, name)) => match ClientConnection::new(Arc::clone(config), name.clone()) {
                Ok(tls) => NetStream::tls(tls, tcp),
                Err(error) => {
                    tracing::debug!(%error, "cannot start TLS");
                    return Stage::Ended;
                }
            },
        };
        let config = Some(settings.websocket_config());
        match ClientHandshake::start(stream, self.request.clone(), config) {
            Ok(handshake) => Stage::Handshaking(handshake),
            Err(error) => {
                tracing::debug!(%error, "cannot start the websocket handshake");
                Stage::Ended
            }
        }
    }

    /// The first message must be exactly 4 bytes, an i32 LE id ≥ 2; anything else ends the
    /// connection (Godot closes it and reports a failed connection).
    fn await_id(
        mut connection: Connection,
        settings: &Settings,
        incoming: &mut VecDeque<Packet>,
    ) -> (Stage, Progress) {
        let mut received = VecDeque::new();
        let result = connection
            .receive(TARGET_PEER_SERVER, settings, &mut received)
            .and_then(|()| connection.flush());
        let Some(first) = received.pop_front() else {
            return match result {
                Ok(()) => (Stage::WaitingForId(connection), Progress::Connecting),
                Err(_) => (Stage::Ended, Progress::Ended),
            };
        };
        connection.message_taken(first.data.len());
        let id = <[u8; 4]>::try_from(first.data.as_slice()).map(i32::from_le_bytes);
        match id {
            Ok(id) if id >= 2 => {
                incoming.extend(received);
                if result.is_err() {
                    // Connected and lost in one poll: report both, as two polls would.
                    return (Stage::Ended, Progress::Connected(id));
                }
                (Stage::Open(connection), Progress::Connected(id))
            }
            _ => {
                tracing::debug!(len = first.data.len(), "invalid id message from the server");
                connection.start_close();
                let _ = connection.flush();
                (Stage::Ended, Progress::Ended)
            }
        }
    }

    /// Closes the connection: a close frame if open (then the close handshake finishes on its
    /// own in `lingering` until `deadline`), otherwise the socket is just dropped.
    pub(crate) fn close(self, deadline: Instant) -> Option<Lingering> {
        match self.stage {
            Stage::WaitingForId(connection) | Stage::Open(connection) => {
                Some(connection.into_lingering(deadline))
            }
            _ => None,
        }
    }
}
