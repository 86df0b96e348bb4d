//! RPC over the simulated network: one server and three clients in one tree (branches).

mod support;

use std::sync::{Arc, Mutex};

use netscene::{
    MultiplayerEvent, NodeId, PeerId, RpcConfig, RpcRejection, TransferMode, Variant, args,
};
use support::{SERVER, World};

/// (branch index: 0 server, 1.. clients; sender; remote_sender_id seen via the API)
type Calls = Arc<Mutex<Vec<(usize, PeerId, PeerId)>>>;

/// `Lobby` in every branch with `hit` (any_peer), `hit_local` (any_peer, call_local) and
/// `boss` (authority).
fn lobby(w: &mut World) -> (Vec<NodeId>, Calls) {
    let calls: Calls = Arc::default();
    let nodes = w.add_everywhere("Lobby");
    for (branch, &node) in nodes.iter().enumerate() {
        for (method, cfg) in [
            ("hit", RpcConfig::any_peer()),
            ("hit_local", RpcConfig::any_peer().call_local(true)),
            ("boss", RpcConfig::authority()),
        ] {
            let calls = calls.clone();
            w.tree
                .on_rpc(node, method, cfg, move |ctx, (): ()| {
                    let seen = ctx.multiplayer().get_remote_sender_id();
                    calls
                        .lock()
                        .unwrap()
                        .push((branch, ctx.remote_sender_id(), seen));
                })
                .unwrap();
        }
    }
    (nodes, calls)
}

fn take(calls: &Calls) -> Vec<(usize, PeerId, PeerId)> {
    let mut v = std::mem::take(&mut *calls.lock().unwrap());
    v.sort();
    v
}

#[test]
fn connection_events_on_server_and_clients() {
    let mut w = World::new(3);
    w.pump();
    let ids: Vec<PeerId> = (0..3).map(|i| w.client_id(i)).collect();
    let server_events = w.events(SERVER);
    assert_eq!(
        server_events,
        ids.iter()
            .map(|&id| MultiplayerEvent::PeerConnected(id))
            .collect::<Vec<_>>()
    );
    for i in 0..3 {
        let path = w.client_path(i).to_owned();
        let events = w.events(&path);
        assert_eq!(events[0], MultiplayerEvent::ConnectedToServer, "client {i}");
        assert_eq!(events[1], MultiplayerEvent::PeerConnected(1), "client {i}");
        // Clients learn of the others through ADD_PEER (server relay is on).
        let mut others: Vec<PeerId> = events[2..]
            .iter()
            .map(|e| match e {
                MultiplayerEvent::PeerConnected(id) => *id,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        others.sort();
        let mut expected: Vec<PeerId> = ids.iter().copied().filter(|&id| id != ids[i]).collect();
        expected.sort();
        assert_eq!(others, expected, "client {i}");
        let mp = w.tree.multiplayer(&path).unwrap();
        let mut peers = mp.get_peers();
        peers.sort();
        let mut all = expected.clone();
        all.push(1);
        all.sort();
        assert_eq!(peers, all);
        assert!(!mp.is_server());
        assert_eq!(mp.get_unique_id(), ids[i]);
    }
    assert!(w.tree.multiplayer(SERVER).unwrap().is_server());
}

#[test]
fn server_targets_all_one_and_all_but_one() {
    let mut w = World::connected(3);
    let (nodes, calls) = lobby(&mut w);
    let (c1, c2, c3) = (w.client_id(0), w.client_id(1), w.client_id(2));
    let _ = (c1, c3);

    w.tree.rpc(nodes[0], "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(1, 1, 1), (2, 1, 1), (3, 1, 1)]);

    w.tree.rpc_id(nodes[0], c2, "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(2, 1, 1)]);

    w.tree.rpc_id(nodes[0], -c2, "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(1, 1, 1), (3, 1, 1)]);

    // Outside handlers the remote sender id is 0.
    for path in [SERVER, w.client_path(0)].map(str::to_owned) {
        assert_eq!(w.tree.multiplayer(&path).unwrap().get_remote_sender_id(), 0);
    }
}

#[test]
fn call_local_on_and_off() {
    let mut w = World::connected(3);
    let (nodes, calls) = lobby(&mut w);
    let c2 = w.client_id(1);

    // call_local: the caller runs it too, with its own id as sender.
    w.tree.rpc(nodes[0], "hit_local", &[]).unwrap();
    assert_eq!(take(&calls), vec![(0, 1, 1)], "local call happens at once");
    w.pump();
    assert_eq!(take(&calls), vec![(1, 1, 1), (2, 1, 1), (3, 1, 1)]);

    // Targeting yourself needs call_local.
    w.tree.rpc_id(nodes[0], 1, "hit_local", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, 1, 1)]);
    assert!(matches!(
        w.tree.rpc_id(nodes[0], 1, "hit", &[]),
        Err(netscene::MultiplayerError::CallOnSelf(_))
    ));

    // -n excluding someone else still includes the caller.
    w.tree.rpc_id(nodes[0], -c2, "hit_local", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, 1, 1), (1, 1, 1), (3, 1, 1)]);

    // Without call_local the caller does not run it.
    w.tree.rpc(nodes[0], "hit", &[]).unwrap();
    w.pump();
    assert!(take(&calls).iter().all(|c| c.0 != 0));
}

#[test]
fn client_calls_reach_server_and_other_clients_with_the_right_sender() {
    let mut w = World::connected(3);
    let (nodes, calls) = lobby(&mut w);
    let (c1, c2, c3) = (w.client_id(0), w.client_id(1), w.client_id(2));

    w.tree.rpc_id(nodes[1], 1, "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, c1, c1)]);

    // Broadcast from a client goes through the server relay; every receiver sees client 1.
    w.tree.rpc(nodes[1], "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, c1, c1), (2, c1, c1), (3, c1, c1)]);

    w.tree.rpc_id(nodes[1], c3, "hit", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(3, c1, c1)]);

    w.tree.rpc_id(nodes[3], -c2, "hit_local", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, c3, c3), (1, c3, c3), (3, c3, c3)]);
}

