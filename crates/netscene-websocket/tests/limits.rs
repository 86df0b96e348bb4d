//! Server limits that are netscene additions (off by default, as Godot has none):
//! `max_peers` refuses a client before admission (`503` to the handshake, or a close before
//! the id message when handshakes finish together), so the connected peers never see a
//! phantom join and leave; `max_pending_per_address` keeps one address's handshake flood from
//! taking every pending slot, and legitimate clients still join while it runs.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent};
use netscene_websocket::WebSocketMultiplayerPeer;
use socket2::{Domain, Socket, Type};

fn limited_server(max_peers: usize) -> (WebSocketMultiplayerPeer, String) {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_max_peers(Some(max_peers));
    assert_eq!(server.get_max_peers(), Some(max_peers));
    server.create_server(0, "127.0.0.1", None).expect("server");
    let port = server.bound_port().expect("bound port");
    (server, format!("ws://127.0.0.1:{port}"))
}

/// Polls the server and `client` until the client's attempt ends; true if it connected.
fn attempt(server: &mut WebSocketMultiplayerPeer, client: &mut WebSocketMultiplayerPeer) -> bool {
    let start = Instant::now();
    loop {
        server.poll();
        client.poll();
        match client.get_connection_status() {
            ConnectionStatus::Connected => return true,
            ConnectionStatus::Disconnected => return false,
            ConnectionStatus::Connecting => {}
        }
        assert!(start.elapsed() < DEADLINE, "attempt never ended");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_full_server_refuses_the_handshake_and_nobody_sees_a_peer() {
    let (mut server, url) = limited_server(2);
    let (mut players, _) = connect_clients(&mut server, &url, None, 2);
    for player in &mut players {
        events(player);
    }

    // A raw upgrade request is answered 503.
    let port = server.bound_port().unwrap();
    let mut raw = TcpStream::connect(("127.0.0.1", port)).unwrap();
    raw.write_all(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    raw.set_nonblocking(true).unwrap();
    let mut response = Vec::new();
    let start = Instant::now();
    while !response.windows(4).any(|w| w == b"\r\n\r\n") {
        server.poll();
        let mut buf = [0u8; 512];
        match raw.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        assert!(start.elapsed() < DEADLINE, "no response");
        std::thread::sleep(Duration::from_millis(1));
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 503"), "{text}");

    // A netscene client: connection failed, no id.
    let mut late = WebSocketMultiplayerPeer::new();
    late.create_client(&url, None).unwrap();
    assert!(
        !attempt(&mut server, &mut late),
        "admitted beyond max_peers"
    );
    assert_eq!(late.get_unique_id(), 0);
    assert!(
        events(&mut late).is_empty(),
        "the refused client saw no peer"
    );
    let [a, b] = &mut players[..] else {
        unreachable!()
    };
    pump_for(&mut [&mut server, a, b], Duration::from_millis(200));
    assert!(events(&mut server).is_empty(), "no phantom join or leave");
    for player in &mut players {
        assert!(events(player).is_empty());
        assert_eq!(player.get_connection_status(), ConnectionStatus::Connected);
    }
    assert_eq!(server.peer_ids().len(), 2);

    // A freed slot admits the next client.
    players.pop().unwrap().close();
    pump_until(&mut [&mut server], "the leaving peer", |s| {
        !s[0].peer_ids().is_empty() && s[0].peer_ids().len() == 1
    });
    let mut next = WebSocketMultiplayerPeer::new();
    next.create_client(&url, None).unwrap();
    assert!(attempt(&mut server, &mut next), "a free slot is taken");
}

#[test]
fn handshakes_finishing_together_beyond_the_limit_never_become_peers() {
    let (mut server, url) = limited_server(1);
    let mut clients: Vec<WebSocketMultiplayerPeer> = (0..4)
        .map(|_| {
            let mut client = WebSocketMultiplayerPeer::new();
            client.create_client(&url, None).unwrap();
            client
        })
        .collect();
    // Every client sends its request before the server reads any.
    for _ in 0..50 {
        for client in &mut clients {
            client.poll();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = Instant::now();
    let mut server_events = Vec::new();
    while clients
        .iter()
        .any(|c| c.get_connection_status() == ConnectionStatus::Connecting)
    {
        server.poll();
        server_events.extend(events(&mut server));
        for client in &mut clients {
            client.poll();
        }
        assert!(start.elapsed() < DEADLINE, "attempts never ended");
        std::thread::sleep(Duration::from_millis(1));
    }
    let connected = clients
        .iter()
        .filter(|c| c.get_connection_status() == ConnectionStatus::Connected)
        .count();
    assert_eq!(connected, 1);
    assert_eq!(server_events.len(), 1, "{server_events:?}");
    assert!(matches!(server_events[0], PeerEvent::PeerConnected(_)));
}

/// Opens silent connections to `target` from 127.0.0.2 until `stop`, keeping up to `hold`
/// open and opening at most `per_second` a second; counts the connections opened.
fn flood(
    target: SocketAddr,
    hold: usize,
    per_second: usize,
    stop: Arc<AtomicBool>,
    opened: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let source: SocketAddr = "127.0.0.2:0".parse().unwrap();
        let mut open: Vec<TcpStream> = Vec::new();
        let start = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            // Forget connections the server closed (EOF), as a flooder would reopen them.
            open.retain(|s| {
                let mut buf = [0u8; 64];
                matches!((&*s).read(&mut buf), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
            });
            let allowed = (start.elapsed().as_secs_f64() * per_second as f64) as usize;
            while open.len() < hold && opened.load(Ordering::Relaxed) < allowed {
                let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
                socket.bind(&source.into()).unwrap();
                if socket
                    .connect_timeout(&target.into(), Duration::from_millis(200))
                    .is_err()
                {
                    break;
                }
                opened.fetch_add(1, Ordering::Relaxed);
                socket.set_nonblocking(true).unwrap();
                open.push(socket.into());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    })
}

/// Runs a handshake flood from 127.0.0.2 against a server with `per_address`, and joins
/// `clients` legitimate clients from 127.0.0.1 one after the other meanwhile. Returns each
/// join time (`None`: the attempt failed) and the flood's connection count.
fn join_under_flood(per_address: Option<usize>, clients: usize) -> (Vec<Option<Duration>>, usize) {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_max_pending_per_address(per_address);
    server.create_server(0, "127.0.0.1", None).unwrap();
    let port = server.bound_port().unwrap();
    let url = format!("ws://127.0.0.1:{port}");
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicUsize::new(0));
    let flooder = flood(
        SocketAddr::from(([127, 0, 0, 1], port)),
        1500,
        3000,
        stop.clone(),
        opened.clone(),
    );
    // Let the flood fill the pending slots first.
    let warm = Instant::now();
    while warm.elapsed() < Duration::from_millis(700) {
        server.poll();
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut joins = Vec::new();
    let mut joined = Vec::new();
    for _ in 0..clients {
        let mut client = WebSocketMultiplayerPeer::new();
        client.create_client(&url, None).unwrap();
        let start = Instant::now();
        let ok = attempt(&mut server, &mut client);
        joins.push(ok.then(|| start.elapsed()));
        joined.push(client);
        for c in &mut joined {
            c.poll();
        }
    }
    stop.store(true, Ordering::Relaxed);
    flooder.join().unwrap();
    let count = opened.load(Ordering::Relaxed);
    (joins, count)
}

#[test]
fn legitimate_clients_join_while_one_address_floods_handshakes() {
    let (joins, flood_count) = join_under_flood(Some(8), 10);
    let times: Vec<_> = joins.iter().map(|j| j.map(|d| d.as_millis())).collect();
    println!(
        "with max_pending_per_address 8: joins (ms) {times:?}, flood connections {flood_count}"
    );
    assert!(flood_count > 1024, "the flood ran: {flood_count}");
    assert!(
        joins
            .iter()
            .all(|j| j.is_some_and(|d| d < Duration::from_secs(2))),
        "every legitimate client joined quickly: {times:?}"
    );

    // The same flood without the limit, for the record (RELIABILITY.md): the flood holds the
    // 1024 pending slots and legitimate handshakes wait for their timeouts.
    let (joins, flood_count) = join_under_flood(None, 5);
    let times: Vec<_> = joins.iter().map(|j| j.map(|d| d.as_millis())).collect();
    println!("without the limit: joins (ms) {times:?}, flood connections {flood_count}");
}
