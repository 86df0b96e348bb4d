//! The node path cache between real Godot 4.6 clients and a netscene server, checked on the
//! wire (the server's WebSocket peer is tapped): the first call to a node announces it
//! (SIMPLIFY_PATH, and the call carries the path), the receiver confirms it (CONFIRM_PATH),
//! later calls use the cached id (one byte up to 255, two above); 300 distinct nodes called
//! from both sides; the RPC checksums of both sides are the same bytes. And the negative test that must stay: nodes
//! whose method tables differ are detected (Godot prints "The rpc node checksum failed", netscene
//! answers CONFIRM_PATH invalid), in both directions.

mod net_support;

use net_support::{
    Dir, NODE_DISABLED_METHOD, NODE_LEVEL_METHOD, STEP, Server, Wire, launch, net_project,
    rpc_line, rpc_methods, wait_admitted, wait_joined,
};
use netscene::wire::{ConfirmPath, NodeTarget, RemoteCall, SimplifyPath, rpc_checksum};
use netscene::{MultiplayerEvent, PeerId, RpcConfig, RpcRejection, handler};
use netscene_godot_suite::GodotClient;

/// A SIMPLIFY_PATH seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Simplify {
    peer: PeerId,
    checksum: String,
    cache_id: u32,
    path: String,
}

/// How a REMOTE_CALL named its node.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// The path, appended (the node was not confirmed yet).
    Path(String),
    /// The cache id, with the width code of the meta byte (0 = one byte).
    Id { id: u32, width: u8 },
}

fn simplifies(wire: &[Wire], dir: Dir) -> Vec<Simplify> {
    wire.iter()
        .filter(|w| w.dir == dir && w.data.first().is_some_and(|b| b & 7 == 1))
        .map(|w| {
            let s = SimplifyPath::parse(&w.data).expect("a valid SIMPLIFY_PATH");
            Simplify {
                peer: w.peer,
                checksum: String::from_utf8(s.checksum.to_vec()).unwrap(),
                cache_id: s.cache_id,
                path: s.path.to_owned(),
            }
        })
        .collect()
}

fn confirms(wire: &[Wire], dir: Dir) -> Vec<ConfirmPath> {
    wire.iter()
        .filter(|w| w.dir == dir && w.data.first().is_some_and(|b| b & 7 == 2))
        .map(|w| ConfirmPath::parse(&w.data).expect("a valid CONFIRM_PATH"))
        .collect()
}

fn calls(wire: &[Wire], dir: Dir) -> Vec<Target> {
    wire.iter()
        .filter(|w| w.dir == dir && w.data.first().is_some_and(|b| b & 7 == 0))
        .map(|w| {
            let call = RemoteCall::parse(&w.data).expect("a valid REMOTE_CALL");
            match call.node {
                NodeTarget::Path(path) => Target::Path(path.to_owned()),
                NodeTarget::CacheId(id) => Target::Id {
                    id,
                    width: (w.data[0] >> 4) & 3,
                },
            }
        })
        .collect()
}

/// Cells under Main/Many: enough for cache ids above 255 (two-byte ids on the wire).
const CELLS: usize = 300;

/// The width code of a compressed node id: 0 = one byte, 1 = two bytes.
fn id_width(id: u32) -> u8 {
    if id <= 255 { 0 } else { 1 }
}

fn checksum_of(names: &[&str]) -> String {
    let mut names = names.to_vec();
    names.sort_unstable();
    String::from_utf8(rpc_checksum(names).to_vec()).unwrap()
}

/// The checksum of Main/Owned: its script's methods in code point order.
fn owned_checksum() -> String {
    let names: Vec<&str> = rpc_methods().iter().map(|(n, _)| *n).collect();
    checksum_of(&names)
}

/// The checksum of Main/Rpc: the node-level methods first (the disabled one too), then the
/// script's.
fn rpc_node_checksum() -> String {
    let mut names: Vec<&str> = rpc_methods().iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.splice(0..0, [NODE_DISABLED_METHOD, NODE_LEVEL_METHOD]);
    String::from_utf8(rpc_checksum(names).to_vec()).unwrap()
}

