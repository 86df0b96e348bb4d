//! Sync states too large for one SYNC packet.
//!
//! The wire follows Godot: a synchronizer whose ALWAYS state does not fit in
//! `max_sync_packet_size` (with the SYNC header and its entry header) is not sent, and Godot
//! only prints an error at every network frame (Godot issue 89262). netscene sends nothing
//! either, and reports it to the game once as
//! [`SyncStateTooLarge`](crate::MultiplayerEvent::SyncStateTooLarge), again only after the
//! state fitted in between; raise `max_sync_packet_size` or move properties to ON_CHANGE
//! (deltas go reliably, up to `max_delta_packet_size`).
//!
//! Opt-in fallback between netscene peers
//! ([`set_reliable_oversized_sync`](SceneMultiplayer::set_reliable_oversized_sync), off by
//! default): such a state goes alone in a SYNC packet of its own, reliably, instead of being
//! dropped, to the peers that announced they opted in too. A peer announces it in its
//! CONFIRM_PATH answers: the validity byte is `3` (valid, and bit 1 "accepts reliable
//! oversized SYNC") instead of `1`. Godot reads any non-zero byte as "valid" and never sends
//! `3`, so a Godot peer neither notices the announcement nor makes one: Godot peers keep
//! Godot's behaviour (dropped, with the event). Every peer the state goes to has answered a
//! SIMPLIFY_PATH from this one first (the synchronizer's own path, or its spawner's before
//! the SPAWN), so enable the option before connecting. A receiver applies a SYNC whatever
//! its size and transfer mode, up to its `max_packet_size` (8 MiB by default).

use crate::api::MultiplayerEvent;
use crate::peer::PeerId;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::{NodeId, SceneTree};

/// Bit of CONFIRM_PATH's validity byte: "this peer accepts reliable oversized SYNC" (a
/// netscene extension; only sent together with the "valid" bit).
pub(crate) const CONFIRM_ACCEPTS_RELIABLE_OVERSIZED_SYNC: u8 = 0x02;

impl SceneMultiplayer {
    /// Not in Godot, off by default: between netscene peers that both enable it, a
    /// synchronizer's sync state larger than `max_sync_packet_size` is sent alone in a
    /// reliable SYNC instead of being dropped. This API then announces in its CONFIRM_PATH
    /// answers that it accepts such states, and sends them to the peers that announced the
    /// same; to the others (Godot peers among them) the state is still dropped and reported
    /// as [`SyncStateTooLarge`](crate::MultiplayerEvent::SyncStateTooLarge). Enable it before
    /// connecting (the announcement rides on the path cache answers). Reliable states of
    /// every network frame can queue up on a slow link: give such a synchronizer a
    /// `replication_interval`, or replicate the large properties ON_CHANGE.
    pub fn set_reliable_oversized_sync(&mut self, enabled: bool) {
        self.replication.reliable_oversized = enabled;
    }

    /// Whether [`set_reliable_oversized_sync`](Self::set_reliable_oversized_sync) is on.
    pub fn is_reliable_oversized_sync_enabled(&self) -> bool {
        self.replication.reliable_oversized
    }

    /// The validity byte of a CONFIRM_PATH answer: Godot's 0 / 1, with the announcement bit
    /// when the option is on and the checksum matched.
    pub(crate) fn confirm_path_validity(&self, valid: bool) -> u8 {
        match (valid, self.replication.reliable_oversized) {
            (false, _) => 0,
            (true, false) => 1,
            (true, true) => 1 | CONFIRM_ACCEPTS_RELIABLE_OVERSIZED_SYNC,
        }
    }

    /// A CONFIRM_PATH from `from` with validity byte `validity`: notes its announcement.
    pub(crate) fn note_confirm_validity(&mut self, from: PeerId, validity: u8) {
        if validity & CONFIRM_ACCEPTS_RELIABLE_OVERSIZED_SYNC != 0 {
            self.replication.reliable_oversized_peers.insert(from);
        }
    }

    /// Whether an oversized state of this frame goes to `peer` reliably.
    pub(crate) fn sends_oversized_to(&self, peer: PeerId) -> bool {
        self.replication.reliable_oversized
            && self.replication.reliable_oversized_peers.contains(&peer)
    }

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
