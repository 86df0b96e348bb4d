//! `ENetMultiplayerPeer`: Godot 4's ENet transport (spec F), header-less and poll-driven.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

use netscene::peer::{
    ConnectionStatus, Packet, PacketSettings, PeerError, PeerEvent, PeerId, TARGET_PEER_SERVER,
    generate_unique_id,
};
use rusty_enet::{PeerID, PeerState};

use crate::connection::ENetConnection;
use crate::flags::{ENET_MAX_CHANNELS, enet_channel, packet_kind};
use crate::options::{
    ClientOptions, EnetHost, HostParams, PeerSettings, ServerOptions,
    channel_limit_for_user_channels, create_host,
};
use crate::packet_peer::ENetPacketPeer;
use crate::socket::{client_bind_ip, resolve_for};

/// Largest packet `put_packet` accepts (`get_max_packet_size()`: 2²⁴, as Godot).
pub const MAX_PACKET_SIZE: usize = 1 << 24;

/// What the peer currently is.
pub(crate) enum Active {
    /// Closed or never started.
    None,
    /// Listening: id 1, clients by their own ids.
    Server(ServerState),
    /// Connecting or connected to the server (id 1).
    Client(ClientState),
    /// One ENet host per remote peer, ids supplied by the application.
    Mesh(BTreeMap<PeerId, MeshLink>),
}

pub(crate) struct ServerState {
    pub connection: ENetConnection,
    /// Connected clients by id.
    pub peers: HashMap<PeerId, PeerID>,
    /// The id of the client in each ENet slot, 0 for none.
    pub ids_by_slot: Vec<PeerId>,
    pub peer_settings: PeerSettings,
    /// A caller had direct access to the ENet peers (`get_peer`, `get_host`) and may have
    /// disconnected one without an ENet event: the next poll looks for such peers.
    pub peers_touched: bool,
}

pub(crate) struct ClientState {
    pub connection: ENetConnection,
    /// The server's slot.
    pub server: PeerID,
    pub peer_settings: PeerSettings,
}

pub(crate) struct MeshLink {
    pub connection: ENetConnection,
    pub slot: PeerID,
}

/// Godot's `ENetMultiplayerPeer`: a [`MultiplayerPeer`](netscene::peer::MultiplayerPeer) over ENet, wire-compatible with
/// Godot 4 (4.0+) and with plain C ENet 1.3.
///
/// * Server id 1; a client sends its own id as the ENet CONNECT data, and the server drops
///   (resets) a connection whose id is below 2, above 2³¹−1 or already in use.
/// * A packet is exactly one ENet packet's payload, no header.
/// * Channels: ENet channel 0 carries reliable and channel 1 unreliable packets of user
///   channel 0; user channel `c > 0` travels on ENet channel `c + 1` in every mode.
/// * Everything happens in [`poll`](netscene::peer::MultiplayerPeer::poll); no thread.
///
/// ```
/// use netscene::peer::{MultiplayerPeer, PacketSettings, TransferMode};
/// use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};
///
/// let mut server = ENetMultiplayerPeer::new();
/// server.create_server_with(ServerOptions::new(0)).unwrap();
/// let port = server.local_port().unwrap();
/// let mut client = ENetMultiplayerPeer::new();
/// client.create_client_with(ClientOptions::new("127.0.0.1", port)).unwrap();
/// let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
/// while server.get_available_packet_count() == 0 && std::time::Instant::now() < deadline {
///     server.poll();
///     client.poll();
///     if client.get_connection_status() == netscene::peer::ConnectionStatus::Connected {
///         let _ = client.send(1, TransferMode::Reliable, 0, b"hello");
///     }
///     std::thread::sleep(std::time::Duration::from_millis(1));
/// }
/// assert_eq!(server.get_packet().unwrap().data, b"hello");
/// ```
pub struct ENetMultiplayerPeer {
    pub(crate) active: Active,
    pub(crate) unique_id: PeerId,
    pub(crate) status: ConnectionStatus,
    pub(crate) refuse_new_connections: bool,
    /// Half-open connections one address may hold on a server (`None`: no limit, Godot's).
    pub(crate) max_pending_per_address: Option<usize>,
    pub(crate) settings: PacketSettings,
    bind_ip: Option<IpAddr>,
    pub(crate) incoming: VecDeque<Packet>,
    pub(crate) events: VecDeque<PeerEvent>,
    /// Payload traffic per connected peer, for `peer_statistics` (see statistics.rs).
    pub(crate) traffic: std::collections::HashMap<PeerId, netscene::peer::PeerTraffic>,
    /// Inside `begin_send_batch` .. `end_send_batch`: sent packets wait in ENet's queues.
    pub(crate) batching_sends: bool,
    /// Packets were queued during the batch and the hosts need a flush.
    pub(crate) unflushed: bool,
}

