//! Golden tests: the checked-in sample projects under tests/projects, one per file feature,
//! and the expected wire tables written out by hand from Godot's rules (names sorted by code
//! point give the ids; the checksum is the MD5 of the names in that order).

use netscene_godot_project::table::{RpcNode, SceneTable, Synchronizer};
use netscene_godot_project::{GodotProject, WireTable};

fn table(name: &str) -> WireTable {
    let dir = format!("{}/tests/projects/{name}", env!("CARGO_MANIFEST_DIR"));
    GodotProject::open(&dir)
        .and_then(|mut p| p.wire_table())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn md5_of(names: &[&str]) -> String {
    String::from_utf8(netscene::wire::rpc_checksum(names.iter().copied()).to_vec()).unwrap()
}

fn live(t: &WireTable) -> &SceneTable {
    t.scene("live").expect("a live table")
}

fn node<'a>(t: &'a SceneTable, path: &str) -> &'a RpcNode {
    t.rpc_nodes
        .iter()
        .find(|n| n.path == path)
        .unwrap_or_else(|| {
            panic!(
                "no RPC node {path}: {:?}",
                t.rpc_nodes.iter().map(|n| &n.path).collect::<Vec<_>>()
            )
        })
}

/// `(id, name, mode, call_local, transfer, channel)` of every method.
fn methods(n: &RpcNode) -> Vec<(u16, &str, &str, bool, &str, i32)> {
    n.methods
        .iter()
        .map(|m| {
            (
                m.id,
                m.name.as_str(),
                m.mode.as_str(),
                m.call_local,
                m.transfer_mode.as_str(),
                m.channel,
            )
        })
        .collect()
}

#[test]
fn autoloads_come_first_under_root_in_file_order_then_the_main_scene_by_uid() {
    let t = table("autoloads");
    assert_eq!(t.project.as_deref(), Some("golden autoloads"));
    let paths: Vec<&str> = live(&t).rpc_nodes.iter().map(|n| n.path.as_str()).collect();
    // Net is a script autoload; Hud a scene autoload whose root is renamed to the autoload's
    // name; Game is the main scene's root, found through uid://b7main0scene.
    assert_eq!(paths, ["/root/Net", "/root/Hud", "/root/Game"]);
    let game = node(live(&t), "/root/Game");
    // The ext_resource's uid (game.gd.uid) names the same file as its path.
    assert_eq!(game.script, "res://game.gd");
    assert_eq!(
        methods(game),
        [(0, "start", "authority", true, "reliable", 0)]
    );
    assert_eq!(game.checksum, md5_of(&["start"]));
}

