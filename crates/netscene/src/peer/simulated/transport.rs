//! The data path: routing `put_packet`, the fast path, and reliability inside the simulation
//! (sequence numbers, acknowledgements, retransmission, reordering) over lossy links.

use std::time::Duration;

use super::hub::{Action, Hub, Segment, Wire};
use super::link::{Dir, SideState};
use crate::peer::{Packet, PeerError, PeerId, TARGET_PEER_SERVER, TransferMode};

/// Most data datagrams plus unacknowledged reliable packets one direction may hold before
/// `put_packet` answers [`PeerError::QueueFull`] (bounds memory when a link is cut or slow).
pub const MAX_IN_FLIGHT_PER_DIRECTION: usize = 1 << 20;

/// Whether a datagram suffers the link's loss, duplication and jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// Data, acks, keep-alives.
    Lossy,
    /// Handshake and disconnect: only delayed by latency and bandwidth, never reordered.
    Control,
}

impl Hub {
    /// Sends from endpoint `slot` to `target` (already validated by the caller's status).
    pub(crate) fn put(
        &mut self,
        slot: usize,
        target: PeerId,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), PeerError> {
        let Some(endpoint) = self.endpoints.get(slot) else {
            return Err(PeerError::Unconfigured);
        };
        if endpoint.is_server {
            self.put_from_server(slot, target, mode, channel, data)
        } else {
            // As Godot's ENet client: only the server is a peer, and everything goes to it
            // (client ↔ client traffic is SceneMultiplayer's relay over the server).
            if target != 0 && target.unsigned_abs() != TARGET_PEER_SERVER.unsigned_abs() {
                return Err(PeerError::UnknownPeer(target));
            }
            let Some(link) = endpoint.link else {
                return Err(PeerError::Unconfigured);
            };
            self.send_packet(link, Dir::Up, mode, channel, data)
        }
    }

    fn put_from_server(
        &mut self,
        slot: usize,
        target: PeerId,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), PeerError> {
        let peers = &self.endpoints[slot].peers;
        if target > 0 {
            let Some(&link) = peers.get(&target) else {
                return Err(PeerError::UnknownPeer(target));
            };
            return self.send_packet(link, Dir::Down, mode, channel, data);
        }
        // Godot checks |target| is a known peer for exclusion too.
        let excluded = target.checked_neg().unwrap_or(PeerId::MIN);
        if target < 0 && !peers.contains_key(&excluded) {
            return Err(PeerError::UnknownPeer(target));
        }
        let mut links = std::mem::take(&mut self.scratch);
        links.extend(
            peers
                .iter()
                .filter(|(id, _)| **id != excluded)
                .map(|(id, link)| (*id, *link)),
        );
        let mut result = Ok(());
        for &(_, link) in &links {
            if let Err(error) = self.send_packet(link, Dir::Down, mode, channel, data) {
                result = Err(error);
            }
        }
        links.clear();
        self.scratch = links;
        result
    }

    /// Sends one packet over one link, by the fast path when the link allows it.
    fn send_packet(
        &mut self,
        link_index: usize,
        dir: Dir,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), PeerError> {
        let now = self.now;
        let link = &mut self.links[link_index];
        self.stats.packets_sent += 1;
        if link.fast_path(dir) {
            self.stats.datagrams_sent += 1;
            link.sender(dir).last_sent = now;
            link.receiver(dir).last_heard = now;
            let (slot, from, to) = match dir {
                Dir::Up => (link.server_slot, link.client_id, TARGET_PEER_SERVER),
                Dir::Down => (Some(link.client_slot), TARGET_PEER_SERVER, link.client_id),
            };
            if let Some(slot) = slot {
                let packet = Packet {
                    from,
                    channel,
                    mode,
                    data: data.to_vec(),
                };
                self.deliver(slot, to, packet);
            }
            return Ok(());
        }
        if link.direction(dir).data_in_flight >= MAX_IN_FLIGHT_PER_DIRECTION {
            return Err(PeerError::QueueFull);
        }
        let channel_state = link.direction(dir).channel_mut(channel);
        let seq = match mode {
            TransferMode::Reliable => {
                let seq = channel_state.reliable_next;
                channel_state.reliable_next += 1;
                channel_state.unacked.insert(seq, data.to_vec());
                link.direction(dir).data_in_flight += 1;
                seq
            }
            TransferMode::UnreliableOrdered => {
                let seq = channel_state.ordered_next;
                channel_state.ordered_next += 1;
                seq
            }
            TransferMode::Unreliable => 0,
        };
        let segment = Segment {
            channel,
            mode,
            seq,
            payload: data.to_vec(),
        };
        self.send_datagram(link_index, dir, Wire::Data(segment), Delivery::Lossy);
        if mode == TransferMode::Reliable {
            let rto = self.retransmission_timeout(link_index, dir, 0);
            let action = Action::Retransmit {
                link: link_index,
                dir,
                channel,
                seq,
                attempt: 0,
            };
            self.schedule(now.saturating_add(rto), action);
        }
        Ok(())
    }

