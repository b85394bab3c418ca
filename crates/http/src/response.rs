//! What a request gives back: the response (requests' `Response`), and the
//! catch_response form that lets the task decide success or failure.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use http::header::SET_COOKIE;
use http::{HeaderMap, Version};
use serde::de::DeserializeOwned;

use crate::failure::catch_response_error_text;
use crate::hop::ReportInfo;
use crate::session::HttpSession;
use crate::stream::{BodyError, BodyStream};

/// One redirect that was followed on the way to the final response.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redirect {
    /// The URL that answered with the redirect.
    pub url: String,
    pub status: u16,
    /// The reason phrase from its status line ("Found").
    pub reason: String,
    /// Its response headers (Location, Set-Cookie...).
    pub headers: HeaderMap,
}

/// A completed request: the final response after redirects, with its whole
/// body read and decoded, or a failure (status 0) when none could be had.
#[derive(Debug, Default)]
pub struct Response {
    pub(crate) status: u16,
    pub(crate) reason: Cow<'static, str>,
    pub(crate) version: Version,
    pub(crate) headers: Headers,
    pub(crate) url: Bytes,
    pub(crate) body: Bytes,
    pub(crate) history: Vec<Redirect>,
    pub(crate) elapsed: Duration,
    pub(crate) error: Option<String>,
    pub(crate) start_time: f64,
    /// Kept only for unrecorded requests (see `request_headers`).
    pub(crate) request_headers: HeaderMap,
}

/// Response headers, parsed into a map when first asked for: most tasks
/// never look at them.
#[derive(Debug, Default)]
pub(crate) struct Headers {
    map: OnceLock<HeaderMap>,
    /// The HTTP/1.1 head they come from, while not parsed.
    raw: Option<Bytes>,
}

impl Headers {
    /// `map`, or when `raw` is given, the headers of that head.
    pub(crate) fn new(map: HeaderMap, raw: Option<Bytes>) -> Headers {
        match raw {
            Some(raw) => Headers {
                map: OnceLock::new(),
                raw: Some(raw),
            },
            None => Headers {
                map: OnceLock::from(map),
                raw: None,
            },
        }
    }

    fn get(&self) -> &HeaderMap {
        self.map.get_or_init(|| match &self.raw {
            Some(raw) => crate::wire::header_map(raw),
            None => HeaderMap::new(),
        })
    }
}

impl Response {
    /// The HTTP status code; 0 when the request failed without a response
    /// (connection refused, timeout...), as Locust's `status_code`.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// True when the request did not fail: a response arrived and its status
    /// is below 400 (requests' `ok`).
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }

    /// The reason phrase from the status line ("Not Found").
    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn headers(&self) -> &HeaderMap {
        self.headers.get()
    }

    /// A header's value as text, if present and printable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// Cookies set by this (final) response, as (name, value).
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| {
                let text = String::from_utf8_lossy(v.as_bytes());
                let pair = text.split(';').next()?;
                let (name, value) = pair.split_once('=')?;
                Some((name.trim().to_owned(), value.trim().to_owned()))
            })
            .collect()
    }

    /// The final URL, after redirects.
    pub fn url(&self) -> &str {
        std::str::from_utf8(&self.url).unwrap_or("")
    }

    /// The body, decoded from its Content-Encoding.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body as text; invalid UTF-8 is replaced, not an error.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The redirects followed, oldest first.
    pub fn history(&self) -> &[Redirect] {
        &self.history
    }

    /// Time from starting the request to the last byte of the body.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// When the request started, in seconds since the Unix epoch.
    pub fn start_time(&self) -> f64 {
        self.start_time
    }

    /// The headers sent on the final hop, defaults included (requests'
    /// `response.request.headers`). Kept only for requests sent with
    /// [`unrecorded`](crate::RequestBuilder::unrecorded); empty otherwise,
    /// and empty when no response was received.
    pub fn request_headers(&self) -> &HeaderMap {
        &self.request_headers
    }

    /// Locust's failure text when no HTTP response was received (status
    /// 0: connection refused, timeout, bad URL...), e.g.
    /// `ConnectionRefusedError(111, 'Connection refused')`; `None` when a
    /// response arrived, whatever its status.
    pub fn connection_error(&self) -> Option<&str> {
        match self.status {
            0 => self.error.as_deref(),
            _ => None,
        }
    }

    /// The URL first requested, before redirects.
    pub(crate) fn first_url(&self) -> &str {
        match self.history.first() {
            Some(r) => &r.url,
            None => self.url(),
        }
    }

    /// The failure text recorded for this request, in Locust's form, e.g.
    /// `HTTPError('404 Client Error: Not Found for url: /missing')` or
    /// `ConnectionRefusedError(111, 'Connection refused')`.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// The response of a streamed request: everything but the body, which is
