//! Hostile bytes: the packet parsers and a live SceneMultiplayer never panic, whatever a
//! connected client sends, and the connection survives.

mod support;

use netscene::wire::{ConfirmPath, RemoteCall, RpcArgs, SimplifyPath, SysPacket, decode_args};
use netscene::{RpcConfig, TransferMode};
use proptest::prelude::*;
use support::{SERVER, World};

fn packet() -> impl Strategy<Value = Vec<u8>> {
    // Mostly well-formed command bytes with random tails, plus fully random packets.
    prop_oneof![
        (0u8..=255, proptest::collection::vec(any::<u8>(), 0..64)).prop_map(|(b0, rest)| {
            let mut v = vec![b0];
            v.extend(rest);
            v
        }),
        proptest::collection::vec(any::<u8>(), 1..300),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
        let _ = RemoteCall::parse(&bytes);
        let _ = SimplifyPath::parse(&bytes);
        let _ = ConfirmPath::parse(&bytes);
        let _ = SysPacket::parse(&bytes);
        let mut out = RpcArgs::new();
        let _ = decode_args(&bytes, false, &Default::default(), &mut out);
        if let Ok(call) = RemoteCall::parse(&bytes) {
            let _ = decode_args(call.args, call.byte_only_or_no_args, &Default::default(), &mut out);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn a_server_survives_random_packets(packets in proptest::collection::vec(packet(), 1..16)) {
        let mut w = World::connected(2);
        let nodes = w.add_everywhere("Lobby");
        for &n in &nodes {
            w.tree.on_rpc(n, "hit", RpcConfig::any_peer(), |_, (_,): (i64,)| {}).unwrap();
        }
        // The server has a cache entry to confuse.
        w.tree.rpc(nodes[0], "hit", &netscene::args![1]).unwrap();
        w.pump();
        let path = w.client_path(0).to_owned();
        for p in &packets {
            w.tree
                .multiplayer(&path)
                .unwrap()
                .get_multiplayer_peer_mut()
                .unwrap()
                .send(1, TransferMode::Reliable, 0, p)
                .unwrap();
        }
        w.pump();
        let c1 = w.client_id(0);
        let peers = netscene::MultiplayerApi::get_peers(w.tree.multiplayer(SERVER).unwrap());
        prop_assert!(peers.contains(&c1));
    }
}
