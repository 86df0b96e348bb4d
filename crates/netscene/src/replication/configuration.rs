//! How spawners and synchronizers reach the multiplayer API: through
//! [`MultiplayerApi::object_configuration_add`](crate::MultiplayerApi::object_configuration_add)
//! and `object_configuration_remove`, as in Godot, where a `MultiplayerSynchronizer` entering
//! the tree calls `get_multiplayer()->object_configuration_add(root, synchronizer)` and a
//! `MultiplayerSpawner` calls `object_configuration_add(spawned_node, spawner)` for each node
//! its authority spawns.
//!
//! The configuration is the replication object as a [`Variant`] ([`ReplicationObject`]), so
//! any `MultiplayerApi` sees it: a user-written API can forward it to a SceneMultiplayer it
//! contains (replication by composition), filter it, or handle it itself. SceneMultiplayer
//! serves exactly the objects configured to it:
//!
//! | Call | SceneMultiplayer |
//! |---|---|
//! | `add(root, Synchronizer(sync))` | `sync` replicates from now on (when this peer is its authority) |
//! | `remove(root, Synchronizer(sync))` | it stops; the peers keep the last state |
//! | `add(node, Spawner(spawner))` | `node`, tracked by `spawner`, is spawned on the peers that see it (late joiners too) |
//! | `remove(node, Spawner(spawner))` | the peers get a DESPAWN; the node stays here |
//!
//! The SPAWN of a node configured through `add` goes out before the next RPC sent through the
//! same API, or at the latest at the next `poll` (Godot sends it at once: the API has no tree
//! at hand in `object_configuration_add`, and an RPC to the new node must not overtake it).

use netscene_variant::{ObjectValue, Variant};

use crate::error::MultiplayerError;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

/// Class name of a spawner configuration (Godot's class).
const SPAWNER_CLASS: &str = "MultiplayerSpawner";
/// Class name of a synchronizer configuration.
const SYNCHRONIZER_CLASS: &str = "MultiplayerSynchronizer";
/// The property holding the node's instance id.
const INSTANCE_ID: &str = "instance_id";

/// A replication object passed as the `configuration` of
/// [`object_configuration_add`](crate::MultiplayerApi::object_configuration_add) /
/// `object_configuration_remove`: the node holding the spawner or synchronizer role (Godot
/// passes the `MultiplayerSpawner` / `MultiplayerSynchronizer` object itself).
///
/// ```
/// use netscene::replication::ReplicationObject;
/// use netscene::SceneTree;
/// let mut tree = SceneTree::new();
/// let sync = tree.add_path("/root/Player/Sync").unwrap();
/// let config = ReplicationObject::Synchronizer(sync).to_variant();
/// assert_eq!(ReplicationObject::from_variant(&config), Some(ReplicationObject::Synchronizer(sync)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplicationObject {
    /// A node with a [`MultiplayerSpawner`](super::MultiplayerSpawner) role; the `object` of
    /// the call is a node it spawned.
    Spawner(NodeId),
    /// A node with a [`MultiplayerSynchronizer`](super::MultiplayerSynchronizer) role; the
    /// `object` of the call is its root node when that resolves (as in Godot), else `None`.
    Synchronizer(NodeId),
}

impl ReplicationObject {
    /// The node holding the role.
    pub fn node(self) -> NodeId {
        match self {
            Self::Spawner(node) | Self::Synchronizer(node) => node,
        }
    }

    /// The configuration value: an `Object` of class `MultiplayerSpawner` or
    /// `MultiplayerSynchronizer` carrying the node's instance id (never sent on the wire).
    pub fn to_variant(self) -> Variant {
        let class = match self {
            Self::Spawner(_) => SPAWNER_CLASS,
            Self::Synchronizer(_) => SYNCHRONIZER_CLASS,
        };
        Variant::Object(ObjectValue::Full {
            class: class.to_owned(),
            properties: vec![(
                INSTANCE_ID.to_owned(),
                // Bit-for-bit: the id uses all 64 bits.
                Variant::Int(self.node().instance_id() as i64),
            )],
        })
    }

