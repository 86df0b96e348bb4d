//! SYS packets (peer announcements and server relay, spec B.3–B.4) and RAW packets (B.6).

use super::SceneMultiplayer;
use super::link::log_send_failure;
use crate::api::MultiplayerEvent;
use crate::error::{MultiplayerError, PacketError};
use crate::peer::{ConnectionStatus, PeerId, TransferMode};
use crate::tree::SceneTree;
use crate::wire::{RawPacket, SysPacket};

impl SceneMultiplayer {
    /// Server: tell everyone about the newcomer and the newcomer about everyone.
    pub(crate) fn announce_new_peer(&mut self, id: PeerId) {
        let mut add_new = Vec::with_capacity(6);
        SysPacket::AddPeer(id).emit(&mut add_new);
        let existing: Vec<PeerId> = self.link.connected.iter().collect();
        for p in existing {
            let mut add_old = Vec::with_capacity(6);
            SysPacket::AddPeer(p).emit(&mut add_old);
            for (to, pkt) in [(p, &add_new), (id, &add_old)] {
                if let Err(e) = self.link.send_direct(to, TransferMode::Reliable, 0, pkt) {
                    log_send_failure(to, "ADD_PEER", &e);
                }
            }
        }
    }

    /// Server: tell the others that `id` left.
    pub(crate) fn announce_gone_peer(&mut self, id: PeerId) {
        let mut del = Vec::with_capacity(6);
        SysPacket::DelPeer(id).emit(&mut del);
        let others: Vec<PeerId> = self.link.connected.iter().filter(|p| *p != id).collect();
        for p in others {
            if let Err(e) = self.link.send_direct(p, TransferMode::Reliable, 0, &del) {
                log_send_failure(p, "DEL_PEER", &e);
            }
        }
    }

    /// A SYS packet from an admitted peer (AUTH was handled before).
    pub(crate) fn process_sys(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        data: &[u8],
        mode: TransferMode,
        channel: i32,
    ) {
        let sys = match SysPacket::parse(data) {
            Ok(sys) => sys,
            Err(e) => return self.reject_packet(from, e),
        };
        let relay = self.link.relay_active();
        let is_server = self.link.unique_id() == 1;
        match sys {
            SysPacket::Auth(_) => {}
            SysPacket::AddPeer(id) | SysPacket::DelPeer(id) => {
                let command = if matches!(sys, SysPacket::AddPeer(_)) {
                    "ADD_PEER"
                } else {
                    "DEL_PEER"
                };
                let refusal = if !relay {
                    Some("server relay is off or unsupported")
                } else if is_server {
                    Some("only clients accept peer announcements")
                } else if from != 1 {
                    Some("only the server may announce peers")
                } else if id < 2 {
                    Some("invalid peer id")
                } else {
                    None
                };
                if let Some(reason) = refusal {
                    return self.reject_packet(from, PacketError::SysRefused { command, reason });
                }
                if matches!(sys, SysPacket::AddPeer(_)) {
                    // Relayed peers are admitted without authentication.
                    if !self.link.connected.contains(id) {
                        self.admit_peer(id);
                    }
                } else {
                    self.del_peer(id);
                }
            }
            SysPacket::Relay { peer, packet } => {
                if !relay {
                    return self.reject_packet(
                        from,
                        PacketError::SysRefused {
                            command: "RELAY",
                            reason: "server relay is off or unsupported",
                        },
                    );
                }
                if is_server {
                    self.relay_from_client(tree, from, peer, packet, mode, channel);
                } else if from != 1 {
                    self.reject_packet(
                        from,
                        PacketError::SysRefused {
                            command: "RELAY",
                            reason: "clients accept relayed packets only from the server",
                        },
                    );
                } else {
                    // The server stamped the real source.
                    self.remote_sender_id = peer;
                    self.process_packet(tree, peer, packet);
                    self.remote_sender_id = 0;
                }
            }
        }
    }

    /// Server side of a RELAY: forward with the source stamped, process locally when the
    /// server is among the destinations (0, or −n with n ≠ 1).
    fn relay_from_client(
        &mut self,
        tree: &mut SceneTree,
        from: PeerId,
        destination: PeerId,
        packet: &[u8],
        mode: TransferMode,
        channel: i32,
    ) {
        if destination > 0 && !self.link.connected.contains(destination) {
            // The newest Godot drops these silently (the peer may just have left).
            tracing::debug!(peer = from, destination, "relay to an unknown peer dropped");
            return;
        }
        let copies = if destination > 0 {
            u64::from(destination != 1)
        } else {
            self.link.connected.as_slice().len().saturating_sub(1) as u64
        };
        if copies > 0 && !self.charge_peer(from, super::PeerLimitKind::Relays, copies) {
            return;
        }
        let mut forward = Vec::with_capacity(packet.len() + 6);
        SysPacket::Relay { peer: from, packet }.emit(&mut forward);
        if destination > 0 {
            if destination != 1
                && let Err(e) = self.link.send_direct(destination, mode, channel, &forward)
            {
                log_send_failure(destination, "relayed packet", &e);
            }
        } else {
            let targets: Vec<PeerId> = self
                .link
                .connected
                .iter()
                // `checked_neg`: a peer may send i32::MIN, which has no positive twin.
                .filter(|p| *p != from && Some(*p) != destination.checked_neg())
                .collect();
            for p in targets {
                if let Err(e) = self.link.send_direct(p, mode, channel, &forward) {
                    log_send_failure(p, "relayed packet", &e);
                }
            }
        }
        let process_locally = destination == 0 || destination < -1 || destination == 1;
        if process_locally {
            self.remote_sender_id = from;
            self.process_packet(tree, from, packet);
            self.remote_sender_id = 0;
        }
    }

    /// RAW received: the `peer_packet` event.
    pub(crate) fn process_raw(&mut self, from: PeerId, data: &[u8]) -> Result<(), PacketError> {
        let raw = RawPacket::parse(data)?;
        let backlog = self.queued_raw.entry(from).or_default();
        if backlog.packets >= super::MAX_QUEUED_PEER_PACKETS_PER_PEER
            || backlog.bytes + raw.payload.len() > super::MAX_QUEUED_PEER_PACKET_BYTES_PER_PEER
        {
            tracing::warn!(
                peer = from,
                "peer_packet backlog of this peer full; raw packet dropped"
            );
            return Ok(());
        }
        backlog.packets += 1;
        backlog.bytes += raw.payload.len();
        self.push_event(MultiplayerEvent::PeerPacket {
            from,
            data: raw.payload.to_vec(),
        });
        Ok(())
    }

    /// Godot's `send_bytes(bytes, id, mode, channel)`: a RAW packet, routed like an RPC
    /// (through the relay on clients). `id` 0 = every peer, −n = all but n.
    pub fn send_bytes(
        &mut self,
        bytes: &[u8],
        id: PeerId,
        mode: TransferMode,
        channel: i32,
    ) -> Result<(), MultiplayerError> {
        if bytes.is_empty() {
            return Err(MultiplayerError::EmptyPacket);
        }
        if self.link.peer.is_none() {
            return Err(MultiplayerError::NoPeer);
        }
        if self.link.status() != ConnectionStatus::Connected {
            return Err(MultiplayerError::NotConnected);
        }
        self.packet_buf.clear();
        RawPacket { payload: bytes }.emit(&mut self.packet_buf);
        self.link.send_command(id, mode, channel, &self.packet_buf)
    }
}
