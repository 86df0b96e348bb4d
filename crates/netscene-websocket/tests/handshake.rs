//! The handshake as Godot does it, checked against tungstenite used directly as the other
//! side: the 4-byte id message (golden bytes), invalid ids, subprotocol rules, extra headers.

mod common;

use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::*;
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_websocket::WebSocketMultiplayerPeer;
use tungstenite::handshake::server::{Request, Response};
use tungstenite::{Bytes, Message};

/// Runs `job` (blocking raw I/O) on a thread while polling `peer` here.
fn poll_while<T: Send>(peer: &mut WebSocketMultiplayerPeer, job: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = scope.spawn(job);
        let start = Instant::now();
        while !handle.is_finished() {
            peer.poll();
            assert!(start.elapsed() < DEADLINE, "raw job did not finish");
            std::thread::sleep(Duration::from_millis(1));
        }
        handle.join().expect("raw job")
    })
}

#[test]
fn server_sends_the_id_as_one_4_byte_binary_message() {
    let (mut server, url) = ws_server();
    let mut from_raw = Vec::new();
    let (first, second) = std::thread::scope(|scope| {
        let raw = scope.spawn(|| {
            let stream = TcpStream::connect(url.trim_start_matches("ws://")).unwrap();
            let (mut ws, response) = tungstenite::client::client(url.as_str(), stream).unwrap();
            assert!(response.headers().get("Sec-WebSocket-Protocol").is_none());
            let first = ws.read().unwrap();
            // A raw packet to the server, then one back.
            ws.send(Message::binary(b"raw hello".to_vec())).unwrap();
            let second = ws.read().unwrap();
            (first, second)
        });
        let start = Instant::now();
        while !raw.is_finished() {
            server.poll();
            while let Some(packet) = server.get_packet() {
                server
                    .send(packet.from, TransferMode::Reliable, 0, b"reply")
                    .unwrap();
                from_raw.push(packet);
            }
            assert!(start.elapsed() < DEADLINE, "raw client did not finish");
            std::thread::sleep(Duration::from_millis(1));
        }
        raw.join().unwrap()
    });
    let Message::Binary(id_bytes) = first else {
        panic!("the id must be a binary message, got {first:?}");
    };
    assert_eq!(id_bytes.len(), 4, "exactly 4 bytes");
    let id = i32::from_le_bytes(id_bytes[..].try_into().unwrap());
    assert!(id >= 2);
    assert_eq!(events(&mut server), vec![PeerEvent::PeerConnected(id)]);
    assert_eq!(from_raw.len(), 1);
    assert_eq!(from_raw[0].from, id);
    assert_eq!(from_raw[0].data, b"raw hello");
    assert_eq!(second, Message::binary(b"reply".to_vec()));
}

/// What the fake server saw: the request headers, then the messages it received.
type Seen = (Vec<(String, String)>, Vec<Message>);

/// A one-connection WebSocket server made with tungstenite alone, sending `first` as the
/// first message; returns the request headers it saw and the messages it then received.
fn fake_godot_server(
    first: Vec<u8>,
    select_protocol: Option<&'static str>,
) -> (String, mpsc::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut headers = Vec::new();
        #[allow(clippy::result_large_err)] // tungstenite's callback signature
        let callback = |request: &Request, mut response: Response| {
            for (name, value) in request.headers() {
                headers.push((
                    name.as_str().to_owned(),
                    value.to_str().unwrap_or("").to_owned(),
                ));
            }
            if let Some(protocol) = select_protocol {
                response
                    .headers_mut()
                    .insert("Sec-WebSocket-Protocol", protocol.parse().unwrap());
            }
            Ok(response)
        };
        let Ok(mut ws) = tungstenite::accept_hdr(stream, callback) else {
            let _ = done.send((headers, Vec::new()));
            return;
        };
        let _ = ws.send(Message::Binary(Bytes::from(first)));
        let mut received = Vec::new();
        while let Ok(message) = ws.read() {
            let close = message.is_close();
            received.push(message);
            if close || received.len() >= 2 {
                break;
            }
        }
        let _ = done.send((headers, received));
    });
    (url, result)
}

fn client_for(
    url: &str,
    configure: impl FnOnce(&mut WebSocketMultiplayerPeer),
) -> WebSocketMultiplayerPeer {
    let mut client = WebSocketMultiplayerPeer::new();
    client
        .set_handshake_timeout(Duration::from_secs(5))
        .unwrap();
    configure(&mut client);
    client.create_client(url, None).unwrap();
    client
}

fn settle(client: &mut WebSocketMultiplayerPeer) {
    let mut peers = [client];
    pump_until(&mut peers, "client settles", |p| {
        p[0].get_connection_status() != ConnectionStatus::Connecting
    });
}

