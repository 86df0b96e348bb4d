//! RPCs between real Godot 4.6 clients and a netscene server: every RPC mode (`any_peer`,
//! `authority`), `call_local`, every transfer mode and a non-zero channel, a disabled method,
//! both ways; calls refused by netscene (a client calling an authority method) and by Godot (the
//! server calling an authority method of a node the client owns); the server's targets: all,
//! one, all but one; ids, names, paths and argument shapes; a multiplayer branch; and the error
//! codes of refused calls, compared with Godot's.

mod net_support;

use net_support::{
    NODE_DISABLED_METHOD, NODE_LEVEL_METHOD, STEP, Server, launch, net_project, printed, rpc_line,
    rpc_methods, sync_with, wait_admitted, wait_joined,
};
use netscene::{
    MultiplayerEvent, RpcConfig, RpcRejection, SceneMultiplayer, SceneTree, TransferMode, Variant,
};
use netscene_websocket::WebSocketMultiplayerPeer;

/// The methods any peer may call (the rest are authority methods).
fn any_peer_methods() -> Vec<&'static str> {
    rpc_methods()
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("any_"))
        .collect()
}

#[test]
fn every_rpc_mode_transfer_mode_and_channel_both_ways() {
    let mut server = Server::start(|_| {});
    let mut godot = launch(&server, "modes", &net_project(), &["--scenario=plain"]);
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);

    // Godot -> netscene: each any_peer method (reliable, unreliable, unreliable_ordered,
    // channel 3, call_local) with rpc_id(1).
    for method in any_peer_methods() {
        let value = format!("g-{method}");
        server.command_rpc(id, "Main/Rpc", method, Some(1), &value);
        godot.wait_for(
            &format!("did rpc /root/Main/Rpc {method} 1: OK"),
            STEP,
            || server.poll(),
        );
        server.wait_call(&format!("{method} from Godot"), |c| {
            c.node == "Main/Rpc" && c.method == method && c.from == id && c.value == value
        });
    }
    // call_local with rpc() from Godot: runs on Godot (sender = itself) and on the server.
    server.command_rpc(id, "Main/Rpc", "any_local", None, "g-local-all");
    godot.wait_for(
        &rpc_line("any_local", "Rpc", id, "g-local-all"),
        STEP,
        || server.poll(),
    );
    server.wait_call("any_local to all from Godot", |c| {
        c.method == "any_local" && c.from == id && c.value == "g-local-all"
    });

    // Refused by netscene: Godot calls authority methods of a node the server owns. Godot
    // sends them (it does not check the sender's side); call_local still runs on Godot.
    server.command_rpc(id, "Main/Rpc", "auth_remote", Some(1), "g-refused");
    server.command_rpc(id, "Main/Rpc", "auth_local", None, "g-refused-local");
    godot.wait_for(
        &rpc_line("auth_local", "Rpc", id, "g-refused-local"),
        STEP,
        || server.poll(),
    );
    for method in ["auth_remote", "auth_local"] {
        let event = server.wait_event(&format!("RpcRejected {method}"), |e| {
            matches!(e, MultiplayerEvent::RpcRejected { method: m, .. } if m.as_str() == method)
        });
        let MultiplayerEvent::RpcRejected {
            from, node, reason, ..
        } = event
        else {
            unreachable!()
        };
        assert_eq!(from, id);
        assert_eq!(node.to_string(), "Main/Rpc");
        assert_eq!(reason, RpcRejection::NotAuthority { authority: 1 });
    }
    assert!(
        !server
            .calls()
            .iter()
            .any(|c| c.value.starts_with("g-refused")),
        "netscene ran a refused call: {:#?}",
        server.calls()
    );

    // Allowed: the same authority methods on a node the client owns (on both sides).
    server
        .tree
        .set_multiplayer_authority(server.scene.owned, id, true)
        .unwrap();
    server.command(
        id,
        "authority",
        vec!["/root/Main/Owned".into(), netscene::Variant::from(id)],
    );
    godot.wait_for(
        &format!("did authority /root/Main/Owned {id}"),
        STEP,
        || server.poll(),
    );
    server.command_rpc(id, "Main/Owned", "auth_remote", Some(1), "g-owner");
    server.wait_call("auth_remote from the owner", |c| {
        c.node == "Main/Owned" && c.method == "auth_remote" && c.from == id && c.value == "g-owner"
    });
    server.command_rpc(id, "Main/Owned", "auth_local", None, "g-owner-local");
    godot.wait_for(
        &rpc_line("auth_local", "Owned", id, "g-owner-local"),
        STEP,
        || server.poll(),
    );
    server.wait_call("auth_local (unreliable, channel 2) from the owner", |c| {
        c.node == "Main/Owned" && c.method == "auth_local" && c.value == "g-owner-local"
    });

    // netscene -> Godot: each any_peer method, and the authority ones of the server's node.
    for method in any_peer_methods()
        .into_iter()
        .chain(["auth_remote", "auth_local"])
    {
        let value = format!("s-{method}");
        server.rpc(server.scene.rpc, id, method, &value);
        godot.wait_for(&rpc_line(method, "Rpc", 1, &value), STEP, || server.poll());
    }
    // call_local from netscene with rpc() to all: the server runs it too, as sender 1.
    for method in ["any_local", "auth_local"] {
        let value = format!("s-{method}-all");
        server.rpc(server.scene.rpc, 0, method, &value);
        godot.wait_for(&rpc_line(method, "Rpc", 1, &value), STEP, || server.poll());
        let local = server.calls();
        assert!(
            local
                .iter()
                .any(|c| c.method == method && c.from == 1 && c.value == value),
            "no local call of {method} on the server: {local:#?}"
        );
    }
    // A call_remote method on the server itself runs nowhere and is an error, as in Godot.
    let own = server
        .tree
        .rpc_id(server.scene.rpc, 1, "any_reliable", &[])
        .unwrap_err();
    assert!(
        matches!(own, netscene::MultiplayerError::CallOnSelf(_)),
        "{own:?}"
    );

    // Refused by Godot: the server calls an authority method of the node the client owns.
    let refusal = format!(
        "RPC 'auth_remote' is not allowed on node /root/Main/Owned from: 1. \
         Mode is \"authority\", authority is {id}."
    );
    godot.expect_error(&refusal);
    server.rpc(server.scene.owned, id, "auth_remote", "s-refused");
    sync_with(&mut godot, &mut server, id, "after-refusal");
    godot.update();
    assert!(
        godot
            .transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(&refusal)),
        "Godot did not refuse the call\n{}",
        godot.transcript_text()
    );
    assert!(!printed(
        &mut godot,
        &rpc_line("auth_remote", "Owned", 1, "s-refused")
    ));

    // A disabled method (node-level rpc_config): sent by either side, refused by the other.
    let disabled = "RPC 'node_disabled' is not allowed on node /root/Main/Rpc from: 1. \
                    Mode is \"disabled\", authority is 1.";
    godot.expect_error(disabled);
    server.rpc(server.scene.rpc, id, NODE_DISABLED_METHOD, "s-disabled");
    server.command_rpc(id, "Main/Rpc", NODE_DISABLED_METHOD, Some(1), "g-disabled");
    server.wait_event("the disabled method refused", |e| {
        matches!(
            e,
            MultiplayerEvent::RpcRejected { method, reason: RpcRejection::Disabled, .. }
                if method.as_str() == NODE_DISABLED_METHOD
        )
    });
    sync_with(&mut godot, &mut server, id, "after-disabled");
    godot.update();
    assert!(
        godot
            .transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(disabled)),
        "Godot ran a disabled method\n{}",
        godot.transcript_text()
    );
    assert!(!server.calls().iter().any(|c| c.value == "g-disabled"));

    server.command(id, "quit", vec![]);
    assert_eq!(godot.wait_exit(STEP, || server.poll()), 0);
    godot.assert_clean();
    assert!(
        !server.events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected { .. }
                | MultiplayerEvent::RpcRejected {
                    reason: RpcRejection::UnknownMethod(_)
                        | RpcRejection::Call(_)
                        | RpcRejection::NoHandler,
                    ..
                }
        )),
        "netscene rejected Godot's packets: {:#?}",
        server.events
    );
}

