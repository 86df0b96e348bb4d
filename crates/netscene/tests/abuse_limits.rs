//! Abuse by admitted clients: a server's per-peer limits (`SceneMultiplayer::set_peer_limits`,
//! not in Godot, off by default). In the hostile arena (virtual time, two honest clients on
//! lossy links keeping their RPC streams running) the attacker floods RPCs, bytes and relays:
//! what exceeds its limit is dropped with `PacketRejected(RateLimited)`, what fits gets
//! through, a peer that keeps it up is disconnected, and the honest streams arrive whole.

#[path = "support/hostile.rs"]
mod hostile;

use hostile::*;
use netscene::{MultiplayerEvent, MultiplayerPeer, PacketError, PeerLimitKind, PeerLimits};

/// Virtual milliseconds per arena round (`Arena::run` steps 7 ms).
const ROUND_MS: f64 = 7.0;

fn rate_limited(events: &[MultiplayerEvent], from: i32, kind: PeerLimitKind) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(e, MultiplayerEvent::PacketRejected { from: f, error: PacketError::RateLimited { limit } }
                if *f == from && *limit == kind)
        })
        .count()
}

fn raw_from(events: &[MultiplayerEvent], from: i32) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, MultiplayerEvent::PeerPacket { from: f, .. } if *f == from))
        .count()
}

fn set_limits(a: &mut Arena, limits: PeerLimits) {
    a.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_peer_limits(limits);
}

/// Raw packet (`send_bytes` form): command byte 3, then the payload.
fn raw(len: usize) -> Vec<u8> {
    let mut out = vec![0x03];
    out.resize(len + 1, 0xAB);
    out
}

#[test]
fn without_limits_a_flood_runs_as_in_godot() {
    let mut a = Arena::new(11);
    let tick = a.method_id("tick");
    let mut seq = 0;
    a.run(100, |a, _| {
        for _ in 0..20 {
            a.attacker_send(&call_by_path("Game", tick, &i64_args(seq)));
            seq += 1;
        }
    });
    a.assert_streams_intact();
    assert_eq!(a.calls_of("tick", 1, a.attacker_id).len(), 2000);
    assert_eq!(
        rate_limited(&a.events[0], a.attacker_id, PeerLimitKind::Rpcs),
        0
    );
    a.assert_server_intact(true);
}

#[test]
fn rpcs_over_the_limit_are_dropped_and_the_rest_run() {
    let mut a = Arena::new(12);
    let limit = 600;
    set_limits(
        &mut a,
        PeerLimits {
            rpcs_per_second: Some(limit),
            ..PeerLimits::default()
        },
    );
    let tick = a.method_id("tick");
    let rounds = 300; // 2.1 virtual seconds at ~2 860 attacker RPCs per second
    let mut seq = 0;
    a.run(rounds, |a, _| {
        for _ in 0..20 {
            a.attacker_send(&call_by_path("Game", tick, &i64_args(seq)));
            seq += 1;
        }
    });
    a.assert_streams_intact();
    let seconds = rounds as f64 * ROUND_MS / 1000.0;
    let ran = a.calls_of("tick", 1, a.attacker_id).len() as f64;
    let dropped = rate_limited(&a.events[0], a.attacker_id, PeerLimitKind::Rpcs) as f64;
    // One second of burst, then the rate (links add up to ~40 ms of delay).
    let most = f64::from(limit) * (seconds + 1.0);
    let least = f64::from(limit) * (seconds - 0.1);
    assert!(
        ran <= most && ran >= least,
        "{ran} attacker RPCs ran in {seconds} s (limit {limit}/s)"
    );
    assert!(
        dropped + ran >= seq as f64 - 20.0 * 10.0,
        "every call either ran or was reported: {ran} + {dropped} of {seq}"
    );
    assert!(
        a.server_peers().contains(&a.attacker_id),
        "not disconnected"
    );
    a.assert_server_intact(true);
}

