//! Servers built from the project: a Godot project's live tree (autoloads and main scene)
//! loaded into a netscene [`SceneTree`] with the RPC configs of its scripts, its spawners
//! (each spawnable scene spawns the imported subtree of that scene) and its synchronizers with
//! their configs. The Rust server then only attaches handlers by node path and method name;
//! a handler for a method the project does not declare is refused, and the `@rpc` methods
//! still without a handler are listed when the server starts.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};

use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig,
    VisibilityUpdateMode,
};
use netscene::{
    CallError, NodeId, RpcConfig, RpcHandler, RpcMode, SceneTree, TransferMode, TreeError,
};
use netscene_variant::Variant;

use crate::error::{ProjectError, Result};
use crate::project::GodotProject;
use crate::scene::{PropValue, SceneNode};
use crate::table::{Method, SceneTable, Spawner, Synchronizer, WireTable};

/// One node to build: what the project declares for it.
#[derive(Debug, Clone)]
struct Template {
    name: String,
    rpcs: Vec<(String, RpcConfig)>,
    props: Vec<(String, Variant)>,
    spawner: Option<Spawner>,
    synchronizer: Option<Synchronizer>,
    children: Vec<Template>,
}

/// Handlers for nodes of spawnable scenes, installed on each spawn: (scene, node path relative
/// to the scene's root, method) → handler.
type SpawnedHandlers = Arc<Mutex<BTreeMap<(String, String, String), RpcHandler>>>;

/// Why a handler could not be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttachError {
    /// The project declares no `@rpc` method of that name on that node.
    #[error("the project declares no @rpc method `{method}` on {path}")]
    Undeclared {
        /// The node path (or `scene::path` for spawnable scenes).
        path: String,
        /// The method.
        method: String,
    },
    /// The node is not in the tree (removed since loading).
    #[error("{0} is not in the tree")]
    NoNode(String),
}

/// The project as loaded into a tree; attach handlers through it.
pub struct LoadedProject {
    table: WireTable,
    attached: BTreeSet<(String, String)>,
    spawned: SpawnedHandlers,
    init: PendingInit,
}

fn mode(text: &str) -> RpcMode {
    match text {
        "any_peer" => RpcMode::AnyPeer,
        "disabled" => RpcMode::Disabled,
        _ => RpcMode::Authority,
    }
}

fn transfer(text: &str) -> TransferMode {
    match text {
        "unreliable" => TransferMode::Unreliable,
        "unreliable_ordered" => TransferMode::UnreliableOrdered,
        _ => TransferMode::Reliable,
    }
}

fn config_of(m: &Method) -> RpcConfig {
    RpcConfig {
        mode: mode(&m.mode),
        call_local: m.call_local,
        transfer_mode: transfer(&m.transfer_mode),
        channel: m.channel,
    }
}

fn placeholder(method: &str) -> RpcHandler {
    let message = format!("no handler is attached for `{method}` (see LoadedProject::attach)");
    netscene::handler(move |_, _| Err(CallError::Failed(message.clone())))
}

/// The value Godot documents for an engine property a synchronizer replicates but no file
/// sets, for the common node families (classes named `*2D` are Node2D's, `*3D` Node3D's,
/// the usual Control classes Control's); `None` when netscene does not know it.
fn engine_default(class: Option<&str>, property: &str) -> Option<Variant> {
    use netscene_variant::{Color, Vector2, Vector3};
    let class = class?;
    let two_d = class.ends_with("2D") || class == "Node2D";
    let three_d = class.ends_with("3D") || class == "Node3D";
    let control = matches!(
        class,
        "Control" | "Label" | "Button" | "Panel" | "ColorRect" | "TextureRect" | "Container"
    );
    Some(match property {
        "position" if two_d || control => Variant::Vector2(Vector2::new(0.0, 0.0)),
        "position" | "rotation" if three_d => Variant::Vector3(Vector3::new(0.0, 0.0, 0.0)),
        "scale" if two_d => Variant::Vector2(Vector2::new(1.0, 1.0)),
        "scale" if three_d => Variant::Vector3(Vector3::new(1.0, 1.0, 1.0)),
        "rotation" | "skew" if two_d => Variant::Float(0.0),
        "visible" if two_d || three_d || control => Variant::Bool(true),
        "modulate" | "self_modulate" if two_d || control => {
            Variant::Color(Color::new(1.0, 1.0, 1.0, 1.0))
        }
        _ => return None,
    })
}

