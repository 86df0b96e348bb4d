//! Hostile-peer suite, part 4: random bytes. An admitted malicious client sends arbitrary
//! packets — fully random, a valid command byte with a random tail, and golden packets
//! mutated (bits flipped, bytes overwritten, truncated, extended) — to a live server while
//! two honest clients keep their RPC streams running over lossy links. A fifth of the packets
//! come from a second raw client that never authenticates: each of those but SYS AUTH must be
//! refused as "not admitted", and it must never be admitted. No case may panic, and
//! afterwards every honest stream is complete and in order.
//!
//! One arena serves every case (a case is one packet and one poll), so the default
//! 100 000 cases run in seconds even in a debug build. For a longer soak set
//! `NETSCENE_SOAK_CASES`, e.g. `NETSCENE_SOAK_CASES=5000000 cargo test -p netscene --release
//! --test hostile_fuzz`.

#[path = "support/hostile.rs"]
mod hostile;

use std::cell::RefCell;
use std::time::Instant;

use hostile::*;
use netscene::{MultiplayerEvent, TransferMode};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};

/// Cases per run unless `NETSCENE_SOAK_CASES` says otherwise.
const DEFAULT_CASES: u32 = 100_000;
/// Cases between two rounds of honest traffic (and a step of virtual time).
const CASES_PER_ROUND: u64 = 50;

fn cases() -> u32 {
    match std::env::var("NETSCENE_SOAK_CASES") {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("NETSCENE_SOAK_CASES must be a number, got {v:?}")),
        Err(_) => DEFAULT_CASES,
    }
}

/// `Game`'s method id of `name` (ids follow the sorted names, spec C.3).
fn id(name: &str) -> u16 {
    GAME_METHODS.iter().position(|m| *m == name).unwrap() as u16
}

