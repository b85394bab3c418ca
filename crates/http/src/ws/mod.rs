//! `WebSocketSession`: one per user, recorded into the statistics like the
//! HTTP session's requests.
//!
//! Why here and not in a crate of its own: a WebSocket starts as an HTTP
//! request, so it needs what this crate already has: resolving URLs against
//! the user's host, opening TCP and TLS connections (rustls, the same
//! [`Tls`] settings; `wss://` comes for free) and Locust's failure texts.
//! tokio-tungstenite only does the handshake and the framing, over the
//! socket `connect.rs` opens.
//!
//! What is recorded, with request type `"WS"` (see
//! [`set_request_type`](WebSocketSession::set_request_type)):
//!
//! - each connect, named after the URL's path (or `.name(..)`), timed from
//!   the TCP connect to the end of the handshake;
//! - each message sent, named `"send"` (or `.name(..)`), length = payload
//!   bytes, response time 0 unless the socket made the send wait;
//! - each message received, named `"recv"` (or `.name(..)`), length =
//!   payload bytes, response time = the time waited for it;
//! - each ping, named `"ping"`: the round trip to its pong.
//!
//! Failures (a refused connect, a bad handshake status or subprotocol, a
//! timeout, a connection the server closed) are recorded under the same
//! names with websocket-client's exception texts (see `failure.rs`).
//!
//! ```no_run
//! # async fn task(ws: &mut rocust_http::WebSocketSession) -> Result<(), rocust_http::WsError> {
//! if !ws.is_connected() {
//!     ws.connect("/chat").subprotocol("chat").await?;
//! }
//! ws.send_text("hello").await?;
//! let reply = ws.recv().name("hello reply").await?;
//! assert_eq!(reply.as_text(), Some("hello"));
//! # Ok(())
//! # }
//! ```
//!
//! The message path is lean: a send or receive is a plain future over the
//! session (no boxing), names are borrowed `&str`s that the stats shards look
//! up without allocating, and the timer for timeouts is made once per
//! session and reset for each wait.

mod failure;
mod io;

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONNECTION, HOST, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE, USER_AGENT,
};
use http::{HeaderMap, Request};
use rocust_core::user::{RequestRecord, UserContext};
use tokio::time::Sleep;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use crate::connect::{connect, ConnectOptions, Socket};
use crate::session::{with_verify, InvalidHeader};
use crate::target::{is_absolute, Base, Target};
use crate::tls::Tls;

pub use failure::{WsError, WsErrorKind};
pub use io::{Ping, Recv, SendMessage};

use failure::Waiting;

const DEFAULT_USER_AGENT: &str = concat!("rocust/", env!("CARGO_PKG_VERSION"));
/// How long a receive, a ping or a handshake waits unless told otherwise.
pub const DEFAULT_RECV_TIMEOUT: Duration = Duration::from_secs(60);
const SEND: &str = "send";
const RECV: &str = "recv";
const PING: &str = "ping";

/// A message received: text or binary (control frames are handled inside).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsMessage {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl WsMessage {
    /// The payload, as sent.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            WsMessage::Text(t) => t.as_bytes(),
            WsMessage::Binary(b) => b,
        }
    }

    /// The text of a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            WsMessage::Text(t) => Some(t.as_str()),
            WsMessage::Binary(_) => None,
        }
    }

    /// Payload bytes: what is recorded as the response length.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_text(&self) -> bool {
        matches!(self, WsMessage::Text(_))
    }
}

/// Which operations a session records itself (see
/// [`set_recording`](WebSocketSession::set_recording)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recording {
    /// Every operation (the default).
    #[default]
    All,
    /// Successes only; the caller reports failures.
    Successes,
    /// None; the caller reports everything.
    Off,
}

