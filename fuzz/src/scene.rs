//! `scene_packets`: a live SceneMultiplayer server receiving the fuzzer's packets from an
//! admitted client.
//!
//! Each input builds a fresh server (so a crash replays from its input alone): a [`FuzzPeer`]
//! with clients 2 (the attacker, sending the input) and 3 (a bystander), and this tree under the
//! default branch `/root`:
//!
//! ```text
//! /root/Game            RPCs admin (authority), chat (String, Vector2), echo (dynamic),
//!                       local (bool, call_local), ping (i64): ids 0..=4; properties a, b
//! /root/Game/Players    spawn parent of Spawner           (authority: the attacker)
//! /root/Game/Spawner    scenes "player" (with a synchronizer) and "marker", a spawn
//!                       function for custom spawns, spawn limit 8   (authority: the attacker)
//! /root/Game/Sync       synchronizer of Game's a (always) and b (on change) (the attacker's)
//! /root/Game/Bots       spawn parent of ServerSpawner
//! /root/Game/ServerSpawner  the server's: has spawned "Bot" (with a synchronizer) at setup
//! ```
//!
//! Before the input the server has called `ping` on every peer (so it sent SIMPLIFY_PATH for
//! Game as its cache id 1, which the input may CONFIRM_PATH) and spawned `Bot`; and the attacker
//! has announced cache ids [`GAME_ID`], [`SPAWNER_ID`], [`SYNC_ID`] and [`PLAYERS_ID`], so the
//! input can name them at once in REMOTE_CALL, SPAWN, DESPAWN and SYNC packets (`seeds` has
//! examples). After the input the bystander calls `ping(42)` by path.
//!
//! Invariants checked after every input:
//! * polling never fails, and the server still has both clients admitted (nothing a client sends
//!   disconnects it: without an auth callback no packet content leads to a disconnect), and it
//!   never asked the transport to disconnect anyone;
//! * no handler ever sees a sender other than the one whose packet it runs for: the bystander's
//!   one call arrives once with sender 3, and nothing the attacker sends (relays included) runs
//!   as peer 3 or as the server;
//! * every packet the server sends goes to a connected peer (or all / all-but) and parses with
//!   `netscene::wire`; every relayed packet carries the attacker as its source (it may go back to
//!   the attacker when the attacker names itself as the destination, as in Godot);
//! * the dynamic handler's arguments re-encode and decode back equal.

use std::sync::{Arc, Mutex};

use netscene::replication::{
    MultiplayerSpawner, MultiplayerSynchronizer, ReplicationMode, SceneReplicationConfig,
};
use netscene::variant::Vector2;
use netscene::wire::{
    ConfirmPath, RemoteCall, RpcArgs, SimplifyPath, SysPacket, decode_args, encode_args,
    rpc_checksum,
};
use netscene::{
    MultiplayerEvent, NodeId, PeerId, RpcConfig, SceneMultiplayer, SceneTree, SpawnRequest,
    TreeError, Variant, handler,
};

use crate::packets;
use crate::peer::FuzzPeer;

/// The client whose packets the fuzzer writes.
pub const ATTACKER: PeerId = 2;
/// An honest client connected at the same time.
pub const BYSTANDER: PeerId = 3;
/// The attacker's cache id for `Game`.
pub const GAME_ID: u32 = 1;
/// The attacker's cache id for `Game/Spawner`.
pub const SPAWNER_ID: u32 = 2;
/// The attacker's cache id for `Game/Sync`.
pub const SYNC_ID: u32 = 3;
/// The attacker's cache id for `Game/Players`.
pub const PLAYERS_ID: u32 = 4;
/// `Game`'s RPC methods in id order (sorted names, spec C.3).
pub const GAME_METHODS: [&str; 5] = ["admin", "chat", "echo", "local", "ping"];
/// What the bystander passes to `ping`.
const BYSTANDER_PING: i64 = 42;

