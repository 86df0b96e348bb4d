//! Many datagrams per system call: `recvmmsg` and `sendmmsg` on Linux, one call per
//! datagram elsewhere.
//!
//! A server of thousands of clients receives and sends a hundred thousand small datagrams a
//! second; one system call each is a large share of its time. ENet hands its socket one
//! datagram at a time, so the socket reads a batch ahead ([`Inbox`]) and sends what a poll
//! held in batches ([`send_all`]). The datagrams and their order are unchanged.

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};

/// Datagrams per system call (a server of 4 095 clients reads about 160 in each 1 ms poll).
/// The batch's message headers are allocated once per thread, its receive buffers once per
/// socket.
pub(crate) const BATCH: usize = 32;

/// Bytes a received datagram may have: rusty_enet's receive buffer.
const DATAGRAM_CAPACITY: usize = rusty_enet::MTU_MAX;

/// Datagrams read from the socket ahead of ENet, which takes them one by one.
#[derive(Debug, Default)]
pub(crate) struct Inbox {
    /// `BATCH` buffers of `DATAGRAM_CAPACITY` bytes, allocated on the first read.
    buffers: Vec<u8>,
    /// The datagrams of the last batch, in order.
    received: Vec<Received>,
    next: usize,
}

/// One datagram of a batch: its sender, and where its bytes are.
#[derive(Debug, Clone, Copy)]
struct Received {
    from: SocketAddr,
    /// Its buffer's index in [`Inbox::buffers`].
    slot: usize,
    length: usize,
}

impl Inbox {
    /// True when datagrams of the last batch are still waiting.
    pub(crate) fn has_waiting(&self) -> bool {
        self.next < self.received.len()
    }

    /// Copies the next datagram into `buffer` (reading a new batch from `udp` when none is
    /// waiting) and returns its sender and length; `Ok(None)` when the socket is empty.
    /// `connected_to` is the socket's peer on a connected socket.
    pub(crate) fn pop(
        &mut self,
        udp: &UdpSocket,
        connected_to: Option<SocketAddr>,
        buffer: &mut [u8],
    ) -> io::Result<Option<(SocketAddr, usize)>> {
        if !self.has_waiting() {
            self.received.clear();
            self.next = 0;
            if self.buffers.is_empty() {
                self.buffers = vec![0; BATCH * DATAGRAM_CAPACITY];
            }
            match receive_batch(udp, &mut self.buffers, &mut self.received) {
                Ok(()) => {}
                Err(error) if error.kind() == ErrorKind::WouldBlock => return Ok(None),
                Err(error) => return Err(error),
            }
        }
        let Some(&Received { from, slot, length }) = self.received.get(self.next) else {
            return Ok(None);
        };
        let start = slot * DATAGRAM_CAPACITY;
        self.next += 1;
        let length = length.min(buffer.len());
        buffer[..length].copy_from_slice(&self.buffers[start..start + length]);
        Ok(Some((connected_to.unwrap_or(from), length)))
    }
}

/// Most datagrams one segmented send carries: the kernel's limit (`UDP_MAX_SEGMENTS`) is 64
/// on older Linux.
pub(crate) const MOST_SEGMENTS: usize = 64;

/// Largest datagram sent segmented: ENet's default MTU, so that a segment fits the path MTU
/// of any network a Godot peer runs on (the kernel refuses larger segments than the route
/// carries).
const LARGEST_SEGMENT: usize = crate::coalesce::MERGED_MTU;

