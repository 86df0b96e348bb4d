//! Shared helpers for the loopback tests: a peer with its drained events and packets, and a
//! bounded polling loop.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, MultiplayerPeer, Packet, PeerEvent, PeerId};
use netscene_enet::{
    ClientOptions, ENetMultiplayerPeer, PeerSettings, PeerThrottle, PeerTimeout, ServerOptions,
};

/// Upper bound for any wait; only reached when a test fails (the machine may be slow).
pub const DEADLINE: Duration = Duration::from_secs(15);

/// A peer plus everything it reported.
pub struct Node {
    pub peer: ENetMultiplayerPeer,
    pub events: Vec<PeerEvent>,
    pub packets: Vec<Packet>,
}

impl Node {
    pub fn new(peer: ENetMultiplayerPeer) -> Self {
        Self {
            peer,
            events: Vec::new(),
            packets: Vec::new(),
        }
    }

    pub fn server(options: ServerOptions) -> Self {
        let mut peer = ENetMultiplayerPeer::new();
        peer.create_server_with(options).expect("server");
        Self::new(peer)
    }

    pub fn client(port: u16, id: Option<PeerId>) -> Self {
        Self::client_with(ClientOptions {
            unique_id: id,
            peer_settings: steady(),
            ..ClientOptions::new("127.0.0.1", port)
        })
    }

    pub fn client_with(options: ClientOptions) -> Self {
        let mut peer = ENetMultiplayerPeer::new();
        peer.create_client_with(options).expect("client");
        Self::new(peer)
    }

    pub fn port(&self) -> u16 {
        self.peer.local_port().expect("bound")
    }

    /// Polls once and drains events and packets.
    pub fn pump(&mut self) {
        self.peer.poll();
        while let Some(event) = self.peer.pop_event() {
            self.events.push(event);
        }
        while let Some(packet) = self.peer.get_packet() {
            self.packets.push(packet);
        }
    }

    pub fn connected(&self) -> bool {
        self.peer.get_connection_status() == ConnectionStatus::Connected
    }

    pub fn take_packets(&mut self) -> Vec<Packet> {
        std::mem::take(&mut self.packets)
    }
}

/// Pumps every node (about every millisecond) until `done` holds; false on the deadline.
pub fn run_until(nodes: &mut [&mut Node], mut done: impl FnMut(&[&mut Node]) -> bool) -> bool {
    let deadline = Instant::now() + DEADLINE;
    loop {
        for node in nodes.iter_mut() {
            node.pump();
        }
        if done(nodes) {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Pumps every node for `duration` (to show that something does *not* happen).
pub fn run_for(nodes: &mut [&mut Node], duration: Duration) {
    let end = Instant::now() + duration;
    while Instant::now() < end {
        for node in nodes.iter_mut() {
            node.pump();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// ENet's defaults, except that the unreliable-packet throttle never closes: on a loaded
/// test machine a round-trip spike would otherwise let ENet drop an unreliable packet a test
/// expects. (Configured on one end, ENet applies it to both.)
pub fn steady() -> PeerSettings {
    PeerSettings {
        throttle: Some(PeerThrottle {
            deceleration: 0,
            ..PeerThrottle::default()
        }),
        ..PeerSettings::default()
    }
}

/// Timeouts short enough for tests: a lost peer is noticed within about a second.
pub fn short_timeouts() -> PeerSettings {
    PeerSettings {
        timeout: Some(PeerTimeout {
            limit: 4,
            minimum_ms: 300,
            maximum_ms: 1000,
        }),
        ping_interval_ms: Some(100),
        ..steady()
    }
}

/// A server on 127.0.0.1 with an OS-assigned port.
pub fn local_server() -> Node {
    Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        peer_settings: steady(),
        ..ServerOptions::new(0)
    })
}

/// A server plus clients with the given ids, all connected.
pub fn connected_group(ids: &[PeerId]) -> (Node, Vec<Node>) {
    let mut server = local_server();
    let port = server.port();
    let mut clients: Vec<Node> = ids.iter().map(|id| Node::client(port, Some(*id))).collect();
    let ok = {
        let mut nodes: Vec<&mut Node> = std::iter::once(&mut server)
            .chain(clients.iter_mut())
            .collect();
        run_until(&mut nodes, |nodes| {
            nodes.iter().all(|n| n.connected())
                && nodes[0]
                    .events
                    .iter()
                    .filter(|e| matches!(e, PeerEvent::PeerConnected(_)))
                    .count()
                    == ids.len()
        })
    };
    assert!(ok, "clients did not connect");
    (server, clients)
}