#[test]
fn server_calls_all_one_and_all_but_one() {
    let mut server = Server::start(|_| {});
    let project = net_project();
    let mut a = launch(&server, "a", &project, &["--scenario=plain"]);
    let mut b = launch(&server, "b", &project, &["--scenario=plain"]);
    let id_a = wait_joined(&mut a, &mut server);
    let id_b = wait_joined(&mut b, &mut server);
    wait_admitted(&mut server, id_a);
    wait_admitted(&mut server, id_b);

    let rpc = server.scene.rpc;
    // A learns the node first and confirms it (its CONFIRM_PATH precedes its RPC to the
    // server), so the call to all mixes a cached id (A) and a path (B) in one send.
    server.rpc(rpc, id_a, "any_reliable", "to-a");
    server.command_rpc(id_a, "Main/Rpc", "any_reliable", Some(1), "a-confirmed");
    server.wait_call("A's call after its CONFIRM_PATH", |c| {
        c.value == "a-confirmed"
    });
    server.rpc(rpc, 0, "any_reliable", "to-all");
    server.rpc(rpc, id_b, "any_reliable", "to-b");
    server.rpc(rpc, -id_a, "any_reliable", "all-but-a");
    server.rpc(rpc, -id_b, "any_reliable", "all-but-b");
    // call_local with a negative target: the server runs it too (it is not excluded).
    server.rpc(rpc, -id_a, "any_local", "local-but-a");
    sync_with(&mut a, &mut server, id_a, "targets-a");
    sync_with(&mut b, &mut server, id_b, "targets-b");

    let expect = |client: &mut netscene_godot_suite::GodotClient, value: &str, got: bool| {
        let method = if value.starts_with("local") {
            "any_local"
        } else {
            "any_reliable"
        };
        let line = rpc_line(method, "Rpc", 1, value);
        assert_eq!(
            printed(client, &line),
            got,
            "{}: {line:?} expected {got}\n{}",
            client.name(),
            client.transcript_text()
        );
    };
    for (value, to_a, to_b) in [
        ("to-all", true, true),
        ("to-a", true, false),
        ("to-b", false, true),
        ("all-but-a", false, true),
        ("all-but-b", true, false),
        ("local-but-a", false, true),
    ] {
        expect(&mut a, value, to_a);
        expect(&mut b, value, to_b);
    }
    assert!(
        server
            .calls()
            .iter()
            .any(|c| c.method == "any_local" && c.from == 1 && c.value == "local-but-a"),
        "the server did not run its own call_local: {:#?}",
        server.calls()
    );

    // Each client's lines came once: no duplicate delivery to anyone.
    for client in [&mut a, &mut b] {
        client.update();
        let lines: Vec<&str> = client
            .stdout_lines()
            .filter(|l| l.starts_with("rpc "))
            .collect();
        let mut unique = lines.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(lines.len(), unique.len(), "duplicates: {lines:#?}");
    }

    server.command(0, "quit", vec![]);
    assert_eq!(a.wait_exit(STEP, || server.poll()), 0);
    assert_eq!(b.wait_exit(STEP, || server.poll()), 0);
    a.assert_clean();
    b.assert_clean();
}

