//! Connections of real Godot 4.6 clients to a netscene server: authentication with the right
//! token, a wrong one (the server drops the peer) and a refused one the client walks away from;
//! the auth timeout (clients that never finish are dropped); `disconnect_peer` (the client sees
//! `server_disconnected`, the other client `peer_disconnected`); `refuse_new_connections` (a
//! client cannot join: `connection_failed`); and netscene clients next to a Godot client see the
//! signals it sees, in its order. Every connection signal of Godot is asserted here or in the
//! relay test.

mod net_support;

use std::time::Duration;

use net_support::{
    NetsceneClient, STEP, Server, launch, net_project, rpc_line, wait_admitted, wait_joined,
};
use netscene::{MultiplayerEvent, PeerId, SceneMultiplayer, SceneTree};
use netscene_godot_suite::GodotClient;
use netscene_websocket::WebSocketMultiplayerPeer;

/// The id a pending client prints in its `peer_authenticating` line.
fn authenticating(client: &mut GodotClient, server: &mut Server) -> PeerId {
    let line = client.wait_for("signal peer_authenticating 1 (me ", STEP, || server.poll());
    line.trim_end_matches(')')
        .rsplit(' ')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("an id in {line:?}"))
}

fn has_event(server: &Server, event: &MultiplayerEvent) -> bool {
    server.events.contains(event)
}

#[test]
fn right_wrong_and_refused_tokens() {
    let mut server = Server::start(|mp| {
        mp.set_auth_callback(Some(Box::new(
            |mp: &mut SceneMultiplayer, peer, data: &[u8]| match data {
                b"sesame" => {
                    mp.send_auth(peer, b"welcome").unwrap();
                    mp.complete_auth(peer).unwrap();
                }
                b"leave-me" => mp.send_auth(peer, b"denied").unwrap(),
                _ => mp.disconnect_peer(peer).unwrap(),
            },
        )));
    });
    let project = net_project();
    let mut good = launch(
        &server,
        "good",
        &project,
        &["--scenario=auth", "--token=sesame"],
    );
    let mut bad = launch(
        &server,
        "bad",
        &project,
        &["--scenario=auth", "--token=wrong"],
    );
    let mut leaver = launch(
        &server,
        "leaver",
        &project,
        &["--scenario=auth_leave", "--token=leave-me"],
    );

    // The right token: both sides complete, then the client is admitted.
    let good_id = authenticating(&mut good, &mut server);
    good.wait_for("sent token sesame: OK", STEP, || server.poll());
    good.wait_for("auth data from 1: welcome", STEP, || server.poll());
    good.wait_for("completed auth: OK", STEP, || server.poll());
    assert_eq!(wait_joined(&mut good, &mut server), good_id);
    good.wait_for("signal peer_connected 1", STEP, || server.poll());
    wait_admitted(&mut server, good_id);
    assert!(has_event(
        &server,
        &MultiplayerEvent::PeerAuthenticating(good_id)
    ));
    server.rpc(server.scene.rpc, good_id, "any_reliable", "admitted");
    good.wait_for(
        &rpc_line("any_reliable", "Rpc", 1, "admitted"),
        STEP,
        || server.poll(),
    );

    // A wrong token: the server drops the pending peer (no signal on the server, as in Godot's
    // disconnect_peer); Godot sees its authentication fail and the server go.
    let bad_id = authenticating(&mut bad, &mut server);
    bad.wait_for("signal peer_authentication_failed 1", STEP, || {
        server.poll()
    });
    bad.wait_for("signal server_disconnected", STEP, || server.poll());

    // A refused token the client answers by leaving: the server sees the pending peer fail.
    let leaver_id = authenticating(&mut leaver, &mut server);
    leaver.wait_for("auth data from 1: denied", STEP, || server.poll());
    leaver.wait_for("leaving", STEP, || server.poll());
    server.wait_event("the leaver's authentication failure", |e| {
        *e == MultiplayerEvent::PeerAuthenticationFailed(leaver_id)
    });
    leaver.wait_for("signal server_disconnected", STEP, || server.poll());

    server.poll_for(Duration::from_millis(200));
    for id in [bad_id, leaver_id] {
        assert!(has_event(
            &server,
            &MultiplayerEvent::PeerAuthenticating(id)
        ));
        assert!(
            !has_event(&server, &MultiplayerEvent::PeerConnected(id)),
            "{id} was admitted: {:#?}",
            server.events
        );
    }
    assert!(
        !has_event(&server, &MultiplayerEvent::PeerAuthenticationFailed(bad_id)),
        "disconnect_peer of a pending peer emits nothing in Godot: {:#?}",
        server.events
    );
    assert_eq!(server.peers(), [good_id]);
    assert!(server.multiplayer().get_authenticating_peers().is_empty());
    // Pending peers are never announced to admitted ones (relay is on).
    good.update();
    for id in [bad_id, leaver_id] {
        assert!(
            !good
                .stdout_lines()
                .any(|l| l == format!("signal peer_connected {id}")),
            "a pending peer was announced\n{}",
            good.transcript_text()
        );
    }
    for (client, id) in [(&mut bad, bad_id), (&mut leaver, leaver_id)] {
        client.update();
        assert!(
            !client
                .stdout_lines()
                .any(|l| l.starts_with("signal connected_to_server")),
            "{id} believes it joined\n{}",
            client.transcript_text()
        );
    }

    server.command(good_id, "quit", vec![]);
    assert_eq!(good.wait_exit(STEP, || server.poll()), 0);
    for client in [&mut good, &mut bad, &mut leaver] {
        client.assert_clean();
    }
}

