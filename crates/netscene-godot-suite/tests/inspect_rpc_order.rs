//! The method ids `netscene inspect` derives are the ones real Godot 4.6 uses: the golden
//! project whose `@rpc` names sort in a tricky order (`Beta`, `_underscore`, `alpha`, `mid`,
//! `zeta`: upper case, underscore, lower case by code point) and whose annotations put
//! their arguments in any order, loaded into a netscene server with `load_into`, trades every
//! method with a real Godot client running the same files. A wrong id would call the wrong
//! method or fail its argument check; a wrong checksum makes Godot print "The rpc node
//! checksum failed".

mod golden_copy;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use golden_copy::GoldenCopy;
use netscene::args;
use netscene_godot_suite::{GodotClient, GodotProject, WsServer};

const STEP: Duration = Duration::from_secs(60);

/// The client autoload added to the project copy, whose methods print as their bodies (names
/// and annotations, the wire contract, stay as written): joins, then calls the methods.
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
	var main := get_node("/root/Main")
	main.rpc_id(1, "_underscore")
	main.rpc_id(1, "alpha", 7)
"#;

fn project() -> GoldenCopy {
    let copy = GoldenCopy::new("rpc_annotations");
    for (from, to) in [
        (
            "func zeta() -> void: pass",
            "func zeta() -> void: print(\"zeta called\")",
        ),
        (
            "func alpha(_a: int) -> void:\n\tpass",
            "func alpha(_a: int) -> void:\n\tprint(\"alpha called %d\" % _a)",
        ),
        (
            "func Beta() -> void: pass",
            "func Beta() -> void: print(\"Beta called\")",
        ),
        (
            "func mid(x) -> void: pass",
            "func mid(x) -> void: print(\"mid called %s\" % x)",
        ),
    ] {
        copy.edit("node.gd", from, to);
    }
    copy.add_client_autoload(CLIENT);
    copy
}

#[test]
fn godot_and_the_inspected_table_agree_on_every_method_id() {
    let files = project();
    let mut server = WsServer::start(|_| {});
    let mut loaded = netscene_godot_project::GodotProject::open(&files.0)
        .and_then(|mut p| p.load_into(&mut server.tree))
        .expect("the project loads");
    let table = loaded.table().rpc_node("/root/Main").unwrap().clone();
    let ids: Vec<(u16, &str)> = table
        .methods
        .iter()
        .map(|m| (m.id, m.name.as_str()))
        .collect();
    assert_eq!(
        ids,
        [
            (0, "Beta"),
            (1, "_underscore"),
            (2, "alpha"),
            (3, "mid"),
            (4, "zeta")
        ]
    );

    let calls: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = calls.clone();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Main",
            "_underscore",
            move |ctx, (): ()| {
                seen.lock()
                    .unwrap()
                    .push(format!("_underscore from {}", ctx.remote_sender_id()));
            },
        )
        .unwrap();
    let seen = calls.clone();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Main",
            "alpha",
            move |ctx, (a,): (i64,)| {
                let from = ctx.remote_sender_id();
                seen.lock().unwrap().push(format!("alpha {a}"));
                // Answer with every method Godot accepts from the server.
                for (method, args) in [
                    ("Beta", vec![]),
                    ("mid", args!["x"].to_vec()),
                    ("zeta", vec![]),
                    ("alpha", args![9].to_vec()),
                ] {
                    ctx.rpc_id(from, method, &args).expect("sent");
                }
            },
        )
        .unwrap();
    assert_eq!(
        loaded.missing_handlers(),
        ["/root/Main.Beta", "/root/Main.mid", "/root/Main.zeta"]
    );

    let mut godot = GodotClient::launch(
        "rpc-order",
        &GodotProject::from_dir(&files.0),
        &[server.port_arg()],
    );
    godot.wait_for("connected as", STEP, || server.poll());
    for line in [
        "Beta called",
        "mid called x",
        "zeta called",
        "alpha called 9",
    ] {
        godot.wait_for(line, STEP, || server.poll());
    }
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with("_underscore from "), "{calls:?}");
    assert_eq!(calls[1], "alpha 7");
    godot.assert_clean();
    godot.kill();
}
