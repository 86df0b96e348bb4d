//! Authentication (spec B.5): success, wrong credentials then retry, timeout, and no other
//! traffic before admission.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use netscene::MultiplayerEvent::*;
use netscene::variant::ErrorCode;
use netscene::{MultiplayerEvent, PacketError, RpcConfig, SceneMultiplayer};
use support::{SERVER, World};

/// Server: "secret" is accepted (answered "ok", then completed); anything else gets "again".
fn server_auth(mp: &mut SceneMultiplayer, peer: i32, data: &[u8]) {
    if data == b"secret" {
        mp.send_auth(peer, b"ok").unwrap();
        mp.complete_auth(peer).unwrap();
    } else {
        mp.send_auth(peer, b"again").unwrap();
    }
}

/// Client: on "again" retry with the right secret, on "ok" complete.
fn client_auth(mp: &mut SceneMultiplayer, peer: i32, data: &[u8]) {
    match data {
        b"again" => mp.send_auth(peer, b"secret").unwrap(),
        b"ok" => mp.complete_auth(peer).unwrap(),
        _ => panic!("unexpected auth data"),
    }
}

fn with_auth(n: usize) -> World {
    World::with_setup(n, |mp| {
        // The same setup runs on server and clients; the callback checks which side it is on.
        mp.set_auth_callback(Some(Box::new(
            |mp: &mut SceneMultiplayer, peer, data: &[u8]| {
                if netscene::MultiplayerApi::is_server(mp) {
                    server_auth(mp, peer, data)
                } else {
                    client_auth(mp, peer, data)
                }
            },
        )));
    })
}

/// Each client sends its first credentials when it sees `peer_authenticating(1)`.
fn start_clients(w: &mut World, first: &[u8]) -> Vec<Vec<MultiplayerEvent>> {
    let mut seen = Vec::new();
    for i in 0..w.clients.len() {
        let path = w.client_path(i).to_owned();
        let events = w.events(&path);
        assert_eq!(events, vec![PeerAuthenticating(1)], "client {i}");
        let mp = w.tree.scene_multiplayer(&path).unwrap();
        assert_eq!(mp.get_authenticating_peers(), vec![1]);
        mp.send_auth(1, first).unwrap();
        seen.push(events);
    }
    seen
}

#[test]
fn successful_authentication_admits_both_sides() {
    let mut w = with_auth(1);
    w.pump();
    let c1 = w.client_id(0);
    assert_eq!(w.events(SERVER), vec![PeerAuthenticating(c1)]);
    // While the server is pending on the client, nothing but auth leaves the client, not
    // even a raw packet the relay would carry (to everyone, all but one, or one peer).
    let p1 = w.client_path(0).to_owned();
    let client = w.tree.scene_multiplayer(&p1).unwrap();
    assert_eq!(client.send_bytes(b"leak", 0, Default::default(), 0), Ok(()));
    assert_eq!(
        client.send_bytes(b"leak", -5, Default::default(), 0),
        Ok(())
    );
    assert!(
        client
            .send_bytes(b"leak", 5, Default::default(), 0)
            .is_err()
    );
    w.pump();
    assert!(w.take_sent(1).is_empty());
    start_clients(&mut w, b"secret");
    w.pump();
    assert_eq!(w.events(SERVER), vec![PeerConnected(c1)]);
    assert_eq!(w.events(&p1), vec![ConnectedToServer, PeerConnected(1)]);
    assert!(
        w.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers()
            .is_empty()
    );
    // The auth exchange on the wire: P2-style payloads and the P3 completion notice.
    let server_sent: Vec<Vec<u8>> = w.take_sent(0).into_iter().map(|s| s.data).collect();
    assert_eq!(server_sent, vec![b"\x07\x00ok".to_vec(), vec![0x07, 0x00]]);
}

