//! Godot's `TLSOptions` for `wss://`: what a client trusts, or what a server presents.
//!
//! Built on rustls with the `ring` provider (no OpenSSL, no cmake). Certificates and keys are
//! given as PEM, the format Godot's `X509Certificate.save()` and `CryptoKey.save()` write.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};

/// Why a [`TlsOptions`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The PEM text holds no certificate.
    #[error("no certificate found in the PEM data")]
    NoCertificate,
    /// The PEM text holds no usable private key.
    #[error("no private key found in the PEM data: {0}")]
    NoPrivateKey(String),
    /// A certificate could not be parsed or added to the trust store.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// rustls refused the configuration (e.g. the key does not match the certificate).
    #[error("TLS configuration rejected: {0}")]
    Config(String),
}

/// Godot's `TLSOptions`: pass to `create_client` (client options) or `create_server` (server
/// options). Cheap to clone; the rustls configuration inside is shared.
#[derive(Clone)]
#[doc(alias = "TLSOptions")]
pub struct TlsOptions {
    kind: TlsKind,
}

#[derive(Clone)]
enum TlsKind {
    Client {
        config: Arc<ClientConfig>,
        common_name_override: Option<String>,
        verifies: bool,
    },
    Server {
        config: Arc<ServerConfig>,
    },
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            TlsKind::Client {
                common_name_override,
                verifies,
                ..
            } => f
                .debug_struct("TlsOptions::Client")
                .field("common_name_override", common_name_override)
                .field("verifies", verifies)
                .finish(),
            TlsKind::Server { .. } => f.write_str("TlsOptions::Server"),
        }
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn parse_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::InvalidCertificate(e.to_string()))?;
    if certificates.is_empty() {
        return Err(TlsError::NoCertificate);
    }
    Ok(certificates)
}

impl TlsOptions {
    /// Godot's `TLSOptions.client(trusted_chain, common_name_override)`: verify the server.
    ///
    /// `trusted_chain_pem` replaces the default trust store (Mozilla's root certificates) with
    /// the given certificates; `common_name_override` checks the server's certificate against
    /// that name instead of the URL's host.
    pub fn client(
        trusted_chain_pem: Option<&[u8]>,
        common_name_override: Option<&str>,
    ) -> Result<Self, TlsError> {
        let mut roots = RootCertStore::empty();
        match trusted_chain_pem {
            Some(pem) => {
                for certificate in parse_certificates(pem)? {
                    roots
                        .add(certificate)
                        .map_err(|e| TlsError::InvalidCertificate(e.to_string()))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let config = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            kind: TlsKind::Client {
                config: Arc::new(config),
                common_name_override: common_name_override.map(str::to_owned),
                verifies: true,
            },
        })
    }

    /// Godot's `TLSOptions.client_unsafe()`: encrypt, but accept any server certificate.
    /// For tests and development only; a man in the middle goes unnoticed.
    pub fn client_unsafe() -> Result<Self, TlsError> {
        let provider = provider();
        let verifier = AcceptAnyServerCertificate {
            algorithms: provider.signature_verification_algorithms,
        };
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok(Self {
            kind: TlsKind::Client {
                config: Arc::new(config),
                common_name_override: None,
                verifies: false,
            },
        })
    }

    /// Godot's `TLSOptions.server(key, certificate)`: the private key and certificate chain
    /// (leaf first) a `wss://` server presents.
    pub fn server(key_pem: &[u8], certificate_chain_pem: &[u8]) -> Result<Self, TlsError> {
        let chain = parse_certificates(certificate_chain_pem)?;
        let key = PrivateKeyDer::from_pem_slice(key_pem)
            .map_err(|e| TlsError::NoPrivateKey(e.to_string()))?;
        let config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| TlsError::Config(e.to_string()))?;
        Ok(Self {
            kind: TlsKind::Server {
                config: Arc::new(config),
            },
        })
    }

    /// True for server options (Godot's `is_server()`).
    pub fn is_server(&self) -> bool {
        matches!(self.kind, TlsKind::Server { .. })
    }

    /// True for client options that skip certificate verification (Godot's `is_unsafe_client()`).
    pub fn is_unsafe_client(&self) -> bool {
        matches!(
            self.kind,
            TlsKind::Client {
                verifies: false,
                ..
            }
        )
    }

    /// The client configuration and the name to verify the server against (`host` unless
    /// overridden). `None` for server options.
    pub(crate) fn client_config(&self, host: &str) -> Option<(Arc<ClientConfig>, String)> {
        match &self.kind {
            TlsKind::Client {
                config,
                common_name_override,
                ..
            } => Some((
                Arc::clone(config),
                common_name_override
                    .clone()
                    .unwrap_or_else(|| host.to_owned()),
            )),
            TlsKind::Server { .. } => None,
        }
    }

    /// The server configuration; `None` for client options.
    pub(crate) fn server_config(&self) -> Option<Arc<ServerConfig>> {
        match &self.kind {
            TlsKind::Server { config } => Some(Arc::clone(config)),
            TlsKind::Client { .. } => None,
        }
    }
}

/// The name rustls verifies a server against: an IP address or a DNS name.
pub(crate) fn server_name(host: &str) -> Result<ServerName<'static>, TlsError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(bare.to_owned())
        .map_err(|e| TlsError::Config(format!("invalid server name {host:?}: {e}")))
}

/// `client_unsafe`: the certificate is not checked, but the handshake signatures still are,
/// so the session is at least bound to the key the server presented.
#[derive(Debug)]
struct AcceptAnyServerCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
