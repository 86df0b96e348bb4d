//! A transport wrapper that counts the bytes and packets an application sends and receives,
//! for the status lines and summaries (payload bytes, without the transport's own headers).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use netscene::peer::{MultiplayerPeer, Packet, PacketSettings, PacketTap, TappedPeer};

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

/// Adds a transport's payload traffic to shared [`Traffic`] counters.
pub struct CountingTap(Arc<Traffic>);

impl PacketTap for CountingTap {
    fn on_send(&mut self, _: &PacketSettings, data: &[u8]) {
        self.0
            .bytes_sent
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        self.0.packets_sent.fetch_add(1, Ordering::Relaxed);
    }

    fn on_receive(&mut self, packet: &Packet) {
        self.0
            .bytes_received
            .fetch_add(packet.data.len() as u64, Ordering::Relaxed);
        self.0.packets_received.fetch_add(1, Ordering::Relaxed);
    }
}

/// A transport whose traffic is counted.
pub type CountingPeer = TappedPeer<CountingTap>;

/// Wraps `inner`, adding its traffic to `traffic`.
pub fn counting_peer(inner: Box<dyn MultiplayerPeer>, traffic: Arc<Traffic>) -> CountingPeer {
    TappedPeer::new(inner, CountingTap(traffic))
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
        let mut server = counting_peer(
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