/// Polls until `count` packets matching `what` are on the wire.
fn wait_wire(server: &mut Server, description: &str, count: usize, what: impl Fn(&Wire) -> bool) {
    let start = std::time::Instant::now();
    loop {
        server.poll();
        let seen = server.wire().iter().filter(|w| what(w)).count();
        if seen >= count {
            return;
        }
        assert!(
            start.elapsed() < STEP,
            "only {seen} of {count} packets {description} within {STEP:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn path_cache_announces_confirms_then_uses_ids_for_300_nodes_both_ways() {
    let mut server = Server::start_tapped(|_| {});
    server.add_cells(CELLS);
    let cells_arg = format!("--cells={CELLS}");
    let mut godot = launch(
        &server,
        "cache",
        &net_project(),
        &["--scenario=plain", &cells_arg],
    );
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);

    // Godot -> netscene, one node, twice.
    for value in ["first", "second"] {
        server.command_rpc(id, "Main/Rpc", "any_reliable", Some(1), value);
        server.wait_call(value, |c| c.from == id && c.value == value);
    }
    let wire = server.wire();
    let announced = simplifies(&wire, Dir::In);
    assert_eq!(announced.len(), 1, "{announced:#?}");
    let rpc_node = &announced[0];
    assert_eq!(rpc_node.path, "Main/Rpc");
    assert_eq!(rpc_node.checksum, rpc_node_checksum(), "Godot's checksum");
    let confirmed = confirms(&wire, Dir::Out);
    assert!(
        confirmed.contains(&ConfirmPath {
            valid: true,
            cache_id: rpc_node.cache_id
        }),
        "netscene did not confirm Godot's Main/Rpc as valid: {confirmed:#?}"
    );
    assert_eq!(
        calls(&wire, Dir::In),
        [
            Target::Path("Main/Rpc".into()),
            Target::Id {
                id: rpc_node.cache_id,
                width: 0
            }
        ]
    );

    // netscene -> Godot, the same node, twice.
    let rpc = server.scene.rpc;
    server.rpc(rpc, id, "any_reliable", "s-first");
    godot.wait_for(&rpc_line("any_reliable", "Rpc", 1, "s-first"), STEP, || {
        server.poll()
    });
    wait_wire(&mut server, "CONFIRM_PATH from Godot", 2, |w| {
        w.dir == Dir::In && w.data[0] & 7 == 2
    });
    server.rpc(rpc, id, "any_reliable", "s-second");
    godot.wait_for(
        &rpc_line("any_reliable", "Rpc", 1, "s-second"),
        STEP,
        || server.poll(),
    );
    let wire = server.wire();
    let sent = simplifies(&wire, Dir::Out);
    let ours = sent
        .iter()
        .find(|s| s.path == "Main/Rpc")
        .expect("netscene announced Main/Rpc");
    assert_eq!(ours.checksum, rpc_node.checksum, "the two sides' checksums");
    let main = sent.iter().find(|s| s.path == "Main").expect("Main");
    assert_eq!(main.checksum, checksum_of(&["command"]));
    for s in &sent {
        assert!(
            confirms(&wire, Dir::In).contains(&ConfirmPath {
                valid: true,
                cache_id: s.cache_id
            }),
            "Godot did not confirm {s:?}"
        );
    }
    let out_calls: Vec<Target> = calls(&wire, Dir::Out)
        .into_iter()
        .filter(|t| {
            *t == Target::Path("Main/Rpc".into())
                || matches!(t, Target::Id { id, .. } if *id == ours.cache_id)
        })
        .collect();
    assert_eq!(
        out_calls,
        [
            Target::Path("Main/Rpc".into()),
            Target::Id {
                id: ours.cache_id,
                width: 0
            }
        ]
    );

    // 300 nodes, Godot -> netscene: round 0 announces each, round 1 uses the ids.
    for round in 0..2 {
        server.command(id, "hit_cells", vec![1.into(), round.into()]);
        godot.wait_for(&format!("did hit_cells 1 {round}"), STEP, || server.poll());
        wait_calls(&mut server, CELLS * (round as usize + 1));
    }
    let hits: Vec<_> = server
        .calls()
        .into_iter()
        .filter(|c| c.method == "hit")
        .collect();
    for (i, cell) in (0..CELLS).map(|i| format!("Main/Many/C{i:02}")).enumerate() {
        let got: Vec<(PeerId, &str)> = hits
            .iter()
            .filter(|c| c.node == cell)
            .map(|c| (c.from, c.value.as_str()))
            .collect();
        assert_eq!(got, [(id, "0"), (id, "1")], "cell {i}");
    }
    let wire = server.wire();
    let cells_in: Vec<Simplify> = simplifies(&wire, Dir::In)
        .into_iter()
        .filter(|s| s.path.starts_with("Main/Many/"))
        .collect();
    assert_eq!(cells_in.len(), CELLS);
    let mut ids: Vec<u32> = cells_in.iter().map(|s| s.cache_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), CELLS, "distinct cache ids");
    assert!(ids.iter().any(|&id| id > 255), "some ids need two bytes");
    assert!(
        cells_in.iter().all(|s| s.checksum == checksum_of(&["hit"])),
        "cell checksums: {cells_in:#?}"
    );
    let in_calls = calls(&wire, Dir::In);
    let cell_calls = &in_calls[in_calls.len() - 2 * CELLS..];
    assert!(
        cell_calls[..CELLS]
            .iter()
            .all(|t| matches!(t, Target::Path(p) if p.starts_with("Main/Many/C"))),
        "round 0 carries paths: {cell_calls:#?}"
    );
    assert!(
        cell_calls[CELLS..].iter().all(|t| matches!(
            t,
            Target::Id { id, width } if ids.contains(id) && *width == id_width(*id)
        )),
        "round 1 uses one- and two-byte ids: {cell_calls:#?}"
    );
    assert_eq!(server.multiplayer().get_remote_cache_entries(id), CELLS + 1);

    // 300 nodes, netscene -> Godot.
    let confirms_before = confirms(&server.wire(), Dir::In).len();
    for round in 0..2i64 {
        let cells = server.scene.cells.clone();
        for cell in cells {
            server
                .tree
                .rpc_id(cell, id, "hit", &[round.into()])
                .unwrap();
        }
        if round == 0 {
            wait_wire(
                &mut server,
                "the cells' CONFIRM_PATH",
                confirms_before + CELLS,
                |w| w.dir == Dir::In && w.data[0] & 7 == 2,
            );
        }
    }
    server.command(id, "report_cells", vec![]);
    let report = format!(
        "did report_cells {CELLS} cells {} calls: 1:0 1:1",
        2 * CELLS
    );
    godot.wait_for(&report, STEP, || server.poll());
    let wire = server.wire();
    let out: Vec<Target> = calls(&wire, Dir::Out);
    // The last call is report_cells.
    let cell_out = &out[out.len() - 2 * CELLS - 1..out.len() - 1];
    assert!(
        cell_out[..CELLS]
            .iter()
            .all(|t| matches!(t, Target::Path(p) if p.starts_with("Main/Many/C"))),
        "netscene's round 0 carries paths: {cell_out:#?}"
    );
    assert!(
        cell_out[CELLS..]
            .iter()
            .all(|t| matches!(t, Target::Id { id, width } if *width == id_width(*id))),
        "netscene's round 1 uses one- and two-byte ids: {cell_out:#?}"
    );
    assert!(
        cell_out[CELLS..]
            .iter()
            .any(|t| matches!(t, Target::Id { width: 1, .. })),
        "netscene's round 1 has two-byte ids"
    );
    assert!(
        confirms(&wire, Dir::In).iter().all(|c| c.valid),
        "Godot found a checksum mismatch"
    );

    server.command(id, "quit", vec![]);
    assert_eq!(godot.wait_exit(STEP, || server.poll()), 0);
    godot.assert_clean();
    assert!(
        !server.events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected { .. } | MultiplayerEvent::RpcRejected { .. }
        )),
        "{:#?}",
        server.events
    );
}

