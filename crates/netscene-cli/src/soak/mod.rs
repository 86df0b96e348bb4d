//! `netscene bench --game arena`: a soak. The server (the arena of `serve --game arena` plus a
//! `/root/Soak` node) runs as a child process, so its memory and CPU are its own; bots in
//! this process join through the loss/delay relay ([`crate::netem`]), move their avatars,
//! send sequence-numbered RPCs in every transfer mode, leave and come back (spawns and
//! despawns), and count the syncs they apply. A bot leaving (or at the end) sends a last
//! reliable `fin` on each reliable channel and closes only once the server answered
//! `fin_ack`: ENet drops unacknowledged packets when a connection closes, so without it the
//! last calls of a leaving bot could be lost by the bot itself. At the end the server reports
//! what it received per stream and the bots compare it with what they sent: every reliable
//! stream must arrive whole and in order, every unreliable-ordered one in order.

pub mod bots;
mod broken;
mod child;
pub mod server;

use netscene::{RpcConfig, TransferMode};

/// The soak node, the same on both sides.
pub const SOAK_PATH: &str = "/root/Soak";
/// Reliable, channel 0 (bot → server).
pub const RELIABLE_0: &str = "reliable_0";
/// Reliable, channel 1 (bot → server).
pub const RELIABLE_1: &str = "reliable_1";
/// Unreliable ordered, channel 2 (bot → server).
pub const ORDERED_2: &str = "ordered_2";
/// Unreliable, channel 0 (bot → server).
pub const UNRELIABLE: &str = "unreliable";
/// Reliable, channel 0, server → every bot.
pub const TICK: &str = "tick";
/// A leaving bot's last call on channel 0 (reliable): everything before it arrived.
pub const FIN_0: &str = "fin_0";
/// A leaving bot's last call on channel 1 (reliable).
pub const FIN_1: &str = "fin_1";
/// The server's answer once both fins arrived: the bot may close.
pub const FIN_ACK: &str = "fin_ack";

/// The fins' configs (bot → server, reliable, channels 0 and 1).
pub fn fin_configs() -> [(&'static str, RpcConfig); 2] {
    [
        (
            FIN_0,
            RpcConfig::any_peer().transfer_mode(TransferMode::Reliable),
        ),
        (
            FIN_1,
            RpcConfig::any_peer()
                .transfer_mode(TransferMode::Reliable)
                .channel(1),
        ),
    ]
}

/// The bot → server streams, with their configs.
pub fn streams() -> [(&'static str, RpcConfig); 4] {
    [
        (
            RELIABLE_0,
            RpcConfig::any_peer().transfer_mode(TransferMode::Reliable),
        ),
        (
            RELIABLE_1,
            RpcConfig::any_peer()
                .transfer_mode(TransferMode::Reliable)
                .channel(1),
        ),
        (
            ORDERED_2,
            RpcConfig::any_peer()
                .transfer_mode(TransferMode::UnreliableOrdered)
                .channel(2),
        ),
        (
            UNRELIABLE,
            RpcConfig::any_peer().transfer_mode(TransferMode::Unreliable),
        ),
    ]
}

/// `tick`'s config.
pub fn tick_config() -> RpcConfig {
    RpcConfig::authority().transfer_mode(TransferMode::Reliable)
}

/// Whether a stream must arrive whole (reliable) or only in order.
pub fn is_reliable(method: &str) -> bool {
    method == RELIABLE_0 || method == RELIABLE_1
}

/// Seconds since the Unix epoch: both processes of the soak stamp their views of a dropped
/// connection with it.
pub fn unix_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One stream as the server saw it: one line of its report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamReport {
    /// The sender.
    pub peer: i32,
    /// The method.
    pub method: String,
    /// Calls received.
    pub received: u64,
    /// Calls that did not follow the previous one (reliable: not exactly +1; ordered: not
    /// larger).
    pub out_of_order: u64,
}

impl StreamReport {
    /// `stream PEER METHOD RECEIVED OUT_OF_ORDER`.
    pub fn to_line(&self) -> String {
        format!(
            "stream {} {} {} {}",
            self.peer, self.method, self.received, self.out_of_order
        )
    }

    /// Reads [`to_line`](Self::to_line)'s format.
    pub fn parse(line: &str) -> Option<Self> {
        let mut parts = line.strip_prefix("stream ")?.split(' ');
        let report = Self {
            peer: parts.next()?.parse().ok()?,
            method: parts.next()?.to_string(),
            received: parts.next()?.parse().ok()?,
            out_of_order: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_lines_round_trip() {
        let report = StreamReport {
            peer: 12345,
            method: RELIABLE_1.into(),
            received: 99,
            out_of_order: 0,
        };
        assert_eq!(StreamReport::parse(&report.to_line()), Some(report));
        assert_eq!(StreamReport::parse("stream 1 x 2"), None);
    }
}
