//! Reads driven by readiness events: a connection whose reads stopped before the socket was
//! empty (its share of the receive queue was full) must be read again at later polls without a
//! new event, over `ws://` and `wss://` (where TLS may also hold decrypted bytes).

mod common;

use std::time::Instant;

use common::*;
use netscene::peer::{MultiplayerPeer, TransferMode};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

const MESSAGES: usize = 200;
const QUEUE_LIMIT: usize = 4;

fn backlog_is_read_across_polls(
    mut server: WebSocketMultiplayerPeer,
    url: &str,
    tls: Option<TlsOptions>,
) {
    let (mut clients, _) = connect_clients(&mut server, url, tls, 1);
    let client = &mut clients[0];
    // Every message written in one go, before the server reads any: they all wait in the
    // server's socket (or TLS buffers) while its queue takes only QUEUE_LIMIT at a time.
    for n in 0..MESSAGES {
        client
            .send(1, TransferMode::Reliable, 0, &(n as u32).to_le_bytes())
            .expect("send");
    }
    client.poll();
    let mut received = Vec::new();
    let start = Instant::now();
    while received.len() < MESSAGES {
        assert!(
            start.elapsed() < DEADLINE,
            "only {} of {MESSAGES} messages arrived",
            received.len()
        );
        server.poll();
        client.poll();
        assert!(server.get_available_packet_count() <= QUEUE_LIMIT);
        received.extend(
            packets(&mut server)
                .into_iter()
                .map(|p| u32::from_le_bytes(p.data.try_into().expect("4 bytes"))),
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(received, (0..MESSAGES as u32).collect::<Vec<_>>());
}

#[test]
fn a_plain_connection_stopped_by_its_queue_limit_is_read_again_without_new_data() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_max_queued_packets(QUEUE_LIMIT);
    server.create_server(0, "127.0.0.1", None).expect("server");
    let url = format!("ws://127.0.0.1:{}", server.bound_port().expect("port"));
    backlog_is_read_across_polls(server, &url, None);
}

#[test]
fn a_tls_connection_stopped_by_its_queue_limit_is_read_again_without_new_data() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_max_queued_packets(QUEUE_LIMIT);
    let (url, trusted) = start_wss_server(&mut server);
    backlog_is_read_across_polls(server, &url, Some(trusted));
}