fn wait_calls(server: &mut Server, count: usize) {
    let start = std::time::Instant::now();
    while server.calls().iter().filter(|c| c.method == "hit").count() < count {
        assert!(start.elapsed() < STEP, "fewer than {count} hit calls");
        server.poll();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Godot's `rpc_node.gd` with one more method, `any_aaa`, which sorts first: every other
/// method's id moves up by one on Godot's side only.
fn rpc_node_with_an_extra_method() -> String {
    let script =
        std::fs::read_to_string(netscene_godot_suite::suite_project_dir("net").join("rpc_node.gd"))
            .unwrap();
    format!(
        "{script}\n\n@rpc(\"any_peer\", \"call_remote\", \"reliable\")\n\
         func any_aaa(value: Variant) -> void:\n\t_got(\"any_aaa\", value)\n"
    )
}

#[test]
fn different_method_tables_are_detected_on_both_sides() {
    let mut server = Server::start_tapped(|_| {});
    // netscene's C00 has a method Godot's lacks.
    let c00 = server.scene.cells[0];
    server
        .tree
        .on_rpc_dynamic(
            c00,
            "zz_server_only",
            RpcConfig::any_peer(),
            handler(|_, _| Ok(())),
        )
        .unwrap();
    let project = net_project().with_file("rpc_node.gd", rpc_node_with_an_extra_method());
    let mut godot = launch(&server, "mismatch", &project, &["--scenario=plain"]);
    godot.expect_error("The rpc node checksum failed");
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);

    // Godot -> netscene on Main/Rpc: netscene answers CONFIRM_PATH invalid, Godot reports it.
    server.command_rpc(id, "Main/Rpc", "any_reliable", Some(1), "mismatch");
    let wrong = server.wait_call("the mismatched call", |c| c.value == "mismatch");
    // Without the checksum the ids silently name another method: any_aaa sorts before
    // any_reliable on Godot's side only, so Godot's id for any_reliable is netscene's id for the
    // method after it.
    assert_eq!(wrong.method, "any_unreliable");
    let godot_rpc = simplifies(&server.wire(), Dir::In)
        .into_iter()
        .find(|s| s.path == "Main/Rpc")
        .expect("Godot announced Main/Rpc");
    assert_ne!(godot_rpc.checksum, rpc_node_checksum());
    wait_wire(&mut server, "netscene's invalid CONFIRM_PATH", 1, |w| {
        w.dir == Dir::Out
            && ConfirmPath::parse(&w.data).ok()
                == Some(ConfirmPath {
                    valid: false,
                    cache_id: godot_rpc.cache_id,
                })
    });
    wait_error(
        &mut godot,
        &mut server,
        "The rpc node checksum failed. Make sure to have the same methods on both nodes. \
         Node path: /root/Main/Rpc",
    );
    // Godot's last method id is one past netscene's last: refused.
    let beyond = rpc_methods().len() as u16;
    server.command_rpc(id, "Main/Rpc", "auth_remote", Some(1), "beyond");
    server.wait_event("the unknown method id", |e| {
        matches!(
            e,
            MultiplayerEvent::RpcRejected {
                reason: RpcRejection::UnknownMethod(m),
                ..
            } if *m == beyond
        )
    });

    // netscene -> Godot on Main/Owned (same script): Godot reports the SIMPLIFY_PATH it got
    // and answers CONFIRM_PATH invalid.
    server.rpc(server.scene.owned, id, "any_reliable", "s-mismatch");
    wait_error(
        &mut godot,
        &mut server,
        "The rpc node checksum failed. Make sure to have the same methods on both nodes. \
         Node path: Main/Owned",
    );
    let ours = simplifies(&server.wire(), Dir::Out)
        .into_iter()
        .find(|s| s.path == "Main/Owned")
        .expect("netscene announced Main/Owned");
    assert_eq!(ours.checksum, owned_checksum());
    wait_wire(&mut server, "Godot's invalid CONFIRM_PATH", 1, |w| {
        w.dir == Dir::In
            && ConfirmPath::parse(&w.data).ok()
                == Some(ConfirmPath {
                    valid: false,
                    cache_id: ours.cache_id,
                })
    });

    // The table netscene declares differently (C00), both ways.
    server.command(id, "hit_cells", vec![1.into(), 0.into()]);
    wait_calls(&mut server, 60);
    wait_error(
        &mut godot,
        &mut server,
        "The rpc node checksum failed. Make sure to have the same methods on both nodes. \
         Node path: /root/Main/Many/C00",
    );
    server.tree.rpc_id(c00, id, "hit", &[5.into()]).unwrap();
    wait_error(
        &mut godot,
        &mut server,
        "The rpc node checksum failed. Make sure to have the same methods on both nodes. \
         Node path: Main/Many/C00",
    );
    // Only the mismatched nodes were reported (C01..C59 agree).
    godot.update();
    let reports: Vec<&str> = godot
        .transcript()
        .iter()
        .filter(|l| l.text.contains("checksum failed"))
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(reports.len(), 4, "{reports:#?}");

    server.command(id, "quit", vec![]);
    assert_eq!(godot.wait_exit(STEP, || server.poll()), 0);
    godot.assert_clean();
}

/// Waits until Godot printed an error line containing `needle` (expected with
/// `expect_error`).
fn wait_error(godot: &mut GodotClient, server: &mut Server, needle: &str) {
    let start = std::time::Instant::now();
    loop {
        server.poll();
        godot.update();
        if godot
            .transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(needle))
        {
            return;
        }
        assert!(
            start.elapsed() < STEP,
            "Godot printed no {needle:?}\n{}",
            godot.transcript_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn replaced_nodes_are_found_again_by_path_on_both_sides() {
    let mut server = Server::start_tapped(|_| {});
    let mut godot = launch(&server, "replace", &net_project(), &["--scenario=plain"]);
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);
    let godot_calls = |server: &mut Server, value: &str| {
        server.command_rpc(id, "Main/Owned", "any_reliable", Some(1), value);
        server.wait_call(value, |c| {
            c.node == "Main/Owned" && c.from == id && c.value == value
        });
    };
    let server_calls = |server: &mut Server, godot: &mut GodotClient, value: &str| {
        let owned = server.scene.owned;
        server.rpc(owned, id, "any_reliable", value);
        godot.wait_for(&rpc_line("any_reliable", "Owned", 1, value), STEP, || {
            server.poll()
        });
    };
    // Both sides cache and confirm Main/Owned.
    for value in ["g1", "g2"] {
        godot_calls(&mut server, value);
    }
    for value in ["s1", "s2"] {
        server_calls(&mut server, &mut godot, value);
    }

    // netscene replaces its node: Godot's cached id still reaches it (by the path kept with
    // the id, as Godot does), and netscene announces the new node under a new id.
    server.recreate("/root/Main/Owned");
    godot_calls(&mut server, "g3");
    server_calls(&mut server, &mut godot, "s3");
    // Godot replaces its node: netscene's cached id still reaches it, and Godot announces the
    // new node under a new id.
    server.command(id, "recreate", vec!["/root/Main/Owned".into()]);
    godot.wait_for("did recreate /root/Main/Owned", STEP, || server.poll());
    server_calls(&mut server, &mut godot, "s4");
    godot_calls(&mut server, "g4");

    let wire = server.wire();
    let owned_ids = |dir| -> Vec<u32> {
        simplifies(&wire, dir)
            .into_iter()
            .filter(|s| s.path == "Main/Owned")
            .map(|s| s.cache_id)
            .collect()
    };
    let (godot_ids, our_ids) = (owned_ids(Dir::In), owned_ids(Dir::Out));
    assert_eq!(
        godot_ids.len(),
        2,
        "Godot announced Owned again: {godot_ids:?}"
    );
    assert_ne!(godot_ids[0], godot_ids[1]);
    assert_eq!(
        our_ids.len(),
        2,
        "netscene announced Owned again: {our_ids:?}"
    );
    assert_ne!(our_ids[0], our_ids[1]);
    assert!(confirms(&wire, Dir::In).iter().all(|c| c.valid));
    assert!(confirms(&wire, Dir::Out).iter().all(|c| c.valid));

    server.command(id, "quit", vec![]);
    assert_eq!(godot.wait_exit(STEP, || server.poll()), 0);
    godot.assert_clean();
    assert!(
        !server.events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected { .. } | MultiplayerEvent::RpcRejected { .. }
        )),
        "{:#?}",
        server.events
    );
}
