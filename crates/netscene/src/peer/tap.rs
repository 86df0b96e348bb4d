//! [`TappedPeer`]: any transport plus an observer of the packets it carries (traffic counters,
//! packet logs for tests, capture tools), without re-implementing the `MultiplayerPeer` contract.

use super::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    PeerStatistics,
};

/// Sees every packet a [`TappedPeer`] sends or hands out; both methods do nothing by default.
pub trait PacketTap: Send + 'static {
    /// A packet the transport accepted, with the target, mode and channel it went out with.
    fn on_send(&mut self, _settings: &PacketSettings, _data: &[u8]) {}
    /// A packet taken from the transport with `get_packet`.
    fn on_receive(&mut self, _packet: &Packet) {}
}

/// Forwards everything to `inner` and shows the packets to `tap`.
///
/// ```
/// use netscene::peer::{MultiplayerPeer, OfflineMultiplayerPeer, PacketSettings, PacketTap, TappedPeer};
/// # use netscene::TransferMode;
/// #[derive(Default)]
/// struct Bytes(usize);
/// impl PacketTap for Bytes {
///     fn on_send(&mut self, _: &PacketSettings, data: &[u8]) {
///         self.0 += data.len();
///     }
/// }
/// let mut peer = TappedPeer::new(Box::new(OfflineMultiplayerPeer::new()), Bytes::default());
/// peer.send(0, TransferMode::Reliable, 0, b"abc").unwrap();
/// assert_eq!(peer.tap().0, 3);
/// ```
pub struct TappedPeer<T> {
    inner: Box<dyn MultiplayerPeer>,
    tap: T,
}

impl<T: PacketTap> TappedPeer<T> {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn MultiplayerPeer>, tap: T) -> Self {
        Self { inner, tap }
    }

    /// The observer.
    pub fn tap(&self) -> &T {
        &self.tap
    }

    /// The wrapped transport (downcast it through `dyn Any` for transport-specific calls).
    pub fn inner(&self) -> &dyn MultiplayerPeer {
        &*self.inner
    }

    /// The wrapped transport, mutable.
    pub fn inner_mut(&mut self) -> &mut dyn MultiplayerPeer {
        &mut *self.inner
    }
}

impl<T: PacketTap> MultiplayerPeer for TappedPeer<T> {
    fn packet_settings(&self) -> &PacketSettings {
        self.inner.packet_settings()
    }
    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        self.inner.packet_settings_mut()
    }
    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        self.inner.put_packet(data)?;
        self.tap.on_send(self.inner.packet_settings(), data);
        Ok(())
    }
    fn get_available_packet_count(&self) -> usize {
        self.inner.get_available_packet_count()
    }
    fn peek_packet(&self) -> Option<&Packet> {
        self.inner.peek_packet()
    }
    fn get_packet(&mut self) -> Option<Packet> {
        let packet = self.inner.get_packet()?;
        self.tap.on_receive(&packet);
        Some(packet)
    }
    fn poll(&mut self) {
        self.inner.poll()
    }
    fn begin_send_batch(&mut self) {
        self.inner.begin_send_batch()
    }
    fn end_send_batch(&mut self) {
        self.inner.end_send_batch()
    }
    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.inner.pop_event()
    }
    fn get_unique_id(&self) -> PeerId {
        self.inner.get_unique_id()
    }
    fn is_server(&self) -> bool {
        self.inner.is_server()
    }
    fn get_connection_status(&self) -> ConnectionStatus {
        self.inner.get_connection_status()
    }
    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        self.inner.disconnect_peer(id, force)
    }
    fn close(&mut self) {
        self.inner.close()
    }
    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.inner.set_refuse_new_connections(refuse)
    }
    fn is_refusing_new_connections(&self) -> bool {
        self.inner.is_refusing_new_connections()
    }
    fn is_server_relay_supported(&self) -> bool {
        self.inner.is_server_relay_supported()
    }
    fn get_max_packet_size(&self) -> usize {
        self.inner.get_max_packet_size()
    }
    fn peer_statistics(&self, id: PeerId) -> Option<PeerStatistics> {
        self.inner.peer_statistics(id)
    }
}
