//! One node of the [`SceneTree`](super::SceneTree): name, children, multiplayer authority,
//! RPC methods and their configuration, and optional user state.

use std::any::Any;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use netscene_variant::{StringName, Variant};

use super::NodeId;
use crate::handler::RpcHandler;
use crate::peer::PeerId;
use crate::rpc_config::RpcConfig;
use crate::wire::rpc_checksum;

mod typed_property;

/// Bit 15 of a method id: the config came from `rpc_config` (node level), not from the
/// script-level table (`@rpc`).
pub const NODE_LEVEL_ID_FLAG: u16 = 0x8000;

/// A configured RPC method as the wire sees it.
#[derive(Clone)]
pub(crate) struct RpcEntry {
    pub name: StringName,
    pub config: RpcConfig,
    pub handler: Option<RpcHandler>,
}

/// The compiled id tables of one node (Godot's `RPCConfigCache`), rebuilt when the
/// configuration or the methods change.
#[derive(Clone, Default)]
pub(crate) struct RpcTable {
    /// Index = id without bit 15; `None` = an entry Godot skips (it still takes its index).
    node_level: Vec<(StringName, Option<RpcEntry>)>,
    /// Index = id.
    script_level: Vec<RpcEntry>,
    /// MD5 hex of the names in id order (spec C.2).
    pub checksum: [u8; 32],
}

impl RpcTable {
    /// The entry for a method id from the wire.
    pub fn by_id(&self, id: u16) -> Option<&RpcEntry> {
        if id & NODE_LEVEL_ID_FLAG != 0 {
            self.node_level
                .get(usize::from(id & !NODE_LEVEL_ID_FLAG))?
                .1
                .as_ref()
        } else {
            self.script_level.get(usize::from(id))
        }
    }

    /// The id for a method name; a script-level entry wins over a node-level one, as in
    /// Godot (its `ids` map is filled node level first, then script level).
    pub fn id_of(&self, name: &str) -> Option<u16> {
        if let Ok(i) = self
            .script_level
            .binary_search_by(|e| e.name.as_str().cmp(name))
        {
            return u16::try_from(i).ok();
        }
        let i = self
            .node_level
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()?;
        self.node_level[i].1.as_ref()?;
        u16::try_from(i).ok().map(|i| i | NODE_LEVEL_ID_FLAG)
    }
}

/// A node: the unit RPCs address. Created with [`SceneTree::add_child`](super::SceneTree::add_child).
pub struct Node {
    pub(crate) name: StringName,
    pub(crate) parent: Option<NodeId>,
    pub(crate) children: Vec<NodeId>,
    /// The same children by name: Godot also keys children by name, and wire paths resolve
    /// one lookup per segment.
    pub(crate) children_by_name: HashMap<StringName, NodeId>,
    pub(crate) authority: PeerId,
    methods: HashMap<StringName, RpcHandler>,
    script_rpc: BTreeMap<StringName, RpcConfig>,
    node_rpc: BTreeMap<StringName, Option<RpcConfig>>,
    pub(crate) table: RpcTable,
    state: Option<Box<dyn Any + Send>>,
    /// Named properties, what MultiplayerSynchronizer replicates.
    properties: HashMap<StringName, Variant>,
    /// Replication roles (a node may be a MultiplayerSpawner and/or a MultiplayerSynchronizer).
    pub(crate) spawner: Option<Box<crate::replication::MultiplayerSpawner>>,
    pub(crate) synchronizer: Option<Box<crate::replication::MultiplayerSynchronizer>>,
    /// The serving branch, cached: `(tree branch epoch << 32) | (index + 1)`; 0 = unknown.
    pub(crate) branch_cache: Cell<u64>,
}

impl Node {
    pub(crate) fn new(name: StringName, parent: Option<NodeId>) -> Self {
        let mut node = Self {
            name,
            parent,
            children: Vec::new(),
            children_by_name: HashMap::new(),
            authority: 1,
            methods: HashMap::new(),
            script_rpc: BTreeMap::new(),
            node_rpc: BTreeMap::new(),
            table: RpcTable::default(),
            state: None,
            properties: HashMap::new(),
            spawner: None,
            synchronizer: None,
            branch_cache: Cell::new(0),
        };
        node.rebuild_table();
        node
    }

