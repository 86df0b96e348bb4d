//! `scene_auth`: the `scene_packets` server with an auth callback, receiving the fuzzer's packets
//! from a client that has *not* authenticated: the code an anonymous peer reaches.
//!
//! The callback accepts the payload [`PASSWORD`] (`complete_auth`), answers anything else with
//! `send_auth(DENIED)`, and disconnects the peer at its [`MAX_GUESSES`]th wrong payload. The
//! auth clock stands still, so the auth timeout never fires. The bystander (3) authenticated
//! during setup; the attacker (2) starts pending and has announced nothing (seeds authenticate
//! first: `07 00 letmein`, `07 00`, then call by path).
//!
//! Invariants checked after every input:
//! * polling never fails; the bystander stays admitted and its `ping(42)` runs once as peer 3;
//!   nothing the attacker sends runs as anyone but the attacker;
//! * the attacker is admitted only if the callback accepted its password; while it is not,
//!   nothing it sent had an effect: no handler ran for it, no `peer_packet` event, no spawn;
//! * the server disconnects only the attacker, only after [`MAX_GUESSES`] wrong payloads, and
//!   sends an unadmitted attacker nothing but SYS AUTH packets.

use std::sync::{Arc, Mutex};

use netscene::{MultiplayerEvent, PeerId, SceneMultiplayer};

use crate::packets;
use crate::scene::{ATTACKER, BYSTANDER, Scene, call_by_path, i64_args, relay_peer_of_sent};

/// The credentials the callback accepts.
pub const PASSWORD: &[u8] = b"letmein";
/// What the callback answers to wrong credentials.
pub const DENIED: &[u8] = b"denied";
/// The wrong payload that gets a peer disconnected.
pub const MAX_GUESSES: usize = 3;

/// What the auth callback saw and decided.
#[derive(Debug, Default)]
struct AuthLog {
    accepted: Vec<PeerId>,
    wrong: Vec<PeerId>,
}

/// Runs one input (packets split by [`packets::split`]) against a fresh server whose attacker
/// has not authenticated.
pub fn check(data: &[u8]) {
    let (mut scene, log) = run(data);
    check_invariants(&mut scene, &log.lock().expect("auth log"));
}

fn run(data: &[u8]) -> (Scene, Arc<Mutex<AuthLog>>) {
    let log = Arc::new(Mutex::new(AuthLog::default()));
    let callback_log = log.clone();
    let configure = move |mp: &mut SceneMultiplayer| {
        mp.set_clock(Box::new(|| 0));
        // As an application would, the callback ignores refusals of its calls (a second
        // password, an answer to a peer that already completed its side): they are the API
        // saying no, not failures.
        mp.set_auth_callback(Some(Box::new(move |mp, peer, payload| {
            let mut log = callback_log.lock().expect("auth log");
            if payload == PASSWORD {
                log.accepted.push(peer);
                let _ = mp.complete_auth(peer);
            } else {
                log.wrong.push(peer);
                if log.wrong.iter().filter(|&&p| p == peer).count() >= MAX_GUESSES {
                    let _ = mp.disconnect_peer(peer);
                } else {
                    let _ = mp.send_auth(peer, DENIED);
                }
            }
        })));
    };
    let auth = [&[0x07, 0x00][..], PASSWORD].concat();
    let mut scene = Scene::with(configure, &[&auth, &[0x07, 0x00]]);
    scene.peer().sent.clear();
    for packet in packets::split(data) {
        scene.peer().deliver(ATTACKER, packet);
    }
    scene
        .peer()
        .deliver(BYSTANDER, &call_by_path("Game", 4, &i64_args(42)));
    scene.poll();
    scene.poll();
    (scene, log)
}

