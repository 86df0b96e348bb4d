//! `WebRtcPeerConnection`: Godot's `WebRTCPeerConnection` over str0m and one UDP socket.
//!
//! Signaling is the application's job, as in Godot: [`create_offer`] (or a remote offer given
//! to [`set_remote_description`]) produces a [`ConnectionEvent::SessionDescriptionCreated`];
//! the application sets it with [`set_local_description`] and sends it to the other end,
//! which calls [`set_remote_description`]. Local ICE candidates come out as
//! [`ConnectionEvent::IceCandidateCreated`] and go into the other end's
//! [`add_ice_candidate`].
//!
//! [`create_offer`]: WebRtcPeerConnection::create_offer
//! [`set_remote_description`]: WebRtcPeerConnection::set_remote_description
//! [`set_local_description`]: WebRtcPeerConnection::set_local_description
//! [`add_ice_candidate`]: WebRtcPeerConnection::add_ice_candidate

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc};

use crate::data_channel::{
    ChannelSlot, ChannelState, DataChannelConfig, WebRtcDataChannel, WriteMode,
};
use crate::error::WebRtcError;
use crate::session::PendingEvent;
pub use crate::session::{ConnectionConfig, ConnectionEvent, ConnectionState, SdpType};

pub(crate) fn lock(inner: &Mutex<ConnectionInner>) -> MutexGuard<'_, ConnectionInner> {
    // A panic while the lock was held cannot leave the state half-written in a way later calls
    // trip over worse than the error they will report; keep going.
    inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) struct ConnectionInner {
    rtc: Rtc,
    socket: UdpSocket,
    local_addr: SocketAddr,
    state: ConnectionState,
    pub(crate) channels: Vec<ChannelSlot>,
    channels_registered: bool,
    pending_offer: Option<SdpPendingOffer>,
    local_description: Option<(SdpType, String)>,
    candidates_announced: bool,
    events: VecDeque<PendingEvent>,
    recv_buffer: Vec<u8>,
}

/// Godot's `WebRTCPeerConnection`: one WebRTC connection to one remote end.
///
/// A cheap handle (clones share the connection), so the application keeps one for signaling
/// while a [`WebRtcMultiplayerPeer`](crate::WebRtcMultiplayerPeer) polls it.
#[derive(Clone)]
pub struct WebRtcPeerConnection {
    pub(crate) inner: Arc<Mutex<ConnectionInner>>,
}

impl std::fmt::Debug for WebRtcPeerConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = lock(&self.inner);
        f.debug_struct("WebRtcPeerConnection")
            .field("local_addr", &inner.local_addr)
            .field("state", &inner.state)
            .finish()
    }
}

impl WebRtcPeerConnection {
    /// A new connection on 127.0.0.1 ([`ConnectionConfig::default`]).
    pub fn new() -> Result<Self, WebRtcError> {
        Self::with_config(&ConnectionConfig::default())
    }

