//! `client_packets`: a live SceneMultiplayer *client* receiving the fuzzer's packets from its
//! server (a malicious or broken server, or a forged packet on an unauthenticated transport).
//!
//! Each input builds a fresh client 2 ([`FuzzPeer::client`]) with the tree of
//! [`crate::scene`], but everything owned by the server (id 1, the default authority): its
//! `Game/Spawner` and `Game/Sync` accept SPAWN / DESPAWN / SYNC from the server. Before the
//! input the server has announced the same cache ids as in `scene_packets` (1 `Game`,
//! 2 `Game/Spawner`, 3 `Game/Sync`, 4 `Game/Players`), and the client has called `ping` on the
//! server (so it sent SIMPLIFY_PATH for Game as its cache id 1, which the input may confirm).
//! Server-only commands reach real code here: ADD_PEER / DEL_PEER and relays from the server.
//!
//! A client trusts the server's word on who sent a relayed packet (as Godot does), so handlers'
//! senders are not checked. Invariants after every input:
//! * polling never fails; the server stays admitted (DEL_PEER of id 1 is refused) and the client
//!   never asked the transport to disconnect anyone, nor saw `ServerDisconnected`;
//! * everything the client sends goes to the server (id 1), parses with `netscene::wire`, and
//!   a relay never names the server as its destination (the client sends to it directly);
//! * the dynamic handler's arguments re-encode and decode back equal.

use netscene::{MultiplayerEvent, SceneMultiplayer, SceneTree, Variant};

use crate::packets;
use crate::peer::FuzzPeer;
use crate::scene::{Calls, add_replicated_game, add_rpcs, relay_peer_of_sent, setup_packets};

/// This client's id.
pub const CLIENT: i32 = 2;

/// Runs one input (packets split by [`packets::split`]) against a fresh client.
pub fn check(data: &[u8]) {
    run(data).check_invariants();
}

struct Client {
    tree: SceneTree,
    /// What ran (read by the tests; a debugging aid for reproducers).
    #[cfg_attr(not(test), allow(dead_code))]
    calls: Calls,
}

fn run(data: &[u8]) -> Client {
    let mut client = Client::new();
    for packet in setup_packets() {
        client.peer().deliver(1, &packet);
    }
    for packet in packets::split(data) {
        client.peer().deliver(1, packet);
    }
    client.poll();
    client.poll();
    client
}

impl Client {
    fn new() -> Self {
        let mut mp = SceneMultiplayer::new();
        mp.set_multiplayer_peer(Some(Box::new(FuzzPeer::client(CLIENT))))
            .expect("a connected peer is accepted");
        let mut tree = SceneTree::with_multiplayer(Box::new(mp));
        let calls = Calls::default();
        let game = tree.add_path("/root/Game").expect("Game");
        add_rpcs(&mut tree, game, &calls, false);
        add_replicated_game(&mut tree, game);

        let mut client = Self { tree, calls };
        client.poll(); // the server accepts the client
        client
            .tree
            .rpc_id(game, 1, "ping", &[Variant::Int(0)])
            .expect("the client calls ping on the server");
        client
    }

    fn peer(&mut self) -> &mut FuzzPeer {
        let api = self
            .tree
            .scene_multiplayer("/root")
            .expect("the client API");
        let peer: &mut dyn std::any::Any = api
            .get_multiplayer_peer_mut()
            .expect("the client has a peer");
        peer.downcast_mut().expect("a FuzzPeer")
    }

    fn poll(&mut self) {
        if let Err(e) = self.tree.poll() {
            panic!("the client's poll failed: {e}");
        }
    }

    fn check_invariants(&mut self) {
        let api = self
            .tree
            .scene_multiplayer("/root")
            .expect("the client API");
        assert!(
            api.get_peers().contains(&1),
            "the server is no longer admitted"
        );
        for event in self.tree.drain_events("/root") {
            assert!(
                !matches!(
                    event,
                    MultiplayerEvent::ServerDisconnected | MultiplayerEvent::ConnectionFailed
                ),
                "unexpected {event:?}"
            );
        }
        let peer = self.peer();
        assert_eq!(peer.disconnects, [], "the client disconnected someone");
        for sent in &peer.sent {
            assert_eq!(sent.target, 1, "a client sent past its server: {sent:02x?}");
            if let Some(destination) = relay_peer_of_sent("client", sent.target, &sent.data) {
                assert_ne!(destination, 1, "a relay addressed to the server");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The seeds reach the code they were written for.
    use super::*;

    fn seed(name: &str) -> Vec<u8> {
        let path = format!(
            "{}/corpus/client_packets/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn calls(client: &Client) -> Vec<(&'static str, i32, i64)> {
        client.calls.lock().unwrap().clone()
    }

    #[test]
    fn server_rpcs_run_authority_only_included() {
        let mut client = run(&seed("rpc"));
        assert_eq!(
            calls(&client),
            [("ping", 1, 5), ("echo", 1, 2), ("admin", 1, 0)]
        );
        client.check_invariants();
    }

    #[test]
    fn announced_peers_and_relayed_calls_apply() {
        let mut client = run(&seed("peers_and_relay"));
        assert_eq!(calls(&client), [("ping", 5, 7), ("echo", 5, 1)]);
        let api = client.tree.scene_multiplayer("/root").unwrap();
        let mut peers = api.get_peers();
        peers.sort_unstable();
        // 5 announced, 6 announced then gone.
        assert_eq!(peers, [1, 5]);
        // The echo's reply to 5 went through the server: SIMPLIFY_PATH for Game, then the call.
        let relayed: Vec<u8> = client
            .peer()
            .sent
            .iter()
            .filter_map(|p| p.data.strip_prefix(&[0x07, 0x03, 5, 0, 0, 0][..]))
            .map(|inner| inner[0] & 0x07)
            .collect();
        assert_eq!(relayed, [1, 0]);
        client.check_invariants();
    }

    #[test]
    fn server_spawns_and_syncs_apply() {
        let mut client = run(&seed("replication"));
        assert!(client.tree.get_node("/root/Game/Players/A").is_some());
        assert!(client.tree.get_node("/root/Game/Players/M").is_none());
        let game = client.tree.get_node("/root/Game").unwrap();
        let node = client.tree.node(game).unwrap();
        assert_eq!(node.get_property("a"), Some(&Variant::Int(50)));
        assert_eq!(node.get_property("b"), Some(&Variant::Int(7)));
        client.check_invariants();
    }

    #[test]
    fn every_seed_passes_the_invariants() {
        let dir = format!("{}/corpus/client_packets", env!("CARGO_MANIFEST_DIR"));
        for entry in std::fs::read_dir(dir).unwrap() {
            check(&std::fs::read(entry.unwrap().path()).unwrap());
        }
        check(b"");
    }
}
