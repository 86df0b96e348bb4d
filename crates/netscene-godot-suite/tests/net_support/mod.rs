//! Shared by the RPC and connection tests (rpc, relay, path_cache, auth): a netscene server
//! whose scene mirrors the `godot/net` project, a record of every RPC its handlers ran and of
//! every event its SceneMultiplayer emitted, optionally every packet on its wire, and the
//! launch of `godot/net` clients.
//!
//! The scene (paths relative to `/root`, as on the wire):
//! * `Main`: `command(what, args)` (authority), how the server drives a Godot client;
//! * `Main/Rpc` and `Main/Owned`: one method per RPC mode / sync mode / transfer mode / channel
//!   ([`RPC_METHODS`]);
//! * `Main/Many/C00` .. `C59`: `hit(round)` (any_peer), for the path cache.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netscene::peer::{PacketSettings, PacketTap, TappedPeer};
use netscene::variant::Array;
use netscene::{
    MultiplayerEvent, NodeId, Packet, PeerId, RpcConfig, SceneMultiplayer, SceneTree, TransferMode,
    Variant, handler,
};
use netscene_godot_suite::{GodotClient, GodotProject, WsServer, suite_project_dir};
use netscene_websocket::WebSocketMultiplayerPeer;

/// How long one step may take (a Godot client starts in about 3 s; the machine is shared).
pub const STEP: Duration = Duration::from_secs(30);

/// The methods of `Main/Rpc` and `Main/Owned` with their `@rpc` configuration, as in
/// `godot/net/rpc_node.gd`.
pub fn rpc_methods() -> Vec<(&'static str, RpcConfig)> {
    use TransferMode::{Reliable, Unreliable, UnreliableOrdered};
    vec![
        ("any_reliable", RpcConfig::any_peer()),
        (
            "any_unreliable",
            RpcConfig::any_peer().transfer_mode(Unreliable),
        ),
        (
            "any_ordered",
            RpcConfig::any_peer().transfer_mode(UnreliableOrdered),
        ),
        ("any_channel", RpcConfig::any_peer().channel(3)),
        ("any_local", RpcConfig::any_peer().call_local(true)),
        (
            "auth_remote",
            RpcConfig::authority().transfer_mode(Reliable),
        ),
        (
            "auth_local",
            RpcConfig::authority()
                .call_local(true)
                .transfer_mode(Unreliable)
                .channel(2),
        ),
        // Names that sort by code point: uppercase before '_' before lowercase before 'ü'.
        ("Any_Upper", RpcConfig::any_peer()),
        ("any_ünï", RpcConfig::any_peer()),
        ("args_none", RpcConfig::any_peer()),
        ("args_bytes", RpcConfig::any_peer()),
        ("args_mixed", RpcConfig::any_peer()),
    ]
}

/// The node-level RPC main.gd gives `Main/Rpc` with `rpc_config` (any_peer).
pub const NODE_LEVEL_METHOD: &str = "node_level";
/// The node-level RPC main.gd gives `Main/Rpc` with mode disabled.
pub const NODE_DISABLED_METHOD: &str = "node_disabled";

/// A Variant as GDScript's `"%s" % value` prints it, for the kinds the tests send (byte
/// arrays as `hex_encode()`, as rpc_node.gd prints them).
pub fn godot_text(value: &Variant) -> String {
    match value {
        Variant::Nil => "<null>".into(),
        Variant::Bool(b) => b.to_string(),
        Variant::Int(i) => i.to_string(),
        Variant::String(s) => s.clone(),
        Variant::PackedByteArray(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        other => format!("{other:?}"),
    }
}

/// One RPC a server handler ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The node's path relative to `/root` (`Main/Rpc`).
    pub node: String,
    /// The method.
    pub method: String,
    /// `get_remote_sender_id()` during the call.
    pub from: PeerId,
    /// The argument, as text.
    pub value: String,
}

/// Which way a packet went on the server's wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Received from a Godot client.
    In,
    /// Sent by the server.
    Out,
}

/// One packet on the server's wire: its direction, the peer (sender or target) and the bytes.
#[derive(Debug, Clone)]
pub struct Wire {
    /// Direction.
    pub dir: Dir,
    /// Sender (in) or target (out).
    pub peer: PeerId,
    /// The SceneMultiplayer packet.
    pub data: Vec<u8>,
}

