//! One open WebSocket connection: Godot's send limits, bounded receive, close handling.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use netscene::peer::{Packet, PeerId, PeerStatistics, PeerTraffic, TransferMode};
use tungstenite::protocol::CloseFrame;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Bytes, Error as WsError, Message, WebSocket};

use crate::settings::Settings;
use crate::stream::NetStream;

/// Why sending on a connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SendError {
    /// Godot's `ERR_OUT_OF_MEMORY`: too many messages or bytes wait unsent.
    QueueFull,
    /// The connection is broken or closing; it is dropped at the next poll.
    Closed(String),
}

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ended {
    /// The remote sent a close frame or closed the stream.
    ByRemote,
    /// A protocol, size or I/O error; the text is for the log.
    Error(String),
}

fn would_block(error: &WsError) -> bool {
    matches!(error, WsError::Io(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// An open WebSocket with Godot's queue accounting.
pub(crate) struct Connection {
    ws: WebSocket<NetStream>,
    addr: Option<SocketAddr>,
    /// Messages written that may still sit in the write buffer (0 after a complete flush).
    unflushed_messages: usize,
    /// Received messages of this connection still in the peer's receive queue, and their bytes:
    /// reading stops while either reaches its limit (TCP then slows the sender down).
    waiting_packets: usize,
    waiting_bytes: usize,
    /// Set once a close frame was sent by us (Godot's `STATE_CLOSING`).
    closing: bool,
    /// Payload traffic, for `peer_statistics`.
    traffic: PeerTraffic,
    /// Round-trip time of the last answered ping.
    rtt: Option<Duration>,
    /// The ping awaiting its pong: its payload and when it left.
    ping_in_flight: Option<(u64, Instant)>,
    /// When the last ping left.
    last_ping: Option<Instant>,
    /// Payload of the next ping (pongs echo it, so a stale pong is not mistaken for the last).
    next_ping: u64,
    /// The socket may hold unread bytes (or TLS may hold decrypted ones): set by a readiness
    /// event, cleared only when a read returns `WouldBlock`. Readiness is edge-triggered, so a
    /// receive that stops early (queue full, read bound) must be resumed without a new event.
    readable: bool,
    /// Something was written since the last complete flush (messages, pings, pongs, close).
    needs_flush: bool,
    /// In the server's list of connections to visit at the next poll.
    scheduled: bool,
}

impl Connection {
    pub(crate) fn new(ws: WebSocket<NetStream>) -> Self {
        let addr = ws.get_ref().peer_addr();
        Self {
            ws,
            addr,
            unflushed_messages: 0,
            waiting_packets: 0,
            waiting_bytes: 0,
            closing: false,
            traffic: PeerTraffic::default(),
            rtt: None,
            ping_in_flight: None,
            last_ping: None,
            next_ping: 0,
            // Bytes may have arrived with the handshake, before the stream was watched.
            readable: true,
            needs_flush: true,
            scheduled: false,
        }
    }

    /// Round-trip time and payload traffic (TCP loses nothing: no packet loss).
    pub(crate) fn statistics(&self) -> PeerStatistics {
        let mut statistics = self.traffic.statistics();
        statistics.round_trip_time = self.rtt;
        statistics
    }

    /// Sends a round-trip ping when `interval` has passed since the last one and no answer is
    /// awaited (a ping unanswered for ten intervals is given up). Browsers and Godot answer
    /// pings by themselves (RFC 6455 5.5.2). True when a ping was written (flush it).
    pub(crate) fn ping_if_due(&mut self, interval: Duration, now: Instant) -> bool {
        if self.closing {
            return false;
        }
        if let Some((_, sent)) = self.ping_in_flight {
            if now.duration_since(sent) < interval.saturating_mul(10) {
                return false;
            }
            self.ping_in_flight = None;
        }
        if self
            .last_ping
            .is_some_and(|last| now.duration_since(last) < interval)
        {
            return false;
        }
        let nonce = self.next_ping;
        self.next_ping = self.next_ping.wrapping_add(1);
        let payload = Bytes::copy_from_slice(&nonce.to_be_bytes());
        self.needs_flush = true;
        match self.ws.write(Message::Ping(payload)) {
            Ok(()) => {}
            Err(e) if would_block(&e) => {}
            // A broken connection shows at the next read or flush.
            Err(_) => return true,
        }
        self.ping_in_flight = Some((nonce, now));
        self.last_ping = Some(now);
        true
    }

    /// A readiness event arrived: the socket has bytes (or news: end of stream, an error).
    pub(crate) fn mark_readable(&mut self) {
        self.readable = true;
    }

    /// Whether a read may find something (see the field).
    pub(crate) fn is_readable(&self) -> bool {
        self.readable
    }

    /// Whether written bytes may wait in a buffer.
    pub(crate) fn needs_flush(&self) -> bool {
        self.needs_flush
    }

    /// Whether a poll must visit this connection again.
    pub(crate) fn has_work(&self) -> bool {
        self.readable || self.needs_flush || self.closing
    }

    /// Marks the connection as listed for the next poll; false if it already was.
    pub(crate) fn schedule(&mut self) -> bool {
        !std::mem::replace(&mut self.scheduled, true)
    }

    /// The poll took the connection off its list.
    pub(crate) fn unschedule(&mut self) {
        self.scheduled = false;
    }

    fn pong_received(&mut self, payload: &[u8]) {
        if let Some((nonce, sent)) = self.ping_in_flight
            && payload == nonce.to_be_bytes()
        {
            self.rtt = Some(sent.elapsed());
            self.ping_in_flight = None;
        }
    }

    /// The remote address (Godot's `get_peer_address` / `get_peer_port`).
    pub(crate) fn addr(&self) -> Option<SocketAddr> {
        self.addr
    }

    /// True once we started closing (the peer then leaves at the next poll).
    pub(crate) fn is_closing(&self) -> bool {
        self.closing
    }

    /// Queues one binary message and writes what the socket takes now (Godot writes at once).
    pub(crate) fn send(&mut self, payload: Bytes, settings: &Settings) -> Result<(), SendError> {
        let len = payload.len();
        self.send_uncounted(payload, settings)?;
        self.traffic.record_sent(len);
        Ok(())
    }

    /// [`send`](Self::send) for the transport's own messages (the id message), which are not
    /// application traffic.
    pub(crate) fn send_uncounted(
        &mut self,
        payload: Bytes,
        settings: &Settings,
    ) -> Result<(), SendError> {
        if self.closing {
            return Err(SendError::Closed("connection is closing".into()));
        }
        if self.unflushed_messages >= settings.max_queued_packets {
            return Err(SendError::QueueFull);
        }
        self.needs_flush = true;
        match self.ws.write(Message::Binary(payload)) {
            Ok(()) => {
                self.unflushed_messages = 0;
                Ok(())
            }
            // The frame is buffered; the rest goes out at a later write or poll.
            Err(e) if would_block(&e) => {
                self.unflushed_messages += 1;
                Ok(())
            }
            Err(WsError::WriteBufferFull(_)) => Err(SendError::QueueFull),
            Err(e) => Err(SendError::Closed(e.to_string())),
        }
    }

    /// Writes buffered messages (and automatic pong/close replies) to the socket.
    pub(crate) fn flush(&mut self) -> Result<(), Ended> {
        match self.ws.flush() {
            Ok(()) => {
                self.unflushed_messages = 0;
                self.needs_flush = false;
                Ok(())
            }
            Err(e) if would_block(&e) => Ok(()),
            Err(WsError::ConnectionClosed) | Err(WsError::AlreadyClosed) => Err(Ended::ByRemote),
            Err(e) => Err(Ended::Error(e.to_string())),
        }
    }

    /// Sends a ping if one is due, then [`read_messages`](Self::read_messages) (a client's
    /// poll: one connection, read every time).
    pub(crate) fn receive(
        &mut self,
        from: PeerId,
        settings: &Settings,
        queue: &mut VecDeque<Packet>,
    ) -> Result<(), Ended> {
        if let Some(interval) = settings.rtt_ping_interval {
            self.ping_if_due(interval, Instant::now());
        }
        self.read_messages(from, settings, queue)
    }

    /// Moves every complete message into `queue` as packets from `from`, until the socket has
    /// no more or this connection's share of the queue is full. Text messages count as
    /// packets too (Godot's peer does not tell them apart); pings are answered by tungstenite.
    pub(crate) fn read_messages(
        &mut self,
        from: PeerId,
        settings: &Settings,
        queue: &mut VecDeque<Packet>,
    ) -> Result<(), Ended> {
        let result = self.read_until_blocked(from, settings, queue);
        // TLS may have queued records while reading (alerts, session tickets, key updates).
        if self.ws.get_ref().wants_write() {
            self.needs_flush = true;
        }
        result
    }

    fn read_until_blocked(
        &mut self,
        from: PeerId,
        settings: &Settings,
        queue: &mut VecDeque<Packet>,
    ) -> Result<(), Ended> {
        // Control frames do not fill the queue: bound the reads of one poll as well, so a peer
        // flooding pings cannot keep `poll()` busy.
        for _ in 0..settings.max_queued_packets.saturating_mul(2).max(16) {
            if self.waiting_packets >= settings.max_queued_packets
                || self.waiting_bytes >= settings.inbound_buffer_size
            {
                return Ok(());
            }
            let data: Vec<u8> = match self.ws.read() {
                Ok(Message::Binary(bytes)) => bytes.into(),
                Ok(Message::Text(text)) => text.as_str().as_bytes().to_vec(),
                Ok(Message::Close(_)) => {
                    // tungstenite queued the close reply; send it if the socket takes it.
                    let _ = self.ws.flush();
                    return Err(Ended::ByRemote);
                }
                Ok(Message::Pong(payload)) => {
                    self.pong_received(&payload);
                    continue;
                }
                Ok(Message::Ping(_)) => {
                    // tungstenite queued the pong; it leaves at the next read or flush.
                    self.needs_flush = true;
                    continue;
                }
                Ok(Message::Frame(_)) => continue,
                Err(e) if would_block(&e) => {
                    self.readable = false;
                    return Ok(());
                }
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => {
                    return Err(Ended::ByRemote);
                }
                Err(e) => return Err(self.fail(e)),
            };
            self.waiting_packets += 1;
            self.waiting_bytes += data.len();
            queue.push_back(Packet {
                from,
                channel: 0,
                mode: TransferMode::Reliable,
                data,
            });
        }
        Ok(())
    }

    /// Tells the connection that one of its packets left the receive queue.
    pub(crate) fn packet_taken(&mut self, len: usize) {
        self.traffic.record_received(len);
        self.message_taken(len);
    }

    /// [`packet_taken`](Self::packet_taken) for the transport's own messages (the id message),
    /// which are not application traffic.
    pub(crate) fn message_taken(&mut self, len: usize) {
        self.waiting_packets = self.waiting_packets.saturating_sub(1);
        self.waiting_bytes = self.waiting_bytes.saturating_sub(len);
    }

    /// Sends a close frame (code 1000) once; the connection then only drains.
    pub(crate) fn start_close(&mut self) {
        if !self.closing {
            self.closing = true;
            self.needs_flush = true;
            let _ = self.ws.close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }));
        }
    }

    /// Answers a bad peer as wslay does (close frame with the matching code), then gives up.
    fn fail(&mut self, error: WsError) -> Ended {
        let code = match &error {
            WsError::Capacity(_) => Some(CloseCode::Size),
            WsError::Protocol(_) => Some(CloseCode::Protocol),
            WsError::Utf8(_) => Some(CloseCode::Invalid),
            _ => None,
        };
        if let Some(code) = code {
            self.needs_flush = true;
            let _ = self.ws.close(Some(CloseFrame {
                code,
                reason: "".into(),
            }));
        }
        Ended::Error(error.to_string())
    }

    /// Drops the TCP connection now.
    pub(crate) fn abort(mut self) {
        self.ws.get_mut().shutdown();
    }

    /// Turns this connection into one that only finishes its close handshake.
    pub(crate) fn into_lingering(mut self, deadline: Instant) -> Lingering {
        self.start_close();
        Lingering {
            connection: self,
            deadline,
        }
    }
}

/// A connection the peer no longer reports, kept only to finish the close handshake politely
/// (bounded by a deadline, then dropped).
pub(crate) struct Lingering {
    connection: Connection,
    deadline: Instant,
}

impl Lingering {
    /// Drains the connection; false once it is finished (closed, failed or past its deadline).
    pub(crate) fn poll(&mut self, now: Instant) -> bool {
        if now >= self.deadline {
            return false;
        }
        if self.connection.flush().is_err() {
            return false;
        }
        for _ in 0..64 {
            match self.connection.ws.read() {
                Ok(_) => continue,
                Err(e) if would_block(&e) => return true,
                Err(_) => return false,
            }
        }
        true
    }
}
