//! The tree's side of `object_configuration_add` / `object_configuration_remove` for
//! replication objects (see `configuration`): which API gets which call, and when.
//!
//! The API serving a node is called at once, or, while that API is running (the tree lent it
//! out, e.g. a spawn factory or an RPC handler attaches a synchronizer during its `poll`),
//! as soon as it is put back. Calls made while an API runs therefore reach it after that
//! `poll`: such a synchronizer starts sending at the next network frame.

use super::configuration::ReplicationObject;
use super::values::sync_root;
use crate::api::MultiplayerApi;
use crate::tree::{NodeId, SceneTree};

/// One `object_configuration_add` / `_remove` call for the API of one branch.
#[derive(Debug, Clone)]
pub(crate) struct PendingConfiguration {
    /// The branch whose API gets the call.
    serial: u64,
    add: bool,
    object: Option<NodeId>,
    configuration: ReplicationObject,
}

/// A replication object and the node whose branch serves it, found before a branch change.
pub(crate) struct BranchRole {
    object: Option<NodeId>,
    configuration: ReplicationObject,
    serial: Option<u64>,
}

fn deliver(api: &mut dyn MultiplayerApi, call: &PendingConfiguration) {
    let configuration = call.configuration.to_variant();
    let result = if call.add {
        api.object_configuration_add(call.object, &configuration)
    } else {
        api.object_configuration_remove(call.object, &configuration)
    };
    if let Err(e) = result {
        tracing::warn!(
            "the multiplayer API refused {:?} ({}): {e}",
            call.configuration,
            if call.add { "add" } else { "remove" }
        );
    }
}

impl SceneTree {
    /// Calls `object_configuration_add` (`add`) or `_remove` on the API of branch `serial`
    /// with `configuration`, now or when that API is put back.
    pub(crate) fn configure_replication(
        &mut self,
        serial: u64,
        add: bool,
        object: Option<NodeId>,
        configuration: ReplicationObject,
    ) {
        let call = PendingConfiguration {
            serial,
            add,
            object,
            configuration,
        };
        if self
            .with_branch(serial, |api, _| deliver(api, &call))
            .is_none()
            && self.has_branch(serial)
        {
            self.pending_configurations.push(call);
        }
    }

    /// The same for the API serving `node` (nothing when no API serves it).
    pub(crate) fn configure_replication_for(
        &mut self,
        node: NodeId,
        add: bool,
        object: Option<NodeId>,
        configuration: ReplicationObject,
    ) {
        if let Some(serial) = self.branch_serial(node) {
            self.configure_replication(serial, add, object, configuration);
        }
    }

    /// Delivers the calls that waited for the API of branch `serial` (being put back).
    pub(crate) fn deliver_pending_configurations(
        &mut self,
        serial: u64,
        api: &mut dyn MultiplayerApi,
    ) {
        if self.pending_configurations.is_empty() {
            return;
        }
        let calls: Vec<PendingConfiguration> = self
            .pending_configurations
            .extract_if(.., |c| c.serial == serial)
            .collect();
        for call in &calls {
            deliver(api, call);
        }
    }

    /// Forgets the calls for a branch whose API was replaced while it ran (the new API gets
    /// every object of the branch when installed).
    pub(crate) fn drop_pending_configurations(&mut self, serial: u64) {
        self.pending_configurations.retain(|c| c.serial != serial);
    }

    /// The `object_configuration_remove` calls due when the subtree of `id` is removed (its
    /// synchronizers), found while the subtree is still in the tree.
    pub(crate) fn synchronizers_leaving(&self, id: NodeId) -> Vec<PendingConfiguration> {
        let mut out = Vec::new();
        if self.synchronizers.is_empty() {
            return out;
        }
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let Some(node) = self.node(n) else {
                continue;
            };
            stack.extend(node.children.iter().copied());
            if node.synchronizer.is_none() {
                continue;
            }
            if let Some(serial) = self.branch_serial(n) {
                out.push(PendingConfiguration {
                    serial,
                    add: false,
                    object: sync_root(self, n),
                    configuration: ReplicationObject::Synchronizer(n),
                });
            }
        }
        out
    }

    /// Sends the calls found by [`synchronizers_leaving`](Self::synchronizers_leaving).
    pub(crate) fn configure_leaving(&mut self, calls: Vec<PendingConfiguration>) {
        for call in calls {
            self.configure_replication(call.serial, false, call.object, call.configuration);
        }
    }

    /// Every replication object of the tree (synchronizers, and the nodes each spawner
    /// tracks) with the branch serving it now; taken before the branches change.
    pub(crate) fn branch_roles(&self) -> Vec<BranchRole> {
        let mut out = Vec::new();
        for &sync in &self.synchronizers {
            if self.node(sync).is_some_and(|n| n.synchronizer.is_some()) {
                out.push(BranchRole {
                    object: sync_root(self, sync),
                    configuration: ReplicationObject::Synchronizer(sync),
                    serial: self.branch_serial(sync),
                });
            }
        }
        for &spawner in &self.spawners {
            let Some(role) = self.node(spawner).and_then(|n| n.spawner.as_deref()) else {
                continue;
            };
            let serial = self.branch_serial(spawner);
            for node in role.tracked_nodes() {
                if self.node(node).is_some() {
                    out.push(BranchRole {
                        object: Some(node),
                        configuration: ReplicationObject::Spawner(spawner),
                        serial,
                    });
                }
            }
        }
        out
    }

    /// After the branches changed: each object whose serving API changed is removed from the
    /// old one and added to the new one; with `replaced`, the new API of that branch gets all
    /// of the branch's objects. Spawned nodes go to an API only where it is the spawner's
    /// authority (Godot configures a spawn on the authority only).
    pub(crate) fn rehome_replication(&mut self, before: Vec<BranchRole>, replaced: Option<u64>) {
        for role in before {
            let node = role.configuration.node();
            let now = self.branch_serial(node);
            let moved = now != role.serial;
            if moved && let Some(old) = role.serial {
                self.configure_replication(old, false, role.object, role.configuration);
            }
            let Some(new) = now else {
                continue;
            };
            if !moved && Some(new) != replaced {
                continue;
            }
            if matches!(role.configuration, ReplicationObject::Spawner(_))
                && !self.is_multiplayer_authority(node)
            {
                continue;
            }
            self.configure_replication(new, true, role.object, role.configuration);
        }
    }
}
