//! TLS settings of client connections (`Tls`): how the server's certificate
//! is checked and which client certificate is shown, as requests'
//! `verify=`/`cert=` and an `ssl.SSLContext` express them.
//!
//! Each distinct setting is interned: every session that uses it shares one
//! handle and one rustls configuration per ALPN choice (built on the first
//! connection, so TLS session resumption works across users and plain HTTP
//! never pays for it). Connections are pooled by the handle, so a connection
//! made with one setting never serves a request made with another.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::failure::py_repr;
use crate::tls_verify::{AcceptAnyCert, Verifier};

/// Where trusted CA certificates come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CaSource {
    /// The Mozilla roots bundled with rocust (requests uses certifi's copy
    /// of the same list).
    Bundled,
    /// A PEM file of CA certificates (requests' `verify="/path/ca.pem"`).
    File(PathBuf),
    /// Every PEM file in a directory (requests' `verify="/path/certs/"`).
    Dir(PathBuf),
    /// Certificates given in memory: PEM text or DER (`cadata=`).
    Data(Vec<u8>),
}

/// A client certificate: the certificate chain file and its private key,
/// which may be in the same PEM file (requests' `cert="both.pem"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientCert {
    pub cert_file: PathBuf,
    pub key_file: Option<PathBuf>,
}

/// A TLS protocol version a connection may use (rustls speaks 1.2 and 1.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// What a TLS connection checks and presents. The default verifies the
/// server against the bundled roots, name included, like requests.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// Check the server's certificate chain (requests' `verify=False` and
    /// `CERT_NONE` turn it off: any certificate is accepted).
    pub verify: bool,
    /// Check that the certificate is for the host connected to
    /// (`SSLContext.check_hostname`); only when `verify` is on.
    pub check_hostname: bool,
    /// The trusted CAs; empty means the bundled roots.
    pub roots: Vec<CaSource>,
    pub client_cert: Option<ClientCert>,
    pub min_version: Option<TlsVersion>,
    pub max_version: Option<TlsVersion>,
}

impl Default for TlsSettings {
    fn default() -> Self {
        TlsSettings {
            verify: true,
            check_hostname: true,
            roots: Vec::new(),
            client_cert: None,
            min_version: None,
            max_version: None,
        }
    }
}

/// Only a configuration that loaded is kept: a CA file that is fixed is
/// picked up by the next connection.
type Built = OnceLock<Arc<ClientConfig>>;

struct Shared {
    settings: TlsSettings,
    /// Without and with HTTP/2 offered through ALPN.
    configs: [Built; 2],
}

/// An interned TLS setting: cheap to clone and to compare.
#[derive(Clone)]
pub struct Tls(Arc<Shared>);

impl Tls {
    /// The handle for `settings`; equal settings give the same handle.
    pub fn new(settings: TlsSettings) -> Tls {
        static INTERNED: Mutex<Option<HashMap<TlsSettings, Weak<Shared>>>> = Mutex::new(None);
        let mut interned = INTERNED.lock().unwrap_or_else(|e| e.into_inner());
        let map = interned.get_or_insert_with(HashMap::new);
        if let Some(shared) = map.get(&settings).and_then(Weak::upgrade) {
            return Tls(shared);
        }
        if map.len() >= 64 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let shared = Arc::new(Shared {
            settings: settings.clone(),
            configs: [OnceLock::new(), OnceLock::new()],
        });
        map.insert(settings, Arc::downgrade(&shared));
        Tls(shared)
    }

    /// Verify the server against the bundled roots, its name included.
    pub fn verified() -> Tls {
        static VERIFIED: OnceLock<Tls> = OnceLock::new();
        VERIFIED
            .get_or_init(|| Tls::new(TlsSettings::default()))
            .clone()
    }

    /// Accept any server certificate (requests' `verify=False`).
    pub fn insecure() -> Tls {
        static INSECURE: OnceLock<Tls> = OnceLock::new();
        INSECURE
            .get_or_init(|| {
                Tls::new(TlsSettings {
                    verify: false,
                    check_hostname: false,
                    ..TlsSettings::default()
                })
            })
            .clone()
    }

    pub fn settings(&self) -> &TlsSettings {
        &self.0.settings
    }