    /// The node's name.
    pub fn name(&self) -> &StringName {
        &self.name
    }

    /// The parent (None for the root).
    pub fn parent(&self) -> Option<NodeId> {
        self.parent
    }

    /// The children, in the order they were added.
    pub fn children(&self) -> &[NodeId] {
        &self.children
    }

    /// `get_multiplayer_authority()`: the peer allowed to call its `authority` RPCs (default 1).
    #[doc(alias = "get_multiplayer_authority")]
    pub fn multiplayer_authority(&self) -> PeerId {
        self.authority
    }

    /// Registers an RPC method the way GDScript's `@rpc` does (script level: ids without
    /// bit 15), with a handler over the raw arguments. Replaces an earlier registration of
    /// the same name. A Rust node and a GDScript node with the same `@rpc` methods agree on
    /// ids and checksum.
    pub fn add_rpc(
        &mut self,
        method: impl Into<StringName>,
        config: RpcConfig,
        handler: RpcHandler,
    ) {
        let method = method.into();
        self.script_rpc.insert(method.clone(), config);
        self.methods.insert(method, handler);
        self.rebuild_table();
    }

    /// Removes a script-level RPC method and its handler.
    pub fn remove_rpc(&mut self, method: &str) {
        let key = StringName::new(method);
        self.script_rpc.remove(&key);
        self.methods.remove(&key);
        self.rebuild_table();
    }

    /// Adds (or replaces) a plain method, callable through RPC only once it has an
    /// [`rpc_config`](Self::rpc_config) or a script-level registration.
    pub fn add_method(&mut self, method: impl Into<StringName>, handler: RpcHandler) {
        self.methods.insert(method.into(), handler);
        self.rebuild_table();
    }

    /// Godot's `Node.rpc_config(method, config)`: a node-level configuration (ids with
    /// bit 15). `config` is a Godot config Dictionary; `Variant::Nil` removes the entry. A
    /// dictionary without `rpc_mode` is kept but, as in Godot, is not an RPC (it still takes
    /// its place in the id order).
    pub fn rpc_config(&mut self, method: impl Into<StringName>, config: &Variant) {
        let method = method.into();
        if matches!(config, Variant::Nil) {
            self.node_rpc.remove(&method);
        } else {
            self.node_rpc
                .insert(method, RpcConfig::from_variant(config));
        }
        self.rebuild_table();
    }

    /// Typed form of [`rpc_config`](Self::rpc_config).
    pub fn set_rpc_config(&mut self, method: impl Into<StringName>, config: RpcConfig) {
        self.node_rpc.insert(method.into(), Some(config));
        self.rebuild_table();
    }

    /// Godot's `get_node_rpc_config()`: the node-level configs as a Dictionary.
    pub fn get_node_rpc_config(&self) -> Variant {
        let mut dict = netscene_variant::Dictionary::new();
        for (name, cfg) in &self.node_rpc {
            if let Some(cfg) = cfg {
                dict.insert(Variant::StringName(name.clone()), cfg.to_variant());
            }
        }
        Variant::Dictionary(dict)
    }

    /// The configuration the wire uses for `method` (script level wins), if any.
    pub fn get_rpc_config(&self, method: &str) -> Option<RpcConfig> {
        let id = self.table.id_of(method)?;
        Some(self.table.by_id(id)?.config)
    }

    /// The method id `method` has on the wire (bit 15 set for node-level configs).
    pub fn rpc_method_id(&self, method: &str) -> Option<u16> {
        self.table.id_of(method)
    }

