//! Hostile input: garbage datagrams, truncated and mutated ENet headers and commands sent at a
//! netscene ENet server must neither panic it nor disturb its real clients.

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use common::{Node, run_for, run_until};
use netscene::peer::{MultiplayerPeer, PeerEvent, TransferMode};

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A valid ENet CONNECT datagram from C ENet's layout (peer id 0xFFF, sent time, command 2
/// with ACKNOWLEDGE, channel 0xFF, reliable sequence 1, then the CONNECT body).
fn connect_datagram(data: u32) -> Vec<u8> {
    let mut d = vec![0x8F, 0xFF, 0x00, 0x01]; // header: SENT_TIME flag | peer 0xFFF, time 1
    d.extend_from_slice(&[0x82, 0xFF, 0x00, 0x01]); // CONNECT | ACK, channel 0xFF, seq 1
    d.extend_from_slice(&0u16.to_be_bytes()); // outgoing peer id
    d.extend_from_slice(&[0xFF, 0xFF]); // incoming session id, outgoing session id
    d.extend_from_slice(&1392u32.to_be_bytes()); // mtu
    d.extend_from_slice(&32768u32.to_be_bytes()); // window size
    d.extend_from_slice(&255u32.to_be_bytes()); // channel count
    d.extend_from_slice(&0u32.to_be_bytes()); // incoming bandwidth
    d.extend_from_slice(&0u32.to_be_bytes()); // outgoing bandwidth
    d.extend_from_slice(&5000u32.to_be_bytes()); // throttle interval
    d.extend_from_slice(&2u32.to_be_bytes()); // throttle acceleration
    d.extend_from_slice(&2u32.to_be_bytes()); // throttle deceleration
    d.extend_from_slice(&0x1234_5678u32.to_be_bytes()); // connect id
    d.extend_from_slice(&data.to_be_bytes()); // data: the Godot client id
    d
}

#[test]
fn garbage_never_breaks_the_server() {
    // Room for every half-open connection the mutated CONNECTs open (ENet, like Godot, gives
    // each a slot until it times out), so the late client below is not crowded out.
    let mut server = Node::server(netscene_enet::ServerOptions {
        bind_ip: Some("127.0.0.1".parse().unwrap()),
        max_clients: netscene_enet::MAX_PEERS,
        ..netscene_enet::ServerOptions::new(0)
    });
    let mut clients = [Node::client(server.port(), Some(300))];
    assert!(run_until(&mut [&mut server, &mut clients[0]], |n| n[1]
        .connected()
        && !n[0].events.is_empty()));
    let target = ("127.0.0.1", server.port());
    let attacker = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let template = connect_datagram(4000);

    // The template is a real CONNECT: the server answers it with VERIFY_CONNECT (command 3).
    attacker.send_to(&template, target).unwrap();
    attacker
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut reply = [0u8; 1500];
    let mut verified = false;
    for _ in 0..500 {
        server.pump();
        if let Ok((len, _)) = attacker.recv_from(&mut reply) {
            // Header: peer id (2), sent time (2, flagged); then the command byte.
            verified = len > 4 && reply[4] & 0x0F == 3;
            break;
        }
    }
    assert!(verified, "the CONNECT template was not answered");
    for round in 0..3000 {
        let datagram = match round % 4 {
            // Pure noise of any length up to a jumbo datagram.
            0 => {
                let len = (rng.next() % 1500) as usize;
                rng.bytes(len)
            }
            // A valid CONNECT, truncated.
            1 => template[..(rng.next() as usize % template.len())].to_vec(),
            // A valid CONNECT with a few bytes flipped (lengths, counts, ids...).
            2 => {
                let mut d = template.clone();
                for _ in 0..3 {
                    let at = rng.next() as usize % d.len();
                    d[at] = rng.next() as u8;
                }
                d
            }
            // Headers aimed at the connected peer's slot (peer id 0) with random commands.
            _ => {
                let mut d = vec![0x00, 0x00];
                let len = (rng.next() % 64) as usize;
                d.extend(rng.bytes(len));
                d
            }
        };
        let _ = attacker.send_to(&datagram, target);
        if round % 100 == 0 {
            server.pump();
            clients[0].pump();
        }
    }
    run_for(
        &mut [&mut server, &mut clients[0]],
        Duration::from_millis(200),
    );

    // The real client is still served.
    clients[0]
        .peer
        .send(1, TransferMode::Reliable, 0, b"still fine")
        .unwrap();
    assert!(run_until(&mut [&mut server, &mut clients[0]], |n| n[0]
        .packets
        .iter()
        .any(|p| p.data == b"still fine")));
    assert!(server.events.contains(&PeerEvent::PeerConnected(300)));
    assert!(!server.events.contains(&PeerEvent::PeerDisconnected(300)));
    // Connections the mutated CONNECTs may have opened carry no valid Godot handshake beyond
    // ENet's; whatever the server accepted, it still answers a fresh client.
    let mut late = Node::client(server.port(), Some(301));
    assert!(run_until(&mut [&mut server, &mut late], |n| n[0]
        .events
        .contains(&PeerEvent::PeerConnected(301))));
    assert!(server.peer.is_server());
}
