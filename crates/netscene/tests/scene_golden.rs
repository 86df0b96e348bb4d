//! Golden bytes from the spec (golden-vectors.md §3.3, P9–P18) — the packets SceneMultiplayer
//! actually puts on the wire, and the wire reprs on their own.

mod support;

use netscene::wire::{
    ConfirmPath, NodeTarget, RemoteCall, RemoteCallHeader, SimplifyPath, SysPacket, rpc_checksum,
};
use netscene::{RpcConfig, TransferMode, Variant, args};
use support::{SERVER, Sent, World};

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

const MAIN_PLAYER: &str = "4d 61 69 6e 2f 50 6c 61 79 65 72 00";

fn simplify(checksum: &str, id: u8, path_hex: &str) -> Vec<u8> {
    let mut v = vec![0x01];
    v.extend_from_slice(checksum.as_bytes());
    v.push(0);
    v.extend_from_slice(&[id, 0, 0, 0]);
    v.extend(hex(path_hex));
    v
}

#[test]
fn p9_simplify_path_for_a_node_without_rpcs() {
    let expected = hex(
        "01 64 34 31 64 38 63 64 39 38 66 30 30 62 32 30 34 65 39 38 30 30 39 39 38 65 63 66 38 34 32 37 65 00 01 00 00 00 4d 61 69 6e 2f 50 6c 61 79 65 72 00",
    );
    assert_eq!(expected.len(), 50);
    let pkt = SimplifyPath {
        checksum: rpc_checksum(std::iter::empty::<&str>()),
        cache_id: 1,
        path: "Main/Player",
    };
    let mut out = Vec::new();
    pkt.emit(&mut out);
    assert_eq!(out, expected);
    assert_eq!(SimplifyPath::parse(&expected).unwrap(), pkt);
}

#[test]
fn p10_confirm_path_and_p12_to_p18_remote_call_reprs() {
    let mut out = Vec::new();
    ConfirmPath {
        valid: true,
        cache_id: 1,
    }
    .emit(&mut out);
    assert_eq!(out, hex("02 01 01 00 00 00"));

    // (bytes, node field, wide, method id, byte_only_or_no_args, argument area)
    type Case<'a> = (&'a str, u32, bool, u16, bool, &'a [u8]);
    let cases: [Case; 5] = [
        ("80 01 00", 1, false, 0, true, &[]),
        ("80 01 00 de ad", 1, false, 0, true, &[0xde, 0xad]),
        ("10 2c 01 00 01 81", 300, false, 0, false, &[0x01, 0x81]),
        ("c0 01 00 80", 1, false, 0x8000, true, &[]),
        ("a0 01 00 00 00 00", 1, true, 0, true, &[]),
    ];
    for (bytes, node, wide, method, raw, args) in cases {
        let header = RemoteCallHeader {
            node_field: node,
            wide_node_field: wide,
            method_id: method,
            byte_only_or_no_args: raw,
        };
        let mut out = Vec::new();
        header.emit(&mut out);
        out.extend_from_slice(args);
        assert_eq!(out, hex(bytes), "{bytes}");
        let call = RemoteCall::parse(&out).unwrap();
        assert_eq!(call.node, NodeTarget::CacheId(node));
        assert_eq!(
            (call.method_id, call.byte_only_or_no_args, call.args),
            (method, raw, args)
        );
    }

    // P17: path appended, node field = 0x80000000 | 6.
    let p17 = hex(&format!("a0 06 00 00 80 00 {MAIN_PLAYER}"));
    let call = RemoteCall::parse(&p17).unwrap();
    assert_eq!(call.node, NodeTarget::Path("Main/Player"));
    assert!(call.args.is_empty() && call.byte_only_or_no_args);

    // P13 arguments.
    let p13 = hex("00 01 00 02 02 05 04 00 00 00 02 00 00 00 68 69 00 00");
    let call = RemoteCall::parse(&p13).unwrap();
    let mut decoded = netscene::wire::RpcArgs::new();
    netscene::wire::decode_args(call.args, false, &Default::default(), &mut decoded).unwrap();
    assert_eq!(decoded.as_slice(), &args![5, "hi"]);
    let mut out = Vec::new();
    let raw = netscene::wire::encode_args(&args![5, "hi"], &mut out, &Default::default()).unwrap();
    assert!(!raw);
    assert_eq!(out, &p13[3..]);
}

#[test]
fn p4_to_p8_sys_packets() {
    let cases = [
        (SysPacket::Auth(&[1, 2]), "07 00 01 02"),
        (SysPacket::Auth(&[]), "07 00"),
        (SysPacket::AddPeer(0x12345678), "07 01 78 56 34 12"),
        (SysPacket::DelPeer(0x12345678), "07 02 78 56 34 12"),
        (
            SysPacket::Relay {
                peer: 0,
                packet: &[0x03, 0xaa],
            },
            "07 03 00 00 00 00 03 aa",
        ),
        (
            SysPacket::Relay {
                peer: -5,
                packet: &[0x03, 0xaa],
            },
            "07 03 fb ff ff ff 03 aa",
        ),
        (
            SysPacket::Relay {
                peer: 0x12345678,
                packet: &[0x03, 0xaa],
            },
            "07 03 78 56 34 12 03 aa",
        ),
    ];
    for (pkt, bytes) in cases {
        let mut out = Vec::new();
        pkt.emit(&mut out);
        assert_eq!(out, hex(bytes));
        assert_eq!(SysPacket::parse(&out).unwrap(), pkt);
    }
}

