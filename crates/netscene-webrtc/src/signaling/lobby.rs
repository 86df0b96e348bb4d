//! `LobbyPeer`: a `MultiplayerPeer` that joins a signaling lobby and connects itself to the
//! peers it is introduced to (what a Godot game does by hand with `WebRTCMultiplayerPeer`).

use std::collections::BTreeMap;
use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER, TransferMode,
};

use super::client::{SignalingClient, SignalingError};
use super::protocol::{ClientMessage, ServerMessage};
use crate::connection::{ConnectionConfig, ConnectionEvent, WebRtcPeerConnection};
use crate::multiplayer_peer::WebRtcMultiplayerPeer;

/// How a [`LobbyPeer`] sets up its connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LobbyOptions {
    /// Custom channels (Godot's `channels_config`), the same on every peer of the lobby.
    pub channels: Vec<TransferMode>,
    /// `maxPacketLifetime` (ms) of the unreliable channels (Godot's default 1).
    pub unreliable_lifetime: u16,
    /// Where each connection's UDP socket binds.
    pub connection: ConnectionConfig,
    /// How long creating or joining waits for the server's answer.
    pub join_timeout: Duration,
}

impl Default for LobbyOptions {
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            unreliable_lifetime: 1,
            connection: ConnectionConfig::default(),
            join_timeout: Duration::from_secs(10),
        }
    }
}

/// A WebRTC `MultiplayerPeer` whose connections are signaled through a lobby server
/// (`netscene signal`): create a lobby (becoming its server, id 1, or a mesh peer) or join one
/// by name; [`poll`](MultiplayerPeer::poll) then connects to every peer the lobby introduces.
///
/// ```no_run
/// use netscene_webrtc::{LobbyOptions, LobbyPeer};
/// let host = LobbyPeer::create("ws://127.0.0.1:9080", false, LobbyOptions::default()).unwrap();
/// println!("tell your friends: lobby {}", host.lobby());
/// let guest = LobbyPeer::join("ws://127.0.0.1:9080", host.lobby(), LobbyOptions::default()).unwrap();
/// ```
pub struct LobbyPeer {
    signaling: SignalingClient,
    peer: WebRtcMultiplayerPeer,
    connections: BTreeMap<PeerId, WebRtcPeerConnection>,
    options: LobbyOptions,
    lobby: String,
    sealed: bool,
    lobby_closed: bool,
}

impl std::fmt::Debug for LobbyPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LobbyPeer")
            .field("lobby", &self.lobby)
            .field("peer", &self.peer)
            .finish()
    }
}

impl LobbyPeer {
    /// Creates a new lobby on the server at `url`: this peer is its server (id 1), or with
    /// `mesh` a mesh peer with a random id.
    pub fn create(url: &str, mesh: bool, options: LobbyOptions) -> Result<Self, SignalingError> {
        Self::start(url, String::new(), mesh, options)
    }

    /// Joins lobby `lobby` (a client of its server, or a mesh peer).
    pub fn join(url: &str, lobby: &str, options: LobbyOptions) -> Result<Self, SignalingError> {
        if lobby.is_empty() {
            return Err(SignalingError::Refused("an empty lobby name".into()));
        }
        Self::start(url, lobby.to_owned(), false, options)
    }

    fn start(
        url: &str,
        lobby: String,
        mesh: bool,
        options: LobbyOptions,
    ) -> Result<Self, SignalingError> {
        let mut signaling = SignalingClient::connect(url, options.join_timeout)?;
        signaling.send(&ClientMessage::Join { lobby, mesh })?;
        let deadline = Instant::now() + options.join_timeout;
        let mut early = Vec::new();
        let (lobby, id, mesh) = loop {
            signaling.poll();
            match signaling.pop_message() {
                Some(ServerMessage::Joined { lobby, id, mesh }) => break (lobby, id, mesh),
                Some(ServerMessage::Error { message }) => {
                    return Err(SignalingError::Refused(message));
                }
                Some(other) => early.push(other),
                None if !signaling.is_open() => return Err(SignalingError::Closed),
                None if Instant::now() > deadline => {
                    return Err(SignalingError::Timeout(options.join_timeout));
                }
                None => thread::sleep(Duration::from_millis(1)),
            }
        };
        let mut peer = WebRtcMultiplayerPeer::new();
        let created = if mesh {
            peer.create_mesh(id, &options.channels)
        } else if id == TARGET_PEER_SERVER {
            peer.create_server(&options.channels)
        } else {
            peer.create_client(id, &options.channels)
        };
        created.map_err(|e| SignalingError::Refused(format!("id {id}: {e}")))?;
        let mut lobby_peer = Self {
            signaling,
            peer,
            connections: BTreeMap::new(),
            options,
            lobby,
            sealed: false,
            lobby_closed: false,
        };
        for message in early {
            lobby_peer.handle(message);
        }
        Ok(lobby_peer)
    }

    /// The lobby's name (share it with the players who should join).
    pub fn lobby(&self) -> &str {
        &self.lobby
    }

    /// Asks the server to take no more peers into this lobby (its creator only).
    pub fn seal(&mut self) -> Result<(), SignalingError> {
        self.signaling.send(&ClientMessage::Seal)
    }

    /// True once the server said the lobby is sealed.
    pub fn is_sealed(&self) -> bool {
        self.sealed
    }

    /// The WebRTC peer underneath (connections, channels).
    pub fn webrtc(&self) -> &WebRtcMultiplayerPeer {
        &self.peer
    }

