//! The lobby signaling server (`netscene signal`): WebSocket clients join lobbies and the server
//! carries their offers, answers and ICE candidates to each other. Poll-driven, non-blocking.

use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use netscene::peer::{PeerId, TARGET_PEER_SERVER, generate_unique_id};
use tungstenite::handshake::server::{NoCallback, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use super::protocol::{ClientMessage, MAX_MESSAGE_SIZE, ServerMessage, parse, to_text};

/// How long a WebSocket handshake may take before the connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections still in their handshake at once.
const MAX_PENDING: usize = 256;

type Handshake = MidHandshake<ServerHandshake<TcpStream, NoCallback>>;

struct Client {
    socket: WebSocket<TcpStream>,
    /// The lobby and the id this client has in it.
    member: Option<(String, PeerId)>,
    closed: bool,
}

struct Lobby {
    mesh: bool,
    sealed: bool,
    /// The connection that created the lobby (the only one that may seal it).
    creator: u64,
    /// Peer id → connection.
    members: BTreeMap<PeerId, u64>,
}

impl Lobby {
    /// True when peers `a` and `b` are introduced to each other: everyone in a mesh, only
    /// server ↔ client otherwise.
    fn linked(&self, a: PeerId, b: PeerId) -> bool {
        a != b && (self.mesh || a == TARGET_PEER_SERVER || b == TARGET_PEER_SERVER)
    }
}

/// A lobby signaling server. Call [`poll`](Self::poll) often (every few milliseconds).
pub struct SignalingServer {
    listener: TcpListener,
    pending: Vec<(Instant, Handshake)>,
    clients: BTreeMap<u64, Client>,
    lobbies: BTreeMap<String, Lobby>,
    next_connection: u64,
}

impl std::fmt::Debug for SignalingServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalingServer")
            .field("addr", &self.listener.local_addr().ok())
            .field("clients", &self.clients.len())
            .field("lobbies", &self.lobbies.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn websocket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_SIZE))
        .max_frame_size(Some(MAX_MESSAGE_SIZE))
}

/// A lobby name: six letters, easy to read out to a friend.
fn lobby_name() -> String {
    let mut bits = generate_unique_id() as u32;
    (0..6)
        .map(|_| {
            let letter = (b'A' + (bits % 26) as u8) as char;
            bits /= 26;
            letter
        })
        .collect()
}