/// The templates of a scene's nodes, with what its table says about each: property values
/// are the script's `var` defaults, then the engine defaults of replicated properties, then
/// what the scene files set.
fn template(project: &mut GodotProject, tree: &SceneNode, table: &SceneTable) -> Result<Template> {
    let live = table.scene == "live";
    let shown = |rel: &str| match (live, rel) {
        (true, ".") => "/root".to_string(),
        (true, _) => format!("/root/{rel}"),
        (false, _) => rel.to_string(),
    };
    // Replicated properties by the node that holds them (path relative to the scene root).
    let mut replicated: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &table.synchronizers {
        let Some(root) = &s.root_node else { continue };
        let root_rel = if live {
            root.strip_prefix("/root/").unwrap_or(".").to_string()
        } else {
            root.clone()
        };
        for p in &s.properties {
            let (node_part, prop) = p.path.split_once(':').unwrap_or((".", &p.path));
            let target = node_part
                .split('/')
                .filter(|x| !x.is_empty() && *x != ".")
                .fold(root_rel.clone(), |acc, part| {
                    if acc == "." {
                        part.to_string()
                    } else {
                        format!("{acc}/{part}")
                    }
                });
            replicated
                .entry(target)
                .or_default()
                .push(prop.split(':').next().unwrap_or(prop).to_string());
        }
    }
    fn go(
        project: &mut GodotProject,
        node: &SceneNode,
        rel: &str,
        table: &SceneTable,
        replicated: &BTreeMap<String, Vec<String>>,
        shown: &dyn Fn(&str) -> String,
    ) -> Result<Template> {
        let path = shown(rel);
        let rpcs = table
            .rpc_nodes
            .iter()
            .find(|n| n.path == path)
            .map(|n| {
                n.methods
                    .iter()
                    .map(|m| (m.name.clone(), config_of(m)))
                    .collect()
            })
            .unwrap_or_default();
        let mut props: BTreeMap<String, Variant> = match &node.script {
            Some(script) => project.script_rpcs(script)?.vars,
            None => BTreeMap::new(),
        };
        for prop in replicated.get(rel).into_iter().flatten() {
            if !props.contains_key(prop)
                && let Some(v) = engine_default(node.class.as_deref(), prop)
            {
                props.insert(prop.clone(), v);
            }
        }
        for (k, p) in &node.props {
            if let PropValue::Variant(v) = &p.value
                && k != "script"
            {
                props.insert(k.clone(), v.clone());
            }
        }
        let mut children = Vec::new();
        for c in &node.children {
            let child_rel = if rel == "." {
                c.name.clone()
            } else {
                format!("{rel}/{}", c.name)
            };
            children.push(go(project, c, &child_rel, table, replicated, shown)?);
        }
        Ok(Template {
            name: node.name.clone(),
            rpcs,
            props: props.into_iter().collect(),
            spawner: table.spawners.iter().find(|s| s.path == path).cloned(),
            synchronizer: table.synchronizers.iter().find(|s| s.path == path).cloned(),
            children,
        })
    }
    go(project, tree, ".", table, &replicated, &shown)
}

fn synchronizer_of(s: &Synchronizer) -> MultiplayerSynchronizer {
    let mut config = SceneReplicationConfig::new();
    for p in &s.properties {
        config.add_property(p.path.clone(), -1);
        config.property_set_spawn(&p.path, p.spawn);
        let mode = match p.mode.as_str() {
            "never" => ReplicationMode::Never,
            "on_change" => ReplicationMode::OnChange,
            _ => ReplicationMode::Always,
        };
        config.property_set_replication_mode(&p.path, mode);
    }
    let mut sync = MultiplayerSynchronizer::new(config);
    let vis = match s.visibility_update_mode.as_str() {
        "physics" => VisibilityUpdateMode::Physics,
        "none" => VisibilityUpdateMode::None,
        _ => VisibilityUpdateMode::Idle,
    };
    sync.set_root_path(&s.root_path)
        .set_replication_interval(s.replication_interval)
        .set_delta_interval(s.delta_interval)
        .set_visibility_public(s.public_visibility)
        .set_visibility_update_mode(vis);
    sync
}

/// Sets a spawned node's first state before its SPAWN leaves (Godot: set properties, then
/// `add_child`).
type InitFn = Box<dyn FnOnce(&mut SceneTree, NodeId) + Send>;

/// The initializer of the spawn in progress on this side, if any.
type PendingInit = Arc<Mutex<Option<InitFn>>>;

