//! UDP sockets for ENet hosts: bound like Godot binds them (a wildcard bind is one dual-stack
//! IPv6 socket, falling back to IPv4 where IPv6 is unavailable), with the 256 KiB kernel
//! buffers C ENet asks for (rusty_enet leaves the system defaults), and connected to the
//! server on a client.

use std::io::{self, ErrorKind};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};

use rusty_enet::{MTU_MAX, PacketReceived, SocketOptions};

use crate::batch_io::{Inbox, MOST_SEGMENTS, send_all};
use crate::coalesce::Coalescer;
use crate::pending::ConnectGate;
use socket2::{Domain, Protocol, Socket, Type};

/// The socket under every rusty_enet host of this crate: a UDP socket that a client connects
/// to its server.
///
/// A connected UDP socket spares the kernel a route lookup on every send and the source
/// address on every receive, which is most of what a client does. The datagrams are the same;
/// datagrams from anyone but the server are dropped by the kernel instead of by ENet (which
/// drops them too: a client host has one peer). The ICMP "port unreachable" a connected
/// socket reports as an error is ignored, so a client whose server is gone times out as it
/// does on an unconnected socket (and in Godot).
#[derive(Debug)]
pub(crate) struct EnetSocket {
    udp: UdpSocket,
    connected_to: Option<SocketAddr>,
    /// A receive found the socket empty since the last [`Self::begin_reading`].
    drained: bool,
    /// Between [`Self::hold`] and [`Self::release`]: datagrams wait, merged per peer. (No
    /// host of this crate has an ENet checksum, which a merged datagram would break.)
    holding: bool,
    held: Coalescer,
    /// Datagrams read ahead of ENet, a batch per system call.
    inbox: Inbox,
    /// Runs of datagrams to the connected peer may go out segmented (see
    /// [`crate::batch_io::send_all`]); off once the system refused.
    segmentation: bool,
    /// Drops connection requests beyond a per-address limit (see [`crate::pending`]).
    pub(crate) connect_gate: ConnectGate,
}

impl EnetSocket {
    pub(crate) fn new(udp: UdpSocket) -> Self {
        Self {
            udp,
            connected_to: None,
            drained: false,
            holding: false,
            held: Coalescer::default(),
            inbox: Inbox::default(),
            segmentation: true,
            connect_gate: ConnectGate::default(),
        }
    }

    /// From now on datagrams wait for [`Self::release`], merged per peer where ENet's format
    /// allows (see [`crate::coalesce`]): ENet writes acknowledgements while it receives and
    /// the replies only after the handlers ran, two datagrams where one does.
    pub(crate) fn hold(&mut self) {
        self.holding = true;
    }

    /// Sends every held datagram and stops holding. A failure to send one is a lost
    /// datagram, which ENet recovers from as from any loss.
    pub(crate) fn release(&mut self) {
        self.holding = false;
        if self.held.is_empty() {
            return;
        }
        let mut held = std::mem::take(&mut self.held);
        let segmentation = &mut self.segmentation;
        held.drain::<MOST_SEGMENTS>(|datagrams| {
            if let Err(error) = send_all(&self.udp, self.connected_to, datagrams, segmentation) {
                tracing::debug!(%error, "held datagrams were not all sent");
            }
        });
        // The buffers go back for the next poll.
        self.held = held;
    }

    /// Starts watching whether the next `service` reads the socket empty (ENet reads at most
    /// 256 datagrams per service and cannot tell the two cases apart).
    pub(crate) fn begin_reading(&mut self) {
        self.drained = false;
    }

    /// True when a receive since [`Self::begin_reading`] found no datagram waiting.
    pub(crate) fn drained(&self) -> bool {
        self.drained
    }

    /// The underlying UDP socket.
    pub(crate) fn udp(&self) -> &UdpSocket {
        &self.udp
    }

    /// Connects the socket to `remote`: from now on only `remote` is heard, and sends to it
    /// take the connected fast path.
    pub(crate) fn connect(&mut self, remote: SocketAddr) -> io::Result<()> {
        self.udp.connect(remote)?;
        self.connected_to = Some(remote);
        Ok(())
    }
}

/// Errors a connected socket reports for ICMP messages about earlier datagrams, which an
/// unconnected socket never sees.
fn is_icmp_report(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ConnectionRefused
            | ErrorKind::ConnectionReset
            | ErrorKind::HostUnreachable
            | ErrorKind::NetworkUnreachable
    )
}

impl rusty_enet::Socket for EnetSocket {
    type Address = SocketAddr;
    type Error = io::Error;

    fn init(&mut self, _options: SocketOptions) -> io::Result<()> {
        self.udp.set_nonblocking(true)?;
        self.udp.set_broadcast(true)
    }

