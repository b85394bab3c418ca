//! TLS settings beyond verify on/off: a custom CA (file, directory, in
//! memory), a client certificate a server requires, the hostname check on
//! its own, a self-signed certificate trusted directly; connections pooled
//! per setting; failures in OpenSSL's words, as Locust records them.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use common::Recorded;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use rocust_http::{CaSource, ClientCert, HttpSession, Tls, TlsSettings};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

struct Pki {
    dir: PathBuf,
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
    ca_der: CertificateDer<'static>,
}

/// PEM text of DER bytes (rcgen's own PEM output is not built here).
fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn cert_pem(cert: &rcgen::Certificate) -> String {
    pem("CERTIFICATE", cert.der())
}

fn key_pem(key: &rcgen::KeyPair) -> String {
    pem("PRIVATE KEY", &key.serialize_der())
}

fn params(names: &[&str], cn: &str) -> rcgen::CertificateParams {
    let mut p =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(rcgen::DnType::CommonName, cn);
    p
}

/// A CA, a server certificate it signed for `names`, and a client
/// certificate it signed (files in a fresh directory: ca.pem, client.pem,
/// client.key, client-both.pem).
fn pki(names: &[&str]) -> Pki {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "rocust-tls-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut ca_params = params(&[], "rocust test CA");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = params(names, "server")
        .signed_by(&server_key, &issuer)
        .unwrap();
    let client_key = rcgen::KeyPair::generate().unwrap();
    let client = params(&[], "client")
        .signed_by(&client_key, &issuer)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), cert_pem(&ca)).unwrap();
    std::fs::write(dir.join("client.pem"), cert_pem(&client)).unwrap();
    std::fs::write(dir.join("client.key"), key_pem(&client_key)).unwrap();
    std::fs::write(
        dir.join("client-both.pem"),
        format!("{}{}", cert_pem(&client), key_pem(&client_key)),
    )
    .unwrap();
    Pki {
        dir,
        ca_pem: cert_pem(&ca),
        server_chain: vec![server.der().clone()],
        server_key: server_key.serialize_der(),
        ca_der: ca.der().clone(),
    }
}

struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

/// An HTTPS server with the PKI's server certificate; with `client_auth`
/// it requires a client certificate signed by the PKI's CA.
async fn server(pki: &Pki, client_auth: bool) -> Server {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if client_auth {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key.clone()));
    let mut config = builder
        .with_single_cert(pki.server_chain.clone(), key)
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(s).await else {
                    return;
                };
                let svc = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let body = format!("ok {}", req.uri().path());
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                    .await;
            });
        }
    });
    Server { addr, connections }
}

fn with_ca(ca: CaSource) -> Tls {
    Tls::new(TlsSettings {
        roots: vec![ca],
        ..TlsSettings::default()
    })
}

fn verify_failed(detail: &str) -> String {
    format!(
        "SSLError(SSLCertVerificationError(1, {}))",
        rocust_core::stats::pyfmt::python_repr_str(&format!(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {detail}"
        ))
    )
}

#[tokio::test]
async fn a_custom_ca_from_a_file_a_directory_or_memory_is_trusted() {
    let pki = pki(&["127.0.0.1", "localhost"]);
    let server = server(&pki, false).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    let r = client.get("/default").send().await;
    assert_eq!(
        r.error(),
        Some(verify_failed("unable to get local issuer certificate").as_str())
    );
    let ca_dir = pki.dir.join("cas");
    std::fs::create_dir_all(&ca_dir).unwrap();
    std::fs::write(ca_dir.join("any-name.crt"), &pki.ca_pem).unwrap();
    for ca in [
        CaSource::File(pki.dir.join("ca.pem")),
        CaSource::Dir(ca_dir),
        CaSource::Data(pki.ca_pem.clone().into_bytes()),
        CaSource::Data(pki.ca_der.to_vec()),
    ] {
        client.set_tls(with_ca(ca.clone()));
        let r = client.get("/ca").send().await;
        assert_eq!(r.text(), "ok /ca", "{ca:?}: {:?}", r.error());
        // And per request, the session verifying against the bundled roots.
        let r = HttpSession::new(&rec.ctx)
            .get(format!("https://localhost:{}/name", server.addr.port()))
            .tls(with_ca(ca))
            .send()
            .await;
        assert_eq!(r.text(), "ok /name", "{:?}", r.error());
    }
}

#[tokio::test]
async fn the_hostname_is_checked_unless_told_not_to() {
    let pki = pki(&["localhost"]);
    let server = server(&pki, false).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_tls(with_ca(CaSource::File(pki.dir.join("ca.pem"))));
    let r = client.get("/ip").send().await;
    assert_eq!(
        r.error(),
        Some(
            verify_failed("IP address mismatch, certificate is not valid for '127.0.0.1'.")
                .as_str()
        )
    );
    client.set_tls(Tls::new(TlsSettings {
        check_hostname: false,
        roots: vec![CaSource::File(pki.dir.join("ca.pem"))],
        ..TlsSettings::default()
    }));
    let r = client.get("/ip").send().await;
    assert_eq!(r.text(), "ok /ip", "{:?}", r.error());
}

