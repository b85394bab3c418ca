//! HTTP/1.1 responses on the wire: heads parsed, bodies framed
//! (Content-Length, chunked, or until close). Requests: see `outgoing`.
//!
//! rocust's own small codec rather than hyper's client connection: one
//! request at a time per socket is all a user needs, and skipping hyper's
//! dispatcher (channels, per-connection buffers) halves the CPU spent per
//! request. HTTP/2 still goes through hyper.

use std::mem::MaybeUninit;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

use crate::failure::py_repr;

/// Most header lines accepted in a response, as Python's http.client.
const MAX_HEADERS: usize = 100;
/// Longest response head accepted.
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Longest chunk-size line accepted.
const MAX_CHUNK_LINE: usize = 4096;
/// Most trailer bytes accepted after a chunked body.
const MAX_TRAILERS: usize = 16 * 1024;

/// Whether any of the comma-separated `values` is `token` (any case).
pub(crate) fn has_token<'a>(
    values: impl IntoIterator<Item = &'a HeaderValue>,
    token: &str,
) -> bool {
    values.into_iter().any(|v| list_has(v.as_bytes(), token))
}

fn list_has(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// How a response body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    Length(u64),
    Chunked,
    /// Read until the server closes the connection.
    Close,
}

/// A parsed response head.
#[derive(Debug)]
pub(crate) struct Head {
    pub status: StatusCode,
    pub version: Version,
    /// The reason phrase when it is not the standard one for the status.
    pub reason: Option<Bytes>,
    /// The headers as a map when the session reads some of them (cookies,
    /// redirects, content encodings); otherwise they are parsed from `raw`
    /// only if someone asks (see [`header_map`]).
    pub headers: Option<Box<HeaderMap>>,
    /// The head's text.
    pub raw: Bytes,
    /// Content-Length: none, the length, or the failure text of a bad one.
    length: Result<Option<u64>, String>,
    /// Transfer-Encoding given: whether its last coding is chunked.
    chunked: Option<bool>,
    conn_close: bool,
    conn_keep_alive: bool,
}

impl Head {
    /// How the body of this response ends (none for a HEAD request).
    pub fn framing(&self, head_request: bool) -> Result<Framing, String> {
        let status = self.status.as_u16();
        if head_request || status == 204 || status == 304 || status < 200 {
            return Ok(Framing::Length(0));
        }
        match self.chunked {
            Some(true) => return Ok(Framing::Chunked),
            Some(false) => return Ok(Framing::Close),
            None => {}
        }
        match &self.length {
            Ok(l) => Ok(l.map_or(Framing::Close, Framing::Length)),
            Err(text) => Err(text.clone()),
        }
    }

    /// Status, version, reason, headers (when parsed) and text.
    #[allow(clippy::type_complexity)]
    pub fn into_parts(
        self,
    ) -> (
        StatusCode,
        Version,
        Option<Bytes>,
        Option<Box<HeaderMap>>,
        Bytes,
    ) {
        (
            self.status,
            self.version,
            self.reason,
            self.headers,
            self.raw,
        )
    }

    /// Whether the connection can carry another request after this response.
    pub fn keeps_alive(&self) -> bool {
        match self.version {
            Version::HTTP_11 => !self.conn_close && self.status != 101,
            _ => self.conn_keep_alive,
        }
    }
}

/// Parses the head at the start of `data`: `Ok(None)` while incomplete,
/// else the head and its length. Informational (1xx) heads other than 101
/// are skipped, their length included.
pub(crate) fn parse_head(data: &Bytes) -> Result<Option<(Head, usize)>, String> {
    let mut start = 0;
    loop {
        let (head, len) = match parse_one(data, start)? {
            Some(h) => h,
            None => return Ok(None),
        };
        let status = head.status.as_u16();
        if (100..200).contains(&status) && status != 101 {
            start += len;
            continue;
        }
        return Ok(Some((head, start + len)));
    }
}

