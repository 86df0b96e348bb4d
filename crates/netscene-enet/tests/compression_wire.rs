//! Godot's COMPRESS_FASTLZ as it appears on the wire: two bare `ENetConnection` hosts with
//! FastLZ talk through a UDP relay that keeps every datagram; each datagram flagged compressed
//! must decode with the reference C FastLZ decoder (the `fastlz` dev-dependency, FastLZ 0.1.0,
//! whose level-1 format is the one Godot's FastLZ 0.5.0 reads and writes) into ENet commands
//! that carry the payloads. (Debian has no C FastLZ library, so there is no C ENet peer with
//! FastLZ; `c_interop.rs` does this end to end for zstd.)

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use netscene_enet::{CompressionMode, ConnectionEvent, ENetConnection};

/// ENet's protocol header: peer id (12 bits), session (2 bits), COMPRESSED and SENT_TIME flags.
const HEADER_FLAG_COMPRESSED: u16 = 1 << 14;
const HEADER_FLAG_SENT_TIME: u16 = 1 << 15;
/// ENet command numbers 1 (ACKNOWLEDGE) to 12 (SEND_UNRELIABLE_FRAGMENT).
const COMMAND_COUNT: u8 = 13;

/// A loopback UDP relay between one client and one server that records every datagram.
struct Relay {
    client_side: UdpSocket,
    server_side: UdpSocket,
    client: Option<SocketAddr>,
    datagrams: Vec<Vec<u8>>,
}

impl Relay {
    fn new(server_port: u16) -> Self {
        let client_side = UdpSocket::bind("127.0.0.1:0").unwrap();
        let server_side = UdpSocket::bind("127.0.0.1:0").unwrap();
        server_side.connect(("127.0.0.1", server_port)).unwrap();
        client_side.set_nonblocking(true).unwrap();
        server_side.set_nonblocking(true).unwrap();
        Self {
            client_side,
            server_side,
            client: None,
            datagrams: Vec::new(),
        }
    }

    fn port(&self) -> u16 {
        self.client_side.local_addr().unwrap().port()
    }

    /// Forwards (and keeps) whatever is waiting on either side.
    fn pump(&mut self) {
        let mut buffer = [0u8; 4096];
        while let Ok((len, from)) = self.client_side.recv_from(&mut buffer) {
            self.client = Some(from);
            self.datagrams.push(buffer[..len].to_vec());
            self.server_side.send(&buffer[..len]).unwrap();
        }
        while let Ok(len) = self.server_side.recv(&mut buffer) {
            self.datagrams.push(buffer[..len].to_vec());
            if let Some(client) = self.client {
                self.client_side.send_to(&buffer[..len], client).unwrap();
            }
        }
    }
}

/// Services a host until it has no event left, collecting them.
fn drain(host: &mut ENetConnection, events: &mut Vec<ConnectionEvent>) {
    while let Some(event) = host.service().unwrap() {
        events.push(event);
    }
}

/// A compressible payload of `size` bytes, like a game's repeated state records.
fn state(tag: u8, size: usize) -> Vec<u8> {
    let mut data: Vec<u8> = b"\x01pos\x00\x00\x80\x3fhp\x00\x64"
        .iter()
        .copied()
        .cycle()
        .take(size)
        .collect();
    data[0] = tag;
    data
}

#[test]
fn fastlz_datagrams_decode_with_the_reference_c_fastlz() {
    let loopback = Some("127.0.0.1".parse().unwrap());
    let mut server =
        ENetConnection::create_with_compression(loopback, 0, 1, 0, 0, 0, CompressionMode::FastLz)
            .unwrap();
    let mut client =
        ENetConnection::create_with_compression(loopback, 0, 1, 0, 0, 0, CompressionMode::FastLz)
            .unwrap();
    let mut relay = Relay::new(server.local_port().unwrap());
    let to_server = client
        .connect_to_host("127.0.0.1", relay.port(), 0, 4242)
        .unwrap();

    let (mut server_events, mut client_events) = (Vec::new(), Vec::new());
    let mut to_client = None;
    let (up, down) = (state(1, 300), state(2, 900));
    let mut sent = false;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        drain(&mut client, &mut client_events);
        relay.pump();
        drain(&mut server, &mut server_events);
        relay.pump();
        if to_client.is_none() {
            to_client = server_events.iter().find_map(|e| match e {
                ConnectionEvent::Connect { peer, data: 4242 } => Some(*peer),
                _ => None,
            });
        }
        let client_connected = client_events
            .iter()
            .any(|e| matches!(e, ConnectionEvent::Connect { .. }));
        if let (Some(slot), true, false) = (to_client, client_connected, sent) {
            // ENet channel 0, RELIABLE (flag 1).
            client.send(to_server, 0, &up, 1).unwrap();
            server.send(slot, 0, &down, 1).unwrap();
            sent = true;
        }
        let received = |events: &[ConnectionEvent], want: &[u8]| {
            events
                .iter()
                .any(|e| matches!(e, ConnectionEvent::Receive { data, .. } if data == want))
        };
        if received(&server_events, &up) && received(&client_events, &down) {
            break;
        }
        assert!(Instant::now() < deadline, "the exchange did not complete");
        std::thread::sleep(Duration::from_millis(1));
    }

    let mut compressed = 0;
    let mut plain = Vec::new();
    for datagram in &relay.datagrams {
        let header = u16::from_be_bytes([datagram[0], datagram[1]]);
        let header_len = if header & HEADER_FLAG_SENT_TIME != 0 {
            4
        } else {
            2
        };
        let body = &datagram[header_len..];
        if header & HEADER_FLAG_COMPRESSED == 0 {
            plain.push(body.to_vec());
            continue;
        }
        compressed += 1;
        let mut out = [0u8; 4096];
        let decoded = ::fastlz::decompress(body, &mut out).unwrap();
        assert!(!decoded.is_empty(), "C FastLZ refused {body:02x?}");
        // Bodies under 16 bytes were zero-padded to 16 before compressing, as Godot does.
        assert!(decoded.len() >= 16, "{decoded:02x?}");
        let command = decoded[0] & 0x0f;
        assert!((1..COMMAND_COUNT).contains(&command), "{decoded:02x?}");
        plain.push(decoded.to_vec());
    }
    assert!(compressed >= 3, "only {compressed} compressed datagrams");
    // Both payloads went out compressed: no datagram carries them as they are, and the
    // decoded bodies do.
    let carries = |bodies: &[Vec<u8>], payload: &[u8]| {
        bodies
            .iter()
            .any(|body| body.windows(payload.len()).any(|w| w == payload))
    };
    let raw: Vec<Vec<u8>> = relay.datagrams.clone();
    assert!(!carries(&raw, &up) && !carries(&raw, &down));
    assert!(carries(&plain, &up) && carries(&plain, &down));
}
