//! A transport wrapper that counts the bytes and packets an application sends and receives,
//! for the status lines and summaries (payload bytes, without the transport's own headers).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use netscene::PeerId;
use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent,
};

/// Traffic counters, shared between a [`CountingPeer`] and whoever reports them.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Payload bytes handed to the transport.
    pub bytes_sent: AtomicU64,
    /// Payload bytes taken from the transport.
    pub bytes_received: AtomicU64,
    /// Packets handed to the transport.
    pub packets_sent: AtomicU64,
    /// Packets taken from the transport.
    pub packets_received: AtomicU64,
}

impl Traffic {
    /// `(bytes sent, bytes received)` so far.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.bytes_sent.load(Ordering::Relaxed),
            self.bytes_received.load(Ordering::Relaxed),
        )
    }
}

/// Forwards everything to `inner` and counts `put_packet` / `get_packet` traffic.
pub struct CountingPeer {
    inner: Box<dyn MultiplayerPeer>,
    traffic: Arc<Traffic>,
}

impl CountingPeer {
    /// Wraps `inner`, adding its traffic to `traffic`.
    pub fn new(inner: Box<dyn MultiplayerPeer>, traffic: Arc<Traffic>) -> Self {
        Self { inner, traffic }
    }
}

impl MultiplayerPeer for CountingPeer {
    fn packet_settings(&self) -> &PacketSettings {
        self.inner.packet_settings()
    }
    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        self.inner.packet_settings_mut()
    }
    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        self.inner.put_packet(data)?;
        self.traffic
            .bytes_sent
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        self.traffic.packets_sent.fetch_add(1, Ordering::Relaxed);
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
        self.traffic
            .bytes_received
            .fetch_add(packet.data.len() as u64, Ordering::Relaxed);
        self.traffic
            .packets_received
            .fetch_add(1, Ordering::Relaxed);
        Some(packet)
    }
    fn poll(&mut self) {
        self.inner.poll()
    }
    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.inner.pop_event()
    }
    fn get_unique_id(&self) -> PeerId {
        self.inner.get_unique_id()
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
}

/// Sleeps a millisecond only when the last poll took no packet: a busy server polls again
/// at once, so its socket's receive buffer does not overflow while it sleeps.
pub fn sleep_if_idle(traffic: &Traffic, last_received: &mut u64) {
    let received = traffic.packets_received.load(Ordering::Relaxed);
    if received == *last_received {
        thread::sleep(Duration::from_millis(1));
    }
    *last_received = received;
}

#[cfg(test)]
mod tests {
    use super::*;
    use netscene::TransferMode;
    use netscene::peer::simulated::SimulatedNetwork;
    use std::time::Duration;

    #[test]
    fn counts_payload_bytes_both_ways() {
        let network = SimulatedNetwork::new(1);
        let server_traffic = Arc::new(Traffic::default());
        let mut server = CountingPeer::new(
            Box::new(network.create_server().unwrap()),
            server_traffic.clone(),
        );
        let mut client = network.create_client();
        network.advance(Duration::from_millis(10));
        server.poll();
        client.poll();
        client.send(1, TransferMode::Reliable, 0, b"hello").unwrap();
        network.advance(Duration::from_millis(10));
        server.poll();
        assert_eq!(server.get_packet().unwrap().data, b"hello");
        server.send(0, TransferMode::Reliable, 0, b"abc").unwrap();
        assert_eq!(server_traffic.bytes(), (3, 5));
        assert_eq!(server_traffic.packets_sent.load(Ordering::Relaxed), 1);
    }
}
