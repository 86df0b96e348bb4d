//! `ENetConnection`: a bare ENet host, as Godot exposes it for mesh networking and custom use.

use std::net::IpAddr;

use netscene::peer::PeerError;
use rusty_enet::{Event, PeerID, PeerState};

use crate::flags::{ENET_MAX_CHANNELS, debug_field, packet_flags};
use crate::options::{CompressionMode, EnetHost, HostParams, create_host};
use crate::packet_peer::ENetPacketPeer;
use crate::socket::resolve_for;

/// `ENetConnection.HostStatistic`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum HostStatistic {
    /// Bytes sent.
    TotalSentData = 0,
    /// Datagrams sent.
    TotalSentPackets = 1,
    /// Bytes received.
    TotalReceivedData = 2,
    /// Datagrams received.
    TotalReceivedPackets = 3,
}

impl HostStatistic {
    fn debug_needle(self) -> &'static str {
        match self {
            Self::TotalSentData => " totalSentData: ",
            Self::TotalSentPackets => " totalSentPackets: ",
            Self::TotalReceivedData => " totalReceivedData: ",
            Self::TotalReceivedPackets => " totalReceivedPackets: ",
        }
    }
}

/// Index of a peer slot in an [`ENetConnection`].
pub type PeerSlot = usize;

/// What [`ENetConnection::service`] reports (Godot's `ENetConnection.EventType` with its data).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// `EVENT_CONNECT`: a connection completed; `data` is the remote's CONNECT data.
    Connect {
        /// The peer's slot.
        peer: PeerSlot,
        /// The 32-bit data sent with the connection request.
        data: u32,
    },
    /// `EVENT_DISCONNECT`: a peer disconnected or timed out.
    Disconnect {
        /// The peer's slot.
        peer: PeerSlot,
        /// The 32-bit data sent with the disconnection (0 on a timeout).
        data: u32,
    },
    /// `EVENT_RECEIVE`: a packet arrived.
    Receive {
        /// The peer's slot.
        peer: PeerSlot,
        /// The ENet channel it arrived on.
        channel: u8,
        /// ENet packet flags as received (RELIABLE, UNSEQUENCED, UNRELIABLE_FRAGMENT bits).
        flags: u32,
        /// The payload.
        data: Vec<u8>,
    },
}

/// Godot's `ENetConnection`: one ENet host with its own UDP socket.
///
/// Used to build mesh networks: create one connection per remote peer, connect it (or accept
/// one connection on it), [`service`](Self::service) it until the connection completes, then
/// hand it to `ENetMultiplayerPeer::add_mesh_peer`.
pub struct ENetConnection {
    pub(crate) host: EnetHost,
    /// Counter values at the last `pop_statistic`, per [`HostStatistic`]: rusty_enet cannot
    /// reset its counters, so popping subtracts instead.
    popped: [u32; 4],
}

impl ENetConnection {
    /// `create_host_bound(bind_address, bind_port, max_peers, max_channels, in_bandwidth,
    /// out_bandwidth)`: `bind_ip` `None` is `"*"`, port 0 lets the system pick, `max_channels`
    /// 0 means 255.
    pub fn create_host_bound(
        bind_ip: Option<IpAddr>,
        port: u16,
        max_peers: usize,
        max_channels: usize,
        in_bandwidth: u32,
        out_bandwidth: u32,
    ) -> Result<Self, PeerError> {
        Self::create_with_compression(
            bind_ip,
            port,
            max_peers,
            max_channels,
            in_bandwidth,
            out_bandwidth,
            CompressionMode::None,
        )
    }

    /// `create_host(max_peers, max_channels, in_bandwidth, out_bandwidth)`: bound on every
    /// address, on a port the system picks.
    pub fn create_host(
        max_peers: usize,
        max_channels: usize,
        in_bandwidth: u32,
        out_bandwidth: u32,
    ) -> Result<Self, PeerError> {
        Self::create_host_bound(
            None,
            0,
            max_peers,
            max_channels,
            in_bandwidth,
            out_bandwidth,
        )
    }

    /// Like [`create_host_bound`](Self::create_host_bound), with a compression mode.
    ///
    /// Godot sets compression with `compress()` after creation; rusty_enet only takes it when
    /// the host is created, so it is chosen here.
    pub fn create_with_compression(
        bind_ip: Option<IpAddr>,
        port: u16,
        max_peers: usize,
        max_channels: usize,
        in_bandwidth: u32,
        out_bandwidth: u32,
        compression: CompressionMode,
    ) -> Result<Self, PeerError> {
        let host = create_host(HostParams {
            bind_ip,
            port,
            max_peers,
            channel_limit: if max_channels == 0 {
                ENET_MAX_CHANNELS
            } else {
                max_channels
            },
            in_bandwidth,
            out_bandwidth,
            compression,
        })?;
        Ok(Self::from_host(host))
    }

    pub(crate) fn from_host(host: EnetHost) -> Self {
        Self {
            host,
            popped: [0; 4],
        }
    }

    /// `connect_to_host(address, port, channels, data)`: starts connecting; `channels` 0 asks
    /// for 255. Completes with a [`ConnectionEvent::Connect`] from [`service`](Self::service).
    pub fn connect_to_host(
        &mut self,
        address: &str,
        port: u16,
        channels: usize,
        data: u32,
    ) -> Result<PeerSlot, PeerError> {
        let channels = if channels == 0 {
            ENET_MAX_CHANNELS
        } else {
            channels.min(ENET_MAX_CHANNELS)
        };
        let local = self
            .host
            .socket()
            .udp()
            .local_addr()
            .map_err(|error| PeerError::CantConnect(error.to_string()))?;
        let remote = resolve_for(local, address, port)
            .map_err(|error| PeerError::CantConnect(format!("{address}:{port}: {error}")))?;
        let peer = self
            .host
            .connect(remote, channels, data)
            .map_err(|error| PeerError::CantConnect(error.to_string()))?;
        Ok(peer.id().0)
    }

