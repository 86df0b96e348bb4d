//! Builds the [`WireTable`] of a project: the live tree Godot starts with (autoloads under
//! `/root` in `project.godot` order, then the main scene), then every scene a spawner can
//! spawn, recursively. Method ids and checksums come from netscene's own node RPC table, so
//! what `inspect` prints and what a netscene server sends agree by construction.

use std::collections::{BTreeMap, BTreeSet};

use netscene::{RpcConfig, SceneTree, TransferMode};
use netscene_variant::Variant;

use crate::error::{ProjectError, Result};
use crate::gdscript::Extends;
use crate::project::GodotProject;
use crate::replication::read_config;
use crate::resource::ResourceKind;
use crate::scene::{Origin, PropValue, SceneNode, ScriptRef};
use crate::table::{Method, RpcNode, SceneTable, Spawner, SyncProperty, Synchronizer, WireTable};
use crate::value::Typed;

/// The RPCs a script has once its `extends` chain is followed.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ScriptRpcs {
    /// Method name → config and `file:line` of its `@rpc`; a subclass's `@rpc` replaces its
    /// base's for the same name, as GDScript merges its base's RPC table first.
    pub rpcs: BTreeMap<String, (RpcConfig, String)>,
    /// `file:line` of `rpc_config(...)` calls anywhere in the chain.
    pub runtime_rpc_config: Vec<String>,
    /// The engine class at the end of the chain (`Node`, `Node2D`; `RefCounted` if none).
    pub native: String,
    /// The chain's top-level `var`s with a known starting value (a subclass's wins).
    pub vars: BTreeMap<String, Variant>,
}

/// The name Godot's `TransferMode` constants use, lowercase.
pub fn transfer_name(mode: TransferMode) -> &'static str {
    match mode {
        TransferMode::Unreliable => "unreliable",
        TransferMode::UnreliableOrdered => "unreliable_ordered",
        _ => "reliable",
    }
}

impl GodotProject {
    /// The RPCs of a script, its bases' included.
    pub fn script_rpcs(&mut self, script: &ScriptRef) -> Result<ScriptRpcs> {
        let first = match script {
            ScriptRef::File(path) => self.script(path)?,
            ScriptRef::BuiltIn { file, id } => self.builtin_script(file, id)?,
        };
        let mut chain = vec![first];
        let native = loop {
            let Some(current) = chain.last().cloned() else {
                break "RefCounted".to_string();
            };
            let next = match &current.extends {
                None => break "RefCounted".to_string(),
                Some((Extends::Class(name), line)) => {
                    let head = name.split('.').next().unwrap_or(name);
                    match self.class_script(head).map(str::to_string) {
                        Some(_) if head != name => {
                            return Err(ProjectError::at(
                                &current.file,
                                *line,
                                format!("extending an inner class (`{name}`) is not supported"),
                            ));
                        }
                        Some(path) => self.script(&path)?,
                        None => break name.clone(),
                    }
                }
                Some((Extends::Path(path), line)) => self.script(path).map_err(|e| {
                    if e.line.is_none() {
                        ProjectError::at(
                            &current.file,
                            *line,
                            format!("extends {}: {}", e.file, e.message),
                        )
                    } else {
                        e
                    }
                })?,
            };
            if chain.iter().any(|s| s.file == next.file) {
                let line = current.extends.as_ref().map_or(0, |(_, l)| *l);
                return Err(ProjectError::at(
                    &current.file,
                    line,
                    format!("`extends` cycle through {}", next.file),
                ));
            }
            chain.push(next);
        };
        let mut out = ScriptRpcs {
            native,
            ..ScriptRpcs::default()
        };
        for script in chain.iter().rev() {
            for rpc in &script.rpcs {
                out.rpcs.insert(
                    rpc.method.clone(),
                    (rpc.config, format!("{}:{}", script.file, rpc.line)),
                );
            }
            for (name, value) in &script.vars {
                out.vars.insert(name.clone(), value.clone());
            }
            for line in &script.runtime_rpc_config {
                out.runtime_rpc_config
                    .push(format!("{}:{line}", script.file));
            }
        }
        Ok(out)
    }

