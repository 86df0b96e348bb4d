//! `netscene demo | serve | connect | bench`, run as the built binary. Every child is killed
//! when a test fails, and every wait is bounded.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use support::*;

fn run_demo(extra: &[&str]) {
    let mut args = vec!["demo", "--duration", "3"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = start(&args, &[]).wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("netscene demo: a server and 8 bots"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" 0 lost: every reliable message arrived"),
        "{stdout}"
    );
    // Every kind of reliable traffic happened.
    for row in [
        "register (any_peer)",
        "chat (any_peer)",
        "receive_chat (authority)",
        "update_players (authority)",
        "whisper (relayed RPC)",
        "raw bytes (relayed)",
    ] {
        let line = stdout.lines().find(|l| l.contains(row)).expect(row);
        let counts: Vec<u64> = line
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        assert!(
            counts.len() == 2 && counts[0] > 0 && counts[0] == counts[1],
            "{line}"
        );
    }
    assert!(stdout.contains("peers: 8 joined"), "{stdout}");
    // The synchronizer brought the server's final count to every bot.
    let board = stdout
        .lines()
        .find(|l| l.contains("replicated scoreboard"))
        .expect("scoreboard line");
    assert!(board.contains(" on the server and on 8/8 bots"), "{board}");
    // The spawner gave every bot every avatar, and the synchronizers their final positions.
    let avatars = stdout
        .lines()
        .find(|l| l.contains("replicated avatars"))
        .expect("avatars line");
    assert!(
        avatars.contains("64 spawns received; 8 avatars at the server's positions on 8/8 bots"),
        "{avatars}"
    );
    assert!(stdout.contains(", 8 left, 0 refused"), "{stdout}");
    // The narration names who joined.
    assert!(stdout.contains("server: bot-1 joined as peer "), "{stdout}");
}

#[test]
fn demo_on_the_simulated_network_delivers_everything() {
    run_demo(&["--transport", "sim", "--latency", "5", "--loss", "0.05"]);
}

#[test]
fn demo_over_enet_delivers_everything() {
    run_demo(&[]);
}

#[test]
fn bench_with_50_clients_loses_nothing() {
    let (code, stdout, stderr) =
        start(&["bench", "--clients", "50", "--duration", "3"], &[]).wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("clients connected         50/50"),
        "{stdout}"
    );
    assert!(
        stdout.contains("reliable RPCs lost        0 (of "),
        "{stdout}"
    );
    assert!(stdout.contains("server CPU"), "{stdout}");
    assert!(stdout.contains("round trip p99"), "{stdout}");
}

#[test]
fn memory_bench_reports_per_slot_per_client_and_once() {
    for (transport, name) in [("enet", "ENet"), ("ws", "WebSocket")] {
        let (code, stdout, stderr) = start(
            &[
                "bench",
                "--game",
                "memory",
                "--transport",
                transport,
                "--clients",
                "400",
            ],
            &[],
        )
        .wait();
        assert_eq!(code, 0, "{stdout}\n{stderr}");
        assert!(stdout.contains("once (first 100 clients)"), "{stdout}");
        let mut per_client = Vec::new();
        for stack in [
            format!("{name} alone"),
            format!("{name} + SceneMultiplayer"),
        ] {
            let row = stdout
                .lines()
                .find(|line| line.trim_start().starts_with(&stack))
                .unwrap_or_else(|| panic!("no {stack} row in {stdout}"));
            let numbers: Vec<f64> = row[row.find(&stack).unwrap() + stack.len()..]
                .split_whitespace()
                .filter_map(|word| word.parse().ok())
                .collect();
            assert_eq!(numbers.len(), 3, "{row}");
            per_client.push(numbers[1]);
        }
        // A connected peer holds kilobytes of buffers and windows (ENet about 20 KB, a
        // WebSocket connection about 5 KB). (What the stack adds, under a kilobyte, is within
        // a few pages of noise at this size.)
        assert!(per_client.iter().all(|&bytes| bytes > 1000.0), "{stdout}");
        assert!(
            stdout.contains(&format!("whole stack above {name}'s own: ")),
            "{stdout}"
        );
    }
}

