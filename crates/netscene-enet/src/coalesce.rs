//! Held datagrams, merged per destination: what ENet would send in several datagrams to one
//! peer during a poll (acknowledgements while receiving, replies after the handlers ran) goes
//! out as one.
//!
//! An ENet datagram is a header (the receiver's peer id with the session and flag bits, then
//! the sender's service time when the SENT_TIME flag is set) followed by whole commands, and
//! a receiver handles the commands of a datagram one after the other. Two datagrams for the
//! same peer and session therefore become one by writing the commands of the second after
//! those of the first, under one header: SENT_TIME set if either had it, with the later
//! time (the merged datagram leaves then; receivers echo it in their acknowledgements, from
//! which the sender measures the round trip). Compressed datagrams and hosts with a checksum
//! are never merged: their bodies and checksums cover exactly one datagram.
//!
//! Acknowledgements stay ahead of every other command, as ENet writes them. A receiver drops
//! the rest of a datagram after a command it refuses, and before a connection is
//! acknowledged it refuses everything but that acknowledgement: a client whose retransmitted
//! data came first and the acknowledgement of VERIFY_CONNECT after it was never let in (the
//! server re-sent VERIFY_CONNECT until it gave up, and the client timed out 30 s later). So
//! a datagram starting with acknowledgements joins only one made of acknowledgements alone.

use std::collections::HashMap;
use std::net::SocketAddr;

/// The SENT_TIME header flag.
const FLAG_SENT_TIME: u16 = 1 << 15;
/// The COMPRESSED header flag.
const FLAG_COMPRESSED: u16 = 1 << 14;

/// Largest merged datagram: ENet's default MTU, which every Godot and C ENet peer accepts
/// (receivers read up to 4 096 bytes; larger datagrams than the MTU would fragment in IP).
pub(crate) const MERGED_MTU: usize = 1392;

/// A datagram's header fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    /// Peer id and session bits, flags cleared.
    target: u16,
    sent_time: Option<u16>,
    /// Bytes before the first command.
    len: usize,
}

/// ENet's ACKNOWLEDGE command number (low four bits of a command's first byte); an
/// acknowledgement is 8 bytes.
const COMMAND_ACKNOWLEDGE: u8 = 1;
const ACKNOWLEDGE_SIZE: usize = 8;

/// Whether `commands` (a datagram after its header) begins with an acknowledgement. ENet
/// writes a datagram's acknowledgements first, so one that has any begins with one.
fn starts_with_acknowledgement(commands: &[u8]) -> bool {
    commands
        .first()
        .is_some_and(|command| command & 0x0F == COMMAND_ACKNOWLEDGE)
}

/// Whether `commands` are acknowledgements and nothing else.
fn only_acknowledgements(commands: &[u8]) -> bool {
    !commands.is_empty()
        && commands.len().is_multiple_of(ACKNOWLEDGE_SIZE)
        && commands
            .chunks(ACKNOWLEDGE_SIZE)
            .all(starts_with_acknowledgement)
}

/// The peer id and session bits of a datagram.
fn target(datagram: &[u8]) -> Option<u16> {
    let first = u16::from_be_bytes([*datagram.first()?, *datagram.get(1)?]);
    Some(first & !(FLAG_SENT_TIME | FLAG_COMPRESSED))
}

/// The peer id a datagram carries before the receiver assigned one (a CONNECT). Many
/// connecting peers of one host share it, and a receiver takes only one CONNECT a datagram.
const NO_PEER_ID: u16 = 0x0FFF;

/// Whether `datagram` asks for a new connection: its header names no peer, which only a
/// CONNECT does.
pub(crate) fn is_connection_request(datagram: &[u8]) -> bool {
    target(datagram).is_some_and(|target| target & NO_PEER_ID == NO_PEER_ID)
}

/// The header of a datagram whose commands can be merged with others: not compressed, and
/// for a peer the receiver knows.
fn header(datagram: &[u8]) -> Option<Header> {
    let first = u16::from_be_bytes([*datagram.first()?, *datagram.get(1)?]);
    if first & FLAG_COMPRESSED != 0 || is_connection_request(datagram) {
        return None;
    }
    let target = first & !(FLAG_SENT_TIME | FLAG_COMPRESSED);
    if first & FLAG_SENT_TIME != 0 {
        let time = u16::from_be_bytes([*datagram.get(2)?, *datagram.get(3)?]);
        Some(Header {
            target,
            sent_time: Some(time),
            len: 4,
        })
    } else {
        Some(Header {
            target,
            sent_time: None,
            len: 2,
        })
    }
}

/// One held datagram: where it goes and where its bytes are in the arena.
#[derive(Debug, Clone, Copy)]
struct Held {
    to: SocketAddr,
    start: usize,
    len: usize,
}

/// Datagrams held back until [`Coalescer::drain`], merged per destination where ENet's
/// format allows. Its buffers are kept between polls, so holding allocates nothing once warm.
#[derive(Debug, Default)]
pub(crate) struct Coalescer {
    arena: Vec<u8>,
    held: Vec<Held>,
    /// The index in `held` of the last datagram for each destination and peer (one address
    /// may hold many ENet peers: a client group, or several hosts behind one NAT).
    last_for: HashMap<(SocketAddr, u16), usize>,
    scratch: Vec<u8>,
}

