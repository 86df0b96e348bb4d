//! Graceful drain (not in Godot): a server about to stop refuses newcomers, tells the game
//! with [`MultiplayerEvent::DrainStarted`], lets the match go on for the peers it has, and at
//! the end disconnects them cleanly so every client sees a proper disconnection rather than a
//! timeout.
//!
//! ```
//! use netscene::{MultiplayerApi, MultiplayerEvent, SceneMultiplayer};
//! let mut mp = SceneMultiplayer::new();
//! assert!(!mp.is_draining());
//! mp.begin_drain().unwrap();
//! mp.begin_drain().unwrap(); // idempotent: one event per drain
//! assert!(mp.is_draining());
//! assert!(mp.is_refusing_new_connections());
//! assert_eq!(mp.pop_event(), Some(MultiplayerEvent::DrainStarted));
//! assert_eq!(mp.pop_event(), None);
//! ```

use super::SceneMultiplayer;
use crate::api::MultiplayerEvent;
use crate::error::MultiplayerError;
use crate::peer::PeerId;

impl SceneMultiplayer {
    /// Starts draining: the transport refuses new connections, peers still authenticating are
    /// disconnected (they were not admitted yet), and [`MultiplayerEvent::DrainStarted`] is
    /// queued for the game. Admitted peers are untouched. Calling it again does nothing.
    ///
    /// Fails with [`MultiplayerError::NoPeer`] without a transport.
    pub fn begin_drain(&mut self) -> Result<(), MultiplayerError> {
        if self.draining {
            return Ok(());
        }
        self.set_refuse_new_connections(true)?;
        let pending: Vec<PeerId> = self.get_authenticating_peers();
        for id in pending {
            // The transport may already have dropped it; nothing more to do then.
            let _ = self.disconnect_peer(id);
        }
        self.draining = true;
        self.push_event(MultiplayerEvent::DrainStarted);
        Ok(())
    }

    /// True after [`begin_drain`](Self::begin_drain), until
    /// [`cancel_drain`](Self::cancel_drain).
    pub fn is_draining(&self) -> bool {
        self.draining
    }

    /// Stops draining: new connections are accepted again.
    pub fn cancel_drain(&mut self) -> Result<(), MultiplayerError> {
        if self.draining {
            self.set_refuse_new_connections(false)?;
            self.draining = false;
        }
        Ok(())
    }

    /// Disconnects every admitted peer cleanly (ENet's disconnect, WebSocket's close frame)
    /// and returns their ids; no `PeerDisconnected` is raised for them here, as with
    /// [`disconnect_peer`](Self::disconnect_peer). Keep polling the transport a little so the
    /// goodbyes go out; [`MultiplayerPeer::peer_statistics`] returning `None` for an id tells
    /// that the transport has let it go.
    ///
    /// [`MultiplayerPeer::peer_statistics`]: crate::peer::MultiplayerPeer::peer_statistics
    pub fn disconnect_all_peers(&mut self) -> Vec<PeerId> {
        let peers = self.get_peers();
        for &id in &peers {
            let _ = self.disconnect_peer(id);
        }
        peers
    }
}
