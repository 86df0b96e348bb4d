//! SceneMultiplayer over real WebSockets, `ws://` and `wss://` (a test CA made at test time),
//! through netscene's transport test kit: an RPC round trip (a client calls `ping` on the
//! server, whose handler answers `pong` to the caller) and a client-to-client call through the
//! server relay; plus three clients each doing a round trip with one server. Each side has its
//! own SceneTree, as separate processes would.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{DEADLINE, ws_server, wss_server};
use netscene::peer::PeerId;
use netscene::{MultiplayerEvent, RpcConfig, SceneMultiplayer, SceneTree, args, testing};
use netscene_websocket::{TlsOptions, WebSocketMultiplayerPeer};

fn client_peer(url: &str, tls: Option<TlsOptions>) -> Box<WebSocketMultiplayerPeer> {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.create_client(url, tls).unwrap();
    Box::new(peer)
}

#[test]
fn rpc_round_trip_over_websocket() {
    let (server, url) = ws_server();
    let client_id =
        testing::rpc_round_trip(Box::new(server), client_peer(&url, None), DEADLINE).unwrap();
    assert!(client_id >= 2);
}

#[test]
fn rpc_round_trip_over_wss_with_a_test_ca() {
    let (server, url, trusted) = wss_server();
    let client_id =
        testing::rpc_round_trip(Box::new(server), client_peer(&url, Some(trusted)), DEADLINE)
            .unwrap();
    assert!(client_id >= 2);
}

#[test]
fn rpc_between_clients_goes_through_the_server_relay() {
    let (server, url) = ws_server();
    let (a, b) = testing::relay_between_clients(
        Box::new(server),
        client_peer(&url, None),
        client_peer(&url, None),
        DEADLINE,
    )
    .unwrap();
    assert_ne!(a, b);
}

#[test]
fn rpc_between_wss_clients_goes_through_the_server_relay() {
    let (server, url, trusted) = wss_server();
    let (a, b) = testing::relay_between_clients(
        Box::new(server),
        client_peer(&url, Some(trusted.clone())),
        client_peer(&url, Some(trusted)),
        DEADLINE,
    )
    .unwrap();
    assert_ne!(a, b);
}

/// (tree index, remote sender id, text) of every `pong` run.
type Pongs = Arc<Mutex<Vec<(usize, PeerId, String)>>>;

/// One server tree and three client trees: each client calls `ping("from <n>")` on the server
/// once connected; the server answers only the caller. Every client gets exactly its own
/// answer, from the server, and the server none.
fn three_clients_round_trip(
    server: WebSocketMultiplayerPeer,
    clients: Vec<WebSocketMultiplayerPeer>,
) {
    let peers = std::iter::once(server).chain(clients);
    let mut trees: Vec<SceneTree> = peers
        .map(|peer| {
            let mut multiplayer = SceneMultiplayer::new();
            multiplayer
                .set_multiplayer_peer(Some(Box::new(peer)))
                .unwrap();
            SceneTree::with_multiplayer(Box::new(multiplayer))
        })
        .collect();
    let pongs: Pongs = Arc::default();
    let mut nodes = Vec::new();
    for (index, tree) in trees.iter_mut().enumerate() {
        // Every tree declares both methods, as one Godot script would.
        let node = tree.add_path("/root/Main").unwrap();
        tree.on_rpc(
            node,
            "ping",
            RpcConfig::any_peer(),
            |ctx, (text,): (String,)| {
                let caller = ctx.remote_sender_id();
                ctx.rpc_id(caller, "pong", &args![format!("{text} back to {caller}")])
                    .expect("pong is an RPC of this node");
            },
        )
        .unwrap();
        let seen = Arc::clone(&pongs);
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::any_peer(),
            move |ctx, (text,): (String,)| {
                seen.lock()
                    .unwrap()
                    .push((index, ctx.remote_sender_id(), text));
            },
        )
        .unwrap();
        nodes.push(node);
    }
    let mut called = [false; 4];
    let start = Instant::now();
    while pongs.lock().unwrap().len() < 3 {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        for n in 1..4 {
            if !called[n]
                && trees[n]
                    .drain_events("/root")
                    .contains(&MultiplayerEvent::ConnectedToServer)
            {
                trees[n]
                    .rpc_id(nodes[n], 1, "ping", &args![format!("from {n}")])
                    .unwrap();
                called[n] = true;
            }
        }
        assert!(
            start.elapsed() < DEADLINE,
            "only {:?} of 3 pongs arrived",
            pongs.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // A little longer: no duplicate or misdirected pong follows.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(50) {
        for tree in trees.iter_mut() {
            tree.poll().unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let ids: Vec<PeerId> = trees
        .iter_mut()
        .map(|tree| tree.multiplayer("/root").unwrap().get_unique_id())
        .collect();
    assert_eq!(ids[0], 1);
    let mut client_ids = ids[1..].to_vec();
    client_ids.sort();
    client_ids.dedup();
    assert_eq!(client_ids.len(), 3, "distinct client ids {ids:?}");
    assert!(client_ids.iter().all(|&id| id >= 2));
    let mut observed = pongs.lock().unwrap().clone();
    observed.sort();
    let expected: Vec<(usize, PeerId, String)> = (1..4)
        .map(|n| (n, 1, format!("from {n} back to {}", ids[n])))
        .collect();
    assert_eq!(observed, expected);
}

#[test]
fn three_clients_each_round_trip_over_websocket() {
    let (server, url) = ws_server();
    let clients = (0..3).map(|_| *client_peer(&url, None)).collect();
    three_clients_round_trip(server, clients);
}

#[test]
fn three_clients_each_round_trip_over_wss_with_a_test_ca() {
    let (server, url, trusted) = wss_server();
    let clients = (0..3)
        .map(|_| *client_peer(&url, Some(trusted.clone())))
        .collect();
    three_clients_round_trip(server, clients);
}
