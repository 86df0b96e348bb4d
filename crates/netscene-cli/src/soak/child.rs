//! The soak's server as a child process: started from this executable
//! (`bench --soak-server`), asked for its report over stdin, sampled through `/proc`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use super::StreamReport;
use super::bots::SoakPlan;

/// The server child process and its output lines.
pub(crate) struct ServerChild {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl ServerChild {
    pub(crate) fn start(plan: &SoakPlan) -> Result<(Self, u16), String> {
        let exe = std::env::current_exe().map_err(|e| format!("own executable: {e}"))?;
        let mut child = Command::new(exe)
            .args([
                "bench",
                "--soak-server",
                "--transport",
                &plan.transport.to_string(),
                "--clients",
                &plan.bots.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start the soak server: {e}"))?;
        let stdout = child.stdout.take().ok_or("soak server stdout")?;
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            stdin: child.stdin.take(),
            child,
            lines,
        };
        let line = server.next_line(Duration::from_secs(30))?;
        let port = line
            .strip_prefix("listening port=")
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| format!("unexpected soak server line {line:?}"))?;
        Ok((server, port))
    }

    fn next_line(&mut self, timeout: Duration) -> Result<String, String> {
        self.lines
            .recv_timeout(timeout)
            .map_err(|_| "the soak server did not answer".to_string())
    }

    /// The server's stream reports and its tick count.
    pub(crate) fn report(&mut self) -> Result<(Vec<StreamReport>, u64), String> {
        let stdin = self.stdin.as_mut().ok_or("soak server stdin closed")?;
        writeln!(stdin, "report").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        let mut reports = Vec::new();
        let mut ticks = 0;
        loop {
            let line = self.next_line(Duration::from_secs(30))?;
            if line == "end" {
                return Ok((reports, ticks));
            }
            if let Some(n) = line.strip_prefix("ticks ") {
                ticks = n.parse().unwrap_or(0);
            } else if let Some(report) = StreamReport::parse(&line) {
                reports.push(report);
            }
        }
    }

    /// Resident memory (KiB) and CPU time (user + system) of the server process.
    pub(crate) fn sample(&self) -> Option<(u64, Duration)> {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some((rss, Duration::from_millis(ticks * 10)))
    }

    /// Closes stdin (the server stops), waits up to 10 s, then kills it by its id.
    pub(crate) fn stop(mut self) {
        self.stdin.take();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
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