struct Tap(Arc<Mutex<Vec<Wire>>>);

impl PacketTap for Tap {
    fn on_send(&mut self, settings: &PacketSettings, data: &[u8]) {
        self.0.lock().unwrap().push(Wire {
            dir: Dir::Out,
            peer: settings.target_peer,
            data: data.to_vec(),
        });
    }

    fn on_receive(&mut self, packet: &Packet) {
        self.0.lock().unwrap().push(Wire {
            dir: Dir::In,
            peer: packet.from,
            data: packet.data.clone(),
        });
    }
}

/// The nodes of the mirrored scene.
pub struct Scene {
    /// `/root/Main`.
    pub main: NodeId,
    /// `/root/Main/Rpc`.
    pub rpc: NodeId,
    /// `/root/Main/Owned`.
    pub owned: NodeId,
    /// `/root/Main/Nœud ✓` (a non-ASCII name on the wire), with Owned's methods.
    pub unicode: NodeId,
    /// `/root/Main/Many/C00` .. `C59` (more with [`Server::add_cells`]).
    pub cells: Vec<NodeId>,
}

/// A netscene WebSocket server on 127.0.0.1 with the `godot/net` scene.
pub struct Server {
    /// The server's tree.
    pub tree: SceneTree,
    /// Its port.
    pub port: u16,
    /// The mirrored scene.
    pub scene: Scene,
    /// Every RPC the server's handlers ran, in order.
    pub calls: Arc<Mutex<Vec<Call>>>,
    /// Every event of the server's SceneMultiplayer, in order.
    pub events: Vec<MultiplayerEvent>,
    /// When each of [`events`](Self::events) was drained (right after the poll that made it).
    pub event_times: Vec<Instant>,
    /// Every packet on the wire, when started with [`Server::start_tapped`].
    pub wire: Option<Arc<Mutex<Vec<Wire>>>>,
    /// The root path of the multiplayer branch that serves the clients (`""`: the default).
    pub branch: String,
}

impl Server {
    /// A server from the harness's [`WsServer`]; `configure` sets up its SceneMultiplayer.
    pub fn start(configure: impl FnOnce(&mut SceneMultiplayer)) -> Self {
        let WsServer { tree, port } = WsServer::start(configure);
        Self::with_tree(tree, port, None)
    }

    /// A server whose clients are served by a SceneMultiplayer of the branch `/root/Main`
    /// (Godot's `get_tree().set_multiplayer(api, ^"/root/Main")`): wire paths are relative
    /// to `/root/Main`. The tree's default multiplayer stays offline.
    pub fn start_branch() -> Self {
        let mut peer = WebSocketMultiplayerPeer::new();
        peer.create_server(0, "127.0.0.1", None)
            .expect("WebSocket server on 127.0.0.1");
        let port = peer.bound_port().expect("a bound port");
        let mut server = Self::with_tree(SceneTree::new(), port, None);
        let multiplayer = SceneMultiplayer::with_peer(Box::new(peer)).expect("the server peer");
        server
            .tree
            .set_multiplayer(Box::new(multiplayer), "/root/Main")
            .expect("a branch at /root/Main");
        server.branch = "/root/Main".into();
        server
    }

    /// The same server with its WebSocket peer wrapped in a [`TappedPeer`] that records every
    /// packet (for the wire-level checks of the path cache).
    pub fn start_tapped(configure: impl FnOnce(&mut SceneMultiplayer)) -> Self {
        let mut peer = WebSocketMultiplayerPeer::new();
        peer.create_server(0, "127.0.0.1", None)
            .expect("WebSocket server on 127.0.0.1");
        let port = peer.bound_port().expect("a bound port");
        let wire = Arc::new(Mutex::new(Vec::new()));
        let tapped = TappedPeer::new(Box::new(peer), Tap(Arc::clone(&wire)));
        let mut multiplayer = SceneMultiplayer::new();
        configure(&mut multiplayer);
        multiplayer
            .set_multiplayer_peer(Some(Box::new(tapped)))
            .expect("the server peer");
        let tree = SceneTree::with_multiplayer(Box::new(multiplayer));
        Self::with_tree(tree, port, Some(wire))
    }