/// An operation as the session would record it, kept for a caller that
/// reports it ([`take_last_record`](WebSocketSession::take_last_record)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRecord {
    pub name: String,
    pub response_time: Duration,
    pub length: u64,
    /// The failure text (Python's `repr` of the exception).
    pub error: Option<String>,
}

/// An open connection.
struct Conn {
    stream: WebSocketStream<Socket>,
}

/// A user's WebSocket client: one connection at a time; every connect,
/// message and ping is timed and recorded into rocust's statistics once.
pub struct WebSocketSession {
    ctx: UserContext,
    /// `Ok(None)`: no host configured; `Err`: the host is not a usable URL.
    base: Result<Option<Base>, String>,
    request_type: Box<str>,
    headers: HeaderMap,
    tls: Tls,
    connect_timeout: Option<Duration>,
    recv_timeout: Option<Duration>,
    conn: Option<Conn>,
    /// The last URL connected to (`ws://` or `wss://`), recorded with each
    /// message.
    url: Box<str>,
    subprotocol: Option<Box<str>>,
    /// Data messages that arrived while a ping waited for its pong; the next
    /// receives return them first.
    pending: VecDeque<WsMessage>,
    /// The timeout of receives and pings: made once, reset for each wait.
    timer: Option<Pin<Box<Sleep>>>,
    recording: Recording,
    /// The last operation, unless every one is recorded here.
    last: Option<LastRecord>,
}

impl WebSocketSession {
    /// A session for the user owning `ctx`; relative URLs go to `ctx.host()`
    /// (`http://` and `ws://` hosts alike, `https://` and `wss://` for TLS).
    /// Credentials in the host URL become basic auth on the handshake.
    pub fn new(ctx: &UserContext) -> WebSocketSession {
        let base = match ctx.host().map(str::trim) {
            None | Some("") => Ok(None),
            Some(h) => Base::parse(&as_http_url(h)).map(Some).map_err(|f| f.text()),
        };
        WebSocketSession {
            ctx: ctx.clone(),
            base,
            request_type: "WS".into(),
            headers: HeaderMap::new(),
            tls: Tls::verified(),
            connect_timeout: None,
            recv_timeout: Some(DEFAULT_RECV_TIMEOUT),
            conn: None,
            url: "".into(),
            subprotocol: None,
            pending: VecDeque::new(),
            timer: None,
            recording: Recording::All,
            last: None,
        }
    }

    pub fn context(&self) -> &UserContext {
        &self.ctx
    }

    /// The request type everything is recorded under (default `"WS"`).
    pub fn set_request_type(&mut self, request_type: &str) -> &mut Self {
        self.request_type = request_type.into();
        self
    }

    pub fn request_type(&self) -> &str {
        &self.request_type
    }

