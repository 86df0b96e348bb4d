//! A lobby's host over WebRTC: run `netscene signal` first, then share the printed lobby name.
use netscene::{SceneMultiplayer, SceneTree};
use netscene_webrtc::{LobbyOptions, LobbyPeer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = LobbyPeer::create("ws://127.0.0.1:9080", false, LobbyOptions::default())?;
    println!("lobby {}", host.lobby()); // players join it by name; this peer is the server, id 1
    let multiplayer = SceneMultiplayer::with_peer(Box::new(host))?;
    let mut tree = SceneTree::with_multiplayer(Box::new(multiplayer));
    loop {
        tree.poll()?; // signaling, ICE, DTLS, SCTP and the game, once a frame
        std::thread::sleep(std::time::Duration::from_millis(16));
    }
}
