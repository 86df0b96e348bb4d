//! SIMPLIFY_PATH (`0x01`) and CONFIRM_PATH (`0x02`): the node path cache handshake (spec C.2).

use md5::{Digest, Md5};

use super::{Command, read_cstring, read_u32};
use crate::PacketError;

const SIMPLIFY_MIN_LEN: usize = 38;
const CONFIRM_LEN: usize = 6;

/// The RPC checksum of a node: MD5 (lowercase hex) of its RPC method names concatenated in
/// id order. Godot's `get_rpc_md5`.
///
/// ```
/// use netscene::wire::rpc_checksum;
/// assert_eq!(&rpc_checksum(std::iter::empty::<&str>()), b"d41d8cd98f00b204e9800998ecf8427e");
/// assert_eq!(&rpc_checksum(["ping", "pong"]), b"cd3c3621a18bef2bcb2cc568833aa0a5");
/// ```
pub fn rpc_checksum<'n>(names: impl IntoIterator<Item = &'n str>) -> [u8; 32] {
    let mut hasher = Md5::new();
    for name in names {
        hasher.update(name.as_bytes());
    }
    let digest = hasher.finalize();
    let mut hex = [0u8; 32];
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in digest.iter().enumerate() {
        hex[2 * i] = DIGITS[usize::from(byte >> 4)];
        hex[2 * i + 1] = DIGITS[usize::from(byte & 0x0F)];
    }
    hex
}

/// SIMPLIFY_PATH: "cache id N is the node at this path, whose RPC checksum is ...".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimplifyPath<'a> {
    /// 32 lowercase hex characters (as sent; not validated).
    pub checksum: [u8; 32],
    /// The sender's cache id for the node.
    pub cache_id: u32,
    /// The node path relative to the sender's root path.
    pub path: &'a str,
}

impl<'a> SimplifyPath<'a> {
    /// Parses a SIMPLIFY_PATH packet (byte 0 included).
    pub fn parse(packet: &'a [u8]) -> Result<Self, PacketError> {
        if packet.len() < SIMPLIFY_MIN_LEN {
            return Err(PacketError::TooShort {
                what: "SIMPLIFY_PATH",
                len: packet.len(),
                need: SIMPLIFY_MIN_LEN,
            });
        }
        let mut checksum = [0u8; 32];
        checksum.copy_from_slice(&packet[1..33]);
        Ok(Self {
            checksum,
            cache_id: read_u32(packet, 34),
            path: read_cstring(&packet[38..], "SIMPLIFY_PATH path")?,
        })
    }

    /// Bytes [`emit`](Self::emit) appends.
    pub fn buffer_len(&self) -> usize {
        SIMPLIFY_MIN_LEN + self.path.len() + 1
    }

    /// Appends the packet.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(Command::SimplifyPath as u8);
        out.extend_from_slice(&self.checksum);
        out.push(0);
        out.extend_from_slice(&self.cache_id.to_le_bytes());
        out.extend_from_slice(self.path.as_bytes());
        out.push(0);
    }
}

/// CONFIRM_PATH (newest, 6-byte form): "I resolved your cache id N; checksum valid or not".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmPath {
    /// Whether the receiver's checksum for the node matched.
    pub valid: bool,
    /// The cache id being confirmed.
    pub cache_id: u32,
}

impl ConfirmPath {
    /// Parses a CONFIRM_PATH packet: exactly 6 bytes.
    pub fn parse(packet: &[u8]) -> Result<Self, PacketError> {
        if packet.len() != CONFIRM_LEN {
            return Err(PacketError::BadLength {
                what: "CONFIRM_PATH",
                len: packet.len(),
                expected: CONFIRM_LEN,
            });
        }
        Ok(Self {
            valid: packet[1] != 0,
            cache_id: read_u32(packet, 2),
        })
    }

    /// Appends the packet (6 bytes).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(Command::ConfirmPath as u8);
        out.push(u8::from(self.valid));
        out.extend_from_slice(&self.cache_id.to_le_bytes());
    }
}