    /// The live tree Godot builds at start: `/root` with the autoloads, then the main scene.
    pub fn live_tree(&mut self) -> Result<SceneNode> {
        let mut root = SceneNode {
            name: "root".into(),
            class: Some("Window".into()),
            script: None,
            props: BTreeMap::new(),
            children: Vec::new(),
            scene: None,
            placeholder: None,
            origin: Origin {
                file: "res://project.godot".into(),
                line: 1,
            },
            opaque: false,
        };
        for autoload in self.autoloads.clone() {
            let origin = Origin {
                file: "res://project.godot".into(),
                line: autoload.line,
            };
            let node = if autoload.path.ends_with(".tscn") || autoload.path.ends_with(".scn") {
                let mut node = self.instantiate(&autoload.path)?;
                node.name = autoload.name.clone();
                node
            } else {
                let script = ScriptRef::File(autoload.path.clone());
                let rpcs = self.script_rpcs(&script).map_err(|e| {
                    if e.line.is_none() {
                        ProjectError::at(
                            &origin.file,
                            origin.line,
                            format!("autoload {}: {}", e.file, e.message),
                        )
                    } else {
                        e
                    }
                })?;
                SceneNode {
                    name: autoload.name.clone(),
                    class: Some(rpcs.native),
                    script: Some(script),
                    props: BTreeMap::new(),
                    children: Vec::new(),
                    scene: None,
                    placeholder: None,
                    origin,
                    opaque: false,
                }
            };
            root.children.push(node);
        }
        if let Some(main) = self.main_scene.clone() {
            let scene = self.instantiate(&main)?;
            if root.children.iter().any(|c| c.name == scene.name) {
                return Err(ProjectError::file(
                    &main,
                    format!("its root `{}` has the name of an autoload", scene.name),
                ));
            }
            root.children.push(scene);
        }
        Ok(root)
    }

    /// The project's wire table.
    pub fn wire_table(&mut self) -> Result<WireTable> {
        let mut ids = IdOracle::new();
        let mut warnings = Vec::new();
        let live = self.live_tree()?;
        let mut scenes = vec![self.scene_table(&live, "live", &mut ids, &mut warnings)?];
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut next = 0;
        while next < scenes.len() {
            let wanted: Vec<String> = scenes[next]
                .spawners
                .iter()
                .flat_map(|s| s.scenes.iter().cloned())
                .collect();
            next += 1;
            for path in wanted {
                let path = self.resolve_uid(&path);
                if !seen.insert(path.clone()) {
                    continue;
                }
                let tree = self.instantiate(&path)?;
                scenes.push(self.scene_table(&tree, &path, &mut ids, &mut warnings)?);
            }
        }
        // Scenes are instantiated more than once (live tree, spawnable scenes): say it once.
        let mut seen = BTreeSet::new();
        let mut all: Vec<String> = self.warnings.drain(..).collect();
        all.extend(warnings);
        all.retain(|w| seen.insert(w.clone()));
        Ok(WireTable {
            project: self.name.clone(),
            scenes,
            warnings: all,
        })
    }

    fn scene_table(
        &mut self,
        tree: &SceneNode,
        label: &str,
        ids: &mut IdOracle,
        warnings: &mut Vec<String>,
    ) -> Result<SceneTable> {
        let live = label == "live";
        let mut nodes: Vec<(String, &SceneNode)> = Vec::new();
        tree.walk(&mut |path, node| nodes.push((path.to_string(), node)));
        let existing: BTreeSet<String> = nodes.iter().map(|(p, _)| p.clone()).collect();
        let shown = |rel: &str| -> String {
            match (live, rel) {
                (true, ".") => "/root".to_string(),
                (true, _) => format!("/root/{rel}"),
                (false, _) => rel.to_string(),
            }
        };
        let resolve = |from: &str, target: &str| -> Option<String> {
            let rel = relative_join(live, from, target)?;
            existing.contains(&rel).then(|| shown(&rel))
        };
        let mut table = SceneTable {
            scene: label.to_string(),
            rpc_nodes: Vec::new(),
            spawners: Vec::new(),
            synchronizers: Vec::new(),
        };
        for (rel, node) in &nodes {
            let path = shown(rel);
            if let Some(script) = &node.script {
                let rpcs = self.script_rpcs(script)?;
                if !rpcs.rpcs.is_empty() || !rpcs.runtime_rpc_config.is_empty() {
                    let (methods, checksum) = ids.table(&rpcs);
                    for at in &rpcs.runtime_rpc_config {
                        warnings.push(format!("{at}: rpc_config(...) sets RPCs at run time; the ids and checksum of {path} may differ from this table"));
                    }
                    table.rpc_nodes.push(RpcNode {
                        path: path.clone(),
                        script: script.display(),
                        checksum,
                        methods,
                        runtime_rpc_config: rpcs.runtime_rpc_config,
                    });
                }
            }
            match node.class.as_deref() {
                Some("MultiplayerSpawner") => {
                    let spawn_path = node_path_prop(node, "spawn_path", &path)?.unwrap_or_default();
                    let scenes = match node.props.get("_spawnable_scenes") {
                        Some(prop) => {
                            typed_variant(prop, "_spawnable_scenes", &path, |t, v| t.strings(v))?
                        }
                        None => Vec::new(),
                    };
                    let spawn_limit = match node.props.get("spawn_limit") {
                        Some(prop) => typed_variant(prop, "spawn_limit", &path, |t, v| t.int(v))?,
                        None => 0,
                    };
                    let spawn_node = if spawn_path.is_empty() {
                        None
                    } else {
                        resolve(rel, &spawn_path)
                    };
                    if spawn_node.is_none() {
                        warnings.push(format!("{}:{}: spawner {path}: spawn_path `{spawn_path}` names no node of this scene", node.origin.file, node.origin.line));
                    }
                    table.spawners.push(Spawner {
                        path: path.clone(),
                        spawn_path,
                        spawn_node,
                        scenes,
                        spawn_limit: u32::try_from(spawn_limit).unwrap_or(0),
                    });
                }
                Some("MultiplayerSynchronizer") => {
                    let sync = self.synchronizer(node, &path, warnings)?;
                    let root_node = resolve(rel, &sync.root_path);
                    if root_node.is_none() {
                        warnings.push(format!("{}:{}: synchronizer {path}: root_path `{}` names no node of this scene", node.origin.file, node.origin.line, sync.root_path));
                    }
                    table.synchronizers.push(Synchronizer { root_node, ..sync });
                }
                _ => {}
            }
        }
        Ok(table)
    }

