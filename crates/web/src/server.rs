//! The listener: plain HTTP or rustls, one accept loop for both, and the
//! base path (`--web-base-path`) stripped before routing.
//!
//! hyper serves each connection (HTTP/1.1) so TLS and plain TCP share the
//! same code; a plain listener that receives a TLS handshake says so in the log,
//! as Locust does.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::{TlsFiles, WebUiConfig};

pub(crate) struct Server {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

/// The address `--web-host` asks for: loopback when not given (rocust's
/// default), every interface for `""` and `*` (Locust's default).
pub(crate) fn bind_host(web_host: Option<&str>) -> &str {
    match web_host {
        None => "127.0.0.1",
        Some("" | "*") => "0.0.0.0",
        Some(host) => host,
    }
}

impl Server {
    pub(crate) async fn start(config: &WebUiConfig, router: Router) -> Result<Server, String> {
        let host = bind_host(config.web_host.as_deref());
        let tls = match &config.tls {
            Some(files) => Some(tls_acceptor(files)?),
            None => None,
        };
        let listener = bind(host, config.web_port).await?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| format!("Could not start the web interface: {e}"))?;
        let (stop, stopped) = watch::channel(false);
        let app = BasePath::new(&config.base_path, router);
        let accept = tokio::spawn(accept_loop(listener, tls, app, stopped));
        Ok(Server {
            local_addr,
            stop,
            accept,
        })
    }

    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub(crate) async fn shutdown(self) {
        self.stop.send_replace(true);
        let _ = self.accept.await;
    }
}

/// The page's address: the bound address (a host name as given), the port
/// actually bound (`-P 0` picks one), the base path.
pub(crate) fn url(config: &WebUiConfig, bound: SocketAddr) -> String {
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let host = match bind_host(config.web_host.as_deref()) {
        "0.0.0.0" => "0.0.0.0".to_owned(),
        host if host.parse::<std::net::IpAddr>().is_ok() => match bound.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        },
        name => name.to_owned(),
    };
    format!("{scheme}://{host}:{}{}", bound.port(), config.base_path)
}

async fn bind(host: &str, port: u16) -> Result<TcpListener, String> {
    // Brackets are how a user writes an IPv6 address in a URL; accept them here too.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("Could not resolve --web-host {host}: {e}"))?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpListener::bind(addr).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) if e.kind() == std::io::ErrorKind::AddrInUse => format!(
            "Could not start the web interface: address {addr} is already in use ({e}); choose another port with -P/--web-port"
        ),
        Some((addr, e)) => format!("Could not start the web interface on {addr}: {e}"),
        None => format!("Could not resolve --web-host {host}"),
    })
}

fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| format!("Could not read --tls-cert {}: {e}", files.cert.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "Could not read --tls-cert {}: no certificate in it",
            files.cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("Could not read --tls-key {}: {e}", files.key.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("Could not set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("--tls-cert and --tls-key do not work together: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: BasePath,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    log::debug!("web UI accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = until_set(&mut stopped) => return,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        let stopped = stopped.clone();
        tokio::spawn(async move {
            match tls {
                Some(tls) => match tls.accept(stream).await {
                    Ok(stream) => serve(TokioIo::new(stream), app, peer, stopped).await,
                    Err(e) => log::debug!("TLS handshake with {peer} failed: {e}"),
                },
                None => {
                    if is_tls_handshake(&stream).await {
                        log::error!("An https request was made against rocust's Web UI (which was expecting http). Underlying error was: a TLS handshake from {peer}");
                        return;
                    }
                    serve(TokioIo::new(stream), app, peer, stopped).await;
                }
            }
        });
    }
}

/// Resolves once the flag is set (or its sender is gone).
async fn until_set(flag: &mut watch::Receiver<bool>) {
    let _ = flag.wait_for(|set| *set).await.is_ok();
}

/// Whether the client opens with a TLS record (an `https://` URL on a plain server).
async fn is_tls_handshake(stream: &TcpStream) -> bool {
    let mut first = [0u8; 1];
    matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16)
}

async fn serve<I>(io: I, app: BasePath, peer: SocketAddr, mut stopped: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let app = app.with_peer(peer);
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, TowerToHyperService::new(app));
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                log::debug!("web UI connection ended: {e}");
            }
        }
        _ = until_set(&mut stopped) => {}
    }
}

/// The router under `--web-base-path`: `/base` answers 308 to `/base/`
/// (the page's links are relative), `/base/x` is routed as `/x`, anything
/// else is 404.
#[derive(Clone)]
struct BasePath {
    prefix: Arc<str>,
    router: Router,
    /// The client of this connection, for handlers that ask (`ConnectInfo`).
    peer: Option<SocketAddr>,
}

impl BasePath {
    fn new(base_path: &str, router: Router) -> Self {
        Self {
            prefix: Arc::from(base_path.trim_end_matches('/')),
            router,
            peer: None,
        }
    }

    fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    async fn call(self, mut request: Request) -> Response {
        if let Some(peer) = self.peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        if self.prefix.is_empty() {
            return self.router.oneshot(request).await.into_response();
        }
        let path = request.uri().path();
        let Some(rest) = path.strip_prefix(&*self.prefix) else {
            return crate::api::not_found().await;
        };
        if rest.is_empty() {
            let query = request
                .uri()
                .query()
                .map_or(String::new(), |q| format!("?{q}"));
            return (
                StatusCode::PERMANENT_REDIRECT,
                [(header::LOCATION, format!("{}/{query}", self.prefix))],
            )
                .into_response();
        }
        if !rest.starts_with('/') {
            return crate::api::not_found().await;
        }
        let path_and_query = match request.uri().query() {
            Some(q) => format!("{rest}?{q}"),
            None => rest.to_owned(),
        };
        match Uri::builder().path_and_query(path_and_query).build() {
            Ok(uri) => *request.uri_mut() = uri,
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
        self.router.oneshot(request).await.into_response()
    }
}

impl tower::Service<Request<hyper::body::Incoming>> for BasePath {
    type Response = Response;
    type Error = Infallible;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response, Infallible>> + Send + 'static>,
    >;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<hyper::body::Incoming>) -> Self::Future {
        let this = self.clone();
        let request = request.map(Body::new);
        Box::pin(async move { Ok(this.call(request).await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rocust_binds_loopback_unless_told_otherwise() {
        assert_eq!(bind_host(None), "127.0.0.1");
        assert_eq!(bind_host(Some("")), "0.0.0.0");
        assert_eq!(bind_host(Some("*")), "0.0.0.0");
        assert_eq!(bind_host(Some("::1")), "::1");
    }
}