fn lobby_round(transport: &str) {
    // A short drain: bob is still connected when the server is stopped.
    let args = ["--transport", transport, "--auth-token", "s3cret"];
    let (server, port) = serve(&[&args[..], &["--drain-timeout", "1"]].concat(), &[]);
    let auth = ["--transport", transport, "--auth-token", "s3cret"];
    let (mut alice, alice_id) = client(port, "alice", &auth);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);
    let (mut bob, bob_id) = client(port, "bob", &auth);
    // Each sees the other's name in update_players.
    alice.expect_line(&[
        "players:",
        &format!("{alice_id}=alice"),
        &format!("{bob_id}=bob"),
    ]);
    bob.expect_line(&[
        "players:",
        &format!("{alice_id}=alice"),
        &format!("{bob_id}=bob"),
    ]);

    // Chat goes to the server, which calls receive_chat on everyone, the sender included.
    alice.send("hello from alice");
    let chat = format!("[chat] alice ({alice_id}): hello from alice");
    bob.expect_line(&[&chat]);
    alice.expect_line(&[&chat]);

    // Raw bytes from bob to alice through the relay, stamped with bob's id.
    bob.send(&format!("/raw {alice_id} psst"));
    alice.expect_line(&[&format!("raw from {bob_id}: psst")]);

    // Alice leaves; bob hears it and gets the shorter list.
    let (code, _, stderr) = alice.wait();
    assert_eq!(code, 0, "{stderr}");
    bob.expect_line(&[&format!("peer disconnected: {alice_id}")]);
    bob.expect_line(&["players:", &format!("{bob_id}=bob")]);

    // The server stops cleanly on SIGTERM (after the drain); bob notices and fails with a
    // clear message.
    server.terminate();
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let (code, _, stderr) = bob.wait_keeping_stdin();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr, "error: connection to the server lost");
    assert!(stdout.contains("peer connected"), "{stdout}");
    assert!(stdout.contains("peer disconnected"), "{stdout}");
    assert!(stdout.contains("shutting down"), "{stdout}");
}

#[test]
fn serve_hosts_the_lobby_over_enet() {
    lobby_round("enet");
}

#[test]
fn serve_hosts_the_lobby_over_websocket() {
    lobby_round("ws");
}

