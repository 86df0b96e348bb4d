//! SceneMultiplayer's packets, byte-exact with Godot 4 (spec B and C), sans-IO.
//!
//! Each format has a parsed representation with `parse(&[u8]) -> Result<_, PacketError>`
//! (never panics, checks every length first) and `emit(&mut Vec<u8>)`, in the manner of
//! smoltcp's `wire` module. Byte 0 of every packet holds the [`Command`] in bits 0–2 and
//! per-command flags in bits 4–7.

mod args;
mod path_cache;
mod remote_call;
mod sys;

pub use args::{RpcArgs, decode_args, encode_args};
pub use path_cache::{ConfirmPath, SimplifyPath, rpc_checksum};
pub use remote_call::{NodeTarget, RemoteCall, RemoteCallHeader};
pub use sys::{RawPacket, SYS_CMD_SIZE, SysPacket};

/// Bits 0–2 of byte 0 (`CMD_MASK`).
pub const CMD_MASK: u8 = 0x07;

/// SceneMultiplayer's command ids (`NETWORK_COMMAND_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum Command {
    /// An RPC.
    RemoteCall = 0,
    /// Path cache announcement.
    SimplifyPath = 1,
    /// Path cache acknowledgement.
    ConfirmPath = 2,
    /// `send_bytes` payload.
    Raw = 3,
    /// Replication: spawn.
    Spawn = 4,
    /// Replication: despawn.
    Despawn = 5,
    /// Replication: sync (bit 4 = delta).
    Sync = 6,
    /// System sub-protocol (auth, peer announcements, relay).
    Sys = 7,
}

impl Command {
    /// The command in bits 0–2 of a packet's first byte.
    pub fn from_byte(b0: u8) -> Self {
        match b0 & CMD_MASK {
            0 => Command::RemoteCall,
            1 => Command::SimplifyPath,
            2 => Command::ConfirmPath,
            3 => Command::Raw,
            4 => Command::Spawn,
            5 => Command::Despawn,
            6 => Command::Sync,
            _ => Command::Sys,
        }
    }
}

/// Reads a little-endian u32 at `at`; the caller has checked the length.
pub(crate) fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The UTF-8 text of a cstring field: up to the first NUL (or the end), as Godot's parser reads it.
pub(crate) fn read_cstring<'a>(
    bytes: &'a [u8],
    what: &'static str,
) -> Result<&'a str, crate::PacketError> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let text = &bytes[..end];
    // Godot skips a leading UTF-8 byte order mark.
    let text = text.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(text);
    std::str::from_utf8(text).map_err(|_| crate::PacketError::InvalidUtf8(what))
}
