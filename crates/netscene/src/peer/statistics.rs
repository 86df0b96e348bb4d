//! Per-peer transport statistics: what a dashboard shows about one connection (round-trip
//! time, packet loss, traffic), read through [`MultiplayerPeer::peer_statistics`].
//!
//! [`MultiplayerPeer::peer_statistics`]: super::MultiplayerPeer::peer_statistics

use std::time::Duration;

/// What a transport knows about one connected remote peer. Fields a transport cannot measure
/// are `None` (packet loss over TCP, for example).
///
/// Traffic counts the payloads of `MultiplayerPeer` packets (what `put_packet` took and
/// `get_packet` returned), not the transport's own headers, acknowledgements or pings, so the
/// numbers of different transports compare.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct PeerStatistics {
    /// The transport's current round-trip time estimate (ENet's mean RTT; a WebSocket's last
    /// ping/pong), `None` before the first measurement.
    pub round_trip_time: Option<Duration>,
    /// Fraction of packets lost, 0.0 to 1.0 (ENet's reliable-packet loss); `None` when the
    /// transport cannot lose packets or does not measure it.
    pub packet_loss: Option<f64>,
    /// Payload bytes sent to the peer.
    pub bytes_sent: u64,
    /// Payload bytes received from the peer (taken with `get_packet`).
    pub bytes_received: u64,
    /// Packets sent to the peer.
    pub packets_sent: u64,
    /// Packets received from the peer (taken with `get_packet`).
    pub packets_received: u64,
}

/// Payload traffic of one connection, kept by a transport to fill [`PeerStatistics`].
///
/// ```
/// use netscene::peer::PeerTraffic;
/// let mut traffic = PeerTraffic::default();
/// traffic.record_sent(10);
/// traffic.record_received(3);
/// let stats = traffic.statistics();
/// assert_eq!((stats.bytes_sent, stats.packets_received), (10, 1));
/// assert_eq!(stats.round_trip_time, None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeerTraffic {
    bytes_sent: u64,
    bytes_received: u64,
    packets_sent: u64,
    packets_received: u64,
}

impl PeerTraffic {
    /// Counts one packet of `bytes` sent.
    pub fn record_sent(&mut self, bytes: usize) {
        self.bytes_sent = self.bytes_sent.saturating_add(bytes as u64);
        self.packets_sent = self.packets_sent.saturating_add(1);
    }

    /// Counts one packet of `bytes` received.
    pub fn record_received(&mut self, bytes: usize) {
        self.bytes_received = self.bytes_received.saturating_add(bytes as u64);
        self.packets_received = self.packets_received.saturating_add(1);
    }

    /// The traffic as statistics (no RTT or loss: the transport adds those).
    pub fn statistics(&self) -> PeerStatistics {
        PeerStatistics {
            round_trip_time: None,
            packet_loss: None,
            bytes_sent: self.bytes_sent,
            bytes_received: self.bytes_received,
            packets_sent: self.packets_sent,
            packets_received: self.packets_received,
        }
    }
}