    /// Headers sent with every handshake (a connect's own headers win).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    pub fn set_header(&mut self, name: &str, value: &str) -> Result<&mut Self, InvalidHeader> {
        let (n, v) = header(name, value)?;
        self.headers.insert(n, v);
        Ok(self)
    }

    /// TLS certificate verification for `wss://` (default on), as
    /// [`HttpSession::set_verify`](crate::HttpSession::set_verify).
    pub fn set_verify(&mut self, verify: bool) -> &mut Self {
        self.tls = with_verify(&self.tls, verify);
        self
    }

    pub fn set_tls(&mut self, tls: Tls) -> &mut Self {
        self.tls = tls;
        self
    }

    pub fn tls(&self) -> &Tls {
        &self.tls
    }

    /// Limit on connecting (DNS, TCP and TLS); none by default.
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit on waiting for a message, a pong or the handshake's answer
    /// ([`DEFAULT_RECV_TIMEOUT`] by default; `None` waits for ever).
    pub fn set_recv_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.recv_timeout = timeout;
        self
    }

    pub fn recv_timeout(&self) -> Option<Duration> {
        self.recv_timeout
    }

    /// Opens a connection to `url` (absolute `ws://`/`wss://`, or relative
    /// to the host), dropping the one open before (`close` it first for a
    /// clean close). Recorded under the URL's path unless named; await it.
    pub fn connect<'a>(&'a mut self, url: impl Into<Cow<'a, str>>) -> Connect<'a> {
        Connect {
            ws: self,
            url: url.into(),
            name: None,
            headers: HeaderMap::new(),
            subprotocols: Vec::new(),
            invalid: None,
        }
    }

    /// Sends a text message, recorded as `"send"` unless named. A string
    /// literal is copied; `Utf8Bytes::from_static` or a clone of a kept
    /// `Utf8Bytes` is not.
    pub fn send_text(&mut self, text: impl Into<Utf8Bytes>) -> SendMessage<'_> {
        let text = text.into();
        let length = text.len() as u64;
        SendMessage::new(self, Message::Text(text), length)
    }

    /// Sends a binary message, recorded as `"send"` unless named.
    pub fn send_binary(&mut self, data: impl Into<Bytes>) -> SendMessage<'_> {
        let data = data.into();
        let length = data.len() as u64;
        SendMessage::new(self, Message::Binary(data), length)
    }

    /// The next text or binary message, recorded as `"recv"` unless named,
    /// with the time waited for it; waiting longer than the receive timeout
    /// is a failure (the connection stays open). Pings from the server are
    /// answered meanwhile; a close from it is a failure.
    pub fn recv(&mut self) -> Recv<'_> {
        let timeout = self.recv_timeout;
        Recv::new(self, timeout)
    }

    /// Sends a ping and waits for its pong, recorded as `"ping"` unless
    /// named; resolves to the round trip. Messages arriving meanwhile are
    /// kept for the next receives.
    pub fn ping(&mut self) -> Ping<'_> {
        let timeout = self.recv_timeout;
        Ping::new(self, timeout)
    }

    /// Closes the connection: a close frame (1000), then waits (within the
    /// receive timeout) for the server's. Not recorded; does nothing when
    /// there is no connection. Dropping the session just drops the socket.
    pub async fn close(&mut self) {
        self.pending.clear();
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let handshake = async {
            use futures_util::StreamExt;
            if conn.stream.close(None).await.is_ok() {
                while let Some(Ok(_)) = conn.stream.next().await {}
            }
        };
        match self.recv_timeout {
            Some(t) => {
                let _ = tokio::time::timeout(t, handshake).await;
            }
            None => handshake.await,
        }
    }

    pub fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// The subprotocol the server chose for the open connection.
    pub fn subprotocol(&self) -> Option<&str> {
        self.conn.as_ref().and(self.subprotocol.as_deref())
    }

    /// What the session records itself. A client that reports operations
    /// its own way (Python's `events.request`) turns some off and takes
    /// each operation's outcome with [`take_last_record`](Self::take_last_record).
    pub fn set_recording(&mut self, recording: Recording) -> &mut Self {
        self.recording = recording;
        self
    }

    /// The last operation's outcome, kept unless [`Recording::All`].
    pub fn take_last_record(&mut self) -> Option<LastRecord> {
        self.last.take()
    }

    /// The URL of the last connect (`ws://...` or `wss://...`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Records one operation. `elapsed` is its response time.
    fn record(&mut self, name: &str, elapsed: Duration, length: u64, error: Option<&str>) {
        if self.recording != Recording::All {
            self.last = Some(LastRecord {
                name: name.to_owned(),
                response_time: elapsed,
                length,
                error: error.map(str::to_owned),
            });
            if self.recording == Recording::Off || error.is_some() {
                return;
            }
        }
        // The start time only reaches `request` event listeners: skip the
        // clock read for every message when there are none.
        let start_time = if self.ctx.environment().events.request.has_listeners() {
            epoch_seconds() - elapsed.as_secs_f64()
        } else {
            0.0
        };
        self.ctx.record_request(&RequestRecord {
            request_type: &self.request_type,
            name,
            response_time: Some(elapsed),
            response_length: length,
            error,
            status_code: None,
            start_time,
            url: &self.url,
        });
    }

    /// Records a failure, dropping the connection unless it was a timeout.
    fn fail(&mut self, name: &str, elapsed: Duration, error: WsError) -> WsError {
        if !error.is_timeout() {
            self.conn = None;
        }
        self.record(name, elapsed, 0, Some(error.text()));
        error
    }

    fn resolve(&self, url: &str) -> Result<Target, String> {
        let url = as_http_url(url);
        match &self.base {
            Err(text) if !is_absolute(&url) => Err(text.clone()),
            base => Target::resolve(base.as_ref().ok().and_then(Option::as_ref), &url, None)
                .map_err(|f| f.text()),
        }
    }
}

