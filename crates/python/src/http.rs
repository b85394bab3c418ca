//! HTTP for Python users: Rust threads run every exchange with
//! `rocust_http` and never take the GIL; results go back through the bridge.
//! A streamed response's body stays on its thread and is read there, one
//! `read_body` at a time, as Python asks for it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rocust_core::env::Environment;
use rocust_core::stats::StatsRecorder;
use rocust_core::user::UserContext;
use rocust_http::{
    BodyStream, Bytes, HeaderMap, HeaderName, HeaderValue, HttpSession, Method, Tls,
};
use tokio::sync::mpsc;

use crate::bridge::{Bridge, HttpDone, HttpOutcome};
use crate::websocket::WsJob;

/// One user's HTTP session (cookie jar and connections) on an HTTP thread.
#[pyclass(frozen, module = "rocust._engine")]
pub struct Session {
    pub thread: usize,
    pub inner: Arc<HttpSession>,
    /// The user's host: cookies set without a domain belong to it.
    pub host: Option<String>,
}

#[pymethods]
impl Session {
    /// The jar's cookies as (name, value, domain, path).
    fn cookies(&self) -> Vec<(String, String, String, String)> {
        self.inner
            .cookies()
            .into_iter()
            .map(|(name, value)| (name, value, String::new(), "/".to_owned()))
            .collect()
    }

    /// A cookie as if `domain` (default: the user's host) had set it for `path`.
    #[pyo3(signature = (name, value, domain = "", path = "/"))]
    fn set_cookie(&self, name: &str, value: &str, domain: &str, path: &str) -> bool {
        let path = if path.is_empty() { "/" } else { path };
        let domain = domain.trim_start_matches('.');
        let url = if domain.is_empty() {
            match &self.host {
                Some(host) => host.clone(),
                None => return false,
            }
        } else {
            format!("http://{domain}/")
        };
        self.inner.set_cookie_for(&url, name, value, path)
    }

    fn clear_cookies(&self) {
        self.inner.clear_cookies();
    }

    fn close(&self) {
        self.inner.close_connections();
    }
}

/// Python's (name, value) pairs as a header map.
pub fn header_map(headers: &Bound<'_, PyAny>) -> PyResult<HeaderMap> {
    let mut map = HeaderMap::new();
    for item in headers.try_iter()? {
        let (name, value): (String, String) = item?.extract()?;
        let name = HeaderName::try_from(name.as_str())
            .map_err(|e| PyValueError::new_err(format!("Invalid header name {name:?}: {e}")))?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|e| {
            PyValueError::new_err(format!("Invalid header value for {name}: {value:?}: {e}"))
        })?;
        map.append(name, value);
    }
    Ok(map)
}

/// Which statuses count as success when the engine records a request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailRule {
    /// requests/HttpUser: a response with a status below 400.
    Requests,
    /// FastHttpUser: 200-208, 226, 301-304, 307, 308.
    FastHttp,
}

impl FailRule {
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Requests),
            1 => Some(Self::FastHttp),
            _ => None,
        }
    }

    pub fn is_success(self, status: u16) -> bool {
        match self {
            Self::Requests => (1..400).contains(&status),
            Self::FastHttp => matches!(status, 200..=208 | 226 | 301..=304 | 307 | 308),
        }
    }
}

pub struct Job {
    pub id: u64,
    pub session: Arc<HttpSession>,
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    pub timeout: Option<Duration>,
    pub allow_redirects: bool,
    pub rule: FailRule,
    /// Record in the engine under this name if the rule says success.
    pub record: Option<String>,
    /// The request's TLS setting; the session's when None.
    pub tls: Option<Tls>,
    /// Return at the response head, the body left in a `StreamSlot`.
    pub stream: bool,
    /// The HTTP thread the session lives on (where its body is read).
    pub thread: usize,
}

