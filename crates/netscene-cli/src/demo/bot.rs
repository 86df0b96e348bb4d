//! One demo bot: its own tree (`/root/Lobby`, `/root/World`), what it does each tick, and
//! what it sent and received.

use std::collections::BTreeMap;
use std::time::Duration;

use netscene::{MultiplayerEvent, NodeId, PeerId, SceneMultiplayer, SceneTree, TransferMode};

use super::TOKEN;
use super::report::Story;
use crate::lobby::{self, LobbyEvent};
use crate::token_auth;
use crate::transport::{self, Endpoint};
use crate::world::{self, BotWorld};

/// One bot: its own tree (`/root/Lobby`, `/root/World`) and what it sent and received.
pub(super) struct Bot {
    pub(super) name: String,
    pub(super) tree: SceneTree,
    pub(super) lobby: NodeId,
    pub(super) world: NodeId,
    /// The replicated scoreboard, and the syncs applied to it.
    pub(super) board: NodeId,
    pub(super) syncs_received: u64,
    /// Avatars spawned here by the server.
    pub(super) spawns_received: u64,
    pub(super) id: PeerId,
    pub(super) connected: bool,
    pub(super) lost: bool,
    pub(super) players: Vec<PeerId>,
    pub(super) names: BTreeMap<PeerId, String>,
    /// What this bot saw, for the narration (only the first bot narrates).
    pub(super) narration: Option<Vec<Story>>,
    pub(super) rng: u64,
    pub(super) ticks: u64,
    pub(super) sent: Reliable,
    pub(super) received: Reliable,
    pub(super) inputs_sent: u64,
}

/// Reliable messages by kind.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Reliable {
    pub(super) register: u64,
    pub(super) chat: u64,
    pub(super) receive_chat: u64,
    pub(super) update_players: u64,
    pub(super) whisper: u64,
    pub(super) raw: u64,
}

impl Reliable {
    pub(super) fn total(&self) -> u64 {
        self.register
            + self.chat
            + self.receive_chat
            + self.update_players
            + self.whisper
            + self.raw
    }

    pub(super) fn add(&mut self, other: &Reliable) {
        self.register += other.register;
        self.chat += other.chat;
        self.receive_chat += other.receive_chat;
        self.update_players += other.update_players;
        self.whisper += other.whisper;
        self.raw += other.raw;
    }
}

