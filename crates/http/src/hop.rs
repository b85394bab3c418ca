//! One request's way through its session: prepared (URL, headers) before its
//! future first runs, then one exchange per redirect hop, to the response;
//! streamed requests stop at the final response's head.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST,
    LOCATION, SET_COOKIE, TRANSFER_ENCODING,
};
use http::{HeaderMap, Method};

use crate::builder::RequestBuilder;
use crate::connect::ConnectOptions;
use crate::decode::decode_body;
use crate::failure::{http_error_text, Failure};
use crate::outgoing::Outgoing;
use crate::response::{Headers, Redirect, Response, StreamedResponse};
use crate::session::{with_verify, HttpSession};
use crate::target::{Base, Target};
use crate::tls::Tls;
use crate::transport::{RawResponse, StreamedRaw, Timing};

/// What the recorded entry needs, kept until the request is recorded.
pub(crate) struct ReportInfo<'a> {
    pub(crate) method: Method,
    explicit_name: Option<Cow<'a, str>>,
    /// The first request's full URL (before redirects).
    url: Bytes,
    path_start: usize,
    pub(crate) start_time: f64,
}

impl ReportInfo<'_> {
    /// The explicit name, else the first request's path and query.
    pub(crate) fn name(&self) -> &str {
        self.url_and_name().1
    }

    /// The first request's URL and the request's name.
    pub(crate) fn url_and_name(&self) -> (&str, &str) {
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
    /// This request's TLS setting; the session's when None.
    tls: Option<Tls>,
    connect_timeout: Option<Duration>,
    timing: Timing,
    history: Vec<Redirect>,
    /// The headers of the last request built, when the caller wants them.
    sent: Option<Box<HeaderMap>>,
}

