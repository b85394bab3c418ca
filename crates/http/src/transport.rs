//! Connections: per-origin keep-alive pool, connecting (TCP, TLS, ALPN) and
//! one request/response exchange with the whole body read.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::failure::{gaierror_repr, Failure};
use crate::target::{Origin, Target};
use crate::tls;

pub(crate) type Body = Full<Bytes>;

/// Idle HTTP/1.1 connections kept per origin, like requests' pool_maxsize.
const MAX_IDLE_PER_ORIGIN: usize = 10;

/// A response whose body has been read completely.
pub(crate) struct RawResponse {
    pub head: http::response::Parts,
    pub body: Bytes,
}

enum Sender {
    H1(http1::SendRequest<Body>),
    H2(http2::SendRequest<Body>),
}

impl Sender {
    fn is_h2(&self) -> bool {
        matches!(self, Sender::H2(_))
    }
}

struct OriginPool {
    origin: Arc<Origin>,
    h1: Vec<http1::SendRequest<Body>>,
    /// One multiplexed connection serves every request to the origin.
    h2: Option<http2::SendRequest<Body>>,
}

/// What a connection is set up with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectOptions {
    pub verify: bool,
    pub http2: bool,
    pub connect_timeout: Option<Duration>,
}

/// A session's connections, keyed by origin.
#[derive(Default)]
pub(crate) struct Pool {
    origins: Mutex<Vec<OriginPool>>,
}

impl Pool {
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<OriginPool>> {
        self.origins.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_origin<R>(&self, origin: &Arc<Origin>, f: impl FnOnce(&mut OriginPool) -> R) -> R {
        let mut pools = self.lock();
        let idx = pools
            .iter()
            .position(|p| Arc::ptr_eq(&p.origin, origin) || p.origin.key == origin.key);
        let idx = match idx {
            Some(i) => i,
            None => {
                pools.push(OriginPool {
                    origin: origin.clone(),
                    h1: Vec::new(),
                    h2: None,
                });
                pools.len() - 1
            }
        };
        f(&mut pools[idx])
    }

    /// An idle connection that is still open and ready, if any.
    async fn take_idle(&self, origin: &Arc<Origin>) -> Option<Sender> {
        loop {
            let (h1, h2) = self.with_origin(origin, |p| {
                if let Some(h2) = &p.h2 {
                    if !h2.is_closed() {
                        return (None, Some(h2.clone()));
                    }
                    p.h2 = None;
                }
                (p.h1.pop(), None)
            });
            if let Some(mut h2) = h2 {
                if h2.ready().await.is_ok() {
                    return Some(Sender::H2(h2));
                }
                continue;
            }
            let mut h1 = h1?;
            if h1.is_closed() {
                continue;
            }
            if h1.is_ready() || h1.ready().await.is_ok() {
                return Some(Sender::H1(h1));
            }
        }
    }

    fn put_back(&self, origin: &Arc<Origin>, sender: Sender) {
        match sender {
            Sender::H1(s) => {
                if s.is_closed() {
                    return;
                }
                self.with_origin(origin, |p| {
                    if p.h1.len() < MAX_IDLE_PER_ORIGIN {
                        p.h1.push(s);
                    }
                });
            }
            Sender::H2(s) => self.with_origin(origin, |p| {
                if p.h2.is_none() && !s.is_closed() {
                    p.h2 = Some(s);
                }
            }),
        }
    }

    /// Sends one request built by `build` (told whether the connection is
    /// HTTP/2) and reads the whole response. A reused connection that turns
    /// out to be closed is replaced transparently, once.
    pub async fn exchange(
        &self,
        target: &Target,
        method: &Method,
        opts: ConnectOptions,
        read_timeout: Option<Duration>,
        build: impl Fn(bool) -> Result<Request<Body>, Failure>,
    ) -> Result<RawResponse, Failure> {
        let origin = &target.origin;
        let mut retried = false;
        let mut pending: Option<Request<Body>> = None;
        loop {
            let (mut sender, reused) = match self.take_idle(origin).await {
                Some(s) => (s, true),
                // Boxed: connecting (TLS, HTTP/2 handshakes) has a large
                // future that the hot path would otherwise copy around.
                None => (Box::pin(connect(origin, opts)).await?, false),
            };
            if let Sender::H2(h2) = &sender {
                if !reused {
                    self.put_back(origin, Sender::H2(h2.clone()));
                }
            }
            let req = match pending.take() {
                Some(r) => r,
                None => build(sender.is_h2())?,
            };
            let outcome = match read_timeout {
                None => send_and_read(&mut sender, req).await,
                Some(t) => match tokio::time::timeout(t, send_and_read(&mut sender, req)).await {
                    Ok(r) => r,
                    Err(_) => {
                        return Err(Failure::ReadTimeout {
                            tls: origin.tls,
                            host: origin.host.to_string(),
                            port: origin.port,
                            timeout: t,
                        })
                    }
                },
            };
            match outcome {
                Ok(raw) => {
                    if !sender.is_h2() {
                        self.put_back(origin, sender);
                    }
                    return Ok(raw);
                }
                Err(Exchange::NotSent(req, err)) => {
                    if reused && !retried {
                        retried = true;
                        pending = Some(*req);
                        continue;
                    }
                    return Err(Failure::Head(err));
                }
                Err(Exchange::Head(err)) => {
                    if reused && !retried && is_idempotent(method) && closed_before_answer(&err) {
                        retried = true;
                        continue;
                    }
                    return Err(Failure::Head(err));
                }
                Err(Exchange::Body(f)) => return Err(f),
            }
        }
    }
}

enum Exchange {
    /// The connection refused the request before writing it.
    NotSent(Box<Request<Body>>, hyper::Error),
    Head(hyper::Error),
    Body(Failure),
}

async fn send_and_read(sender: &mut Sender, req: Request<Body>) -> Result<RawResponse, Exchange> {
    let resp: Response<Incoming> = match sender {
        Sender::H1(s) => s.try_send_request(req).await.map_err(|mut e| {
            let req = e.take_message();
            match req {
                Some(r) => Exchange::NotSent(Box::new(r), e.into_error()),
                None => Exchange::Head(e.into_error()),
            }
        })?,
        Sender::H2(s) => s.try_send_request(req).await.map_err(|mut e| {
            let req = e.take_message();
            match req {
                Some(r) => Exchange::NotSent(Box::new(r), e.into_error()),
                None => Exchange::Head(e.into_error()),
            }
        })?,
    };
    let (head, mut body) = resp.into_parts();
    let expected = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let body = read_body(&mut body, expected)
        .await
        .map_err(Exchange::Body)?;
    Ok(RawResponse { head, body })
}

/// Reads the whole body; a single chunk is kept without copying.
async fn read_body(body: &mut Incoming, expected: Option<u64>) -> Result<Bytes, Failure> {
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut read: u64 = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| Failure::Body {
            error,
            read,
            expected,
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        read += data.len() as u64;
        if let Some(buf) = rest.as_mut() {
            buf.extend_from_slice(&data);
        } else if let Some(f) = first.take() {
            let cap = expected.unwrap_or(0).min(64 << 20) as usize;
            let mut buf = BytesMut::with_capacity(cap.max(f.len() + data.len()));
            buf.extend_from_slice(&f);
            buf.extend_from_slice(&data);
            rest = Some(buf);
        } else {
            first = Some(data);
        }
    }
    Ok(match rest {
        Some(buf) => buf.freeze(),
        None => first.unwrap_or_default(),
    })
}

fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

/// The server closed a kept-alive connection as we reused it.
fn closed_before_answer(e: &hyper::Error) -> bool {
    if e.is_canceled() || e.is_incomplete_message() || e.is_closed() {
        return true;
    }
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            );
        }
        cur = err.source();
    }
    false
}

