//! Graceful drain (`SceneMultiplayer::begin_drain`, not in Godot): the game is told once, new
//! connections are refused, a peer still authenticating is dropped, admitted peers stay until
//! `disconnect_all_peers`, which their clients see as a disconnection; `cancel_drain` admits
//! again.

mod support;

use std::time::Duration;

use netscene::MultiplayerEvent::*;
use netscene::SceneMultiplayer;
use netscene::peer::{ConnectionStatus, MultiplayerPeer};
use support::{SERVER, World};

fn server(w: &mut World) -> &mut SceneMultiplayer {
    w.tree.scene_multiplayer(SERVER).unwrap()
}

#[test]
fn admitted_peers_stay_newcomers_are_refused_then_everyone_is_disconnected() {
    let mut w = World::connected(1);
    let first = w.client_id(0);
    assert_eq!(server(&mut w).get_peers(), vec![first]);

    server(&mut w).begin_drain().unwrap();
    server(&mut w).begin_drain().unwrap();
    assert!(server(&mut w).is_draining());
    assert!(server(&mut w).is_refusing_new_connections());
    assert_eq!(w.events(SERVER), vec![DrainStarted], "told once");

    // A client that comes now is refused by the transport.
    let mut late = w.net.create_client();
    for _ in 0..10 {
        late.poll();
        w.net.advance(Duration::from_millis(10));
        w.tree.poll().unwrap();
    }
    assert_eq!(late.get_connection_status(), ConnectionStatus::Disconnected);
    assert_eq!(
        server(&mut w).get_peers(),
        vec![first],
        "the newcomer is refused"
    );
    assert_eq!(w.events(SERVER), vec![]);
    // The admitted client is still served.
    let early = w.client_path(0).to_owned();
    assert_eq!(w.events(&early), vec![]);

    assert_eq!(server(&mut w).disconnect_all_peers(), vec![first]);
    w.pump();
    assert!(server(&mut w).get_peers().is_empty());
    assert_eq!(
        w.events(&early),
        vec![PeerDisconnected(1), ServerDisconnected]
    );

    server(&mut w).cancel_drain().unwrap();
    assert!(!server(&mut w).is_draining());
    assert!(!server(&mut w).is_refusing_new_connections());
}

#[test]
fn a_peer_still_authenticating_is_dropped() {
    // The server never completes anyone's authentication.
    let mut w = World::with_setup(1, |mp| {
        mp.set_auth_callback(Some(Box::new(|_: &mut SceneMultiplayer, _, _: &[u8]| {})));
    });
    w.pump();
    let client = w.client_id(0);
    assert_eq!(w.events(SERVER), vec![PeerAuthenticating(client)]);
    assert_eq!(server(&mut w).get_authenticating_peers(), vec![client]);

    server(&mut w).begin_drain().unwrap();
    assert!(server(&mut w).get_authenticating_peers().is_empty());
    w.pump();
    assert_eq!(w.events(SERVER), vec![DrainStarted]);
    let path = w.client_path(0).to_owned();
    let events = w.events(&path);
    assert_eq!(
        events,
        [
            PeerAuthenticating(1),
            PeerAuthenticationFailed(1),
            ServerDisconnected
        ],
        "the client learns it was not admitted"
    );
}