impl Default for ENetMultiplayerPeer {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ENetMultiplayerPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.active {
            Active::None => "none",
            Active::Server(_) => "server",
            Active::Client(_) => "client",
            Active::Mesh(_) => "mesh",
        };
        f.debug_struct("ENetMultiplayerPeer")
            .field("mode", &mode)
            .field("unique_id", &self.unique_id)
            .field("status", &self.status)
            .field("local_port", &self.local_port())
            .finish()
    }
}

impl ENetMultiplayerPeer {
    /// An inactive peer; start it with a `create_*` call.
    pub fn new() -> Self {
        Self {
            active: Active::None,
            unique_id: 0,
            status: ConnectionStatus::Disconnected,
            refuse_new_connections: false,
            max_pending_per_address: None,
            settings: PacketSettings::default(),
            bind_ip: None,
            incoming: VecDeque::new(),
            events: VecDeque::new(),
            traffic: std::collections::HashMap::new(),
            batching_sends: false,
            unflushed: false,
        }
    }

    /// Sets the address later `create_server` / `create_client` calls bind: `"*"` (the
    /// default) for every IPv6 and IPv4 address, or one IP address.
    pub fn set_bind_ip(&mut self, ip: &str) -> Result<(), PeerError> {
        self.bind_ip = if ip == "*" {
            None
        } else {
            Some(
                ip.parse()
                    .map_err(|_| PeerError::InvalidParameter(format!("invalid bind IP {ip}")))?,
            )
        };
        Ok(())
    }

    /// `create_server(port, max_clients, max_channels, in_bandwidth, out_bandwidth)` with
    /// Godot's meaning: `max_channels` user channels (0 = the maximum), bandwidths in bytes
    /// per second (0 = unlimited). Binds the address set with [`set_bind_ip`](Self::set_bind_ip).
    pub fn create_server(
        &mut self,
        port: u16,
        max_clients: usize,
        max_channels: usize,
        in_bandwidth: u32,
        out_bandwidth: u32,
    ) -> Result<(), PeerError> {
        self.create_server_with(ServerOptions {
            max_clients,
            max_channels,
            in_bandwidth,
            out_bandwidth,
            bind_ip: self.bind_ip,
            ..ServerOptions::new(port)
        })
    }

    /// Starts a server from [`ServerOptions`].
    ///
    /// Unlike Godot 4 (spec F.2), the ENet host gets channel limit `max_channels + 2` and
    /// incoming bandwidth `in_bandwidth`; Godot passes the channel count as the incoming
    /// bandwidth and 0 (= 255) as the channel limit. With the defaults both are identical.
    pub fn create_server_with(&mut self, options: ServerOptions) -> Result<(), PeerError> {
        self.ensure_inactive()?;
        let host = create_host(HostParams {
            bind_ip: options.bind_ip,
            port: options.port,
            max_peers: options.max_clients,
            channel_limit: channel_limit_for_user_channels(options.max_channels)?,
            in_bandwidth: options.in_bandwidth,
            out_bandwidth: options.out_bandwidth,
            compression: options.compression,
        })?;
        let slots = host.peer_limit();
        self.start(
            Active::Server(ServerState {
                connection: ENetConnection::from_host(host),
                peers: HashMap::new(),
                ids_by_slot: vec![0; slots],
                peer_settings: options.peer_settings,
                peers_touched: false,
            }),
            TARGET_PEER_SERVER,
            ConnectionStatus::Connected,
        );
        match self.local_port() {
            Some(port) => tracing::info!(port, "ENet server listening"),
            None => tracing::info!("ENet server listening"),
        }
        Ok(())
    }

