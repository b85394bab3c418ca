//! `HttpSession`: one per user, like Locust's `HttpUser.client`.

use std::borrow::Cow;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cookie_store::CookieStore;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONNECTION, CONTENT_LENGTH,
    CONTENT_TYPE, COOKIE, HOST, LOCATION, SET_COOKIE, TRANSFER_ENCODING, USER_AGENT,
};
use http::{HeaderMap, Method};
use rocust_core::user::{RequestRecord, UserContext};

use crate::builder::RequestBuilder;
use crate::connect::ConnectOptions;
use crate::decode::decode_body;
use crate::failure::{http_error_text, Failure};
use crate::outgoing::{layer_headers, Outgoing, Template};
use crate::response::Headers;
use crate::response::{Redirect, Response};
use crate::target::{basic_auth_value, Base, Target, TargetCache};
use crate::transport::{Pool, RawResponse, Timing};

const DEFAULT_USER_AGENT: &str = concat!("rocust/", env!("CARGO_PKG_VERSION"));
/// requests' default `max_redirects`.
const DEFAULT_MAX_REDIRECTS: usize = 30;

/// An invalid header name or value given to the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidHeader(pub String);

impl std::fmt::Display for InvalidHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid header: {}", self.0)
    }
}

impl std::error::Error for InvalidHeader {}

/// A user's HTTP client: its own cookie jar and keep-alive connections;
/// every request is timed and recorded into rocust's statistics once.
///
/// Requests take `&self`, so a task may also run several at once.
pub struct HttpSession {
    ctx: UserContext,
    /// `Ok(None)`: no host configured; `Err`: the host is not a usable URL.
    base: Result<Option<Base>, String>,
    headers: HeaderMap,
    auth: Option<HeaderValue>,
    verify: bool,
    http2: bool,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    allow_redirects: bool,
    max_redirects: usize,
    pool: Pool,
    /// Recently used URLs, resolved: tasks repeat the same few URLs.
    targets: Mutex<TargetCache>,
    /// Default headers for the base origin, built once; identical ones are
    /// shared between sessions (see `Template::shared`).
    template: Mutex<Option<Arc<Template>>>,
    jar: Mutex<CookieStore>,
    /// Lets requests skip the jar entirely while it is empty.
    has_cookies: AtomicBool,
}

/// What the recorded entry needs, kept until the request is recorded.
pub(crate) struct ReportInfo<'a> {
    method: Method,
    explicit_name: Option<Cow<'a, str>>,
    /// The first request's full URL (before redirects).
    url: Bytes,
    path_start: usize,
    start_time: f64,
}

impl ReportInfo<'_> {
    /// The explicit name, else the first request's path and query.
    pub(crate) fn name(&self) -> &str {
        self.url_and_name().1
    }

    /// The first request's URL and the request's name.
    fn url_and_name(&self) -> (&str, &str) {
        let url = std::str::from_utf8(&self.url).unwrap_or("");
        let name = match &self.explicit_name {
            Some(n) => n,
            None => url.get(self.path_start..).unwrap_or(""),
        };
        (url, name)
    }
}

/// Request pieces that stay the same across redirect hops (unless dropped).
struct HopParts {
    body: Option<Bytes>,
    content_type: Option<HeaderValue>,
    /// Boxed, and only when there are any: most requests have none, and the
    /// request's future stays small.
    more: Option<Box<MoreParts>>,
    strip_auth: bool,
    body_dropped: bool,
}

/// The request's own headers, auth and removed headers.
struct MoreParts {
    headers: HeaderMap,
    auth: Option<HeaderValue>,
    removed: Vec<HeaderName>,
}

/// A running request: where the current hop goes and how. Built before the
/// future first runs and used in place by it (moving it into the future's
/// body would store it twice).
struct Hop {
    target: Target,
    method: Method,
    parts: HopParts,
    allow_redirects: bool,
    opts: ConnectOptions,
    timing: Timing,
    history: Vec<Redirect>,
    /// The headers of the last request built, when the caller wants them.
    sent: Option<Box<HeaderMap>>,
}