/// Argument lists sent both ways, with the text both sides print for them: no arguments, one
/// PackedByteArray (sent raw), and compressed ints at each width boundary with a bool, a null
/// and non-ASCII text; and a 40 000-byte string (many WebSocket frames' worth, under Godot's
/// 64 KiB inbound buffer).
fn argument_cases() -> Vec<(&'static str, Vec<Variant>, String)> {
    let mixed = |small: i64, mid: i64, big: i64, huge: i64| -> Vec<Variant> {
        vec![
            true.into(),
            small.into(),
            mid.into(),
            big.into(),
            huge.into(),
            Variant::Nil,
            "héllo ✓".into(),
        ]
    };
    let long = "0123456789".repeat(4000);
    vec![
        ("args_none", vec![], String::new()),
        (
            "args_bytes",
            vec![Variant::from(vec![0u8, 1, 0xff])],
            "0001ff".into(),
        ),
        (
            "args_mixed",
            mixed(-128, -32768, 2147483647, -2147483649),
            "true -128 -32768 2147483647 -2147483649 <null> héllo ✓".into(),
        ),
        (
            "args_mixed",
            mixed(127, 128, 32768, i64::MAX),
            "true 127 128 32768 9223372036854775807 <null> héllo ✓".into(),
        ),
        ("any_reliable", vec![long.as_str().into()], long.clone()),
    ]
}

