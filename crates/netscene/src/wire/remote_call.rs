//! REMOTE_CALL (`0x00`): node target, method id, arguments (spec C.4).

use super::read_u32;
use crate::PacketError;

const NODE_ID_COMPRESSION_SHIFT: u8 = 4;
const NAME_ID_COMPRESSION_SHIFT: u8 = 6;
const BYTE_ONLY_OR_NO_ARGS_FLAG: u8 = 0x80;
/// Bit 31 of the node field: the node is named by a path appended at this offset.
pub const PATH_FLAG: u32 = 0x8000_0000;

/// How the node is named in a REMOTE_CALL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeTarget<'a> {
    /// A cache id the sender announced with SIMPLIFY_PATH.
    CacheId(u32),
    /// The full path relative to the root path (for peers that have not confirmed yet).
    Path(&'a str),
}

/// The fixed part of a REMOTE_CALL: meta byte, node field and method id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteCallHeader {
    /// The raw node field (a cache id, or `PATH_FLAG | offset`).
    pub node_field: u32,
    /// Force the u32 node width (Godot does so whenever a target has not confirmed the node).
    pub wide_node_field: bool,
    /// The method id (bit 15 = node-level config).
    pub method_id: u16,
    /// No arguments, or one PackedByteArray sent verbatim.
    pub byte_only_or_no_args: bool,
}

impl RemoteCallHeader {
    /// Width in bytes of the node field: the smallest that holds it, or 4 when forced.
    pub fn node_width(&self) -> usize {
        if self.wide_node_field || self.node_field > 0xFFFF {
            4
        } else if self.node_field > 0xFF {
            2
        } else {
            1
        }
    }

    /// Width in bytes of the method id.
    pub fn method_width(&self) -> usize {
        if self.method_id > 0xFF { 2 } else { 1 }
    }

    /// Bytes [`emit`](Self::emit) appends.
    pub fn buffer_len(&self) -> usize {
        1 + self.node_width() + self.method_width()
    }

    /// The meta byte.
    pub fn meta(&self) -> u8 {
        let node_code: u8 = match self.node_width() {
            1 => 0,
            2 => 1,
            _ => 2,
        };
        let name_code: u8 = u8::from(self.method_width() == 2);
        (node_code << NODE_ID_COMPRESSION_SHIFT)
            | (name_code << NAME_ID_COMPRESSION_SHIFT)
            | if self.byte_only_or_no_args {
                BYTE_ONLY_OR_NO_ARGS_FLAG
            } else {
                0
            }
    }

    /// Appends meta, node field and method id.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(self.meta());
        match self.node_width() {
            1 => out.push(self.node_field as u8),
            2 => out.extend_from_slice(&(self.node_field as u16).to_le_bytes()),
            _ => out.extend_from_slice(&self.node_field.to_le_bytes()),
        }
        match self.method_width() {
            1 => out.push(self.method_id as u8),
            _ => out.extend_from_slice(&self.method_id.to_le_bytes()),
        }
    }
}

/// A parsed REMOTE_CALL packet (borrowing the packet).
///
/// ```
/// use netscene::wire::{NodeTarget, RemoteCall};
/// // Spec P12: cache id 1, method 0, no arguments.
/// let call = RemoteCall::parse(&[0x80, 0x01, 0x00]).unwrap();
/// assert_eq!(call.node, NodeTarget::CacheId(1));
/// assert_eq!(call.method_id, 0);
/// assert!(call.byte_only_or_no_args && call.args.is_empty());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteCall<'a> {
    /// The node.
    pub node: NodeTarget<'a>,
    /// The method id (bit 15 = node-level config).
    pub method_id: u16,
    /// No arguments, or one PackedByteArray sent verbatim.
    pub byte_only_or_no_args: bool,
    /// The argument area (argc byte + compressed values, or raw bytes), without any path.
    pub args: &'a [u8],
}

impl<'a> RemoteCall<'a> {
    /// Parses a REMOTE_CALL packet (byte 0 included) as Godot's `process_rpc` does.
    pub fn parse(packet: &'a [u8]) -> Result<Self, PacketError> {
        let len = packet.len();
        let &meta = packet.first().ok_or(PacketError::Empty)?;
        let node_width = match (meta >> NODE_ID_COMPRESSION_SHIFT) & 0x03 {
            0 => 1,
            1 => 2,
            2 => 4,
            code => return Err(PacketError::InvalidNodeIdCompression(code)),
        };
        let method_width = if meta & (1 << NAME_ID_COMPRESSION_SHIFT) != 0 {
            2
        } else {
            1
        };
        let header_len = 1 + node_width + method_width;
        if len < header_len {
            return Err(PacketError::TooShort {
                what: "REMOTE_CALL header",
                len,
                need: header_len,
            });
        }
        let node_field = match node_width {
            1 => u32::from(packet[1]),
            2 => u32::from(u16::from_le_bytes([packet[1], packet[2]])),
            _ => read_u32(packet, 1),
        };
        let method_at = 1 + node_width;
        let method_id = match method_width {
            1 => u16::from(packet[method_at]),
            _ => u16::from_le_bytes([packet[method_at], packet[method_at + 1]]),
        };
        let (node, args_end) = if node_field & PATH_FLAG != 0 {
            let offset = (node_field & !PATH_FLAG) as usize;
            if offset >= len {
                return Err(PacketError::PathOffsetOutOfRange { offset, len });
            }
            let path = super::read_cstring(&packet[offset..], "RPC node path")?;
            (NodeTarget::Path(path), offset)
        } else {
            (NodeTarget::CacheId(node_field), len)
        };
        if args_end < header_len {
            return Err(PacketError::TooShort {
                what: "REMOTE_CALL before its path",
                len: args_end,
                need: header_len,
            });
        }
        Ok(Self {
            node,
            method_id,
            byte_only_or_no_args: meta & BYTE_ONLY_OR_NO_ARGS_FLAG != 0,
            args: &packet[header_len..args_end],
        })
    }
}
