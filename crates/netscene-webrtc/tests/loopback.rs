//! netscene ↔ netscene over 127.0.0.1: server/client and mesh, every transfer mode and custom
//! channels, signaled in-process.

mod common;

use common::{Link, events, poll_until, wait_connected};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, Packet, PeerEvent, TransferMode};
use netscene_webrtc::{ChannelState, ConnectionState, WebRtcMultiplayerPeer};

const MODES: [TransferMode; 3] = [
    TransferMode::Reliable,
    TransferMode::UnreliableOrdered,
    TransferMode::Unreliable,
];

#[test]
fn server_and_client_exchange_every_mode_and_custom_channels() {
    let custom = [TransferMode::Unreliable, TransferMode::Reliable];
    let mut server = WebRtcMultiplayerPeer::new();
    server.create_server(&custom).unwrap();
    let mut client = WebRtcMultiplayerPeer::new();
    client.create_client(77, &custom).unwrap();
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connecting);
    assert_eq!(server.get_connection_status(), ConnectionStatus::Connected);

    let link = Link::new();
    server.add_peer(&link.offerer, 77, 1).unwrap();
    client.add_peer(&link.answerer, 1, 1).unwrap();
    link.offerer.create_offer().unwrap();
    wait_connected(
        &mut [&mut server, &mut client],
        &[&link],
        &[vec![77], vec![1]],
    );
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connected);
    assert!(server.get_peer(77).unwrap().connected);
    let labels: Vec<String> = server
        .get_peer(77)
        .unwrap()
        .channels
        .iter()
        .map(|c| c.get_label())
        .collect();
    assert_eq!(labels, ["reliable", "ordered", "unreliable", "4", "5"]);

    // Channel 0 in every mode, then the custom channels (whose configured mode the receiver
    // reports, whatever the sender asked).
    let mut sent = Vec::new();
    for (i, mode) in MODES.into_iter().enumerate() {
        sent.push((0, mode, mode, vec![i as u8; 10 + i]));
    }
    sent.push((
        1,
        TransferMode::Reliable,
        TransferMode::Unreliable,
        b"custom one".to_vec(),
    ));
    sent.push((
        2,
        TransferMode::Unreliable,
        TransferMode::Reliable,
        b"custom two".to_vec(),
    ));
    for (sender, receiver, from) in [(0usize, 1usize, 1), (1, 0, 77)] {
        let target = if sender == 0 { 77 } else { 1 };
        {
            let peer: &mut dyn MultiplayerPeer = if sender == 0 {
                &mut server
            } else {
                &mut client
            };
            for (channel, asked, _, data) in &sent {
                peer.send(target, *asked, *channel, data).unwrap();
            }
        }
        let mut received: Vec<Packet> = Vec::new();
        poll_until(
            &mut [&mut server, &mut client],
            &[&link],
            "every packet arrived",
            |peers| {
                while let Some(packet) = peers[receiver].get_packet() {
                    received.push(packet);
                }
                received.len() == sent.len()
            },
        );
        for (channel, _, reported, data) in &sent {
            assert!(
                received.contains(&Packet {
                    from,
                    channel: *channel,
                    mode: *reported,
                    data: data.clone()
                }),
                "{channel} {reported:?} {data:?} in {received:?}"
            );
        }
    }

    // A channel beyond the custom ones is refused; an unknown target too.
    assert!(server.send(77, TransferMode::Reliable, 3, b"x").is_err());
    assert!(server.send(5, TransferMode::Reliable, 0, b"x").is_err());

    // The client leaves: the server sees it go, the client is disconnected.
    client.disconnect_peer(1, false);
    poll_until(
        &mut [&mut server, &mut client],
        &[&link],
        "the server saw the client leave",
        |peers| events(&mut *peers[0]).contains(&PeerEvent::PeerDisconnected(77)),
    );
    assert!(!server.has_peer(77));
    assert_eq!(
        client.get_connection_status(),
        ConnectionStatus::Disconnected
    );
}

