//! A full netscene WebSocket server (`set_max_peers`, a netscene addition) and real Godot 4.6
//! clients: the second client's handshake is refused (`503`) and Godot reports
//! `connection_failed`; the first client, connected through the server relay, never sees the
//! refused client join or leave (before the fix `serve` admitted it, then kicked it).

use std::time::{Duration, Instant};

use netscene::{MultiplayerEvent, SceneMultiplayer, SceneTree};
use netscene_godot_suite::{GodotClient, GodotProject};
use netscene_websocket::WebSocketMultiplayerPeer;

const STEP: Duration = Duration::from_secs(60);

const SCRIPT: &str = r#"# Joins the server given by --port and prints what the multiplayer API reports.
extends Node


func _ready() -> void:
	var port := 0
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--port="):
			port = int(arg.get_slice("=", 1))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % port)
	if err != OK:
		print("cannot start the client: %s" % error_string(err))
		return
	multiplayer.connected_to_server.connect(func() -> void: print("connected as %d" % multiplayer.get_unique_id()))
	multiplayer.connection_failed.connect(func() -> void: print("connection failed"))
	multiplayer.peer_connected.connect(func(id: int) -> void: print("peer joined %d" % id))
	multiplayer.peer_disconnected.connect(func(id: int) -> void: print("peer left %d" % id))
	multiplayer.multiplayer_peer = peer
"#;

const SCENE: &str = r#"[gd_scene load_steps=2 format=3]

[ext_resource type="Script" path="res://main.gd" id="1_main"]

[node name="Main" type="Node"]
script = ExtResource("1_main")
"#;

const PROJECT: &str = r#"config_version=5

[application]

config/name="netscene server full"
run/main_scene="res://main.tscn"
config/features=PackedStringArray("4.6")
"#;

#[test]
fn a_godot_client_refused_by_a_full_server_sees_connection_failed_and_nobody_a_phantom() {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.set_max_peers(Some(1));
    peer.create_server(0, "127.0.0.1", None).unwrap();
    let port = peer.bound_port().unwrap();
    let mp = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    tree.add_path("/root/Main").unwrap();
    let mut server_events = Vec::new();
    let pump = |tree: &mut SceneTree, events: &mut Vec<MultiplayerEvent>| {
        tree.poll().expect("server poll");
        events.extend(tree.drain_events(""));
    };

    let project = GodotProject::new()
        .with_file("project.godot", PROJECT)
        .with_file("main.tscn", SCENE)
        .with_file("main.gd", SCRIPT);
    let port_arg = format!("--port={port}");
    let mut first = GodotClient::launch("full-first", &project, &[&port_arg]);
    first.wait_for("connected as", STEP, || pump(&mut tree, &mut server_events));

    let mut second = GodotClient::launch("full-second", &project, &[&port_arg]);
    second.wait_for("connection failed", STEP, || {
        pump(&mut tree, &mut server_events)
    });
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_secs(1) {
        pump(&mut tree, &mut server_events);
        first.update();
        std::thread::sleep(Duration::from_millis(5));
    }
    let joined: Vec<_> = server_events
        .iter()
        .filter(|e| matches!(e, MultiplayerEvent::PeerConnected(_)))
        .collect();
    assert_eq!(joined.len(), 1, "{server_events:?}");
    assert!(
        !server_events
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::PeerDisconnected(_))),
        "{server_events:?}"
    );
    assert_eq!(tree.multiplayer("").unwrap().get_peers().len(), 1);
    let phantom: Vec<&str> = first
        .stdout_lines()
        .filter(|l| {
            (l.starts_with("peer joined") && *l != "peer joined 1") || l.starts_with("peer left")
        })
        .collect();
    assert!(phantom.is_empty(), "the first client saw {phantom:?}");
    assert!(
        !second.stdout_lines().any(|l| l.starts_with("connected as")),
        "the refused client was never admitted"
    );
    first.assert_clean();
    second.assert_clean();
}
