//! `netscene serve --transport webrtc` as a black box on 127.0.0.1: the built binary hosts a
//! lobby on its in-process signaling server (or on a `netscene signal` child's with
//! `--signal`), and netscene `LobbyPeer` clients join it by the logged lobby name, register,
//! chat and leave over WebRTC data channels.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::MultiplayerPeer;
use netscene::variant::Dictionary;
use netscene::{
    MultiplayerEvent, NodeId, PeerId, RpcConfig, SceneMultiplayer, SceneTree, Variant, args,
};
use netscene_webrtc::{LobbyOptions, LobbyPeer};
use support::*;

/// The value of `key=` in a log line (up to the next space, quotes removed).
fn text_field(line: &str, key: &str) -> String {
    let start = line
        .find(&format!(" {key}="))
        .unwrap_or_else(|| panic!("no {key}= in {line}"))
        + key.len()
        + 2;
    let value = line[start..].split(' ').next().unwrap();
    value.trim_matches('"').to_string()
}

/// The lobby name and signaling URL the server logged.
fn lobby_of(server: &mut Running) -> (String, String) {
    let line = server.wait_logged(&["WebRTC lobby open"]);
    (text_field(&line, "lobby"), text_field(&line, "signal"))
}

/// What a lobby client saw: chat lines (from, text) and the last player list.
#[derive(Default)]
struct Seen {
    chats: Vec<(i64, String)>,
    players: BTreeMap<i64, String>,
}

/// A netscene lobby client over WebRTC: lobby.gd's four methods, events into `seen`.
struct Client {
    tree: SceneTree,
    lobby: NodeId,
    id: PeerId,
    seen: Arc<Mutex<Seen>>,
    connected: bool,
    /// Set on `ConnectionFailed` or `ServerDisconnected`, which fail the test unless
    /// `may_end`.
    ended: bool,
    may_end: bool,
}

impl Client {
    fn join(url: &str, lobby_name: &str) -> Self {
        let peer = LobbyPeer::join(url, lobby_name, LobbyOptions::default()).expect("join");
        let id = peer.get_unique_id();
        assert!(id >= 2, "a client id, got {id}");
        let mp = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let lobby = tree.add_path("/root/Lobby").unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let any_peer = RpcConfig::any_peer();
        let authority = RpcConfig::authority();
        tree.on_rpc(lobby, "chat", any_peer, |_, (_,): (String,)| {})
            .unwrap();
        tree.on_rpc(lobby, "register", any_peer, |_, (_,): (String,)| {})
            .unwrap();
        let chats = Arc::clone(&seen);
        tree.on_rpc(
            lobby,
            "receive_chat",
            authority,
            move |_, (from, text): (i64, String)| chats.lock().unwrap().chats.push((from, text)),
        )
        .unwrap();
        let players = Arc::clone(&seen);
        tree.on_rpc(
            lobby,
            "update_players",
            authority,
            move |_, (list,): (Dictionary,)| {
                let list = list
                    .iter()
                    .filter_map(|(k, v)| match (k, v) {
                        (Variant::Int(id), Variant::String(name)) => Some((*id, name.clone())),
                        _ => None,
                    })
                    .collect();
                players.lock().unwrap().players = list;
            },
        )
        .unwrap();
        Self {
            tree,
            lobby,
            id,
            seen,
            connected: false,
            ended: false,
            may_end: false,
        }
    }

    fn poll(&mut self) {
        self.tree.poll().unwrap();
        for event in self.tree.drain_events("") {
            match event {
                MultiplayerEvent::ConnectedToServer => self.connected = true,
                MultiplayerEvent::ConnectionFailed | MultiplayerEvent::ServerDisconnected => {
                    assert!(self.may_end, "client {}: {event:?}", self.id);
                    self.ended = true;
                }
                _ => {}
            }
        }
    }

    fn call_server(&mut self, method: &str, text: &str) {
        self.tree
            .rpc_id(self.lobby, 1, method, &args![text])
            .unwrap_or_else(|e| panic!("{method}: {e}"));
    }
}

