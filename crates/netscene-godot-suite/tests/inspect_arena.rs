//! The arena example's real Godot 4.6 client against a netscene server built from the arena
//! project's own files: the Lobby autoload's and Arena's RPCs, Arena/PlayerSpawner with
//! res://player.tscn as scene 0, and player.tscn's MultiplayerSynchronizer with its
//! SceneReplicationConfig all come from `GodotProject::load_into`; the server only attaches
//! `register` and `move` and spawns avatars with their first state. Godot spawns the avatar,
//! applies the spawn state, then the ALWAYS position syncs and the ON_CHANGE score delta.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::Variant;
use netscene::variant::{Vector2, Vector2i};
use netscene_godot_suite::{GodotClient, GodotProject, WsServer, workspace_root};

const STEP: Duration = Duration::from_secs(60);

#[test]
fn the_arena_examples_godot_client_plays_on_a_server_built_from_its_own_project() {
    let mut server = WsServer::start(|_| {});
    let dir = workspace_root().join("examples/godot-arena-client");
    let mut loaded = netscene_godot_project::GodotProject::open(&dir)
        .and_then(|mut p| p.load_into(&mut server.tree))
        .expect("the arena project loads");

    let joined: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    let queue = joined.clone();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Lobby",
            "register",
            move |ctx, (name,): (String,)| {
                queue
                    .lock()
                    .unwrap()
                    .push((i64::from(ctx.remote_sender_id()), name));
            },
        )
        .unwrap();
    loaded
        .on_rpc(
            &mut server.tree,
            "/root/Arena",
            "move",
            |ctx, (dir,): (Vector2i,)| {
                let from = ctx.remote_sender_id();
                let tree = ctx.tree();
                let Some(avatar) = tree.get_node(&format!("/root/Arena/Players/{from}")) else {
                    return;
                };
                let node = tree.node_mut(avatar).unwrap();
                let Some(Variant::Vector2(at)) = node.get_property("position").cloned() else {
                    return;
                };
                let next = Vector2::new(at.x + 32.0 * dir.x as f32, at.y + 32.0 * dir.y as f32);
                let score = match node.get_property("score") {
                    Some(Variant::Int(s)) => *s + 1,
                    _ => 1,
                };
                node.set_property("position", Variant::Vector2(next));
                node.set_property("score", Variant::Int(score));
            },
        )
        .unwrap();

    let project = GodotProject::from_dir(&dir);
    let mut godot = GodotClient::launch(
        "arena",
        &project,
        &[
            server.port_arg(),
            "--transport=ws".into(),
            "--name=ada".into(),
            "--moves=right,down".into(),
        ],
    );
    // The server's frame: poll, then spawn an avatar for each new registration.
    let frame = {
        let joined = joined.clone();
        move |server: &mut WsServer, loaded: &netscene_godot_project::LoadedProject| {
            server.poll();
            for (id, name) in joined.lock().unwrap().drain(..) {
                loaded
                    .spawn(
                        &mut server.tree,
                        "/root/Arena/PlayerSpawner",
                        0,
                        &id.to_string(),
                        move |tree, avatar| {
                            let node = tree.node_mut(avatar).unwrap();
                            node.set_property(
                                "position",
                                Variant::Vector2(Vector2::new(64.0, 96.0)),
                            );
                            node.set_property("player_name", Variant::String(name));
                        },
                    )
                    .expect("spawn the avatar");
            }
        }
    };
    let connected = godot.wait_for("connected as", STEP, || frame(&mut server, &loaded));
    let id: i64 = connected["connected as ".len()..].trim().parse().unwrap();
    godot.wait_for(&format!("spawned avatar {id}"), STEP, || {
        frame(&mut server, &loaded)
    });
    // The spawn state (position, score from player.gd's `var score := 0`, name) arrives first.
    godot.wait_for(&format!("avatar {id} 'ada' at 64,96 score=0"), STEP, || {
        frame(&mut server, &loaded)
    });
    // Two moves: the position (ALWAYS) and the score (ON_CHANGE delta) follow.
    godot.wait_for(
        &format!("avatar {id} 'ada' at 96,128 score=2"),
        STEP,
        || frame(&mut server, &loaded),
    );
    godot.assert_clean();
    godot.kill();
}
