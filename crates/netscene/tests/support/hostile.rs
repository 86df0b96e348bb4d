//! The hostile-peer arena: one tree with a server branch, two honest client branches on
//! impaired links, and an attacker that is a bare [`SimulatedPeer`] (not installed in any
//! SceneMultiplayer), so every byte it sends is chosen by the test.
//!
//! The honest peers run concurrent RPC streams (sequence numbers) during the attacks:
//! client → server (`tick`), server → every peer (`tock`, authority only) and client →
//! client through the server relay (`chat`). Handlers record `(method, receiver, sender)` →
//! the sequence numbers in arrival order, so [`Arena::assert_streams_intact`] proves that
//! nothing the honest peers sent was lost, duplicated, reordered or attributed to someone else.
//!
//! Include with `#[path = "support/hostile.rs"] mod hostile;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::simulated::{LinkConditions, SimulatedNetwork, SimulatedPeer};
use netscene::{
    FromRpcArgs, MultiplayerEvent, MultiplayerPeer, NodeId, Packet, PeerEvent, PeerId, RpcConfig,
    SceneMultiplayer, SceneTree, TransferMode, handler,
};

pub const SERVER: &str = "/root/server";
pub const HONEST: [&str; 2] = ["/root/honest1", "/root/honest2"];
/// Branch paths, index 0 = server, 1..=2 = honest clients (the index used by `events`).
pub const BRANCHES: [&str; 3] = [SERVER, HONEST[0], HONEST[1]];
/// The credentials the server's auth callback accepts.
pub const PASSWORD: &[u8] = b"letmein";
/// Wrong credentials a peer may send; the last one gets it disconnected.
pub const MAX_GUESSES: usize = 3;
/// What the server answers to wrong credentials (it lets the peer retry).
pub const DENIED: &[u8] = b"denied";
/// The RPC checksum of `Game` (MD5 of its method names in id order), as a peer must announce it.
pub const GAME_METHODS: [&str; 6] = ["admin", "chat", "obj", "secret", "tick", "tock"];

