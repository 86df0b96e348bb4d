//! A loss and delay relay of our own on 127.0.0.1 for `netscene bench --loss/--latency/--jitter`:
//! clients connect to the relay, the relay to the server, and every packet (UDP, for ENet) or
//! chunk of stream (TCP, for WebSocket) is held for `latency ± jitter` and, for UDP, dropped
//! with probability `loss`, each direction on its own. No privileges needed, unlike `tc netem`.
//!
//! TCP cannot lose bytes: a "lost" chunk is delivered late instead, as TCP would after a
//! retransmission timeout (Linux's minimum RTO, 200 ms, plus the latency again), holding back
//! what follows it. UDP datagrams keep their own delays, so jitter reorders them, as on a real
//! path.

use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::enet_watch::EnetWatch;

/// What the relay does to traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Impairment {
    /// Probability that a datagram (or TCP chunk, see the module docs) is lost, 0..=1.
    pub loss: f64,
    /// One-way delay added to every packet, each direction.
    pub latency: Duration,
    /// Uniform variation of the delay: `latency - jitter ..= latency + jitter`.
    pub jitter: Duration,
}

impl Impairment {
    /// Whether the relay would change anything.
    pub fn is_active(&self) -> bool {
        self.loss > 0.0 || !self.latency.is_zero() || !self.jitter.is_zero()
    }
}

/// Linux's minimum TCP retransmission timeout: what a lost TCP chunk costs on top of the
/// latency.
const TCP_RETRANSMISSION: Duration = Duration::from_millis(200);
/// Largest UDP datagram.
const MAX_DATAGRAM: usize = 65_536;