fn parse_one(data: &Bytes, start: usize) -> Result<Option<(Head, usize)>, String> {
    let buf = &data[start..];
    // Left uninitialized: filling 100 slots would cost more than the parse.
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut []);
    let parsed = httparse::ParserConfig::default()
        .parse_response_with_uninit_headers(&mut res, buf, &mut slots);
    let len = match parsed {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(parse_error_text(e, buf)),
    };
    let status = res
        .code
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| bad_status_line(buf))?;
    let reason = match res.reason {
        Some(r) if !r.is_empty() && status.canonical_reason() != Some(r) => {
            Some(data.slice_ref(r.as_bytes()))
        }
        _ => None,
    };
    let mut head = Head {
        status,
        version: match res.version {
            Some(0) => Version::HTTP_10,
            _ => Version::HTTP_11,
        },
        reason,
        headers: None,
        raw: data.slice(start..start + len),
        length: Ok(None),
        chunked: None,
        conn_close: false,
        conn_keep_alive: false,
    };
    let mut eager = false;
    for h in res.headers.iter() {
        let name = h.name.as_bytes();
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        match name.len() {
            14 if is("content-length") => head.length = add_length(head.length, h.value),
            17 if is("transfer-encoding") => head.chunked = Some(ends_chunked(h.value)),
            10 if is("connection") => {
                head.conn_close |= list_has(h.value, "close");
                head.conn_keep_alive |= list_has(h.value, "keep-alive");
            }
            10 if is("set-cookie") => eager = true,
            8 if is("location") => eager = true,
            16 if is("content-encoding") => eager = true,
            _ => {}
        }
    }
    if eager {
        head.headers = Some(Box::new(build_map(data, res.headers, true)?));
    }
    Ok(Some((head, len)))
}

/// One more Content-Length value: all must agree.
fn add_length(length: Result<Option<u64>, String>, value: &[u8]) -> Result<Option<u64>, String> {
    let mut length = length?;
    for part in value.split(|&b| b == b',') {
        let digits = part.trim_ascii();
        let n = (!digits.is_empty() && digits.len() <= 19 && digits.iter().all(u8::is_ascii_digit))
            .then(|| {
                digits
                    .iter()
                    .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
            });
        match (n, length) {
            (Some(n), None) => length = Some(n),
            (Some(n), Some(m)) if n == m => {}
            _ => {
                return Err(format!(
                    "InvalidHeader({})",
                    py_repr(&format!(
                        "invalid Content-Length: {:?}",
                        String::from_utf8_lossy(value)
                    ))
                ))
            }
        }
    }
    Ok(length)
}

/// The header lines as a map; a line that is no valid header is a failure
/// when `strict`, else left out (httparse and `http` accept the same bytes,
/// so this is not expected).
fn build_map(
    data: &Bytes,
    lines: &[httparse::Header<'_>],
    strict: bool,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::with_capacity(lines.len());
    for h in lines {
        let name = HeaderName::from_bytes(h.name.as_bytes());
        let value = HeaderValue::from_maybe_shared(data.slice_ref(h.value));
        match (name, value) {
            (Ok(n), Ok(v)) => {
                headers.append(n, v);
            }
            _ if !strict => {}
            _ => {
                return Err(format!(
                    "InvalidHeader({})",
                    py_repr(&format!("invalid header: {:?}", h.name))
                ))
            }
        }
    }
    Ok(headers)
}

/// The headers of a head that `parse_head` accepted, as a map.
pub(crate) fn header_map(raw: &Bytes) -> HeaderMap {
    let mut slots = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut res = httparse::Response::new(&mut []);
    match httparse::ParserConfig::default()
        .parse_response_with_uninit_headers(&mut res, raw, &mut slots)
    {
        Ok(httparse::Status::Complete(_)) => build_map(raw, res.headers, false).unwrap_or_default(),
        _ => HeaderMap::new(),
    }
}

/// Whether a Transfer-Encoding value's last coding is `chunked`.
fn ends_chunked(value: &[u8]) -> bool {
    value
        .rsplit(|&b| b == b',')
        .next()
        .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}

/// The first line of `buf`, as Python shows the line it could not parse.
fn first_line(buf: &[u8]) -> String {
    let end = buf
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| i + 1);
    buf[..end.min(1024)].iter().map(|&b| b as char).collect()
}

