//! What lets one server carry thousands of clients, over loopback: a poll reads the whole
//! socket backlog (not only ENet's 256 datagrams per service), a send batch flushes once,
//! and a client group puts many Godot clients on one host and socket.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{DEADLINE, Node, local_server, run_until};
use netscene::peer::{ConnectionStatus, MultiplayerPeer, PeerEvent, TransferMode};
use netscene_enet::{ENetClientGroup, ENetGroupClient};
use netscene_enet::{HostStatistic, ServerOptions};

fn server_for(clients: usize) -> Node {
    Node::server(ServerOptions {
        bind_ip: Some("127.0.0.1".parse().expect("an IP")),
        max_clients: clients,
        ..ServerOptions::new(0)
    })
}

/// Services `group`, polls its clients and flushes, until `done` holds (false on the deadline).
fn run_group_until(
    server: &mut Node,
    group: &ENetClientGroup,
    clients: &mut [ENetGroupClient],
    mut done: impl FnMut(&mut Node, &mut [ENetGroupClient]) -> bool,
) -> bool {
    let deadline = Instant::now() + DEADLINE;
    while Instant::now() < deadline {
        server.pump();
        group.service();
        for client in clients.iter_mut() {
            client.poll();
        }
        group.flush();
        if done(server, clients) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

#[test]
fn one_poll_reads_more_than_enets_256_datagrams_per_service() {
    let mut server = local_server();
    let mut client = Node::client(server.port(), None);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    server.take_packets();

    // 600 unreliable packets, each its own datagram, all waiting in the server's socket.
    for i in 0..600u16 {
        client
            .peer
            .send(1, TransferMode::Unreliable, 0, &i.to_le_bytes())
            .expect("send");
    }
    std::thread::sleep(Duration::from_millis(200));
    server.pump();
    let received = server.take_packets().len();
    assert!(
        received > 256,
        "one poll took {received} of 600 datagrams: it stopped at ENet's per-service limit"
    );
}

#[test]
fn packets_of_a_send_batch_leave_when_it_ends() {
    let mut server = local_server();
    let mut client = Node::client(server.port(), None);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    server.take_packets();

    client.peer.begin_send_batch();
    client
        .peer
        .send(1, TransferMode::Reliable, 0, b"batched")
        .expect("send");
    std::thread::sleep(Duration::from_millis(100));
    server.pump();
    assert!(
        server.take_packets().is_empty(),
        "a batched packet left before the batch ended"
    );

    client.peer.end_send_batch();
    assert!(run_until(&mut [&mut server], |n| !n[0].packets.is_empty()));
    assert_eq!(server.take_packets()[0].data, b"batched");
}

/// ENet drops a peer's queued packets when it disconnects, so what a batch holds must leave
/// first. Counted on the sending host: the packet's bytes were sent.
#[test]
fn disconnecting_inside_a_batch_sends_the_batched_packets_first() {
    let mut server = local_server();
    let mut client = Node::client(server.port(), None);
    assert!(run_until(&mut [&mut server, &mut client], |n| n[1].connected()));
    let sent_since_last_look = |client: &mut Node| {
        client
            .peer
            .get_host()
            .expect("client host")
            .pop_statistic(HostStatistic::TotalSentData)
            .expect("rusty_enet shows the statistic")
    };
    sent_since_last_look(&mut client);

    client.peer.begin_send_batch();
    client
        .peer
        .send(1, TransferMode::Reliable, 0, &[7; 1000])
        .expect("send");
    assert!(
        sent_since_last_look(&mut client) < 1000,
        "the batch held it"
    );
    client.peer.disconnect_peer(1, false);
    let sent = sent_since_last_look(&mut client);
    client.peer.end_send_batch();
    assert!(
        sent >= 1000,
        "{sent} bytes sent: the disconnect dropped the batched packet"
    );
}

#[test]
fn a_client_group_is_many_godot_peers_on_one_socket() {
    const CLIENTS: usize = 40;
    let mut server = server_for(CLIENTS);
    let group = ENetClientGroup::new("127.0.0.1", server.port(), CLIENTS).expect("group");
    let mut clients: Vec<ENetGroupClient> = (0..CLIENTS)
        .map(|_| group.connect().expect("connect"))
        .collect();
    assert!(
        clients
            .iter()
            .all(|c| c.get_connection_status() == ConnectionStatus::Connecting)
    );
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, _| { s.peer.peer_ids().len() == CLIENTS }
    ));
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |_, c| {
            c.iter()
                .all(|c| c.get_connection_status() == ConnectionStatus::Connected)
        }
    ));
    let ids: BTreeSet<_> = clients.iter().map(|c| c.get_unique_id()).collect();
    let server_ids: BTreeSet<_> = server.peer.peer_ids().into_iter().collect();
    assert_eq!(ids, server_ids, "each group client is its own Godot peer");
    for client in &mut clients {
        assert_eq!(client.pop_event(), Some(PeerEvent::PeerConnected(1)));
    }

    // Each client sends its own id; the server answers each sender alone.
    for client in &mut clients {
        let id = client.get_unique_id();
        client
            .send(1, TransferMode::Reliable, 0, &id.to_le_bytes())
            .expect("send");
    }
    let mut answered = 0;
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, c| {
            for packet in s.take_packets() {
                assert_eq!(packet.data, packet.from.to_le_bytes(), "sender id");
                s.peer
                    .send(packet.from, TransferMode::Reliable, 0, &packet.data)
                    .expect("answer");
            }
            for client in c.iter_mut() {
                while let Some(packet) = client.get_packet() {
                    assert_eq!(packet.from, 1);
                    assert_eq!(packet.data, client.get_unique_id().to_le_bytes());
                    answered += 1;
                }
            }
            answered == CLIENTS
        }
    ));
}

