//! Server relay between two real Godot 4.6 clients through a netscene server: RPCs with
//! `rpc_id(other)` and `rpc()` from a client, raw bytes (`send_bytes` / `peer_packet`) to one,
//! to all and to all but one, relay announcements (`peer_connected` / `peer_disconnected` of the
//! other client); the same between a Godot client and a netscene client; and the same traffic
//! with `server_relay` off, where nothing crosses.

mod net_support;

use net_support::{
    NODE_LEVEL_METHOD, NetsceneClient, STEP, Server, launch, net_project, printed, rpc_line,
    sync_with, wait_admitted, wait_joined,
};
use netscene::{MultiplayerEvent, PacketError, PeerId, RpcRejection, TransferMode, Variant};
use netscene_godot_suite::GodotClient;

/// Tells `from` to `send_bytes(text, to)` (reliable, channel 0) and waits until it did.
fn send_bytes(server: &mut Server, client: &mut GodotClient, from: PeerId, to: PeerId, text: &str) {
    let mode = Variant::from(TransferMode::Reliable as i64);
    server.command(from, "bytes", vec![to.into(), text.into(), mode, 0.into()]);
    client.wait_for(&format!("did bytes {to} {text}: OK"), STEP, || {
        server.poll()
    });
}

/// True when the server got `text` as a `peer_packet` from `from`.
fn server_got_bytes(server: &Server, from: PeerId, text: &str) -> bool {
    server.events.iter().any(|e| {
        matches!(e, MultiplayerEvent::PeerPacket { from: f, data } if *f == from && data == text.as_bytes())
    })
}

