//! Server relay (spec B.4) and raw bytes (B.6): client to client through the server, the
//! server stamps the sender, broadcast and exclusion, and everything with relay off.

mod support;

use netscene::MultiplayerEvent::{self, PeerConnected, PeerPacket};
use netscene::{MultiplayerError, PacketError, RpcConfig, TransferMode};
use support::{SERVER, World};

fn packets(w: &mut World, path: &str) -> Vec<(i32, Vec<u8>)> {
    w.events(path)
        .into_iter()
        .filter_map(|e| match e {
            PeerPacket { from, data } => Some((from, data)),
            _ => None,
        })
        .collect()
}

fn send_bytes(w: &mut World, path: &str, data: &[u8], to: i32) -> Result<(), MultiplayerError> {
    w.tree
        .scene_multiplayer(path)
        .unwrap()
        .send_bytes(data, to, TransferMode::Reliable, 0)
}

#[test]
fn raw_bytes_from_the_server_p1() {
    let mut w = World::connected(2);
    let c1 = w.client_id(0);
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .send_bytes(&[0xaa, 0xbb], c1, TransferMode::UnreliableOrdered, 3)
        .unwrap();
    let sent = w.take_sent(0);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (
            sent[0].to,
            sent[0].mode,
            sent[0].channel,
            sent[0].data.as_slice()
        ),
        (
            c1,
            TransferMode::UnreliableOrdered,
            3,
            &[0x03, 0xaa, 0xbb][..]
        )
    );
    w.pump();
    let p1 = w.client_path(0).to_owned();
    let p2 = w.client_path(1).to_owned();
    assert_eq!(packets(&mut w, &p1), vec![(1, vec![0xaa, 0xbb])]);
    assert!(packets(&mut w, &p2).is_empty());
    assert_eq!(
        send_bytes(&mut w, SERVER, &[], 0),
        Err(MultiplayerError::EmptyPacket)
    );
}

#[test]
fn client_to_client_goes_through_the_server_with_the_real_sender() {
    let mut w = World::connected(3);
    let (c1, c2, c3) = (w.client_id(0), w.client_id(1), w.client_id(2));
    let (p1, p2, p3) = (
        w.client_path(0).to_owned(),
        w.client_path(1).to_owned(),
        w.client_path(2).to_owned(),
    );

    // To one client: a RELAY packet to the server (P6 layout), forwarded with the source (P8).
    send_bytes(&mut w, &p1, &[0xaa], c2).unwrap();
    let sent = w.take_sent(1);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, 1);
    let mut expected = vec![0x07, 0x03];
    expected.extend_from_slice(&c2.to_le_bytes());
    expected.extend_from_slice(&[0x03, 0xaa]);
    assert_eq!(sent[0].data, expected);
    w.pump();
    let forwarded = w.take_sent(0);
    let mut stamped = vec![0x07, 0x03];
    stamped.extend_from_slice(&c1.to_le_bytes());
    stamped.extend_from_slice(&[0x03, 0xaa]);
    assert_eq!(forwarded.len(), 1);
    assert_eq!((forwarded[0].to, forwarded[0].data.clone()), (c2, stamped));
    assert_eq!(packets(&mut w, &p2), vec![(c1, vec![0xaa])]);
    assert!(packets(&mut w, SERVER).is_empty());
    assert!(packets(&mut w, &p3).is_empty());

    // Broadcast: server and every other client.
    send_bytes(&mut w, &p1, &[1], 0).unwrap();
    w.pump();
    assert_eq!(packets(&mut w, SERVER), vec![(c1, vec![1])]);
    assert_eq!(packets(&mut w, &p2), vec![(c1, vec![1])]);
    assert_eq!(packets(&mut w, &p3), vec![(c1, vec![1])]);
    assert!(packets(&mut w, &p1).is_empty());

    // All but c2 (the server included).
    send_bytes(&mut w, &p1, &[2], -c2).unwrap();
    w.pump();
    assert_eq!(packets(&mut w, SERVER), vec![(c1, vec![2])]);
    assert!(packets(&mut w, &p2).is_empty());
    assert_eq!(packets(&mut w, &p3), vec![(c1, vec![2])]);

    // All but the server.
    send_bytes(&mut w, &p1, &[3], -1).unwrap();
    w.pump();
    assert!(packets(&mut w, SERVER).is_empty());
    assert_eq!(packets(&mut w, &p2), vec![(c1, vec![3])]);
    assert_eq!(packets(&mut w, &p3), vec![(c1, vec![3])]);
    let _ = c3;
}

