//! The node tree: paths, removal, authority, RPC ids and branch routing.

use netscene::{
    MultiplayerApi, NodePath, RpcConfig, SceneMultiplayer, SceneTree, TreeError, Variant,
};

#[test]
fn paths_children_and_removal() {
    let mut tree = SceneTree::new();
    let a = tree.add_path("/root/Main/Players/P1").unwrap();
    assert_eq!(
        tree.get_path(a).unwrap().to_string(),
        "/root/Main/Players/P1"
    );
    let players = tree.get_node("/root/Main/Players").unwrap();
    assert_eq!(tree.node(players).unwrap().children(), &[a]);
    assert_eq!(
        tree.add_child(players, "P1"),
        Err(TreeError::NameTaken("P1".into()))
    );
    for bad in ["", "a/b", "a:b", "..", "@x"] {
        assert!(matches!(
            tree.add_child(players, bad),
            Err(TreeError::InvalidName(_))
        ));
    }
    assert_eq!(
        tree.relative_path(a, &NodePath::new("/root/Main"))
            .as_deref(),
        Some("Players/P1")
    );
    assert_eq!(tree.relative_path(a, &NodePath::new("/root/Other")), None);
    assert_eq!(
        tree.get_node_relative(&NodePath::new("/root/Main/Players"), "../Players/P1"),
        Some(a)
    );
    tree.remove_node(players).unwrap();
    assert!(tree.node(a).is_none());
    assert!(tree.get_node("/root/Main/Players/P1").is_none());
    // A new node in the freed slot is a different node.
    let b = tree.add_path("/root/Main/Players/P1").unwrap();
    assert_ne!(a, b);
    assert!(tree.node(a).is_none());
    assert_eq!(tree.remove_node(tree.root()), Err(TreeError::RemoveRoot));
}

#[test]
fn authority_defaults_to_one_is_not_inherited_on_add_and_set_recursive_follows_godot() {
    let mut tree = SceneTree::new();
    let parent = tree.add_path("/root/P").unwrap();
    let child = tree.add_path("/root/P/C").unwrap();
    assert_eq!(tree.get_multiplayer_authority(child), 1);
    tree.set_multiplayer_authority(parent, 7, false).unwrap();
    assert_eq!(tree.get_multiplayer_authority(parent), 7);
    assert_eq!(tree.get_multiplayer_authority(child), 1);
    tree.set_multiplayer_authority(parent, 9, true).unwrap();
    assert_eq!(tree.get_multiplayer_authority(child), 9);
    // A child added later starts at 1 as every new Godot node, under an owned parent too:
    // the recursive set reached only the children that existed then.
    let late = tree.add_path("/root/P/Late").unwrap();
    assert_eq!(tree.get_multiplayer_authority(late), 1);
    let grandchild = tree.add_path("/root/P/C/Deep").unwrap();
    assert_eq!(tree.get_multiplayer_authority(grandchild), 1);
    let other = tree.add_path("/root/Q/Other").unwrap();
    assert_eq!(tree.get_multiplayer_authority(other), 1);
    tree.set_multiplayer_authority(late, 3, false).unwrap();
    assert_eq!(tree.get_multiplayer_authority(late), 3);
    assert_eq!(tree.get_multiplayer_authority(parent), 9);
    // Offline: this peer is 1.
    assert!(tree.is_multiplayer_authority(other));
    assert!(!tree.is_multiplayer_authority(child));
}

#[test]
fn method_ids_follow_godot_sorting_node_level_then_script_level() {
    let mut tree = SceneTree::new();
    let n = tree.add_path("/root/N").unwrap();
    for m in ["zeta", "Alpha", "beta"] {
        tree.on_rpc(n, m, RpcConfig::any_peer(), |_, (): ()| {})
            .unwrap();
    }
    let node = tree.node_mut(n).unwrap();
    // Code-point order: uppercase first.
    assert_eq!(node.rpc_method_id("Alpha"), Some(0));
    assert_eq!(node.rpc_method_id("beta"), Some(1));
    assert_eq!(node.rpc_method_id("zeta"), Some(2));
    node.rpc_config("native_b", &RpcConfig::authority().to_variant());
    // A config without rpc_mode is skipped but keeps its index.
    node.rpc_config("native_a", &Variant::Dictionary(Default::default()));
    assert_eq!(node.rpc_method_id("native_a"), None);
    assert_eq!(node.rpc_method_id("native_b"), Some(0x8001));
    // Script level wins for a name configured both ways.
    node.rpc_config("beta", &RpcConfig::disabled().to_variant());
    assert_eq!(node.rpc_method_id("beta"), Some(1));
    // Checksum: node-level names in id order, then script-level.
    let expected = netscene::wire::rpc_checksum(["beta", "native_b", "Alpha", "beta", "zeta"]);
    assert_eq!(node.rpc_checksum().as_bytes(), expected);
    node.rpc_config("beta", &Variant::Nil);
    let expected = netscene::wire::rpc_checksum(["native_b", "Alpha", "beta", "zeta"]);
    assert_eq!(node.rpc_checksum().as_bytes(), expected);
    let Variant::Dictionary(d) = node.get_node_rpc_config() else {
        panic!()
    };
    assert_eq!(d.len(), 1);
}

#[test]
fn nodes_route_to_the_nearest_branch_even_when_added_before_it() {
    let mut tree = SceneTree::new();
    let early = tree.add_path("/root/branch/Early").unwrap();
    let outside = tree.add_path("/root/Outside").unwrap();
    // The default (offline) API serves both: offline peer id 1.
    assert!(tree.is_multiplayer_authority(early));
    let mut mp = SceneMultiplayer::new();
    mp.set_multiplayer_peer(None).unwrap();
    tree.set_multiplayer(Box::new(mp), "/root/branch").unwrap();
    // Now /root/branch has an API without a peer (unique id 0).
    assert!(!tree.is_multiplayer_authority(early));
    assert!(tree.is_multiplayer_authority(outside));
    assert_eq!(
        tree.scene_multiplayer("/root/branch/Early")
            .unwrap()
            .get_root_path()
            .to_string(),
        "/root/branch"
    );
    // Nested custom branches are refused.
    assert!(
        tree.set_multiplayer(Box::new(SceneMultiplayer::new()), "/root/branch/inner")
            .is_err()
    );
    assert!(
        tree.set_multiplayer(Box::new(SceneMultiplayer::new()), "relative")
            .is_err()
    );
}

#[test]
fn a_tree_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<SceneTree>();
    assert_send::<SceneMultiplayer>();
    assert_send::<Box<dyn MultiplayerApi>>();
}
