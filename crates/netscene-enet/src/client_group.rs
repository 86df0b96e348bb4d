//! `ENetClientGroup`: many Godot clients of one server on a single ENet host and UDP socket,
//! for load generators and bots.
//!
//! Each client is its own ENet connection (its own connect id and CONNECT data, so its own
//! Godot peer id) and its own [`MultiplayerPeer`]; to the server they are indistinguishable
//! from clients on separate machines behind one address, which ENet allows (up to 4 095 per
//! address). What they share is the cost: one socket to read and one host to service per
//! frame, instead of one of each per client.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER, generate_unique_id,
};
use rusty_enet::{Event, PeerID, PeerState};

use crate::flags::ENET_MAX_CHANNELS;
use crate::options::{CompressionMode, EnetHost, HostParams, create_host};
use crate::peer::{MAX_PACKET_SIZE, outgoing_packet, send_to};
use crate::poll::{received_packet, service_events};
use crate::socket::{client_bind_ip, resolve_for, set_buffer_sizes};

/// A group of Godot clients of one server that share one ENet host and socket.
///
/// The group does the I/O: call [`service`](Self::service) once per frame before polling the
/// clients, and [`flush`](Self::flush) after they sent (what `service` sends waits for it). A client's `put_packet` only queues
/// (flushing the shared host per packet would walk every client's slot each time); its
/// `poll` takes what the last `service` received for it.
///
/// ```
/// use netscene::peer::{ConnectionStatus, MultiplayerPeer, TransferMode};
/// use netscene_enet::{ENetClientGroup, ENetMultiplayerPeer, ServerOptions};
///
/// let mut server = ENetMultiplayerPeer::new();
/// server.create_server_with(ServerOptions::new(0)).unwrap();
/// let port = server.local_port().unwrap();
/// let group = ENetClientGroup::new("127.0.0.1", port, 2).unwrap();
/// let mut clients = [group.connect().unwrap(), group.connect().unwrap()];
/// let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
/// while server.get_available_packet_count() < 2 && std::time::Instant::now() < deadline {
///     server.poll();
///     group.service();
///     for client in &mut clients {
///         client.poll();
///         if client.get_connection_status() == ConnectionStatus::Connected {
///             let _ = client.send(1, TransferMode::Reliable, 0, b"hello");
///         }
///     }
///     group.flush();
///     std::thread::sleep(std::time::Duration::from_millis(1));
/// }
/// let first = server.get_packet().unwrap();
/// let second = server.get_packet().unwrap();
/// assert_ne!(first.from, second.from, "two clients, two Godot peer ids");
/// ```
#[derive(Clone)]
pub struct ENetClientGroup {
    shared: Arc<Mutex<GroupHost>>,
}

impl std::fmt::Debug for ENetClientGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let group = self.lock();
        f.debug_struct("ENetClientGroup")
            .field("server", &group.server)
            .field("slots", &group.mailboxes.len())
            .finish()
    }
}

struct GroupHost {
    host: EnetHost,
    server: SocketAddr,
    /// What the host received for the client in each ENet slot.
    mailboxes: Vec<Mailbox>,
    /// Clients whose mailbox got something since the last `take_ready`.
    ready: Vec<PeerId>,
}

#[derive(Default)]
struct Mailbox {
    /// Bumped whenever the slot is given to a new client, so an old client's handle cannot
    /// read its successor's packets.
    generation: u64,
    /// The Godot peer id of the slot's client.
    client_id: PeerId,
    status: Option<ConnectionStatus>,
    packets: VecDeque<Packet>,
    events: VecDeque<PeerEvent>,
}

impl ENetClientGroup {
    /// A group of at most `max_clients` (1..=4 095) clients of the server at
    /// `address:port`, on one new UDP socket.
    pub fn new(address: &str, port: u16, max_clients: usize) -> Result<Self, PeerError> {
        if port == 0 {
            return Err(PeerError::InvalidParameter("server port 0".into()));
        }
        let mut host = create_host(HostParams {
            bind_ip: client_bind_ip(address, port),
            port: 0,
            max_peers: max_clients,
            channel_limit: ENET_MAX_CHANNELS,
            in_bandwidth: 0,
            out_bandwidth: 0,
            compression: CompressionMode::None,
        })?;
        let local = host
            .socket()
            .udp()
            .local_addr()
            .map_err(|error| PeerError::CantCreate(error.to_string()))?;
        let server = resolve_for(local, address, port)
            .map_err(|error| PeerError::CantConnect(format!("{address}:{port}: {error}")))?;
        host.socket_mut()
            .connect(server)
            .map_err(|error| PeerError::CantConnect(format!("{server}: {error}")))?;
        let mailboxes = (0..host.peer_limit()).map(|_| Mailbox::default()).collect();
        Ok(Self {
            shared: Arc::new(Mutex::new(GroupHost {
                host,
                server,
                mailboxes,
                ready: Vec::new(),
            })),
        })
    }

