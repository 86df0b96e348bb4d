//! Replication: Godot's `MultiplayerSpawner`, `MultiplayerSynchronizer` and
//! `SceneReplicationConfig`, served by [`SceneMultiplayer`](crate::SceneMultiplayer)
//! (its `SceneReplicationInterface`), byte-exact with Godot 4 (spec D).
//!
//! Roles are attached to nodes ([`SceneTree::set_spawner`](crate::SceneTree::set_spawner),
//! [`SceneTree::set_synchronizer`](crate::SceneTree::set_synchronizer)); a synchronizer
//! replicates node properties ([`Node::set_property`](crate::Node::set_property)). The tree
//! hands synchronizers and spawned nodes to the API serving them through
//! `object_configuration_add` / `object_configuration_remove` with a [`ReplicationObject`],
//! as Godot does, so a user-written `MultiplayerApi` can host replication by forwarding them
//! to a SceneMultiplayer it contains (see `configuration`).
//!
//! * The spawner's authority spawns ([`SceneTree::spawn_scene`](crate::SceneTree::spawn_scene),
//!   [`SceneTree::spawn`](crate::SceneTree::spawn)); each peer that can see the node gets a
//!   SPAWN with the spawn state, also when it connects later; removing the node sends DESPAWN.
//! * At the end of every `poll` (one network frame) the authority of each synchronizer sends
//!   its ALWAYS properties in an unreliable SYNC and its changed ON_CHANGE properties in a
//!   reliable delta SYNC. Synchronizers not created by a spawn use path-based net ids.
//! * Visibility (`public_visibility`, `set_visibility_for`, filters) is cached per peer on
//!   the authority and refreshed by `update_visibility` (explicit, on a change, or every
//!   frame in the `Idle`/`Physics` [`VisibilityUpdateMode`]s while filters exist), reported as
//!   `VisibilityChanged`; the cache gates SYNCs and, for a spawned root, SPAWN/DESPAWN.
//! * Receivers check the sender is the authority, skip stale or unknown states, and emit
//!   `Spawned`, `Despawned`, `Synchronized` and `DeltaSynchronized` events. Refusals are
//!   `ReplicationRejected` events; peer-given counts are checked against the packet length
//!   before anything is allocated.
//! * Property paths resolve as Godot's `get_node` + `get_indexed` (`.:position` is the root's
//!   own property); one that does not resolve is left out of the wire as Godot leaves it
//!   out, and reported once as `ReplicatedPropertyNotFound` (see `unresolved`).
//! * A sync state larger than `max_sync_packet_size` is not sent, as in Godot, and reported
//!   once as `SyncStateTooLarge`; between netscene peers that both opt in
//!   (`set_reliable_oversized_sync`) it goes alone in a reliable SYNC (see `oversized`).

mod config;
mod configuration;
mod error;
mod oversized;
mod property;
mod receive;
mod send;
mod spawner;
pub(crate) mod state;
mod sync_index;
mod synchronizer;
mod tracked;
mod tree_configuration;
mod tree_ext;
mod unresolved;
mod values;
mod visibility;
mod visibility_update;
mod watch;
pub mod wire;

pub use config::{
    MAX_WATCHED_PROPERTIES, ReplicatedProperty, ReplicationMode, SceneReplicationConfig,
};
pub use configuration::ReplicationObject;
pub(crate) use configuration::unsupported_configuration;
pub use error::ReplicationError;
pub use spawner::{CUSTOM_SPAWN_SCENE_ID, MultiplayerSpawner, SpawnFunction, SpawnRequest};
pub use state::MAX_QUEUED_REPLICATION_EVENTS;
pub(crate) use sync_index::SyncRootIndex;
pub use synchronizer::{MultiplayerSynchronizer, VisibilityFilter, VisibilityUpdateMode};
pub(crate) use tree_configuration::PendingConfiguration;