#[test]
fn reliable_ordered_stream_arrives_complete_and_in_order() {
    let mut server = WebRtcMultiplayerPeer::new();
    server.create_server(&[]).unwrap();
    let mut client = WebRtcMultiplayerPeer::new();
    client.create_client(5, &[]).unwrap();
    let link = Link::new();
    server.add_peer(&link.offerer, 5, 1).unwrap();
    client.add_peer(&link.answerer, 1, 1).unwrap();
    link.offerer.create_offer().unwrap();
    wait_connected(
        &mut [&mut server, &mut client],
        &[&link],
        &[vec![5], vec![1]],
    );
    let mut next = 0u32;
    let mut got = Vec::new();
    poll_until(
        &mut [&mut server, &mut client],
        &[&link],
        "2000 reliable packets",
        |peers| {
            while next < 2000 {
                match peers[1].send(1, TransferMode::Reliable, 0, &next.to_le_bytes()) {
                    Ok(()) => next += 1,
                    Err(_) => break,
                }
            }
            while let Some(p) = peers[0].get_packet() {
                got.push(u32::from_le_bytes(p.data.try_into().unwrap()));
            }
            got.len() == 2000
        },
    );
    assert_eq!(got, (0..2000).collect::<Vec<_>>());
}

#[test]
fn mesh_of_three_broadcasts_and_excludes() {
    let ids = [2, 3, 4];
    let mut peers: Vec<WebRtcMultiplayerPeer> = ids
        .iter()
        .map(|&id| {
            let mut p = WebRtcMultiplayerPeer::new();
            p.create_mesh(id, &[]).unwrap();
            p
        })
        .collect();
    // One link per pair; the lower id offers.
    let mut links = Vec::new();
    for a in 0..3 {
        for b in a + 1..3 {
            let link = Link::new();
            peers[a].add_peer(&link.offerer, ids[b], 1).unwrap();
            peers[b].add_peer(&link.answerer, ids[a], 1).unwrap();
            link.offerer.create_offer().unwrap();
            links.push(link);
        }
    }
    let link_refs: Vec<&Link> = links.iter().collect();
    {
        let [p0, p1, p2] = &mut peers[..] else {
            unreachable!()
        };
        wait_connected(
            &mut [p0, p1, p2],
            &link_refs,
            &[vec![3, 4], vec![2, 4], vec![2, 3]],
        );
        assert!(!p0.is_server_relay_supported());
        // Broadcast from 2 in every mode; then "all but 3" from 4.
        for mode in MODES {
            p0.send(0, mode, 0, &[mode as u8]).unwrap();
        }
        p2.send(-3, TransferMode::Reliable, 0, b"not for 3")
            .unwrap();
        let mut got: [Vec<Packet>; 3] = Default::default();
        poll_until(
            &mut [p0, p1, p2],
            &link_refs,
            "the broadcasts arrived",
            |peers| {
                for (i, peer) in peers.iter_mut().enumerate() {
                    while let Some(p) = peer.get_packet() {
                        got[i].push(p);
                    }
                }
                got[1].len() >= 3 && !got[0].is_empty() && got[2].len() >= 3
            },
        );
        for receiver in [1, 2] {
            for mode in MODES {
                assert!(got[receiver].contains(&Packet {
                    from: 2,
                    channel: 0,
                    mode,
                    data: vec![mode as u8]
                }));
            }
        }
        assert_eq!(
            got[0],
            [Packet {
                from: 4,
                channel: 0,
                mode: TransferMode::Reliable,
                data: b"not for 3".to_vec()
            }]
        );
        assert!(
            got[1].iter().all(|p| p.from == 2),
            "3 was excluded: {:?}",
            got[1]
        );
    }
    // Closing one mesh peer disconnects it from the others.
    peers[2].close();
    let [p0, p1, _] = &mut peers[..] else {
        unreachable!()
    };
    let mut gone = [false; 2];
    poll_until(
        &mut [p0, p1],
        &link_refs,
        "peer 4's departure noticed",
        |peers| {
            for (i, peer) in peers.iter_mut().enumerate() {
                gone[i] |= events(&mut **peer).contains(&PeerEvent::PeerDisconnected(4));
            }
            gone == [true, true]
        },
    );
    assert_eq!(
        links[1].answerer.get_connection_state(),
        ConnectionState::Closed
    );
    assert_eq!(
        links[1].answerer.channels()[0].get_ready_state(),
        ChannelState::Closed
    );
}