    /// Time after which an unacknowledged reliable packet is sent again: a round trip at the
    /// worst jitter, plus the current queueing delay, plus a margin; doubled per earlier
    /// attempt up to 16× (exponential backoff, as ENet), so a cut link is not flooded.
    fn retransmission_timeout(&mut self, link_index: usize, dir: Dir, attempt: u32) -> Duration {
        let now = self.now;
        let link = &mut self.links[link_index];
        let conditions = link.conditions;
        let queueing = link
            .direction(dir)
            .busy_until
            .saturating_sub(now)
            .saturating_add(link.direction(dir.reverse()).busy_until.saturating_sub(now));
        // Saturating: a user may configure absurd latencies; time must not overflow.
        let round_trip = conditions.latency.saturating_add(conditions.jitter);
        let base = round_trip
            .saturating_mul(2)
            .saturating_add(queueing.saturating_mul(2))
            .saturating_add(Duration::from_millis(5));
        base.saturating_mul(1 << attempt.min(4))
    }

    /// Puts one datagram on a link: bandwidth, loss, duplication, latency and jitter.
    pub(crate) fn send_datagram(
        &mut self,
        link_index: usize,
        dir: Dir,
        wire: Wire,
        delivery: Delivery,
    ) {
        let now = self.now;
        let size = wire.size();
        let link = &mut self.links[link_index];
        link.sender(dir).last_sent = now;
        self.stats.datagrams_sent += 1;
        if link.cut {
            self.record_loss(link_index, dir, size);
            return;
        }
        let conditions = link.conditions;
        let direction = link.direction(dir);
        let departure = direction
            .busy_until
            .max(now)
            .saturating_add(conditions.serialisation_time(size));
        direction.busy_until = departure;
        let lossy = delivery == Delivery::Lossy;
        if lossy && self.link_rng.chance(conditions.loss) {
            self.record_loss(link_index, dir, size);
            return;
        }
        let is_data = matches!(wire, Wire::Data(_));
        let copies = if lossy && is_data && self.link_rng.chance(conditions.duplicate) {
            self.stats.datagrams_duplicated += 1;
            2
        } else {
            1
        };
        let jitter_nanos = u64::try_from(conditions.jitter.as_nanos()).unwrap_or(u64::MAX);
        let mut wire = Some(wire);
        for copy in (0..copies).rev() {
            let jitter = if lossy {
                Duration::from_nanos(self.link_rng.up_to(jitter_nanos))
            } else {
                Duration::ZERO
            };
            let this = match copy {
                0 => wire.take(),
                _ => wire.clone(),
            };
            let Some(this) = this else { break };
            if is_data {
                self.links[link_index].direction(dir).data_in_flight += 1;
            }
            let at = departure
                .saturating_add(conditions.latency)
                .saturating_add(jitter);
            let action = Action::Arrive {
                link: link_index,
                dir,
                wire: this,
            };
            self.schedule(at, action);
        }
    }