#[test]
fn a_closed_group_client_leaves_the_server_and_frees_its_slot() {
    let mut server = local_server();
    let group = ENetClientGroup::new("127.0.0.1", server.port(), 1).expect("group");
    let mut clients = vec![group.connect().expect("connect")];
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |_, c| { c[0].get_connection_status() == ConnectionStatus::Connected }
    ));
    let first_id = clients[0].get_unique_id();

    let mut old = clients.pop().expect("one client");
    old.close();
    assert_eq!(old.get_connection_status(), ConnectionStatus::Disconnected);
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, _| { s.events.contains(&PeerEvent::PeerDisconnected(first_id)) }
    ));

    // The group's only slot goes to a new client; the old handle reads nothing of it.
    clients.push(group.connect_as(4242).expect("the slot is free again"));
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, c| {
            c[0].get_connection_status() == ConnectionStatus::Connected
                && s.peer.peer_ids() == vec![4242]
        }
    ));
    server
        .peer
        .send(4242, TransferMode::Reliable, 0, b"for the new client")
        .expect("send");
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |_, c| { c[0].get_available_packet_count() == 1 }
    ));
    old.poll();
    assert_eq!(old.get_available_packet_count(), 0);
    assert_eq!(old.get_connection_status(), ConnectionStatus::Disconnected);
}

#[test]
fn a_group_client_learns_when_the_server_goes_away() {
    let mut server = local_server();
    let group = ENetClientGroup::new("127.0.0.1", server.port(), 2).expect("group");
    let mut clients = vec![group.connect().expect("connect")];
    // The server's side connects last (it waits for the client's acknowledgement).
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, c| {
            c[0].get_connection_status() == ConnectionStatus::Connected
                && s.peer.peer_ids().len() == 1
        }
    ));
    assert_eq!(clients[0].pop_event(), Some(PeerEvent::PeerConnected(1)));

    server.peer.close();
    let deadline = Instant::now() + DEADLINE;
    while clients[0].get_connection_status() != ConnectionStatus::Disconnected
        && Instant::now() < deadline
    {
        group.service();
        clients[0].poll();
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(clients[0].pop_event(), Some(PeerEvent::PeerDisconnected(1)));
    assert_eq!(clients[0].get_unique_id(), 0);
}

#[test]
fn a_group_names_the_clients_it_received_something_for() {
    let mut server = local_server();
    let group = ENetClientGroup::new("127.0.0.1", server.port(), 2).expect("group");
    let mut clients = vec![
        group.connect().expect("connect"),
        group.connect().expect("connect"),
    ];
    let ids: BTreeSet<_> = clients.iter().map(|c| c.get_unique_id()).collect();
    let mut ready = Vec::new();
    assert!(run_group_until(
        &mut server,
        &group,
        &mut clients,
        |s, _| { s.peer.peer_ids().len() == 2 }
    ));
    // Both connected: both were ready once.
    group.take_ready(&mut ready);
    assert_eq!(ready.iter().copied().collect::<BTreeSet<_>>(), ids);

    let target = clients[1].get_unique_id();
    server
        .peer
        .send(target, TransferMode::Reliable, 0, b"only you")
        .expect("send");
    ready.clear();
    assert!(run_group_until(&mut server, &group, &mut [], |_, _| {
        group.take_ready(&mut ready);
        !ready.is_empty()
    }));
    assert_eq!(ready, vec![target]);
    clients[1].poll();
    assert_eq!(
        clients[1].get_packet().expect("the packet").data,
        b"only you"
    );
}
