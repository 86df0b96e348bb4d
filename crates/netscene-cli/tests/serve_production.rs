//! `netscene serve` in production, run as the built binary with lobby clients (`netscene
//! connect`) as children: graceful drain on SIGTERM and on `POST /drain` (players stay and
//! keep playing, newcomers are refused, then a clean disconnect and exit 0), `/readyz` and
//! `/healthz` through the drain, and the metrics after a scripted session. Every child is
//! killed by its pid when a test fails; every wait is bounded.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::*;

/// `serve` with a health port; returns it, its game port and its health port.
fn serve_with_health(extra: &[&str]) -> (Running, u16, u16) {
    let mut args = vec!["serve", "--port", "0", "--health-port", "0"];
    args.extend_from_slice(extra);
    let mut server = start(&args, &[]);
    let line = server.expect_line(&["netscene::serve", "listening", "transport="]);
    let port = field(&line, "port");
    let line = server.expect_line(&["health endpoint listening"]);
    let health = field(&line, "port");
    (server, port, health)
}

fn http(port: u16, method: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("health port");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn status(response: &str) -> &str {
    response.lines().next().unwrap_or("")
}

/// The value of the sample line `name` in an OpenMetrics text (e.g. `netscene_peers`).
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {name} in\n{text}"))
        .parse()
        .unwrap()
}

#[test]
fn sigterm_drains_players_stay_newcomers_refused_then_clean_disconnect_and_exit_0() {
    let (mut server, port, health) = serve_with_health(&["--drain-timeout", "3"]);
    assert_eq!(status(&http(health, "GET", "/readyz")), "HTTP/1.1 200 OK");
    let (mut alice, alice_id) = client(port, "alice", &[]);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);

    server.terminate();
    let began = Instant::now();
    server.expect_line(&["draining", "why=\"stop signal\"", "peers=1"]);
    let ready = http(health, "GET", "/readyz");
    assert!(ready.starts_with("HTTP/1.1 503"), "{ready}");
    assert!(ready.ends_with("draining\n"), "{ready}");
    assert_eq!(status(&http(health, "GET", "/healthz")), "HTTP/1.1 200 OK");
    assert!(http(health, "GET", "/metrics").contains("\nnetscene_draining 1\n"));

    // A newcomer is refused while alice keeps playing: her chat still goes round. (ENet
    // resets a refused connection as Godot does: the newcomer's ENet connects, but it is never
    // admitted to the game.)
    let address = format!("127.0.0.1:{port}");
    let mut late = start(&["connect", &address, "--name", "late"], &[]);
    late.expect_line(&["connecting to"]);
    std::thread::sleep(Duration::from_millis(1500));
    let (_, stdout, _) = late.wait();
    assert!(!stdout.contains("players:"), "{stdout}");
    let metrics = http(health, "GET", "/metrics");
    assert_eq!(
        sample(&metrics, "netscene_connects_total"),
        1.0,
        "{metrics}"
    );
    alice.send("still playing");
    alice.expect_line(&[&format!("[chat] alice ({alice_id}): still playing")]);

    // After --drain-timeout she is disconnected cleanly (not by a timeout) and the server
    // exits 0.
    let (code, _, stderr) = alice.wait_keeping_stdin();
    let waited = began.elapsed();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr, "error: connection to the server lost");
    assert!(
        waited >= Duration::from_millis(2900) && waited < Duration::from_secs(12),
        "disconnected after {waited:?}"
    );
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("drain over end=Timeout peers=1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("disconnecting the remaining players peers=1"),
        "{stdout}"
    );
}

#[test]
fn post_drain_over_websocket_ends_when_the_last_player_leaves() {
    let (mut server, port, health) =
        serve_with_health(&["--transport", "ws", "--http-drain", "--drain-timeout", "60"]);
    let ws = ["--transport", "ws"];
    let (mut alice, alice_id) = client(port, "alice", &ws);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);

    let accepted = http(health, "POST", "/drain");
    assert_eq!(status(&accepted), "HTTP/1.1 202 Accepted", "{accepted}");
    server.expect_line(&["draining", "why=\"POST /drain\""]);
    assert!(http(health, "GET", "/readyz").starts_with("HTTP/1.1 503"));
    let address = format!("127.0.0.1:{port}");
    let late = [
        "connect",
        &address,
        "--transport",
        "ws",
        "--connect-timeout",
        "2",
    ];
    let (code, stdout, stderr) = start(&late, &[]).wait();
    assert_eq!(code, 1, "a newcomer is refused: {stdout}\n{stderr}");
    assert!(stderr.starts_with("error: cannot reach"), "{stderr}");

    // Alice leaves on her own: the drain ends at once, long before its 60 s.
    let began = Instant::now();
    let (code, _, stderr) = alice.wait();
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(began.elapsed() < Duration::from_secs(20));
    assert!(stdout.contains("drain over end=Empty peers=0"), "{stdout}");
}