/// A streamed body between reads: taken by the read under way, dropped
/// (closing its connection) when Python closes or forgets the response.
pub struct StreamSlot {
    body: Mutex<Option<BodyStream>>,
    closed: AtomicBool,
}

impl StreamSlot {
    pub fn new(body: BodyStream) -> Self {
        Self {
            body: Mutex::new(Some(body)),
            closed: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<BodyStream>> {
        self.body.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the body now, or when the read under way ends.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let body = self.lock().take();
        drop(body);
    }
}

/// One read of a streamed body (see `BodyStream::read`).
pub struct ReadJob {
    pub id: u64,
    pub slot: Arc<StreamSlot>,
    pub want: usize,
    pub limit: usize,
    pub per_chunk: bool,
    pub decode: bool,
}

/// What an HTTP thread is asked to do. Requests are the common case: boxing
/// them would cost an allocation per request.
#[allow(clippy::large_enum_variant)]
pub enum Work {
    Request(Job),
    Read(ReadJob),
    WebSocket(WsJob),
}

/// The HTTP threads: one current-thread runtime each; a session stays on
/// the thread it was created for, so its connections do too.
pub struct HttpThreads {
    senders: Vec<mpsc::UnboundedSender<Work>>,
    recorders: Vec<StatsRecorder>,
    env: Arc<Environment>,
    next: AtomicUsize,
}

impl HttpThreads {
    pub fn start(
        count: usize,
        env: &Arc<Environment>,
        bridge: Arc<Bridge>,
    ) -> std::io::Result<Self> {
        let mut senders = Vec::new();
        let mut recorders = Vec::new();
        for i in 0..count.max(1) {
            let (tx, rx) = mpsc::unbounded_channel();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let bridge = bridge.clone();
            std::thread::Builder::new()
                .name(format!("rocust-http-{i}"))
                .spawn(move || serve(runtime, rx, bridge))?;
            senders.push(tx);
            recorders.push(env.stats.recorder());
        }
        Ok(Self {
            senders,
            recorders,
            env: env.clone(),
            next: AtomicUsize::new(0),
        })
    }

    /// A session for one Python user, placed on the next thread in turn.
    pub fn session(&self, user_class: &str, verify: bool) -> (usize, Arc<HttpSession>) {
        let thread = self.next.fetch_add(1, Ordering::Relaxed) % self.senders.len();
        let ctx = UserContext::new(
            self.env.clone(),
            self.recorders[thread].clone(),
            None,
            user_class.into(),
        );
        let mut session = HttpSession::new(&ctx);
        session.set_verify(verify);
        (thread, Arc::new(session))
    }

    pub fn submit(&self, thread: usize, work: Work) -> bool {
        self.senders
            .get(thread)
            .is_some_and(|s| s.send(work).is_ok())
    }
}

fn serve(
    runtime: tokio::runtime::Runtime,
    mut jobs: mpsc::UnboundedReceiver<Work>,
    bridge: Arc<Bridge>,
) {
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        while let Some(work) = jobs.recv().await {
            match work {
                Work::Request(job) => tokio::task::spawn_local(run(job, bridge.clone())),
                Work::Read(job) => tokio::task::spawn_local(read(job, bridge.clone())),
                Work::WebSocket(job) => {
                    tokio::task::spawn_local(crate::websocket::run(job, bridge.clone()))
                }
            };
        }
    });
}

async fn read(job: ReadJob, bridge: Arc<Bridge>) {
    let ReadJob {
        id,
        slot,
        want,
        limit,
        per_chunk,
        decode,
    } = job;
    let taken = slot.lock().take();
    let outcome = match taken {
        None => Ok(Bytes::new()),
        Some(mut body) => {
            let out = body.read(want, limit, per_chunk, decode).await;
            // Checked under the lock: a `close` in between then finds the body.
            let mut kept = slot.lock();
            if !body.is_done() && !slot.closed.load(Ordering::Acquire) {
                *kept = Some(body);
            }
            out.map_err(|e| e.text().to_owned())
        }
    };
    bridge.push_http(HttpDone {
        id,
        outcome: HttpOutcome::Body(outcome),
    });
}

