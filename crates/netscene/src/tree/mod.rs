//! The scene tree: nodes addressed by [`NodePath`] from `/root`, and the multiplayer APIs
//! that serve its branches (Godot's `SceneTree` + `Node`, multiplayer parts only).
//!
//! Several APIs can serve one tree: [`SceneTree::set_multiplayer`] installs one for a
//! branch (e.g. `/root/server` and `/root/client1`), each with its own peer. A node belongs
//! to the nearest branch root above it; the default API serves `/root`. On the wire node
//! paths are relative to the branch root, so `/root/server/Lobby` and `/root/client1/Lobby`
//! are both `Lobby`.
//!
//! ```
//! use netscene::{SceneTree, RpcConfig};
//! let mut tree = SceneTree::new();
//! let main = tree.add_child(tree.root(), "Main").unwrap();
//! let player = tree.add_child(main, "Player").unwrap();
//! assert_eq!(tree.get_path(player).unwrap().to_string(), "/root/Main/Player");
//! assert_eq!(tree.get_node("/root/Main/Player"), Some(player));
//! tree.on_rpc(player, "jump", RpcConfig::any_peer(), |_ctx, (): ()| {}).unwrap();
//! assert_eq!(tree.node(player).unwrap().rpc_method_id("jump"), Some(0));
//! ```

mod node;

pub use node::{NODE_LEVEL_ID_FLAG, Node};

use netscene_variant::{NodePath, StringName, Variant};

use crate::api::{MultiplayerApi, MultiplayerEvent};
use crate::error::MultiplayerError;
use crate::handler::{RpcHandler, handler};
use crate::peer::PeerId;
use crate::rpc_config::RpcConfig;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::typed::FromRpcArgs;

/// A node's identity: stable while the node lives, never reused for another node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    index: u32,
    generation: u32,
}

impl NodeId {
    /// The id as one number, like Godot's `get_instance_id` (used in replication
    /// configurations, never on the wire).
    pub(crate) fn instance_id(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    /// The id [`instance_id`](Self::instance_id) returned.
    pub(crate) fn from_instance_id(id: u64) -> Self {
        Self {
            index: id as u32,
            generation: (id >> 32) as u32,
        }
    }
}

/// Why a tree operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TreeError {
    /// The node does not exist (removed, or never added).
    #[error("node not found")]
    NodeNotFound,
    /// A sibling already has this name.
    #[error("a child named {0:?} already exists")]
    NameTaken(StringName),
    /// Names must be non-empty and contain no `/`, `:`, `@` or `.` only.
    #[error("invalid node name {0:?}")]
    InvalidName(String),
    /// The root cannot be removed.
    #[error("the root cannot be removed")]
    RemoveRoot,
}

struct Slot {
    generation: u32,
    node: Option<Node>,
}

struct Branch {
    serial: u64,
    /// Absolute path of the branch root, as names (`["root", "server"]`).
    root_names: Vec<StringName>,
    api: Option<Box<dyn MultiplayerApi>>,
}

/// Nodes plus the multiplayer APIs serving them. See the [module docs](self).
pub struct SceneTree {
    slots: Vec<Slot>,
    free: Vec<u32>,
    root: NodeId,
    /// Index 0 is the default API (`/root`).
    branches: Vec<Branch>,
    next_serial: u64,
    /// Bumped whenever the branch list changes; invalidates each node's branch cache.
    branch_epoch: u32,
    /// Nodes with a MultiplayerSpawner / MultiplayerSynchronizer role, in attach order.
    pub(crate) spawners: Vec<NodeId>,
    pub(crate) synchronizers: Vec<NodeId>,
    /// The synchronizers of each root node (replication's index, told of every removal).
    pub(crate) sync_index: crate::replication::SyncRootIndex,
    /// Replication configuration calls waiting for a running API to be put back.
    pub(crate) pending_configurations: Vec<crate::replication::PendingConfiguration>,
}

impl Default for SceneTree {
    fn default() -> Self {
        Self::new()
    }
}

impl SceneTree {
    /// A tree with a root node `/root`, served by a new default interface
    /// ([`create_default_interface`](crate::create_default_interface), normally SceneMultiplayer).
    pub fn new() -> Self {
        let api = crate::registry::create_default_interface();
        Self::with_multiplayer(api)
    }

