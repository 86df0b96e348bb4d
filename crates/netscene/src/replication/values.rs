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

/// The node a synchronizer's property paths start from (`root_path` resolved from the
/// synchronizer as Godot's `get_node_or_null`: `..` by default; `.`, absolute paths).
pub(crate) fn sync_root(tree: &SceneTree, sync: NodeId) -> Option<NodeId> {
    let role = tree.node(sync)?.synchronizer.as_ref()?;
    tree.resolve_node_path(sync, &role.root_path)
}

/// Why a synchronizer's state was not encoded.
#[derive(Debug)]
pub(crate) enum StateError {
    /// These properties do not resolve under the root (no such node, property or subname).
    /// Godot's `get_state` fails the same way ("Property not found"): the state is not sent.
    Unresolved(Vec<NodePath>),
    /// A value could not be encoded.
    Encode(EncodeError),
}

/// Appends the compressed values of `paths` under `root`. Nothing is appended when a path
/// does not resolve (all such paths are returned) or a value cannot be encoded: a state with
/// a hole is never sent (Godot sends none either, and netscene never sends `null` for it).
pub(crate) fn encode_values<'p>(
    tree: &SceneTree,
    root: NodeId,
    paths: impl Iterator<Item = &'p NodePath>,
    out: &mut Vec<u8>,
) -> Result<(), StateError> {
    let options = EncodeOptions::default();
    let start = out.len();
    let mut unresolved = Vec::new();
    for path in paths {
        match get_indexed(tree, root, path) {
            Some(value) if unresolved.is_empty() => {
                if let Err(e) = encode_and_compress_variant(&value, out, &options) {
                    out.truncate(start);
                    return Err(StateError::Encode(e));
                }
            }
            Some(_) => {}
            None => unresolved.push(path.clone()),
        }
    }
    if unresolved.is_empty() {
        Ok(())
    } else {
        out.truncate(start);
        Err(StateError::Unresolved(unresolved))
    }
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

/// Stores decoded values at `paths` under `root`; returns the paths that could not be set
/// (their node, or the container a subname indexes, is missing). The others are stored.
pub(crate) fn apply_values<'p>(
    tree: &mut SceneTree,
    root: NodeId,
    paths: impl Iterator<Item = &'p NodePath>,
    values: Vec<Variant>,
) -> Vec<NodePath> {
    let mut unresolved = Vec::new();
    for (path, value) in paths.zip(values) {
        if !set_indexed(tree, root, path, value) {
            unresolved.push(path.clone());
        }
    }
    unresolved
}

/// Godot's node-name validation leaves the name unchanged: non-empty, none of `.:@/"%`.
pub(crate) fn is_valid_node_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', ':', '@', '/', '"', '%'])
}
