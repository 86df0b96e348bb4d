//! Sending and receiving RPCs with the path cache (Godot's `SceneRPCInterface` and the
//! cache handshake of `SceneCacheInterface`; spec C).

use netscene_variant::{DecodeOptions, EncodeOptions, StringName, Variant};

use super::SceneMultiplayer;
use super::resolve::{node_in_branch, node_not_found};
use crate::api::MultiplayerEvent;
use crate::error::{MultiplayerError, PacketError, RpcRejection};
use crate::handler::{RpcContext, RpcHandler};
use crate::peer::{ConnectionStatus, PeerId, TransferMode};
use crate::rpc_config::{RpcConfig, RpcMode};
use crate::tree::{NodeId, SceneTree};
use crate::wire::{
    ConfirmPath, NodeTarget, RemoteCall, RemoteCallHeader, SimplifyPath, decode_args, encode_args,
};

const PATH_FLAG: u32 = 0x8000_0000;

impl SceneMultiplayer {
    fn encode_options(&self) -> EncodeOptions {
        EncodeOptions {
            full_objects: self.allow_object_decoding,
            ..EncodeOptions::default()
        }
    }

    fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            allow_objects: self.allow_object_decoding,
            ..DecodeOptions::default()
        }
    }

    /// Godot's `rpcp`: remote part first, then the local call when `call_local` applies.
    pub(crate) fn rpcp(
        &mut self,
        tree: &mut SceneTree,
        peer_id: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        if self.link.peer.is_none() {
            return Err(MultiplayerError::NoPeer);
        }
        let n = tree.node(node).ok_or(MultiplayerError::InvalidNode)?;
        if self.link.status() != ConnectionStatus::Connected {
            return Err(MultiplayerError::RpcNotConnected);
        }
        let caller_id = self.link.unique_id();
        let Some(method_id) = n.table.id_of(method) else {
            return Err(MultiplayerError::NoRpcConfig {
                method: StringName::new(method),
                node: tree.get_path(node).unwrap_or_default(),
            });
        };
        let entry = n
            .table
            .by_id(method_id)
            .ok_or(MultiplayerError::InvalidNode)?;
        let config = entry.config;
        if peer_id == caller_id && !config.call_local {
            return Err(MultiplayerError::CallOnSelf(StringName::new(method)));
        }
        let local = config.call_local
            && (peer_id == 0 || peer_id == caller_id || (peer_id < 0 && peer_id != -caller_id));
        let handler = if local { entry.handler.clone() } else { None };
        if peer_id != caller_id {
            self.send_rpc(tree, node, peer_id, method_id, &config, args)?;
        }
        if local {
            let handler = handler.ok_or_else(|| {
                MultiplayerError::InvalidParameter(format!(
                    "no handler for local call of {method:?}"
                ))
            })?;
            self.call_handler(tree, node, &handler, caller_id, args)
                .map_err(|e| {
                    MultiplayerError::InvalidParameter(format!("local call failed: {e}"))
                })?;
        }
        Ok(())
    }

    /// Runs a handler with `sender` as the remote sender id.
    fn call_handler(
        &mut self,
        tree: &mut SceneTree,
        node: NodeId,
        handler: &RpcHandler,
        sender: PeerId,
        args: &[Variant],
    ) -> crate::handler::HandlerResult {
        let previous = std::mem::replace(&mut self.remote_sender_id, sender);
        let result = {
            let mut ctx = RpcContext {
                api: self,
                tree,
                node,
                sender,
            };
            handler(&mut ctx, args)
        };
        self.remote_sender_id = previous;
        result
    }

    /// Godot's `_send_rpc`: SIMPLIFY_PATH to peers that never saw the node, then one
    /// REMOTE_CALL per target (compressed id when every target confirmed, else u32 ids
    /// with the path appended for unconfirmed targets).
    fn send_rpc(
        &mut self,
        tree: &SceneTree,
        node: NodeId,
        to: PeerId,
        method_id: u16,
        config: &RpcConfig,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        if args.len() > 255 {
            return Err(MultiplayerError::TooManyArguments(args.len()));
        }
        if to != 0 && !self.link.connected.contains(to.saturating_abs()) {
            if to == self.link.unique_id() {
                return Err(MultiplayerError::CallOnSelf(StringName::default()));
            }
            return Err(MultiplayerError::UnknownPeer(to));
        }
        let mut targets = std::mem::take(&mut self.targets);
        let mut to_announce = std::mem::take(&mut self.to_announce);
        targets.clear();
        to_announce.clear();
        if to > 0 {
            targets.push(to);
        } else {
            targets.extend(self.link.connected.iter().filter(|p| to == 0 || *p != -to));
        }
        // Replicated nodes: only peers that can see the node (Godot logs and sends nothing
        // to an explicit target that cannot).
        if !self.replication.roots.is_empty() {
            targets.retain(|&p| self.is_rpc_visible(tree, node, p));
        }
        if to > 0 && targets.is_empty() {
            tracing::error!(
                peer = to,
                "RPC to a peer that cannot see this node; not sent"
            );
        }
        let result = self.send_rpc_to(
            tree,
            node,
            method_id,
            config,
            args,
            &targets,
            &mut to_announce,
        );
        self.targets = targets;
        self.to_announce = to_announce;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn send_rpc_to(
        &mut self,
        tree: &SceneTree,
        node: NodeId,
        method_id: u16,
        config: &RpcConfig,
        args: &[Variant],
        targets: &[PeerId],
        to_announce: &mut Vec<PeerId>,
    ) -> Result<(), MultiplayerError> {
        if targets.is_empty() {
            return Ok(());
        }
        self.cache.prune_removed(tree);
        let cache_id = self.cache.ensure_id(node);
        let mut all_confirmed = true;
        for &p in targets {
            match self.cache.confirm_state(node, p) {
                None => {
                    to_announce.push(p);
                    all_confirmed = false;
                }
                Some(false) => all_confirmed = false,
                Some(true) => {}
            }
        }
        let rel_path = if all_confirmed {
            None
        } else {
            Some(
                tree.relative_path(node, &self.root_path)
                    .ok_or(MultiplayerError::InvalidNode)?,
            )
        };
        if !to_announce.is_empty() {
            let n = tree.node(node).ok_or(MultiplayerError::InvalidNode)?;
            self.simplify_buf.clear();
            SimplifyPath {
                checksum: n.table.checksum,
                cache_id,
                path: rel_path.as_deref().unwrap_or_default(),
            }
            .emit(&mut self.simplify_buf);
            let now = (self.clock)();
            for &p in to_announce.iter() {
                self.link
                    .send_command(p, TransferMode::Reliable, 0, &self.simplify_buf)?;
                self.cache.mark_sent(node, p, now);
            }
        }

        let mut header = RemoteCallHeader {
            node_field: cache_id,
            wide_node_field: !all_confirmed,
            method_id,
            byte_only_or_no_args: false,
        };
        let encode_options = self.encode_options();
        let buf = &mut self.packet_buf;
        buf.clear();
        header.emit(buf);
        header.byte_only_or_no_args = encode_args(args, buf, &encode_options)?;
        buf[0] = header.meta();
        let (mode, channel) = (config.transfer_mode, config.channel);

        match rel_path {
            None => {
                for &p in targets {
                    self.link.send_command(p, mode, channel, &self.packet_buf)?;
                }
            }
            Some(path) => {
                let call_len = self.packet_buf.len();
                self.packet_buf.extend_from_slice(path.as_bytes());
                self.packet_buf.push(0);
                for &p in targets {
                    if self.cache.confirm_state(node, p) == Some(true) {
                        self.packet_buf[1..5].copy_from_slice(&cache_id.to_le_bytes());
                        self.link
                            .send_command(p, mode, channel, &self.packet_buf[..call_len])?;
                    } else {
                        let field = PATH_FLAG | call_len as u32;
                        self.packet_buf[1..5].copy_from_slice(&field.to_le_bytes());
                        self.link.send_command(p, mode, channel, &self.packet_buf)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// REMOTE_CALL received (spec C.6).
    pub(crate) fn process_rpc(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        packet: &[u8],
    ) -> Result<(), PacketError> {
        if !self.charge_peer(from, super::PeerLimitKind::Rpcs, 1) {
            return Ok(());
        }
        let call = RemoteCall::parse(packet)?;
        let node = match call.node {
            NodeTarget::CacheId(id) => self.cache.resolve_recv(tree, &self.root_path, from, id)?,
            NodeTarget::Path(path) => {
                node_in_branch(tree, &self.root_path, path).ok_or_else(|| node_not_found(path))?
            }
        };
        let Some(n) = tree.node(node) else {
            return Err(PacketError::UnknownCacheId(0));
        };
        let Some(entry) = n.table.by_id(call.method_id) else {
            let reason = RpcRejection::UnknownMethod(call.method_id);
            self.reject_rpc(tree, from, node, StringName::default(), reason);
            return Ok(());
        };
        let allowed = match entry.config.mode {
            RpcMode::Disabled => Err(RpcRejection::Disabled),
            RpcMode::AnyPeer => Ok(()),
            RpcMode::Authority if from == n.authority => Ok(()),
            RpcMode::Authority => Err(RpcRejection::NotAuthority {
                authority: n.authority,
            }),
        };
        let handler = match (allowed, &entry.handler) {
            (Ok(()), Some(handler)) => handler.clone(),
            (refused, _) => {
                let reason = refused.err().unwrap_or(RpcRejection::NoHandler);
                let name = entry.name.clone();
                self.reject_rpc(tree, from, node, name, reason);
                return Ok(());
            }
        };
        let mut args = std::mem::take(&mut self.args_buf);
        let decoded = decode_args(
            call.args,
            call.byte_only_or_no_args,
            &self.decode_options(),
            &mut args,
        );
        let result = match decoded {
            Ok(()) => {
                if let Err(e) = self.call_handler(tree, node, &handler, from, &args) {
                    let name = tree
                        .node(node)
                        .and_then(|n| n.table.by_id(call.method_id))
                        .map(|e| e.name.clone())
                        .unwrap_or_default();
                    self.reject_rpc(tree, from, node, name, RpcRejection::Call(e));
                }
                Ok(())
            }
            Err(PacketError::Arguments(mut e)) => {
                // Report the offset within the packet, not within the argument area.
                e.offset += call.args.as_ptr() as usize - packet.as_ptr() as usize;
                Err(PacketError::Arguments(e))
            }
            Err(e) => Err(e),
        };
        args.clear();
        self.args_buf = args;
        result
    }

    fn reject_rpc(
        &mut self,
        tree: &SceneTree,
        from: PeerId,
        node: NodeId,
        method: StringName,
        reason: RpcRejection,
    ) {
        let path = tree
            .relative_path(node, &self.root_path)
            .map(|p| netscene_variant::NodePath::new(&p))
            .unwrap_or_default();
        tracing::warn!(
            peer = from,
            "RPC '{method}' is not allowed on node {path}: {reason}"
        );
        self.reject_event(MultiplayerEvent::RpcRejected {
            from,
            node: path,
            method,
            reason,
        });
    }

    /// SIMPLIFY_PATH received: resolve, remember, answer CONFIRM_PATH.
    pub(crate) fn process_simplify_path(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        packet: &[u8],
    ) -> Result<(), PacketError> {
        let simplify = SimplifyPath::parse(packet)?;
        let node = node_in_branch(tree, &self.root_path, simplify.path)
            .ok_or_else(|| node_not_found(simplify.path))?;
        // Kept for re-resolving after the node is replaced: the canonical path, so its size
        // is the tree's, not the peer's (`Game/../Game/..` resolves too).
        let canonical = tree
            .relative_path(node, &self.root_path)
            .ok_or_else(|| node_not_found(simplify.path))?;
        self.cache
            .insert_recv(from, simplify.cache_id, node, &canonical)?;
        let valid = tree
            .node(node)
            .is_some_and(|n| n.table.checksum == simplify.checksum);
        if !valid {
            tracing::error!(
                peer = from,
                "the rpc node checksum failed; make sure to have the same methods on both nodes: {}",
                simplify.path
            );
        }
        let mut reply = Vec::with_capacity(6);
        ConfirmPath {
            valid,
            cache_id: simplify.cache_id,
        }
        .emit(&mut reply);
        // Godot's 0 / 1, or 3 announcing reliable oversized SYNC (replication/oversized.rs).
        reply[1] = self.confirm_path_validity(valid);
        if let Err(e) = self
            .link
            .send_command(from, TransferMode::Reliable, 0, &reply)
        {
            tracing::warn!(peer = from, "cannot send CONFIRM_PATH: {e}");
        }
        Ok(())
    }

    /// CONFIRM_PATH received.
    pub(crate) fn process_confirm_path(
        &mut self,
        from: PeerId,
        packet: &[u8],
    ) -> Result<(), PacketError> {
        let confirm = ConfirmPath::parse(packet)?;
        self.note_confirm_validity(from, packet[1]);
        if !confirm.valid && self.cache.node_of_cache_id(confirm.cache_id).is_some() {
            tracing::error!(
                peer = from,
                cache_id = confirm.cache_id,
                "the rpc node checksum failed on the remote side"
            );
        }
        self.cache.confirm(from, confirm.cache_id)
    }
}
