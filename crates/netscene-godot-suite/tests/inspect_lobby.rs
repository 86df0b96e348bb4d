//! A netscene server built from the Godot project itself (no hand-mirrored RPC table): the
//! lobby example's files are loaded into the server's tree with
//! `netscene_godot_project::GodotProject::load_into`, the server attaches its two handlers by
//! node path and method name, and the example's real Godot 4.6 client joins, registers and
//! chats. A wrong id or checksum would make Godot print "The rpc node checksum failed" and
//! fail the test.

use std::time::Duration;

use netscene::variant::Dictionary;
use netscene::{Variant, args};
use netscene_godot_suite::{GodotClient, GodotProject, WsServer, workspace_root};

const STEP: Duration = Duration::from_secs(60);

#[test]
fn the_lobby_examples_godot_client_joins_a_server_built_from_its_own_project() {
    let mut server = WsServer::start(|_| {});
    let dir = workspace_root().join("examples/godot-lobby-client");
    let mut loaded = netscene_godot_project::GodotProject::open(&dir)
        .and_then(|mut p| p.load_into(&mut server.tree))
        .expect("the lobby project loads");

    let names = std::sync::Arc::new(std::sync::Mutex::new(Dictionary::new()));
    let registered = names.clone();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Lobby",
            "register",
            move |ctx, (name,): (String,)| {
                let from = i64::from(ctx.remote_sender_id());
                let players = {
                    let mut players = registered.lock().unwrap();
                    players.insert(from, name);
                    players.clone()
                };
                ctx.rpc("update_players", &[Variant::Dictionary(players)])
                    .expect("update_players sent");
            },
        )
        .unwrap();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Lobby",
            "chat",
            |ctx, (text,): (String,)| {
                let from = i64::from(ctx.remote_sender_id());
                ctx.rpc("receive_chat", &args![from, text])
                    .expect("receive_chat sent");
            },
        )
        .unwrap();
    // The two methods only the server calls need no handler on the server.
    assert_eq!(
        loaded.missing_handlers(),
        ["/root/Lobby.receive_chat", "/root/Lobby.update_players"]
    );

    let project = GodotProject::from_dir(&dir);
    let mut godot = GodotClient::launch(
        "lobby",
        &project,
        &[
            server.port_arg(),
            "--transport=ws".into(),
            "--name=ada".into(),
        ],
    );
    let connected = godot.wait_for("connected as", STEP, || server.poll());
    let id: i64 = connected["connected as ".len()..].trim().parse().unwrap();
    let players = godot.wait_for("players: ", STEP, || server.poll());
    assert!(players.contains(&format!("{id}: \"ada\"")), "{players}");
    let chat = godot.wait_for("[chat] ", STEP, || server.poll());
    assert_eq!(chat, "[chat] ada: hello from ada");
    assert_eq!(names.lock().unwrap().len(), 1);
    godot.assert_clean();
    godot.kill();
}