    /// `create_client(address, port, channel_count, in_bandwidth, out_bandwidth, local_port)`
    /// with Godot's meaning. Binds the address set with [`set_bind_ip`](Self::set_bind_ip).
    pub fn create_client(
        &mut self,
        address: &str,
        port: u16,
        channel_count: usize,
        in_bandwidth: u32,
        out_bandwidth: u32,
        local_port: u16,
    ) -> Result<(), PeerError> {
        self.create_client_with(ClientOptions {
            channel_count,
            in_bandwidth,
            out_bandwidth,
            local_port,
            bind_ip: self.bind_ip,
            ..ClientOptions::new(address, port)
        })
    }

    /// Starts connecting to a server from [`ClientOptions`]; the id goes in the CONNECT data.
    pub fn create_client_with(&mut self, options: ClientOptions) -> Result<(), PeerError> {
        self.ensure_inactive()?;
        if options.port == 0 {
            return Err(PeerError::InvalidParameter("server port 0".into()));
        }
        let unique_id = match options.unique_id {
            Some(id) if id >= 2 => id,
            Some(id) => {
                return Err(PeerError::InvalidParameter(format!(
                    "client id {id} is below 2"
                )));
            }
            None => generate_unique_id(),
        };
        let bind_ip = options
            .bind_ip
            .or_else(|| client_bind_ip(&options.address, options.port));
        // Godot creates the client host with channel limit 0 (= 255).
        let mut host = create_host(HostParams {
            bind_ip,
            port: options.local_port,
            max_peers: 1,
            channel_limit: ENET_MAX_CHANNELS,
            in_bandwidth: options.in_bandwidth,
            out_bandwidth: options.out_bandwidth,
            compression: options.compression,
        })?;
        let channels = channel_limit_for_user_channels(options.channel_count)?;
        let local = host
            .socket()
            .udp()
            .local_addr()
            .map_err(|error| PeerError::CantCreate(error.to_string()))?;
        let remote = resolve_for(local, &options.address, options.port).map_err(|error| {
            PeerError::CantConnect(format!("{}:{}: {error}", options.address, options.port))
        })?;
        host.socket_mut()
            .connect(remote)
            .map_err(|error| PeerError::CantConnect(format!("{remote}: {error}")))?;
        // `unique_id` is at least 2, so the cast keeps its value.
        let server = {
            let peer = host
                .connect(remote, channels, unique_id as u32)
                .map_err(|error| PeerError::CantCreate(error.to_string()))?;
            let slot = peer.id();
            ENetPacketPeer { peer }.apply(&options.peer_settings);
            slot
        };
        self.start(
            Active::Client(ClientState {
                connection: ENetConnection::from_host(host),
                server,
                peer_settings: options.peer_settings,
            }),
            unique_id,
            ConnectionStatus::Connecting,
        );
        tracing::info!(%remote, unique_id, "ENet client connecting");
        Ok(())
    }

    /// `create_mesh(unique_id)`: starts a mesh peer with the given id (at least 1); remote
    /// peers are added with [`add_mesh_peer`](Self::add_mesh_peer).
    pub fn create_mesh(&mut self, unique_id: PeerId) -> Result<(), PeerError> {
        if unique_id <= 0 {
            return Err(PeerError::InvalidParameter(
                "the unique id must be greater than 0".into(),
            ));
        }
        self.ensure_inactive()?;
        self.start(
            Active::Mesh(BTreeMap::new()),
            unique_id,
            ConnectionStatus::Connected,
        );
        Ok(())
    }

