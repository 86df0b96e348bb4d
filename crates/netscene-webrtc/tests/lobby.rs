//! LobbyPeer through a SignalingServer on 127.0.0.1: netscene's SceneMultiplayer checks (RPC
//! round trip, relay between clients), a mesh lobby, sealing, and bad protocol input.

mod common;

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{DEADLINE, events};
use netscene::peer::{MultiplayerPeer, PeerEvent, TransferMode};
use netscene::testing;
use netscene_webrtc::signaling::protocol::ServerMessage;
use netscene_webrtc::{LobbyOptions, LobbyPeer, SignalingError, SignalingServer};
use tungstenite::Message;

/// A signaling server polled on its own thread until dropped.
struct Server {
    url: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    fn start() -> Self {
        let mut server = SignalingServer::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let url = format!("ws://{}", server.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                server.poll();
                thread::sleep(Duration::from_millis(1));
            }
        });
        Self {
            url,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn scene_multiplayer_rpc_round_trip_through_a_lobby() {
    let server = Server::start();
    let host = LobbyPeer::create(&server.url, false, LobbyOptions::default()).unwrap();
    assert_eq!(host.get_unique_id(), 1);
    let guest = LobbyPeer::join(&server.url, host.lobby(), LobbyOptions::default()).unwrap();
    assert!(guest.get_unique_id() >= 2);
    let id = testing::rpc_round_trip(Box::new(host), Box::new(guest), DEADLINE).unwrap();
    assert!(id >= 2);
}

#[test]
fn scene_multiplayer_relays_between_lobby_clients() {
    let server = Server::start();
    let host = LobbyPeer::create(&server.url, false, LobbyOptions::default()).unwrap();
    let a = LobbyPeer::join(&server.url, host.lobby(), LobbyOptions::default()).unwrap();
    let b = LobbyPeer::join(&server.url, host.lobby(), LobbyOptions::default()).unwrap();
    let (a_id, b_id) = (a.get_unique_id(), b.get_unique_id());
    let seen =
        testing::relay_between_clients(Box::new(host), Box::new(a), Box::new(b), DEADLINE).unwrap();
    assert_eq!(seen, (a_id, b_id));
}

fn poll_all(peers: &mut [LobbyPeer], what: &str, mut done: impl FnMut(&mut [LobbyPeer]) -> bool) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        for peer in peers.iter_mut() {
            peer.poll();
        }
        if done(peers) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_mesh_lobby_connects_everyone_and_seals() {
    let server = Server::start();
    let options = LobbyOptions {
        channels: vec![TransferMode::UnreliableOrdered],
        ..LobbyOptions::default()
    };
    let first = LobbyPeer::create(&server.url, true, options.clone()).unwrap();
    let lobby = first.lobby().to_owned();
    let mut peers = vec![first];
    for _ in 0..2 {
        peers.push(LobbyPeer::join(&server.url, &lobby, options.clone()).unwrap());
    }
    let ids: Vec<i32> = peers.iter().map(|p| p.get_unique_id()).collect();
    assert!(
        ids.iter().all(|&id| id >= 2),
        "mesh ids are random: {ids:?}"
    );
    let mut connected = vec![Vec::new(); 3];
    poll_all(&mut peers, "the mesh connected", |peers| {
        for (i, peer) in peers.iter_mut().enumerate() {
            for event in events(peer) {
                if let PeerEvent::PeerConnected(id) = event {
                    connected[i].push(id);
                }
            }
        }
        connected.iter().all(|c| c.len() == 2)
    });
    // Custom channel 1 (unreliable ordered) from the last to everyone.
    peers[2]
        .send(0, TransferMode::Reliable, 1, b"mesh hello")
        .unwrap();
    let mut got = [false; 2];
    poll_all(&mut peers, "the mesh broadcast arrived", |peers| {
        for (i, peer) in peers[..2].iter_mut().enumerate() {
            while let Some(p) = peer.get_packet() {
                assert_eq!(
                    (p.from, p.channel, p.mode, p.data.as_slice()),
                    (
                        ids[2],
                        1,
                        TransferMode::UnreliableOrdered,
                        &b"mesh hello"[..]
                    )
                );
                got[i] = true;
            }
        }
        got == [true, true]
    });
    // The creator seals the lobby: later joins are refused with the server's reason.
    peers[0].seal().unwrap();
    poll_all(&mut peers, "the seal was confirmed", |peers| {
        peers.iter().all(|p| p.is_sealed())
    });
    let refused = LobbyPeer::join(&server.url, &lobby, options.clone()).unwrap_err();
    assert!(
        matches!(&refused, SignalingError::Refused(m) if m.contains("sealed")),
        "{refused}"
    );
    // A peer leaving is seen by the others.
    peers.pop().unwrap().close();
    let mut gone = [false; 2];
    poll_all(&mut peers, "the departure was seen", |peers| {
        for (i, peer) in peers.iter_mut().enumerate() {
            gone[i] |= events(peer).contains(&PeerEvent::PeerDisconnected(ids[2]));
        }
        gone == [true, true]
    });
}

#[test]
fn joining_a_missing_lobby_or_a_dead_server_is_an_error() {
    let server = Server::start();
    let error = LobbyPeer::join(&server.url, "NOSUCH", LobbyOptions::default()).unwrap_err();
    assert_eq!(error, SignalingError::Refused("no lobby NOSUCH".into()));
    let error = LobbyPeer::join("http://127.0.0.1:1", "X", LobbyOptions::default()).unwrap_err();
    assert!(
        matches!(error, SignalingError::InvalidUrl { .. }),
        "{error}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = LobbyPeer::create(
        &format!("ws://127.0.0.1:{port}"),
        false,
        LobbyOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, SignalingError::Connect(_)), "{error}");
}

