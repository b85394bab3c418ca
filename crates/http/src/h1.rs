//! One HTTP/1.1 exchange on a socket, driven inside the request's own task.
//!
//! hyper's connection future is polled together with the response future
//! and the body: no spawned connection task, no cross-task wake-ups.
//!
//! Memory: hyper keeps two 8 KB buffers (and a request channel) per
//! connection. A socket whose user pauses between requests goes back to the
//! pool bare ("cold") and gets a fresh hyper connection for its next request;
//! one used back to back keeps its hyper connection ("hot"), which saves
//! setting it up again. When very many requests wait on one thread at once
//! (thousands of users spawned together), a request whose answer has not
//! started yet parks as a bare socket until the server replies.

#[cfg(test)]
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use http::header::CONNECTION;
use http::{HeaderValue, Method, Request};
use hyper::body::Body as _;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::task::coop::has_budget_remaining;

use crate::connect::{IoFlags, Socket};
use crate::failure::Failure;
use crate::transport::{content_length, read_body, Body, Exchange, RawResponse};

type Connection = http1::Connection<TokioIo<Socket>, Body>;

/// A connection reused within this time keeps hyper's state while idle.
const HOT_GAP: Duration = Duration::from_millis(50);

/// Exchanges in flight on a thread above which waiting ones park.
const PARK_ABOVE: usize = 256;

/// Never expected: bytes arrived that the parking check did not see.
const LOST: &str =
    "ConnectionError(ProtocolError('Connection aborted.', 'answer lost while the request was parked'))";

thread_local! {
    /// This thread's exchanges in flight. Leaked (one per thread) so an
    /// exchange that moved to another thread still counts itself out here.
    static IN_FLIGHT: &'static AtomicUsize = Box::leak(Box::default());
}

#[cfg(not(test))]
fn park_above() -> usize {
    PARK_ABOVE
}

#[cfg(test)]
thread_local! {
    static TEST_PARK_ABOVE: Cell<usize> = const { Cell::new(PARK_ABOVE) };
    static TEST_PARKS: Cell<usize> = const { Cell::new(0) };
}

#[cfg(test)]
fn park_above() -> usize {
    TEST_PARK_ABOVE.with(Cell::get)
}

/// An idle HTTP/1.1 connection in the pool.
pub(crate) struct Idle {
    kind: IdleKind,
    /// When it went idle; `None` for a new connection.
    since: Option<Instant>,
}

enum IdleKind {
    Cold(Socket),
    Hot(Box<Live>),
}

impl Idle {
    pub fn new(socket: Socket) -> Idle {
        Idle {
            kind: IdleKind::Cold(socket),
            since: None,
        }
    }
}

/// hyper's state for one socket; boxed so futures stay small and a hot
/// connection moves in and out of the pool as a pointer.
struct Live {
    sender: http1::SendRequest<Body>,
    conn: Connection,
    flags: Arc<IoFlags>,
}

impl Live {
    fn new(socket: Socket) -> Result<Box<Live>, Exchange> {
        let flags = socket.flags().clone();
        // No I/O for HTTP/1: the handshake only sets up hyper's state, and
        // completes on its first poll.
        let handshake = http1::Builder::new().handshake::<_, Body>(TokioIo::new(socket));
        let mut handshake = pin!(handshake);
        match handshake
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(Ok((sender, conn))) => Ok(Box::new(Live {
                sender,
                conn,
                flags,
            })),
            Poll::Ready(Err(e)) => Err(Exchange::Head(e)),
            Poll::Pending => Err(Exchange::Body(Failure::Text(
                "ConnectionError('HTTP/1 handshake did not complete')".into(),
            ))),
        }
    }
}

/// Counts this thread's exchanges in flight while alive.
struct InFlight {
    /// How many were in flight on the thread, this one included.
    count: usize,
    counter: &'static AtomicUsize,
}