#[test]
fn auth_timeout_drops_clients_that_never_finish() {
    let mut server = Server::start(|mp| {
        // Never completes: every client times out.
        mp.set_auth_callback(Some(Box::new(|_: &mut SceneMultiplayer, _, _: &[u8]| {})));
        mp.set_auth_timeout(1.0).unwrap();
    });
    let project = net_project();
    // A client without auth (Godot admits the server at once) and one that never sends.
    let mut plain = launch(&server, "plain", &project, &["--scenario=plain"]);
    let mut silent = launch(&server, "silent", &project, &["--scenario=auth_silent"]);

    let plain_id = wait_joined(&mut plain, &mut server);
    plain.wait_for("signal peer_connected 1", STEP, || server.poll());
    let silent_id = authenticating(&mut silent, &mut server);
    for id in [plain_id, silent_id] {
        let failed = MultiplayerEvent::PeerAuthenticationFailed(id);
        server.wait_event("the auth timeout", |e| *e == failed);
        let since = server
            .event_time(&MultiplayerEvent::PeerAuthenticating(id))
            .expect("peer_authenticating came first");
        let waited = server.event_time(&failed).unwrap() - since;
        assert!(
            waited >= Duration::from_millis(950) && waited < Duration::from_secs(3),
            "{id} dropped {waited:?} after it connected, not after the 1 s timeout"
        );
    }
    plain.wait_for("signal peer_disconnected 1", STEP, || server.poll());
    plain.wait_for("signal server_disconnected", STEP, || server.poll());
    silent.wait_for("signal peer_authentication_failed 1", STEP, || {
        server.poll()
    });
    silent.wait_for("signal server_disconnected", STEP, || server.poll());
    assert!(server.peers().is_empty());
    assert!(server.multiplayer().get_authenticating_peers().is_empty());
    for id in [plain_id, silent_id] {
        assert!(!has_event(&server, &MultiplayerEvent::PeerConnected(id)));
    }
    plain.assert_clean();
    silent.assert_clean();
}

