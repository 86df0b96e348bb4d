//! Godot 4's mapping between transfer modes, user channels and ENet packet flags and channels
//! (spec F.2), and the reading of a received packet's flags.
//!
//! rusty_enet 0.4.1's `Packet::kind()` always answers `Reliable` (it ORs the flag mask where it
//! should AND it), so the flags are read from the packet's `Debug` output instead, which prints
//! the raw `flags` field. The scan stops right after that field, so it costs a few dozen
//! formatted bytes per packet and allocates nothing.

use std::fmt::{self, Write};

use netscene::peer::TransferMode;
use rusty_enet::{Packet, PacketKind};

/// ENet channel Godot uses for reliable packets on the default user channel (`SYSCH_RELIABLE`).
pub const SYSCH_RELIABLE: u8 = 0;
/// ENet channel Godot uses for unreliable packets on the default user channel (`SYSCH_UNRELIABLE`).
pub const SYSCH_UNRELIABLE: u8 = 1;
/// Number of ENet channels Godot reserves before the user channels (`SYSCH_MAX`).
pub const SYSCH_MAX: u8 = 2;
/// The most ENet channels a connection can have (`ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT`).
pub const ENET_MAX_CHANNELS: usize = 255;
/// The highest user channel that still maps onto an ENet channel (`c + 1 <= 254`).
pub const MAX_USER_CHANNEL: i32 = ENET_MAX_CHANNELS as i32 - SYSCH_MAX as i32;

/// `ENET_PACKET_FLAG_RELIABLE`.
pub const FLAG_RELIABLE: u32 = 1 << 0;
/// `ENET_PACKET_FLAG_UNSEQUENCED`.
pub const FLAG_UNSEQUENCED: u32 = 1 << 1;
/// `ENET_PACKET_FLAG_UNRELIABLE_FRAGMENT`.
pub const FLAG_UNRELIABLE_FRAGMENT: u32 = 1 << 3;

/// The rusty_enet packet kind whose flags equal Godot's for `mode`:
/// UNRELIABLE → UNSEQUENCED | UNRELIABLE_FRAGMENT, UNRELIABLE_ORDERED → UNRELIABLE_FRAGMENT,
/// RELIABLE → RELIABLE.
pub fn packet_kind(mode: TransferMode) -> PacketKind {
    match mode {
        TransferMode::Unreliable => PacketKind::AlwaysUnreliable { sequenced: false },
        TransferMode::UnreliableOrdered => PacketKind::AlwaysUnreliable { sequenced: true },
        TransferMode::Reliable => PacketKind::Reliable,
    }
}

/// The rusty_enet packet kind carrying raw ENet `flags` (RELIABLE, UNSEQUENCED,
/// UNRELIABLE_FRAGMENT bits; others ignored).
pub fn kind_from_flags(flags: u32) -> PacketKind {
    if flags & FLAG_RELIABLE != 0 {
        return PacketKind::Reliable;
    }
    let sequenced = flags & FLAG_UNSEQUENCED == 0;
    if flags & FLAG_UNRELIABLE_FRAGMENT != 0 {
        PacketKind::AlwaysUnreliable { sequenced }
    } else {
        PacketKind::Unreliable { sequenced }
    }
}

/// The ENet channel Godot sends on for a user channel and mode: user channel `c > 0` goes on
/// ENet channel `c + 1`; channel 0 uses the reliable or unreliable system channel.
/// `None` when `channel` is negative or beyond [`MAX_USER_CHANNEL`].
pub fn enet_channel(mode: TransferMode, channel: i32) -> Option<u8> {
    match channel {
        0 => Some(match mode {
            TransferMode::Reliable => SYSCH_RELIABLE,
            TransferMode::Unreliable | TransferMode::UnreliableOrdered => SYSCH_UNRELIABLE,
        }),
        1..=MAX_USER_CHANNEL => u8::try_from(channel + 1).ok(),
        _ => None,
    }
}

/// The user channel Godot reports for a packet received on ENet channel `enet_channel`
/// (`get_packet_channel()`): `ch − 1` from channel 2 on, else 0.
pub fn user_channel(enet_channel: u8) -> i32 {
    if enet_channel >= SYSCH_MAX {
        i32::from(enet_channel) - 1
    } else {
        0
    }
}

