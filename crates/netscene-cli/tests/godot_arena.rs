//! `netscene serve --game arena` against real Godot 4.6 clients running
//! examples/godot-arena-client (the official web build in headless Chromium): each sees the
//! other's avatar spawned, moved as its inputs say, scored and named; one that leaves, or
//! whose game crashes, is despawned on the others; none prints a Godot error.

mod support;

use std::thread;
use std::time::{Duration, Instant};

use netscene_godot_suite::{GodotClient, GodotProject, workspace_root};
use support::*;

/// Waits until `client` has printed a line containing `needle` (anywhere in its transcript:
/// the two clients' lines interleave in no fixed order), reading the server's log meanwhile.
/// Fails on any Godot error line.
fn wait_printed(client: &mut GodotClient, server: &mut Running, needle: &str) -> String {
    let start = Instant::now();
    loop {
        server.pump();
        client.update();
        client.assert_clean();
        let found = client
            .stdout_lines()
            .find(|line| line.contains(needle))
            .map(str::to_owned);
        if let Some(line) = found {
            return line;
        }
        assert!(
            start.elapsed() < WAIT,
            "{} printed no line with {needle:?} within {WAIT:?}\n{}\nserver log:\n{}",
            client.name(),
            client.transcript_text(),
            server.seen().join("\n")
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// The server's auth token: only admitted players get an avatar.
const TOKEN: &str = "arena-token";

/// Starts `name`'s Godot client of the arena server on `port`.
fn launch(name: &str, port: &str, extra: &[&str]) -> GodotClient {
    let project = GodotProject::from_dir(workspace_root().join("examples/godot-arena-client"));
    let mut args = vec![
        "--transport=ws".to_owned(),
        "--host=127.0.0.1".to_owned(),
        format!("--port={port}"),
        format!("--name={name}"),
        format!("--token={TOKEN}"),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    GodotClient::launch(name, &project, &args)
}

/// The id a client printed on `connected as ID`.
fn connected_id(client: &mut GodotClient, server: &mut Running) -> String {
    let line = wait_printed(client, server, "connected as ");
    line["connected as ".len()..].trim().to_owned()
}

#[test]
fn godot_clients_play_the_arena() {
    let started = Instant::now();
    let (mut server, port) = serve_arena("ws", &["--auth-token", TOKEN]);
    let port = port.to_string();

    // Alice joins first (spawn cell (3,3) = 112,112) and moves right, right, up: (5,2), three
    // new cells.
    let mut alice = launch("alice", &port, &["--moves=right,right,up"]);
    let alice_id = connected_id(&mut alice, &mut server);
    wait_printed(
        &mut alice,
        &mut server,
        &format!("spawned avatar {alice_id}"),
    );
    wait_printed(&mut alice, &mut server, "sent 3 moves");
    let alice_final = format!("avatar {alice_id} 'alice' at 176,80 score=3");
    wait_printed(&mut alice, &mut server, &alice_final);
    // The server moved it there (its log), one step per input.
    let moved = server.wait_logged(&["player moved", &format!("peer={alice_id} ")]);
    assert!(moved.contains("x=144"), "first step right: {moved}");
    server.wait_logged(&[
        "player moved",
        &format!("peer={alice_id} "),
        "x=176",
        "y=80",
        "score=3",
    ]);
    server.wait_logged(&["player named", &format!("peer={alice_id} "), "name=alice"]);

    // Zoë joins later (spawn cell (16,3) = 528,112): she gets Alice's avatar with its whole
    // state in the SPAWN, moves down and left to (15,4) = 496,144 (two new cells), then leaves.
    // A non-ASCII name travels in the lobby RPC and in the avatar's ON_CHANGE delta.
    let mut zoe = launch("Zoë ✓", &port, &["--moves=down,left", "--leave-after=2"]);
    let zoe_id = connected_id(&mut zoe, &mut server);
    assert_ne!(alice_id, zoe_id);
    wait_printed(&mut zoe, &mut server, &format!("spawned avatar {alice_id}"));
    wait_printed(&mut zoe, &mut server, &alice_final);
    let zoe_final = format!("avatar {zoe_id} 'Zoë ✓' at 496,144 score=2");
    wait_printed(&mut zoe, &mut server, &zoe_final);
    server.wait_logged(&[
        "player moved",
        &format!("peer={zoe_id} "),
        "x=496",
        "y=144",
        "score=2",
    ]);

    // Alice sees Zoë arrive, her name, her moves (position ALWAYS, score ON_CHANGE)...
    wait_printed(&mut alice, &mut server, &format!("spawned avatar {zoe_id}"));
    wait_printed(&mut alice, &mut server, &zoe_final);
    // ... and leave.
    wait_printed(&mut zoe, &mut server, "leaving");
    assert_eq!(zoe.wait_exit(WAIT, || server.pump()), 0);
    wait_printed(
        &mut alice,
        &mut server,
        &format!("despawned avatar {zoe_id}"),
    );
    server.wait_logged(&["player despawned", &format!("peer={zoe_id}")]);

    // Carol's game crashes (her browser is killed, no goodbye): the server notices the dead
    // connection and despawns her avatar on Alice's side too. Third join: cell (3,11).
    let mut carol = launch("carol", &port, &[]);
    let carol_id = connected_id(&mut carol, &mut server);
    wait_printed(&mut carol, &mut server, &alice_final);
    wait_printed(
        &mut alice,
        &mut server,
        &format!("avatar {carol_id} 'carol' at 112,368 score=0"),
    );
    carol.assert_clean();
    carol.kill();
    wait_printed(
        &mut alice,
        &mut server,
        &format!("despawned avatar {carol_id}"),
    );
    server.wait_logged(&["player despawned", &format!("peer={carol_id}")]);

    // Alice's own avatar is still there and unchanged; nobody printed a Godot error.
    assert!(
        !alice
            .stdout_lines()
            .any(|line| line.contains(&format!("despawned avatar {alice_id}"))),
        "{}",
        alice.transcript_text()
    );
    alice.assert_clean();
    zoe.assert_clean();
    eprintln!("arena with three Godot clients: {:?}", started.elapsed());
}