/// `(method, sender, value)` of every handler run.
pub(crate) type Calls = Arc<Mutex<Vec<(&'static str, PeerId, i64)>>>;

/// Runs one input (packets split by [`packets::split`]) against a fresh server.
pub fn check(data: &[u8]) {
    run(data).check_invariants();
}

/// Delivers the setup packets, `data`'s packets and the bystander's call, and polls.
fn run(data: &[u8]) -> Scene {
    let mut scene = Scene::new();
    for packet in setup_packets() {
        scene.peer().deliver(ATTACKER, &packet);
    }
    for packet in packets::split(data) {
        scene.peer().deliver(ATTACKER, packet);
    }
    scene.peer().deliver(
        BYSTANDER,
        &call_by_path("Game", 4, &i64_args(BYSTANDER_PING)),
    );
    scene.poll();
    scene.poll();
    scene
}

/// SIMPLIFY_PATH (spec C.2).
pub fn simplify(checksum: &[u8; 32], cache_id: u32, path: &str) -> Vec<u8> {
    let mut out = Vec::new();
    SimplifyPath {
        checksum: *checksum,
        cache_id,
        path,
    }
    .emit(&mut out);
    out
}

/// The attacker's cache announcements, sent before the input.
pub fn setup_packets() -> Vec<Vec<u8>> {
    let none = rpc_checksum(std::iter::empty::<&str>());
    vec![
        simplify(&rpc_checksum(GAME_METHODS), GAME_ID, "Game"),
        simplify(&none, SPAWNER_ID, "Game/Spawner"),
        simplify(&none, SYNC_ID, "Game/Sync"),
        simplify(&none, PLAYERS_ID, "Game/Players"),
    ]
}

/// One i64 argument list: argc 1, compressed INT in its 8-byte form (spec A.7).
pub fn i64_args(value: i64) -> Vec<u8> {
    let mut out = vec![0x01, 0xC2];
    out.extend_from_slice(&value.to_le_bytes());
    out
}

/// A REMOTE_CALL naming its node by path (u32 node field `0x80000000 | offset`, spec C.4).
pub fn call_by_path(path: &str, method_id: u8, args: &[u8]) -> Vec<u8> {
    let meta = if args.is_empty() { 0xA0 } else { 0x20 };
    let offset = (6 + args.len()) as u32 | 0x8000_0000;
    let mut out = vec![meta];
    out.extend_from_slice(&offset.to_le_bytes());
    out.push(method_id);
    out.extend_from_slice(args);
    out.extend_from_slice(path.as_bytes());
    out.push(0);
    out
}

pub(crate) struct Scene {
    pub(crate) tree: SceneTree,
    pub(crate) calls: Calls,
}

impl Scene {
    fn new() -> Self {
        Self::with(|_| {}, &[])
    }

    /// The server with `configure` applied to its SceneMultiplayer; `bystander_setup` is
    /// delivered from the bystander and polled right after the clients connect (the
    /// authentication a server with an auth callback needs).
    pub(crate) fn with(
        configure: impl FnOnce(&mut SceneMultiplayer),
        bystander_setup: &[&[u8]],
    ) -> Self {
        let mut mp = SceneMultiplayer::new();
        configure(&mut mp);
        mp.set_multiplayer_peer(Some(Box::new(FuzzPeer::new(&[ATTACKER, BYSTANDER]))))
            .expect("a connected peer is accepted");
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let calls = Calls::default();
        let game = tree.add_path("/root/Game").expect("Game");
        add_rpcs(&mut tree, game, &calls, true);
        // The attacker's spawner, spawn parent and synchronizer.
        let [players, spawner, sync] = add_replicated_game(&mut tree, game);
        for node in [players, spawner, sync] {
            tree.set_multiplayer_authority(node, ATTACKER, true)
                .expect("authority");
        }

        // The server's own spawner.
        tree.add_path("/root/Game/Bots").expect("Bots");
        let server_spawner = tree.add_path("/root/Game/ServerSpawner").expect("spawner");
        let mut role = MultiplayerSpawner::new("../Bots");
        role.add_spawnable_scene("bot", build_synced);
        tree.set_spawner(server_spawner, role)
            .expect("spawner role");

        let mut scene = Self { tree, calls };
        scene.poll(); // the clients connect
        if !bystander_setup.is_empty() {
            for packet in bystander_setup {
                scene.peer().deliver(BYSTANDER, packet);
            }
            scene.poll();
        }
        scene
            .tree
            .rpc(game, "ping", &[Variant::Int(0)])
            .expect("the server calls ping on everyone");
        scene
            .tree
            .spawn_scene(server_spawner, 0, "Bot")
            .expect("the server spawns a bot");
        scene
    }

    pub(crate) fn api(&mut self) -> &mut SceneMultiplayer {
        self.tree
            .scene_multiplayer("/root")
            .expect("the server API")
    }

    pub(crate) fn peer(&mut self) -> &mut FuzzPeer {
        let peer: &mut dyn std::any::Any = self
            .api()
            .get_multiplayer_peer_mut()
            .expect("the server has a peer");
        peer.downcast_mut().expect("a FuzzPeer")
    }

    pub(crate) fn poll(&mut self) {
        if let Err(e) = self.tree.poll() {
            panic!("the server's poll failed: {e}");
        }
    }

    fn check_invariants(&mut self) {
        let mut peers = self.api().get_peers();
        peers.sort_unstable();
        assert_eq!(peers, [ATTACKER, BYSTANDER], "admitted peers changed");
        for event in self.tree.drain_events("/root") {
            assert!(
                !matches!(
                    event,
                    MultiplayerEvent::PeerDisconnected(_)
                        | MultiplayerEvent::ServerDisconnected
                        | MultiplayerEvent::ConnectionFailed
                ),
                "unexpected {event:?}"
            );
        }
        let peer = self.peer();
        assert_eq!(peer.disconnects, [], "the server disconnected a peer");
        assert_eq!(peer.connected(), [ATTACKER, BYSTANDER]);
        for sent in &peer.sent {
            check_sent(sent.target, &sent.data);
        }

        let calls = self.calls.lock().expect("calls");
        let bystander: Vec<_> = calls.iter().filter(|c| c.1 == BYSTANDER).collect();
        assert_eq!(
            bystander,
            [&("ping", BYSTANDER, BYSTANDER_PING)],
            "the bystander's call, and only it, runs as the bystander"
        );
        for call in calls.iter() {
            assert!(
                call.1 == ATTACKER || call.1 == BYSTANDER,
                "a handler ran for sender {}: {call:?}",
                call.1
            );
        }
    }
}

/// A packet the server sent is well-formed and addressed to someone who exists.
fn check_sent(target: PeerId, data: &[u8]) {
    let known = |id: PeerId| id == ATTACKER || id == BYSTANDER;
    assert!(
        target == 0 || known(target) || target.checked_neg().is_some_and(known),
        "the server sent to {target}: {data:02x?}"
    );
    // (A relay may go back to the attacker when it names itself, as in Godot.)
    if let Some(source) = relay_peer_of_sent("server", target, data) {
        assert_eq!(source, ATTACKER, "a relay names the wrong source");
    }
}

/// Panics unless a packet `who` sent is non-empty and parses with `netscene::wire`; returns the
/// peer field of a SYS RELAY.
pub(crate) fn relay_peer_of_sent(who: &str, target: PeerId, data: &[u8]) -> Option<PeerId> {
    let Some(&first) = data.first() else {
        panic!("the {who} sent an empty packet to {target}");
    };
    let mut relay = None;
    let parsed = match netscene::wire::Command::from_byte(first) {
        netscene::wire::Command::RemoteCall => RemoteCall::parse(data).map(drop),
        netscene::wire::Command::SimplifyPath => SimplifyPath::parse(data).map(drop),
        netscene::wire::Command::ConfirmPath => ConfirmPath::parse(data).map(drop),
        netscene::wire::Command::Sys => SysPacket::parse(data).map(|sys| {
            if let SysPacket::Relay { peer, .. } = sys {
                relay = Some(peer);
            }
        }),
        // RAW and replication payloads are checked by the receiving side's own decoders.
        _ => Ok(()),
    };
    if let Err(e) = parsed {
        panic!("the {who} sent a packet its own parser refuses ({e}): {data:02x?}");
    }
    relay
}

/// Gives `game` the properties `a` and `b` and adds under it the spawn parent `Players`, a
/// `Spawner` (scenes "player" and "marker", a spawn function, limit 8) and a `Sync` of `:a`
/// (always) and `:b` (on change). Returns `[players, spawner, sync]`.
pub(crate) fn add_replicated_game(tree: &mut SceneTree, game: NodeId) -> [NodeId; 3] {
    let node = tree.node_mut(game).expect("Game");
    node.set_property("a", Variant::Int(0));
    node.set_property("b", Variant::Int(0));
    let players = tree.add_path("/root/Game/Players").expect("Players");
    let spawner = tree.add_path("/root/Game/Spawner").expect("Spawner");
    let mut role = MultiplayerSpawner::new("../Players");
    role.add_spawnable_scene("player", build_synced)
        .add_spawnable_scene("marker", |tree, request| {
            tree.add_child(request.parent, request.name.clone())
        })
        .set_spawn_function(|tree, request| {
            let node = tree.add_child(request.parent, request.name.clone())?;
            let data = request.data.clone();
            tree.node_mut(node)
                .ok_or(TreeError::NodeNotFound)?
                .set_property("data", data);
            Ok(node)
        })
        .set_spawn_limit(8);
    tree.set_spawner(spawner, role).expect("spawner role");
    let sync = tree.add_path("/root/Game/Sync").expect("Sync");
    let mut config = SceneReplicationConfig::new();
    config.add_property(":a", -1);
    config.add_property(":b", -1);
    config.property_set_replication_mode(":b", ReplicationMode::OnChange);
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))
        .expect("synchronizer role");
    [players, spawner, sync]
}