#[test]
fn disconnect_peer_and_refuse_new_connections() {
    let mut server = Server::start(|_| {});
    let project = net_project();
    let mut a = launch(&server, "a", &project, &["--scenario=plain"]);
    let mut b = launch(&server, "b", &project, &["--scenario=plain"]);
    let id_a = wait_joined(&mut a, &mut server);
    let id_b = wait_joined(&mut b, &mut server);
    wait_admitted(&mut server, id_a);
    wait_admitted(&mut server, id_b);
    b.wait_for(&format!("signal peer_connected {id_a}"), STEP, || {
        server.poll()
    });

    // The server drops A: A sees the server go, B sees A go; no signal on the server.
    server.multiplayer().disconnect_peer(id_a).unwrap();
    a.wait_for("signal server_disconnected", STEP, || server.poll());
    b.wait_for(&format!("signal peer_disconnected {id_a}"), STEP, || {
        server.poll()
    });
    server.poll_for(Duration::from_millis(200));
    assert_eq!(server.peers(), [id_b]);
    assert!(
        !has_event(&server, &MultiplayerEvent::PeerDisconnected(id_a)),
        "disconnect_peer emits nothing on the server in Godot: {:#?}",
        server.events
    );

    // While refusing, a new client cannot join.
    server
        .multiplayer()
        .set_refuse_new_connections(true)
        .unwrap();
    let mut c = launch(&server, "c", &project, &["--scenario=plain"]);
    c.wait_for("signal connection_failed", STEP, || server.poll());
    c.update();
    assert!(
        !c.stdout_lines()
            .any(|l| l.starts_with("signal connected_to_server")),
        "{}",
        c.transcript_text()
    );
    assert_eq!(server.peers(), [id_b]);
    // B is still served.
    server.rpc(server.scene.rpc, id_b, "any_reliable", "still-here");
    b.wait_for(
        &rpc_line("any_reliable", "Rpc", 1, "still-here"),
        STEP,
        || server.poll(),
    );

    // The server closes: B sees the server go.
    server
        .multiplayer()
        .get_multiplayer_peer_mut()
        .expect("the server's peer")
        .close();
    b.wait_for("signal peer_disconnected 1", STEP, || server.poll());
    b.wait_for("signal server_disconnected", STEP, || server.poll());
    for client in [&mut a, &mut b, &mut c] {
        client.assert_clean();
    }
}

/// A netscene client of `server` (WebSocket, an empty scene).
fn netscene_client(server: &Server) -> SceneTree {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.create_client(&format!("ws://127.0.0.1:{}", server.port), None)
        .unwrap();
    let multiplayer = SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    SceneTree::with_multiplayer(Box::new(multiplayer))
}

/// One frame of the server and the netscene clients; their events are appended.
fn pump(server: &mut Server, clients: &mut [(&mut SceneTree, &mut Vec<MultiplayerEvent>)]) {
    server.poll();
    for (tree, events) in clients.iter_mut() {
        tree.poll().expect("netscene client poll");
        events.extend(tree.drain_events(""));
    }
}