    fn synchronizer(
        &mut self,
        node: &SceneNode,
        path: &str,
        warnings: &mut Vec<String>,
    ) -> Result<Synchronizer> {
        let float = |name: &str| -> Result<f64> {
            match node.props.get(name) {
                Some(prop) => typed_variant(prop, name, path, |t, v| t.float(v)),
                None => Ok(0.0),
            }
        };
        let visibility_update_mode = match node.props.get("visibility_update_mode") {
            Some(prop) => {
                match typed_variant(prop, "visibility_update_mode", path, |t, v| t.int(v))? {
                    0 => "idle",
                    1 => "physics",
                    2 => "none",
                    other => {
                        return Err(ProjectError::at(
                            &prop.origin.file,
                            prop.origin.line,
                            format!("visibility_update_mode {other} is not 0, 1 or 2"),
                        ));
                    }
                }
            }
            None => "idle",
        };
        let public_visibility = match node.props.get("public_visibility") {
            Some(prop) => typed_variant(prop, "public_visibility", path, |t, v| t.bool(v))?,
            None => true,
        };
        let (config, properties) = match node.props.get("replication_config") {
            None => (None, Vec::new()),
            Some(prop) => {
                let (file, line, body) = match &prop.value {
                    PropValue::Internal { file, id } => {
                        let res = self.resource(file)?;
                        let sub = &res.sub[id];
                        if sub.ty != "SceneReplicationConfig" {
                            return Err(ProjectError::at(
                                &prop.origin.file,
                                prop.origin.line,
                                format!(
                                    "replication_config is a {}, not a SceneReplicationConfig",
                                    sub.ty
                                ),
                            ));
                        }
                        (file.clone(), sub.line, sub.body.clone())
                    }
                    PropValue::External { path: res_path, .. } => {
                        let res = self.resource(res_path).map_err(|e| {
                            if e.line.is_none() {
                                ProjectError::at(
                                    &prop.origin.file,
                                    prop.origin.line,
                                    format!("replication_config {}: {}", e.file, e.message),
                                )
                            } else {
                                e
                            }
                        })?;
                        if res.kind != ResourceKind::Resource("SceneReplicationConfig".into()) {
                            return Err(ProjectError::at(
                                &prop.origin.file,
                                prop.origin.line,
                                format!(
                                    "replication_config {res_path} is not a SceneReplicationConfig"
                                ),
                            ));
                        }
                        (res_path.clone(), 1, res.main.clone())
                    }
                    PropValue::Variant(Variant::Nil) => return Ok(empty_sync(path, node)),
                    _ => {
                        return Err(ProjectError::at(
                            &prop.origin.file,
                            prop.origin.line,
                            "replication_config must be a SubResource or an ExtResource",
                        ));
                    }
                };
                let config = read_config(&file, &body, warnings)?;
                let properties = config
                    .get_properties()
                    .iter()
                    .map(|p| SyncProperty {
                        path: p.path.to_string(),
                        spawn: p.spawn,
                        mode: match p.mode {
                            netscene::ReplicationMode::Never => "never",
                            netscene::ReplicationMode::OnChange => "on_change",
                            _ => "always",
                        }
                        .to_string(),
                    })
                    .collect();
                (Some(format!("{file}:{line}")), properties)
            }
        };
        Ok(Synchronizer {
            root_path: node_path_prop(node, "root_path", path)?.unwrap_or_else(|| "..".into()),
            replication_interval: float("replication_interval")?,
            delta_interval: float("delta_interval")?,
            public_visibility,
            visibility_update_mode: visibility_update_mode.to_string(),
            config,
            properties,
            ..empty_sync(path, node)
        })
    }
}

