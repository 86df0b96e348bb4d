//! SYS (`0x07`) sub-commands and RAW (`0x03`) packets (spec B.3–B.6).

use super::{Command, read_u32};
use crate::PacketError;
use crate::peer::PeerId;

/// `SYS_CMD_SIZE`: SYS packets with a peer id are at least 6 bytes.
pub const SYS_CMD_SIZE: usize = 6;

const SYS_AUTH: u8 = 0;
const SYS_ADD_PEER: u8 = 1;
const SYS_DEL_PEER: u8 = 2;
const SYS_RELAY: u8 = 3;

/// A parsed SYS packet.
///
/// ```
/// use netscene::wire::SysPacket;
/// // Spec P6: a client relays `03 aa` to everyone.
/// let pkt = SysPacket::parse(&[0x07, 0x03, 0, 0, 0, 0, 0x03, 0xaa]).unwrap();
/// assert_eq!(pkt, SysPacket::Relay { peer: 0, packet: &[0x03, 0xaa] });
/// let mut out = Vec::new();
/// SysPacket::DelPeer(0x12345678).emit(&mut out);
/// assert_eq!(out, [0x07, 0x02, 0x78, 0x56, 0x34, 0x12]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SysPacket<'a> {
    /// Authentication payload; empty = "authentication completed" (`07 00`).
    Auth(&'a [u8]),
    /// Server → client: peer `id` joined.
    AddPeer(PeerId),
    /// Server → client: peer `id` left.
    DelPeer(PeerId),
    /// Relay: from a client, `peer` is the destination (0 all, −n all but n); from the
    /// server, the source. `packet` is the embedded SceneMultiplayer packet.
    Relay {
        /// Destination (client → server) or source (server → client).
        peer: PeerId,
        /// The embedded packet (at least 1 byte).
        packet: &'a [u8],
    },
}

impl<'a> SysPacket<'a> {
    /// Parses a SYS packet (byte 0 included).
    pub fn parse(packet: &'a [u8]) -> Result<Self, PacketError> {
        let len = packet.len();
        if len < 2 {
            return Err(PacketError::TooShort {
                what: "SYS",
                len,
                need: 2,
            });
        }
        let sub = packet[1];
        if sub == SYS_AUTH {
            return Ok(SysPacket::Auth(&packet[2..]));
        }
        if sub > SYS_RELAY {
            return Err(PacketError::UnknownSysCommand(sub));
        }
        let need = if sub == SYS_RELAY {
            SYS_CMD_SIZE + 1
        } else {
            SYS_CMD_SIZE
        };
        if len < need {
            return Err(PacketError::TooShort {
                what: "SYS",
                len,
                need,
            });
        }
        let peer = read_u32(packet, 2) as i32;
        Ok(match sub {
            SYS_ADD_PEER => SysPacket::AddPeer(peer),
            SYS_DEL_PEER => SysPacket::DelPeer(peer),
            _ => SysPacket::Relay {
                peer,
                packet: &packet[SYS_CMD_SIZE..],
            },
        })
    }

    /// Appends the packet.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(Command::Sys as u8);
        match *self {
            SysPacket::Auth(payload) => {
                out.push(SYS_AUTH);
                out.extend_from_slice(payload);
            }
            SysPacket::AddPeer(id) => {
                out.push(SYS_ADD_PEER);
                out.extend_from_slice(&id.to_le_bytes());
            }
            SysPacket::DelPeer(id) => {
                out.push(SYS_DEL_PEER);
                out.extend_from_slice(&id.to_le_bytes());
            }
            SysPacket::Relay { peer, packet } => {
                out.push(SYS_RELAY);
                out.extend_from_slice(&peer.to_le_bytes());
                out.extend_from_slice(packet);
            }
        }
    }
}

/// A RAW packet (`send_bytes`): `03` + payload (at least one byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPacket<'a> {
    /// The application bytes.
    pub payload: &'a [u8],
}

impl<'a> RawPacket<'a> {
    /// Parses a RAW packet: at least 2 bytes.
    pub fn parse(packet: &'a [u8]) -> Result<Self, PacketError> {
        if packet.len() < 2 {
            return Err(PacketError::TooShort {
                what: "RAW",
                len: packet.len(),
                need: 2,
            });
        }
        Ok(Self {
            payload: &packet[1..],
        })
    }

    /// Appends the packet.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(Command::Raw as u8);
        out.extend_from_slice(self.payload);
    }
}