    /// A new connection with its UDP socket bound as `config` says (Godot's `initialize`).
    pub fn with_config(config: &ConnectionConfig) -> Result<Self, WebRtcError> {
        let socket = UdpSocket::bind(config.bind)
            .map_err(|e| WebRtcError::CantCreate(format!("UDP bind {}: {e}", config.bind)))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| WebRtcError::CantCreate(format!("non-blocking socket: {e}")))?;
        let local_addr = socket
            .local_addr()
            .map_err(|e| WebRtcError::CantCreate(format!("socket address: {e}")))?;
        let provider = Arc::new(str0m::crypto::from_feature_flags());
        let mut rtc = Rtc::builder()
            .set_crypto_provider(provider)
            .build(Instant::now());
        let candidate = Candidate::host(local_addr, "udp")
            .map_err(|e| WebRtcError::CantCreate(format!("host candidate {local_addr}: {e}")))?;
        rtc.add_local_candidate(candidate);
        Ok(Self {
            inner: Arc::new(Mutex::new(ConnectionInner {
                rtc,
                socket,
                local_addr,
                state: ConnectionState::New,
                channels: Vec::new(),
                channels_registered: false,
                pending_offer: None,
                local_description: None,
                candidates_announced: false,
                events: VecDeque::new(),
                recv_buffer: vec![0; 2048],
            })),
        })
    }

    /// The local UDP address (the host candidate).
    pub fn local_addr(&self) -> SocketAddr {
        lock(&self.inner).local_addr
    }

    /// New, connecting, connected, disconnected, failed or closed.
    pub fn get_connection_state(&self) -> ConnectionState {
        lock(&self.inner).state
    }

    /// Creates a data channel. Negotiated channels (`negotiated_id`) must be created on both
    /// ends with the same id; channels created before the first offer/answer are part of it.
    pub fn create_data_channel(
        &self,
        label: &str,
        config: DataChannelConfig,
    ) -> Result<WebRtcDataChannel, WebRtcError> {
        let mut inner = lock(&self.inner);
        if matches!(
            inner.state,
            ConnectionState::Closed | ConnectionState::Failed
        ) {
            return Err(WebRtcError::InvalidState("the connection is closed".into()));
        }
        if let Some(id) = config.negotiated_id
            && inner
                .channels
                .iter()
                .any(|c| c.config.negotiated_id == Some(id))
        {
            return Err(WebRtcError::InvalidParameter(format!(
                "a channel with negotiated id {id} exists already"
            )));
        }
        let mut slot = ChannelSlot::new(label.to_owned(), config);
        if inner.channels_registered {
            slot.rtc_id = Some(
                inner
                    .rtc
                    .direct_api()
                    .create_data_channel(slot.rtc_config()),
            );
        }
        inner.channels.push(slot);
        let index = inner.channels.len() - 1;
        drop(inner);
        Ok(WebRtcDataChannel {
            connection: Arc::clone(&self.inner),
            index,
        })
    }

    /// Creates an offer: a [`ConnectionEvent::SessionDescriptionCreated`] follows (from this
    /// call; read it with [`pop_event`](Self::pop_event)).
    pub fn create_offer(&self) -> Result<(), WebRtcError> {
        let mut inner = lock(&self.inner);
        inner.create_offer()
    }

    /// Sets the local description the last event carried (the offer from
    /// [`create_offer`](Self::create_offer), or the answer to a remote offer). Local ICE
    /// candidates are reported after it.
    pub fn set_local_description(&self, kind: &str, sdp: &str) -> Result<(), WebRtcError> {
        let kind = SdpType::parse(kind)?;
        let mut inner = lock(&self.inner);
        match &inner.local_description {
            Some((created, _)) if *created == kind => {}
            Some((created, _)) => {
                return Err(WebRtcError::InvalidState(format!(
                    "the created description is an {}, not an {}",
                    created.as_str(),
                    kind.as_str()
                )));
            }
            None => {
                return Err(WebRtcError::InvalidState(
                    "no local description was created (call create_offer, or set a remote offer)"
                        .into(),
                ));
            }
        }
        if sdp.trim().is_empty() {
            return Err(WebRtcError::InvalidSdp("empty session description".into()));
        }
        inner.announce_candidates();
        Ok(())
    }

    /// Sets the remote end's description. An offer makes this end answer (a
    /// [`ConnectionEvent::SessionDescriptionCreated`] with the answer follows); an answer
    /// completes this end's offer.
    pub fn set_remote_description(&self, kind: &str, sdp: &str) -> Result<(), WebRtcError> {
        let kind = SdpType::parse(kind)?;
        let mut inner = lock(&self.inner);
        match kind {
            SdpType::Offer => inner.accept_offer(sdp),
            SdpType::Answer => inner.accept_answer(sdp),
        }
    }

    /// Adds a remote ICE candidate (`media` = sdpMid, `index` = sdpMLineIndex, `name` = the
    /// `candidate:…` line). An empty name (end of candidates) is accepted and ignored.
    pub fn add_ice_candidate(
        &self,
        media: &str,
        index: u32,
        name: &str,
    ) -> Result<(), WebRtcError> {
        let _ = (media, index);
        let line = name.trim();
        let line = line.strip_prefix("a=").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        let candidate = match catch_unwind(|| Candidate::from_sdp_string(line)) {
            Ok(Ok(candidate)) => candidate,
            Ok(Err(e)) => {
                let hint = if line.contains(".local") {
                    " (an mDNS .local name: the browser hides its addresses; run Chromium with \
                     --disable-features=WebRtcHideLocalIpsWithMdns)"
                } else {
                    ""
                };
                return Err(WebRtcError::InvalidCandidate(format!(
                    "{line:?}: {e}{hint}"
                )));
            }
            Err(_) => {
                return Err(WebRtcError::InvalidCandidate(format!("{line:?}: rejected")));
            }
        };
        let mut inner = lock(&self.inner);
        if matches!(
            inner.state,
            ConnectionState::Closed | ConnectionState::Failed
        ) {
            return Err(WebRtcError::InvalidState("the connection is closed".into()));
        }
        inner.rtc.add_remote_candidate(candidate);
        Ok(())
    }

    /// Does all pending I/O: receives datagrams, runs ICE/DTLS/SCTP timers, sends.
    pub fn poll(&self) {
        lock(&self.inner).poll();
    }

    /// The next event, in the order they happened.
    pub fn pop_event(&self) -> Option<ConnectionEvent> {
        let event = lock(&self.inner).events.pop_front()?;
        Some(match event {
            PendingEvent::Session { kind, sdp } => {
                ConnectionEvent::SessionDescriptionCreated { kind, sdp }
            }
            PendingEvent::Candidate { media, index, name } => {
                ConnectionEvent::IceCandidateCreated { media, index, name }
            }
            PendingEvent::ChannelReceived(index) => {
                ConnectionEvent::DataChannelReceived(WebRtcDataChannel {
                    connection: Arc::clone(&self.inner),
                    index,
                })
            }
        })
    }

    /// Closes the connection and its channels (the remote end is told).
    pub fn close(&self) {
        lock(&self.inner).close();
    }

    /// The channels of this connection, in creation order.
    pub fn channels(&self) -> Vec<WebRtcDataChannel> {
        let count = lock(&self.inner).channels.len();
        (0..count)
            .map(|index| WebRtcDataChannel {
                connection: Arc::clone(&self.inner),
                index,
            })
            .collect()
    }

    /// True when both handles are the same connection.
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Runs a call into the WebRTC stack with remote input, turning a panic into an error: bad
/// input from the network is an error, never a crash.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(format!("{what} rejected")))
}