#[test]
fn rpc_annotations_any_order_defaults_and_sorted_ids() {
    let t = table("rpc_annotations");
    let main = node(live(&t), "/root/Main");
    assert_eq!(
        methods(main),
        [
            (0, "Beta", "authority", false, "unreliable", 0),
            (1, "_underscore", "any_peer", true, "reliable", 0),
            (2, "alpha", "any_peer", true, "unreliable_ordered", 2),
            (3, "mid", "authority", false, "unreliable", 0),
            (4, "zeta", "authority", false, "reliable", 0),
        ]
    );
    assert_eq!(
        main.checksum,
        md5_of(&["Beta", "_underscore", "alpha", "mid", "zeta"])
    );
    assert_eq!(main.methods[4].declared_at, "res://node.gd:10");
    assert!(main.runtime_rpc_config.is_empty());
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn extends_chains_by_path_and_class_name_inherit_and_override() {
    let t = table("extends_chain");
    let leaf = node(live(&t), "/root/World/Leaf");
    assert_eq!(
        methods(leaf),
        [
            (0, "die", "authority", false, "reliable", 0),
            (1, "emote", "any_peer", true, "reliable", 0),
            // mid.gd's @rpc replaces base.gd's for the same name.
            (2, "hit", "authority", false, "unreliable", 0),
        ]
    );
    assert_eq!(leaf.methods[2].declared_at, "res://scripts/mid.gd:4");
    assert_eq!(leaf.checksum, md5_of(&["die", "emote", "hit"]));
    // The run-time rpc_config call is reported, not guessed.
    assert_eq!(leaf.runtime_rpc_config, ["res://leaf.gd:8"]);
    assert_eq!(t.warnings.len(), 1);
    assert!(
        t.warnings[0].starts_with("res://leaf.gd:8: rpc_config"),
        "{}",
        t.warnings[0]
    );
    let base = node(live(&t), "/root/World/Base");
    assert_eq!(
        methods(base),
        [
            (0, "die", "authority", false, "reliable", 0),
            (1, "hit", "any_peer", false, "reliable", 0)
        ]
    );
}

#[test]
fn instanced_inherited_and_overridden_scenes() {
    let t = table("instancing");
    let l = live(&t);
    let paths: Vec<&str> = l.rpc_nodes.iter().map(|n| n.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            // The inherited scene's root keeps the inheriting scene's name and the base's script.
            "/root/Level",
            // A built-in script (a GDScript sub_resource) on a node added under a node of the
            // inherited scene.
            "/root/Level/Map/Door",
            // Two instances of one scene, each with its nested instance.
            "/root/Level/Scout",
            "/root/Level/Scout/Weapon",
            "/root/Level/Tank",
            "/root/Level/Tank/Weapon",
            // A script set on a node inside an imported model (editable children of a .glb).
            "/root/Level/Tank/Model/Armature/Turret",
        ]
    );
    assert_eq!(
        methods(node(l, "/root/Level/Tank/Model/Armature/Turret")),
        [(0, "aim", "any_peer", false, "unreliable", 0)]
    );
    assert_eq!(
        t.warnings,
        [
            "res://level.tscn:30: res://models/tank.glb is an imported or binary scene: netscene does not read its nodes (taken to have no RPCs, spawners or synchronizers)"
        ]
    );
    assert_eq!(
        methods(node(l, "/root/Level")),
        [(0, "restart", "any_peer", true, "reliable", 0)]
    );
    let door = node(l, "/root/Level/Map/Door");
    assert_eq!(door.script, "res://level.tscn::GDScript_door");
    assert_eq!(
        methods(door),
        [(0, "open", "any_peer", false, "reliable", 0)]
    );
    assert_eq!(
        door.methods[0].declared_at,
        "res://level.tscn::GDScript_door:12"
    );
    // The editable child's script override applies to Tank's weapon only.
    assert_eq!(
        node(l, "/root/Level/Scout/Weapon").script,
        "res://parts/weapon.gd"
    );
    let heavy = node(l, "/root/Level/Tank/Weapon");
    assert_eq!(heavy.script, "res://parts/heavy_weapon.gd");
    assert_eq!(heavy.checksum, md5_of(&["fire", "overheat"]));
    // A node added under a node of an instanced scene exists in the tree.
    let mut project = GodotProject::open(format!(
        "{}/tests/projects/instancing",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let tree = project.live_tree().unwrap();
    assert!(tree.find("Level/Tank/Weapon/Muzzle/Scope").is_some());
    assert!(
        tree.find("Level/Tank/Model/Armature/Turret/Light")
            .is_some()
    );
    assert!(tree.find("Level/Tank/Model").unwrap().opaque);
    assert_eq!(
        tree.find("Level/Scout/Label")
            .and_then(|n| n.props.get("text"))
            .map(|p| p.origin.line),
        Some(12)
    );
}

fn sync<'a>(t: &'a SceneTable, path: &str) -> &'a Synchronizer {
    t.synchronizers
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("no synchronizer {path}"))
}

