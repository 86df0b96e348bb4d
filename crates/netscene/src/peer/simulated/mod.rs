//! `SimulatedNetwork`: a server and any number of clients in one process, joined through a hub
//! whose links have latency, jitter, loss, duplication and bandwidth, all driven by a seed.
//!
//! It is a real transport for demos and for testing games: every peer is a
//! [`MultiplayerPeer`](crate::peer::MultiplayerPeer) with the semantics of Godot's ENet peer in
//! client/server mode. Reliable packets really are made reliable inside the simulation
//! (sequence numbers, acknowledgements and retransmissions crossing the same lossy link);
//! unreliable-ordered packets are never delivered older-after-newer on their channel;
//! unreliable ones may be lost, duplicated and reordered.
//!
//! Time is virtual. With [`SimulatedNetwork::new`] it moves only when the caller calls
//! [`advance`](SimulatedNetwork::advance) (deterministic tests); with
//! [`SimulatedNetwork::new_real_time`] every `poll` reads the wall clock (demos). The same seed
//! and the same sequence of calls give the same run, packet for packet
//! ([`enable_trace`](SimulatedNetwork::enable_trace)).
//!
//! ```
//! use std::time::Duration;
//! use netscene::peer::{MultiplayerPeer, PeerEvent, TransferMode};
//! use netscene::peer::simulated::{LinkConditions, SimulatedNetwork};
//!
//! let network = SimulatedNetwork::new(7);
//! network.set_default_link(LinkConditions::default().with_latency(Duration::from_millis(20)));
//! let mut server = network.create_server().unwrap();
//! let mut client = network.create_client();
//! network.advance(Duration::from_millis(40)); // connect request and answer: one round trip
//! client.poll();
//! server.poll();
//! assert_eq!(client.pop_event(), Some(PeerEvent::PeerConnected(1)));
//! assert_eq!(server.pop_event(), Some(PeerEvent::PeerConnected(client.get_unique_id())));
//!
//! server.send(0, TransferMode::Reliable, 0, b"hello").unwrap();
//! network.advance(Duration::from_millis(20));
//! client.poll();
//! assert_eq!(client.get_packet().unwrap().data, b"hello");
//! ```
//!
//! Semantics worth knowing:
//! * Connecting takes one round trip (the request crosses the link, the answer comes back).
//!   A refusing server answers with a refusal: the client goes `Connecting → Disconnected`
//!   with no event (SceneMultiplayer turns that into `connection_failed`). With no server,
//!   or over a cut link, the attempt times out after [`NetworkConfig::timeout`].
//! * Handshake and disconnect messages suffer latency and bandwidth but not loss or jitter
//!   (a simplification of ENet, which retries them); data, acks and keep-alives suffer all.
//! * Each end pings when idle for [`NetworkConfig::keepalive_interval`] and gives the other
//!   end up after [`NetworkConfig::timeout`] of silence ([`SimulatedNetwork::vanish`]).
//! * Receive queues are unbounded (like ENet's, they grow while a peer is not polled); packets
//!   in flight per direction are bounded by [`MAX_IN_FLIGHT_PER_DIRECTION`].
//! * Each client ever created keeps its hub entry (about 600 bytes once closed) for the
//!   network's life, so that ids in traces and timers stay valid.
//! * Advancing costs time proportional to the events in the interval: two keep-alive ticks
//!   per live link per [`NetworkConfig::keepalive_interval`], plus the datagrams.

mod conditions;
mod hub;
mod link;
mod peer;
mod rng;
mod session;
mod trace;
mod transport;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub use conditions::{DATAGRAM_OVERHEAD, LinkConditions};
pub use peer::{MAX_TRANSFER_CHANNEL, SIMULATED_MAX_PACKET_SIZE, SimulatedPeer};
pub use trace::{NetworkStats, TraceKind, TraceRecord};
pub use transport::MAX_IN_FLIGHT_PER_DIRECTION;

use crate::peer::{PeerError, PeerId};
use hub::{Clock, Hub};

/// Timing of keep-alives and timeouts, and the conditions new links start with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetworkConfig {
    /// An end pings when it sent nothing for this long (ENet's default ping interval, 500 ms).
    pub keepalive_interval: Duration,
    /// An end that heard nothing for this long gives the other up; a connect attempt that got
    /// no answer for this long fails (ENet's minimum timeout, 5 s).
    pub timeout: Duration,
    /// Conditions of each new client's link.
    pub default_link: LinkConditions,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        Self {
            keepalive_interval: Duration::from_millis(500),
            timeout: Duration::from_secs(5),
            default_link: LinkConditions::PERFECT,
        }
    }
}

/// A simulated network: create a server and clients on it, shape their links, move time.
///
/// Cloning gives another handle to the same network. All peers and handles share one lock.
#[derive(Debug, Clone)]
pub struct SimulatedNetwork {
    hub: Arc<Mutex<Hub>>,
}

