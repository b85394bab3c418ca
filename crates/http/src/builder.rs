//! The request builder returned by `session.get(url)` and friends.

use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use http::{HeaderMap, Method};
use serde::Serialize;

use crate::failure::py_repr;
use crate::response::{CatchResponse, Response, StreamedResponse};
use crate::session::HttpSession;
use crate::target::basic_auth_value;
use crate::tls::Tls;

/// Marker: `send()` records the request at once and returns a [`Response`].
#[derive(Debug)]
pub enum Recorded {}

/// Marker: `send()` returns a [`CatchResponse`], recorded when dropped.
#[derive(Debug)]
pub enum Caught {}

/// Marker: `send()` returns a [`Response`] that is not recorded; the caller
/// may record it later with [`HttpSession::record`].
#[derive(Debug)]
pub enum Unrecorded {}

/// Marker: `send()` returns a [`StreamedResponse`] at the response head,
/// recorded then as Locust records `stream=True` requests.
#[derive(Debug)]
pub enum Streamed {}

/// Marker: `send()` returns a [`StreamedResponse`] at the response head,
/// not recorded.
#[derive(Debug)]
pub enum UnrecordedStreamed {}

/// A request being described; nothing is sent until [`send`](Self::send).
///
/// Mistakes found while building (an invalid header, a value that will not
/// serialize) are not panics: the request is then recorded as a failure
/// with that text when sent.
#[must_use = "a request is only made by .send().await"]
pub struct RequestBuilder<'a, M = Recorded> {
    pub(crate) session: &'a HttpSession,
    pub(crate) method: Method,
    pub(crate) url: Cow<'a, str>,
    pub(crate) query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) content_type: Option<HeaderValue>,
    pub(crate) auth: Option<HeaderValue>,
    pub(crate) name: Option<Cow<'a, str>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) allow_redirects: Option<bool>,
    pub(crate) verify: Option<bool>,
    pub(crate) tls: Option<Tls>,
    /// Headers the session would add that this request leaves out.
    pub(crate) removed: Vec<HeaderName>,
    pub(crate) error: Option<String>,
    mode: PhantomData<M>,
}

impl<'a> RequestBuilder<'a, Recorded> {
    pub(crate) fn new(session: &'a HttpSession, method: Method, url: Cow<'a, str>) -> Self {
        RequestBuilder {
            session,
            method,
            url,
            query: None,
            headers: HeaderMap::new(),
            body: None,
            content_type: None,
            auth: None,
            name: None,
            timeout: None,
            allow_redirects: None,
            verify: None,
            tls: None,
            removed: Vec::new(),
            error: None,
            mode: PhantomData,
        }
    }

    /// Lets the task decide success or failure (Locust's `catch_response=True`).
    pub fn catch_response(self) -> RequestBuilder<'a, Caught> {
        self.into_mode()
    }

    /// Sends without recording: whoever drives the request (the Python
    /// engine) decides later whether, and how, to record it with
    /// [`HttpSession::record`]. The response also keeps the headers sent
    /// ([`Response::request_headers`]).
    pub fn unrecorded(self) -> RequestBuilder<'a, Unrecorded> {
        self.into_mode()
    }

    /// Returns at the response head and leaves the body to be read on
    /// demand ([`StreamedResponse::body`]), like `stream=True`. The request
    /// is recorded at the head: its response time ends there, its length is
    /// the Content-Length header's (0 without one), as in Locust.
    pub fn stream(self) -> RequestBuilder<'a, Streamed> {
        self.into_mode()
    }
}

impl<'a, M> RequestBuilder<'a, M> {
    fn into_mode<N>(self) -> RequestBuilder<'a, N> {
        RequestBuilder {
            session: self.session,
            method: self.method,
            url: self.url,
            query: self.query,
            headers: self.headers,
            body: self.body,
            content_type: self.content_type,
            auth: self.auth,
            name: self.name,
            timeout: self.timeout,
            allow_redirects: self.allow_redirects,
            verify: self.verify,
            tls: self.tls,
            removed: self.removed,
            error: self.error,
            mode: PhantomData,
        }
    }
}

impl<'a> RequestBuilder<'a, Recorded> {
    /// Sends the request, follows redirects, reads the whole body and
    /// records the request once. Never fails: a failed request is a
    /// [`Response`] with status 0 and [`Response::error`] set.
    pub fn send(self) -> impl Future<Output = Response> + Send + 'a {
        self.session
            .execute(self, false, |session, info, response| {
                session.record_info(&info, &response, response.error.as_deref());
                response
            })
    }
}

impl<'a> RequestBuilder<'a, Caught> {
    /// Sends the request; it is recorded when the returned value is dropped.
    pub fn send(self) -> impl Future<Output = CatchResponse<'a>> + Send + 'a {
        self.session.execute(self, false, CatchResponse::new)
    }
}

impl<'a> RequestBuilder<'a, Unrecorded> {
    /// Sends the request, follows redirects and reads the whole body;
    /// records nothing. Never fails: see [`Response::connection_error`].
    pub fn send(self) -> impl Future<Output = Response> + Send + 'a {
        self.session.execute(self, true, |_, _, response| response)
    }

    /// Returns at the response head, the body left to read; records nothing.
    pub fn stream(self) -> RequestBuilder<'a, UnrecordedStreamed> {
        self.into_mode()
    }
}

