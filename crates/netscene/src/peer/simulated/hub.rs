//! The hub: all state of one simulated network behind one lock, and its event loop.
//!
//! Everything that takes time (a datagram crossing a link, a retransmission timer, a
//! keep-alive tick) is an [`Action`] in a min-heap ordered by (time, insertion order), so a run
//! is fully determined by the seed and the sequence of API calls.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::time::{Duration, Instant};

use super::NetworkConfig;
use super::link::{Dir, Link};
use super::rng::SplitMix64;
use super::trace::{NetworkStats, TraceKind, TraceRecord, checksum};
use crate::peer::{ConnectionStatus, Packet, PeerEvent, PeerId};

/// Shortest keep-alive interval the hub accepts.
pub(crate) const MIN_KEEPALIVE_INTERVAL: Duration = Duration::from_millis(1);

/// What travels on a link.
#[derive(Debug, Clone)]
pub(crate) enum Wire {
    /// Client → server: "let me in" (carries the client id, like ENet's connect data).
    Connect,
    /// Server → client: accepted.
    Accept,
    /// Server → client: refused (the server refuses new connections, or the id is taken).
    Refuse,
    /// Either way: the sender ended the connection.
    Disconnect,
    /// Keep-alive, so that silence means the other end vanished.
    Ping,
    /// Acknowledges reliable data `seq` on `channel` sent the other way.
    Ack { channel: i32, seq: u64 },
    /// A user packet.
    Data(Segment),
}

impl Wire {
    /// Bytes counted against the link's bandwidth.
    pub(crate) fn size(&self) -> usize {
        let payload = match self {
            Wire::Data(segment) => segment.payload.len(),
            Wire::Connect => 4,
            _ => 0,
        };
        payload + super::conditions::DATAGRAM_OVERHEAD
    }
}

/// A user packet on the wire.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub(crate) channel: i32,
    pub(crate) mode: crate::peer::TransferMode,
    pub(crate) seq: u64,
    pub(crate) payload: Vec<u8>,
}

/// Something due at a point of virtual time.
#[derive(Debug)]
pub(crate) enum Action {
    /// A datagram reaches the receiving end of `link`.
    Arrive { link: usize, dir: Dir, wire: Wire },
    /// Resend reliable `seq` if it is still unacknowledged.
    Retransmit {
        link: usize,
        dir: Dir,
        channel: i32,
        seq: u64,
        /// Retransmissions so far (the timeout doubles with each, up to 16×).
        attempt: u32,
    },
    /// Keep-alives and timeout checks of a link.
    Keepalive { link: usize },
}

#[derive(Debug)]
pub(crate) struct Scheduled {
    at: Duration,
    order: u64,
    action: Action,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    // Reversed: BinaryHeap is a max-heap and the earliest action must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.order.cmp(&self.order))
    }
}

/// One peer object's state inside the hub.
#[derive(Debug, Default)]
pub(crate) struct Endpoint {
    /// 1 for the server, the client's id, 0 once closed (as Godot's peers report).
    pub(crate) id: PeerId,
    pub(crate) is_server: bool,
    pub(crate) status: ConnectionStatus,
    pub(crate) refusing: bool,
    /// Packets waiting for the peer's next `poll`.
    pub(crate) inbox: VecDeque<Packet>,
    /// Events waiting for the peer's next `poll`.
    pub(crate) events: VecDeque<PeerEvent>,
    /// Server: connected clients and their links (ordered, so broadcasts are deterministic).
    pub(crate) peers: BTreeMap<PeerId, usize>,
    /// Client: its link.
    pub(crate) link: Option<usize>,
}

/// Where virtual time comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clock {
    /// Moves only with `SimulatedNetwork::advance`.
    Manual,
    /// Follows the wall clock from `start`, plus whatever `advance` added.
    RealTime { start: Instant },
}

/// The whole simulated network.
#[derive(Debug)]
pub(crate) struct Hub {
    pub(crate) now: Duration,
    pub(crate) clock: Clock,
    /// Time added by `advance` in real-time mode.
    pub(crate) offset: Duration,
    pub(crate) config: NetworkConfig,
    pub(crate) link_rng: SplitMix64,
    pub(crate) id_rng: SplitMix64,
    pub(crate) endpoints: Vec<Endpoint>,
    /// The listening server's endpoint.
    pub(crate) server: Option<usize>,
    pub(crate) links: Vec<Link>,
    /// Newest link of each client id.
    pub(crate) client_links: BTreeMap<PeerId, usize>,
    schedule: BinaryHeap<Scheduled>,
    next_order: u64,
    /// Scheduled datagrams and retransmission timers (keep-alive ticks excluded).
    pub(crate) busy: usize,
    pub(crate) trace: Option<Vec<TraceRecord>>,
    pub(crate) stats: NetworkStats,
    /// Reused buffer of link indices (broadcasts, closes) to avoid allocating per call.
    pub(crate) scratch: Vec<(PeerId, usize)>,
}

