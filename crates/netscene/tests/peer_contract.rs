//! The MultiplayerPeer contract itself: Godot's constants and values, id generation, error
//! codes, and that peers are usable as `Box<dyn MultiplayerPeer + Send>`.

use netscene::peer::simulated::SimulatedNetwork;
use netscene::peer::{
    ConnectionStatus, ErrorCode, MultiplayerPeer, OfflineMultiplayerPeer, PeerError,
    TARGET_PEER_BROADCAST, TARGET_PEER_SERVER, TransferMode, generate_unique_id, peer_id_from_bits,
};

#[test]
fn constants_and_enum_values_are_godots() {
    assert_eq!(TARGET_PEER_BROADCAST, 0);
    assert_eq!(TARGET_PEER_SERVER, 1);
    assert_eq!(TransferMode::Unreliable as u8, 0);
    assert_eq!(TransferMode::UnreliableOrdered as u8, 1);
    assert_eq!(TransferMode::Reliable as u8, 2);
    assert_eq!(TransferMode::default(), TransferMode::Reliable);
    for value in 0..3 {
        assert_eq!(
            TransferMode::from_godot(value).map(|m| m as u8),
            Some(value)
        );
    }
    assert_eq!(TransferMode::from_godot(3), None);
    assert_eq!(ConnectionStatus::Disconnected as u8, 0);
    assert_eq!(ConnectionStatus::Connecting as u8, 1);
    assert_eq!(ConnectionStatus::Connected as u8, 2);
}

#[test]
fn generated_ids_follow_godots_rules() {
    let ids: Vec<i32> = (0..10_000).map(|_| generate_unique_id()).collect();
    assert!(ids.iter().all(|&id| id >= 2));
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert!(unique.len() > 9_990, "ids should rarely repeat");
    // The high bit is masked off, 0 and 1 are rejected.
    assert_eq!(peer_id_from_bits(0), None);
    assert_eq!(peer_id_from_bits(1), None);
    assert_eq!(peer_id_from_bits(0x8000_0000), None);
    assert_eq!(peer_id_from_bits(0x8000_0002), Some(2));
    assert_eq!(peer_id_from_bits(0x7FFF_FFFF), Some(i32::MAX));
}

#[test]
fn errors_map_to_godot_error_codes() {
    let cases = [
        (PeerError::Unconfigured, ErrorCode::Unconfigured),
        (PeerError::UnknownPeer(5), ErrorCode::InvalidParameter),
        (
            PeerError::PacketTooLarge { size: 2, limit: 1 },
            ErrorCode::OutOfMemory,
        ),
        (PeerError::QueueFull, ErrorCode::OutOfMemory),
        (PeerError::AlreadyInUse, ErrorCode::AlreadyInUse),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code, "{error}");
    }
}

#[test]
fn peers_are_send_trait_objects() {
    fn assert_send<T: Send>(_: &T) {}
    let network = SimulatedNetwork::new(1);
    let peers: Vec<Box<dyn MultiplayerPeer>> = vec![
        Box::new(network.create_server().unwrap()),
        Box::new(network.create_client()),
        Box::new(OfflineMultiplayerPeer::new()),
    ];
    assert_send(&peers);
    assert_send(&network);
    // And a peer can be moved to another thread and used there.
    let mut client = network.create_client();
    let handle = std::thread::spawn(move || {
        client.poll();
        client.get_connection_status()
    });
    assert_eq!(handle.join().unwrap(), ConnectionStatus::Connected);
    let any: &dyn std::any::Any = peers[2].as_ref();
    assert!(any.downcast_ref::<OfflineMultiplayerPeer>().is_some());
}
