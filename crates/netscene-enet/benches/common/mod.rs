//! Set-up shared by the ENet benches.

use std::time::{Duration, Instant};

use netscene::peer::{ConnectionStatus, MultiplayerPeer};
use netscene_enet::{ClientOptions, CompressionMode, ENetMultiplayerPeer, ServerOptions};

/// A server on 127.0.0.1 and a client with id 2, both compressing with `compression`,
/// connected, with the server's connection event drained. Returns `(server, client)`.
pub fn connected_pair(compression: CompressionMode) -> (ENetMultiplayerPeer, ENetMultiplayerPeer) {
    let mut server = ENetMultiplayerPeer::new();
    server
        .create_server_with(ServerOptions {
            bind_ip: Some("127.0.0.1".parse().unwrap()),
            compression,
            ..ServerOptions::new(0)
        })
        .unwrap();
    let mut client = ENetMultiplayerPeer::new();
    client
        .create_client_with(ClientOptions {
            unique_id: Some(2),
            compression,
            ..ClientOptions::new("127.0.0.1", server.local_port().unwrap())
        })
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while (client.get_connection_status() != ConnectionStatus::Connected
        || server.peer_ids().is_empty())
        && Instant::now() < deadline
    {
        server.poll();
        client.poll();
    }
    assert_eq!(client.get_connection_status(), ConnectionStatus::Connected);
    while server.pop_event().is_some() {}
    (server, client)
}
