//! `WebRtcMultiplayerPeer`: Godot's `WebRTCMultiplayerPeer` (server, client and mesh modes).

use std::collections::{BTreeMap, VecDeque};

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER, TransferMode,
};

use crate::connection::{ConnectionState, WebRtcPeerConnection};
use crate::data_channel::{ChannelState, WebRtcDataChannel};
use crate::error::WebRtcError;
use crate::layout::{channel_layout, reported_channel, send_index};

/// What Godot's `get_max_packet_size()` reports for this peer (a hint: larger messages are
/// sent, up to the remote end's SCTP limit).
pub const MAX_PACKET_SIZE: usize = 1200;

/// The role the peer was created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NetworkMode {
    /// Not created (or closed).
    #[default]
    None,
    /// `create_server`: id 1; connections to clients.
    Server,
    /// `create_client(id)`: one connection, to the server (id 1).
    Client,
    /// `create_mesh(id)`: connections to any peers; no server relay.
    Mesh,
}

/// One remote peer: Godot's `get_peer()` dictionary.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PeerInfo {
    /// The connection the application added.
    pub connection: WebRtcPeerConnection,
    /// True once the connection and every channel are open.
    pub connected: bool,
    /// Its data channels, in layout order ([`crate::layout`]).
    pub channels: Vec<WebRtcDataChannel>,
}

struct ConnectedPeer {
    connection: WebRtcPeerConnection,
    channels: Vec<WebRtcDataChannel>,
    connected: bool,
}

/// Godot's `WebRTCMultiplayerPeer`: a `MultiplayerPeer` over one WebRTC connection per remote
/// peer, which the application creates, signals and hands over with [`add_peer`](Self::add_peer).
#[derive(Default)]
pub struct WebRtcMultiplayerPeer {
    settings: PacketSettings,
    mode: NetworkMode,
    unique_id: PeerId,
    status: ConnectionStatus,
    custom_channels: Vec<TransferMode>,
    /// Transfer mode per layout index.
    channel_modes: Vec<TransferMode>,
    peers: BTreeMap<PeerId, ConnectedPeer>,
    packets: VecDeque<Packet>,
    events: VecDeque<PeerEvent>,
    refusing: bool,
}

