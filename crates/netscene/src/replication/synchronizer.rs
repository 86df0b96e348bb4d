//! `MultiplayerSynchronizer`: a node role that replicates properties of its root node's
//! subtree from the authority to the peers that can see it (spec D.5–D.8).
//!
//! Visibility works as in Godot 4: the authority keeps, per synchronizer, the set of peers
//! it was last found visible to, and only that cached set gates SYNC packets; the SPAWN or
//! DESPAWN of a spawned root is likewise only decided when a visibility update names the
//! peer. Updates for a peer (or for all, peer 0) happen when
//! [`update_visibility`](MultiplayerSynchronizer::update_visibility) is called (which
//! [`set_visibility_for`](MultiplayerSynchronizer::set_visibility_for) does on a change),
//! when a peer connects, and, in the [`Idle`](VisibilityUpdateMode::Idle) and
//! [`Physics`](VisibilityUpdateMode::Physics) modes, at every network frame while the
//! synchronizer has visibility filters. Updates are applied at the end of the next `poll`
//! (Godot applies them at once; both reach the wire at the next network frame).
//!
//! Each peer is judged by `is_visible_to(peer)`. Godot's update for all peers also lets
//! every peer see the synchronizer when `is_visible_to(0)` holds (public, and every filter
//! accepting peer 0); netscene does not take that shortcut, so a filter rejecting a peer
//! hides from it whatever the filter says for 0.

use std::collections::BTreeSet;
use std::sync::Arc;

use netscene_variant::NodePath;

use super::config::SceneReplicationConfig;
use super::sync_index::RootPathWatch;
use crate::peer::PeerId;

/// A visibility filter: `filter(peer) -> bool` (Godot's `add_visibility_filter` callable).
pub type VisibilityFilter = Arc<dyn Fn(PeerId) -> bool + Send + Sync>;

/// When the authority re-runs a synchronizer's visibility filters by itself (Godot's
/// `MultiplayerSynchronizer.VisibilityUpdateMode`).
///
/// netscene has one network frame per [`poll`](crate::SceneTree::poll) and no separate
/// physics frame, so `Idle` and `Physics` behave the same: visibility is re-evaluated for all
/// peers at every network frame while the synchronizer has at least one filter (as Godot
/// does each process or physics frame), which reports a
/// [`VisibilityChanged`](crate::MultiplayerEvent::VisibilityChanged) with `for_peer` 0 each
/// time. With `None` the filters only run when
/// [`update_visibility`](MultiplayerSynchronizer::update_visibility) is called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
#[non_exhaustive]
pub enum VisibilityUpdateMode {
    /// Re-evaluate every network frame (Godot's default, `VISIBILITY_PROCESS_IDLE`).
    #[default]
    #[doc(alias = "VISIBILITY_PROCESS_IDLE")]
    Idle = 0,
    /// Re-evaluate every network frame (`VISIBILITY_PROCESS_PHYSICS`; netscene has no
    /// separate physics frame).
    #[doc(alias = "VISIBILITY_PROCESS_PHYSICS")]
    Physics = 1,
    /// Only on [`update_visibility`](MultiplayerSynchronizer::update_visibility)
    /// (`VISIBILITY_PROCESS_NONE`).
    #[doc(alias = "VISIBILITY_PROCESS_NONE")]
    None = 2,
}

