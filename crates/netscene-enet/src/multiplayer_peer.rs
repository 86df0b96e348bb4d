//! `MultiplayerPeer` for [`ENetMultiplayerPeer`]: Godot's contract (targets, modes, channels,
//! events, disconnection and closing) over the ENet hosts.

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent, PeerId,
    TARGET_PEER_SERVER,
};
use rusty_enet::{PeerID, PeerState};

use crate::options::EnetHost;
use crate::peer::{Active, ENetMultiplayerPeer, MAX_PACKET_SIZE};

impl MultiplayerPeer for ENetMultiplayerPeer {
    fn packet_settings(&self) -> &PacketSettings {
        &self.settings
    }

    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        &mut self.settings
    }

    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        if matches!(self.active, Active::None) || self.status != ConnectionStatus::Connected {
            return Err(PeerError::Unconfigured);
        }
        let target = self.settings.target_peer;
        if target != 0 && !self.has_peer(target.saturating_abs()) {
            return Err(PeerError::UnknownPeer(target));
        }
        self.send_now(data)?;
        self.record_sent(target, data.len());
        Ok(())
    }

    fn get_available_packet_count(&self) -> usize {
        self.incoming.len()
    }

    fn peek_packet(&self) -> Option<&Packet> {
        self.incoming.front()
    }

    fn get_packet(&mut self) -> Option<Packet> {
        let packet = self.incoming.pop_front()?;
        self.record_received(&packet);
        Some(packet)
    }

    fn poll(&mut self) {
        // What ENet sends while servicing (acknowledgements above all) waits until the end
        // of the poll, or of the send batch around it, to leave with the replies.
        self.release_sockets();
        self.hold_sockets();
        crate::poll::poll(self);
        if !self.batching_sends {
            self.release_sockets();
        }
        self.forget_departed_traffic();
    }

    fn begin_send_batch(&mut self) {
        self.batching_sends = true;
    }

    fn end_send_batch(&mut self) {
        self.batching_sends = false;
        if self.unflushed {
            self.flush_hosts();
        }
        self.release_sockets();
    }

    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }

    fn get_unique_id(&self) -> PeerId {
        self.unique_id
    }

    fn is_server(&self) -> bool {
        matches!(self.active, Active::Server(_))
    }

    fn get_connection_status(&self) -> ConnectionStatus {
        self.status
    }

    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        // ENet drops a peer's queued packets when it disconnects: what a batch holds goes
        // out first, as it would have without the batch.
        if self.unflushed {
            self.flush_hosts();
        }
        let mut close = false;
        match &mut self.active {
            Active::Server(server) => {
                let Some(&slot) = server.peers.get(&id) else {
                    tracing::warn!(id, "disconnect_peer: unknown peer");
                    return;
                };
                server.connection.host.peer_mut(slot).disconnect(0);
                server.connection.host.flush();
                if force {
                    server.peers.remove(&id);
                    server.ids_by_slot[slot.0] = 0;
                }
            }
            Active::Client(client) if id == TARGET_PEER_SERVER => {
                client.connection.host.peer_mut(client.server).disconnect(0);
                client.connection.host.flush();
                close = force;
            }
            Active::Mesh(links) => {
                let Some(link) = links.get_mut(&id) else {
                    tracing::warn!(id, "disconnect_peer: unknown mesh peer");
                    return;
                };
                link.connection.host.peer_mut(link.slot).disconnect(0);
                link.connection.host.flush();
                if force {
                    links.remove(&id);
                }
            }
            Active::Client(_) | Active::None => {
                tracing::warn!(id, "disconnect_peer: unknown peer");
            }
        }
        if close {
            self.close();
        }
    }

    fn close(&mut self) {
        // As in `disconnect_peer`: what a batch holds goes out before the disconnects.
        if self.unflushed {
            self.flush_hosts();
        }
        self.release_sockets();
        match std::mem::replace(&mut self.active, Active::None) {
            Active::None => return,
            Active::Server(mut server) => {
                for slot in server.peers.values() {
                    disconnect_now_if_connected(&mut server.connection.host, *slot);
                }
                server.connection.host.flush();
            }
            Active::Client(mut client) => {
                disconnect_now_if_connected(&mut client.connection.host, client.server);
                client.connection.host.flush();
            }
            Active::Mesh(links) => {
                for (_, mut link) in links {
                    disconnect_now_if_connected(&mut link.connection.host, link.slot);
                    link.connection.host.flush();
                }
            }
        }
        self.incoming.clear();
        self.unique_id = 0;
        self.status = ConnectionStatus::Disconnected;
        self.refuse_new_connections = false;
    }

    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.refuse_new_connections = refuse;
    }

    fn is_refusing_new_connections(&self) -> bool {
        self.refuse_new_connections
    }

    fn is_server_relay_supported(&self) -> bool {
        matches!(self.active, Active::Server(_) | Active::Client(_))
    }

    fn peer_statistics(&self, id: PeerId) -> Option<netscene::peer::PeerStatistics> {
        self.statistics_of(id)
    }

    fn get_max_packet_size(&self) -> usize {
        MAX_PACKET_SIZE
    }
}

fn disconnect_now_if_connected(host: &mut EnetHost, slot: PeerID) {
    if let Some(peer) = host.get_peer_mut(slot)
        && peer.state() == PeerState::Connected
    {
        peer.disconnect_now(0);
    }
}

impl Drop for ENetMultiplayerPeer {
    fn drop(&mut self) {
        self.close();
    }
}
