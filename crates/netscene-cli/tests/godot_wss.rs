//! Real Godot 4.6 web clients (the official web build in headless Chromium) join
//! `netscene serve --tls-cert/--tls-key` over `wss://`: the lobby and the arena. The test CA is
//! trusted through the browser's own certificate database, so Chromium validates the chain and
//! the name as it would for a public CA; a browser without it refuses the server.

mod support;

use std::path::PathBuf;

use netscene_godot_suite::{GodotClient, GodotProject, LaunchOptions, TestPki, workspace_root};
use support::*;

const TOKEN: &str = "wss-token";

fn pki_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netscene-godot-wss-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `netscene serve` over wss:// on 127.0.0.1 with `pki`'s certificate; returns it and its port.
fn wss_server(game: &str, dir: &std::path::Path, pki: &TestPki) -> (Running, String) {
    let files = pki.write_to(dir);
    let (cert, key) = (files.cert.to_str().unwrap(), files.key.to_str().unwrap());
    let args = [
        "serve",
        "--game",
        game,
        "--transport",
        "ws",
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--auth-token",
        TOKEN,
    ];
    let mut server = start(&args, &[]);
    let listening = server.wait_logged(&["listening", "transport=ws"]);
    let port = field(&listening, "port").to_string();
    server.wait_logged(&["serving wss://"]);
    (server, port)
}

fn client_args(port: &str, name: &str) -> Vec<String> {
    vec![
        "--transport=wss".into(),
        "--host=127.0.0.1".into(),
        format!("--port={port}"),
        format!("--name={name}"),
        format!("--token={TOKEN}"),
    ]
}

fn trusting(pki: &TestPki) -> LaunchOptions {
    LaunchOptions {
        trusted_ca_pem: Some(pki.ca_pem.clone()),
        ..LaunchOptions::default()
    }
}

#[test]
fn the_godot_lobby_client_joins_over_wss_and_an_untrusting_browser_cannot() {
    let dir = pki_dir("lobby");
    let pki = TestPki::new("netscene wss test CA");
    let (mut server, port) = wss_server("lobby", &dir, &pki);
    let project = GodotProject::from_dir(workspace_root().join("examples/godot-lobby-client"));

    let mut alice = GodotClient::launch_with(
        "alice",
        &project,
        &client_args(&port, "alice"),
        &trusting(&pki),
    );
    let connected = alice.wait_for("connected as ", WAIT, || server.pump());
    let id = connected["connected as ".len()..].trim().to_owned();
    alice.wait_for(&format!("{id}: \"alice\""), WAIT, || server.pump());
    alice.wait_for("[chat] alice", WAIT, || server.pump());
    server.wait_logged(&["player registered", &format!("peer={id}"), "name=alice"]);

    // The same page in a browser that does not trust the test CA cannot connect.
    let mut stranger = GodotClient::launch("stranger", &project, &client_args(&port, "stranger"));
    let code = stranger.wait_exit(WAIT, || server.pump());
    assert_eq!(code, 1, "{}", stranger.transcript_text());
    assert!(
        stranger
            .transcript()
            .iter()
            .any(|l| l.stderr && l.text == "connection failed"),
        "{}",
        stranger.transcript_text()
    );
    alice.assert_clean();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_godot_arena_client_plays_over_wss() {
    let dir = pki_dir("arena");
    let pki = TestPki::new("netscene wss test CA");
    let (mut server, port) = wss_server("arena", &dir, &pki);
    let project = GodotProject::from_dir(workspace_root().join("examples/godot-arena-client"));
    let mut args = client_args(&port, "alice");
    args.push("--moves=right,right,up".into());
    let mut alice = GodotClient::launch_with("alice", &project, &args, &trusting(&pki));
    let connected = alice.wait_for("connected as ", WAIT, || server.pump());
    let id = connected["connected as ".len()..].trim().to_owned();
    alice.wait_for(&format!("spawned avatar {id}"), WAIT, || server.pump());
    // Spawn cell (3,3), then right, right, up: three new cells, replicated back over wss://.
    let moved = format!("avatar {id} 'alice' at 176,80 score=3");
    alice.wait_for(&moved, WAIT, || server.pump());
    server.wait_logged(&["player moved", &format!("peer={id} "), "x=176", "y=80"]);
    alice.assert_clean();
    let _ = std::fs::remove_dir_all(&dir);
}
