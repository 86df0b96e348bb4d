//! Hostile-peer suite, part 3: floods, with memory measured by a counting allocator.
//!
//! * Path-cache flood: 100 000 distinct SIMPLIFY_PATH announcements (half to a node that
//!   exists, under long `./` detours and subnames; half to nodes that do not exist). The per-peer cap holds,
//!   memory stops growing once the cap is reached, and the honest clients are unaffected.
//! * Huge paths: multi-MiB node paths (SIMPLIFY_PATH and uncached REMOTE_CALL) cost memory
//!   in proportion to the packet, not twenty times more, and the rejections they cause keep
//!   only a short excerpt of the path.
//!
//! * Raw flood while the application does not drain its events: at most
//!   `MAX_QUEUED_PEER_PACKETS_PER_PEER` of the attacker's `peer_packet` events are kept; an
//!   honest client's raw packets sent during the flood all arrive; RPCs keep flowing.
//!
//! The tests of this file are serialised (the allocator counts every thread).

#[path = "support/hostile.rs"]
mod hostile;

use std::alloc::System;
use std::sync::Mutex;

use hostile::*;
use netscene::{MultiplayerEvent, MultiplayerPeer, PacketError};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

// The workspace forbids `unsafe`, so the counting allocator comes from `stats_alloc`.
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

static SERIAL: Mutex<()> = Mutex::new(());

/// Bytes currently allocated by the whole process.
fn live_bytes() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

#[derive(Default, Debug)]
struct Tally {
    cache_full: usize,
    not_found: usize,
    other: Vec<PacketError>,
}

/// Announcement `k`: even → the existing `Game` behind `k % 128` `./` detours (up to 256
/// bytes of path) and a distinct subname of up to 512 bytes; odd → a node that does not exist.
fn announcement(checksum: &[u8; 32], k: u32) -> Vec<u8> {
    let path = if k.is_multiple_of(2) {
        let detours = (k / 2 % 128) as usize;
        format!(
            "{}Game:{}{k}",
            "./".repeat(detours),
            "p".repeat(4 * detours)
        )
    } else {
        format!("Ghost{k}")
    };
    simplify(checksum, k, &path)
}

fn flood(a: &mut Arena, ids: std::ops::Range<u32>, per_round: u32, tally: &mut Tally) {
    let checksum = a.game_checksum();
    let me = a.attacker_id;
    let mut next = ids.start;
    while next < ids.end {
        a.honest_round();
        let end = (next + per_round).min(ids.end);
        for k in next..end {
            a.attacker_send(&announcement(&checksum, k));
        }
        next = end;
        a.step(7);
        for e in a.take_rejections(0, me) {
            match e {
                MultiplayerEvent::PacketRejected {
                    error: PacketError::CacheFull(_),
                    ..
                } => tally.cache_full += 1,
                MultiplayerEvent::PacketRejected {
                    error: PacketError::NodeNotFound(_),
                    ..
                } => tally.not_found += 1,
                MultiplayerEvent::PacketRejected { error, .. } => tally.other.push(error),
                other => panic!("{other:?}"),
            }
        }
        a.inbox.clear();
    }
}

#[test]
fn path_cache_flood_is_capped_and_memory_stays_bounded() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut a = Arena::new(21);
    let me = a.attacker_id;
    let cap = a
        .tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .get_max_cache_entries_per_peer();
    assert_eq!(cap, 16_384);
    // Warm up the honest streams so their buffers exist before measuring.
    a.run(20, |_, _| {});
    let mut tally = Tally::default();
    let before = live_bytes();
    flood(&mut a, 0..50_000, 500, &mut tally);
    let entries = |a: &mut Arena| {
        a.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_remote_cache_entries(me)
    };
    assert_eq!(entries(&mut a), cap);
    let after_first = live_bytes();
    flood(&mut a, 50_000..100_000, 500, &mut tally);
    assert_eq!(entries(&mut a), cap);
    let after_second = live_bytes();
    let growth_first = after_first - before;
    let growth_second = after_second - after_first;
    eprintln!(
        "path-cache flood: {cap} entries kept; live heap +{growth_first} bytes over the first \
         50 000 announcements ({} bytes/entry), +{growth_second} over the next 50 000",
        growth_first / cap as i64
    );
    assert!(
        tally.other.is_empty(),
        "{:?}",
        &tally.other[..5.min(tally.other.len())]
    );
    assert_eq!(tally.not_found, 50_000);
    assert_eq!(tally.cache_full, 50_000 - cap);
    // The kept entries cost a few MiB at most, whatever the announced paths' length ...
    assert!(growth_first < 4 << 20, "{growth_first}");
    // ... and a full cache does not grow any more.
    assert!(growth_second < 256 << 10, "{growth_second}");
    a.assert_streams_intact();
    a.assert_server_intact(true);
    // Honest clients never saw the flood.
    for i in 1..=2 {
        assert!(a.take_rejections(i, me).is_empty());
    }
}

