//! The client side of the lobby protocol: one WebSocket to the signaling server.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use super::protocol::{ClientMessage, MAX_MESSAGE_SIZE, ServerMessage, parse, to_text};

/// Why talking to the signaling server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignalingError {
    /// The URL is not a `ws://host:port/…` URL.
    #[error("invalid signaling URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached or refused the WebSocket.
    #[error("cannot reach the signaling server: {0}")]
    Connect(String),
    /// The server refused a request (its `error` message).
    #[error("the signaling server refused: {0}")]
    Refused(String),
    /// The connection closed.
    #[error("the signaling connection is closed")]
    Closed,
    /// No answer in time.
    #[error("the signaling server did not answer within {0:?}")]
    Timeout(Duration),
}

/// A WebSocket to a lobby signaling server, polled without blocking once connected.
pub struct SignalingClient {
    socket: WebSocket<TcpStream>,
    inbox: VecDeque<ServerMessage>,
    closed: bool,
}

impl std::fmt::Debug for SignalingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignalingClient")
            .field("closed", &self.closed)
            .finish()
    }
}

impl SignalingClient {
    /// Connects to `url` (`ws://host:port/path`), waiting at most `timeout` for the TCP
    /// connection and the WebSocket handshake.
    pub fn connect(url: &str, timeout: Duration) -> Result<Self, SignalingError> {
        let invalid = |reason: &str| SignalingError::InvalidUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let request = url
            .into_client_request()
            .map_err(|e| invalid(&e.to_string()))?;
        let uri = request.uri();
        if uri.scheme_str() != Some("ws") {
            return Err(invalid("only ws:// is supported"));
        }
        let host = uri.host().ok_or_else(|| invalid("no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(80);
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| SignalingError::Connect(format!("{host}: {e}")))?
            .next()
            .ok_or_else(|| SignalingError::Connect(format!("{host}: no address")))?;
        let stream = TcpStream::connect_timeout(&addr, timeout)
            .map_err(|e| SignalingError::Connect(format!("{addr}: {e}")))?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(timeout)))
            .map_err(|e| SignalingError::Connect(e.to_string()))?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE_SIZE))
            .max_frame_size(Some(MAX_MESSAGE_SIZE));
        let (socket, _) = tungstenite::client::client_with_config(request, stream, Some(config))
            .map_err(|e| SignalingError::Connect(format!("WebSocket handshake: {e}")))?;
        socket
            .get_ref()
            .set_nonblocking(true)
            .map_err(|e| SignalingError::Connect(e.to_string()))?;
        Ok(Self {
            socket,
            inbox: VecDeque::new(),
            closed: false,
        })
    }

    /// Sends one message.
    pub fn send(&mut self, message: &ClientMessage) -> Result<(), SignalingError> {
        if self.closed {
            return Err(SignalingError::Closed);
        }
        match self.socket.send(Message::text(to_text(message))) {
            Ok(()) => Ok(()),
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => Ok(()),
            Err(_) => {
                self.closed = true;
                Err(SignalingError::Closed)
            }
        }
    }

    /// Reads what arrived; messages wait for [`pop_message`](Self::pop_message). Malformed
    /// messages from the server are logged and skipped.
    pub fn poll(&mut self) {
        if self.closed {
            return;
        }
        match self.socket.flush() {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => self.closed = true,
        }
        while !self.closed {
            match self.socket.read() {
                Ok(Message::Text(text)) => match parse::<ServerMessage>(text.as_str()) {
                    Ok(message) => self.inbox.push_back(message),
                    Err(e) => tracing::warn!("signaling server sent a bad message: {e}"),
                },
                Ok(Message::Close(_)) => self.closed = true,
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == ErrorKind::WouldBlock => return,
                Err(_) => self.closed = true,
            }
        }
    }

    /// The next message from the server.
    pub fn pop_message(&mut self) -> Option<ServerMessage> {
        self.inbox.pop_front()
    }

    /// False once the connection closed.
    pub fn is_open(&self) -> bool {
        !self.closed
    }

    /// Closes the WebSocket.
    pub fn close(&mut self) {
        if !self.closed {
            let _ = self.socket.close(None);
            let _ = self.socket.flush();
            self.closed = true;
        }
    }
}
