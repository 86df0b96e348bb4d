//! Per-peer limits of a server (not in Godot, off by default): RPCs, bytes and relayed
//! packets per second for each directly connected peer, and disconnection of a peer that keeps
//! exceeding them.
//!
//! Each limit is a token bucket refilled at its rate and holding one second of it, so a peer
//! may burst up to one second's allowance and then sustain the rate. A packet that does not
//! fit is dropped whole, with [`PacketError::RateLimited`]. Time comes from the API's clock
//! ([`SceneMultiplayer::set_clock`]), so tests can drive it.
//!
//! "Sustained abuse" is counted in one-second windows: a window in which the peer exceeded any
//! limit adds a strike, a clean one takes one away. When the strikes (the current window
//! included) reach [`PeerLimits::disconnect_after`], the peer is disconnected: the game gets
//! [`PacketError::AbusiveDisconnect`] and then `PeerDisconnected` (the other clients a
//! DEL_PEER, as for any leaving peer), and whatever the peer still had in flight is ignored.

use std::collections::{HashMap, HashSet};

use super::SceneMultiplayer;
use crate::api::MultiplayerEvent;
use crate::error::PacketError;
use crate::peer::PeerId;

/// Which per-peer limit a packet exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PeerLimitKind {
    /// [`PeerLimits::rpcs_per_second`].
    Rpcs,
    /// [`PeerLimits::bytes_per_second`].
    Bytes,
    /// [`PeerLimits::relays_per_second`].
    Relays,
}

impl std::fmt::Display for PeerLimitKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PeerLimitKind::Rpcs => "RPCs per second",
            PeerLimitKind::Bytes => "bytes per second",
            PeerLimitKind::Relays => "relayed packets per second",
        })
    }
}

/// What one peer may send to a server ([`SceneMultiplayer::set_peer_limits`]). Every limit
/// is off (`None`) by default, as Godot has none: an honest Godot client never notices limits
/// set above what the game sends.
///
/// ```
/// use netscene::{PeerLimits, SceneMultiplayer};
/// let mut mp = SceneMultiplayer::new();
/// assert_eq!(*mp.get_peer_limits(), PeerLimits::default());
/// mp.set_peer_limits(PeerLimits {
///     rpcs_per_second: Some(200),
///     bytes_per_second: Some(256 * 1024),
///     relays_per_second: Some(400),
///     disconnect_after: Some(5),
/// });
/// assert_eq!(mp.get_peer_limits().rpcs_per_second, Some(200));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PeerLimits {
    /// REMOTE_CALL packets per second the server processes from one peer (relayed calls it
    /// runs itself included). Calls beyond it are dropped.
    pub rpcs_per_second: Option<u32>,
    /// Bytes per second the server reads from one peer, every packet counted (authentication
    /// included). A packet larger than this is always dropped, so set it well above the
    /// largest packet the game sends.
    pub bytes_per_second: Option<u64>,
    /// Copies per second the server relay forwards for one peer: a RELAY to every peer costs
    /// one per recipient, so this bounds how much traffic one client can make the server send
    /// (its pending relays) whatever the number of players. A RELAY beyond it is dropped whole.
    pub relays_per_second: Option<u32>,
    /// Disconnect a peer once it has exceeded a limit in this many one-second windows, net of
    /// the clean windows between them (`None`: never disconnect, only drop).
    pub disconnect_after: Option<u32>,
}

impl PeerLimits {
    fn is_off(&self) -> bool {
        self.rpcs_per_second.is_none()
            && self.bytes_per_second.is_none()
            && self.relays_per_second.is_none()
    }

    fn rate(&self, kind: PeerLimitKind) -> Option<f64> {
        match kind {
            PeerLimitKind::Rpcs => self.rpcs_per_second.map(f64::from),
            PeerLimitKind::Bytes => self.bytes_per_second.map(|b| b as f64),
            PeerLimitKind::Relays => self.relays_per_second.map(f64::from),
        }
    }
}

/// One token bucket: `tokens` left at `last_ms`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last_ms: u64,
}

impl Bucket {
    /// Takes `amount` if the bucket (refilled up to one second of `rate`) holds it.
    fn take(&mut self, rate: f64, now_ms: u64, amount: f64) -> bool {
        let elapsed = now_ms.saturating_sub(self.last_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        self.last_ms = now_ms;
        if self.tokens >= amount {
            self.tokens -= amount;
            true
        } else {
            false
        }
    }
}

/// What one peer used, and its abuse record.
#[derive(Debug, Clone)]
struct PeerUsage {
    buckets: [Option<Bucket>; 3],
    window_start_ms: u64,
    exceeded_in_window: bool,
    strikes: u32,
}

impl PeerUsage {
    fn new(now_ms: u64) -> Self {
        Self {
            buckets: [None; 3],
            window_start_ms: now_ms,
            exceeded_in_window: false,
            strikes: 0,
        }
    }