impl HttpSession {
    /// A session for the user owning `ctx`; relative URLs go to `ctx.host()`.
    /// Credentials in the host URL (`http://user:pass@host`) become basic auth.
    pub fn new(ctx: &UserContext) -> HttpSession {
        let base = match ctx.host() {
            None => Ok(None),
            Some(h) if h.trim().is_empty() => Ok(None),
            Some(h) => Base::parse(h.trim()).map(Some).map_err(|f| f.text()),
        };
        let auth = match &base {
            Ok(Some(b)) => b.auth.clone(),
            _ => None,
        };
        HttpSession {
            ctx: ctx.clone(),
            base,
            headers: HeaderMap::new(),
            auth,
            verify: true,
            http2: true,
            connect_timeout: None,
            timeout: None,
            allow_redirects: true,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            pool: Pool::default(),
            targets: Mutex::new(TargetCache::default()),
            template: Mutex::new(None),
            jar: Mutex::new(CookieStore::default()),
            has_cookies: AtomicBool::new(false),
        }
    }

    pub fn context(&self) -> &UserContext {
        &self.ctx
    }

    pub fn get<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::GET, url.into())
    }

    pub fn post<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::POST, url.into())
    }

    pub fn put<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::PUT, url.into())
    }

    pub fn patch<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::PATCH, url.into())
    }

    pub fn delete<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::DELETE, url.into())
    }

    /// HEAD does not follow redirects unless asked to, as in Locust.
    pub fn head<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::HEAD, url.into())
    }

    pub fn options<'a>(&'a self, url: impl Into<Cow<'a, str>>) -> RequestBuilder<'a> {
        RequestBuilder::new(self, Method::OPTIONS, url.into())
    }

    /// Any method, e.g. `Method::from_bytes(b"PURGE")`.
    pub fn request<'a>(
        &'a self,
        method: Method,
        url: impl Into<Cow<'a, str>>,
    ) -> RequestBuilder<'a> {
        RequestBuilder::new(self, method, url.into())
    }

    /// Headers sent with every request (a request's own headers win).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.invalidate_template();
        &mut self.headers
    }

    pub fn set_header(&mut self, name: &str, value: &str) -> Result<&mut Self, InvalidHeader> {
        let n = HeaderName::try_from(name).map_err(|e| InvalidHeader(e.to_string()))?;
        let v = HeaderValue::try_from(value).map_err(|e| InvalidHeader(e.to_string()))?;
        self.headers.insert(n, v);
        self.invalidate_template();
        Ok(self)
    }

    /// Basic auth for every request (requests' `session.auth`).
    pub fn set_basic_auth(&mut self, user: &str, password: &str) -> &mut Self {
        self.auth = Some(basic_auth_value(user, password));
        self.invalidate_template();
        self
    }

    pub fn clear_auth(&mut self) -> &mut Self {
        self.auth = None;
        self.invalidate_template();
        self
    }

    /// TLS certificate verification (default on). Off accepts any
    /// certificate for any name, like requests' `verify=False`.
    pub fn set_verify(&mut self, verify: bool) -> &mut Self {
        if self.verify != verify {
            self.verify = verify;
            self.pool.clear();
        }
        self
    }

    /// Offer HTTP/2 through TLS ALPN (default on); HTTP/1.1 otherwise.
    pub fn set_http2(&mut self, http2: bool) -> &mut Self {
        if self.http2 != http2 {
            self.http2 = http2;
            self.pool.clear();
        }
        self
    }

    /// Limit on connecting (DNS, TCP and TLS); none by default.
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.connect_timeout = timeout;
        self
    }

    /// Limit on waiting for each hop's whole response; none by default.
    pub fn set_timeout(&mut self, timeout: Option<Duration>) -> &mut Self {
        self.timeout = timeout;
        self
    }

    /// Whether requests follow redirects unless told otherwise (default true).
    pub fn set_allow_redirects(&mut self, allow: bool) -> &mut Self {
        self.allow_redirects = allow;
        self
    }

    pub fn set_max_redirects(&mut self, max: usize) -> &mut Self {
        self.max_redirects = max;
        self
    }

    fn invalidate_template(&mut self) {
        *self.template.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Built-in defaults, then the session's headers and auth; with the base
    /// origin's Host.
    fn build_template(&self) -> HeaderMap {
        let mut h = HeaderMap::with_capacity(8 + self.headers.len());
        if let Ok(Some(base)) = &self.base {
            h.insert(HOST, base.origin.host_header.clone());
        }
        h.insert(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        h.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        h.insert(ACCEPT, HeaderValue::from_static("*/*"));
        h.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
        layer_headers(&mut h, &self.headers, false);
        if let Some(auth) = &self.auth {
            if !h.contains_key(AUTHORIZATION) {
                h.insert(AUTHORIZATION, auth.clone());
            }
        }
        h
    }

    fn template(&self) -> Arc<Template> {
        let mut t = self.template.lock().unwrap_or_else(|e| e.into_inner());
        t.get_or_insert_with(|| Template::shared(self.build_template()))
            .clone()
    }

    /// Resolves a request's URL. Borrowed URLs without query parameters
    /// (string literals, mostly) are cached: tasks repeat them, while URLs
    /// built per request (`format!`) would only churn the cache.
    fn resolve(&self, url: &str, borrowed: bool, query: Option<&str>) -> Result<Target, Failure> {
        let cacheable = borrowed && query.is_none();
        if cacheable {
            let cache = self.targets.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(t) = cache.get(url) {
                return Ok(t);
            }
        }
        let target = match &self.base {
            Err(text) if !crate::target::is_absolute(url) => Err(Failure::Text(text.clone())),
            base => Target::resolve(base.as_ref().ok().and_then(Option::as_ref), url, query),
        }?;
        if cacheable {
            let mut cache = self.targets.lock().unwrap_or_else(|e| e.into_inner());
            cache.insert(url, target.clone());
        }
        Ok(target)
    }

    /// Drops idle connections; the next request connects anew.
    pub fn close_connections(&self) {
        self.pool.clear();
    }

    fn jar(&self) -> std::sync::MutexGuard<'_, CookieStore> {
        self.jar.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every cookie in the jar, as (name, value).
    pub fn cookies(&self) -> Vec<(String, String)> {
        self.jar()
            .iter_unexpired()
            .map(|c| (c.name().to_owned(), c.value().to_owned()))
            .collect()
    }

    /// A cookie's value from the jar, whatever its domain or path.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar()
            .iter_unexpired()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// Puts a cookie in the jar as if the base host had set it.
    pub fn set_cookie(&self, name: &str, value: &str) -> bool {
        let Ok(Some(base)) = &self.base else {
            return false;
        };
        let Ok(target) = Target::resolve(Some(base), "/", None) else {
            return false;
        };
        let Ok(url) = target.url() else {
            return false;
        };
        self.store_cookie(name, value, "/", &url)
    }

    /// Puts a cookie for `path` in the jar as if the host of `url` had set it
    /// (for sessions without a base host, whose requests use absolute URLs).
    pub fn set_cookie_for(&self, url: &str, name: &str, value: &str, path: &str) -> bool {
        match url::Url::parse(url) {
            Ok(url) => self.store_cookie(name, value, path, &url),
            Err(_) => false,
        }
    }

    fn store_cookie(&self, name: &str, value: &str, path: &str, url: &url::Url) -> bool {
        let mut jar = self.jar();
        let ok = jar
            .parse(&format!("{name}={value}; Path={path}"), url)
            .is_ok();
        self.has_cookies
            .store(jar.iter_any().next().is_some(), Ordering::Relaxed);
        ok
    }

    pub fn clear_cookies(&self) {
        self.jar().clear();
        self.has_cookies.store(false, Ordering::Relaxed);
    }

    /// Records a response got from an [`unrecorded`](RequestBuilder::unrecorded)
    /// request, under `name`, failed with `error` (Locust's text) or not.
    /// Response time, length, start time and URL come from the response.
    pub fn record(&self, method: &str, name: &str, response: &Response, error: Option<&str>) {
        self.ctx.record_request(&RequestRecord {
            request_type: method,
            name,
            response_time: Some(response.elapsed),
            response_length: response.body.len() as u64,
            error,
            start_time: response.start_time,
            url: response.first_url(),
        });
    }

    pub(crate) fn record_info(
        &self,
        info: &ReportInfo<'_>,
        response: &Response,
        error: Option<&str>,
    ) {
        let (url, name) = info.url_and_name();
        self.ctx.record_request(&RequestRecord {
            request_type: info.method.as_str(),
            name,
            response_time: Some(response.elapsed),
            response_length: response.body.len() as u64,
            error,
            start_time: info.start_time,
            url,
        });
    }

    /// Prepares the request now (URL, headers) and returns the future that
    /// runs it through every redirect hop; never fails. `done` makes what
    /// `send` returns from the outcome; `keep_sent` keeps the headers sent.
    pub(crate) fn execute<'a, M, R: 'a>(
        &'a self,
        b: RequestBuilder<'a, M>,
        keep_sent: bool,
        done: fn(&'a HttpSession, ReportInfo<'a>, Response) -> R,
    ) -> impl Future<Output = R> + Send + 'a {
        let start = Instant::now();
        let start_time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let RequestBuilder {
            method,
            url,
            query,
            headers,
            body,
            content_type,
            auth,
            name,
            timeout,
            allow_redirects,
            verify,
            removed,
            error,
            ..
        } = b;
        let resolved = match error {
            Some(text) => Err(Failure::Text(text)),
            None => self.resolve(&url, matches!(url, Cow::Borrowed(_)), query.as_deref()),
        };
        let (info, mut plan) = match resolved {
            Ok(target) => {
                let info = ReportInfo {
                    method: method.clone(),
                    explicit_name: name,
                    url: target.full.clone(),
                    path_start: target.path_start,
                    start_time,
                };
                let connect_timeout = match (timeout, self.connect_timeout) {
                    (Some(a), Some(c)) => Some(a.min(c)),
                    (a, c) => a.or(c),
                };
                let hop = Hop {
                    allow_redirects: allow_redirects
                        .unwrap_or(method != Method::HEAD && self.allow_redirects),
                    target,
                    method,
                    parts: HopParts {
                        body,
                        content_type,
                        more: (!headers.is_empty() || auth.is_some() || !removed.is_empty()).then(
                            || {
                                Box::new(MoreParts {
                                    headers,
                                    auth,
                                    removed,
                                })
                            },
                        ),
                        strip_auth: false,
                        body_dropped: false,
                    },
                    opts: ConnectOptions {
                        verify: verify.unwrap_or(self.verify),
                        http2: self.http2,
                        connect_timeout,
                    },
                    timing: Timing {
                        read_timeout: timeout.or(self.timeout),
                    },
                    history: Vec::new(),
                    sent: keep_sent.then(Box::default),
                };
                (info, Ok(hop))
            }
            Err(f) => {
                let info = ReportInfo {
                    method,
                    explicit_name: name,
                    url: Bytes::from(url.into_owned()),
                    path_start: 0,
                    start_time,
                };
                (info, Err(f))
            }
        };
        async move {
            let response = match &mut plan {
                Ok(hop) => match self.follow(hop).await {
                    Ok(raw) => self.finish(&info, raw, hop, start),
                    Err(f) => failed(&info, f, start.elapsed()),
                },
                Err(f) => failed(
                    &info,
                    std::mem::replace(f, Failure::Text(String::new())),
                    start.elapsed(),
                ),
            };
            done(self, info, response)
        }
    }

    async fn follow(&self, hop: &mut Hop) -> Result<RawResponse, Failure> {
        loop {
            let sent = &mut hop.sent;
            let raw = self
                .pool
                .exchange(&hop.target, &hop.method, hop.opts, hop.timing, |h2| {
                    let req = self.build_request(&hop.target, &hop.method, &hop.parts, h2)?;
                    if let Some(s) = sent.as_mut() {
                        **s = req.merged();
                    }
                    Ok(req)
                })
                .await?;
            if raw.headers.contains_key(SET_COOKIE) {
                self.store_cookies(&hop.target, &raw.headers);
            }
            let status = raw.status.as_u16();
            let location = match raw.headers.get(LOCATION) {
                Some(loc)
                    if hop.allow_redirects && matches!(status, 301 | 302 | 303 | 307 | 308) =>
                {
                    loc
                }
                _ => return Ok(raw),
            };
            if hop.history.len() >= self.max_redirects {
                return Err(Failure::TooManyRedirects(self.max_redirects));
            }
            let next = next_hop(&hop.target, location, &self.base)?;
            let reason = reason_phrase(&raw).into_owned();
            hop.history.push(Redirect {
                url: hop.target.as_str().to_owned(),
                status,
                reason,
                headers: raw.headers,
            });
            let to_get = match status {
                302 | 303 => hop.method != Method::HEAD,
                301 => hop.method == Method::POST,
                _ => false,
            };
            if to_get {
                hop.method = Method::GET;
            }
            let parts = &mut hop.parts;
            if status != 307 && status != 308 {
                parts.body = None;
                parts.content_type = None;
                parts.body_dropped = true;
            }
            if next.origin.host != hop.target.origin.host
                || (hop.target.origin.tls && !next.origin.tls)
            {
                parts.strip_auth = true;
            }
            hop.target = next;
        }
    }

    fn finish(
        &self,
        info: &ReportInfo<'_>,
        raw: RawResponse,
        hop: &mut Hop,
        start: Instant,
    ) -> Response {
        let reason = reason_phrase(&raw);
        let RawResponse {
            status,
            version,
            headers,
            raw_head,
            body,
            ..
        } = raw;
        let body = match decode_body(&headers, body) {
            Ok(b) => b,
            Err(f) => return failed(info, f, start.elapsed()),
        };
        let elapsed = start.elapsed();
        let error = match status.as_u16() {
            400.. => http_error_text(status.as_u16(), &reason, info.name()),
            _ => None,
        };
        Response {
            status: status.as_u16(),
            reason,
            version,
            headers: Headers::new(headers, raw_head),
            url: hop.target.full.clone(),
            body,
            history: std::mem::take(&mut hop.history),
            elapsed,
            error,
            start_time: info.start_time,
            request_headers: hop.sent.take().map(|h| *h).unwrap_or_default(),
        }
    }

    fn build_request(
        &self,
        target: &Target,
        method: &Method,
        parts: &HopParts,
        h2: bool,
    ) -> Result<Outgoing, Failure> {
        let body = parts.body.clone().unwrap_or_default();
        let mut out = Outgoing::new(method.clone(), self.template(), body);
        let is_base = matches!(&self.base, Ok(Some(b)) if Arc::ptr_eq(&b.origin, &target.origin));
        if h2 {
            out.remove(&HOST);
            out.remove(&CONNECTION);
        } else if !is_base && !self.headers.contains_key(HOST) {
            out.insert(HOST, target.origin.host_header.clone());
        }
        if parts.body_dropped {
            for name in [CONTENT_TYPE, CONTENT_LENGTH, TRANSFER_ENCODING] {
                out.remove(&name);
            }
        }
        if let Some(more) = &parts.more {
            let mut auth = more.auth.as_ref();
            for name in &more.removed {
                if *name != HOST {
                    out.remove(name);
                }
                // requests applies the session's auth after dropping headers.
                if *name == AUTHORIZATION && auth.is_none() {
                    auth = self.auth.as_ref();
                }
            }
            if !more.headers.is_empty() {
                out.layer(&more.headers, parts.body_dropped);
            }
            if let Some(auth) = auth.filter(|_| !parts.strip_auth) {
                if !more.headers.contains_key(AUTHORIZATION) {
                    out.insert(AUTHORIZATION, auth.clone());
                }
            }
        }
        if parts.strip_auth {
            out.remove(&AUTHORIZATION);
        }
        if let Some(ct) = &parts.content_type {
            if !out.contains(&CONTENT_TYPE) {
                out.insert(CONTENT_TYPE, ct.clone());
            }
        }
        if !out.contains(&COOKIE) {
            if let Some(cookie) = self.cookie_header(target) {
                out.insert(COOKIE, cookie);
            }
        }
        // requests sends an explicit zero length for bodiless methods other
        // than GET and HEAD; some servers insist on it for POST. Set here so
        // the headers sent are all known.
        if !out.contains(&CONTENT_LENGTH) && !out.contains(&TRANSFER_ENCODING) {
            if !out.body.is_empty() {
                out.insert(CONTENT_LENGTH, HeaderValue::from(out.body.len()));
            } else if *method != Method::GET && *method != Method::HEAD {
                out.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
            }
        }
        Ok(out)
    }

    fn cookie_header(&self, target: &Target) -> Option<HeaderValue> {
        if !self.has_cookies.load(Ordering::Relaxed) {
            return None;
        }
        let url = target.url().ok()?;
        let mut value = String::new();
        for (name, v) in self.jar().get_request_values(&url) {
            if !value.is_empty() {
                value.push_str("; ");
            }
            value.push_str(name);
            value.push('=');
            value.push_str(v);
        }
        if value.is_empty() {
            return None;
        }
        HeaderValue::try_from(value).ok()
    }

    fn store_cookies(&self, target: &Target, headers: &HeaderMap) {
        let Ok(url) = target.url() else {
            return;
        };
        let mut jar = self.jar();
        for v in headers.get_all(SET_COOKIE) {
            if let Ok(text) = std::str::from_utf8(v.as_bytes()) {
                let _ = jar.parse(text, &url);
            }
        }
        self.has_cookies
            .store(jar.iter_any().next().is_some(), Ordering::Relaxed);
    }
}