    /// Services the host once: sends what is queued, receives, and returns the next event.
    pub fn service(&mut self) -> Result<Option<ConnectionEvent>, PeerError> {
        let event = self
            .host
            .service()
            .map_err(|error| PeerError::Connection(error.to_string()))?;
        Ok(event.map(|event| match event {
            Event::Connect { peer, data } => ConnectionEvent::Connect {
                peer: peer.id().0,
                data,
            },
            Event::Disconnect { peer, data } => ConnectionEvent::Disconnect {
                peer: peer.id().0,
                data,
            },
            Event::Receive {
                peer,
                channel_id,
                packet,
            } => ConnectionEvent::Receive {
                peer: peer.id().0,
                channel: channel_id,
                flags: packet_flags(&packet).unwrap_or(crate::flags::FLAG_RELIABLE),
                data: packet.data().to_vec(),
            },
        }))
    }

    /// `pop_statistic(statistic)`: the counter's growth since the last pop (Godot reads and
    /// resets it). Read from rusty_enet's `Debug` output; `None` if that stops showing it.
    pub fn pop_statistic(&mut self, statistic: HostStatistic) -> Option<u32> {
        let current = debug_field(&self.host, statistic.debug_needle())
            .and_then(|v| u32::try_from(v).ok())?;
        let last = std::mem::replace(&mut self.popped[statistic as usize], current);
        Some(current.wrapping_sub(last))
    }

    /// `bandwidth_limit(in_bandwidth, out_bandwidth)` in bytes per second, 0 for none.
    pub fn bandwidth_limit(&mut self, in_bandwidth: u32, out_bandwidth: u32) {
        // Zero means "unlimited", which is `None` for rusty_enet: cannot fail.
        let _ = self.host.set_bandwidth_limit(
            (in_bandwidth > 0).then_some(in_bandwidth),
            (out_bandwidth > 0).then_some(out_bandwidth),
        );
    }

    /// `channel_limit(limit)` for future incoming connections; 0 means 255.
    pub fn channel_limit(&mut self, limit: usize) {
        let limit = if limit == 0 {
            ENET_MAX_CHANNELS
        } else {
            limit.min(ENET_MAX_CHANNELS)
        };
        // Never 0 here, the only value rusty_enet rejects.
        let _ = self.host.set_channel_limit(limit);
    }

    /// `broadcast(channel, packet, flags)` to every connected peer, raw ENet flags.
    pub fn broadcast(&mut self, channel: u8, data: &[u8], flags: u32) {
        let packet = rusty_enet::Packet::new(data.to_vec(), crate::flags::kind_from_flags(flags));
        self.host.broadcast(channel, &packet);
    }

    /// `socket_send(address, port, packet)`: one raw UDP datagram from the host's socket
    /// (e.g. for NAT punch-through).
    pub fn socket_send(&mut self, address: &str, port: u16, data: &[u8]) -> Result<(), PeerError> {
        let socket = self.host.socket().udp();
        let local = socket
            .local_addr()
            .map_err(|error| PeerError::Connection(error.to_string()))?;
        let remote = resolve_for(local, address, port)
            .map_err(|error| PeerError::CantConnect(format!("{address}:{port}: {error}")))?;
        socket
            .send_to(data, remote)
            .map(|_| ())
            .map_err(|error| PeerError::Connection(error.to_string()))
    }

    /// Sends everything queued now (`flush`).
    pub fn flush(&mut self) {
        self.host.flush();
    }

    /// The local UDP port (`get_local_port`).
    pub fn local_port(&self) -> Option<u16> {
        self.host.socket().udp().local_addr().ok().map(|a| a.port())
    }

    /// The channel limit for incoming connections (`get_max_channels`).
    pub fn max_channels(&self) -> usize {
        self.host.channel_limit()
    }

    /// Slots of the peers that are connected or connecting (`get_peers`).
    pub fn peer_slots(&self) -> Vec<PeerSlot> {
        (0..self.host.peer_limit())
            .filter(|slot| {
                self.host
                    .get_peer(PeerID(*slot))
                    .is_some_and(|peer| peer.state() != PeerState::Disconnected)
            })
            .collect()
    }

    /// The peer in `slot`, whatever its state.
    pub fn get_peer(&mut self, slot: PeerSlot) -> Option<ENetPacketPeer<'_>> {
        self.host
            .get_peer_mut(PeerID(slot))
            .map(|peer| ENetPacketPeer { peer })
    }

    /// Sends `data` to the peer in `slot` on ENet `channel` with raw ENet `flags`
    /// (RELIABLE, UNSEQUENCED, UNRELIABLE_FRAGMENT), like Godot's `ENetPacketPeer.send`.
    pub fn send(
        &mut self,
        slot: PeerSlot,
        channel: u8,
        data: &[u8],
        flags: u32,
    ) -> Result<(), PeerError> {
        let kind = crate::flags::kind_from_flags(flags);
        let packet = rusty_enet::Packet::new(data.to_vec(), kind);
        let peer = self
            .host
            .get_peer_mut(PeerID(slot))
            .ok_or_else(|| PeerError::InvalidParameter(format!("no peer slot {slot}")))?;
        peer.send(channel, &packet)
            .map_err(|error| PeerError::Connection(error.to_string()))
    }
}

impl std::fmt::Debug for ENetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ENetConnection")
            .field("local_port", &self.local_port())
            .field("max_channels", &self.max_channels())
            .finish()
    }
}