    /// Closes the one-second windows that ended before `now_ms`.
    fn roll_windows(&mut self, now_ms: u64) {
        let ended = now_ms.saturating_sub(self.window_start_ms) / 1000;
        if ended == 0 {
            return;
        }
        if self.exceeded_in_window {
            self.strikes = self.strikes.saturating_add(1);
        } else {
            self.strikes = self.strikes.saturating_sub(1);
        }
        // The windows after the first ended without traffic over the limits.
        let clean = u32::try_from(ended - 1).unwrap_or(u32::MAX);
        self.strikes = self.strikes.saturating_sub(clean);
        self.exceeded_in_window = false;
        self.window_start_ms += ended * 1000;
    }
}

fn slot(kind: PeerLimitKind) -> usize {
    match kind {
        PeerLimitKind::Rpcs => 0,
        PeerLimitKind::Bytes => 1,
        PeerLimitKind::Relays => 2,
    }
}

/// The limits and what each peer used of them.
#[derive(Debug, Default)]
pub(crate) struct LimitState {
    pub(crate) limits: PeerLimits,
    usage: HashMap<PeerId, PeerUsage>,
    /// Peers disconnected for abuse whose transport has not reported them gone yet: their
    /// remaining packets are ignored without a rejection each.
    kicked: HashSet<PeerId>,
}

impl LimitState {
    /// The peer left (transport event) or the API was cleared.
    pub(crate) fn forget(&mut self, peer: PeerId) {
        self.usage.remove(&peer);
        self.kicked.remove(&peer);
    }

    pub(crate) fn clear(&mut self) {
        self.usage.clear();
        self.kicked.clear();
    }

    pub(crate) fn is_kicked(&self, peer: PeerId) -> bool {
        self.kicked.contains(&peer)
    }
}

/// The outcome of charging a peer.
enum Charge {
    Allowed,
    Dropped,
    Disconnect,
}

impl SceneMultiplayer {
    /// The per-peer limits (see [`PeerLimits`]; all off by default).
    pub fn get_peer_limits(&self) -> &PeerLimits {
        &self.limits.limits
    }

    /// Sets the per-peer limits a server applies to the peers connected to it (a client
    /// ignores them: the server is the one peer it talks to). Takes effect at once; what
    /// peers used so far is forgotten.
    pub fn set_peer_limits(&mut self, limits: PeerLimits) {
        self.limits.limits = limits;
        self.limits.usage.clear();
    }

    /// Counts `amount` of `kind` against `from`'s limit. `false`: drop the packet (the
    /// rejection is reported here, and the peer may have been disconnected).
    pub(crate) fn charge_peer(&mut self, from: PeerId, kind: PeerLimitKind, amount: u64) -> bool {
        let limits = self.limits.limits;
        if limits.is_off() || self.link.unique_id() != 1 {
            return true;
        }
        let Some(rate) = limits.rate(kind) else {
            return true;
        };
        let now = (self.clock)();
        let usage = self
            .limits
            .usage
            .entry(from)
            .or_insert_with(|| PeerUsage::new(now));
        usage.roll_windows(now);
        let bucket = usage.buckets[slot(kind)].get_or_insert(Bucket {
            tokens: rate,
            last_ms: now,
        });
        let charge = if bucket.take(rate, now, amount as f64) {
            Charge::Allowed
        } else {
            usage.exceeded_in_window = true;
            match limits.disconnect_after {
                Some(after) if usage.strikes.saturating_add(1) >= after => Charge::Disconnect,
                _ => Charge::Dropped,
            }
        };
        match charge {
            Charge::Allowed => true,
            Charge::Dropped => {
                self.reject_packet(from, PacketError::RateLimited { limit: kind });
                false
            }
            Charge::Disconnect => {
                self.disconnect_abusive_peer(from, kind);
                false
            }
        }
    }

    /// Drops `peer` for exceeding `kind` for too long: the game is told (the event is kept
    /// even when the rejection queue is full), then the peer leaves as any other.
    fn disconnect_abusive_peer(&mut self, peer: PeerId, kind: PeerLimitKind) {
        tracing::warn!(peer, limit = %kind, "peer disconnected: it kept exceeding its limits");
        self.push_event(MultiplayerEvent::PacketRejected {
            from: peer,
            error: PacketError::AbusiveDisconnect { limit: kind },
        });
        self.limits.usage.remove(&peer);
        self.limits.kicked.insert(peer);
        self.del_peer(peer);
        if let Some(transport) = self.link.peer.as_mut() {
            transport.disconnect_peer(peer, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_holds_one_second_and_refills_at_its_rate() {
        let mut bucket = Bucket {
            tokens: 10.0,
            last_ms: 0,
        };
        for _ in 0..10 {
            assert!(bucket.take(10.0, 0, 1.0));
        }
        assert!(!bucket.take(10.0, 0, 1.0));
        assert!(bucket.take(10.0, 100, 1.0), "100 ms at 10/s refill one");
        assert!(!bucket.take(10.0, 100, 1.0));
        // A long pause refills one second's worth, not more.
        assert!(bucket.take(10.0, 60_000, 10.0));
        assert!(!bucket.take(10.0, 60_000, 1.0));
    }

    #[test]
    fn strikes_grow_with_abusive_windows_and_fade_with_clean_ones() {
        let mut usage = PeerUsage::new(0);
        usage.exceeded_in_window = true;
        usage.roll_windows(1000);
        assert_eq!(usage.strikes, 1);
        usage.exceeded_in_window = true;
        usage.roll_windows(2500);
        assert_eq!(usage.strikes, 2);
        assert_eq!(usage.window_start_ms, 2000);
        // Three windows end, none abusive.
        usage.roll_windows(5000);
        assert_eq!(usage.strikes, 0);
        assert!(!usage.exceeded_in_window);
    }
}