#[test]
fn wrong_credentials_then_retry() {
    let mut w = with_auth(2);
    w.pump();
    w.events(SERVER);
    start_clients(&mut w, b"wrong");
    w.pump();
    let mut connected: Vec<_> = w.events(SERVER);
    connected.sort_by_key(|e| format!("{e:?}"));
    let mut expected = vec![PeerConnected(w.client_id(0)), PeerConnected(w.client_id(1))];
    expected.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(connected, expected);
    // Relayed peers are admitted without authentication of their own.
    let p1 = w.client_path(0).to_owned();
    let events = w.events(&p1);
    assert_eq!(&events[..2], &[ConnectedToServer, PeerConnected(1)]);
    assert!(
        events.contains(&PeerConnected(w.client_id(1))),
        "{events:?}"
    );
}

#[test]
fn timeout_fails_pending_peers_and_nothing_but_auth_passes_before() {
    let now = Arc::new(AtomicU64::new(0));
    let clock = now.clone();
    let mut w = World::with_setup(1, move |mp| {
        let clock = clock.clone();
        mp.set_clock(Box::new(move || clock.load(Ordering::SeqCst)));
    });
    // Only the server authenticates; the client admits the server at once and talks.
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_auth_callback(Some(Box::new(|_, _, _| panic!("no auth data is sent"))));
    let nodes = w.add_everywhere("Lobby");
    let hits = Arc::new(AtomicUsize::new(0));
    for &n in &nodes {
        let hits = hits.clone();
        w.tree
            .on_rpc(n, "hit", RpcConfig::any_peer(), move |_, (): ()| {
                hits.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
    }
    w.pump();
    let c1 = w.client_id(0);
    assert_eq!(w.events(SERVER), vec![PeerAuthenticating(c1)]);
    let p1 = w.client_path(0).to_owned();
    assert_eq!(w.events(&p1), vec![ConnectedToServer, PeerConnected(1)]);

    // Before admission: the client's RPC is dropped, the server sends nothing to it.
    w.tree.rpc_id(nodes[1], 1, "hit", &[]).unwrap();
    w.pump();
    let events = w.events(SERVER);
    assert_eq!(events.len(), 2, "{events:?}"); // SIMPLIFY_PATH and the call itself
    assert!(events.iter().all(|e| matches!(
        e,
        PacketRejected { from, error: PacketError::SysRefused { command: "any", .. } } if *from == c1
    )));
    w.tree.rpc(nodes[0], "hit", &[]).unwrap();
    w.pump();
    assert!(w.take_sent(0).is_empty());
    assert_eq!(hits.load(Ordering::SeqCst), 0);
    assert!(
        w.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .send_bytes(b"x", c1, Default::default(), 0)
            .is_err()
    );

    // 3 s later the server gives up.
    now.store(2999, Ordering::SeqCst);
    w.pump();
    assert!(w.events(SERVER).is_empty());
    now.store(3000, Ordering::SeqCst);
    w.pump();
    assert_eq!(w.events(SERVER), vec![PeerAuthenticationFailed(c1)]);
    assert!(
        w.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .get_authenticating_peers()
            .is_empty()
    );
    let client_events = w.events(&p1);
    assert_eq!(
        client_events.last(),
        Some(&ServerDisconnected),
        "{client_events:?}"
    );
}

#[test]
fn auth_calls_check_their_preconditions() {
    let mut w = with_auth(1);
    w.pump();
    let c1 = w.client_id(0);
    let mp = w.tree.scene_multiplayer(SERVER).unwrap();
    assert_eq!(mp.get_auth_timeout(), 3.0);
    assert!(mp.set_auth_timeout(-1.0).is_err());
    // With Godot's error codes (real Godot 4.6 and its source agree).
    let code = |r: Result<(), netscene::MultiplayerError>| r.unwrap_err().code();
    assert_eq!(code(mp.send_auth(c1, b"")), ErrorCode::InvalidParameter);
    assert_eq!(code(mp.send_auth(12345, b"x")), ErrorCode::InvalidParameter);
    assert_eq!(code(mp.complete_auth(12345)), ErrorCode::InvalidParameter);
    mp.complete_auth(c1).unwrap();
    assert_eq!(
        code(mp.complete_auth(c1)),
        ErrorCode::FileCantWrite,
        "completed twice"
    );
    assert_eq!(
        code(mp.send_auth(c1, b"late")),
        ErrorCode::FileCantWrite,
        "data after completion"
    );
}