impl Hub {
    pub(crate) fn new(seed: u64, mut config: NetworkConfig, clock: Clock) -> Self {
        // A zero interval would reschedule keep-alives at the same instant forever.
        config.keepalive_interval = config.keepalive_interval.max(MIN_KEEPALIVE_INTERVAL);
        Self {
            now: Duration::ZERO,
            clock,
            offset: Duration::ZERO,
            config,
            link_rng: SplitMix64::new(seed),
            // A second stream for ids, so that adding a client does not shift every later
            // loss and jitter draw.
            id_rng: SplitMix64::new(seed ^ 0x6E65_7473_6365_6E65),
            endpoints: Vec::new(),
            server: None,
            links: Vec::new(),
            client_links: BTreeMap::new(),
            schedule: BinaryHeap::new(),
            next_order: 0,
            busy: 0,
            trace: None,
            stats: NetworkStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Brings virtual time up to date (real-time mode) and runs everything due.
    pub(crate) fn sync(&mut self) {
        if let Clock::RealTime { start } = self.clock {
            let wall = start.elapsed().saturating_add(self.offset);
            if wall > self.now {
                self.now = wall;
            }
        }
        self.run_due();
    }

    /// Runs every action due at or before `now`, each at its own time.
    pub(crate) fn run_due(&mut self) {
        let target = self.now;
        while self.schedule.peek().is_some_and(|next| next.at <= target) {
            let Some(next) = self.schedule.pop() else {
                break;
            };
            // Follow-ups (acks, retransmissions) are scheduled from the action's own time.
            self.now = next.at;
            if !matches!(next.action, Action::Keepalive { .. }) {
                self.busy -= 1;
            }
            self.run(next.action);
        }
        self.now = target;
    }

    /// Moves virtual time forward by `dt`, running everything due on the way.
    pub(crate) fn advance(&mut self, dt: Duration) {
        match self.clock {
            Clock::Manual => self.now = self.now.saturating_add(dt),
            Clock::RealTime { .. } => self.offset = self.offset.saturating_add(dt),
        }
        self.sync();
    }

    /// Jumps from action to action until no datagram or retransmission is pending, or
    /// `limit` of virtual time has passed. Returns true when the network went quiet.
    pub(crate) fn settle(&mut self, limit: Duration) -> bool {
        self.sync();
        let deadline = self.now.saturating_add(limit);
        while self.busy > 0 {
            let Some(next_at) = self.schedule.peek().map(|next| next.at) else {
                break;
            };
            if next_at > deadline {
                self.now = deadline;
                self.run_due();
                return false;
            }
            if next_at > self.now {
                self.now = next_at;
            }
            self.run_due();
        }
        self.busy == 0
    }

    pub(crate) fn schedule(&mut self, at: Duration, action: Action) {
        if at == Duration::MAX && !matches!(action, Action::Arrive { .. }) {
            // The end of time (saturated): a timer there would fire and re-arm forever.
            return;
        }
        if !matches!(action, Action::Keepalive { .. }) {
            self.busy += 1;
        }
        let order = self.next_order;
        self.next_order += 1;
        self.schedule.push(Scheduled { at, order, action });
    }

    fn run(&mut self, action: Action) {
        match action {
            Action::Arrive { link, dir, wire } => self.arrive(link, dir, wire),
            Action::Retransmit {
                link,
                dir,
                channel,
                seq,
                attempt,
            } => self.retransmit(link, dir, channel, seq, attempt),
            Action::Keepalive { link } => self.keepalive(link),
        }
    }

    /// Puts a packet in an endpoint's receive queue.
    pub(crate) fn deliver(&mut self, slot: usize, to: PeerId, packet: Packet) {
        self.stats.packets_delivered += 1;
        self.stats.bytes_delivered += packet.data.len() as u64;
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord {
                at: self.now,
                kind: TraceKind::Delivered {
                    from: packet.from,
                    to,
                    channel: packet.channel,
                    mode: packet.mode,
                    len: packet.data.len(),
                    checksum: checksum(&packet.data),
                },
            });
        }
        if let Some(endpoint) = self.endpoints.get_mut(slot) {
            endpoint.inbox.push_back(packet);
        }
    }

    /// Queues a peer-level event on an endpoint.
    pub(crate) fn emit(&mut self, slot: usize, event: PeerEvent) {
        let Some(endpoint) = self.endpoints.get_mut(slot) else {
            return;
        };
        tracing::debug!(peer = endpoint.id, ?event, "simulated peer event");
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord {
                at: self.now,
                kind: TraceKind::Event {
                    peer: endpoint.id,
                    event,
                },
            });
        }
        endpoint.events.push_back(event);
    }

    pub(crate) fn record_loss(&mut self, link: usize, dir: Dir, size: usize) {
        self.stats.datagrams_lost += 1;
        if let Some(trace) = &mut self.trace {
            let client = self.links.get(link).map_or(0, |l| l.client_id);
            trace.push(TraceRecord {
                at: self.now,
                kind: TraceKind::Lost {
                    client,
                    upstream: dir == Dir::Up,
                    size,
                },
            });
        }
    }
}
