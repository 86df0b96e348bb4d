//! `netscene signal`: the built binary serves lobbies; two netscene LobbyPeers (a host and a
//! guest) find each other through it and trade packets over WebRTC; SIGTERM stops it cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_webrtc::{LobbyOptions, LobbyPeer};

#[test]
fn signal_serves_a_lobby_until_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netscene"))
        .args(["signal", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("netscene signal starts");
    let (lines, received) = mpsc::channel();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let wait_line = |needle: &str| -> String {
        loop {
            let line = received
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no line with {needle:?}"));
            if line.contains(needle) {
                return line;
            }
        }
    };
    let listening = wait_line("signaling server listening");
    let url = listening
        .split("url=")
        .nth(1)
        .expect("the URL is logged")
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("ws://127.0.0.1:"), "{listening}");

    let host = LobbyPeer::create(&url, false, LobbyOptions::default()).unwrap();
    assert_eq!(host.get_unique_id(), 1);
    let guest = LobbyPeer::join(&url, host.lobby(), LobbyOptions::default()).unwrap();
    let guest_id = guest.get_unique_id();
    wait_line(&format!("peer={guest_id}"));
    // The two connect over WebRTC and trade a packet each way.
    let (mut host, mut guest) = (host, guest);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut got = (None, None);
    let mut sent = false;
    let mut host_sees_guest = false;
    while got.0.is_none() || got.1.is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "no packets through the lobby: {got:?}"
        );
        host.poll();
        guest.poll();
        while let Some(event) = host.pop_event() {
            host_sees_guest |= event == PeerEvent::PeerConnected(guest_id);
        }
        if !sent && host_sees_guest && guest.get_connection_status() == ConnectionStatus::Connected
        {
            host.send(guest_id, TransferMode::Reliable, 0, b"to guest")
                .unwrap();
            guest
                .send(1, TransferMode::Unreliable, 0, b"to host")
                .unwrap();
            sent = true;
        }
        if let Some(p) = host.get_packet() {
            got.0 = Some((p.from, p.data));
        }
        if let Some(p) = guest.get_packet() {
            got.1 = Some((p.from, p.data));
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(got.0, Some((guest_id, b"to host".to_vec())));
    assert_eq!(got.1, Some((1, b"to guest".to_vec())));

    // SIGTERM: a clean stop (exit 0).
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("netscene signal did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "{exit}");
}

#[test]
fn signal_on_a_busy_address_is_a_one_line_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_netscene"))
        .args(["signal", "--listen", &addr])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&addr), "{stderr}");
}
