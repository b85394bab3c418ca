//! Streamed response bodies (requests' and FastHttpUser's `stream=True`):
//! the request is done at the response head, and the body is read on
//! demand, as the server sends it, never gathered whole unless asked.
//!
//! An HTTP/1.1 connection belongs to its body until the body has been read
//! to its end, then goes back to the session's pool (if it can carry another
//! request); a body dropped before its end closes its connection.

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use hyper::body::{Body as _, Incoming};

use crate::connect::Socket;
use crate::decode::StreamDecoder;
use crate::failure::Failure;
use crate::h1::{self, Idle};
use crate::target::Origin;
use crate::tls::Tls;
use crate::transport::Pool;
use crate::wire::{Chunked, Framing};

/// Largest piece read from the network at a time for a caller that takes
/// whatever has arrived.
const PIECE: usize = 64 * 1024;

/// Why reading a streamed body failed, as requests raises it from
/// `iter_content`, e.g.
/// `ChunkedEncodingError(ProtocolError('Connection broken: ...', ...))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyError(String);

impl BodyError {
    /// The `repr` of the exception requests raises.
    pub fn text(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BodyError {}

/// Where an HTTP/1.1 connection goes back once its body is read.
pub(crate) struct GiveBack {
    pub pool: Arc<Pool>,
    pub origin: Arc<Origin>,
    pub tls: Tls,
}

/// The response body of a streamed request, read on demand.
pub struct BodyStream {
    source: Source,
    decoder: Option<StreamDecoder>,
    /// Body bytes read but not handed out yet: as sent, and decoded.
    raw: BytesMut,
    decoded: BytesMut,
    ended: bool,
    failed: Option<BodyError>,
    /// Limit on each wait for more of the body.
    read_timeout: Option<Duration>,
    origin: Arc<Origin>,
}

enum Source {
    /// The whole body arrived with the head.
    Buffered(Bytes),
    H1(Box<H1Body>),
    H2(Box<H2Body>),
    Done,
}

struct H1Body {
    /// Taken when the body ends and the connection goes back to the pool.
    socket: Option<Socket>,
    framing: BodyFraming,
    /// Bytes from the socket not yet taken apart.
    pending: BytesMut,
    reusable: bool,
    give_back: GiveBack,
    read: u64,
    expected: Option<u64>,
}

enum BodyFraming {
    Length(u64),
    Chunked(Chunked),
    Close,
}

struct H2Body {
    body: Incoming,
    /// The rest of the last DATA frame.
    pending: Bytes,
    read: u64,
    expected: Option<u64>,
}

impl BodyStream {
    /// The body of an HTTP/1.1 response whose head was just read: framed
    /// by `framing`, `rest` of it already in.
    pub(crate) fn h1(
        framing: Framing,
        rest: Bytes,
        socket: Socket,
        reusable: bool,
        decoder: Option<StreamDecoder>,
        give_back: GiveBack,
        read_timeout: Option<Duration>,
    ) -> BodyStream {
        let origin = give_back.origin.clone();
        let source = match framing {
            Framing::Length(n) if rest.len() as u64 >= n => {
                if reusable && rest.len() as u64 == n {
                    give_back.pool.put_back_h1(
                        &give_back.origin,
                        &give_back.tls,
                        Idle::new(socket),
                    );
                }
                Source::Buffered(rest.slice(..n as usize))
            }
            framing => {
                let (framing, expected) = match framing {
                    Framing::Length(n) => (BodyFraming::Length(n), Some(n)),
                    Framing::Chunked => (BodyFraming::Chunked(Chunked::new()), None),
                    Framing::Close => (BodyFraming::Close, None),
                };
                Source::H1(Box::new(H1Body {
                    socket: Some(socket),
                    framing,
                    pending: BytesMut::from(&rest[..]),
                    reusable,
                    give_back,
                    read: 0,
                    expected,
                }))
            }
        };
        BodyStream::new(source, decoder, read_timeout, origin)
    }

    /// The body of an HTTP/2 response.
    pub(crate) fn h2(
        body: Incoming,
        expected: Option<u64>,
        decoder: Option<StreamDecoder>,
        read_timeout: Option<Duration>,
        origin: Arc<Origin>,
    ) -> BodyStream {
        let source = Source::H2(Box::new(H2Body {
            body,
            pending: Bytes::new(),
            read: 0,
            expected,
        }));
        BodyStream::new(source, decoder, read_timeout, origin)
    }

    fn new(
        source: Source,
        decoder: Option<StreamDecoder>,
        read_timeout: Option<Duration>,
        origin: Arc<Origin>,
    ) -> BodyStream {
        BodyStream {
            source,
            decoder,
            raw: BytesMut::new(),
            decoded: BytesMut::new(),
            ended: false,
            failed: None,
            read_timeout,
            origin,
        }
    }

    /// Whether the body comes in chunks of its own (HTTP/1.1 chunked
    /// transfer coding, HTTP/2 DATA frames) that `read(.., per_chunk, ..)`
    /// keeps apart.
    pub fn is_chunked(&self) -> bool {
        match &self.source {
            Source::H1(b) => matches!(b.framing, BodyFraming::Chunked(_)),
            Source::H2(_) => true,
            _ => false,
        }
    }

    /// Whether the whole body has been handed out.
    pub fn is_done(&self) -> bool {
        self.ended && self.raw.is_empty() && self.decoded.is_empty()
    }

    /// The next part of the body, decoded from its Content-Encoding or as
    /// sent (`decode`); empty at the end. Waits until `want` bytes are
    /// there (or the body ends), then hands out up to `limit` bytes of what
    /// has arrived. With `per_chunk`, a chunked body is handed out one
    /// chunk at a time instead (at most `want` bytes of it, whole once
    /// decoded), as urllib3's `stream()` does; other bodies are not.
    pub async fn read(
        &mut self,
        want: usize,
        limit: usize,
        per_chunk: bool,
        decode: bool,
    ) -> Result<Bytes, BodyError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let buffered = !self.raw.is_empty() || !self.decoded.is_empty();
        let out = if per_chunk && self.is_chunked() && !buffered {
            self.read_chunk(want.max(1), decode).await
        } else if per_chunk && self.is_chunked() {
            // Left over from reads of another kind: handed out first.
            self.fill(1, want.max(1), decode).await
        } else {
            self.fill(want, limit.max(want), decode).await
        };
        out.map_err(|f| {
            let e = BodyError(f);
            self.failed = Some(e.clone());
            e
        })
    }

    /// The next piece of the body as it arrives, decoded (None at the end):
    /// a chunk of a chunked body, else whatever has arrived.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        let piece = if self.is_chunked() {
            self.read(PIECE, PIECE, true, true).await?
        } else {
            self.read(1, PIECE, false, true).await?
        };
        Ok((!piece.is_empty()).then_some(piece))
    }

    /// The rest of the body, decoded or as sent.
    pub async fn read_to_end(&mut self, decode: bool) -> Result<Bytes, BodyError> {
        self.read(usize::MAX, usize::MAX, false, decode).await
    }

    async fn read_chunk(&mut self, want: usize, decode: bool) -> Result<Bytes, String> {
        loop {
            let mut acc = BytesMut::new();
            let mut ended_chunk = false;
            while acc.len() < want && !ended_chunk {
                match self.next_piece(want - acc.len(), true).await? {
                    Some((piece, end)) => {
                        acc.extend_from_slice(&piece);
                        ended_chunk = end;
                    }
                    None => break,
                }
            }
            if acc.is_empty() {
                return self.end(decode);
            }
            if !decode {
                return Ok(acc.freeze());
            }
            let out = self.decode(acc.freeze())?;
            if !out.is_empty() {
                return Ok(out);
            }
        }
    }

    async fn fill(&mut self, want: usize, limit: usize, decode: bool) -> Result<Bytes, String> {
        if decode && !self.raw.is_empty() {
            let raw = self.raw.split().freeze();
            let out = self.decode(raw)?;
            self.decoded.extend_from_slice(&out);
        }
        loop {
            let have = if decode {
                self.decoded.len()
            } else {
                self.raw.len()
            };
            if have >= want || self.ended {
                let buf = if decode {
                    &mut self.decoded
                } else {
                    &mut self.raw
                };
                let n = buf.len().min(limit);
                return Ok(buf.split_to(n).freeze());
            }
            let room = (want - have).max(PIECE);
            match self.next_piece(room, false).await? {
                Some((piece, _)) if decode => {
                    let out = self.decode(piece)?;
                    self.decoded.extend_from_slice(&out);
                }
                Some((piece, _)) => self.raw.extend_from_slice(&piece),
                None => {
                    let rest = self.end(decode)?;
                    self.decoded.extend_from_slice(&rest);
                }
            }
        }
    }

    fn decode(&mut self, piece: Bytes) -> Result<Bytes, String> {
        match &mut self.decoder {
            None => Ok(piece),
            Some(d) => d.feed(&piece).map(Bytes::from).map_err(|f| f.text()),
        }
    }

    /// The body is over: what the decoder still held.
    fn end(&mut self, decode: bool) -> Result<Bytes, String> {
        self.ended = true;
        match (&mut self.decoder, decode) {
            (Some(d), true) => {
                let rest = d.finish().map_err(|f| f.text())?;
                self.decoder = None;
                Ok(Bytes::from(rest))
            }
            _ => Ok(Bytes::new()),
        }
    }

    /// Up to `max` more bytes of the body as sent (de-framed), as soon as
    /// any arrive; with `stop_at_chunk_end`, never past the end of a chunk.
    /// Also whether the piece ends a chunk. None at the end of the body.
    async fn next_piece(
        &mut self,
        max: usize,
        stop_at_chunk_end: bool,
    ) -> Result<Option<(Bytes, bool)>, String> {
        let timeout = self.read_timeout;
        let piece = match &mut self.source {
            Source::Done => None,
            Source::Buffered(b) if b.is_empty() => None,
            Source::Buffered(b) => Some((b.split_to(max.min(b.len())), false)),
            Source::H1(body) => body
                .next_piece(max, stop_at_chunk_end, timeout, &self.origin)
                .await
                .map_err(|f| f.text())?,
            Source::H2(body) => body
                .next_piece(max, timeout, &self.origin)
                .await
                .map_err(|f| f.text())?,
        };
        if piece.is_none() {
            // Over: a reusable HTTP/1.1 connection is back in its pool (see
            // `H1Body::finish`); anything else is dropped here.
            self.source = Source::Done;
        }
        Ok(piece)
    }
}

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStream")
            .field("chunked", &self.is_chunked())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

