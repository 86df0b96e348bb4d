//! A running netscene tree's table against the project's: a server built from the project
//! agrees by construction; a hand-mirrored server agrees until one name or mode drifts.

use netscene::{RpcConfig, SceneTree, handler};
use netscene_godot_project::{GodotProject, WireTable, diff};

fn example(name: &str) -> GodotProject {
    GodotProject::open(format!(
        "{}/../../examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn a_server_built_from_the_project_agrees_with_it() {
    let mut project = example("godot-arena-client");
    let expected = project.wire_table().unwrap();
    let mut tree = SceneTree::new();
    let loaded = project.load_into(&mut tree).unwrap();
    let served = WireTable::from_tree(&tree);
    let live = served.scene("live").unwrap();
    assert_eq!(live.rpc_nodes.len(), 2);
    assert_eq!(
        live.spawners[0].spawn_node.as_deref(),
        Some("/root/Arena/Players")
    );
    let differences = diff(&expected, &served);
    assert!(differences.iter().all(|d| !d.breaking), "{differences:#?}");
    // Spawned avatars are instances, not part of the contract.
    loaded
        .spawn(&mut tree, "/root/Arena/PlayerSpawner", 0, "7", |_, _| {})
        .unwrap();
    let served = WireTable::from_tree(&tree);
    assert!(served.scene("live").unwrap().synchronizers.is_empty());
    assert!(diff(&expected, &served).iter().all(|d| !d.breaking));
}

fn lobby_server(chat: &str, update_players: RpcConfig) -> SceneTree {
    let mut tree = SceneTree::new();
    let lobby = tree.add_path("/root/Lobby").unwrap();
    let node = tree.node_mut(lobby).unwrap();
    let h = || handler(|_, _| Ok(()));
    node.add_rpc(chat, RpcConfig::any_peer(), h());
    node.add_rpc("receive_chat", RpcConfig::authority(), h());
    node.add_rpc("register", RpcConfig::any_peer(), h());
    node.add_rpc("update_players", update_players, h());
    tree
}

#[test]
fn a_hand_mirrored_server_agrees_until_it_drifts() {
    let expected = example("godot-lobby-client").wire_table().unwrap();
    let good = WireTable::from_tree(&lobby_server("chat", RpcConfig::authority()));
    assert_eq!(diff(&expected, &good), []);

    let typo = WireTable::from_tree(&lobby_server("chatt", RpcConfig::authority()));
    let found: Vec<String> = diff(&expected, &typo)
        .iter()
        .filter(|d| d.breaking)
        .map(|d| d.what.clone())
        .collect();
    assert_eq!(
        found[..2],
        [
            "method `chat` exists only in ours".to_string(),
            "method `chatt` exists only in theirs".to_string()
        ]
    );
    assert!(
        found.iter().any(|w| w.contains("RPC checksum")),
        "{found:?}"
    );

    let mode = WireTable::from_tree(&lobby_server("chat", RpcConfig::any_peer()));
    let found: Vec<String> = diff(&expected, &mode)
        .iter()
        .filter(|d| d.breaking)
        .map(|d| d.what.clone())
        .collect();
    assert_eq!(
        found,
        ["method `update_players` is authority in ours, any_peer in theirs"]
    );

    // A node-level config (rpc_config) has other ids (bit 15) than the project's @rpc.
    let mut tree = lobby_server("chat", RpcConfig::authority());
    let lobby = tree.get_node("/root/Lobby").unwrap();
    let node = tree.node_mut(lobby).unwrap();
    node.remove_rpc("register");
    node.set_rpc_config("register", RpcConfig::any_peer());
    let node_level = WireTable::from_tree(&tree);
    let found: Vec<String> = diff(&expected, &node_level)
        .iter()
        .filter(|d| d.breaking)
        .map(|d| d.what.clone())
        .collect();
    assert!(
        found.contains(&"method `register` has id 2 in ours, 32768 in theirs".to_string()),
        "{found:?}"
    );
}