    /// A datagram reached the receiving end of `dir`.
    pub(crate) fn arrive(&mut self, link_index: usize, dir: Dir, wire: Wire) {
        let now = self.now;
        let link = &mut self.links[link_index];
        if matches!(wire, Wire::Data(_)) {
            let direction = link.direction(dir);
            direction.data_in_flight = direction.data_in_flight.saturating_sub(1);
        }
        if link.cut {
            let size = wire.size();
            self.record_loss(link_index, dir, size);
            return;
        }
        let receiver = link.receiver(dir);
        if matches!(receiver.state, SideState::Open | SideState::Opening) {
            receiver.last_heard = now;
        }
        match wire {
            Wire::Connect => self.on_connect(link_index),
            Wire::Accept => self.on_accept(link_index),
            Wire::Refuse => self.on_refuse(link_index),
            Wire::Disconnect => self.on_remote_disconnect(link_index, dir),
            Wire::Ping => {}
            Wire::Ack { channel, seq } => {
                // The acknowledged data travelled the other way.
                let data_dir = link.direction(dir.reverse());
                if data_dir.channel_mut(channel).unacked.remove(&seq).is_some() {
                    data_dir.data_in_flight = data_dir.data_in_flight.saturating_sub(1);
                }
            }
            Wire::Data(segment) => self.on_data(link_index, dir, segment),
        }
    }

    fn on_data(&mut self, link_index: usize, dir: Dir, segment: Segment) {
        let link = &mut self.links[link_index];
        if link.receiver(dir).state != SideState::Open {
            return;
        }
        let (slot, from, to) = match dir {
            Dir::Up => (link.server_slot, link.client_id, TARGET_PEER_SERVER),
            Dir::Down => (Some(link.client_slot), TARGET_PEER_SERVER, link.client_id),
        };
        let Some(slot) = slot else { return };
        let Segment {
            channel,
            mode,
            seq,
            payload,
        } = segment;
        match mode {
            TransferMode::Unreliable => {
                let packet = Packet {
                    from,
                    channel,
                    mode,
                    data: payload,
                };
                self.deliver(slot, to, packet);
            }
            TransferMode::UnreliableOrdered => {
                let state = link.direction(dir).channel_mut(channel);
                if state.ordered_last.is_some_and(|last| seq <= last) {
                    return; // Older than (or a copy of) one already delivered.
                }
                state.ordered_last = Some(seq);
                let packet = Packet {
                    from,
                    channel,
                    mode,
                    data: payload,
                };
                self.deliver(slot, to, packet);
            }
            TransferMode::Reliable => {
                // Acknowledge every copy: the first ack may have been lost.
                self.send_datagram(
                    link_index,
                    dir.reverse(),
                    Wire::Ack { channel, seq },
                    Delivery::Lossy,
                );
                let state = self.links[link_index].direction(dir).channel_mut(channel);
                if seq < state.reliable_expected || state.reorder.contains_key(&seq) {
                    return; // Duplicate.
                }
                state.reorder.insert(seq, payload);
                loop {
                    let state = self.links[link_index].direction(dir).channel_mut(channel);
                    let expected = state.reliable_expected;
                    let Some(data) = state.reorder.remove(&expected) else {
                        break;
                    };
                    state.reliable_expected += 1;
                    let packet = Packet {
                        from,
                        channel,
                        mode,
                        data,
                    };
                    self.deliver(slot, to, packet);
                }
            }
        }
    }

    /// Resends reliable `seq` if the sender is still connected and no ack came back.
    pub(crate) fn retransmit(
        &mut self,
        link_index: usize,
        dir: Dir,
        channel: i32,
        seq: u64,
        attempt: u32,
    ) {
        let link = &mut self.links[link_index];
        if link.sender(dir).state != SideState::Open {
            return;
        }
        let Some(payload) = link.direction(dir).channel_mut(channel).unacked.get(&seq) else {
            return; // Acknowledged.
        };
        let segment = Segment {
            channel,
            mode: TransferMode::Reliable,
            seq,
            payload: payload.clone(),
        };
        self.stats.retransmissions += 1;
        self.send_datagram(link_index, dir, Wire::Data(segment), Delivery::Lossy);
        let attempt = attempt.saturating_add(1);
        let rto = self.retransmission_timeout(link_index, dir, attempt);
        let action = Action::Retransmit {
            link: link_index,
            dir,
            channel,
            seq,
            attempt,
        };
        self.schedule(self.now.saturating_add(rto), action);
    }
}