impl VisibilityUpdateMode {
    /// The mode with Godot's enum value (0, 1 or 2).
    pub fn from_godot(value: i64) -> Option<Self> {
        match value {
            0 => Some(Self::Idle),
            1 => Some(Self::Physics),
            2 => Some(Self::None),
            _ => None,
        }
    }
}

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
    pub(crate) visibility_update_mode: VisibilityUpdateMode,
    /// `update_visibility` calls not yet handled by the network frame, in call order.
    pub(crate) visibility_requests: Vec<PeerId>,
    /// A filter was removed: the automatic modes re-evaluate once more even without filters.
    pub(crate) filters_changed: bool,
    /// False until the first network frame after the role was attached evaluated it.
    pub(crate) visibility_started: bool,
    /// Tells the tree's root index when `root_path` changes while attached.
    pub(crate) root_watch: RootPathWatch,
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
            .field("visibility_update_mode", &self.visibility_update_mode)
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
            visibility_update_mode: VisibilityUpdateMode::Idle,
            visibility_requests: Vec::new(),
            filters_changed: false,
            visibility_started: false,
            root_watch: RootPathWatch::default(),
        }
    }

    /// `root_path` (relative to the synchronizer node).
    pub fn get_root_path(&self) -> &NodePath {
        &self.root_path
    }

    /// Sets `root_path`.
    pub fn set_root_path(&mut self, path: &str) -> &mut Self {
        self.root_path = NodePath::new(path);
        self.root_watch.root_path_changed();
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

    /// Sets `public_visibility` (same as `set_visibility_for(0, visible)`).
    pub fn set_visibility_public(&mut self, visible: bool) -> &mut Self {
        self.set_visibility_for(0, visible)
    }

    /// `set_visibility_for(peer, visible)`: peer 0 sets `public_visibility`. A change calls
    /// [`update_visibility(peer)`](Self::update_visibility), as Godot does; setting the value
    /// it already has does nothing.
    pub fn set_visibility_for(&mut self, peer: PeerId, visible: bool) -> &mut Self {
        if self.get_visibility_for(peer) == visible {
            return self;
        }
        if peer == 0 {
            self.public_visibility = visible;
        } else if visible {
            self.peer_visibility.insert(peer);
        } else {
            self.peer_visibility.remove(&peer);
        }
        self.update_visibility(peer)
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
    /// synchronizer (and, for a spawned root, the spawn). It is first run at the next network
    /// frame in the `Idle`/`Physics` modes, at the next
    /// [`update_visibility`](Self::update_visibility) with `None`.
    pub fn add_visibility_filter(
        &mut self,
        filter: impl Fn(PeerId) -> bool + Send + Sync + 'static,
    ) -> VisibilityFilter {
        let filter: VisibilityFilter = Arc::new(filter);
        self.filters.push(filter.clone());
        filter
    }

    /// `remove_visibility_filter(filter)`: `filter` as returned by
    /// [`add_visibility_filter`](Self::add_visibility_filter). In the `Idle`/`Physics` modes
    /// the next network frame re-evaluates visibility, also when no filter is left (Godot
    /// would stop re-evaluating and keep the last result until `update_visibility`).
    pub fn remove_visibility_filter(&mut self, filter: &VisibilityFilter) {
        let before = self.filters.len();
        self.filters.retain(|f| !Arc::ptr_eq(f, filter));
        self.filters_changed |= self.filters.len() != before;
    }

    /// `visibility_update_mode` (default [`Idle`](VisibilityUpdateMode::Idle)).
    pub fn get_visibility_update_mode(&self) -> VisibilityUpdateMode {
        self.visibility_update_mode
    }

    /// Sets `visibility_update_mode`.
    pub fn set_visibility_update_mode(&mut self, mode: VisibilityUpdateMode) -> &mut Self {
        self.visibility_update_mode = mode;
        self
    }

    /// Godot's `update_visibility(for_peer)` (0 = all peers): at the end of the next `poll`
    /// (network frame) the authority re-evaluates [`is_visible_to`](Self::is_visible_to) for
    /// that peer, sends the SPAWN or DESPAWN of a spawned root if the result changed, starts
    /// or stops the SYNCs, and reports
    /// [`VisibilityChanged`](crate::MultiplayerEvent::VisibilityChanged) (once per call, also
    /// when nothing changed, as Godot's `visibility_changed` signal). Ignored on peers that
    /// are not the synchronizer's authority.
    pub fn update_visibility(&mut self, for_peer: PeerId) -> &mut Self {
        self.visibility_requests.push(for_peer);
        self
    }

    /// Godot's `is_visible_to(peer)`: public or flagged for that peer, and accepted by every
    /// filter, evaluated now. What the peers receive follows the result cached at the last
    /// visibility update (see [`update_visibility`](Self::update_visibility)).
    pub fn is_visible_to(&self, peer: PeerId) -> bool {
        (self.public_visibility || self.peer_visibility.contains(&peer))
            && self.filters.iter().all(|f| f(peer))
    }

    /// Whether this network frame re-evaluates visibility by itself (the automatic modes
    /// with filters, or right after one was removed); clears the removal mark.
    pub(crate) fn take_automatic_update(&mut self) -> bool {
        let changed = std::mem::take(&mut self.filters_changed);
        self.visibility_update_mode != VisibilityUpdateMode::None
            && (changed || !self.filters.is_empty())
    }
}
