//! The synchronizer settings `netscene inspect` reads from a `.tres` SceneReplicationConfig
//! written with the older `sync` / `watch` keys are the ones real Godot 4.6 applies: the
//! golden replication project (World/ScoreSync: `.:score` with sync=false then watch=true,
//! `.:wave` with sync=true) loaded into a netscene server, whose SYNC (always) and delta
//! (on_change) packets a real Godot client running the same files applies to the right
//! properties. Disagreeing lists would put values in the wrong properties or fail Godot's
//! packet checks.

mod golden_copy;

use std::time::Duration;

use golden_copy::GoldenCopy;
use netscene::Variant;
use netscene_godot_suite::{GodotClient, GodotProject, WsServer};

const STEP: Duration = Duration::from_secs(60);

const CLIENT: &str = r#"extends Node

func _ready() -> void:
	var port := 0
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--port="):
			port = int(arg.trim_prefix("--port="))
	var peer := WebSocketMultiplayerPeer.new()
	peer.create_client("ws://127.0.0.1:%d" % port)
	multiplayer.connected_to_server.connect(func() -> void: print("connected as %d" % multiplayer.get_unique_id()))
	multiplayer.multiplayer_peer = peer
"#;

/// The replicated properties of World, printing each change.
const WORLD_VARS: &str = r#"
var score := 0:
	set(value):
		score = value
		print("score %d" % value)

var wave := 0:
	set(value):
		wave = value
		print("wave %d" % value)
"#;

fn project() -> GoldenCopy {
    let copy = GoldenCopy::new("replication");
    // Godot resolves a uid:// spawnable scene through the editor's uid cache, which the
    // harness does not pack (exports do): name the crate scene by path here.
    copy.edit(
        "world.tscn",
        "\"uid://crate0scene\"",
        "\"res://crate.tscn\"",
    );
    copy.append("world.gd", WORLD_VARS);
    copy.add_client_autoload(CLIENT);
    copy
}

#[test]
fn godot_applies_the_inspected_sync_and_watch_lists() {
    let files = project();
    let mut server = WsServer::start(|_| {});
    let loaded = netscene_godot_project::GodotProject::open(&files.0)
        .and_then(|mut p| p.load_into(&mut server.tree))
        .expect("the project loads");
    let sync = loaded
        .table()
        .scene("live")
        .unwrap()
        .synchronizers
        .iter()
        .find(|s| s.path == "/root/World/ScoreSync")
        .unwrap()
        .clone();
    assert_eq!(sync.sync_order(), [".:wave"]);
    assert_eq!(sync.watch_order(), [".:score"]);
    let world = server.tree.get_node("/root/World").unwrap();
    // world.gd's `var score := 0` / `var wave := 0` are the server's starting values.
    assert_eq!(
        server.tree.node(world).unwrap().get_property("score"),
        Some(&Variant::Int(0))
    );

    let mut godot = GodotClient::launch(
        "replication",
        &GodotProject::from_dir(&files.0),
        &[server.port_arg()],
    );
    godot.wait_for("connected as", STEP, || server.poll());
    let node = server.tree.node_mut(world).unwrap();
    node.set_property("score", Variant::Int(5));
    node.set_property("wave", Variant::Int(2));
    godot.wait_for("wave 2", STEP, || server.poll());
    godot.wait_for("score 5", STEP, || server.poll());
    server
        .tree
        .node_mut(world)
        .unwrap()
        .set_property("score", Variant::Int(6));
    godot.wait_for("score 6", STEP, || server.poll());
    godot.assert_clean();
    godot.kill();
}
