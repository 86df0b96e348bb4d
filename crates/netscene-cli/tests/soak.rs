//! The short soak of CI (RELIABILITY.md has the long one): `netscene bench --game arena`
//! with 5 % loss and 50 ± 10 ms of delay from the relay on 127.0.0.1, bots leaving and
//! joining again. Every reliable stream must arrive whole and in order (both channels, both
//! directions), unreliable-ordered ones in order, and no bot may be dropped. Also the ping
//! bench through the relay: no reliable RPC lost.

mod support;

use support::*;

/// Runs `netscene ARGS` to the end; returns the exit code and stdout.
fn run(args: &[&str]) -> (i32, String) {
    let (code, stdout, stderr) = start(args, &[]).wait();
    assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
    (code, stdout)
}

/// The number after `label` on the line starting with `row` (e.g. "lost" on "reliable_0").
fn number(stdout: &str, row: &str, label: &str) -> u64 {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(row))
        .unwrap_or_else(|| panic!("no {row} line:\n{stdout}"));
    let after = &line[line.find(label).unwrap_or_else(|| panic!("{line}")) + label.len()..];
    after
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label} in {line}"))
}

fn assert_soak_held(stdout: &str, bots: u64) {
    for stream in ["reliable_0", "reliable_1"] {
        assert!(number(stdout, stream, "sent") > 0, "{stdout}");
        assert_eq!(
            number(stdout, stream, "sent"),
            number(stdout, stream, "received"),
            "{stdout}"
        );
        assert_eq!(number(stdout, stream, "lost"), 0, "{stdout}");
        assert_eq!(number(stdout, stream, "out of order"), 0, "{stdout}");
    }
    assert_eq!(number(stdout, "ordered_2", "out of order"), 0, "{stdout}");
    assert_eq!(number(stdout, "tick", "gaps"), 0, "{stdout}");
    assert!(
        number(stdout, "tick", "tick (server → bots)") > 0,
        "{stdout}"
    );
    assert_eq!(number(stdout, "joined", "joined"), bots, "{stdout}");
    // A session may end by ENet's own timeout when the relay happened to drop one reliable
    // command's sends six times in a row (about once in a million commands at 5 % loss each
    // way); any other break is a bug.
    assert_eq!(
        number(stdout, "sessions", "timeouts,"),
        0,
        "no unexplained broken session:\n{stdout}"
    );
    assert_eq!(
        number(stdout, "sessions", "unexplained;"),
        0,
        "every leaving bot's fins were acknowledged:\n{stdout}"
    );
    assert!(number(stdout, "spawns", "seen") > bots, "{stdout}");
    assert!(
        number(stdout, "syncs applied", "applied") > 1000,
        "{stdout}"
    );
    assert!(stdout.contains("result                    ok"), "{stdout}");
}

#[test]
fn arena_soak_over_enet_with_loss_and_delay() {
    let (code, stdout) = run(&[
        "bench",
        "--game",
        "arena",
        "--transport",
        "enet",
        "--clients",
        "50",
        "--duration",
        "30",
        "--loss",
        "5",
        "--latency",
        "50",
        "--jitter",
        "10",
        "--sample-interval",
        "10",
        "--session-seconds",
        "12",
    ]);
    println!("{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert_soak_held(&stdout, 50);
    // 5 % of the datagrams were dropped: the unreliable streams show it.
    assert!(
        number(&stdout, "unreliable", "sent") > number(&stdout, "unreliable", "received"),
        "{stdout}"
    );
}

#[test]
fn arena_soak_over_websocket_with_delay() {
    let (code, stdout) = run(&[
        "bench",
        "--game",
        "arena",
        "--transport",
        "ws",
        "--clients",
        "20",
        "--duration",
        "15",
        "--loss",
        "5",
        "--latency",
        "50",
        "--jitter",
        "10",
        "--sample-interval",
        "5",
        "--session-seconds",
        "8",
    ]);
    println!("{stdout}");
    assert_eq!(code, 0, "{stdout}");
    assert_soak_held(&stdout, 20);
}

#[test]
fn ping_bench_through_the_relay_loses_no_reliable_rpc() {
    for transport in ["enet", "ws"] {
        let (code, stdout) = run(&[
            "bench",
            "--transport",
            transport,
            "--clients",
            "10",
            "--duration",
            "3",
            "--loss",
            "10",
            "--latency",
            "40",
            "--jitter",
            "20",
        ]);
        assert_eq!(code, 0, "{transport}: {stdout}");
        assert_eq!(number(&stdout, "reliable RPCs lost", "lost"), 0, "{stdout}");
        // The relay's delay shows in the round trip: 2 × (40 ± 20) ms, at least 40 ms.
        assert!(
            number(&stdout, "round trip p50", "p50") >= 40,
            "{transport}: {stdout}"
        );
    }
}