/// SplitMix64: enough randomness for loss and jitter, reproducible from a seed.
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..1`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn lost(&mut self, impairment: &Impairment) -> bool {
        impairment.loss > 0.0 && self.unit() < impairment.loss
    }

    fn delay(&mut self, impairment: &Impairment) -> Duration {
        let jitter = impairment.jitter.as_secs_f64();
        let offset = (self.unit() * 2.0 - 1.0) * jitter;
        Duration::from_secs_f64((impairment.latency.as_secs_f64() + offset).max(0.0))
    }
}

/// What the relay did, for the report.
#[derive(Debug, Default)]
pub struct RelayCounters {
    /// Packets (UDP) or chunks (TCP) forwarded.
    pub forwarded: AtomicU64,
    /// UDP datagrams dropped; TCP chunks delayed by a simulated retransmission.
    pub lost: AtomicU64,
    /// UDP: what the drops did to each client's reliable ENet commands.
    pub enet: Mutex<EnetWatch>,
}

/// A running relay; stops (and its thread ends) when dropped.
pub struct Relay {
    /// Where clients connect instead of the server.
    pub local_addr: SocketAddr,
    /// What it did so far.
    pub counters: Arc<RelayCounters>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A datagram waiting for its delivery time (earliest first in the heap).
struct Delayed {
    due: Instant,
    order: u64,
    /// The client the datagram comes from (to the server) or goes to (`to_client`).
    client: SocketAddr,
    to_client: bool,
    data: Vec<u8>,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.order) == (other.due, other.order)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Reversed: BinaryHeap is a max-heap.
        (other.due, other.order).cmp(&(self.due, self.order))
    }
}

/// Starts a UDP relay on 127.0.0.1 in front of `server` (ENet).
pub fn start_udp(server: SocketAddr, impairment: Impairment, seed: u64) -> Result<Relay, String> {
    let front = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("relay socket: {e}"))?;
    front
        .set_nonblocking(true)
        .map_err(|e| format!("relay socket: {e}"))?;
    enlarge_buffers(&front);
    let local_addr = front.local_addr().map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(RelayCounters::default());
    let (thread_stop, thread_counters) = (stop.clone(), counters.clone());
    let thread = thread::Builder::new()
        .name("netem-udp".into())
        .spawn(move || {
            run_udp(
                front,
                server,
                impairment,
                seed,
                &thread_stop,
                &thread_counters,
            )
        })
        .map_err(|e| format!("relay thread: {e}"))?;
    Ok(Relay {
        local_addr,
        counters,
        stop,
        thread: Some(thread),
    })
}

/// The relay's front socket carries every client's datagrams: with the system's default
/// buffer it overflowed under 200 bots (the loss was the relay's, not the impairment's).
fn enlarge_buffers(socket: &UdpSocket) {
    let socket = socket2::SockRef::from(socket);
    if let Err(error) = socket
        .set_recv_buffer_size(crate::transport::SERVER_SOCKET_BUFFER)
        .and_then(|()| socket.set_send_buffer_size(crate::transport::SERVER_SOCKET_BUFFER))
    {
        tracing::debug!(%error, "relay socket buffers");
    }
}

fn run_udp(
    front: UdpSocket,
    server: SocketAddr,
    impairment: Impairment,
    seed: u64,
    stop: &AtomicBool,
    counters: &RelayCounters,
) {
    let mut rng = Rng::new(seed);
    // One socket towards the server per client address, as NAT would.
    let mut upstream: HashMap<SocketAddr, UdpSocket> = HashMap::new();
    let mut queue: BinaryHeap<Delayed> = BinaryHeap::new();
    let mut order = 0u64;
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while !stop.load(Ordering::Relaxed) {
        let mut busy = false;
        let now = Instant::now();
        let mut schedule = |client: SocketAddr, to_client: bool, data: &[u8], rng: &mut Rng| {
            let lost = rng.lost(&impairment);
            counters
                .enet
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .observe(client, to_client, lost, data);
            if lost {
                counters.lost.fetch_add(1, Ordering::Relaxed);
                return;
            }
            order += 1;
            queue.push(Delayed {
                due: now + rng.delay(&impairment),
                order,
                client,
                to_client,
                data: data.to_vec(),
            });
        };
        while let Ok((len, client)) = front.recv_from(&mut buf) {
            busy = true;
            if let std::collections::hash_map::Entry::Vacant(entry) = upstream.entry(client) {
                let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else {
                    continue;
                };
                if socket.connect(server).is_err() || socket.set_nonblocking(true).is_err() {
                    continue;
                }
                enlarge_buffers(&socket);
                entry.insert(socket);
            }
            schedule(client, false, &buf[..len], &mut rng);
        }
        for (client, socket) in &upstream {
            while let Ok(len) = socket.recv(&mut buf) {
                busy = true;
                schedule(*client, true, &buf[..len], &mut rng);
            }
        }
        let now = Instant::now();
        while queue.peek().is_some_and(|d| d.due <= now) {
            let Some(packet) = queue.pop() else { break };
            let sent = if packet.to_client {
                front.send_to(&packet.data, packet.client).is_ok()
            } else {
                upstream
                    .get(&packet.client)
                    .is_some_and(|s| s.send(&packet.data).is_ok())
            };
            if sent {
                counters.forwarded.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !busy {
            thread::sleep(Duration::from_micros(500));
        }
    }
}

/// Bytes read from one side of a TCP connection, due at the other side at `due`.
struct Chunk {
    due: Instant,
    data: Vec<u8>,
    written: usize,
}

/// One direction of a relayed TCP connection.
struct Pipe {
    queue: VecDeque<Chunk>,
    /// Latest delivery time so far: chunks never overtake each other on a stream.
    last_due: Option<Instant>,
    closed: bool,
}

impl Pipe {
    fn new() -> Self {
        Self {
            queue: VecDeque::new(),
            last_due: None,
            closed: false,
        }
    }

    /// Reads what `from` has; false once it is closed.
    fn read(
        &mut self,
        from: &mut TcpStream,
        buf: &mut [u8],
        impairment: &Impairment,
        rng: &mut Rng,
        counters: &RelayCounters,
    ) -> bool {
        loop {
            match from.read(buf) {
                Ok(0) => {
                    self.closed = true;
                    return false;
                }
                Ok(len) => {
                    let now = Instant::now();
                    let mut due = now + rng.delay(impairment);
                    if rng.lost(impairment) {
                        counters.lost.fetch_add(1, Ordering::Relaxed);
                        due += TCP_RETRANSMISSION + impairment.latency;
                    }
                    let due = self.last_due.map_or(due, |last| due.max(last));
                    self.last_due = Some(due);
                    self.queue.push_back(Chunk {
                        due,
                        data: buf[..len].to_vec(),
                        written: 0,
                    });
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.closed = true;
                    return false;
                }
            }
        }
    }

    /// Writes the chunks that are due to `to`; false if `to` failed.
    fn write(&mut self, to: &mut TcpStream, counters: &RelayCounters) -> bool {
        let now = Instant::now();
        while let Some(chunk) = self.queue.front_mut() {
            if chunk.due > now {
                return true;
            }
            match to.write(&chunk.data[chunk.written..]) {
                Ok(n) => {
                    chunk.written += n;
                    if chunk.written == chunk.data.len() {
                        self.queue.pop_front();
                        counters.forwarded.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }
}

struct TcpPair {
    client: TcpStream,
    server: TcpStream,
    up: Pipe,
    down: Pipe,
}

/// Starts a TCP relay on 127.0.0.1 in front of `server` (WebSocket).
pub fn start_tcp(server: SocketAddr, impairment: Impairment, seed: u64) -> Result<Relay, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("relay socket: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("relay socket: {e}"))?;
    let local_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let counters = Arc::new(RelayCounters::default());
    let (thread_stop, thread_counters) = (stop.clone(), counters.clone());
    let thread = thread::Builder::new()
        .name("netem-tcp".into())
        .spawn(move || {
            run_tcp(
                listener,
                server,
                impairment,
                seed,
                &thread_stop,
                &thread_counters,
            )
        })
        .map_err(|e| format!("relay thread: {e}"))?;
    Ok(Relay {
        local_addr,
        counters,
        stop,
        thread: Some(thread),
    })
}

fn run_tcp(
    listener: TcpListener,
    server: SocketAddr,
    impairment: Impairment,
    seed: u64,
    stop: &AtomicBool,
    counters: &RelayCounters,
) {
    let mut rng = Rng::new(seed);
    let mut pairs: Vec<TcpPair> = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::Relaxed) {
        while let Ok((client, _)) = listener.accept() {
            let Ok(upstream) = TcpStream::connect_timeout(&server, Duration::from_secs(2)) else {
                continue;
            };
            if client.set_nonblocking(true).is_err() || upstream.set_nonblocking(true).is_err() {
                continue;
            }
            let _ = client.set_nodelay(true);
            let _ = upstream.set_nodelay(true);
            pairs.push(TcpPair {
                client,
                server: upstream,
                up: Pipe::new(),
                down: Pipe::new(),
            });
        }
        pairs.retain_mut(|pair| {
            let TcpPair {
                client,
                server,
                up,
                down,
            } = pair;
            if !up.closed {
                up.read(client, &mut buf, &impairment, &mut rng, counters);
            }
            if !down.closed {
                down.read(server, &mut buf, &impairment, &mut rng, counters);
            }
            let alive = up.write(server, counters) && down.write(client, counters);
            let drained = up.queue.is_empty() && down.queue.is_empty();
            alive && !((up.closed || down.closed) && drained)
        });
        thread::sleep(Duration::from_micros(500));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_relay_delays_and_drops_as_configured() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        server
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let impairment = Impairment {
            loss: 0.2,
            latency: Duration::from_millis(40),
            jitter: Duration::from_millis(10),
        };
        let relay = start_udp(server.local_addr().unwrap(), impairment, 7).unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        let start = Instant::now();
        for i in 0..500u32 {
            client.send_to(&i.to_le_bytes(), relay.local_addr).unwrap();
            if i % 20 == 19 {
                // Paced, so the kernel's socket buffers (not the relay) never drop any.
                thread::sleep(Duration::from_millis(1));
            }
        }
        // Read until the relay has decided every datagram and each forwarded one arrived; a
        // quiet gap on a busy machine is not the end (a fixed read timeout was flaky).
        let mut received = 0u64;
        let mut first = None;
        let mut buf = [0u8; 16];
        let counters = &relay.counters;
        let decided =
            || counters.forwarded.load(Ordering::Relaxed) + counters.lost.load(Ordering::Relaxed);
        while decided() < 500 || received < counters.forwarded.load(Ordering::Relaxed) {
            assert!(start.elapsed() < Duration::from_secs(30), "relay stalled");
            if let Ok((len, _)) = server.recv_from(&mut buf) {
                assert_eq!(len, 4);
                first.get_or_insert_with(|| start.elapsed());
                received += 1;
            }
        }
        let first = first.expect("packets arrive");
        assert!(first >= Duration::from_millis(29), "{first:?}");
        assert!(
            (340..=460).contains(&received),
            "{received} of 500 with 20 % loss"
        );
        assert_eq!(relay.counters.lost.load(Ordering::Relaxed), 500 - received);
    }

    #[test]
    fn tcp_relay_keeps_the_stream_whole_and_late() {
        let server = TcpListener::bind("127.0.0.1:0").unwrap();
        let impairment = Impairment {
            loss: 0.3,
            latency: Duration::from_millis(30),
            jitter: Duration::from_millis(20),
        };
        let relay = start_tcp(server.local_addr().unwrap(), impairment, 9).unwrap();
        let mut client = TcpStream::connect(relay.local_addr).unwrap();
        let (mut accepted, _) = server.accept().unwrap();
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let start = Instant::now();
        let writer = {
            let data = data.clone();
            thread::spawn(move || {
                for chunk in data.chunks(1000) {
                    client.write_all(chunk).unwrap();
                    thread::sleep(Duration::from_micros(100));
                }
                client
            })
        };
        let mut got = vec![0u8; data.len()];
        accepted
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        accepted.read_exact(&mut got[..1]).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(10));
        accepted.read_exact(&mut got[1..]).unwrap();
        assert!(got == data, "bytes arrive whole and in order");
        drop(writer.join().unwrap());
    }
}