#[test]
fn method_ids_names_paths_and_argument_shapes_agree() {
    let mut server = Server::start(|_| {});
    let mut godot = launch(&server, "ids", &net_project(), &["--scenario=plain"]);
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);

    // Names whose order differs between case-insensitive and code point sorting, a node-level
    // RPC (id with bit 15, a u16 on the wire) and a node with a non-ASCII name.
    let named = [
        ("Main/Rpc", "Rpc", "Any_Upper"),
        ("Main/Rpc", "Rpc", "any_ünï"),
        ("Main/Rpc", "Rpc", NODE_LEVEL_METHOD),
        ("Main/Nœud ✓", "Nœud ✓", "any_reliable"),
        ("Main/Nœud ✓", "Nœud ✓", "any_ünï"),
    ];
    for (path, name, method) in named {
        let value = format!("g-{method}-{name}");
        server.command_rpc(id, path, method, Some(1), &value);
        server.wait_call(&format!("{method} on {path} from Godot"), |c| {
            c.node == path && c.method == method && c.from == id && c.value == value
        });
        let node = server.tree.get_node(&format!("/root/{path}")).unwrap();
        let value = format!("s-{method}-{name}");
        server.rpc(node, id, method, &value);
        godot.wait_for(&rpc_line(method, name, 1, &value), STEP, || server.poll());
    }

    for (method, args, text) in argument_cases() {
        let list = Variant::Array(netscene::variant::Array::from_vec(args.clone()));
        server.command(
            id,
            "rpc_args",
            vec!["/root/Main/Rpc".into(), method.into(), 1.into(), list],
        );
        let shown: String = text.chars().take(80).collect();
        server.wait_call(&format!("{method} {shown:?} from Godot"), |c| {
            c.method == method && c.from == id && c.value == text
        });
        server
            .tree
            .rpc_id(server.scene.rpc, id, method, &args)
            .unwrap();
        godot.wait_for(&rpc_line(method, "Rpc", 1, &text), STEP, || server.poll());
    }

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

