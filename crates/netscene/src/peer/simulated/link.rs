//! State of one client ↔ server link: each side's view and each direction's transport state.

use std::collections::BTreeMap;
use std::time::Duration;

use super::conditions::LinkConditions;
use crate::peer::PeerId;

/// Which way a datagram travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Client → server.
    Up,
    /// Server → client.
    Down,
}

impl Dir {
    pub(crate) fn reverse(self) -> Self {
        match self {
            Dir::Up => Dir::Down,
            Dir::Down => Dir::Up,
        }
    }
}

/// One end's view of the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SideState {
    /// The server has not heard of this client yet.
    Idle,
    /// The client sent its connect request and waits.
    Opening,
    /// Connected.
    Open,
    /// Ended (disconnect, refusal, timeout or close).
    Closed,
}

/// One end of a link.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub(crate) state: SideState,
    /// When this end last received any datagram from the other (timeouts).
    pub(crate) last_heard: Duration,
    /// When this end last put any datagram on the link (keep-alives).
    pub(crate) last_sent: Duration,
    /// When this end started opening (connect timeout).
    pub(crate) opened_at: Duration,
}

impl Side {
    pub(crate) fn new(state: SideState, now: Duration) -> Self {
        Self {
            state,
            last_heard: now,
            last_sent: now,
            opened_at: now,
        }
    }
}

/// Per-channel sequencing of one direction: the sender's half and the receiver's half.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChannelState {
    pub(crate) channel: i32,
    /// Next reliable sequence number to send.
    pub(crate) reliable_next: u64,
    /// Reliable packets sent but not acknowledged, by sequence number.
    pub(crate) unacked: BTreeMap<u64, Vec<u8>>,
    /// Next unreliable-ordered sequence number to send.
    pub(crate) ordered_next: u64,
    /// Next reliable sequence number the receiver will deliver.
    pub(crate) reliable_expected: u64,
    /// Reliable packets received ahead of `reliable_expected`.
    pub(crate) reorder: BTreeMap<u64, Vec<u8>>,
    /// Newest unreliable-ordered sequence number delivered.
    pub(crate) ordered_last: Option<u64>,
}

/// Transport state of one direction of a link.
#[derive(Debug, Clone, Default)]
pub(crate) struct Direction {
    /// When the direction's (bandwidth-limited) transmitter is free again.
    pub(crate) busy_until: Duration,
    /// Data datagrams on the wire plus reliable packets not yet acknowledged. The fast path
    /// is taken only when this is zero, so it can never overtake earlier packets.
    pub(crate) data_in_flight: usize,
    /// Channels used so far (few: a linear search beats a map).
    pub(crate) channels: Vec<ChannelState>,
}

impl Direction {
    pub(crate) fn channel_mut(&mut self, channel: i32) -> &mut ChannelState {
        let index = match self.channels.iter().position(|c| c.channel == channel) {
            Some(index) => index,
            None => {
                self.channels.push(ChannelState {
                    channel,
                    ..ChannelState::default()
                });
                self.channels.len() - 1
            }
        };
        &mut self.channels[index]
    }

    /// Forgets unacknowledged and reordered packets (the connection ended).
    pub(crate) fn clear_reliability(&mut self) {
        for channel in &mut self.channels {
            self.data_in_flight = self.data_in_flight.saturating_sub(channel.unacked.len());
            channel.unacked.clear();
            channel.reorder.clear();
        }
    }
}

/// A client's link to the server.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) client_slot: usize,
    pub(crate) client_id: PeerId,
    /// The server endpoint that accepted the client, once it did.
    pub(crate) server_slot: Option<usize>,
    pub(crate) conditions: LinkConditions,
    /// Vanished: every datagram in either direction is dropped.
    pub(crate) cut: bool,
    pub(crate) client: Side,
    pub(crate) server: Side,
    pub(crate) up: Direction,
    pub(crate) down: Direction,
}

impl Link {
    pub(crate) fn direction(&mut self, dir: Dir) -> &mut Direction {
        match dir {
            Dir::Up => &mut self.up,
            Dir::Down => &mut self.down,
        }
    }

    /// The end sending in `dir`.
    pub(crate) fn sender(&mut self, dir: Dir) -> &mut Side {
        match dir {
            Dir::Up => &mut self.client,
            Dir::Down => &mut self.server,
        }
    }

    /// The end receiving in `dir`.
    pub(crate) fn receiver(&mut self, dir: Dir) -> &mut Side {
        self.sender(dir.reverse())
    }

    /// True when neither end is connected or connecting any more.
    pub(crate) fn is_dead(&self) -> bool {
        matches!(self.client.state, SideState::Closed | SideState::Idle)
            && matches!(self.server.state, SideState::Closed | SideState::Idle)
    }

    /// True when a packet in `dir` may skip the simulation and go straight to the receiver.
    pub(crate) fn fast_path(&self, dir: Dir) -> bool {
        let (direction, receiver) = match dir {
            Dir::Up => (&self.up, &self.server),
            Dir::Down => (&self.down, &self.client),
        };
        !self.cut
            && direction.data_in_flight == 0
            && receiver.state == SideState::Open
            && self.conditions.is_perfect()
    }
}
