//! The SDK side of [`super::Agones`] (feature `agones`): a thread running a single-threaded
//! tokio runtime with the official SDK, fed by the game loop through a channel.

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use netscene::PeerId;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::{HEALTH_INTERVAL, PLAYERS_LIST};

/// How long `Shutdown` may take before the server exits anyway.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// One SDK call the game loop asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Call {
    Health,
    PlayerJoined(PeerId),
    PlayerLeft(PeerId),
    Shutdown,
}

/// The link to the Agones SDK sidecar; owned by the game loop.
pub struct Link {
    calls: UnboundedSender<Call>,
    thread: Option<JoinHandle<()>>,
    last_health: Option<Instant>,
}

impl Link {
    /// Connects to the sidecar (in the background) and, once connected, sets the labels and
    /// the players list's capacity, then marks the GameServer `Ready`. Call it once the game
    /// port is bound.
    pub fn start(transport: &str, capacity: usize) -> Result<Self, String> {
        let (calls, receiver) = unbounded_channel();
        let transport = transport.to_string();
        let thread = thread::Builder::new()
            .name("agones".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                match runtime {
                    Ok(runtime) => runtime.block_on(run(transport, capacity, receiver)),
                    Err(error) => tracing::error!(%error, "agones: cannot start a runtime"),
                }
            })
            .map_err(|e| format!("cannot start the Agones thread: {e}"))?;
        Ok(Self {
            calls,
            thread: Some(thread),
            last_health: None,
        })
    }

    /// Called from every game-loop iteration: a `Health` ping every [`HEALTH_INTERVAL`].
    pub fn tick(&mut self) {
        if self
            .last_health
            .is_none_or(|last| last.elapsed() >= HEALTH_INTERVAL)
        {
            self.last_health = Some(Instant::now());
            let _ = self.calls.send(Call::Health);
        }
    }

    /// A player was admitted (its peer id joins the players list).
    pub fn player_joined(&self, peer: PeerId) {
        let _ = self.calls.send(Call::PlayerJoined(peer));
    }

    /// A player left.
    pub fn player_left(&self, peer: PeerId) {
        let _ = self.calls.send(Call::PlayerLeft(peer));
    }

    /// Asks Agones to shut the GameServer down and waits (bounded) for the calls to finish.
    pub fn shutdown(mut self) {
        let _ = self.calls.send(Call::Shutdown);
        let Some(thread) = self.thread.take() else {
            return;
        };
        let deadline = Instant::now() + SHUTDOWN_WAIT;
        while !thread.is_finished() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::warn!("agones: Shutdown not confirmed in time");
        }
    }
}

/// The SDK side: connect, announce, then serve the loop's calls in order.
async fn run(transport: String, capacity: usize, mut calls: UnboundedReceiver<Call>) {
    let mut sdk = match agones::Sdk::new(None, None).await {
        Ok(sdk) => sdk,
        Err(error) => {
            tracing::error!(%error, "agones: cannot reach the SDK sidecar");
            return;
        }
    };
    for (key, value) in [
        ("netscene-transport", transport.as_str()),
        ("netscene-version", env!("CARGO_PKG_VERSION")),
    ] {
        if let Err(error) = sdk.set_label(key, value).await {
            tracing::warn!(%error, key, "agones: SetLabel failed");
        }
    }
    let mut beta = sdk.beta().clone();
    let capacity = i64::try_from(capacity).unwrap_or(i64::MAX);
    if let Err(error) = beta.set_list_capacity(PLAYERS_LIST, capacity).await {
        tracing::warn!(%error, "agones: cannot set the players list capacity (is it declared?)");
    }
    if let Err(error) = sdk.ready().await {
        tracing::error!(%error, "agones: Ready failed");
    } else {
        tracing::info!("agones: GameServer Ready");
    }
    let health = sdk.health_check();
    while let Some(call) = calls.recv().await {
        match call {
            Call::Health => {
                if health.send(()).await.is_err() {
                    tracing::warn!("agones: the health stream closed");
                }
            }
            Call::PlayerJoined(peer) => {
                if let Err(error) = beta
                    .append_list_value(PLAYERS_LIST, &peer.to_string())
                    .await
                {
                    tracing::warn!(%error, peer, "agones: cannot add the player");
                }
            }
            Call::PlayerLeft(peer) => {
                if let Err(error) = beta
                    .delete_list_value(PLAYERS_LIST, &peer.to_string())
                    .await
                {
                    tracing::warn!(%error, peer, "agones: cannot remove the player");
                }
            }
            Call::Shutdown => {
                match sdk.shutdown().await {
                    Ok(()) => tracing::info!("agones: Shutdown requested"),
                    Err(error) => tracing::error!(%error, "agones: Shutdown failed"),
                }
                return;
            }
        }
    }
}
