//! `ENetPacketPeer`: one remote peer of an ENet host, for statistics and per-peer settings.

use std::net::SocketAddr;
use std::time::Duration;

use rusty_enet::{Peer, PeerState};

use netscene::peer::PeerError;

use crate::flags::{debug_field, kind_from_flags};
use crate::options::{PeerSettings, PeerThrottle, PeerTimeout};
use crate::socket::EnetSocket;

/// `ENetPacketPeer.PACKET_LOSS_SCALE`: packet loss is reported in 1/65536ths.
pub const PACKET_LOSS_SCALE: u32 = 1 << 16;
/// `ENetPacketPeer.PACKET_THROTTLE_SCALE`: the throttle is reported in 1/32nds.
pub const PACKET_THROTTLE_SCALE: u32 = 32;

/// `ENetPacketPeer.PeerStatistic`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum PeerStatistic {
    /// Mean packet loss of reliable packets, in 1/[`PACKET_LOSS_SCALE`].
    PacketLoss = 0,
    /// Packet loss variance.
    PacketLossVariance = 1,
    /// Time at which packet loss statistics were last updated (ENet milliseconds).
    PacketLossEpoch = 2,
    /// Mean round-trip time, in milliseconds.
    RoundTripTime = 3,
    /// Round-trip time variance.
    RoundTripTimeVariance = 4,
    /// Last measured round-trip time.
    LastRoundTripTime = 5,
    /// Last round-trip time variance.
    LastRoundTripTimeVariance = 6,
    /// Current unreliable-packet throttle, in 1/[`PACKET_THROTTLE_SCALE`].
    PacketThrottle = 7,
    /// Throttle limit.
    PacketThrottleLimit = 8,
    /// Throttle counter (steps of 7).
    PacketThrottleCounter = 9,
    /// Time of the last throttle measurement.
    PacketThrottleEpoch = 10,
    /// Throttle acceleration.
    PacketThrottleAcceleration = 11,
    /// Throttle deceleration.
    PacketThrottleDeceleration = 12,
    /// Throttle measurement interval, in milliseconds.
    PacketThrottleInterval = 13,
}

impl PeerStatistic {
    /// The field of rusty_enet's `Peer` debug output holding this statistic.
    fn debug_needle(self) -> &'static str {
        match self {
            Self::PacketLoss => " packetLoss: ",
            Self::PacketLossVariance => " packetLossVariance: ",
            Self::PacketLossEpoch => " packetLossEpoch: ",
            Self::RoundTripTime => " roundTripTime: ",
            Self::RoundTripTimeVariance => " roundTripTimeVariance: ",
            Self::LastRoundTripTime => " lastRoundTripTime: ",
            Self::LastRoundTripTimeVariance => " lastRoundTripTimeVariance: ",
            Self::PacketThrottle => " packetThrottle: ",
            Self::PacketThrottleLimit => " packetThrottleLimit: ",
            Self::PacketThrottleCounter => " packetThrottleCounter: ",
            Self::PacketThrottleEpoch => " packetThrottleEpoch: ",
            Self::PacketThrottleAcceleration => " packetThrottleAcceleration: ",
            Self::PacketThrottleDeceleration => " packetThrottleDeceleration: ",
            Self::PacketThrottleInterval => " packetThrottleInterval: ",
        }
    }
}

/// A remote ENet peer (Godot's `ENetPacketPeer`), borrowed from its host.
///
/// Returned by `ENetMultiplayerPeer::get_peer` and `ENetConnection::get_peer`.
pub struct ENetPacketPeer<'a> {
    pub(crate) peer: &'a mut Peer<EnetSocket>,
}

