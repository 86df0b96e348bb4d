//! `FuzzPeer`: a transport whose remote peers and received packets are chosen by the fuzzer,
//! and which records what its SceneMultiplayer sends.

use std::collections::VecDeque;

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
};

/// One packet the server handed to `put_packet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentPacket {
    /// The target as set before `put_packet` (0 all, `n` one peer, `-n` all but `n`).
    pub target: PeerId,
    /// The payload.
    pub data: Vec<u8>,
}

/// A listening server (id 1) whose clients connect on the first `poll`, or a client connected to
/// the server at its first `poll`; incoming packets are queued by the harness
/// ([`FuzzPeer::deliver`]).
#[derive(Debug)]
pub struct FuzzPeer {
    settings: PacketSettings,
    unique_id: PeerId,
    /// Remote peers reported connected at the first poll.
    clients: Vec<PeerId>,
    /// Clients currently connected.
    connected: Vec<PeerId>,
    events: VecDeque<PeerEvent>,
    incoming: VecDeque<Packet>,
    started: bool,
    refusing: bool,
    /// Everything the server sent, in order.
    pub sent: Vec<SentPacket>,
    /// Every `disconnect_peer` the server asked for: `(id, force)`.
    pub disconnects: Vec<(PeerId, bool)>,
}

impl FuzzPeer {
    /// A server whose `clients` connect at its first poll.
    pub fn new(clients: &[PeerId]) -> Self {
        Self::with_remotes(1, clients)
    }

    /// Client `id`, whose server (id 1) accepts it at its first poll.
    pub fn client(id: PeerId) -> Self {
        Self::with_remotes(id, &[1])
    }

    fn with_remotes(unique_id: PeerId, remotes: &[PeerId]) -> Self {
        Self {
            settings: PacketSettings::default(),
            unique_id,
            clients: remotes.to_vec(),
            connected: Vec::new(),
            events: VecDeque::new(),
            incoming: VecDeque::new(),
            started: false,
            refusing: false,
            sent: Vec::new(),
            disconnects: Vec::new(),
        }
    }

    /// Queues `data` as received from `from` (reliable, channel 0), read at the next poll.
    pub fn deliver(&mut self, from: PeerId, data: &[u8]) {
        self.incoming.push_back(Packet {
            from,
            channel: 0,
            mode: netscene::TransferMode::Reliable,
            data: data.to_vec(),
        });
    }

    /// Remote peers currently connected at the transport.
    pub fn connected(&self) -> &[PeerId] {
        &self.connected
    }
}

impl MultiplayerPeer for FuzzPeer {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        let target = self.settings.target_peer;
        if target > 0 && !self.connected.contains(&target) {
            return Err(PeerError::UnknownPeer(target));
        }
        self.sent.push(SentPacket {
            target,
            data: data.to_vec(),
        });
        Ok(())
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
        if !self.started {
            self.started = true;
            for &id in &self.clients {
                self.connected.push(id);
                self.events.push_back(PeerEvent::PeerConnected(id));
            }
        }
    }

    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    fn get_unique_id(&self) -> PeerId {
        self.unique_id
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        ConnectionStatus::Connected
    }

    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        self.disconnects.push((id, force));
        if let Some(at) = self.connected.iter().position(|&p| p == id) {
            self.connected.remove(at);
            self.incoming.retain(|p| p.from != id);
            if !force {
                self.events.push_back(PeerEvent::PeerDisconnected(id));
            }
        }
    }

    fn close(&mut self) {
        self.connected.clear();
        self.incoming.clear();
        self.events.clear();
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
        1 << 20
    }
}