#[test]
fn relay_carries_rpcs_and_bytes_between_godot_clients() {
    let mut server = Server::start(|_| {});
    let project = net_project();
    let mut a = launch(&server, "a", &project, &["--scenario=plain"]);
    let mut b = launch(&server, "b", &project, &["--scenario=plain"]);
    let id_a = wait_joined(&mut a, &mut server);
    let id_b = wait_joined(&mut b, &mut server);
    wait_admitted(&mut server, id_a);
    wait_admitted(&mut server, id_b);
    // Relay announcements: each client learns of the other.
    a.wait_for(&format!("signal peer_connected {id_b}"), STEP, || {
        server.poll()
    });
    b.wait_for(&format!("signal peer_connected {id_a}"), STEP, || {
        server.poll()
    });

    // RPCs: A -> B with rpc_id, then rpc() to all (B and the server), unreliable and channel 3.
    server.command_rpc(id_a, "Main/Rpc", "any_reliable", Some(id_b), "a-to-b");
    b.wait_for(
        &rpc_line("any_reliable", "Rpc", id_a, "a-to-b"),
        STEP,
        || server.poll(),
    );
    server.command_rpc(
        id_a,
        "Main/Rpc",
        "any_unreliable",
        Some(id_b),
        "a-to-b-unreliable",
    );
    b.wait_for(
        &rpc_line("any_unreliable", "Rpc", id_a, "a-to-b-unreliable"),
        STEP,
        || server.poll(),
    );
    server.command_rpc(id_a, "Main/Rpc", "any_channel", None, "a-to-all");
    b.wait_for(
        &rpc_line("any_channel", "Rpc", id_a, "a-to-all"),
        STEP,
        || server.poll(),
    );
    server.wait_call("rpc() to all from A", |c| {
        c.method == "any_channel" && c.from == id_a && c.value == "a-to-all"
    });
    // call_local with rpc() from B: B itself, A through the relay, and the server.
    server.command_rpc(id_b, "Main/Rpc", "any_local", None, "b-local-all");
    a.wait_for(
        &rpc_line("any_local", "Rpc", id_b, "b-local-all"),
        STEP,
        || server.poll(),
    );
    b.wait_for(
        &rpc_line("any_local", "Rpc", id_b, "b-local-all"),
        STEP,
        || server.poll(),
    );
    server.wait_call("any_local from B", |c| {
        c.from == id_b && c.value == "b-local-all"
    });
    // A relayed call keeps its real sender: A refuses B's call of a server-owned method.
    let refusal = format!("RPC 'auth_remote' is not allowed on node /root/Main/Rpc from: {id_b}.");
    a.expect_error(&refusal);
    server.command_rpc(id_b, "Main/Rpc", "auth_remote", Some(id_a), "b-refused");
    b.wait_for(
        &format!("did rpc /root/Main/Rpc auth_remote {id_a}: OK"),
        STEP,
        || server.poll(),
    );

    // Raw bytes: to one, to all, to all but one, to all but the server, and from the server.
    send_bytes(&mut server, &mut a, id_a, id_b, "raw-a-to-b");
    b.wait_for(
        &format!("signal peer_packet {id_a} raw-a-to-b"),
        STEP,
        || server.poll(),
    );
    send_bytes(&mut server, &mut a, id_a, 0, "raw-a-to-all");
    b.wait_for(
        &format!("signal peer_packet {id_a} raw-a-to-all"),
        STEP,
        || server.poll(),
    );
    server.wait_event("raw-a-to-all on the server", |e| {
        matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_a && data == b"raw-a-to-all")
    });
    send_bytes(&mut server, &mut a, id_a, -id_b, "raw-a-but-b");
    server.wait_event("raw-a-but-b on the server", |e| {
        matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_a && data == b"raw-a-but-b")
    });
    send_bytes(&mut server, &mut a, id_a, -1, "raw-a-but-server");
    b.wait_for(
        &format!("signal peer_packet {id_a} raw-a-but-server"),
        STEP,
        || server.poll(),
    );
    send_bytes(&mut server, &mut b, id_b, 1, "raw-b-to-server");
    server.wait_event("raw-b-to-server", |e| {
        matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_b && data == b"raw-b-to-server")
    });
    server
        .multiplayer()
        .send_bytes(b"raw-server-to-a", id_a, TransferMode::Reliable, 0)
        .unwrap();
    a.wait_for("signal peer_packet 1 raw-server-to-a", STEP, || {
        server.poll()
    });
    server
        .multiplayer()
        .send_bytes(b"raw-server-but-a", -id_a, TransferMode::Reliable, 0)
        .unwrap();
    b.wait_for("signal peer_packet 1 raw-server-but-a", STEP, || {
        server.poll()
    });

    sync_with(&mut a, &mut server, id_a, "relay-a");
    // A's get_peers(): the server and B.
    server.command(id_a, "peers", vec![]);
    let mut both = [1, id_b];
    both.sort_unstable();
    a.wait_for(&format!("did peers {both:?}"), STEP, || server.poll());
    sync_with(&mut b, &mut server, id_b, "relay-b");
    // What must not have crossed.
    assert!(!printed(&mut a, "signal peer_packet 1 raw-server-but-a"));
    assert!(!printed(
        &mut b,
        &format!("signal peer_packet {id_a} raw-a-but-b")
    ));
    assert!(!printed(
        &mut a,
        &rpc_line("auth_remote", "Rpc", id_b, "b-refused")
    ));
    assert!(!server_got_bytes(&server, id_a, "raw-a-to-b"));
    assert!(!server_got_bytes(&server, id_a, "raw-a-but-server"));
    assert!(
        !server.calls().iter().any(|c| c.value.starts_with("a-to-b")),
        "the server ran a call relayed to B: {:#?}",
        server.calls()
    );
    a.update();
    assert!(
        a.transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(&refusal)),
        "A did not refuse B's relayed authority call\n{}",
        a.transcript_text()
    );

    // B leaves: A sees it go (DEL_PEER), and so does the server.
    server.command(id_b, "quit", vec![]);
    assert_eq!(b.wait_exit(STEP, || server.poll()), 0);
    a.wait_for(&format!("signal peer_disconnected {id_b}"), STEP, || {
        server.poll()
    });
    server.wait_event("B left", |e| *e == MultiplayerEvent::PeerDisconnected(id_b));
    server.command(id_a, "quit", vec![]);
    assert_eq!(a.wait_exit(STEP, || server.poll()), 0);
    a.assert_clean();
    b.assert_clean();
    assert!(
        !server.events.iter().any(|e| matches!(
            e,
            MultiplayerEvent::PacketRejected { .. } | MultiplayerEvent::RpcRejected { .. }
        )),
        "netscene refused relay traffic: {:#?}",
        server.events
    );
}

