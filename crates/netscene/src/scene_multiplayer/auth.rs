//! Authentication (spec B.5): peers wait in a pending set until both sides called
//! `complete_auth`; until then only SYS AUTH packets pass, in both directions.

use super::SceneMultiplayer;
use crate::api::MultiplayerEvent;
use crate::error::{MultiplayerError, PacketError};
use crate::peer::{ConnectionStatus, PeerId, TransferMode};
use crate::wire::{Command, SysPacket};

/// Godot's `auth_callback`: called with the SceneMultiplayer, the peer and each non-empty
/// auth payload it sends. It may call [`SceneMultiplayer::send_auth`],
/// [`SceneMultiplayer::complete_auth`] and [`SceneMultiplayer::disconnect_peer`].
pub type AuthCallback = Box<dyn FnMut(&mut SceneMultiplayer, PeerId, &[u8]) + Send>;

impl SceneMultiplayer {
    /// Sets `auth_callback`; `None` turns authentication off (peers are admitted at once).
    ///
    /// ```
    /// use netscene::SceneMultiplayer;
    /// let mut mp = SceneMultiplayer::new();
    /// mp.set_auth_callback(Some(Box::new(|mp: &mut SceneMultiplayer, peer, data: &[u8]| {
    ///     if data == b"secret" {
    ///         let _ = mp.complete_auth(peer);
    ///     } else {
    ///         let _ = mp.disconnect_peer(peer);
    ///     }
    /// })));
    /// ```
    pub fn set_auth_callback(&mut self, callback: Option<AuthCallback>) {
        self.auth_callback = callback;
    }

    /// True when an auth callback is set.
    pub fn has_auth_callback(&self) -> bool {
        self.auth_callback.is_some()
    }

    /// `auth_timeout` in seconds (default 3; 0 = none).
    pub fn get_auth_timeout(&self) -> f64 {
        self.auth_timeout_ms as f64 / 1000.0
    }

    /// Sets `auth_timeout` in seconds (must be ≥ 0; 0 = none).
    pub fn set_auth_timeout(&mut self, seconds: f64) -> Result<(), MultiplayerError> {
        if seconds.is_nan() || seconds < 0.0 || !seconds.is_finite() {
            return Err(MultiplayerError::InvalidParameter(
                "timeout must be greater or equal to 0 (where 0 means no timeout)".into(),
            ));
        }
        self.auth_timeout_ms = (seconds * 1000.0) as u64;
        Ok(())
    }

    /// `get_authenticating_peers()`: peers still pending.
    pub fn get_authenticating_peers(&self) -> Vec<PeerId> {
        self.pending.keys().copied().collect()
    }

    /// `send_auth(id, data)`: auth bytes to a pending peer (reliable, channel 0, direct).
    pub fn send_auth(&mut self, id: PeerId, data: &[u8]) -> Result<(), MultiplayerError> {
        if self.link.status() != ConnectionStatus::Connected {
            return Err(MultiplayerError::NotConnected);
        }
        let pending = self
            .pending
            .get(&id)
            .ok_or(MultiplayerError::UnknownPeer(id))?;
        if data.is_empty() {
            return Err(MultiplayerError::InvalidParameter("empty auth data".into()));
        }
        if pending.local {
            return Err(MultiplayerError::InvalidState(
                "the authentication session was previously marked as completed",
            ));
        }
        if pending.remote {
            return Err(MultiplayerError::InvalidState(
                "the remote peer already completed the authentication session",
            ));
        }
        let mut packet = Vec::with_capacity(data.len() + 2);
        SysPacket::Auth(data).emit(&mut packet);
        self.link
            .send_direct(id, TransferMode::Reliable, 0, &packet)
    }

    /// `complete_auth(id)`: this side is done; the peer is admitted once the remote side
    /// is done too.
    pub fn complete_auth(&mut self, id: PeerId) -> Result<(), MultiplayerError> {
        if self.link.status() != ConnectionStatus::Connected {
            return Err(MultiplayerError::NotConnected);
        }
        let pending = self
            .pending
            .get_mut(&id)
            .ok_or(MultiplayerError::UnknownPeer(id))?;
        if pending.local {
            return Err(MultiplayerError::InvalidState(
                "the authentication session was already marked as completed",
            ));
        }
        pending.local = true;
        let remote_done = pending.remote;
        let sent = self
            .link
            .send_direct(id, TransferMode::Reliable, 0, &[Command::Sys as u8, 0]);
        // Admission may send packets, so it comes after the completion notice.
        if remote_done {
            self.pending.remove(&id);
            self.admit_peer(id);
        }
        sent
    }

    /// Handles a packet from a pending peer. Returns true when the packet was consumed.
    pub(crate) fn receive_pending(&mut self, from: PeerId, data: &[u8]) -> bool {
        let Some(pending) = self.pending.get(&from).copied() else {
            return false;
        };
        if pending.local {
            // Our side is done: the first packet from the peer admits it, then is processed.
            self.pending.remove(&from);
            self.admit_peer(from);
            return false;
        }
        if data.len() < 2 || data[0] & crate::wire::CMD_MASK != Command::Sys as u8 || data[1] != 0 {
            self.reject_packet(
                from,
                PacketError::SysRefused {
                    command: "any",
                    reason: "only authentication packets are accepted before admission",
                },
            );
            return true;
        }
        let payload = &data[2..];
        if payload.is_empty() {
            if let Some(p) = self.pending.get_mut(&from) {
                p.remote = true;
            }
        } else if let Some(mut callback) = self.auth_callback.take() {
            callback(self, from, payload);
            if self.auth_callback.is_none() {
                self.auth_callback = Some(callback);
            }
        }
        if self.pending.get(&from).is_some_and(|p| p.local && p.remote) {
            self.pending.remove(&from);
            self.admit_peer(from);
        }
        true
    }

    /// Drops pending peers older than `auth_timeout`.
    pub(crate) fn check_auth_timeouts(&mut self) {
        if self.pending.is_empty() || self.auth_timeout_ms == 0 {
            return;
        }
        let now = (self.clock)();
        let expired: Vec<PeerId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.since_ms.saturating_add(self.auth_timeout_ms) <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            if let Some(peer) = self.link.peer.as_mut() {
                peer.disconnect_peer(*id, false);
            }
        }
        for id in expired {
            self.pending.remove(&id);
            tracing::info!(peer = id, "authentication timed out");
            self.push_event(MultiplayerEvent::PeerAuthenticationFailed(id));
        }
    }
}