impl std::fmt::Debug for WebRtcMultiplayerPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRtcMultiplayerPeer")
            .field("mode", &self.mode)
            .field("unique_id", &self.unique_id)
            .field("status", &self.status)
            .field("peers", &self.peers.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn valid_id(id: PeerId) -> bool {
    id >= 1
}

impl WebRtcMultiplayerPeer {
    /// An inactive peer; call one of the `create_*` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// Becomes the server (id 1). `channels_config` adds one custom channel per transfer mode.
    pub fn create_server(&mut self, channels_config: &[TransferMode]) -> Result<(), PeerError> {
        self.initialize(TARGET_PEER_SERVER, NetworkMode::Server, channels_config)
    }

    /// Becomes a client with id `peer_id` (never 1); it connects once the server's connection
    /// (added as peer 1) is up.
    pub fn create_client(
        &mut self,
        peer_id: PeerId,
        channels_config: &[TransferMode],
    ) -> Result<(), PeerError> {
        if peer_id == TARGET_PEER_SERVER {
            return Err(PeerError::InvalidParameter(
                "clients cannot have id 1".into(),
            ));
        }
        self.initialize(peer_id, NetworkMode::Client, channels_config)
    }

    /// Becomes a mesh peer with id `peer_id`: connections to any number of peers, each added
    /// with [`add_peer`](Self::add_peer).
    pub fn create_mesh(
        &mut self,
        peer_id: PeerId,
        channels_config: &[TransferMode],
    ) -> Result<(), PeerError> {
        self.initialize(peer_id, NetworkMode::Mesh, channels_config)
    }

    fn initialize(
        &mut self,
        id: PeerId,
        mode: NetworkMode,
        channels_config: &[TransferMode],
    ) -> Result<(), PeerError> {
        if self.mode != NetworkMode::None {
            return Err(PeerError::AlreadyInUse);
        }
        if !valid_id(id) {
            return Err(PeerError::InvalidParameter(format!("peer id {id}")));
        }
        self.custom_channels = channels_config.to_vec();
        self.channel_modes = channel_layout(1, channels_config)
            .into_iter()
            .map(|spec| spec.mode)
            .collect();
        self.unique_id = id;
        self.mode = mode;
        self.status = if mode == NetworkMode::Client {
            ConnectionStatus::Connecting
        } else {
            ConnectionStatus::Connected
        };
        Ok(())
    }

    /// The role this peer was created with.
    pub fn network_mode(&self) -> NetworkMode {
        self.mode
    }

    /// Adds the connection to remote peer `peer_id` and creates Godot's data channels on it
    /// (so it must be new: add it before `create_offer` / `set_remote_description`).
    /// `unreliable_lifetime` is the `maxPacketLifetime` (ms) of the unreliable channels; Godot's
    /// default is 1. A client adds only the server, id 1; a server never adds id 1.
    pub fn add_peer(
        &mut self,
        connection: &WebRtcPeerConnection,
        peer_id: PeerId,
        unreliable_lifetime: u16,
    ) -> Result<(), PeerError> {
        match self.mode {
            NetworkMode::None => return Err(PeerError::Unconfigured),
            NetworkMode::Client if peer_id != TARGET_PEER_SERVER => {
                return Err(PeerError::InvalidParameter(format!(
                    "a client connects only to the server (id 1), not {peer_id}"
                )));
            }
            NetworkMode::Server if peer_id == TARGET_PEER_SERVER => {
                return Err(PeerError::InvalidParameter(
                    "a server cannot add peer id 1".into(),
                ));
            }
            _ => {}
        }
        if !valid_id(peer_id) {
            return Err(PeerError::InvalidParameter(format!("peer id {peer_id}")));
        }
        if self.refusing {
            return Err(PeerError::CantConnect("new connections are refused".into()));
        }
        if self.peers.contains_key(&peer_id) {
            return Err(PeerError::InvalidParameter(format!(
                "peer {peer_id} exists already"
            )));
        }
        if connection.get_connection_state() != ConnectionState::New {
            return Err(PeerError::InvalidParameter(
                "the connection must be new (add it before signaling)".into(),
            ));
        }
        let mut channels = Vec::new();
        for spec in channel_layout(unreliable_lifetime, &self.custom_channels) {
            let channel = connection
                .create_data_channel(&spec.label, spec.config)
                .map_err(|e| PeerError::CantCreate(e.to_string()))?;
            channels.push(channel);
        }
        self.peers.insert(
            peer_id,
            ConnectedPeer {
                connection: connection.clone(),
                channels,
                connected: false,
            },
        );
        Ok(())
    }

    /// Removes a peer (closing nothing: the application owns the connection). A connected
    /// peer's removal is reported as `PeerDisconnected`.
    pub fn remove_peer(&mut self, peer_id: PeerId) {
        let Some(peer) = self.peers.remove(&peer_id) else {
            tracing::warn!(peer_id, "remove_peer: no such peer");
            return;
        };
        if peer.connected {
            self.events.push_back(PeerEvent::PeerDisconnected(peer_id));
            if self.mode == NetworkMode::Client && peer_id == TARGET_PEER_SERVER {
                self.status = ConnectionStatus::Disconnected;
            }
        }
    }

    /// True when `peer_id` was added (connected or not).
    pub fn has_peer(&self, peer_id: PeerId) -> bool {
        self.peers.contains_key(&peer_id)
    }

    /// The connection, channels and state of one peer.
    pub fn get_peer(&self, peer_id: PeerId) -> Option<PeerInfo> {
        self.peers.get(&peer_id).map(|peer| PeerInfo {
            connection: peer.connection.clone(),
            connected: peer.connected,
            channels: peer.channels.clone(),
        })
    }

    /// Every peer, by id.
    pub fn get_peers(&self) -> BTreeMap<PeerId, PeerInfo> {
        self.peers
            .keys()
            .filter_map(|&id| Some((id, self.get_peer(id)?)))
            .collect()
    }

    fn channel_error(error: WebRtcError) -> PeerError {
        match error {
            WebRtcError::ChannelNotOpen => PeerError::Unconfigured,
            WebRtcError::BufferFull => PeerError::QueueFull,
            other => PeerError::Connection(other.to_string()),
        }
    }
}

impl MultiplayerPeer for WebRtcMultiplayerPeer {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        if self.status == ConnectionStatus::Disconnected {
            return Err(PeerError::Unconfigured);
        }
        let PacketSettings {
            target_peer,
            transfer_mode,
            transfer_channel,
        } = self.settings;
        let index = send_index(transfer_channel, transfer_mode)
            .ok_or_else(|| PeerError::InvalidParameter(format!("channel {transfer_channel}")))?;
        if index >= self.channel_modes.len() {
            return Err(PeerError::InvalidParameter(format!(
                "channel {transfer_channel}: this peer has {} custom channels",
                self.custom_channels.len()
            )));
        }
        if target_peer > 0 {
            let peer = self
                .peers
                .get(&target_peer)
                .ok_or(PeerError::UnknownPeer(target_peer))?;
            return peer.channels[index]
                .put_packet(data)
                .map_err(Self::channel_error);
        }
        let exclude = -target_peer;
        for (&id, peer) in &self.peers {
            if (target_peer != 0 && id == exclude) || !peer.connected {
                continue;
            }
            if let Err(e) = peer.channels[index].put_packet(data) {
                tracing::debug!(peer = id, "broadcast packet not sent: {e}");
            }
        }
        Ok(())
    }

    fn get_available_packet_count(&self) -> usize {
        self.packets.len()
    }

    fn peek_packet(&self) -> Option<&Packet> {
        self.packets.front()
    }

    fn get_packet(&mut self) -> Option<Packet> {
        self.packets.pop_front()
    }

    fn poll(&mut self) {
        let mut remove = Vec::new();
        let mut add = Vec::new();
        for (&id, peer) in &mut self.peers {
            peer.connection.poll();
            match peer.connection.get_connection_state() {
                ConnectionState::New | ConnectionState::Connecting => continue,
                ConnectionState::Connected => {}
                _ => {
                    remove.push(id);
                    continue;
                }
            }
            let mut ready = 0;
            let mut closed = false;
            for channel in &peer.channels {
                match channel.get_ready_state() {
                    ChannelState::Connecting => {}
                    ChannelState::Open => ready += 1,
                    ChannelState::Closing | ChannelState::Closed => closed = true,
                }
            }
            if closed {
                remove.push(id);
            } else if ready == peer.channels.len() && !peer.connected {
                peer.connected = true;
                add.push(id);
            }
        }
        for id in remove {
            // Packets that already arrived are still delivered, as Godot delivers them until
            // the peer is gone; take them before removing it.
            self.collect_packets_of(id);
            self.remove_peer(id);
        }
        for id in add {
            if self.mode == NetworkMode::Client {
                self.status = ConnectionStatus::Connected;
            }
            self.events.push_back(PeerEvent::PeerConnected(id));
        }
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            self.collect_packets_of(id);
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

    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        let Some(peer) = self.peers.get(&id) else {
            tracing::warn!(peer_id = id, "disconnect_peer: no such peer");
            return;
        };
        if force {
            peer.connection.close();
            self.peers.remove(&id);
            if self.mode == NetworkMode::Client && id == TARGET_PEER_SERVER {
                self.status = ConnectionStatus::Disconnected;
            }
        } else {
            // Removed (and reported) by the next poll.
            peer.connection.close();
        }
    }

    fn close(&mut self) {
        for peer in self.peers.values() {
            peer.connection.close();
        }
        *self = Self::default();
    }

    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.refusing = refuse;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refusing
    }

    fn is_server_relay_supported(&self) -> bool {
        matches!(self.mode, NetworkMode::Server | NetworkMode::Client)
    }

    fn get_max_packet_size(&self) -> usize {
        MAX_PACKET_SIZE
    }
}

impl WebRtcMultiplayerPeer {
    fn collect_packets_of(&mut self, id: PeerId) {
        let Some(peer) = self.peers.get(&id) else {
            return;
        };
        if !peer.connected {
            return;
        }
        for (index, channel) in peer.channels.iter().enumerate() {
            while let Some(data) = channel.get_packet() {
                self.packets.push_back(Packet {
                    from: id,
                    channel: reported_channel(index),
                    mode: self.channel_modes[index],
                    data,
                });
            }
        }
    }
}