fn bad_status_line(buf: &[u8]) -> String {
    format!("BadStatusLine({})", py_repr(&first_line(buf)))
}

fn parse_error_text(e: httparse::Error, buf: &[u8]) -> String {
    match e {
        httparse::Error::Status | httparse::Error::Version => bad_status_line(buf),
        httparse::Error::TooManyHeaders => format!(
            "HTTPException({})",
            py_repr(&format!("got more than {MAX_HEADERS} headers"))
        ),
        other => format!("InvalidHeader({})", py_repr(&other.to_string())),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    Size,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// Decodes a chunked body as it arrives.
#[derive(Debug)]
pub(crate) struct Chunked {
    state: ChunkState,
    trailer_bytes: usize,
}

impl Chunked {
    pub fn new() -> Chunked {
        Chunked {
            state: ChunkState::Size,
            trailer_bytes: 0,
        }
    }

    pub fn is_done(&self) -> bool {
        self.state == ChunkState::Done
    }

    /// Decodes what it can of `input` into `out`; returns how many input
    /// bytes were used (a line cut short waits for more input).
    pub fn decode(&mut self, input: &[u8], out: &mut BytesMut) -> Result<usize, String> {
        self.decode_until(input, out, usize::MAX, false)
            .map(|(used, _)| used)
    }

    /// Like `decode`, but stops once `out` holds `limit` bytes, and with
    /// `stop_at_chunk_end` at the end of a chunk's data (what a streamed
    /// body hands out as one piece, as urllib3 does). Also says whether it
    /// stopped at the end of a chunk.
    pub fn decode_until(
        &mut self,
        input: &[u8],
        out: &mut BytesMut,
        limit: usize,
        stop_at_chunk_end: bool,
    ) -> Result<(usize, bool), String> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            match self.state {
                ChunkState::Done => return Ok((pos, false)),
                ChunkState::Data(left) => {
                    let room = limit.saturating_sub(out.len());
                    if rest.is_empty() || room == 0 {
                        return Ok((pos, false));
                    }
                    let n = (left.min(rest.len() as u64)).min(room as u64) as usize;
                    out.extend_from_slice(&rest[..n]);
                    pos += n;
                    self.state = match left - n as u64 {
                        0 => ChunkState::DataEnd,
                        l => ChunkState::Data(l),
                    };
                    if stop_at_chunk_end && self.state == ChunkState::DataEnd {
                        return Ok((pos, true));
                    }
                }
                ChunkState::DataEnd => match rest {
                    [b'\r', b'\n', ..] => {
                        pos += 2;
                        self.state = ChunkState::Size;
                    }
                    [b'\n', ..] => {
                        pos += 1;
                        self.state = ChunkState::Size;
                    }
                    [] | [b'\r'] => return Ok((pos, false)),
                    _ => return Err(chunk_error("missing CRLF after chunk data", out.len())),
                },
                ChunkState::Size => {
                    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                        if rest.len() > MAX_CHUNK_LINE {
                            return Err(invalid_chunk_length(rest, out.len()));
                        }
                        return Ok((pos, false));
                    };
                    let line = &rest[..end];
                    let digits = line
                        .split(|&b| b == b';')
                        .next()
                        .unwrap_or(b"")
                        .trim_ascii();
                    let size = std::str::from_utf8(digits)
                        .ok()
                        .filter(|d| !d.is_empty() && d.len() <= 16)
                        .and_then(|d| u64::from_str_radix(d, 16).ok())
                        .ok_or_else(|| invalid_chunk_length(line, out.len()))?;
                    pos += end + 1;
                    self.state = match size {
                        0 => ChunkState::Trailers,
                        n => ChunkState::Data(n),
                    };
                }
                ChunkState::Trailers => {
                    let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                        if self.trailer_bytes + rest.len() > MAX_TRAILERS {
                            return Err(chunk_error("trailers too long", out.len()));
                        }
                        return Ok((pos, false));
                    };
                    self.trailer_bytes += end + 1;
                    if self.trailer_bytes > MAX_TRAILERS {
                        return Err(chunk_error("trailers too long", out.len()));
                    }
                    let line = &rest[..end];
                    pos += end + 1;
                    if line.is_empty() || line == b"\r" {
                        self.state = ChunkState::Done;
                    }
                }
            }
        }
    }
}

