//! Errors of the multiplayer layer: malformed packets ([`PacketError`]), refused RPCs
//! ([`RpcRejection`]) and failed calls ([`MultiplayerError`]).
//!
//! Receive-side problems never fail `poll`: the packet is dropped (as Godot drops it),
//! logged with `tracing`, and reported as a [`MultiplayerEvent`](crate::MultiplayerEvent)
//! (`PacketRejected` / `RpcRejected`) so applications and tests can see them.

use netscene_variant::{DecodeError, EncodeError, ErrorCode, NodePath, StringName, VariantType};

use crate::peer::{PeerError, PeerId};

/// Why an incoming SceneMultiplayer packet could not be parsed or was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PacketError {
    /// The packet has no bytes.
    #[error("empty packet")]
    Empty,
    /// The packet is shorter than its command requires.
    #[error("packet too short for {what}: {len} bytes, need {need}")]
    TooShort {
        /// Which packet or field was being read.
        what: &'static str,
        /// The packet length.
        len: usize,
        /// The minimum length.
        need: usize,
    },
    /// A packet whose length must be exact has another length (CONFIRM_PATH: 6).
    #[error("{what} must be {expected} bytes, got {len}")]
    BadLength {
        /// Which packet.
        what: &'static str,
        /// The packet length.
        len: usize,
        /// The only valid length.
        expected: usize,
    },
    /// REMOTE_CALL meta byte with node-id width code 3.
    #[error("invalid node id compression {0}")]
    InvalidNodeIdCompression(u8),
    /// The path offset of an uncached REMOTE_CALL points outside the packet.
    #[error("node path offset {offset} outside a packet of {len} bytes")]
    PathOffsetOutOfRange {
        /// The declared offset.
        offset: usize,
        /// The packet length.
        len: usize,
    },
    /// A node path or checksum is not valid UTF-8.
    #[error("invalid UTF-8 in {0}")]
    InvalidUtf8(&'static str),
    /// The arguments of an RPC could not be decoded.
    #[error("invalid RPC arguments: {0}")]
    Arguments(#[from] DecodeError),
    /// Arguments end before the declared count.
    #[error("RPC declares {declared} arguments but the packet holds {found}")]
    ArgumentCount {
        /// The argc byte.
        declared: usize,
        /// How many could be read.
        found: usize,
    },
    /// Unknown SYS sub-command (byte 1).
    #[error("unknown SYS command {0}")]
    UnknownSysCommand(u8),
    /// A packet that is not allowed from this sender or in this state (e.g. ADD_PEER from a
    /// client, RELAY while relay is off, anything but AUTH before admission).
    #[error("{command} packet not accepted: {reason}")]
    SysRefused {
        /// The command name (mostly a SYS sub-command; `any` when any packet is refused).
        command: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// SIMPLIFY_PATH for a path that does not resolve under the root path.
    #[error("node {0} not found")]
    NodeNotFound(NodePath),
    /// SIMPLIFY_PATH reusing a cache id the sender already announced.
    #[error("duplicate remote cache id {0}")]
    DuplicateCacheId(u32),
    /// The sender exceeded the per-peer path cache limit.
    #[error("path cache of the peer is full ({0} entries)")]
    CacheFull(usize),
    /// REMOTE_CALL naming a cache id the sender never announced (or whose node is gone).
    #[error("unknown node cache id {0}")]
    UnknownCacheId(u32),
    /// The packet exceeds `max_packet_size`.
    #[error("packet of {len} bytes exceeds the limit of {limit}")]
    TooLarge {
        /// The packet length.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A replication command (SPAWN/DESPAWN/SYNC) arrived but no replication is installed.
    #[error("replication command {0} not supported: no replication interface")]
    ReplicationUnsupported(u8),
    /// The multiplayer root path is not set (the API is not installed in a tree).
    #[error("multiplayer root path is not set")]
    NoRootPath,
    /// The sender exceeded one of its per-peer limits
    /// ([`SceneMultiplayer::set_peer_limits`](crate::SceneMultiplayer::set_peer_limits)).
    #[error("peer over its limit of {limit}")]
    RateLimited {
        /// The limit it exceeded.
        limit: crate::PeerLimitKind,
    },
    /// The sender kept exceeding its limits and was disconnected (a `PeerDisconnected` or
    /// `PeerAuthenticationFailed` event follows).
    #[error("peer disconnected for exceeding its limit of {limit} for too long")]
    AbusiveDisconnect {
        /// The limit it exceeded last.
        limit: crate::PeerLimitKind,
    },
}

impl PacketError {
    /// The Godot `Error` closest to this failure (Godot itself only logs these).
    pub fn code(&self) -> ErrorCode {
        match self {
            PacketError::NodeNotFound(_) | PacketError::UnknownCacheId(_) => {
                ErrorCode::DoesNotExist
            }
            PacketError::DuplicateCacheId(_) => ErrorCode::AlreadyExists,
            PacketError::CacheFull(_) | PacketError::TooLarge { .. } => ErrorCode::OutOfMemory,
            PacketError::ReplicationUnsupported(_) => ErrorCode::Unavailable,
            PacketError::NoRootPath => ErrorCode::Unconfigured,
            PacketError::RateLimited { .. } | PacketError::AbusiveDisconnect { .. } => {
                ErrorCode::Busy
            }
            _ => ErrorCode::InvalidData,
        }
    }
}

/// Why a well-formed incoming RPC was refused (Godot's checks in `_process_rpc`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RpcRejection {
    /// The method's mode is `RPC_MODE_DISABLED`.
    #[error("method is disabled for RPC")]
    Disabled,
    /// Mode `authority` and the sender is not the node's multiplayer authority.
    #[error("mode is \"authority\", authority is {authority}")]
    NotAuthority {
        /// The node's multiplayer authority.
        authority: PeerId,
    },
    /// The node has no RPC with this id.
    #[error("unknown method id {0}")]
    UnknownMethod(u16),
    /// The method is configured for RPC but the node has no handler for it.
    #[error("no handler for the method")]
    NoHandler,
    /// The handler refused the arguments (count or types).
    #[error("call failed: {0}")]
    Call(#[from] crate::handler::CallError),
}

/// Errors returned by the calls an application makes (`rpc`, `send_bytes`, `send_auth`, ...).
/// Each maps to the Godot `Error` the same call returns in Godot ([`code`](Self::code)).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MultiplayerError {
    /// No multiplayer peer is set: `ERR_UNCONFIGURED`.
    #[error("no multiplayer peer is active")]
    NoPeer,
    /// The peer is connecting or disconnected (`send_bytes`, `send_auth`, `complete_auth`,
    /// `disconnect_peer`): `ERR_UNCONFIGURED`.
    #[error("the multiplayer peer is not connected")]
    NotConnected,
    /// An RPC while the peer is connecting or disconnected: `ERR_CONNECTION_ERROR`.
    #[error("cannot call an RPC: the multiplayer peer is not connected")]
    RpcNotConnected,
    /// `send_bytes` with no bytes: `ERR_INVALID_DATA`.
    #[error("trying to send an empty raw packet")]
    EmptyPacket,
    /// The node id does not name a live node, or the node is outside this API's branch:
    /// `ERR_INVALID_PARAMETER`.
    #[error("the node is not in the tree (or not under this multiplayer's root)")]
    InvalidNode,
    /// The method has no RPC configuration on the node: `ERR_INVALID_PARAMETER`.
    #[error("no RPC configuration for method {method:?} on node {node}")]
    NoRpcConfig {
        /// The method.
        method: StringName,
        /// The node's path.
        node: NodePath,
    },
    /// An RPC addressed to one's own id without `call_local`: `ERR_INVALID_PARAMETER`.
    #[error("RPC {0:?} on yourself is not allowed by its mode (call_local is off)")]
    CallOnSelf(StringName),
    /// The target peer is not connected: `ERR_INVALID_PARAMETER`.
    #[error("unknown peer id {0}")]
    UnknownPeer(PeerId),
    /// More than 255 RPC arguments: `ERR_INVALID_PARAMETER`.
    #[error("too many RPC arguments ({0} > 255)")]
    TooManyArguments(usize),
    /// An argument could not be encoded: `ERR_INVALID_DATA`.
    #[error("cannot encode RPC arguments: {0}")]
    Encode(#[from] EncodeError),
    /// An invalid argument to the call: `ERR_INVALID_PARAMETER` (or the code given).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The call is not valid in the current state of authentication (`send_auth` or
    /// `complete_auth` after a side completed): `ERR_FILE_CANT_WRITE`, as in Godot.
    #[error("invalid state: {0}")]
    InvalidState(&'static str),
    /// The transport refused the packet.
    #[error("transport error: {0}")]
    Peer(#[from] PeerError),
    /// No multiplayer API is installed for the node's branch, or it is busy (the caller is
    /// inside that API's `poll` and should use the context it was given).
    #[error("no multiplayer API available for this node")]
    NoMultiplayer,
    /// The named implementation is not registered.
    #[error("no multiplayer implementation named {0:?}")]
    UnknownInterface(String),
}

impl MultiplayerError {
    /// The Godot `Error` value for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            MultiplayerError::NoPeer | MultiplayerError::NoMultiplayer => ErrorCode::Unconfigured,
            MultiplayerError::NotConnected => ErrorCode::Unconfigured,
            MultiplayerError::RpcNotConnected => ErrorCode::ConnectionError,
            MultiplayerError::Encode(_) | MultiplayerError::EmptyPacket => ErrorCode::InvalidData,
            MultiplayerError::InvalidState(_) => ErrorCode::FileCantWrite,
            MultiplayerError::UnknownInterface(_) => ErrorCode::DoesNotExist,
            MultiplayerError::Peer(e) => e.code(),
            _ => ErrorCode::InvalidParameter,
        }
    }
}

/// Why a typed property access on a [`Node`](crate::Node) failed
/// ([`Node::get`](crate::Node::get), [`Node::set`](crate::Node::set)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PropertyError {
    /// The node has no property of that name.
    #[error("the node has no property {property:?}")]
    Missing {
        /// The property name.
        property: StringName,
    },
    /// The property's value does not convert to the requested Rust type.
    #[error("property {property:?} holds {found:?}, which does not convert to {expected}")]
    Conversion {
        /// The property name.
        property: StringName,
        /// The requested Rust type.
        expected: &'static str,
        /// The type of the value the property holds.
        found: VariantType,
    },
    /// The new value's type differs from the type the property holds (what the Godot side
    /// expects); the value is unchanged.
    #[error("property {property:?} holds {declared:?}; refusing a value of type {got:?}")]
    TypeMismatch {
        /// The property name.
        property: StringName,
        /// The type of the value the property holds.
        declared: VariantType,
        /// The type of the refused value.
        got: VariantType,
    },
}
