//! A real Godot 4.6 client (the browser's own WebRTC) in a netscene lobby: the netscene peer
//! creates the lobby and is its server (id 1); Godot joins through the lobby signaling server
//! and trades lobby RPCs and raw bytes with it over WebRTC, in every transfer mode and on
//! custom channels.

mod webrtc_support;

use netscene::{TransferMode, args};
use webrtc_support::{NetPeer, STEP, Signal, launch, parse_joined, pump_until, wait_lines};

#[test]
fn a_godot_client_joins_a_netscene_lobby_server_over_webrtc() {
    let mut signal = Signal::start();
    let mut host = NetPeer::create(&mut signal, false);
    assert_eq!(host.id, 1);
    let mut godot = launch("client", &[signal.arg(), format!("--lobby={}", host.lobby)]);
    let pump = |host: &mut NetPeer, signal: &mut Signal| {
        signal.server.poll();
        host.poll();
    };
    let joined = godot.wait_for("joined ", STEP, || pump(&mut host, &mut signal));
    let (lobby, id) = parse_joined(&joined);
    assert_eq!(lobby, host.lobby);
    assert!(id >= 2);
    godot.wait_for("connected_to_server as", STEP, || {
        pump(&mut host, &mut signal)
    });
    godot.wait_for("peer_connected 1", STEP, || pump(&mut host, &mut signal));

    // Lobby RPC from Godot: hello → the netscene server welcomes it.
    host.rpc(id, "command", &args!["hello", 1]);
    let welcome = godot.wait_for("welcome:", STEP, || pump(&mut host, &mut signal));
    assert_eq!(welcome, format!("welcome: welcome {id} (sender 1)"));
    assert_eq!(
        host.calls_of("hello"),
        [("hello".into(), id, format!("String(\"hello from {id}\")"))]
    );

    // netscene → Godot in every mode and on both custom channels.
    host.rpc(id, "tick", &args![1]);
    host.rpc(id, "ordered", &args![2]);
    host.rpc(id, "on_channel_1", &args![3]);
    host.rpc(id, "on_channel_2", &args![4]);
    let lines =
        ["tick 1", "ordered 2", "channel_1 3", "channel_2 4"].map(|l| format!("{l} (sender 1)"));
    wait_lines(&mut godot, &lines, || pump(&mut host, &mut signal));

    // Godot → netscene in every mode: the transport reports the channel and mode Godot used.
    host.rpc(id, "command", &args!["modes", 1]);
    godot.wait_for("did modes for 1", STEP, || pump(&mut host, &mut signal));
    pump_until("Godot's RPCs in every mode", || {
        pump(&mut host, &mut signal);
        ["tick", "ordered", "on_channel_1", "on_channel_2"]
            .iter()
            .all(|m| !host.calls_of(m).is_empty())
    });
    let seen: Vec<(i32, TransferMode)> = host
        .packets_from(id)
        .iter()
        .map(|p| (p.channel, p.mode))
        .collect();
    for expected in [
        (0, TransferMode::Reliable),
        (0, TransferMode::Unreliable),
        (0, TransferMode::UnreliableOrdered),
        (1, TransferMode::UnreliableOrdered),
        (2, TransferMode::Reliable),
    ] {
        assert!(seen.contains(&expected), "{expected:?} not among {seen:?}");
    }
    assert_eq!(
        host.calls_of("ordered"),
        [("ordered".into(), id, "Int(8)".into())]
    );
    assert_eq!(
        host.calls_of("on_channel_1"),
        [("on_channel_1".into(), id, "Int(9)".into())]
    );

    // Raw bytes both ways.
    host.rpc(id, "command", &args!["bytes", 1]);
    pump_until("Godot's four raw packets", || {
        pump(&mut host, &mut signal);
        host.raw_packets().len() >= 4
    });
    for text in ["reliable", "unreliable", "ordered", "channel 2"] {
        assert!(
            host.raw_packets()
                .contains(&(id, format!("{text} bytes from {id}"))),
            "{text}: {:?}",
            host.raw_packets()
        );
    }
    host.send_bytes(
        b"bytes from netscene",
        id,
        TransferMode::UnreliableOrdered,
        1,
    );
    godot.wait_for("bytes from 1: bytes from netscene", STEP, || {
        pump(&mut host, &mut signal)
    });

    // Godot leaves: the netscene server sees the peer go.
    host.rpc(id, "command", &args!["quit", 0]);
    assert_eq!(godot.wait_exit(STEP, || pump(&mut host, &mut signal)), 0);
    pump_until("the server saw Godot leave", || {
        pump(&mut host, &mut signal);
        host.events
            .contains(&netscene::MultiplayerEvent::PeerDisconnected(id))
    });
    godot.assert_clean();
}
