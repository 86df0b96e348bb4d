//! Shared by the WebRTC tests: a lobby signaling server in the test process, netscene peers
//! whose scene mirrors `godot/webrtc` (a record of the RPCs, raw packets and wire packets they
//! received), and the launch of `godot/webrtc` clients with the Chromium flags WebRTC on
//! 127.0.0.1 needs.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::{MultiplayerPeer, PacketTap, TappedPeer};
use netscene::{
    MultiplayerEvent, NodeId, Packet, PeerId, RpcConfig, SceneMultiplayer, SceneTree, TransferMode,
    args,
};
use netscene_godot_suite::{GodotClient, GodotProject, LaunchOptions, suite_project_dir};
use netscene_webrtc::{LobbyOptions, LobbyPeer, SignalingServer};

/// How long one step may take (a Godot client starts in about 3 s; the machine is shared).
pub const STEP: Duration = Duration::from_secs(40);

/// The Chromium flags these tests run Godot with:
/// * `--allow-loopback-in-peer-connection`: Chromium gathers no ICE candidate on the loopback
///   interface without it, and the tests' netscene peers listen on 127.0.0.1 only;
/// * `--disable-features=WebRtcHideLocalIpsWithMdns`: without it Chromium announces its host
///   candidates as random `*.local` mDNS names, which a peer outside the browser cannot resolve
///   (netscene refuses them with an error naming this flag).
///
/// Measured (2026-12-07, `NETSCENE_WEBRTC_BROWSER_ARGS` replaces the flags): webrtc_client
/// passes with both (2.9-3.9 s), either one alone (2.9 s, 3.2 s), and even neither
/// (3.7-8.6 s): Chromium's checks from its eth0 candidate still reach netscene's 127.0.0.1
/// socket, which learns that address as a peer-reflexive candidate. That path needs the
/// machine to have a non-loopback interface and leaves loopback; with both flags every
/// candidate is a plain 127.0.0.1 address, so the tests keep both.
pub const WEBRTC_BROWSER_ARGS: [&str; 2] = [
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/// Custom channels of every peer in these tests, as `CHANNELS` in `godot/webrtc/main.gd`:
/// channel 1 unreliable ordered, channel 2 reliable.
pub const CHANNELS: [TransferMode; 2] = [TransferMode::UnreliableOrdered, TransferMode::Reliable];

/// The RPC methods of `/root/Main` with their `@rpc` configuration, as in `godot/webrtc/main.gd`.
pub fn methods() -> Vec<(&'static str, RpcConfig)> {
    use TransferMode::{Unreliable, UnreliableOrdered};
    vec![
        ("command", RpcConfig::any_peer()),
        ("hello", RpcConfig::any_peer()),
        ("welcome", RpcConfig::authority()),
        ("tick", RpcConfig::any_peer().transfer_mode(Unreliable)),
        (
            "ordered",
            RpcConfig::any_peer().transfer_mode(UnreliableOrdered),
        ),
        (
            "on_channel_1",
            RpcConfig::any_peer()
                .transfer_mode(UnreliableOrdered)
                .channel(1),
        ),
        ("on_channel_2", RpcConfig::any_peer().channel(2)),
    ]
}

/// One RPC a netscene peer ran: method, sender, the argument as text.
pub type Call = (String, PeerId, String);

/// Remembers every packet a peer received (sender, channel and mode as the transport reports).
#[derive(Clone, Default)]
pub struct Received(pub Arc<Mutex<Vec<Packet>>>);

impl PacketTap for Received {
    fn on_receive(&mut self, packet: &Packet) {
        self.0.lock().expect("not poisoned").push(packet.clone());
    }
}

/// A lobby signaling server on 127.0.0.1, polled from the test's pump.
pub struct Signal {
    pub server: SignalingServer,
    pub url: String,
}

impl Signal {
    pub fn start() -> Self {
        let server = SignalingServer::bind("127.0.0.1:0".parse().unwrap()).expect("bind");
        let url = format!("ws://{}", server.local_addr().unwrap());
        Self { server, url }
    }

    pub fn arg(&self) -> String {
        format!("--signal={}", self.url)
    }
}

/// A netscene game peer over a [`LobbyPeer`]: its tree mirrors `godot/webrtc/main.tscn`.
pub struct NetPeer {
    pub tree: SceneTree,
    pub main: NodeId,
    pub id: PeerId,
    pub lobby: String,
    pub calls: Arc<Mutex<Vec<Call>>>,
    pub received: Received,
    pub events: Vec<MultiplayerEvent>,
}

impl NetPeer {
    fn with_peer(peer: LobbyPeer) -> Self {
        let id = peer.get_unique_id();
        let lobby = peer.lobby().to_owned();
        let received = Received::default();
        let tapped = TappedPeer::new(Box::new(peer), received.clone());
        let mut multiplayer = SceneMultiplayer::new();
        multiplayer
            .set_multiplayer_peer(Some(Box::new(tapped)))
            .expect("the peer");
        let mut tree = SceneTree::with_multiplayer(Box::new(multiplayer));
        let main = tree.add_path("/root/Main").unwrap();
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        for (method, config) in methods() {
            let seen = Arc::clone(&calls);
            let name = method.to_owned();
            tree.on_rpc_dynamic(
                main,
                method,
                config,
                netscene::handler(move |ctx, args| {
                    let sender = ctx.remote_sender_id();
                    let text = args
                        .iter()
                        .map(|a| format!("{a:?}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    seen.lock()
                        .expect("not poisoned")
                        .push((name.clone(), sender, text));
                    // A netscene lobby server welcomes every hello, as main.gd's server does.
                    if name == "hello" && ctx.unique_id() == 1 {
                        ctx.rpc_id(sender, "welcome", &args![format!("welcome {sender}")])
                            .expect("welcome sent");
                    }
                    Ok(())
                }),
            )
            .unwrap();
        }
        Self {
            tree,
            main,
            id,
            lobby,
            calls,
            received,
            events: Vec::new(),
        }
    }

    fn options() -> LobbyOptions {
        LobbyOptions {
            channels: CHANNELS.to_vec(),
            ..LobbyOptions::default()
        }
    }

    /// Creates a lobby: its server (id 1), or with `mesh` a mesh peer.
    pub fn create(signal: &mut Signal, mesh: bool) -> Self {
        let url = signal.url.clone();
        let peer = with_server(signal, move || {
            LobbyPeer::create(&url, mesh, Self::options())
        });
        Self::with_peer(peer.expect("lobby created"))
    }

    /// Joins lobby `lobby`.
    pub fn join(signal: &mut Signal, lobby: &str) -> Self {
        let url = signal.url.clone();
        let lobby = lobby.to_owned();
        let peer = with_server(signal, move || {
            LobbyPeer::join(&url, &lobby, Self::options())
        });
        Self::with_peer(peer.expect("lobby joined"))
    }

    /// One frame: packets in, handlers run; events are kept in `events`.
    pub fn poll(&mut self) {
        self.tree.poll().expect("poll");
        self.events.extend(self.tree.drain_events("/root"));
    }

    /// Calls `method` on Godot's `/root/Main` of `target`.
    pub fn rpc(&mut self, target: PeerId, method: &str, args: &[netscene::Variant]) {
        self.tree
            .rpc_id(self.main, target, method, args)
            .expect("rpc sent");
    }

    /// Godot's `send_bytes` from this peer.
    pub fn send_bytes(&mut self, data: &[u8], target: PeerId, mode: TransferMode, channel: i32) {
        self.tree
            .scene_multiplayer("/root")
            .expect("a SceneMultiplayer")
            .send_bytes(data, target, mode, channel)
            .expect("bytes sent");
    }

    /// The calls of `method` so far.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.0 == method)
            .cloned()
            .collect()
    }

    /// The packets received from `from` so far.
    pub fn packets_from(&self, from: PeerId) -> Vec<Packet> {
        self.received
            .0
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.from == from)
            .cloned()
            .collect()
    }

    /// The raw packets (`peer_packet`) received so far, as (sender, text).
    pub fn raw_packets(&self) -> Vec<(PeerId, String)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                MultiplayerEvent::PeerPacket { from, data } => {
                    Some((*from, String::from_utf8_lossy(data).into_owned()))
                }
                _ => None,
            })
            .collect()
    }
}