impl std::fmt::Debug for HttpSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSession")
            .field(
                "base",
                &self
                    .base
                    .as_ref()
                    .map(|b| b.as_ref().map(|b| &b.origin.key)),
            )
            .field("verify", &self.verify)
            .field("allow_redirects", &self.allow_redirects)
            .finish_non_exhaustive()
    }
}

/// Resolves a Location header against the URL that sent it.
fn next_hop(
    current: &Target,
    location: &HeaderValue,
    base: &Result<Option<Base>, String>,
) -> Result<Target, Failure> {
    // Location bytes that are not UTF-8 are Latin-1, as requests reads them.
    let text: String = match location.to_str() {
        Ok(s) => s.to_owned(),
        Err(_) => location.as_bytes().iter().map(|&b| b as char).collect(),
    };
    let here = current.url()?;
    let next = here.join(text.trim()).map_err(|e| {
        Failure::Text(format!(
            "InvalidURL({})",
            crate::failure::py_repr(&format!("Invalid redirect location {text:?}: {e}"))
        ))
    })?;
    let base = base.as_ref().ok().and_then(Option::as_ref);
    Target::from_url(&next, base)
}

fn failed(info: &ReportInfo<'_>, failure: Failure, elapsed: Duration) -> Response {
    Response {
        url: info.url.clone(),
        elapsed,
        error: Some(failure.text()),
        start_time: info.start_time,
        ..Response::default()
    }
}

/// The status line's reason phrase, or the standard one when the response
/// did not carry another.
fn reason_phrase(raw: &RawResponse) -> Cow<'static, str> {
    match &raw.reason {
        Some(r) => Cow::Owned(String::from_utf8_lossy(r).into_owned()),
        None => Cow::Borrowed(raw.status.canonical_reason().unwrap_or("")),
    }
}