    /// The same setting: live handles of equal settings are one pointer.
    pub(crate) fn same(&self, other: &Tls) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The rustls configuration, built on first use. A setting that cannot
    /// be loaded (a missing or empty CA file...) fails each connection with
    /// the text Locust records for it.
    pub(crate) fn client_config(&self, http2: bool) -> Result<Arc<ClientConfig>, String> {
        let slot = &self.0.configs[usize::from(http2)];
        if let Some(config) = slot.get() {
            return Ok(config.clone());
        }
        let config = build(&self.0.settings, http2)?;
        Ok(slot.get_or_init(|| config).clone())
    }
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.settings.fmt(f)
    }
}

impl PartialEq for Tls {
    fn eq(&self, other: &Tls) -> bool {
        self.same(other)
    }
}

impl Eq for Tls {}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

fn build(settings: &TlsSettings, http2: bool) -> Result<Arc<ClientConfig>, String> {
    let provider = provider();
    let versions = versions(settings)?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| ssl_error(&e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = if settings.verify {
        let (store, anchors) = load_roots(&settings.roots)?;
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
            .build()
            .map_err(|e| ssl_error(&e.to_string()))?;
        Arc::new(Verifier::new(inner, settings.check_hostname, anchors))
    } else {
        Arc::new(AcceptAnyCert::new(provider))
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match &settings.client_cert {
        None => builder.with_no_client_auth(),
        Some(cert) => {
            let (chain, key) = load_client_cert(cert)?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|_| key_mismatch())?
        }
    };
    config.alpn_protocols = if http2 {
        vec![b"h2".to_vec(), b"http/1.1".to_vec()]
    } else {
        vec![b"http/1.1".to_vec()]
    };
    Ok(Arc::new(config))
}

fn versions(
    settings: &TlsSettings,
) -> Result<Vec<&'static rustls::SupportedProtocolVersion>, String> {
    let min = settings.min_version.unwrap_or(TlsVersion::Tls12);
    let max = settings.max_version.unwrap_or(TlsVersion::Tls13);
    let all = [
        (TlsVersion::Tls12, &rustls::version::TLS12),
        (TlsVersion::Tls13, &rustls::version::TLS13),
    ];
    let chosen: Vec<_> = all
        .into_iter()
        .filter(|(v, _)| (min..=max).contains(v))
        .map(|(_, p)| p)
        .collect();
    if chosen.is_empty() {
        return Err(ssl_error("no protocols available"));
    }
    Ok(chosen)
}

