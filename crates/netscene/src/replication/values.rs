//! Encoding and applying property values (compressed variants, objects never fully
//! encoded: spec D.1), and finding a synchronizer's root (a node's synchronizers:
//! `sync_index`).

use netscene_variant::{
    DecodeOptions, EncodeError, EncodeOptions, NodePath, Variant, decode_and_decompress_variant,
    encode_and_compress_variant,
};

use super::error::ReplicationError;
use super::property::{get_indexed, set_indexed};
use crate::tree::{NodeId, SceneTree};

/// The node a synchronizer's property paths start from.
pub(crate) fn sync_root(tree: &SceneTree, sync: NodeId) -> Option<NodeId> {
    let role = tree.node(sync)?.synchronizer.as_ref()?;
    tree.resolve_from(sync, role.root_path.names())
}

/// Appends the compressed values of `paths` under `root` (a missing property is sent as
/// `null`, and logged).
pub(crate) fn encode_values<'p>(
    tree: &SceneTree,
    root: NodeId,
    paths: impl Iterator<Item = &'p NodePath>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let options = EncodeOptions::default();
    for path in paths {
        let value = get_indexed(tree, root, path).unwrap_or_else(|| {
            tracing::warn!(%path, "replicated property not found; sending null");
            Variant::Nil
        });
        encode_and_compress_variant(&value, out, &options)?;
    }
    Ok(())
}

/// Decodes `count` compressed values from `bytes`; returns them and the bytes used. The
/// count comes from the local configuration, never from the peer.
pub(crate) fn decode_values(
    bytes: &[u8],
    count: usize,
) -> Result<(Vec<Variant>, usize), ReplicationError> {
    let options = DecodeOptions::default();
    let mut values = Vec::with_capacity(count.min(bytes.len()));
    let mut at = 0;
    for _ in 0..count {
        let (value, used) = decode_and_decompress_variant(&bytes[at..], &options)
            .map_err(ReplicationError::Value)?;
        at += used;
        values.push(value);
    }
    Ok((values, at))
}

/// Stores decoded values at `paths` under `root`.
pub(crate) fn apply_values<'p>(
    tree: &mut SceneTree,
    root: NodeId,
    paths: impl Iterator<Item = &'p NodePath>,
    values: Vec<Variant>,
) {
    for (path, value) in paths.zip(values) {
        if !set_indexed(tree, root, path, value) {
            tracing::warn!(%path, "cannot set replicated property");
        }
    }
}

/// Godot's node-name validation leaves the name unchanged: non-empty, none of `.:@/"%`.
pub(crate) fn is_valid_node_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', ':', '@', '/', '"', '%'])
}
