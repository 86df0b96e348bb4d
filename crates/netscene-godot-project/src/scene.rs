//! Instantiating a scene the way Godot's `PackedScene.instantiate()` builds its nodes:
//! instanced sub-scenes (recursively), inherited scenes, overrides of instanced children
//! (`editable` children), attached scripts. Only what the wire needs is kept: names, classes,
//! scripts and property values with where they were written.

use std::collections::BTreeMap;

use netscene_variant::Variant;

use crate::error::{ProjectError, Result};
use crate::project::GodotProject;
use crate::resource::ResourceFile;
use crate::text::Assign;
use crate::value::{self, Value};

/// Where a value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (`res://...`).
    pub file: String,
    /// The line.
    pub line: usize,
}

/// A property value with references resolved against the file that wrote it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PropValue {
    /// A plain value.
    Variant(Variant),
    /// An external resource: its type and `res://` path.
    External {
        /// `type` of the `[ext_resource]`.
        ty: String,
        /// Its path.
        path: String,
    },
    /// A `[sub_resource]` of `file`.
    Internal {
        /// The file holding it.
        file: String,
        /// Its id.
        id: String,
    },
    /// A value netscene does not read.
    Unread(String),
}

/// A property of a node.
#[derive(Debug, Clone, PartialEq)]
pub struct Prop {
    /// The value.
    pub value: PropValue,
    /// Where it was written.
    pub origin: Origin,
}

/// The script attached to a node.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptRef {
    /// A `.gd` file.
    File(String),
    /// A script stored in a scene.
    BuiltIn {
        /// The scene.
        file: String,
        /// The `[sub_resource]` id.
        id: String,
    },
}

impl ScriptRef {
    /// `res://x.gd`, or `res://scene.tscn::id` for a built-in script.
    pub fn display(&self) -> String {
        match self {
            ScriptRef::File(path) => path.clone(),
            ScriptRef::BuiltIn { file, id } => format!("{file}::{id}"),
        }
    }
}

/// One node of an instantiated scene.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SceneNode {
    /// Its name.
    pub name: String,
    /// Its engine class as written (`Node2D`, `MultiplayerSpawner`); `None` when no file says.
    pub class: Option<String>,
    /// Its script.
    pub script: Option<ScriptRef>,
    /// Its properties, by name.
    pub props: BTreeMap<String, Prop>,
    /// Its children, in order.
    pub children: Vec<SceneNode>,
    /// The scene this node is the root of an instance of, if any.
    pub scene: Option<String>,
    /// An `instance_placeholder`: its scene is not loaded until the game asks.
    pub placeholder: Option<String>,
    /// Where the node was declared.
    pub origin: Origin,
    /// An imported scene (`.glb`, `.blend`, ...) or a node inside one: netscene does not read
    /// its nodes, so paths through it are taken on trust.
    pub opaque: bool,
}

impl SceneNode {
    /// The node at `path` below this one (`.` is this node; names separated by `/`).
    pub fn find(&self, path: &str) -> Option<&SceneNode> {
        let mut node = self;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            node = node.children.iter().find(|c| c.name == part)?;
        }
        Some(node)
    }

    /// The node at `path`, mutable; inside an imported (opaque) scene, missing nodes are
    /// added as opaque placeholders, since netscene cannot know the imported file's nodes.
    fn find_mut(&mut self, path: &str) -> Option<&mut SceneNode> {
        let mut node = self;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            let index = match node.children.iter().position(|c| c.name == part) {
                Some(i) => i,
                None if node.opaque => {
                    let child = node.opaque_child(part);
                    node.children.push(child);
                    node.children.len() - 1
                }
                None => return None,
            };
            node = &mut node.children[index];
        }
        Some(node)
    }

    fn opaque_child(&self, name: &str) -> SceneNode {
        SceneNode {
            name: name.to_string(),
            class: None,
            script: None,
            props: BTreeMap::new(),
            children: Vec::new(),
            scene: None,
            placeholder: None,
            origin: self.origin.clone(),
            opaque: true,
        }
    }

    /// Calls `f` with each node and its path relative to this one (`.` for this node), parents
    /// before children, children in order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&str, &'a SceneNode)) {
        // An explicit stack: a hostile scene cannot overflow the call stack.
        let mut stack: Vec<(String, &'a SceneNode)> = vec![(".".to_string(), self)];
        while let Some((path, node)) = stack.pop() {
            f(&path, node);
            for child in node.children.iter().rev() {
                let child_path = if path == "." {
                    child.name.clone()
                } else {
                    format!("{path}/{}", child.name)
                };
                stack.push((child_path, child));
            }
        }
    }

    /// How many levels the tree has (1 for a lone node).
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(1usize, self)];
        while let Some((depth, node)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(node.children.iter().map(|c| (depth + 1, c)));
        }
        deepest
    }
}

