//! `SceneReplicationConfig`: which properties a synchronizer replicates and how (spec D.1).

use netscene_variant::NodePath;

/// Godot's `SceneReplicationConfig.ReplicationMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReplicationMode {
    /// `REPLICATION_MODE_NEVER`: only sent in the spawn state (if `spawn` is set).
    Never = 0,
    /// `REPLICATION_MODE_ALWAYS`: unreliable SYNC every replication interval.
    #[default]
    Always = 1,
    /// `REPLICATION_MODE_ON_CHANGE`: reliable delta SYNC when the value changed.
    OnChange = 2,
}

/// One replicated property.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicatedProperty {
    /// Node subpath + `:property` (+ `:subname`...), relative to the synchronizer's root node.
    pub path: NodePath,
    /// Sent in the spawn state (default true).
    pub spawn: bool,
    /// How it is synchronized after the spawn.
    pub mode: ReplicationMode,
}

/// The most ON_CHANGE properties one synchronizer may watch: the delta bitmask is a u64.
pub const MAX_WATCHED_PROPERTIES: usize = 64;

/// Godot's `SceneReplicationConfig`: an ordered property list (spec D.1).
///
/// ```
/// use netscene::replication::{ReplicationMode, SceneReplicationConfig};
/// let mut config = SceneReplicationConfig::new();
/// config.add_property(":position", -1);
/// config.add_property(":hp", -1);
/// config.property_set_replication_mode(":hp", ReplicationMode::OnChange);
/// assert_eq!(config.sync_properties().count(), 1);
/// assert_eq!(config.watch_properties().count(), 1);
/// assert_eq!(config.spawn_properties().count(), 2);
/// config.property_set_watch(":hp", false); // deprecated form: ON_CHANGE off = NEVER
/// assert_eq!(config.property_get_replication_mode(":hp"), ReplicationMode::Never);
/// assert!(config.property_get_sync(":position"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SceneReplicationConfig {
    properties: Vec<ReplicatedProperty>,
}

impl SceneReplicationConfig {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// `add_property(path, index)`: appends (index −1) or inserts at `index`, with spawn on and
    /// mode ALWAYS. A path already present is left alone.
    pub fn add_property(&mut self, path: impl Into<String>, index: i64) {
        let path = NodePath::new(&path.into());
        if self.has_property(&path.to_string()) {
            return;
        }
        let property = ReplicatedProperty {
            path,
            spawn: true,
            mode: ReplicationMode::Always,
        };
        match usize::try_from(index) {
            Ok(i) if i < self.properties.len() => self.properties.insert(i, property),
            _ => self.properties.push(property),
        }
    }

    /// `remove_property(path)`.
    pub fn remove_property(&mut self, path: &str) {
        if let Some(i) = self.property_get_index(path) {
            self.properties.remove(i);
        }
    }

    /// `has_property(path)`.
    pub fn has_property(&self, path: &str) -> bool {
        self.property_get_index(path).is_some()
    }

    /// `property_get_index(path)`.
    pub fn property_get_index(&self, path: &str) -> Option<usize> {
        let path = NodePath::new(path);
        self.properties.iter().position(|p| p.path == path)
    }

    /// `get_properties()`, with their settings.
    pub fn get_properties(&self) -> &[ReplicatedProperty] {
        &self.properties
    }

    /// `property_set_spawn(path, enabled)`.
    pub fn property_set_spawn(&mut self, path: &str, enabled: bool) {
        if let Some(i) = self.property_get_index(path) {
            self.properties[i].spawn = enabled;
        }
    }

    /// `property_get_spawn(path)`.
    pub fn property_get_spawn(&self, path: &str) -> bool {
        self.property_get_index(path)
            .is_some_and(|i| self.properties[i].spawn)
    }

    /// `property_set_replication_mode(path, mode)`.
    pub fn property_set_replication_mode(&mut self, path: &str, mode: ReplicationMode) {
        if let Some(i) = self.property_get_index(path) {
            self.properties[i].mode = mode;
        }
    }

    /// `property_get_replication_mode(path)` (NEVER for an unknown path).
    pub fn property_get_replication_mode(&self, path: &str) -> ReplicationMode {
        self.property_get_index(path)
            .map_or(ReplicationMode::Never, |i| self.properties[i].mode)
    }

    /// Deprecated `property_get_sync(path)`: the mode is ALWAYS.
    pub fn property_get_sync(&self, path: &str) -> bool {
        self.property_get_replication_mode(path) == ReplicationMode::Always
    }

    /// Deprecated `property_set_sync(path, enabled)`: ALWAYS, or NEVER when turning ALWAYS off.
    pub fn property_set_sync(&mut self, path: &str, enabled: bool) {
        self.set_mode_flag(path, ReplicationMode::Always, enabled);
    }

    /// Deprecated `property_get_watch(path)`: the mode is ON_CHANGE.
    pub fn property_get_watch(&self, path: &str) -> bool {
        self.property_get_replication_mode(path) == ReplicationMode::OnChange
    }

    /// Deprecated `property_set_watch(path, enabled)`: ON_CHANGE, or NEVER when turning
    /// ON_CHANGE off.
    pub fn property_set_watch(&mut self, path: &str, enabled: bool) {
        self.set_mode_flag(path, ReplicationMode::OnChange, enabled);
    }

    fn set_mode_flag(&mut self, path: &str, mode: ReplicationMode, enabled: bool) {
        if enabled {
            self.property_set_replication_mode(path, mode);
        } else if self.property_get_replication_mode(path) == mode {
            self.property_set_replication_mode(path, ReplicationMode::Never);
        }
    }

    /// The spawn list: properties with `spawn`, in config order.
    pub fn spawn_properties(&self) -> impl Iterator<Item = &NodePath> {
        self.properties.iter().filter(|p| p.spawn).map(|p| &p.path)
    }

    /// The sync list: ALWAYS properties, in config order.
    pub fn sync_properties(&self) -> impl Iterator<Item = &NodePath> {
        self.properties
            .iter()
            .filter(|p| p.mode == ReplicationMode::Always)
            .map(|p| &p.path)
    }

    /// The watch list: ON_CHANGE properties, in config order (only the first
    /// [`MAX_WATCHED_PROPERTIES`] are replicated).
    pub fn watch_properties(&self) -> impl Iterator<Item = &NodePath> {
        self.properties
            .iter()
            .filter(|p| p.mode == ReplicationMode::OnChange)
            .map(|p| &p.path)
            .take(MAX_WATCHED_PROPERTIES)
    }
}
