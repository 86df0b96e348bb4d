//! The common [`MultiplayerApi`] calls as inherent methods of [`SceneMultiplayer`], so a
//! server written against the concrete type needs no trait import (Godot's scripts call
//! `multiplayer.get_unique_id()` directly). Each delegates to the trait implementation.

use netscene_variant::Variant;

use super::SceneMultiplayer;
use crate::api::{MultiplayerApi, MultiplayerEvent};
use crate::error::MultiplayerError;
use crate::peer::{MultiplayerPeer, PeerId};
use crate::tree::{NodeId, SceneTree};

impl SceneMultiplayer {
    /// Sets (or with `None` removes) the transport: [`MultiplayerApi::set_multiplayer_peer`].
    pub fn set_multiplayer_peer(
        &mut self,
        peer: Option<Box<dyn MultiplayerPeer>>,
    ) -> Result<(), MultiplayerError> {
        MultiplayerApi::set_multiplayer_peer(self, peer)
    }

    /// The transport: [`MultiplayerApi::get_multiplayer_peer`].
    pub fn get_multiplayer_peer(&self) -> Option<&dyn MultiplayerPeer> {
        MultiplayerApi::get_multiplayer_peer(self)
    }

    /// The transport, mutable: [`MultiplayerApi::get_multiplayer_peer_mut`].
    pub fn get_multiplayer_peer_mut(&mut self) -> Option<&mut dyn MultiplayerPeer> {
        MultiplayerApi::get_multiplayer_peer_mut(self)
    }

    /// True when a transport is set: [`MultiplayerApi::has_multiplayer_peer`].
    pub fn has_multiplayer_peer(&self) -> bool {
        MultiplayerApi::has_multiplayer_peer(self)
    }

    /// Ids of the admitted peers: [`MultiplayerApi::get_peers`].
    #[doc(alias = "get_peer_ids")]
    pub fn get_peers(&self) -> Vec<PeerId> {
        MultiplayerApi::get_peers(self)
    }

    /// This peer's id (0 without a transport): [`MultiplayerApi::get_unique_id`].
    pub fn get_unique_id(&self) -> PeerId {
        MultiplayerApi::get_unique_id(self)
    }

    /// True when a transport is set and this is the server: [`MultiplayerApi::is_server`].
    pub fn is_server(&self) -> bool {
        MultiplayerApi::is_server(self)
    }

    /// The sender of the RPC being handled, 0 outside handlers:
    /// [`MultiplayerApi::get_remote_sender_id`].
    pub fn get_remote_sender_id(&self) -> PeerId {
        MultiplayerApi::get_remote_sender_id(self)
    }

    /// Polls the transport, processes packets and runs RPC handlers: [`MultiplayerApi::poll`].
    pub fn poll(&mut self, tree: &mut SceneTree) -> Result<(), MultiplayerError> {
        MultiplayerApi::poll(self, tree)
    }

    /// Calls `method` on `node` on `peer` (0 all, `n` that peer, `-n` all but `n`):
    /// [`MultiplayerApi::rpc`].
    pub fn rpc(
        &mut self,
        tree: &mut SceneTree,
        peer: PeerId,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        MultiplayerApi::rpc(self, tree, peer, node, method, args)
    }

    /// The next event, oldest first: [`MultiplayerApi::pop_event`].
    pub fn pop_event(&mut self) -> Option<MultiplayerEvent> {
        MultiplayerApi::pop_event(self)
    }
}