/// A spawned scene with a synchronizer, owned by the spawn parent's owner (spawned nodes
/// start at authority 1, as in Godot, so the factory sets it).
pub(crate) fn build_synced(
    tree: &mut SceneTree,
    request: &SpawnRequest,
) -> Result<NodeId, TreeError> {
    let owner = tree.get_multiplayer_authority(request.parent);
    let node = tree.add_child(request.parent, request.name.clone())?;
    let props = tree.node_mut(node).ok_or(TreeError::NodeNotFound)?;
    props.set_property("position", Variant::Vector2(Vector2::new(0.0, 0.0)));
    props.set_property("hp", Variant::Int(100));
    let sync = tree.add_child(node, "Sync")?;
    let mut config = SceneReplicationConfig::new();
    config.add_property(":position", -1);
    config.add_property(":hp", -1);
    config.property_set_replication_mode(":hp", ReplicationMode::OnChange);
    tree.set_synchronizer(sync, MultiplayerSynchronizer::new(config))?;
    tree.set_multiplayer_authority(node, owner, true)?;
    Ok(node)
}

/// `Game`'s RPC methods (see [`GAME_METHODS`]), recording into `calls`. With `strict_reply` the
/// echo's reply must succeed (on a server, whose senders are all admitted peers).
pub(crate) fn add_rpcs(tree: &mut SceneTree, game: NodeId, calls: &Calls, strict_reply: bool) {
    let record = |method: &'static str| {
        let calls = calls.clone();
        move |sender: PeerId, value: i64| {
            calls.lock().expect("calls").push((method, sender, value));
        }
    };
    let admin = record("admin");
    tree.on_rpc(game, "admin", RpcConfig::authority(), move |ctx, (): ()| {
        admin(ctx.remote_sender_id(), 0);
    })
    .expect("admin");
    let chat = record("chat");
    tree.on_rpc(
        game,
        "chat",
        RpcConfig::any_peer(),
        move |ctx, (text, at): (String, Vector2)| {
            chat(
                ctx.remote_sender_id(),
                (text.len() as i64).wrapping_add(at.x as i64),
            );
        },
    )
    .expect("chat");
    let echo = record("echo");
    let dynamic = handler(move |ctx, args| {
        let sender = ctx.remote_sender_id();
        echo(sender, args.len() as i64);
        args_round_trip(args);
        // The reply exercises sending from inside a handler. On the server every sender is an
        // admitted peer, so it must succeed; a client trusts whatever source the server names.
        let reply = ctx.rpc_id(sender, "ping", &[Variant::Int(args.len() as i64)]);
        if strict_reply && let Err(e) = reply {
            panic!("the echo reply failed: {e}");
        }
        Ok(())
    });
    tree.on_rpc_dynamic(game, "echo", RpcConfig::any_peer(), dynamic)
        .expect("echo");
    let local = record("local");
    tree.on_rpc(
        game,
        "local",
        RpcConfig::any_peer().call_local(true),
        move |ctx, (flag,): (bool,)| local(ctx.remote_sender_id(), i64::from(flag)),
    )
    .expect("local");
    let ping = record("ping");
    tree.on_rpc(
        game,
        "ping",
        RpcConfig::any_peer(),
        move |ctx, (n,): (i64,)| ping(ctx.remote_sender_id(), n),
    )
    .expect("ping");
}