/// Locks the hub; a panic elsewhere while holding it does not make the network unusable.
pub(crate) fn lock(hub: &Mutex<Hub>) -> MutexGuard<'_, Hub> {
    hub.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimulatedNetwork {
    /// A network with a manual clock (starting at 0) and default timing.
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, NetworkConfig::default())
    }

    /// A network with a manual clock and the given timing.
    pub fn with_config(seed: u64, config: NetworkConfig) -> Self {
        Self::build(seed, config, Clock::Manual)
    }

    /// A network whose clock follows the wall clock: every `poll` and `put_packet` reads
    /// `Instant::now()`. [`advance`](Self::advance) still adds time on top.
    pub fn new_real_time(seed: u64, config: NetworkConfig) -> Self {
        let start = Instant::now();
        Self::build(seed, config, Clock::RealTime { start })
    }

    fn build(seed: u64, config: NetworkConfig, clock: Clock) -> Self {
        Self {
            hub: Arc::new(Mutex::new(Hub::new(seed, config, clock))),
        }
    }

    /// Creates the server peer (id 1, connected at once). One server listens at a time:
    /// [`PeerError::AlreadyInUse`] until the previous one is closed.
    pub fn create_server(&self) -> Result<SimulatedPeer, PeerError> {
        let slot = {
            let mut hub = lock(&self.hub);
            hub.sync();
            hub.open_server()?
        };
        Ok(SimulatedPeer::new(Arc::clone(&self.hub), slot))
    }

    /// Creates a client with an id drawn from the seed (Godot's rules: 2 ..= 2³¹−1, unused)
    /// and starts connecting it to the server.
    pub fn create_client(&self) -> SimulatedPeer {
        let slot = {
            let mut hub = lock(&self.hub);
            hub.sync();
            let id = hub.draw_client_id();
            hub.open_client(id)
        };
        SimulatedPeer::new(Arc::clone(&self.hub), slot)
    }

    /// Creates a client with a chosen id. Ids below 2 are [`PeerError::InvalidParameter`]; an
    /// id already connected makes the server refuse the connection, as Godot's ENet server
    /// does.
    pub fn create_client_with_id(&self, id: PeerId) -> Result<SimulatedPeer, PeerError> {
        if id < 2 {
            return Err(PeerError::InvalidParameter(format!(
                "client id {id} must be at least 2"
            )));
        }
        let slot = {
            let mut hub = lock(&self.hub);
            hub.sync();
            hub.open_client(id)
        };
        Ok(SimulatedPeer::new(Arc::clone(&self.hub), slot))
    }

    /// Conditions given to links of clients created from now on.
    pub fn set_default_link(&self, conditions: LinkConditions) {
        lock(&self.hub).config.default_link = conditions;
    }

    /// Changes the link of client `client_id` (both directions), effective for datagrams
    /// sent from now on.
    pub fn set_link(&self, client_id: PeerId, conditions: LinkConditions) -> Result<(), PeerError> {
        conditions.validate()?;
        let mut hub = lock(&self.hub);
        let link = *hub
            .client_links
            .get(&client_id)
            .ok_or(PeerError::UnknownPeer(client_id))?;
        hub.links[link].conditions = conditions;
        Ok(())
    }

    /// Changes every existing link and the default for new ones.
    pub fn set_all_links(&self, conditions: LinkConditions) -> Result<(), PeerError> {
        conditions.validate()?;
        let mut hub = lock(&self.hub);
        hub.config.default_link = conditions;
        for link in &mut hub.links {
            link.conditions = conditions;
        }
        Ok(())
    }

    /// The conditions of client `client_id`'s link.
    pub fn link(&self, client_id: PeerId) -> Option<LinkConditions> {
        let hub = lock(&self.hub);
        let link = *hub.client_links.get(&client_id)?;
        Some(hub.links[link].conditions)
    }

    /// Cuts client `client_id`'s link for good: from now on nothing crosses it in either
    /// direction, and both ends time out (`PeerDisconnected` on each side after
    /// [`NetworkConfig::timeout`]), as when a machine vanishes.
    pub fn vanish(&self, client_id: PeerId) -> Result<(), PeerError> {
        self.set_link_cut(client_id, true)
    }

    /// Cuts (`true`) or restores (`false`) client `client_id`'s link: while cut, every
    /// datagram in either direction is lost. Restored before [`NetworkConfig::timeout`], the
    /// connection survives and reliable packets sent meanwhile are retransmitted.
    pub fn set_link_cut(&self, client_id: PeerId, cut: bool) -> Result<(), PeerError> {
        let mut hub = lock(&self.hub);
        let link = *hub
            .client_links
            .get(&client_id)
            .ok_or(PeerError::UnknownPeer(client_id))?;
        hub.links[link].cut = cut;
        Ok(())
    }

    /// Moves virtual time forward by `dt`, delivering everything due on the way.
    pub fn advance(&self, dt: Duration) {
        lock(&self.hub).advance(dt);
    }

    /// Advances time from one pending datagram or timer to the next until nothing but
    /// keep-alives is pending, for at most `limit` of virtual time. True when it went quiet.
    pub fn settle(&self, limit: Duration) -> bool {
        lock(&self.hub).settle(limit)
    }

    /// Current virtual time.
    pub fn now(&self) -> Duration {
        let mut hub = lock(&self.hub);
        hub.sync();
        hub.now
    }

    /// Starts recording every delivery, loss and peer event (clears an earlier trace).
    pub fn enable_trace(&self) {
        lock(&self.hub).trace = Some(Vec::new());
    }

    /// Returns the trace recorded so far and keeps recording.
    pub fn take_trace(&self) -> Vec<TraceRecord> {
        lock(&self.hub)
            .trace
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Counters since the network was created.
    pub fn stats(&self) -> NetworkStats {
        lock(&self.hub).stats
    }
}
