//! OfflineMultiplayerPeer behaves as Godot's: a connected server alone, whose sends succeed
//! and go nowhere.

use netscene::peer::{
    ConnectionStatus, MultiplayerPeer, OfflineMultiplayerPeer, TARGET_PEER_SERVER, TransferMode,
};

#[test]
fn offline_peer_is_a_lonely_connected_server() {
    let mut peer: Box<dyn MultiplayerPeer> = Box::new(OfflineMultiplayerPeer::new());
    assert_eq!(peer.get_unique_id(), TARGET_PEER_SERVER);
    assert!(peer.is_server());
    assert_eq!(peer.get_connection_status(), ConnectionStatus::Connected);
    assert!(!peer.is_server_relay_supported());
    assert_eq!(peer.get_max_packet_size(), 0);

    // Godot's offline put_packet returns OK whatever the target and size.
    for target in [0, 1, 5, -5] {
        assert_eq!(
            peer.send(target, TransferMode::Unreliable, 3, &[1, 2, 3]),
            Ok(())
        );
    }
    assert_eq!(peer.put_packet(&vec![0; 1 << 20]), Ok(()));
    peer.poll();
    assert_eq!(peer.get_available_packet_count(), 0);
    assert!(peer.peek_packet().is_none());
    assert!(peer.get_packet().is_none());
    assert!(peer.pop_event().is_none());
    assert_eq!(peer.get_packet_peer(), None);

    // Mode and channel are kept (base class behaviour); the target is ignored.
    assert_eq!(peer.get_transfer_mode(), TransferMode::Unreliable);
    assert_eq!(peer.get_transfer_channel(), 3);
    assert_eq!(peer.get_target_peer(), 0);

    peer.set_refuse_new_connections(true);
    assert!(peer.is_refusing_new_connections());

    // Disconnecting and closing change nothing.
    peer.disconnect_peer(2, true);
    peer.close();
    assert_eq!(peer.get_connection_status(), ConnectionStatus::Connected);
    assert_eq!(peer.get_unique_id(), 1);
    assert!(peer.pop_event().is_none());
}

#[test]
fn offline_peer_defaults_match_godot() {
    let peer = OfflineMultiplayerPeer::default();
    assert_eq!(peer.get_transfer_mode(), TransferMode::Reliable);
    assert_eq!(peer.get_transfer_channel(), 0);
    assert!(!peer.is_refusing_new_connections());
}
