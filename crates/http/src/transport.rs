//! Connections: per-origin keep-alive pool and one request/response exchange,
//! with the whole body read or (streamed) left on the connection.
//!
//! HTTP/1.1 connections are driven inside the request's task and kept idle
//! as bare sockets (see `h1`); HTTP/2 keeps one multiplexed connection per
//! origin, driven by hyper in a spawned task.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, Method, Request, Response, StatusCode, Version};
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};
use hyper::client::conn::{http2, TrySendError};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::connect::{connect, ConnectOptions};
use crate::decode::StreamDecoder;
use crate::failure::Failure;
use crate::h1::{self, Idle};
use crate::outgoing::Outgoing;
use crate::stream::{BodyStream, GiveBack};
use crate::target::{Origin, Target};
use crate::tls::Tls;

pub(crate) type Body = Full<Bytes>;

/// Idle HTTP/1.1 connections kept per origin, like requests' pool_maxsize.
const MAX_IDLE_PER_ORIGIN: usize = 10;

/// A response whose body has been read completely.
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub version: Version,
    /// The reason phrase when it is not the standard one (HTTP/1.1).
    pub reason: Option<Bytes>,
    /// The headers, as far as they were parsed into a map: all of them,
    /// unless `raw_head` is set (none of those is one the session reads).
    pub headers: HeaderMap,
    /// An HTTP/1.1 head whose headers are parsed only on demand.
    pub raw_head: Option<Bytes>,
    pub body: Bytes,
}

/// A request's time limit.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    /// Limit on waiting for each hop's whole response (a streamed one's
    /// head, then each read of its body).
    pub read_timeout: Option<Duration>,
}

/// A connection ready for one request.
enum Conn {
    H1(Idle),
    H2(http2::SendRequest<Body>),
}

struct OriginPool {
    origin: Arc<Origin>,
    /// The TLS setting of an https origin's connections: connections made
    /// with different settings are pooled apart (as urllib3 keys its pools
    /// by `cert_reqs`, `ca_certs`, `cert_file`...).
    tls: Option<Tls>,
    h1: Vec<Idle>,
    /// One multiplexed connection serves every request to the origin.
    h2: Option<http2::SendRequest<Body>>,
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

    fn with_origin<R>(
        &self,
        origin: &Arc<Origin>,
        tls: &Tls,
        f: impl FnOnce(&mut OriginPool) -> R,
    ) -> R {
        let mut pools = self.lock();
        let idx = pools.iter().position(|p| {
            (Arc::ptr_eq(&p.origin, origin) || p.origin.key == origin.key)
                && p.tls.as_ref().is_none_or(|t| t.same(tls))
        });
        let idx = match idx {
            Some(i) => i,
            None => {
                // Sessions mostly talk to one origin over one connection:
                // grow these one entry at a time.
                pools.reserve_exact(1);
                pools.push(OriginPool {
                    origin: origin.clone(),
                    tls: origin.tls.then(|| tls.clone()),
                    h1: Vec::new(),
                    h2: None,
                });
                pools.len() - 1
            }
        };
        f(&mut pools[idx])
    }

    /// An idle connection, if any (the most recently used first). A socket
    /// the server closed meanwhile is usually noticed before the request is
    /// written, which makes the request `NotSent` (see `exchange`).
    async fn take_idle(&self, origin: &Arc<Origin>, tls: &Tls) -> Option<Conn> {
        loop {
            let (h1, h2) = self.with_origin(origin, tls, |p| {
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
                    return Some(Conn::H2(h2));
                }
                continue;
            }
            return h1.map(Conn::H1);
        }
    }

    pub(crate) fn put_back_h1(&self, origin: &Arc<Origin>, tls: &Tls, idle: Idle) {
        self.with_origin(origin, tls, |p| {
            if p.h1.len() < MAX_IDLE_PER_ORIGIN {
                p.h1.reserve_exact(1);
                p.h1.push(idle);
            }
        });
    }

    fn put_back_h2(&self, origin: &Arc<Origin>, tls: &Tls, sender: http2::SendRequest<Body>) {
        self.with_origin(origin, tls, |p| {
            if p.h2.is_none() && !sender.is_closed() {
                p.h2 = Some(sender);
            }
        });
    }

