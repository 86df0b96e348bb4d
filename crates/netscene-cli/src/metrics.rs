//! The dedicated server's metrics, registered with `prometheus-client` and served on
//! `/metrics` in the OpenMetrics text format (HELP and TYPE lines, `# EOF`).
//!
//! The game loop updates them directly (atomics, no lock on the hot path except the label
//! families' read lock); the health thread only encodes the registry.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use netscene::peer::{PacketSettings, PacketTap};
use netscene::{Packet, PeerStatistics, RpcRejection};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// `direction` label: traffic into or out of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Received by the server.
    In,
    /// Sent by the server.
    Out,
}

impl Direction {
    fn label(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    fn index(self) -> usize {
        match self {
            Direction::In => 0,
            Direction::Out => 1,
        }
    }
}

/// The SceneMultiplayer commands, by their number (Godot's `NETWORK_COMMAND_*`).
const COMMANDS: [&str; 8] = [
    "remote_call",
    "simplify_path",
    "confirm_path",
    "raw",
    "spawn",
    "despawn",
    "sync",
    "sys",
];

/// The counters of one direction, taken out of their label families once so that counting a
/// packet is three atomic additions (no lock, no allocation).
struct DirectionCounters {
    packets: Counter,
    bytes: Counter,
    messages: [Counter; 8],
}

/// Labels of the traffic counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct TrafficLabels {
    /// `enet` or `ws`.
    pub transport: String,
    /// `in` or `out`.
    pub direction: &'static str,
}

/// Labels of the message counters: the SceneMultiplayer command of each packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct MessageLabels {
    /// `remote_call`, `simplify_path`, `confirm_path`, `raw`, `spawn`, `despawn`, `sync`, `sys`.
    pub command: &'static str,
    /// `in` or `out`.
    pub direction: &'static str,
}

/// Labels of the refusal counters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ReasonLabels {
    /// Why, in snake case (the library's error variant).
    pub reason: String,
}

/// Every metric `serve` exports, and the registry that encodes them.
pub struct ServerMetrics {
    registry: Registry,
    transport: String,
    /// Peers currently admitted.
    pub peers: Gauge,
    /// 1 while draining.
    pub draining: Gauge,
    /// Peers admitted since start.
    pub connects: Counter,
    /// Admitted peers that left since start.
    pub disconnects: Counter,
    /// Peers that failed authentication (wrong token or timeout).
    pub auth_failures: Counter,
    /// Peers refused because the server was full.
    pub refused_full: Counter,
    packets: Family<TrafficLabels, Counter>,
    bytes: Family<TrafficLabels, Counter>,
    messages: Family<MessageLabels, Counter>,
    rpcs_rejected: Family<ReasonLabels, Counter>,
    hot: [DirectionCounters; 2],
    /// Malformed or unacceptable packets dropped.
    pub packets_rejected: Counter,
    /// Replication packets (or entries) refused.
    pub replication_rejected: Counter,
    /// Round-trip times of connected peers, sampled once a second.
    pub peer_rtt: Histogram,
    /// Packet loss of connected peers (0 to 1), sampled once a second (ENet only).
    pub peer_loss: Histogram,
    /// Duration of one game-loop iteration (poll, events, game logic).
    pub loop_duration: Histogram,
}

impl ServerMetrics {
    /// Registers every metric; `transport` labels the traffic counters (`enet` or `ws`).
    pub fn new(transport: &str) -> Self {
        let mut registry = Registry::default();
        let metrics = Self {
            registry: Registry::default(),
            transport: transport.to_string(),
            peers: Gauge::default(),
            draining: Gauge::default(),
            connects: Counter::default(),
            disconnects: Counter::default(),
            auth_failures: Counter::default(),
            refused_full: Counter::default(),
            packets: Family::default(),
            bytes: Family::default(),
            messages: Family::default(),
            rpcs_rejected: Family::default(),
            hot: [Direction::In, Direction::Out].map(|_| DirectionCounters {
                packets: Counter::default(),
                bytes: Counter::default(),
                messages: Default::default(),
            }),
            packets_rejected: Counter::default(),
            replication_rejected: Counter::default(),
            // 1 ms .. ~4 s.
            peer_rtt: Histogram::new(exponential_buckets(0.001, 2.0, 13)),
            peer_loss: Histogram::new([0.0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0]),
            // 50 µs .. ~400 ms.
            loop_duration: Histogram::new(exponential_buckets(0.000_05, 2.0, 14)),
        };
        let m = &metrics;
        registry.register(
            "netscene_peers",
            "Peers currently admitted",
            m.peers.clone(),
        );
        registry.register(
            "netscene_draining",
            "1 while the server drains before stopping",
            m.draining.clone(),
        );
        registry.register(
            "netscene_connects",
            "Peers admitted since start",
            m.connects.clone(),
        );
        registry.register(
            "netscene_disconnects",
            "Admitted peers that left since start",
            m.disconnects.clone(),
        );
        registry.register(
            "netscene_auth_failures",
            "Peers that failed authentication",
            m.auth_failures.clone(),
        );
        registry.register(
            "netscene_refused_full",
            "Peers refused because the server was full",
            m.refused_full.clone(),
        );
        registry.register(
            "netscene_packets",
            "Packets through the transport (payloads of MultiplayerPeer packets)",
            m.packets.clone(),
        );
        registry.register(
            "netscene_bytes",
            "Payload bytes through the transport (without transport headers)",
            m.bytes.clone(),
        );
        registry.register(
            "netscene_messages",
            "SceneMultiplayer messages by command: remote_call are RPCs, spawn and sync replication",
            m.messages.clone(),
        );
        registry.register(
            "netscene_rpcs_rejected",
            "RPCs refused, by reason",
            m.rpcs_rejected.clone(),
        );
        registry.register(
            "netscene_packets_rejected",
            "Malformed or unacceptable packets dropped",
            m.packets_rejected.clone(),
        );
        registry.register(
            "netscene_replication_rejected",
            "Replication packets or entries refused",
            m.replication_rejected.clone(),
        );
        registry.register(
            "netscene_peer_rtt_seconds",
            "Round-trip time of connected peers, sampled every second",
            m.peer_rtt.clone(),
        );
        registry.register(
            "netscene_peer_packet_loss_ratio",
            "Packet loss of connected peers (0 to 1), sampled every second",
            m.peer_loss.clone(),
        );
        registry.register(
            "netscene_loop_duration_seconds",
            "Duration of one game-loop iteration",
            m.loop_duration.clone(),
        );
        // The labelled counters every packet touches, created (and shown, at 0) up front.
        let hot = [Direction::In, Direction::Out].map(|direction| {
            let traffic = TrafficLabels {
                transport: metrics.transport.clone(),
                direction: direction.label(),
            };
            DirectionCounters {
                packets: metrics.packets.get_or_create(&traffic).clone(),
                bytes: metrics.bytes.get_or_create(&traffic).clone(),
                messages: COMMANDS.map(|command| {
                    let labels = MessageLabels {
                        command,
                        direction: direction.label(),
                    };
                    metrics.messages.get_or_create(&labels).clone()
                }),
            }
        });
        Self {
            registry,
            hot,
            ..metrics
        }
    }

