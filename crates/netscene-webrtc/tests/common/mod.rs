//! In-process signaling for the tests: what an application's signaling server carries, handed
//! straight from one connection's events to the other connection.

#![allow(dead_code)]

use std::thread;
use std::time::{Duration, Instant};

use netscene::peer::{MultiplayerPeer, PeerEvent, PeerId};
use netscene_webrtc::{ConnectionEvent, WebRtcPeerConnection};

pub const DEADLINE: Duration = Duration::from_secs(15);

/// Forwards `from`'s pending signaling events to `to`, as a signaling server would.
pub fn relay_signals(from: &WebRtcPeerConnection, to: &WebRtcPeerConnection) {
    while let Some(event) = from.pop_event() {
        match event {
            ConnectionEvent::SessionDescriptionCreated { kind, sdp } => {
                from.set_local_description(kind.as_str(), &sdp).unwrap();
                to.set_remote_description(kind.as_str(), &sdp).unwrap();
            }
            ConnectionEvent::IceCandidateCreated { media, index, name } => {
                to.add_ice_candidate(&media, index, &name).unwrap();
            }
            _ => {}
        }
    }
}

/// One connection per side of a link, signaled in-process; `offerer` makes the offer.
pub struct Link {
    pub offerer: WebRtcPeerConnection,
    pub answerer: WebRtcPeerConnection,
}

impl Link {
    pub fn new() -> Self {
        Self {
            offerer: WebRtcPeerConnection::new().unwrap(),
            answerer: WebRtcPeerConnection::new().unwrap(),
        }
    }

    pub fn signal(&self) {
        relay_signals(&self.offerer, &self.answerer);
        relay_signals(&self.answerer, &self.offerer);
    }
}

/// Polls `peers` (and signals `links`) until `done` or the deadline.
pub fn poll_until(
    peers: &mut [&mut dyn MultiplayerPeer],
    links: &[&Link],
    what: &str,
    mut done: impl FnMut(&mut [&mut dyn MultiplayerPeer]) -> bool,
) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        for link in links {
            link.signal();
        }
        for peer in peers.iter_mut() {
            peer.poll();
        }
        if done(peers) {
            return;
        }
        assert!(Instant::now() < deadline, "{what} within {DEADLINE:?}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Drains a peer's events.
pub fn events(peer: &mut dyn MultiplayerPeer) -> Vec<PeerEvent> {
    std::iter::from_fn(|| peer.pop_event()).collect()
}

/// Waits until each peer reported `PeerConnected` for the ids listed with it.
pub fn wait_connected(
    peers: &mut [&mut dyn MultiplayerPeer],
    links: &[&Link],
    expected: &[Vec<PeerId>],
) {
    let mut seen: Vec<Vec<PeerId>> = vec![Vec::new(); peers.len()];
    poll_until(peers, links, "every peer connected", |peers| {
        for (index, peer) in peers.iter_mut().enumerate() {
            for event in events(&mut **peer) {
                if let PeerEvent::PeerConnected(id) = event {
                    seen[index].push(id);
                }
            }
        }
        seen.iter()
            .zip(expected)
            .all(|(seen, expected)| expected.iter().all(|id| seen.contains(id)))
    });
    for (seen, expected) in seen.iter_mut().zip(expected) {
        seen.sort();
        let mut expected = expected.clone();
        expected.sort();
        assert_eq!(*seen, expected, "PeerConnected events");
    }
}
