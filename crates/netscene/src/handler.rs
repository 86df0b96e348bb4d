//! RPC handlers and the context they run in.
//!
//! # The borrow story
//!
//! Handlers run inside [`MultiplayerApi::poll`] (remote calls) or inside `rpc` (local
//! calls with `call_local`). While an API runs, the [`SceneTree`] has lent it out: the
//! tree's slot for that branch is empty and the API receives `&mut SceneTree`. The API then
//! hands the handler an [`RpcContext`] holding both `&mut` the API itself and `&mut` the
//! tree, so a handler can
//! * read and change any node (its own state with [`RpcContext::state_mut`], others through
//!   [`RpcContext::tree`]),
//! * send RPCs at once, to any node and any target ([`RpcContext::rpc`],
//!   [`RpcContext::rpc_id`], [`RpcContext::rpc_on`]); calls for nodes of the same branch go
//!   through the API in the context, other branches through the tree,
//! * use the API (`get_remote_sender_id`, `get_peers`, ...) via [`RpcContext::multiplayer`].
//!
//! Handlers are `Arc<dyn Fn>`: the API clones the `Arc` out of the node before calling it, so
//! the node stays borrowable and a handler may even call itself through `call_local`.
//! Mutable handler state belongs in the node's state (or in your own `Mutex`/atomics).

use std::any::Any;
use std::sync::Arc;

use netscene_variant::{Variant, VariantType};

use crate::api::MultiplayerApi;
use crate::error::MultiplayerError;
use crate::peer::PeerId;
use crate::tree::{NodeId, SceneTree};

/// Why a handler refused its arguments (Godot's `Callable::CallError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// Fewer arguments than the method takes.
    #[error("too few arguments: expected {expected}, got {got}")]
    TooFewArguments {
        /// Arguments the method takes.
        expected: usize,
        /// Arguments received.
        got: usize,
    },
    /// More arguments than the method takes.
    #[error("too many arguments: expected {expected}, got {got}")]
    TooManyArguments {
        /// Arguments the method takes.
        expected: usize,
        /// Arguments received.
        got: usize,
    },
    /// An argument has the wrong type.
    #[error("invalid argument {index}: expected {expected}, got {got:?}")]
    InvalidArgument {
        /// Zero-based argument index.
        index: usize,
        /// The expected Rust type.
        expected: &'static str,
        /// The received Variant type.
        got: VariantType,
    },
    /// Any other failure the handler reports.
    #[error("{0}")]
    Failed(String),
}

/// What a handler returns: `Ok(())`, or the reason its arguments were refused (reported as
/// [`RpcRejection::Call`](crate::RpcRejection::Call) in an `RpcRejected` event).
pub type HandlerResult = Result<(), CallError>;

/// A handler over raw arguments. Build one with [`handler`] or register typed closures with
/// [`SceneTree::on_rpc`].
pub type RpcHandler = Arc<dyn Fn(&mut RpcContext<'_>, &[Variant]) -> HandlerResult + Send + Sync>;

/// Wraps a closure over raw arguments as an [`RpcHandler`].
pub fn handler<F>(f: F) -> RpcHandler
where
    F: Fn(&mut RpcContext<'_>, &[Variant]) -> HandlerResult + Send + Sync + 'static,
{
    Arc::new(f)
}

/// What a running handler can reach: the calling peer, its node, the tree and the API.
pub struct RpcContext<'a> {
    pub(crate) api: &'a mut dyn MultiplayerApi,
    pub(crate) tree: &'a mut SceneTree,
    pub(crate) node: NodeId,
    pub(crate) sender: PeerId,
}

impl<'a> RpcContext<'a> {
    /// Builds a context; for [`MultiplayerApi`] implementations that dispatch calls themselves.
    pub fn new(
        api: &'a mut dyn MultiplayerApi,
        tree: &'a mut SceneTree,
        node: NodeId,
        sender: PeerId,
    ) -> Self {
        Self {
            api,
            tree,
            node,
            sender,
        }
    }

    /// The peer that sent this call (own id for `call_local`); Godot's `get_remote_sender_id()`.
    #[doc(alias = "get_remote_sender_id")]
    pub fn remote_sender_id(&self) -> PeerId {
        self.sender
    }

    /// The node the call is for.
    pub fn node(&self) -> NodeId {
        self.node
    }

    /// This peer's id.
    pub fn unique_id(&self) -> PeerId {
        self.api.get_unique_id()
    }

    /// The whole tree (its slot for the running API is empty while the handler runs).
    pub fn tree(&mut self) -> &mut SceneTree {
        self.tree
    }

    /// The API running this handler.
    pub fn multiplayer(&mut self) -> &mut dyn MultiplayerApi {
        self.api
    }

    /// The running API as a [`SceneMultiplayer`](crate::SceneMultiplayer), when it is one
    /// (for `send_bytes`, auth and the other SceneMultiplayer-only calls).
    pub fn scene_multiplayer(&mut self) -> Option<&mut crate::SceneMultiplayer> {
        let api: &mut dyn Any = self.api;
        api.downcast_mut()
    }

    /// The node's user state, if it has one of type `T`.
    pub fn state_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.tree.node_mut(self.node)?.state_mut()
    }

    /// Godot's `rpc(method, ...)` on this node: to every peer.
    pub fn rpc(&mut self, method: &str, args: &[Variant]) -> Result<(), MultiplayerError> {
        self.rpc_on(self.node, 0, method, args)
    }

    /// Godot's `rpc_id(peer, method, ...)` on this node.
    pub fn rpc_id(
        &mut self,
        peer: PeerId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        self.rpc_on(self.node, peer, method, args)
    }

    /// An RPC on any node: through this API when the node is in its branch, else through
    /// the tree (the node's own branch).
    pub fn rpc_on(
        &mut self,
        node: NodeId,
        peer: PeerId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        if self.tree.is_branch_lent(node) {
            self.api.rpc(self.tree, peer, node, method, args)
        } else {
            self.tree.rpc_id(node, peer, method, args)
        }
    }
}