impl<'a> RequestBuilder<'a, Streamed> {
    /// Sends the request and follows redirects; returns at the final
    /// response's head, recorded then. Never fails.
    pub fn send(self) -> impl Future<Output = StreamedResponse> + Send + 'a {
        self.session
            .execute_streamed(self, false, |session, info, response| {
                let length = response
                    .header("content-length")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                session.record_info_length(&info, &response, response.error.as_deref(), length);
                response
            })
    }
}

impl<'a> RequestBuilder<'a, UnrecordedStreamed> {
    /// Sends the request and follows redirects; returns at the final
    /// response's head. Records nothing. Never fails.
    pub fn send(self) -> impl Future<Output = StreamedResponse> + Send + 'a {
        self.session
            .execute_streamed(self, true, |_, _, response| response)
    }
}

impl<'a, M> RequestBuilder<'a, M> {
    fn fail(&mut self, text: String) {
        if self.error.is_none() {
            self.error = Some(text);
        }
    }

    /// Adds query parameters: `&[("k", "v")]`, a map or a serializable struct.
    /// They are appended after any query already in the URL.
    pub fn query<T: Serialize + ?Sized>(mut self, params: &T) -> Self {
        match serde_urlencoded::to_string(params) {
            Ok(q) if q.is_empty() => {}
            Ok(q) => match &mut self.query {
                Some(existing) => {
                    existing.push('&');
                    existing.push_str(&q);
                }
                None => self.query = Some(q),
            },
            Err(e) => self.fail(format!("ValueError({})", py_repr(&e.to_string()))),
        }
        self
    }

    /// Adds a header; it replaces a session default of the same name.
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        let name = HeaderName::try_from(name).map_err(Into::into);
        let value = HeaderValue::try_from(value).map_err(Into::into);
        match (name, value) {
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            (Err(e), _) | (_, Err(e)) => {
                self.fail(format!("InvalidHeader({})", py_repr(&e.to_string())))
            }
        }
        self
    }

    /// Leaves out a header the session would send (a built-in default such
    /// as User-Agent, or a session header), like requests'
    /// `headers={"User-Agent": None}`. Host is always sent; a body's
    /// Content-Type, auth and cookies are added afterwards as usual.
    pub fn remove_header<K>(mut self, name: K) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    {
        match HeaderName::try_from(name).map_err(Into::into) {
            Ok(n) => {
                self.headers.remove(&n);
                self.removed.push(n);
            }
            Err(e) => self.fail(format!("InvalidHeader({})", py_repr(&e.to_string()))),
        }
        self
    }

    /// Adds every header of `headers`.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        for (name, value) in headers.iter() {
            self.headers.append(name.clone(), value.clone());
        }
        self
    }

    /// A JSON body (`Content-Type: application/json` unless set).
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(v) => {
                self.body = Some(Bytes::from(v));
                self.content_type = Some(HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(format!("InvalidJSONError({})", py_repr(&e.to_string()))),
        }
        self
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_urlencoded::to_string(value) {
            Ok(v) => {
                self.body = Some(Bytes::from(v));
                self.content_type = Some(HeaderValue::from_static(
                    "application/x-www-form-urlencoded",
                ));
            }
            Err(e) => self.fail(format!("ValueError({})", py_repr(&e.to_string()))),
        }
        self
    }

    /// A raw body, sent as is without a Content-Type of its own.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = Some(body.into());
        self.content_type = None;
        self
    }

    /// HTTP basic auth for this request (overrides the session's).
    pub fn basic_auth(
        mut self,
        user: impl std::fmt::Display,
        password: impl std::fmt::Display,
    ) -> Self {
        self.auth = Some(basic_auth_value(&user.to_string(), &password.to_string()));
        self
    }

    /// `Authorization: Bearer <token>` for this request.
    pub fn bearer_auth(mut self, token: impl std::fmt::Display) -> Self {
        match HeaderValue::try_from(format!("Bearer {token}")) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.headers.insert(AUTHORIZATION, v);
            }
            Err(e) => self.fail(format!("InvalidHeader({})", py_repr(&e.to_string()))),
        }
        self
    }

    /// The name the request is recorded under, instead of its path and query
    /// (Locust's `name=`), to group URLs with ids in them.
    pub fn name(mut self, name: impl Into<Cow<'a, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Limits connecting and, separately, waiting for the whole response
    /// (head and body) of each hop, like requests' single-number timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// TLS certificate verification for this request (default: the
    /// session's): on checks against the bundled roots, off accepts any
    /// certificate; the client certificate stays. Connections opened with
    /// different TLS settings are kept apart.
    pub fn verify(mut self, verify: bool) -> Self {
        self.verify = Some(verify);
        self
    }

    /// The whole TLS setting of this request (default: the session's).
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Whether to follow redirects (default: the session's, normally true;
    /// false for HEAD like Locust).
    pub fn allow_redirects(mut self, allow: bool) -> Self {
        self.allow_redirects = Some(allow);
        self
    }
}

impl<M> std::fmt::Debug for RequestBuilder<'_, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("query", &self.query)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
