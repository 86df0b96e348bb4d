//! Test-only helper: a C ENet peer (Debian's libenet) that behaves like Godot 4's
//! `ENetMultiplayerPeer` on the wire, run as a child process and driven line by line.
//!
//! The protocol of the child (`c/enet_c_peer.c`): commands on stdin such as
//! `send <target> <user channel> <u|o|r> <hex>`, events on stdout such as
//! `recv <from> <enet channel> <flags> <user channel> <mode> <hex>`. Tests script it with
//! arbitrary bytes, so higher layers (SceneMultiplayer packets) can use it as well.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// Path of the compiled C peer.
pub const C_PEER_PATH: &str = env!("NETSCENE_ENET_C_PEER");

/// CPU time the calling thread has used, in nanoseconds (the kernel's `sum_exec_runtime`
/// from `/proc/thread-self/schedstat`, the clock C's `CLOCK_THREAD_CPUTIME_ID` reads), or
/// `None` where that file does not exist.
pub fn thread_cpu_nanos() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A received packet as the C peer reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CReceived {
    /// Sender id (the client's id on the server, 1 on a client).
    pub from: i32,
    /// ENet channel it arrived on.
    pub enet_channel: u8,
    /// ENet packet flags as received.
    pub flags: u32,
    /// User channel per Godot's rule (`ch − 1` from 2 on, else 0).
    pub user_channel: i32,
    /// Godot's transfer mode value: 0 unreliable, 1 unreliable ordered, 2 reliable.
    pub mode: u8,
    /// Payload.
    pub data: Vec<u8>,
}

/// One line the C peer printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CEvent {
    /// `listening <port>` (server mode).
    Listening(u16),
    /// `ready` (bench mode).
    Ready,
    /// `connected <id>`.
    Connected(i32),
    /// `refused <data>`: a CONNECT whose data was not an acceptable id.
    Refused(u32),
    /// `disconnected <id>`.
    Disconnected(i32),
    /// `recv ...`.
    Received(CReceived),
    /// `bench <mode> <count> <ns> <received> <cpu ns>`.
    Bench {
        /// Nanoseconds the round took.
        nanos: u64,
        /// Packets that arrived.
        received: u64,
        /// CPU time the C program's thread used in the round, in nanoseconds.
        cpu_nanos: u64,
    },
    /// Anything else (`error ...`).
    Other(String),
}

/// A running C ENet peer.
pub struct CPeer {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
}

impl CPeer {
    /// `enet_c_peer server <port>` on 127.0.0.1; returns it with the port it listens on.
    pub fn server(port: u16) -> (Self, u16) {
        Self::server_with(port, None)
    }

    /// Like [`server`](Self::server), compressing with `compression`: `"range"` (ENet's range
    /// coder), `"zlib"` (Godot's COMPRESS_ZLIB over the system's zlib) or `"zstd"` (Godot's
    /// COMPRESS_ZSTD over the system's libzstd).
    pub fn server_with(port: u16, compression: Option<&str>) -> (Self, u16) {
        let mut peer = Self::spawn(&["server", &port.to_string()], compression, false);
        match peer.next_event(Duration::from_secs(10)) {
            Some(CEvent::Listening(port)) => (peer, port),
            other => panic!("C server did not start: {other:?}"),
        }
    }

    /// `enet_c_peer client <host> <port> <id> [<user channels>]`, with ENet's default timeouts.
    pub fn client(host: &str, port: u16, id: u32, user_channels: Option<usize>) -> Self {
        Self::client_with(host, port, id, user_channels, false)
    }

