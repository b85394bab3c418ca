//! One HTTP/1.1 exchange on a socket, driven inside the request's own task
//! with rocust's codec (see `wire`).
//!
//! Memory: between requests a connection is only its socket, and a request
//! waiting for its answer holds no buffer either: the first read of an
//! answer goes to the stack and only what arrived is copied out, so
//! thousands of waiting users cost no more than their sockets.

use std::future::{poll_fn, Future};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use http::Method;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, ReadBuf};

use crate::connect::Socket;
use crate::failure::Failure;
use crate::outgoing::{Outgoing, Wire};
use crate::transport::{Exchange, RawResponse};
use crate::wire::{self, Chunked, Framing};

/// Stack bytes for the first read of an answer.
const FIRST_READ: usize = 8192;
/// Bytes read at a time once a body is being gathered.
const READ_CHUNK: usize = 16 * 1024;
/// Largest buffer reserved up front from a Content-Length.
const MAX_RESERVE: u64 = 64 << 20;

/// An idle HTTP/1.1 connection in the pool: just the socket.
pub(crate) struct Idle {
    socket: Socket,
}

impl Idle {
    pub fn new(socket: Socket) -> Idle {
        Idle { socket }
    }
}

/// Sends `out` to `target` (origin-form) on `idle` and reads the whole
/// answer. Gives the connection back when it can carry another request.
///
/// The request is encoded before the returned future starts, so the future
/// carries only the bytes to write. A reused connection that the server
/// closed (or sent stray bytes on) while idle is not written to: the
/// outcome is then `NotSent`.
pub(crate) fn exchange(
    idle: Idle,
    out: Outgoing,
    target: &str,
    reused: bool,
) -> impl Future<Output = (Result<RawResponse, Exchange>, Option<Idle>)> + Send {
    let mut socket = idle.socket;
    let open = !reused || socket.still_open();
    let close = out.closes();
    let wire = open.then(|| out.encode(target));
    let head_request = out.method == Method::HEAD;
    drop(out);
    async move {
        let Some(wire) = wire else {
            return (Err(Exchange::NotSent(Failure::Closed)), None);
        };
        if let Err(e) = send(&mut socket, wire).await {
            return (Err(Exchange::Head(Failure::Io(e))), None);
        }
        match receive(&mut socket, head_request).await {
            Ok((raw, reusable)) => {
                let idle = (reusable && !close).then_some(Idle { socket });
                (Ok(raw), idle)
            }
            Err(e) => (Err(e), None),
        }
    }
}

/// A response head whose body is still in the socket (a streamed response).
pub(crate) struct StreamedHead {
    pub head: wire::Head,
    pub framing: Framing,
    /// Body bytes that arrived with the head.
    pub rest: Bytes,
    pub socket: Socket,
    /// The connection can carry another request once the body is read.
    pub reusable: bool,
}

/// Like `exchange`, but stops after the response head: the body is read
/// on demand (see `stream`).
pub(crate) fn exchange_head(
    idle: Idle,
    out: Outgoing,
    target: &str,
    reused: bool,
) -> impl Future<Output = Result<StreamedHead, Exchange>> + Send {
    let mut socket = idle.socket;
    let open = !reused || socket.still_open();
    let close = out.closes();
    let wire = open.then(|| out.encode(target));
    let head_request = out.method == Method::HEAD;
    drop(out);
    async move {
        let Some(wire) = wire else {
            return Err(Exchange::NotSent(Failure::Closed));
        };
        send(&mut socket, wire)
            .await
            .map_err(|e| Exchange::Head(Failure::Io(e)))?;
        let (head, rest) = read_head(&mut socket).await?;
        let framing = head
            .framing(head_request)
            .map_err(|t| Exchange::Head(Failure::Text(t)))?;
        let reusable = head.keeps_alive() && !close && framing != Framing::Close;
        Ok(StreamedHead {
            head,
            framing,
            rest,
            socket,
            reusable,
        })
    }
}

async fn send(socket: &mut Socket, wire: Wire) -> io::Result<()> {
    socket.write_all(&wire.head).await?;
    drop(wire.head);
    if !wire.body.is_empty() {
        socket.write_all(&wire.body).await?;
    }
    if !wire.tail.is_empty() {
        socket.write_all(wire.tail).await?;
    }
    socket.flush().await
}

/// Reads more of the answer into `buf`; 0 at end of stream. The first read
/// lands on the stack and exactly what came is kept.
pub(crate) async fn read_more(socket: &mut Socket, buf: &mut BytesMut) -> io::Result<usize> {
    if buf.capacity() == 0 {
        return poll_fn(|cx| first_read(socket, cx, buf)).await;
    }
    if buf.capacity() - buf.len() < 1024 {
        buf.reserve(buf.len().clamp(READ_CHUNK, 4 << 20));
    }
    socket.read_buf(buf).await
}

fn first_read(
    socket: &mut Socket,
    cx: &mut Context<'_>,
    buf: &mut BytesMut,
) -> Poll<io::Result<usize>> {
    let mut stack = [MaybeUninit::<u8>::uninit(); FIRST_READ];
    let mut read = ReadBuf::uninit(&mut stack);
    ready!(Pin::new(socket).poll_read(cx, &mut read))?;
    buf.extend_from_slice(read.filled());
    Poll::Ready(Ok(read.filled().len()))
}