    /// `add_mesh_peer(peer_id, host)`: adds a remote mesh peer reached through `host`, which
    /// must have exactly one peer, connected. Emits `PeerConnected(peer_id)`.
    pub fn add_mesh_peer(
        &mut self,
        peer_id: PeerId,
        connection: ENetConnection,
    ) -> Result<(), PeerError> {
        let Active::Mesh(links) = &mut self.active else {
            return Err(PeerError::Unconfigured);
        };
        if peer_id <= 0 || peer_id == self.unique_id || links.contains_key(&peer_id) {
            return Err(PeerError::InvalidParameter(format!(
                "mesh peer id {peer_id} is invalid or already used"
            )));
        }
        let slots = connection.peer_slots();
        let [slot] = slots.as_slice() else {
            return Err(PeerError::InvalidParameter(
                "the host must have exactly one peer in the connected state".into(),
            ));
        };
        let slot = PeerID(*slot);
        if connection.host.peer(slot).state() != PeerState::Connected {
            return Err(PeerError::InvalidParameter(
                "the host must have exactly one peer in the connected state".into(),
            ));
        }
        links.insert(peer_id, MeshLink { connection, slot });
        self.events.push_back(PeerEvent::PeerConnected(peer_id));
        Ok(())
    }

    /// The local UDP port of the server or client host (for a server on port 0: the port
    /// the system picked). `None` when inactive or in mesh mode.
    pub fn local_port(&self) -> Option<u16> {
        let host = match &self.active {
            Active::Server(server) => &server.connection.host,
            Active::Client(client) => &client.connection.host,
            Active::None | Active::Mesh(_) => return None,
        };
        host.socket().udp().local_addr().ok().map(|a| a.port())
    }

    /// Limits the connections one address may hold half open on a server (sent CONNECT,
    /// not yet acknowledged VERIFY_CONNECT): further connection requests from it are dropped
    /// until one completes or times out. `None` (the default, Godot's behaviour) leaves only
    /// `max_clients` as the bound, so one address can fill every slot for ENet's 30 s timeout.
    ///
    /// ```
    /// use netscene_enet::ENetMultiplayerPeer;
    /// let mut server = ENetMultiplayerPeer::new();
    /// server.set_max_pending_per_address(Some(8));
    /// assert_eq!(server.get_max_pending_per_address(), Some(8));
    /// ```
    pub fn set_max_pending_per_address(&mut self, limit: Option<usize>) {
        self.max_pending_per_address = limit.map(|n| n.max(1));
    }

    /// The limit set by [`set_max_pending_per_address`](Self::set_max_pending_per_address).
    pub fn get_max_pending_per_address(&self) -> Option<usize> {
        self.max_pending_per_address
    }

    /// Asks the system for `bytes` of receive and send buffer on the server or client socket
    /// (C ENet asks for 256 KiB). A busy server on a loaded machine needs more: a 256 KiB
    /// buffer holds only a few hundred small datagrams, and the rest are dropped and resent.
    /// The system may grant less: on Linux `net.core.rmem_max` / `wmem_max` cap the request
    /// unless the process has `CAP_NET_ADMIN`, which lifts the cap. Returns the receive
    /// buffer granted, in the units of the request (less than `bytes` when capped). Not in
    /// Godot.
    ///
    /// ```
    /// use netscene_enet::{ENetMultiplayerPeer, ServerOptions};
    /// let mut server = ENetMultiplayerPeer::new();
    /// server.create_server_with(ServerOptions::new(0)).unwrap();
    /// let granted = server.set_socket_buffer_size(1 << 20).unwrap();
    /// if granted < 1 << 20 {
    ///     eprintln!("receive buffer capped at {granted} bytes: raise net.core.rmem_max");
    /// }
    /// ```
    pub fn set_socket_buffer_size(&mut self, bytes: usize) -> Result<usize, PeerError> {
        let host = match &self.active {
            Active::Server(server) => &server.connection.host,
            Active::Client(client) => &client.connection.host,
            Active::None | Active::Mesh(_) => return Err(PeerError::Unconfigured),
        };
        crate::socket::set_buffer_sizes(host.socket().udp(), bytes)
            .map(|(receive, _)| receive)
            .map_err(|error| PeerError::InvalidParameter(format!("socket buffer size: {error}")))
    }

