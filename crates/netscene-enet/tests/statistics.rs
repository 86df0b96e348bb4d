//! `MultiplayerPeer::peer_statistics` over ENet loopback: payload traffic per peer (unicast,
//! broadcast, all-but-one), ENet's round-trip time and loss, and `None` for unknown or departed
//! peers.

mod common;

use std::time::Duration;

use common::{connected_group, run_for, run_until};
use netscene::peer::{MultiplayerPeer, TransferMode};

#[test]
fn traffic_rtt_and_loss_per_peer() {
    let (mut server, mut clients) = connected_group(&[2002, 3003]);
    let [first, second] = &mut clients[..] else {
        unreachable!()
    };
    server
        .peer
        .send(2002, TransferMode::Reliable, 0, &[1; 10])
        .unwrap();
    server
        .peer
        .send(0, TransferMode::Reliable, 0, &[2; 20])
        .unwrap();
    server
        .peer
        .send(-2002, TransferMode::Reliable, 0, &[3; 40])
        .unwrap();
    first
        .peer
        .send(1, TransferMode::Reliable, 0, &[4; 7])
        .unwrap();
    let mut nodes = [&mut server, &mut *first, &mut *second];
    assert!(run_until(&mut nodes, |nodes| nodes[0].packets.len() == 1
        && nodes[1].packets.len() == 2
        && nodes[2].packets.len() == 2));
    // A little more traffic so ENet measures round trips on acknowledged packets.
    run_for(&mut nodes, Duration::from_millis(300));

    let to_first = server.peer.peer_statistics(2002).unwrap();
    assert_eq!((to_first.bytes_sent, to_first.packets_sent), (30, 2));
    assert_eq!((to_first.bytes_received, to_first.packets_received), (7, 1));
    let to_second = server.peer.peer_statistics(3003).unwrap();
    assert_eq!((to_second.bytes_sent, to_second.packets_sent), (60, 2));
    assert_eq!(to_second.bytes_received, 0);
    let rtt = to_first.round_trip_time.unwrap();
    assert!(rtt < Duration::from_millis(500), "loopback RTT {rtt:?}");
    assert_eq!(to_first.packet_loss, Some(0.0));

    // The client's view of the server.
    let server_seen = first.peer.peer_statistics(1).unwrap();
    assert_eq!(
        (server_seen.bytes_sent, server_seen.bytes_received),
        (7, 30)
    );
    assert!(first.peer.peer_statistics(3003).is_none());
    assert!(server.peer.peer_statistics(4242).is_none());

    // A departed peer has no statistics any more.
    second.peer.close();
    let mut nodes = [&mut server, &mut *first];
    assert!(run_until(&mut nodes, |nodes| nodes[0]
        .peer
        .peer_statistics(3003)
        .is_none()));
}
