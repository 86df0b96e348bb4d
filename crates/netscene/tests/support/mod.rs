//! Shared test support: one tree with a server branch and client branches over a
//! SimulatedNetwork, and a peer wrapper that records every packet sent.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::peer::{MultiplayerPeer, PacketSettings, PacketTap, TappedPeer};
use netscene::{MultiplayerEvent, PeerId, SceneMultiplayer, SceneTree, TransferMode};

/// One packet as handed to `put_packet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub to: PeerId,
    pub mode: TransferMode,
    pub channel: i32,
    pub data: Vec<u8>,
}

/// Records every packet the transport accepted (a [`PacketTap`]).
pub struct SendLog(pub Arc<Mutex<Vec<Sent>>>);

impl PacketTap for SendLog {
    fn on_send(&mut self, settings: &PacketSettings, data: &[u8]) {
        self.0.lock().unwrap().push(Sent {
            to: settings.target_peer,
            mode: settings.transfer_mode,
            channel: settings.transfer_channel,
            data: data.to_vec(),
        });
    }
}

/// `inner`, recording what it sends into `log`.
pub fn recording_peer(
    inner: impl MultiplayerPeer,
    log: Arc<Mutex<Vec<Sent>>>,
) -> TappedPeer<SendLog> {
    TappedPeer::new(Box::new(inner), SendLog(log))
}

/// A tree with `/root/server` (peer 1) and `/root/client1..N`, each branch with its own
/// SceneMultiplayer over one SimulatedNetwork. Every peer records what it sends.
pub struct World {
    pub net: SimulatedNetwork,
    pub tree: SceneTree,
    /// Branch path and peer id of each client, in creation order.
    pub clients: Vec<(String, PeerId)>,
    /// Sent-packet logs: index 0 = server, then the clients.
    pub logs: Vec<Arc<Mutex<Vec<Sent>>>>,
}

pub const SERVER: &str = "/root/server";

impl World {
    /// Server and `n` clients, not yet connected.
    pub fn new(n: usize) -> Self {
        Self::with_setup(n, |_| {})
    }

    /// Like `new`, with `setup` applied to every SceneMultiplayer before its peer is set.
    pub fn with_setup(n: usize, setup: impl Fn(&mut SceneMultiplayer)) -> Self {
        let net = SimulatedNetwork::new(42);
        let mut tree = SceneTree::new();
        let mut logs = Vec::new();
        let server_peer = net.create_server().expect("server");
        let log = Arc::new(Mutex::new(Vec::new()));
        logs.push(log.clone());
        let mut mp = SceneMultiplayer::new();
        setup(&mut mp);
        mp.set_multiplayer_peer(Some(Box::new(recording_peer(server_peer, log))))
            .unwrap();
        tree.set_multiplayer(Box::new(mp), SERVER).unwrap();
        tree.add_path(SERVER).unwrap();
        let mut clients = Vec::new();
        for i in 1..=n {
            let peer = net.create_client();
            let id = peer.get_unique_id();
            let path = format!("/root/client{i}");
            let log = Arc::new(Mutex::new(Vec::new()));
            logs.push(log.clone());
            let mut mp = SceneMultiplayer::new();
            setup(&mut mp);
            mp.set_multiplayer_peer(Some(Box::new(recording_peer(peer, log))))
                .unwrap();
            tree.set_multiplayer(Box::new(mp), &path).unwrap();
            tree.add_path(&path).unwrap();
            clients.push((path, id));
        }
        Self {
            net,
            tree,
            clients,
            logs,
        }
    }

    /// Server and `n` clients, connected, with their connection events drained.
    pub fn connected(n: usize) -> Self {
        let mut w = Self::new(n);
        w.pump();
        w.drain_all();
        w
    }

    /// Moves time and polls until the network is quiet (bounded).
    pub fn pump(&mut self) {
        for _ in 0..20 {
            self.tree.poll().unwrap();
            self.net.advance(Duration::from_millis(5));
            self.tree.poll().unwrap();
            if self.net.settle(Duration::from_millis(50)) {
                self.tree.poll().unwrap();
                self.tree.poll().unwrap();
                if self.net.settle(Duration::from_millis(50)) {
                    self.tree.poll().unwrap();
                    return;
                }
            }
        }
    }

    pub fn client_id(&self, i: usize) -> PeerId {
        self.clients[i].1
    }

    pub fn client_path(&self, i: usize) -> &str {
        &self.clients[i].0
    }

    /// Events of the branch at `path`.
    pub fn events(&mut self, path: &str) -> Vec<MultiplayerEvent> {
        self.tree.drain_events(path)
    }

    pub fn drain_all(&mut self) {
        self.events(SERVER);
        for i in 0..self.clients.len() {
            let p = self.clients[i].0.clone();
            self.events(&p);
        }
        for log in &self.logs {
            log.lock().unwrap().clear();
        }
    }

    /// Packets branch `index` sent (0 = server), cleared.
    pub fn take_sent(&self, index: usize) -> Vec<Sent> {
        std::mem::take(&mut *self.logs[index].lock().unwrap())
    }

    /// Adds `/<branch>/<rel>` to every branch and returns the node ids (server first).
    pub fn add_everywhere(&mut self, rel: &str) -> Vec<netscene::NodeId> {
        let mut out = vec![self.tree.add_path(&format!("{SERVER}/{rel}")).unwrap()];
        for i in 0..self.clients.len() {
            let p = format!("{}/{rel}", self.clients[i].0);
            out.push(self.tree.add_path(&p).unwrap());
        }
        out
    }
}