/// Everything a spawn factory needs, shared by all of them.
struct Shared {
    scenes: BTreeMap<String, Arc<Template>>,
    handlers: SpawnedHandlers,
    init: PendingInit,
}

/// Adds `t` (and its subtree) under `parent`, named `name`. `scene` is the spawnable scene
/// the subtree comes from (for handlers of spawned nodes), `None` for the live tree.
fn build(
    tree: &mut SceneTree,
    parent: NodeId,
    name: &str,
    t: &Template,
    rel: &str,
    scene: Option<&str>,
    shared: &Arc<Shared>,
) -> Result<NodeId, TreeError> {
    let id = tree.add_child(parent, name)?;
    if let Some(node) = tree.node_mut(id) {
        for (key, value) in &t.props {
            node.set_property(key.as_str(), value.clone());
        }
        let handlers = shared
            .handlers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for (method, config) in &t.rpcs {
            let handler = scene
                .and_then(|s| {
                    handlers
                        .get(&(s.to_string(), rel.to_string(), method.clone()))
                        .cloned()
                })
                .unwrap_or_else(|| placeholder(method));
            node.add_rpc(method.as_str(), *config, handler);
        }
    }
    for child in &t.children {
        let child_rel = if rel == "." {
            child.name.clone()
        } else {
            format!("{rel}/{}", child.name)
        };
        build(tree, id, &child.name, child, &child_rel, scene, shared)?;
    }
    // Roles after the children exist: a synchronizer's root and a spawner's parent resolve.
    if let Some(s) = &t.synchronizer {
        tree.set_synchronizer(id, synchronizer_of(s))?;
    }
    if let Some(s) = &t.spawner {
        let mut spawner = MultiplayerSpawner::new(&s.spawn_path);
        spawner.set_spawn_limit(s.spawn_limit);
        for path in &s.scenes {
            let shared_for_factory = shared.clone();
            let key = path.clone();
            spawner.add_spawnable_scene(path.clone(), move |tree, request| {
                let template = shared_for_factory
                    .scenes
                    .get(&key)
                    .cloned()
                    .ok_or(TreeError::NodeNotFound)?;
                let node = build(
                    tree,
                    request.parent,
                    &request.name,
                    &template,
                    ".",
                    Some(&key),
                    &shared_for_factory,
                )?;
                let init = shared_for_factory
                    .init
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let Some(init) = init {
                    init(tree, node);
                }
                Ok(node)
            });
        }
        tree.set_spawner(id, spawner)?;
    }
    Ok(id)
}

impl GodotProject {
    /// Loads the live tree (autoloads, then the main scene) under `/root` of `tree`: nodes,
    /// their property values, the `@rpc` methods of their scripts (answering "no handler"
    /// until one is attached), spawners whose spawnable scenes build the imported subtree of
    /// those scenes, and synchronizers with their configs.
    pub fn load_into(&mut self, tree: &mut SceneTree) -> Result<LoadedProject> {
        let table = self.wire_table()?;
        let live = self.live_tree()?;
        let handlers: SpawnedHandlers = Arc::default();
        let init: PendingInit = Arc::default();
        let mut scenes = BTreeMap::new();
        for scene in table.scenes.iter().filter(|s| s.scene != "live") {
            let node = self.instantiate(&scene.scene)?;
            scenes.insert(scene.scene.clone(), Arc::new(template(self, &node, scene)?));
        }
        // Spawners name scenes as written (uid:// included): map those names too.
        for scene in &table.scenes {
            for spawner in &scene.spawners {
                for written in &spawner.scenes {
                    let resolved = self.resolve_uid(written);
                    if let Some(t) = scenes.get(&resolved).cloned() {
                        scenes.insert(written.clone(), t);
                    }
                }
            }
        }
        let shared = Arc::new(Shared {
            scenes,
            handlers: handlers.clone(),
            init: init.clone(),
        });
        let live_table = table
            .scene("live")
            .ok_or_else(|| ProjectError::file("res://project.godot", "no live tree"))?;
        let root_template = template(self, &live, live_table)?;
        let root = tree.root();
        for child in &root_template.children {
            build(tree, root, &child.name, child, &child.name, None, &shared).map_err(|e| {
                ProjectError::file(
                    "res://project.godot",
                    format!("cannot add /root/{} to the tree: {e}", child.name),
                )
            })?;
        }
        Ok(LoadedProject {
            table,
            attached: BTreeSet::new(),
            spawned: handlers,
            init,
        })
    }
}

