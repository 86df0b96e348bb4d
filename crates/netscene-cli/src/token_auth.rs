//! Token authentication as the lobby contract defines it: the client's auth bytes must equal
//! the token's UTF-8 bytes. Godot clients do the same in `lobby.gd`.

use netscene::{MultiplayerEvent, PeerId, SceneMultiplayer};

/// Server side: admits a peer whose auth bytes equal `token`, disconnects any other.
pub fn require_token(mp: &mut SceneMultiplayer, token: String) {
    mp.set_auth_callback(Some(Box::new(
        move |mp: &mut SceneMultiplayer, peer: PeerId, data: &[u8]| {
            if data == token.as_bytes() {
                if let Err(error) = mp.complete_auth(peer) {
                    tracing::warn!(peer, %error, "completing authentication failed");
                }
            } else {
                tracing::warn!(
                    peer,
                    bytes = data.len(),
                    "authentication refused: wrong token"
                );
                if let Err(error) = mp.disconnect_peer(peer) {
                    tracing::debug!(peer, %error, "disconnecting a refused peer");
                }
            }
        },
    )));
}

/// Client side: makes the client wait for authentication; answer with [`answer_server`].
pub fn expect_server_auth(mp: &mut SceneMultiplayer) {
    // The server sends nothing but its completion; any data it sends is ignored.
    mp.set_auth_callback(Some(Box::new(|_: &mut SceneMultiplayer, _, _: &[u8]| {})));
}

/// Client side: on `peer_authenticating(1)`, sends the token and completes our side.
/// Returns true when `event` was that event.
pub fn answer_server(mp: &mut SceneMultiplayer, event: &MultiplayerEvent, token: &str) -> bool {
    if *event != MultiplayerEvent::PeerAuthenticating(1) {
        return false;
    }
    if let Err(error) = mp
        .send_auth(1, token.as_bytes())
        .and_then(|()| mp.complete_auth(1))
    {
        tracing::warn!(%error, "sending the auth token failed");
    }
    true
}
