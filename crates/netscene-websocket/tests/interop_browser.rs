//! A real browser: headless Chromium (Debian `chromium`, installed by
//! `scripts/install-websocket.sh`, run by `./test.sh`) loads a page served from this test on 127.0.0.1, connects to a
//! netscene server with its own WebSocket, reads its id and echoes a packet back.

#![cfg(unix)] // process groups for cleaning up the browser

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{MultiplayerPeer, PeerEvent, TransferMode};

const PAGE: &str = include_str!("interop/browser_page.html");

/// A tiny HTTP/1.1 responder on 127.0.0.1:0: `/` gets `page`, anything else 404. Runs until
/// `stop` is set. Returns its port.
fn serve_page(page: String, stop: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut buf = [0u8; 2048];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&request);
            let response = if head.starts_with("GET / ") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into()
            };
            let _ = stream.write_all(response.as_bytes());
        }
    });
    port
}

/// Kills the browser and removes its profile when the test ends, pass or fail.
struct Browser {
    child: Child,
    profile: std::path::PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium starts helper processes in its process group (ours alone, see launch).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn launch_chromium(url: &str) -> Browser {
    let profile = temp_dir("chromium");
    let child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-breakpad",
            "--disable-crash-reporter",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "cannot start chromium ({error}): the browser test needs Debian's chromium; \
                 run ./test.sh, which installs it and runs the tests \
                 (or only install it: bash scripts/install-websocket.sh)"
            )
        });
    Browser { child, profile }
}

#[test]
fn headless_chromium_joins_and_echoes() {
    let (mut server, ws_url) = ws_server();
    let stop = Arc::new(AtomicBool::new(false));
    let http_port = serve_page(PAGE.replace("__WS_URL__", &ws_url), Arc::clone(&stop));
    let mut browser = launch_chromium(&format!("http://127.0.0.1:{http_port}/"));

    let start = Instant::now();
    let mut id = None;
    let mut greeting = None;
    let mut echo = None;
    while echo.is_none() {
        server.poll();
        for event in events(&mut server) {
            if let PeerEvent::PeerConnected(peer) = event {
                assert!(id.is_none(), "one browser connection");
                id = Some(peer);
            }
        }
        while let Some(packet) = server.get_packet() {
            assert_eq!(Some(packet.from), id);
            if greeting.is_none() {
                greeting = Some(packet.data);
                server
                    .send(packet.from, TransferMode::Reliable, 0, &[0, 1, 2, 250, 255])
                    .unwrap();
            } else {
                echo = Some(packet.data);
            }
        }
        if let Ok(Some(status)) = browser.child.try_wait() {
            panic!("chromium exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no echo from the browser (id {id:?}, greeting {greeting:?})"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let id = id.unwrap();
    assert_eq!(greeting, Some(format!("browser:{id}").into_bytes()));
    assert_eq!(echo, Some(b"echo:\x00\x01\x02\xfa\xff".to_vec()));

    drop(browser);
    stop.store(true, Ordering::Relaxed);
    let mut peers = [&mut server];
    pump_until(&mut peers, "browser connection closes", |p| {
        p[0].peer_ids().is_empty()
    });
}
