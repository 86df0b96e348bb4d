//! Which of a server's sockets have news: a readiness poller (mio: epoll, kqueue, IOCP), asked
//! without waiting at each poll, so that a poll reads only the connections that received
//! something instead of trying a read on every one (one syscall per connection and poll).
//!
//! mio's readiness is edge-triggered: an event says that bytes arrived, and no other comes
//! until a read returns `WouldBlock`. The server therefore remembers "readable" per connection
//! until a read drains it (see `Connection::mark_readable`).

use std::io;
use std::time::Duration;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use netscene::peer::PeerId;

/// Events taken from the poller in one call.
const EVENTS_PER_CALL: usize = 1024;
/// Calls in one poll while each fills its whole buffer; later events wait for the next poll.
const CALLS_PER_POLL: usize = 8;
/// Peers are tokens by id (ids are positive `i32`s); the listener takes a token no id can be.
const LISTENER: Token = Token(usize::MAX);

/// A socket that has news.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// The listening socket: connections wait to be accepted.
    Listener,
    /// The connection (pending or open) of this peer id.
    Peer(PeerId),
    /// The poller failed: every socket must be treated as ready.
    Everything,
}

/// The server's readiness poller.
pub(crate) struct Readiness {
    poll: Poll,
    events: Events,
}

fn peer_token(id: PeerId) -> Token {
    Token(id.unsigned_abs() as usize)
}

impl Readiness {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Self {
            poll: Poll::new()?,
            events: Events::with_capacity(EVENTS_PER_CALL),
        })
    }

    /// Watches the listening socket for connections to accept.
    pub(crate) fn register_listener(&self, listener: &mut TcpListener) -> io::Result<()> {
        self.poll
            .registry()
            .register(listener, LISTENER, Interest::READABLE)
    }

    /// Watches the connection of peer `id` (closing the socket unregisters it).
    pub(crate) fn register_peer(&self, tcp: &mut TcpStream, id: PeerId) -> io::Result<()> {
        self.poll
            .registry()
            .register(tcp, peer_token(id), Interest::READABLE)
    }

    /// Reports each socket that became ready since the last call, without waiting.
    pub(crate) fn take(&mut self, mut on_ready: impl FnMut(Ready)) {
        for _ in 0..CALLS_PER_POLL {
            match self.poll.poll(&mut self.events, Some(Duration::ZERO)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    tracing::warn!(%error, "readiness poll failed; reading every connection");
                    on_ready(Ready::Everything);
                    return;
                }
            }
            let mut count = 0;
            for event in &self.events {
                count += 1;
                let token = event.token();
                if token == LISTENER {
                    on_ready(Ready::Listener);
                } else if let Ok(id) = PeerId::try_from(token.0) {
                    on_ready(Ready::Peer(id));
                }
            }
            if count < EVENTS_PER_CALL {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_tokens_never_meet_the_listener_and_map_back() {
        for id in [2, 1_234_567, PeerId::MAX] {
            let token = peer_token(id);
            assert_ne!(token, LISTENER);
            assert_eq!(PeerId::try_from(token.0), Ok(id));
        }
    }
}