    /// Sends one request built by `build` (told whether the connection is
    /// HTTP/2) and reads the whole response. A reused connection that turns
    /// out to be closed is replaced transparently: always when the request
    /// was not written, and once for idempotent methods when the server
    /// closed it without answering.
    pub async fn exchange(
        &self,
        target: &Target,
        method: &Method,
        opts: ConnectOptions<'_>,
        timing: Timing,
        mut build: impl FnMut(bool) -> Result<Outgoing, Failure>,
    ) -> Result<RawResponse, Failure> {
        let read_timeout = timing.read_timeout;
        let origin = &target.origin;
        let mut attempts = Attempts::default();
        loop {
            let (conn, reused) = match self.take_idle(origin, opts.tls).await {
                Some(c) => (c, true),
                // Boxed: connecting (TLS, HTTP/2 handshakes) has a large
                // future that the hot path would otherwise copy around.
                None => (Box::pin(open(origin, opts)).await?, false),
            };
            // The deadline is polled beside the exchange rather than wrapping
            // it, so the exchange's state is not stored twice.
            let mut deadline = read_timeout.map(|t| Box::pin(tokio::time::sleep(t)));
            let mut expired = |cx: &mut Context<'_>| {
                deadline
                    .as_mut()
                    .is_some_and(|d| d.as_mut().poll(cx).is_ready())
            };
            let outcome = match conn {
                Conn::H1(idle) => {
                    let out = build(false)?;
                    // Pinned here, unboxed, and only while it runs.
                    let mut run = pin!(h1::exchange(idle, out, target.request_target(), reused));
                    poll_fn(|cx| match run.as_mut().poll(cx) {
                        Poll::Ready((outcome, idle)) => {
                            if let Some(i) = idle {
                                self.put_back_h1(origin, opts.tls, i);
                            }
                            Poll::Ready(Some(outcome))
                        }
                        Poll::Pending if expired(cx) => Poll::Ready(None),
                        Poll::Pending => Poll::Pending,
                    })
                    .await
                }
                Conn::H2(sender) => {
                    if !reused {
                        self.put_back_h2(origin, opts.tls, sender.clone());
                    }
                    let req = h2_request(build(true)?, target)?;
                    let mut run = Box::pin(send_and_read_h2(sender, req));
                    poll_fn(|cx| match run.as_mut().poll(cx) {
                        Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
                        Poll::Pending if expired(cx) => Poll::Ready(None),
                        Poll::Pending => Poll::Pending,
                    })
                    .await
                }
            };
            match outcome {
                Some(Ok(raw)) => return Ok(raw),
                Some(Err(failed)) => attempts.again(failed, reused, method)?,
                None => return Err(read_timeout_failure(origin, read_timeout)),
            }
        }
    }
}

/// A response whose body is still to be read (a streamed request).
pub(crate) struct StreamedRaw {
    pub status: StatusCode,
    pub version: Version,
    pub reason: Option<Bytes>,
    pub headers: HeaderMap,
    pub raw_head: Option<Bytes>,
    pub body: BodyStream,
}

impl Pool {
    /// Like `exchange`, but returns at the response head with the body
    /// still to read (on the connection, which stays out of the pool until
    /// the body has been read).
    pub async fn exchange_streamed(
        self: &Arc<Self>,
        target: &Target,
        method: &Method,
        opts: ConnectOptions<'_>,
        timing: Timing,
        mut build: impl FnMut(bool) -> Result<Outgoing, Failure>,
    ) -> Result<StreamedRaw, Failure> {
        let read_timeout = timing.read_timeout;
        let origin = &target.origin;
        let mut attempts = Attempts::default();
        loop {
            let (conn, reused) = match self.take_idle(origin, opts.tls).await {
                Some(c) => (c, true),
                None => (Box::pin(open(origin, opts)).await?, false),
            };
            let mut deadline = read_timeout.map(|t| Box::pin(tokio::time::sleep(t)));
            let outcome = match conn {
                Conn::H1(idle) => {
                    let out = build(false)?;
                    let run = h1::exchange_head(idle, out, target.request_target(), reused);
                    before(&mut deadline, run).await.map(|r| {
                        r.map(|sh| {
                            let (status, version, reason, headers, raw) = sh.head.into_parts();
                            let decoder = headers.as_deref().and_then(StreamDecoder::for_headers);
                            let give_back = GiveBack {
                                pool: self.clone(),
                                origin: origin.clone(),
                                tls: opts.tls.clone(),
                            };
                            let body = BodyStream::h1(
                                sh.framing,
                                sh.rest,
                                sh.socket,
                                sh.reusable,
                                decoder,
                                give_back,
                                read_timeout,
                            );
                            StreamedRaw {
                                status,
                                version,
                                reason,
                                raw_head: headers.is_none().then_some(raw),
                                headers: headers.map(|h| *h).unwrap_or_default(),
                                body,
                            }
                        })
                    })
                }
                Conn::H2(mut sender) => {
                    if !reused {
                        self.put_back_h2(origin, opts.tls, sender.clone());
                    }
                    let req = h2_request(build(true)?, target)?;
                    let run = async move {
                        sender
                            .try_send_request(req)
                            .await
                            .map_err(Exchange::from_try_send)
                    };
                    before(&mut deadline, run).await.map(|r| {
                        r.map(|resp| {
                            let (head, body) = resp.into_parts();
                            let decoder = StreamDecoder::for_headers(&head.headers);
                            let expected = content_length(&head);
                            let body = BodyStream::h2(
                                body,
                                expected,
                                decoder,
                                read_timeout,
                                origin.clone(),
                            );
                            StreamedRaw {
                                status: head.status,
                                version: head.version,
                                reason: None,
                                headers: head.headers,
                                raw_head: None,
                                body,
                            }
                        })
                    })
                }
            };
            match outcome {
                Some(Ok(raw)) => return Ok(raw),
                Some(Err(failed)) => attempts.again(failed, reused, method)?,
                None => return Err(read_timeout_failure(origin, read_timeout)),
            }
        }
    }
}

