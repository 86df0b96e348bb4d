//! The demo's server: its tree (lobby and world), traffic counters and what it narrates.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netscene::peer::simulated::SimulatedNetwork;
use netscene::{MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree};

use super::TOKEN;
use super::bot::Reliable;
use super::report::Story;
use crate::counting::{Traffic, counting_peer};
use crate::lobby;
use crate::token_auth;
use crate::transport::{self, Endpoint, TransportKind};
use crate::world::{self, ServerWorld};

/// How often the server updates the replicated scoreboard.
const SCOREBOARD_INTERVAL: Duration = Duration::from_millis(50);

/// The server: its tree, node ids and traffic counters.
pub(super) struct Server {
    pub(super) tree: SceneTree,
    pub(super) lobby: NodeId,
    pub(super) world: NodeId,
    /// The replicated scoreboard and when the server last updated it.
    pub(super) board: NodeId,
    pub(super) board_updated: Instant,
    /// The avatars' MultiplayerSpawner.
    pub(super) spawner: NodeId,
    pub(super) traffic: Arc<Traffic>,
    pub(super) joined: u64,
    pub(super) left: u64,
    pub(super) refused: u64,
    pub(super) narration: Vec<Story>,
    /// Registered names seen so far, to tell who joined and who left.
    pub(super) known: BTreeMap<PeerId, String>,
}

impl Server {
    pub(super) fn start(
        kind: TransportKind,
        network: Option<&SimulatedNetwork>,
        bots: usize,
    ) -> Result<(Self, Endpoint), String> {
        let (peer, endpoint) = transport::start_server(kind, "127.0.0.1", 0, bots.max(1), network)?;
        let traffic = Arc::new(Traffic::default());
        let mut mp = SceneMultiplayer::new();
        token_auth::require_token(&mut mp, TOKEN.into());
        mp.set_multiplayer_peer(Some(Box::new(counting_peer(peer, traffic.clone()))))
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = lobby::install_server(&mut tree);
        let world = world::install_server(&mut tree);
        let board = world::install_scoreboard(&mut tree);
        let spawner = world::install_avatar_spawner(&mut tree);
        Ok((
            Self {
                tree,
                lobby,
                world,
                board,
                board_updated: Instant::now(),
                spawner,
                traffic,
                joined: 0,
                left: 0,
                refused: 0,
                narration: Vec::new(),
                known: Default::default(),
            },
            endpoint,
        ))
    }

    pub(super) fn poll(&mut self) {
        if let Err(error) = self.tree.poll() {
            tracing::debug!(%error, "server poll");
        }
        for event in self.tree.drain_events("") {
            match event {
                MultiplayerEvent::PeerConnected(peer) => {
                    self.joined += 1;
                    self.spawn_avatar(peer);
                }
                MultiplayerEvent::PeerDisconnected(peer) => {
                    self.left += 1;
                    self.despawn_avatar(peer);
                    let name = self.known.get(&peer).cloned().unwrap_or_default();
                    self.narration.push((
                        "server",
                        format!("server: {name} (peer {peer}) left; players updated"),
                    ));
                    lobby::server_peer_left(&mut self.tree, self.lobby, peer);
                }
                MultiplayerEvent::RpcRejected {
                    from,
                    method,
                    reason,
                    ..
                } => {
                    self.refused += 1;
                    tracing::warn!(peer = from, %method, %reason, "server refused an RPC");
                }
                MultiplayerEvent::PacketRejected { from, error } => {
                    self.refused += 1;
                    tracing::warn!(peer = from, %error, "server dropped a packet");
                }
                _ => {}
            }
        }
    }

    /// Narrates players who registered since the last call.
    pub(super) fn notice_registrations(&mut self) {
        let Some(state) = self
            .tree
            .node(self.lobby)
            .and_then(|node| node.state::<lobby::ServerLobby>())
        else {
            return;
        };
        for (peer, name) in &state.players {
            if !self.known.contains_key(peer) {
                self.known.insert(*peer, name.clone());
                self.narration.push((
                    "server",
                    format!(
                        "server: {name} joined as peer {peer} (token checked, avatar spawned, registered)"
                    ),
                ));
            }
        }
    }

    pub(super) fn peers(&mut self) -> usize {
        self.tree
            .multiplayer("")
            .map_or(0, |mp| mp.get_peers().len())
    }

    /// Reliable messages the server received (`received`) and sent (`sent`), and the
    /// unreliable counts `(inputs handled, avatar updates sent)`.
    /// Spawns the avatar of a peer that joined: every peer gets a SPAWN (a late joiner, the
    /// avatars already there).
    fn spawn_avatar(&mut self, peer: PeerId) {
        match self.tree.spawn_scene(self.spawner, 0, peer.to_string()) {
            Ok(node) => {
                if let Some(state) = self
                    .tree
                    .node_mut(self.world)
                    .and_then(|node| node.state_mut::<ServerWorld>())
                {
                    state.avatar_nodes.insert(peer, node);
                }
            }
            Err(error) => tracing::warn!(peer, %error, "avatar not spawned"),
        }
    }

    /// Removes the avatar of a peer that left: every peer gets a DESPAWN.
    fn despawn_avatar(&mut self, peer: PeerId) {
        let node = self
            .tree
            .node_mut(self.world)
            .and_then(|node| node.state_mut::<ServerWorld>())
            .and_then(|state| state.avatar_nodes.remove(&peer));
        if let Some(node) = node
            && let Err(error) = self.tree.remove_node(node)
        {
            tracing::warn!(peer, %error, "avatar not removed");
        }
    }

    /// Avatar moves handled so far.
    pub(super) fn moves_handled(&self) -> i64 {
        self.tree
            .node(self.world)
            .and_then(|node| node.state::<ServerWorld>())
            .map_or(0, |state| state.inputs_received as i64)
    }

    /// Puts the moves handled on the scoreboard, at most every 50 ms (the synchronizer sends
    /// a reliable delta to every peer each time the value changes).
    pub(super) fn update_scoreboard(&mut self) {
        if self.board_updated.elapsed() < SCOREBOARD_INTERVAL {
            return;
        }
        self.board_updated = Instant::now();
        let moves = self.moves_handled();
        if world::score(&self.tree, self.board) != moves {
            world::set_score(&mut self.tree, self.board, moves);
        }
    }

    pub(super) fn counts(&self) -> (Reliable, Reliable, u64) {
        let counters = lobby::server_counters(&self.tree, self.lobby);
        let received = Reliable {
            register: counters.register_received,
            chat: counters.chat_received,
            ..Reliable::default()
        };
        let sent = Reliable {
            receive_chat: counters.receive_chat_sent,
            update_players: counters.update_players_sent,
            ..Reliable::default()
        };
        let moves_sent = self
            .tree
            .node(self.world)
            .and_then(|node| node.state::<ServerWorld>())
            .map_or(0, |state| state.moves_sent);
        (received, sent, moves_sent)
    }
}