    /// The RPC methods the wire knows on this node, in id order, as `(id, name, config)`:
    /// node-level configs ([`rpc_config`](Self::rpc_config), ids with bit 15) first, then
    /// script-level ones. What a tool needs to print or compare a node's RPC table.
    ///
    /// ```
    /// use netscene::{RpcConfig, SceneTree, handler};
    /// let mut tree = SceneTree::new();
    /// let id = tree.add_path("/root/Lobby").unwrap();
    /// let node = tree.node_mut(id).unwrap();
    /// node.add_rpc("chat", RpcConfig::any_peer(), handler(|_, _| Ok(())));
    /// node.set_rpc_config("kick", RpcConfig::authority());
    /// let ids: Vec<(u16, &str)> = node.rpc_methods().map(|(id, name, _)| (id, name)).collect();
    /// assert_eq!(ids, [(0x8000, "kick"), (0, "chat")]);
    /// ```
    pub fn rpc_methods(&self) -> impl Iterator<Item = (u16, &str, RpcConfig)> + '_ {
        let node_level = self
            .table
            .node_level
            .iter()
            .enumerate()
            .filter_map(|(i, (name, e))| {
                let id = u16::try_from(i).ok()? | NODE_LEVEL_ID_FLAG;
                Some((id, name.as_str(), e.as_ref()?.config))
            });
        let script_level = self
            .table
            .script_level
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((u16::try_from(i).ok()?, e.name.as_str(), e.config)));
        node_level.chain(script_level)
    }

    /// The RPC checksum (32 lowercase hex digits) sent in SIMPLIFY_PATH.
    pub fn rpc_checksum(&self) -> &str {
        // Only ASCII hex digits are ever stored.
        std::str::from_utf8(&self.table.checksum).unwrap_or("")
    }

    /// Stores user state on the node (replacing any previous state).
    pub fn set_state<T: Any + Send>(&mut self, state: T) {
        self.state = Some(Box::new(state));
    }

    /// The node's user state, if it has one of type `T`.
    pub fn state<T: Any>(&self) -> Option<&T> {
        self.state.as_ref()?.downcast_ref()
    }

    /// The node's user state, mutable, if it has one of type `T`.
    pub fn state_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.state.as_mut()?.downcast_mut()
    }

    /// Godot's `Object.set(property, value)`: stores a named property (what a
    /// [`MultiplayerSynchronizer`](crate::replication::MultiplayerSynchronizer) replicates),
    /// of any type. [`set`](Self::set) is the typed form that keeps the property's type.
    pub fn set_property(&mut self, name: impl Into<StringName>, value: Variant) {
        self.properties.insert(name.into(), value);
    }

    /// Godot's `Object.get(property)`: the named property, if set. [`get`](Self::get) is
    /// the typed form.
    pub fn get_property(&self, name: &str) -> Option<&Variant> {
        self.properties.get(name)
    }

    /// The named property, mutable, if set.
    pub fn get_property_mut(&mut self, name: &str) -> Option<&mut Variant> {
        self.properties.get_mut(name)
    }

    /// The node's MultiplayerSpawner role, if it has one.
    pub fn spawner(&self) -> Option<&crate::replication::MultiplayerSpawner> {
        self.spawner.as_deref()
    }

    /// The node's MultiplayerSynchronizer role, if it has one.
    pub fn synchronizer(&self) -> Option<&crate::replication::MultiplayerSynchronizer> {
        self.synchronizer.as_deref()
    }

    /// The node's MultiplayerSynchronizer role, mutable (visibility, intervals, config).
    pub fn synchronizer_mut(&mut self) -> Option<&mut crate::replication::MultiplayerSynchronizer> {
        self.synchronizer.as_deref_mut()
    }

    fn rebuild_table(&mut self) {
        let entry = |name: &StringName, config: RpcConfig| RpcEntry {
            name: name.clone(),
            config,
            handler: self.methods.get(name).cloned(),
        };
        let node_level: Vec<_> = self
            .node_rpc
            .iter()
            .map(|(name, cfg)| (name.clone(), cfg.map(|c| entry(name, c))))
            .collect();
        let script_level: Vec<_> = self
            .script_rpc
            .iter()
            .map(|(name, cfg)| entry(name, *cfg))
            .collect();
        let names = node_level
            .iter()
            .filter(|(_, e)| e.is_some())
            .map(|(n, _)| n.as_str())
            .chain(script_level.iter().map(|e| e.name.as_str()));
        let checksum = rpc_checksum(names);
        self.table = RpcTable {
            node_level,
            script_level,
            checksum,
        };
    }
}
