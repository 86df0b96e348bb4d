//! What the demo shows while it runs: event lines above the status line, and the rates of
//! the status line itself.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use super::bot::Bot;
use super::server::Server;
use super::totals;
use crate::stats::LatencySamples;
use crate::world::ServerWorld;

/// One narrated event: its kind (each kind has its own budget per phase) and its line.
pub(super) type Story = (&'static str, String);

/// Prints some of the game's events above the status line: a few of each kind per phase,
/// then a count of the rest.
pub(super) struct Narrator {
    pub(super) bar: ProgressBar,
    pub(super) budget: usize,
    pub(super) shown: HashMap<&'static str, usize>,
    pub(super) skipped: usize,
}

impl Narrator {
    pub(super) fn new(bar: &ProgressBar) -> Self {
        Self {
            bar: bar.clone(),
            budget: 0,
            shown: HashMap::new(),
            skipped: 0,
        }
    }

    /// Starts a phase: says what it is and allows `budget` event lines of each kind.
    pub(super) fn phase(&mut self, title: &str, budget: usize) {
        self.finish_phase();
        self.bar.suspend(|| out!("{title}"));
        self.budget = budget;
        self.shown.clear();
    }

    pub(super) fn finish_phase(&mut self) {
        if self.skipped > 0 {
            let skipped = std::mem::take(&mut self.skipped);
            self.bar.suspend(|| out!("  ... and {skipped} more"));
        }
    }

    pub(super) fn tell(&mut self, server: &mut Server, bots: &mut [Bot]) {
        let from_bot = bots
            .first_mut()
            .and_then(|bot| bot.narration.as_mut())
            .map(std::mem::take)
            .unwrap_or_default();
        for line in std::mem::take(&mut server.narration)
            .into_iter()
            .chain(from_bot)
        {
            let (kind, line) = line;
            let shown = self.shown.entry(kind).or_default();
            if *shown < self.budget {
                *shown += 1;
                self.bar.suspend(|| out!("  {line}"));
            } else {
                self.skipped += 1;
            }
        }
    }
}

/// Counters at the start of a status-line window.
pub(super) struct Window {
    pub(super) started: Instant,
    pub(super) rpcs: u64,
    pub(super) bytes: u64,
    pub(super) rtt: LatencySamples,
}

impl Window {
    pub(super) fn new(server: &Server, bots: &[Bot]) -> Self {
        let (rpcs, bytes) = Self::counters(server, bots);
        Self {
            started: Instant::now(),
            rpcs,
            bytes,
            rtt: LatencySamples::default(),
        }
    }

    /// RPCs received anywhere, and bytes through the server.
    pub(super) fn counters(server: &Server, bots: &[Bot]) -> (u64, u64) {
        let (_, received) = totals(server, bots);
        let moves: u64 = bots.iter().map(|b| b.world_counts().0).sum();
        let inputs = server
            .tree
            .node(server.world)
            .and_then(|node| node.state::<ServerWorld>())
            .map_or(0, |state| state.inputs_received);
        let (out, inn) = server.traffic.bytes();
        (received.total() - received.raw + moves + inputs, out + inn)
    }

    pub(super) fn rates(&self, server: &Server, bots: &[Bot]) -> (u64, u64, Duration) {
        let (rpcs, bytes) = Self::counters(server, bots);
        (rpcs - self.rpcs, bytes - self.bytes, self.started.elapsed())
    }
}