impl InFlight {
    fn enter() -> InFlight {
        let counter = IN_FLIGHT.with(|c| *c);
        InFlight {
            count: counter.fetch_add(1, Ordering::Relaxed) + 1,
            counter,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.counter.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Sends `req` on `idle` and reads the whole response. Gives the connection
/// back when it can carry another request.
///
/// The request is handed to hyper before the returned future starts, so the
/// future does not carry it.
pub(crate) fn exchange(
    idle: Idle,
    req: Request<Body>,
    started: Instant,
) -> impl Future<Output = (Result<RawResponse, Exchange>, Option<Idle>)> + Send {
    // Measured from the start of one request to the start of the next (no
    // extra clock reads): a user that waits between tasks runs cold.
    let hot = idle
        .since
        .is_some_and(|t| started.saturating_duration_since(t) < HOT_GAP);
    let live = match idle.kind {
        IdleKind::Hot(live) => Ok(live),
        IdleKind::Cold(socket) => Live::new(socket),
    };
    let method = req.method().clone();
    let connection = req.headers().get(CONNECTION).cloned();
    // Boxed (a few hundred bytes): pinned in place, it would be stored twice.
    let sent = live.map(|mut live| {
        live.flags.start_exchange();
        let response = Box::pin(live.sender.try_send_request(req));
        (live, response)
    });
    async move {
        let (live, mut response) = match sent {
            Ok(s) => s,
            Err(e) => return (Err(e), None),
        };
        let in_flight = InFlight::enter();
        let mut live = Some(live);
        let head = poll_fn(
            |cx| match poll_fed(&mut live, cx, |c| response.as_mut().poll(c)) {
                Poll::Ready(r) => Poll::Ready(Some(r.map_err(Exchange::from_try_send))),
                Poll::Pending if in_flight.count > park_above() && parkable(&live) => {
                    Poll::Ready(None)
                }
                Poll::Pending => Poll::Pending,
            },
        )
        .await;
        drop(response);
        let head = match head {
            Some(h) => h,
            // Rare, and large: boxed.
            None => match Box::pin(unpark(live.take(), &method, connection)).await {
                Ok((l, h)) => {
                    live = l;
                    // Never `NotSent`: the real request did go out.
                    h.map_err(|e| Exchange::Head(e.into_error()))
                }
                Err(e) => Err(e),
            },
        };
        drop(in_flight);
        let (head, mut body) = match head {
            Ok(r) => r.into_parts(),
            Err(e) => return (Err(e), None),
        };
        let expected = content_length(&head);
        let body = match read_body(&mut body, expected, |b, cx| {
            poll_fed(&mut live, cx, |c| Pin::new(&mut *b).poll_frame(c))
        })
        .await
        {
            Ok(b) => b,
            Err(f) => return (Err(Exchange::Body(f)), None),
        };
        let idle = live.and_then(|l| reclaim(l, hot, started));
        (Ok(RawResponse { head, body }), idle)
    }
}

type ResponseResult =
    Result<http::Response<hyper::body::Incoming>, hyper::client::conn::TrySendError<Request<Body>>>;

/// Waits as a bare socket for the answer to the request hyper wrote, then
/// lets a new hyper connection read it after swallowing a stand-in request.
async fn unpark(
    live: Option<Box<Live>>,
    method: &Method,
    connection: Option<HeaderValue>,
) -> Result<(Option<Box<Live>>, ResponseResult), Exchange> {
    let lost = || Exchange::Body(Failure::Text(LOST.into()));
    let Live { sender, conn, .. } = *live.ok_or_else(lost)?;
    drop(sender);
    #[cfg(test)]
    TEST_PARKS.with(|c| c.set(c.get() + 1));
    let http1::Parts { io, read_buf, .. } = conn.into_parts();
    if !read_buf.is_empty() {
        return Err(lost());
    }
    // Nothing of hyper's state may outlive the park (its read buffer is 8 KB).
    drop(read_buf);
    let mut socket = io.into_inner();
    poll_fn(|cx| socket.poll_read_ready(cx))
        .await
        .map_err(|e| Exchange::Body(Failure::Connect(e)))?;

    socket.start_replay();
    let mut live = Live::new(socket)?;
    let mut stand_in = Request::new(Body::default());
    *stand_in.method_mut() = method.clone();
    if let Some(v) = connection {
        stand_in.headers_mut().insert(CONNECTION, v);
    }
    let flags = live.flags.clone();
    let mut response = pin!(live.sender.try_send_request(stand_in));
    let mut live = Some(live);
    let head = poll_fn(|cx| {
        let r = poll_fed(&mut live, cx, |c| response.as_mut().poll(c));
        // The stand-in was swallowed in that poll: read the answer now rather
        // than in a later turn of the task (hyper's buffers would wait).
        if r.is_pending() && flags.take_replayed() {
            return poll_fed(&mut live, cx, |c| response.as_mut().poll(c));
        }
        r
    })
    .await;
    // A connection already done (it closed after this answer) is gone.
    Ok((live, head))
}

/// Polls `poll` (a channel the connection feeds: response or body) and,
/// while it is pending, the connection.
///
/// Only the connection registers the task's waker: the channels only move
/// when the connection is polled here, so they are polled with a no-op
/// waker and the connection delivering into them does not wake the task
/// again for nothing. (Once the task's tokio budget is spent a channel may
/// refuse to proceed and asks to be polled again: then it gets the real
/// waker.) A finished connection (closed, failed) is dropped, which
/// settles whatever still waits on it.
fn poll_fed<T>(
    live: &mut Option<Box<Live>>,
    cx: &mut Context<'_>,
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    let mut quiet = Context::from_waker(Waker::noop());
    let mut poll_channel = |cx: &mut Context<'_>| {
        if has_budget_remaining() {
            poll(&mut quiet)
        } else {
            poll(cx)
        }
    };
    if let Poll::Ready(v) = poll_channel(cx) {
        return Poll::Ready(v);
    }
    let Some(l) = live else {
        return poll(cx);
    };
    if l.conn.poll_without_shutdown(cx).is_ready() {
        *live = None;
        return poll(cx);
    }
    poll_channel(cx)
}

/// The request is written out and nothing of the answer has arrived.
///
/// hyper buffers a request's head and (whole) body together before writing,
/// so bytes written and then flushed mean all of it went out.
fn parkable(live: &Option<Box<Live>>) -> bool {
    live.as_ref()
        .is_some_and(|l| l.flags.wrote() && l.flags.is_flushed() && !l.flags.read_any())
}

/// The connection back for the pool if it is idle and wants another
/// request, with nothing unread or unflushed.
fn reclaim(mut live: Box<Live>, hot: bool, started: Instant) -> Option<Idle> {
    // Having delivered the body, the connection normally went idle and asked
    // for the next request in the same poll; otherwise one more poll lets it
    // get there (the next request re-registers the real waker).
    if !live.sender.is_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        if live.conn.poll_without_shutdown(&mut cx).is_ready() || !live.sender.is_ready() {
            return None;
        }
    }
    let since = Some(started);
    if hot {
        return Some(Idle {
            kind: IdleKind::Hot(live),
            since,
        });
    }
    let Live { conn, flags, .. } = *live;
    let parts = conn.into_parts();
    let socket = parts.io.into_inner();
    (parts.read_buf.is_empty() && flags.is_flushed()).then_some(Idle {
        kind: IdleKind::Cold(socket),
        since,
    })
}

#[cfg(test)]
mod tests {
    //! Parking, forced for every request (threshold 0), against a server
    //! that answers a little later so each request waits as a bare socket.

    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    use super::*;
    use crate::HttpSession;

