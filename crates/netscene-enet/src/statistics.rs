//! `peer_statistics` for [`ENetMultiplayerPeer`]: ENet's own round-trip time and reliable
//! packet loss per connection, plus the payload traffic this peer counts itself (ENet's
//! per-peer byte totals restart every bandwidth-throttle second, so they cannot serve).

use netscene::Packet;
use netscene::peer::{PeerId, PeerStatistics, TARGET_PEER_SERVER};
use rusty_enet::Peer;

use crate::PACKET_LOSS_SCALE;
use crate::peer::{Active, ENetMultiplayerPeer};
use crate::socket::EnetSocket;

impl ENetMultiplayerPeer {
    /// The ENet peer behind a connected id, read-only.
    fn enet_peer(&self, id: PeerId) -> Option<&Peer<EnetSocket>> {
        match &self.active {
            Active::Server(server) => {
                let slot = *server.peers.get(&id)?;
                server.connection.host.get_peer(slot)
            }
            Active::Client(client) if id == TARGET_PEER_SERVER && self.peer_ids() == [id] => {
                client.connection.host.get_peer(client.server)
            }
            Active::Mesh(links) => {
                let link = links.get(&id)?;
                link.connection.host.get_peer(link.slot)
            }
            Active::Client(_) | Active::None => None,
        }
    }

    /// Statistics of a connected id: ENet's mean RTT and loss, and the counted traffic.
    pub(crate) fn statistics_of(&self, id: PeerId) -> Option<PeerStatistics> {
        let peer = self.enet_peer(id)?;
        let mut statistics = self
            .traffic
            .get(&id)
            .map(|traffic| traffic.statistics())
            .unwrap_or_default();
        statistics.round_trip_time = Some(peer.round_trip_time());
        statistics.packet_loss = Some(f64::from(peer.packet_loss()) / f64::from(PACKET_LOSS_SCALE));
        Some(statistics)
    }

    /// Counts a packet sent to `target` (0 all, `-n` all but `n`) on each peer it went to.
    pub(crate) fn record_sent(&mut self, target: PeerId, bytes: usize) {
        if target > 0 {
            self.traffic.entry(target).or_default().record_sent(bytes);
            return;
        }
        for id in self.peer_ids() {
            if Some(id) != target.checked_neg() {
                self.traffic.entry(id).or_default().record_sent(bytes);
            }
        }
    }

    /// Counts a packet handed out by `get_packet`.
    pub(crate) fn record_received(&mut self, packet: &Packet) {
        self.traffic
            .entry(packet.from)
            .or_default()
            .record_received(packet.data.len());
    }

    /// Drops the counters of peers that left (checked only when there are more counters than
    /// peers, so a steady server does no work here: this runs on every poll).
    pub(crate) fn forget_departed_traffic(&mut self) {
        let connected = self.peer_count();
        if self.traffic.len() > connected {
            let mut traffic = std::mem::take(&mut self.traffic);
            traffic.retain(|id, _| connected > 0 && self.has_peer(*id));
            self.traffic = traffic;
        }
    }
}
