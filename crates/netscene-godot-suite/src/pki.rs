//! A test PKI for `wss://` tests: a CA made at test time, a server certificate it signed for
//! `localhost` and 127.0.0.1, and the files a server and a browser need.

use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};

/// A fresh CA and a server certificate it signed (PEM).
///
/// ```
/// let pki = netscene_godot_suite::TestPki::new("netscene test CA");
/// assert!(pki.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
/// assert!(pki.key_pem.contains("PRIVATE KEY"));
/// ```
#[derive(Debug, Clone)]
pub struct TestPki {
    /// The CA certificate: what a client trusts.
    pub ca_pem: String,
    /// The server's certificate chain (its certificate only; the CA is trusted directly).
    pub cert_pem: String,
    /// The server's private key (PKCS#8).
    pub key_pem: String,
}

/// Where [`TestPki::write_to`] put the files.
#[derive(Debug, Clone)]
pub struct PkiFiles {
    /// `ca.pem`
    pub ca: PathBuf,
    /// `cert.pem`
    pub cert: PathBuf,
    /// `key.pem`
    pub key: PathBuf,
}

impl TestPki {
    /// A new CA named `ca_name` and a server certificate for `localhost` and 127.0.0.1.
    pub fn new(ca_name: &str) -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, ca_name);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let key = KeyPair::generate().expect("server key");
        let mut params = CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &ca).expect("server certificate");
        TestPki {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// Writes `ca.pem`, `cert.pem` and `key.pem` into `dir` (replacing them).
    pub fn write_to(&self, dir: &Path) -> PkiFiles {
        std::fs::create_dir_all(dir).expect("PKI dir");
        let files = PkiFiles {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        for (path, pem) in [
            (&files.ca, &self.ca_pem),
            (&files.cert, &self.cert_pem),
            (&files.key, &self.key_pem),
        ] {
            std::fs::write(path, pem).expect("write PEM");
        }
        files
    }
}
