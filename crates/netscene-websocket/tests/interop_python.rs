//! Interop with an independent WebSocket implementation: Python's `websockets` package
//! (installed by `scripts/install-websocket.sh`, run by `./test.sh`) joins a netscene server over `ws://` and
//! `wss://`, reads its id as Godot's protocol sends it, and exchanges raw packets.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{MultiplayerPeer, PeerEvent, TransferMode};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/interop/python_client.py"
);

/// Fails with the command that installs them when python3 or its `websockets` package is
/// missing (instead of a client that dies with an import error).
fn require_python_websockets() {
    let found = Command::new("python3")
        .args(["-c", "import websockets"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    assert!(
        found,
        "python3 with the `websockets` package is needed for this test: run ./test.sh, which \
         installs it and runs the tests (or only install it: bash scripts/install-websocket.sh)"
    );
}

fn run_python_client(server: &mut WebSocketMultiplayerPeer, url: &str, ca_file: Option<&str>) {
    require_python_websockets();
    let mut command = Command::new("python3");
    command.arg(SCRIPT).arg(url);
    if let Some(ca_file) = ca_file {
        command.arg(ca_file);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 starts (checked above)");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });

    let start = Instant::now();
    let mut announced = None;
    let mut printed = None;
    let mut greeting = None;
    let mut echo = None;
    let mut done = false;
    let mut status = None;
    while status.is_none() || !done {
        server.poll();
        for event in events(server) {
            match event {
                PeerEvent::PeerConnected(id) => announced = Some(id),
                PeerEvent::PeerDisconnected(id) => assert_eq!(Some(id), announced),
                other => panic!("unexpected peer event {other:?}"),
            }
        }
        while let Some(packet) = server.get_packet() {
            assert_eq!(Some(packet.from), announced, "packet from the python peer");
            if greeting.is_none() {
                greeting = Some(packet.data);
                server
                    .send(packet.from, TransferMode::Reliable, 0, b"\x00from rust\xff")
                    .unwrap();
            } else {
                echo = Some(packet.data);
            }
        }
        while let Ok(line) = lines.try_recv() {
            if let Some(id) = line.strip_prefix("ID ") {
                printed = Some(id.trim().parse::<i32>().unwrap());
            } else if line == "DONE" {
                done = true;
            }
        }
        if status.is_none() {
            status = child.try_wait().unwrap();
            if status.is_some() {
                // Collect the last lines the reader thread may still hold.
                std::thread::sleep(Duration::from_millis(50));
                for line in lines.try_iter() {
                    done |= line == "DONE";
                    if let Some(id) = line.strip_prefix("ID ") {
                        printed = Some(id.trim().parse::<i32>().unwrap());
                    }
                }
                if !done {
                    break;
                }
            }
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("python client did not finish");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        status.is_some_and(|s| s.success()) && done,
        "python client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = announced.expect("server announced the python peer");
    assert_eq!(printed, Some(id), "python read the id the server announced");
    assert_eq!(greeting, Some(format!("python:{id}").into_bytes()));
    assert_eq!(echo, Some(b"echo:\x00from rust\xff".to_vec()));
    // Its clean close is reported.
    let mut peers = [server];
    pump_until(&mut peers, "python peer leaves", |p| {
        p[0].peer_ids().is_empty()
    });
}

#[test]
fn python_websockets_client_over_ws() {
    let (mut server, url) = ws_server();
    run_python_client(&mut server, &url, None);
}

#[test]
fn python_websockets_client_over_wss() {
    let (ca, chain, key) = test_pki();
    let dir = temp_dir("python-wss");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let mut server = WebSocketMultiplayerPeer::new();
    server
        .create_server(
            0,
            "127.0.0.1",
            Some(TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap()),
        )
        .unwrap();
    let url = format!("wss://127.0.0.1:{}/", server.bound_port().unwrap());
    run_python_client(&mut server, &url, Some(ca_file.to_str().unwrap()));
    let _ = std::fs::remove_dir_all(dir);
}
