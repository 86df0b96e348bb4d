//! The dedicated server's HTTP probe endpoint for orchestrators (Agones, Kubernetes):
//!
//! * `GET /healthz` (liveness): 200 while the game loop polls (its last poll is no older than
//!   the stall threshold) and the transport is open; 503 with the reason otherwise;
//! * `GET /readyz` (readiness): 200 once the transport is bound and while not draining; 503
//!   otherwise;
//! * `GET /metrics`: every [`ServerMetrics`] in the OpenMetrics text format;
//! * `POST /drain`: starts a graceful drain, only with `--http-drain` (403 otherwise).
//!
//! It runs on its own small thread so a slow prober can never stall the game loop, and so a
//! stalled game loop is seen: the loop only stores a heartbeat and flags in [`HealthState`].

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::metrics::ServerMetrics;

/// What the game loop tells the probes.
#[derive(Debug)]
pub struct HealthState {
    started: Instant,
    /// Milliseconds since `started` of the last game-loop poll.
    last_poll_ms: AtomicU64,
    transport_open: AtomicBool,
    ready: AtomicBool,
    draining: AtomicBool,
    drain_requested: AtomicBool,
    http_drain: bool,
    stall_after: Duration,
}

impl HealthState {
    /// A state for a loop that counts as stalled after `stall_after` without a poll;
    /// `http_drain` enables `POST /drain`.
    pub fn new(stall_after: Duration, http_drain: bool) -> Self {
        Self {
            started: Instant::now(),
            last_poll_ms: AtomicU64::new(0),
            transport_open: AtomicBool::new(false),
            ready: AtomicBool::new(false),
            draining: AtomicBool::new(false),
            drain_requested: AtomicBool::new(false),
            http_drain,
            stall_after,
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The game loop polled just now.
    pub fn heartbeat(&self) {
        self.last_poll_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// The transport is listening (or no longer is).
    pub fn set_transport_open(&self, open: bool) {
        self.transport_open.store(open, Ordering::Relaxed);
    }

    /// The server takes players (bound) or not.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Relaxed);
    }

    /// The server is draining.
    pub fn set_draining(&self, draining: bool) {
        self.draining.store(draining, Ordering::Relaxed);
    }

    /// Asks the game loop to drain (what `POST /drain` does).
    pub fn request_drain(&self) {
        self.drain_requested.store(true, Ordering::Relaxed);
    }

    /// True once after [`request_drain`](Self::request_drain).
    pub fn take_drain_request(&self) -> bool {
        self.drain_requested.swap(false, Ordering::Relaxed)
    }

    /// `Ok` while alive, else why not.
    pub fn liveness(&self) -> Result<(), String> {
        if !self.transport_open.load(Ordering::Relaxed) {
            return Err("transport closed".into());
        }
        let silent = self
            .now_ms()
            .saturating_sub(self.last_poll_ms.load(Ordering::Relaxed));
        if silent > self.stall_after.as_millis() as u64 {
            return Err(format!("game loop stalled: no poll for {silent} ms"));
        }
        Ok(())
    }

    /// `Ok` while ready for players, else why not.
    pub fn readiness(&self) -> Result<(), String> {
        if self.draining.load(Ordering::Relaxed) {
            return Err("draining".into());
        }
        if !self.ready.load(Ordering::Relaxed) {
            return Err("not bound yet".into());
        }
        self.liveness()
    }
}

/// A running probe endpoint; stops when dropped.
pub struct HealthServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HealthServer {
    /// Listens on `address` (port 0 picks a free port) and answers probes until dropped.
    pub fn start(
        address: SocketAddr,
        state: Arc<HealthState>,
        metrics: Arc<ServerMetrics>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("health".into())
            .spawn(move || serve(listener, &state, &metrics, &thread_stop))?;
        Ok(Self {
            address,
            stop,
            thread: Some(thread),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }
}

impl Drop for HealthServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(listener: TcpListener, state: &HealthState, metrics: &ServerMetrics, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(error) = answer(stream, state, metrics) {
                    tracing::debug!(%error, "health probe connection failed");
                }
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(error) => {
                tracing::warn!(%error, "health endpoint accept failed");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Largest request head read; probes send a few hundred bytes at most.
const MAX_REQUEST_BYTES: usize = 4096;

const TEXT: &str = "text/plain; charset=utf-8";
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A response: status line, content type, body.
type Response = (&'static str, &'static str, String);

fn probe(result: Result<(), String>) -> Response {
    match result {
        Ok(()) => ("200 OK", TEXT, "ok\n".into()),
        Err(reason) => ("503 Service Unavailable", TEXT, format!("{reason}\n")),
    }
}

/// The response to `method target`.
fn route(method: &str, target: &str, state: &HealthState, metrics: &ServerMetrics) -> Response {
    match (method, target) {
        ("GET" | "HEAD", "/healthz") => probe(state.liveness()),
        ("GET" | "HEAD", "/readyz") => probe(state.readiness()),
        ("GET" | "HEAD", "/metrics") => ("200 OK", OPENMETRICS, metrics.encode()),
        ("POST", "/drain") if state.http_drain => {
            state.request_drain();
            tracing::info!("drain requested over HTTP");
            ("202 Accepted", TEXT, "draining\n".into())
        }
        ("POST", "/drain") => (
            "403 Forbidden",
            TEXT,
            "POST /drain is off (serve --http-drain)\n".into(),
        ),
        (_, "/healthz" | "/readyz" | "/metrics" | "/drain") => (
            "405 Method Not Allowed",
            TEXT,
            "method not allowed\n".into(),
        ),
        _ => ("404 Not Found", TEXT, "not found\n".into()),
    }
}

fn answer(mut stream: TcpStream, state: &HealthState, metrics: &ServerMetrics) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut request = Vec::with_capacity(512);
    let mut chunk = [0u8; 512];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < MAX_REQUEST_BYTES {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        request.extend_from_slice(&chunk[..read]);
    }
    let head = String::from_utf8_lossy(&request);
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("");
    let target = words.next().unwrap_or("");
    let (status, content_type, body) = route(method, target, state, metrics);
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(body.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(address: SocketAddr, method: &str, path: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    fn status(response: &str) -> &str {
        response.lines().next().unwrap_or("")
    }

    #[test]
    fn liveness_fails_on_a_stalled_loop_and_a_closed_transport() {
        let state = Arc::new(HealthState::new(Duration::from_millis(150), false));
        let metrics = Arc::new(ServerMetrics::new("enet"));
        let server = HealthServer::start(
            "127.0.0.1:0".parse().unwrap(),
            state.clone(),
            metrics.clone(),
        )
        .unwrap();
        let at = server.local_addr();
        // Before bind: not alive (no transport), not ready.
        assert_eq!(
            status(&request(at, "GET", "/healthz")),
            "HTTP/1.1 503 Service Unavailable"
        );
        state.set_transport_open(true);
        state.heartbeat();
        let alive = request(at, "GET", "/healthz");
        assert!(alive.starts_with("HTTP/1.1 200 OK\r\n"), "{alive}");
        assert!(alive.ends_with("\r\n\r\nok\n"), "{alive}");
        // No heartbeat for longer than the threshold: the loop is stalled.
        thread::sleep(Duration::from_millis(400));
        let stalled = request(at, "GET", "/healthz");
        assert!(stalled.starts_with("HTTP/1.1 503"), "{stalled}");
        assert!(
            stalled.contains("game loop stalled: no poll for"),
            "{stalled}"
        );
        state.heartbeat();
        assert_eq!(status(&request(at, "GET", "/healthz")), "HTTP/1.1 200 OK");
        state.set_transport_open(false);
        let closed = request(at, "GET", "/healthz");
        assert!(closed.ends_with("transport closed\n"), "{closed}");
    }

    #[test]
    fn readiness_after_bind_and_not_while_draining() {
        let state = Arc::new(HealthState::new(Duration::from_secs(60), true));
        let metrics = Arc::new(ServerMetrics::new("ws"));
        let server =
            HealthServer::start("127.0.0.1:0".parse().unwrap(), state.clone(), metrics).unwrap();
        let at = server.local_addr();
        state.set_transport_open(true);
        state.heartbeat();
        let before = request(at, "GET", "/readyz");
        assert!(before.ends_with("not bound yet\n"), "{before}");
        state.set_ready(true);
        assert_eq!(status(&request(at, "GET", "/readyz")), "HTTP/1.1 200 OK");
        assert_eq!(
            status(&request(at, "GET", "/drain")),
            "HTTP/1.1 405 Method Not Allowed"
        );
        assert!(!state.take_drain_request());
        assert_eq!(
            status(&request(at, "POST", "/drain")),
            "HTTP/1.1 202 Accepted"
        );
        assert!(state.take_drain_request());
        assert!(!state.take_drain_request(), "taken once");
        state.set_draining(true);
        let draining = request(at, "GET", "/readyz");
        assert!(draining.ends_with("draining\n"), "{draining}");
        // Still alive while draining: the orchestrator must not kill it.
        assert_eq!(status(&request(at, "GET", "/healthz")), "HTTP/1.1 200 OK");
        let metrics = request(at, "GET", "/metrics");
        assert!(
            metrics.contains("Content-Type: application/openmetrics-text"),
            "{metrics}"
        );
        assert!(metrics.ends_with("# EOF\n"), "{metrics}");
        assert!(status(&request(at, "GET", "/nope")).starts_with("HTTP/1.1 404"));
    }

    #[test]
    fn drain_over_http_is_off_unless_asked() {
        let state = Arc::new(HealthState::new(Duration::from_secs(60), false));
        let metrics = Arc::new(ServerMetrics::new("enet"));
        let server =
            HealthServer::start("127.0.0.1:0".parse().unwrap(), state.clone(), metrics).unwrap();
        let refused = request(server.local_addr(), "POST", "/drain");
        assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
        assert!(!state.take_drain_request());
    }
}
