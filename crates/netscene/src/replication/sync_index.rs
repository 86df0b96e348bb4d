//! Which synchronizers have which root node, kept up to date as synchronizers are attached
//! and nodes removed, so a spawn finds its synchronizers without scanning every synchronizer
//! of the tree (Godot likewise keeps the synchronizers of each tracked node).
//!
//! A synchronizer's root is its `root_path` resolved from the synchronizer node, and nodes
//! are only ever added and removed (never renamed or moved; a sibling name is never taken
//! twice). So once a path that only climbs (`..`) before it descends has resolved, it keeps
//! resolving to the same node while the synchronizer and that root live: every node on the
//! way is an ancestor of one of the two. The index files such a synchronizer under its root
//! once and forgets the filing when either node is removed. The others are "loose" and
//! resolved again at each lookup: those with no root yet (a root added later is found then),
//! those whose root was removed, and paths that climb after descending (none in usual scenes).
//!
//! What could still move a root is a new `root_path`: `set_root_path` on an attached
//! synchronizer marks the index for a full refresh at the next lookup, and each network frame
//! (which resolves every root anyway) corrects any filing that disagrees with the tree, e.g.
//! after a role was overwritten through `&mut` instead of with `set_synchronizer`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use netscene_variant::NodePath;
use smallvec::SmallVec;

use super::values::sync_root;
use crate::tree::{NodeId, SceneTree};

/// Where one attached synchronizer is filed.
#[derive(Debug, Clone, Copy)]
struct Filing {
    /// Attach order (the order of the net ids in a SPAWN).
    seq: u64,
    /// `Some(root)`: filed under that root; `None`: loose.
    root: Option<NodeId>,
}

/// The root → synchronizers index of one [`SceneTree`]. Its size follows the live
/// synchronizers: a removed one is dropped at once.
#[derive(Debug, Default)]
pub(crate) struct SyncRootIndex {
    next_seq: u64,
    filings: HashMap<NodeId, Filing>,
    /// Sorted by attach order; inline for the usual one or two synchronizers per root.
    by_root: HashMap<NodeId, SmallVec<[(u64, NodeId); 2]>>,
    loose: BTreeMap<u64, NodeId>,
    /// Raised by `set_root_path` of an attached synchronizer (shared through its
    /// [`RootPathWatch`]): every synchronizer is resolved again at the next lookup.
    root_paths_changed: Arc<AtomicBool>,
}

/// The link from an attached synchronizer to its tree's index (a clone or a detached
/// synchronizer has none: attaching resolves its root anyway).
#[derive(Debug, Default)]
pub(crate) struct RootPathWatch(Option<Arc<AtomicBool>>);

impl Clone for RootPathWatch {
    fn clone(&self) -> Self {
        Self(None)
    }
}

impl RootPathWatch {
    fn is_linked_to(&self, flag: &Arc<AtomicBool>) -> bool {
        self.0.as_ref().is_some_and(|f| Arc::ptr_eq(f, flag))
    }

    /// Tells the index (if attached) that the root path changed.
    pub fn root_path_changed(&self) {
        if let Some(flag) = &self.0 {
            flag.store(true, Ordering::Relaxed);
        }
    }
}

/// True when the path climbs only before it descends: a resolved root then stays valid while
/// the synchronizer and the root live. `.` stays where it is, so it does not count.
fn is_tidy(path: &NodePath) -> bool {
    let mut moves = path.names().iter().filter(|n| n.as_str() != ".");
    let mut descending = false;
    moves.all(|n| {
        descending |= n.as_str() != "..";
        !(descending && n.as_str() == "..")
    })
}

/// A synchronizer's root now.
#[derive(Debug, Clone, Copy)]
struct Resolved {
    root: Option<NodeId>,
    /// Resolved through a tidy path: the root can be filed.
    tidy: bool,
}

impl Resolved {
    /// Where the index files it (`None`: loose).
    fn filed_root(self) -> Option<NodeId> {
        self.root.filter(|_| self.tidy)
    }
}

/// The root of `sync` (`None`: the node or its role is gone).
fn resolve(tree: &SceneTree, sync: NodeId) -> Option<Resolved> {
    let role = tree.node(sync)?.synchronizer.as_deref()?;
    Some(Resolved {
        root: sync_root(tree, sync),
        tidy: is_tidy(role.get_root_path()),
    })
}

impl SyncRootIndex {
    /// The watch to put in a synchronizer being attached to this tree.
    pub fn watch(&self) -> RootPathWatch {
        RootPathWatch(Some(self.root_paths_changed.clone()))
    }

