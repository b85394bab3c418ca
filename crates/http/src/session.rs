//! `HttpSession`: one per user, like Locust's `HttpUser.client`.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cookie_store::CookieStore;
use http::header::{
    HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, AUTHORIZATION, CONNECTION, HOST, SET_COOKIE,
    USER_AGENT,
};
use http::{HeaderMap, Method};
use rocust_core::user::{RequestRecord, UserContext};

use crate::builder::RequestBuilder;
use crate::failure::Failure;
use crate::hop::ReportInfo;
use crate::outgoing::{layer_headers, Template};
use crate::response::Response;
use crate::target::{basic_auth_value, Base, Target, TargetCache};
use crate::tls::{Tls, TlsSettings};
use crate::transport::Pool;

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
    pub(crate) base: Result<Option<Base>, String>,
    pub(crate) headers: HeaderMap,
    pub(crate) auth: Option<HeaderValue>,
    pub(crate) tls: Tls,
    pub(crate) http2: bool,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) allow_redirects: bool,
    pub(crate) max_redirects: usize,
    /// Shared with streamed bodies, which give their connection back.
    pub(crate) pool: Arc<Pool>,
    /// Recently used URLs, resolved: tasks repeat the same few URLs.
    targets: Mutex<TargetCache>,
    /// Default headers for the base origin, built once; identical ones are
    /// shared between sessions (see `Template::shared`).
    template: Mutex<Option<Arc<Template>>>,
    jar: Mutex<CookieStore>,
    /// Lets requests skip the jar entirely while it is empty.
    has_cookies: AtomicBool,
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
            tls: Tls::verified(),
            http2: true,
            connect_timeout: None,
            timeout: None,
            allow_redirects: true,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            pool: Arc::default(),
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
    /// certificate for any name, like requests' `verify=False`; on checks
    /// against the bundled roots, like `verify=True`. The client
    /// certificate, if any, stays.
    pub fn set_verify(&mut self, verify: bool) -> &mut Self {
        self.tls = with_verify(&self.tls, verify);
        self
    }

    /// The TLS setting of the session's requests (CA certificates, client
    /// certificate...). Connections made with another setting are not
    /// used for its requests.
    pub fn set_tls(&mut self, tls: Tls) -> &mut Self {
        self.tls = tls;
        self
    }

    pub fn tls(&self) -> &Tls {
        &self.tls
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

    /// Limit on waiting for each hop's whole response (a streamed one's head,
    /// then each read of its body); none by default.
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

    pub(crate) fn template(&self) -> Arc<Template> {
        let mut t = self.template.lock().unwrap_or_else(|e| e.into_inner());
        t.get_or_insert_with(|| Template::shared(self.build_template()))
            .clone()
    }

    /// Resolves a request's URL. Borrowed URLs without query parameters
    /// (string literals, mostly) are cached: tasks repeat them, while URLs
    /// built per request (`format!`) would only churn the cache.
    pub(crate) fn resolve(
        &self,
        url: &str,
        borrowed: bool,
        query: Option<&str>,
    ) -> Result<Target, Failure> {
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
            status_code: Some(response.status()),
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
        self.record_info_length(info, response, error, response.body.len() as u64);
    }

    pub(crate) fn record_info_length(
        &self,
        info: &ReportInfo<'_>,
        response: &Response,
        error: Option<&str>,
        length: u64,
    ) {
        let (url, name) = info.url_and_name();
        self.ctx.record_request(&RequestRecord {
            request_type: info.method.as_str(),
            name,
            response_time: Some(response.elapsed),
            response_length: length,
            error,
            status_code: Some(response.status()),
            start_time: info.start_time,
            url,
        });
    }

    pub(crate) fn cookie_header(&self, target: &Target) -> Option<HeaderValue> {
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

    pub(crate) fn store_cookies(&self, target: &Target, headers: &HeaderMap) {
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
            .field("tls", &self.tls)
            .field("allow_redirects", &self.allow_redirects)
            .finish_non_exhaustive()
    }
}

/// `tls` with certificate verification turned on (the bundled roots, the
/// name checked) or off; the client certificate stays (requests merges
/// `verify=` and `cert=` separately).
pub(crate) fn with_verify(tls: &Tls, verify: bool) -> Tls {
    let s = tls.settings();
    let same = if verify {
        s.verify && s.check_hostname && s.roots.is_empty()
    } else {
        !s.verify
    };
    if same {
        return tls.clone();
    }
    // The common case (nothing else set) without the interning lock, which
    // every user's request would otherwise take.
    let plain = s.client_cert.is_none() && s.min_version.is_none() && s.max_version.is_none();
    match (plain, verify) {
        (true, true) => Tls::verified(),
        (true, false) => Tls::insecure(),
        (false, _) => Tls::new(TlsSettings {
            verify,
            check_hostname: verify,
            roots: Vec::new(),
            ..s.clone()
        }),
    }
}