impl std::fmt::Debug for WebSocketSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketSession")
            .field("request_type", &self.request_type)
            .field("url", &self.url)
            .field("connected", &self.is_connected())
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// A connect being set up: headers, subprotocols, a name. Await it.
#[must_use = "a connect does nothing until awaited"]
pub struct Connect<'a> {
    ws: &'a mut WebSocketSession,
    url: Cow<'a, str>,
    name: Option<Cow<'a, str>>,
    headers: HeaderMap,
    subprotocols: Vec<Cow<'a, str>>,
    /// A header that could not be used: the connect fails with this text.
    invalid: Option<String>,
}

impl<'a> Connect<'a> {
    /// A header for this handshake (over the session's).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match header(name, value) {
            Ok((n, v)) => {
                self.headers.insert(n, v);
            }
            Err(e) => {
                self.invalid = Some(format!("InvalidHeader({})", crate::failure::py_repr(&e.0)))
            }
        }
        self
    }

    /// Offers a subprotocol (`Sec-WebSocket-Protocol`), in order of
    /// preference. Once one is offered, the server must choose one of them.
    pub fn subprotocol(mut self, protocol: impl Into<Cow<'a, str>>) -> Self {
        self.subprotocols.push(protocol.into());
        self
    }

    /// The name the connect is recorded under (default: the URL's path).
    pub fn name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    async fn run(self) -> Result<(), WsError> {
        let Connect {
            ws,
            url,
            name,
            headers,
            subprotocols,
            invalid,
        } = self;
        ws.conn = None;
        ws.subprotocol = None;
        ws.pending.clear();
        let start = Instant::now();
        let target = match ws.resolve(&url) {
            Ok(t) => t,
            Err(text) => {
                ws.url = url.as_ref().into();
                let name = name.unwrap_or(url);
                return Err(ws.fail(&name, start.elapsed(), failure::connect(text)));
            }
        };
        ws.url = ws_url(&target).into();
        let name = name.unwrap_or_else(|| Cow::Owned(url_path(&target).to_owned()));
        if let Some(text) = invalid {
            return Err(ws.fail(&name, start.elapsed(), failure::connect(text)));
        }
        let offered: Vec<&str> = subprotocols.iter().map(|p| p.as_ref()).collect();
        let request = match ws.handshake_request(&target, headers, &offered) {
            Ok(r) => r,
            Err(text) => return Err(ws.fail(&name, start.elapsed(), failure::connect(text))),
        };
        let opts = ConnectOptions {
            tls: &ws.tls,
            http2: false,
            connect_timeout: ws.connect_timeout,
        };
        let socket = match connect(&target.origin, opts).await {
            Ok(s) => s,
            Err(f) => return Err(ws.fail(&name, start.elapsed(), failure::connect(f.text()))),
        };
        let handshake = tokio_tungstenite::client_async(request, socket);
        let result = match ws.recv_timeout {
            None => handshake.await.map_err(|e| failure::handshake(e, &offered)),
            Some(t) => match tokio::time::timeout(t, handshake).await {
                Ok(r) => r.map_err(|e| failure::handshake(e, &offered)),
                Err(_) => Err(failure::timeout(Waiting::Handshake, t)),
            },
        };
        match result {
            Ok((stream, response)) => {
                ws.subprotocol = response
                    .headers()
                    .get(SEC_WEBSOCKET_PROTOCOL)
                    .and_then(|v| v.to_str().ok())
                    .map(Into::into);
                ws.conn = Some(Conn { stream });
                ws.record(&name, start.elapsed(), 0, None);
                Ok(())
            }
            Err(e) => Err(ws.fail(&name, start.elapsed(), e)),
        }
    }
}

