//! The lobby contract of `examples/godot-lobby-client` (chat, receive_chat, register,
//! update_players) with token authentication, driven the way the Godot client drives it:
//! on `peer_authenticating(1)` it sends the token and completes at once.

mod support;

use netscene::variant::Dictionary;
use netscene::{MultiplayerEvent, PeerId, RpcConfig, SceneMultiplayer, Variant, args};
use std::sync::{Arc, Mutex};
use support::{SERVER, World};

const TOKEN: &[u8] = b"secret";

#[derive(Default)]
struct Players(Dictionary);

#[test]
fn lobby_with_token_auth() {
    let mut w = World::with_setup(2, |mp| {
        mp.set_auth_callback(Some(Box::new(
            |mp: &mut SceneMultiplayer, peer, data: &[u8]| {
                // Server: check the token. Clients (like the Godot client) ignore the answer.
                if netscene::MultiplayerApi::is_server(mp) {
                    if data == TOKEN {
                        mp.complete_auth(peer).unwrap();
                    } else {
                        mp.disconnect_peer(peer).unwrap();
                    }
                }
            },
        )));
    });
    let chat_log: Arc<Mutex<Vec<(usize, PeerId, String)>>> = Arc::default();
    let nodes = w.add_everywhere("Lobby");
    for (branch, &node) in nodes.iter().enumerate() {
        w.tree.node_mut(node).unwrap().set_state(Players::default());
        w.tree
            .on_rpc(
                node,
                "chat",
                RpcConfig::any_peer(),
                |ctx, (text,): (String,)| {
                    let from = ctx.remote_sender_id();
                    ctx.rpc("receive_chat", &args![from, text]).unwrap();
                },
            )
            .unwrap();
        let log = chat_log.clone();
        w.tree
            .on_rpc(
                node,
                "receive_chat",
                RpcConfig::authority(),
                move |_, (from, text): (PeerId, String)| {
                    log.lock().unwrap().push((branch, from, text));
                },
            )
            .unwrap();
        w.tree
            .on_rpc(
                node,
                "register",
                RpcConfig::any_peer(),
                |ctx, (name,): (String,)| {
                    let from = ctx.remote_sender_id();
                    let players = ctx.state_mut::<Players>().unwrap();
                    players.0.insert(from, name);
                    let all = Variant::Dictionary(players.0.clone());
                    ctx.rpc("update_players", &[all]).unwrap();
                },
            )
            .unwrap();
        w.tree
            .on_rpc(
                node,
                "update_players",
                RpcConfig::authority(),
                |ctx, (d,): (Dictionary,)| {
                    ctx.state_mut::<Players>().unwrap().0 = d;
                },
            )
            .unwrap();
        // Same ids and checksum as the GDScript node.
        let n = w.tree.node(node).unwrap();
        assert_eq!(n.rpc_method_id("update_players"), Some(3));
        assert_eq!(
            n.rpc_checksum().as_bytes(),
            netscene::wire::rpc_checksum(["chat", "receive_chat", "register", "update_players"])
        );
    }
    w.pump();
    for i in 0..2 {
        let path = w.client_path(i).to_owned();
        assert_eq!(
            w.events(&path),
            vec![MultiplayerEvent::PeerAuthenticating(1)]
        );
        let mp = w.tree.scene_multiplayer(&path).unwrap();
        mp.send_auth(1, TOKEN).unwrap();
        mp.complete_auth(1).unwrap();
    }
    w.pump();
    let (c1, c2) = (w.client_id(0), w.client_id(1));
    w.tree
        .rpc_id(nodes[1], 1, "register", &args!["alice"])
        .unwrap();
    w.tree
        .rpc_id(nodes[2], 1, "register", &args!["bob"])
        .unwrap();
    w.pump();
    w.tree.rpc_id(nodes[1], 1, "chat", &args!["hello"]).unwrap();
    w.pump();
    for &node in &nodes {
        let players = &w.tree.node(node).unwrap().state::<Players>().unwrap().0;
        assert_eq!(players.len(), 2);
        assert_eq!(
            players.get(&Variant::Int(c1.into())),
            Some(&Variant::from("alice"))
        );
        assert_eq!(
            players.get(&Variant::Int(c2.into())),
            Some(&Variant::from("bob"))
        );
    }
    let mut log = chat_log.lock().unwrap().clone();
    log.sort();
    assert_eq!(log, vec![(1, c1, "hello".into()), (2, c1, "hello".into())]);

    // A client with the wrong token is dropped.
    let peer = w.net.create_client();
    let mut mp = SceneMultiplayer::new();
    mp.set_auth_callback(Some(Box::new(|_, _, _| {})));
    netscene::MultiplayerApi::set_multiplayer_peer(&mut mp, Some(Box::new(peer))).unwrap();
    w.tree
        .set_multiplayer(Box::new(mp), "/root/intruder")
        .unwrap();
    w.tree.add_path("/root/intruder").unwrap();
    w.pump();
    w.events(SERVER);
    let mp = w.tree.scene_multiplayer("/root/intruder").unwrap();
    mp.send_auth(1, b"guess").unwrap();
    mp.complete_auth(1).unwrap();
    w.pump();
    // Dropped without peer signals (disconnect_peer blocks them); its completion notice,
    // already in flight, is refused as coming from a peer that is not admitted.
    let server_events = w.events(SERVER);
    assert!(
        server_events
            .iter()
            .all(|e| matches!(e, MultiplayerEvent::PacketRejected { .. })),
        "{server_events:?}"
    );
    assert_eq!(w.tree.multiplayer(SERVER).unwrap().get_peers().len(), 2);
    let intruder = w.events("/root/intruder");
    // The pending server left: authentication failed, then the connection ended.
    assert_eq!(
        intruder,
        vec![
            MultiplayerEvent::PeerAuthenticating(1),
            MultiplayerEvent::PeerAuthenticationFailed(1),
            MultiplayerEvent::ServerDisconnected,
        ]
    );
}