/// Sends `datagrams` in order, as few system calls as the platform allows. A datagram the
/// system refuses (a full buffer, an ICMP report on a connected socket) is lost, as any
/// datagram may be, and the rest still go; the first such error is returned after all were
/// tried. `connected_to` is the socket's peer on a connected socket: datagrams to it take
/// the connected path.
///
/// While `segmentation` holds, runs of equal-sized datagrams to the connected peer go out
/// segmented (UDP GSO on Linux): one system call and one pass through the network stack for
/// the run, which the stack splits into the same datagrams. A client group sends its clients'
/// datagrams to one server this way. The first refusal turns `segmentation` off and the run
/// goes out datagram by datagram.
pub(crate) fn send_all(
    udp: &UdpSocket,
    connected_to: Option<SocketAddr>,
    datagrams: &[(SocketAddr, &[u8])],
    segmentation: &mut bool,
) -> io::Result<()> {
    let mut first_error = None;
    let mut rest = datagrams;
    while !rest.is_empty() {
        let peer = connected_to.filter(|_| *segmentation);
        let run = peer.map_or(0, |peer| segment_run(rest, peer));
        if run > 1 {
            match send_segmented(udp, &rest[..run]) {
                Ok(()) => {
                    rest = &rest[run..];
                    continue;
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => {
                    first_error.get_or_insert(error);
                    rest = &rest[run..];
                    continue;
                }
                Err(error) => {
                    tracing::debug!(%error, "segmented UDP sends refused: sending datagram by datagram");
                    *segmentation = false;
                }
            }
        }
        // A batch ends where a run that may go out segmented begins.
        let most = rest.len().min(BATCH);
        let end = peer.map_or(most, |peer| {
            (1..most)
                .find(|&i| segment_run(&rest[i..], peer) > 1)
                .unwrap_or(most)
        });
        match send_batch(udp, connected_to, &rest[..end]) {
            Ok(sent) if sent > 0 => rest = &rest[sent..],
            // The first datagram of the batch failed: skip it and go on with the next.
            outcome => {
                if let Err(error) = outcome {
                    first_error.get_or_insert(error);
                }
                rest = &rest[1..];
            }
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// How many datagrams at the start of `datagrams` can go to `peer` as one segmented send:
/// datagrams to `peer` of one size (at most [`LARGEST_SEGMENT`]), and one shorter after them,
/// which the kernel allows as the last segment.
fn segment_run(datagrams: &[(SocketAddr, &[u8])], peer: SocketAddr) -> usize {
    let Some(&(to, first)) = datagrams.first() else {
        return 0;
    };
    let size = first.len();
    if to != peer || size == 0 || size > LARGEST_SEGMENT || !SEGMENTATION_AVAILABLE {
        return 0;
    }
    let most = datagrams.len().min(MOST_SEGMENTS);
    let equal = datagrams[..most]
        .iter()
        .take_while(|&&(to, d)| to == peer && d.len() == size)
        .count();
    match datagrams[..most].get(equal) {
        Some(&(to, d)) if to == peer && !d.is_empty() && d.len() < size => equal + 1,
        _ => equal,
    }
}

#[cfg(target_os = "linux")]
mod system {
    use std::cell::RefCell;
    use std::io::{self, IoSlice, IoSliceMut};
    use std::net::{SocketAddr, UdpSocket};
    use std::os::fd::AsRawFd;

    use nix::sys::socket::{
        ControlMessage, MsgFlags, MultiHeaders, SockaddrLike, SockaddrStorage, recvmmsg, sendmmsg,
        sendmsg,
    };

    use super::{BATCH, DATAGRAM_CAPACITY, MOST_SEGMENTS, Received};

    /// Segmented sends (UDP GSO) exist here.
    pub(super) const SEGMENTATION_AVAILABLE: bool = true;

    // The system calls' message headers, allocated once per thread rather than per call (they
    // hold raw pointers, so they cannot live in a socket that moves between threads). A reused
    // receive header keeps the address length the kernel last wrote into it, which is right:
    // all the senders a socket hears from have addresses of its one family and length.
    thread_local! {
        static RECEIVE_HEADERS: RefCell<MultiHeaders<SockaddrStorage>> =
            RefCell::new(MultiHeaders::preallocate(BATCH, None));
        static SEND_HEADERS: RefCell<MultiHeaders<SockaddrStorage>> =
            RefCell::new(MultiHeaders::preallocate(BATCH, None));
    }

    /// Reads up to `BATCH` datagrams into consecutive `DATAGRAM_CAPACITY`-byte slices of
    /// `buffers` with one `recvmmsg`.
    pub(super) fn receive_batch(
        udp: &UdpSocket,
        buffers: &mut [u8],
        received: &mut Vec<Received>,
    ) -> io::Result<()> {
        RECEIVE_HEADERS.with_borrow_mut(|headers| {
            let mut chunks = buffers.chunks_mut(DATAGRAM_CAPACITY);
            let mut slices: [[IoSliceMut<'_>; 1]; BATCH] =
                std::array::from_fn(|_| [IoSliceMut::new(chunks.next().unwrap_or_default())]);
            let results = recvmmsg(
                udp.as_raw_fd(),
                headers,
                slices.iter_mut(),
                MsgFlags::MSG_DONTWAIT,
                None,
            )
            .map_err(io::Error::from)?;
            for (slot, message) in results.enumerate() {
                // A datagram without an IP sender cannot be answered: dropped.
                if let Some(from) = message.address.as_ref().and_then(socket_addr) {
                    received.push(Received {
                        from,
                        slot,
                        length: message.bytes,
                    });
                }
            }
            Ok(())
        })
    }

    /// Sends `batch` with one `sendmmsg`; returns how many datagrams the system took.
    pub(super) fn send_batch(
        udp: &UdpSocket,
        connected_to: Option<SocketAddr>,
        batch: &[(SocketAddr, &[u8])],
    ) -> io::Result<usize> {
        let batch = &batch[..batch.len().min(BATCH)];
        let slices: [[IoSlice<'_>; 1]; BATCH] =
            std::array::from_fn(|i| [IoSlice::new(batch.get(i).map_or(&[], |(_, d)| d))]);
        let addresses: [Option<SockaddrStorage>; BATCH] = std::array::from_fn(|i| {
            let to = batch.get(i)?.0;
            (Some(to) != connected_to).then(|| SockaddrStorage::from(to))
        });
        SEND_HEADERS.with_borrow_mut(|headers| {
            let results = sendmmsg(
                udp.as_raw_fd(),
                headers,
                &slices[..batch.len()],
                &addresses[..batch.len()],
                [],
                MsgFlags::MSG_DONTWAIT,
            )
            .map_err(io::Error::from)?;
            Ok(results.count())
        })
    }

    /// Sends `run` (datagrams to the socket's connected peer, all of the first one's size but
    /// perhaps the last, which is shorter) with one segmented `sendmsg`.
    pub(super) fn send_segmented(udp: &UdpSocket, run: &[(SocketAddr, &[u8])]) -> io::Result<()> {
        let run = &run[..run.len().min(MOST_SEGMENTS)];
        let segment = u16::try_from(run[0].1.len())
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let slices: [IoSlice<'_>; MOST_SEGMENTS] =
            std::array::from_fn(|i| IoSlice::new(run.get(i).map_or(&[], |(_, d)| d)));
        sendmsg::<SockaddrStorage>(
            udp.as_raw_fd(),
            &slices[..run.len()],
            &[ControlMessage::UdpGsoSegments(&segment)],
            MsgFlags::MSG_DONTWAIT,
            None,
        )
        .map_err(io::Error::from)?;
        Ok(())
    }

    fn socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
        if let Some(v4) = address.as_sockaddr_in() {
            Some(SocketAddr::V4((*v4).into()))
        } else {
            address
                .as_sockaddr_in6()
                .map(|v6| SocketAddr::V6((*v6).into()))
        }
        .filter(|_| address.len() > 0)
    }
}

#[cfg(not(target_os = "linux"))]
mod system {
    use std::io;
    use std::net::{SocketAddr, UdpSocket};

    use super::{DATAGRAM_CAPACITY, Received};

    /// No segmented sends here: runs go out datagram by datagram.
    pub(super) const SEGMENTATION_AVAILABLE: bool = false;

    pub(super) fn send_segmented(_: &UdpSocket, _: &[(SocketAddr, &[u8])]) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }

    pub(super) fn receive_batch(
        udp: &UdpSocket,
        buffers: &mut [u8],
        received: &mut Vec<Received>,
    ) -> io::Result<()> {
        let (length, from) = udp.recv_from(&mut buffers[..DATAGRAM_CAPACITY])?;
        received.push(Received {
            from,
            slot: 0,
            length,
        });
        Ok(())
    }

    pub(super) fn send_batch(
        udp: &UdpSocket,
        connected_to: Option<SocketAddr>,
        batch: &[(SocketAddr, &[u8])],
    ) -> io::Result<usize> {
        let (to, datagram) = batch[0];
        match connected_to {
            Some(remote) if remote == to => udp.send(datagram),
            _ => udp.send_to(datagram, to),
        }?;
        Ok(1)
    }
}

use system::{SEGMENTATION_AVAILABLE, receive_batch, send_batch, send_segmented};

#[cfg(test)]
mod tests {
    use super::*;

    fn bound() -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_nonblocking(true).unwrap();
        socket
    }

    /// Receives on `inbox` until `count` datagrams came or a second passed.
    fn receive(inbox: &mut Inbox, socket: &UdpSocket, count: usize) -> Vec<(SocketAddr, Vec<u8>)> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let mut buffer = [0u8; DATAGRAM_CAPACITY];
        let mut out = Vec::new();
        while out.len() < count && std::time::Instant::now() < deadline {
            if let Some((from, length)) = inbox.pop(socket, None, &mut buffer).unwrap() {
                out.push((from, buffer[..length].to_vec()));
            }
        }
        out
    }

    #[test]
    fn batches_keep_every_datagram_its_sender_and_its_order() {
        let (a, b, receiver) = (bound(), bound(), bound());
        let to = receiver.local_addr().unwrap();
        // More than one batch, from two senders, of varied sizes.
        let payloads: Vec<Vec<u8>> = (0..BATCH * 2 + 5)
            .map(|i| vec![i as u8; 1 + i * 13])
            .collect();
        let datagrams: Vec<(SocketAddr, &[u8])> =
            payloads.iter().map(|p| (to, p.as_slice())).collect();
        let (first, second) = datagrams.split_at(BATCH + 3);
        send_all(&a, None, first, &mut true).unwrap();
        send_all(&b, None, second, &mut true).unwrap();
        let mut inbox = Inbox::default();
        let got = receive(&mut inbox, &receiver, payloads.len());
        assert_eq!(got.len(), payloads.len());
        for (i, (from, data)) in got.iter().enumerate() {
            let sender = if i < first.len() { &a } else { &b };
            assert_eq!(*from, sender.local_addr().unwrap(), "datagram {i}");
            assert_eq!(data, &payloads[i], "datagram {i}");
        }
        assert!(!inbox.has_waiting());
        let mut buffer = [0u8; DATAGRAM_CAPACITY];
        assert_eq!(inbox.pop(&receiver, None, &mut buffer).unwrap(), None);
    }

    #[test]
    fn a_connected_socket_sends_to_its_peer_and_to_others() {
        let (client, server, other) = (bound(), bound(), bound());
        let server_address = server.local_addr().unwrap();
        client.connect(server_address).unwrap();
        let datagrams = [(server_address, &b"one"[..]), (server_address, &b"two"[..])];
        send_all(&client, Some(server_address), &datagrams, &mut true).unwrap();
        let got = receive(&mut Inbox::default(), &server, 2);
        let data: Vec<_> = got.iter().map(|(_, d)| d.as_slice()).collect();
        assert_eq!(data, [&b"one"[..], &b"two"[..]]);
        // Another destination is named in its message; the connected peer is not.
        let other_address = other.local_addr().unwrap();
        let datagrams = [
            (other_address, &b"elsewhere"[..]),
            (server_address, &b"three"[..]),
        ];
        send_all(&client, Some(server_address), &datagrams, &mut true).unwrap();
        assert_eq!(receive(&mut Inbox::default(), &server, 1)[0].1, b"three");
        assert_eq!(receive(&mut Inbox::default(), &other, 1)[0].1, b"elsewhere");
    }

    #[test]
    fn a_refused_datagram_is_lost_and_the_rest_still_go() {
        let (sender, receiver) = (bound(), bound());
        let to = receiver.local_addr().unwrap();
        // Larger than any UDP datagram: the system refuses it.
        let too_long = vec![0u8; 70_000];
        let datagrams = [(to, &b"one"[..]), (to, &too_long[..]), (to, &b"two"[..])];
        assert!(send_all(&sender, None, &datagrams, &mut true).is_err());
        let got = receive(&mut Inbox::default(), &receiver, 2);
        let data: Vec<_> = got.iter().map(|(_, d)| d.as_slice()).collect();
        assert_eq!(data, [&b"one"[..], &b"two"[..]]);
    }

    #[test]
    fn a_datagram_longer_than_the_buffer_is_cut() {
        let (sender, receiver) = (bound(), bound());
        let datagram = vec![7u8; 100];
        send_all(
            &sender,
            None,
            &[(receiver.local_addr().unwrap(), &datagram)],
            &mut true,
        )
        .unwrap();
        let mut inbox = Inbox::default();
        let mut small = [0u8; 10];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let got = loop {
            if let Some(got) = inbox.pop(&receiver, None, &mut small).unwrap() {
                break got;
            }
            assert!(std::time::Instant::now() < deadline, "nothing received");
        };
        assert_eq!(got.1, 10);
        assert_eq!(small, [7u8; 10]);
    }

    #[test]
    fn runs_to_the_connected_peer_arrive_as_the_same_datagrams_in_order() {
        let (client, server, other) = (bound(), bound(), bound());
        let server_address = server.local_addr().unwrap();
        let other_address = other.local_addr().unwrap();
        client.connect(server_address).unwrap();
        // A run longer than one segmented send, a shorter last segment, a longer datagram
        // that ends a run, one to another address in between, and lone datagrams.
        let mut payloads: Vec<(SocketAddr, Vec<u8>)> = (0..MOST_SEGMENTS + 6)
            .map(|i| (server_address, vec![i as u8; 40]))
            .collect();
        payloads.push((server_address, vec![1; 12]));
        payloads.push((server_address, vec![2; 50]));
        payloads.push((server_address, vec![3; 50]));
        payloads.push((other_address, vec![4; 50]));
        payloads.push((server_address, vec![5; 50]));
        payloads.push((server_address, vec![6; 70]));
        let datagrams: Vec<(SocketAddr, &[u8])> =
            payloads.iter().map(|(to, p)| (*to, p.as_slice())).collect();
        for segmentation in [true, false] {
            let mut still = segmentation;
            send_all(&client, Some(server_address), &datagrams, &mut still).unwrap();
            assert_eq!(still, segmentation && SEGMENTATION_AVAILABLE);
            let expected: Vec<&[u8]> = payloads
                .iter()
                .filter(|(to, _)| *to == server_address)
                .map(|(_, p)| p.as_slice())
                .collect();
            let got = receive(&mut Inbox::default(), &server, expected.len());
            let data: Vec<&[u8]> = got.iter().map(|(_, d)| d.as_slice()).collect();
            assert_eq!(data, expected, "segmentation {segmentation}");
            assert_eq!(receive(&mut Inbox::default(), &other, 1)[0].1, [4; 50]);
        }
    }

    #[test]
    fn a_run_is_equal_sizes_to_the_peer_and_perhaps_one_shorter() {
        let peer = SocketAddr::from(([127, 0, 0, 1], 9));
        let elsewhere = SocketAddr::from(([127, 0, 0, 1], 10));
        let (a, short, long) = ([0u8; 30], [0u8; 10], [0u8; 60]);
        let run = |d: &[(SocketAddr, &[u8])]| segment_run(d, peer);
        if !SEGMENTATION_AVAILABLE {
            assert_eq!(run(&[(peer, &a), (peer, &a)]), 0);
            return;
        }
        assert_eq!(run(&[(peer, &a), (peer, &a), (peer, &a)]), 3);
        assert_eq!(
            run(&[(peer, &a), (peer, &a), (peer, &short), (peer, &a)]),
            3
        );
        assert_eq!(run(&[(peer, &a), (peer, &long), (peer, &a)]), 1);
        assert_eq!(run(&[(peer, &a), (elsewhere, &a), (peer, &a)]), 1);
        assert_eq!(run(&[(elsewhere, &a), (elsewhere, &a)]), 0);
        assert_eq!(run(&[(peer, &[]), (peer, &[])]), 0);
        let many = vec![(peer, &a[..]); MOST_SEGMENTS * 2];
        assert_eq!(run(&many), MOST_SEGMENTS);
        let huge = vec![0u8; LARGEST_SEGMENT + 1];
        assert_eq!(run(&[(peer, &huge), (peer, &huge)]), 0);
    }
}