/// Reads the answer (to a HEAD request: no body) and says whether the
/// connection can be reused (keep-alive, nothing left over).
async fn receive(socket: &mut Socket, head_request: bool) -> Result<(RawResponse, bool), Exchange> {
    let (head, rest) = read_head(socket).await?;
    let framing = head
        .framing(head_request)
        .map_err(|t| Exchange::Head(Failure::Text(t)))?;
    let mut reusable = head.keeps_alive();
    // Only what the response needs is kept while the body is read.
    let (status, version, reason, headers, raw) = head.into_parts();
    let body = match framing {
        Framing::Length(n) if rest.len() as u64 >= n => {
            // Bytes after the answer: the connection is out of step.
            reusable &= rest.len() as u64 == n;
            rest.slice(..n as usize)
        }
        Framing::Length(n) => read_length(socket, rest, n).await?,
        Framing::Chunked => {
            let (body, clean) = read_chunked(socket, rest).await?;
            reusable &= clean;
            body
        }
        Framing::Close => {
            reusable = false;
            read_to_close(socket, rest).await?
        }
    };
    let raw_head = headers.is_none().then_some(raw);
    let raw = RawResponse {
        status,
        version,
        reason,
        headers: headers.map(|h| *h).unwrap_or_default(),
        raw_head,
        body,
    };
    Ok((raw, reusable))
}

/// Reads until a whole response head is in: the head, and what came after.
async fn read_head(socket: &mut Socket) -> Result<(wire::Head, Bytes), Exchange> {
    let mut acc = BytesMut::new();
    loop {
        let n = read_more(socket, &mut acc)
            .await
            .map_err(|e| Exchange::Head(Failure::Io(e)))?;
        if n == 0 {
            return Err(Exchange::Head(Failure::Closed));
        }
        let data = std::mem::take(&mut acc).freeze();
        match wire::parse_head(&data) {
            Ok(Some((head, len))) => return Ok((head, data.slice(len..))),
            Ok(None) if data.len() > wire::MAX_HEAD => {
                return Err(Exchange::Head(Failure::Text(format!(
                    "LineTooLong({})",
                    crate::failure::py_repr("header line")
                ))))
            }
            Ok(None) => {
                acc = data
                    .try_into_mut()
                    .unwrap_or_else(|d| BytesMut::from(&d[..]));
            }
            Err(text) => return Err(Exchange::Head(Failure::Text(text))),
        }
    }
}

fn body_failure(e: io::Error, read: usize, expected: Option<u64>) -> Exchange {
    Exchange::Body(Failure::BodyIo {
        error: e,
        read: read as u64,
        expected,
    })
}

fn body_eof(read: usize, expected: Option<u64>) -> Exchange {
    Exchange::Body(Failure::BodyEof {
        read: read as u64,
        expected,
    })
}

/// A body of `n` bytes, `rest` of which already arrived. Never reads past
/// it: whatever follows stays in the socket (and retires it on reuse).
async fn read_length(socket: &mut Socket, rest: Bytes, n: u64) -> Result<Bytes, Exchange> {
    let mut body = BytesMut::with_capacity(n.min(MAX_RESERVE) as usize);
    body.extend_from_slice(&rest);
    drop(rest);
    while (body.len() as u64) < n {
        if body.capacity() == body.len() {
            body.reserve((n - body.len() as u64).min(MAX_RESERVE) as usize);
        }
        match socket.read_buf(&mut body).await {
            Ok(0) => return Err(body_eof(body.len(), Some(n))),
            Ok(_) => {}
            Err(e) => return Err(body_failure(e, body.len(), Some(n))),
        }
    }
    Ok(body.freeze())
}

/// A chunked body; also whether it ended exactly where the data did.
async fn read_chunked(socket: &mut Socket, rest: Bytes) -> Result<(Bytes, bool), Exchange> {
    let mut decoder = Chunked::new();
    let mut body = BytesMut::new();
    let text = |t| Exchange::Body(Failure::Text(t));
    let used = decoder.decode(&rest, &mut body).map_err(text)?;
    if decoder.is_done() {
        return Ok((body.freeze(), used == rest.len()));
    }
    let mut pending = BytesMut::from(&rest[used..]);
    drop(rest);
    loop {
        match read_more(socket, &mut pending).await {
            Ok(0) => return Err(body_eof(body.len(), None)),
            Ok(_) => {}
            Err(e) => return Err(body_failure(e, body.len(), None)),
        }
        let used = decoder.decode(&pending, &mut body).map_err(text)?;
        pending.advance(used);
        if decoder.is_done() {
            return Ok((body.freeze(), pending.is_empty()));
        }
    }
}

/// A body that ends when the server closes the connection.
async fn read_to_close(socket: &mut Socket, rest: Bytes) -> Result<Bytes, Exchange> {
    let mut body = BytesMut::from(&rest[..]);
    drop(rest);
    loop {
        match read_more(socket, &mut body).await {
            Ok(0) => return Ok(body.freeze()),
            Ok(_) => {}
            Err(e) => return Err(body_failure(e, body.len(), None)),
        }
    }
}