    fn with_tree(mut tree: SceneTree, port: u16, wire: Option<Arc<Mutex<Vec<Wire>>>>) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let scene = build_scene(&mut tree, &calls);
        Server {
            tree,
            port,
            scene,
            calls,
            events: Vec::new(),
            event_times: Vec::new(),
            wire,
            branch: String::new(),
        }
    }

    /// Adds cells under `Main/Many` until there are `total` (`C00`, `C01`, ..., as main.gd
    /// names them; pass the same count to the client with `--cells=`).
    pub fn add_cells(&mut self, total: usize) {
        let many = self.tree.get_node("/root/Main/Many").unwrap();
        for i in self.scene.cells.len()..total {
            let cell = self.tree.add_child(many, format!("C{i:02}")).unwrap();
            record_rpc(
                &mut self.tree,
                cell,
                "hit",
                RpcConfig::any_peer(),
                &self.calls,
            );
            self.scene.cells.push(cell);
        }
    }

    /// One network frame; the SceneMultiplayer's events are kept in [`events`](Self::events).
    pub fn poll(&mut self) {
        self.tree.poll().expect("server poll");
        let events = self.tree.drain_events(&self.branch);
        let now = Instant::now();
        self.event_times.extend(events.iter().map(|_| now));
        self.events.extend(events);
    }

    /// The `--port=` argument for a client.
    pub fn port_arg(&self) -> String {
        format!("--port={}", self.port)
    }

    /// The server's SceneMultiplayer.
    pub fn multiplayer(&mut self) -> &mut SceneMultiplayer {
        let branch = self.branch.clone();
        self.tree
            .scene_multiplayer(&branch)
            .expect("a SceneMultiplayer")
    }

    /// The ids of the admitted peers.
    pub fn peers(&mut self) -> Vec<PeerId> {
        let mut peers = self.multiplayer().get_peers();
        peers.sort_unstable();
        peers
    }

    /// Removes the node at `path` (absolute) and adds a new one with the same name and the
    /// methods of `Main/Rpc`'s script (as `recreate` does on the Godot side).
    pub fn recreate(&mut self, path: &str) -> NodeId {
        let old = self.tree.get_node(path).expect("the node to recreate");
        let parent = self.tree.node(old).unwrap().parent().unwrap();
        let name = self.tree.node(old).unwrap().name().clone();
        self.tree.remove_node(old).unwrap();
        let fresh = self.tree.add_child(parent, name).unwrap();
        for (method, config) in rpc_methods() {
            record_rpc(&mut self.tree, fresh, method, config, &self.calls);
        }
        if self.scene.owned == old {
            self.scene.owned = fresh;
        }
        fresh
    }

    /// Sends `command(what, args)` to `peer` (0: every client).
    pub fn command(&mut self, peer: PeerId, what: &str, args: Vec<Variant>) {
        let args = [Variant::from(what), Variant::Array(Array::from_vec(args))];
        self.tree
            .rpc_id(self.scene.main, peer, "command", &args)
            .unwrap_or_else(|e| panic!("command {what} to {peer}: {e}"));
    }

    /// Tells a client to call `method` on `node` (a path relative to `/root`, e.g.
    /// `Main/Rpc`) with `rpc_id(target, ...)`, or with `rpc(...)` when `target` is `None`.
    pub fn command_rpc(
        &mut self,
        peer: PeerId,
        node: &str,
        method: &str,
        target: Option<PeerId>,
        value: &str,
    ) {
        let target = target.map_or(Variant::Nil, Variant::from);
        let args = vec![
            Variant::from(format!("/root/{node}")),
            method.into(),
            target,
            value.into(),
        ];
        self.command(peer, "rpc", args);
    }

    /// The server's own `rpc_id(target, method, value)` on `node`.
    pub fn rpc(&mut self, node: NodeId, target: PeerId, method: &str, value: &str) {
        self.tree
            .rpc_id(node, target, method, &[Variant::from(value)])
            .unwrap_or_else(|e| panic!("server rpc {method} to {target}: {e}"));
    }

    /// Copies of the recorded calls.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Polls until a recorded call satisfies `what`; returns it.
    pub fn wait_call(&mut self, description: &str, what: impl Fn(&Call) -> bool) -> Call {
        let start = Instant::now();
        loop {
            self.poll();
            if let Some(call) = self.calls().into_iter().find(&what) {
                return call;
            }
            assert!(
                start.elapsed() < STEP,
                "no server call {description} within {STEP:?}; calls: {:#?}",
                self.calls()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Polls until an event satisfies `what`; returns it.
    pub fn wait_event(
        &mut self,
        description: &str,
        what: impl Fn(&MultiplayerEvent) -> bool,
    ) -> MultiplayerEvent {
        let start = Instant::now();
        loop {
            self.poll();
            if let Some(event) = self.events.iter().find(|e| what(e)) {
                return event.clone();
            }
            assert!(
                start.elapsed() < STEP,
                "no server event {description} within {STEP:?}; events: {:#?}",
                self.events
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// When `event` was first seen, if it was.
    pub fn event_time(&self, event: &MultiplayerEvent) -> Option<Instant> {
        let index = self.events.iter().position(|e| e == event)?;
        Some(self.event_times[index])
    }

    /// Polls for `duration` (to let packets that should not come have their chance).
    pub fn poll_for(&mut self, duration: Duration) {
        let start = Instant::now();
        while start.elapsed() < duration {
            self.poll();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The packets recorded so far (tapped servers only).
    pub fn wire(&self) -> Vec<Wire> {
        self.wire
            .as_ref()
            .expect("a tapped server")
            .lock()
            .unwrap()
            .clone()
    }
}

/// Builds the mirror of `godot/net`'s scene in `tree` (with 60 cells), recording calls in
/// `calls`.
fn build_scene(tree: &mut SceneTree, calls: &Arc<Mutex<Vec<Call>>>) -> Scene {
    let main = tree.add_path("/root/Main").unwrap();
    // A server only sends `command`; Godot's copy runs it.
    tree.on_rpc_dynamic(
        main,
        "command",
        RpcConfig::authority(),
        handler(|_, _| Ok(())),
    )
    .unwrap();
    let rpc = tree.add_path("/root/Main/Rpc").unwrap();
    let owned = tree.add_path("/root/Main/Owned").unwrap();
    let unicode = tree.add_path("/root/Main/Nœud ✓").unwrap();
    for node in [rpc, owned, unicode] {
        for (method, config) in rpc_methods() {
            record_rpc(tree, node, method, config, calls);
        }
    }
    // Godot's rpc_config: node level, not script level.
    let node = tree.node_mut(rpc).unwrap();
    let recorder = recording_handler(Arc::clone(calls), "Main/Rpc".into(), NODE_LEVEL_METHOD);
    node.add_method(NODE_LEVEL_METHOD, recorder);
    node.set_rpc_config(NODE_LEVEL_METHOD, RpcConfig::any_peer());
    let recorder = recording_handler(Arc::clone(calls), "Main/Rpc".into(), NODE_DISABLED_METHOD);
    node.add_method(NODE_DISABLED_METHOD, recorder);
    node.set_rpc_config(NODE_DISABLED_METHOD, RpcConfig::disabled());
    let many = tree.add_path("/root/Main/Many").unwrap();
    let cells = (0..60)
        .map(|i| {
            let cell = tree.add_child(many, format!("C{i:02}")).unwrap();
            record_rpc(tree, cell, "hit", RpcConfig::any_peer(), calls);
            cell
        })
        .collect();
    Scene {
        main,
        rpc,
        owned,
        unicode,
        cells,
    }
}

/// A netscene client (WebSocket) with the same scene as the Godot clients, for traffic
/// between netscene and Godot clients through the server.
pub struct NetsceneClient {
    /// The client's tree.
    pub tree: SceneTree,
    /// The mirrored scene.
    pub scene: Scene,
    /// Every RPC its handlers ran.
    pub calls: Arc<Mutex<Vec<Call>>>,
    /// Every event of its SceneMultiplayer.
    pub events: Vec<MultiplayerEvent>,
    /// An auth token for the test to send (the auth tests' clients).
    pub token: &'static [u8],
    /// Whether the test sent [`token`](Self::token).
    pub token_sent: bool,
}

impl NetsceneClient {
    /// Starts connecting to `server`.
    pub fn connect(server: &Server) -> Self {
        let mut peer = WebSocketMultiplayerPeer::new();
        peer.create_client(&format!("ws://127.0.0.1:{}", server.port), None)
            .expect("a WebSocket client");
        let multiplayer = SceneMultiplayer::with_peer(Box::new(peer)).expect("the client peer");
        let mut tree = SceneTree::with_multiplayer(Box::new(multiplayer));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let scene = build_scene(&mut tree, &calls);
        NetsceneClient {
            tree,
            scene,
            calls,
            events: Vec::new(),
            token: b"",
            token_sent: false,
        }
    }

    /// One frame of the client; its events are kept.
    pub fn poll(&mut self) {
        self.tree.poll().expect("netscene client poll");
        let events = self.tree.drain_events("");
        self.events.extend(events);
    }

    /// This client's id (0 before it joined).
    pub fn id(&mut self) -> PeerId {
        self.tree.multiplayer("").map_or(0, |mp| mp.get_unique_id())
    }

    /// The client's SceneMultiplayer.
    pub fn multiplayer(&mut self) -> &mut SceneMultiplayer {
        self.tree.scene_multiplayer("").expect("a SceneMultiplayer")
    }

    /// Copies of the recorded calls.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Polls it and `server` until `done` holds for this client.
    pub fn wait(&mut self, server: &mut Server, what: &str, done: impl Fn(&Self) -> bool) {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < STEP,
                "netscene client: no {what} within {STEP:?}; events {:#?}; calls {:#?}",
                self.events,
                self.calls()
            );
            server.poll();
            self.poll();
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Registers `method` on `node` with a handler that records each call in `calls`.
fn record_rpc(
    tree: &mut SceneTree,
    node: NodeId,
    method: &'static str,
    config: RpcConfig,
    calls: &Arc<Mutex<Vec<Call>>>,
) {
    let path = tree
        .get_path(node)
        .unwrap()
        .to_string()
        .trim_start_matches("/root/")
        .to_owned();
    let recorder = recording_handler(Arc::clone(calls), path, method);
    tree.on_rpc_dynamic(node, method, config, recorder).unwrap();
}

/// A handler that records each call of `method` on the node at `path` in `calls`; the value
/// is the arguments as Godot prints them, space-separated.
fn recording_handler(
    calls: Arc<Mutex<Vec<Call>>>,
    path: String,
    method: &'static str,
) -> netscene::RpcHandler {
    handler(move |ctx, args| {
        let value: Vec<String> = args.iter().map(godot_text).collect();
        calls.lock().unwrap().push(Call {
            node: path.clone(),
            method: method.to_owned(),
            from: ctx.remote_sender_id(),
            value: value.join(" "),
        });
        Ok(())
    })
}

/// The `godot/net` project.
pub fn net_project() -> GodotProject {
    GodotProject::from_dir(suite_project_dir("net"))
}

/// Starts a `godot/net` client of `server` with `args` besides `--port=`.
pub fn launch(server: &Server, name: &str, project: &GodotProject, args: &[&str]) -> GodotClient {
    let mut all = vec![server.port_arg()];
    all.extend(args.iter().map(|a| a.to_string()));
    GodotClient::launch(name, project, &all)
}

/// Waits for `client`'s `connected_to_server` and returns its id.
pub fn wait_joined(client: &mut GodotClient, server: &mut Server) -> PeerId {
    let line = client.wait_for("signal connected_to_server as ", STEP, || server.poll());
    let id: PeerId = line["signal connected_to_server as ".len()..]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("a peer id in {line:?}"));
    assert!(id > 1, "a client id: {line}");
    id
}

/// Waits for the server to have admitted `id` (its `peer_connected`).
pub fn wait_admitted(server: &mut Server, id: PeerId) {
    server.wait_event(&format!("peer_connected({id})"), |e| {
        *e == MultiplayerEvent::PeerConnected(id)
    });
}

/// The line Godot prints for an RPC it ran.
pub fn rpc_line(method: &str, node: &str, from: PeerId, value: &str) -> String {
    format!("rpc {method} on {node} from {from}: {value}")
}

/// True when `client` printed exactly `line` so far (updates the transcript first).
pub fn printed(client: &mut GodotClient, line: &str) -> bool {
    client.update();
    client.stdout_lines().any(|l| l == line)
}

/// A marker round trip: `command echo` to `peer` and wait for Godot's answer. Everything the
/// server sent the client before (on the same reliable, ordered connection) has arrived then.
pub fn sync_with(client: &mut GodotClient, server: &mut Server, peer: PeerId, marker: &str) {
    server.command(peer, "echo", vec![marker.into()]);
    client.wait_for(&format!("did echo {marker}"), STEP, || server.poll());
}
