//! Impairments of one simulated client ↔ server link.

use std::time::Duration;

use crate::peer::PeerError;

/// What a link does to the datagrams crossing it, the same in both directions.
///
/// The default is a perfect link: no delay, no loss, unlimited bandwidth. Such a link takes the
/// simulation's fast path (a packet goes straight into the receiver's queue).
///
/// ```
/// use std::time::Duration;
/// use netscene::peer::simulated::LinkConditions;
///
/// let wifi = LinkConditions::default()
///     .with_latency(Duration::from_millis(30))
///     .with_jitter(Duration::from_millis(10))
///     .with_loss(0.02);
/// assert!(!wifi.is_perfect());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkConditions {
    /// One-way delay added to every datagram.
    pub latency: Duration,
    /// Extra one-way delay drawn uniformly in `0..=jitter` per data datagram; datagrams
    /// overtake each other when it exceeds their spacing.
    pub jitter: Duration,
    /// Probability (0–1) that a data, ack or keep-alive datagram is lost.
    pub loss: f64,
    /// Probability (0–1) that a data datagram arrives twice.
    pub duplicate: f64,
    /// Serialisation rate of each direction in bytes per second; 0 means unlimited.
    /// A datagram counts its payload plus [`DATAGRAM_OVERHEAD`] bytes.
    pub bandwidth_bytes_per_sec: u64,
}

/// Bytes each simulated datagram adds to its payload when counting bandwidth (ENet's
/// protocol header plus a command header are about this size).
pub const DATAGRAM_OVERHEAD: usize = 12;

impl LinkConditions {
    /// A link without any impairment.
    pub const PERFECT: Self = Self {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        loss: 0.0,
        duplicate: 0.0,
        bandwidth_bytes_per_sec: 0,
    };

    /// True when the link delays, drops, duplicates and throttles nothing.
    pub fn is_perfect(&self) -> bool {
        self.latency.is_zero()
            && self.jitter.is_zero()
            && self.loss <= 0.0
            && self.duplicate <= 0.0
            && self.bandwidth_bytes_per_sec == 0
    }

    /// Sets the one-way latency.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Sets the jitter.
    pub fn with_jitter(mut self, jitter: Duration) -> Self {
        self.jitter = jitter;
        self
    }

    /// Sets the loss probability.
    pub fn with_loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Sets the duplication probability.
    pub fn with_duplicate(mut self, duplicate: f64) -> Self {
        self.duplicate = duplicate;
        self
    }

    /// Sets the bandwidth in bytes per second (0 = unlimited).
    pub fn with_bandwidth(mut self, bytes_per_sec: u64) -> Self {
        self.bandwidth_bytes_per_sec = bytes_per_sec;
        self
    }

    /// Checks the probabilities: each must be a number in `0..=1`. A loss of 1 is allowed
    /// (a link that drops everything), though reliable traffic then never arrives.
    pub fn validate(&self) -> Result<(), PeerError> {
        for (name, p) in [("loss", self.loss), ("duplicate", self.duplicate)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(PeerError::InvalidParameter(format!(
                    "{name} probability {p} is not in 0..=1"
                )));
            }
        }
        Ok(())
    }

    /// Time to serialise `bytes` at this link's bandwidth.
    pub(crate) fn serialisation_time(&self, bytes: usize) -> Duration {
        if self.bandwidth_bytes_per_sec == 0 {
            return Duration::ZERO;
        }
        let nanos = (bytes as u128 * 1_000_000_000) / u128::from(self.bandwidth_bytes_per_sec);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_perfect_and_validation_rejects_bad_probabilities() {
        assert!(LinkConditions::default().is_perfect());
        assert_eq!(LinkConditions::default(), LinkConditions::PERFECT);
        assert!(LinkConditions::default().with_loss(1.5).validate().is_err());
        assert!(
            LinkConditions::default()
                .with_duplicate(f64::NAN)
                .validate()
                .is_err()
        );
        assert!(LinkConditions::default().with_loss(0.2).validate().is_ok());
    }

    #[test]
    fn serialisation_time_follows_bandwidth() {
        let link = LinkConditions::default().with_bandwidth(1000);
        assert_eq!(link.serialisation_time(500), Duration::from_millis(500));
        assert_eq!(
            LinkConditions::PERFECT.serialisation_time(500),
            Duration::ZERO
        );
    }
}