    /// Reads one request; (method, path, body length) or None at EOF.
    async fn read_request(s: &mut TcpStream) -> Option<(String, String, usize)> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let n = s.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let mut first = head.lines().next()?.split(' ');
        let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = buf.len() - end - 4;
        while body < len {
            body += s.read(&mut chunk).await.ok()?;
        }
        Some((method, path, len))
    }

    /// Answers after 20 ms; `/close` answers with Connection: close, `/chunked`
    /// in chunks, HEAD without a body. Counts connections.
    async fn slow_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let conns = Arc::new(AtomicUsize::new(0));
        let count = conns.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    while let Some((method, path, len)) = read_request(&mut s).await {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let body = format!("{method} {path} {len}");
                        if path == "/drop" {
                            return;
                        }
                        let resp = match path.as_str() {
                            "/close" => format!(
                                "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            ),
                            "/chunked" => format!(
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
                                body.len()
                            ),
                            _ if method == "head" => {
                                format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len())
                            }
                            _ => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()),
                        };
                        if s.write_all(resp.as_bytes()).await.is_err() || path == "/close" {
                            return;
                        }
                    }
                });
            }
        });
        (url, conns)
    }

    fn session(host: &str) -> HttpSession {
        let env = rocust_core::env::Environment::new(Some(host.to_owned()));
        let recorder = env.stats.recorder();
        let ctx = rocust_core::user::UserContext::new(env, recorder, Some(host.into()), "U".into());
        HttpSession::new(&ctx)
    }

    fn parks() -> usize {
        TEST_PARKS.with(Cell::get)
    }

    #[tokio::test(flavor = "current_thread")]
    async fn parked_requests_get_their_whole_answer_and_keep_the_socket() {
        TEST_PARK_ABOVE.with(|c| c.set(0));
        let (url, conns) = slow_server().await;
        let client = session(&url);
        let before = parks();
        let r = client.get("/a").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, "get /a 0"),
            "{:?}",
            r.error()
        );
        let r = client.head("/h").send().await;
        assert_eq!((r.status(), r.bytes().len()), (200, 0), "{:?}", r.error());
        assert_eq!(r.header("content-length"), Some("9"));
        let r = client.post("/p").body(vec![b'x'; 100_000]).send().await;
        assert_eq!(r.text(), "post /p 100000", "{:?}", r.error());
        let r = client.get("/chunked").send().await;
        assert_eq!(r.text(), "abcget /chunked 0", "{:?}", r.error());
        tokio::time::sleep(Duration::from_millis(80)).await;
        let r = client.delete("/d").send().await;
        assert_eq!(r.text(), "delete /d 0", "{:?}", r.error());
        assert_eq!(conns.load(Ordering::SeqCst), 1);
        // The 100 KB body may still be in flight when hyper first yields.
        assert!(parks() - before >= 4, "{}", parks() - before);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_server_closing_on_a_parked_request_follows_the_retry_rule() {
        TEST_PARK_ABOVE.with(|c| c.set(0));
        let (url, conns) = slow_server().await;
        let client = session(&url);
        assert_eq!(client.get("/a").send().await.status(), 200);
        // Kept-alive socket reused, closed unanswered: GET is sent again on
        // a new connection, POST is not.
        let r = client.get("/drop").send().await;
        assert_eq!(r.status(), 0);
        assert_eq!(conns.load(Ordering::SeqCst), 2);
        assert_eq!(client.get("/b").send().await.text(), "get /b 0");
        let r = client.post("/drop").send().await;
        assert_eq!(
            r.error(),
            Some("RemoteDisconnected('Remote end closed connection without response')")
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_parked_exchange_still_honours_connection_close() {
        TEST_PARK_ABOVE.with(|c| c.set(0));
        let (url, conns) = slow_server().await;
        let client = session(&url);
        let before = parks();
        for _ in 0..3 {
            let r = client.get("/close").send().await;
            assert_eq!(r.text(), "get /close 0", "{:?}", r.error());
        }
        assert_eq!(conns.load(Ordering::SeqCst), 3);
        let mut client = session(&url);
        client.set_header("Connection", "close").unwrap();
        for _ in 0..2 {
            let r = client.get("/x").send().await;
            assert_eq!(r.text(), "get /x 0", "{:?}", r.error());
        }
        assert_eq!(conns.load(Ordering::SeqCst), 5);
        assert_eq!(parks() - before, 5);
    }
}
