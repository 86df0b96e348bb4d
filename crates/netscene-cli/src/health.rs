//! The dedicated server's HTTP probe endpoint: `/healthz` for orchestrators (Agones, Kubernetes)
//! and `/metrics` in Prometheus text format.
//!
//! It runs on its own small thread so a slow prober can never stall the game loop; the game loop
//! only bumps atomic counters in [`ServerMetrics`].

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Counters the server loop updates and the probe endpoint reports.
#[derive(Debug, Default)]
pub struct ServerMetrics {
    /// Peers currently admitted.
    pub peers: AtomicU64,
    /// Peers admitted since start.
    pub connects: AtomicU64,
    /// Peers that left since start.
    pub disconnects: AtomicU64,
    /// Packets the server took from its transport.
    pub packets_received: AtomicU64,
    /// RPCs or packets the server refused.
    pub rejected: AtomicU64,
}

impl ServerMetrics {
    fn render(&self) -> String {
        let rows = [
            ("netscene_peers", "gauge", &self.peers),
            ("netscene_connects_total", "counter", &self.connects),
            ("netscene_disconnects_total", "counter", &self.disconnects),
            (
                "netscene_packets_received_total",
                "counter",
                &self.packets_received,
            ),
            ("netscene_rejected_total", "counter", &self.rejected),
        ];
        let mut out = String::new();
        for (name, kind, value) in rows {
            out.push_str(&format!(
                "# TYPE {name} {kind}\n{name} {}\n",
                value.load(Ordering::Relaxed)
            ));
        }
        out
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
    pub fn start(address: SocketAddr, metrics: Arc<ServerMetrics>) -> io::Result<Self> {
        let listener = TcpListener::bind(address)?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread = thread::Builder::new()
            .name("health".into())
            .spawn(move || serve(listener, &metrics, &thread_stop))?;
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

fn serve(listener: TcpListener, metrics: &ServerMetrics, stop: &AtomicBool) {
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(error) = answer(stream, metrics) {
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

fn answer(mut stream: TcpStream, metrics: &ServerMetrics) -> io::Result<()> {
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
    let target = head.split_whitespace().nth(1).unwrap_or("");
    let (status, body) = match target {
        "/healthz" => ("200 OK", "ok\n".to_string()),
        "/metrics" => ("200 OK", metrics.render()),
        _ => ("404 Not Found", "not found\n".to_string()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(address: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(address).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn answers_healthz_metrics_and_404() {
        let metrics = Arc::new(ServerMetrics::default());
        metrics.peers.store(3, Ordering::Relaxed);
        let server = HealthServer::start("127.0.0.1:0".parse().unwrap(), metrics).unwrap();
        let health = get(server.local_addr(), "/healthz");
        assert!(health.starts_with("HTTP/1.1 200 OK\r\n"), "{health}");
        assert!(health.ends_with("\r\n\r\nok\n"), "{health}");
        let prometheus = get(server.local_addr(), "/metrics");
        assert!(prometheus.contains("\nnetscene_peers 3\n"), "{prometheus}");
        assert!(get(server.local_addr(), "/nope").starts_with("HTTP/1.1 404"));
    }
}
