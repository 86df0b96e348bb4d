//! Hostile-peer suite, part 1: a malicious client plays each attack of issue 5 over the
//! simulated network while two honest clients (on lossy, slow links) keep their RPC streams
//! running. For each attack: the typed rejection appears with a readable message, the honest
//! streams arrive complete and in order, and the server's state is unchanged.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::*;
use netscene::{MultiplayerEvent, MultiplayerPeer, PacketError, RpcRejection};

#[test]
fn honest_streams_survive_without_attack() {
    let mut a = Arena::new(1);
    a.run(40, |_, _| {});
    a.assert_streams_intact();
    a.assert_server_intact(true);
}

fn packet_errors(events: Vec<MultiplayerEvent>) -> Vec<PacketError> {
    events
        .into_iter()
        .map(|e| match e {
            MultiplayerEvent::PacketRejected { error, .. } => error,
            other => panic!("expected a packet rejection, got {other:?}"),
        })
        .collect()
}

const NOT_ADMITTED: PacketError = PacketError::SysRefused {
    command: "any",
    reason: "only authentication packets are accepted before admission",
};

#[test]
fn packets_before_auth_are_dropped_and_the_silent_peer_times_out() {
    let mut a = Arena::new(2);
    let mut intruder = a.intruder();
    let intruder_id = intruder.get_unique_id();
    assert_eq!(
        std::mem::take(&mut a.events[0]),
        vec![MultiplayerEvent::PeerAuthenticating(intruder_id)]
    );
    let admin = a.method_id("admin");
    let tick = a.method_id("tick");
    let checksum = a.game_checksum();
    let attacks: Vec<Vec<u8>> = vec![
        call_by_path("Game", admin, &i64_args(7)),
        call_by_path("Game", tick, &i64_args(7)),
        simplify(&checksum, 1, "Game"),
        vec![0x03, 0xde, 0xad],
        relay(a.honest[0], &call_by_path("Game", tick, &i64_args(7))),
        vec![0x07, 0x01, 9, 0, 0, 0],
        // "I completed" without credentials: noted, but the server has not completed.
        auth(b""),
        call_by_path("Game", tick, &i64_args(8)),
    ];
    let sent = attacks.len();
    let mut leaked = Vec::new();
    a.run(sent, |a, round| {
        intruder
            .send(1, netscene::TransferMode::Reliable, 0, &attacks[round])
            .unwrap();
        // The admitted attacker tries to reach the pending peer through the relay.
        a.attacker_send(&relay(intruder_id, &[0x03, 0x01]));
        intruder.poll();
        while let Some(p) = intruder.get_packet() {
            leaked.push(p.data);
        }
    });
    // Nothing reaches a pending peer: no RPC, no announcement, no relay.
    assert!(leaked.is_empty(), "{leaked:02x?}");
    assert!(a.take_rejections(0, a.attacker_id).is_empty());
    let rejected = packet_errors(a.take_rejections(0, intruder_id));
    // Every packet but the bare completion notice is refused.
    assert_eq!(rejected, vec![NOT_ADMITTED; sent - 1]);
    assert_eq!(
        NOT_ADMITTED.to_string(),
        "any packet not accepted: only authentication packets are accepted before admission"
    );
    assert_eq!(
        a.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers(),
        vec![intruder_id]
    );
    // Nobody was told about the pending peer.
    for branch in HONEST {
        let peers = a.tree.multiplayer(branch).unwrap().get_peers();
        assert!(!peers.contains(&intruder_id));
    }
    a.assert_streams_intact();
    a.assert_server_intact(true);
    assert!(a.calls_of("tick", 1, intruder_id).is_empty());

    // The auth timeout (3 s of virtual time) disconnects the silent peer.
    a.run(500, |_, _| {
        intruder.poll();
        while intruder.get_packet().is_some() {}
    });
    assert!(
        a.events[0].contains(&MultiplayerEvent::PeerAuthenticationFailed(intruder_id)),
        "{:?}",
        a.events[0]
    );
    assert!(Arena::peer_is_disconnected(&mut intruder));
    assert!(
        a.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers()
            .is_empty()
    );
    a.assert_streams_intact();
    a.assert_server_intact(true);
}

