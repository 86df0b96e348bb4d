//! What the loss relay did to each reliable ENet command: the longest run of sends of one
//! command that failed in a row, per client. A send fails when the relay drops it, or when it
//! arrives and the relay drops its acknowledgement.
//!
//! ENet gives up on a peer when one reliable command failed too often: with the default
//! timeout (`set_timeout(32, 5000, 30000)`, Godot's too) a command's sixth unacknowledged
//! send ends the connection, once 5 s passed. At 5 % loss each way a send fails with
//! probability 1 − 0.95² ≈ 9.75 %, so six in a row happen about once in a million reliable
//! commands: a long soak sees a few such disconnections. The soak tells them apart from a
//! broken session that no run of drops explains, which would be a bug.

use std::collections::HashMap;
use std::net::SocketAddr;

/// Sends of one reliable command that ENet's default timeout allows to fail: the sixth
/// failure disconnects (its retransmission timeout has doubled five times, reaching the
/// timeout limit of 32 round trips).
pub const DEFAULT_TIMEOUT_SENDS: u32 = 6;

const FLAG_SENT_TIME: u16 = 1 << 15;
const FLAG_COMPRESSED: u16 = 1 << 14;
const COMMAND_FLAG_ACKNOWLEDGE: u8 = 0x80;
const COMMAND_ACKNOWLEDGE: u8 = 1;
const COMMAND_CONNECT: u8 = 2;

/// Bytes of an ENet command before its payload, by command number, and where its payload
/// length sits (a big-endian u16 at that offset) if it has one; `None` for a number that is
/// not a command.
fn command_layout(number: u8) -> Option<(usize, Option<usize>)> {
    Some(match number {
        1 => (8, None),      // acknowledge
        2 => (48, None),     // connect
        3 => (44, None),     // verify connect
        4 => (8, None),      // disconnect
        5 => (4, None),      // ping
        6 => (6, Some(4)),   // send reliable
        7 => (8, Some(6)),   // send unreliable
        8 => (24, Some(6)),  // send fragment
        9 => (8, Some(6)),   // send unsequenced
        10 => (12, None),    // bandwidth limit
        11 => (16, None),    // throttle configure
        12 => (24, Some(6)), // send unreliable fragment
        _ => return None,
    })
}

/// One reliable command's worst run, where it went and which it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureRun {
    /// Sends of the command that failed in a row.
    pub failed_sends: u32,
    /// Server to client (or client to server).
    pub to_client: bool,
    /// ENet channel (255: ENet's own, e.g. pings).
    pub channel: u8,
    /// Reliable sequence number.
    pub sequence: u16,
}

/// A reliable command in flight: (to client, channel, sequence number).
type CommandKey = (bool, u8, u16);

#[derive(Debug, Default)]
struct Client {
    /// The Godot peer id the client asked for in its CONNECT.
    godot_id: Option<u32>,
    /// Failed sends so far of each reliable command not acknowledged yet.
    failing: HashMap<CommandKey, u32>,
    longest: Option<FailureRun>,
}

/// The relay's view of every client's reliable commands (see the module docs).
#[derive(Debug, Default)]
pub struct EnetWatch {
    clients: HashMap<SocketAddr, Client>,
}

impl EnetWatch {
    /// Takes one datagram the relay forwarded (`dropped`: or dropped) between `client` and
    /// the server. Anything it cannot read (compressed, cut short) is ignored.
    pub fn observe(&mut self, client: SocketAddr, to_client: bool, dropped: bool, datagram: &[u8]) {
        let Some(header) = datagram.get(..2) else {
            return;
        };
        let flags = u16::from_be_bytes([header[0], header[1]]);
        if flags & FLAG_COMPRESSED != 0 {
            return;
        }
        let mut at = if flags & FLAG_SENT_TIME != 0 { 4 } else { 2 };
        while let Some(&[command, channel, seq_hi, seq_lo]) = datagram.get(at..at + 4) {
            let Some((size, length_at)) = command_layout(command & 0x0F) else {
                return;
            };
            let Some(body) = datagram.get(at..at + size) else {
                return;
            };
            let payload = length_at.map_or(0, |i| {
                usize::from(u16::from_be_bytes([body[i], body[i + 1]]))
            });
            let sequence = u16::from_be_bytes([seq_hi, seq_lo]);
            match command & 0x0F {
                COMMAND_CONNECT if !to_client => {
                    // A new connection from this address: its commands start over.
                    let godot_id = u32::from_be_bytes([body[44], body[45], body[46], body[47]]);
                    self.clients.insert(
                        client,
                        Client {
                            godot_id: Some(godot_id),
                            ..Client::default()
                        },
                    );
                }
                COMMAND_ACKNOWLEDGE => {
                    let acknowledged = u16::from_be_bytes([body[4], body[5]]);
                    self.send_result(client, (!to_client, channel, acknowledged), !dropped);
                }
                // A CONNECT is answered by VERIFY_CONNECT, never acknowledged.
                COMMAND_CONNECT => {}
                _ if command & COMMAND_FLAG_ACKNOWLEDGE != 0 => {
                    let key = (to_client, channel, sequence);
                    if dropped {
                        self.send_result(client, key, false);
                    } else {
                        // Delivered: it fails only if its acknowledgement is dropped.
                        self.clients
                            .entry(client)
                            .or_default()
                            .failing
                            .entry(key)
                            .or_insert(0);
                    }
                }
                _ => {}
            }
            at += size + payload;
        }
    }