/// The transfer mode Godot reports for received ENet packet flags (`get_packet_mode()`):
/// RELIABLE wins, then UNSEQUENCED means UNRELIABLE, anything else UNRELIABLE_ORDERED.
pub fn mode_from_flags(flags: u32) -> TransferMode {
    if flags & FLAG_RELIABLE != 0 {
        TransferMode::Reliable
    } else if flags & FLAG_UNSEQUENCED != 0 {
        TransferMode::Unreliable
    } else {
        TransferMode::UnreliableOrdered
    }
}

/// The raw ENet flags of a packet, or `None` if they cannot be read (a rusty_enet whose
/// `Debug` output no longer shows them).
pub fn packet_flags(packet: &Packet) -> Option<u32> {
    debug_field(packet, " flags: ").and_then(|v| u32::try_from(v).ok())
}

/// The transfer mode of a received packet, as Godot reports it.
///
/// Falls back to `Reliable` (what rusty_enet's own `kind()` says) only if the flags cannot be
/// read, which the tests rule out for the pinned rusty_enet version.
pub fn received_mode(packet: &Packet) -> TransferMode {
    match packet_flags(packet) {
        Some(flags) => mode_from_flags(flags),
        None => TransferMode::Reliable,
    }
}

/// Reads the unsigned integer printed after `needle` (e.g. `" flags: "`) in `value`'s `Debug`
/// output, stopping the formatting as soon as the number ends.
///
/// Fast path: `Formatter::debug_struct` writes a field's name, the `": "` separator and an
/// integer's digits as separate chunks, so whole chunks are compared. Should the chunking
/// ever differ, a byte-by-byte scan of the output is the fallback.
pub(crate) fn debug_field(value: &impl fmt::Debug, needle: &str) -> Option<u64> {
    let name = needle.trim_matches(|c| c == ' ' || c == ':');
    let mut chunks = ChunkScanner {
        name,
        state: ChunkState::Searching,
        value: None,
    };
    let _ = write!(chunks, "{value:?}");
    if chunks.value.is_some() {
        return chunks.value;
    }
    let mut scanner = FieldScanner {
        needle: needle.as_bytes(),
        matched: 0,
        digits: None,
        finished: false,
    };
    // The scanner aborts the formatting with an error once it has the number: expected.
    let _ = write!(scanner, "{value:?}");
    scanner.digits
}

enum ChunkState {
    Searching,
    AfterName,
    BeforeDigits,
}

/// A `fmt::Write` sink that recognises `name`, `": "`, digits as three consecutive chunks.
struct ChunkScanner<'a> {
    name: &'a str,
    state: ChunkState,
    value: Option<u64>,
}

impl Write for ChunkScanner<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        self.state = match self.state {
            ChunkState::BeforeDigits => {
                if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
                    self.value = text.parse().ok();
                    return Err(fmt::Error);
                }
                ChunkState::Searching
            }
            ChunkState::AfterName if text == ": " => ChunkState::BeforeDigits,
            _ if text == self.name => ChunkState::AfterName,
            _ => ChunkState::Searching,
        };
        Ok(())
    }
}

/// A `fmt::Write` sink that finds `needle` in the stream and parses the digits after it.
struct FieldScanner<'a> {
    needle: &'a [u8],
    matched: usize,
    digits: Option<u64>,
    finished: bool,
}