fn rpc_packets(sent: &[Sent]) -> Vec<(i32, Vec<u8>)> {
    sent.iter().map(|s| (s.to, s.data.clone())).collect()
}

/// `Main/Player` in every branch with `ping` and `pong` (checksum md5("pingpong")).
fn world_with_player(clients: usize) -> (World, Vec<netscene::NodeId>) {
    let mut w = World::connected(clients);
    let nodes = w.add_everywhere("Main/Player");
    for &n in &nodes {
        for m in ["pong", "ping"] {
            w.tree
                .on_rpc(n, m, RpcConfig::any_peer(), |_, (): ()| {})
                .unwrap();
        }
    }
    (w, nodes)
}

#[test]
fn first_rpc_sends_simplify_path_then_the_call_with_the_path_then_compressed_ids() {
    let (mut w, nodes) = world_with_player(1);
    let c1 = w.client_id(0);
    assert_eq!(
        w.tree.node(nodes[0]).unwrap().rpc_checksum(),
        "cd3c3621a18bef2bcb2cc568833aa0a5"
    );

    w.tree.rpc_id(nodes[0], c1, "ping", &[]).unwrap();
    let sent = w.take_sent(0);
    assert_eq!(
        rpc_packets(&sent),
        vec![
            (
                c1,
                simplify("cd3c3621a18bef2bcb2cc568833aa0a5", 1, MAIN_PLAYER)
            ),
            (c1, hex(&format!("a0 06 00 00 80 00 {MAIN_PLAYER}"))), // P17
        ]
    );
    assert_eq!((sent[0].mode, sent[0].channel), (TransferMode::Reliable, 0));

    w.pump();
    // The client answered CONFIRM_PATH (P10).
    assert_eq!(
        rpc_packets(&w.take_sent(1)),
        vec![(1, hex("02 01 01 00 00 00"))]
    );

    w.tree.rpc_id(nodes[0], c1, "ping", &[]).unwrap(); // P12
    w.tree
        .rpc_id(nodes[0], c1, "ping", &args![5, "hi"])
        .unwrap(); // P13
    w.tree
        .rpc_id(
            nodes[0],
            c1,
            "ping",
            &[Variant::PackedByteArray(vec![0xde, 0xad])],
        )
        .unwrap(); // P14
    w.tree.rpc_id(nodes[0], c1, "pong", &[]).unwrap();
    assert_eq!(
        rpc_packets(&w.take_sent(0)),
        vec![
            (c1, hex("80 01 00")),
            (
                c1,
                hex("00 01 00 02 02 05 04 00 00 00 02 00 00 00 68 69 00 00")
            ),
            (c1, hex("80 01 00 de ad")),
            (c1, hex("80 01 01")),
        ]
    );
}

#[test]
fn mixed_confirmed_and_unconfirmed_targets_p17_and_p18() {
    let (mut w, nodes) = world_with_player(2);
    let (c1, c2) = (w.client_id(0), w.client_id(1));
    w.tree.rpc_id(nodes[0], c1, "ping", &[]).unwrap();
    w.pump();
    w.drain_all();

    w.tree.rpc(nodes[0], "ping", &[]).unwrap();
    let mut sent = rpc_packets(&w.take_sent(0));
    // SIMPLIFY_PATH goes out first, only to the peer that never saw the node.
    assert_eq!(
        sent.remove(0),
        (
            c2,
            simplify("cd3c3621a18bef2bcb2cc568833aa0a5", 1, MAIN_PLAYER)
        )
    );
    sent.sort();
    let mut expected = vec![
        (c1, hex("a0 01 00 00 00 00")),                         // P18
        (c2, hex(&format!("a0 06 00 00 80 00 {MAIN_PLAYER}"))), // P17
    ];
    expected.sort();
    assert_eq!(sent, expected);
}

#[test]
fn node_level_rpc_config_uses_bit_15_p16() {
    let mut w = World::connected(1);
    let nodes = w.add_everywhere("Main/Player");
    for &n in &nodes {
        let node = w.tree.node_mut(n).unwrap();
        node.add_method("remote_only", netscene::handler(|_, _| Ok(())));
        node.rpc_config("remote_only", &RpcConfig::any_peer().to_variant());
        assert_eq!(node.rpc_method_id("remote_only"), Some(0x8000));
        // md5("remote_only")
        assert_eq!(
            node.rpc_checksum(),
            std::str::from_utf8(&rpc_checksum(["remote_only"])).unwrap()
        );
    }
    let c1 = w.client_id(0);
    w.tree.rpc_id(nodes[0], c1, "remote_only", &[]).unwrap();
    w.pump();
    w.take_sent(0);
    w.tree.rpc_id(nodes[0], c1, "remote_only", &[]).unwrap();
    assert_eq!(rpc_packets(&w.take_sent(0)), vec![(c1, hex("c0 01 00 80"))]);
    assert!(w.events(SERVER).is_empty());
}
