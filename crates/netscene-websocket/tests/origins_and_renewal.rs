//! Two server protections beyond Godot's: allowed `Origin`s (cross-site WebSocket hijacking)
//! and replacing a `wss://` certificate while players stay connected.

mod common;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};
use tungstenite::handshake::client::Request;

/// A raw handshake with `origin` (or none); returns the HTTP status the server answered.
fn handshake_status(server: &mut WebSocketMultiplayerPeer, origin: Option<&str>) -> u16 {
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    std::thread::scope(|scope| {
        let job = scope.spawn(|| {
            let stream = TcpStream::connect(url.trim_start_matches("ws://")).unwrap();
            let mut builder = Request::builder()
                .uri(&url)
                .header("Host", url.trim_start_matches("ws://"))
                .header("Connection", "Upgrade")
                .header("Upgrade", "websocket")
                .header("Sec-WebSocket-Version", "13")
                .header(
                    "Sec-WebSocket-Key",
                    tungstenite::handshake::client::generate_key(),
                );
            if let Some(origin) = origin {
                builder = builder.header("Origin", origin);
            }
            match tungstenite::client::client(builder.body(()).unwrap(), stream) {
                Ok((_, response)) => response.status().as_u16(),
                Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
                    response.status().as_u16()
                }
                Err(other) => panic!("handshake neither accepted nor refused: {other}"),
            }
        });
        let start = Instant::now();
        while !job.is_finished() {
            server.poll();
            assert!(start.elapsed() < DEADLINE, "handshake did not finish");
            std::thread::sleep(Duration::from_millis(1));
        }
        job.join().unwrap()
    })
}

#[test]
fn only_listed_origins_open_a_websocket() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_allowed_origins(vec!["https://game.example.com/".into()]);
    server.create_server(0, "127.0.0.1", None).unwrap();

    assert_eq!(
        handshake_status(&mut server, Some("https://game.example.com")),
        101
    );
    assert_eq!(
        handshake_status(&mut server, Some("HTTPS://GAME.example.com")),
        101
    );
    assert_eq!(
        handshake_status(&mut server, Some("https://evil.example.net")),
        403
    );
    assert_eq!(handshake_status(&mut server, Some("null")), 403);
    // Native Godot clients send no Origin: they are not a page acting for another site.
    assert_eq!(handshake_status(&mut server, None), 101);
    let joined = events(&mut server)
        .into_iter()
        .filter(|e| matches!(e, PeerEvent::PeerConnected(_)))
        .count();
    assert_eq!(joined, 3, "only the accepted handshakes became peers");

    // Without a list every origin is accepted, as in Godot.
    let (mut open, _) = ws_server();
    assert!(open.get_allowed_origins().is_empty());
    assert_eq!(
        handshake_status(&mut open, Some("https://evil.example.net")),
        101
    );
}

#[test]
fn a_renewed_certificate_serves_new_players_while_old_ones_stay() {
    let (mut server, url, trusts_first) = wss_server();
    let (mut clients, ids) = connect_clients(&mut server, &url, Some(trusts_first.clone()), 1);
    let mut old = clients.pop().unwrap();

    // Renewal: a certificate from another CA.
    let (ca, chain, key) = test_pki();
    let renewed = TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap();
    let certificate = server.server_certificate().expect("a wss server has one");
    certificate.replace(&renewed).unwrap();
    assert!(
        certificate.replace(&trusts_first).is_err(),
        "client options cannot serve"
    );

    // A new player that trusts only the new CA gets in; one that trusts only the old does not.
    let trusts_second = TlsOptions::client(Some(ca.as_bytes()), None).unwrap();
    let (_new, new_ids) = connect_clients(&mut server, &url, Some(trusts_second), 1);
    let mut stale = WebSocketMultiplayerPeer::new();
    stale.create_client(&url, Some(trusts_first)).unwrap();
    let mut peers = [&mut server, &mut stale];
    pump_until(&mut peers, "the stale client settles", |p| {
        p[1].get_connection_status() != ConnectionStatus::Connecting
    });
    assert_eq!(
        stale.get_connection_status(),
        ConnectionStatus::Disconnected
    );

    // The player connected before the renewal still talks over its old session.
    server
        .send(ids[0], TransferMode::Reliable, 0, b"still here")
        .unwrap();
    let mut peers = [&mut server, &mut old];
    pump_until(&mut peers, "the old player's packet", |p| {
        p[1].get_available_packet_count() > 0
    });
    assert_eq!(old.get_packet().unwrap().data, b"still here");
    assert_eq!(old.get_connection_status(), ConnectionStatus::Connected);
    assert_ne!(ids[0], new_ids[0]);

    let (plain, _) = ws_server();
    assert!(
        plain.server_certificate().is_none(),
        "ws:// has no certificate"
    );
}
