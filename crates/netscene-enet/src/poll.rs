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

/// Like Godot's poll: one `service` (the only network I/O of the poll), then the events it
/// queued via `check_events`.
fn next_event<'h>(
    host: &'h mut crate::options::EnetHost,
    serviced: &mut bool,
) -> Result<Option<Event<'h, crate::socket::EnetSocket>>, std::io::Error> {
    if *serviced {
        Ok(host.check_events())
    } else {
        *serviced = true;
        host.service()
    }
}

type Incoming = std::collections::VecDeque<Packet>;
type Events = std::collections::VecDeque<PeerEvent>;

fn store(incoming: &mut Incoming, from: PeerId, channel_id: u8, packet: &rusty_enet::Packet) {
    incoming.push_back(Packet {
        from,
        channel: user_channel(channel_id),
        mode: received_mode(packet),
        data: packet.data().to_vec(),
    });
}

/// Returns false when the host failed and the peer must close.
fn poll_server(
    server: &mut ServerState,
    refuse_new_connections: bool,
    incoming: &mut Incoming,
    events: &mut Events,
) -> bool {
    // Peers that went away without an ENet event (Godot's `_disconnect_inactive_peers`).
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

    let mut serviced = false;
    loop {
        let event = match next_event(&mut server.connection.host, &mut serviced) {
            Ok(Some(event)) => event,
            Ok(None) => return true,
            Err(error) => {
                tracing::warn!(%error, "ENet server socket error, closing");
                return false;
            }
        };
        match event {
            Event::Connect { peer, data } => {
                if refuse_new_connections {
                    tracing::debug!(data, "refusing a new connection");
                    peer.reset();
                    continue;
                }
                let Some(id) =
                    client_id_from_connect_data(data).filter(|id| !server.peers.contains_key(id))
                else {
                    tracing::debug!(data, "refusing a connection with an invalid or used id");
                    peer.reset();
                    continue;
                };
                let slot = peer.id();
                let mut packet_peer = ENetPacketPeer { peer };
                packet_peer.apply(&server.peer_settings);
                packet_peer.apply_on_connect(&server.peer_settings);
                server.peers.insert(id, slot);
                server.ids_by_slot[slot.0] = id;
                tracing::debug!(id, "peer connected");
                events.push_back(PeerEvent::PeerConnected(id));
            }
            Event::Disconnect { peer, .. } => {
                let slot = peer.id();
                let id = std::mem::take(&mut server.ids_by_slot[slot.0]);
                // 0: never fully connected, or already removed by a forced disconnect.
                if id != 0 && server.peers.remove(&id).is_some() {
                    tracing::debug!(id, "peer disconnected");
                    events.push_back(PeerEvent::PeerDisconnected(id));
                }
            }
            Event::Receive {
                peer,
                channel_id,
                packet,
            } => {
                let id = server.ids_by_slot[peer.id().0];
                if id != 0 {
                    store(incoming, id, channel_id, &packet);
                }
            }
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
    let mut serviced = false;
    loop {
        let event = match next_event(&mut client.connection.host, &mut serviced) {
            Ok(Some(event)) => event,
            Ok(None) => return true,
            Err(error) => {
                tracing::warn!(%error, "ENet client socket error, closing");
                return false;
            }
        };
        match event {
            Event::Connect { peer, .. } => {
                ENetPacketPeer { peer }.apply_on_connect(&client.peer_settings);
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
                return false;
            }
            Event::Receive {
                channel_id, packet, ..
            } => store(incoming, TARGET_PEER_SERVER, channel_id, &packet),
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
        let mut serviced = false;
        loop {
            match next_event(&mut link.connection.host, &mut serviced) {
                Ok(None) => break,
                // Mesh hosts take no further connections.
                Ok(Some(Event::Connect { peer, .. })) => peer.reset(),
                Ok(Some(Event::Receive {
                    channel_id, packet, ..
                })) => store(incoming, id, channel_id, &packet),
                Ok(Some(Event::Disconnect { .. })) => {
                    dropped.push(id);
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, id, "ENet mesh socket error, dropping the peer");
                    dropped.push(id);
                    break;
                }
            }
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