#[test]
fn transfer_mode_and_channel_come_from_the_config() {
    let mut w = World::connected(1);
    let nodes = w.add_everywhere("Lobby");
    let got: Arc<Mutex<Vec<i64>>> = Arc::default();
    let modes = [
        ("a_unreliable", TransferMode::Unreliable, 1),
        ("b_ordered", TransferMode::UnreliableOrdered, 2),
        ("c_reliable", TransferMode::Reliable, 3),
    ];
    for &node in &nodes {
        for (name, mode, channel) in modes {
            let got = got.clone();
            let cfg = RpcConfig::any_peer().transfer_mode(mode).channel(channel);
            w.tree
                .on_rpc(node, name, cfg, move |_, (v,): (i64,)| {
                    got.lock().unwrap().push(v)
                })
                .unwrap();
        }
    }
    let c1 = w.client_id(0);
    // Confirm the path first so each call is one packet.
    w.tree
        .rpc_id(nodes[0], c1, "c_reliable", &args![0])
        .unwrap();
    w.pump();
    w.take_sent(0);
    for (i, (name, mode, channel)) in modes.iter().enumerate() {
        w.tree
            .rpc_id(nodes[0], c1, name, &args![i as i64 + 1])
            .unwrap();
        let sent = w.take_sent(0);
        assert_eq!(sent.len(), 1);
        assert_eq!(
            (sent[0].to, sent[0].mode, sent[0].channel),
            (c1, *mode, *channel)
        );
        assert_eq!(
            sent[0].data,
            vec![0x00, 0x01, i as u8, 0x01, 0x02, i as u8 + 1]
        );
    }
    w.pump();
    let mut v = got.lock().unwrap().clone();
    v.sort();
    assert_eq!(v, vec![0, 1, 2, 3]);
}

#[test]
fn authority_mode_refuses_non_authority_until_authority_is_set() {
    let mut w = World::connected(3);
    let (nodes, calls) = lobby(&mut w);
    let c1 = w.client_id(0);

    w.tree.rpc_id(nodes[1], 1, "boss", &[]).unwrap();
    w.pump();
    assert!(take(&calls).is_empty());
    let events = w.events(SERVER);
    assert!(
        events.contains(&MultiplayerEvent::RpcRejected {
            from: c1,
            node: "Lobby".into(),
            method: "boss".into(),
            reason: RpcRejection::NotAuthority { authority: 1 },
        }),
        "{events:?}"
    );

    w.tree
        .set_multiplayer_authority(nodes[0], c1, true)
        .unwrap();
    w.tree.rpc_id(nodes[1], 1, "boss", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(0, c1, c1)]);

    // The server (authority 1 on the clients) may call it on clients.
    w.tree.rpc(nodes[0], "boss", &[]).unwrap();
    w.pump();
    assert_eq!(take(&calls), vec![(1, 1, 1), (2, 1, 1), (3, 1, 1)]);
}

