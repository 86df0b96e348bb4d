//! The vocabulary of a connection: its states, settings, description types and events.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::data_channel::WebRtcDataChannel;
use crate::error::WebRtcError;

/// `WebRTCPeerConnection.ConnectionState`, with Godot's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Created; no description applied yet (the only state `add_peer` accepts).
    #[default]
    New = 0,
    /// Negotiating: ICE checks and the DTLS handshake.
    Connecting = 1,
    /// ICE and DTLS are up.
    Connected = 2,
    /// ICE lost the remote end.
    Disconnected = 3,
    /// The WebRTC stack failed.
    Failed = 4,
    /// Closed locally or by the remote end.
    Closed = 5,
}

/// The type of a session description (`"offer"` or `"answer"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SdpType {
    /// An offer.
    Offer,
    /// An answer.
    Answer,
}

impl SdpType {
    /// The type as Godot and the browser spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            SdpType::Offer => "offer",
            SdpType::Answer => "answer",
        }
    }

    /// Parses `"offer"` / `"answer"`.
    pub fn parse(text: &str) -> Result<Self, WebRtcError> {
        match text {
            "offer" => Ok(SdpType::Offer),
            "answer" => Ok(SdpType::Answer),
            other => Err(WebRtcError::InvalidParameter(format!(
                "session description type {other:?} (expected \"offer\" or \"answer\")"
            ))),
        }
    }
}

/// What a connection reports besides data: Godot's `WebRTCPeerConnection` signals.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ConnectionEvent {
    /// `session_description_created(type, sdp)`: set it locally and send it to the remote end.
    SessionDescriptionCreated {
        /// Offer or answer.
        kind: SdpType,
        /// The SDP text.
        sdp: String,
    },
    /// `ice_candidate_created(media, index, name)`: send it to the remote end.
    IceCandidateCreated {
        /// The `sdpMid` of the media line.
        media: String,
        /// The `sdpMLineIndex`.
        index: u32,
        /// The candidate (`candidate:…`).
        name: String,
    },
    /// `data_channel_received(channel)`: the remote end opened a channel in-band.
    DataChannelReceived(WebRtcDataChannel),
}

pub(crate) enum PendingEvent {
    Session {
        kind: SdpType,
        sdp: String,
    },
    Candidate {
        media: String,
        index: u32,
        name: String,
    },
    ChannelReceived(usize),
}

/// Settings of a new connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionConfig {
    /// The address the UDP socket binds to and announces as its host ICE candidate (port 0:
    /// any free port). Default 127.0.0.1:0; give a LAN or public address for real games.
    pub bind: SocketAddr,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        }
    }
}
