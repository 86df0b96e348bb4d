//! Connection life cycle: handshake, refusal, disconnects, keep-alives and timeouts, with the
//! peer-level events Godot's ENet peer emits on each side.

use super::hub::{Action, Endpoint, Hub, Wire};
use super::link::{Dir, Direction, Link, Side, SideState};
use super::transport::Delivery;
use crate::peer::{ConnectionStatus, PeerError, PeerEvent, PeerId, TARGET_PEER_SERVER};

impl Hub {
    /// Opens the server endpoint (id 1, connected at once, as Godot's `create_server`).
    pub(crate) fn open_server(&mut self) -> Result<usize, PeerError> {
        if self.server.is_some() {
            return Err(PeerError::AlreadyInUse);
        }
        let slot = self.endpoints.len();
        self.endpoints.push(Endpoint {
            id: TARGET_PEER_SERVER,
            is_server: true,
            status: ConnectionStatus::Connected,
            ..Endpoint::default()
        });
        self.server = Some(slot);
        Ok(slot)
    }

    /// Draws an unused client id with Godot's rules (positive 31-bit, never 0 or 1).
    pub(crate) fn draw_client_id(&mut self) -> PeerId {
        loop {
            let bits = self.id_rng.next_u64() as u32;
            if let Some(id) = crate::peer::peer_id_from_bits(bits)
                && !self.client_links.contains_key(&id)
            {
                return id;
            }
        }
    }

    /// Creates a client endpoint and its link, and sends the connect request.
    pub(crate) fn open_client(&mut self, id: PeerId) -> usize {
        let now = self.now;
        let slot = self.endpoints.len();
        let link_index = self.links.len();
        self.endpoints.push(Endpoint {
            id,
            status: ConnectionStatus::Connecting,
            link: Some(link_index),
            ..Endpoint::default()
        });
        self.links.push(Link {
            client_slot: slot,
            client_id: id,
            server_slot: None,
            conditions: self.config.default_link,
            cut: false,
            client: Side::new(SideState::Opening, now),
            server: Side::new(SideState::Idle, now),
            up: Direction::default(),
            down: Direction::default(),
        });
        self.client_links.insert(id, link_index);
        self.send_datagram(link_index, Dir::Up, Wire::Connect, Delivery::Control);
        let tick = now.saturating_add(self.config.keepalive_interval);
        self.schedule(tick, Action::Keepalive { link: link_index });
        self.run_due();
        slot
    }

    pub(crate) fn on_connect(&mut self, link_index: usize) {
        let Some(server_slot) = self.server else {
            return; // Nobody listens: the client's connect times out.
        };
        let now = self.now;
        let link = &self.links[link_index];
        if link.server.state != SideState::Idle {
            return;
        }
        let id = link.client_id;
        let server = &self.endpoints[server_slot];
        if server.refusing || server.peers.contains_key(&id) {
            tracing::debug!(id, "simulated server refuses a connection");
            self.send_datagram(link_index, Dir::Down, Wire::Refuse, Delivery::Control);
            return;
        }
        let link = &mut self.links[link_index];
        link.server_slot = Some(server_slot);
        link.server = Side::new(SideState::Open, now);
        self.endpoints[server_slot].peers.insert(id, link_index);
        self.emit(server_slot, PeerEvent::PeerConnected(id));
        self.send_datagram(link_index, Dir::Down, Wire::Accept, Delivery::Control);
    }

    pub(crate) fn on_accept(&mut self, link_index: usize) {
        let now = self.now;
        let link = &mut self.links[link_index];
        if link.client.state != SideState::Opening {
            return;
        }
        link.client = Side::new(SideState::Open, now);
        let slot = link.client_slot;
        self.endpoints[slot].status = ConnectionStatus::Connected;
        self.emit(slot, PeerEvent::PeerConnected(TARGET_PEER_SERVER));
    }

    pub(crate) fn on_refuse(&mut self, link_index: usize) {
        if self.links[link_index].client.state == SideState::Opening {
            // Connecting → disconnected without an event: SceneMultiplayer reports
            // `connection_failed` from the status change, as with Godot's peers.
            self.close_client_side(link_index, false);
        }
    }

    pub(crate) fn on_remote_disconnect(&mut self, link_index: usize, dir: Dir) {
        let link = &self.links[link_index];
        match dir {
            Dir::Up => {
                if link.server.state == SideState::Open {
                    self.close_server_side(link_index, true);
                }
            }
            Dir::Down => match link.client.state {
                SideState::Open => self.close_client_side(link_index, true),
                SideState::Opening => self.close_client_side(link_index, false),
                SideState::Idle | SideState::Closed => {}
            },
        }
    }