/// The deepest tree a scene may build: deeper trees are refused rather than risking the
/// reader's stack (Godot's own scenes stay far below this).
pub const MAX_TREE_DEPTH: usize = 256;

/// How deep scenes may instance scenes (Godot has no limit but a cycle never ends).
const MAX_INSTANCE_DEPTH: usize = 64;

impl GodotProject {
    /// Instantiates the scene at `res` (a `.tscn`).
    pub fn instantiate(&mut self, res: &str) -> Result<SceneNode> {
        let mut stack = Vec::new();
        self.instantiate_in(res, &mut stack, None)
    }

    fn instantiate_in(
        &mut self,
        res: &str,
        stack: &mut Vec<String>,
        from: Option<(&str, usize)>,
    ) -> Result<SceneNode> {
        let res = self.resolve_uid(res);
        if stack.contains(&res) || stack.len() >= MAX_INSTANCE_DEPTH {
            let (file, line) = from.unwrap_or((&res, 0));
            return Err(ProjectError::at(
                file,
                line,
                format!(
                    "scene {res} instances itself (through {})",
                    stack.join(" -> ")
                ),
            ));
        }
        if let Some((f, line)) = from
            && !res.ends_with(".tscn")
        {
            // An imported model (.glb, .gltf, .blend, .fbx, ...) or a binary scene.
            self.warnings.push(format!(
                "{f}:{line}: {res} is an imported or binary scene: netscene does not read its nodes (taken to have no RPCs, spawners or synchronizers)"
            ));
            return Ok(SceneNode {
                name: String::new(),
                class: None,
                script: None,
                props: BTreeMap::new(),
                children: Vec::new(),
                scene: Some(res),
                placeholder: None,
                origin: Origin {
                    file: f.to_string(),
                    line,
                },
                opaque: true,
            });
        }
        let file = self.resource(&res).map_err(|e| match from {
            // A missing instanced scene is reported where it is instanced.
            Some((f, line)) if e.line.is_none() => {
                ProjectError::at(f, line, format!("{}: {}", e.file, e.message))
            }
            _ => e,
        })?;
        if file.kind != crate::resource::ResourceKind::Scene {
            let (f, line) = from.unwrap_or((&res, 0));
            return Err(ProjectError::at(f, line, format!("{res} is not a scene")));
        }
        stack.push(res.clone());
        let result = self.build(&file, stack);
        stack.pop();
        let mut root = result?;
        if root.depth() > MAX_TREE_DEPTH {
            let (f, line) = from.unwrap_or((&res, 0));
            return Err(ProjectError::at(
                f,
                line,
                format!("scene {res} nests nodes deeper than {MAX_TREE_DEPTH} levels"),
            ));
        }
        root.scene = Some(res);
        Ok(root)
    }

