//! The wire table: what a Godot project puts on the wire, node by node — RPC method ids in
//! Godot's order with their configs and the node's RPC checksum, spawners with their scene
//! ids, synchronizers with their property order and modes. Serializable as JSON, comparable
//! with [`diff()`](crate::diff()).

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

/// The whole project's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WireTable {
    /// `application/config/name`.
    pub project: Option<String>,
    /// The tree Godot builds at start (`live`), then each spawnable scene.
    pub scenes: Vec<SceneTable>,
    /// What Godot would refuse or cannot be known before run time, as `file:line: message`.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// The table of one tree: the live tree (absolute paths under `/root`) or a spawnable scene
/// (paths relative to its root, `.`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SceneTable {
    /// `live`, or the spawnable scene's `res://` path.
    pub scene: String,
    /// Nodes with RPC methods.
    pub rpc_nodes: Vec<RpcNode>,
    /// MultiplayerSpawners.
    pub spawners: Vec<Spawner>,
    /// MultiplayerSynchronizers.
    pub synchronizers: Vec<Synchronizer>,
}

/// A node whose script declares RPCs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RpcNode {
    /// The node's path.
    pub path: String,
    /// Its script.
    pub script: String,
    /// The RPC checksum Godot sends in SIMPLIFY_PATH (MD5 of the names in id order).
    pub checksum: String,
    /// The methods, by id.
    pub methods: Vec<Method>,
    /// `file:line` of `rpc_config(...)` calls in its scripts: node-level RPCs added at run
    /// time change the ids and checksum, and cannot be read from the files.
    #[serde(default)]
    pub runtime_rpc_config: Vec<String>,
}

/// One RPC method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Method {
    /// Its id on the wire.
    pub id: u16,
    /// Its name.
    pub name: String,
    /// `authority` or `any_peer`.
    pub mode: String,
    /// `call_local`.
    pub call_local: bool,
    /// `reliable`, `unreliable` or `unreliable_ordered`.
    pub transfer_mode: String,
    /// The channel.
    pub channel: i32,
    /// `file:line` of its `@rpc`.
    pub declared_at: String,
}

/// A MultiplayerSpawner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Spawner {
    /// The spawner node's path.
    pub path: String,
    /// `spawn_path` as written (relative to the spawner).
    pub spawn_path: String,
    /// The node it names, when it exists in this tree.
    pub spawn_node: Option<String>,
    /// The spawnable scenes; the index is the scene id on the wire.
    pub scenes: Vec<String>,
    /// `spawn_limit` (0: none).
    pub spawn_limit: u32,
}

/// A MultiplayerSynchronizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Synchronizer {
    /// The synchronizer node's path.
    pub path: String,
    /// `root_path` as written (relative to the synchronizer).
    pub root_path: String,
    /// The node it names, when it exists in this tree.
    pub root_node: Option<String>,
    /// `replication_interval` in seconds.
    pub replication_interval: f64,
    /// `delta_interval` in seconds.
    pub delta_interval: f64,
    /// `public_visibility`.
    pub public_visibility: bool,
    /// `visibility_update_mode`: `idle`, `physics` or `none`.
    pub visibility_update_mode: String,
    /// Where its SceneReplicationConfig is (`file:line`), if it has one.
    pub config: Option<String>,
    /// The configured properties in order.
    pub properties: Vec<SyncProperty>,
}

/// One replicated property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SyncProperty {
    /// Path relative to the root node (`.:position`).
    pub path: String,
    /// Sent in the spawn state.
    pub spawn: bool,
    /// `never`, `always` or `on_change`.
    pub mode: String,
}

impl Synchronizer {
    /// The properties of the spawn state, in wire order.
    pub fn spawn_order(&self) -> Vec<&str> {
        self.properties
            .iter()
            .filter(|p| p.spawn)
            .map(|p| p.path.as_str())
            .collect()
    }

    /// The properties of the unreliable SYNC (mode `always`), in wire order.
    pub fn sync_order(&self) -> Vec<&str> {
        self.properties
            .iter()
            .filter(|p| p.mode == "always")
            .map(|p| p.path.as_str())
            .collect()
    }

    /// The properties of the reliable delta SYNC (mode `on_change`), in wire order.
    pub fn watch_order(&self) -> Vec<&str> {
        self.properties
            .iter()
            .filter(|p| p.mode == "on_change")
            .map(|p| p.path.as_str())
            .collect()
    }
}

impl WireTable {
    /// The table for `scene` (`live` or a `res://` path).
    pub fn scene(&self, scene: &str) -> Option<&SceneTable> {
        self.scenes.iter().find(|s| s.scene == scene)
    }

    /// The RPC node at `path` of the live tree.
    pub fn rpc_node(&self, path: &str) -> Option<&RpcNode> {
        self.scene("live")?
            .rpc_nodes
            .iter()
            .find(|n| n.path == path)
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The human table `netscene inspect` prints.
impl fmt::Display for WireTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if let Some(name) = &self.project {
            let _ = writeln!(out, "project \"{name}\"");
        }
        for scene in &self.scenes {
            let _ = writeln!(out);
            if scene.scene == "live" {
                let _ = writeln!(out, "== live tree (autoloads and main scene)");
            } else {
                let _ = writeln!(
                    out,
                    "== spawnable scene {} (paths relative to its root)",
                    scene.scene
                );
            }
            for node in &scene.rpc_nodes {
                let _ = writeln!(
                    out,
                    "\nnode {}  script {}  checksum {}",
                    node.path, node.script, node.checksum
                );
                let _ = writeln!(
                    out,
                    "  {:>4}  {:<24} {:<9} {:<6} {:<18} {:>7}  declared",
                    "id", "method", "mode", "local", "transfer", "channel"
                );
                for m in &node.methods {
                    let _ = writeln!(
                        out,
                        "  {:>4}  {:<24} {:<9} {:<6} {:<18} {:>7}  {}",
                        m.id,
                        m.name,
                        m.mode,
                        yes_no(m.call_local),
                        m.transfer_mode,
                        m.channel,
                        m.declared_at
                    );
                }
                for at in &node.runtime_rpc_config {
                    let _ = writeln!(
                        out,
                        "  ! rpc_config(...) at {at}: run-time RPC configs are not known here"
                    );
                }
            }
            for s in &scene.spawners {
                let target = s.spawn_node.as_deref().unwrap_or("(no such node)");
                let _ = writeln!(
                    out,
                    "\nspawner {}  spawn_path {} -> {}  spawn_limit {}",
                    s.path, s.spawn_path, target, s.spawn_limit
                );
                for (id, path) in s.scenes.iter().enumerate() {
                    let _ = writeln!(out, "  scene {id:>3}  {path}");
                }
            }
            for s in &scene.synchronizers {
                let target = s.root_node.as_deref().unwrap_or("(no such node)");
                let _ = writeln!(
                    out,
                    "\nsynchronizer {}  root_path {} -> {}  interval {}s  delta {}s  public {}  visibility_update {}",
                    s.path,
                    s.root_path,
                    target,
                    s.replication_interval,
                    s.delta_interval,
                    yes_no(s.public_visibility),
                    s.visibility_update_mode
                );
                if let Some(config) = &s.config {
                    let _ = writeln!(out, "  config {config}");
                }
                for (i, p) in s.properties.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "  {i:>3}  {:<28} spawn {:<4} {}",
                        p.path,
                        yes_no(p.spawn),
                        p.mode
                    );
                }
            }
        }
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nwarnings:");
            for w in &self.warnings {
                let _ = writeln!(out, "  {w}");
            }
        }
        f.write_str(&out)
    }
}