#[test]
fn client_takes_the_golden_id_message() {
    // Spec golden vector W1: id 0x2A3B4C5D travels as 5d 4c 3b 2a.
    let (url, result) = fake_godot_server(vec![0x5d, 0x4c, 0x3b, 0x2a], None);
    let mut client = client_for(&url, |c| {
        c.set_handshake_headers(vec!["X-Game: netscene".into()]);
    });
    settle(&mut client);
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connected);
    assert_eq!(client.get_unique_id(), 0x2A3B4C5D);
    assert_eq!(events(&mut client), vec![PeerEvent::PeerConnected(1)]);
    // A packet to the server is one binary message with exactly the payload.
    client
        .send(1, TransferMode::Unreliable, 2, b"\x00\x01payload")
        .unwrap();
    client
        .send(5, TransferMode::Reliable, 0, b"second")
        .unwrap();
    let (headers, received) = loop {
        client.poll();
        if let Ok(result) = result.try_recv() {
            break result;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(
        received,
        vec![
            Message::binary(b"\x00\x01payload".to_vec()),
            Message::binary(b"second".to_vec())
        ]
    );
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-game").as_deref(), Some("netscene"));
    assert_eq!(header("sec-websocket-version").as_deref(), Some("13"));
    assert_eq!(
        header("sec-websocket-protocol"),
        None,
        "no subprotocol by default"
    );
}

#[test]
fn invalid_id_messages_fail_the_connection() {
    for first in [
        vec![1, 0, 0],
        vec![1, 0, 0, 0],
        vec![0xff; 4],
        vec![2, 0, 0, 0, 0],
    ] {
        let (url, _result) = fake_godot_server(first.clone(), None);
        let mut client = client_for(&url, |_| {});
        settle(&mut client);
        assert_eq!(
            client.get_connection_status(),
            ConnectionStatus::Disconnected,
            "id message {first:?} must be refused"
        );
        assert!(events(&mut client).is_empty());
        assert_eq!(client.get_unique_id(), 0);
    }
}

#[test]
fn subprotocols_follow_godots_rules() {
    // Server side: the first offered protocol it supports is selected, extra headers sent.
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_supported_protocols(vec!["godot-mp".into(), "other".into()]);
    server.set_handshake_headers(vec!["X-Server: netscene".into()]);
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    let response = poll_while(&mut server, || {
        let stream = TcpStream::connect(url.trim_start_matches("ws://")).unwrap();
        let request = tungstenite::ClientRequestBuilder::new(url.parse().unwrap())
            .with_sub_protocol("nope")
            .with_sub_protocol("godot-mp")
            .with_sub_protocol("other");
        tungstenite::client::client(request, stream).unwrap().1
    });
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        header("Sec-WebSocket-Protocol").as_deref(),
        Some("godot-mp")
    );
    assert_eq!(header("X-Server").as_deref(), Some("netscene"));

    // netscene client ↔ netscene server.
    let offering = |protocols: &[&str]| {
        let protocols: Vec<String> = protocols.iter().map(|p| p.to_string()).collect();
        move |c: &mut WebSocketMultiplayerPeer| c.set_supported_protocols(protocols)
    };
    let mut matching = client_for(&url, offering(&["x", "other"]));
    let mut wrong = client_for(&url, offering(&["x"]));
    let mut none = client_for(&url, offering(&[]));
    let mut peers = [&mut server, &mut matching, &mut wrong, &mut none];
    pump_until(&mut peers, "clients settle", |p| {
        p[1..]
            .iter()
            .all(|c| c.get_connection_status() != ConnectionStatus::Connecting)
    });
    assert_eq!(
        matching.get_connection_status(),
        ConnectionStatus::Connected
    );
    assert_eq!(
        wrong.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert_eq!(none.get_connection_status(), ConnectionStatus::Disconnected);

    // A server without protocols refuses a client that asks for one (Godot's rule).
    let (mut plain_server, plain_url) = ws_server();
    let mut asking = client_for(&plain_url, offering(&["godot-mp"]));
    let mut peers = [&mut plain_server, &mut asking];
    pump_until(&mut peers, "client settles", |p| {
        p[1].get_connection_status() != ConnectionStatus::Connecting
    });
    assert_eq!(
        asking.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    assert!(events(&mut plain_server).is_empty());

    // A client that asked for a protocol refuses a server that selects none.
    let (url, _result) = fake_godot_server(vec![5, 0, 0, 0], None);
    let mut client = client_for(&url, offering(&["godot-mp"]));
    settle(&mut client);
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
    // …and one that asked for none refuses a server that selects one.
    let (url, _result) = fake_godot_server(vec![5, 0, 0, 0], Some("surprise"));
    let mut client = client_for(&url, |_| {});
    settle(&mut client);
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
}
