//! RPCs in every transfer mode on several channels over ENet, between a netscene server tree
//! and three netscene client trees: every handler runs once with the right sender, and each
//! call arrives at the receiving peer with the transfer mode and channel of its method's
//! `RpcConfig` (observed under SceneMultiplayer by a wrapper around the ENet peer).

mod common;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{DEADLINE, steady};
use netscene::peer::{Packet, PacketTap, PeerId, TappedPeer, TransferMode};
use netscene::{NodeId, RpcConfig, SceneMultiplayer, SceneTree, Variant};
use netscene_enet::{ClientOptions, ENetMultiplayerPeer, ServerOptions};

const MODES: [TransferMode; 3] = [
    TransferMode::Unreliable,
    TransferMode::UnreliableOrdered,
    TransferMode::Reliable,
];
const CHANNELS: [i32; 3] = [0, 1, 3];
const CLIENTS: usize = 3;

/// A packet as the ENet peer handed it to SceneMultiplayer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Received {
    from: PeerId,
    mode: u8,
    channel: i32,
    data: Vec<u8>,
}

/// Records every packet SceneMultiplayer takes from the ENet peer.
struct ReceiveLog(Arc<Mutex<Vec<Received>>>);

impl PacketTap for ReceiveLog {
    fn on_receive(&mut self, packet: &Packet) {
        self.0.lock().unwrap().push(Received {
            from: packet.from,
            mode: packet.mode as u8,
            channel: packet.channel,
            data: packet.data.clone(),
        });
    }
}

/// One handler run: sender, method, argument.
type Call = (PeerId, String, Vec<u8>);