impl<'a> IntoFuture for Connect<'a> {
    type Output = Result<(), WsError>;
    // Boxed: connects are rare next to messages, and this keeps the type nameable.
    type IntoFuture = Pin<Box<dyn Future<Output = Result<(), WsError>> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

impl WebSocketSession {
    /// The upgrade request: the WebSocket headers, then the session's and
    /// the connect's own (which may replace the defaults, not the key).
    fn handshake_request(
        &self,
        target: &Target,
        headers: HeaderMap,
        offered: &[&str],
    ) -> Result<Request<()>, String> {
        // tungstenite checks the scheme (ws or wss) and sends path and query.
        let url = ws_url(target);
        let uri = http::Uri::try_from(url.as_str()).map_err(|e| {
            format!(
                "InvalidURL({})",
                crate::failure::py_repr(&format!("Invalid URL {url:?}: {e}"))
            )
        })?;
        let mut request = Request::new(());
        *request.uri_mut() = uri;
        let h = request.headers_mut();
        h.insert(HOST, target.origin.host_header.clone());
        h.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        if let Ok(Some(Base {
            auth: Some(auth), ..
        })) = &self.base
        {
            h.insert(AUTHORIZATION, auth.clone());
        }
        for (name, value) in self.headers.iter().chain(headers.iter()) {
            h.insert(name, value.clone());
        }
        h.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        let key = HeaderValue::try_from(generate_key()).map_err(|e| e.to_string())?;
        h.insert(SEC_WEBSOCKET_KEY, key);
        if !offered.is_empty() {
            let value = HeaderValue::try_from(offered.join(", ")).map_err(|e| {
                format!(
                    "InvalidHeader({})",
                    crate::failure::py_repr(&format!("invalid subprotocol: {e}"))
                )
            })?;
            h.insert(SEC_WEBSOCKET_PROTOCOL, value);
        }
        Ok(request)
    }
}

fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), InvalidHeader> {
    let n = HeaderName::try_from(name).map_err(|e| InvalidHeader(e.to_string()))?;
    let v = HeaderValue::try_from(value).map_err(|e| InvalidHeader(e.to_string()))?;
    Ok((n, v))
}

/// `ws://` and `wss://` as the HTTP URLs the handshake goes to.
fn as_http_url(url: &str) -> Cow<'_, str> {
    let b = url.as_bytes();
    if b.len() >= 5 && b[..5].eq_ignore_ascii_case(b"ws://") {
        Cow::Owned(format!("http://{}", &url[5..]))
    } else if b.len() >= 6 && b[..6].eq_ignore_ascii_case(b"wss://") {
        Cow::Owned(format!("https://{}", &url[6..]))
    } else {
        Cow::Borrowed(url)
    }
}

/// The target's URL with a `ws` or `wss` scheme.
fn ws_url(target: &Target) -> String {
    let full = target.as_str();
    match full.split_once("://") {
        Some((_, rest)) if target.origin.tls => format!("wss://{rest}"),
        Some((_, rest)) => format!("ws://{rest}"),
        None => full.to_owned(),
    }
}

/// The path of the target's URL, without the query: the default name.
fn url_path(target: &Target) -> &str {
    let path = &target.as_str()[target.path_start..];
    path.split('?').next().unwrap_or(path)
}

fn epoch_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests;
