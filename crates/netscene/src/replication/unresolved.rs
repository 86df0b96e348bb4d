//! Replicated properties that do not resolve: a synchronizer's config names a node or
//! property its root's subtree does not have (a typo, a node not built yet, or a scene that
//! differs between the peers).
//!
//! The wire follows Godot (`MultiplayerSynchronizer::get_state` fails with "Property not
//! found"): the authority sends no SPAWN whose spawn state holds such a property, no SYNC
//! entry for a synchronizer whose sync list holds one, and leaves such a watched property out
//! of its deltas; `null` is never sent in its place. A receiver that cannot store a value
//! (its node is missing) stores the others. Godot prints an error at every attempt; netscene
//! reports each path once per synchronizer as
//! [`ReplicatedPropertyNotFound`](crate::MultiplayerEvent::ReplicatedPropertyNotFound),
//! and [`SceneTree::unresolved_replicated_properties`] checks a synchronizer on demand.

use netscene_variant::NodePath;

use super::property::get_indexed;
use super::values::sync_root;
use crate::api::MultiplayerEvent;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

impl SceneMultiplayer {
    /// Reports each of `paths` of `synchronizer` that was not reported before.
    pub(crate) fn report_unresolved(&mut self, synchronizer: NodeId, paths: Vec<NodePath>) {
        for property in paths {
            let reported = self
                .replication
                .unresolved_reported
                .entry(synchronizer)
                .or_default();
            // A synchronizer's paths are few (its config's): a list suffices.
            if !reported.contains(&property) {
                reported.push(property.clone());
                tracing::warn!(
                    %property,
                    "replicated property not found under the synchronizer's root; not replicated"
                );
                self.push_replication_event(MultiplayerEvent::ReplicatedPropertyNotFound {
                    synchronizer,
                    property,
                });
            }
        }
    }

    /// Forgets the reports of synchronizer nodes that were removed.
    pub(crate) fn prune_unresolved_reports(&mut self, tree: &SceneTree) {
        self.replication
            .unresolved_reported
            .retain(|sync, _| tree.node(*sync).is_some());
    }
}

impl SceneTree {
    /// The properties of `synchronizer`'s replication config that do not resolve now under
    /// its root node (every one when `root_path` names no node), in config order: empty when
    /// all resolve, `None` when the node has no synchronizer role. A property path resolves
    /// as in Godot: `:hp` and the editor's `.:hp` are the root's own, `Body:hp` a child's.
    ///
    /// ```
    /// use netscene::SceneTree;
    /// use netscene::replication::{MultiplayerSynchronizer, SceneReplicationConfig};
    /// use netscene_variant::{NodePath, Variant};
    /// let mut tree = SceneTree::new();
    /// let player = tree.add_path("/root/Player").unwrap();
    /// let sync = tree.add_child(player, "Sync").unwrap();
    /// tree.node_mut(player).unwrap().set_property("position", Variant::Int(0));
    /// let mut config = SceneReplicationConfig::new();
    /// config.add_property(".:position", -1);
    /// config.add_property(".:hp", -1);
    /// tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config)).unwrap();
    /// assert_eq!(
    ///     tree.unresolved_replicated_properties(sync),
    ///     Some(vec![NodePath::new(".:hp")])
    /// );
    /// ```
    pub fn unresolved_replicated_properties(&self, synchronizer: NodeId) -> Option<Vec<NodePath>> {
        let role = self.node(synchronizer)?.synchronizer.as_deref()?;
        let root = sync_root(self, synchronizer);
        Some(
            role.config
                .get_properties()
                .iter()
                .map(|p| &p.path)
                .filter(|path| root.is_none_or(|root| get_indexed(self, root, path).is_none()))
                .cloned()
                .collect(),
        )
    }
}