#[test]
fn disabled_and_unknown_methods_are_rejected() {
    let mut w = World::connected(1);
    let nodes = w.add_everywhere("Lobby");
    for &node in &nodes {
        w.tree
            .on_rpc(node, "off", RpcConfig::disabled(), |_, (): ()| {
                panic!("disabled ran")
            })
            .unwrap();
    }
    w.tree.rpc_id(nodes[1], 1, "off", &[]).unwrap();
    w.pump();
    let c1 = w.client_id(0);
    assert!(w.events(SERVER).contains(&MultiplayerEvent::RpcRejected {
        from: c1,
        node: "Lobby".into(),
        method: "off".into(),
        reason: RpcRejection::Disabled,
    }));
    assert!(matches!(
        w.tree.rpc_id(nodes[1], 1, "nope", &[]),
        Err(netscene::MultiplayerError::NoRpcConfig { .. })
    ));
    assert!(matches!(
        w.tree.rpc_id(nodes[1], 12345, "off", &[]),
        Err(netscene::MultiplayerError::UnknownPeer(12345))
    ));
}

#[test]
fn wrong_argument_types_are_refused_with_a_call_error() {
    let mut w = World::connected(1);
    let nodes = w.add_everywhere("Chat");
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    for &node in &nodes {
        let got = got.clone();
        w.tree
            .on_rpc(
                node,
                "say",
                RpcConfig::any_peer(),
                move |_, (t,): (String,)| got.lock().unwrap().push(t),
            )
            .unwrap();
    }
    w.tree.rpc_id(nodes[1], 1, "say", &args![5]).unwrap();
    w.tree.rpc_id(nodes[1], 1, "say", &args!["hello"]).unwrap();
    w.pump();
    assert_eq!(*got.lock().unwrap(), vec!["hello".to_owned()]);
    let events = w.events(SERVER);
    assert!(
        events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::RpcRejected {
                reason: RpcRejection::Call(netscene::CallError::InvalidArgument { index: 0, .. }),
                ..
            }
        )),
        "{events:?}"
    );
}

#[test]
fn handlers_send_rpcs_and_change_node_state() {
    // The lobby: `register` stores the name then calls `update_players` on everyone;
    // `chat` calls `receive_chat` on every peer.
    #[derive(Default)]
    struct Players(Vec<(PeerId, String)>);

    let mut w = World::connected(3);
    let nodes = w.add_everywhere("Lobby");
    let received: Arc<Mutex<Vec<(usize, String)>>> = Arc::default();
    for (branch, &node) in nodes.iter().enumerate() {
        w.tree.node_mut(node).unwrap().set_state(Players::default());
        w.tree
            .on_rpc(
                node,
                "register",
                RpcConfig::any_peer(),
                |ctx, (name,): (String,)| {
                    let sender = ctx.remote_sender_id();
                    let players = ctx.state_mut::<Players>().unwrap();
                    players.0.push((sender, name));
                    let list: Vec<String> = players.0.iter().map(|(_, n)| n.clone()).collect();
                    ctx.rpc("update_players", &[Variant::PackedStringArray(list)])
                        .unwrap();
                },
            )
            .unwrap();
        w.tree
            .on_rpc(
                node,
                "update_players",
                RpcConfig::authority(),
                |ctx, (names,): (Vec<String>,)| {
                    let players = ctx.state_mut::<Players>().unwrap();
                    players.0 = names.into_iter().map(|n| (1, n)).collect();
                },
            )
            .unwrap();
        w.tree
            .on_rpc(
                node,
                "chat",
                RpcConfig::any_peer(),
                |ctx, (text,): (String,)| {
                    let line = format!("{}: {text}", ctx.remote_sender_id());
                    ctx.rpc("receive_chat", &args![line]).unwrap();
                },
            )
            .unwrap();
        let received = received.clone();
        w.tree
            .on_rpc(
                node,
                "receive_chat",
                RpcConfig::authority(),
                move |_, (line,): (String,)| {
                    received.lock().unwrap().push((branch, line));
                },
            )
            .unwrap();
    }
    w.tree
        .rpc_id(nodes[1], 1, "register", &args!["ann"])
        .unwrap();
    w.pump();
    w.tree
        .rpc_id(nodes[2], 1, "register", &args!["bob"])
        .unwrap();
    w.pump();
    for (i, &node) in nodes.iter().enumerate() {
        let names: Vec<&str> = w
            .tree
            .node(node)
            .unwrap()
            .state::<Players>()
            .unwrap()
            .0
            .iter()
            .map(|(_, n)| n.as_str())
            .collect();
        assert_eq!(names, ["ann", "bob"], "branch {i}");
    }
    let c3 = w.client_id(2);
    w.tree
        .rpc_id(nodes[3], 1, "chat", &args!["hi all"])
        .unwrap();
    w.pump();
    let mut got = received.lock().unwrap().clone();
    got.sort();
    let line = format!("{c3}: hi all");
    assert_eq!(got, vec![(1, line.clone()), (2, line.clone()), (3, line)]);
}