    fn send(&mut self, address: SocketAddr, buffer: &[u8]) -> io::Result<usize> {
        if self.holding {
            self.held.push(address, buffer);
            return Ok(buffer.len());
        }
        self.send_now(address, buffer)
    }

    fn receive(
        &mut self,
        buffer: &mut [u8; MTU_MAX],
    ) -> io::Result<Option<(SocketAddr, PacketReceived)>> {
        self.receive_now(buffer)
    }
}

impl EnetSocket {
    fn send_now(&mut self, address: SocketAddr, buffer: &[u8]) -> io::Result<usize> {
        let sent = match self.connected_to {
            Some(remote) if remote == address => self.udp.send(buffer),
            _ => self.udp.send_to(buffer, address),
        };
        match sent {
            Ok(length) => Ok(length),
            Err(error) if error.kind() == ErrorKind::WouldBlock => Ok(0),
            Err(error) if self.connected_to.is_some() && is_icmp_report(&error) => Ok(0),
            Err(error) => Err(error),
        }
    }

    fn receive_now(
        &mut self,
        buffer: &mut [u8; MTU_MAX],
    ) -> io::Result<Option<(SocketAddr, PacketReceived)>> {
        // A flood of refused requests must not keep one receive reading forever: after this
        // many it reports nothing for now (the socket is not drained, so a poll reads on).
        const MOST_REFUSED_PER_RECEIVE: usize = 256;
        for _ in 0..MOST_REFUSED_PER_RECEIVE {
            return match self.inbox.pop(&self.udp, self.connected_to, buffer) {
                Ok(Some((from, length)))
                    if self.connect_gate.refuses(from.ip(), &buffer[..length]) =>
                {
                    continue;
                }
                Ok(Some((from, length))) => Ok(Some((from, PacketReceived::Complete(length)))),
                Ok(None) => {
                    self.drained = true;
                    Ok(None)
                }
                Err(error) if self.connected_to.is_some() && is_icmp_report(&error) => Ok(None),
                Err(error) => Err(error),
            };
        }
        Ok(None)
    }
}

/// `ENET_HOST_RECEIVE_BUFFER_SIZE` and `ENET_HOST_SEND_BUFFER_SIZE` in C ENet.
pub const SOCKET_BUFFER_SIZE: usize = 256 * 1024;

/// Asks for `bytes` of receive and send buffer on `udp`. Where the system caps the request
/// (`net.core.rmem_max` / `wmem_max` on Linux) and this process may exceed the cap
/// (`CAP_NET_ADMIN`), the buffers are forced to the full size, as busy UDP servers do;
/// otherwise the capped size stands. Returns the sizes granted (receive, send) in the units
/// of the request, so that a capped buffer is simply a smaller number.
pub(crate) fn set_buffer_sizes(udp: &UdpSocket, bytes: usize) -> io::Result<(usize, usize)> {
    let socket = socket2::SockRef::from(udp);
    socket.set_recv_buffer_size(bytes)?;
    socket.set_send_buffer_size(bytes)?;
    #[cfg(target_os = "linux")]
    {
        use nix::sys::socket::{setsockopt, sockopt};
        if requested(socket.recv_buffer_size()?) < bytes
            && let Err(error) = setsockopt(udp, sockopt::RcvBufForce, &bytes)
        {
            tracing::debug!(%error, "receive buffer capped by the system (net.core.rmem_max)");
        }
        if requested(socket.send_buffer_size()?) < bytes
            && let Err(error) = setsockopt(udp, sockopt::SndBufForce, &bytes)
        {
            tracing::debug!(%error, "send buffer capped by the system (net.core.wmem_max)");
        }
    }
    Ok((
        requested(socket.recv_buffer_size()?),
        requested(socket.send_buffer_size()?),
    ))
}

/// A buffer size the system reports, in the units it was requested in: Linux grants double
/// a request (for its bookkeeping) and reports what it granted.
fn requested(reported: usize) -> usize {
    if cfg!(target_os = "linux") {
        reported / 2
    } else {
        reported
    }
}

/// Binds a UDP socket on `bind_ip` (`None`: Godot's `"*"`, every address of both families).
pub(crate) fn bind_udp(bind_ip: Option<IpAddr>, port: u16) -> io::Result<UdpSocket> {
    match bind_ip {
        Some(ip) => bind_exact(SocketAddr::new(ip, port), false),
        None => {
            bind_exact(SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port), true).or_else(|error| {
                tracing::debug!(%error, "dual-stack bind failed, binding IPv4 only");
                bind_exact(SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port), false)
            })
        }
    }
}