/// A tree whose `/root/Main` has one RPC per (mode, channel), plus what it saw.
struct Side {
    tree: SceneTree,
    main: NodeId,
    calls: Arc<Mutex<Vec<Call>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

fn method_name(mode: TransferMode, channel: i32) -> String {
    let mode = match mode {
        TransferMode::Unreliable => "unreliable",
        TransferMode::UnreliableOrdered => "unreliable_ordered",
        TransferMode::Reliable => "reliable",
    };
    format!("{mode}_on_{channel}")
}

/// The argument of each call: the mode and channel it should travel with. A single
/// PackedByteArray argument is sent raw at the packet's end (P14), so the receiving peer's
/// packet can be matched to its method.
fn tag(mode: TransferMode, channel: i32) -> Vec<u8> {
    vec![mode as u8, channel as u8]
}

fn every_method() -> impl Iterator<Item = (TransferMode, i32)> {
    MODES
        .into_iter()
        .flat_map(|mode| CHANNELS.into_iter().map(move |channel| (mode, channel)))
}

fn side(peer: ENetMultiplayerPeer) -> Side {
    let received = Arc::new(Mutex::new(Vec::new()));
    let mut multiplayer = SceneMultiplayer::new();
    multiplayer
        .set_multiplayer_peer(Some(Box::new(TappedPeer::new(
            Box::new(peer),
            ReceiveLog(Arc::clone(&received)),
        ))))
        .unwrap();
    let mut tree = SceneTree::with_multiplayer(Box::new(multiplayer));
    let main = tree.add_path("/root/Main").unwrap();
    let calls = Arc::new(Mutex::new(Vec::new()));
    for (mode, channel) in every_method() {
        let name = method_name(mode, channel);
        let config = RpcConfig::any_peer().transfer_mode(mode).channel(channel);
        let seen = Arc::clone(&calls);
        let method = name.clone();
        tree.on_rpc(main, &name, config, move |ctx, (arg,): (Vec<u8>,)| {
            seen.lock()
                .unwrap()
                .push((ctx.remote_sender_id(), method.clone(), arg));
        })
        .unwrap();
    }
    Side {
        tree,
        main,
        calls,
        received,
    }
}

/// Polls every tree (about every millisecond) until `done` holds; panics on the deadline.
fn poll_until(sides: &mut [Side], what: &str, mut done: impl FnMut(&mut [Side]) -> bool) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        for side in sides.iter_mut() {
            side.tree.poll().unwrap();
        }
        if done(sides) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn peer_count(side: &mut Side) -> usize {
    side.tree.multiplayer("/root").unwrap().get_peers().len()
}

fn unique_id(side: &mut Side) -> PeerId {
    side.tree.multiplayer("/root").unwrap().get_unique_id()
}

/// The raw argument of a REMOTE_CALL whose single PackedByteArray argument went raw (P14):
/// after the header, the node field (u8/u16/u32 by bits 4–5) and the method id (u16 if
/// bit 6, else u8), up to the packet's end or, for a call naming its node by path (P17,
/// node field 0x80000000 | offset), up to the path.
fn raw_argument(data: &[u8]) -> &[u8] {
    let header = data[0];
    let node_width = match (header >> 4) & 0x03 {
        0 => 1,
        1 => 2,
        _ => 4,
    };
    let method_width = if header & 0x40 != 0 { 2 } else { 1 };
    let start = 1 + node_width + method_width;
    let mut end = data.len();
    if node_width == 4 {
        let field = u32::from_le_bytes(data[1..5].try_into().unwrap());
        if field & 0x8000_0000 != 0 {
            end = (field & 0x7fff_ffff) as usize;
        }
    }
    &data[start..end]
}

/// The REMOTE_CALLs (command 0 in the low three bits) a side's peer received, each as
/// (sender, mode, channel); and checks that each one's argument names the mode and channel
/// the peer reported.
fn remote_calls(side: &Side) -> Vec<(PeerId, u8, i32)> {
    let received = side.received.lock().unwrap();
    let mut calls: Vec<_> = received
        .iter()
        .filter(|p| p.data.first().is_some_and(|h| h & 0x07 == 0))
        .map(|p| {
            assert_eq!(p.data[0] & 0x80, 0x80, "not a raw argument: {p:?}");
            assert_eq!(
                raw_argument(&p.data),
                [p.mode, p.channel as u8],
                "call arrived with another mode or channel than its method's: {p:?}"
            );
            (p.from, p.mode, p.channel)
        })
        .collect();
    calls.sort();
    calls
}

fn expected_calls(senders: &[PeerId]) -> Vec<(PeerId, u8, i32)> {
    let mut calls: Vec<_> = senders
        .iter()
        .flat_map(|&from| every_method().map(move |(mode, channel)| (from, mode as u8, channel)))
        .collect();
    calls.sort();
    calls
}

fn expected_runs(senders: &[PeerId]) -> BTreeSet<Call> {
    senders
        .iter()
        .flat_map(|&from| {
            every_method()
                .map(move |(mode, channel)| (from, method_name(mode, channel), tag(mode, channel)))
        })
        .collect()
}

fn runs(side: &Side) -> Vec<Call> {
    side.calls.lock().unwrap().clone()
}

#[test]
fn rpcs_in_every_mode_and_channel_reach_three_clients_and_back() {
    let mut server = ENetMultiplayerPeer::new();
    server
        .create_server_with(ServerOptions {
            bind_ip: Some("127.0.0.1".parse().unwrap()),
            peer_settings: steady(),
            ..ServerOptions::new(0)
        })
        .unwrap();
    let port = server.local_port().unwrap();
    let mut sides = vec![side(server)];
    for _ in 0..CLIENTS {
        let mut client = ENetMultiplayerPeer::new();
        client
            .create_client_with(ClientOptions {
                peer_settings: steady(),
                ..ClientOptions::new("127.0.0.1", port)
            })
            .unwrap();
        sides.push(side(client));
    }
    // Everyone knows everyone (clients learn of each other through the server's relay).
    poll_until(&mut sides, "the connections", |sides| {
        sides.iter_mut().all(|s| peer_count(s) == CLIENTS)
    });
    let client_ids: Vec<PeerId> = sides[1..].iter_mut().map(unique_id).collect();

    // Every client calls every method on the server.
    for side in &mut sides[1..] {
        for (mode, channel) in every_method() {
            let name = method_name(mode, channel);
            let arg = Variant::PackedByteArray(tag(mode, channel));
            side.tree.rpc_id(side.main, 1, &name, &[arg]).unwrap();
        }
    }
    let wanted = CLIENTS * MODES.len() * CHANNELS.len();
    poll_until(&mut sides, "the clients' calls", |sides| {
        runs(&sides[0]).len() >= wanted
    });
    let server_runs = runs(&sides[0]);
    assert_eq!(
        server_runs.len(),
        wanted,
        "a call ran twice: {server_runs:?}"
    );
    assert_eq!(
        server_runs.into_iter().collect::<BTreeSet<_>>(),
        expected_runs(&client_ids)
    );
    assert_eq!(remote_calls(&sides[0]), expected_calls(&client_ids));

    // The server calls every method on every client (a broadcast each).
    let server = &mut sides[0];
    for (mode, channel) in every_method() {
        let name = method_name(mode, channel);
        let arg = Variant::PackedByteArray(tag(mode, channel));
        server.tree.rpc(server.main, &name, &[arg]).unwrap();
    }
    let per_client = MODES.len() * CHANNELS.len();
    poll_until(&mut sides, "the server's calls", |sides| {
        sides[1..].iter().all(|s| runs(s).len() >= per_client)
    });
    for client in &sides[1..] {
        let client_runs = runs(client);
        assert_eq!(client_runs.len(), per_client, "{client_runs:?}");
        assert_eq!(
            client_runs.into_iter().collect::<BTreeSet<_>>(),
            expected_runs(&[1])
        );
        assert_eq!(remote_calls(client), expected_calls(&[1]));
    }
}
