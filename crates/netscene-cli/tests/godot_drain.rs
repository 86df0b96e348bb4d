//! A real Godot 4.6 web client (the official web build in headless Chromium, the lobby example)
//! through `netscene serve`'s graceful drain: it stays connected while the server drains, then
//! gets the server's WebSocket close and reports `server_disconnected` ("server lost"), with
//! no Godot error; the server exits 0.

mod support;

use std::time::{Duration, Instant};

use netscene_godot_suite::{GodotClient, GodotProject, workspace_root};
use support::*;

#[test]
fn a_godot_client_stays_through_the_drain_then_is_disconnected_cleanly() {
    let drain = ["--drain-timeout", "3"];
    let (mut server, port) = serve(
        &[&["--transport", "ws", "--bind", "127.0.0.1"][..], &drain].concat(),
        &[],
    );
    let project = GodotProject::from_dir(workspace_root().join("examples/godot-lobby-client"));
    let args = [
        "--transport=ws".to_string(),
        "--host=127.0.0.1".into(),
        format!("--port={port}"),
        "--name=alice".into(),
    ];
    let mut alice = GodotClient::launch("alice", &project, &args);
    alice.wait_for("connected as ", WAIT, || {});
    alice.wait_for("players: ", WAIT, || {});

    server.terminate();
    server.expect_line(&["draining", "peers=1"]);
    let began = Instant::now();
    // Two seconds into the 3 s drain, Godot is still in the game.
    while began.elapsed() < Duration::from_secs(2) {
        alice.update();
        assert_eq!(alice.exit_code(), None, "{}", alice.transcript_text());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Then the server closes the connection: Godot's server_disconnected, then it quits.
    let code = alice.wait_exit(WAIT, || {});
    assert_eq!(code, 1, "the lobby client quits 1 when the server leaves");
    assert!(
        alice
            .transcript()
            .iter()
            .any(|line| line.stderr && line.text.contains("server lost")),
        "{}",
        alice.transcript_text()
    );
    assert!(began.elapsed() >= Duration::from_millis(2900));
    alice.assert_clean();
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("drain over end=Timeout peers=1"),
        "{stdout}"
    );
}
