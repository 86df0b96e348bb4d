//! SceneMultiplayer over real WebSockets, through netscene's transport test kit: an RPC round
//! trip (a client calls `ping` on the server, whose handler answers `pong` to the caller) and
//! a client-to-client call through the server relay. Each side has its own SceneTree, as
//! separate processes would.

mod common;

use common::DEADLINE;
use netscene::testing;
use netscene_websocket::WebSocketMultiplayerPeer;

fn server_and_url() -> (WebSocketMultiplayerPeer, String) {
    let mut server = WebSocketMultiplayerPeer::new();
    server.create_server(0, "127.0.0.1", None).unwrap();
    let url = format!("ws://127.0.0.1:{}", server.bound_port().unwrap());
    (server, url)
}

fn client_peer(url: &str) -> Box<WebSocketMultiplayerPeer> {
    let mut peer = WebSocketMultiplayerPeer::new();
    peer.create_client(url, None).unwrap();
    Box::new(peer)
}

#[test]
fn rpc_round_trip_over_websocket() {
    let (server, url) = server_and_url();
    let client_id = testing::rpc_round_trip(Box::new(server), client_peer(&url), DEADLINE).unwrap();
    assert!(client_id >= 2);
}

#[test]
fn rpc_between_clients_goes_through_the_server_relay() {
    let (server, url) = server_and_url();
    let (a, b) = testing::relay_between_clients(
        Box::new(server),
        client_peer(&url),
        client_peer(&url),
        DEADLINE,
    )
    .unwrap();
    assert_ne!(a, b);
}
