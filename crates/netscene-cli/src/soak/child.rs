//! The soak's server as a child process: started from this executable
//! (`bench --soak-server`), asked for its report over stdin, sampled through `/proc`.

use std::collections::HashMap;
use std::time::Duration;

use super::StreamReport;
use super::bots::SoakPlan;
use crate::bench_child::BenchChild;

/// What the soak server reports at the end.
#[derive(Debug, Default)]
pub(crate) struct ServerReport {
    pub(crate) streams: Vec<StreamReport>,
    /// Reliable ticks broadcast.
    pub(crate) ticks: u64,
    /// Peers that left without both fins, with the time (Unix seconds) the server saw it.
    pub(crate) dropped: HashMap<i32, f64>,
}

/// The soak's server child process.
pub(crate) struct ServerChild(BenchChild);

impl ServerChild {
    pub(crate) fn start(plan: &SoakPlan) -> Result<(Self, u16), String> {
        let transport = plan.transport.to_string();
        let bots = plan.bots.to_string();
        let mut child = BenchChild::start(
            "soak server",
            &[
                "--soak-server",
                "--transport",
                &transport,
                "--clients",
                &bots,
            ],
        )?;
        let line = child.next_line(Duration::from_secs(30))?;
        let port = line
            .strip_prefix("listening port=")
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| format!("unexpected soak server line {line:?}"))?;
        Ok((Self(child), port))
    }

    /// The server's stream reports, its tick count, and when (Unix seconds) it saw each
    /// peer leave without both fins.
    pub(crate) fn report(&mut self) -> Result<ServerReport, String> {
        self.0.send("report")?;
        let mut report = ServerReport::default();
        loop {
            let line = self.0.next_line(Duration::from_secs(30))?;
            if line == "end" {
                return Ok(report);
            }
            if let Some(n) = line.strip_prefix("ticks ") {
                report.ticks = n.parse().unwrap_or(0);
            } else if let Some(stream) = StreamReport::parse(&line) {
                report.streams.push(stream);
            } else if let Some((peer, at)) = line
                .strip_prefix("dropped ")
                .and_then(|rest| rest.split_once(' '))
                && let (Ok(peer), Ok(at)) = (peer.parse(), at.parse())
            {
                report.dropped.insert(peer, at);
            }
        }
    }

    /// Resident memory (KiB) and CPU time (user + system) of the server process.
    pub(crate) fn sample(&self) -> Option<(u64, Duration)> {
        self.0.sample()
    }

    /// Stops the server (see [`BenchChild::stop`]).
    pub(crate) fn stop(self) {
        self.0.stop();
    }
}

/// Least-squares slope of `(seconds, KiB)` samples, in KiB per minute.
pub fn slope_per_minute(samples: &[(f64, u64)]) -> Option<f64> {
    if samples.len() < 2 {
        return None;
    }
    let n = samples.len() as f64;
    let mean_t = samples.iter().map(|s| s.0).sum::<f64>() / n;
    let mean_m = samples.iter().map(|s| s.1 as f64).sum::<f64>() / n;
    let cov: f64 = samples
        .iter()
        .map(|s| (s.0 - mean_t) * (s.1 as f64 - mean_m))
        .sum();
    let var: f64 = samples.iter().map(|s| (s.0 - mean_t).powi(2)).sum();
    (var > 0.0).then(|| cov / var * 60.0)
}