/// urllib3's error for a chunk size that is not hex.
fn invalid_chunk_length(line: &[u8], read: usize) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let shown: String = line
        .iter()
        .take(64)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    let quote = if shown.contains('\'') && !shown.contains('"') {
        '"'
    } else {
        '\''
    };
    let cause = format!("InvalidChunkLength(got length b{quote}{shown}{quote}, {read} bytes read)");
    broken(&cause)
}

fn chunk_error(what: &str, read: usize) -> String {
    broken(&format!(
        "ProtocolError({})",
        py_repr(&format!("{what} ({read} bytes read)"))
    ))
}

/// requests' text for a body cut off by `cause`.
pub(crate) fn broken(cause: &str) -> String {
    let msg = format!("Connection broken: {cause}");
    format!(
        "ChunkedEncodingError(ProtocolError({}, {cause}))",
        py_repr(&msg)
    )
}

/// The byte range of `part` within `whole`.
#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Result<Option<(Head, usize)>, String> {
        parse_head(&Bytes::copy_from_slice(text.as_bytes()))
    }

    fn whole(text: &str) -> Head {
        head(text).unwrap().unwrap().0
    }

    #[test]
    fn heads_parse_and_their_headers_on_demand() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello";
        let data = Bytes::copy_from_slice(text.as_bytes());
        let (h, len) = parse_head(&data).unwrap().unwrap();
        assert_eq!(&data[len..], b"hello");
        assert_eq!((h.status, h.version), (StatusCode::OK, Version::HTTP_11));
        assert!(h.reason.is_none() && h.headers.is_none());
        assert_eq!(h.raw.len(), len);
        let map = header_map(&h.raw);
        let xa: Vec<_> = map.get_all("x-a").iter().collect();
        assert_eq!(xa, ["1", "2"]);
        assert_eq!(map["content-length"], "5");
        assert_eq!(h.framing(false), Ok(Framing::Length(5)));
        assert_eq!(h.framing(true), Ok(Framing::Length(0)));
        assert!(h.keeps_alive());
    }

    #[test]
    fn headers_the_session_reads_are_parsed_at_once() {
        for name in ["Set-Cookie", "location", "Content-Encoding"] {
            let h = whole(&format!("HTTP/1.1 302 Found\r\n{name}: v\r\nA: b\r\n\r\n"));
            let map = h.headers.expect(name);
            assert_eq!(map.len(), 2);
            assert_eq!(map[name], "v");
        }
    }

    #[test]
    fn partial_heads_wait_and_interim_heads_are_skipped() {
        assert!(head("HTTP/1.1 200 OK\r\nContent-Le").unwrap().is_none());
        let (h, len) = head("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Gone Fishing\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(len, 54);
        assert_eq!(h.status, 404);
        assert_eq!(h.reason.as_deref(), Some(&b"Gone Fishing"[..]));
        assert_eq!(&h.raw[..], b"HTTP/1.1 404 Gone Fishing\r\n\r\n");
        assert!(head("HTTP/1.1 100 Continue\r\n\r\n").unwrap().is_none());
    }

    #[test]
    fn framing_and_keep_alive_follow_the_headers() {
        let get = |t: &str| whole(t).framing(false);
        assert_eq!(
            get("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n"),
            Ok(Framing::Chunked)
        );
        assert_eq!(
            get("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
            Ok(Framing::Close)
        );
        assert_eq!(get("HTTP/1.1 200 OK\r\n\r\n"), Ok(Framing::Close));
        assert_eq!(
            get("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n"),
            Ok(Framing::Length(0))
        );
        assert_eq!(
            get("HTTP/1.1 200 OK\r\nContent-Length: 4, 4\r\n\r\n"),
            Ok(Framing::Length(4))
        );
        assert!(
            get("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n")
                .unwrap_err()
                .starts_with("InvalidHeader(")
        );
        assert!(get("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").is_err());

        assert!(!whole("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n").keeps_alive());
        assert!(!whole("HTTP/1.0 200 OK\r\n\r\n").keeps_alive());
        assert!(whole("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n").keeps_alive());
        assert!(!whole("HTTP/1.1 101 Switching Protocols\r\n\r\n").keeps_alive());
    }

    #[test]
    fn malformed_heads_read_like_python() {
        assert_eq!(
            head("garbage garbage\r\n\r\n").unwrap_err(),
            "BadStatusLine('garbage garbage\\r\\n')"
        );
        assert!(head("HTTP/1.1 200 OK\r\nBad Header\r\n\r\n")
            .unwrap_err()
            .starts_with("InvalidHeader("));
        let many: String = (0..101).map(|i| format!("h{i}: v\r\n")).collect();
        assert_eq!(
            head(&format!("HTTP/1.1 200 OK\r\n{many}\r\n")).unwrap_err(),
            "HTTPException('got more than 100 headers')"
        );
    }

    #[test]
    fn chunked_bodies_decode_across_reads() {
        let wire = b"3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n";
        for cut in 0..wire.len() {
            let mut c = Chunked::new();
            let mut out = BytesMut::new();
            let mut pending = wire[..cut].to_vec();
            let used = c.decode(&pending, &mut out).unwrap();
            pending.drain(..used);
            pending.extend_from_slice(&wire[cut..]);
            let used = c.decode(&pending, &mut out).unwrap();
            assert_eq!(used, pending.len(), "cut at {cut}");
            assert!(c.is_done());
            assert_eq!(&out[..], b"abc0123456789abcdef");
        }
    }

    #[test]
    fn chunked_bodies_can_be_handed_out_chunk_by_chunk() {
        let wire = b"3\r\nabc\r\n5\r\nhello\r\n0\r\n\r\n";
        let mut c = Chunked::new();
        let mut out = BytesMut::new();
        let (used, ended) = c.decode_until(wire, &mut out, usize::MAX, true).unwrap();
        assert_eq!((&out[..], ended), (&b"abc"[..], true));
        out.clear();
        let (more, ended) = c.decode_until(&wire[used..], &mut out, 2, true).unwrap();
        assert_eq!((&out[..], ended), (&b"he"[..], false));
        out.clear();
        let (rest, ended) = c
            .decode_until(&wire[used + more..], &mut out, usize::MAX, true)
            .unwrap();
        assert_eq!((&out[..], ended), (&b"llo"[..], true));
        out.clear();
        let left = &wire[used + more + rest..];
        assert_eq!(c.decode(left, &mut out).unwrap(), left.len());
        assert!(c.is_done() && out.is_empty());
    }

    #[test]
    fn bad_chunks_are_chunked_encoding_errors() {
        let mut out = BytesMut::new();
        let e = Chunked::new()
            .decode(b"zz\r\nnot hex\r\n", &mut out)
            .unwrap_err();
        assert_eq!(
            e,
            "ChunkedEncodingError(ProtocolError(\"Connection broken: InvalidChunkLength(got length b'zz', 0 bytes read)\", InvalidChunkLength(got length b'zz', 0 bytes read)))"
        );
        let e = Chunked::new().decode(b"2\r\nabX", &mut out).unwrap_err();
        assert!(e.starts_with("ChunkedEncodingError("), "{e}");
    }
}