    /// The `host` property (`get_host()`): the server's or client's ENet host, e.g. for
    /// `pop_statistic`, `bandwidth_limit` or `socket_send`. `None` when inactive or in mesh
    /// mode. Servicing it directly takes events away from [`poll`](netscene::peer::MultiplayerPeer::poll).
    pub fn get_host(&mut self) -> Option<&mut ENetConnection> {
        match &mut self.active {
            Active::Server(server) => {
                server.peers_touched = true;
                Some(&mut server.connection)
            }
            Active::Client(client) => Some(&mut client.connection),
            Active::None | Active::Mesh(_) => None,
        }
    }

    /// `get_peer(id)`: the ENet peer behind a connected id (on a client only 1, the server),
    /// for statistics, timeouts and throttling.
    pub fn get_peer(&mut self, id: PeerId) -> Option<ENetPacketPeer<'_>> {
        let peer = match &mut self.active {
            Active::Server(server) => {
                let slot = *server.peers.get(&id)?;
                server.peers_touched = true;
                server.connection.host.get_peer_mut(slot)?
            }
            Active::Client(client) if id == TARGET_PEER_SERVER => {
                client.connection.host.get_peer_mut(client.server)?
            }
            Active::Mesh(links) => {
                let link = links.get_mut(&id)?;
                link.connection.host.get_peer_mut(link.slot)?
            }
            Active::Client(_) | Active::None => return None,
        };
        Some(ENetPacketPeer { peer })
    }

    /// The ids currently connected (clients on a server, 1 on a connected client, mesh peers).
    pub fn peer_ids(&self) -> Vec<PeerId> {
        match &self.active {
            Active::Server(server) => server.peers.keys().copied().collect(),
            Active::Client(_) if self.status == ConnectionStatus::Connected => {
                vec![TARGET_PEER_SERVER]
            }
            Active::Mesh(links) => links.keys().copied().collect(),
            Active::Client(_) | Active::None => Vec::new(),
        }
    }

    /// How many ids [`peer_ids`](Self::peer_ids) would list, without listing them.
    pub(crate) fn peer_count(&self) -> usize {
        match &self.active {
            Active::Server(server) => server.peers.len(),
            Active::Client(_) if self.status == ConnectionStatus::Connected => 1,
            Active::Mesh(links) => links.len(),
            Active::Client(_) | Active::None => 0,
        }
    }

    fn ensure_inactive(&self) -> Result<(), PeerError> {
        match self.active {
            Active::None => Ok(()),
            _ => Err(PeerError::AlreadyInUse),
        }
    }

    fn start(&mut self, active: Active, unique_id: PeerId, status: ConnectionStatus) {
        self.active = active;
        self.unique_id = unique_id;
        self.status = status;
        self.refuse_new_connections = false;
        self.incoming.clear();
        self.events.clear();
    }

    pub(crate) fn has_peer(&self, id: PeerId) -> bool {
        match &self.active {
            Active::Server(server) => server.peers.contains_key(&id),
            Active::Client(_) => id == TARGET_PEER_SERVER,
            Active::Mesh(links) => links.contains_key(&id),
            Active::None => false,
        }
    }

    pub(crate) fn send_now(&mut self, data: &[u8]) -> Result<(), PeerError> {
        let (channel, packet) = outgoing_packet(&self.settings, data)?;
        let target = self.settings.target_peer;
        match &mut self.active {
            Active::Server(server) => {
                if target == 0 {
                    server.connection.host.broadcast(channel, &packet);
                } else if target < 0 {
                    for (&id, &slot) in &server.peers {
                        if Some(id) != target.checked_neg() {
                            send_to(&mut server.connection.host, slot, channel, &packet)?;
                        }
                    }
                } else {
                    let slot = server.peers[&target];
                    send_to(&mut server.connection.host, slot, channel, &packet)?;
                }
            }
            Active::Client(client) => {
                send_to(&mut client.connection.host, client.server, channel, &packet)?;
            }
            Active::Mesh(links) => {
                for (&id, link) in links.iter_mut() {
                    let chosen = if target <= 0 {
                        Some(id) != target.checked_neg()
                    } else {
                        id == target
                    };
                    if chosen {
                        send_to(&mut link.connection.host, link.slot, channel, &packet)?;
                    }
                }
            }
            Active::None => return Err(PeerError::Unconfigured),
        }
        // Godot flushes after every packet. A flush walks every peer slot of the host, so
        // inside a send batch the walk happens once, when the batch ends.
        if self.batching_sends {
            self.unflushed = true;
        } else {
            self.flush_hosts();
        }
        Ok(())
    }

    /// Writes every queued command of every host to the network.
    pub(crate) fn flush_hosts(&mut self) {
        self.unflushed = false;
        self.for_each_host(EnetHost::flush);
    }

    /// Makes every host's socket hold its datagrams (merged per peer) until
    /// [`release_sockets`](Self::release_sockets).
    pub(crate) fn hold_sockets(&mut self) {
        self.for_each_host(|host| host.socket_mut().hold());
    }

    /// Sends what the sockets held and stops holding.
    pub(crate) fn release_sockets(&mut self) {
        self.for_each_host(|host| host.socket_mut().release());
    }

    fn for_each_host(&mut self, mut f: impl FnMut(&mut EnetHost)) {
        match &mut self.active {
            Active::Server(ServerState { connection, .. })
            | Active::Client(ClientState { connection, .. }) => f(&mut connection.host),
            Active::Mesh(links) => {
                for link in links.values_mut() {
                    f(&mut link.connection.host);
                }
            }
            Active::None => {}
        }
    }
}

