//! Event order (spec H) for connect, disconnect, server loss and failed connections.

mod support;

use netscene::MultiplayerEvent::*;
use netscene::PeerId;
use support::{SERVER, World};

fn close(w: &mut World, path: &str) {
    w.tree
        .multiplayer(path)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .close();
}

#[test]
fn client_leaving_is_seen_by_server_and_other_clients() {
    let mut w = World::connected(3);
    let (c1, c2, c3) = (w.client_id(0), w.client_id(1), w.client_id(2));
    let p1 = w.client_path(0).to_owned();
    w.tree
        .multiplayer(&p1)
        .unwrap()
        .get_multiplayer_peer_mut()
        .unwrap()
        .disconnect_peer(1, false);
    w.pump();
    assert_eq!(w.events(SERVER), vec![PeerDisconnected(c1)]);
    let p2 = w.client_path(1).to_owned();
    let p3 = w.client_path(2).to_owned();
    assert_eq!(w.events(&p2), vec![PeerDisconnected(c1)]);
    assert_eq!(w.events(&p3), vec![PeerDisconnected(c1)]);
    // The leaving client sees the connection end (after peer_disconnected(1) when its
    // transport reports one; the simulated peer does not for a local disconnect).
    let own = w.events(&p1);
    assert!(
        own == [ServerDisconnected] || own == [PeerDisconnected(1), ServerDisconnected],
        "{own:?}"
    );
    let mut peers = w.tree.multiplayer(SERVER).unwrap().get_peers();
    peers.sort();
    let mut expected = vec![c2, c3];
    expected.sort();
    assert_eq!(peers, expected);
    assert!(w.tree.multiplayer(&p1).unwrap().get_peers().is_empty());
}

#[test]
fn server_loss_on_clients() {
    let mut w = World::connected(2);
    close(&mut w, SERVER);
    w.pump();
    // A closed server peer reports the end of its connection too.
    assert_eq!(w.events(SERVER), vec![ServerDisconnected]);
    for i in 0..2 {
        let p = w.client_path(i).to_owned();
        let events = w.events(&p);
        // peer_disconnected(1) then server_disconnected; the relayed peers are cleared silently.
        assert_eq!(
            events,
            vec![PeerDisconnected(1), ServerDisconnected],
            "client {i}"
        );
        assert!(w.tree.multiplayer(&p).unwrap().get_peers().is_empty());
    }
}

#[test]
fn refused_connection_fails() {
    let mut w = World::connected(1);
    // With latency the connect request is still in flight when the server starts refusing.
    w.net.set_default_link(
        netscene::peer::simulated::LinkConditions::default()
            .with_latency(std::time::Duration::from_millis(10)),
    );
    let peer = w.net.create_client();
    let mp = netscene::SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .set_refuse_new_connections(true)
        .unwrap();
    assert!(
        w.tree
            .scene_multiplayer(SERVER)
            .unwrap()
            .is_refusing_new_connections()
    );
    w.tree.set_multiplayer(Box::new(mp), "/root/late").unwrap();
    w.tree.add_path("/root/late").unwrap();
    w.pump();
    assert_eq!(w.events("/root/late"), vec![ConnectionFailed]);
    assert!(w.events(SERVER).is_empty());
}

#[test]
fn late_joiner_is_announced_to_everyone() {
    let mut w = World::connected(2);
    let peer = w.net.create_client();
    let id: PeerId = peer.get_unique_id_for_test();
    let mp = netscene::SceneMultiplayer::with_peer(Box::new(peer)).unwrap();
    w.tree.set_multiplayer(Box::new(mp), "/root/late").unwrap();
    w.tree.add_path("/root/late").unwrap();
    w.pump();
    assert_eq!(w.events(SERVER), vec![PeerConnected(id)]);
    for i in 0..2 {
        let p = w.client_path(i).to_owned();
        assert_eq!(w.events(&p), vec![PeerConnected(id)]);
    }
    let late = w.events("/root/late");
    assert_eq!(&late[..2], &[ConnectedToServer, PeerConnected(1)]);
    let mut others: Vec<_> = late[2..].to_vec();
    others.sort_by_key(|e| format!("{e:?}"));
    let mut expected = vec![PeerConnected(w.client_id(0)), PeerConnected(w.client_id(1))];
    expected.sort_by_key(|e| format!("{e:?}"));
    assert_eq!(others, expected);
}

trait TestId {
    fn get_unique_id_for_test(&self) -> PeerId;
}

impl<T: netscene::MultiplayerPeer> TestId for T {
    fn get_unique_id_for_test(&self) -> PeerId {
        self.get_unique_id()
    }
}

#[test]
fn server_side_disconnect_peer_is_silent_locally_and_announced_to_others() {
    let mut w = World::connected(2);
    let (c1, _c2) = (w.client_id(0), w.client_id(1));
    w.tree
        .scene_multiplayer(SERVER)
        .unwrap()
        .disconnect_peer(c1)
        .unwrap();
    assert_eq!(
        w.tree.multiplayer(SERVER).unwrap().get_peers(),
        vec![w.client_id(1)]
    );
    w.pump();
    assert_eq!(w.events(SERVER), vec![]);
    let p2 = w.client_path(1).to_owned();
    assert_eq!(w.events(&p2), vec![PeerDisconnected(c1)]);
    let p1 = w.client_path(0).to_owned();
    assert_eq!(w.events(&p1).last(), Some(&ServerDisconnected));
}
