//! `OfflineMultiplayerPeer`: Godot's default peer when no network is set up.

use super::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER,
};

/// A peer that is always a connected server with no one else: Godot's
/// `OfflineMultiplayerPeer` (modules/multiplayer/scene_multiplayer.h).
///
/// With it the local process is the multiplayer authority: unique id 1, `is_server()`,
/// status `Connected`, no peers. As in Godot, `put_packet` accepts anything and returns `Ok`
/// — the packet goes nowhere — the target is ignored, nothing is ever received, the maximum
/// packet size is 0, and `poll`, `close` and `disconnect_peer` do nothing.
///
/// ```
/// use netscene::peer::{ConnectionStatus, MultiplayerPeer, OfflineMultiplayerPeer, TransferMode};
///
/// let mut peer = OfflineMultiplayerPeer::new();
/// assert_eq!(peer.get_unique_id(), 1);
/// assert!(peer.is_server());
/// assert_eq!(peer.send(0, TransferMode::Reliable, 0, b"lost"), Ok(()));
/// peer.poll();
/// assert!(peer.get_packet().is_none());
/// assert_eq!(peer.get_connection_status(), ConnectionStatus::Connected);
/// ```
#[derive(Debug, Clone, Default)]
pub struct OfflineMultiplayerPeer {
    // Kept by Godot's MultiplayerPeer base class (the offline peer ignores the target only).
    settings: PacketSettings,
    refuse_new_connections: bool,
}

impl OfflineMultiplayerPeer {
    /// A new offline peer.
    pub fn new() -> Self {
        Self::default()
    }
}

impl MultiplayerPeer for OfflineMultiplayerPeer {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    /// Ignored, as in Godot.
    fn set_target_peer(&mut self, _id: PeerId) {}

    /// Always 0 (broadcast): the target is not kept.
    fn get_target_peer(&self) -> PeerId {
        0
    }

    /// Drops the packet and returns `Ok` (Godot returns `OK`).
    fn put_packet(&mut self, _data: &[u8]) -> Result<(), PeerError> {
        Ok(())
    }

    fn get_available_packet_count(&self) -> usize {
        0
    }

    fn peek_packet(&self) -> Option<&Packet> {
        None
    }

    fn get_packet(&mut self) -> Option<Packet> {
        None
    }

    fn poll(&mut self) {}

    fn pop_event(&mut self) -> Option<PeerEvent> {
        None
    }

    fn get_unique_id(&self) -> PeerId {
        TARGET_PEER_SERVER
    }

    fn is_server(&self) -> bool {
        true
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        ConnectionStatus::Connected
    }

    fn disconnect_peer(&mut self, _id: PeerId, _force: bool) {}

    /// Does nothing: the offline peer stays a connected server.
    fn close(&mut self) {}

    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.refuse_new_connections = refuse;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refuse_new_connections
    }

    fn is_server_relay_supported(&self) -> bool {
        false
    }

    /// 0, as in Godot (nothing can be received).
    fn get_max_packet_size(&self) -> usize {
        0
    }
}
