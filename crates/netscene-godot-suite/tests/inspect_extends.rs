//! The RPCs `netscene inspect` derives through `extends` chains are the ones real Godot 4.6
//! uses: the golden extends_chain project (leaf.gd extends a class_name, which extends a
//! script by path, which extends base.gd by a relative path; mid.gd replaces base.gd's `hit`
//! config; leaf.gd's `_ready` adds a node-level `late` config with `rpc_config`) loaded into
//! a netscene server, and a real Godot client running the same files. Two more facts are
//! checked against Godot: a subclass that redefines an `@rpc` function without `@rpc` keeps
//! it an RPC with the base's config, and the run-time `rpc_config` call that inspect reports
//! is what the server must mirror by hand (the checksum includes node-level names).

mod golden_copy;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use golden_copy::GoldenCopy;
use netscene::{RpcConfig, args};
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
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.multiplayer_peer = peer

func _on_connected() -> void:
	print("connected as %d" % multiplayer.get_unique_id())
	get_node("/root/World/Leaf").rpc_id(1, "emote", 5)
"#;

/// The editor's global class cache for the two `class_name`s of the project.
const CLASS_CACHE: &str = r#"list=[{
"base": &"CharacterBody2D",
"class": &"BasePawn",
"icon": "",
"is_abstract": false,
"is_tool": false,
"language": &"GDScript",
"path": "res://scripts/base.gd"
}, {
"base": &"CharacterBody2D",
"class": &"MidPawn",
"icon": "",
"is_abstract": false,
"is_tool": false,
"language": &"GDScript",
"path": "res://named_mid.gd"
}]
"#;

fn project() -> GoldenCopy {
    let copy = GoldenCopy::new("extends_chain");
    // Bodies that print; leaf.gd redefines `die` WITHOUT @rpc.
    copy.edit(
        "scripts/mid.gd",
        "func hit(_damage: int): pass",
        "func hit(_damage: int): print(\"hit called %d\" % _damage)",
    );
    copy.append("leaf.gd", "\nfunc die():\n\tprint(\"leaf die called\")\n");
    copy.add_client_autoload(CLIENT);
    copy
}

#[test]
fn godot_and_the_inspected_table_agree_through_extends_chains() {
    let files = project();
    let mut server = WsServer::start(|_| {});
    let mut loaded = netscene_godot_project::GodotProject::open(&files.0)
        .and_then(|mut p| p.load_into(&mut server.tree))
        .expect("the project loads");
    let leaf = loaded.table().rpc_node("/root/World/Leaf").unwrap().clone();
    let ids: Vec<(u16, &str, &str)> = leaf
        .methods
        .iter()
        .map(|m| (m.id, m.name.as_str(), m.mode.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (0, "die", "authority"),
            (1, "emote", "any_peer"),
            (2, "hit", "authority")
        ]
    );
    assert_eq!(leaf.runtime_rpc_config, ["res://leaf.gd:8"]);
    // What inspect reported as run time: the server mirrors leaf.gd's rpc_config call.
    let leaf_id = server.tree.get_node("/root/World/Leaf").unwrap();
    server
        .tree
        .node_mut(leaf_id)
        .unwrap()
        .set_rpc_config("late", RpcConfig::any_peer());

    let emotes: Arc<Mutex<Vec<i64>>> = Arc::default();
    let seen = emotes.clone();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/World/Leaf",
            "emote",
            move |ctx, (id,): (i64,)| {
                seen.lock().unwrap().push(id);
                let from = ctx.remote_sender_id();
                ctx.rpc_id(from, "die", &[]).expect("die sent");
                ctx.rpc_id(from, "hit", &args![3]).expect("hit sent");
            },
        )
        .unwrap();

    // Godot resolves `extends MidPawn` through the class cache its editor writes (exports
    // carry it); the harness packs no .godot/ directory, so the test writes the cache.
    let pack = GodotProject::from_dir(&files.0)
        .with_file(".godot/global_script_class_cache.cfg", CLASS_CACHE);
    let mut godot = GodotClient::launch("extends", &pack, &[server.port_arg()]);
    godot.wait_for("connected as", STEP, || server.poll());
    godot.wait_for("leaf die called", STEP, || server.poll());
    godot.wait_for("hit called 3", STEP, || server.poll());
    assert_eq!(*emotes.lock().unwrap(), [5]);
    godot.assert_clean();
    godot.kill();
}