#[test]
fn spawners_and_synchronizers_with_their_configs() {
    let t = table("replication");
    let l = live(&t);
    assert_eq!(l.spawners.len(), 1);
    let spawner = &l.spawners[0];
    assert_eq!(spawner.path, "/root/World/UnitSpawner");
    assert_eq!(spawner.spawn_node.as_deref(), Some("/root/World/Units"));
    // Scene ids are the list's indexes, as written (a uid:// entry included).
    assert_eq!(spawner.scenes, ["res://unit.tscn", "uid://crate0scene"]);
    assert_eq!(spawner.spawn_limit, 16);

    let clock = sync(l, "/root/World/Clock/ClockSync");
    assert_eq!(clock.root_node.as_deref(), Some("/root/World/Clock"));
    assert_eq!(
        (clock.replication_interval, clock.delta_interval),
        (0.1, 0.25)
    );
    assert!(!clock.public_visibility);
    assert_eq!(clock.visibility_update_mode, "none");
    assert_eq!(clock.config.as_deref(), Some("res://world.tscn:6"));
    assert_eq!(clock.sync_order(), ["..:time_left"]);
    assert!(clock.spawn_order().is_empty());

    // A .tres config with the older sync/watch keys.
    let score = sync(l, "/root/World/ScoreSync");
    assert_eq!(score.root_node.as_deref(), Some("/root/World"));
    assert_eq!(score.config.as_deref(), Some("res://configs/score.tres:1"));
    assert_eq!(score.spawn_order(), [".:score", ".:wave"]);
    assert_eq!(score.sync_order(), [".:wave"]);
    assert_eq!(score.watch_order(), [".:score"]);

    // Spawnable scenes get tables of their own, paths relative to their root.
    let unit = t.scene("res://unit.tscn").expect("unit table");
    let s = sync(unit, "MultiplayerSynchronizer");
    assert_eq!(s.root_node.as_deref(), Some("."));
    assert_eq!(s.spawn_order(), [".:position", ".:hp"]);
    assert_eq!(s.sync_order(), [".:position"]);
    assert_eq!(s.watch_order(), ["Body:modulate"]);
    let crate_table = t
        .scene("res://crate.tscn")
        .expect("the uid:// scene, resolved");
    assert_eq!(
        methods(node(crate_table, ".")),
        [(0, "push", "any_peer", false, "unreliable", 0)]
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}

#[test]
fn json_round_trips() {
    for name in [
        "autoloads",
        "rpc_annotations",
        "extends_chain",
        "instancing",
        "replication",
        "godot46_format",
    ] {
        let t = table(name);
        let json = serde_json::to_string(&t).unwrap();
        let back: WireTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t, "{name}");
    }
}

#[test]
fn the_examples_match_the_servers_contract() {
    // examples/godot-lobby-client: netscene serve's lobby, the four methods of lobby.gd.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let lobby = GodotProject::open(format!("{root}/godot-lobby-client"))
        .and_then(|mut p| p.wire_table())
        .unwrap();
    let n = lobby.rpc_node("/root/Lobby").expect("/root/Lobby");
    assert_eq!(
        methods(n),
        [
            (0, "chat", "any_peer", false, "reliable", 0),
            (1, "receive_chat", "authority", false, "reliable", 0),
            (2, "register", "any_peer", false, "reliable", 0),
            (3, "update_players", "authority", false, "reliable", 0),
        ]
    );
    assert_eq!(
        n.checksum,
        md5_of(&["chat", "receive_chat", "register", "update_players"])
    );
}

#[test]
fn what_godot_4_6_editors_write() {
    let t = table("godot46_format");
    let l = live(&t);
    // The autoload and the main scene are named by uid:// (a .uid file, a scene header).
    let net = node(l, "/root/Net");
    assert_eq!(
        methods(net),
        [(0, "state", "any_peer", false, "unreliable_ordered", 1)]
    );
    // unique_id, parent_id_path, node_paths, groups and index fields do not disturb the tree;
    // the instanced mob's Sync child is overridden through its parent path.
    let boss = node(l, "/root/Main/Mobs/Boss");
    assert_eq!(
        methods(boss),
        [(0, "hurt", "authority", true, "reliable", 0)]
    );
    let sync = sync(l, "/root/Main/Mobs/Boss/Sync");
    assert_eq!(sync.replication_interval, 0.2);
    assert_eq!(sync.root_node.as_deref(), Some("/root/Main/Mobs/Boss"));
    assert_eq!(sync.sync_order(), [".:position"]);
    assert_eq!(sync.watch_order(), [".:hp"]);
    assert_eq!(l.spawners[0].scenes, ["uid://cmobscene"]);
    assert!(t.scene("res://mob.tscn").is_some());
    // A built-in script without @rpc is no RPC node.
    assert!(l.rpc_nodes.iter().all(|n| n.path != "/root/Main"));
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
}