/// Arguments a handler received re-encode and decode back equal (NaN aside).
fn args_round_trip(args: &[Variant]) {
    let mut area = Vec::new();
    let raw = encode_args(args, &mut area, &Default::default())
        .unwrap_or_else(|e| panic!("received arguments do not encode: {e}"));
    let mut again = RpcArgs::new();
    decode_args(&area, raw, &Default::default(), &mut again)
        .unwrap_or_else(|e| panic!("re-encoded arguments do not decode: {e}"));
    let empty_raw = matches!(args, [Variant::PackedByteArray(b)] if b.is_empty());
    if empty_raw {
        return;
    }
    assert_eq!(args.len(), again.len(), "argument count");
    for (received, echoed) in args.iter().zip(&again) {
        let received = crate::normalize::normalized(received);
        if crate::normalize::self_equal(&received) {
            assert_eq!(received, crate::normalize::normalized(echoed));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    //! The seeds reach the code they were written for (each seed file is named after it).
    use super::*;

    fn seed(name: &str) -> Vec<u8> {
        read_seed("scene_packets", name)
    }

    /// The seed `name` of `target`'s corpus.
    pub(crate) fn read_seed(target: &str, name: &str) -> Vec<u8> {
        let path = format!("{}/corpus/{target}/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The handler calls the attacker made: (method, argument).
    pub(crate) fn attacker_calls(scene: &Scene) -> Vec<(&'static str, i64)> {
        let calls = scene.calls.lock().unwrap();
        calls
            .iter()
            .filter(|c| c.1 == ATTACKER)
            .map(|c| (c.0, c.2))
            .collect()
    }

    fn property(scene: &Scene, path: &str, name: &str) -> Option<Variant> {
        let node = scene.tree.get_node(path)?;
        scene.tree.node(node)?.get_property(name).cloned()
    }

    #[test]
    fn typed_rpcs_run_and_authority_only_is_refused() {
        let mut scene = run(&seed("rpc_typed"));
        assert_eq!(
            attacker_calls(&scene),
            [("ping", 5), ("chat", 3), ("local", 1)]
        );
        scene.check_invariants();
    }

    #[test]
    fn dynamic_rpcs_run_by_cache_id_raw_and_path() {
        let mut scene = run(&seed("rpc_dynamic"));
        assert_eq!(
            attacker_calls(&scene),
            [("echo", 2), ("echo", 1), ("echo", 1)]
        );
        // Each echo replies with a ping to the attacker.
        let replies = scene
            .peer()
            .sent
            .iter()
            .filter(|p| p.target == ATTACKER)
            .count();
        assert!(replies >= 3, "{replies} packets to the attacker");
        scene.check_invariants();
    }

    #[test]
    fn calls_by_path_and_a_new_cache_id_run() {
        let mut scene = run(&seed("rpc_by_path"));
        assert_eq!(attacker_calls(&scene), [("ping", 7), ("ping", 9)]);
        scene.check_invariants();
    }

    #[test]
    fn raw_packets_become_peer_packet_events() {
        let mut scene = run(&seed("raw_and_confirm"));
        let events = scene.tree.drain_events("/root");
        assert!(events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PeerPacket { from: ATTACKER, data } if data == &[0xaa, 0xbb]
        )));
        scene.check_invariants();
    }

    #[test]
    fn relays_are_forwarded_with_the_attacker_as_source() {
        let mut scene = run(&seed("relay"));
        let relayed = scene
            .peer()
            .sent
            .iter()
            .filter(|p| p.target == BYSTANDER && p.data.starts_with(&[0x07, 0x03]))
            .count();
        // Destinations 0, 3 and -3 (the last excludes the bystander itself, not the server).
        assert_eq!(relayed, 2);
        // Destination 0 and 1 run on the server too: the raw packet and the ping.
        // Destinations 0 and -3 run on the server too (the raw packet, the echo); destination 1
        // is dropped, as in Godot (the server is not among its own connected peers).
        let events = scene.tree.drain_events("/root");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, MultiplayerEvent::PeerPacket { from: ATTACKER, .. })),
            "{events:?}"
        );
        assert_eq!(attacker_calls(&scene), [("echo", 2)]);
        scene.check_invariants();
    }

    #[test]
    fn spawns_and_despawns_from_the_attacker_spawner_apply() {
        let mut scene = run(&seed("spawn_player"));
        let events = scene.tree.drain_events("/root");
        assert!(
            events
                .iter()
                .any(|e| matches!(e, MultiplayerEvent::Spawned { .. })),
            "{events:?}"
        );
        assert!(
            events
                .iter()
                .any(|e| matches!(e, MultiplayerEvent::Despawned { .. })),
            "{events:?}"
        );
        assert!(scene.tree.get_node("/root/Game/Players/A").is_none());
        scene.check_invariants();

        let mut scene = run(&seed("spawn_others"));
        assert!(scene.tree.get_node("/root/Game/Players/M").is_none());
        assert_eq!(
            property(&scene, "/root/Game/Players/C", "data"),
            Some(Variant::Int(5))
        );
        scene.check_invariants();
    }

    #[test]
    fn syncs_and_deltas_from_the_authority_apply() {
        let mut scene = run(&seed("sync"));
        assert_eq!(property(&scene, "/root/Game", "a"), Some(Variant::Int(51)));
        assert_eq!(property(&scene, "/root/Game", "b"), Some(Variant::Int(7)));
        scene.check_invariants();
    }

    #[test]
    fn every_seed_passes_the_invariants() {
        let dir = format!("{}/corpus/scene_packets", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            check(&std::fs::read(entry.unwrap().path()).unwrap());
        }
        check(b"");
    }
}