impl Coalescer {
    /// Holds `datagram` for `to`, merged into the last one held for `to` when possible.
    pub(crate) fn push(&mut self, to: SocketAddr, datagram: &[u8]) {
        let target = target(datagram);
        if let Some(target) = target
            && let Some(&index) = self.last_for.get(&(to, target))
            && self.merge_into(index, datagram)
        {
            return;
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(datagram);
        match target {
            // Later datagrams merge into this one, never into one held before it (they
            // would overtake it); a compressed one takes no more commands at all.
            Some(target) if header(datagram).is_some() => {
                self.last_for.insert((to, target), self.held.len());
            }
            Some(target) => {
                self.last_for.remove(&(to, target));
            }
            None => self.last_for.retain(|(address, _), _| *address != to),
        }
        self.held.push(Held {
            to,
            start,
            len: datagram.len(),
        });
    }

    /// Writes held datagram `index` followed by `datagram`'s commands at the end of the
    /// arena under one header, if they are for the same peer and session and fit.
    fn merge_into(&mut self, index: usize, datagram: &[u8]) -> bool {
        let held = self.held[index];
        let first = &self.arena[held.start..held.start + held.len];
        let (Some(a), Some(b)) = (header(first), header(datagram)) else {
            return false;
        };
        if starts_with_acknowledgement(&datagram[b.len..])
            && !only_acknowledgements(&first[a.len..])
        {
            return false;
        }
        let sent_time = b.sent_time.or(a.sent_time);
        let header_len = if sent_time.is_some() { 4 } else { 2 };
        let merged_len = header_len + (held.len - a.len) + (datagram.len() - b.len);
        if a.target != b.target || merged_len > MERGED_MTU {
            return false;
        }
        self.scratch.clear();
        let flags = if sent_time.is_some() {
            FLAG_SENT_TIME
        } else {
            0
        };
        self.scratch
            .extend_from_slice(&(a.target | flags).to_be_bytes());
        if let Some(time) = sent_time {
            self.scratch.extend_from_slice(&time.to_be_bytes());
        }
        self.scratch.extend_from_slice(&first[a.len..]);
        self.scratch.extend_from_slice(&datagram[b.len..]);
        // The old bytes stay in the arena until the drain; appending keeps this simple and
        // the arena at most a few times what one poll sends.
        let start = self.arena.len();
        self.arena.extend_from_slice(&self.scratch);
        self.held[index] = Held {
            to: held.to,
            start,
            len: merged_len,
        };
        true
    }

    /// True when nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Hands every held datagram with its destination to `send`, in the order they were
    /// first held, at most `BATCH` at a time, and empties the holder (keeping its buffers).
    pub(crate) fn drain<const BATCH: usize>(
        &mut self,
        mut send: impl FnMut(&[(SocketAddr, &[u8])]),
    ) {
        let nowhere = SocketAddr::from(([0, 0, 0, 0], 0));
        let mut datagrams: [(SocketAddr, &[u8]); BATCH] = [(nowhere, &[]); BATCH];
        for held in self.held.chunks(BATCH.max(1)) {
            for (datagram, held) in datagrams.iter_mut().zip(held) {
                *datagram = (held.to, &self.arena[held.start..held.start + held.len]);
            }
            send(&datagrams[..held.len()]);
        }
        self.held.clear();
        self.last_for.clear();
        self.arena.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn drained(coalescer: &mut Coalescer) -> Vec<(SocketAddr, Vec<u8>)> {
        let mut out = Vec::new();
        coalescer.drain::<3>(|datagrams| {
            out.extend(datagrams.iter().map(|(to, data)| (*to, data.to_vec())));
        });
        out
    }

    /// Peer 5, session 1: 0x1005.
    const PEER: u16 = 0x1005;

    fn with_time(peer: u16, time: u16, commands: &[u8]) -> Vec<u8> {
        let mut d = (peer | FLAG_SENT_TIME).to_be_bytes().to_vec();
        d.extend_from_slice(&time.to_be_bytes());
        d.extend_from_slice(commands);
        d
    }

    fn without_time(peer: u16, commands: &[u8]) -> Vec<u8> {
        let mut d = peer.to_be_bytes().to_vec();
        d.extend_from_slice(commands);
        d
    }

    /// An ACKNOWLEDGE command (8 bytes) of reliable sequence number `n`.
    fn ack(n: u8) -> Vec<u8> {
        vec![COMMAND_ACKNOWLEDGE, 0, 0, n, 0, n, 0, 0]
    }

    /// A SEND_RELIABLE command (with its acknowledge flag) carrying one byte.
    fn reliable(n: u8) -> Vec<u8> {
        vec![0x86, 0, 0, n, 0, 1, n]
    }

    #[test]
    fn an_acknowledgement_and_a_reply_to_one_peer_become_one_datagram() {
        let mut c = Coalescer::default();
        c.push(addr(1), &without_time(PEER, &ack(1)));
        c.push(addr(1), &without_time(PEER, &ack(2)));
        c.push(addr(1), &with_time(PEER, 700, &reliable(9)));
        assert_eq!(
            drained(&mut c),
            vec![(
                addr(1),
                with_time(PEER, 700, &[ack(1), ack(2), reliable(9)].concat())
            )]
        );
        assert!(c.is_empty());
    }

    #[test]
    fn acknowledgements_never_follow_other_commands() {
        // Retransmitted data held first, then the acknowledgement of VERIFY_CONNECT: a server
        // still waiting for that acknowledgement would refuse the data and drop the rest.
        let mut c = Coalescer::default();
        c.push(addr(1), &with_time(PEER, 5, &reliable(3)));
        c.push(
            addr(1),
            &without_time(PEER, &[ack(1), reliable(4)].concat()),
        );
        // What follows joins the later datagram, never overtaking it.
        c.push(addr(1), &with_time(PEER, 6, &reliable(5)));
        assert_eq!(
            drained(&mut c),
            vec![
                (addr(1), with_time(PEER, 5, &reliable(3))),
                (
                    addr(1),
                    with_time(PEER, 6, &[ack(1), reliable(4), reliable(5)].concat())
                ),
            ]
        );
        assert!(only_acknowledgements(&[ack(1), ack(2)].concat()));
        assert!(!only_acknowledgements(&[ack(1), reliable(2)].concat()));
        assert!(!only_acknowledgements(&[]));
    }

    #[test]
    fn the_later_sent_time_wins_and_order_is_kept() {
        let mut c = Coalescer::default();
        c.push(addr(1), &with_time(PEER, 10, b"a"));
        c.push(addr(1), &with_time(PEER, 11, b"b"));
        c.push(addr(1), &without_time(PEER, b"c"));
        assert_eq!(
            drained(&mut c),
            vec![(addr(1), with_time(PEER, 11, b"abc"))]
        );
    }

    #[test]
    fn different_destinations_peers_or_sessions_stay_apart() {
        let mut c = Coalescer::default();
        c.push(addr(1), &without_time(PEER, b"a"));
        c.push(addr(2), &without_time(PEER, b"b"));
        // Another peer id on the same address (a client group), then another session.
        c.push(addr(1), &without_time(0x1006, b"c"));
        c.push(addr(1), &without_time(0x2006, b"d"));
        // Each peer's datagrams still merge with its own.
        c.push(addr(1), &without_time(PEER, b"e"));
        c.push(addr(1), &without_time(0x1006, b"f"));
        assert_eq!(
            drained(&mut c),
            vec![
                (addr(1), without_time(PEER, b"ae")),
                (addr(2), without_time(PEER, b"b")),
                (addr(1), without_time(0x1006, b"cf")),
                (addr(1), without_time(0x2006, b"d")),
            ]
        );
    }

    #[test]
    fn compressed_short_and_oversized_datagrams_are_not_merged() {
        let mut c = Coalescer::default();
        let compressed = without_time(PEER | FLAG_COMPRESSED, b"zz");
        c.push(addr(1), &without_time(PEER, b"a"));
        c.push(addr(1), &compressed);
        c.push(addr(1), &[0x10]);
        let big = without_time(PEER, &[0; MERGED_MTU - 2]);
        c.push(addr(1), &big);
        c.push(addr(1), &without_time(PEER, b"b"));
        c.push(addr(1), &without_time(PEER, b"c"));
        let out = drained(&mut c);
        assert_eq!(out.len(), 5, "{out:?}");
        assert_eq!(
            out[4].1,
            without_time(PEER, b"bc"),
            "merged after the big one"
        );
        assert_eq!(out[1].1, compressed);
        assert_eq!(out[2].1, vec![0x10]);
        assert_eq!(out[3].1, big);
    }

    #[test]
    fn only_datagrams_without_a_peer_id_are_connection_requests() {
        assert!(is_connection_request(&[0x8F, 0xFF, 0x82, 0xFF]));
        assert!(is_connection_request(&[0x0F, 0xFF]));
        assert!(!is_connection_request(&[0x80, 0x05, 0x86, 0x00]));
        assert!(!is_connection_request(&[0x0F]));
    }

    #[test]
    fn connection_requests_are_never_merged() {
        let mut c = Coalescer::default();
        let connect = with_time(NO_PEER_ID, 1, b"connect");
        c.push(addr(1), &connect);
        c.push(addr(1), &connect);
        assert_eq!(drained(&mut c).len(), 2);
    }

    #[test]
    fn buffers_are_reused_after_a_drain() {
        let mut c = Coalescer::default();
        for round in 0..3u8 {
            c.push(addr(1), &without_time(PEER, &ack(round)));
            c.push(addr(1), &with_time(PEER, 1, &reliable(round)));
            assert_eq!(
                drained(&mut c),
                vec![(
                    addr(1),
                    with_time(PEER, 1, &[ack(round), reliable(round)].concat())
                )]
            );
        }
    }
}