/// The failed attempts of one request, which decide whether it goes again.
#[derive(Default)]
struct Attempts {
    /// Idle connections found closed before the request went out.
    passed_over: usize,
    /// Whether the one retry after an unanswered idempotent request was used.
    retried: bool,
}

impl Attempts {
    /// `Ok` to try again on another connection, or the failure to return.
    fn again(&mut self, failed: Exchange, reused: bool, method: &Method) -> Result<(), Failure> {
        match failed {
            // Nothing went out: on to the next idle connection (each one
            // found closed is dropped), or a new one.
            Exchange::NotSent(_) if reused && self.passed_over <= MAX_IDLE_PER_ORIGIN => {
                self.passed_over += 1;
                Ok(())
            }
            Exchange::Head(f)
                if reused && !self.retried && is_idempotent(method) && f.closed_before_answer() =>
            {
                self.retried = true;
                Ok(())
            }
            Exchange::NotSent(f) | Exchange::Head(f) | Exchange::Body(f) => Err(f),
        }
    }
}

fn read_timeout_failure(origin: &Origin, read_timeout: Option<Duration>) -> Failure {
    Failure::ReadTimeout {
        tls: origin.tls,
        host: origin.host.to_string(),
        port: origin.port,
        timeout: read_timeout.unwrap_or_default(),
    }
}

/// `f`'s output, unless the deadline passes first.
async fn before<F: Future>(
    deadline: &mut Option<Pin<Box<tokio::time::Sleep>>>,
    f: F,
) -> Option<F::Output> {
    let mut f = Box::pin(f);
    poll_fn(|cx| match f.as_mut().poll(cx) {
        Poll::Ready(out) => Poll::Ready(Some(out)),
        Poll::Pending
            if deadline
                .as_mut()
                .is_some_and(|d| d.as_mut().poll(cx).is_ready()) =>
        {
            Poll::Ready(None)
        }
        Poll::Pending => Poll::Pending,
    })
    .await
}

/// An HTTP/2 request for `out`.
fn h2_request(out: Outgoing, target: &Target) -> Result<Request<Body>, Failure> {
    let headers = out.merged();
    let mut req = Request::new(Full::new(out.body));
    *req.method_mut() = out.method;
    *req.uri_mut() = target.uri(true)?;
    *req.headers_mut() = headers;
    *req.version_mut() = Version::HTTP_2;
    Ok(req)
}

/// How an exchange failed.
pub(crate) enum Exchange {
    /// The connection turned out closed before the request was written.
    NotSent(Failure),
    /// Sending, or waiting for the response head, failed.
    Head(Failure),
    Body(Failure),
}

impl Exchange {
    fn from_try_send(mut e: TrySendError<Request<Body>>) -> Exchange {
        match e.take_message() {
            Some(_) => Exchange::NotSent(Failure::Head(e.into_error())),
            None => Exchange::Head(Failure::Head(e.into_error())),
        }
    }
}

async fn send_and_read_h2(
    mut sender: http2::SendRequest<Body>,
    req: Request<Body>,
) -> Result<RawResponse, Exchange> {
    let resp: Response<Incoming> = sender
        .try_send_request(req)
        .await
        .map_err(Exchange::from_try_send)?;
    let (head, mut body) = resp.into_parts();
    let expected = content_length(&head);
    let body = read_body(&mut body, expected, |b, cx| Pin::new(b).poll_frame(cx))
        .await
        .map_err(Exchange::Body)?;
    Ok(RawResponse {
        status: head.status,
        version: head.version,
        reason: None,
        headers: head.headers,
        raw_head: None,
        body,
    })
}

fn content_length(head: &http::response::Parts) -> Option<u64> {
    head.headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

type Frame = Option<Result<hyper::body::Frame<Bytes>, hyper::Error>>;

/// Reads the whole body; a single chunk is kept without copying.
/// `poll_frame` polls the body (and whatever feeds it).
async fn read_body(
    body: &mut Incoming,
    expected: Option<u64>,
    mut poll_frame: impl FnMut(&mut Incoming, &mut Context<'_>) -> Poll<Frame>,
) -> Result<Bytes, Failure> {
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut read: u64 = 0;
    loop {
        let frame = poll_fn(|cx| poll_frame(body, cx)).await;
        let Some(frame) = frame else { break };
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

/// A new connection; HTTP/2 when TLS negotiated it.
async fn open(origin: &Origin, opts: ConnectOptions<'_>) -> Result<Conn, Failure> {
    let socket = connect(origin, opts).await?;
    if !socket.is_h2() {
        return Ok(Conn::H1(Idle::new(socket)));
    }
    let (sender, conn) = http2::Builder::new(TokioExecutor::new())
        .handshake::<_, Body>(TokioIo::new(socket))
        .await
        .map_err(Failure::Head)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(Conn::H2(sender))
}