/// The root store, and the certificates given by the user (a server may
/// present one of them itself: a self-signed certificate trusted directly).
fn load_roots(
    sources: &[CaSource],
) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), String> {
    let mut store = RootCertStore::empty();
    let mut given = Vec::new();
    if sources.is_empty() {
        store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for source in sources {
        let certs = match source {
            CaSource::Bundled => {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                continue;
            }
            CaSource::File(path) => {
                let data = std::fs::read(path).map_err(|_| missing_ca_bundle(path))?;
                pem_certs(&data)
            }
            CaSource::Dir(path) => {
                let entries = std::fs::read_dir(path).map_err(|_| missing_ca_bundle(path))?;
                let mut certs = Vec::new();
                for entry in entries.flatten() {
                    if let Ok(data) = std::fs::read(entry.path()) {
                        certs.extend(pem_certs(&data));
                    }
                }
                certs
            }
            CaSource::Data(data) if data.trim_ascii_start().starts_with(b"-----BEGIN") => {
                pem_certs(data)
            }
            CaSource::Data(data) => der_certs(data),
        };
        let (added, _) = store.add_parsable_certificates(certs.iter().cloned());
        if added == 0 && !matches!(source, CaSource::Dir(_)) {
            return Err(ssl_error_code(
                136,
                "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found",
            ));
        }
        given.extend(certs);
    }
    Ok((store, given))
}

fn pem_certs(data: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(data)
        .filter_map(Result::ok)
        .collect()
}

/// Concatenated DER certificates, as `cadata=` bytes hold them.
fn der_certs(mut data: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut certs = Vec::new();
    while let Some(len) = crate::tls_verify::der_len(data) {
        certs.push(CertificateDer::from(data[..len].to_vec()));
        data = &data[len..];
    }
    certs
}

fn load_client_cert(
    cert: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let cert_data = std::fs::read(&cert.cert_file).map_err(|_| {
        os_error(&format!(
            "Could not find the TLS certificate file, invalid path: {}",
            cert.cert_file.display()
        ))
    })?;
    let chain = pem_certs(&cert_data);
    if chain.is_empty() {
        return Err(pem_lib());
    }
    let key_data = match &cert.key_file {
        None => cert_data,
        Some(path) => std::fs::read(path).map_err(|_| {
            os_error(&format!(
                "Could not find the TLS key file, invalid path: {}",
                path.display()
            ))
        })?,
    };
    let encrypted = |marker: &[u8]| key_data.windows(marker.len()).any(|w| w == marker);
    if encrypted(b"-----BEGIN ENCRYPTED") || encrypted(b"Proc-Type: 4,ENCRYPTED") {
        return Err(ssl_error(
            "rocust cannot use an encrypted private key: decrypt it first (openssl pkey -in key.pem -out plain.pem)",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(&key_data).map_err(|_| pem_lib())?;
    Ok((chain, key))
}

fn missing_ca_bundle(path: &Path) -> String {
    os_error(&format!(
        "Could not find a suitable TLS CA certificate bundle, invalid path: {}",
        path.display()
    ))
}

fn os_error(msg: &str) -> String {
    format!("OSError({})", py_repr(msg))
}

/// urllib3's SSLError around the ssl module's: what Locust records when a
/// connection's TLS setup fails.
fn ssl_error_code(code: u32, msg: &str) -> String {
    format!("SSLError(SSLError({code}, {}))", py_repr(msg))
}

fn ssl_error(msg: &str) -> String {
    format!("SSLError(SSLError({}))", py_repr(msg))
}

fn pem_lib() -> String {
    ssl_error_code(9, "[SSL] PEM lib")
}

fn key_mismatch() -> String {
    ssl_error_code(116, "[X509: KEY_VALUES_MISMATCH] key values mismatch")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_interned_and_configs_built_once() {
        let a = Tls::verified();
        let b = Tls::new(TlsSettings::default());
        assert!(Arc::ptr_eq(&a.0, &b.0));
        let c1 = a.client_config(true).unwrap();
        let c2 = b.client_config(true).unwrap();
        assert!(Arc::ptr_eq(&c1, &c2));
        assert_eq!(
            c1.alpn_protocols,
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        );
        let off = Tls::insecure();
        assert!(!off.same(&a));
        assert_eq!(
            off.client_config(false).unwrap().alpn_protocols,
            vec![b"http/1.1".to_vec()]
        );
    }

    #[test]
    fn unusable_settings_fail_with_locusts_texts() {
        let missing = Tls::new(TlsSettings {
            roots: vec![CaSource::File("/nonexistent/ca.pem".into())],
            ..TlsSettings::default()
        });
        assert_eq!(
            missing.client_config(false).unwrap_err(),
            "OSError('Could not find a suitable TLS CA certificate bundle, invalid path: /nonexistent/ca.pem')"
        );
        let empty = Tls::new(TlsSettings {
            roots: vec![CaSource::Data(b"-----BEGIN NOTHING-----\n".to_vec())],
            ..TlsSettings::default()
        });
        assert_eq!(
            empty.client_config(false).unwrap_err(),
            "SSLError(SSLError(136, '[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found'))"
        );
        let cert = Tls::new(TlsSettings {
            client_cert: Some(ClientCert {
                cert_file: "/nonexistent/c.pem".into(),
                key_file: None,
            }),
            ..TlsSettings::default()
        });
        assert!(cert
            .client_config(false)
            .unwrap_err()
            .starts_with("OSError('Could not find the TLS certificate file"));
        let none = Tls::new(TlsSettings {
            min_version: Some(TlsVersion::Tls13),
            max_version: Some(TlsVersion::Tls12),
            ..TlsSettings::default()
        });
        assert_eq!(
            none.client_config(false).unwrap_err(),
            "SSLError(SSLError('no protocols available'))"
        );
    }
}