    /// Ends the client's view of a link; `notify` queues `PeerDisconnected(1)`.
    pub(crate) fn close_client_side(&mut self, link_index: usize, notify: bool) {
        let link = &mut self.links[link_index];
        link.client.state = SideState::Closed;
        link.up.clear_reliability();
        link.down.clear_reliability();
        let slot = link.client_slot;
        if notify {
            self.emit(slot, PeerEvent::PeerDisconnected(TARGET_PEER_SERVER));
        }
        let endpoint = &mut self.endpoints[slot];
        endpoint.status = ConnectionStatus::Disconnected;
        endpoint.id = 0;
        endpoint.refusing = false;
    }

    /// Ends the server's view of a link; `notify` queues `PeerDisconnected(client)`.
    pub(crate) fn close_server_side(&mut self, link_index: usize, notify: bool) {
        let link = &mut self.links[link_index];
        link.server.state = SideState::Closed;
        link.up.clear_reliability();
        link.down.clear_reliability();
        let id = link.client_id;
        let Some(server_slot) = link.server_slot else {
            return;
        };
        let peers = &mut self.endpoints[server_slot].peers;
        if peers.get(&id) == Some(&link_index) {
            peers.remove(&id);
        }
        if notify {
            self.emit(server_slot, PeerEvent::PeerDisconnected(id));
        }
    }

    /// `disconnect_peer` called on endpoint `slot`.
    pub(crate) fn disconnect_peer(&mut self, slot: usize, id: PeerId, force: bool) {
        let endpoint = &self.endpoints[slot];
        if endpoint.is_server {
            let Some(&link) = endpoint.peers.get(&id) else {
                tracing::warn!(id, "disconnect_peer: no such peer");
                return;
            };
            self.send_datagram(link, Dir::Down, Wire::Disconnect, Delivery::Control);
            // Godot: `force` drops the peer without emitting `peer_disconnected`.
            self.close_server_side(link, !force);
        } else {
            let link = endpoint.link;
            let Some(link) = link.filter(|_| id == TARGET_PEER_SERVER) else {
                tracing::warn!(id, "disconnect_peer: a client only knows the server (1)");
                return;
            };
            if self.links[link].client.state != SideState::Open {
                tracing::warn!(id, "disconnect_peer: not connected");
                return;
            }
            self.send_datagram(link, Dir::Up, Wire::Disconnect, Delivery::Control);
            self.close_client_side(link, !force);
        }
        self.run_due();
    }

    /// `close` called on endpoint `slot`: every connection ends, without local events.
    pub(crate) fn close_endpoint(&mut self, slot: usize) {
        let endpoint = &mut self.endpoints[slot];
        if endpoint.is_server {
            let mut links = std::mem::take(&mut self.scratch);
            links.extend(endpoint.peers.iter().map(|(id, link)| (*id, *link)));
            for &(_, link) in &links {
                self.send_datagram(link, Dir::Down, Wire::Disconnect, Delivery::Control);
                self.close_server_side(link, false);
            }
            links.clear();
            self.scratch = links;
            if self.server == Some(slot) {
                self.server = None;
            }
        } else if let Some(link) = endpoint.link
            && matches!(
                self.links[link].client.state,
                SideState::Open | SideState::Opening
            )
        {
            self.send_datagram(link, Dir::Up, Wire::Disconnect, Delivery::Control);
            self.close_client_side(link, false);
        }
        let endpoint = &mut self.endpoints[slot];
        endpoint.status = ConnectionStatus::Disconnected;
        endpoint.id = 0;
        endpoint.refusing = false;
        endpoint.inbox.clear();
        endpoint.events.clear();
        self.run_due();
    }

    /// Keep-alive tick of a link: pings idle ends, times out silent ones.
    pub(crate) fn keepalive(&mut self, link_index: usize) {
        let now = self.now;
        let interval = self.config.keepalive_interval;
        let timeout = self.config.timeout;
        let link = &self.links[link_index];
        let client = link.client.clone();
        let server = link.server.clone();
        match client.state {
            SideState::Opening if now.saturating_sub(client.opened_at) >= timeout => {
                tracing::debug!(id = link.client_id, "simulated connect timed out");
                self.close_client_side(link_index, false);
            }
            SideState::Open if now.saturating_sub(client.last_heard) >= timeout => {
                tracing::debug!(id = link.client_id, "simulated client timed out");
                self.close_client_side(link_index, true);
            }
            SideState::Open if now.saturating_sub(client.last_sent) >= interval => {
                self.send_datagram(link_index, Dir::Up, Wire::Ping, Delivery::Lossy);
            }
            _ => {}
        }
        if server.state == SideState::Open {
            if now.saturating_sub(server.last_heard) >= timeout {
                tracing::debug!(
                    id = self.links[link_index].client_id,
                    "simulated server lost a peer"
                );
                self.close_server_side(link_index, true);
            } else if now.saturating_sub(server.last_sent) >= interval {
                self.send_datagram(link_index, Dir::Down, Wire::Ping, Delivery::Lossy);
            }
        }
        if !self.links[link_index].is_dead() {
            self.schedule(
                now.saturating_add(interval),
                Action::Keepalive { link: link_index },
            );
        }
    }
}
