//! Graceful drain of `serve`: on SIGTERM/SIGINT (or `POST /drain` with `--http-drain`) the
//! server refuses newcomers ([`SceneMultiplayer::begin_drain`], which also tells the game with
//! `DrainStarted`), keeps serving the players it has until they leave or `--drain-timeout`
//! passes, then disconnects them cleanly (ENet disconnect, WebSocket close frame) and exits 0.
//! A second stop signal during the drain ends it at once (still with clean disconnects).

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use netscene::SceneTree;

use crate::health::HealthState;
use crate::metrics::ServerMetrics;

/// How long the goodbyes may take to reach the clients after the last disconnect.
const GOODBYE_GRACE: Duration = Duration::from_secs(2);

/// Why a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrainEnd {
    /// Every player left.
    Empty,
    /// `--drain-timeout` passed with players still connected.
    Timeout,
}

/// The drain of one server run.
pub struct Drain {
    timeout: Duration,
    started: Option<Instant>,
    health: Arc<HealthState>,
    metrics: Arc<ServerMetrics>,
}

impl Drain {
    /// A drain that lasts at most `timeout` once started, shown on `/readyz` and in the
    /// `netscene_draining` metric.
    pub fn new(timeout: Duration, health: Arc<HealthState>, metrics: Arc<ServerMetrics>) -> Self {
        Self {
            timeout,
            started: None,
            health,
            metrics,
        }
    }

    /// True once started.
    pub fn is_draining(&self) -> bool {
        self.started.is_some()
    }

    /// Starts draining (again: nothing). `why` is logged.
    pub fn start(&mut self, tree: &mut SceneTree, why: &str) {
        if self.started.is_some() {
            return;
        }
        self.started = Some(Instant::now());
        self.health.set_draining(true);
        self.metrics.draining.set(1);
        let peers = tree.multiplayer("").map_or(0, |mp| mp.get_peers().len());
        if let Some(mp) = tree.scene_multiplayer("")
            && let Err(error) = mp.begin_drain()
        {
            tracing::warn!(%error, "cannot refuse new connections");
        }
        tracing::info!(
            why,
            peers,
            timeout_s = self.timeout.as_secs_f64(),
            "draining: new connections refused, waiting for players to leave"
        );
    }

    /// `Some` once the drain is over: no player left, or the timeout passed.
    pub fn end(&self, peers: usize) -> Option<DrainEnd> {
        let started = self.started?;
        if peers == 0 {
            Some(DrainEnd::Empty)
        } else if started.elapsed() >= self.timeout {
            Some(DrainEnd::Timeout)
        } else {
            None
        }
    }
}

/// Disconnects every admitted player cleanly, then keeps the transport polled until it has let
/// them all go (their goodbyes sent and, for ENet, acknowledged) or [`GOODBYE_GRACE`] passes.
pub fn disconnect_everyone(tree: &mut SceneTree) {
    let Some(mp) = tree.scene_multiplayer("") else {
        return;
    };
    let gone = mp.disconnect_all_peers();
    if gone.is_empty() {
        return;
    }
    tracing::info!(peers = gone.len(), "disconnecting the remaining players");
    let deadline = Instant::now() + GOODBYE_GRACE;
    while Instant::now() < deadline {
        let Some(peer) = tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer_mut())
        else {
            return;
        };
        peer.poll();
        while peer.pop_event().is_some() {}
        while peer.get_packet().is_some() {}
        if gone.iter().all(|&id| peer.peer_statistics(id).is_none()) {
            return;
        }
        thread::sleep(Duration::from_millis(2));
    }
    tracing::debug!("some goodbyes were not confirmed in time");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_when_empty_or_after_the_timeout() {
        let mut tree = SceneTree::new();
        let health = Arc::new(HealthState::new(Duration::from_secs(1), false));
        let metrics = Arc::new(ServerMetrics::new("enet"));
        let mut drain = Drain::new(Duration::from_millis(50), health.clone(), metrics);
        assert_eq!(drain.end(0), None, "not started");
        drain.start(&mut tree, "test");
        assert!(drain.is_draining());
        assert_eq!(health.readiness(), Err("draining".into()));
        assert_eq!(drain.end(0), Some(DrainEnd::Empty));
        assert_eq!(drain.end(2), None);
        thread::sleep(Duration::from_millis(60));
        assert_eq!(drain.end(2), Some(DrainEnd::Timeout));
    }
}