#[test]
fn a_client_cannot_forge_the_sender_or_peer_announcements() {
    let mut w = World::connected(3);
    let (c1, c2, c3) = (w.client_id(0), w.client_id(1), w.client_id(2));
    let p1 = w.client_path(0).to_owned();
    let p2 = w.client_path(1).to_owned();
    let raw = |w: &mut World, bytes: Vec<u8>| {
        w.tree
            .multiplayer(&p1)
            .unwrap()
            .get_multiplayer_peer_mut()
            .unwrap()
            .send(1, TransferMode::Reliable, 0, &bytes)
            .unwrap();
    };
    // c1 names c3 in a RELAY: that is the destination, the server stamps c1 as source.
    let mut pkt = vec![0x07, 0x03];
    pkt.extend_from_slice(&c2.to_le_bytes());
    pkt.extend_from_slice(&[0x03, 0x55]);
    raw(&mut w, pkt);
    w.pump();
    assert_eq!(packets(&mut w, &p2), vec![(c1, vec![0x55])]);

    // An ADD_PEER smuggled inside a relay is refused by the receiver.
    let mut pkt = vec![0x07, 0x03];
    pkt.extend_from_slice(&c2.to_le_bytes());
    pkt.extend_from_slice(&[0x07, 0x01, 9, 9, 9, 9]);
    raw(&mut w, pkt);
    w.pump();
    let events = w.events(&p2);
    assert_eq!(
        events,
        vec![MultiplayerEvent::PacketRejected {
            from: c1,
            error: PacketError::SysRefused {
                command: "SYS",
                reason: "not allowed inside a relayed packet"
            }
        }]
    );
    // A relay to a peer that is not connected is dropped silently by the server.
    w.take_sent(0);
    let mut pkt = vec![0x07, 0x03];
    pkt.extend_from_slice(&77i32.to_le_bytes());
    pkt.extend_from_slice(&[0x03, 0x01]);
    raw(&mut w, pkt);
    w.pump();
    assert!(w.take_sent(0).is_empty());
    let _ = c3;
}

#[test]
fn rpc_between_clients_uses_one_relay_packet_per_destination() {
    let mut w = World::connected(3);
    let nodes = w.add_everywhere("Lobby");
    for &n in &nodes {
        w.tree
            .on_rpc(n, "hit", RpcConfig::any_peer(), |_, (): ()| {})
            .unwrap();
    }
    w.tree.rpc(nodes[1], "hit", &[]).unwrap();
    let sent = w.take_sent(1);
    // SIMPLIFY_PATH then the call, for each of the 3 peers: all to the server, as RELAY
    // (except those addressed to the server itself, sent directly).
    assert_eq!(sent.len(), 6);
    assert!(sent.iter().all(|s| s.to == 1));
    let relayed = sent.iter().filter(|s| s.data[..2] == [0x07, 0x03]).count();
    assert_eq!(relayed, 4);
}

#[test]
fn with_relay_off_clients_only_see_the_server() {
    let mut w = World::with_setup(2, |mp| mp.set_server_relay_enabled(false).unwrap());
    w.pump();
    let (c1, c2) = (w.client_id(0), w.client_id(1));
    let p1 = w.client_path(0).to_owned();
    let mut server_events = w.events(SERVER);
    server_events.sort_by_key(|e| format!("{e:?}"));
    let mut expected = vec![PeerConnected(c1), PeerConnected(c2)];
    expected.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(server_events, expected);
    assert_eq!(
        w.events(&p1),
        vec![MultiplayerEvent::ConnectedToServer, PeerConnected(1)]
    );
    assert!(
        !w.tree
            .scene_multiplayer(&p1)
            .unwrap()
            .is_server_relay_enabled()
    );
    assert_eq!(w.tree.multiplayer(&p1).unwrap().get_peers(), vec![1]);

    assert_eq!(
        send_bytes(&mut w, &p1, &[1], c2),
        Err(MultiplayerError::UnknownPeer(c2))
    );
    // Nothing to send: Godot's ERR_INVALID_DATA (real Godot 4.6 returns 30).
    let empty = send_bytes(&mut w, &p1, &[], 0).unwrap_err();
    assert_eq!(empty, MultiplayerError::EmptyPacket);
    assert_eq!(empty.code().code(), 30);
    send_bytes(&mut w, &p1, &[2], 0).unwrap();
    // Sent directly to the server, no RELAY.
    assert_eq!(w.take_sent(1)[0].data, vec![0x03, 0x02]);
    w.pump();
    assert_eq!(packets(&mut w, SERVER), vec![(c1, vec![2])]);
    let p2 = w.client_path(1).to_owned();
    assert!(packets(&mut w, &p2).is_empty());

    // A RELAY sent anyway is refused by the server.
    w.tree
        .multiplayer(&p1)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .send(
            1,
            TransferMode::Reliable,
            0,
            &[0x07, 0x03, 0, 0, 0, 0, 0x03, 0x01],
        )
        .unwrap();
    w.pump();
    assert_eq!(
        w.events(SERVER),
        vec![MultiplayerEvent::PacketRejected {
            from: c1,
            error: PacketError::SysRefused {
                command: "RELAY",
                reason: "server relay is off or unsupported"
            }
        }]
    );
    // Real Godot 4.6 lets the option change on an active peer (found by the real-Godot suite,
    // relay::without_relay_clients_reach_only_the_server): turned on, the same RELAY is now
    // processed by the server.
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_server_relay_enabled(true)
        .unwrap();
    w.tree
        .multiplayer(&p1)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .send(
            1,
            TransferMode::Reliable,
            0,
            // RELAY to all but c2: the server processes it and forwards it to nobody.
            &[&[0x07, 0x03][..], &(-c2).to_le_bytes(), &[0x03, 0x07]].concat(),
        )
        .unwrap();
    w.pump();
    assert_eq!(packets(&mut w, SERVER), vec![(c1, vec![7])]);
    assert!(packets(&mut w, &p2).is_empty());
}