/// `(method, receiver, sender)` → the values received, in arrival order.
pub type Calls = BTreeMap<CallKey, Vec<i64>>;
/// `(method, receiver, sender)`.
pub type CallKey = (&'static str, PeerId, PeerId);
/// Credentials the server refused, with the sender.
pub type RefusedAuth = Arc<Mutex<Vec<(PeerId, Vec<u8>)>>>;

pub struct Arena {
    pub net: SimulatedNetwork,
    pub tree: SceneTree,
    /// The admitted malicious client (raw peer).
    pub attacker: SimulatedPeer,
    pub attacker_id: PeerId,
    pub honest: [PeerId; 2],
    /// `Game` nodes: server, honest1, honest2.
    pub game: [NodeId; 3],
    pub calls: Arc<Mutex<Calls>>,
    /// Credentials the server's auth callback refused, with the sender.
    pub refused_auth: RefusedAuth,
    /// Packets the attacker received.
    pub inbox: Vec<Packet>,
    /// Events of each branch (see [`BRANCHES`]), accumulated by [`Arena::step`].
    pub events: [Vec<MultiplayerEvent>; 3],
    /// Sequence numbers sent so far on each honest stream.
    pub sent: i64,
}

/// Bytes of one i64 RPC argument list: argc 1, compressed INT in its 8-byte form (spec A.7).
pub fn i64_args(value: i64) -> Vec<u8> {
    let mut out = vec![0x01, 0xC2];
    out.extend_from_slice(&value.to_le_bytes());
    out
}

/// A REMOTE_CALL naming its node by path (u32 node field `0x80000000 | offset`, spec C.4).
pub fn call_by_path(path: &str, method_id: u16, args: &[u8]) -> Vec<u8> {
    let wide_method = method_id > 0xFF;
    let mut meta = 0x20; // node id width code 2: u32
    if wide_method {
        meta |= 0x40;
    }
    if args.is_empty() {
        meta |= 0x80;
    }
    let header_len = 1 + 4 + if wide_method { 2 } else { 1 };
    let offset = (header_len + args.len()) as u32 | 0x8000_0000;
    let mut out = vec![meta];
    out.extend_from_slice(&offset.to_le_bytes());
    if wide_method {
        out.extend_from_slice(&method_id.to_le_bytes());
    } else {
        out.push(method_id as u8);
    }
    out.extend_from_slice(args);
    out.extend_from_slice(path.as_bytes());
    out.push(0);
    out
}

/// A REMOTE_CALL naming its node by a cache id (u32 form, spec C.4).
pub fn call_by_id(cache_id: u32, method_id: u8, args: &[u8]) -> Vec<u8> {
    let mut out = vec![if args.is_empty() { 0xA0 } else { 0x20 }];
    out.extend_from_slice(&cache_id.to_le_bytes());
    out.push(method_id);
    out.extend_from_slice(args);
    out
}

/// SIMPLIFY_PATH (spec C.2): checksum, NUL, u32 cache id, path, NUL.
pub fn simplify(checksum: &[u8; 32], cache_id: u32, path: &str) -> Vec<u8> {
    let mut out = vec![0x01];
    out.extend_from_slice(checksum);
    out.push(0);
    out.extend_from_slice(&cache_id.to_le_bytes());
    out.extend_from_slice(path.as_bytes());
    out.push(0);
    out
}

/// SYS RELAY (spec B.4): `07 03` + i32 peer + embedded packet.
pub fn relay(peer: PeerId, packet: &[u8]) -> Vec<u8> {
    let mut out = vec![0x07, 0x03];
    out.extend_from_slice(&peer.to_le_bytes());
    out.extend_from_slice(packet);
    out
}

/// SYS AUTH (spec B.5): `07 00` + payload (empty = "completed").
pub fn auth(payload: &[u8]) -> Vec<u8> {
    [&[0x07, 0x00][..], payload].concat()
}

fn record(calls: &Arc<Mutex<Calls>>, method: &'static str) -> netscene::RpcHandler {
    let calls = calls.clone();
    handler(move |ctx, args| {
        // `obj` takes anything (it counts its arguments); the others take one int.
        let value = if method == "obj" {
            args.len() as i64
        } else {
            <(i64,)>::from_rpc_args(args)?.0
        };
        calls
            .lock()
            .unwrap()
            .entry((method, ctx.unique_id(), ctx.remote_sender_id()))
            .or_default()
            .push(value);
        Ok(())
    })
}

fn reliable(config: RpcConfig) -> RpcConfig {
    config.transfer_mode(TransferMode::Reliable)
}

/// Adds `<branch>/Game` with the six recorded methods.
fn add_game(tree: &mut SceneTree, branch: &str, calls: &Arc<Mutex<Calls>>) -> NodeId {
    let game = tree.add_path(&format!("{branch}/Game")).unwrap();
    let methods: [(&'static str, RpcConfig); 6] = [
        ("admin", RpcConfig::authority()),
        ("chat", RpcConfig::any_peer()),
        ("obj", RpcConfig::any_peer()),
        ("secret", RpcConfig::disabled()),
        ("tick", RpcConfig::any_peer()),
        ("tock", RpcConfig::authority()),
    ];
    for (name, config) in methods {
        tree.on_rpc_dynamic(game, name, reliable(config), record(calls, name))
            .unwrap();
    }
    game
}

impl Arena {
    /// The arena with the attacker connected and authenticated; honest links lossy and slow.
    pub fn new(seed: u64) -> Self {
        let net = SimulatedNetwork::new(seed);
        let mut tree = SceneTree::new();
        let calls = Arc::new(Mutex::new(Calls::new()));
        let refused_auth: RefusedAuth = Arc::new(Mutex::new(Vec::new()));

        let mut server = SceneMultiplayer::new();
        let clock_net = net.clone();
        server.set_clock(Box::new(move || clock_net.now().as_millis() as u64));
        let refused = refused_auth.clone();
        server.set_auth_callback(Some(Box::new(
            move |mp: &mut SceneMultiplayer, peer, data: &[u8]| {
                if data == PASSWORD {
                    mp.complete_auth(peer).unwrap();
                } else {
                    let strikes = {
                        let mut refused = refused.lock().unwrap();
                        refused.push((peer, data.to_vec()));
                        refused.iter().filter(|(p, _)| *p == peer).count()
                    };
                    if strikes >= MAX_GUESSES {
                        mp.disconnect_peer(peer).unwrap();
                    } else {
                        // Fails once the peer sent "completed" (`07 00`): no answer then.
                        let _ = mp.send_auth(peer, DENIED);
                    }
                }
            },
        )));
        server
            .set_multiplayer_peer(Some(Box::new(net.create_server().unwrap())))
            .unwrap();
        tree.set_multiplayer(Box::new(server), SERVER).unwrap();
        tree.add_path(SERVER).unwrap();
        let server_game = add_game(&mut tree, SERVER, &calls);

        let links = [
            LinkConditions::default()
                .with_latency(Duration::from_millis(15))
                .with_jitter(Duration::from_millis(10))
                .with_loss(0.1),
            LinkConditions::default()
                .with_latency(Duration::from_millis(25))
                .with_duplicate(0.05)
                .with_loss(0.05),
        ];
        let mut honest = [0; 2];
        let mut games = [server_game; 3];
        for (i, branch) in HONEST.iter().enumerate() {
            let peer = net.create_client();
            honest[i] = peer.get_unique_id();
            net.set_link(honest[i], links[i]).unwrap();
            let mut mp = SceneMultiplayer::new();
            // The server sends no credentials to honest clients; they authenticate themselves.
            mp.set_auth_callback(Some(Box::new(|_: &mut SceneMultiplayer, _, _: &[u8]| {})));
            mp.set_multiplayer_peer(Some(Box::new(peer))).unwrap();
            tree.set_multiplayer(Box::new(mp), branch).unwrap();
            tree.add_path(branch).unwrap();
            games[i + 1] = add_game(&mut tree, branch, &calls);
        }

        let attacker = net.create_client();
        let attacker_id = attacker.get_unique_id();
        let mut arena = Self {
            net,
            tree,
            attacker,
            attacker_id,
            honest,
            game: games,
            calls,
            refused_auth,
            inbox: Vec::new(),
            events: Default::default(),
            sent: 0,
        };
        arena.connect_honest();
        arena.admit_attacker();
        arena.clear_observations();
        arena
    }

    /// Polls the tree and the attacker, accumulating events and the attacker's inbox.
    pub fn poll(&mut self) {
        self.tree.poll().unwrap();
        for (i, branch) in BRANCHES.iter().enumerate() {
            let drained = self.tree.drain_events(branch);
            self.events[i].extend(drained);
        }
        self.attacker.poll();
        while self.attacker.pop_event().is_some() {}
        while let Some(p) = self.attacker.get_packet() {
            self.inbox.push(p);
        }
    }

    /// Moves virtual time by `ms` and polls.
    pub fn step(&mut self, ms: u64) {
        self.net.advance(Duration::from_millis(ms));
        self.poll();
    }

    fn connect_honest(&mut self) {
        let mut started = [false; 2];
        for _ in 0..2000 {
            self.step(5);
            for (i, branch) in HONEST.iter().enumerate() {
                let mp = self.tree.scene_multiplayer(branch).unwrap();
                if !started[i] && mp.get_authenticating_peers() == [1] {
                    mp.send_auth(1, PASSWORD).unwrap();
                    mp.complete_auth(1).unwrap();
                    started[i] = true;
                }
            }
            if self.honest_see_everyone() {
                return;
            }
        }
        panic!("honest clients did not connect: {:?}", self.events);
    }

    fn honest_see_everyone(&mut self) -> bool {
        let [h1, h2] = self.honest;
        let mut server_peers = self.tree.multiplayer(SERVER).unwrap().get_peers();
        server_peers.sort_unstable();
        let mut expected = vec![h1, h2];
        expected.sort_unstable();
        server_peers == expected
            && self
                .tree
                .multiplayer(HONEST[0])
                .unwrap()
                .get_peers()
                .contains(&h2)
            && self
                .tree
                .multiplayer(HONEST[1])
                .unwrap()
                .get_peers()
                .contains(&h1)
    }

    /// Connects and authenticates a raw client (`07 00 PASSWORD`, then `07 00`).
    fn admit_attacker(&mut self) {
        for _ in 0..200 {
            self.step(5);
            if self.attacker.get_connection_status() == netscene::ConnectionStatus::Connected {
                break;
            }
        }
        self.attacker_send(&auth(PASSWORD));
        self.attacker_send(&auth(b""));
        for _ in 0..200 {
            self.step(5);
            let id = self.attacker_id;
            if self.server_peers().contains(&id)
                && self
                    .tree
                    .multiplayer(HONEST[0])
                    .unwrap()
                    .get_peers()
                    .contains(&id)
                && self
                    .tree
                    .multiplayer(HONEST[1])
                    .unwrap()
                    .get_peers()
                    .contains(&id)
            {
                return;
            }
        }
        panic!("attacker not admitted: {:?}", self.events);
    }

    /// A new raw client, connected at the transport level but not authenticated.
    pub fn intruder(&mut self) -> SimulatedPeer {
        let mut peer = self.net.create_client();
        for _ in 0..200 {
            self.step(5);
            peer.poll();
            if peer.get_connection_status() == netscene::ConnectionStatus::Connected {
                while peer.pop_event().is_some() {}
                return peer;
            }
        }
        panic!("intruder did not connect");
    }

    /// The attacker sends `bytes` to the server (reliable, channel 0).
    pub fn attacker_send(&mut self, bytes: &[u8]) {
        self.attacker
            .send(1, TransferMode::Reliable, 0, bytes)
            .unwrap();
    }

    /// One message on each honest stream (sequence number `self.sent`).
    pub fn honest_round(&mut self) {
        let seq = self.sent;
        self.sent += 1;
        let [server, h1, h2] = self.game;
        let args = netscene::args![seq];
        self.tree.rpc_id(h1, 1, "tick", &args).unwrap();
        self.tree.rpc_id(h2, 1, "tick", &args).unwrap();
        self.tree.rpc_id(server, 0, "tock", &args).unwrap();
        self.tree.rpc_id(h1, self.honest[1], "chat", &args).unwrap();
    }

    /// The honest streams: (method, receiver, sender).
    pub fn streams(&self) -> [CallKey; 5] {
        let [h1, h2] = self.honest;
        [
            ("tick", 1, h1),
            ("tick", 1, h2),
            ("tock", h1, 1),
            ("tock", h2, 1),
            ("chat", h2, h1),
        ]
    }

    fn streams_complete(&self) -> bool {
        let calls = self.calls.lock().unwrap();
        self.streams()
            .iter()
            .all(|k| calls.get(k).map_or(0, Vec::len) as i64 >= self.sent)
    }

    /// Runs `rounds` honest rounds, calling `attack(arena, round)` between them.
    pub fn run(&mut self, rounds: usize, mut attack: impl FnMut(&mut Self, usize)) {
        for round in 0..rounds {
            self.honest_round();
            attack(self, round);
            self.step(7);
        }
    }

    /// Lets the network drain (bounded), then checks every honest stream holds exactly
    /// `0..sent` in order and that no privileged handler ever ran for anyone but the server.
    pub fn assert_streams_intact(&mut self) {
        for _ in 0..4000 {
            if self.streams_complete() {
                break;
            }
            self.step(10);
        }
        // A little longer: late duplicates would show up now.
        for _ in 0..20 {
            self.step(10);
        }
        let expected: Vec<i64> = (0..self.sent).collect();
        let calls = self.calls.lock().unwrap();
        for key in self.streams() {
            assert_eq!(
                calls.get(&key).cloned().unwrap_or_default(),
                expected,
                "honest stream {key:?}"
            );
        }
        for ((method, receiver, sender), values) in calls.iter() {
            let allowed = match *method {
                "admin" | "secret" => false,
                "tock" => *sender == 1,
                _ => true,
            };
            assert!(
                allowed,
                "{method} ran on {receiver} for sender {sender}: {values:?}"
            );
        }
    }

    /// Calls recorded for `(method, receiver, sender)`.
    pub fn calls_of(&self, method: &'static str, receiver: PeerId, sender: PeerId) -> Vec<i64> {
        self.calls
            .lock()
            .unwrap()
            .get(&(method, receiver, sender))
            .cloned()
            .unwrap_or_default()
    }

    pub fn server_peers(&mut self) -> Vec<PeerId> {
        let mut peers = self.tree.multiplayer(SERVER).unwrap().get_peers();
        peers.sort_unstable();
        peers
    }

    /// Peers admitted, authorities and the server branch's nodes are what the setup made.
    pub fn assert_server_intact(&mut self, attacker_admitted: bool) {
        let mut expected = vec![self.honest[0], self.honest[1]];
        if attacker_admitted {
            expected.push(self.attacker_id);
        }
        expected.sort_unstable();
        assert_eq!(self.server_peers(), expected, "server's admitted peers");
        for game in self.game {
            assert_eq!(self.tree.get_multiplayer_authority(game), 1);
        }
        let server_root = self.tree.get_node(SERVER).unwrap();
        let children = self.tree.node(server_root).unwrap().children().to_vec();
        assert_eq!(
            children,
            vec![self.game[0]],
            "no node created under the server"
        );
        assert!(self.tree.node(self.game[0]).unwrap().children().is_empty());
        for (i, branch) in HONEST.iter().enumerate() {
            let peers = self.tree.multiplayer(branch).unwrap().get_peers();
            assert!(peers.contains(&1), "honest{} lost the server", i + 1);
            assert!(
                peers.contains(&self.honest[1 - i]),
                "honest{} lost the other client",
                i + 1
            );
        }
        for (i, events) in self.events.iter().enumerate() {
            for e in events {
                assert!(
                    !matches!(
                        e,
                        MultiplayerEvent::ServerDisconnected | MultiplayerEvent::ConnectionFailed
                    ) && !matches!(e, MultiplayerEvent::PeerDisconnected(p) if self.honest.contains(p) || *p == 1),
                    "branch {}: {e:?}",
                    BRANCHES[i]
                );
            }
        }
    }

    /// Rejections (packet or RPC) branch `index` reported about `from`, drained.
    pub fn take_rejections(&mut self, index: usize, from: PeerId) -> Vec<MultiplayerEvent> {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.events[index])
            .into_iter()
            .partition(|e| match e {
                MultiplayerEvent::PacketRejected { from: f, .. }
                | MultiplayerEvent::RpcRejected { from: f, .. } => *f == from,
                _ => false,
            });
        self.events[index] = rest;
        mine
    }

    /// Forgets recorded events, inbox and refused credentials (not the calls).
    pub fn clear_observations(&mut self) {
        for e in &mut self.events {
            e.clear();
        }
        self.inbox.clear();
        self.refused_auth.lock().unwrap().clear();
    }

    /// `Game`'s method id for `name` (same on every branch).
    pub fn method_id(&self, name: &str) -> u16 {
        self.tree
            .node(self.game[0])
            .unwrap()
            .rpc_method_id(name)
            .unwrap()
    }

    /// `Game`'s RPC checksum as 32 hex bytes.
    pub fn game_checksum(&self) -> [u8; 32] {
        netscene::wire::rpc_checksum(GAME_METHODS)
    }

    /// True when the attacker's raw peer saw the server drop it.
    pub fn peer_is_disconnected(peer: &mut SimulatedPeer) -> bool {
        peer.poll();
        while let Some(e) = peer.pop_event() {
            if e == PeerEvent::PeerDisconnected(1) {
                return true;
            }
        }
        peer.get_connection_status() == netscene::ConnectionStatus::Disconnected
    }
}
