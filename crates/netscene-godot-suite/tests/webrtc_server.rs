//! A real Godot 4.6 SERVER: Godot creates the lobby in the browser (`create_server` on its
//! WebRTCMultiplayerPeer, id 1) and two netscene clients join it, so netscene's client side
//! meets real Godot: admission, lobby RPCs, every transfer mode both ways, raw bytes, and
//! Godot's server relay between the netscene clients (RPCs, raw bytes, peer announcements).

mod webrtc_support;

use netscene::{MultiplayerEvent, TransferMode, args};
use webrtc_support::{NetPeer, STEP, Signal, launch, parse_joined, pump_until, wait_lines};

#[test]
fn netscene_clients_join_a_real_godot_server_over_webrtc() {
    let mut signal = Signal::start();
    let mut godot = launch("server", &[signal.arg()]);
    let joined = godot.wait_for("joined ", STEP, || signal.server.poll());
    let (lobby, godot_id) = parse_joined(&joined);
    assert_eq!(godot_id, 1, "the lobby's creator is its server");

    let mut a = NetPeer::join(&mut signal, &lobby);
    let mut b = NetPeer::join(&mut signal, &lobby);
    let (id_a, id_b) = (a.id, b.id);
    let pump = |signal: &mut Signal, a: &mut NetPeer, b: &mut NetPeer| {
        signal.server.poll();
        a.poll();
        b.poll();
    };
    // Admission: connected_to_server on both, each sees the server and (through Godot's
    // relay) the other client; Godot sees both.
    pump_until("both netscene clients admitted and introduced", || {
        pump(&mut signal, &mut a, &mut b);
        [(&a, id_b), (&b, id_a)].iter().all(|(peer, other)| {
            peer.events.contains(&MultiplayerEvent::ConnectedToServer)
                && peer.events.contains(&MultiplayerEvent::PeerConnected(1))
                && peer
                    .events
                    .contains(&MultiplayerEvent::PeerConnected(*other))
        })
    });
    wait_lines(
        &mut godot,
        &[
            format!("peer_connected {id_a}"),
            format!("peer_connected {id_b}"),
        ],
        || pump(&mut signal, &mut a, &mut b),
    );

    // Lobby RPC: hello to the Godot server, which welcomes the caller.
    a.rpc(1, "hello", &args![format!("hello from {id_a}")]);
    godot.wait_for(
        &format!("hello hello from {id_a} (sender {id_a})"),
        STEP,
        || pump(&mut signal, &mut a, &mut b),
    );
    pump_until("Godot's welcome", || {
        pump(&mut signal, &mut a, &mut b);
        !a.calls_of("welcome").is_empty()
    });
    assert_eq!(
        a.calls_of("welcome"),
        [("welcome".into(), 1, format!("String(\"welcome {id_a}\")"))]
    );

    // netscene client → Godot server in every mode and channel.
    a.rpc(1, "tick", &args![1]);
    a.rpc(1, "ordered", &args![2]);
    a.rpc(1, "on_channel_1", &args![3]);
    a.rpc(1, "on_channel_2", &args![4]);
    let lines = ["tick 1", "ordered 2", "channel_1 3", "channel_2 4"]
        .map(|l| format!("{l} (sender {id_a})"));
    wait_lines(&mut godot, &lines, || pump(&mut signal, &mut a, &mut b));

    // Godot server → netscene client in every mode and channel, and raw bytes.
    a.rpc(1, "command", &args!["modes", id_a]);
    a.rpc(1, "command", &args!["bytes", id_a]);
    pump_until("Godot's RPCs in every mode and its raw bytes", || {
        pump(&mut signal, &mut a, &mut b);
        ["tick", "ordered", "on_channel_1", "on_channel_2"]
            .iter()
            .all(|m| !a.calls_of(m).is_empty())
            && a.raw_packets().len() >= 4
    });
    let seen: Vec<(i32, TransferMode)> = a
        .packets_from(1)
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
    for text in ["reliable", "unreliable", "ordered", "channel 2"] {
        assert!(
            a.raw_packets()
                .contains(&(1, format!("{text} bytes from 1"))),
            "{text}: {:?}",
            a.raw_packets()
        );
    }
    a.send_bytes(b"bytes to the Godot server", 1, TransferMode::Reliable, 0);
    godot.wait_for(
        &format!("bytes from {id_a}: bytes to the Godot server"),
        STEP,
        || pump(&mut signal, &mut a, &mut b),
    );

    // Godot's server relay: client A calls B and sends B raw bytes through Godot.
    a.rpc(id_b, "hello", &args!["relayed by Godot"]);
    a.send_bytes(b"relayed bytes", id_b, TransferMode::Reliable, 0);
    pump_until("the relayed call and bytes", || {
        pump(&mut signal, &mut a, &mut b);
        !b.calls_of("hello").is_empty() && !b.raw_packets().is_empty()
    });
    assert_eq!(
        b.calls_of("hello"),
        [("hello".into(), id_a, "String(\"relayed by Godot\")".into())]
    );
    assert_eq!(b.raw_packets(), [(id_a, "relayed bytes".to_owned())]);
    assert!(a.calls_of("hello").is_empty(), "the relay reached only B");

    // The Godot server quits: both netscene clients lose the server.
    a.rpc(1, "command", &args!["quit", 0]);
    assert_eq!(
        godot.wait_exit(STEP, || pump(&mut signal, &mut a, &mut b)),
        0
    );
    pump_until("both clients saw the server go", || {
        pump(&mut signal, &mut a, &mut b);
        [&a, &b]
            .iter()
            .all(|p| p.events.contains(&MultiplayerEvent::ServerDisconnected))
    });
    godot.assert_clean();
}