fn empty_sync(path: &str, node: &SceneNode) -> Synchronizer {
    let root_path = match node.props.get("root_path").map(|p| &p.value) {
        Some(PropValue::Variant(Variant::NodePath(p))) => p.to_string(),
        _ => "..".into(),
    };
    Synchronizer {
        path: path.to_string(),
        root_path,
        root_node: None,
        replication_interval: 0.0,
        delta_interval: 0.0,
        public_visibility: true,
        visibility_update_mode: "idle".into(),
        config: None,
        properties: Vec::new(),
    }
}

fn typed_variant<T>(
    prop: &crate::scene::Prop,
    name: &str,
    path: &str,
    f: impl Fn(&Typed<'_>, &Variant) -> Result<T>,
) -> Result<T> {
    let what = format!("{name} of {path}");
    let typed = Typed {
        file: &prop.origin.file,
        line: prop.origin.line,
        what: &what,
    };
    match &prop.value {
        PropValue::Variant(v) => f(&typed, v),
        _ => Err(ProjectError::at(
            &prop.origin.file,
            prop.origin.line,
            format!("{what}: a value netscene cannot read"),
        )),
    }
}

fn node_path_prop(node: &SceneNode, name: &str, path: &str) -> Result<Option<String>> {
    node.props
        .get(name)
        .map(|prop| typed_variant(prop, name, path, |t, v| t.node_path(v)))
        .transpose()
}

/// Joins a NodePath written on the node at `from` (a path relative to the table's root, `.`
/// for the root) to a path relative to the table's root; `None` when it leaves the tree.
fn relative_join(live: bool, from: &str, target: &str) -> Option<String> {
    let target = target.split(':').next().unwrap_or(target);
    let mut parts: Vec<&str> = Vec::new();
    let rest = if let Some(abs) = target.strip_prefix('/') {
        if !live {
            return None;
        }
        let mut segments = abs.split('/').filter(|s| !s.is_empty());
        if segments.next() != Some("root") {
            return None;
        }
        segments.collect::<Vec<_>>()
    } else {
        parts.extend(from.split('/').filter(|s| !s.is_empty() && *s != "."));
        target.split('/').filter(|s| !s.is_empty()).collect()
    };
    for seg in rest {
        match seg {
            "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    })
}

/// Computes method ids and checksums with netscene's own node table.
struct IdOracle {
    tree: SceneTree,
}

impl IdOracle {
    fn new() -> Self {
        Self {
            tree: SceneTree::new(),
        }
    }

    fn table(&mut self, rpcs: &ScriptRpcs) -> (Vec<Method>, String) {
        let root = self.tree.root();
        let Ok(id) = self.tree.add_child(root, "inspected") else {
            return (Vec::new(), String::new());
        };
        let mut methods = Vec::new();
        let mut checksum = String::new();
        if let Some(node) = self.tree.node_mut(id) {
            for (name, (config, _)) in &rpcs.rpcs {
                node.add_rpc(name.as_str(), *config, netscene::handler(|_, _| Ok(())));
            }
            for (name, (config, at)) in &rpcs.rpcs {
                methods.push(Method {
                    id: node.rpc_method_id(name).unwrap_or(u16::MAX),
                    name: name.clone(),
                    mode: config.mode.as_str().to_string(),
                    call_local: config.call_local,
                    transfer_mode: transfer_name(config.transfer_mode).to_string(),
                    channel: config.channel,
                    declared_at: at.clone(),
                });
            }
            checksum = node.rpc_checksum().to_string();
        }
        let _ = self.tree.remove_node(id);
        methods.sort_by_key(|m| m.id);
        (methods, checksum)
    }
}

#[cfg(test)]
mod tests {
    use super::relative_join;

    #[test]
    fn joins_node_paths() {
        assert_eq!(
            relative_join(true, "Arena/PlayerSpawner", "../Players").as_deref(),
            Some("Arena/Players")
        );
        assert_eq!(
            relative_join(true, "Arena/S", "/root/Lobby").as_deref(),
            Some("Lobby")
        );
        assert_eq!(relative_join(false, "Sync", "..").as_deref(), Some("."));
        assert_eq!(relative_join(false, ".", ".."), None);
        assert_eq!(relative_join(false, "Sync", "/root/X"), None);
    }
}
