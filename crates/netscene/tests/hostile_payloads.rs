//! Hostile-peer suite, part 2: malformed payloads from an admitted malicious client —
//! truncated and oversized packets, deeply nested and huge-length variants, full objects
//! while object decoding is off, and node paths that leave the multiplayer branch — while
//! the honest clients' RPC streams keep running.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::*;
use netscene::variant::DecodeErrorKind;
use netscene::{MultiplayerEvent, PacketError};

fn errors_from(a: &mut Arena, index: usize) -> Vec<PacketError> {
    let me = a.attacker_id;
    a.take_rejections(index, me)
        .into_iter()
        .map(|e| match e {
            MultiplayerEvent::PacketRejected { error, .. } => error,
            other => panic!("expected a packet rejection, got {other:?}"),
        })
        .collect()
}

fn decode_kind(error: &PacketError) -> &DecodeErrorKind {
    match error {
        PacketError::Arguments(e) => &e.kind,
        other => panic!("expected an argument decode error, got {other:?}"),
    }
}

/// Sends `args` (one argument, full encoding) to `Game.obj` by path.
fn obj_call(a: &Arena, arg: &[u8]) -> Vec<u8> {
    let mut area = vec![0x01];
    area.extend_from_slice(arg);
    call_by_path("Game", a.method_id("obj"), &area)
}