impl Write for FieldScanner<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            if self.matched == self.needle.len() {
                if byte.is_ascii_digit() {
                    let digit = u64::from(byte - b'0');
                    let value = self.digits.unwrap_or(0);
                    self.digits = value.checked_mul(10).and_then(|v| v.checked_add(digit));
                    if self.digits.is_none() {
                        self.finished = true;
                        return Err(fmt::Error);
                    }
                    continue;
                }
                self.finished = true;
                return Err(fmt::Error);
            }
            // The needles used here start and end with their only spaces, so restarting the
            // match at a mismatching byte (or at 1 when that byte is the first needle byte)
            // never skips a real occurrence.
            if byte == self.needle[self.matched] {
                self.matched += 1;
            } else {
                self.matched = usize::from(byte == self.needle[0]);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sending_flags_are_godots() {
        // Godot's put_packet: UNSEQUENCED|UNRELIABLE_FRAGMENT = 10, UNRELIABLE_FRAGMENT = 8,
        // RELIABLE = 1 (plus rusty_enet's internal NO_ALLOCATE = 4 on packets it creates).
        let expect = [
            (TransferMode::Unreliable, 10),
            (TransferMode::UnreliableOrdered, 8),
            (TransferMode::Reliable, 1),
        ];
        for (mode, flags) in expect {
            let packet = Packet::new(vec![1, 2, 3], packet_kind(mode));
            let read = packet_flags(&packet).expect("flags readable");
            assert_eq!(read & !4, flags, "{mode:?}");
            assert_eq!(mode_from_flags(read), mode);
        }
    }

    #[test]
    fn the_fast_path_reads_rusty_enet_packets() {
        let packet = Packet::new(vec![1], packet_kind(TransferMode::Reliable));
        let mut chunks = ChunkScanner {
            name: "flags",
            state: ChunkState::Searching,
            value: None,
        };
        let _ = write!(chunks, "{packet:?}");
        // RELIABLE plus rusty_enet's NO_ALLOCATE.
        assert_eq!(chunks.value, Some(1 | 4));
    }

    #[test]
    fn received_flags_map_like_godot() {
        // What ENet puts on received packets per command: SEND_RELIABLE and SEND_FRAGMENT → 1,
        // SEND_UNSEQUENCED → 2, SEND_UNRELIABLE → 0, SEND_UNRELIABLE_FRAGMENT → 8.
        assert_eq!(mode_from_flags(1), TransferMode::Reliable);
        assert_eq!(mode_from_flags(2), TransferMode::Unreliable);
        assert_eq!(mode_from_flags(0), TransferMode::UnreliableOrdered);
        assert_eq!(mode_from_flags(8), TransferMode::UnreliableOrdered);
        assert_eq!(mode_from_flags(1 | 2), TransferMode::Reliable);
    }

    #[test]
    fn upstream_kind_defect_is_what_the_workaround_covers() {
        // If this starts failing, rusty_enet fixed `Packet::kind()` and the Debug scan can go.
        let packet = Packet::new(vec![0], PacketKind::AlwaysUnreliable { sequenced: false });
        assert_eq!(packet.kind(), PacketKind::Reliable);
        assert_eq!(received_mode(&packet), TransferMode::Unreliable);
    }

    #[test]
    fn channels_follow_spec_f2() {
        assert_eq!(enet_channel(TransferMode::Reliable, 0), Some(0));
        assert_eq!(enet_channel(TransferMode::Unreliable, 0), Some(1));
        assert_eq!(enet_channel(TransferMode::UnreliableOrdered, 0), Some(1));
        assert_eq!(enet_channel(TransferMode::Reliable, 1), Some(2));
        assert_eq!(enet_channel(TransferMode::Unreliable, 3), Some(4));
        assert_eq!(enet_channel(TransferMode::Reliable, 253), Some(254));
        assert_eq!(enet_channel(TransferMode::Reliable, 254), None);
        assert_eq!(enet_channel(TransferMode::Reliable, -1), None);
        assert_eq!(user_channel(0), 0);
        assert_eq!(user_channel(1), 0);
        assert_eq!(user_channel(2), 1);
        assert_eq!(user_channel(254), 253);
    }

    #[test]
    fn scanner_finds_fields_and_rejects_missing_ones() {
        #[derive(Debug)]
        #[allow(dead_code)]
        struct Sample {
            headerflags: u32,
            flags: u32,
            other: u32,
        }
        let sample = Sample {
            headerflags: 7,
            flags: 4_000_000_000,
            other: 1,
        };
        assert_eq!(debug_field(&sample, " flags: "), Some(4_000_000_000));
        assert_eq!(debug_field(&sample, " missing: "), None);
        // The byte-level fallback on its own, for output not chunked by debug_struct.
        let mut scanner = FieldScanner {
            needle: b" flags: ",
            matched: 0,
            digits: None,
            finished: false,
        };
        let _ = scanner.write_str("Sample { headerflags: 7, flags: 12, other: 1 }");
        assert_eq!(scanner.digits, Some(12));
        let mut chunks = ChunkScanner {
            name: "flags",
            state: ChunkState::Searching,
            value: None,
        };
        for chunk in ["X", " { ", "flags", ": ", "34", " }"] {
            if chunks.write_str(chunk).is_err() {
                break;
            }
        }
        assert_eq!(chunks.value, Some(34));
    }
}
