//! `ENetMultiplayerPeer::poll`: services the ENet host(s) and turns ENet events into packets
//! and peer events exactly as Godot 4's `ENetMultiplayerPeer::poll` does.

use netscene::peer::{ConnectionStatus, Packet, PeerEvent, PeerId, TARGET_PEER_SERVER};
use rusty_enet::{Event, PeerState};

use crate::flags::{received_mode, user_channel};
use crate::packet_peer::ENetPacketPeer;
use crate::peer::{Active, ClientState, ENetMultiplayerPeer, MeshLink, ServerState};

/// Ids a client may claim: Godot reads the CONNECT data as a signed 32-bit id and refuses
/// anything below 2 (it would take the server's id or the broadcast id).
fn client_id_from_connect_data(data: u32) -> Option<PeerId> {
    PeerId::try_from(data).ok().filter(|id| *id >= 2)
}

pub(crate) fn poll(peer: &mut ENetMultiplayerPeer) {
    let keep_open = match &mut peer.active {
        Active::None => return,
        Active::Server(server) => poll_server(
            server,
            peer.refuse_new_connections,
            peer.max_pending_per_address,
            &mut peer.incoming,
            &mut peer.events,
        ),
        Active::Client(client) => poll_client(
            client,
            &mut peer.status,
            &mut peer.incoming,
            &mut peer.events,
        ),
        Active::Mesh(links) => {
            poll_mesh(links, &mut peer.incoming, &mut peer.events);
            true
        }
    };
    if !keep_open {
        use netscene::peer::MultiplayerPeer;
        peer.close();
    }
}

/// Most `service` calls one poll makes while datagrams keep arriving. Each reads at most 256
/// datagrams (ENet's limit), so a busy server reads its backlog in a few calls, and a flood
/// cannot keep a poll from returning.
const MAX_SERVICES_PER_POLL: u32 = 16;

