//! Bad peers never panic the server and never grow its memory without bound: silent and
//! slow handshakes time out (the WebSocket upgrade over ws://; the TLS handshake or the upgrade
//! over wss://), garbage and oversized frames close the connection, a flooding client is
//! throttled, a full outbound queue is reported as Godot's ERR_OUT_OF_MEMORY.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerError, PeerEvent, TransferMode};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

fn short_timeout_server() -> (WebSocketMultiplayerPeer, u16) {
    let mut server = WebSocketMultiplayerPeer::new();
    server
        .set_handshake_timeout(Duration::from_millis(300))
        .unwrap();
    server.create_server(0, "127.0.0.1", None).unwrap();
    let port = server.bound_port().unwrap();
    (server, port)
}

/// Polls `server` until the raw connection is closed by it (EOF or reset), feeding `drip`
/// bytes one at a time meanwhile. Returns how long that took.
fn until_server_closes(
    server: &mut WebSocketMultiplayerPeer,
    stream: &mut TcpStream,
    drip: &[u8],
) -> Duration {
    stream.set_nonblocking(true).unwrap();
    let start = Instant::now();
    let mut sent = 0;
    let mut buf = [0u8; 1024];
    loop {
        server.poll();
        if sent < drip.len() && start.elapsed() > Duration::from_millis(20 * sent as u64) {
            if stream.write_all(&drip[sent..sent + 1]).is_err() {
                return start.elapsed();
            }
            sent += 1;
        }
        match stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {} // e.g. an HTTP error response before the close
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => return start.elapsed(),
        }
        assert!(
            start.elapsed() < DEADLINE,
            "server never closed the connection"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn silent_and_slowloris_handshakes_time_out() {
    let (mut server, port) = short_timeout_server();
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let took = until_server_closes(&mut server, &mut silent, b"");
    assert!(
        took >= Duration::from_millis(300),
        "closed before the timeout"
    );

    // One header byte every 20 ms never completes a request within 300 ms.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let request =
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    until_server_closes(&mut server, &mut slow, request);
    assert!(events(&mut server).is_empty(), "no peer was announced");
    assert!(server.peer_ids().is_empty());
}

/// A wss:// server with the shortened handshake timeout; returns it, its port and the PEM of
/// the test CA that signed its certificate.
fn short_timeout_wss_server() -> (WebSocketMultiplayerPeer, u16, String) {
    let (ca, chain, key) = test_pki();
    let mut server = WebSocketMultiplayerPeer::new();
    server
        .set_handshake_timeout(Duration::from_millis(300))
        .unwrap();
    let tls = TlsOptions::server(key.as_bytes(), chain.as_bytes()).unwrap();
    server.create_server(0, "127.0.0.1", Some(tls)).unwrap();
    let port = server.bound_port().unwrap();
    (server, port, ca)
}

/// Connects over TCP, completes a TLS handshake trusting `ca_pem`, then never sends the HTTP
/// upgrade request; reads until the server closes. Returns the time from connect to close.
fn tls_then_silence(port: u16, ca_pem: &str) -> Duration {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = rustls::ClientConnection::new(std::sync::Arc::new(config), name).unwrap();
    let start = Instant::now();
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(DEADLINE)).unwrap();
    while tls.is_handshaking() {
        tls.complete_io(&mut tcp)
            .expect("TLS handshake with the server");
    }
    let mut stream = rustls::Stream::new(&mut tls, &mut tcp);
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {} // e.g. a session ticket
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                panic!("server never closed the TLS connection")
            }
            Err(_) => return start.elapsed(), // closed without close_notify, or reset
        }
    }
}

#[test]
fn silent_and_stalled_wss_handshakes_time_out() {
    let (mut server, port, ca) = short_timeout_wss_server();
    // TCP only: the TLS handshake never starts.
    let mut silent = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let took = until_server_closes(&mut server, &mut silent, b"");
    assert!(
        took >= Duration::from_millis(300),
        "closed before the timeout"
    );

    // A TLS record header announcing a 512-byte ClientHello, then only its first bytes.
    let mut partial = TcpStream::connect(("127.0.0.1", port)).unwrap();
    partial
        .write_all(&[
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ])
        .unwrap();
    let took = until_server_closes(&mut server, &mut partial, b"");
    assert!(
        took >= Duration::from_millis(300),
        "closed before the timeout"
    );

    // TLS completes, but the WebSocket upgrade request never comes.
    let took = poll_while(&mut server, || tls_then_silence(port, &ca));
    assert!(
        took >= Duration::from_millis(300),
        "closed before the timeout"
    );
    assert!(events(&mut server).is_empty(), "no peer was announced");
    assert!(server.peer_ids().is_empty());

    // The server still serves a well-behaved client afterwards.
    let trusted = TlsOptions::client(Some(ca.as_bytes()), None).unwrap();
    let url = format!("wss://127.0.0.1:{port}");
    let (_clients, ids) = connect_clients(&mut server, &url, Some(trusted), 1);
    assert_eq!(server.peer_ids(), ids);
}

