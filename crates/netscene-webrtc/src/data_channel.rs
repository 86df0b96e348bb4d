//! Data channels: Godot's `WebRTCDataChannel`, as handles into their connection.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use crate::connection::{ConnectionInner, lock};
use crate::error::WebRtcError;

/// How a data channel is set up: the keys of the dictionary Godot's
/// `WebRTCPeerConnection.create_data_channel(label, options)` takes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DataChannelConfig {
    /// `negotiated` + `id`: both ends create the channel with this SCTP stream id themselves
    /// (no in-band DCEP open). Godot's multiplayer peer negotiates every channel.
    pub negotiated_id: Option<u16>,
    /// `ordered` (Godot's and the browser's default: true).
    pub ordered: bool,
    /// `maxPacketLifetime` in milliseconds: give up retransmitting after this long.
    pub max_packet_lifetime: Option<u16>,
    /// `maxRetransmits`: give up after this many retransmissions.
    pub max_retransmits: Option<u16>,
    /// `protocol` (empty by default).
    pub protocol: String,
}

impl DataChannelConfig {
    /// An ordered, reliable channel (the browser's defaults), not negotiated.
    pub fn reliable() -> Self {
        Self {
            ordered: true,
            ..Self::default()
        }
    }
}

/// `WebRTCDataChannel.ChannelState`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum ChannelState {
    /// Not open yet.
    #[default]
    Connecting = 0,
    /// Open: packets flow.
    Open = 1,
    /// Closing.
    Closing = 2,
    /// Closed (or never opened before the connection went away).
    Closed = 3,
}

/// `WebRTCDataChannel.WriteMode`: what the remote end's `onmessage` sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum WriteMode {
    /// Text messages (UTF-8).
    Text = 0,
    /// Binary messages (Godot's default).
    #[default]
    Binary = 1,
}

/// One channel's state inside its connection.
#[derive(Debug)]
pub(crate) struct ChannelSlot {
    pub(crate) label: String,
    pub(crate) config: DataChannelConfig,
    pub(crate) rtc_id: Option<str0m::channel::ChannelId>,
    pub(crate) state: ChannelState,
    /// Received messages and whether each was text.
    pub(crate) inbound: VecDeque<(Vec<u8>, bool)>,
    pub(crate) was_string: bool,
    pub(crate) write_mode: WriteMode,
}

impl ChannelSlot {
    pub(crate) fn new(label: String, config: DataChannelConfig) -> Self {
        Self {
            label,
            config,
            rtc_id: None,
            state: ChannelState::Connecting,
            inbound: VecDeque::new(),
            was_string: false,
            write_mode: WriteMode::Binary,
        }
    }

    /// The str0m configuration for this channel.
    pub(crate) fn rtc_config(&self) -> str0m::channel::ChannelConfig {
        use str0m::channel::Reliability;
        let reliability = match (self.config.max_packet_lifetime, self.config.max_retransmits) {
            (Some(lifetime), _) => Reliability::MaxPacketLifetime { lifetime },
            (None, Some(retransmits)) => Reliability::MaxRetransmits { retransmits },
            (None, None) => Reliability::Reliable,
        };
        str0m::channel::ChannelConfig {
            label: self.label.clone(),
            ordered: self.config.ordered,
            reliability,
            negotiated: self.config.negotiated_id,
            protocol: self.config.protocol.clone(),
        }
    }
}

/// A data channel of a [`WebRtcPeerConnection`](crate::WebRtcPeerConnection): Godot's
/// `WebRTCDataChannel`. A cheap handle: clones refer to the same channel. Packets arrive when
/// the connection is polled (directly, or by the multiplayer peer that owns it).
#[derive(Clone)]
pub struct WebRtcDataChannel {
    pub(crate) connection: Arc<Mutex<ConnectionInner>>,
    pub(crate) index: usize,
}

impl std::fmt::Debug for WebRtcDataChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebRtcDataChannel")
            .field("label", &self.get_label())
            .field("state", &self.get_ready_state())
            .finish()
    }
}

impl WebRtcDataChannel {
    fn with<R>(&self, f: impl FnOnce(&mut ChannelSlot) -> R) -> R {
        let mut inner = lock(&self.connection);
        f(&mut inner.channels[self.index])
    }

    /// The channel's label.
    pub fn get_label(&self) -> String {
        self.with(|c| c.label.clone())
    }
    /// The negotiated SCTP stream id, if the channel was created negotiated (Godot's `get_id`).
    pub fn get_id(&self) -> Option<u16> {
        self.with(|c| c.config.negotiated_id)
    }
    /// True when the channel was created negotiated.
    pub fn is_negotiated(&self) -> bool {
        self.get_id().is_some()
    }
    /// True for ordered delivery.
    pub fn is_ordered(&self) -> bool {
        self.with(|c| c.config.ordered)
    }
    /// `maxPacketLifetime` in ms, if set.
    pub fn get_max_packet_life_time(&self) -> Option<u16> {
        self.with(|c| c.config.max_packet_lifetime)
    }
    /// `maxRetransmits`, if set.
    pub fn get_max_retransmits(&self) -> Option<u16> {
        self.with(|c| c.config.max_retransmits)
    }
    /// The sub-protocol.
    pub fn get_protocol(&self) -> String {
        self.with(|c| c.config.protocol.clone())
    }
    /// Connecting, open, closing or closed.
    pub fn get_ready_state(&self) -> ChannelState {
        self.with(|c| c.state)
    }
    /// Text or binary sends.
    pub fn set_write_mode(&self, mode: WriteMode) {
        self.with(|c| c.write_mode = mode);
    }
    /// The current write mode.
    pub fn get_write_mode(&self) -> WriteMode {
        self.with(|c| c.write_mode)
    }
    /// True when the last packet taken by [`get_packet`](Self::get_packet) was a text message.
    pub fn was_string_packet(&self) -> bool {
        self.with(|c| c.was_string)
    }
    /// Number of received messages waiting.
    pub fn get_available_packet_count(&self) -> usize {
        self.with(|c| c.inbound.len())
    }
    /// Takes the oldest received message.
    pub fn get_packet(&self) -> Option<Vec<u8>> {
        self.with(|c| {
            let (data, text) = c.inbound.pop_front()?;
            c.was_string = text;
            Some(data)
        })
    }
    /// Sends one message (binary or text per [`WriteMode`]). The channel must be open.
    pub fn put_packet(&self, data: &[u8]) -> Result<(), WebRtcError> {
        let mut inner = lock(&self.connection);
        inner.write_channel(self.index, data)
    }
    /// Closes the channel.
    pub fn close(&self) {
        let mut inner = lock(&self.connection);
        inner.close_channel(self.index);
    }
}
