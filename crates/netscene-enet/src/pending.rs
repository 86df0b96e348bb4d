//! A per-address limit of half-open connections on an ENet server, which Godot does not have
//! (C ENet's `duplicatePeers` would be one, but rusty_enet does not expose it).
//!
//! A CONNECT takes a server slot until the client acknowledges VERIFY_CONNECT or ENet times
//! it out (about 30 s): one address sending CONNECTs that it never completes can fill every
//! slot. With a limit, the socket drops further connection requests from an address that
//! already holds that many half-open slots, so the others still get in.

use std::collections::HashMap;
use std::net::IpAddr;

use rusty_enet::PeerState;

use crate::coalesce::is_connection_request;
use crate::options::EnetHost;

/// Whether a server-side peer is between its CONNECT and the acknowledgement of its
/// VERIFY_CONNECT.
fn is_half_open(state: PeerState) -> bool {
    matches!(
        state,
        PeerState::AcknowledgingConnect
            | PeerState::ConnectionPending
            | PeerState::ConnectionSucceeded
    )
}

/// How many half-open slots of `host` each address holds.
pub(crate) fn half_open_by_address(host: &mut EnetHost) -> HashMap<IpAddr, usize> {
    let mut half_open: HashMap<IpAddr, usize> = HashMap::new();
    for peer in host.peers() {
        if is_half_open(peer.state())
            && let Some(address) = peer.address()
        {
            *half_open.entry(address.ip()).or_default() += 1;
        }
    }
    half_open
}

/// The socket's side of the limit: the half-open slots per address at the start of a poll,
/// counted up by each connection request let through during it (many can arrive in one
/// `service`, before ENet has given any of them a slot).
#[derive(Debug, Default)]
pub(crate) struct ConnectGate {
    limit: Option<usize>,
    pending: HashMap<IpAddr, usize>,
}

impl ConnectGate {
    /// Starts a poll with `limit` and the slots each address holds half open.
    pub(crate) fn reset(&mut self, limit: Option<usize>, pending: HashMap<IpAddr, usize>) {
        self.limit = limit;
        self.pending = pending;
    }

    /// Whether the next poll must count the half-open slots again. Slots become half open
    /// only through connection requests this gate let through, so once a count found none
    /// and none came since, there is nothing to count: a steady server does not walk its
    /// 4 095 slots on every poll. A gate that had no limit never counted.
    pub(crate) fn needs_count(&self) -> bool {
        self.limit.is_none() || !self.pending.is_empty()
    }

    /// Whether to drop `datagram` from `from`: a connection request beyond the limit.
    pub(crate) fn refuses(&mut self, from: IpAddr, datagram: &[u8]) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        if !is_connection_request(datagram) {
            return false;
        }
        let pending = self.pending.entry(from).or_default();
        if *pending >= limit {
            return true;
        }
        *pending += 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_lets_each_address_through_up_to_the_limit() {
        let connect = [0x8F, 0xFF, 0x82, 0xFF];
        let data = [0x80, 0x05, 0x86, 0x00];
        let flooder: IpAddr = "127.0.0.2".parse().unwrap();
        let player: IpAddr = "127.0.0.1".parse().unwrap();
        let mut gate = ConnectGate::default();
        assert!(
            !gate.refuses(flooder, &connect),
            "no limit: nothing refused"
        );
        gate.reset(Some(2), HashMap::from([(flooder, 1)]));
        assert!(!gate.refuses(flooder, &connect));
        assert!(gate.refuses(flooder, &connect));
        assert!(
            !gate.refuses(flooder, &data),
            "its connected traffic still passes"
        );
        assert!(!gate.refuses(player, &connect));
        assert!(!gate.refuses(player, &connect));
        assert!(gate.refuses(player, &connect));
        gate.reset(None, HashMap::new());
        assert!(
            !gate.refuses(player, &connect),
            "a lifted limit refuses nothing"
        );
    }

    #[test]
    fn the_slots_are_counted_again_only_while_something_may_be_half_open() {
        let connect = [0x8F, 0xFF, 0x82, 0xFF];
        let data = [0x80, 0x05, 0x86, 0x00];
        let client: IpAddr = "127.0.0.1".parse().unwrap();
        let mut gate = ConnectGate::default();
        assert!(gate.needs_count(), "a limit just set counts what is there");
        gate.reset(Some(4), HashMap::from([(client, 1)]));
        assert!(
            gate.needs_count(),
            "a half-open slot may complete or time out"
        );
        gate.reset(Some(4), HashMap::new());
        assert!(!gate.needs_count(), "none half open, no request since");
        assert!(!gate.refuses(client, &data));
        assert!(!gate.needs_count(), "connected traffic opens no slot");
        assert!(!gate.refuses(client, &connect));
        assert!(gate.needs_count(), "a request let through may hold a slot");
    }

    #[test]
    fn server_side_handshake_states_are_half_open() {
        assert!(is_half_open(PeerState::AcknowledgingConnect));
        assert!(is_half_open(PeerState::ConnectionPending));
        assert!(!is_half_open(PeerState::Connected));
        assert!(!is_half_open(PeerState::Disconnected));
    }
}