#[test]
fn garbage_and_huge_requests_are_dropped() {
    let (mut server, port) = short_timeout_server();
    let mut garbage = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    junk.extend_from_slice(b"\r\n\r\n");
    garbage.write_all(&junk).unwrap();
    until_server_closes(&mut server, &mut garbage, b"");

    // A header that never ends: the server stops reading it (tungstenite caps a request at
    // 64 KiB) instead of buffering without limit.
    let mut huge = TcpStream::connect(("127.0.0.1", port)).unwrap();
    huge.set_nonblocking(true).unwrap();
    let line =
        b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let _ = huge.write_all(b"GET / HTTP/1.1\r\n");
    let start = Instant::now();
    let mut closed = false;
    for _ in 0..4000 {
        server.poll();
        match huge.write(line) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
        if start.elapsed() > DEADLINE {
            break;
        }
    }
    if !closed {
        until_server_closes(&mut server, &mut huge, b"");
    }
    assert!(events(&mut server).is_empty());
}

#[test]
fn oversized_messages_close_the_connection() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_inbound_buffer_size(1024);
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());

    // A message over the inbound limit, from a well-formed client.
    let (mut clients, ids) = connect_clients(&mut server, &url, None, 1);
    let client = &mut clients[0];
    client.put_packet(&[1u8; 1000]).unwrap(); // fits
    client.put_packet(&[2u8; 2000]).unwrap(); // does not
    let mut peers = [&mut server, &mut *client];
    pump_until(&mut peers, "oversized sender dropped", |p| {
        p[1].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert_eq!(
        packets(&mut server).len(),
        1,
        "the message that fits arrived"
    );
    assert_eq!(
        events(&mut server),
        vec![PeerEvent::PeerDisconnected(ids[0])]
    );

    // A raw frame header claiming 2^62 bytes: refused before any allocation.
    let mut raw = poll_while(&mut server, || {
        let stream = TcpStream::connect(url.trim_start_matches("ws://")).unwrap();
        let (mut ws, _) = tungstenite::client::client(url.as_str(), stream).unwrap();
        let id = ws.read().unwrap().into_data();
        assert_eq!(id.len(), 4);
        ws
    });
    let (id,) = match events(&mut server).as_slice() {
        [PeerEvent::PeerConnected(id)] => (*id,),
        other => panic!("unexpected events {other:?}"),
    };
    let mut header = vec![0x82, 0xFF];
    header.extend_from_slice(&(1u64 << 62).to_be_bytes());
    header.extend_from_slice(&[1, 2, 3, 4]); // mask
    header.extend_from_slice(&[0u8; 64]);
    raw.get_mut().write_all(&header).unwrap();
    let closed_with = poll_while(&mut server, || {
        raw.get_mut()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        match raw.read() {
            Ok(tungstenite::Message::Close(frame)) => frame.map(|f| u16::from(f.code)),
            _ => None,
        }
    });
    assert_eq!(
        closed_with,
        Some(1009),
        "closed as wslay does: message too big"
    );
    let mut peers = [&mut server];
    pump_until(&mut peers, "raw peer removed", |p| {
        p[0].peer_ids().is_empty()
    });
    assert_eq!(events(&mut server), vec![PeerEvent::PeerDisconnected(id)]);
}

/// Runs a blocking job (a raw client) on another thread while polling `server` here.
fn poll_while<T: Send>(server: &mut WebSocketMultiplayerPeer, job: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = scope.spawn(job);
        let start = Instant::now();
        while !handle.is_finished() {
            server.poll();
            assert!(start.elapsed() < DEADLINE, "raw client job did not finish");
            std::thread::sleep(Duration::from_millis(1));
        }
        handle.join().expect("raw client job")
    })
}

