//! Replication packets, byte-exact with Godot 4 (spec D.3–D.6), sans-IO. Parsing never
//! panics and never allocates by a peer-given count: every count is checked against the
//! bytes actually present first.

use super::error::ReplicationError;
use super::spawner::CUSTOM_SPAWN_SCENE_ID;
use crate::wire::read_u32;

/// SPAWN command byte.
pub const SPAWN: u8 = 0x04;
/// DESPAWN command byte.
pub const DESPAWN: u8 = 0x05;
/// SYNC command byte (unreliable full state).
pub const SYNC: u8 = 0x06;
/// Delta SYNC command byte (`SYNC | 1 << 4`, reliable).
pub const DELTA_SYNC: u8 = 0x16;
/// Size of a SPAWN header.
pub const SPAWN_HEADER_SIZE: usize = 18;
/// Size of a SYNC header (command + u16 time).
pub const SYNC_HEADER_SIZE: usize = 3;
/// Smallest SYNC a receiver accepts (Godot checks this before telling SYNC from delta).
pub const MIN_SYNC_SIZE: usize = 11;

fn truncated(what: &'static str, len: usize, need: u64) -> ReplicationError {
    ReplicationError::Truncated { what, len, need }
}

/// A SPAWN packet (spec D.3), borrowing the packet bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spawn<'a> {
    /// Index into the spawnable scenes, 0xFF = custom spawn.
    pub scene_id: u8,
    /// The spawner node's path cache id (sender's cache).
    pub spawner_cache_id: u32,
    /// The spawned node's net id.
    pub net_id: u32,
    /// The synchronizer net ids, 4 bytes each (LE u32).
    pub sync_ids: &'a [u8],
    /// The node name bytes (without the NUL).
    pub name: &'a [u8],
    /// The custom spawn argument, one compressed variant (scene id 0xFF only).
    pub arg: Option<&'a [u8]>,
    /// The spawn state: each synchronizer's spawn values, concatenated.
    pub state: &'a [u8],
}

impl<'a> Spawn<'a> {
    /// Parses a SPAWN, checking every length.
    pub fn parse(p: &'a [u8]) -> Result<Self, ReplicationError> {
        if p.len() < SPAWN_HEADER_SIZE {
            return Err(truncated("SPAWN header", p.len(), SPAWN_HEADER_SIZE as u64));
        }
        let scene_id = p[1];
        let spawner_cache_id = read_u32(p, 2);
        let net_id = read_u32(p, 6);
        let sync_count = u64::from(read_u32(p, 10));
        let name_len = u64::from(read_u32(p, 14));
        let ids_end = SPAWN_HEADER_SIZE as u64 + sync_count * 4;
        let name_end = ids_end + name_len;
        if name_end > p.len() as u64 {
            return Err(truncated("SPAWN ids and name", p.len(), name_end));
        }
        // Both fit in the packet, so they fit in usize.
        let (ids_end, name_end) = (ids_end as usize, name_end as usize);
        let name_field = &p[ids_end..name_end];
        let name = match name_field.iter().position(|&b| b == 0) {
            Some(nul) => &name_field[..nul],
            None => name_field,
        };
        let mut at = name_end;
        let arg = if scene_id == CUSTOM_SPAWN_SCENE_ID {
            if p.len() < at + 4 {
                return Err(truncated("SPAWN argument size", p.len(), at as u64 + 4));
            }
            let arg_len = u64::from(read_u32(p, at));
            let arg_end = at as u64 + 4 + arg_len;
            if arg_end > p.len() as u64 {
                return Err(truncated("SPAWN argument", p.len(), arg_end));
            }
            let arg = &p[at + 4..arg_end as usize];
            at = arg_end as usize;
            Some(arg)
        } else {
            None
        };
        Ok(Self {
            scene_id,
            spawner_cache_id,
            net_id,
            sync_ids: &p[SPAWN_HEADER_SIZE..ids_end],
            name,
            arg,
            state: &p[at..],
        })
    }

