//! A real Godot 4.6 web client (the official web build in headless Chromium, the browser's own
//! WebRTC) joins `netscene serve --transport webrtc`: it finds the server's lobby through the
//! in-process signaling server by the logged name, connects over WebRTC data channels,
//! registers and chats (tests/godot_webrtc_lobby, the lobby RPCs of
//! examples/godot-lobby-client).

mod support;

use netscene_godot_suite::{GodotClient, GodotProject, LaunchOptions, workspace_root};
use support::*;

/// Chromium's flags for WebRTC on loopback, as the real-Godot suite's WebRTC tests use them:
/// every ICE candidate stays a plain 127.0.0.1 address (no mDNS `*.local` names).
const WEBRTC_BROWSER_ARGS: [&str; 2] = [
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
];

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

#[test]
fn a_godot_web_client_joins_the_served_webrtc_lobby() {
    let (mut server, _) = serve(&["--transport", "webrtc", "--bind", "127.0.0.1"], &[]);
    let line = server.wait_logged(&["WebRTC lobby open"]);
    let (lobby, url) = (text_field(&line, "lobby"), text_field(&line, "signal"));
    let project = GodotProject::from_dir(
        workspace_root().join("crates/netscene-cli/tests/godot_webrtc_lobby"),
    );
    let options = LaunchOptions {
        extra_browser_args: WEBRTC_BROWSER_ARGS.iter().map(|a| a.to_string()).collect(),
        ..LaunchOptions::default()
    };
    let args = [
        format!("--signal={url}"),
        format!("--lobby={lobby}"),
        "--name=alice".to_string(),
    ];
    let mut alice = GodotClient::launch_with("alice", &project, &args, &options);
    let joined = alice.wait_for(&format!("joined {lobby} as "), WAIT, || server.pump());
    let id = joined.rsplit(' ').next().unwrap().to_owned();
    alice.wait_for(&format!("connected as {id}"), WAIT, || server.pump());
    server.wait_logged(&["peer connected", &format!("peer={id}")]);
    alice.wait_for(&format!("players: {id}=alice"), WAIT, || server.pump());
    alice.wait_for(&format!("[chat] {id}: hello from alice"), WAIT, || {
        server.pump()
    });
    server.wait_logged(&["player registered", &format!("peer={id}"), "name=alice"]);
    alice.assert_clean();
}