#[test]
fn a_multiplayer_branch_names_nodes_relative_to_its_root() {
    let mut server = Server::start_branch();
    let mut godot = launch(&server, "branch", &net_project(), &["--scenario=branch"]);
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);
    // The branch root itself (Main, "." on the wire) and a node under it, both ways.
    server.command_rpc(id, "Main/Rpc", "any_reliable", Some(1), "g-branch");
    server.wait_call("a call in the branch", |c| {
        c.node == "Main/Rpc" && c.from == id && c.value == "g-branch"
    });
    server.rpc(server.scene.rpc, id, "any_reliable", "s-branch");
    godot.wait_for(
        &rpc_line("any_reliable", "Rpc", 1, "s-branch"),
        STEP,
        || server.poll(),
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

/// The calls `api_errors` makes on a Godot client, made by a netscene client of the same
/// server; returns `name=code` pairs as Godot prints them.
fn netscene_api_errors(server: &mut Server) -> Vec<String> {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.create_client(&format!("ws://127.0.0.1:{}", server.port), None)
        .unwrap();
    let multiplayer = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    let mut client = SceneTree::with_multiplayer(Box::new(multiplayer));
    let rpc = client.add_path("/root/Main/Rpc").unwrap();
    client
        .on_rpc_dynamic(
            rpc,
            "any_reliable",
            RpcConfig::any_peer(),
            netscene::handler(|_, _| Ok(())),
        )
        .unwrap();
    let start = std::time::Instant::now();
    while !client
        .drain_events("")
        .contains(&MultiplayerEvent::ConnectedToServer)
    {
        assert!(start.elapsed() < STEP, "the netscene client did not join");
        server.poll();
        client.poll().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let code = |result: Result<(), netscene::MultiplayerError>| match result {
        Ok(()) => 0,
        Err(e) => e.code().code(),
    };
    let me = client.multiplayer("").unwrap().get_unique_id();
    let mut out = Vec::new();
    let mp = client.scene_multiplayer("").unwrap();
    let empty = mp.send_bytes(&[], 1, TransferMode::Reliable, 0);
    out.push(format!("send_bytes_empty={}", code(empty)));
    out.push(format!(
        "send_auth_not_pending={}",
        code(mp.send_auth(1, b"x"))
    ));
    out.push(format!(
        "complete_auth_not_pending={}",
        code(mp.complete_auth(1))
    ));
    let args = [Variant::from(1)];
    let unknown = client.rpc_id(rpc, 12345, "any_reliable", &args);
    out.push(format!("rpc_unknown_peer={}", code(unknown)));
    let own = client.rpc_id(rpc, me, "any_reliable", &args);
    out.push(format!("rpc_self_remote={}", code(own)));
    let unconfigured = client.rpc_id(rpc, 1, "_got", &args);
    out.push(format!("rpc_no_config={}", code(unconfigured)));
    let mp = client.scene_multiplayer("").unwrap();
    mp.get_multiplayer_peer_mut().unwrap().close();
    let closed = mp.send_bytes(b"x", 1, TransferMode::Reliable, 0);
    out.push(format!("closed_send_bytes={}", code(closed)));
    out.push(format!("closed_send_auth={}", code(mp.send_auth(1, b"x"))));
    out.push(format!(
        "closed_complete_auth={}",
        code(mp.complete_auth(1))
    ));
    let closed_rpc = client.rpc_id(rpc, 1, "any_reliable", &args);
    out.push(format!("closed_rpc={}", code(closed_rpc)));
    out
}

#[test]
fn refused_calls_return_godot_error_codes() {
    let mut server = Server::start(|_| {});
    let mut godot = launch(&server, "codes", &net_project(), &["--scenario=plain"]);
    let id = wait_joined(&mut godot, &mut server);
    wait_admitted(&mut server, id);
    // Each refused call prints its reason; only the codes matter here.
    for reason in [
        "Trying to send an empty raw packet",
        "pending_peers.has",
        "Attempt to call RPC with unknown peer ID: 12345",
        "on yourself is not allowed by selected mode",
        "Unable to get the RPC configuration for the function \"_got\"",
        "Trying to send a raw packet via a multiplayer peer which is not connected",
        "get_connection_status() != MultiplayerPeer::CONNECTION_CONNECTED",
        "Trying to call an RPC via a multiplayer peer which is not connected",
    ] {
        godot.expect_error(reason);
    }
    server.command(id, "api_errors", vec![]);
    let line = godot.wait_for("did api_errors ", STEP, || server.poll());
    let godot_codes: Vec<&str> = line["did api_errors ".len()..].split(' ').collect();
    let ours = netscene_api_errors(&mut server);
    assert_eq!(godot_codes.len(), ours.len(), "{line}");
    for (theirs, ours) in godot_codes.iter().zip(&ours) {
        if theirs.starts_with("rpc_unknown_peer=") {
            // Godot only prints an error and returns OK; netscene returns the error.
            assert_eq!(*theirs, "rpc_unknown_peer=0");
            assert_eq!(ours, "rpc_unknown_peer=31");
            continue;
        }
        assert_eq!(theirs, ours, "Godot's code vs netscene's");
    }
    godot.wait_for("signal server_disconnected", STEP, || server.poll());
    godot.assert_clean();
}