    /// A tree whose default API is `api`.
    pub fn with_multiplayer(mut api: Box<dyn MultiplayerApi>) -> Self {
        let root_path = NodePath::new("/root");
        if let Err(e) = api.object_configuration_add(None, &Variant::NodePath(root_path)) {
            tracing::error!("multiplayer refused its root path: {e}");
        }
        let root = NodeId {
            index: 0,
            generation: 0,
        };
        Self {
            slots: vec![Slot {
                generation: 0,
                node: Some(Node::new(StringName::new("root"), None)),
            }],
            free: Vec::new(),
            root,
            branches: vec![Branch {
                serial: 0,
                root_names: vec![StringName::new("root")],
                api: Some(api),
            }],
            next_serial: 1,
            branch_epoch: 1,
            spawners: Vec::new(),
            synchronizers: Vec::new(),
            sync_index: Default::default(),
            pending_configurations: Vec::new(),
        }
    }

    /// The root node (`/root`).
    pub fn root(&self) -> NodeId {
        self.root
    }

    /// The node, if it lives.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        let slot = self.slots.get(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.node.as_ref()
    }

    /// The node, mutable, if it lives.
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        let slot = self.slots.get_mut(id.index as usize)?;
        if slot.generation != id.generation {
            return None;
        }
        slot.node.as_mut()
    }

    /// Adds a child named `name` under `parent`. Godot's `add_child`.
    ///
    /// The child starts with multiplayer authority 1 (the server), as every new node in Godot:
    /// authority is **not inherited** from the parent. A node added under a subtree given to a
    /// client with [`set_multiplayer_authority`](Self::set_multiplayer_authority) still belongs
    /// to the server until it is given an owner itself (call `set_multiplayer_authority` on it,
    /// or again on the subtree with `recursive`, which reaches only the children that exist).
    /// The wire depends on it: a SPAWN lists only the synchronizers its sender owns, and a
    /// Godot peer counts them with this rule.
    pub fn add_child(
        &mut self,
        parent: NodeId,
        name: impl Into<StringName>,
    ) -> Result<NodeId, TreeError> {
        let name = name.into();
        if name.is_empty()
            || name.contains(['/', ':', '@'])
            || name.as_str() == "."
            || name.as_str() == ".."
        {
            return Err(TreeError::InvalidName(name.to_string()));
        }
        if self.child_by_name(parent, &name).is_some() {
            return Err(TreeError::NameTaken(name));
        }
        if self.node(parent).is_none() {
            return Err(TreeError::NodeNotFound);
        }
        let node = Node::new(name.clone(), Some(parent));
        let id = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.node = Some(node);
                NodeId {
                    index,
                    generation: slot.generation,
                }
            }
            None => {
                let index = u32::try_from(self.slots.len()).map_err(|_| TreeError::NodeNotFound)?;
                self.slots.push(Slot {
                    generation: 0,
                    node: Some(node),
                });
                NodeId {
                    index,
                    generation: 0,
                }
            }
        };
        if let Some(p) = self.node_mut(parent) {
            p.children.push(id);
            p.children_by_name.insert(name, id);
        }
        Ok(id)
    }

    /// Adds every missing node along `path` (absolute, starting at `/root`) and returns the last.
    pub fn add_path(&mut self, path: &str) -> Result<NodeId, TreeError> {
        let path = NodePath::new(path);
        let names = path.names();
        if names.first().map(|n| n.as_str()) != Some("root") {
            return Err(TreeError::InvalidName(path.to_string()));
        }
        let mut at = self.root;
        for name in &names[1..] {
            at = match self.child_by_name(at, name) {
                Some(c) => c,
                None => self.add_child(at, name.clone())?,
            };
        }
        Ok(at)
    }

    /// Removes a node and all its descendants (Godot's `queue_free`, at once).
    pub fn remove_node(&mut self, id: NodeId) -> Result<(), TreeError> {
        if id == self.root {
            return Err(TreeError::RemoveRoot);
        }
        let node = self.node(id).ok_or(TreeError::NodeNotFound)?;
        let (parent, name) = (node.parent, node.name.clone());
        let leaving = self.synchronizers_leaving(id);
        if let Some(p) = parent.and_then(|p| self.node_mut(p)) {
            if let Some(at) = p.children.iter().position(|c| *c == id) {
                p.children.remove(at);
            }
            p.children_by_name.remove(&name);
        }
        let mut stack = vec![id];
        while let Some(n) = stack.pop() {
            let slot = &mut self.slots[n.index as usize];
            if let Some(node) = slot.node.take() {
                slot.generation = slot.generation.wrapping_add(1);
                self.free.push(n.index);
                self.sync_index.node_removed(n, node.synchronizer.is_some());
                stack.extend(node.children);
            }
        }
        self.configure_leaving(leaving);
        Ok(())
    }

    /// The child of `parent` named `name`.
    pub fn child_by_name(&self, parent: NodeId, name: &str) -> Option<NodeId> {
        self.node(parent)?.children_by_name.get(name).copied()
    }

    /// The node at an absolute path (`/root/...`).
    pub fn get_node(&self, path: &str) -> Option<NodeId> {
        let path = NodePath::new(path);
        if !path.is_absolute() {
            return None;
        }
        let names = path.names();
        if names.first()?.as_str() != "root" {
            return None;
        }
        self.resolve_from(self.root, &names[1..])
    }

    /// Resolves `names` starting at `from` as Godot's `get_node` does: `.` stays at the node,
    /// `..` goes to its parent, any other name is a child.
    pub(crate) fn resolve_from(&self, from: NodeId, names: &[StringName]) -> Option<NodeId> {
        let mut at = from;
        self.node(at)?;
        for name in names {
            at = match name.as_str() {
                "." => at,
                ".." => self.node(at)?.parent?,
                _ => self.child_by_name(at, name)?,
            };
        }
        Some(at)
    }

    /// The node `path` names from `from`, as Godot's `get_node_or_null`: a relative path
    /// starts at `from` (`.`, `..` and child names, so the editor's `.:position` names `from`
    /// itself), an absolute one at `/root`; subnames (`:property`) are ignored, and the empty
    /// path names nothing.
    pub(crate) fn resolve_node_path(&self, from: NodeId, path: &NodePath) -> Option<NodeId> {
        if path.is_empty() {
            return None;
        }
        if !path.is_absolute() {
            return self.resolve_from(from, path.names());
        }
        let (first, rest) = path.names().split_first()?;
        if first.as_str() != "root" {
            return None;
        }
        self.resolve_from(self.root, rest)
    }

    /// The node at `relative` under the absolute `root_path` (how SceneMultiplayer resolves
    /// wire paths).
    pub fn get_node_relative(&self, root_path: &NodePath, relative: &str) -> Option<NodeId> {
        let base = self.resolve_absolute(root_path)?;
        let rel = NodePath::new(relative);
        if rel.is_absolute() {
            return self.get_node(relative);
        }
        self.resolve_from(base, rel.names())
    }

    fn resolve_absolute(&self, path: &NodePath) -> Option<NodeId> {
        let names = path.names();
        if names.first()?.as_str() != "root" {
            return None;
        }
        self.resolve_from(self.root, &names[1..])
    }

    /// The node's absolute path.
    pub fn get_path(&self, id: NodeId) -> Option<NodePath> {
        let names = self.names_of(id)?;
        Some(NodePath::from_parts(names, Vec::new(), true))
    }

    fn names_of(&self, id: NodeId) -> Option<Vec<StringName>> {
        let mut names = Vec::new();
        let mut at = Some(id);
        while let Some(n) = at {
            let node = self.node(n)?;
            names.push(node.name.clone());
            at = node.parent;
        }
        names.reverse();
        Some(names)
    }

    /// The node's path relative to `root_path` (`root_path.rel_path_to(node_path)`), or
    /// `None` when the node is not under it.
    pub fn relative_path(&self, id: NodeId, root_path: &NodePath) -> Option<String> {
        let names = self.names_of(id)?;
        let base = root_path.names();
        if !root_path.is_absolute() || names.len() < base.len() || names[..base.len()] != *base {
            return None;
        }
        let rel: Vec<&str> = names[base.len()..].iter().map(|n| n.as_str()).collect();
        Some(if rel.is_empty() {
            ".".to_owned()
        } else {
            rel.join("/")
        })
    }

    /// Godot's `set_multiplayer_authority(id, recursive)`.
    pub fn set_multiplayer_authority(
        &mut self,
        node: NodeId,
        authority: PeerId,
        recursive: bool,
    ) -> Result<(), TreeError> {
        let mut stack = vec![node];
        self.node(node).ok_or(TreeError::NodeNotFound)?;
        while let Some(n) = stack.pop() {
            if let Some(node) = self.node_mut(n) {
                node.authority = authority;
                if recursive {
                    stack.extend(node.children.iter().copied());
                }
            }
        }
        Ok(())
    }

    /// Godot's `get_multiplayer_authority()` (0 for a dead node).
    pub fn get_multiplayer_authority(&self, node: NodeId) -> PeerId {
        self.node(node).map_or(0, |n| n.authority)
    }

    /// Godot's `is_multiplayer_authority()`: the node's authority is this branch's peer id.
    pub fn is_multiplayer_authority(&self, node: NodeId) -> bool {
        let Some(n) = self.node(node) else {
            return false;
        };
        let own = self
            .branch_index(node)
            .and_then(|b| self.branches[b].api.as_ref())
            .map_or(0, |api| api.get_unique_id());
        n.authority == own
    }

    /// Registers a typed RPC method on `node` (script level, like GDScript's `@rpc`). The
    /// closure takes the context and a tuple of argument types, each convertible from a
    /// [`Variant`]; a call whose arguments do not fit is refused with an `RpcRejected` event.
    ///
    /// ```
    /// # use netscene::{SceneTree, RpcConfig};
    /// let mut tree = SceneTree::new();
    /// let lobby = tree.add_path("/root/Lobby").unwrap();
    /// tree.on_rpc(lobby, "chat", RpcConfig::any_peer(), |ctx, (text,): (String,)| {
    ///     println!("{} says {text}", ctx.remote_sender_id());
    /// }).unwrap();
    /// ```
    pub fn on_rpc<Args, F>(
        &mut self,
        node: NodeId,
        method: &str,
        config: RpcConfig,
        f: F,
    ) -> Result<(), TreeError>
    where
        Args: FromRpcArgs + 'static,
        F: Fn(&mut crate::RpcContext<'_>, Args) + Send + Sync + 'static,
    {
        let h = handler(move |ctx, args| {
            let args = Args::from_rpc_args(args)?;
            f(ctx, args);
            Ok(())
        });
        self.on_rpc_dynamic(node, method, config, h)
    }

    /// Registers an RPC method over raw arguments (script level). See [`crate::handler()`].
    pub fn on_rpc_dynamic(
        &mut self,
        node: NodeId,
        method: &str,
        config: RpcConfig,
        handler: RpcHandler,
    ) -> Result<(), TreeError> {
        self.node_mut(node)
            .ok_or(TreeError::NodeNotFound)?
            .add_rpc(method, config, handler);
        Ok(())
    }

    // ---- multiplayer branches ----

    /// Godot's `set_multiplayer(api, root_path)`: `api` serves the branch at `root_path`
    /// (absolute). An empty path or `/root` replaces the default API. Nested custom
    /// branches are refused, as in Godot. The previous API of that path is returned.
    pub fn set_multiplayer(
        &mut self,
        mut api: Box<dyn MultiplayerApi>,
        root_path: &str,
    ) -> Result<Option<Box<dyn MultiplayerApi>>, MultiplayerError> {
        let path = if root_path.is_empty() {
            NodePath::new("/root")
        } else {
            NodePath::new(root_path)
        };
        let names = path.names().to_vec();
        if !path.is_absolute() || names.first().map(|n| n.as_str()) != Some("root") {
            return Err(MultiplayerError::InvalidParameter(format!(
                "multiplayer root path must be absolute under /root: {root_path}"
            )));
        }
        if let Some(existing) = self.branches.iter_mut().find(|b| b.root_names == names) {
            api.object_configuration_add(None, &Variant::NodePath(path))?;
            let serial = existing.serial;
            let old = existing.api.replace(api);
            // The new API serves the branch's replication objects from now on.
            self.drop_pending_configurations(serial);
            let roles = self.branch_roles();
            self.rehome_replication(roles, Some(serial));
            return Ok(old);
        }
        let nested = self.branches[1..].iter().any(|b| {
            let (short, long) = if b.root_names.len() < names.len() {
                (&b.root_names, &names)
            } else {
                (&names, &b.root_names)
            };
            long[..short.len()] == short[..]
        });
        if nested {
            return Err(MultiplayerError::InvalidParameter(format!(
                "nested custom multiplayer branches are not allowed: {root_path}"
            )));
        }
        api.object_configuration_add(None, &Variant::NodePath(path))?;
        let roles = self.branch_roles();
        self.branches.push(Branch {
            serial: self.next_serial,
            root_names: names,
            api: Some(api),
        });
        self.next_serial += 1;
        self.branch_epoch = self.branch_epoch.wrapping_add(1).max(1);
        // Replication objects under the new branch root move to its API.
        self.rehome_replication(roles, None);
        Ok(None)
    }

    /// The index of the branch serving `node`: the deepest root above it.
    fn branch_index(&self, node: NodeId) -> Option<usize> {
        // Cached per node: the RPC path looks this up on every call.
        let n = self.node(node)?;
        let cached = n.branch_cache.get();
        if cached >> 32 == u64::from(self.branch_epoch) && cached as u32 != 0 {
            return Some((cached as u32 - 1) as usize);
        }
        let names = self.names_of(node)?;
        let index = self.branch_index_for_names(&names)?;
        n.branch_cache
            .set((u64::from(self.branch_epoch) << 32) | (index as u64 + 1));
        Some(index)
    }

    fn branch_index_for_names(&self, names: &[StringName]) -> Option<usize> {
        self.branches
            .iter()
            .enumerate()
            .filter(|(_, b)| {
                names.len() >= b.root_names.len() && names[..b.root_names.len()] == b.root_names[..]
            })
            .max_by_key(|(_, b)| b.root_names.len())
            .map(|(i, _)| i)
    }

    /// True when the API serving `node` is currently lent out (running).
    pub(crate) fn is_branch_lent(&self, node: NodeId) -> bool {
        self.branch_index(node)
            .is_some_and(|b| self.branches[b].api.is_none())
    }

    /// Godot's `get_multiplayer(for_path)`: the API serving `path` (absolute; empty = the
    /// default). `None` while that API is running (inside its own handlers use the context).
    pub fn multiplayer(&mut self, path: &str) -> Option<&mut (dyn MultiplayerApi + 'static)> {
        let path = if path.is_empty() { "/root" } else { path };
        let names = NodePath::new(path).names().to_vec();
        let b = self.branch_index_for_names(&names)?;
        self.branches[b].api.as_deref_mut()
    }

    /// The [`SceneMultiplayer`] serving `path`, when that is the branch's implementation.
    pub fn scene_multiplayer(&mut self, path: &str) -> Option<&mut SceneMultiplayer> {
        let api: &mut dyn std::any::Any = self.multiplayer(path)?;
        api.downcast_mut::<SceneMultiplayer>()
    }

    /// Drains the events of the API serving `path`.
    pub fn drain_events(&mut self, path: &str) -> Vec<MultiplayerEvent> {
        let mut out = Vec::new();
        if let Some(api) = self.multiplayer(path) {
            while let Some(e) = api.pop_event() {
                out.push(e);
            }
        }
        out
    }

    /// Polls every API (each one's transport, packets, handlers), in the order installed.
    /// Returns the first error; all APIs are polled regardless.
    pub fn poll(&mut self) -> Result<(), MultiplayerError> {
        let serials: smallvec::SmallVec<[u64; 8]> =
            self.branches.iter().map(|b| b.serial).collect();
        let mut result = Ok(());
        for serial in serials {
            let r = self.with_branch(serial, |api, tree| api.poll(tree));
            if result.is_ok()
                && let Some(Err(e)) = r
            {
                result = Err(e);
            }
        }
        result
    }

    /// True when a branch with this serial exists.
    pub(crate) fn has_branch(&self, serial: u64) -> bool {
        self.branches.iter().any(|b| b.serial == serial)
    }

    /// The serial of the branch serving `node`.
    pub(crate) fn branch_serial(&self, node: NodeId) -> Option<u64> {
        self.branch_index(node).map(|b| self.branches[b].serial)
    }

    /// Lends the API of branch `serial` out to `f` and puts it back afterwards (unless the
    /// branch was replaced meanwhile).
    pub(crate) fn with_branch<R>(
        &mut self,
        serial: u64,
        f: impl FnOnce(&mut dyn MultiplayerApi, &mut SceneTree) -> R,
    ) -> Option<R> {
        let mut api = self
            .branches
            .iter_mut()
            .find(|b| b.serial == serial)?
            .api
            .take()?;
        let r = f(api.as_mut(), self);
        if self
            .branches
            .iter()
            .any(|b| b.serial == serial && b.api.is_none())
        {
            self.deliver_pending_configurations(serial, api.as_mut());
            if let Some(b) = self.branches.iter_mut().find(|b| b.serial == serial) {
                b.api = Some(api);
            }
        }
        Some(r)
    }

    /// Godot's `Node.rpc(method, ...)`: calls `method` on `node` on every peer.
    pub fn rpc(
        &mut self,
        node: NodeId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        self.rpc_id(node, 0, method, args)
    }

    /// Godot's `Node.rpc_id(peer, method, ...)` (0 all, `n` that peer, `-n` all but `n`).
    pub fn rpc_id(
        &mut self,
        node: NodeId,
        peer: PeerId,
        method: &str,
        args: &[Variant],
    ) -> Result<(), MultiplayerError> {
        let b = self
            .branch_index(node)
            .ok_or(MultiplayerError::InvalidNode)?;
        let serial = self.branches[b].serial;
        self.with_branch(serial, |api, tree| api.rpc(tree, peer, node, method, args))
            .unwrap_or(Err(MultiplayerError::NoMultiplayer))
    }
}