/// Polls every client until `done` holds (bounded by [`WAIT`]).
fn poll_until(clients: &mut [&mut Client], what: &str, done: impl Fn(&[&mut Client]) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done(clients) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        for client in clients.iter_mut() {
            client.poll();
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn names(pairs: &[(PeerId, &str)]) -> BTreeMap<i64, String> {
    pairs
        .iter()
        .map(|(id, name)| (i64::from(*id), name.to_string()))
        .collect()
}

#[test]
fn webrtc_lobby_clients_register_chat_and_leave() {
    let (mut server, port) = serve(&["--transport", "webrtc", "--bind", "127.0.0.1"], &[]);
    let (lobby, url) = lobby_of(&mut server);
    // Without --signal the signaling server is in the process, on --port.
    assert_eq!(url, format!("ws://127.0.0.1:{port}"));
    assert_eq!(lobby.len(), 6, "{lobby}");

    let mut ann = Client::join(&url, &lobby);
    let mut bob = Client::join(&url, &lobby);
    poll_until(&mut [&mut ann, &mut bob], "both connected", |c| {
        c.iter().all(|c| c.connected)
    });
    server.wait_logged(&["peer connected", &format!("peer={}", ann.id)]);
    server.wait_logged(&["peer connected", &format!("peer={}", bob.id)]);

    ann.call_server("register", "ann");
    bob.call_server("register", "bob");
    let both = names(&[(ann.id, "ann"), (bob.id, "bob")]);
    poll_until(&mut [&mut ann, &mut bob], "both player lists", |c| {
        c.iter().all(|c| c.seen.lock().unwrap().players == both)
    });
    server.wait_logged(&["player registered", "name=ann"]);

    ann.call_server("chat", "hello over webrtc");
    let line = (i64::from(ann.id), "hello over webrtc".to_string());
    poll_until(&mut [&mut ann, &mut bob], "the chat line", |c| {
        c.iter()
            .all(|c| c.seen.lock().unwrap().chats.contains(&line))
    });

    // Ann leaves: the server notices and tells Bob.
    let ann_id = ann.id;
    drop(ann);
    let only_bob = names(&[(bob.id, "bob")]);
    poll_until(&mut [&mut bob], "bob alone in the list", |c| {
        c[0].seen.lock().unwrap().players == only_bob
    });
    server.wait_logged(&["peer disconnected", &format!("peer={ann_id}")]);
}

#[test]
fn webrtc_arena_through_a_separate_signaling_server() {
    let mut signal = start(&["signal", "--listen", "127.0.0.1:0"], &[]);
    let line = signal.expect_line(&["signaling server listening"]);
    let url = text_field(&line, "url");
    let (mut server, _) = serve(
        &[
            "--transport",
            "webrtc",
            "--bind",
            "127.0.0.1",
            "--game",
            "arena",
            "--signal",
            &url,
        ],
        &[],
    );
    let (lobby, logged_url) = lobby_of(&mut server);
    assert_eq!(logged_url, url);
    signal.wait_logged(&["joined", &format!("lobby={lobby}"), "peer=1"]);

    let mut player = Client::join(&url, &lobby);
    poll_until(&mut [&mut player], "connected", |c| c[0].connected);
    // The arena spawns the player's avatar on the server (its SPAWN goes out over WebRTC).
    server.wait_logged(&["player spawned", &format!("peer={}", player.id)]);
    let id = player.id;
    drop(player);
    server.wait_logged(&["player despawned", &format!("peer={id}")]);
}

#[test]
fn webrtc_flags_need_the_webrtc_transport() {
    let output = std::process::Command::new(BIN)
        .args(["serve", "--port", "0", "--signal", "ws://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("need --transport webrtc"), "{stderr}");
}

#[test]
fn a_full_webrtc_server_disconnects_the_extra_client() {
    let (mut server, _) = serve(
        &[
            "--transport",
            "webrtc",
            "--bind",
            "127.0.0.1",
            "--max-clients",
            "1",
        ],
        &[],
    );
    let (lobby, url) = lobby_of(&mut server);
    let mut ann = Client::join(&url, &lobby);
    poll_until(&mut [&mut ann], "ann connected", |c| c[0].connected);
    let mut bob = Client::join(&url, &lobby);
    bob.may_end = true;
    // Bob's WebRTC connection comes up, then the server (full) drops him.
    poll_until(&mut [&mut ann, &mut bob], "bob dropped", |c| c[1].ended);
    server.wait_logged(&["refused: server full", &format!("peer={}", bob.id)]);
    // Ann stays, and the lobby still works for her.
    ann.call_server("register", "ann");
    let only_ann = names(&[(ann.id, "ann")]);
    poll_until(&mut [&mut ann], "ann's list", |c| {
        c[0].seen.lock().unwrap().players == only_ann
    });
    assert!(!ann.ended);
}
