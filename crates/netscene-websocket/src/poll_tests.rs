//! A server poll touches only the connections that have news: 500 idle connections cost no
//! read at all (every read of a `NetStream` on this thread is counted), one talking connection
//! costs a few.

use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::{MultiplayerPeer, PeerEvent};
use tungstenite::Message;

use crate::WebSocketMultiplayerPeer;
use crate::stream::READS;

const IDLE_CONNECTIONS: usize = 500;
const DEADLINE: Duration = Duration::from_secs(30);

/// `NetStream` reads (on this thread) while `f` runs.
fn reads_during(f: impl FnOnce()) -> usize {
    let before = READS.with(|reads| reads.get());
    f();
    READS.with(|reads| reads.get()) - before
}

fn poll_times(server: &mut WebSocketMultiplayerPeer, polls: usize) {
    for _ in 0..polls {
        server.poll();
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn a_poll_reads_no_idle_connection_and_only_the_one_that_talks() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.create_server(0, "127.0.0.1", None).expect("server");
    let port = server.bound_port().expect("port");

    // Blocking tungstenite clients on their own thread: their reads are not counted.
    let (connected_tx, connected_rx) = mpsc::channel();
    let (talk_tx, talk_rx) = mpsc::channel::<()>();
    let (quit_tx, quit_rx) = mpsc::channel::<()>();
    let clients = thread::spawn(move || {
        let mut sockets = Vec::new();
        for _ in 0..IDLE_CONNECTIONS {
            let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            tcp.set_read_timeout(Some(Duration::from_secs(20)))
                .expect("timeout");
            let (mut ws, _) =
                tungstenite::client(format!("ws://127.0.0.1:{port}/"), tcp).expect("handshake");
            let id = ws.read().expect("id message");
            assert_eq!(id.len(), 4, "the id message is 4 bytes");
            sockets.push(ws);
        }
        connected_tx.send(()).expect("report");
        talk_rx.recv_timeout(DEADLINE).expect("told to talk");
        sockets[0]
            .send(Message::binary(b"hello".to_vec()))
            .expect("send");
        let _ = quit_rx.recv_timeout(DEADLINE);
    });

    let start = Instant::now();
    let mut connected = 0;
    while connected < IDLE_CONNECTIONS || connected_rx.try_recv().is_err() {
        assert!(start.elapsed() < DEADLINE, "{connected} clients connected");
        server.poll();
        while let Some(event) = server.pop_event() {
            assert!(matches!(event, PeerEvent::PeerConnected(_)), "{event:?}");
            connected += 1;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // The id messages are flushed, and the clients have read them: nothing is left to do.
    poll_times(&mut server, 10);
    let idle_reads = reads_during(|| poll_times(&mut server, 100));
    assert_eq!(
        idle_reads, 0,
        "100 polls of a server with {IDLE_CONNECTIONS} idle connections read sockets"
    );

    talk_tx.send(()).expect("talk");
    let talk_reads = reads_during(|| {
        while server.get_available_packet_count() == 0 {
            assert!(start.elapsed() < DEADLINE, "the message never arrived");
            server.poll();
            std::thread::sleep(Duration::from_micros(200));
        }
    });
    let packet = server.get_packet().expect("packet");
    assert_eq!(packet.data, b"hello");
    // The message and the read that finds the socket empty (one more if it came in pieces).
    assert!(
        (1..=4).contains(&talk_reads),
        "{talk_reads} reads to receive one message beside {IDLE_CONNECTIONS} idle connections"
    );
    quit_tx.send(()).expect("quit");
    clients.join().expect("client thread");
}