#[test]
fn every_truncation_of_valid_packets_is_refused_cleanly() {
    let mut a = Arena::new(11);
    let checksum = a.game_checksum();
    let tick = a.method_id("tick");
    a.attacker_send(&simplify(&checksum, 5, "Game"));
    a.step(5);
    let call = call_by_id(5, tick as u8, &i64_args(41));
    let announce = simplify(&checksum, 6, "Game");
    let relayed = relay(
        a.honest[1],
        &call_by_path("Game", a.method_id("chat"), &i64_args(42)),
    );
    let mut prefixes = Vec::new();
    for golden in [&call, &announce, &relayed] {
        for len in 1..golden.len() {
            prefixes.push(golden[..len].to_vec());
        }
    }
    let n = prefixes.len();
    a.run(n, |a, round| a.attacker_send(&prefixes[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    let errors = errors_from(&mut a, 0);
    // The REMOTE_CALL: header too short (1..=5), no argc (6), argc without value (7), a
    // value cut anywhere (8..=15). Each prefix is one clear rejection; none ran the handler.
    let call_errors = &errors[..call.len() - 1];
    for (i, e) in call_errors.iter().enumerate() {
        let len = i + 1;
        match len {
            1..=5 => assert_eq!(
                *e,
                PacketError::TooShort {
                    what: "REMOTE_CALL header",
                    len,
                    need: 6
                }
            ),
            6 => assert_eq!(
                *e,
                PacketError::TooShort {
                    what: "RPC argument count",
                    len: 0,
                    need: 1
                }
            ),
            7 => assert_eq!(
                *e,
                PacketError::ArgumentCount {
                    declared: 1,
                    found: 0
                }
            ),
            _ => assert!(
                matches!(decode_kind(e), DecodeErrorKind::Truncated { .. }),
                "{len}: {e}"
            ),
        }
    }
    assert_eq!(
        call_errors[9].to_string(),
        "invalid RPC arguments: truncated int64: needs 8 bytes, 2 left at byte 8"
    );
    assert!(a.calls_of("tick", 1, a.attacker_id).is_empty());
    // SIMPLIFY_PATH: too short below 38 bytes, then a cut path ("", "G", "Ga", "Gam") that
    // names no node. The path's NUL is optional (Godot reads to the end), so the 42-byte
    // prefix is a complete announcement and is confirmed.
    let rest = &errors[call.len() - 1..];
    for (i, e) in rest[..41].iter().enumerate() {
        let len = i + 1;
        if len < 38 {
            assert_eq!(
                *e,
                PacketError::TooShort {
                    what: "SIMPLIFY_PATH",
                    len,
                    need: 38
                }
            );
        } else {
            assert_eq!(
                *e,
                PacketError::NodeNotFound(["", "G", "Ga", "Gam"][len - 38].into())
            );
        }
    }
    let confirms = a
        .inbox
        .iter()
        .filter(|p| p.data == [0x02, 0x01, 6, 0, 0, 0])
        .count();
    assert_eq!(confirms, 1);
    // Relays the server cannot parse (1..=6 bytes) are refused there; from 7 bytes on they
    // are forwarded and honest2 refuses the cut REMOTE_CALL, except the last prefix, whose
    // path lacks only its optional NUL.
    let relay_errors = &rest[41..];
    assert_eq!(relay_errors.len(), 6, "{relay_errors:?}");
    assert_eq!(
        relay_errors[0],
        PacketError::TooShort {
            what: "SYS",
            len: 1,
            need: 2
        }
    );
    for e in &relay_errors[1..] {
        assert!(matches!(e, PacketError::TooShort { .. }), "{e}");
    }
    let on_honest2 = errors_from(&mut a, 2);
    assert_eq!(
        on_honest2.len(),
        relayed.len() - 1 - 6 - 1,
        "{on_honest2:?}"
    );
    assert_eq!(a.calls_of("chat", a.honest[1], a.attacker_id), vec![42]);
}

#[test]
fn oversized_packets_are_dropped_unread() {
    let mut a = Arena::new(12);
    let limit = netscene::scene_multiplayer::DEFAULT_MAX_PACKET_SIZE;
    let mut big = vec![0x03; limit + 1];
    big[0] = 0x03;
    a.run(2, |a, round| {
        if round == 0 {
            a.attacker_send(&big);
        }
    });
    a.assert_streams_intact();
    a.assert_server_intact(true);
    let errors = errors_from(&mut a, 0);
    assert_eq!(
        errors,
        vec![PacketError::TooLarge {
            len: limit + 1,
            limit
        }]
    );
    assert_eq!(
        errors[0].to_string(),
        "packet of 8388609 bytes exceeds the limit of 8388608"
    );
    // Nothing was queued for the application.
    assert!(
        !a.events[0]
            .iter()
            .any(|e| matches!(e, MultiplayerEvent::PeerPacket { .. }))
    );
}

/// `depth` nested single-element arrays around a NIL.
fn nested_arrays(depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..depth {
        out.extend_from_slice(&[0x1C, 0, 0, 0, 1, 0, 0, 0]);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

/// `depth` nested single-entry dictionaries (key NIL) around a NIL.
fn nested_dicts(depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..depth {
        out.extend_from_slice(&[0x1B, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    }
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

#[test]
fn deep_nesting_and_huge_lengths_are_refused_without_allocating() {
    let mut a = Arena::new(13);
    let huge = 0x7FFF_FFFFu32.to_le_bytes();
    let with_len = |type_id: u8, len: &[u8]| [&[type_id, 0, 0, 0][..], len].concat();
    let payloads: Vec<Vec<u8>> = vec![
        nested_arrays(100_000),
        nested_dicts(2_000),
        with_len(0x04, &huge),                         // String
        with_len(0x1D, &huge),                         // PackedByteArray
        with_len(0x1F, &huge),                         // PackedInt64Array
        with_len(0x22, &huge),                         // PackedStringArray
        with_len(0x1C, &huge),                         // Array
        with_len(0x1B, &huge),                         // Dictionary
        with_len(0x04, &0x8000_0000u32.to_le_bytes()), // negative String length
        with_len(
            0x16,
            &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0],
        ), // NodePath
    ];
    let calls: Vec<Vec<u8>> = payloads.iter().map(|p| obj_call(&a, p)).collect();
    let n = calls.len();
    a.run(n, |a, round| a.attacker_send(&calls[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    let errors = errors_from(&mut a, 0);
    assert_eq!(errors.len(), n, "{errors:?}");
    let max = netscene::variant::MAX_DECODE_DEPTH;
    assert_eq!(*decode_kind(&errors[0]), DecodeErrorKind::TooDeep { max });
    assert_eq!(*decode_kind(&errors[1]), DecodeErrorKind::TooDeep { max });
    assert!(
        errors[0]
            .to_string()
            .starts_with("invalid RPC arguments: values nested deeper than 512 levels at byte"),
        "{}",
        errors[0]
    );
    for e in &errors[2..8] {
        assert!(
            matches!(
                decode_kind(e),
                DecodeErrorKind::StringTooLong { .. } | DecodeErrorKind::CountTooLarge { .. }
            ),
            "{e}"
        );
    }
    // A length with bit 31 set: negative as Godot's int32, or simply too long (Godot answers
    // ERR_FILE_EOF for both).
    assert!(
        matches!(
            decode_kind(&errors[8]),
            DecodeErrorKind::NegativeLength { .. } | DecodeErrorKind::StringTooLong { .. }
        ),
        "{}",
        errors[8]
    );
    assert!(
        matches!(
            decode_kind(&errors[9]),
            DecodeErrorKind::CountTooLarge { .. }
                | DecodeErrorKind::StringTooLong { .. }
                | DecodeErrorKind::Truncated { .. }
        ),
        "{}",
        errors[9]
    );
    assert!(a.calls_of("obj", 1, a.attacker_id).is_empty());
}

/// A full object (class "Node", no properties): header `18 00 00 00`, class name, count.
fn full_object() -> Vec<u8> {
    vec![
        0x18, 0, 0, 0, 4, 0, 0, 0, b'N', b'o', b'd', b'e', 0, 0, 0, 0,
    ]
}

#[test]
fn full_objects_are_refused_unless_allowed() {
    let mut a = Arena::new(14);
    let me = a.attacker_id;
    let object_as_id = vec![0x18, 0, 1, 0, 0x39, 0x30, 0, 0, 0, 0, 0, 0];
    let in_array = [&[0x1C, 0, 0, 0, 1, 0, 0, 0][..], &full_object()].concat();
    let as_dict_value = [&[0x1B, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0][..], &full_object()].concat();
    let calls = [
        obj_call(&a, &full_object()),
        obj_call(&a, &in_array),
        obj_call(&a, &as_dict_value),
        obj_call(&a, &object_as_id),
    ];
    let n = calls.len();
    a.run(n, |a, round| a.attacker_send(&calls[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    let errors = errors_from(&mut a, 0);
    assert_eq!(errors.len(), 3, "{errors:?}");
    for e in &errors {
        assert_eq!(*decode_kind(e), DecodeErrorKind::ObjectsNotAllowed);
    }
    assert_eq!(
        errors[0].to_string(),
        "invalid RPC arguments: object decoding is not allowed at byte 7"
    );
    // The instance-id form is always accepted (Godot's EncodedObjectAsID).
    assert_eq!(a.calls_of("obj", 1, me), vec![1]);

    // With allow_object_decoding, the same bytes are accepted.
    a.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_allow_object_decoding(true);
    let call = obj_call(&a, &full_object());
    a.run(1, |a, _| a.attacker_send(&call));
    a.assert_streams_intact();
    assert!(errors_from(&mut a, 0).is_empty());
    assert_eq!(a.calls_of("obj", 1, me), vec![1, 1]);
}

#[test]
fn node_paths_cannot_leave_the_multiplayer_branch() {
    let mut a = Arena::new(15);
    let me = a.attacker_id;
    let checksum = a.game_checksum();
    let chat = a.method_id("chat");
    let attacks = [
        call_by_path("../honest1/Game", chat, &i64_args(500)),
        call_by_path("/root/honest1/Game", chat, &i64_args(501)),
        simplify(&checksum, 9, "../honest2/Game"),
        call_by_id(9, chat as u8, &i64_args(502)),
        // `..` is refused even when it comes back (Godot peers never send it).
        call_by_path("Game/../Game", chat, &i64_args(503)),
        call_by_path("./Game", chat, &i64_args(504)),
    ];
    let n = attacks.len();
    a.run(n, |a, round| a.attacker_send(&attacks[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    // No handler of another branch ran on the server's behalf.
    for h in a.honest {
        assert!(
            a.calls_of("chat", h, me).is_empty(),
            "{:?}",
            a.calls_of("chat", h, me)
        );
    }
    assert_eq!(a.calls_of("chat", 1, me), vec![504]);
    let errors = errors_from(&mut a, 0);
    assert_eq!(
        errors,
        vec![
            PacketError::NodeNotFound("../honest1/Game".into()),
            PacketError::NodeNotFound("/root/honest1/Game".into()),
            PacketError::NodeNotFound("../honest2/Game".into()),
            PacketError::UnknownCacheId(9),
            PacketError::NodeNotFound("Game/../Game".into()),
        ]
    );
}

#[test]
fn the_branch_root_itself_is_reachable_as_dot() {
    // The sender names its branch root `.`; until the wire-path resolver, `.` was looked up
    // as a child named "." and every RPC on a branch root was refused as NodeNotFound(".").
    let mut a = Arena::new(16);
    let roots = [SERVER, HONEST[0]].map(|p| a.tree.get_node(p).unwrap());
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for root in roots {
        let hits = hits.clone();
        a.tree
            .on_rpc(
                root,
                "ping",
                netscene::RpcConfig::any_peer().transfer_mode(netscene::TransferMode::Reliable),
                move |ctx, (n,): (i64,)| {
                    assert_eq!(ctx.unique_id(), 1);
                    hits.fetch_add(n as usize, std::sync::atomic::Ordering::SeqCst);
                },
            )
            .unwrap();
    }
    a.tree
        .rpc_id(roots[1], 1, "ping", &netscene::args![5])
        .unwrap();
    a.run(3, |_, _| {});
    a.assert_streams_intact();
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 5);
    let h1 = a.honest[0];
    assert!(a.take_rejections(0, h1).is_empty());
}

#[test]
fn paths_cannot_go_up_so_one_packet_cannot_burn_cpu() {
    // Each `C9999` step scans Big's 10 000 children; walked up and down 100 000 times that
    // was 10⁹ name comparisons (tens of seconds) for one 1 MB packet. `..` is refused now.
    let mut a = Arena::new(17);
    let big = a.tree.add_path(&format!("{SERVER}/Big")).unwrap();
    for i in 0..10_000 {
        a.tree.add_child(big, format!("C{i}")).unwrap();
    }
    let path = format!("Big/{}C9999", "C9999/../".repeat(100_000));
    let announce = simplify(&a.game_checksum(), 1, &path);
    a.run(1, |a, _| a.attacker_send(&announce));
    a.assert_streams_intact();
    let errors = errors_from(&mut a, 0);
    assert_eq!(errors.len(), 1);
    assert!(
        matches!(&errors[0], PacketError::NodeNotFound(p) if p.to_string().starts_with("Big/C9999/../")),
        "{:.80}",
        errors[0]
    );
    // Going down is fine.
    let announce = simplify(&a.game_checksum(), 2, "Big/C9999");
    a.run(1, |a, _| a.attacker_send(&announce));
    a.assert_streams_intact();
    assert!(errors_from(&mut a, 0).is_empty());
    // Confirmed (as "checksum differs": C9999 has none of Game's methods).
    assert!(a.inbox.iter().any(|p| p.data == [0x02, 0x00, 2, 0, 0, 0]));
}

/// A dictionary argument of `n` entries whose keys differ only where a partial hash would
/// not look: Transform3D keys differing in one basis component, or NaN keys.
fn colliding_dictionary(n: u32, nan: bool) -> Vec<u8> {
    let mut out = vec![0x1B, 0, 0, 0];
    out.extend_from_slice(&n.to_le_bytes());
    for i in 0..n {
        if nan {
            out.extend_from_slice(&[0x03, 0, 0, 0]);
            out.extend_from_slice(&f32::NAN.to_le_bytes());
        } else {
            out.extend_from_slice(&[0x12, 0, 0, 0]);
            for c in 0..12 {
                let v = if c == 1 { i as f32 } else { 0.0 };
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&[0, 0, 0, 0]);
    }
    out
}

#[test]
fn dictionaries_with_colliding_keys_decode_in_linear_time() {
    // Before keys were hashed in full, 20 000 such keys took seconds to decode (every insert
    // walked one hash chain); each packet now costs about as much as its size.
    let mut a = Arena::new(18);
    let me = a.attacker_id;
    let calls = [
        obj_call(&a, &colliding_dictionary(20_000, false)),
        obj_call(&a, &colliding_dictionary(20_000, true)),
    ];
    a.run(2, |a, round| a.attacker_send(&calls[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    assert!(errors_from(&mut a, 0).is_empty());
    // Both were valid calls (one dictionary argument each).
    assert_eq!(a.calls_of("obj", 1, me), vec![1, 1]);
}
