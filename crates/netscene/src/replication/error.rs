//! Why an incoming replication packet (or one entry of it) was refused.

use netscene_variant::DecodeError;

use crate::error::PacketError;
use crate::peer::PeerId;
use crate::tree::TreeError;

/// Longest peer-sent node name kept in an error (rejection events are queued).
const MAX_REPORTED_NAME: usize = 64;

/// A refused SPAWN, DESPAWN, SYNC or delta SYNC (entry); the packet or entry was dropped,
/// as Godot drops it, and reported as
/// [`MultiplayerEvent::ReplicationRejected`](crate::MultiplayerEvent::ReplicationRejected).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplicationError {
    /// The packet ends before a field (or a declared length runs past the end).
    #[error("{what} truncated: {len} bytes, need {need}")]
    Truncated {
        /// The field or packet.
        what: &'static str,
        /// Bytes available.
        len: usize,
        /// Bytes needed.
        need: u64,
    },
    /// The spawner or synchronizer cache id could not be resolved.
    #[error("unknown node: {0}")]
    Cache(PacketError),
    /// The node named by the cache id has no MultiplayerSpawner role.
    #[error("node is not a MultiplayerSpawner")]
    NotASpawner,
    /// The node named by the net id has no MultiplayerSynchronizer role.
    #[error("node is not a MultiplayerSynchronizer")]
    NotASynchronizer,
    /// The sender is not the multiplayer authority of the spawner / synchronizer.
    #[error("peer {sender} is not the authority ({authority})")]
    NotAuthority {
        /// The sender.
        sender: PeerId,
        /// The node's authority.
        authority: PeerId,
    },
    /// The node name is empty, not UTF-8, or changed by node-name validation.
    #[error("invalid node name {0:?}")]
    InvalidName(String),
    /// The spawn parent is missing or already has a child of that name.
    #[error("cannot spawn: {0}")]
    Tree(TreeError),
    /// `spawn_limit` reached.
    #[error("spawn limit {0} reached")]
    SpawnLimit(u32),
    /// The sender already used this net id for a live spawn.
    #[error("net id {0} already in use")]
    DuplicateNetId(u32),
    /// No spawnable scene with this id (or no spawn function for 0xFF).
    #[error("no spawnable scene {0}")]
    UnknownScene(u8),
    /// The sender never spawned this net id.
    #[error("unknown net id {0}")]
    UnknownNetId(u32),
    /// The spawn lists a different number of synchronizers than the built subtree has.
    #[error("spawn lists {sent} synchronizers, the spawned node has {local}")]
    SynchronizerCount {
        /// Count in the packet.
        sent: u32,
        /// Count after building the node.
        local: usize,
    },
    /// A spawn argument or property value could not be decoded.
    #[error("invalid replicated value: {0}")]
    Value(DecodeError),
    /// A delta entry whose bitmask selects no watched property.
    #[error("delta bitmask {0:#x} selects no watched property")]
    EmptyDelta(u64),
    /// A state did not use exactly its declared size.
    #[error("state of {size} bytes holds {used} bytes of values")]
    StateSize {
        /// The declared size.
        size: usize,
        /// The bytes the values used.
        used: usize,
    },
}

impl ReplicationError {
    pub(crate) fn invalid_name(name: &str) -> Self {
        let mut end = name.len().min(MAX_REPORTED_NAME);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        ReplicationError::InvalidName(name[..end].to_owned())
    }
}
