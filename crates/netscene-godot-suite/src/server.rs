//! A netscene server for Godot clients to join: SceneMultiplayer over WebSocket on 127.0.0.1.

use netscene::{SceneMultiplayer, SceneTree};
use netscene_websocket::WebSocketMultiplayerPeer;

/// A server's scene tree (its default multiplayer serves `/root`) and the port it listens on.
pub struct WsServer {
    /// The tree: add the game's nodes, then `poll` it from the test's pump.
    pub tree: SceneTree,
    /// The WebSocket port on 127.0.0.1 (Godot joins `ws://127.0.0.1:{port}`).
    pub port: u16,
}

impl WsServer {
    /// Listens on a free port of 127.0.0.1; `configure` sets up the SceneMultiplayer (auth,
    /// relay, ...) before the peer is attached.
    pub fn start(configure: impl FnOnce(&mut SceneMultiplayer)) -> Self {
        let mut peer = WebSocketMultiplayerPeer::new();
        peer.create_server(0, "127.0.0.1", None)
            .expect("WebSocket server on 127.0.0.1");
        let port = peer.bound_port().expect("a bound port");
        let mut multiplayer = SceneMultiplayer::new();
        configure(&mut multiplayer);
        multiplayer
            .set_multiplayer_peer(Some(Box::new(peer)))
            .expect("the server peer");
        WsServer {
            tree: SceneTree::with_multiplayer(Box::new(multiplayer)),
            port,
        }
    }

    /// One network frame: packets in, handlers run, replication out. Errors fail the test.
    pub fn poll(&mut self) {
        self.tree.poll().expect("server poll");
    }

    /// The `--port=` argument for a client.
    pub fn port_arg(&self) -> String {
        format!("--port={}", self.port)
    }
}
