//! TLS: verification on by default (a self-signed certificate fails, named
//! as OpenSSL names it), verify off accepts it; HTTP/2 through ALPN when the
//! server offers it.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use common::Recorded;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use rocust_http::{HttpSession, Version};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpListener;

struct TlsServer {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
}

/// An HTTPS server with a fresh self-signed certificate for 127.0.0.1,
/// answering with the HTTP version it saw.
async fn tls_server(alpn: &[&[u8]]) -> TlsServer {
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let cert = CertificateDer::from(key.cert.der().to_vec());
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
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
                    let body = format!("{:?} {}", req.version(), req.uri().path());
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                let _ = hyper_util::server::conn::auto::Builder::new(
                    hyper_util::rt::TokioExecutor::new(),
                )
                .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                .await;
            });
        }
    });
    TlsServer { addr, connections }
}

#[tokio::test]
async fn verify_on_rejects_a_self_signed_certificate() {
    let server = tls_server(&[b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("https://{}", server.addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/secure").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate'))")
    );
    let e = rec.single();
    assert_eq!(e.name, "/secure");
    assert_eq!(e.exception.as_deref(), r.error());
}

#[tokio::test]
async fn verify_off_accepts_it_and_keeps_the_connection() {
    let server = tls_server(&[b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("https://{}", server.addr)));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_verify(false);
    for _ in 0..5 {
        let r = client.get("/secure").send().await;
        assert!(r.ok(), "{:?}", r.error());
        assert_eq!(r.text(), "HTTP/1.1 /secure");
        assert_eq!(r.version(), Version::HTTP_11);
    }
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn http2_is_used_when_offered() {
    let server = tls_server(&[b"h2", b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("https://localhost:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_verify(false);
    for _ in 0..3 {
        let r = client.get("/two").send().await;
        assert!(r.ok(), "{:?}", r.error());
        assert_eq!(r.version(), Version::HTTP_2);
        assert_eq!(r.text(), "HTTP/2.0 /two");
    }
    let (a, b) = tokio::join!(client.get("/a").send(), client.get("/b").send());
    assert_eq!(a.text(), "HTTP/2.0 /a");
    assert_eq!(b.text(), "HTTP/2.0 /b");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
    assert_eq!(rec.events().len(), 5);

    client.set_http2(false);
    let r = client.get("/one").send().await;
    assert_eq!(r.version(), Version::HTTP_11);
    assert_eq!(r.text(), "HTTP/1.1 /one");
}

#[tokio::test]
async fn plain_http_to_a_tls_port_fails_cleanly() {
    let server = tls_server(&[b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("http://{}", server.addr)));
    let r = HttpSession::new(&rec.ctx)
        .get("/x")
        .timeout(std::time::Duration::from_secs(2))
        .send()
        .await;
    assert_eq!(r.status(), 0);
    assert!(r.error().is_some());
    assert_eq!(rec.events().len(), 1);
}

#[tokio::test]
async fn verify_per_request_overrides_the_session_and_pools_apart() {
    let server = tls_server(&[b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("https://{}", server.addr)));
    let mut client = HttpSession::new(&rec.ctx);
    let r = client.get("/a").verify(false).send().await;
    assert!(r.ok(), "{:?}", r.error());
    // The unverified connection is not reused by a verifying request.
    let r = client.get("/b").send().await;
    assert!(
        r.error().unwrap().starts_with("SSLError("),
        "{:?}",
        r.error()
    );
    let r = client.get("/c").verify(false).send().await;
    assert_eq!(r.text(), "HTTP/1.1 /c");
    assert_eq!(server.connections.load(Ordering::SeqCst), 2);

    client.set_verify(false);
    let r = client.get("/d").verify(true).send().await;
    assert_eq!(r.status(), 0);
    let r = client.get("/e").unrecorded().send().await;
    assert_eq!(r.text(), "HTTP/1.1 /e");
    assert_eq!(rec.events().len(), 4);
}

#[tokio::test]
async fn a_streamed_response_over_http2_is_read_on_demand() {
    let server = tls_server(&[b"h2", b"http/1.1"]).await;
    let rec = Recorded::new(Some(&format!("https://localhost:{}", server.addr.port())));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_verify(false);
    let mut r = client.get("/streamed").stream().send().await;
    assert_eq!(r.version(), Version::HTTP_2);
    assert!(r.body().unwrap().is_chunked());
    let mut body = Vec::new();
    while let Some(piece) = r.chunk().await.unwrap() {
        body.extend_from_slice(&piece);
    }
    assert_eq!(body, b"HTTP/2.0 /streamed");
    drop(r);
    let r = client.get("/after").send().await;
    assert_eq!(r.text(), "HTTP/2.0 /after");
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}