    /// Starts connecting one more client with a random Godot peer id.
    pub fn connect(&self) -> Result<ENetGroupClient, PeerError> {
        self.connect_as(generate_unique_id())
    }

    /// Starts connecting one more client that claims `unique_id` (at least 2).
    pub fn connect_as(&self, unique_id: PeerId) -> Result<ENetGroupClient, PeerError> {
        if unique_id < 2 {
            return Err(PeerError::InvalidParameter(format!(
                "client id {unique_id} is below 2"
            )));
        }
        let mut group = self.lock();
        let server = group.server;
        // `unique_id` is at least 2, so the cast keeps its value.
        let slot = group
            .host
            .connect(server, ENET_MAX_CHANNELS, unique_id as u32)
            .map_err(|error| PeerError::CantCreate(error.to_string()))?
            .id();
        let mailbox = &mut group.mailboxes[slot.0];
        mailbox.generation += 1;
        mailbox.client_id = unique_id;
        mailbox.status = Some(ConnectionStatus::Connecting);
        mailbox.packets.clear();
        mailbox.events.clear();
        let generation = mailbox.generation;
        drop(group);
        Ok(ENetGroupClient {
            group: Arc::clone(&self.shared),
            slot,
            generation,
            unique_id,
            status: ConnectionStatus::Connecting,
            settings: PacketSettings::default(),
            incoming: VecDeque::new(),
            events: VecDeque::new(),
        })
    }

    /// Services the shared host once: sends what the clients queued, receives, and hands
    /// every event to its client's mailbox. Returns false if the socket failed.
    pub fn service(&self) -> bool {
        let mut group = self.lock();
        let GroupHost {
            host,
            mailboxes,
            ready,
            ..
        } = &mut *group;
        // What the service sends (acknowledgements) waits for `flush`, to leave with what
        // the clients send meanwhile: one datagram per client where ENet makes two.
        host.socket_mut().release();
        host.socket_mut().hold();
        let serviced = service_events(host, |event| {
            let slot = match &event {
                Event::Connect { peer, .. }
                | Event::Disconnect { peer, .. }
                | Event::Receive { peer, .. } => peer.id().0,
            };
            let mailbox = &mailboxes[slot];
            if mailbox.packets.is_empty() && mailbox.events.is_empty() {
                ready.push(mailbox.client_id);
            }
            match event {
                Event::Connect { peer, .. } => {
                    let mailbox = &mut mailboxes[peer.id().0];
                    mailbox.status = Some(ConnectionStatus::Connected);
                    mailbox
                        .events
                        .push_back(PeerEvent::PeerConnected(TARGET_PEER_SERVER));
                }
                Event::Disconnect { peer, .. } => {
                    let mailbox = &mut mailboxes[peer.id().0];
                    if mailbox.status == Some(ConnectionStatus::Connected) {
                        mailbox
                            .events
                            .push_back(PeerEvent::PeerDisconnected(TARGET_PEER_SERVER));
                    }
                    mailbox.status = Some(ConnectionStatus::Disconnected);
                }
                Event::Receive {
                    peer,
                    channel_id,
                    packet,
                } => mailboxes[peer.id().0].packets.push_back(received_packet(
                    TARGET_PEER_SERVER,
                    channel_id,
                    &packet,
                )),
            }
            true
        });
        if let Err(error) = &serviced {
            tracing::warn!(%error, "ENet client group socket error");
        }
        serviced.is_ok()
    }

    /// Moves into `clients` the ids of the clients that received something (packets, or a
    /// connection or disconnection) since the last call: a game loop over thousands of
    /// clients polls only those.
    pub fn take_ready(&self, clients: &mut Vec<PeerId>) {
        clients.append(&mut self.lock().ready);
    }

    /// Writes every packet the clients queued, and the acknowledgements held since
    /// [`service`](Self::service), to the network now.
    pub fn flush(&self) {
        let mut group = self.lock();
        group.host.flush();
        group.host.socket_mut().release();
    }

    /// The group's local UDP port.
    pub fn local_port(&self) -> Option<u16> {
        let group = self.lock();
        group
            .host
            .socket()
            .udp()
            .local_addr()
            .ok()
            .map(|a| a.port())
    }