#[test]
fn huge_paths_cost_no_more_than_their_packets() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut a = Arena::new(22);
    let me = a.attacker_id;
    a.run(20, |_, _| {});
    // 4 MiB of `a/`: two million names if parsed into a NodePath.
    let path = "a/".repeat(2 << 20);
    let packets = [
        simplify(&a.game_checksum(), 1, &path),
        call_by_path(&path, a.method_id("tick"), &i64_args(1)),
        // And one that resolves: Game behind a million `./` detours.
        simplify(
            &a.game_checksum(),
            2,
            &format!("{}Game", "./".repeat(1 << 20)),
        ),
    ];
    let sent: usize = packets.iter().map(Vec::len).sum();
    let before = GLOBAL.stats();
    let live_before = live_bytes();
    a.run(1, |a, _| {
        for p in &packets {
            a.attacker_send(p);
        }
    });
    let allocated = (GLOBAL.stats() - before).bytes_allocated;
    let retained = live_bytes() - live_before;
    eprintln!(
        "huge paths: {sent} bytes sent; {allocated} bytes allocated while processing, \
         {retained} retained"
    );
    let errors: Vec<String> = a
        .take_rejections(0, me)
        .iter()
        .map(|e| match e {
            MultiplayerEvent::PacketRejected { error, .. } => error.to_string(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:.100?}");
    for e in &errors {
        assert!(
            e.starts_with("node a/a/a/") && e.ends_with("… not found"),
            "{e:.100}"
        );
        assert!(e.len() < 300);
    }
    // The resolvable one was accepted and stored as its canonical path.
    assert!(a.inbox.iter().any(|p| p.data == [0x02, 0x01, 2, 0, 0, 0]));
    // The simulated network copies each packet a few times; parsing adds nothing sized by it.
    assert!(
        allocated < 6 * sent,
        "{allocated} allocated for {sent} bytes"
    );
    assert!(retained < 256 << 10, "{retained}");
    a.assert_streams_intact();
    a.assert_server_intact(true);
}

#[test]
fn raw_flood_while_events_are_not_drained_is_capped() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut a = Arena::new(23);
    let me = a.attacker_id;
    a.run(20, |_, _| {});
    let mut raw = vec![0xAB; 1024];
    raw[0] = 0x03;
    let live_before = live_bytes();
    // The application polls but does not drain the server's events for ten frames; an
    // honest client sends raw bytes to the server in every one of them.
    for frame in 0..10u8 {
        a.honest_round();
        for _ in 0..1000 {
            a.attacker_send(&raw);
        }
        a.tree
            .scene_multiplayer(HONEST[0])
            .unwrap()
            .send_bytes(&[b'h', frame], 1, netscene::TransferMode::Reliable, 0)
            .unwrap();
        a.net.advance(std::time::Duration::from_millis(7));
        a.tree.poll().unwrap();
        a.attacker.poll();
        while a.attacker.get_packet().is_some() {}
    }
    let queued = live_bytes() - live_before;
    let events = a.tree.drain_events(SERVER);
    let raw_events = events
        .iter()
        .filter(|e| matches!(e, MultiplayerEvent::PeerPacket { from, .. } if *from == me))
        .count();
    eprintln!("raw flood: 10 000 packets of 1 KiB, {raw_events} kept, heap +{queued} bytes");
    assert_eq!(
        raw_events,
        netscene::scene_multiplayer::MAX_QUEUED_PEER_PACKETS_PER_PEER
    );
    // The honest client's raw packets were not pushed out by the flood (the 10 % loss on its
    // link only delays them: they are reliable).
    for _ in 0..200 {
        a.step(10);
    }
    let mut honest_raw: Vec<u8> = events
        .into_iter()
        .chain(std::mem::take(&mut a.events[0]))
        .filter_map(|e| match e {
            MultiplayerEvent::PeerPacket { from, data } if from == a.honest[0] => {
                assert_eq!(data[0], b'h');
                Some(data[1])
            }
            _ => None,
        })
        .collect();
    honest_raw.sort_unstable();
    assert_eq!(honest_raw, (0..10).collect::<Vec<u8>>());
    assert!(queued < 6 << 20, "{queued}");
    // The RPC streams were served all along.
    a.assert_streams_intact();
    a.assert_server_intact(true);
}