/// Speaks the protocol by hand: every bad message gets an `error` answer and the connection
/// stays usable.
#[test]
fn bad_protocol_messages_get_error_answers() {
    let server = Server::start();
    let stream = TcpStream::connect(server.url.trim_start_matches("ws://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let (mut ws, _) = tungstenite::client::client(server.url.as_str(), stream).unwrap();
    let mut ask = |text: &str| -> ServerMessage {
        ws.send(Message::text(text)).unwrap();
        loop {
            if let Message::Text(reply) = ws.read().unwrap() {
                return serde_json::from_str(reply.as_str()).unwrap();
            }
        }
    };
    for bad in [
        "not json",
        r#"{"type":"fly"}"#,
        r#"{"type":"offer","to":2,"sdp":"x"}"#,
        r#"{"type":"seal"}"#,
        r#"{"type":"join","lobby":"NOPE"}"#,
    ] {
        assert!(matches!(ask(bad), ServerMessage::Error { .. }), "{bad}");
    }
    let ServerMessage::Joined {
        lobby,
        id: 1,
        mesh: false,
    } = ask(r#"{"type":"join"}"#)
    else {
        panic!("not the lobby's server");
    };
    for bad in [
        r#"{"type":"join"}"#,
        r#"{"type":"offer","to":99,"sdp":"x"}"#,
        r#"{"type":"candidate","to":1,"mid":"0","index":0,"candidate":"c"}"#,
        r#"{"type":"answer","to":-1,"sdp":"x"}"#,
    ] {
        assert!(matches!(ask(bad), ServerMessage::Error { .. }), "{bad}");
    }
    assert_eq!(ask(r#"{"type":"seal"}"#), ServerMessage::Sealed);
    assert!(!lobby.is_empty());
}

#[test]
fn a_client_whose_lobby_server_leaves_before_connecting_gives_up() {
    let server = Server::start();
    let host = LobbyPeer::create(&server.url, false, LobbyOptions::default()).unwrap();
    let mut guest = LobbyPeer::join(&server.url, host.lobby(), LobbyOptions::default()).unwrap();
    assert_eq!(
        guest.get_connection_status(),
        netscene::peer::ConnectionStatus::Connecting
    );
    // The host goes away without ever polling: no WebRTC connection was made.
    drop(host);
    let deadline = Instant::now() + DEADLINE;
    while guest.get_connection_status() != netscene::peer::ConnectionStatus::Disconnected {
        assert!(Instant::now() < deadline, "the client never gave up");
        guest.poll();
        thread::sleep(Duration::from_millis(1));
    }
    assert!(
        events(&mut guest).is_empty(),
        "it never connected, so no events"
    );
}
