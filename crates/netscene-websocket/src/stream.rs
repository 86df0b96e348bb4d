//! The byte stream under one WebSocket: a non-blocking TCP socket, plain or inside TLS.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

use rustls::{ClientConnection, ServerConnection, StreamOwned};

/// A non-blocking TCP stream, optionally wrapped in rustls. `WouldBlock` means "try again at
/// the next poll"; the TLS handshake runs inside the first reads and writes.
pub(crate) enum NetStream {
    /// `ws://`.
    Plain(TcpStream),
    /// `wss://`, server side.
    TlsServer(Box<StreamOwned<ServerConnection, TcpStream>>),
    /// `wss://`, client side.
    TlsClient(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl NetStream {
    /// The TCP socket underneath.
    pub(crate) fn tcp(&self) -> &TcpStream {
        match self {
            NetStream::Plain(tcp) => tcp,
            NetStream::TlsServer(tls) => tls.get_ref(),
            NetStream::TlsClient(tls) => tls.get_ref(),
        }
    }

    /// The remote address, if the socket still knows it.
    pub(crate) fn peer_addr(&self) -> Option<SocketAddr> {
        self.tcp().peer_addr().ok()
    }

    /// Ends the TCP connection at once (both directions); later I/O fails.
    pub(crate) fn shutdown(&self) {
        let _ = self.tcp().shutdown(std::net::Shutdown::Both);
    }
}

impl Read for NetStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            NetStream::Plain(tcp) => tcp.read(buf),
            NetStream::TlsServer(tls) => tls.read(buf),
            NetStream::TlsClient(tls) => tls.read(buf),
        }
    }
}

impl Write for NetStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            NetStream::Plain(tcp) => tcp.write(buf),
            NetStream::TlsServer(tls) => tls.write(buf),
            NetStream::TlsClient(tls) => tls.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            NetStream::Plain(tcp) => tcp.flush(),
            NetStream::TlsServer(tls) => tls.flush(),
            NetStream::TlsClient(tls) => tls.flush(),
        }
    }
}
