//! The server's handshake answer: origin check, "server full" refusal, subprotocol choice and
//! extra response headers (Godot's `_poll_server` handshake rules).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response};
use tungstenite::http::{HeaderName, HeaderValue, StatusCode};

use crate::settings::Settings;

/// Godot's server-side subprotocol rule plus its extra response headers: the first protocol the
/// client offers that the server supports is selected; a client offering none of them, or
/// offering some to a server that supports none, is refused; a server with a list refuses a
/// client that offers nothing.
pub(crate) struct Negotiation {
    supported: Vec<String>,
    headers: Vec<(String, String)>,
    allowed_origins: Vec<String>,
    full: Arc<AtomicBool>,
}

impl Negotiation {
    pub(crate) fn new(settings: &Settings, full: Arc<AtomicBool>) -> Self {
        let headers = settings.parsed_headers().unwrap_or_else(|| {
            tracing::warn!("ignoring handshake_headers: each line must be \"Name: value\"");
            Vec::new()
        });
        Self {
            supported: settings.supported_protocols.clone(),
            headers,
            allowed_origins: settings.allowed_origins.clone(),
            full,
        }
    }

    /// Browsers always send `Origin`; a page of another site must not reach the server when
    /// origins are restricted (cross-site WebSocket hijacking). Clients that send no `Origin`
    /// (native Godot games, tools) are not browsers acting for a page, so they pass.
    fn origin_allowed(&self, request: &Request) -> bool {
        if self.allowed_origins.is_empty() {
            return true;
        }
        let Some(origin) = request.headers().get("Origin") else {
            return true;
        };
        let origin = origin.to_str().unwrap_or("").trim().trim_end_matches('/');
        self.allowed_origins
            .iter()
            .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }

    fn select(&self, request: &Request) -> Result<Option<String>, ()> {
        let offered: Vec<String> = request
            .headers()
            .get_all("Sec-WebSocket-Protocol")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|protocol| protocol.trim().to_owned())
            .filter(|protocol| !protocol.is_empty())
            .collect();
        let requested = request.headers().contains_key("Sec-WebSocket-Protocol");
        if !requested {
            return if self.supported.is_empty() {
                Ok(None)
            } else {
                Err(())
            };
        }
        offered
            .into_iter()
            .find(|protocol| self.supported.contains(protocol))
            .map(Some)
            .ok_or(())
    }
}

impl Callback for Negotiation {
    fn on_request(
        self,
        request: &Request,
        mut response: Response,
    ) -> Result<Response, ErrorResponse> {
        if !self.origin_allowed(request) {
            tracing::debug!(origin = ?request.headers().get("Origin"), "websocket origin refused");
            let mut refusal = ErrorResponse::new(Some("origin not allowed".into()));
            *refusal.status_mut() = StatusCode::FORBIDDEN;
            return Err(refusal);
        }
        if self.full.load(Ordering::Relaxed) {
            tracing::debug!("websocket server full: handshake refused");
            let mut refusal = ErrorResponse::new(Some("server full".into()));
            *refusal.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            return Err(refusal);
        }
        let Ok(selected) = self.select(request) else {
            let mut refusal = ErrorResponse::new(Some("unsupported WebSocket subprotocol".into()));
            *refusal.status_mut() = StatusCode::BAD_REQUEST;
            return Err(refusal);
        };
        let headers = response.headers_mut();
        if let Some(protocol) = selected
            && let Ok(value) = HeaderValue::from_str(&protocol)
        {
            headers.insert("Sec-WebSocket-Protocol", value);
        }
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                headers.append(name, value);
            }
        }
        Ok(response)
    }
}