impl ConnectionInner {
    fn create_offer(&mut self) -> Result<(), WebRtcError> {
        if self.state != ConnectionState::New || self.channels_registered {
            return Err(WebRtcError::InvalidState(
                "offers are made once, by a new connection (no renegotiation)".into(),
            ));
        }
        if self.channels.is_empty() {
            return Err(WebRtcError::InvalidState(
                "nothing to offer: create a data channel first".into(),
            ));
        }
        let mut api = self.rtc.sdp_api();
        let mut ids = Vec::with_capacity(self.channels.len());
        for slot in &self.channels {
            ids.push(api.add_channel_with_config(slot.rtc_config()));
        }
        let Some((offer, pending)) = api.apply() else {
            return Err(WebRtcError::Rtc("the offer could not be created".into()));
        };
        for (slot, id) in self.channels.iter_mut().zip(ids) {
            slot.rtc_id = Some(id);
        }
        self.channels_registered = true;
        self.pending_offer = Some(pending);
        let sdp = offer.to_sdp_string();
        self.local_description = Some((SdpType::Offer, sdp.clone()));
        self.events.push_back(PendingEvent::Session {
            kind: SdpType::Offer,
            sdp,
        });
        self.state = ConnectionState::Connecting;
        Ok(())
    }

    fn accept_offer(&mut self, sdp: &str) -> Result<(), WebRtcError> {
        if self.state != ConnectionState::New || self.channels_registered {
            return Err(WebRtcError::InvalidState(
                "a remote offer is accepted once, by a new connection that made no offer".into(),
            ));
        }
        let offer = guarded("the offer", || {
            SdpOffer::from_sdp_string(sdp).map_err(|e| e.to_string())
        })
        .map_err(WebRtcError::InvalidSdp)?;
        let rtc = &mut self.rtc;
        let answer = guarded("the offer", || {
            rtc.sdp_api().accept_offer(offer).map_err(|e| e.to_string())
        })
        .map_err(WebRtcError::InvalidSdp)?;
        for slot in &mut self.channels {
            slot.rtc_id = Some(self.rtc.direct_api().create_data_channel(slot.rtc_config()));
        }
        self.channels_registered = true;
        let sdp = answer.to_sdp_string();
        self.local_description = Some((SdpType::Answer, sdp.clone()));
        self.events.push_back(PendingEvent::Session {
            kind: SdpType::Answer,
            sdp,
        });
        self.state = ConnectionState::Connecting;
        Ok(())
    }