/// Waits for more of the body from `origin`, within `limit` if there is one.
async fn within<T>(
    limit: Option<Duration>,
    origin: &Origin,
    f: impl std::future::Future<Output = T>,
) -> Result<T, Failure> {
    match limit {
        None => Ok(f.await),
        Some(t) => tokio::time::timeout(t, f)
            .await
            .map_err(|_| Failure::BodyTimeout {
                tls: origin.tls,
                host: origin.host.to_string(),
                port: origin.port,
            }),
    }
}

impl H1Body {
    async fn next_piece(
        &mut self,
        max: usize,
        stop_at_chunk_end: bool,
        timeout: Option<Duration>,
        origin: &Origin,
    ) -> Result<Option<(Bytes, bool)>, Failure> {
        loop {
            let pending = &mut self.pending;
            match &mut self.framing {
                BodyFraming::Length(left) => {
                    if *left == 0 {
                        self.finish();
                        return Ok(None);
                    }
                    if !pending.is_empty() {
                        let n = (pending.len() as u64).min(*left).min(max as u64) as usize;
                        *left -= n as u64;
                        self.read += n as u64;
                        return Ok(Some((pending.split_to(n).freeze(), false)));
                    }
                }
                BodyFraming::Close => {
                    if !pending.is_empty() {
                        let n = pending.len().min(max);
                        self.read += n as u64;
                        return Ok(Some((pending.split_to(n).freeze(), false)));
                    }
                }
                BodyFraming::Chunked(c) => {
                    if !c.is_done() {
                        let mut out = BytesMut::new();
                        let (used, ended) = c
                            .decode_until(pending, &mut out, max, stop_at_chunk_end)
                            .map_err(Failure::Text)?;
                        pending.advance(used);
                        if !out.is_empty() {
                            self.read += out.len() as u64;
                            return Ok(Some((out.freeze(), ended)));
                        }
                    }
                    if c.is_done() {
                        self.finish();
                        return Ok(None);
                    }
                }
            }
            let Some(socket) = self.socket.as_mut() else {
                return Ok(None);
            };
            let read = within(timeout, origin, h1::read_more(socket, &mut self.pending)).await?;
            match read {
                Ok(0) if matches!(self.framing, BodyFraming::Close) => {
                    self.reusable = false;
                    return Ok(None);
                }
                Ok(0) => {
                    return Err(Failure::BodyEof {
                        read: self.read,
                        expected: self.expected,
                    })
                }
                Ok(_) => {}
                Err(error) => {
                    return Err(Failure::BodyIo {
                        error,
                        read: self.read,
                        expected: self.expected,
                    })
                }
            }
        }
    }

    /// The body ended: the connection goes back to the pool when it can
    /// carry another request (keep-alive, nothing after the body).
    fn finish(&mut self) {
        if self.reusable && self.pending.is_empty() {
            if let Some(socket) = self.socket.take() {
                let g = &self.give_back;
                g.pool.put_back_h1(&g.origin, &g.tls, Idle::new(socket));
            }
        }
    }
}

impl H2Body {
    async fn next_piece(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
        origin: &Origin,
    ) -> Result<Option<(Bytes, bool)>, Failure> {
        while self.pending.is_empty() {
            let frame = poll_fn(|cx| Pin::new(&mut self.body).poll_frame(cx));
            let frame = within(timeout, origin, frame).await?;
            match frame {
                None => return Ok(None),
                Some(Err(error)) => {
                    return Err(Failure::Body {
                        error,
                        read: self.read,
                        expected: self.expected,
                    })
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        self.pending = data;
                    }
                }
            }
        }
        let n = self.pending.len().min(max);
        self.read += n as u64;
        let piece = self.pending.split_to(n);
        Ok(Some((piece, self.pending.is_empty())))
    }
}
