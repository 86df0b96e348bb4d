//! A test kit for `MultiplayerPeer` implementations (feature `testing`): checks that run
//! SceneMultiplayer over real connections of your transport, the same checks netscene's own
//! ENet and WebSocket transports pass.
//!
//! Each check takes freshly created peers (a listening server, clients pointed at it), polls
//! them on the calling thread with 1 ms sleeps until the check holds or `deadline` passes, and
//! returns what it observed or a message saying what never happened.
//!
//! ```
//! use std::time::Duration;
//! use netscene::peer::simulated::SimulatedNetwork;
//!
//! // Real time: the check polls with real sleeps, as it would over sockets.
//! let net = SimulatedNetwork::new_real_time(1, Default::default());
//! let server = Box::new(net.create_server().unwrap());
//! let client = Box::new(net.create_client());
//! let client_id = netscene::testing::rpc_round_trip(server, client, Duration::from_secs(10)).unwrap();
//! assert!(client_id >= 2);
//! ```

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::api::MultiplayerEvent;
use crate::peer::{MultiplayerPeer, PeerId};
use crate::rpc_config::RpcConfig;
use crate::scene_multiplayer::SceneMultiplayer;
use crate::tree::SceneTree;
use crate::{MultiplayerError, args};

/// A tree whose default branch (`/root`) is served by a SceneMultiplayer over `peer`.
fn tree_with_peer(peer: Box<dyn MultiplayerPeer>) -> Result<SceneTree, MultiplayerError> {
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer.set_multiplayer_peer(Some(peer))?;
    Ok(SceneTree::with_multiplayer(Box::new(multiplayer)))
}

/// Polls every tree until `done` holds, or fails with `what` after `deadline`.
fn poll_until(
    trees: &mut [SceneTree],
    deadline: Instant,
    what: &str,
    mut done: impl FnMut(&mut [SceneTree]) -> bool,
) -> Result<(), String> {
    loop {
        for tree in trees.iter_mut() {
            tree.poll().map_err(|e| format!("poll failed: {e}"))?;
        }
        if done(trees) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("{what} within the deadline"));
        }
        thread::sleep(Duration::from_millis(1));
    }
}

fn unique_id(tree: &mut SceneTree) -> PeerId {
    tree.multiplayer("/root")
        .map_or(0, |api| api.get_unique_id())
}

/// A client calls `ping(text)` on the server's `/root/Main`; the server answers the caller
/// with `pong("… back to <caller id>")`. Checks the sender ids on both ends and returns the
/// client's id.
pub fn rpc_round_trip(
    server: Box<dyn MultiplayerPeer>,
    client: Box<dyn MultiplayerPeer>,
    deadline: Duration,
) -> Result<PeerId, String> {
    let deadline = Instant::now() + deadline;
    let mut trees = Vec::with_capacity(2);
    for peer in [server, client] {
        trees.push(tree_with_peer(peer).map_err(|e| e.to_string())?);
    }
    let pongs = Arc::new(Mutex::new(Vec::new()));
    let mut client_node = None;
    for (index, tree) in trees.iter_mut().enumerate() {
        // Both sides declare both methods, as one Godot script would (same ids and checksum).
        let node = tree.add_path("/root/Main").map_err(|e| e.to_string())?;
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
        .map_err(|e| e.to_string())?;
        let seen = Arc::clone(&pongs);
        tree.on_rpc(
            node,
            "pong",
            RpcConfig::any_peer(),
            move |ctx, (text,): (String,)| {
                seen.lock()
                    .expect("not poisoned")
                    .push((index, ctx.remote_sender_id(), text));
            },
        )
        .map_err(|e| e.to_string())?;
        client_node = Some(node);
    }
    let client_node = client_node.expect("two trees");
    let mut ping_sent: Option<Result<(), MultiplayerError>> = None;
    poll_until(&mut trees, deadline, "the pong never arrived", |trees| {
        if ping_sent.is_none()
            && trees[1]
                .drain_events("/root")
                .contains(&MultiplayerEvent::ConnectedToServer)
        {
            ping_sent = Some(trees[1].rpc_id(client_node, 1, "ping", &args!["hello"]));
        }
        matches!(ping_sent, Some(Err(_))) || !pongs.lock().expect("not poisoned").is_empty()
    })?;
    if let Some(Err(e)) = ping_sent {
        return Err(format!("the client could not send ping: {e}"));
    }
    let client_id = unique_id(&mut trees[1]);
    let expected = (1, 1, format!("hello back to {client_id}"));
    let observed = pongs.lock().expect("not poisoned").clone();
    if client_id < 2 || observed != [expected.clone()] {
        return Err(format!(
            "expected only {expected:?} (tree, sender, text), got {observed:?}"
        ));
    }
    Ok(client_id)
}

/// Two clients learn of each other through the server's ADD_PEER, then client A calls
/// `hello(7)` on client B through the server relay. Checks that only B ran it and saw A (not
/// the relaying server) as the sender; returns the clients' ids.
pub fn relay_between_clients(
    server: Box<dyn MultiplayerPeer>,
    client_a: Box<dyn MultiplayerPeer>,
    client_b: Box<dyn MultiplayerPeer>,
    deadline: Duration,
) -> Result<(PeerId, PeerId), String> {
    let deadline = Instant::now() + deadline;
    let mut trees = Vec::with_capacity(3);
    for peer in [server, client_a, client_b] {
        trees.push(tree_with_peer(peer).map_err(|e| e.to_string())?);
    }
    let calls = Arc::new(Mutex::new(Vec::new()));
    let mut nodes = Vec::new();
    for (index, tree) in trees.iter_mut().enumerate() {
        let node = tree.add_path("/root/Main").map_err(|e| e.to_string())?;
        let seen = Arc::clone(&calls);
        tree.on_rpc(
            node,
            "hello",
            RpcConfig::any_peer(),
            move |ctx, (n,): (i64,)| {
                seen.lock()
                    .expect("not poisoned")
                    .push((index, ctx.remote_sender_id(), n));
            },
        )
        .map_err(|e| e.to_string())?;
        nodes.push(node);
    }
    let mut ids = [0; 3];
    poll_until(
        &mut trees,
        deadline,
        "the clients never learned of each other",
        |trees| {
            for (id, tree) in ids.iter_mut().zip(trees.iter_mut()) {
                *id = unique_id(tree);
            }
            let knows = |tree: &mut SceneTree, other: PeerId| {
                tree.multiplayer("/root")
                    .is_some_and(|api| api.get_peers().contains(&other))
            };
            ids[1] >= 2 && ids[2] >= 2 && knows(&mut trees[1], ids[2]) && {
                let (_, rest) = trees.split_at_mut(2);
                knows(&mut rest[0], ids[1])
            }
        },
    )?;
    trees[1]
        .rpc_id(nodes[1], ids[2], "hello", &args![7])
        .map_err(|e| format!("relayed call refused: {e}"))?;
    poll_until(
        &mut trees,
        deadline,
        "the relayed call never arrived",
        |_| !calls.lock().expect("not poisoned").is_empty(),
    )?;
    let observed = calls.lock().expect("not poisoned").clone();
    if observed != [(2, ids[1], 7)] {
        return Err(format!(
            "expected only (2, {}, 7) (tree, sender, value), got {observed:?}",
            ids[1]
        ));
    }
    Ok((ids[1], ids[2]))
}
