//! The transport side of SceneMultiplayer: the peer, the admitted peers, and
//! `send_command` (direct or through the server relay, spec B.4 / B.7).

use crate::error::MultiplayerError;
use crate::peer::{ConnectionStatus, MultiplayerPeer, PeerError, PeerId, TransferMode};
use crate::wire::SysPacket;

use super::id_hash::IdSet;

/// Admitted peers in admission order, with O(1) membership.
#[derive(Default)]
pub(crate) struct PeerSet {
    order: Vec<PeerId>,
    set: IdSet<PeerId>,
    /// A value no other set and no earlier state of this one had; see [`Self::version`].
    version: u64,
}

/// Source of [`PeerSet`] versions, unique in the process so a set that was rebuilt can never
/// repeat a version a reader remembered.
static NEXT_VERSION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_version() -> u64 {
    NEXT_VERSION.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl PeerSet {
    /// Changes whenever a peer is added or removed, so per-frame work that depends on who is
    /// connected (with thousands of peers, rebuilding it each frame is costly) can be skipped
    /// while the set stays the same.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn contains(&self, id: PeerId) -> bool {
        self.set.contains(&id)
    }

    pub fn insert(&mut self, id: PeerId) {
        if self.set.insert(id) {
            self.order.push(id);
            self.version = next_version();
        }
    }

    pub fn remove(&mut self, id: PeerId) -> bool {
        if self.set.remove(&id) {
            self.order.retain(|p| *p != id);
            self.version = next_version();
            true
        } else {
            false
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = PeerId> + '_ {
        self.order.iter().copied()
    }

    pub fn as_slice(&self) -> &[PeerId] {
        &self.order
    }

    pub fn clear(&mut self) {
        self.order.clear();
        self.set.clear();
        self.version = next_version();
    }
}

pub(crate) struct Link {
    pub peer: Option<Box<dyn MultiplayerPeer>>,
    pub connected: PeerSet,
    pub server_relay: bool,
    relay_buf: Vec<u8>,
}

impl Link {
    pub fn new(peer: Option<Box<dyn MultiplayerPeer>>) -> Self {
        Self {
            peer,
            connected: PeerSet::default(),
            server_relay: true,
            relay_buf: Vec::new(),
        }
    }

    pub fn unique_id(&self) -> PeerId {
        self.peer.as_ref().map_or(0, |p| p.get_unique_id())
    }

    pub fn status(&self) -> ConnectionStatus {
        self.peer
            .as_ref()
            .map_or(ConnectionStatus::Disconnected, |p| {
                p.get_connection_status()
            })
    }

    /// Server relay is in use: enabled and supported by the transport.
    pub fn relay_active(&self) -> bool {
        self.server_relay
            && self
                .peer
                .as_ref()
                .is_some_and(|p| p.is_server_relay_supported())
    }

    /// One packet straight to one peer, whatever the relay setting (auth, SYS).
    pub fn send_direct(
        &mut self,
        to: PeerId,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), MultiplayerError> {
        let peer = self.peer.as_mut().ok_or(MultiplayerError::NoPeer)?;
        peer.send(to, mode, channel, data)?;
        Ok(())
    }

    /// Godot's `send_command`: through the relay for a client addressing anyone but the
    /// server; otherwise one unicast per admitted target (0 all, −n all but n).
    pub fn send_command(
        &mut self,
        to: PeerId,
        mode: TransferMode,
        channel: i32,
        data: &[u8],
    ) -> Result<(), MultiplayerError> {
        if self.relay_active() && self.unique_id() != 1 && to != 1 {
            // Everything relayed goes to the server: nothing but auth may go there before it
            // is admitted (Godot would send it anyway; the server drops it).
            if !self.connected.contains(1) {
                return if to > 0 {
                    Err(MultiplayerError::UnknownPeer(to))
                } else {
                    Ok(())
                };
            }
            self.relay_buf.clear();
            SysPacket::Relay {
                peer: to,
                packet: data,
            }
            .emit(&mut self.relay_buf);
            let peer = self.peer.as_mut().ok_or(MultiplayerError::NoPeer)?;
            peer.send(1, mode, channel, &self.relay_buf)?;
            return Ok(());
        }
        let peer = self.peer.as_mut().ok_or(MultiplayerError::NoPeer)?;
        if to > 0 {
            if !self.connected.contains(to) {
                return Err(MultiplayerError::UnknownPeer(to));
            }
            peer.send(to, mode, channel, data)?;
            return Ok(());
        }
        for &pid in self.connected.as_slice() {
            if to != 0 && pid == -to {
                continue;
            }
            if let Err(e) = peer.send(pid, mode, channel, data) {
                // Like Godot, a failed unicast does not stop the others.
                log_send_failure(pid, "packet", &e.into());
            }
        }
        Ok(())
    }
}

/// Logs a send that failed. A peer the transport already dropped (its disconnect event not yet
/// processed, as when several peers leave in one frame) is routine and logged at debug level;
/// anything else is a warning.
pub(crate) fn log_send_failure(peer: PeerId, what: &str, error: &MultiplayerError) {
    if matches!(error, MultiplayerError::Peer(PeerError::UnknownPeer(_))) {
        tracing::debug!(peer, "{what} not sent: the peer is already gone");
    } else {
        tracing::warn!(peer, "cannot send {what}: {error}");
    }
}
