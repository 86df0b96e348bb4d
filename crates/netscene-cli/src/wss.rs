//! `serve` for browser games: `wss://` with certificate files renewed on SIGHUP, and the page
//! origins allowed to open a WebSocket.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use netscene_websocket::{ServerCertificate, TlsError, TlsOptions};

/// `serve`'s WebSocket security flags.
#[derive(Debug, Clone, clap::Args)]
pub struct WssArgs {
    /// PEM certificate chain (leaf first) to serve `wss://` with; needs `--tls-key`.
    /// SIGHUP reloads both files without dropping players.
    #[arg(
        long,
        env = "NETSCENE_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert` (PKCS#8, PKCS#1 RSA or SEC1 EC).
    #[arg(
        long,
        env = "NETSCENE_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// Page origin allowed to open a WebSocket, e.g. `https://game.example.com` (repeatable;
    /// the variable takes a comma-separated list). Browsers from other sites are refused with
    /// 403; clients that send no Origin (native Godot games) are admitted. Default: any.
    #[arg(
        long = "allowed-origin",
        env = "NETSCENE_ALLOWED_ORIGINS",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
}

impl WssArgs {
    /// The certificate files, when `wss://` was asked for.
    pub fn certificate_files(&self) -> Option<CertificateFiles> {
        Some(CertificateFiles {
            certificate: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    /// True when any option needs the WebSocket transport.
    pub fn is_used(&self) -> bool {
        self.tls_cert.is_some() || !self.allowed_origins.is_empty()
    }
}

/// A certificate chain file and its key file.
#[derive(Debug, Clone)]
pub struct CertificateFiles {
    certificate: PathBuf,
    key: PathBuf,
}

/// Server TLS options read from files, and when the certificate expires.
pub struct LoadedCertificate {
    /// Options for `create_server`.
    pub options: TlsOptions,
    /// The leaf certificate's notAfter, RFC 3339 (UTC).
    pub expires: String,
}

impl CertificateFiles {
    /// Reads and checks both files: a one-line error naming the file at fault.
    pub fn load(&self) -> Result<LoadedCertificate, String> {
        let chain = read(&self.certificate, "--tls-cert")?;
        let key = read(&self.key, "--tls-key")?;
        let cert_name = self.certificate.display();
        let key_name = self.key.display();
        let options = TlsOptions::server(&key, &chain).map_err(|error| match error {
            TlsError::NoCertificate => format!("--tls-cert {cert_name}: no PEM certificate in it"),
            TlsError::NoPrivateKey(why) => {
                format!("--tls-key {key_name}: no usable PEM private key in it ({why})")
            }
            TlsError::InvalidCertificate(why) => format!("--tls-cert {cert_name}: {why}"),
            other => format!("--tls-key {key_name} does not fit --tls-cert {cert_name}: {other}"),
        })?;
        let expires = leaf_expiry(&chain)
            .map_err(|why| format!("--tls-cert {cert_name}: unreadable certificate: {why}"))?;
        Ok(LoadedCertificate { options, expires })
    }
}

fn read(path: &Path, flag: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {flag} {}: {e}", path.display()))
}

/// The notAfter of the first certificate in a PEM chain.
fn leaf_expiry(chain_pem: &[u8]) -> Result<String, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(chain_pem).map_err(|e| e.to_string())?;
    let certificate = pem.parse_x509().map_err(|e| e.to_string())?;
    let not_after = certificate.validity().not_after.to_datetime();
    Ok(not_after
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| not_after.to_string()))
}

/// Reloads the certificate files when the process gets SIGHUP: new connections get the new
/// certificate, open ones keep theirs; a reload that fails keeps the old certificate.
pub struct CertificateRenewal {
    files: CertificateFiles,
    certificate: ServerCertificate,
    hangup: Arc<AtomicBool>,
}

impl CertificateRenewal {
    /// Starts listening for SIGHUP.
    pub fn start(files: CertificateFiles, certificate: ServerCertificate) -> Result<Self, String> {
        let hangup = Arc::new(AtomicBool::new(false));
        signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&hangup))
            .map_err(|e| format!("cannot install the SIGHUP handler: {e}"))?;
        Ok(Self {
            files,
            certificate,
            hangup,
        })
    }

    /// Called from the game loop: reloads once per SIGHUP received.
    pub fn poll(&self) {
        if !self.hangup.swap(false, Ordering::SeqCst) {
            return;
        }
        let loaded = self.files.load().and_then(|loaded| {
            self.certificate
                .replace(&loaded.options)
                .map_err(|e| e.to_string())?;
            Ok(loaded)
        });
        match loaded {
            Ok(loaded) => tracing::info!(expires = %loaded.expires, "certificate reloaded"),
            Err(error) => {
                tracing::error!(%error, "certificate reload failed; keeping the old certificate")
            }
        }
    }
}