#[test]
fn wrong_credentials_are_answered_and_a_retry_is_admitted() {
    let mut a = Arena::new(3);
    let mut intruder = a.intruder();
    let id = intruder.get_unique_id();
    let tick = a.method_id("tick");
    let script: Vec<Vec<u8>> = vec![
        auth(b"guess1"),
        call_by_path("Game", tick, &i64_args(100)),
        auth(b"guess2"),
        auth(PASSWORD),
        auth(b""),
        call_by_path("Game", tick, &i64_args(101)),
    ];
    let mut received = Vec::new();
    a.run(script.len() + 30, |_, round| {
        if let Some(p) = script.get(round) {
            intruder
                .send(1, netscene::TransferMode::Reliable, 0, p)
                .unwrap();
        }
        intruder.poll();
        while let Some(p) = intruder.get_packet() {
            received.push(p.data);
        }
    });
    assert_eq!(
        *a.refused_auth.lock().unwrap(),
        vec![(id, b"guess1".to_vec()), (id, b"guess2".to_vec())]
    );
    // Each wrong guess got the server's answer; the right one its completion notice.
    assert_eq!(
        &received[..3],
        &[auth(DENIED), auth(DENIED), auth(b"")],
        "{received:02x?}"
    );
    // The call sent while pending was refused; the one after admission ran.
    assert_eq!(packet_errors(a.take_rejections(0, id)), vec![NOT_ADMITTED]);
    assert_eq!(a.calls_of("tick", 1, id), vec![101]);
    assert!(a.events[0].contains(&MultiplayerEvent::PeerConnected(id)));
    a.assert_streams_intact();
    let mut peers = a.server_peers();
    peers.retain(|p| *p != id);
    let mut expected = vec![a.honest[0], a.honest[1], a.attacker_id];
    expected.sort_unstable();
    assert_eq!(peers, expected);
}

/// `(node path, method, reason)` of an `RpcRejected` event.
fn rpc_rejection(event: &MultiplayerEvent) -> (String, &str, &RpcRejection) {
    match event {
        MultiplayerEvent::RpcRejected {
            node,
            method,
            reason,
            ..
        } => (node.to_string(), method.as_str(), reason),
        other => panic!("expected an RPC rejection, got {other:?}"),
    }
}