fn bind_exact(address: SocketAddr, dual_stack: bool) -> io::Result<UdpSocket> {
    let socket = Socket::new(
        Domain::for_address(address),
        Type::DGRAM,
        Some(Protocol::UDP),
    )?;
    if dual_stack {
        socket.set_only_v6(false)?;
    }
    // Like C ENet, a smaller buffer granted by the system is not an error.
    if let Err(error) = socket.set_recv_buffer_size(SOCKET_BUFFER_SIZE) {
        tracing::debug!(%error, "could not set the receive buffer size");
    }
    if let Err(error) = socket.set_send_buffer_size(SOCKET_BUFFER_SIZE) {
        tracing::debug!(%error, "could not set the send buffer size");
    }
    socket.bind(&address.into())?;
    Ok(socket.into())
}

/// The address a client of the server at `address:port` binds when it was given none:
/// IPv4's wildcard for an IPv4 server, `None` (Godot's dual-stack `"*"`) otherwise. Godot
/// binds one dual-stack socket, which reaches an IPv4 server through the kernel's slower
/// v4-mapped IPv6 path; the packets on the wire are the same.
pub(crate) fn client_bind_ip(address: &str, port: u16) -> Option<IpAddr> {
    resolve_for(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0)), address, port)
        .ok()
        .and_then(|remote| match remote.ip() {
            IpAddr::V6(v6) => v6.to_ipv4_mapped(),
            IpAddr::V4(v4) => Some(v4),
        })
        .map(|_| IpAddr::from(Ipv4Addr::UNSPECIFIED))
}

/// Resolves `address` (an IP or a host name; blocking, as Godot's `resolve_hostname`) and
/// writes it in the family of the local socket: IPv4 targets become v4-mapped IPv6 addresses
/// on a dual-stack socket, and v4-mapped targets plain IPv4 on an IPv4 socket.
pub(crate) fn resolve_for(local: SocketAddr, address: &str, port: u16) -> io::Result<SocketAddr> {
    let candidates: Vec<SocketAddr> = match address.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => (address, port).to_socket_addrs()?.collect(),
    };
    candidates
        .into_iter()
        .find_map(|remote| match (local.ip(), remote.ip()) {
            (IpAddr::V6(_), IpAddr::V4(v4)) => {
                Some(SocketAddr::new(v4.to_ipv6_mapped().into(), port))
            }
            (IpAddr::V4(_), IpAddr::V6(v6)) => v6
                .to_ipv4_mapped()
                .map(|v4| SocketAddr::new(v4.into(), port)),
            _ => Some(remote),
        })
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                format!("no address of {address} is reachable from a socket bound on {local}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_bind_gets_a_port_and_big_buffers() {
        let socket = bind_udp(None, 0).expect("bind");
        assert_ne!(socket.local_addr().unwrap().port(), 0);
        let socket = Socket::from(socket);
        // Linux doubles the requested value; either way it is at least what was asked for
        // unless the system caps it, which the CI machine does not.
        assert!(socket.recv_buffer_size().unwrap() >= SOCKET_BUFFER_SIZE);
    }

    /// Whether this process runs as root (which has `CAP_NET_ADMIN`).
    #[cfg(target_os = "linux")]
    fn is_root() -> bool {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|status| {
                let uid = status.lines().find(|l| l.starts_with("Uid:"))?.to_owned();
                Some(uid.split_whitespace().nth(2)? == "0")
            })
            .unwrap_or(false)
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn buffers_beyond_the_system_cap_are_forced_when_privileged() {
        let cap: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .expect("rmem_max")
            .trim()
            .parse()
            .expect("a number");
        let asked = cap * 2;
        let socket = bind_udp(Some(Ipv4Addr::LOCALHOST.into()), 0).expect("bind");
        let (receive, send) = set_buffer_sizes(&socket, asked).expect("buffer sizes");
        if is_root() {
            assert_eq!(receive, asked, "root lifts net.core.rmem_max");
            assert!(send >= asked, "root lifts net.core.wmem_max");
        } else {
            assert_eq!(receive, cap, "capped at net.core.rmem_max");
        }
    }

    #[test]
    fn targets_are_written_in_the_socket_family() {
        let v6: SocketAddr = "[::]:1000".parse().unwrap();
        let v4: SocketAddr = "0.0.0.0:1000".parse().unwrap();
        assert_eq!(
            resolve_for(v6, "127.0.0.1", 7).unwrap(),
            "[::ffff:127.0.0.1]:7".parse().unwrap()
        );
        assert_eq!(
            resolve_for(v4, "::ffff:127.0.0.1", 7).unwrap(),
            "127.0.0.1:7".parse().unwrap()
        );
        assert!(resolve_for(v4, "::1", 7).is_err());
        assert_eq!(
            resolve_for(v4, "127.0.0.1", 9).unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
    }
}