/// The network I/O of a poll: a `service`, then the events it queued via `check_events`, each
/// handed to `handle` (which returns false to stop). Another `service` follows only while the
/// last one left datagrams unread in the socket. Godot instead services again after every
/// event, and every service walks all peer slots: with thousands of clients that walk was
/// most of the server's time.
pub(crate) fn service_events(
    host: &mut crate::options::EnetHost,
    mut handle: impl FnMut(Event<'_, crate::socket::EnetSocket>) -> bool,
) -> Result<(), std::io::Error> {
    for _ in 0..MAX_SERVICES_PER_POLL {
        host.socket_mut().begin_reading();
        if let Some(event) = host.service()?
            && !handle(event)
        {
            return Ok(());
        }
        while let Some(event) = host.check_events() {
            if !handle(event) {
                return Ok(());
            }
        }
        if host.socket().drained() {
            break;
        }
    }
    Ok(())
}

type Incoming = std::collections::VecDeque<Packet>;
type Events = std::collections::VecDeque<PeerEvent>;

/// A packet ENet received on `channel_id`, as the `MultiplayerPeer` hands it out.
pub(crate) fn received_packet(from: PeerId, channel_id: u8, packet: &rusty_enet::Packet) -> Packet {
    Packet {
        from,
        channel: user_channel(channel_id),
        mode: received_mode(packet),
        data: packet.data().to_vec(),
    }
}

fn store(incoming: &mut Incoming, from: PeerId, channel_id: u8, packet: &rusty_enet::Packet) {
    incoming.push_back(received_packet(from, channel_id, packet));
}

/// Returns false when the host failed and the peer must close.
fn poll_server(
    server: &mut ServerState,
    refuse_new_connections: bool,
    max_pending_per_address: Option<usize>,
    incoming: &mut Incoming,
    events: &mut Events,
) -> bool {
    // Without a limit the gate is reset too, so that lifting a limit takes effect.
    let host = &mut server.connection.host;
    let pending = match max_pending_per_address {
        Some(_) if host.socket().connect_gate.needs_count() => {
            crate::pending::half_open_by_address(host)
        }
        _ => Default::default(),
    };
    host.socket_mut()
        .connect_gate
        .reset(max_pending_per_address, pending);
    // Peers that went away without an ENet event (Godot's `_disconnect_inactive_peers`,
    // which walks every peer on each poll). Only a caller with direct access to the ENet
    // peers (`get_peer`, `get_host`) can do that, so the walk waits for such access.
    if std::mem::take(&mut server.peers_touched) {
        let host = &server.connection.host;
        let ids_by_slot = &mut server.ids_by_slot;
        server.peers.retain(|&id, slot| {
            let alive = host.peer(*slot).state() != PeerState::Disconnected;
            if !alive {
                ids_by_slot[slot.0] = 0;
                events.push_back(PeerEvent::PeerDisconnected(id));
            }
            alive
        });
    }

    let ServerState {
        connection,
        peers,
        ids_by_slot,
        peer_settings,
        ..
    } = server;
    let serviced = service_events(&mut connection.host, |event| {
        match event {
            Event::Connect { peer, data } => {
                if refuse_new_connections {
                    tracing::debug!(data, "refusing a new connection");
                    peer.reset();
                    return true;
                }
                let Some(id) =
                    client_id_from_connect_data(data).filter(|id| !peers.contains_key(id))
                else {
                    tracing::debug!(data, "refusing a connection with an invalid or used id");
                    peer.reset();
                    return true;
                };
                let slot = peer.id();
                let mut packet_peer = ENetPacketPeer { peer };
                packet_peer.apply(peer_settings);
                packet_peer.apply_on_connect(peer_settings);
                peers.insert(id, slot);
                ids_by_slot[slot.0] = id;
                tracing::debug!(id, "peer connected");
                events.push_back(PeerEvent::PeerConnected(id));
            }
            Event::Disconnect { peer, .. } => {
                let slot = peer.id();
                let id = std::mem::take(&mut ids_by_slot[slot.0]);
                // 0: never fully connected, or already removed by a forced disconnect.
                if id != 0 && peers.remove(&id).is_some() {
                    tracing::debug!(id, "peer disconnected");
                    events.push_back(PeerEvent::PeerDisconnected(id));
                }
            }
            Event::Receive {
                peer,
                channel_id,
                packet,
            } => {
                let id = ids_by_slot[peer.id().0];
                if id != 0 {
                    store(incoming, id, channel_id, &packet);
                }
            }
        }
        true
    });
    match serviced {
        Ok(()) => true,
        Err(error) => {
            tracing::warn!(%error, "ENet server socket error, closing");
            false
        }
    }
}

/// Returns false when the connection ended (or the host failed) and the peer must close.
fn poll_client(
    client: &mut ClientState,
    status: &mut ConnectionStatus,
    incoming: &mut Incoming,
    events: &mut Events,
) -> bool {
    if client.connection.host.peer(client.server).state() == PeerState::Disconnected {
        if *status == ConnectionStatus::Connected {
            events.push_back(PeerEvent::PeerDisconnected(TARGET_PEER_SERVER));
        }
        return false;
    }
    let mut connected = true;
    let peer_settings = &client.peer_settings;
    let serviced = service_events(&mut client.connection.host, |event| {
        match event {
            Event::Connect { peer, .. } => {
                ENetPacketPeer { peer }.apply_on_connect(peer_settings);
                *status = ConnectionStatus::Connected;
                tracing::debug!("connected to the server");
                events.push_back(PeerEvent::PeerConnected(TARGET_PEER_SERVER));
            }
            Event::Disconnect { .. } => {
                if *status == ConnectionStatus::Connected {
                    tracing::debug!("disconnected from the server");
                    events.push_back(PeerEvent::PeerDisconnected(TARGET_PEER_SERVER));
                } else {
                    tracing::debug!("connection to the server failed");
                }
                connected = false;
            }
            Event::Receive {
                channel_id, packet, ..
            } => store(incoming, TARGET_PEER_SERVER, channel_id, &packet),
        }
        connected
    });
    match serviced {
        Ok(()) => connected,
        Err(error) => {
            tracing::warn!(%error, "ENet client socket error, closing");
            false
        }
    }
}

fn poll_mesh(
    links: &mut std::collections::BTreeMap<PeerId, MeshLink>,
    incoming: &mut Incoming,
    events: &mut Events,
) {
    let mut dropped = Vec::new();
    for (&id, link) in links.iter_mut() {
        if link.connection.host.peer(link.slot).state() == PeerState::Disconnected {
            dropped.push(id);
            continue;
        }
        let mut linked = true;
        let serviced = service_events(&mut link.connection.host, |event| {
            match event {
                // Mesh hosts take no further connections.
                Event::Connect { peer, .. } => peer.reset(),
                Event::Receive {
                    channel_id, packet, ..
                } => store(incoming, id, channel_id, &packet),
                Event::Disconnect { .. } => linked = false,
            }
            linked
        });
        if let Err(error) = &serviced {
            tracing::warn!(%error, id, "ENet mesh socket error, dropping the peer");
        }
        if serviced.is_err() || !linked {
            dropped.push(id);
        }
    }
    for id in dropped {
        links.remove(&id);
        events.push_back(PeerEvent::PeerDisconnected(id));
    }
}

#[cfg(test)]
mod tests {
    use super::client_id_from_connect_data;

    #[test]
    fn connect_data_ids() {
        assert_eq!(client_id_from_connect_data(0), None);
        assert_eq!(client_id_from_connect_data(1), None);
        assert_eq!(client_id_from_connect_data(2), Some(2));
        assert_eq!(client_id_from_connect_data(0x7FFF_FFFF), Some(0x7FFF_FFFF));
        // Godot would read these as negative ids; they are refused here.
        assert_eq!(client_id_from_connect_data(0x8000_0000), None);
        assert_eq!(client_id_from_connect_data(u32::MAX), None);
    }
}