async fn connect(origin: &Origin, opts: ConnectOptions) -> Result<Sender, Failure> {
    match opts.connect_timeout {
        None => connect_inner(origin, opts).await,
        Some(t) => tokio::time::timeout(t, connect_inner(origin, opts))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::ConnectTimeout {
                    host: origin.host.to_string(),
                    timeout: t,
                })
            }),
    }
}

async fn connect_inner(origin: &Origin, opts: ConnectOptions) -> Result<Sender, Failure> {
    let addrs: Vec<SocketAddr> = match origin.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, origin.port)],
        Err(_) => tokio::net::lookup_host((&*origin.host, origin.port))
            .await
            .map_err(Failure::Connect)?
            .collect(),
    };
    let mut last_err = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let stream = match (stream, last_err) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(Failure::Connect(e)),
        (None, None) => {
            return Err(Failure::Text(gaierror_repr(
                "No address associated with hostname",
            )))
        }
    };
    // Small requests must not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    if !origin.tls {
        return handshake(stream, false).await;
    }
    let config = tls::client_config(opts.verify, opts.http2).map_err(Failure::Text)?;
    let name = ServerName::try_from(origin.host.to_string()).map_err(|e| {
        Failure::Text(format!(
            "InvalidURL({})",
            crate::failure::py_repr(&format!("invalid TLS server name: {e}"))
        ))
    })?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(Failure::Tls)?;
    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
    handshake(tls, h2).await
}

async fn handshake<S>(io: S, h2: bool) -> Result<Sender, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let io = TokioIo::new(io);
    if h2 {
        let (sender, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake::<_, Body>(io)
            .await
            .map_err(Failure::Head)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Sender::H2(sender))
    } else {
        let (sender, conn) = http1::Builder::new()
            .handshake::<_, Body>(io)
            .await
            .map_err(Failure::Head)?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Sender::H1(sender))
    }
}