    /// The replication object a configuration names, or `None` for any other value.
    pub fn from_variant(configuration: &Variant) -> Option<Self> {
        let Variant::Object(ObjectValue::Full { class, properties }) = configuration else {
            return None;
        };
        let [(name, Variant::Int(id))] = properties.as_slice() else {
            return None;
        };
        if name != INSTANCE_ID {
            return None;
        }
        let node = NodeId::from_instance_id(*id as u64);
        match class.as_str() {
            SPAWNER_CLASS => Some(Self::Spawner(node)),
            SYNCHRONIZER_CLASS => Some(Self::Synchronizer(node)),
            _ => None,
        }
    }
}

impl From<ReplicationObject> for Variant {
    fn from(object: ReplicationObject) -> Self {
        object.to_variant()
    }
}

/// What `object_configuration_add` / `_remove` say to a value they do not handle.
pub(crate) fn unsupported_configuration() -> MultiplayerError {
    MultiplayerError::InvalidParameter(
        "unsupported object configuration: expected (None, root NodePath) or a \
         ReplicationObject (spawner or synchronizer)"
            .into(),
    )
}

impl SceneMultiplayer {
    /// `object_configuration_add` of a replication object.
    pub(crate) fn replication_configuration_add(
        &mut self,
        object: Option<NodeId>,
        configuration: ReplicationObject,
    ) -> Result<(), MultiplayerError> {
        let state = &mut self.replication;
        match configuration {
            ReplicationObject::Synchronizer(sync) => {
                state.configured_syncs.insert(sync);
            }
            ReplicationObject::Spawner(spawner) => {
                let node = object.ok_or_else(|| {
                    MultiplayerError::InvalidParameter(
                        "a spawner configuration needs the spawned node as the object".into(),
                    )
                })?;
                if state.configured_spawns.insert(node, spawner) != Some(spawner) {
                    state.pending_spawns.push((spawner, node));
                }
            }
        }
        Ok(())
    }

    /// `object_configuration_remove` of a replication object.
    pub(crate) fn replication_configuration_remove(
        &mut self,
        object: Option<NodeId>,
        configuration: ReplicationObject,
    ) -> Result<(), MultiplayerError> {
        let state = &mut self.replication;
        match configuration {
            ReplicationObject::Synchronizer(sync) => {
                if state.configured_syncs.remove(&sync) {
                    // Added again, it starts over (visibility, intervals, deltas).
                    state.outbound.remove(&sync);
                }
            }
            ReplicationObject::Spawner(spawner) => {
                let node = object.ok_or_else(|| {
                    MultiplayerError::InvalidParameter(
                        "a spawner configuration needs the spawned node as the object".into(),
                    )
                })?;
                // The next network frame despawns it on the peers that had it.
                if state.configured_spawns.get(&node) == Some(&spawner) {
                    state.configured_spawns.remove(&node);
                }
                state.pending_spawns.retain(|&(_, n)| n != node);
            }
        }
        Ok(())
    }

    /// Sends the SPAWNs configured since the last flush (before an RPC, at `poll`).
    pub(crate) fn flush_pending_spawns(&mut self, tree: &mut SceneTree) {
        if self.replication.pending_spawns.is_empty() {
            return;
        }
        for (spawner, node) in std::mem::take(&mut self.replication.pending_spawns) {
            self.replicate_new_spawn(tree, spawner, node);
        }
    }

    /// Forgets the configured objects whose nodes were removed.
    pub(crate) fn prune_configured(&mut self, tree: &SceneTree) {
        let state = &mut self.replication;
        state.configured_syncs.retain(|&n| tree.node(n).is_some());
        state
            .configured_spawns
            .retain(|&n, &mut s| tree.node(n).is_some() && tree.node(s).is_some());
    }
}
