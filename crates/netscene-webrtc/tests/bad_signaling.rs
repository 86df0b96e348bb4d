//! Bad signaling input is a clear error, never a panic.

mod common;

use netscene::peer::{MultiplayerPeer, PeerError, TransferMode};
use netscene_webrtc::{
    ConnectionEvent, ConnectionState, WebRtcError, WebRtcMultiplayerPeer, WebRtcPeerConnection,
};

fn offer_sdp() -> String {
    let mut peer = WebRtcMultiplayerPeer::new();
    peer.create_server(&[]).unwrap();
    let connection = WebRtcPeerConnection::new().unwrap();
    peer.add_peer(&connection, 2, 1).unwrap();
    connection.create_offer().unwrap();
    match connection.pop_event() {
        Some(ConnectionEvent::SessionDescriptionCreated { sdp, .. }) => sdp,
        other => panic!("expected the offer, got {other:?}"),
    }
}

#[test]
fn malformed_descriptions_are_errors() {
    let valid = offer_sdp();
    let truncated = &valid[..valid.len() / 2];
    let no_fingerprint: String = valid
        .lines()
        .filter(|l| !l.starts_with("a=fingerprint"))
        .map(|l| format!("{l}\r\n"))
        .collect();
    let garbage = "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\nm=\u{1F600}\r\n";
    for (what, sdp) in [
        ("empty", ""),
        ("not SDP", "hello"),
        ("truncated", truncated),
        ("no fingerprint", no_fingerprint.as_str()),
        ("garbage media line", garbage),
        ("binary noise", "\u{0}\u{1}\u{2}=\u{3}"),
    ] {
        let connection = WebRtcPeerConnection::new().unwrap();
        let error = connection.set_remote_description("offer", sdp).unwrap_err();
        assert!(
            matches!(error, WebRtcError::InvalidSdp(_)),
            "{what}: {error:?}"
        );
    }
    // An unknown type, and an answer nobody asked for.
    let connection = WebRtcPeerConnection::new().unwrap();
    assert!(matches!(
        connection.set_remote_description("pranswer", &valid),
        Err(WebRtcError::InvalidParameter(_))
    ));
    assert!(matches!(
        connection.set_remote_description("answer", &valid),
        Err(WebRtcError::InvalidState(_))
    ));
    // Setting a local description that was never created.
    assert!(matches!(
        connection.set_local_description("offer", &valid),
        Err(WebRtcError::InvalidState(_))
    ));
    // The connection is still usable afterwards.
    assert_eq!(connection.get_connection_state(), ConnectionState::New);
    connection.set_remote_description("offer", &valid).unwrap();
}

#[test]
fn a_bad_answer_keeps_the_offer_for_a_good_one() {
    let offerer = WebRtcPeerConnection::new().unwrap();
    offerer
        .create_data_channel("reliable", Default::default())
        .unwrap();
    offerer.create_offer().unwrap();
    assert!(matches!(
        offerer.set_remote_description("answer", "v=0\r\n"),
        Err(WebRtcError::InvalidSdp(_))
    ));
    let Some(ConnectionEvent::SessionDescriptionCreated { sdp, .. }) = offerer.pop_event() else {
        panic!("no offer");
    };
    let answerer = WebRtcPeerConnection::new().unwrap();
    answerer.set_remote_description("offer", &sdp).unwrap();
    let Some(ConnectionEvent::SessionDescriptionCreated { sdp, .. }) = answerer.pop_event() else {
        panic!("no answer");
    };
    offerer.set_remote_description("answer", &sdp).unwrap();
}

#[test]
fn malformed_candidates_are_errors() {
    let connection = WebRtcPeerConnection::new().unwrap();
    for bad in [
        "candidate:",
        "candidate:1 1 udp",
        "candidate:1 1 udp 2122260223 not-an-ip 5000 typ host",
        "candidate:1 1 udp 2122260223 127.0.0.1 99999 typ host",
        "candidate:1 1 sctp 1 127.0.0.1 5000 typ host",
        "nonsense \u{0} \u{FFFF}",
    ] {
        let error = connection.add_ice_candidate("0", 0, bad).unwrap_err();
        assert!(
            matches!(error, WebRtcError::InvalidCandidate(_)),
            "{bad:?}: {error:?}"
        );
    }
    // An mDNS name (a browser hiding its addresses) says how to stop the hiding.
    let error = connection
        .add_ice_candidate(
            "0",
            0,
            "candidate:1 1 udp 2122260223 3f1c3b1e-1111-2222-3333-444455556666.local 5000 typ host",
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("WebRtcHideLocalIpsWithMdns"),
        "{error}"
    );
    // End of candidates (empty) is fine, and so is a valid one.
    connection.add_ice_candidate("0", 0, "").unwrap();
    connection
        .add_ice_candidate(
            "0",
            0,
            "candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host",
        )
        .unwrap();
}

#[test]
fn unknown_and_invalid_peers_are_refused() {
    let mut server = WebRtcMultiplayerPeer::new();
    let connection = WebRtcPeerConnection::new().unwrap();
    assert_eq!(
        server.add_peer(&connection, 2, 1),
        Err(PeerError::Unconfigured)
    );
    server.create_server(&[]).unwrap();
    assert!(matches!(
        server.add_peer(&connection, 1, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        server.add_peer(&connection, 0, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    assert!(matches!(
        server.add_peer(&connection, -4, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    server.add_peer(&connection, 9, 1).unwrap();
    assert!(matches!(
        server.add_peer(&connection, 9, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    // Sending to unknown peers and removing unknown peers.
    assert_eq!(
        server.send(12, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::UnknownPeer(12))
    );
    server.remove_peer(12);
    server.disconnect_peer(12, true);
    assert!(server.has_peer(9));
    // A peer whose channels are not open yet cannot be sent to.
    assert_eq!(
        server.send(9, TransferMode::Reliable, 0, b"x"),
        Err(PeerError::Unconfigured)
    );

    let mut client = WebRtcMultiplayerPeer::new();
    assert!(matches!(
        client.create_client(1, &[]),
        Err(PeerError::InvalidParameter(_))
    ));
    client.create_client(3, &[]).unwrap();
    let other = WebRtcPeerConnection::new().unwrap();
    assert!(matches!(
        client.add_peer(&other, 4, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    // A connection already signaled is not new any more.
    other.create_data_channel("x", Default::default()).unwrap();
    other.create_offer().unwrap();
    assert!(matches!(
        client.add_peer(&other, 1, 1),
        Err(PeerError::InvalidParameter(_))
    ));
    // Refusing new connections.
    client.set_refuse_new_connections(true);
    let fresh = WebRtcPeerConnection::new().unwrap();
    assert!(client.add_peer(&fresh, 1, 1).is_err());
}
