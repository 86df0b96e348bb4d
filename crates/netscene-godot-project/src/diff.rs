//! Differences between two wire tables (two exports of a game, a client and a server
//! project, or a project and a saved JSON table), each marked as breaking the wire or not.
//!
//! Breaking: a node's RPC methods differ (added, removed, renamed: ids and checksum move), a
//! method's id or mode differ, a spawner's scene list (ids) or spawn parent differ, a
//! synchronizer's property order, spawn set or modes differ, or such a node exists on one
//! side only. Not breaking but reported: `call_local`, transfer mode, channel, spawn limit,
//! intervals and visibility settings (both sides still understand each other).

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::table::{RpcNode, SceneTable, Spawner, Synchronizer, WireTable};

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Difference {
    /// Whether it breaks the wire (Godot errors, dropped calls or garbled state).
    pub breaking: bool,
    /// `live` or the spawnable scene.
    pub scene: String,
    /// The node.
    pub path: String,
    /// What differs, naming the two sides `ours` / `theirs`.
    pub what: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.breaking {
            "BREAKING"
        } else {
            "note    "
        };
        let scene = if self.scene == "live" {
            String::new()
        } else {
            format!("[{}] ", self.scene)
        };
        write!(f, "{tag} {scene}{}: {}", self.path, self.what)
    }
}

struct Out<'a> {
    scene: &'a str,
    list: Vec<Difference>,
}

impl Out<'_> {
    fn push(&mut self, breaking: bool, path: &str, what: String) {
        self.list.push(Difference {
            breaking,
            scene: self.scene.to_string(),
            path: path.to_string(),
            what,
        });
    }
}

/// Every difference between `ours` and `theirs`, breaking ones first.
pub fn diff(ours: &WireTable, theirs: &WireTable) -> Vec<Difference> {
    let scenes: BTreeSet<&str> = ours
        .scenes
        .iter()
        .chain(&theirs.scenes)
        .map(|s| s.scene.as_str())
        .collect();
    let mut all = Vec::new();
    // The live tree first, then spawnable scenes by path.
    let mut order: Vec<&str> = scenes.into_iter().collect();
    order.sort_by_key(|s| (*s != "live", *s));
    for scene in order {
        let mut out = Out {
            scene,
            list: Vec::new(),
        };
        match (ours.scene(scene), theirs.scene(scene)) {
            (Some(a), Some(b)) => scene_diff(&mut out, a, b),
            // A spawner's scene list already differs (breaking) when one side can spawn a
            // scene the other cannot; a table read from a netscene tree has no scene tables.
            (Some(_), None) => out.push(
                false,
                ".",
                "only ours has a table for this spawnable scene".into(),
            ),
            (None, Some(_)) => out.push(
                false,
                ".",
                "only theirs has a table for this spawnable scene".into(),
            ),
            (None, None) => {}
        }
        all.extend(out.list);
    }
    all.sort_by_key(|d| !d.breaking);
    all
}

fn paths<'a, T>(a: &'a [T], b: &'a [T], path: impl Fn(&T) -> &str) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    a.iter()
        .chain(b)
        .map(path)
        .filter(|p| seen.insert(*p))
        .collect()
}

fn scene_diff(out: &mut Out<'_>, a: &SceneTable, b: &SceneTable) {
    for path in paths(&a.rpc_nodes, &b.rpc_nodes, |n| &n.path) {
        let x = a.rpc_nodes.iter().find(|n| n.path == path);
        let y = b.rpc_nodes.iter().find(|n| n.path == path);
        match (x, y) {
            (Some(x), Some(y)) => rpc_diff(out, x, y),
            (Some(x), None) => out.push(
                true,
                path,
                format!("has RPC methods only in ours ({})", names(x)),
            ),
            (None, Some(y)) => out.push(
                true,
                path,
                format!("has RPC methods only in theirs ({})", names(y)),
            ),
            (None, None) => {}
        }
    }
    for path in paths(&a.spawners, &b.spawners, |s| &s.path) {
        let x = a.spawners.iter().find(|s| s.path == path);
        let y = b.spawners.iter().find(|s| s.path == path);
        match (x, y) {
            (Some(x), Some(y)) => spawner_diff(out, x, y),
            (Some(_), None) => out.push(true, path, "is a MultiplayerSpawner only in ours".into()),
            (None, Some(_)) => {
                out.push(true, path, "is a MultiplayerSpawner only in theirs".into())
            }
            (None, None) => {}
        }
    }
    for path in paths(&a.synchronizers, &b.synchronizers, |s| &s.path) {
        let x = a.synchronizers.iter().find(|s| s.path == path);
        let y = b.synchronizers.iter().find(|s| s.path == path);
        match (x, y) {
            (Some(x), Some(y)) => sync_diff(out, x, y),
            (Some(_), None) => out.push(
                true,
                path,
                "is a MultiplayerSynchronizer only in ours".into(),
            ),
            (None, Some(_)) => out.push(
                true,
                path,
                "is a MultiplayerSynchronizer only in theirs".into(),
            ),
            (None, None) => {}
        }
    }
}