    fn handle(&mut self, message: ServerMessage) {
        match message {
            ServerMessage::PeerConnected { id } => self.connect_to(id),
            ServerMessage::PeerDisconnected { id } => {
                // A client's lobby closes with its server: there is nobody left to connect to.
                if id == TARGET_PEER_SERVER
                    && self.peer.network_mode() == crate::NetworkMode::Client
                {
                    self.lobby_closed = true;
                }
                if let Some(connection) = self.connections.remove(&id) {
                    connection.close();
                }
                if self.peer.has_peer(id) && !self.peer.get_peer(id).is_some_and(|p| p.connected) {
                    self.peer.remove_peer(id);
                }
            }
            ServerMessage::Offer { from, sdp } => self.on_description(from, "offer", &sdp),
            ServerMessage::Answer { from, sdp } => self.on_description(from, "answer", &sdp),
            ServerMessage::Candidate {
                from,
                mid,
                index,
                candidate,
            } => {
                if let Some(connection) = self.connections.get(&from)
                    && let Err(e) = connection.add_ice_candidate(&mid, index, &candidate)
                {
                    tracing::warn!(peer = from, "bad ICE candidate: {e}");
                }
            }
            ServerMessage::Sealed => self.sealed = true,
            ServerMessage::Error { message } => {
                tracing::warn!(lobby = %self.lobby, "signaling server: {message}");
            }
            ServerMessage::Joined { .. } => {}
        }
    }

    fn connect_to(&mut self, id: PeerId) {
        if self.connections.contains_key(&id) {
            return;
        }
        let connection = match WebRtcPeerConnection::with_config(&self.options.connection) {
            Ok(connection) => connection,
            Err(e) => return tracing::warn!(peer = id, "cannot create a connection: {e}"),
        };
        if let Err(e) = self
            .peer
            .add_peer(&connection, id, self.options.unreliable_lifetime)
        {
            return tracing::warn!(peer = id, "add_peer refused: {e}");
        }
        // The lower id offers: both ends know who that is without a round trip.
        if self.peer.get_unique_id() < id
            && let Err(e) = connection.create_offer()
        {
            tracing::warn!(peer = id, "cannot create an offer: {e}");
        }
        self.connections.insert(id, connection);
    }

    fn on_description(&mut self, from: PeerId, kind: &str, sdp: &str) {
        let Some(connection) = self.connections.get(&from) else {
            return tracing::warn!(peer = from, "a {kind} from a peer not introduced");
        };
        if let Err(e) = connection.set_remote_description(kind, sdp) {
            tracing::warn!(peer = from, "bad {kind}: {e}");
        }
    }

    fn pump_signaling(&mut self) {
        self.signaling.poll();
        while let Some(message) = self.signaling.pop_message() {
            self.handle(message);
        }
        let mut outgoing = Vec::new();
        for (&id, connection) in &self.connections {
            while let Some(event) = connection.pop_event() {
                match event {
                    ConnectionEvent::SessionDescriptionCreated { kind, sdp } => {
                        if let Err(e) = connection.set_local_description(kind.as_str(), &sdp) {
                            tracing::warn!(peer = id, "set_local_description: {e}");
                        }
                        outgoing.push(match kind {
                            crate::SdpType::Offer => ClientMessage::Offer { to: id, sdp },
                            crate::SdpType::Answer => ClientMessage::Answer { to: id, sdp },
                        });
                    }
                    ConnectionEvent::IceCandidateCreated { media, index, name } => {
                        outgoing.push(ClientMessage::Candidate {
                            to: id,
                            mid: media,
                            index,
                            candidate: name,
                        });
                    }
                    ConnectionEvent::DataChannelReceived(_) => {}
                }
            }
        }
        for message in outgoing {
            if self.signaling.send(&message).is_err() {
                break;
            }
        }
    }
}

impl MultiplayerPeer for LobbyPeer {
    fn packet_settings(&self) -> &PacketSettings {
        self.peer.packet_settings()
    }
    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        self.peer.packet_settings_mut()
    }
    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        self.peer.put_packet(data)
    }
    fn get_available_packet_count(&self) -> usize {
        self.peer.get_available_packet_count()
    }
    fn peek_packet(&self) -> Option<&Packet> {
        self.peer.peek_packet()
    }
    fn get_packet(&mut self) -> Option<Packet> {
        self.peer.get_packet()
    }
    fn poll(&mut self) {
        if self.peer.network_mode() == crate::NetworkMode::None {
            return;
        }
        self.pump_signaling();
        self.peer.poll();
        // A client whose lobby closed before its server connection came up will never
        // connect: give up, as a failed connection.
        if self.lobby_closed && self.peer.get_connection_status() == ConnectionStatus::Connecting {
            self.close();
        }
    }
    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.peer.pop_event()
    }
    fn get_unique_id(&self) -> PeerId {
        self.peer.get_unique_id()
    }
    fn get_connection_status(&self) -> ConnectionStatus {
        self.peer.get_connection_status()
    }
    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        self.peer.disconnect_peer(id, force);
    }
    fn close(&mut self) {
        self.signaling.close();
        self.connections.clear();
        self.peer.close();
    }
    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.peer.set_refuse_new_connections(refuse);
    }
    fn is_refusing_new_connections(&self) -> bool {
        self.peer.is_refusing_new_connections()
    }
    fn is_server_relay_supported(&self) -> bool {
        self.peer.is_server_relay_supported()
    }
    fn get_max_packet_size(&self) -> usize {
        self.peer.get_max_packet_size()
    }
}