impl SignalingServer {
    /// Listens on `addr` (e.g. 127.0.0.1:0 for any free port).
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(Self {
            listener,
            pending: Vec::new(),
            clients: BTreeMap::new(),
            lobbies: BTreeMap::new(),
            next_connection: 1,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The names of the open lobbies.
    pub fn lobbies(&self) -> Vec<String> {
        self.lobbies.keys().cloned().collect()
    }

    /// Number of connected WebSocket clients.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Accepts connections, reads and routes messages, drops closed connections.
    pub fn poll(&mut self) {
        self.accept();
        self.advance_handshakes();
        let ids: Vec<u64> = self.clients.keys().copied().collect();
        for id in ids {
            self.read_client(id);
        }
        let closed: Vec<u64> = self
            .clients
            .iter()
            .filter(|(_, c)| c.closed)
            .map(|(&id, _)| id)
            .collect();
        for id in closed {
            self.leave(id);
            self.clients.remove(&id);
        }
        for client in self.clients.values_mut() {
            match client.socket.flush() {
                Ok(()) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => client.closed = true,
            }
        }
    }

    fn accept(&mut self) {
        for _ in 0..64 {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(_) => return,
            };
            if self.pending.len() >= MAX_PENDING || stream.set_nonblocking(true).is_err() {
                continue;
            }
            let _ = stream.set_nodelay(true);
            match tungstenite::accept_with_config(stream, Some(websocket_config())) {
                Ok(socket) => self.add_client(socket),
                Err(HandshakeError::Interrupted(mid)) => self.pending.push((Instant::now(), mid)),
                Err(HandshakeError::Failure(e)) => {
                    tracing::debug!("signaling handshake failed: {e}");
                }
            }
        }
    }

    fn advance_handshakes(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (started, mid) in pending {
            if started.elapsed() > HANDSHAKE_TIMEOUT {
                continue;
            }
            match mid.handshake() {
                Ok(socket) => self.add_client(socket),
                Err(HandshakeError::Interrupted(mid)) => self.pending.push((started, mid)),
                Err(HandshakeError::Failure(e)) => {
                    tracing::debug!("signaling handshake failed: {e}");
                }
            }
        }
    }

    fn add_client(&mut self, socket: WebSocket<TcpStream>) {
        let id = self.next_connection;
        self.next_connection += 1;
        self.clients.insert(
            id,
            Client {
                socket,
                member: None,
                closed: false,
            },
        );
    }

    fn read_client(&mut self, id: u64) {
        loop {
            let Some(client) = self.clients.get_mut(&id) else {
                return;
            };
            if client.closed {
                return;
            }
            match client.socket.read() {
                Ok(Message::Text(text)) => {
                    let text = text.as_str().to_owned();
                    self.handle(id, &text);
                }
                Ok(Message::Binary(_)) => {
                    self.send(id, &error("binary messages are not part of the protocol"));
                }
                Ok(Message::Close(_)) => {
                    client.closed = true;
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => {
                    client.closed = true;
                }
            }
        }
    }

    fn send(&mut self, id: u64, message: &ServerMessage) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        match client.socket.send(Message::text(to_text(message))) {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => client.closed = true,
        }
    }

    fn handle(&mut self, id: u64, text: &str) {
        let message = match parse::<ClientMessage>(text) {
            Ok(message) => message,
            Err(e) => return self.send(id, &error(&e)),
        };
        let member = self.clients.get(&id).and_then(|c| c.member.clone());
        match (message, member) {
            (ClientMessage::Join { lobby, mesh }, None) => self.join(id, &lobby, mesh),
            (ClientMessage::Join { .. }, Some((lobby, _))) => {
                self.send(id, &error(&format!("already in lobby {lobby}")));
            }
            (_, None) => self.send(id, &error("join a lobby first")),
            (ClientMessage::Seal, Some((name, _))) => self.seal(id, &name),
            (relayed, Some((name, from))) => {
                let (to, forwarded) = match relayed {
                    ClientMessage::Offer { to, sdp } => (to, ServerMessage::Offer { from, sdp }),
                    ClientMessage::Answer { to, sdp } => (to, ServerMessage::Answer { from, sdp }),
                    ClientMessage::Candidate {
                        to,
                        mid,
                        index,
                        candidate,
                    } => (
                        to,
                        ServerMessage::Candidate {
                            from,
                            mid,
                            index,
                            candidate,
                        },
                    ),
                    ClientMessage::Join { .. } | ClientMessage::Seal => return,
                };
                let target = self
                    .lobbies
                    .get(&name)
                    .filter(|lobby| lobby.linked(from, to))
                    .and_then(|lobby| lobby.members.get(&to).copied());
                match target {
                    Some(target) => self.send(target, &forwarded),
                    None => self.send(
                        id,
                        &error(&format!("peer {to} is not a peer of yours in lobby {name}")),
                    ),
                }
            }
        }
    }

    fn join(&mut self, id: u64, name: &str, mesh: bool) {
        let (name, peer_id) = if name.is_empty() {
            let mut name = lobby_name();
            while self.lobbies.contains_key(&name) {
                name = lobby_name();
            }
            let peer_id = if mesh {
                generate_unique_id()
            } else {
                TARGET_PEER_SERVER
            };
            self.lobbies.insert(
                name.clone(),
                Lobby {
                    mesh,
                    sealed: false,
                    creator: id,
                    members: BTreeMap::new(),
                },
            );
            (name, peer_id)
        } else {
            let Some(lobby) = self.lobbies.get(name) else {
                return self.send(id, &error(&format!("no lobby {name}")));
            };
            if lobby.sealed {
                return self.send(id, &error(&format!("lobby {name} is sealed")));
            }
            let mut peer_id = generate_unique_id();
            while lobby.members.contains_key(&peer_id) {
                peer_id = generate_unique_id();
            }
            (name.to_owned(), peer_id)
        };
        let lobby = self
            .lobbies
            .get_mut(&name)
            .expect("the lobby was just found or made");
        lobby.members.insert(peer_id, id);
        let mesh = lobby.mesh;
        let others: Vec<(PeerId, u64)> = lobby
            .members
            .iter()
            .filter(|&(&other, _)| lobby.linked(peer_id, other))
            .map(|(&other, &connection)| (other, connection))
            .collect();
        if let Some(client) = self.clients.get_mut(&id) {
            client.member = Some((name.clone(), peer_id));
        }
        tracing::info!(lobby = %name, peer = peer_id, mesh, "joined");
        self.send(
            id,
            &ServerMessage::Joined {
                lobby: name,
                id: peer_id,
                mesh,
            },
        );
        for (other, connection) in others {
            self.send(connection, &ServerMessage::PeerConnected { id: peer_id });
            self.send(id, &ServerMessage::PeerConnected { id: other });
        }
    }

    fn seal(&mut self, id: u64, name: &str) {
        let Some(lobby) = self.lobbies.get_mut(name) else {
            return;
        };
        if lobby.creator != id {
            return self.send(id, &error("only the lobby's creator can seal it"));
        }
        lobby.sealed = true;
        let members: Vec<u64> = lobby.members.values().copied().collect();
        for member in members {
            self.send(member, &ServerMessage::Sealed);
        }
    }

    /// Takes connection `id` out of its lobby, telling the peers it was introduced to. A
    /// client/server lobby whose server leaves is closed.
    fn leave(&mut self, id: u64) {
        let Some((name, peer_id)) = self.clients.get_mut(&id).and_then(|c| c.member.take()) else {
            return;
        };
        let Some(lobby) = self.lobbies.get_mut(&name) else {
            return;
        };
        lobby.members.remove(&peer_id);
        tracing::info!(lobby = %name, peer = peer_id, "left");
        let notify: Vec<u64> = lobby
            .members
            .iter()
            .filter(|&(&other, _)| lobby.linked(peer_id, other))
            .map(|(_, &connection)| connection)
            .collect();
        let closing = lobby.members.is_empty() || (!lobby.mesh && peer_id == TARGET_PEER_SERVER);
        for connection in notify {
            self.send(connection, &ServerMessage::PeerDisconnected { id: peer_id });
        }
        if closing && let Some(lobby) = self.lobbies.remove(&name) {
            for connection in lobby.members.values() {
                if let Some(client) = self.clients.get_mut(connection) {
                    client.member = None;
                }
                self.send(
                    *connection,
                    &error(&format!("lobby {name} closed: its server left")),
                );
            }
        }
    }
}

fn error(message: &str) -> ServerMessage {
    ServerMessage::Error {
        message: message.to_owned(),
    }
}