/// Valid packets of every kind the attacker could send (cache id 1 = `Game`, announced
/// before the storm).
fn goldens(honest: [i32; 2]) -> Vec<Vec<u8>> {
    let checksum = netscene::wire::rpc_checksum(GAME_METHODS);
    let string_arg = [0x01, 0x04, 0, 0, 0, 3, 0, 0, 0, b'a', b'b', b'c', 0];
    let array_arg = [
        0x01, 0x1C, 0, 0, 0, 2, 0, 0, 0, 0x02, 0, 0, 0, 7, 0, 0, 0, 0x04, 0, 0, 0, 1, 0, 0, 0,
        b'x', 0, 0, 0,
    ];
    let dict_arg = [
        0x01, 0x1B, 0, 0, 0, 1, 0, 0, 0, 0x02, 0, 0, 0, 1, 0, 0, 0, 0x1D, 0, 0, 0, 2, 0, 0, 0, 9,
        9, 0, 0,
    ];
    let raw = vec![0x03, 1, 2, 3];
    vec![
        call_by_id(1, id("tick") as u8, &i64_args(5)),
        call_by_id(1, id("obj") as u8, &[0x02, 0x02, 0x05, 0x81]),
        call_by_path("Game", id("chat"), &i64_args(6)),
        call_by_path("Game", id("obj"), &string_arg),
        call_by_path("Game", id("obj"), &array_arg),
        call_by_path("Game", id("obj"), &dict_arg),
        call_by_path("Game", id("obj"), &[]),
        call_by_path("Game", 0x8001, &i64_args(1)),
        simplify(&checksum, 2, "Game"),
        vec![0x02, 0x01, 1, 0, 0, 0],
        raw.clone(),
        relay(honest[1], &call_by_path("Game", id("chat"), &i64_args(7))),
        relay(0, &raw),
        relay(-honest[0], &raw),
        relay(1, &call_by_id(1, id("tick") as u8, &i64_args(8))),
        auth(b"x"),
        auth(b""),
        [&[0x07, 0x01][..], &honest[0].to_le_bytes()].concat(),
        [&[0x07, 0x02][..], &honest[1].to_le_bytes()].concat(),
        vec![0x04, 0, 1, 0, 0, 0, 0, 0],
        vec![0x16, 1, 0, 0, 0, 0, 0],
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Set(Index, u8),
    Truncate(Index),
    Extend(Vec<u8>),
    Insert(Index, Vec<u8>),
}

fn apply(mut packet: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = packet.len().max(1);
        match m {
            Mutation::Flip(at, bit) if !packet.is_empty() => {
                packet[at.index(len)] ^= 1 << (bit % 8);
            }
            Mutation::Set(at, value) if !packet.is_empty() => packet[at.index(len)] = *value,
            Mutation::Truncate(at) => packet.truncate(at.index(len)),
            Mutation::Extend(tail) => packet.extend_from_slice(tail),
            Mutation::Insert(at, bytes) => {
                let at = at.index(packet.len() + 1);
                packet.splice(at..at, bytes.iter().copied());
            }
            _ => {}
        }
    }
    packet
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let bytes = || proptest::collection::vec(any::<u8>(), 1..16);
    prop_oneof![
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        1 => bytes().prop_map(Mutation::Extend),
        1 => (any::<Index>(), bytes()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn packet(goldens: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let count = goldens.len();
    prop_oneof![
        2 => proptest::collection::vec(any::<u8>(), 1..48),
        2 => (0u8..8, any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(
            |(cmd, flags, tail)| {
                let mut v = vec![cmd | (flags & 0xF0)];
                v.extend(tail);
                v
            }
        ),
        6 => (0..count, proptest::collection::vec(mutation(), 1..4))
            .prop_map(move |(i, ms)| apply(goldens[i].clone(), &ms)),
    ]
}

/// What the storm provoked on the server, for the report.
#[derive(Default, Debug)]
struct Census {
    cases: u64,
    intruder_packets: u64,
    intruder_refusals_expected: u64,
    intruder_refused: u64,
    packet_rejected: u64,
    rpc_rejected: u64,
    peer_packets: u64,
}

struct Storm {
    arena: Arena,
    /// A connected client that never authenticates (pending for the whole storm).
    intruder: netscene::peer::simulated::SimulatedPeer,
    intruder_id: i32,
    census: Census,
}

const NOT_ADMITTED: netscene::PacketError = netscene::PacketError::SysRefused {
    command: "any",
    reason: "only authentication packets are accepted before admission",
};

impl Storm {
    fn case(&mut self, from_intruder: bool, bytes: &[u8]) {
        let a = &mut self.arena;
        let sender = if from_intruder {
            &mut self.intruder
        } else {
            &mut a.attacker
        };
        // An empty packet is refused by the transport itself.
        if sender.send_packet(bytes).is_err() {
            assert!(bytes.is_empty());
        } else if from_intruder {
            self.census.intruder_packets += 1;
            let is_auth = bytes.len() >= 2 && bytes[0] & 0x07 == 0x07 && bytes[1] == 0;
            if !is_auth {
                self.census.intruder_refusals_expected += 1;
            }
        }
        a.poll();
        {
            use netscene::MultiplayerPeer;
            self.intruder.poll();
            while self.intruder.get_packet().is_some() {}
        }
        a.refused_auth.lock().unwrap().clear();
        self.census.cases += 1;
        if self.census.cases.is_multiple_of(CASES_PER_ROUND) {
            a.honest_round();
            a.step(7);
        }
        for e in a.events[0].drain(..) {
            match e {
                MultiplayerEvent::PacketRejected { from, error } if from == self.intruder_id => {
                    assert_eq!(error, NOT_ADMITTED);
                    self.census.intruder_refused += 1;
                }
                MultiplayerEvent::PacketRejected { .. }
                | MultiplayerEvent::ReplicationRejected { .. } => self.census.packet_rejected += 1,
                MultiplayerEvent::RpcRejected { .. } => self.census.rpc_rejected += 1,
                MultiplayerEvent::PeerPacket { .. } => self.census.peer_packets += 1,
                MultiplayerEvent::PeerDisconnected(p) | MultiplayerEvent::PeerConnected(p)
                    if p == a.attacker_id => {}
                other => panic!("server event during the storm: {other:?}"),
            }
        }
        for events in &mut a.events[1..] {
            events.retain(|e| {
                !matches!(
                    e,
                    MultiplayerEvent::PacketRejected { .. }
                        | MultiplayerEvent::ReplicationRejected { .. }
                        | MultiplayerEvent::RpcRejected { .. }
                        | MultiplayerEvent::PeerPacket { .. }
                )
            });
        }
        a.inbox.clear();
    }
}

trait SendPacket {
    fn send_packet(&mut self, bytes: &[u8]) -> Result<(), netscene::PeerError>;
}

impl SendPacket for netscene::peer::simulated::SimulatedPeer {
    fn send_packet(&mut self, bytes: &[u8]) -> Result<(), netscene::PeerError> {
        use netscene::MultiplayerPeer;
        self.send(1, TransferMode::Reliable, 0, bytes)
    }
}

#[test]
fn random_packets_never_panic_and_the_honest_clients_keep_working() {
    let mut arena = Arena::new(31);
    // Cache id 1 names `Game` for the attacker, so cached calls can reach a handler.
    arena.attacker_send(&simplify(&arena.game_checksum(), 1, "Game"));
    arena.step(5);
    arena.clear_observations();
    let goldens = goldens(arena.honest);
    // The intruder stays pending however long the storm lasts.
    arena
        .tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_auth_timeout(0.0)
        .unwrap();
    let intruder = arena.intruder();
    let intruder_id = {
        use netscene::MultiplayerPeer;
        intruder.get_unique_id()
    };
    arena.clear_observations();
    let storm = RefCell::new(Storm {
        arena,
        intruder,
        intruder_id,
        census: Census::default(),
    });
    let cases = cases();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        // Cases share one arena, so a shrunk case would replay against a different state:
        // report the failing packet as it was.
        max_shrink_iters: 0,
        ..Config::default()
    });
    let started = Instant::now();
    let strategy = (proptest::bool::weighted(0.2), packet(goldens));
    let result = runner.run(&strategy, |(from_intruder, bytes)| {
        storm.borrow_mut().case(from_intruder, &bytes);
        Ok(())
    });
    let elapsed = started.elapsed();
    if let Err(e) = result {
        panic!("{e}");
    }
    let mut storm = storm.into_inner();
    let census = &storm.census;
    eprintln!(
        "hostile fuzz: {} cases in {:.1} s ({:.0} cases/s): {} packets rejected ({} of the \
         intruder's {}), {} RPCs refused, {} raw packets delivered",
        census.cases,
        elapsed.as_secs_f64(),
        census.cases as f64 / elapsed.as_secs_f64(),
        census.packet_rejected,
        census.intruder_refused,
        census.intruder_packets,
        census.rpc_rejected,
        census.peer_packets
    );
    assert!(census.cases >= u64::from(cases));
    // Most mutations are refused, but a good share still reaches handlers and raw events.
    assert!(census.packet_rejected > census.cases / 4, "{census:?}");
    assert!(
        census.rpc_rejected > 0 && census.peer_packets > 0,
        "{census:?}"
    );
    // Every intruder packet but SYS AUTH was refused, and it was never admitted.
    assert!(census.intruder_packets > 0);
    assert_eq!(
        census.intruder_refused, census.intruder_refusals_expected,
        "{census:?}"
    );
    let intruder = storm.intruder_id;
    let a = &mut storm.arena;
    assert_eq!(
        a.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers(),
        vec![intruder]
    );
    a.run(20, |_, _| {});
    a.assert_streams_intact();
    a.assert_server_intact(true);
}
