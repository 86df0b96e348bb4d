//! Sync states too large for one SYNC packet.
//!
//! The wire follows Godot: a synchronizer whose ALWAYS state does not fit in
//! `max_sync_packet_size` (with the SYNC header and its entry header) is not sent, and Godot
//! only prints an error at every network frame (Godot issue 89262). netscene sends nothing
//! either, and reports it to the game once as
//! [`SyncStateTooLarge`](crate::MultiplayerEvent::SyncStateTooLarge), again only after the
//! state fitted in between; raise `max_sync_packet_size` or move properties to ON_CHANGE
//! (deltas go reliably, up to `max_delta_packet_size`).

use crate::api::MultiplayerEvent;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

impl SceneMultiplayer {
    /// Records that `synchronizer`'s state needs a SYNC packet of `size` bytes, above `max`:
    /// reported once until it fits again.
    pub(crate) fn report_oversized_sync(&mut self, synchronizer: NodeId, size: usize, max: usize) {
        if self.replication.oversized_reported.insert(synchronizer) {
            tracing::error!(
                size,
                max,
                "sync state larger than max_sync_packet_size; not sent"
            );
            self.push_replication_event(MultiplayerEvent::SyncStateTooLarge {
                synchronizer,
                size,
                max,
            });
        } else {
            tracing::debug!(size, max, "sync state still too large; not sent");
        }
    }

    /// `synchronizer`'s state fitted: a later oversized state is reported again.
    pub(crate) fn oversized_sync_fits(&mut self, synchronizer: NodeId) {
        let reported = &mut self.replication.oversized_reported;
        if !reported.is_empty() {
            reported.remove(&synchronizer);
        }
    }

    /// Forgets the reports of synchronizer nodes that were removed.
    pub(crate) fn prune_oversized_reports(&mut self, tree: &SceneTree) {
        self.replication
            .oversized_reported
            .retain(|sync| tree.node(*sync).is_some());
    }
}