impl ENetPacketPeer<'_> {
    /// Mean round-trip time (`PEER_ROUND_TRIP_TIME`).
    pub fn round_trip_time(&self) -> Duration {
        self.peer.round_trip_time()
    }

    /// Round-trip time variance (`PEER_ROUND_TRIP_TIME_VARIANCE`).
    pub fn round_trip_time_variance(&self) -> Duration {
        self.peer.round_trip_time_variance()
    }

    /// Mean packet loss of reliable packets, in 1/[`PACKET_LOSS_SCALE`] (`PEER_PACKET_LOSS`).
    pub fn packet_loss(&self) -> u32 {
        self.peer.packet_loss()
    }

    /// Packet loss variance (`PEER_PACKET_LOSS_VARIANCE`).
    pub fn packet_loss_variance(&self) -> u32 {
        self.peer.packet_loss_variance()
    }

    /// Reliable packets sent in the current loss-measuring period.
    pub fn packets_sent(&self) -> u32 {
        self.peer.packets_sent()
    }

    /// Reliable packets lost in the current loss-measuring period.
    pub fn packets_lost(&self) -> u32 {
        self.peer.packets_lost()
    }

    /// The current unreliable-packet throttle, in 1/[`PACKET_THROTTLE_SCALE`]
    /// (`PEER_PACKET_THROTTLE`): 32 sends every unreliable packet, lower values drop some.
    ///
    /// rusty_enet has no getter for it; it is read from the peer's `Debug` output. `None` if
    /// that ever stops showing it.
    pub fn packet_throttle(&self) -> Option<u32> {
        debug_field(&*self.peer, " packetThrottle: ").and_then(|v| u32::try_from(v).ok())
    }

    /// The throttle settings in force (from `throttle_configure` here or at the remote end),
    /// read from the peer's `Debug` output like [`packet_throttle`](Self::packet_throttle).
    pub fn throttle_settings(&self) -> Option<PeerThrottle> {
        let field = |name| debug_field(&*self.peer, name).and_then(|v| u32::try_from(v).ok());
        Some(PeerThrottle {
            interval_ms: field(" packetThrottleInterval: ")?,
            acceleration: field(" packetThrottleAcceleration: ")?,
            deceleration: field(" packetThrottleDeceleration: ")?,
        })
    }

    /// `get_statistic(statistic)`. Statistics rusty_enet has no getter for are read from the
    /// peer's `Debug` output; `None` if that ever stops showing them.
    pub fn get_statistic(&self, statistic: PeerStatistic) -> Option<f64> {
        debug_field(&*self.peer, statistic.debug_needle()).map(|v| v as f64)
    }

    /// `peer_disconnect(data)`: a polite disconnection; a disconnect event follows.
    pub fn peer_disconnect(&mut self, data: u32) {
        self.peer.disconnect(data);
    }

    /// `peer_disconnect_later(data)`: disconnects once the queued packets are sent.
    pub fn peer_disconnect_later(&mut self, data: u32) {
        self.peer.disconnect_later(data);
    }

    /// `peer_disconnect_now(data)`: tells the remote at once; no local disconnect event.
    pub fn peer_disconnect_now(&mut self, data: u32) {
        self.peer.disconnect_now(data);
    }

    /// `reset()`: drops the peer without notifying the remote.
    pub fn reset(&mut self) {
        self.peer.reset();
    }

    /// `send(channel, packet, flags)` with raw ENet flags (FLAG_RELIABLE 1, FLAG_UNSEQUENCED 2,
    /// FLAG_UNRELIABLE_FRAGMENT 8); queued until the host is flushed or serviced.
    pub fn send(&mut self, channel: u8, data: &[u8], flags: u32) -> Result<(), PeerError> {
        let packet = rusty_enet::Packet::new(data.to_vec(), kind_from_flags(flags));
        self.peer
            .send(channel, &packet)
            .map_err(|error| PeerError::Connection(error.to_string()))
    }

    /// Bytes received since the last bandwidth-throttle epoch.
    pub fn incoming_data_total(&self) -> u32 {
        self.peer.incoming_data_total()
    }

    /// Bytes sent since the last bandwidth-throttle epoch.
    pub fn outgoing_data_total(&self) -> u32 {
        self.peer.outgoing_data_total()
    }

    /// Remote address (`get_remote_address` and `get_remote_port`).
    pub fn remote_address(&self) -> Option<SocketAddr> {
        self.peer.address()
    }

    /// ENet connection state (`get_state`).
    pub fn state(&self) -> PeerState {
        self.peer.state()
    }

    /// Number of ENet channels of the connection (`get_channels`).
    pub fn channel_count(&self) -> usize {
        self.peer.channel_count()
    }

    /// Current ping interval.
    pub fn ping_interval(&self) -> Duration {
        self.peer.ping_interval()
    }

    /// Sets the timeouts (`set_timeout(timeout, timeout_min, timeout_max)`).
    pub fn set_timeout(&mut self, timeout: PeerTimeout) {
        self.peer
            .set_timeout(timeout.limit, timeout.minimum_ms, timeout.maximum_ms);
    }

    /// Sets how often an idle connection is pinged, in milliseconds (`ping_interval`).
    pub fn set_ping_interval(&mut self, interval_ms: u32) {
        self.peer.set_ping_interval(interval_ms);
    }

    /// Configures the unreliable-packet throttle (`throttle_configure`).
    pub fn throttle_configure(&mut self, interval_ms: u32, acceleration: u32, deceleration: u32) {
        self.peer
            .set_throttle(interval_ms, acceleration, deceleration);
    }

    /// Sends a ping now (`send_ping`).
    pub fn send_ping(&mut self) {
        self.peer.ping();
    }

    /// Applies timeouts and ping interval (any time, even while connecting).
    pub(crate) fn apply(&mut self, settings: &PeerSettings) {
        if let Some(timeout) = settings.timeout {
            self.set_timeout(timeout);
        }
        if let Some(interval) = settings.ping_interval_ms {
            self.set_ping_interval(interval);
        }
    }

    /// Applies the throttle settings; only once connected, since they travel to the remote
    /// as an ENet command it accepts only from a connected peer.
    pub(crate) fn apply_on_connect(&mut self, settings: &PeerSettings) {
        if let Some(throttle) = settings.throttle {
            self.throttle_configure(
                throttle.interval_ms,
                throttle.acceleration,
                throttle.deceleration,
            );
        }
    }
}

impl std::fmt::Debug for ENetPacketPeer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ENetPacketPeer")
            .field("state", &self.state())
            .field("remote_address", &self.remote_address())
            .field("round_trip_time", &self.round_trip_time())
            .field("packet_loss", &self.packet_loss())
            .finish()
    }
}
