//! `serve --agones`: the server's side of an Agones GameServer, through the official SDK
//! (`agones` crate, cargo feature `agones`) and the SDK sidecar it talks to
//! (`AGONES_SDK_GRPC_PORT`, default 9357).
//!
//! The SDK is async (tonic); the game loop is not. The SDK therefore runs on a single-threaded
//! tokio runtime in a thread of its own ([`link`]), and the loop only queues calls:
//!
//! * once bound: the labels `netscene-transport` and `netscene-version`, the capacity of the
//!   [`PLAYERS_LIST`] list (`--max-clients`), then `Ready`;
//! * every [`HEALTH_INTERVAL`], from the game loop itself: one `Health` ping (a stalled loop
//!   stops pinging, and Agones marks the GameServer Unhealthy);
//! * each admitted or departed player: its peer id added to or removed from the players list
//!   (Agones Lists: declare the list in the GameServer spec, see deploy/agones/);
//! * when the server stops (a drain finished, or the server emptied with
//!   `--agones-shutdown-when-empty`): `Shutdown`.
//!
//! A failed SDK call is logged and the game goes on: the orchestrator's health checks decide.
//! Without the feature, `--agones` is refused with a message saying how to build it.

use std::collections::BTreeSet;
use std::time::Duration;

use netscene::PeerId;

#[cfg(feature = "agones")]
mod link;

/// How often the game loop pings the sidecar (Agones' default health period is 5 s).
#[cfg_attr(not(feature = "agones"), allow(dead_code))]
pub const HEALTH_INTERVAL: Duration = Duration::from_secs(2);
/// The Agones List holding the connected players' peer ids.
#[cfg_attr(not(feature = "agones"), allow(dead_code))]
pub const PLAYERS_LIST: &str = "players";

/// The game loop's link to Agones.
pub struct Agones {
    #[cfg(feature = "agones")]
    link: link::Link,
    players: BTreeSet<PeerId>,
    had_players: bool,
}

impl Agones {
    /// Starts talking to the sidecar (in the background): labels, capacity, then `Ready`.
    /// Call it once the game port is bound.
    #[cfg(feature = "agones")]
    pub fn start(transport: &str, capacity: usize) -> Result<Self, String> {
        Ok(Self {
            link: link::Link::start(transport, capacity)?,
            players: BTreeSet::new(),
            had_players: false,
        })
    }

    /// Without the `agones` feature: refused.
    #[cfg(not(feature = "agones"))]
    pub fn start(_transport: &str, _capacity: usize) -> Result<Self, String> {
        Err(NOT_BUILT.into())
    }

    /// Called every game-loop iteration with the admitted peers: health pings, and the players
    /// list kept equal to `peers`.
    pub fn tick(&mut self, peers: &[PeerId]) {
        #[cfg(feature = "agones")]
        self.link.tick();
        let (joined, left) = player_changes(&self.players, peers);
        for peer in joined {
            #[cfg(feature = "agones")]
            self.link.player_joined(peer);
            self.players.insert(peer);
            self.had_players = true;
        }
        for peer in left {
            #[cfg(feature = "agones")]
            self.link.player_left(peer);
            self.players.remove(&peer);
        }
    }

    /// True once a player came and every player left (the match is over).
    pub fn emptied(&self) -> bool {
        self.had_players && self.players.is_empty()
    }

    /// Asks Agones to shut the GameServer down (bounded wait).
    pub fn shutdown(self) {
        #[cfg(feature = "agones")]
        self.link.shutdown();
    }
}

/// Why `--agones` fails in a build without the feature.
#[cfg(not(feature = "agones"))]
pub const NOT_BUILT: &str = "--agones needs a netscene built with the `agones` cargo feature \
     (cargo install netscene-cli --features agones)";

/// The peers in `now` but not in `known`, and those in `known` but not in `now`.
fn player_changes(known: &BTreeSet<PeerId>, now: &[PeerId]) -> (Vec<PeerId>, Vec<PeerId>) {
    if now.len() == known.len() && now.iter().all(|p| known.contains(p)) {
        return (Vec::new(), Vec::new());
    }
    let joined = now.iter().copied().filter(|p| !known.contains(p)).collect();
    let left = known.iter().copied().filter(|p| !now.contains(p)).collect();
    (joined, left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_changes_are_the_set_differences() {
        let known: BTreeSet<PeerId> = [2, 3].into();
        assert_eq!(player_changes(&known, &[3, 2]), (vec![], vec![]));
        assert_eq!(player_changes(&known, &[3, 7]), (vec![7], vec![2]));
        assert_eq!(player_changes(&known, &[]), (vec![], vec![2, 3]));
    }
}