fn names(node: &RpcNode) -> String {
    node.methods
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn rpc_diff(out: &mut Out<'_>, a: &RpcNode, b: &RpcNode) {
    let path = a.path.as_str();
    for m in &a.methods {
        let Some(n) = b.methods.iter().find(|n| n.name == m.name) else {
            out.push(
                true,
                path,
                format!("method `{}` exists only in ours", m.name),
            );
            continue;
        };
        if m.id != n.id {
            out.push(
                true,
                path,
                format!(
                    "method `{}` has id {} in ours, {} in theirs",
                    m.name, m.id, n.id
                ),
            );
        }
        if m.mode != n.mode {
            out.push(
                true,
                path,
                format!(
                    "method `{}` is {} in ours, {} in theirs",
                    m.name, m.mode, n.mode
                ),
            );
        }
        if m.call_local != n.call_local {
            out.push(
                false,
                path,
                format!(
                    "method `{}` call_local is {} in ours, {} in theirs",
                    m.name, m.call_local, n.call_local
                ),
            );
        }
        if m.transfer_mode != n.transfer_mode {
            out.push(
                false,
                path,
                format!(
                    "method `{}` is sent {} in ours, {} in theirs",
                    m.name, m.transfer_mode, n.transfer_mode
                ),
            );
        }
        if m.channel != n.channel {
            out.push(
                false,
                path,
                format!(
                    "method `{}` uses channel {} in ours, {} in theirs",
                    m.name, m.channel, n.channel
                ),
            );
        }
    }
    for n in &b.methods {
        if !a.methods.iter().any(|m| m.name == n.name) {
            out.push(
                true,
                path,
                format!("method `{}` exists only in theirs", n.name),
            );
        }
    }
    if a.checksum != b.checksum {
        out.push(true, path, format!("RPC checksum {} in ours, {} in theirs: Godot prints \"The rpc node checksum failed\"", a.checksum, b.checksum));
    }
}

fn spawner_diff(out: &mut Out<'_>, a: &Spawner, b: &Spawner) {
    let path = a.path.as_str();
    // Scene ids are indexes: the lists must match in order. A netscene server names its
    // scenes freely, so where names are not resource paths only the count is compared.
    let paths = |list: &[String]| list.iter().all(|s| s.contains("://"));
    let breaking = if paths(&a.scenes) && paths(&b.scenes) {
        a.scenes != b.scenes
    } else {
        a.scenes.len() != b.scenes.len()
    };
    if a.scenes != b.scenes {
        out.push(
            breaking,
            path,
            format!(
                "spawnable scenes (ids in order) are [{}] in ours, [{}] in theirs",
                a.scenes.join(", "),
                b.scenes.join(", ")
            ),
        );
    }
    if a.spawn_node != b.spawn_node {
        let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "(none)".into());
        out.push(
            true,
            path,
            format!(
                "spawns under {} in ours, {} in theirs",
                show(&a.spawn_node),
                show(&b.spawn_node)
            ),
        );
    }
    if a.spawn_limit != b.spawn_limit {
        out.push(
            false,
            path,
            format!(
                "spawn_limit is {} in ours, {} in theirs",
                a.spawn_limit, b.spawn_limit
            ),
        );
    }
}

fn sync_diff(out: &mut Out<'_>, a: &Synchronizer, b: &Synchronizer) {
    let path = a.path.as_str();
    for (what, x, y) in [
        ("spawn state", a.spawn_order(), b.spawn_order()),
        ("SYNC (always)", a.sync_order(), b.sync_order()),
        ("delta SYNC (on_change)", a.watch_order(), b.watch_order()),
    ] {
        if x != y {
            out.push(
                true,
                path,
                format!(
                    "{what} properties are [{}] in ours, [{}] in theirs",
                    x.join(", "),
                    y.join(", ")
                ),
            );
        }
    }
    if a.root_node != b.root_node {
        let show = |s: &Option<String>| s.clone().unwrap_or_else(|| "(none)".into());
        out.push(
            true,
            path,
            format!(
                "root node is {} in ours, {} in theirs",
                show(&a.root_node),
                show(&b.root_node)
            ),
        );
    }
    if a.replication_interval != b.replication_interval || a.delta_interval != b.delta_interval {
        out.push(
            false,
            path,
            format!(
                "intervals (replication, delta) are ({}, {}) s in ours, ({}, {}) s in theirs",
                a.replication_interval, a.delta_interval, b.replication_interval, b.delta_interval
            ),
        );
    }
    if a.public_visibility != b.public_visibility
        || a.visibility_update_mode != b.visibility_update_mode
    {
        out.push(
            false,
            path,
            format!(
                "visibility (public, update) is ({}, {}) in ours, ({}, {}) in theirs",
                a.public_visibility,
                a.visibility_update_mode,
                b.public_visibility,
                b.visibility_update_mode
            ),
        );
    }
}