impl Bot {
    pub(super) fn new(index: usize, endpoint: &Endpoint) -> Result<Self, String> {
        let peer = transport::start_client(endpoint)?;
        let mut mp = SceneMultiplayer::new();
        token_auth::expect_server_auth(&mut mp);
        mp.set_multiplayer_peer(Some(peer))
            .map_err(|e| format!("bot {index}: {e}"))?;
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = lobby::install_client(&mut tree);
        let world = world::install_bot(&mut tree);
        let board = world::install_scoreboard(&mut tree);
        world::install_avatar_spawner(&mut tree);
        Ok(Self {
            name: format!("bot-{}", index + 1),
            tree,
            lobby,
            world,
            board,
            syncs_received: 0,
            spawns_received: 0,
            id: 0,
            connected: false,
            lost: false,
            players: Vec::new(),
            names: Default::default(),
            narration: (index == 0).then(Vec::new),
            rng: 0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d),
            ticks: index as u64 * 7,
            sent: Reliable::default(),
            received: Reliable::default(),
            inputs_sent: 0,
        })
    }

    pub(super) fn random(&mut self) -> u64 {
        // xorshift64: enough to vary the bots' behaviour.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }

    /// Polls the bot's network and takes in what arrived.
    pub(super) fn poll(&mut self) {
        if let Err(error) = self.tree.poll() {
            tracing::debug!(bot = %self.name, %error, "poll");
        }
        for event in self.tree.drain_events("") {
            if let Some(mp) = self.tree.scene_multiplayer("")
                && token_auth::answer_server(mp, &event, TOKEN)
            {
                continue;
            }
            match event {
                MultiplayerEvent::ConnectedToServer => {
                    self.connected = true;
                    self.id = self.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id());
                    let name = self.name.clone();
                    if self
                        .tree
                        .rpc_id(self.lobby, 1, "register", &[name.into()])
                        .is_ok()
                    {
                        self.sent.register += 1;
                    }
                }
                MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                    self.lost = true;
                }
                MultiplayerEvent::PeerPacket { from, data } => {
                    self.received.raw += 1;
                    let line = format!(
                        "{} got a raw packet from {} (relayed by the server): {:?}",
                        self.name,
                        self.name_of(from),
                        String::from_utf8_lossy(&data)
                    );
                    self.narrate("raw", line);
                }
                MultiplayerEvent::Synchronized { .. }
                | MultiplayerEvent::DeltaSynchronized { .. } => self.syncs_received += 1,
                MultiplayerEvent::Spawned { .. } => self.spawns_received += 1,
                MultiplayerEvent::ReplicationRejected { from, error } => {
                    tracing::warn!(bot = %self.name, from, %error, "replication refused");
                }
                MultiplayerEvent::RpcRejected { method, reason, .. } => {
                    tracing::warn!(bot = %self.name, %method, %reason, "RPC refused");
                }
                _ => {}
            }
        }
        let whispers = self
            .tree
            .node_mut(self.world)
            .and_then(|node| node.state_mut::<BotWorld>())
            .map(|state| std::mem::take(&mut state.whispers))
            .unwrap_or_default();
        for (from, text) in whispers {
            let line = format!(
                "{} got a whisper from {} (RPC relayed by the server): {text:?}",
                self.name,
                self.name_of(from)
            );
            self.narrate("whisper", line);
        }
        for event in lobby::take_client_events(&mut self.tree, self.lobby) {
            match event {
                LobbyEvent::Chat { from, text } => {
                    self.received.receive_chat += 1;
                    let line = format!("[chat] {}: {text}", self.name_of(from));
                    self.narrate("chat", line);
                }
                LobbyEvent::Players(players) => {
                    self.received.update_players += 1;
                    self.players = players.keys().copied().collect();
                    self.names = players;
                }
            }
        }
    }

    pub(super) fn name_of(&self, peer: PeerId) -> String {
        self.names
            .get(&peer)
            .cloned()
            .unwrap_or_else(|| format!("peer {peer}"))
    }

    pub(super) fn narrate(&mut self, kind: &'static str, line: String) {
        if let Some(narration) = &mut self.narration {
            narration.push((kind, line));
        }
    }

    /// One game tick: move; now and then chat, whisper and send raw bytes to another bot.
    pub(super) fn act(&mut self) {
        if !self.connected || self.lost {
            return;
        }
        self.ticks += 1;
        let dx = (self.random() % 3) as f32 - 1.0;
        let dy = (self.random() % 3) as f32 - 1.0;
        let input = [dx.into(), dy.into(), world::now_us().into()];
        if self.tree.rpc_id(self.world, 1, "input", &input).is_ok() {
            self.inputs_sent += 1;
        }
        // About once a second each: chat to everyone, whisper and raw bytes to one bot.
        match self.ticks % 20 {
            0 => {
                let line = format!("hello from {} (tick {})", self.name, self.ticks);
                if self
                    .tree
                    .rpc_id(self.lobby, 1, "chat", &[line.into()])
                    .is_ok()
                {
                    self.sent.chat += 1;
                }
            }
            10 => {
                let Some(other) = self.pick_other() else {
                    return;
                };
                let text = format!("psst from {}", self.name);
                if self
                    .tree
                    .rpc_id(self.world, other, "whisper", &[text.as_str().into()])
                    .is_ok()
                {
                    self.sent.whisper += 1;
                }
                let bytes = format!("raw bytes from {}", self.name);
                let Some(mp) = self.tree.scene_multiplayer("") else {
                    return;
                };
                if mp
                    .send_bytes(bytes.as_bytes(), other, TransferMode::Reliable, 0)
                    .is_ok()
                {
                    self.sent.raw += 1;
                }
            }
            _ => {}
        }
    }

    /// Another registered bot this one can reach through the relay.
    pub(super) fn pick_other(&mut self) -> Option<PeerId> {
        let reachable = self.tree.multiplayer("").map(|mp| mp.get_peers())?;
        let candidates: Vec<PeerId> = self
            .players
            .iter()
            .copied()
            .filter(|&p| p != self.id && reachable.contains(&p))
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let pick = self.random() as usize % candidates.len();
        Some(candidates[pick])
    }

    pub(super) fn take_round_trips(&mut self) -> Vec<Duration> {
        self.tree
            .node_mut(self.world)
            .and_then(|node| node.state_mut::<BotWorld>())
            .map(|state| std::mem::take(&mut state.round_trips))
            .unwrap_or_default()
    }

    pub(super) fn world_counts(&self) -> (u64, u64) {
        self.tree
            .node(self.world)
            .and_then(|node| node.state::<BotWorld>())
            .map_or((0, 0), |state| {
                (state.moves_received, state.whispers_received)
            })
    }

    pub(super) fn leave(&mut self) {
        if let Some(peer) = self
            .tree
            .multiplayer("")
            .and_then(|mp| mp.get_multiplayer_peer_mut())
        {
            peer.close();
        }
    }
}
