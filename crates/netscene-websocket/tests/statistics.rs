//! `MultiplayerPeer::peer_statistics` over WebSocket loopback: payload traffic per connection
//! both ways, the round-trip time measured by pings (only with `set_rtt_ping_interval`; none by
//! default, as Godot sends none), no packet loss over TCP, and `None` for unknown or departed
//! peers.

mod common;

use std::time::Duration;

use common::{connect_clients, packets, pump_for, pump_until};
use netscene::peer::{MultiplayerPeer, TransferMode};
use netscene_websocket::WebSocketMultiplayerPeer;

#[test]
fn traffic_and_ping_round_trip_per_connection() {
    let mut server = WebSocketMultiplayerPeer::new();
    server.set_rtt_ping_interval(Some(Duration::from_millis(50)));
    assert_eq!(
        server.get_rtt_ping_interval(),
        Some(Duration::from_millis(50))
    );
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    let (mut clients, ids) = connect_clients(&mut server, &url, None, 2);
    let (first, second) = (ids[0], ids[1]);

    server
        .send(first, TransferMode::Reliable, 0, &[1; 10])
        .unwrap();
    server.send(0, TransferMode::Reliable, 0, &[2; 20]).unwrap();
    server
        .send(-first, TransferMode::Reliable, 0, &[3; 40])
        .unwrap();
    let index = |id| usize::from(id == second);
    clients[index(first)]
        .send(1, TransferMode::Reliable, 0, &[4; 7])
        .unwrap();
    let mut received = 0;
    let mut got = [0usize; 2];
    {
        let [a, b] = &mut clients[..] else {
            unreachable!()
        };
        let mut peers = [&mut server, a, b];
        pump_until(&mut peers, "packets and a ping round trip", |peers| {
            received += packets(peers[0]).len();
            got[0] += packets(peers[1]).len();
            got[1] += packets(peers[2]).len();
            received == 1
                && got == [2, 2]
                && peers[0]
                    .peer_statistics(first)
                    .is_some_and(|s| s.round_trip_time.is_some())
        });
    }

    let to_first = server.peer_statistics(first).unwrap();
    assert_eq!((to_first.bytes_sent, to_first.packets_sent), (30, 2));
    assert_eq!((to_first.bytes_received, to_first.packets_received), (7, 1));
    assert_eq!(to_first.packet_loss, None, "TCP does not lose packets");
    let rtt = to_first.round_trip_time.unwrap();
    assert!(rtt < Duration::from_secs(2), "loopback RTT {rtt:?}");
    let to_second = server.peer_statistics(second).unwrap();
    assert_eq!((to_second.bytes_sent, to_second.packets_sent), (60, 2));

    // Clients left at the default send no pings: traffic only, no RTT.
    let server_seen = clients[index(first)].peer_statistics(1).unwrap();
    assert_eq!(
        (server_seen.bytes_sent, server_seen.bytes_received),
        (7, 30)
    );
    assert_eq!(server_seen.round_trip_time, None);
    assert!(server.peer_statistics(4242).is_none());

    // A departed peer has no statistics any more.
    clients[index(second)].close();
    let mut peers = [&mut server];
    pump_until(&mut peers, "the closed client leaves", |peers| {
        peers[0].peer_statistics(second).is_none()
    });
    pump_for(&mut peers, Duration::from_millis(10));
}
