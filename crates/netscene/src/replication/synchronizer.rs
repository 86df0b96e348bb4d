//! `MultiplayerSynchronizer`: a node role that replicates properties of its root node's
//! subtree from the authority to the peers that can see it (spec D.5–D.8).

use std::collections::BTreeSet;
use std::sync::Arc;

use netscene_variant::NodePath;

use super::config::SceneReplicationConfig;
use crate::peer::PeerId;

/// A visibility filter: `filter(peer) -> bool` (Godot's `add_visibility_filter` callable).
pub type VisibilityFilter = Arc<dyn Fn(PeerId) -> bool + Send + Sync>;

/// Godot's `MultiplayerSynchronizer`, attached to a node with
/// [`SceneTree::set_synchronizer`](crate::SceneTree::set_synchronizer).
///
/// The synchronizer node's multiplayer authority sends; the others apply. Property paths
/// are relative to the root node (`root_path`, default `..`: the synchronizer's parent).
#[derive(Clone)]
pub struct MultiplayerSynchronizer {
    pub(crate) root_path: NodePath,
    pub(crate) config: SceneReplicationConfig,
    pub(crate) replication_interval: f64,
    pub(crate) delta_interval: f64,
    pub(crate) public_visibility: bool,
    pub(crate) peer_visibility: BTreeSet<PeerId>,
    pub(crate) filters: Vec<VisibilityFilter>,
}

impl std::fmt::Debug for MultiplayerSynchronizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiplayerSynchronizer")
            .field("root_path", &self.root_path)
            .field("config", &self.config)
            .field("replication_interval", &self.replication_interval)
            .field("delta_interval", &self.delta_interval)
            .field("public_visibility", &self.public_visibility)
            .field("peer_visibility", &self.peer_visibility)
            .field("filters", &self.filters.len())
            .finish()
    }
}

impl MultiplayerSynchronizer {
    /// A synchronizer with root path `..` and Godot's defaults.
    pub fn new(config: SceneReplicationConfig) -> Self {
        Self {
            root_path: NodePath::new(".."),
            config,
            replication_interval: 0.0,
            delta_interval: 0.0,
            public_visibility: true,
            peer_visibility: BTreeSet::new(),
            filters: Vec::new(),
        }
    }

    /// `root_path` (relative to the synchronizer node).
    pub fn get_root_path(&self) -> &NodePath {
        &self.root_path
    }

    /// Sets `root_path`.
    pub fn set_root_path(&mut self, path: &str) -> &mut Self {
        self.root_path = NodePath::new(path);
        self
    }

    /// `replication_config`.
    pub fn get_replication_config(&self) -> &SceneReplicationConfig {
        &self.config
    }

    /// `replication_config`, mutable.
    pub fn replication_config_mut(&mut self) -> &mut SceneReplicationConfig {
        &mut self.config
    }

    /// `replication_interval` in seconds (0 = every network frame).
    pub fn get_replication_interval(&self) -> f64 {
        self.replication_interval
    }

    /// Sets `replication_interval` (negative counts as 0).
    pub fn set_replication_interval(&mut self, seconds: f64) -> &mut Self {
        self.replication_interval = seconds.max(0.0);
        self
    }

    /// `delta_interval` in seconds (0 = every network frame).
    pub fn get_delta_interval(&self) -> f64 {
        self.delta_interval
    }

    /// Sets `delta_interval` (negative counts as 0).
    pub fn set_delta_interval(&mut self, seconds: f64) -> &mut Self {
        self.delta_interval = seconds.max(0.0);
        self
    }

    /// `public_visibility` (default true).
    pub fn is_visibility_public(&self) -> bool {
        self.public_visibility
    }

    /// `set_visibility_for(peer, visible)`: peer 0 sets `public_visibility`.
    pub fn set_visibility_for(&mut self, peer: PeerId, visible: bool) -> &mut Self {
        if peer == 0 {
            self.public_visibility = visible;
        } else if visible {
            self.peer_visibility.insert(peer);
        } else {
            self.peer_visibility.remove(&peer);
        }
        self
    }

    /// `get_visibility_for(peer)`: the per-peer flag (peer 0: `public_visibility`).
    pub fn get_visibility_for(&self, peer: PeerId) -> bool {
        if peer == 0 {
            self.public_visibility
        } else {
            self.peer_visibility.contains(&peer)
        }
    }

    /// `add_visibility_filter(filter)`: every filter must accept a peer for it to see the
    /// synchronizer (and, for a spawned root, the spawn).
    pub fn add_visibility_filter(
        &mut self,
        filter: impl Fn(PeerId) -> bool + Send + Sync + 'static,
    ) -> VisibilityFilter {
        let filter: VisibilityFilter = Arc::new(filter);
        self.filters.push(filter.clone());
        filter
    }

    /// `remove_visibility_filter(filter)`: `filter` as returned by
    /// [`add_visibility_filter`](Self::add_visibility_filter).
    pub fn remove_visibility_filter(&mut self, filter: &VisibilityFilter) {
        self.filters.retain(|f| !Arc::ptr_eq(f, filter));
    }

    /// Godot's `is_visible_to(peer)`: public or flagged for that peer, and accepted by every
    /// filter. Re-evaluated every network frame (`update_visibility` is implicit).
    pub fn is_visible_to(&self, peer: PeerId) -> bool {
        (self.public_visibility || self.peer_visibility.contains(&peer))
            && self.filters.iter().all(|f| f(peer))
    }
}
