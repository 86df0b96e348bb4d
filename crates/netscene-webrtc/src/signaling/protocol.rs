//! The lobby signaling protocol: JSON text messages over a WebSocket, one object per message,
//! `"type"` naming it. Documented for other implementations (a GDScript one is in the
//! real-Godot suite) in the README's "WebRTC" section.
//!
//! Client to server: `join`, `offer`, `answer`, `candidate` (with `to`), `seal`.
//! Server to client: `joined`, `peer_connected`, `peer_disconnected`, `offer`, `answer`,
//! `candidate` (with `from`), `sealed`, `error`.

use netscene::peer::PeerId;
use serde::{Deserialize, Serialize};

/// The largest message either side accepts (an SDP is a few KiB).
pub const MAX_MESSAGE_SIZE: usize = 64 * 1024;

/// A message from a client to the signaling server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClientMessage {
    /// Joins lobby `lobby`, or creates a new lobby when `lobby` is empty. The creator of a
    /// non-mesh lobby is its server (id 1); everyone else gets a random id.
    Join {
        /// The lobby's name ("" to create one).
        #[serde(default)]
        lobby: String,
        /// Create a mesh lobby (only read when creating).
        #[serde(default)]
        mesh: bool,
    },
    /// An SDP offer for peer `to`.
    Offer {
        /// The receiving peer.
        to: PeerId,
        /// The SDP.
        sdp: String,
    },
    /// An SDP answer for peer `to`.
    Answer {
        /// The receiving peer.
        to: PeerId,
        /// The SDP.
        sdp: String,
    },
    /// An ICE candidate for peer `to`.
    Candidate {
        /// The receiving peer.
        to: PeerId,
        /// `sdpMid`.
        mid: String,
        /// `sdpMLineIndex`.
        index: u32,
        /// The `candidate:…` line.
        candidate: String,
    },
    /// The lobby's creator closes it to new joins.
    Seal,
}

/// A message from the signaling server to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerMessage {
    /// The join succeeded: this client is `id` in lobby `lobby`.
    Joined {
        /// The lobby's name (share it with the other players).
        lobby: String,
        /// This client's peer id (1: the lobby's server).
        id: PeerId,
        /// True for a mesh lobby.
        mesh: bool,
    },
    /// Peer `id` is there to connect to. The one of the two with the lower id makes the offer.
    PeerConnected {
        /// The other peer.
        id: PeerId,
    },
    /// Peer `id` left the lobby.
    PeerDisconnected {
        /// The other peer.
        id: PeerId,
    },
    /// An SDP offer from peer `from`.
    Offer {
        /// The sending peer.
        from: PeerId,
        /// The SDP.
        sdp: String,
    },
    /// An SDP answer from peer `from`.
    Answer {
        /// The sending peer.
        from: PeerId,
        /// The SDP.
        sdp: String,
    },
    /// An ICE candidate from peer `from`.
    Candidate {
        /// The sending peer.
        from: PeerId,
        /// `sdpMid`.
        mid: String,
        /// `sdpMLineIndex`.
        index: u32,
        /// The `candidate:…` line.
        candidate: String,
    },
    /// The lobby no longer takes new peers.
    Sealed,
    /// The last message was refused (the connection stays open unless the lobby is gone).
    Error {
        /// What was wrong.
        message: String,
    },
}

/// Reads a message, with a readable error for anything malformed.
pub(crate) fn parse<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    if text.len() > MAX_MESSAGE_SIZE {
        return Err(format!(
            "message of {} bytes (limit {MAX_MESSAGE_SIZE})",
            text.len()
        ));
    }
    serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))
}

/// Writes a message.
pub(crate) fn to_text<T: Serialize>(message: &T) -> String {
    // Serializing these plain enums cannot fail (string keys, no maps with odd keys).
    serde_json::to_string(message).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_documented() {
        assert_eq!(
            parse::<ClientMessage>(r#"{"type":"join","lobby":"","mesh":true}"#),
            Ok(ClientMessage::Join {
                lobby: String::new(),
                mesh: true
            })
        );
        assert_eq!(
            parse::<ClientMessage>(r#"{"type":"join"}"#),
            Ok(ClientMessage::Join {
                lobby: String::new(),
                mesh: false
            })
        );
        assert_eq!(
            parse::<ClientMessage>(
                r#"{"type":"candidate","to":5,"mid":"0","index":0,"candidate":"candidate:1"}"#
            ),
            Ok(ClientMessage::Candidate {
                to: 5,
                mid: "0".into(),
                index: 0,
                candidate: "candidate:1".into()
            })
        );
        assert_eq!(
            to_text(&ServerMessage::Joined {
                lobby: "AB".into(),
                id: 1,
                mesh: false
            }),
            r#"{"type":"joined","lobby":"AB","id":1,"mesh":false}"#
        );
        assert_eq!(
            to_text(&ServerMessage::PeerConnected { id: 9 }),
            r#"{"type":"peer_connected","id":9}"#
        );
    }

    #[test]
    fn malformed_messages_are_errors() {
        for bad in [
            "",
            "{",
            "[]",
            r#"{"type":"fly"}"#,
            r#"{"type":"offer","to":"x","sdp":""}"#,
            r#"{"type":"offer","sdp":""}"#,
            r#"{"type":"join","lobby":7}"#,
        ] {
            assert!(parse::<ClientMessage>(bad).is_err(), "{bad}");
        }
        assert!(parse::<ClientMessage>(&" ".repeat(MAX_MESSAGE_SIZE + 1)).is_err());
        // Unknown fields are ignored (newer clients may send more).
        assert_eq!(
            parse::<ClientMessage>(r#"{"type":"seal","extra":1}"#),
            Ok(ClientMessage::Seal)
        );
    }
}