    /// Files `sync`, whose role was just attached or replaced (a replaced one keeps its place
    /// in the attach order, as in the tree's list).
    pub fn attach(tree: &mut SceneTree, sync: NodeId) {
        let resolved = resolve(tree, sync);
        let index = &mut tree.sync_index;
        let seq = match index.filings.get(&sync) {
            Some(filing) => filing.seq,
            None => {
                index.next_seq += 1;
                index.next_seq
            }
        };
        index.unfile(sync);
        index.file(sync, seq, resolved.and_then(Resolved::filed_root));
    }

    /// Called for every node the tree removes (`was_synchronizer`: it had the role).
    pub fn node_removed(&mut self, node: NodeId, was_synchronizer: bool) {
        if was_synchronizer && let Some(filing) = self.filings.remove(&node) {
            self.unfile_filing(filing);
        }
        // The synchronizers rooted there have no root until the next lookup says otherwise.
        if let Some(rooted) = self.by_root.remove(&node) {
            for (seq, sync) in rooted {
                if let Some(filing) = self.filings.get_mut(&sync) {
                    filing.root = None;
                    self.loose.insert(seq, sync);
                }
            }
        }
    }

    /// A network frame resolved `sync`'s root to `root`: refiles it when the filing disagrees
    /// (or its path can no longer be filed).
    pub fn check(tree: &mut SceneTree, sync: NodeId, root: Option<NodeId>) {
        let index = &tree.sync_index;
        let Some(filing) = index.filings.get(&sync).copied() else {
            return;
        };
        let linked = tree
            .node(sync)
            .and_then(|n| n.synchronizer.as_deref())
            .is_some_and(|role| role.root_watch.is_linked_to(&index.root_paths_changed));
        if !linked {
            // A role overwritten in place lost its link to this index.
            let watch = index.watch();
            if let Some(role) = tree.synchronizer_mut(sync) {
                role.root_watch = watch;
            }
        }
        let Some(role) = tree.node(sync).and_then(|n| n.synchronizer.as_deref()) else {
            return;
        };
        let tidy = is_tidy(role.get_root_path());
        if filing.root.is_some() && (filing.root != root || !tidy) {
            tracing::debug!(
                ?sync,
                "synchronizer root moved without set_root_path; refiled"
            );
            Self::attach(tree, sync);
        }
    }

    /// The synchronizers whose root is `node`, in attach order. Resolves the loose ones (and,
    /// after a root path changed, all of them) first.
    pub fn synchronizers_of(tree: &mut SceneTree, node: NodeId) -> Vec<NodeId> {
        let index = &tree.sync_index;
        let everything = index.root_paths_changed.swap(false, Ordering::Relaxed);
        let pending: Vec<(u64, NodeId)> = if everything {
            index.filings.iter().map(|(&s, f)| (f.seq, s)).collect()
        } else {
            index.loose.iter().map(|(&seq, &s)| (seq, s)).collect()
        };
        let resolved: Vec<_> = pending
            .into_iter()
            .map(|(seq, s)| (seq, s, resolve(tree, s)))
            .collect();
        let index = &mut tree.sync_index;
        // Loose synchronizers that resolve to `node` but cannot be filed still count.
        let mut unfiled = Vec::new();
        for (seq, sync, resolved) in resolved {
            index.unfile(sync);
            let Some(resolved) = resolved else {
                // The node or its role is gone: nothing to keep.
                index.filings.remove(&sync);
                continue;
            };
            if resolved.root == Some(node) && !resolved.tidy {
                unfiled.push((seq, sync));
            }
            index.file(sync, seq, resolved.filed_root());
        }
        let mut syncs: Vec<(u64, NodeId)> = index
            .by_root
            .get(&node)
            .map(|r| r.to_vec())
            .unwrap_or_default();
        if !unfiled.is_empty() {
            syncs.extend(unfiled);
            syncs.sort_unstable();
        }
        syncs.into_iter().map(|(_, s)| s).collect()
    }

    fn file(&mut self, sync: NodeId, seq: u64, root: Option<NodeId>) {
        self.filings.insert(sync, Filing { seq, root });
        match root {
            Some(root) => {
                let rooted = self.by_root.entry(root).or_default();
                // Usually the newest: appended.
                let at = rooted.partition_point(|&(s, _)| s < seq);
                rooted.insert(at, (seq, sync));
            }
            None => {
                self.loose.insert(seq, sync);
            }
        }
    }

    /// Takes `sync` out of its root's list or the loose ones (its filing stays).
    fn unfile(&mut self, sync: NodeId) {
        if let Some(&filing) = self.filings.get(&sync) {
            self.unfile_filing(filing);
        }
    }