#[test]
fn without_relay_clients_reach_only_the_server() {
    let mut server = Server::start(|mp| mp.set_server_relay_enabled(false).unwrap());
    let project = net_project();
    // A keeps Godot's default (server_relay on at the client), B turns it off as well.
    let mut a = launch(&server, "a", &project, &["--scenario=plain"]);
    let mut b = launch(&server, "b", &project, &["--scenario=plain", "--relay=off"]);
    let id_a = wait_joined(&mut a, &mut server);
    let id_b = wait_joined(&mut b, &mut server);
    wait_admitted(&mut server, id_a);
    wait_admitted(&mut server, id_b);

    // rpc() to all and send_bytes to all reach the server only.
    server.command_rpc(id_b, "Main/Rpc", "any_reliable", None, "b-all");
    server.wait_call("rpc() to all from B", |c| {
        c.from == id_b && c.value == "b-all"
    });
    server.command_rpc(id_a, "Main/Rpc", "any_reliable", None, "a-all");
    server.wait_call("rpc() to all from A", |c| {
        c.from == id_a && c.value == "a-all"
    });
    send_bytes(&mut server, &mut b, id_b, 0, "raw-b-all");
    server.wait_event("raw-b-all", |e| {
        matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_b && data == b"raw-b-all")
    });
    // A does not know B: Godot refuses rpc_id(B) itself ...
    let unknown = format!("Attempt to call RPC with unknown peer ID: {id_b}.");
    a.expect_error(&unknown);
    server.command_rpc(id_a, "Main/Rpc", "any_reliable", Some(id_b), "a-to-b");
    a.wait_for(
        &format!("did rpc /root/Main/Rpc any_reliable {id_b}: "),
        STEP,
        || server.poll(),
    );
    // ... but send_bytes(B) goes out as a RELAY packet, which the server refuses.
    send_bytes(&mut server, &mut a, id_a, id_b, "raw-a-to-b");
    let refused = server.wait_event(
        "the refused RELAY",
        |e| matches!(e, MultiplayerEvent::PacketRejected { from, .. } if *from == id_a),
    );
    assert!(
        matches!(
            refused,
            MultiplayerEvent::PacketRejected {
                error: PacketError::SysRefused {
                    command: "RELAY",
                    ..
                },
                ..
            }
        ),
        "{refused:?}"
    );

    sync_with(&mut a, &mut server, id_a, "norelay-a");
    server.command(id_a, "peers", vec![]);
    a.wait_for("did peers [1]", STEP, || server.poll());
    sync_with(&mut b, &mut server, id_b, "norelay-b");
    assert!(!printed(&mut a, &format!("signal peer_connected {id_b}")));
    assert!(!printed(&mut b, &format!("signal peer_connected {id_a}")));
    assert!(!printed(
        &mut a,
        &rpc_line("any_reliable", "Rpc", id_b, "b-all")
    ));
    assert!(!printed(
        &mut b,
        &rpc_line("any_reliable", "Rpc", id_a, "a-all")
    ));
    assert!(!printed(
        &mut b,
        &rpc_line("any_reliable", "Rpc", id_a, "a-to-b")
    ));
    assert!(!printed(
        &mut a,
        &format!("signal peer_packet {id_b} raw-b-all")
    ));
    assert!(!printed(
        &mut b,
        &format!("signal peer_packet {id_a} raw-a-to-b")
    ));
    a.update();
    assert!(
        a.transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(&unknown)),
        "A called an unknown peer without an error\n{}",
        a.transcript_text()
    );

    // Godot 4.6 lets server_relay change on an active peer (B turns its own on) and so does
    // netscene now (it used to refuse): the server takes A's RELAY once its relay is on.
    server.command(id_b, "set_relay", vec![true.into()]);
    b.wait_for("did set_relay true: now true", STEP, || server.poll());
    server.multiplayer().set_server_relay_enabled(true).unwrap();
    send_bytes(&mut server, &mut a, id_a, -id_b, "raw-a-late");
    server.wait_event("A's RELAY once relay is on", |e| {
        matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_a && data == b"raw-a-late")
    });

    server.command(0, "quit", vec![]);
    assert_eq!(a.wait_exit(STEP, || server.poll()), 0);
    assert_eq!(b.wait_exit(STEP, || server.poll()), 0);
    a.assert_clean();
    b.assert_clean();
}