#[test]
fn a_second_signal_ends_the_drain_at_once() {
    let (mut server, port, _) = serve_with_health(&["--drain-timeout", "60"]);
    let (mut alice, alice_id) = client(port, "alice", &[]);
    alice.expect_line(&["players:", &format!("{alice_id}=alice")]);
    server.terminate();
    server.expect_line(&["draining"]);
    server.signal("INT");
    let (code, stdout, stderr) = server.wait();
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("second stop signal"), "{stdout}");
    let (code, _, stderr) = alice.wait_keeping_stdin();
    assert_eq!(
        (code, stderr.as_str()),
        (1, "error: connection to the server lost")
    );
}

#[test]
fn metrics_after_a_scripted_session() {
    let (mut server, port, health) = serve_with_health(&["--transport", "ws"]);
    let before = http(health, "GET", "/metrics");
    assert!(
        before.contains("Content-Type: application/openmetrics-text; version=1.0.0"),
        "{before}"
    );
    for line in [
        "# TYPE netscene_peers gauge",
        "# HELP netscene_connects Peers admitted since start.",
        "# TYPE netscene_connects counter",
        "# TYPE netscene_peer_rtt_seconds histogram",
        "# TYPE netscene_peer_packet_loss_ratio histogram",
        "# TYPE netscene_loop_duration_seconds histogram",
        "# EOF",
    ] {
        assert!(
            before.lines().any(|l| l == line),
            "no {line:?} in\n{before}"
        );
    }

    let ws = ["--transport", "ws"];
    let (mut alice, alice_id) = client(port, "alice", &ws);
    let (bob, bob_id) = client(port, "bob", &ws);
    alice.expect_line(&["players:", &format!("{bob_id}=bob")]);
    alice.send("hello");
    alice.expect_line(&[&format!("[chat] alice ({alice_id}): hello")]);
    let (code, _, stderr) = bob.wait();
    assert_eq!(code, 0, "{stderr}");
    server.expect_line(&["peer disconnected", &format!("peer={bob_id}")]);
    // RTT samples are taken every second from the WebSocket pings.
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let text = http(health, "GET", "/metrics");
        if sample(&text, "netscene_peer_rtt_seconds_count") >= 1.0 {
            break text;
        }
        assert!(Instant::now() < deadline, "no RTT sample:\n{text}");
        std::thread::sleep(Duration::from_millis(200));
    };
    for line in [
        "# TYPE netscene_bytes counter",
        "# TYPE netscene_messages counter",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    assert_eq!(sample(&text, "netscene_peers"), 1.0, "{text}");
    assert_eq!(sample(&text, "netscene_connects_total"), 2.0, "{text}");
    assert_eq!(sample(&text, "netscene_disconnects_total"), 1.0, "{text}");
    assert_eq!(sample(&text, "netscene_auth_failures_total"), 0.0, "{text}");
    assert_eq!(sample(&text, "netscene_draining"), 0.0, "{text}");
    // Two registrations and one chat in; the player lists and the chat out.
    let rpcs_in = sample(
        &text,
        "netscene_messages_total{command=\"remote_call\",direction=\"in\"}",
    );
    assert!(rpcs_in >= 3.0, "{text}");
    let rpcs_out = sample(
        &text,
        "netscene_messages_total{command=\"remote_call\",direction=\"out\"}",
    );
    assert!(rpcs_out >= 3.0, "{text}");
    let bytes_in = sample(
        &text,
        "netscene_bytes_total{transport=\"ws\",direction=\"in\"}",
    );
    let packets_in = sample(
        &text,
        "netscene_packets_total{transport=\"ws\",direction=\"in\"}",
    );
    assert!(bytes_in > packets_in && packets_in >= rpcs_in, "{text}");
    assert!(sample(&text, "netscene_loop_duration_seconds_count") > 10.0);
    // WebSocket loses nothing: no loss samples.
    assert_eq!(sample(&text, "netscene_peer_packet_loss_ratio_count"), 0.0);
}
