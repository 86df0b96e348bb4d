//! The wire table of a running netscene tree: what a netscene server actually serves, to
//! compare with the Godot project's table ([`crate::diff()`]) — at start-up, in a test, or
//! saved as JSON for `netscene inspect PROJECT --against table.json`.

use std::collections::BTreeSet;

use netscene::replication::{ReplicationMode, VisibilityUpdateMode};
use netscene::{NodeId, SceneTree};

use crate::build::transfer_name;
use crate::table::{Method, RpcNode, SceneTable, Spawner, SyncProperty, Synchronizer, WireTable};

impl WireTable {
    /// The table of the live tree of `tree` (every node under `/root` except the subtrees its
    /// spawners have spawned, which are instances of spawnable scenes, not part of the
    /// contract). Spawnable scenes themselves are code in a netscene server, so the table has
    /// no tables for them; a spawner's scene list is its scene names in id order.
    pub fn from_tree(tree: &SceneTree) -> WireTable {
        let mut spawned: BTreeSet<NodeId> = BTreeSet::new();
        let mut stack = vec![tree.root()];
        let mut order = Vec::new();
        while let Some(id) = stack.pop() {
            let Some(node) = tree.node(id) else { continue };
            if let Some(spawner) = node.spawner() {
                spawned.extend(spawner.tracked_nodes());
            }
            order.push(id);
            stack.extend(node.children().iter().rev().copied());
        }
        let mut table = SceneTable {
            scene: "live".into(),
            rpc_nodes: Vec::new(),
            spawners: Vec::new(),
            synchronizers: Vec::new(),
        };
        let mut skipped: BTreeSet<NodeId> = BTreeSet::new();
        for id in order {
            let Some(node) = tree.node(id) else { continue };
            if spawned.contains(&id) || node.parent().is_some_and(|p| skipped.contains(&p)) {
                skipped.insert(id);
                continue;
            }
            let Some(path) = tree.get_path(id) else {
                continue;
            };
            let path_text = path.to_string();
            let methods: Vec<Method> = node
                .rpc_methods()
                .map(|(id, name, config)| Method {
                    id,
                    name: name.to_string(),
                    mode: config.mode.as_str().to_string(),
                    call_local: config.call_local,
                    transfer_mode: transfer_name(config.transfer_mode).to_string(),
                    channel: config.channel,
                    declared_at: String::new(),
                })
                .collect();
            if !methods.is_empty() {
                table.rpc_nodes.push(RpcNode {
                    path: path_text.clone(),
                    script: "(netscene)".into(),
                    checksum: node.rpc_checksum().to_string(),
                    methods,
                    runtime_rpc_config: Vec::new(),
                });
            }
            let show = |target: Option<NodeId>| {
                target.and_then(|t| tree.get_path(t)).map(|p| p.to_string())
            };
            if let Some(s) = node.spawner() {
                let spawn_path = s.get_spawn_path().to_string();
                let target = if spawn_path.is_empty() {
                    None
                } else {
                    tree.get_node_relative(&path, &spawn_path)
                };
                table.spawners.push(Spawner {
                    path: path_text.clone(),
                    spawn_node: show(target),
                    spawn_path,
                    scenes: (0..s.get_spawnable_scene_count())
                        .filter_map(|i| s.get_spawnable_scene(i).map(str::to_string))
                        .collect(),
                    spawn_limit: s.get_spawn_limit(),
                });
            }
            if let Some(s) = node.synchronizer() {
                let root_path = s.get_root_path().to_string();
                let target = if root_path.is_empty() {
                    None
                } else {
                    tree.get_node_relative(&path, &root_path)
                };
                table.synchronizers.push(Synchronizer {
                    path: path_text.clone(),
                    root_node: show(target),
                    root_path,
                    replication_interval: s.get_replication_interval(),
                    delta_interval: s.get_delta_interval(),
                    public_visibility: s.is_visibility_public(),
                    visibility_update_mode: match s.get_visibility_update_mode() {
                        VisibilityUpdateMode::Physics => "physics",
                        VisibilityUpdateMode::None => "none",
                        _ => "idle",
                    }
                    .into(),
                    config: None,
                    properties: s
                        .get_replication_config()
                        .get_properties()
                        .iter()
                        .map(|p| SyncProperty {
                            path: p.path.to_string(),
                            spawn: p.spawn,
                            mode: match p.mode {
                                ReplicationMode::Never => "never",
                                ReplicationMode::OnChange => "on_change",
                                _ => "always",
                            }
                            .into(),
                        })
                        .collect(),
                });
            }
        }
        WireTable {
            project: None,
            scenes: vec![table],
            warnings: Vec::new(),
        }
    }
}