#[test]
fn a_godot_client_and_a_netscene_client_talk_through_the_relay() {
    let mut server = Server::start(|_| {});
    let mut godot = launch(&server, "g", &net_project(), &["--scenario=plain"]);
    let id_g = wait_joined(&mut godot, &mut server);
    let mut ns = NetsceneClient::connect(&server);
    ns.wait(&mut server, "the announcement of the Godot client", |c| {
        c.events.contains(&MultiplayerEvent::PeerConnected(id_g))
    });
    let id_n = ns.id();
    godot.wait_for(&format!("signal peer_connected {id_n}"), STEP, || {
        server.poll();
        ns.poll();
    });

    // Godot -> netscene client, twice (the second with the cached id), then rpc() to all.
    for value in ["g-to-n-1", "g-to-n-2"] {
        server.command_rpc(id_g, "Main/Rpc", "any_reliable", Some(id_n), value);
        ns.wait(&mut server, value, |c| {
            c.calls()
                .iter()
                .any(|call| call.from == id_g && call.value == value)
        });
    }
    server.command_rpc(id_g, "Main/Rpc", NODE_LEVEL_METHOD, None, "g-to-all");
    ns.wait(&mut server, "g-to-all", |c| {
        c.calls()
            .iter()
            .any(|call| call.method == NODE_LEVEL_METHOD && call.value == "g-to-all")
    });
    server.wait_call("g-to-all on the server", |c| c.value == "g-to-all");

    // netscene client -> Godot, twice, and an authority method Godot refuses (it is the
    // server's), with the netscene client as the sender Godot names.
    let rpc = ns.scene.rpc;
    for value in ["n-to-g-1", "n-to-g-2"] {
        ns.tree
            .rpc_id(rpc, id_g, "any_reliable", &[value.into()])
            .unwrap();
        godot.wait_for(&rpc_line("any_reliable", "Rpc", id_n, value), STEP, || {
            server.poll();
            ns.poll();
        });
    }
    let refusal = format!("RPC 'auth_remote' is not allowed on node /root/Main/Rpc from: {id_n}.");
    godot.expect_error(&refusal);
    ns.tree
        .rpc_id(rpc, id_g, "auth_remote", &["n-refused".into()])
        .unwrap();
    // ... and the netscene client refuses Godot's call of its server-owned method.
    server.command_rpc(id_g, "Main/Rpc", "auth_remote", Some(id_n), "g-refused");
    ns.wait(&mut server, "the refusal of Godot's authority call", |c| {
        c.events.iter().any(|e| {
            matches!(e, MultiplayerEvent::RpcRejected { from, reason: RpcRejection::NotAuthority { authority: 1 }, .. } if *from == id_g)
        })
    });

    // Raw bytes both ways.
    ns.multiplayer()
        .send_bytes(b"raw-n-to-g", id_g, TransferMode::Reliable, 0)
        .unwrap();
    godot.wait_for(
        &format!("signal peer_packet {id_n} raw-n-to-g"),
        STEP,
        || {
            server.poll();
            ns.poll();
        },
    );
    send_bytes_polling(&mut server, &mut godot, &mut ns, id_g, id_n, "raw-g-to-n");
    ns.wait(&mut server, "raw-g-to-n", |c| {
        c.events.iter().any(|e| {
            matches!(e, MultiplayerEvent::PeerPacket { from, data } if *from == id_g && data == b"raw-g-to-n")
        })
    });

    sync_with(&mut godot, &mut server, id_g, "mixed-relay");
    godot.update();
    assert!(
        godot
            .transcript()
            .iter()
            .any(|l| l.stderr && l.text.contains(&refusal)),
        "Godot did not refuse\n{}",
        godot.transcript_text()
    );
    assert!(!printed(
        &mut godot,
        &rpc_line("auth_remote", "Rpc", id_n, "n-refused")
    ));
    assert!(!ns.calls().iter().any(|c| c.value == "g-refused"));
    server.command(id_g, "quit", vec![]);
    assert_eq!(
        godot.wait_exit(STEP, || {
            server.poll();
            ns.poll();
        }),
        0
    );
    ns.wait(&mut server, "the Godot client leaving", |c| {
        c.events.contains(&MultiplayerEvent::PeerDisconnected(id_g))
    });
    godot.assert_clean();
    let unexpected: Vec<_> = ns
        .events
        .iter()
        .filter(|e| {
            matches!(e, MultiplayerEvent::PacketRejected { .. })
                || matches!(e, MultiplayerEvent::RpcRejected { from, .. } if *from != id_g)
        })
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}

/// [`send_bytes`] that keeps the netscene client polled while waiting.
fn send_bytes_polling(
    server: &mut Server,
    client: &mut GodotClient,
    ns: &mut NetsceneClient,
    from: PeerId,
    to: PeerId,
    text: &str,
) {
    let mode = Variant::from(TransferMode::Reliable as i64);
    server.command(from, "bytes", vec![to.into(), text.into(), mode, 0.into()]);
    client.wait_for(&format!("did bytes {to} {text}: OK"), STEP, || {
        server.poll();
        ns.poll();
    });
}
