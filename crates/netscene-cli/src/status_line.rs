//! `serve`'s live status line on a terminal: peers, RPC/s, bytes/s and the game loop's mean
//! iteration time, redrawn twice a second on standard error (as `bench` and `demo` do). When
//! standard error is not a terminal (a container, a pipe, a log collector) there is no line at
//! all: the structured logs alone.
//!
//! On a terminal the log lines are written around the status line (it is cleared, the line
//! written, the status redrawn), so the two never mix.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::logging::LogFormat;

/// How often the line is redrawn.
const REFRESH: Duration = Duration::from_millis(500);

/// Cumulative counters the line turns into rates.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Totals {
    /// RPCs received and sent.
    pub rpcs: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Payload bytes sent.
    pub bytes_out: u64,
}

/// The text of the line.
pub fn format_status(
    peers: usize,
    rpcs_per_s: f64,
    in_per_s: f64,
    out_per_s: f64,
    mean_loop: Option<Duration>,
) -> String {
    let loop_time = mean_loop.map_or_else(
        || "-".to_string(),
        |d| format!("{:.2} ms", d.as_secs_f64() * 1000.0),
    );
    format!(
        "peers {peers} | {rpcs_per_s:.1} RPC/s | in {} out {} | loop {loop_time}",
        format_bytes_rate(in_per_s),
        format_bytes_rate(out_per_s),
    )
}

fn format_bytes_rate(per_second: f64) -> String {
    if per_second >= 1_000_000.0 {
        format!("{:.2} MB/s", per_second / 1_000_000.0)
    } else if per_second >= 1_000.0 {
        format!("{:.1} kB/s", per_second / 1_000.0)
    } else {
        format!("{per_second:.0} B/s")
    }
}

/// The line, or nothing when standard error is not a terminal.
pub struct StatusLine {
    bar: Option<ProgressBar>,
    window_start: Instant,
    window_totals: Totals,
    loop_time: Duration,
    loops: u32,
}

impl StatusLine {
    /// A line when standard error is a terminal, else none.
    pub fn for_terminal() -> Self {
        Self::new(std::io::stderr().is_terminal())
    }

    fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
            bar
        });
        Self {
            bar,
            window_start: Instant::now(),
            window_totals: Totals::default(),
            loop_time: Duration::ZERO,
            loops: 0,
        }
    }

    /// Installs the global log subscriber, writing around the line when there is one
    /// (`logging::init` otherwise).
    pub fn init_logging(&self, format: LogFormat) {
        let Some(bar) = &self.bar else {
            crate::logging::init(format, crate::logging::LogTarget::Stdout, "info");
            return;
        };
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
        let writer = AroundBar(bar.clone());
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(writer);
        let _ = match format {
            LogFormat::Text => builder.try_init(),
            LogFormat::Json => builder.json().try_init(),
        };
    }

    /// Called every game-loop iteration: counts its duration and redraws twice a second.
    pub fn update(&mut self, peers: usize, totals: Totals, loop_time: Duration) {
        let Some(bar) = &self.bar else {
            return;
        };
        self.loop_time += loop_time;
        self.loops += 1;
        let elapsed = self.window_start.elapsed();
        if elapsed < REFRESH {
            return;
        }
        let seconds = elapsed.as_secs_f64();
        let rate = |now: u64, before: u64| now.saturating_sub(before) as f64 / seconds;
        let mean_loop = (self.loops > 0).then(|| self.loop_time / self.loops);
        bar.set_message(format_status(
            peers,
            rate(totals.rpcs, self.window_totals.rpcs),
            rate(totals.bytes_in, self.window_totals.bytes_in),
            rate(totals.bytes_out, self.window_totals.bytes_out),
            mean_loop,
        ));
        bar.tick();
        self.window_start = Instant::now();
        self.window_totals = totals;
        self.loop_time = Duration::ZERO;
        self.loops = 0;
    }

    /// Removes the line (at exit).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Log lines to standard output, written while the status line is cleared.
struct AroundBar(ProgressBar);

/// One log line, buffered until the subscriber is done with it.
struct LineAroundBar {
    bar: ProgressBar,
    line: Vec<u8>,
}

impl Write for LineAroundBar {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineAroundBar {
    fn drop(&mut self) {
        let line = std::mem::take(&mut self.line);
        self.bar.suspend(|| {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&line);
            let _ = stdout.flush();
        });
    }
}

impl<'a> MakeWriter<'a> for AroundBar {
    type Writer = LineAroundBar;

    fn make_writer(&'a self) -> Self::Writer {
        LineAroundBar {
            bar: self.0.clone(),
            line: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_peers_rates_and_loop_time() {
        assert_eq!(
            format_status(
                3,
                120.0,
                3_200.0,
                2_500_000.0,
                Some(Duration::from_micros(125))
            ),
            "peers 3 | 120.0 RPC/s | in 3.2 kB/s out 2.50 MB/s | loop 0.12 ms"
        );
        assert_eq!(
            format_status(0, 0.0, 12.0, 0.0, None),
            "peers 0 | 0.0 RPC/s | in 12 B/s out 0 B/s | loop -"
        );
    }

    #[test]
    fn nothing_is_drawn_off_a_terminal() {
        let mut line = StatusLine::new(false);
        assert!(line.bar.is_none());
        line.update(1, Totals::default(), Duration::from_millis(1));
        assert_eq!(line.loops, 0, "no bookkeeping without a line");
    }
}