async fn run(job: Job, bridge: Arc<Bridge>) {
    let Job {
        id,
        session,
        method,
        url,
        headers,
        body,
        timeout,
        allow_redirects,
        rule,
        record,
        tls,
        stream,
        thread,
    } = job;
    let mut request = session
        .request(method.clone(), url)
        .headers(headers)
        .allow_redirects(allow_redirects);
    if let Some(body) = body {
        request = request.body(body);
    }
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    if let Some(tls) = tls {
        request = request.tls(tls);
    }
    if stream {
        let (response, body) = request.unrecorded().stream().send().await.into_parts();
        bridge.push_http(HttpDone {
            id,
            outcome: HttpOutcome::Response {
                response,
                recorded: false,
                rule,
                body: body.map(|b| (thread, Box::new(b))),
            },
        });
        return;
    }
    let response = request.unrecorded().send().await;
    let recorded = match &record {
        Some(name) if rule.is_success(response.status()) => {
            session.record(method.as_str(), name, &response, None);
            true
        }
        _ => false,
    };
    bridge.push_http(HttpDone {
        id,
        outcome: HttpOutcome::Response {
            response,
            recorded,
            rule,
            body: None,
        },
    });
}

/// FastHttpUser's (geventhttpclient's) text for a failure without a
/// response, from the requests-style text rocust_http gives.
pub fn fast_http_error(text: &str, url: &str) -> Option<String> {
    // A failed handshake: geventhttpclient raises the ssl module's error as
    // is, where requests wraps it in urllib3's SSLError.
    if let Some(inner) = text
        .strip_prefix("SSLError(")
        .and_then(|t| t.strip_suffix(')'))
        .filter(|t| t.starts_with("SSL"))
    {
        return Some(inner.to_owned());
    }
    if text.starts_with("RemoteDisconnected(") {
        return Some("HTTPConnectionClosed('connection closed.')".to_owned());
    }
    if text.starts_with("ReadTimeout(") {
        let url = url.split('?').next().unwrap_or(url);
        return Some(format!("RetriesExceeded('{url}', 0, original=timed out)"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{fast_http_error, FailRule};

    #[test]
    fn fast_http_texts_for_closed_connections_and_timeouts() {
        assert_eq!(
            fast_http_error(
                "RemoteDisconnected('Remote end closed connection without response')",
                "http://h/x"
            )
            .as_deref(),
            Some("HTTPConnectionClosed('connection closed.')")
        );
        assert_eq!(
            fast_http_error(
                "ReadTimeout(ReadTimeoutError(\"...\"))",
                "http://h/slow?ms=5"
            )
            .as_deref(),
            Some("RetriesExceeded('http://h/slow', 0, original=timed out)")
        );
        assert_eq!(
            fast_http_error(
                "ConnectionRefusedError(111, 'Connection refused')",
                "http://h/"
            ),
            None
        );
        assert_eq!(
            fast_http_error(
                "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] x'))",
                "https://h/"
            )
            .as_deref(),
            Some("SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] x')")
        );
        assert_eq!(
            fast_http_error("SSLError(1, '[SSL: WRONG_VERSION_NUMBER] x')", "https://h/"),
            None
        );
    }

    #[test]
    fn fail_rules_follow_locust() {
        assert!(FailRule::Requests.is_success(399));
        assert!(!FailRule::Requests.is_success(400));
        assert!(!FailRule::Requests.is_success(0));
        assert!(FailRule::FastHttp.is_success(226));
        assert!(FailRule::FastHttp.is_success(304));
        assert!(!FailRule::FastHttp.is_success(305));
        assert!(!FailRule::FastHttp.is_success(209));
        assert!(!FailRule::FastHttp.is_success(0));
    }
}