/// A server with a self-signed certificate for 127.0.0.1, as `openssl req
/// -x509` makes them (a CA certificate serving as its own), valid between
/// the years `valid` gives, or for rcgen's default span; also its PEM.
async fn self_signed_server(valid: Option<(i32, i32)>) -> (Server, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = params(&["127.0.0.1"], "self");
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    if let Some((from, to)) = valid {
        p.not_before = rcgen::date_time_ymd(from, 1, 1);
        p.not_after = rcgen::date_time_ymd(to, 1, 1);
    }
    let cert = p.self_signed(&key).unwrap();
    let own = Pki {
        dir: std::env::temp_dir(),
        ca_pem: cert_pem(&cert),
        server_chain: vec![cert.der().clone()],
        server_key: key.serialize_der(),
        ca_der: cert.der().clone(),
    };
    (server(&own, false).await, own.ca_pem)
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_and_can_be_trusted_directly() {
    let (server, ca_pem) = self_signed_server(None).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    let r = client.get("/self").send().await;
    assert_eq!(
        r.error(),
        Some(verify_failed("self-signed certificate").as_str())
    );
    client.set_tls(with_ca(CaSource::Data(ca_pem.into_bytes())));
    let r = client.get("/self").send().await;
    assert_eq!(r.text(), "ok /self", "{:?}", r.error());
}

#[tokio::test]
async fn a_certificate_trusted_directly_must_still_be_in_date() {
    let (server, ca_pem) = self_signed_server(Some((2000, 2001))).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_tls(with_ca(CaSource::Data(ca_pem.into_bytes())));
    let r = client.get("/expired").send().await;
    assert_eq!(
        r.error(),
        Some(verify_failed("certificate has expired").as_str())
    );
}

fn client_cert(dir: &Path, both: bool) -> Tls {
    let cert = if both {
        ClientCert {
            cert_file: dir.join("client-both.pem"),
            key_file: None,
        }
    } else {
        ClientCert {
            cert_file: dir.join("client.pem"),
            key_file: Some(dir.join("client.key")),
        }
    };
    Tls::new(TlsSettings {
        roots: vec![CaSource::File(dir.join("ca.pem"))],
        client_cert: Some(cert),
        ..TlsSettings::default()
    })
}

#[tokio::test]
async fn a_client_certificate_is_shown_and_pooled_apart() {
    let pki = pki(&["127.0.0.1"]);
    let server = server(&pki, true).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_tls(with_ca(CaSource::File(pki.dir.join("ca.pem"))));
    let r = client.get("/none").send().await;
    assert_eq!(r.status(), 0);
    let text = r.error().unwrap();
    assert!(
        text.contains("TLSV13_ALERT_CERTIFICATE_REQUIRED") || text.starts_with("SSLEOFError("),
        "{text}"
    );
    for both in [false, true] {
        let tls = client_cert(&pki.dir, both);
        for i in 0..3 {
            let r = client
                .get(format!("/cert{i}"))
                .tls(tls.clone())
                .send()
                .await;
            assert_eq!(r.text(), format!("ok /cert{i}"), "{:?}", r.error());
        }
    }
    // One connection without a certificate, one per certificate setting
    // (the same certificate in one file or two is two settings).
    assert_eq!(server.connections.load(Ordering::SeqCst), 3);
    // verify=False per request keeps the certificate, as requests merges them.
    client.set_tls(client_cert(&pki.dir, false));
    let r = client.get("/insecure").verify(false).send().await;
    assert_eq!(r.text(), "ok /insecure", "{:?}", r.error());
}

#[tokio::test]
async fn unusable_tls_files_fail_each_request_with_locusts_text() {
    let pki = pki(&["127.0.0.1"]);
    let server = server(&pki, false).await;
    let rec = Recorded::new(Some(&format!("https://127.0.0.1:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    let key_as_ca = pki.dir.join("client.key");
    client.set_tls(with_ca(CaSource::File(key_as_ca)));
    let r = client.get("/badca").send().await;
    assert_eq!(
        r.error(),
        Some("SSLError(SSLError(136, '[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found'))")
    );
    let missing = pki.dir.join("missing.pem");
    client.set_tls(with_ca(CaSource::File(missing.clone())));
    let r = client.get("/missing").send().await;
    assert_eq!(
        r.error().unwrap(),
        format!(
            "OSError('Could not find a suitable TLS CA certificate bundle, invalid path: {}')",
            missing.display()
        )
    );
    // Fixed on disk: the next connection picks it up.
    std::fs::write(&missing, &pki.ca_pem).unwrap();
    let r = client.get("/fixed").send().await;
    assert_eq!(r.text(), "ok /fixed", "{:?}", r.error());
    assert_eq!(rec.events().len(), 3);
}