    /// The synchronizer net ids.
    pub fn sync_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.sync_ids
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
    }

    /// Number of synchronizer net ids.
    pub fn sync_count(&self) -> usize {
        self.sync_ids.len() / 4
    }

    /// Appends the packet (the name gets its NUL; the argument its u32 size).
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.push(SPAWN);
        out.push(self.scene_id);
        out.extend_from_slice(&self.spawner_cache_id.to_le_bytes());
        out.extend_from_slice(&self.net_id.to_le_bytes());
        out.extend_from_slice(&(self.sync_count() as u32).to_le_bytes());
        out.extend_from_slice(&(self.name.len() as u32 + 1).to_le_bytes());
        out.extend_from_slice(&self.sync_ids[..self.sync_count() * 4]);
        out.extend_from_slice(self.name);
        out.push(0);
        if let Some(arg) = self.arg {
            out.extend_from_slice(&(arg.len() as u32).to_le_bytes());
            out.extend_from_slice(arg);
        }
        out.extend_from_slice(self.state);
    }
}

/// Parses a DESPAWN: the net id.
pub fn parse_despawn(p: &[u8]) -> Result<u32, ReplicationError> {
    if p.len() < 5 {
        return Err(truncated("DESPAWN", p.len(), 5));
    }
    Ok(read_u32(p, 1))
}

/// Appends a DESPAWN.
pub fn emit_despawn(out: &mut Vec<u8>, net_id: u32) {
    out.push(DESPAWN);
    out.extend_from_slice(&net_id.to_le_bytes());
}

/// One entry of a SYNC or delta SYNC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncEntry<'a> {
    /// The synchronizer net id.
    pub net_id: u32,
    /// Delta only: bit i = i-th watched property present.
    pub mask: u64,
    /// The compressed values.
    pub state: &'a [u8],
}

/// Iterates the entries of a SYNC (`delta = false`, after the 3-byte header) or delta SYNC
/// (after the command byte). Stops with an error at the first truncated entry.
pub struct SyncEntries<'a> {
    rest: &'a [u8],
    delta: bool,
}

impl<'a> SyncEntries<'a> {
    /// The entries of `packet` (a whole SYNC / delta SYNC packet, length already checked).
    pub fn new(packet: &'a [u8], delta: bool) -> Self {
        let skip = if delta { 1 } else { SYNC_HEADER_SIZE };
        Self {
            rest: packet.get(skip..).unwrap_or_default(),
            delta,
        }
    }
}

impl<'a> Iterator for SyncEntries<'a> {
    type Item = Result<SyncEntry<'a>, ReplicationError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let head = if self.delta { 16 } else { 8 };
        let p = self.rest;
        if p.len() < head {
            self.rest = &[];
            return Some(Err(truncated("SYNC entry header", p.len(), head as u64)));
        }
        let net_id = read_u32(p, 0);
        let (mask, size_at) = if self.delta {
            let mask = u64::from(read_u32(p, 4)) | u64::from(read_u32(p, 8)) << 32;
            (mask, 12)
        } else {
            (0, 4)
        };
        let size = u64::from(read_u32(p, size_at));
        if head as u64 + size > p.len() as u64 {
            self.rest = &[];
            return Some(Err(truncated(
                "SYNC entry state",
                p.len(),
                head as u64 + size,
            )));
        }
        let end = head + size as usize;
        self.rest = &p[end..];
        Some(Ok(SyncEntry {
            net_id,
            mask,
            state: &p[head..end],
        }))
    }
}

/// Appends a SYNC header.
pub fn emit_sync_header(out: &mut Vec<u8>, time: u16) {
    out.push(SYNC);
    out.extend_from_slice(&time.to_le_bytes());
}

/// Appends one SYNC entry.
pub fn emit_sync_entry(out: &mut Vec<u8>, net_id: u32, state: &[u8]) {
    out.extend_from_slice(&net_id.to_le_bytes());
    out.extend_from_slice(&(state.len() as u32).to_le_bytes());
    out.extend_from_slice(state);
}

/// Appends one delta SYNC entry (the packet starts with [`DELTA_SYNC`]).
pub fn emit_delta_entry(out: &mut Vec<u8>, net_id: u32, mask: u64, state: &[u8]) {
    out.extend_from_slice(&net_id.to_le_bytes());
    out.extend_from_slice(&mask.to_le_bytes());
    out.extend_from_slice(&(state.len() as u32).to_le_bytes());
    out.extend_from_slice(state);
}
