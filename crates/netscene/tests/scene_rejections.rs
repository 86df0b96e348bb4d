//! Malformed or refused packets: dropped with a typed error event, connection kept.

mod support;

use netscene::{MultiplayerEvent, PacketError, RpcConfig, TransferMode};
use support::{SERVER, World};

fn send_raw(w: &mut World, client: usize, bytes: &[u8]) {
    let path = w.client_path(client).to_owned();
    w.tree
        .multiplayer(&path)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .send(1, TransferMode::Reliable, 0, bytes)
        .unwrap();
}

fn rejections(w: &mut World, path: &str) -> Vec<PacketError> {
    w.events(path)
        .into_iter()
        .filter_map(|e| match e {
            MultiplayerEvent::PacketRejected { error, .. } => Some(error),
            _ => None,
        })
        .collect()
}

#[test]
fn malformed_packets_are_dropped_with_clear_errors_and_the_peer_stays() {
    let mut w = World::connected(1);
    let nodes = w.add_everywhere("Lobby");
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for &n in &nodes {
        let hits = hits.clone();
        w.tree
            .on_rpc(n, "hit", RpcConfig::any_peer(), move |_, (_,): (i64,)| {
                hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            })
            .unwrap();
    }
    let c1 = w.client_id(0);
    let mut uncached_call = vec![0x20, 9, 0, 0, 0x80, 0x00, 0x03, 0x02, 0x05];
    uncached_call.extend_from_slice(b"Lobby\0");
    let cases: Vec<(Vec<u8>, PacketError)> = vec![
        (vec![0x30, 1, 0], PacketError::InvalidNodeIdCompression(3)),
        (
            vec![0x00],
            PacketError::TooShort {
                what: "REMOTE_CALL header",
                len: 1,
                need: 3,
            },
        ),
        (vec![0x80, 9, 0], PacketError::UnknownCacheId(9)),
        (
            [&[0xa0, 6, 0, 0, 0x80, 0][..], b"Nope\0"].concat(),
            PacketError::NodeNotFound("Nope".into()),
        ),
        (
            vec![0xa0, 60, 0, 0, 0x80, 0],
            PacketError::PathOffsetOutOfRange { offset: 60, len: 6 },
        ),
        (
            uncached_call,
            PacketError::ArgumentCount {
                declared: 3,
                found: 1,
            },
        ),
        (
            vec![0x02, 1, 1, 0, 0],
            PacketError::BadLength {
                what: "CONFIRM_PATH",
                len: 5,
                expected: 6,
            },
        ),
        (
            vec![0x01, 0x61, 0x62],
            PacketError::TooShort {
                what: "SIMPLIFY_PATH",
                len: 3,
                need: 38,
            },
        ),
        // Malformed replication packets: tests/replication_hostile.rs.
        (
            vec![0x07, 0x09, 0, 0, 0, 0],
            PacketError::UnknownSysCommand(9),
        ),
        (
            vec![0x07, 0x02, 0],
            PacketError::TooShort {
                what: "SYS",
                len: 3,
                need: 6,
            },
        ),
        (
            vec![0x07, 0x01, 5, 0, 0, 0],
            PacketError::SysRefused {
                command: "ADD_PEER",
                reason: "only clients accept peer announcements",
            },
        ),
        (
            vec![0x07, 0x00, 1, 2],
            PacketError::SysRefused {
                command: "AUTH",
                reason: "authentication data after the peer was admitted",
            },
        ),
        (
            vec![0x03],
            PacketError::TooShort {
                what: "RAW",
                len: 1,
                need: 2,
            },
        ),
    ];
    for (bytes, expected) in cases {
        send_raw(&mut w, 0, &bytes);
        w.pump();
        assert_eq!(rejections(&mut w, SERVER), vec![expected], "{bytes:02x?}");
    }
    // Still connected: a proper call goes through.
    assert_eq!(w.tree.multiplayer(SERVER).unwrap().get_peers(), vec![c1]);
    w.tree
        .rpc_id(nodes[1], 1, "hit", &netscene::args![1])
        .unwrap();
    w.pump();
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(w.events(SERVER).is_empty());
}

#[test]
fn simplify_path_for_a_missing_node_or_a_reused_id_for_another_path_is_refused() {
    let mut w = World::connected(1);
    let mut simplify = vec![0x01];
    simplify.extend_from_slice(b"d41d8cd98f00b204e9800998ecf8427e\0");
    simplify.extend_from_slice(&[7, 0, 0, 0]);
    simplify.extend_from_slice(b"Ghost\0");
    send_raw(&mut w, 0, &simplify);
    w.pump();
    assert_eq!(
        rejections(&mut w, SERVER),
        vec![PacketError::NodeNotFound("Ghost".into())]
    );
    // Nothing was answered.
    assert!(w.take_sent(0).is_empty());

    w.add_everywhere("Ghost");
    send_raw(&mut w, 0, &simplify);
    w.pump();
    assert!(rejections(&mut w, SERVER).is_empty());
    // Checksum of a node without RPCs matches: CONFIRM_PATH valid.
    let sent = w.take_sent(0);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data, [0x02, 0x01, 7, 0, 0, 0]);

    // An identical repeat (a sender re-sending an unconfirmed announcement) is answered
    // again; the same id for another path is refused.
    send_raw(&mut w, 0, &simplify);
    w.pump();
    assert!(rejections(&mut w, SERVER).is_empty());
    let sent = w.take_sent(0);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].data, [0x02, 0x01, 7, 0, 0, 0]);

    w.add_everywhere("Other");
    let mut conflicting = simplify[..38].to_vec();
    conflicting.extend_from_slice(b"Other\0");
    send_raw(&mut w, 0, &conflicting);
    w.pump();
    assert_eq!(
        rejections(&mut w, SERVER),
        vec![PacketError::DuplicateCacheId(7)]
    );
    assert!(w.take_sent(0).is_empty());
}

#[test]
fn path_cache_entries_per_peer_are_capped() {
    let mut w = World::connected(1);
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_max_cache_entries_per_peer(2);
    w.add_everywhere("Node");
    for id in 1..=3u8 {
        let mut simplify = vec![0x01];
        simplify.extend_from_slice(b"d41d8cd98f00b204e9800998ecf8427e\0");
        simplify.extend_from_slice(&[id, 0, 0, 0]);
        simplify.extend_from_slice(b"Node\0");
        send_raw(&mut w, 0, &simplify);
    }
    w.pump();
    assert_eq!(rejections(&mut w, SERVER), vec![PacketError::CacheFull(2)]);
}

#[test]
fn oversized_packets_are_dropped_unread() {
    let mut w = World::connected(1);
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_max_packet_size(16);
    send_raw(&mut w, 0, &[0x03; 17]);
    w.pump();
    assert_eq!(
        rejections(&mut w, SERVER),
        vec![PacketError::TooLarge { len: 17, limit: 16 }]
    );
}