/// read on demand from [`body`](Self::body). Its `elapsed` ends at the head.
/// Dropping it before the body's end closes the connection.
#[derive(Debug, Default)]
pub struct StreamedResponse {
    pub(crate) response: Response,
    /// None when the request failed without a response.
    pub(crate) body: Option<BodyStream>,
}

impl StreamedResponse {
    /// The body, read on demand.
    pub fn body(&mut self) -> Option<&mut BodyStream> {
        self.body.as_mut()
    }

    /// The next piece of the body as it arrives, decoded (None at the end).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, BodyError> {
        match &mut self.body {
            Some(b) => b.chunk().await,
            None => Ok(None),
        }
    }

    /// The response and its body, apart.
    pub fn into_parts(self) -> (Response, Option<BodyStream>) {
        (self.response, self.body)
    }
}

impl Deref for StreamedResponse {
    type Target = Response;

    fn deref(&self) -> &Response {
        &self.response
    }
}

#[derive(Debug)]
enum Verdict {
    Undecided,
    Success,
    Failure(String),
}

/// A response whose outcome the task decides, like Locust's
/// `with client.get(..., catch_response=True) as response:` block.
///
/// The request is recorded when this is dropped: as a success after
/// [`success`](Self::success), as a failure after [`failure`](Self::failure),
/// otherwise by the status as usual. Dropped during a panic, it is not
/// recorded at all (Locust: an exception inside the block).
pub struct CatchResponse<'a> {
    response: Response,
    session: &'a HttpSession,
    info: ReportInfo<'a>,
    verdict: Verdict,
    reported: bool,
}

impl<'a> CatchResponse<'a> {
    pub(crate) fn new(session: &'a HttpSession, info: ReportInfo<'a>, response: Response) -> Self {
        Self {
            response,
            session,
            info,
            verdict: Verdict::Undecided,
            reported: false,
        }
    }

    /// Records the request as a success, whatever its status.
    pub fn success(&mut self) {
        self.verdict = Verdict::Success;
    }

    /// Records the request as a failure with this message, recorded as
    /// `CatchResponseError('message')` like Locust.
    pub fn failure(&mut self, message: impl std::fmt::Display) {
        self.verdict = Verdict::Failure(catch_response_error_text(&message.to_string()));
    }

    /// The request's name in the statistics.
    pub fn name(&self) -> &str {
        self.info.name()
    }

    /// Records the request now and hands back the plain response.
    pub fn into_response(mut self) -> Response {
        self.report();
        std::mem::take(&mut self.response)
    }

    fn report(&mut self) {
        if self.reported {
            return;
        }
        self.reported = true;
        let error = match &self.verdict {
            Verdict::Success => None,
            Verdict::Failure(text) => Some(text.as_str()),
            Verdict::Undecided => self.response.error.as_deref(),
        };
        self.session.record_info(&self.info, &self.response, error);
    }
}

impl Deref for CatchResponse<'_> {
    type Target = Response;

    fn deref(&self) -> &Response {
        &self.response
    }
}

impl Drop for CatchResponse<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        self.report();
    }
}

impl std::fmt::Debug for CatchResponse<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatchResponse")
            .field("name", &self.info.name())
            .field("response", &self.response)
            .field("verdict", &self.verdict)
            .finish()
    }
}