    /// The OpenMetrics text of every metric.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            let _ = writeln!(out, "# EOF");
        }
        out
    }

    /// Counts one packet of `bytes` on the server's transport.
    pub fn record_packet(&self, direction: Direction, bytes: usize, data: &[u8]) {
        let hot = &self.hot[direction.index()];
        hot.packets.inc();
        hot.bytes.inc_by(bytes as u64);
        if let Some(&first) = data.first() {
            hot.messages[usize::from(first & 0b111)].inc();
        }
    }

    /// RPCs received and sent so far.
    pub fn rpc_count(&self) -> u64 {
        self.hot.iter().map(|hot| hot.messages[0].get()).sum()
    }

    /// Counts one refused RPC.
    pub fn record_rpc_rejected(&self, reason: &RpcRejection) {
        let reason = snake_case_variant(&format!("{reason:?}"));
        self.rpcs_rejected
            .get_or_create(&ReasonLabels { reason })
            .inc();
    }

    /// Adds one peer's statistics to the RTT and loss histograms.
    pub fn observe_peer(&self, statistics: &PeerStatistics) {
        if let Some(rtt) = statistics.round_trip_time {
            self.peer_rtt.observe(rtt.as_secs_f64());
        }
        if let Some(loss) = statistics.packet_loss {
            self.peer_loss.observe(loss);
        }
    }

    /// Records one game-loop iteration.
    pub fn observe_loop(&self, duration: Duration) {
        self.loop_duration.observe(duration.as_secs_f64());
    }
}

/// `NotAuthority { .. }` → `not_authority`: the variant name of a `Debug` string.
fn snake_case_variant(debug: &str) -> String {
    let name: String = debug
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    if out.is_empty() {
        out.push_str("other");
    }
    out
}

/// Counts the server's packets into [`ServerMetrics`] (a [`PacketTap`] on its transport).
pub struct MetricsTap {
    metrics: Arc<ServerMetrics>,
}

impl MetricsTap {
    /// A tap adding to `metrics`.
    pub fn new(metrics: Arc<ServerMetrics>) -> Self {
        Self { metrics }
    }
}

impl PacketTap for MetricsTap {
    fn on_send(&mut self, _: &PacketSettings, data: &[u8]) {
        self.metrics.record_packet(Direction::Out, data.len(), data);
    }

    fn on_receive(&mut self, packet: &Packet) {
        self.metrics
            .record_packet(Direction::In, packet.data.len(), &packet.data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_help_type_and_values() {
        let metrics = ServerMetrics::new("enet");
        metrics.peers.set(3);
        metrics.connects.inc();
        metrics.record_packet(Direction::In, 5, &[0x00, 1, 2, 3, 4]);
        metrics.record_packet(Direction::Out, 2, &[0x04, 9]);
        metrics.record_rpc_rejected(&RpcRejection::NoHandler);
        metrics.observe_loop(Duration::from_micros(70));
        assert_eq!(metrics.rpc_count(), 1);
        let text = metrics.encode();
        for line in [
            "# HELP netscene_peers Peers currently admitted.",
            "# TYPE netscene_peers gauge",
            "netscene_peers 3",
            "# TYPE netscene_connects counter",
            "netscene_connects_total 1",
            "netscene_bytes_total{transport=\"enet\",direction=\"in\"} 5",
            "netscene_messages_total{command=\"remote_call\",direction=\"in\"} 1",
            "netscene_messages_total{command=\"spawn\",direction=\"out\"} 1",
            "netscene_rpcs_rejected_total{reason=\"no_handler\"} 1",
            "netscene_loop_duration_seconds_count 1",
            "# EOF",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
    }

    #[test]
    fn variant_names_in_snake_case() {
        assert_eq!(snake_case_variant("NotAuthority { a: 1 }"), "not_authority");
        assert_eq!(snake_case_variant("Call(X)"), "call");
        assert_eq!(snake_case_variant(""), "other");
        assert_eq!(COMMANDS[0x86 & 0b111], "sync");
    }
}
