//! Why soak sessions broke: each broken session's timing, and whether the relay's drops
//! explain it as ENet's own timeout (see [`crate::enet_watch`]).

use std::collections::HashMap;

use crate::enet_watch::{DEFAULT_TIMEOUT_SENDS, FailureRun};
use crate::netem::Relay;

/// When and how a session broke, to tell an ENet timeout (a silence of seconds before it)
/// from a disconnect the server chose.
#[derive(Debug, Clone, Copy)]
pub(super) struct Broken {
    /// Seconds since the Unix epoch, comparable with the server's `dropped` lines.
    pub(super) at: f64,
    /// Seconds the bot had been connected.
    pub(super) connected_for: f64,
    /// Seconds since the last tick arrived from the server (`None`: none ever did).
    pub(super) silence: Option<f64>,
}

/// The broken sessions that the relay's drops explain: one reliable command of theirs failed
/// as many sends in a row as ENet's default timeout allows (see [`crate::enet_watch`]).
pub(super) fn timed_out_by_enet(
    broken: &[(i32, Broken)],
    relay: Option<&Relay>,
) -> HashMap<i32, FailureRun> {
    let Some(relay) = relay else {
        return HashMap::new();
    };
    let watch = relay
        .counters
        .enet
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    broken
        .iter()
        .filter_map(|&(peer, _)| {
            let run = watch.longest_failure_run(peer as u32)?;
            (run.failed_sends >= DEFAULT_TIMEOUT_SENDS).then_some((peer, run))
        })
        .collect()
}

/// Broken sessions listed (the first few), each with the silence before the break, when the
/// server saw the peer go (the side that timed out first sees it first), and the relay's
/// explanation if it has one.
pub(super) fn report_broken(
    broken_sessions: &[(i32, Broken)],
    dropped: &HashMap<i32, f64>,
    timed_out: &HashMap<i32, FailureRun>,
) {
    const LISTED: usize = 20;
    for &(peer, broken) in broken_sessions.iter().take(LISTED) {
        let silence = broken.silence.map_or("no tick ever".into(), |s| {
            format!("last tick {s:.1} s before")
        });
        let server = dropped
            .get(&peer)
            .map_or("the server never saw it leave".into(), |at| {
                format!(
                    "the server saw it leave {:+.1} s from the bot",
                    at - broken.at
                )
            });
        let cause = timed_out.get(&peer).map_or(
            "no run of drops explains it".into(),
            |run| {
                format!(
                    "ENet timeout: the relay failed {} sends in a row of reliable command {} on channel {} ({})",
                    run.failed_sends,
                    run.sequence,
                    run.channel,
                    if run.to_client { "server → bot" } else { "bot → server" }
                )
            },
        );
        out!(
            "    broken: peer {} after {:.1} s connected; {silence}; {server}; {cause}",
            peer,
            broken.connected_for
        );
    }
}