#[test]
fn a_wrong_token_is_refused() {
    let (mut server, port) = serve(&["--auth-token", "right"], &[]);
    let address = format!("127.0.0.1:{port}");
    let intruder = start(&["connect", &address, "--auth-token", "wrong"], &[]);
    let (code, _, stderr) = intruder.wait();
    assert_ne!(code, 0);
    assert_eq!(
        stderr,
        format!("error: connected to ENet udp://{address} but the server refused the auth token")
    );
    server.expect_line(&["authentication refused"]);
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("health port");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn serve_answers_health_probes_takes_flags_from_env_and_stops_on_sigint() {
    let mut server = start(
        &["serve", "--log-format", "json"],
        &[
            ("NETSCENE_PORT", "0"),
            ("NETSCENE_HEALTH_PORT", "0"),
            ("NETSCENE_MAX_CLIENTS", "5"),
        ],
    );
    let line = server.expect_line(&["health endpoint listening"]);
    assert!(line.starts_with('{'), "json log line: {line}");
    let start = line.find("\"port\":").expect("port field") + 7;
    let port: u16 = line[start..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let health = http_get(port, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
    assert!(http_get(port, "/metrics").contains("netscene_peers 0"));
    assert!(
        server
            .seen()
            .iter()
            .any(|l| l.contains("\"max_clients\":5")),
        "{:?}",
        server.seen()
    );
    server.signal("INT"); // Ctrl-C stops it as cleanly as SIGTERM
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("shutting down"), "{stdout}");
}

#[test]
fn connect_fails_clearly_when_nothing_listens() {
    // A port that was free a moment ago: nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    for transport in ["ws", "enet"] {
        let args = [
            "connect",
            &address,
            "--transport",
            transport,
            "--connect-timeout",
            "3",
        ];
        let (code, _, stderr) = start(&args, &[]).wait();
        assert_eq!(code, 1, "{transport}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot reach"),
            "{transport}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Each case: the arguments, the exit status (2: refused while parsing the command line, 1:
/// refused by the command's own checks), and a piece the one-line message must contain.
#[test]
fn bad_flags_give_one_line_and_a_failure_status() {
    let cases: &[(&[&str], i32, &str)] = &[
        (&["demo", "--bots", "0"], 2, "--bots"),
        (&["demo", "--duration", "-1"], 2, "'-1'"),
        (
            &["demo", "--duration", "0"],
            1,
            "--duration must be more than 0 and at most 86400 seconds",
        ),
        (&["demo", "--loss", "0.1"], 1, "--transport sim"),
        (
            &["demo", "--transport", "carrier-pigeon"],
            2,
            "carrier-pigeon",
        ),
        (&["serve", "--port", "seventy"], 2, "--port"),
        (&["serve", "--max-clients", "0"], 2, "--max-clients"),
        (
            &["serve", "--bind", "not-an-ip", "--port", "0"],
            1,
            "not-an-ip",
        ),
        (&["serve", "--transport", "sim"], 2, "'sim'"),
        (&["serve", "--auth-token", ""], 2, "--auth-token"),
        (&["connect"], 2, "not provided: <HOST:PORT|URL>"),
        (&["connect", "no-port-here"], 1, "HOST:PORT"),
        (&["connect", "127.0.0.1:0"], 1, "port 0"),
        (
            &["connect", "127.0.0.1:7000", "--auth-token", ""],
            2,
            "'--auth-token <AUTH_TOKEN>': must not be empty",
        ),
        (
            &["connect", "127.0.0.1:7000", "--name", ""],
            2,
            "'--name <NAME>': must not be empty",
        ),
        (
            &["connect", "127.0.0.1:7000", "--connect-timeout", "1e300"],
            2,
            "at most 3600 seconds",
        ),
        (
            &["connect", "127.0.0.1:7000", "--connect-timeout", "NaN"],
            2,
            "--connect-timeout",
        ),
        (&["bench", "--clients", "0"], 2, "--clients"),
        (&["bench", "--rate", "0"], 2, "--rate"),
        (
            &["bench", "--duration", "0"],
            1,
            "--duration must be more than 0 and at most 3600 seconds",
        ),
        (&["bench", "--frobnicate"], 2, "--frobnicate"),
        (&["teleport"], 2, "teleport"),
    ];
    for (args, status, part) in cases {
        let (code, _, stderr) = start(args, &[]).wait();
        assert_eq!(code, *status, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
        assert!(stderr.contains(part), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    // An empty token from the environment is refused the same way: it would lock everyone out.
    let (code, _, stderr) = start(&["serve", "--port", "0"], &[("NETSCENE_AUTH_TOKEN", "")]).wait();
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("must not be empty"), "{stderr}");
}

/// A client and a server that disagree on the token say so, instead of "cannot reach".
#[test]
fn a_token_mismatch_is_named() {
    let (_plain, plain_port) = serve(&[], &[]);
    let address = format!("127.0.0.1:{plain_port}");
    // The client waits for an authentication the server never asks for: the connect timeout
    // ends it (long enough for the transport to connect on a slow machine).
    let args = [
        "connect",
        &address,
        "--auth-token",
        "x",
        "--connect-timeout",
        "8",
    ];
    let (code, stdout, stderr) = start(&args, &[]).wait_keeping_stdin();
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("authenticating"), "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "error: connected to ENet udp://{address} but authentication did not complete \
             within 8 s (does the server use --auth-token?)"
        )
    );

    // The server wants a token and gets none: it drops the client when its auth timeout ends.
    let (_locked, locked_port) = serve(&["--auth-token", "s3cret"], &[]);
    let address = format!("127.0.0.1:{locked_port}");
    let (code, _, stderr) = start(&["connect", &address], &[]).wait_keeping_stdin();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stderr,
        "error: connection to the server lost before the lobby answered \
         (does the server require --auth-token?)"
    );
}

#[test]
fn no_relay_keeps_clients_apart() {
    let (mut server, port) = serve(&["--no-relay"], &[]);
    let (mut alice, alice_id) = client(port, "alice", &[]);
    let (mut bob, bob_id) = client(port, "bob", &[]);
    // The lobby still works through the server...
    alice.expect_line(&[
        "players:",
        &format!("{alice_id}=alice"),
        &format!("{bob_id}=bob"),
    ]);
    bob.send("hi");
    alice.expect_line(&[&format!("[chat] bob ({bob_id}): hi")]);
    // ...but clients do not learn of each other, and the server drops relay packets.
    bob.send(&format!("/raw {alice_id} psst"));
    server.expect_line(&["dropped packet", &format!("peer={bob_id}")]);
    assert!(
        !alice
            .seen()
            .iter()
            .any(|l| l.contains("peer connected: ") && !l.ends_with(": 1")),
        "{:?}",
        alice.seen()
    );
}

#[test]
fn max_clients_turns_the_extra_client_away() {
    for transport in ["enet", "ws"] {
        let (_server, port) = serve(&["--transport", transport, "--max-clients", "1"], &[]);
        let (mut first, first_id) = client(port, "first", &["--transport", transport]);
        first.expect_line(&["players:", &format!("{first_id}=first")]);
        let address = format!("127.0.0.1:{port}");
        let args = [
            "connect",
            address.as_str(),
            "--transport",
            transport,
            "--connect-timeout",
            "3",
        ];
        let (code, stdout, stderr) = start(&args, &[]).wait_keeping_stdin();
        assert_eq!(code, 1, "{transport}: {stdout}\n{stderr}");
        assert!(stderr.starts_with("error: "), "{transport}: {stderr}");
    }
}

/// A lobby client built here from the library, declaring the four methods the way
/// `lobby.gd` does, that breaks the rules: it calls the authority-only `update_players`.
#[test]
fn serve_logs_a_refused_rpc() {
    use netscene::variant::Dictionary;
    use netscene::{MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree, Variant};
    use netscene_enet::{ClientOptions, ENetMultiplayerPeer};

    let (mut server, port) = serve(&[], &[]);
    let mut peer = ENetMultiplayerPeer::new();
    peer.create_client_with(ClientOptions::new("127.0.0.1", port))
        .unwrap();
    let mp = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    let mut tree = SceneTree::with_multiplayer(Box::new(mp));
    let lobby = tree.add_path("/root/Lobby").unwrap();
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
        |_, (_,): (Dictionary,)| {},
    )
    .unwrap();

    let deadline = Instant::now() + WAIT;
    let mut connected = false;
    while !connected {
        assert!(Instant::now() < deadline, "never connected");
        tree.poll().unwrap();
        connected = tree
            .drain_events("")
            .contains(&MultiplayerEvent::ConnectedToServer);
        thread::sleep(Duration::from_millis(5));
    }
    let forged = Variant::Dictionary(Dictionary::new());
    tree.rpc_id(lobby, 1, "update_players", &[forged]).unwrap();
    // Keep polling so the call (and the path announcement before it) goes out.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let poller = {
        let stop = stop.clone();
        thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = tree.poll();
                thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let line = server.expect_line(&["refused RPC"]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.join().unwrap();
    assert!(line.contains("method=update_players"), "{line}");
    assert!(line.contains("authority"), "{line}");
}