#[test]
fn sustained_abuse_gets_the_peer_disconnected_and_the_others_told() {
    let mut a = Arena::new(13);
    set_limits(
        &mut a,
        PeerLimits {
            rpcs_per_second: Some(600),
            disconnect_after: Some(3),
            ..PeerLimits::default()
        },
    );
    let tick = a.method_id("tick");
    let attacker = a.attacker_id;
    let start = a.net.now();
    let mut kicked_at = None;
    let mut seq = 0;
    for _ in 0..1000 {
        a.honest_round();
        if kicked_at.is_none() {
            for _ in 0..20 {
                a.attacker_send(&call_by_path("Game", tick, &i64_args(seq)));
                seq += 1;
            }
        }
        a.step(7);
        if kicked_at.is_none()
            && a.events[0].iter().any(|e| {
                matches!(e, MultiplayerEvent::PacketRejected { from, error: PacketError::AbusiveDisconnect { limit: PeerLimitKind::Rpcs } } if *from == attacker)
            })
        {
            kicked_at = Some(a.net.now() - start);
        }
        if kicked_at.is_some_and(|t| a.net.now() - start > t + std::time::Duration::from_secs(1)) {
            break;
        }
    }
    let kicked_at = kicked_at.expect("the attacker was disconnected");
    // Third abusive one-second window: the first starts when the flood does.
    assert!(
        kicked_at.as_secs_f64() >= 2.0 && kicked_at.as_secs_f64() < 3.2,
        "disconnected after {kicked_at:?}"
    );
    let server_events = &a.events[0];
    let kick = server_events
        .iter()
        .position(|e| {
            matches!(
                e,
                MultiplayerEvent::PacketRejected {
                    error: PacketError::AbusiveDisconnect { .. },
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(
        server_events[kick + 1],
        MultiplayerEvent::PeerDisconnected(attacker),
        "the game is told the peer left"
    );
    assert!(
        !server_events[kick + 1..].iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected { from, .. } if *from == attacker
        )),
        "the kicked peer's packets still in flight are ignored quietly"
    );
    for (branch, events) in BRANCHES.iter().zip(&a.events).skip(1) {
        assert!(
            events.contains(&MultiplayerEvent::PeerDisconnected(attacker)),
            "{branch} saw the attacker leave"
        );
    }
    assert!(Arena::peer_is_disconnected(&mut a.attacker));
    a.assert_streams_intact();
    a.assert_server_intact(false);
}

#[test]
fn bytes_over_the_limit_are_dropped() {
    let mut a = Arena::new(14);
    let limit = 100_000;
    set_limits(
        &mut a,
        PeerLimits {
            bytes_per_second: Some(limit),
            ..PeerLimits::default()
        },
    );
    let rounds = 200; // 1.4 s at ~5.7 MB/s
    let packet = raw(4000);
    a.run(rounds, |a, _| {
        for _ in 0..10 {
            a.attacker_send(&packet);
        }
    });
    a.assert_streams_intact();
    let seconds = rounds as f64 * ROUND_MS / 1000.0;
    let arrived = raw_from(&a.events[0], a.attacker_id) as f64;
    let most = limit as f64 * (seconds + 1.0) / packet.len() as f64;
    assert!(
        arrived <= most && arrived >= most * 0.5,
        "{arrived} packets of 4 KB in {seconds} s at {limit} B/s"
    );
    assert!(rate_limited(&a.events[0], a.attacker_id, PeerLimitKind::Bytes) > 1000);
    a.assert_server_intact(true);
}

#[test]
fn relayed_copies_over_the_limit_are_dropped_whole() {
    let mut a = Arena::new(15);
    let limit = 300; // honest1 relays ~143 chats per second
    set_limits(
        &mut a,
        PeerLimits {
            relays_per_second: Some(limit),
            ..PeerLimits::default()
        },
    );
    let rounds = 200;
    let packet = relay(0, &raw(16));
    a.run(rounds, |a, _| {
        for _ in 0..10 {
            a.attacker_send(&packet);
        }
    });
    a.assert_streams_intact();
    let seconds = rounds as f64 * ROUND_MS / 1000.0;
    // A relay to everyone costs two copies (honest1, honest2).
    let most = f64::from(limit) * (seconds + 1.0) / 2.0;
    for branch in [0, 1, 2] {
        let arrived = raw_from(&a.events[branch], a.attacker_id) as f64;
        assert!(
            arrived <= most && arrived >= most * 0.5,
            "{}: {arrived} relayed packets in {seconds} s (limit {limit} copies/s)",
            BRANCHES[branch]
        );
    }
    assert!(rate_limited(&a.events[0], a.attacker_id, PeerLimitKind::Relays) > 1000);
    a.assert_server_intact(true);
}

#[test]
fn a_peer_still_authenticating_is_limited_too() {
    let mut a = Arena::new(16);
    set_limits(
        &mut a,
        PeerLimits {
            bytes_per_second: Some(50_000),
            disconnect_after: Some(1),
            ..PeerLimits::default()
        },
    );
    let mut intruder = a.intruder();
    let id = intruder.get_unique_id();
    let junk = raw(5000);
    a.run(30, |_, _| {
        for _ in 0..10 {
            let _ = intruder.send(1, netscene::TransferMode::Reliable, 0, &junk);
        }
        intruder.poll();
    });
    let events = &a.events[0];
    assert!(events.iter().any(|e| matches!(e, MultiplayerEvent::PacketRejected { from, error: PacketError::AbusiveDisconnect { limit: PeerLimitKind::Bytes } } if *from == id)), "{events:?}");
    assert!(events.contains(&MultiplayerEvent::PeerAuthenticationFailed(id)));
    a.assert_streams_intact();
    a.assert_server_intact(true);
}

#[test]
fn limits_on_a_client_do_not_apply_to_its_server() {
    let mut a = Arena::new(17);
    a.tree
        .scene_multiplayer(HONEST[0])
        .unwrap()
        .set_peer_limits(PeerLimits {
            rpcs_per_second: Some(1),
            bytes_per_second: Some(1),
            relays_per_second: Some(1),
            disconnect_after: Some(1),
        });
    a.run(100, |_, _| {});
    a.assert_streams_intact();
    assert_eq!(rate_limited(&a.events[1], 1, PeerLimitKind::Rpcs), 0);
    a.assert_server_intact(true);
}