    /// Asks the system for `bytes` of receive and send buffer on the shared socket, which
    /// carries every client's traffic (see
    /// [`ENetMultiplayerPeer::set_socket_buffer_size`](crate::ENetMultiplayerPeer::set_socket_buffer_size)).
    /// Returns the receive buffer granted, in the units of the request.
    pub fn set_socket_buffer_size(&self, bytes: usize) -> Result<usize, PeerError> {
        let group = self.lock();
        set_buffer_sizes(group.host.socket().udp(), bytes)
            .map(|(receive, _)| receive)
            .map_err(|error| PeerError::InvalidParameter(format!("socket buffer size: {error}")))
    }

    fn lock(&self) -> MutexGuard<'_, GroupHost> {
        lock(&self.shared)
    }
}

/// The group holds no invariant a panicking holder could break halfway, so a poisoned lock
/// is taken as it is.
fn lock(shared: &Mutex<GroupHost>) -> MutexGuard<'_, GroupHost> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One client of an [`ENetClientGroup`]: a Godot client peer (target 1 is the server) whose
/// I/O is done by its group.
pub struct ENetGroupClient {
    group: Arc<Mutex<GroupHost>>,
    slot: PeerID,
    generation: u64,
    unique_id: PeerId,
    status: ConnectionStatus,
    settings: PacketSettings,
    incoming: VecDeque<Packet>,
    events: VecDeque<PeerEvent>,
}

impl std::fmt::Debug for ENetGroupClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ENetGroupClient")
            .field("unique_id", &self.unique_id)
            .field("status", &self.status)
            .finish()
    }
}

impl ENetGroupClient {
    /// Runs `f` on this client's ENet peer, unless its slot went to another client.
    fn with_peer<R>(&self, f: impl FnOnce(&mut EnetHost, PeerID) -> R) -> Option<R> {
        let mut group = lock(&self.group);
        (group.mailboxes[self.slot.0].generation == self.generation)
            .then(|| f(&mut group.host, self.slot))
    }
}

impl MultiplayerPeer for ENetGroupClient {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        if self.status != ConnectionStatus::Connected {
            return Err(PeerError::Unconfigured);
        }
        let target = self.settings.target_peer;
        if target != 0 && target.saturating_abs() != TARGET_PEER_SERVER {
            return Err(PeerError::UnknownPeer(target));
        }
        let (channel, packet) = outgoing_packet(&self.settings, data)?;
        self.with_peer(|host, slot| send_to(host, slot, channel, &packet))
            .unwrap_or(Err(PeerError::Unconfigured))
    }

    fn get_available_packet_count(&self) -> usize {
        self.incoming.len()
    }

    fn peek_packet(&self) -> Option<&Packet> {
        self.incoming.front()
    }

    fn get_packet(&mut self) -> Option<Packet> {
        self.incoming.pop_front()
    }

    fn poll(&mut self) {
        if self.status == ConnectionStatus::Disconnected {
            return;
        }
        let mut group = lock(&self.group);
        let mailbox = &mut group.mailboxes[self.slot.0];
        if mailbox.generation != self.generation {
            drop(group);
            self.close();
            return;
        }
        self.incoming.append(&mut mailbox.packets);
        self.events.append(&mut mailbox.events);
        let status = mailbox.status.unwrap_or(ConnectionStatus::Disconnected);
        drop(group);
        if status == ConnectionStatus::Disconnected {
            // Like the ENet client peer: a lost connection closes the client.
            self.close();
        } else {
            self.status = status;
        }
    }

    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    fn get_unique_id(&self) -> PeerId {
        if self.status == ConnectionStatus::Disconnected {
            0
        } else {
            self.unique_id
        }
    }

    fn is_server(&self) -> bool {
        false
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        self.status
    }

    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        if id != TARGET_PEER_SERVER {
            tracing::warn!(id, "disconnect_peer: unknown peer");
            return;
        }
        self.with_peer(|host, slot| host.peer_mut(slot).disconnect(0));
        if force {
            self.close();
        }
    }

    fn close(&mut self) {
        if self.status == ConnectionStatus::Disconnected {
            return;
        }
        self.with_peer(|host, slot| {
            let peer = host.peer_mut(slot);
            if peer.state() == PeerState::Connected {
                peer.disconnect_now(0);
            } else if peer.state() != PeerState::Disconnected {
                peer.reset();
            }
        });
        // The slot may now go to a new client; this handle no longer reads it.
        self.generation = 0;
        self.incoming.clear();
        self.status = ConnectionStatus::Disconnected;
    }

    fn set_refuse_new_connections(&mut self, _refuse: bool) {}

    fn is_refusing_new_connections(&self) -> bool {
        false
    }

    fn is_server_relay_supported(&self) -> bool {
        true
    }

    fn get_max_packet_size(&self) -> usize {
        MAX_PACKET_SIZE
    }
}

impl Drop for ENetGroupClient {
    fn drop(&mut self) {
        self.close();
    }
}