fn check_invariants(scene: &mut Scene, log: &AuthLog) {
    let accepted = log.accepted.contains(&ATTACKER);
    let wrong = log.wrong.iter().filter(|&&p| p == ATTACKER).count();
    // The bystander logged in once, at setup.
    assert_eq!(log.accepted.iter().filter(|&&p| p == BYSTANDER).count(), 1);
    assert!(!log.wrong.contains(&BYSTANDER));
    let peers = scene.api().get_peers();
    assert!(peers.contains(&BYSTANDER), "the bystander was dropped");
    assert!(
        accepted || !peers.contains(&ATTACKER),
        "the attacker was admitted without the password"
    );
    let events = scene.tree.drain_events("/root");
    if !accepted {
        for event in &events {
            assert!(
                !matches!(
                    event,
                    MultiplayerEvent::PeerPacket { from: ATTACKER, .. }
                        | MultiplayerEvent::Spawned { .. }
                        | MultiplayerEvent::Despawned { .. }
                        | MultiplayerEvent::Synchronized { .. }
                        | MultiplayerEvent::DeltaSynchronized { .. }
                ),
                "an unauthenticated peer had an effect: {event:?}"
            );
        }
    }
    let peer = scene.peer();
    for &(id, _) in &peer.disconnects {
        assert_eq!(id, ATTACKER, "the server disconnected {id}");
        assert!(
            wrong >= MAX_GUESSES,
            "disconnected after {wrong} wrong payloads"
        );
    }
    for sent in &peer.sent {
        let reaches_attacker = sent.target == ATTACKER
            || sent.target == 0
            || (sent.target < 0 && sent.target != -ATTACKER);
        if !accepted && reaches_attacker {
            assert!(
                sent.data.starts_with(&[0x07, 0x00]),
                "the server sent an unauthenticated peer {:02x?}",
                sent.data
            );
        }
        if let Some(source) = relay_peer_of_sent("server", sent.target, &sent.data) {
            assert_eq!(source, ATTACKER, "a relay names the wrong source");
        }
    }
    let calls = scene.calls.lock().expect("calls");
    let bystander: Vec<_> = calls.iter().filter(|c| c.1 == BYSTANDER).collect();
    assert_eq!(bystander, [&("ping", BYSTANDER, 42)]);
    for call in calls.iter() {
        assert!(call.1 == ATTACKER || call.1 == BYSTANDER, "{call:?}");
        assert!(
            accepted || call.1 != ATTACKER,
            "an unauthenticated call ran: {call:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    //! The seeds reach the code they were written for.
    use super::*;

    use crate::scene::tests::{attacker_calls, read_seed};

    fn seed(name: &str) -> Vec<u8> {
        read_seed("scene_auth", name)
    }

    #[test]
    fn the_password_admits_and_calls_then_run() {
        let (mut scene, log) = run(&seed("login_then_play"));
        assert_eq!(log.lock().unwrap().accepted, [BYSTANDER, ATTACKER]);
        assert!(scene.api().get_peers().contains(&ATTACKER));
        assert_eq!(attacker_calls(&scene), [("ping", 7), ("ping", 8)]);
        check_invariants(&mut scene, &log.lock().unwrap());
    }

    #[test]
    fn wrong_guesses_are_denied_then_disconnected() {
        let (mut scene, log) = run(&seed("wrong_guesses"));
        assert_eq!(log.lock().unwrap().wrong.len(), MAX_GUESSES);
        assert_eq!(scene.peer().disconnects, [(ATTACKER, false)]);
        assert!(!scene.api().get_peers().contains(&ATTACKER));
        let denied = [&[0x07, 0x00][..], DENIED].concat();
        let denials = scene
            .peer()
            .sent
            .iter()
            .filter(|p| p.data == denied)
            .count();
        assert_eq!(denials, MAX_GUESSES - 1);
        assert_eq!(attacker_calls(&scene), []);
        check_invariants(&mut scene, &log.lock().unwrap());
    }

    #[test]
    fn nothing_before_authentication_has_an_effect() {
        let (mut scene, log) = run(&seed("before_auth"));
        assert_eq!(log.lock().unwrap().accepted, [BYSTANDER]);
        assert_eq!(attacker_calls(&scene), []);
        let refused = scene
            .tree
            .drain_events("/root")
            .into_iter()
            .filter(|e| matches!(e, MultiplayerEvent::PacketRejected { from: ATTACKER, .. }))
            .count();
        assert_eq!(refused, 4);
        check_invariants(&mut scene, &log.lock().unwrap());
    }

    #[test]
    fn every_seed_passes_the_invariants() {
        let dir = format!("{}/corpus/scene_auth", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            check(&std::fs::read(entry.unwrap().path()).unwrap());
        }
        check(b"");
    }
}
