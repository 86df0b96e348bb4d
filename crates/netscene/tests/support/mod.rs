//! Shared test support: one tree with a server branch and client branches over a
//! SimulatedNetwork, and a peer wrapper that records every packet sent.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, Packet, PacketSettings, PeerError, PeerEvent,
};
use netscene::{MultiplayerEvent, PeerId, SceneMultiplayer, SceneTree, TransferMode};

/// One packet as handed to `put_packet`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub to: PeerId,
    pub mode: TransferMode,
    pub channel: i32,
    pub data: Vec<u8>,
}

/// Wraps a peer and records what it sends.
pub struct RecordingPeer<P> {
    pub inner: P,
    pub log: Arc<Mutex<Vec<Sent>>>,
}

impl<P: MultiplayerPeer> MultiplayerPeer for RecordingPeer<P> {
    fn packet_settings(&self) -> &PacketSettings {
        self.inner.packet_settings()
    }
    fn packet_settings_mut(&mut self) -> &mut PacketSettings {
        self.inner.packet_settings_mut()
    }
    fn put_packet(&mut self, data: &[u8]) -> Result<(), PeerError> {
        self.log.lock().unwrap().push(Sent {
            to: self.inner.get_target_peer(),
            mode: self.inner.get_transfer_mode(),
            channel: self.inner.get_transfer_channel(),
            data: data.to_vec(),
        });
        self.inner.put_packet(data)
    }
    fn get_available_packet_count(&self) -> usize {
        self.inner.get_available_packet_count()
    }
    fn peek_packet(&self) -> Option<&Packet> {
        self.inner.peek_packet()
    }
    fn get_packet(&mut self) -> Option<Packet> {
        self.inner.get_packet()
    }
    fn poll(&mut self) {
        self.inner.poll()
    }
    fn pop_event(&mut self) -> Option<PeerEvent> {
        self.inner.pop_event()
    }
    fn get_unique_id(&self) -> PeerId {
        self.inner.get_unique_id()
    }
    fn get_connection_status(&self) -> ConnectionStatus {
        self.inner.get_connection_status()
    }
    fn disconnect_peer(&mut self, id: PeerId, force: bool) {
        self.inner.disconnect_peer(id, force)
    }
    fn close(&mut self) {
        self.inner.close()
    }
    fn set_refuse_new_connections(&mut self, refuse: bool) {
        self.inner.set_refuse_new_connections(refuse)
    }
    fn is_refusing_new_connections(&self) -> bool {
        self.inner.is_refusing_new_connections()
    }
    fn is_server_relay_supported(&self) -> bool {
        self.inner.is_server_relay_supported()
    }
    fn get_max_packet_size(&self) -> usize {
        self.inner.get_max_packet_size()
    }
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
        use netscene::MultiplayerApi;
        mp.set_multiplayer_peer(Some(Box::new(RecordingPeer {
            inner: server_peer,
            log,
        })))
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
            mp.set_multiplayer_peer(Some(Box::new(RecordingPeer { inner: peer, log })))
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
