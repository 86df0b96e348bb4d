//! A WebRTC mesh of two real Godot 4.6 browsers and one netscene peer, signaled through a
//! mesh lobby: every pair connects directly (no server, no relay), RPCs and raw bytes go
//! netscene ↔ each Godot and Godot ↔ Godot.

mod webrtc_support;

use netscene::{MultiplayerEvent, TransferMode, args};
use webrtc_support::{NetPeer, STEP, Signal, launch, parse_joined, pump_until, wait_lines};

#[test]
fn two_godot_browsers_and_a_netscene_peer_form_a_mesh() {
    let mut signal = Signal::start();
    let mut first = launch("mesh-a", &[signal.arg(), "--mesh".into()]);
    let (lobby, id_a) = parse_joined(&first.wait_for("joined ", STEP, || signal.server.poll()));
    let mut second = launch("mesh-b", &[signal.arg(), format!("--lobby={lobby}")]);
    let (_, id_b) = parse_joined(&second.wait_for("joined ", STEP, || signal.server.poll()));
    let mut net = NetPeer::join(&mut signal, &lobby);
    let id_n = net.id;
    assert!(
        id_a > 1 && id_b > 1 && id_n > 1,
        "mesh ids are never 1: {id_a} {id_b} {id_n}"
    );
    let pump = |signal: &mut Signal, net: &mut NetPeer| {
        signal.server.poll();
        net.poll();
    };

    // Everyone connects to everyone.
    pump_until("netscene connected to both Godot peers", || {
        pump(&mut signal, &mut net);
        [id_a, id_b]
            .iter()
            .all(|id| net.events.contains(&MultiplayerEvent::PeerConnected(*id)))
    });
    for (godot, others) in [(&mut first, [id_b, id_n]), (&mut second, [id_a, id_n])] {
        let lines = others.map(|id| format!("peer_connected {id}"));
        wait_lines(godot, &lines, || pump(&mut signal, &mut net));
    }

    // netscene → both Godot peers at once (broadcast), then each Godot → netscene and A → B.
    net.rpc(0, "hello", &args!["mesh hello"]);
    net.rpc(0, "on_channel_1", &args![5]);
    for godot in [&mut first, &mut second] {
        let lines = [
            format!("hello mesh hello (sender {id_n})"),
            format!("channel_1 5 (sender {id_n})"),
        ];
        wait_lines(godot, &lines, || pump(&mut signal, &mut net));
    }
    net.rpc(id_a, "command", &args!["hello", id_n]);
    net.rpc(id_b, "command", &args!["hello", id_n]);
    net.rpc(id_a, "command", &args!["hello", id_b]);
    pump_until("hello from both Godot peers", || {
        pump(&mut signal, &mut net);
        net.calls_of("hello").len() == 2
    });
    let mut senders: Vec<_> = net.calls_of("hello").iter().map(|c| c.1).collect();
    senders.sort();
    let mut expected = vec![id_a, id_b];
    expected.sort();
    assert_eq!(senders, expected);
    second.wait_for(
        &format!("hello hello from {id_a} (sender {id_a})"),
        STEP,
        || pump(&mut signal, &mut net),
    );

    // Raw bytes both ways.
    net.send_bytes(b"mesh bytes", 0, TransferMode::Unreliable, 0);
    for godot in [&mut first, &mut second] {
        godot.wait_for(&format!("bytes from {id_n}: mesh bytes"), STEP, || {
            pump(&mut signal, &mut net)
        });
    }
    net.rpc(id_b, "command", &args!["bytes", id_n]);
    pump_until("Godot B's raw bytes", || {
        pump(&mut signal, &mut net);
        net.raw_packets()
            .iter()
            .filter(|(from, _)| *from == id_b)
            .count()
            >= 4
    });

    // Godot A leaves: netscene and Godot B see it go, netscene and B stay connected.
    net.rpc(id_a, "command", &args!["quit", 0]);
    assert_eq!(first.wait_exit(STEP, || pump(&mut signal, &mut net)), 0);
    pump_until("netscene saw Godot A leave", || {
        pump(&mut signal, &mut net);
        net.events
            .contains(&MultiplayerEvent::PeerDisconnected(id_a))
    });
    second.wait_for(&format!("peer_disconnected {id_a}"), STEP, || {
        pump(&mut signal, &mut net)
    });
    net.rpc(id_b, "hello", &args!["still here"]);
    second.wait_for(&format!("hello still here (sender {id_n})"), STEP, || {
        pump(&mut signal, &mut net)
    });
    first.assert_clean();
    second.assert_clean();
}