    fn build(&mut self, file: &ResourceFile, stack: &mut Vec<String>) -> Result<SceneNode> {
        let f = file.file.as_str();
        let mut root: Option<SceneNode> = None;
        for decl in &file.nodes {
            let origin = Origin {
                file: f.to_string(),
                line: decl.line,
            };
            let fresh = |class: Option<String>| SceneNode {
                name: decl.name.clone(),
                class,
                script: None,
                props: BTreeMap::new(),
                children: Vec::new(),
                scene: None,
                placeholder: None,
                origin: origin.clone(),
                opaque: false,
            };
            let instanced = match &decl.instance {
                Some(id) => {
                    let ext = file.ext.get(id).ok_or_else(|| {
                        ProjectError::at(
                            f,
                            decl.line,
                            format!("instance=ExtResource(\"{id}\") names no [ext_resource]"),
                        )
                    })?;
                    let path = ext
                        .uid
                        .as_deref()
                        .map(|u| self.resolve_uid(u))
                        .filter(|p| p.starts_with("res://"))
                        .unwrap_or_else(|| ext.path.clone());
                    let mut node = self.instantiate_in(&path, stack, Some((f, decl.line)))?;
                    node.name = decl.name.clone();
                    Some(node)
                }
                None => None,
            };
            let Some(parent_path) = &decl.parent else {
                if root.is_some() {
                    return Err(ProjectError::at(
                        f,
                        decl.line,
                        format!(
                            "a second root node `{}` (only the first [node] may omit `parent`)",
                            decl.name
                        ),
                    ));
                }
                let mut node = instanced.unwrap_or_else(|| fresh(decl.ty.clone()));
                if decl.ty.is_some() {
                    node.class = decl.ty.clone();
                }
                self.apply(file, &mut node, &decl.props)?;
                root = Some(node);
                continue;
            };
            if parent_path.split('/').count() >= MAX_TREE_DEPTH {
                return Err(ProjectError::at(
                    f,
                    decl.line,
                    format!(
                        "node `{}` is nested deeper than {MAX_TREE_DEPTH} levels",
                        decl.name
                    ),
                ));
            }
            let Some(root_node) = root.as_mut() else {
                return Err(ProjectError::at(
                    f,
                    decl.line,
                    format!(
                        "node `{}` has a parent but the scene has no root yet",
                        decl.name
                    ),
                ));
            };
            let Some(parent) = root_node.find_mut(parent_path) else {
                return Err(ProjectError::at(
                    f,
                    decl.line,
                    format!(
                        "the parent `{parent_path}` of node `{}` does not exist",
                        decl.name
                    ),
                ));
            };
            let node = if let Some(node) = instanced {
                parent.children.push(node);
                parent.children.last_mut()
            } else if let Some(placeholder) = &decl.placeholder {
                let mut node = fresh(Some("InstancePlaceholder".into()));
                node.placeholder = Some(placeholder.clone());
                parent.children.push(node);
                parent.children.last_mut()
            } else if decl.ty.is_some() {
                parent.children.push(fresh(decl.ty.clone()));
                parent.children.last_mut()
            } else {
                // No type and no instance: new values for a node an instanced scene has.
                match parent.children.iter().position(|c| c.name == decl.name) {
                    Some(i) => parent.children.get_mut(i),
                    None if parent.opaque => {
                        let child = parent.opaque_child(&decl.name);
                        parent.children.push(child);
                        parent.children.last_mut()
                    }
                    None => None,
                }
            };
            let Some(node) = node else {
                return Err(ProjectError::at(
                    f,
                    decl.line,
                    format!(
                        "node `{}` under `{parent_path}` has no type and is not a node of the instanced scene",
                        decl.name
                    ),
                ));
            };
            self.apply(file, node, &decl.props)?;
        }
        root.ok_or_else(|| ProjectError::file(f, "a scene without nodes"))
    }

    fn apply(&mut self, file: &ResourceFile, node: &mut SceneNode, props: &[Assign]) -> Result<()> {
        let f = file.file.as_str();
        for assign in props {
            let origin = Origin {
                file: f.to_string(),
                line: assign.line,
            };
            let value = match value::read(&assign.value) {
                Value::Variant(v) => PropValue::Variant(v),
                Value::Unread(text) => PropValue::Unread(text),
                Value::ExtResource(id) => {
                    let ext = file.ext.get(&id).ok_or_else(|| {
                        ProjectError::at(
                            f,
                            assign.line,
                            format!("ExtResource(\"{id}\") names no [ext_resource]"),
                        )
                    })?;
                    let path = ext
                        .uid
                        .as_deref()
                        .map(|u| self.resolve_uid(u))
                        .filter(|p| p.starts_with("res://"))
                        .unwrap_or_else(|| ext.path.clone());
                    PropValue::External {
                        ty: ext.ty.clone(),
                        path,
                    }
                }
                Value::SubResource(id) => {
                    if !file.sub.contains_key(&id) {
                        return Err(ProjectError::at(
                            f,
                            assign.line,
                            format!("SubResource(\"{id}\") names no [sub_resource]"),
                        ));
                    }
                    PropValue::Internal {
                        file: f.to_string(),
                        id,
                    }
                }
            };
            if assign.key == "script" {
                node.script = match &value {
                    PropValue::External { path, .. } => Some(ScriptRef::File(path.clone())),
                    PropValue::Internal { file, id } => Some(ScriptRef::BuiltIn {
                        file: file.clone(),
                        id: id.clone(),
                    }),
                    PropValue::Variant(Variant::Nil) => None,
                    _ => {
                        return Err(ProjectError::at(
                            f,
                            assign.line,
                            format!("a script that is not a resource: `{}`", assign.value.text),
                        ));
                    }
                };
            }
            node.props
                .insert(assign.key.clone(), Prop { value, origin });
        }
        Ok(())
    }
}
