//! Errors of WebRTC connections and the multiplayer peer.

use netscene::peer::ErrorCode;

/// What a [`WebRtcPeerConnection`](crate::WebRtcPeerConnection) or data channel call refused.
///
/// Each maps to the Godot `Error` the same call returns in Godot ([`WebRtcError::code`]).
/// Malformed input from the remote side (SDP, ICE candidates) is always one of these, never a
/// panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebRtcError {
    /// A session description that cannot be parsed or applied.
    #[error("invalid session description: {0}")]
    InvalidSdp(String),
    /// An ICE candidate that cannot be parsed or used.
    #[error("invalid ICE candidate: {0}")]
    InvalidCandidate(String),
    /// The call does not fit the connection's current state (e.g. an answer without an offer).
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// An argument is out of range (unknown description type, duplicate channel id).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The socket could not be created.
    #[error("cannot create the connection: {0}")]
    CantCreate(String),
    /// The data channel is not open (yet, or any more): Godot's `ERR_UNCONFIGURED`.
    #[error("the data channel is not open")]
    ChannelNotOpen,
    /// The data channel's send buffer is full.
    #[error("the data channel's send buffer is full")]
    BufferFull,
    /// The WebRTC stack failed.
    #[error("WebRTC failure: {0}")]
    Rtc(String),
}

impl WebRtcError {
    /// The Godot `Error` for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            WebRtcError::InvalidSdp(_)
            | WebRtcError::InvalidCandidate(_)
            | WebRtcError::InvalidParameter(_) => ErrorCode::InvalidParameter,
            WebRtcError::InvalidState(_) | WebRtcError::ChannelNotOpen => ErrorCode::Unconfigured,
            WebRtcError::CantCreate(_) => ErrorCode::CantCreate,
            WebRtcError::BufferFull => ErrorCode::OutOfMemory,
            WebRtcError::Rtc(_) => ErrorCode::Failed,
        }
    }
}