impl HttpSession {
    /// The request's start, what its record needs and where it goes (or
    /// why it cannot go anywhere), prepared before its future first runs.
    #[inline]
    fn prepare<'a, M>(
        &'a self,
        b: RequestBuilder<'a, M>,
        keep_sent: bool,
    ) -> (Instant, ReportInfo<'a>, Result<Hop, Failure>) {
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
            tls,
            removed,
            error,
            ..
        } = b;
        let resolved = match error {
            Some(text) => Err(Failure::Text(text)),
            None => self.resolve(&url, matches!(url, Cow::Borrowed(_)), query.as_deref()),
        };
        match resolved {
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
                let tls = match (tls, verify) {
                    (tls, None) => tls,
                    (tls, Some(v)) => Some(with_verify(tls.as_ref().unwrap_or(&self.tls), v)),
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
                    tls,
                    connect_timeout,
                    timing: Timing {
                        read_timeout: timeout.or(self.timeout),
                    },
                    history: Vec::new(),
                    sent: keep_sent.then(Box::default),
                };
                (start, info, Ok(hop))
            }
            Err(f) => {
                let info = ReportInfo {
                    method,
                    explicit_name: name,
                    url: Bytes::from(url.into_owned()),
                    path_start: 0,
                    start_time,
                };
                (start, info, Err(f))
            }
        }
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
        let (start, info, mut plan) = self.prepare(b, keep_sent);
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

    /// Like `execute`, for a streamed request: done at the final response's
    /// head, its body left to read.
    pub(crate) fn execute_streamed<'a, M, R: 'a>(
        &'a self,
        b: RequestBuilder<'a, M>,
        keep_sent: bool,
        done: fn(&'a HttpSession, ReportInfo<'a>, StreamedResponse) -> R,
    ) -> impl Future<Output = R> + Send + 'a {
        let (start, info, mut plan) = self.prepare(b, keep_sent);
        async move {
            let outcome = match &mut plan {
                Ok(hop) => match self.follow_streamed(hop).await {
                    Ok(raw) => Ok(self.finish_streamed(&info, raw, hop, start)),
                    Err(f) => Err(f),
                },
                Err(f) => Err(std::mem::replace(f, Failure::Text(String::new()))),
            };
            let response = outcome.unwrap_or_else(|f| StreamedResponse {
                response: failed(&info, f, start.elapsed()),
                body: None,
            });
            done(self, info, response)
        }
    }

    async fn follow(&self, hop: &mut Hop) -> Result<RawResponse, Failure> {
        loop {
            let sent = &mut hop.sent;
            let opts = ConnectOptions {
                tls: hop.tls.as_ref().unwrap_or(&self.tls),
                http2: self.http2,
                connect_timeout: hop.connect_timeout,
            };
            let mut raw = self
                .pool
                .exchange(&hop.target, &hop.method, opts, hop.timing, |h2| {
                    let req = self.build_request(&hop.target, &hop.method, &hop.parts, h2)?;
                    if let Some(s) = sent.as_mut() {
                        **s = req.merged();
                    }
                    Ok(req)
                })
                .await?;
            if !self.redirect(hop, raw.status, &raw.reason, &mut raw.headers)? {
                return Ok(raw);
            }
        }
    }

    async fn follow_streamed(&self, hop: &mut Hop) -> Result<StreamedRaw, Failure> {
        loop {
            let sent = &mut hop.sent;
            let opts = ConnectOptions {
                tls: hop.tls.as_ref().unwrap_or(&self.tls),
                http2: self.http2,
                connect_timeout: hop.connect_timeout,
            };
            let mut raw = self
                .pool
                .exchange_streamed(&hop.target, &hop.method, opts, hop.timing, |h2| {
                    let req = self.build_request(&hop.target, &hop.method, &hop.parts, h2)?;
                    if let Some(s) = sent.as_mut() {
                        **s = req.merged();
                    }
                    Ok(req)
                })
                .await?;
            if !self.redirect(hop, raw.status, &raw.reason, &mut raw.headers)? {
                return Ok(raw);
            }
            // requests reads a redirect's body so that its connection can be
            // reused; a broken one is dropped.
            let _ = raw.body.read_to_end(false).await;
        }
    }

    /// After a hop's response head: keeps its cookies, and when it is a
    /// redirect to follow, moves `hop` on to its target (its headers go to
    /// the history) and says so.
    fn redirect(
        &self,
        hop: &mut Hop,
        status: http::StatusCode,
        reason: &Option<Bytes>,
        headers: &mut HeaderMap,
    ) -> Result<bool, Failure> {
        if headers.contains_key(SET_COOKIE) {
            self.store_cookies(&hop.target, headers);
        }
        let code = status.as_u16();
        let location = match headers.get(LOCATION) {
            Some(loc) if hop.allow_redirects && matches!(code, 301 | 302 | 303 | 307 | 308) => loc,
            _ => return Ok(false),
        };
        if hop.history.len() >= self.max_redirects {
            return Err(Failure::TooManyRedirects(self.max_redirects));
        }
        let next = next_hop(&hop.target, location, &self.base)?;
        hop.history.push(Redirect {
            url: hop.target.as_str().to_owned(),
            status: code,
            reason: reason_phrase(status, reason).into_owned(),
            headers: std::mem::take(headers),
        });
        let to_get = match code {
            302 | 303 => hop.method != Method::HEAD,
            301 => hop.method == Method::POST,
            _ => false,
        };
        if to_get {
            hop.method = Method::GET;
        }
        let parts = &mut hop.parts;
        if code != 307 && code != 308 {
            parts.body = None;
            parts.content_type = None;
            parts.body_dropped = true;
        }
        if next.origin.host != hop.target.origin.host || (hop.target.origin.tls && !next.origin.tls)
        {
            parts.strip_auth = true;
        }
        hop.target = next;
        Ok(true)
    }

    fn finish(
        &self,
        info: &ReportInfo<'_>,
        raw: RawResponse,
        hop: &mut Hop,
        start: Instant,
    ) -> Response {
        let reason = reason_phrase(raw.status, &raw.reason);
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

    /// The response of a streamed request, timed to its head (as Locust
    /// times `stream=True` requests).
    fn finish_streamed(
        &self,
        info: &ReportInfo<'_>,
        raw: StreamedRaw,
        hop: &mut Hop,
        start: Instant,
    ) -> StreamedResponse {
        let reason = reason_phrase(raw.status, &raw.reason);
        let StreamedRaw {
            status,
            version,
            headers,
            raw_head,
            body,
            ..
        } = raw;
        let error = match status.as_u16() {
            400.. => http_error_text(status.as_u16(), &reason, info.name()),
            _ => None,
        };
        let response = Response {
            status: status.as_u16(),
            reason,
            version,
            headers: Headers::new(headers, raw_head),
            url: hop.target.full.clone(),
            body: Bytes::new(),
            history: std::mem::take(&mut hop.history),
            elapsed: start.elapsed(),
            error,
            start_time: info.start_time,
            request_headers: hop.sent.take().map(|h| *h).unwrap_or_default(),
        };
        StreamedResponse {
            response,
            body: Some(body),
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
fn reason_phrase(status: http::StatusCode, reason: &Option<Bytes>) -> Cow<'static, str> {
    match reason {
        Some(r) => Cow::Owned(String::from_utf8_lossy(r).into_owned()),
        None => Cow::Borrowed(status.canonical_reason().unwrap_or("")),
    }
}