#[test]
fn relayed_packets_carry_the_real_sender_and_cannot_forge_one() {
    let mut a = Arena::new(4);
    let [h1, h2] = a.honest;
    let me = a.attacker_id;
    let chat = a.method_id("chat");
    let tock = a.method_id("tock");
    let forged_chat = call_by_path("Game", chat, &i64_args(999));
    let attacks: Vec<Vec<u8>> = vec![
        // 1. A chat to honest2 through the relay: it arrives, but as the attacker's.
        relay(h2, &forged_chat),
        // 2. A relay inside a relay, claiming honest1 as the source.
        relay(h2, &relay(h1, &forged_chat)),
        // 3. The server's authority RPC, relayed to honest1: the sender is not the server.
        relay(h1, &call_by_path("Game", tock, &i64_args(999))),
        // 4. A peer announcement smuggled to everyone (server included).
        relay(0, &[0x07, 0x02, 1, 0, 0, 0]),
        // 5. A relay to a peer that does not exist: dropped silently (newest Godot).
        relay(424_242, &forged_chat),
        // 6. DEL_PEER of an honest client, sent to the server.
        [&[0x07, 0x02][..], &h1.to_le_bytes()].concat(),
        // 7. ADD_PEER of a made-up peer.
        [&[0x07, 0x01][..], &777i32.to_le_bytes()].concat(),
    ];
    let n = attacks.len();
    a.run(n, |a, round| a.attacker_send(&attacks[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);

    // 1: honest2 ran it, attributed to the attacker; honest1's stream is untouched.
    assert_eq!(a.calls_of("chat", h2, me), vec![999]);
    // 2 and 4 on honest2, 3 and 4 on honest1, 4, 6, 7 on the server.
    let smuggled_sys = PacketError::SysRefused {
        command: "SYS",
        reason: "not allowed inside a relayed packet",
    };
    assert_eq!(
        packet_errors(a.take_rejections(2, me)),
        vec![smuggled_sys.clone(), smuggled_sys.clone()]
    );
    let on_h1 = a.take_rejections(1, me);
    assert_eq!(on_h1.len(), 2, "{on_h1:?}");
    let (node, method, reason) = rpc_rejection(&on_h1[0]);
    assert_eq!(
        (node.as_str(), method, reason),
        ("Game", "tock", &RpcRejection::NotAuthority { authority: 1 })
    );
    assert_eq!(
        on_h1[1],
        MultiplayerEvent::PacketRejected {
            from: me,
            error: smuggled_sys.clone()
        }
    );
    assert_eq!(
        packet_errors(a.take_rejections(0, me)),
        vec![
            smuggled_sys.clone(),
            PacketError::SysRefused {
                command: "DEL_PEER",
                reason: "only clients accept peer announcements"
            },
            PacketError::SysRefused {
                command: "ADD_PEER",
                reason: "only clients accept peer announcements"
            },
        ]
    );
    assert_eq!(
        smuggled_sys.to_string(),
        "SYS packet not accepted: not allowed inside a relayed packet"
    );
    // Nobody learned of peer 777 or 424242, and nothing else was reported anywhere.
    for events in &a.events {
        assert!(
            events.iter().all(|e| !matches!(
                e,
                MultiplayerEvent::PacketRejected { .. } | MultiplayerEvent::RpcRejected { .. }
            )),
            "{events:?}"
        );
    }
    for branch in BRANCHES {
        let peers = a.tree.multiplayer(branch).unwrap().get_peers();
        assert!(!peers.contains(&777) && !peers.contains(&424_242));
    }
}

#[test]
fn refused_rpcs_run_no_handler() {
    let mut a = Arena::new(5);
    let me = a.attacker_id;
    let checksum = a.game_checksum();
    let secret = a.method_id("secret");
    let admin = a.method_id("admin");
    let attacks: Vec<Vec<u8>> = vec![
        // Disabled method, by path.
        call_by_path("Game", secret, &i64_args(1)),
        // Authority method from a non-authority, by path and by an announced cache id.
        call_by_path("Game", admin, &i64_args(2)),
        simplify(&checksum, 5, "Game"),
        call_by_id(5, admin as u8, &i64_args(3)),
        // A method id the node does not have.
        call_by_id(5, 200, &i64_args(4)),
        // A cache id never announced.
        call_by_id(77, admin as u8, &i64_args(5)),
        // A path that does not exist.
        call_by_path("Nope", admin, &i64_args(6)),
        // The right method with arguments of the wrong type.
        call_by_path("Game", a.method_id("tick"), &[0x01, 0x81]),
    ];
    let n = attacks.len();
    a.run(n, |a, round| a.attacker_send(&attacks[round]));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    // The SIMPLIFY_PATH was answered with a valid CONFIRM_PATH.
    assert!(a.inbox.iter().any(|p| p.data == [0x02, 0x01, 5, 0, 0, 0]));
    let events = a.take_rejections(0, me);
    let texts: Vec<String> = events
        .iter()
        .map(|e| match e {
            MultiplayerEvent::RpcRejected {
                node,
                method,
                reason,
                ..
            } => format!("rpc {method} on {node}: {reason}"),
            MultiplayerEvent::PacketRejected { error, .. } => format!("packet: {error}"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            "rpc secret on Game: method is disabled for RPC",
            "rpc admin on Game: mode is \"authority\", authority is 1",
            "rpc admin on Game: mode is \"authority\", authority is 1",
            "rpc  on Game: unknown method id 200",
            "packet: unknown node cache id 77",
            "packet: node Nope not found",
            "rpc tick on Game: call failed: invalid argument 0: expected i64, got Bool",
        ]
    );
}

#[test]
fn relay_to_i32_min_goes_to_everyone_without_overflow() {
    // `-i32::MIN` does not exist: "all but peer i32::MIN" is simply everyone else.
    let mut a = Arena::new(6);
    let me = a.attacker_id;
    a.run(1, |a, _| a.attacker_send(&relay(i32::MIN, &[0x03, 0x42])));
    a.assert_streams_intact();
    a.assert_server_intact(true);
    for (branch, events) in BRANCHES.iter().zip(&a.events) {
        let raw = events
            .iter()
            .filter(|e| matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == me && data == &[0x42]))
            .count();
        assert_eq!(raw, 1, "branch {branch}: {events:?}");
    }
}

#[test]
fn credential_guessing_gets_the_peer_disconnected() {
    let mut a = Arena::new(7);
    let mut intruder = a.intruder();
    let id = intruder.get_unique_id();
    let script = [
        auth(b"guess1"),
        auth(b"guess2"),
        auth(b"guess3"),
        auth(PASSWORD),
        auth(b""),
    ];
    let mut received = Vec::new();
    let mut disconnected = false;
    a.run(script.len() + 30, |_, round| {
        if let Some(p) = script.get(round)
            && !disconnected
        {
            // Sending fails once the server has dropped us.
            let _ = intruder.send(1, netscene::TransferMode::Reliable, 0, p);
        }
        disconnected |= Arena::peer_is_disconnected(&mut intruder);
        while let Some(p) = intruder.get_packet() {
            received.push(p.data);
        }
    });
    assert!(disconnected);
    // Two answers, then the third guess ended the session; the password came too late.
    assert_eq!(received, vec![auth(DENIED), auth(DENIED)]);
    assert_eq!(a.refused_auth.lock().unwrap().len(), MAX_GUESSES);
    assert!(!a.server_peers().contains(&id));
    assert!(
        a.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers()
            .is_empty()
    );
    a.assert_streams_intact();
    a.assert_server_intact(true);
}
