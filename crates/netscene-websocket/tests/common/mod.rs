//! Shared helpers for the WebSocket peer tests: bounded polling, event collection, certificates.
#![allow(dead_code)] // each test binary uses a different subset

use std::path::PathBuf;
use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, MultiplayerPeer, Packet, PeerEvent, PeerId};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

/// Generous bound for anything that should happen "soon" on a slow, shared machine.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Polls every peer (1 ms apart) until `done` holds; panics with `what` after [`DEADLINE`].
pub fn pump_until(
    peers: &mut [&mut WebSocketMultiplayerPeer],
    what: &str,
    mut done: impl FnMut(&mut [&mut WebSocketMultiplayerPeer]) -> bool,
) {
    let start = Instant::now();
    loop {
        for peer in peers.iter_mut() {
            peer.poll();
        }
        if done(peers) {
            return;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Polls every peer for about `duration` (to show that something does *not* happen).
pub fn pump_for(peers: &mut [&mut WebSocketMultiplayerPeer], duration: Duration) {
    let start = Instant::now();
    while start.elapsed() < duration {
        for peer in peers.iter_mut() {
            peer.poll();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Drains a peer's events.
pub fn events(peer: &mut WebSocketMultiplayerPeer) -> Vec<PeerEvent> {
    std::iter::from_fn(|| peer.pop_event()).collect()
}

/// Drains a peer's packets.
pub fn packets(peer: &mut WebSocketMultiplayerPeer) -> Vec<Packet> {
    std::iter::from_fn(|| peer.get_packet()).collect()
}

/// A `ws://` server on 127.0.0.1 with an OS-assigned port; returns it and its URL.
pub fn ws_server() -> (WebSocketMultiplayerPeer, String) {
    let mut server = WebSocketMultiplayerPeer::new();
    server.create_server(0, "127.0.0.1", None).expect("server");
    let port = server.bound_port().expect("bound port");
    (server, format!("ws://127.0.0.1:{port}"))
}

/// Starts `server` (already configured) as a `wss://` server on 127.0.0.1 with an OS-assigned
/// port and a certificate from a fresh [`test_pki`]. Returns its URL and client options that
/// trust the test CA.
pub fn start_wss_server(server: &mut WebSocketMultiplayerPeer) -> (String, TlsOptions) {
    let (ca, chain, key) = test_pki();
    let tls = TlsOptions::server(key.as_bytes(), chain.as_bytes()).expect("server TLS options");
    server
        .create_server(0, "127.0.0.1", Some(tls))
        .expect("wss server");
    let port = server.bound_port().expect("bound port");
    let trusted = TlsOptions::client(Some(ca.as_bytes()), None).expect("client TLS options");
    (format!("wss://127.0.0.1:{port}"), trusted)
}

/// A `wss://` server with default settings; returns it, its URL and client options that trust
/// its test CA.
pub fn wss_server() -> (WebSocketMultiplayerPeer, String, TlsOptions) {
    let mut server = WebSocketMultiplayerPeer::new();
    let (url, trusted) = start_wss_server(&mut server);
    (server, url, trusted)
}

/// Starts `count` clients of `url` and polls until all are connected. Returns the clients and
/// the ids the server announced, in the order the server reported them.
pub fn connect_clients(
    server: &mut WebSocketMultiplayerPeer,
    url: &str,
    tls: Option<TlsOptions>,
    count: usize,
) -> (Vec<WebSocketMultiplayerPeer>, Vec<PeerId>) {
    let mut clients: Vec<WebSocketMultiplayerPeer> = (0..count)
        .map(|_| {
            let mut client = WebSocketMultiplayerPeer::new();
            client.create_client(url, tls.clone()).expect("client");
            assert_eq!(client.get_connection_status(), ConnectionStatus::Connecting);
            client
        })
        .collect();
    let mut announced = Vec::new();
    let start = Instant::now();
    loop {
        server.poll();
        for event in events(server) {
            match event {
                PeerEvent::PeerConnected(id) => announced.push(id),
                other => panic!("unexpected server event {other:?}"),
            }
        }
        for client in &mut clients {
            client.poll();
        }
        let all_connected = clients
            .iter()
            .all(|c| c.get_connection_status() == ConnectionStatus::Connected);
        if all_connected && announced.len() == count {
            return (clients, announced);
        }
        assert!(start.elapsed() < DEADLINE, "clients did not all connect");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A test PKI made at test time: a CA and a server certificate it signed for "localhost" and
/// 127.0.0.1. Returns (CA certificate PEM, server chain PEM, server private key PEM).
pub fn test_pki() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "netscene test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
        .expect("CA certificate");
    let server_key = KeyPair::generate().expect("server key");
    let server_params =
        CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
            .expect("server params");
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .expect("server certificate");
    (ca.pem(), server_cert.pem(), server_key.serialize_pem())
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(tag: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir =
        std::env::temp_dir().join(format!("netscene-ws-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