    fn accept_answer(&mut self, sdp: &str) -> Result<(), WebRtcError> {
        let Some(pending) = self.pending_offer.take() else {
            return Err(WebRtcError::InvalidState(
                "an answer without an offer of ours".into(),
            ));
        };
        let answer = match guarded("the answer", || {
            SdpAnswer::from_sdp_string(sdp).map_err(|e| e.to_string())
        }) {
            Ok(answer) => answer,
            Err(e) => {
                // Keep the offer: a corrected answer may follow.
                self.pending_offer = Some(pending);
                return Err(WebRtcError::InvalidSdp(e));
            }
        };
        let rtc = &mut self.rtc;
        guarded("the answer", || {
            rtc.sdp_api()
                .accept_answer(pending, answer)
                .map_err(|e| e.to_string())
        })
        .map_err(WebRtcError::InvalidSdp)
    }

    /// Reports the local candidates once the local description is set, as the browser does.
    fn announce_candidates(&mut self) {
        if self.candidates_announced {
            return;
        }
        self.candidates_announced = true;
        let Some((_, sdp)) = &self.local_description else {
            return;
        };
        let media = sdp
            .lines()
            .find_map(|line| line.trim().strip_prefix("a=mid:"))
            .unwrap_or("0")
            .to_owned();
        let name = Candidate::host(self.local_addr, "udp")
            .map(|c| c.to_sdp_string())
            .unwrap_or_default();
        let name = name.strip_prefix("a=").unwrap_or(&name).to_owned();
        self.events.push_back(PendingEvent::Candidate {
            media,
            index: 0,
            name,
        });
    }

    fn poll(&mut self) {
        if matches!(
            self.state,
            ConnectionState::Closed | ConnectionState::Failed
        ) {
            return;
        }
        loop {
            let (size, source) = match self.socket.recv_from(&mut self.recv_buffer) {
                Ok(received) => received,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                // ICMP "port unreachable" and the like surface here on Linux: not fatal.
                Err(_) => break,
            };
            let now = Instant::now();
            let Ok(receive) = Receive::new(
                Protocol::Udp,
                source,
                self.local_addr,
                &self.recv_buffer[..size],
            ) else {
                continue;
            };
            let input = Input::Receive(now, receive);
            if !self.rtc.accepts(&input) {
                continue;
            }
            if let Err(e) = self.rtc.handle_input(input) {
                self.fail(&e.to_string());
                return;
            }
            if !self.drain() {
                return;
            }
        }
        if let Err(e) = self.rtc.handle_input(Input::Timeout(Instant::now())) {
            self.fail(&e.to_string());
            return;
        }
        self.drain();
    }

