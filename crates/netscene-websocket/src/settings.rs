//! The per-connection properties of Godot's `WebSocketMultiplayerPeer`, with Godot's defaults.

use std::time::Duration;

use tungstenite::protocol::WebSocketConfig;

/// Godot's `WebSocketPeer.DEFAULT_BUFFER_SIZE`: the default inbound and outbound buffer size.
pub const DEFAULT_BUFFER_SIZE: usize = 65535;
/// Godot's default `max_queued_packets` (2048 up to Godot 4.3; 4.4's class reference says 4096).
pub const DEFAULT_MAX_QUEUED_PACKETS: usize = 2048;
/// Godot's default `handshake_timeout`: 3 seconds.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);
/// Godot's `PROTO_SIZE`, a leftover of Godot 3's 9-byte header that still shrinks
/// `get_max_packet_size()` to `outbound_buffer_size - 9`.
pub const PROTO_SIZE: usize = 9;
/// Largest WebSocket frame header (2 bytes + 8-byte length + 4-byte mask): the outbound buffer
/// holds framed messages, so it needs this much room beyond the payload.
const MAX_FRAME_HEADER: usize = 14;

/// What every connection of a peer is created with (Godot applies its properties to the
/// connections made after they are set; so does this crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Offered (client) or accepted (server) `Sec-WebSocket-Protocol` values.
    pub supported_protocols: Vec<String>,
    /// Extra `Name: value` header lines for the handshake request (client) or response (server).
    pub handshake_headers: Vec<String>,
    /// Largest message accepted, and the receive budget per connection, in bytes.
    pub inbound_buffer_size: usize,
    /// Bytes of unsent messages a connection may hold.
    pub outbound_buffer_size: usize,
    /// Messages a connection may hold unsent, and received messages waiting per connection.
    pub max_queued_packets: usize,
    /// How long a connection may take to open (TCP, TLS, HTTP upgrade, and the id message).
    pub handshake_timeout: Duration,
    /// Server: the `Origin` values a handshake may carry (empty: any, as in Godot).
    pub allowed_origins: Vec<String>,
    /// How often each connection sends a ping to measure its round-trip time (`None`: never,
    /// as Godot's peer; see `set_rtt_ping_interval`).
    pub rtt_ping_interval: Option<Duration>,
    /// Server: most open peers at once (`None`: no limit, as in Godot); handshakes beyond it
    /// are refused with `503 Service Unavailable`.
    pub max_peers: Option<usize>,
    /// Server: most connections from one IP address still in their handshake (`None`: no
    /// limit, as in Godot); more are closed as soon as they are accepted.
    pub max_pending_per_address: Option<usize>,
}

/// Bytes a connection asks the socket for per read (and allocates up front).
const READ_CHUNK: usize = 4096;

impl Default for Settings {
    fn default() -> Self {
        Self {
            supported_protocols: Vec::new(),
            handshake_headers: Vec::new(),
            inbound_buffer_size: DEFAULT_BUFFER_SIZE,
            outbound_buffer_size: DEFAULT_BUFFER_SIZE,
            max_queued_packets: DEFAULT_MAX_QUEUED_PACKETS,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            allowed_origins: Vec::new(),
            rtt_ping_interval: None,
            max_peers: None,
            max_pending_per_address: None,
        }
    }
}

impl Settings {
    /// The tungstenite configuration that enforces these limits.
    pub(crate) fn websocket_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            // Bytes read per read call. tungstenite zero-fills this much of its buffer before
            // every read, even one that finds the socket empty: at 64 KiB that memset was 60 %
            // of a 1 000-client server's time. wslay (Godot's peer) reads 4 KiB at a time too;
            // a larger message still arrives whole (its buffer grows to the frame's length).
            .read_buffer_size(READ_CHUNK)
            // 0 = write each message to the socket at once, as Godot's wslay peer does.
            .write_buffer_size(0)
            .max_write_buffer_size(self.outbound_buffer_size + MAX_FRAME_HEADER)
            .max_message_size(Some(self.inbound_buffer_size))
            .max_frame_size(Some(self.inbound_buffer_size))
    }

    /// Godot's `get_max_packet_size()`.
    pub(crate) fn max_packet_size(&self) -> usize {
        self.outbound_buffer_size.saturating_sub(PROTO_SIZE)
    }

    /// The `handshake_headers` as (name, value) pairs; `None` if a line is not `Name: value`.
    pub(crate) fn parsed_headers(&self) -> Option<Vec<(String, String)>> {
        self.handshake_headers
            .iter()
            .map(|line| {
                let (name, value) = line.split_once(':')?;
                let name = name.trim();
                (!name.is_empty()).then(|| (name.to_owned(), value.trim().to_owned()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_godots() {
        let settings = Settings::default();
        assert_eq!(settings.inbound_buffer_size, 65535);
        assert_eq!(settings.outbound_buffer_size, 65535);
        assert_eq!(settings.max_queued_packets, 2048);
        assert_eq!(settings.handshake_timeout, Duration::from_secs(3));
        assert!(settings.supported_protocols.is_empty());
        assert!(settings.handshake_headers.is_empty());
        assert_eq!(settings.max_packet_size(), 65535 - 9);
    }

    #[test]
    fn header_lines_parse_or_are_rejected() {
        let mut settings = Settings {
            handshake_headers: vec!["X-Game: netscene".into(), "X-Empty:".into()],
            ..Settings::default()
        };
        assert_eq!(
            settings.parsed_headers(),
            Some(vec![
                ("X-Game".into(), "netscene".into()),
                ("X-Empty".into(), String::new())
            ])
        );
        settings.handshake_headers.push("no colon".into());
        assert_eq!(settings.parsed_headers(), None);
    }
}