    fn unfile_filing(&mut self, filing: Filing) {
        match filing.root {
            Some(root) => {
                if let Some(rooted) = self.by_root.get_mut(&root) {
                    rooted.retain(|&mut (seq, _)| seq != filing.seq);
                    if rooted.is_empty() {
                        self.by_root.remove(&root);
                    }
                }
            }
            None => {
                self.loose.remove(&filing.seq);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SyncRootIndex, is_tidy};
    use crate::SceneTree;
    use crate::replication::values::sync_root;
    use crate::replication::{MultiplayerSynchronizer, SceneReplicationConfig};
    use crate::tree::NodeId;
    use netscene_variant::NodePath;

    /// What the index replaces: every synchronizer of the tree, scanned.
    fn scanned(tree: &SceneTree, node: NodeId) -> Vec<NodeId> {
        tree.synchronizers
            .iter()
            .copied()
            .filter(|&s| sync_root(tree, s) == Some(node))
            .collect()
    }

    fn live_nodes(tree: &SceneTree, from: NodeId, out: &mut Vec<NodeId>) {
        out.push(from);
        for &child in tree.node(from).map_or(&[][..], |n| n.children()) {
            live_nodes(tree, child, out);
        }
    }

    const NAMES: [&str; 4] = ["A", "B", "Body", "Sync"];
    const ROOT_PATHS: [&str; 9] = [
        "..",
        "../..",
        "../Body",
        "Body",
        "",
        "../../A/B",
        "A/..",
        "../A/../B",
        "/root/A",
    ];

    /// Random adds, removals, attachments and root path changes: after each, the index
    /// answers what a scan of every synchronizer answers, for every node.
    #[test]
    fn agrees_with_a_full_scan() {
        for seed in [0x9E37_79B9_7F4A_7C15_u64, 1, 0xDEAD_BEEF] {
            random_operations(seed);
        }
    }

    fn random_operations(mut seed: u64) {
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut tree = SceneTree::new();
        for step in 0..1500 {
            let mut nodes = Vec::new();
            live_nodes(&tree, tree.root(), &mut nodes);
            let node = nodes[next(nodes.len())];
            let path = ROOT_PATHS[next(ROOT_PATHS.len())];
            let op = next(10);
            match op {
                0..=3 => {
                    let _ = tree.add_child(node, NAMES[next(NAMES.len())]);
                }
                4 | 5 => {
                    let _ = tree.remove_node(node);
                }
                6 | 7 => {
                    let mut role = MultiplayerSynchronizer::new(SceneReplicationConfig::new());
                    role.set_root_path(path);
                    tree.set_synchronizer(node, role).unwrap();
                }
                8 => {
                    if let Some(role) = tree.synchronizer_mut(node) {
                        role.set_root_path(path);
                    }
                }
                _ => {
                    // Overwritten in place: the next network frame's check corrects it.
                    if let Some(role) = tree.synchronizer_mut(node) {
                        let mut other = MultiplayerSynchronizer::new(SceneReplicationConfig::new());
                        other.set_root_path(path);
                        *role = other;
                        for i in 0..tree.synchronizers.len() {
                            let sync = tree.synchronizers[i];
                            let root = sync_root(&tree, sync);
                            SyncRootIndex::check(&mut tree, sync, root);
                        }
                    }
                }
            }
            let mut nodes = Vec::new();
            live_nodes(&tree, tree.root(), &mut nodes);
            for node in nodes {
                assert_eq!(
                    SyncRootIndex::synchronizers_of(&mut tree, node),
                    scanned(&tree, node),
                    "seed {seed}, step {step}"
                );
            }
            // Removed synchronizers leave nothing behind.
            let index = &tree.sync_index;
            assert!(index.filings.keys().all(|&s| tree.node(s).is_some()));
            let filed: usize = index.by_root.values().map(|r| r.len()).sum();
            assert_eq!(filed + index.loose.len(), index.filings.len());
        }
    }

    #[test]
    fn tidy_paths_climb_before_they_descend() {
        for path in [
            "..",
            "../..",
            "../Body",
            "Body/Head",
            "",
            "../../A/B",
            ".",
            "./..",
            "../.",
            "./A",
        ] {
            assert!(is_tidy(&NodePath::new(path)), "{path}");
        }
        for path in ["A/..", "../A/../B", "A/B/..", "A/./.."] {
            assert!(!is_tidy(&NodePath::new(path)), "{path}");
        }
    }
}
