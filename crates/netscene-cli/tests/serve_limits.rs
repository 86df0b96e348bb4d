//! `netscene serve`'s abuse limits, on the built binary: `--max-clients` over WebSocket
//! refuses before admission (no phantom join/leave on the server or the players), and the
//! per-peer flags throttle and then disconnect a client flooding RPCs.

mod support;

use std::time::{Duration, Instant};

use netscene::{MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer};
use support::*;

#[test]
fn a_full_websocket_server_refuses_without_a_phantom_peer() {
    let (mut server, port) = serve(&["--transport", "ws", "--max-clients", "1"], &[]);
    let (mut first, first_id) = client(port, "first", &["--transport", "ws"]);
    first.expect_line(&["players:", &format!("{first_id}=first")]);
    let address = format!("127.0.0.1:{port}");
    let args = [
        "connect",
        address.as_str(),
        "--transport",
        "ws",
        "--connect-timeout",
        "3",
    ];
    let (code, stdout, stderr) = start(&args, &[]).wait_keeping_stdin();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    std::thread::sleep(Duration::from_millis(300));
    server.pump();
    first.pump();
    let joined = server
        .seen()
        .iter()
        .filter(|l| l.contains("peer connected"))
        .count();
    assert_eq!(joined, 1, "{:?}", server.seen());
    assert!(
        !server.seen().iter().any(|l| l.contains("server full")),
        "the extra client was never admitted: {:?}",
        server.seen()
    );
    assert!(
        !first
            .seen()
            .iter()
            .any(|l| l.contains("peer connected: ") && !l.ends_with(": 1")),
        "the player saw a phantom peer: {:?}",
        first.seen()
    );
}

#[test]
fn a_client_flooding_rpcs_is_throttled_then_disconnected() {
    let (mut server, port) = serve(
        &[
            "--bind",
            "127.0.0.1",
            "--max-rpcs-per-second",
            "20",
            "--disconnect-abusive-after",
            "2",
        ],
        &[],
    );
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_client_with(ClientOptions::new("127.0.0.1", port))
        .unwrap();
    let mp = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = tree.add_path("/root/Lobby").unwrap();
    // The lobby's methods as lobby.gd declares them (ids and checksum must match).
    tree.on_rpc(
        lobby,
        "chat",
        RpcConfig::any_peer(),
        |_, (_,): (String,)| {},
    )
    .unwrap();
    tree.on_rpc(
        lobby,
        "register",
        RpcConfig::any_peer(),
        |_, (_,): (String,)| {},
    )
    .unwrap();
    let authority = RpcConfig::authority();
    tree.on_rpc(
        lobby,
        "receive_chat",
        authority,
        |_, (_, _): (i64, String)| {},
    )
    .unwrap();
    tree.on_rpc(
        lobby,
        "update_players",
        authority,
        |_, (_,): (netscene::variant::Dictionary,)| {},
    )
    .unwrap();
    let start = Instant::now();
    let mut connected = false;
    let mut disconnected_after = None;
    while start.elapsed() < WAIT && disconnected_after.is_none() {
        tree.poll().unwrap();
        for event in tree.drain_events("") {
            match event {
                MultiplayerEvent::ConnectedToServer => connected = true,
                MultiplayerEvent::ServerDisconnected => {
                    disconnected_after = Some(start.elapsed());
                }
                _ => {}
            }
        }
        if connected {
            // 10 chats every 5 ms: ~2 000 per second against a limit of 20.
            for _ in 0..10 {
                let _ = tree.rpc_id(lobby, 1, "chat", &netscene::args!["spam"]);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(connected, "the client joined");
    let after = disconnected_after.expect("the flooding client was disconnected");
    assert!(after < Duration::from_secs(20), "{after:?}");
    server.wait_logged(&["dropped packet", "over its limit of RPCs per second"]);
    server.wait_logged(&["disconnected for exceeding its limit"]);
    server.wait_logged(&["peer disconnected"]);
}
