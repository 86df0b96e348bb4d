//! Change tracking of a synchronizer's ON_CHANGE (watched) properties on its authority: the
//! last value of each and the network frame it last changed, from which each peer's delta
//! SYNC is cut.

use std::ops::Range;

use netscene_variant::{EncodeOptions, NodePath, encode_and_compress_variant};

use super::property::get_indexed;
use super::state::OutboundSync;
use crate::tree::{NodeId, SceneTree};

/// A synchronizer's encoded watched values with the frame each last changed, by watch index
/// (`None`: a watched property never found, in no delta).
pub(super) type WatchedValues = Vec<Option<(Range<usize>, u64)>>;

/// Compares the watched values with the last copy (a changed one gets `frame` as its change
/// time) and encodes each into `values`. A watched property that does not resolve keeps its
/// last value and change time, as Godot's watcher does, and one never found is in no delta;
/// the paths that did not resolve are returned too.
pub(super) fn track_changes(
    tree: &SceneTree,
    root: NodeId,
    role: &super::MultiplayerSynchronizer,
    out: &mut OutboundSync,
    frame: u64,
    values: &mut Vec<u8>,
) -> (WatchedValues, Vec<NodePath>) {
    let paths: Vec<_> = role.config.watch_properties().collect();
    out.watched.resize(paths.len(), None);
    out.changed_at.resize(paths.len(), 0);
    let mut encoded = Vec::with_capacity(paths.len());
    let mut unresolved = Vec::new();
    for (i, path) in paths.into_iter().enumerate() {
        match get_indexed(tree, root, path) {
            Some(value) if out.watched[i].as_ref() != Some(&value) => {
                out.changed_at[i] = frame;
                out.watched[i] = Some(value);
            }
            Some(_) => {}
            None => unresolved.push(path.clone()),
        }
        let Some(value) = &out.watched[i] else {
            encoded.push(None);
            continue;
        };
        let start = values.len();
        if encode_and_compress_variant(value, values, &EncodeOptions::default()).is_err() {
            values.truncate(start);
            tracing::error!(%path, "cannot encode a watched property; left out of the delta");
            encoded.push(None);
            continue;
        }
        encoded.push(Some((start..values.len(), out.changed_at[i])));
    }
    (encoded, unresolved)
}
