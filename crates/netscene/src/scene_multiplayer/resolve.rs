//! Resolving node paths received from peers (SIMPLIFY_PATH and uncached REMOTE_CALL).
//!
//! A peer names a node relative to the multiplayer root path. Unlike `SceneTree`'s general
//! lookup, a wire path must stay inside this API's branch (several APIs may share one tree:
//! a path like `../client1/Game` would otherwise run another branch's handlers on this
//! API's behalf), and resolving it allocates nothing, whatever its length.
//!
//! A wire path may not go up (`..`): Godot peers never send it (they name a node relative
//! to the root of the branch it is in), and allowing it would let a peer walk
//! `Big/C/../C/../…` for millions of steps, each a lookup among a node's children — minutes
//! of CPU for one packet. Going only down, the work is bounded by the tree, not the packet.

use netscene_variant::NodePath;

use crate::error::PacketError;
use crate::tree::{NodeId, SceneTree};

/// Longest path text kept in a `NodeNotFound` error (the rest is elided): rejection events
/// are queued, so what they hold must not be sized by the peer.
const MAX_REPORTED_PATH: usize = 256;

/// The node `path` names under `root_path`, if it exists inside the branch. As Godot's
/// `get_node`: an empty path names nothing, `.` stays, empty names (`a//b`) are skipped and
/// subnames (after `:`) are ignored; an absolute path must lead into the branch too. Unlike
/// Godot, `..` names nothing (see the module docs).
pub(crate) fn node_in_branch(tree: &SceneTree, root_path: &NodePath, path: &str) -> Option<NodeId> {
    // The empty relative path resolves to the root path's node without allocating.
    let base = tree.get_node_relative(root_path, "")?;
    let (node_part, subnames) = match path.split_once(':') {
        Some((nodes, sub)) => (nodes, Some(sub)),
        None => (path, None),
    };
    // Godot refuses `a::b` (an empty subname before another), which then names nothing.
    if subnames.is_some_and(|sub| sub.split(':').rev().skip(1).any(str::is_empty)) {
        return None;
    }
    let mut names = node_part.split('/').filter(|n| !n.is_empty()).peekable();
    names.peek()?;
    let mut at = if node_part.starts_with('/') {
        if names.next()? != "root" {
            return None;
        }
        tree.root()
    } else {
        base
    };
    for name in names {
        at = match name {
            "." => at,
            ".." => return None,
            _ => tree.child_by_name(at, name)?,
        };
    }
    is_in_branch(tree, base, at).then_some(at)
}

/// True when `node` is `base` or one of its descendants.
fn is_in_branch(tree: &SceneTree, base: NodeId, node: NodeId) -> bool {
    let mut at = Some(node);
    while let Some(n) = at {
        if n == base {
            return true;
        }
        at = tree.node(n).and_then(|n| n.parent());
    }
    false
}

/// `NodeNotFound` for a peer-supplied path, cut to [`MAX_REPORTED_PATH`] bytes.
pub(crate) fn node_not_found(path: &str) -> PacketError {
    if path.len() <= MAX_REPORTED_PATH {
        return PacketError::NodeNotFound(path.into());
    }
    let mut end = MAX_REPORTED_PATH;
    while !path.is_char_boundary(end) {
        end -= 1;
    }
    PacketError::NodeNotFound(format!("{}…", &path[..end]).as_str().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_inside_the_branch_only() {
        let mut tree = SceneTree::new();
        let game = tree.add_path("/root/server/Game").unwrap();
        let unit = tree.add_path("/root/server/Game/Unit").unwrap();
        tree.add_path("/root/client/Game").unwrap();
        let root = NodePath::new("/root/server");
        let server = tree.get_node("/root/server").unwrap();
        let find = |p: &str| node_in_branch(&tree, &root, p);
        assert_eq!(find("Game"), Some(game));
        assert_eq!(find("Game/Unit"), Some(unit));
        assert_eq!(find("./Game//Unit/"), Some(unit));
        assert_eq!(find("Game/Unit/../../Game"), None);
        assert_eq!(find("Game/Unit/.."), None);
        assert_eq!(find("Game:position:x"), Some(game));
        assert_eq!(find("/root/server/Game"), Some(game));
        assert_eq!(find("."), Some(server));
        assert_eq!(find(&"./".repeat(100_000)), Some(server));
        assert_eq!(find(""), None);
        assert_eq!(find("Game::x"), None);
        assert_eq!(find(".."), None);
        assert_eq!(find("../client/Game"), None);
        assert_eq!(find("/root/client/Game"), None);
        assert_eq!(find("Nope"), None);
        assert_eq!(
            node_in_branch(&tree, &NodePath::new("/root/gone"), "Game"),
            None
        );
    }

    #[test]
    fn reported_paths_are_bounded() {
        assert_eq!(
            node_not_found("Game"),
            PacketError::NodeNotFound("Game".into())
        );
        let long = "é/".repeat(1000);
        let PacketError::NodeNotFound(path) = node_not_found(&long) else {
            unreachable!()
        };
        let text = path.to_string();
        assert!(
            text.len() <= MAX_REPORTED_PATH + '…'.len_utf8(),
            "{}",
            text.len()
        );
        assert!(text.ends_with('…'));
    }
}