    /// One send of `key` succeeded (its acknowledgement got through) or failed.
    fn send_result(&mut self, client: SocketAddr, key: CommandKey, succeeded: bool) {
        let entry = self.clients.entry(client).or_default();
        if succeeded {
            entry.failing.remove(&key);
            return;
        }
        let fails = entry.failing.entry(key).or_insert(0);
        *fails += 1;
        if entry.longest.is_none_or(|run| *fails > run.failed_sends) {
            entry.longest = Some(FailureRun {
                failed_sends: *fails,
                to_client: key.0,
                channel: key.1,
                sequence: key.2,
            });
        }
    }

    /// The worst run of failed sends of one reliable command on the last connection of the
    /// client that connected as `godot_id`.
    pub fn longest_failure_run(&self, godot_id: u32) -> Option<FailureRun> {
        self.clients
            .values()
            .find(|c| c.godot_id == Some(godot_id))
            .and_then(|c| c.longest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENT: SocketAddr =
        SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 40_000);

    fn connect(godot_id: u32) -> Vec<u8> {
        let mut d = vec![
            0x0F,
            0xFF,
            COMMAND_CONNECT | COMMAND_FLAG_ACKNOWLEDGE,
            0xFF,
            0,
            1,
        ];
        d.resize(2 + 44, 0);
        d.extend_from_slice(&godot_id.to_be_bytes());
        d
    }

    fn reliable(sequence: u16, payload: &[u8]) -> Vec<u8> {
        let mut d = vec![0x80, 0x00, 0x12, 0x34, 6 | COMMAND_FLAG_ACKNOWLEDGE, 0];
        d.extend_from_slice(&sequence.to_be_bytes());
        d.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        d.extend_from_slice(payload);
        d
    }

    fn ack(sequence: u16) -> Vec<u8> {
        let mut d = vec![0x00, 0x00, COMMAND_ACKNOWLEDGE, 0, 0, 0];
        d.extend_from_slice(&sequence.to_be_bytes());
        d.extend_from_slice(&[0x12, 0x34]);
        d
    }

    #[test]
    fn drops_of_a_command_and_of_its_acknowledgements_count_as_one_run() {
        let mut watch = EnetWatch::default();
        watch.observe(CLIENT, false, false, &connect(77));
        // Server → client, sequence 9: dropped, delivered but the ack dropped, dropped again.
        watch.observe(CLIENT, true, true, &reliable(9, b"tick"));
        watch.observe(CLIENT, true, false, &reliable(9, b"tick"));
        watch.observe(CLIENT, false, true, &ack(9));
        watch.observe(CLIENT, true, true, &reliable(9, b"tick"));
        let run = watch.longest_failure_run(77).expect("a run");
        assert_eq!(
            run,
            FailureRun {
                failed_sends: 3,
                to_client: true,
                channel: 0,
                sequence: 9
            }
        );
        // Delivered and acknowledged: the run ends; a new one starts from zero.
        watch.observe(CLIENT, true, false, &reliable(9, b"tick"));
        watch.observe(CLIENT, false, false, &ack(9));
        watch.observe(CLIENT, true, true, &reliable(9, b"tick"));
        assert_eq!(
            watch.longest_failure_run(77).map(|r| r.failed_sends),
            Some(3)
        );
    }

    #[test]
    fn commands_after_a_payload_are_read_and_unknown_bytes_stop_the_walk() {
        let mut watch = EnetWatch::default();
        watch.observe(CLIENT, false, false, &connect(5));
        let mut two = reliable(1, &[0xAB; 100]);
        two.extend_from_slice(&reliable(2, b"x")[4..]);
        watch.observe(CLIENT, true, true, &two);
        assert_eq!(watch.clients[&CLIENT].failing.len(), 2);
        // A reconnection from the same address starts over.
        watch.observe(CLIENT, false, false, &connect(6));
        assert_eq!(watch.longest_failure_run(5), None);
        assert_eq!(watch.longest_failure_run(6), None);
        watch.observe(CLIENT, true, true, &[0x00, 0x00, 0x0F, 0, 0, 0]);
        watch.observe(CLIENT, true, true, &[0x80]);
        assert!(watch.clients[&CLIENT].failing.is_empty());
    }
}