#[test]
fn netscene_clients_see_the_signals_godot_clients_see() {
    use MultiplayerEvent::{
        ConnectedToServer, PeerConnected, PeerDisconnected, ServerDisconnected,
    };
    let mut server = Server::start(|_| {});
    let (mut n1, mut events1) = (netscene_client(&server), Vec::new());
    let start = std::time::Instant::now();
    while !events1.contains(&ConnectedToServer) {
        assert!(start.elapsed() < STEP, "the netscene client did not join");
        pump(&mut server, &mut [(&mut n1, &mut events1)]);
        std::thread::sleep(Duration::from_millis(1));
    }
    let id1 = n1.multiplayer("").unwrap().get_unique_id();

    // A Godot client joins second: its signals, and what the first (netscene) client sees.
    let mut godot = launch(&server, "g", &net_project(), &["--scenario=plain"]);
    let line = godot.wait_for("signal ", STEP, || {
        pump(&mut server, &mut [(&mut n1, &mut events1)])
    });
    let id_g: PeerId = line
        .strip_prefix("signal connected_to_server as ")
        .unwrap_or_else(|| panic!("Godot's first signal: {line}"))
        .parse()
        .unwrap();
    for expected in [
        "signal peer_connected 1".to_owned(),
        format!("signal peer_connected {id1}"),
    ] {
        let next = godot.wait_for("signal ", STEP, || {
            pump(&mut server, &mut [(&mut n1, &mut events1)])
        });
        assert_eq!(next, expected);
    }
    // A netscene client joining second sees the same, in the same order.
    let (mut n2, mut events2) = (netscene_client(&server), Vec::new());
    let start = std::time::Instant::now();
    while events2.len() < 4 {
        assert!(start.elapsed() < STEP, "n2 events: {events2:?}");
        pump(
            &mut server,
            &mut [(&mut n1, &mut events1), (&mut n2, &mut events2)],
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let id2 = n2.multiplayer("").unwrap().get_unique_id();
    assert_eq!(events2[..2], [ConnectedToServer, PeerConnected(1)]);
    let mut others = events2[2..].to_vec();
    others.sort_by_key(|e| format!("{e:?}"));
    let mut expected = vec![PeerConnected(id1), PeerConnected(id_g)];
    expected.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(others, expected);
    godot.wait_for(&format!("signal peer_connected {id2}"), STEP, || {
        pump(
            &mut server,
            &mut [(&mut n1, &mut events1), (&mut n2, &mut events2)],
        )
    });

    // n2 leaves: both other clients see it go.
    n2.multiplayer("")
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .close();
    godot.wait_for(&format!("signal peer_disconnected {id2}"), STEP, || {
        pump(&mut server, &mut [(&mut n1, &mut events1)])
    });
    let start = std::time::Instant::now();
    while !events1.contains(&PeerDisconnected(id2)) {
        assert!(start.elapsed() < STEP, "n1 events: {events1:?}");
        pump(&mut server, &mut [(&mut n1, &mut events1)]);
    }

    // The server closes: the server goes, and nothing is said of the other client (Godot
    // prints no peer_disconnected for it either).
    events1.clear();
    server
        .multiplayer()
        .get_multiplayer_peer_mut()
        .unwrap()
        .close();
    for expected in ["signal peer_disconnected 1", "signal server_disconnected"] {
        let next = godot.wait_for("signal ", STEP, || {
            pump(&mut server, &mut [(&mut n1, &mut events1)])
        });
        assert_eq!(next, expected);
    }
    let start = std::time::Instant::now();
    while !events1.contains(&ServerDisconnected) {
        assert!(start.elapsed() < STEP, "n1 events: {events1:?}");
        pump(&mut server, &mut [(&mut n1, &mut events1)]);
    }
    let start = std::time::Instant::now();
    while start.elapsed() < Duration::from_millis(300) {
        pump(&mut server, &mut [(&mut n1, &mut events1)]);
        std::thread::sleep(Duration::from_millis(1));
    }
    godot.update();
    assert_eq!(events1, [PeerDisconnected(1), ServerDisconnected]);
    assert!(
        !godot
            .stdout_lines()
            .any(|l| l == format!("signal peer_disconnected {id1}")),
        "{}",
        godot.transcript_text()
    );
    godot.assert_clean();
}

/// A netscene client that authenticates as `godot/net`'s main.gd does: it sends `token` when
/// the server is pending (unless empty) and completes when the server answers "welcome".
fn authenticating_netscene_client(server: &Server, token: &'static [u8]) -> NetsceneClient {
    let mut client = NetsceneClient::connect(server);
    client.multiplayer().set_auth_callback(Some(Box::new(
        |mp: &mut SceneMultiplayer, peer, data: &[u8]| {
            if data == b"welcome" {
                mp.complete_auth(peer).unwrap();
            }
        },
    )));
    client.token = token;
    client
}

#[test]
fn netscene_clients_authenticate_as_godot_clients_do() {
    use MultiplayerEvent::{
        ConnectedToServer, PeerAuthenticating, PeerAuthenticationFailed, PeerConnected,
        ServerDisconnected,
    };
    let mut server = Server::start(|mp| {
        // No server-side timeout: the silent clients drop the server themselves.
        mp.set_auth_timeout(0.0).unwrap();
        mp.set_auth_callback(Some(Box::new(
            |mp: &mut SceneMultiplayer, peer, data: &[u8]| match data {
                b"sesame" => {
                    mp.send_auth(peer, b"welcome").unwrap();
                    mp.complete_auth(peer).unwrap();
                }
                _ => mp.disconnect_peer(peer).unwrap(),
            },
        )));
    });
    let project = net_project();
    let mut godot = [
        launch(
            &server,
            "good",
            &project,
            &["--scenario=auth", "--token=sesame"],
        ),
        launch(
            &server,
            "bad",
            &project,
            &["--scenario=auth", "--token=wrong"],
        ),
        launch(&server, "silent", &project, &["--scenario=auth_silent"]),
    ];
    let mut ours = [
        authenticating_netscene_client(&server, b"sesame"),
        authenticating_netscene_client(&server, b"wrong"),
        authenticating_netscene_client(&server, b""),
    ];
    let pump_all = |server: &mut Server, ours: &mut [NetsceneClient; 3]| {
        server.poll();
        for client in ours.iter_mut() {
            client.poll();
            if client.events.last() == Some(&PeerAuthenticating(1)) && !client.token_sent {
                client.token_sent = true;
                if !client.token.is_empty() {
                    let token = client.token;
                    client.multiplayer().send_auth(1, token).unwrap();
                }
            }
        }
    };
    // Godot's signals, in order, for each kind of client ...
    let expected: [&[&str]; 3] = [
        &[
            "signal peer_authenticating 1",
            "signal connected_to_server as ",
            "signal peer_connected 1",
        ],
        &[
            "signal peer_authenticating 1",
            "signal peer_authentication_failed 1",
            "signal server_disconnected",
        ],
        &[
            "signal peer_authenticating 1",
            "signal peer_authentication_failed 1",
            "signal server_disconnected",
        ],
    ];
    for (client, lines) in godot.iter_mut().zip(expected) {
        for line in lines {
            let got = client.wait_for("signal ", STEP, || pump_all(&mut server, &mut ours));
            assert!(
                got.starts_with(line),
                "{}: {got:?}, expected {line:?}",
                client.name()
            );
        }
    }
    // ... are the events of the netscene client of the same kind.
    let expected_events: [&[MultiplayerEvent]; 3] = [
        &[PeerAuthenticating(1), ConnectedToServer, PeerConnected(1)],
        &[
            PeerAuthenticating(1),
            PeerAuthenticationFailed(1),
            ServerDisconnected,
        ],
        &[
            PeerAuthenticating(1),
            PeerAuthenticationFailed(1),
            ServerDisconnected,
        ],
    ];
    let start = std::time::Instant::now();
    while ours
        .iter()
        .zip(expected_events)
        .any(|(c, e)| c.events.len() < e.len())
    {
        assert!(
            start.elapsed() < STEP,
            "{:#?}",
            ours.each_ref().map(|c| &c.events)
        );
        pump_all(&mut server, &mut ours);
        std::thread::sleep(Duration::from_millis(1));
    }
    server.poll_for(Duration::from_millis(300));
    for (client, events) in ours.iter().zip(expected_events) {
        assert_eq!(client.events[..events.len()], *events);
        // Besides: the two admitted clients learn of each other (relay), nothing else.
        assert!(
            client.events[events.len()..]
                .iter()
                .all(|e| matches!(e, PeerConnected(id) if *id > 1)),
            "{:#?}",
            client.events
        );
    }
    for client in &mut godot {
        client.assert_clean();
    }
}