#[test]
fn a_flooding_client_is_throttled_not_buffered() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_max_queued_packets(16);
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    let (mut clients, _) = connect_clients(&mut server, &url, None, 1);
    let client = &mut clients[0];
    const COUNT: u32 = 500;
    for n in 0..COUNT {
        client.put_packet(&n.to_le_bytes()).unwrap();
    }
    // Without get_packet the server holds at most 16 packets from this peer.
    let start = Instant::now();
    while server.get_available_packet_count() < 16 {
        client.poll();
        server.poll();
        assert!(
            start.elapsed() < DEADLINE,
            "the first packets never arrived"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    for _ in 0..100 {
        client.poll();
        server.poll();
        assert_eq!(server.get_available_packet_count(), 16);
    }
    // Draining lets the rest in, complete and in order.
    let mut got = Vec::new();
    let start = Instant::now();
    while got.len() < COUNT as usize {
        client.poll();
        server.poll();
        got.extend(packets(&mut server).into_iter().map(|p| p.data));
        assert!(
            start.elapsed() < DEADLINE,
            "only {} packets arrived",
            got.len()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let expected: Vec<Vec<u8>> = (0..COUNT).map(|n| n.to_le_bytes().to_vec()).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_full_outbound_queue_is_err_out_of_memory() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_outbound_buffer_size(4096);
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    let (mut clients, ids) = connect_clients(&mut server, &url, None, 1);
    let client = &mut clients[0];
    // The client stops reading: kernel buffers fill, then the server's own queue.
    let payload = [9u8; 1000];
    let mut sent = 0usize;
    let mut refused = None;
    for _ in 0..1_000_000 {
        match server.send(ids[0], TransferMode::Reliable, 0, &payload) {
            Ok(()) => sent += 1,
            Err(error) => {
                refused = Some(error);
                break;
            }
        }
    }
    assert_eq!(refused, Some(PeerError::QueueFull));
    assert_eq!(
        refused.unwrap().code(),
        netscene::peer::ErrorCode::OutOfMemory
    );
    // Every accepted packet still arrives once the client reads again.
    let mut received = 0usize;
    let start = Instant::now();
    while received < sent {
        server.poll();
        client.poll();
        received += packets(client).len();
        assert!(start.elapsed() < DEADLINE, "{received} of {sent} arrived");
    }
    assert_eq!(received, sent);
}

#[test]
fn a_silent_server_times_the_client_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut client = WebSocketMultiplayerPeer::new();
    client
        .set_handshake_timeout(Duration::from_millis(300))
        .unwrap();
    client
        .create_client(&format!("ws://127.0.0.1:{port}"), None)
        .unwrap();
    let start = Instant::now();
    let mut peers = [&mut client];
    pump_until(&mut peers, "client timeout", |p| {
        p[0].get_connection_status() == ConnectionStatus::Disconnected
    });
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert!(
        events(&mut client).is_empty(),
        "a failed connection reports no peer"
    );
    drop(listener);
}

#[test]
fn malformed_frames_after_the_handshake_drop_the_peer() {
    let (mut server, url) = ws_server();
    let masked = |first: u8, payload: &[u8]| {
        let mut frame = vec![first, 0x80 | payload.len() as u8, 0, 0, 0, 0];
        frame.extend_from_slice(payload);
        frame
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("reserved opcode", masked(0x83, b"abc")),
        ("unmasked client frame", vec![0x82, 0x03, 1, 2, 3]),
        ("reserved bits", masked(0xC2, b"abc")),
        ("fragmented control frame", masked(0x09, b"")),
        ("invalid UTF-8 text", masked(0x81, &[0xff, 0xfe])),
        ("continuation without a start", masked(0x00, b"abc")),
        ("control frame over 125 bytes", {
            let mut frame = vec![0x89, 0xFE, 0x01, 0x00, 0, 0, 0, 0];
            frame.extend_from_slice(&[0u8; 256]);
            frame
        }),
    ];
    for (what, bytes) in cases {
        let mut raw = poll_while(&mut server, || {
            let stream = TcpStream::connect(url.trim_start_matches("ws://")).unwrap();
            let (mut ws, _) = tungstenite::client::client(url.as_str(), stream).unwrap();
            ws.read().unwrap(); // the id
            ws
        });
        let id = match events(&mut server).as_slice() {
            [PeerEvent::PeerConnected(id)] => *id,
            other => panic!("{what}: unexpected events {other:?}"),
        };
        raw.get_mut().write_all(&bytes).unwrap();
        let mut peers = [&mut server];
        pump_until(&mut peers, what, |p| p[0].peer_ids().is_empty());
        assert_eq!(
            events(&mut server),
            vec![PeerEvent::PeerDisconnected(id)],
            "{what}"
        );
        assert_eq!(server.get_available_packet_count(), 0, "{what}: no packet");
    }
}