/// The ENet channel and packet that `put_packet` sends `data` as under `settings`; refuses
/// what Godot refuses (more than [`MAX_PACKET_SIZE`] bytes, a channel beyond ENet's).
pub(crate) fn outgoing_packet(
    settings: &PacketSettings,
    data: &[u8],
) -> Result<(u8, rusty_enet::Packet), PeerError> {
    if data.len() > MAX_PACKET_SIZE {
        return Err(PeerError::PacketTooLarge {
            size: data.len(),
            limit: MAX_PACKET_SIZE,
        });
    }
    let channel =
        enet_channel(settings.transfer_mode, settings.transfer_channel).ok_or_else(|| {
            PeerError::InvalidParameter(format!("transfer channel {}", settings.transfer_channel))
        })?;
    let packet = rusty_enet::Packet::new(data.to_vec(), packet_kind(settings.transfer_mode));
    Ok((channel, packet))
}

pub(crate) fn send_to(
    host: &mut EnetHost,
    slot: PeerID,
    channel: u8,
    packet: &rusty_enet::Packet,
) -> Result<(), PeerError> {
    use rusty_enet::error::PeerSendError;
    let Some(peer) = host.get_peer_mut(slot) else {
        return Err(PeerError::Connection(format!(
            "no ENet peer slot {}",
            slot.0
        )));
    };
    peer.send(channel, packet).map_err(|error| match error {
        PeerSendError::InvalidChannel => PeerError::InvalidParameter(format!(
            "ENet channel {channel} is beyond the {} channels of the connection",
            peer.channel_count()
        )),
        PeerSendError::PacketTooLarge | PeerSendError::FragmentsExceeded => {
            PeerError::PacketTooLarge {
                size: packet.data().len(),
                limit: MAX_PACKET_SIZE,
            }
        }
        PeerSendError::FailedToQueue => PeerError::QueueFull,
        PeerSendError::NotConnected => PeerError::Connection("peer not connected".into()),
    })
}
