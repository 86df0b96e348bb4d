//! Round-trip time samples and rate counters for the demo and bench summaries.

use std::time::Duration;

/// Collected round-trip samples, summarised as mean and percentiles.
#[derive(Debug, Default, Clone)]
pub struct LatencySamples {
    micros: Vec<u64>,
}

impl LatencySamples {
    /// Records one round trip.
    pub fn record(&mut self, rtt: Duration) {
        self.micros
            .push(rtt.as_micros().min(u64::MAX as u128) as u64);
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.micros.len()
    }

    /// Adds every sample of `other`.
    pub fn extend(&mut self, other: &LatencySamples) {
        self.micros.extend_from_slice(&other.micros);
    }

    /// Mean round trip, or `None` without samples.
    pub fn mean(&self) -> Option<Duration> {
        if self.micros.is_empty() {
            return None;
        }
        let sum: u128 = self.micros.iter().map(|&m| m as u128).sum();
        Some(Duration::from_micros(
            (sum / self.micros.len() as u128) as u64,
        ))
    }

    /// The `p`-th percentile (0–100, nearest rank), or `None` without samples.
    pub fn percentile(&mut self, p: f64) -> Option<Duration> {
        if self.micros.is_empty() {
            return None;
        }
        self.micros.sort_unstable();
        let rank = ((p / 100.0) * self.micros.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.micros.len()) - 1;
        Some(Duration::from_micros(self.micros[index]))
    }
}

/// Formats a duration as milliseconds with two decimals, or `-` when absent.
pub fn format_ms(value: Option<Duration>) -> String {
    value.map_or_else(
        || "-".to_string(),
        |d| format!("{:.2} ms", d.as_secs_f64() * 1000.0),
    )
}

/// Formats a per-second rate with a thousands-friendly unit.
pub fn format_rate(count: u64, elapsed: Duration, unit: &str) -> String {
    let per_second = count as f64 / elapsed.as_secs_f64().max(1e-9);
    if per_second >= 1_000_000.0 {
        format!("{:.2} M{unit}/s", per_second / 1_000_000.0)
    } else if per_second >= 1_000.0 {
        format!("{:.1} k{unit}/s", per_second / 1_000.0)
    } else {
        format!("{per_second:.1} {unit}/s")
    }
}

/// CPU time the calling thread has used so far (Linux: `/proc/thread-self/schedstat`, else
/// `/proc/thread-self/stat`), or `None` where neither is readable.
pub fn thread_cpu_time() -> Option<Duration> {
    if let Ok(text) = std::fs::read_to_string("/proc/thread-self/schedstat")
        && let Some(ns) = text.split_whitespace().next().and_then(|v| v.parse().ok())
    {
        return Some(Duration::from_nanos(ns));
    }
    let text = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15,
    // in clock ticks (100 per second on Linux).
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// UDP datagrams the kernel dropped for full socket buffers so far (`RcvbufErrors` plus
/// `SndbufErrors` of `/proc/net/snmp`, this network namespace), or `None` off Linux. A bench
/// reports the difference over its run: loss that no relay chose, which ENet then resends.
pub fn udp_buffer_drops() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut udp = snmp.lines().filter(|line| line.starts_with("Udp:"));
    let names: Vec<&str> = udp.next()?.split_whitespace().collect();
    let values: Vec<&str> = udp.next()?.split_whitespace().collect();
    let field = |name: &str| -> Option<u64> {
        let index = names.iter().position(|n| *n == name)?;
        values.get(index)?.parse().ok()
    };
    Some(field("RcvbufErrors")? + field("SndbufErrors")?)
}

/// The kernel's UDP buffer drops since `before` (a [`udp_buffer_drops`] reading).
pub fn udp_buffer_drops_since(before: Option<u64>) -> Option<u64> {
    udp_buffer_drops()
        .zip(before)
        .map(|(after, before)| after.saturating_sub(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn udp_buffer_drops_reads_the_kernel_counters() {
        let before = udp_buffer_drops().expect("/proc/net/snmp has Udp RcvbufErrors");
        assert!(udp_buffer_drops().expect("read again") >= before);
        assert!(udp_buffer_drops_since(Some(before)).is_some());
        assert_eq!(udp_buffer_drops_since(None), None);
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut samples = LatencySamples::default();
        for ms in 1..=100 {
            samples.record(Duration::from_millis(ms));
        }
        assert_eq!(samples.percentile(50.0), Some(Duration::from_millis(50)));
        assert_eq!(samples.percentile(99.0), Some(Duration::from_millis(99)));
        assert_eq!(samples.percentile(100.0), Some(Duration::from_millis(100)));
        assert_eq!(samples.mean(), Some(Duration::from_micros(50_500)));
        assert_eq!(LatencySamples::default().percentile(50.0), None);
    }

    #[test]
    fn thread_cpu_time_grows_with_work() {
        let Some(before) = thread_cpu_time() else {
            return; // not Linux
        };
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let after = thread_cpu_time().unwrap();
        assert!(after > before, "{before:?} -> {after:?}");
    }

    #[test]
    fn rates_pick_a_unit() {
        assert_eq!(
            format_rate(2_500_000, Duration::from_secs(1), "RPC"),
            "2.50 MRPC/s"
        );
        assert_eq!(format_rate(1500, Duration::from_secs(1), "B"), "1.5 kB/s");
        assert_eq!(format_rate(10, Duration::from_secs(2), "B"), "5.0 B/s");
        assert_eq!(format_ms(None), "-");
    }
}
