//! The common MultiplayerApi calls are inherent on SceneMultiplayer: this file does not import
//! the trait (compiling it is half the test) and checks they behave as the trait's.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use netscene::peer::simulated::SimulatedNetwork;
use netscene::{MultiplayerEvent, NodePath, RpcConfig, SceneMultiplayer, SceneTree, args};

#[test]
fn a_server_and_a_client_without_the_trait_import() {
    let net = SimulatedNetwork::new(11);
    let mut server = SceneMultiplayer::new();
    let mut client = SceneMultiplayer::new();
    // A new SceneMultiplayer holds Godot's offline peer; removing it leaves none.
    server.set_multiplayer_peer(None).unwrap();
    assert!(!server.has_multiplayer_peer());
    assert!(!server.is_server());
    assert_eq!(server.get_unique_id(), 0);

    server
        .set_multiplayer_peer(Some(Box::new(net.create_server().unwrap())))
        .unwrap();
    client
        .set_multiplayer_peer(Some(Box::new(net.create_client())))
        .unwrap();
    assert!(server.has_multiplayer_peer() && server.get_multiplayer_peer().is_some());
    assert!(server.get_multiplayer_peer_mut().is_some());
    assert!(server.is_server());
    assert_eq!(server.get_unique_id(), 1);
    let client_id = client.get_unique_id();
    assert!(client_id > 1, "a client id: {client_id}");
    assert!(!client.is_server());

    // Standalone (not installed in a tree): each serves its own tree from /root.
    server.set_root_path(NodePath::new("/root")).unwrap();
    client.set_root_path(NodePath::new("/root")).unwrap();
    let mut server_tree = SceneTree::new();
    let mut client_tree = SceneTree::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut lobby = Vec::new();
    for tree in [&mut server_tree, &mut client_tree] {
        let id = tree.add_path("/root/Lobby").unwrap();
        let seen = seen.clone();
        tree.on_rpc(
            id,
            "hello",
            RpcConfig::authority(),
            move |ctx, (text,): (String,)| {
                seen.lock().unwrap().push((ctx.remote_sender_id(), text));
            },
        )
        .unwrap();
        lobby.push(id);
    }

    for _ in 0..200 {
        if !server.get_peers().is_empty() && !client.get_peers().is_empty() {
            break;
        }
        step(
            &net,
            [
                (&mut server, &mut server_tree),
                (&mut client, &mut client_tree),
            ],
        );
    }
    assert_eq!(server.get_peers(), vec![client_id]);
    assert_eq!(client.get_peers(), vec![1]);
    let mut events = Vec::new();
    while let Some(event) = server.pop_event() {
        events.push(event);
    }
    assert!(
        events.contains(&MultiplayerEvent::PeerConnected(client_id)),
        "{events:?}"
    );
    assert_eq!(server.get_remote_sender_id(), 0, "0 outside handlers");

    server
        .rpc(&mut server_tree, client_id, lobby[0], "hello", &args!["hi"])
        .unwrap();
    for _ in 0..200 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        step(
            &net,
            [
                (&mut server, &mut server_tree),
                (&mut client, &mut client_tree),
            ],
        );
    }
    assert_eq!(*seen.lock().unwrap(), vec![(1, "hi".to_owned())]);
}

fn step(net: &SimulatedNetwork, sides: [(&mut SceneMultiplayer, &mut SceneTree); 2]) {
    for (api, tree) in sides {
        api.poll(tree).unwrap();
    }
    net.advance(Duration::from_millis(5));
}