    /// Drains the stack's output; false when the connection failed.
    fn drain(&mut self) -> bool {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(_)) => return true,
                Ok(Output::Transmit(transmit)) => {
                    // A full socket buffer drops the datagram, as a lossy network would.
                    let _ = self
                        .socket
                        .send_to(&transmit.contents, transmit.destination);
                }
                Ok(Output::Event(event)) => self.handle_event(event),
                Err(e) => {
                    self.fail(&e.to_string());
                    return false;
                }
            }
        }
    }

    fn handle_event(&mut self, event: Event) {
        match event {
            Event::Connected => self.state = ConnectionState::Connected,
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                self.state = ConnectionState::Disconnected;
            }
            Event::IceConnectionStateChange(
                IceConnectionState::Connected | IceConnectionState::Completed,
            ) if self.state == ConnectionState::Disconnected && self.rtc.is_connected() => {
                self.state = ConnectionState::Connected;
            }
            Event::ChannelOpen(id, label) => {
                if let Some(slot) = self.channels.iter_mut().find(|c| c.rtc_id == Some(id)) {
                    slot.state = ChannelState::Open;
                } else {
                    let mut slot = ChannelSlot::new(label, DataChannelConfig::reliable());
                    slot.rtc_id = Some(id);
                    slot.state = ChannelState::Open;
                    self.channels.push(slot);
                    self.events
                        .push_back(PendingEvent::ChannelReceived(self.channels.len() - 1));
                }
            }
            Event::ChannelData(data) => {
                if let Some(slot) = self.channels.iter_mut().find(|c| c.rtc_id == Some(data.id)) {
                    slot.inbound.push_back((data.data, !data.binary));
                }
            }
            Event::ChannelClose(id) => {
                if let Some(slot) = self.channels.iter_mut().find(|c| c.rtc_id == Some(id)) {
                    slot.state = ChannelState::Closed;
                }
            }
            Event::Closed => self.close_local(ConnectionState::Closed),
            _ => {}
        }
    }

    fn fail(&mut self, why: &str) {
        tracing::debug!(addr = %self.local_addr, "WebRTC connection failed: {why}");
        self.close_local(ConnectionState::Failed);
    }

    fn close_local(&mut self, state: ConnectionState) {
        self.state = state;
        for slot in &mut self.channels {
            slot.state = ChannelState::Closed;
        }
    }

    fn close(&mut self) {
        if matches!(self.state, ConnectionState::Closed) {
            return;
        }
        let _ = self.rtc.close();
        // Flush what close queued (DTLS close_notify, SCTP abort) so the remote end learns now.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            for _ in 0..64 {
                match self.rtc.poll_output() {
                    Ok(Output::Transmit(t)) => {
                        let _ = self.socket.send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(_)) => {}
                    _ => break,
                }
            }
        }));
        self.close_local(ConnectionState::Closed);
    }

    pub(crate) fn write_channel(&mut self, index: usize, data: &[u8]) -> Result<(), WebRtcError> {
        let slot = &self.channels[index];
        if slot.state != ChannelState::Open {
            return Err(WebRtcError::ChannelNotOpen);
        }
        let binary = slot.write_mode == WriteMode::Binary;
        let timed = slot.config.max_packet_lifetime.is_some();
        let Some(id) = slot.rtc_id else {
            return Err(WebRtcError::ChannelNotOpen);
        };
        let Some(mut channel) = self.rtc.channel(id) else {
            return Err(WebRtcError::ChannelNotOpen);
        };
        match channel.write(binary, data) {
            Ok(true) => {
                // A packet with a lifetime (Godot's unreliable channels: 1 ms by default) is
                // transmitted at once: waiting for the next poll, SCTP would often abandon it
                // before it ever left. Reliable packets wait for the poll, which sends them
                // together (draining per packet made 2000 reliable packets 50x slower).
                if timed {
                    self.drain();
                }
                Ok(())
            }
            Ok(false) => Err(WebRtcError::BufferFull),
            Err(e) => Err(WebRtcError::Rtc(e.to_string())),
        }
    }

    pub(crate) fn close_channel(&mut self, index: usize) {
        if let Some(id) = self.channels[index].rtc_id {
            self.rtc.direct_api().close_data_channel(id);
        }
        self.channels[index].state = ChannelState::Closed;
    }
}
