//! `SimulatedPeer`: a `MultiplayerPeer` on a [`SimulatedNetwork`](super::SimulatedNetwork).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::hub::Hub;
use super::lock;
use crate::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
};

/// Largest packet a simulated peer accepts: the same as Godot's ENet peer (16 MiB).
pub const SIMULATED_MAX_PACKET_SIZE: usize = 1 << 24;

/// Highest user channel: ENet's 255 channels minus Godot's two system channels, minus one.
pub const MAX_TRANSFER_CHANNEL: i32 = 253;

/// The server or a client of a [`SimulatedNetwork`](super::SimulatedNetwork).
///
/// Behaves like Godot's `ENetMultiplayerPeer` in client/server mode: the server is id 1 and
/// connected at once; a client starts `Connecting`, learns only of the server
/// (`PeerConnected(1)`) and sends everything to it, whatever the target (0, 1 or -1; other
/// targets are [`PeerError::UnknownPeer`]). Client ↔ client traffic goes through
/// SceneMultiplayer's server relay, which this peer supports.
///
/// Like Godot's peers, received packets and events show up only after [`poll`](Self::poll).
/// Dropping the peer closes it.
#[derive(Debug)]
pub struct SimulatedPeer {
    hub: Arc<Mutex<Hub>>,
    slot: usize,
    settings: PacketSettings,
    received: VecDeque<Packet>,
    events: VecDeque<PeerEvent>,
    id: PeerId,
    status: ConnectionStatus,
    refusing: bool,
}

impl SimulatedPeer {
    pub(crate) fn new(hub: Arc<Mutex<Hub>>, slot: usize) -> Self {
        let (id, status) = {
            let hub = lock(&hub);
            let endpoint = &hub.endpoints[slot];
            (endpoint.id, endpoint.status)
        };
        Self {
            hub,
            slot,
            settings: PacketSettings::default(),
            received: VecDeque::new(),
            events: VecDeque::new(),
            id,
            status,
            refusing: false,
        }
    }

    /// Ids of the connected peers as this peer knows them (the server: its clients; a client:
    /// `[1]` once connected).
    pub fn peer_ids(&self) -> Vec<PeerId> {
        let hub = lock(&self.hub);
        let endpoint = &hub.endpoints[self.slot];
        if endpoint.is_server {
            endpoint.peers.keys().copied().collect()
        } else if endpoint.status == ConnectionStatus::Connected {
            vec![crate::peer::TARGET_PEER_SERVER]
        } else {
            Vec::new()
        }
    }

    fn refresh(&mut self, hub: &Hub) {
        let endpoint = &hub.endpoints[self.slot];
        self.id = endpoint.id;
        self.status = endpoint.status;
        self.refusing = endpoint.refusing;
    }
}

impl MultiplayerPeer for SimulatedPeer {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        if !(0..=MAX_TRANSFER_CHANNEL).contains(&self.settings.transfer_channel) {
            return Err(PeerError::InvalidParameter(format!(
                "transfer channel {} is not in 0..={MAX_TRANSFER_CHANNEL}",
                self.settings.transfer_channel
            )));
        }
        if data.len() > SIMULATED_MAX_PACKET_SIZE {
            return Err(PeerError::PacketTooLarge {
                size: data.len(),
                limit: SIMULATED_MAX_PACKET_SIZE,
            });
        }
        let mut hub = lock(&self.hub);
        hub.sync();
        let status = hub.endpoints[self.slot].status;
        if status != ConnectionStatus::Connected {
            // Godot: ERR_UNCONFIGURED both when inactive and when not yet connected.
            return Err(PeerError::Unconfigured);
        }
        let result = hub.put(
            self.slot,
            self.settings.target_peer,
            self.settings.transfer_mode,
            self.settings.transfer_channel,
            data,
        );
        hub.run_due();
        result
    }

    fn get_available_packet_count(&self) -> usize {
        self.received.len()
    }

    fn peek_packet(&self) -> Option<&Packet> {
        self.received.front()
    }

    fn get_packet(&mut self) -> Option<Packet> {
        self.received.pop_front()
    }

    fn poll(&mut self) {
        let hub = Arc::clone(&self.hub);
        let mut hub = lock(&hub);
        hub.sync();
        let endpoint = &mut hub.endpoints[self.slot];
        if self.received.is_empty() {
            std::mem::swap(&mut self.received, &mut endpoint.inbox);
        } else {
            self.received.append(&mut endpoint.inbox);
        }
        self.events.append(&mut endpoint.events);
        self.refresh(&hub);
    }

    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    fn get_unique_id(&self) -> PeerId {
        self.id
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        self.status
    }

    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        let hub = Arc::clone(&self.hub);
        let mut hub = lock(&hub);
        hub.sync();
        hub.disconnect_peer(self.slot, id, force);
        if force && !hub.endpoints[self.slot].is_server {
            // Godot closes a client peer at once on a forced disconnect.
            self.received.clear();
            self.events.clear();
            hub.close_endpoint(self.slot);
        }
        self.refresh(&hub);
    }

    fn close(&mut self) {
        let hub = Arc::clone(&self.hub);
        let mut hub = lock(&hub);
        hub.sync();
        hub.close_endpoint(self.slot);
        self.received.clear();
        self.events.clear();
        self.refusing = false;
        self.refresh(&hub);
    }

    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.refusing = refuse;
        lock(&self.hub).endpoints[self.slot].refusing = refuse;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refusing
    }

    fn is_server_relay_supported(&self) -> bool {
        // As ENet in client/server mode: SceneMultiplayer may relay through the server while
        // the peer is active (Godot's ENet peer answers false once closed).
        self.id != 0
    }

    fn get_max_packet_size(&self) -> usize {
        SIMULATED_MAX_PACKET_SIZE
    }
}

impl Drop for SimulatedPeer {
    fn drop(&mut self) {
        let mut hub = lock(&self.hub);
        if hub.endpoints[self.slot].id != 0 {
            hub.close_endpoint(self.slot);
        }
    }
}