/// Runs a blocking lobby call while the signaling server, which must answer it, runs on another
/// thread for the duration.
fn with_server<T: Send + 'static>(
    signal: &mut Signal,
    call: impl FnOnce() -> T + Send + 'static,
) -> T {
    let worker = std::thread::spawn(call);
    while !worker.is_finished() {
        signal.server.poll();
        std::thread::sleep(Duration::from_millis(1));
    }
    worker.join().expect("lobby call")
}

/// Starts `godot/webrtc` with the WebRTC flags and `args`.
pub fn launch(name: &str, args: &[String]) -> GodotClient {
    let project = GodotProject::from_dir(suite_project_dir("webrtc"));
    // NETSCENE_WEBRTC_BROWSER_ARGS replaces the flags (to check which are needed).
    let flags: Vec<String> = match std::env::var("NETSCENE_WEBRTC_BROWSER_ARGS") {
        Ok(flags) => flags.split_whitespace().map(str::to_owned).collect(),
        Err(_) => WEBRTC_BROWSER_ARGS.iter().map(|a| a.to_string()).collect(),
    };
    let options = LaunchOptions {
        extra_browser_args: flags,
        ..LaunchOptions::default()
    };
    GodotClient::launch_with(name, &project, args, &options)
}

/// The id in a `joined LOBBY as ID` line, and the lobby.
pub fn parse_joined(line: &str) -> (String, PeerId) {
    let rest = line.strip_prefix("joined ").expect("a joined line");
    let (lobby, id) = rest.split_once(" as ").expect("joined LOBBY as ID");
    (lobby.to_owned(), id.parse().expect("an id"))
}

/// Waits until Godot printed every one of `lines` (in any order: packets on different
/// channels, or unreliable ones, may overtake each other), pumping meanwhile.
pub fn wait_lines(godot: &mut GodotClient, lines: &[String], mut pump: impl FnMut()) {
    let deadline = std::time::Instant::now() + STEP;
    loop {
        pump();
        godot.update();
        let errors = godot.godot_errors();
        assert!(
            errors.is_empty(),
            "{}: Godot errors {errors:?}",
            godot.name()
        );
        let printed: Vec<&str> = godot.stdout_lines().collect();
        let missing: Vec<&String> = lines
            .iter()
            .filter(|l| !printed.contains(&l.as_str()))
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}: never printed {missing:?}; printed {printed:#?}",
            godot.name()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Calls `step` (pump, then check) until it returns true, failing after [`STEP`] with `what`.
pub fn pump_until(what: &str, mut step: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + STEP;
    while !step() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} within {STEP:?}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}
