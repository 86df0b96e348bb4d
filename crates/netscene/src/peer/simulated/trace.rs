//! What the simulated network records for tests: a delivery trace and counters.

use std::time::Duration;

use crate::peer::{PeerEvent, PeerId, TransferMode};

/// One entry of the delivery trace (see [`SimulatedNetwork::enable_trace`]).
///
/// [`SimulatedNetwork::enable_trace`]: super::SimulatedNetwork::enable_trace
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceRecord {
    /// Virtual time of the entry.
    pub at: Duration,
    /// What happened.
    pub kind: TraceKind,
}

/// What a [`TraceRecord`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TraceKind {
    /// A packet entered a peer's receive queue.
    Delivered {
        /// Sender id.
        from: PeerId,
        /// Receiver id.
        to: PeerId,
        /// User channel.
        channel: i32,
        /// Transfer mode.
        mode: TransferMode,
        /// Payload length.
        len: usize,
        /// FNV-1a hash of the payload.
        checksum: u64,
    },
    /// A datagram (data, ack or keep-alive) was dropped by the link's loss.
    Lost {
        /// Client id of the link.
        client: PeerId,
        /// True for client → server.
        upstream: bool,
        /// Datagram size counted for bandwidth.
        size: usize,
    },
    /// A peer-level event was queued on a peer.
    Event {
        /// The peer receiving the event (its id when the event happened).
        peer: PeerId,
        /// The event.
        event: PeerEvent,
    },
}

/// Counters over the network's whole life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetworkStats {
    /// Packets handed to `put_packet`, counted once per destination.
    pub packets_sent: u64,
    /// Packets that entered a receive queue.
    pub packets_delivered: u64,
    /// Payload bytes that entered a receive queue.
    pub bytes_delivered: u64,
    /// Datagrams put on a link (data, acks, keep-alives, handshakes; fast-path packets too).
    pub datagrams_sent: u64,
    /// Datagrams dropped by loss or by a cut link.
    pub datagrams_lost: u64,
    /// Extra copies made by duplication.
    pub datagrams_duplicated: u64,
    /// Reliable data datagrams sent again after their retransmission timeout.
    pub retransmissions: u64,
}

/// FNV-1a, 64 bit: a cheap fingerprint of a payload for traces.
pub(crate) fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xCBF2_9CE4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_is_fnv1a() {
        // FNV-1a 64 reference values.
        assert_eq!(super::checksum(b""), 0xCBF2_9CE4_8422_2325);
        assert_eq!(super::checksum(b"a"), 0xAF63_DC4C_8601_EC8C);
    }
}
