//! The byte stream under one WebSocket: a non-blocking TCP socket, plain or inside TLS.

use std::io::{self, Read, Write};
use std::net::SocketAddr;

use mio::net::TcpStream;
use rustls::Connection;

/// A non-blocking TCP stream, optionally wrapped in rustls. `WouldBlock` means "try again at
/// the next poll"; the TLS handshake runs inside the first reads and writes. The socket is
/// mio's, so that a server can register it with its readiness poller.
pub(crate) enum NetStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`, either side.
    Tls(Box<TlsStream>),
}

impl NetStream {
    /// `wss://` over `tcp`, with a fresh client or server TLS connection.
    pub(crate) fn tls(connection: impl Into<Connection>, tcp: TcpStream) -> Self {
        NetStream::Tls(Box::new(TlsStream {
            connection: connection.into(),
            tcp,
        }))
    }

    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            NetStream::Plain(tcp) => tcp,
            NetStream::Tls(tls) => &tls.tcp,
        }
    }

    /// True when TLS records wait to be written (a flush would write them).
    pub(crate) fn wants_write(&self) -> bool {
        match self {
            NetStream::Plain(_) => false,
            NetStream::Tls(tls) => tls.connection.wants_write(),
        }
    }

    /// The remote address, if the socket still knows it.
    pub(crate) fn peer_addr(&self) -> Option<SocketAddr> {
        self.tcp().peer_addr().ok()
    }

    /// Ends the connection at once (a TLS close_notify first if the socket takes it).
    pub(crate) fn shutdown(&mut self) {
        if let NetStream::Tls(tls) = self {
            tls.connection.send_close_notify();
            let _ = tls.push_records();
        }
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
    }
}

#[cfg(test)]
thread_local! {
    /// Reads on every `NetStream` of this thread: tests prove that a poll leaves idle
    /// connections alone.
    pub(crate) static READS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl Read for NetStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(test)]
        READS.with(|reads| reads.set(reads.get() + 1));
        match self {
            NetStream::Plain(tcp) => tcp.read(buf),
            NetStream::Tls(tls) => tls.read(buf),
        }
    }
}

impl Write for NetStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            NetStream::Plain(tcp) => tcp.write(buf),
            NetStream::Tls(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            NetStream::Plain(tcp) => tcp.flush(),
            NetStream::Tls(tls) => tls.flush(),
        }
    }
}

/// rustls over a non-blocking socket, with reads and writes independent of each other.
///
/// rustls' own `StreamOwned` finishes pending writes before every read, so when both ends
/// send faster than the other drains, each waits for the other's reads forever. Here a full
/// socket only stops writing: reading goes on, and the other side can make progress.
pub(crate) struct TlsStream {
    connection: Connection,
    tcp: TcpStream,
}

fn ignore_would_block(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
        other => other,
    }
}

impl TlsStream {
    /// Writes queued TLS records until none are left (`Ok`) or the socket is full
    /// (`WouldBlock`).
    fn push_records(&mut self) -> io::Result<()> {
        while self.connection.wants_write() {
            match self.connection.write_tls(&mut self.tcp) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Reads TLS records from the socket and decrypts them; `Ok(0)` at end of stream.
    fn pull_records(&mut self) -> io::Result<usize> {
        let read = self.connection.read_tls(&mut self.tcp)?;
        if let Err(error) = self.connection.process_new_packets() {
            // Tell the peer why (the alert rustls queued), then fail.
            let _ = self.push_records();
            return Err(io::Error::new(io::ErrorKind::InvalidData, error));
        }
        Ok(read)
    }
}

impl Read for TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Handshake replies and alerts go out when they can; a full socket is no reason to stop.
        ignore_would_block(self.push_records())?;
        loop {
            match self.connection.reader().read(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                other => return other,
            }
            let read = self.pull_records()?;
            ignore_would_block(self.push_records())?;
            if read == 0 {
                // End of stream: Ok(0) after a close_notify, UnexpectedEof otherwise.
                return match self.connection.reader().read(buf) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
                    other => other,
                };
            }
        }
    }
}

impl Write for TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Earlier records first: if they cannot leave, neither can this data (caller retries).
        self.push_records()?;
        let accepted = self.connection.writer().write(buf)?;
        if accepted == 0 && !buf.is_empty() {
            // rustls' buffer is full (only possible mid-handshake): same as a full socket.
            return Err(io::ErrorKind::WouldBlock.into());
        }
        ignore_would_block(self.push_records())?;
        Ok(accepted)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.connection.writer().flush()?;
        self.push_records()
    }
}