    /// Like [`client`](Self::client); `short_timeouts` makes it give up on an unanswering
    /// server within about 2 s (for clients a server is expected to drop).
    pub fn client_with(
        host: &str,
        port: u16,
        id: u32,
        user_channels: Option<usize>,
        short_timeouts: bool,
    ) -> Self {
        let mut args = vec![
            "client".to_string(),
            host.to_string(),
            port.to_string(),
            id.to_string(),
        ];
        if let Some(channels) = user_channels {
            args.push(channels.to_string());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Self::spawn(&args, None, short_timeouts)
    }

    /// Like [`client`](Self::client) with ENet's default channel count, compressing with
    /// `compression` (as [`server_with`](Self::server_with)).
    pub fn client_compressed(host: &str, port: u16, id: u32, compression: &str) -> Self {
        let port = port.to_string();
        let id = id.to_string();
        Self::spawn(&["client", host, &port, &id], Some(compression), false)
    }

    /// `enet_c_peer bench`, waiting until its C client and server are connected.
    pub fn bench() -> Self {
        let mut peer = Self::spawn(&["bench"], None, false);
        match peer.next_event(Duration::from_secs(15)) {
            Some(CEvent::Ready) => peer,
            other => panic!("C bench did not start: {other:?}"),
        }
    }

    fn spawn(args: &[&str], compression: Option<&str>, short_timeouts: bool) -> Self {
        let mut child = Command::new(C_PEER_PATH)
            .args(args)
            .env("NETSCENE_ENET_C_COMPRESSION", compression.unwrap_or("none"))
            .env(
                "NETSCENE_ENET_C_SHORT_TIMEOUTS",
                if short_timeouts { "1" } else { "0" },
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the C ENet peer");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
        }
    }

    /// Sends one command line.
    pub fn command(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("writing to the C peer");
        self.stdin.flush().expect("flushing to the C peer");
    }

    /// `send <target> <channel> <mode> <hex>` with Godot's mode letters (0 u, 1 o, 2 r).
    pub fn send(&mut self, target: i32, user_channel: i32, mode: u8, data: &[u8]) {
        let letter = match mode {
            0 => 'u',
            1 => 'o',
            _ => 'r',
        };
        self.command(&format!(
            "send {target} {user_channel} {letter} {}",
            hex(data)
        ));
    }

    /// The next event, waiting at most `timeout`.
    pub fn next_event(&mut self, timeout: Duration) -> Option<CEvent> {
        match self.lines.recv_timeout(timeout) {
            Ok(line) => Some(parse_event(&line)),
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// An event already printed, without waiting.
    pub fn try_event(&mut self) -> Option<CEvent> {
        self.lines.try_recv().ok().map(|line| parse_event(&line))
    }

    /// Waits for an event matching `wanted` while calling `between` (e.g. polling the Rust
    /// side) about every millisecond; other events are collected into `skipped`.
    pub fn wait_for(
        &mut self,
        deadline: Duration,
        skipped: &mut Vec<CEvent>,
        mut between: impl FnMut(),
        mut wanted: impl FnMut(&CEvent) -> bool,
    ) -> Option<CEvent> {
        let end = Instant::now() + deadline;
        while Instant::now() < end {
            between();
            while let Some(event) = self.try_event() {
                if wanted(&event) {
                    return Some(event);
                }
                skipped.push(event);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }

    /// Asks the peer to quit (disconnecting everyone) and waits for it.
    pub fn quit(mut self) {
        self.command("quit");
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for CPeer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Lower-case hex, `-` for the empty packet (the C peer's format).
pub fn hex(data: &[u8]) -> String {
    if data.is_empty() {
        return "-".into();
    }
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text == "-" {
        return Some(Vec::new());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parse_event(line: &str) -> CEvent {
    let words: Vec<&str> = line.split_whitespace().collect();
    let parsed = match words.as_slice() {
        ["listening", port] => port.parse().ok().map(CEvent::Listening),
        ["ready"] => Some(CEvent::Ready),
        ["connected", id] => id.parse().ok().map(CEvent::Connected),
        ["refused", data] => data.parse().ok().map(CEvent::Refused),
        ["disconnected", id] => id.parse().ok().map(CEvent::Disconnected),
        ["recv", from, channel, flags, user_channel, mode, data] => (|| {
            Some(CEvent::Received(CReceived {
                from: from.parse().ok()?,
                enet_channel: channel.parse().ok()?,
                flags: flags.parse().ok()?,
                user_channel: user_channel.parse().ok()?,
                mode: mode.parse().ok()?,
                data: unhex(data)?,
            }))
        })(),
        ["bench", _, _, nanos, received, cpu_nanos] => (|| {
            Some(CEvent::Bench {
                nanos: nanos.parse().ok()?,
                received: received.parse().ok()?,
                cpu_nanos: cpu_nanos.parse().ok()?,
            })
        })(),
        _ => None,
    };
    parsed.unwrap_or_else(|| CEvent::Other(line.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lines_parse() {
        assert_eq!(parse_event("listening 4242"), CEvent::Listening(4242));
        assert_eq!(
            parse_event("recv 7 2 1 1 2 00ff"),
            CEvent::Received(CReceived {
                from: 7,
                enet_channel: 2,
                flags: 1,
                user_channel: 1,
                mode: 2,
                data: vec![0, 255],
            })
        );
        assert_eq!(hex(&[1, 0xab]), "01ab");
        assert_eq!(unhex("-"), Some(vec![]));
        assert!(matches!(parse_event("error x"), CEvent::Other(_)));
        assert_eq!(
            parse_event("bench r 10 2000 10 1500"),
            CEvent::Bench {
                nanos: 2000,
                received: 10,
                cpu_nanos: 1500
            }
        );
    }
}