impl LoadedProject {
    /// The project's wire table.
    pub fn table(&self) -> &WireTable {
        &self.table
    }

    /// Attaches the handler of `method` on the live node at `path` (`/root/Lobby`). The method
    /// keeps the config the project declares.
    pub fn attach(
        &mut self,
        tree: &mut SceneTree,
        path: &str,
        method: &str,
        handler: RpcHandler,
    ) -> Result<(), AttachError> {
        let declared = self
            .table
            .rpc_node(path)
            .is_some_and(|n| n.methods.iter().any(|m| m.name == method));
        if !declared {
            return Err(AttachError::Undeclared {
                path: path.to_string(),
                method: method.to_string(),
            });
        }
        let node = tree
            .get_node(path)
            .and_then(|id| tree.node_mut(id))
            .ok_or_else(|| AttachError::NoNode(path.to_string()))?;
        node.add_method(method, handler);
        self.attached.insert((path.to_string(), method.to_string()));
        Ok(())
    }

    /// Typed form of [`attach`](Self::attach): `f` takes the context and a tuple of argument
    /// types; a call whose arguments do not fit is refused as netscene refuses it.
    pub fn on_rpc<Args, F>(
        &mut self,
        tree: &mut SceneTree,
        path: &str,
        method: &str,
        f: F,
    ) -> Result<(), AttachError>
    where
        Args: netscene::FromRpcArgs + 'static,
        F: Fn(&mut netscene::RpcContext<'_>, Args) + Send + Sync + 'static,
    {
        let h = netscene::handler(move |ctx, args| {
            let args = Args::from_rpc_args(args)?;
            f(ctx, args);
            Ok(())
        });
        self.attach(tree, path, method, h)
    }

    /// Attaches the handler of `method` on the node at `path` (relative to the scene's root,
    /// `.` for the root) of every future spawn of the spawnable scene `scene`.
    pub fn attach_spawned(
        &mut self,
        scene: &str,
        path: &str,
        method: &str,
        handler: RpcHandler,
    ) -> Result<(), AttachError> {
        let declared = self
            .table
            .scene(scene)
            .and_then(|t| t.rpc_nodes.iter().find(|n| n.path == path))
            .is_some_and(|n| n.methods.iter().any(|m| m.name == method));
        if !declared {
            return Err(AttachError::Undeclared {
                path: format!("{scene}::{path}"),
                method: method.to_string(),
            });
        }
        self.spawned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                (scene.to_string(), path.to_string(), method.to_string()),
                handler,
            );
        Ok(())
    }

    /// Spawns scene `scene_id` of the spawner at `spawner_path` as a child named `name`, with
    /// `init` setting its first state (properties, authority) after the imported subtree is
    /// built and before the SPAWN and its spawn state leave, as a Godot game sets properties
    /// before `add_child`.
    pub fn spawn(
        &self,
        tree: &mut SceneTree,
        spawner_path: &str,
        scene_id: u8,
        name: &str,
        init: impl FnOnce(&mut SceneTree, NodeId) + Send + 'static,
    ) -> Result<NodeId, netscene::MultiplayerError> {
        let spawner = tree
            .get_node(spawner_path)
            .ok_or(netscene::MultiplayerError::InvalidNode)?;
        *self.init.lock().unwrap_or_else(PoisonError::into_inner) = Some(Box::new(init));
        let result = tree.spawn_scene(spawner, scene_id, name);
        // A refused spawn never ran the factory: its initializer must not reach the next one.
        self.init
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        result
    }

    /// The `@rpc` methods the project declares that have no handler yet, as `path.method`
    /// (`scene::path.method` for spawnable scenes): report them when the server starts.
    pub fn missing_handlers(&self) -> Vec<String> {
        let spawned = self.spawned.lock().unwrap_or_else(PoisonError::into_inner);
        let mut missing = Vec::new();
        for scene in &self.table.scenes {
            for node in &scene.rpc_nodes {
                for m in &node.methods {
                    let has = if scene.scene == "live" {
                        self.attached.contains(&(node.path.clone(), m.name.clone()))
                    } else {
                        spawned.contains_key(&(
                            scene.scene.clone(),
                            node.path.clone(),
                            m.name.clone(),
                        ))
                    };
                    if !has {
                        missing.push(if scene.scene == "live" {
                            format!("{}.{}", node.path, m.name)
                        } else {
                            format!("{}::{}.{}", scene.scene, node.path, m.name)
                        });
                    }
                }
            }
        }
        missing
    }
}
