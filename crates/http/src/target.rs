//! Where a request goes: the session's base host, parsed once, and each
//! request's full URL, built with one allocation on the hot path.

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Uri};
use url::{Position, Url};

use crate::failure::{py_repr, Failure};

/// One scheme + host + port: what a connection is bound to.
#[derive(Debug)]
pub(crate) struct Origin {
    pub tls: bool,
    /// Host name or IP address as used for DNS and SNI (IPv6 without brackets).
    pub host: Box<str>,
    pub port: u16,
    /// `Host` header value: the default port is left out, like requests does.
    pub host_header: HeaderValue,
    pub authority: Authority,
    /// `scheme://host:port`, for pooling connections by origin.
    pub key: Box<str>,
}

impl Origin {
    fn from_url(url: &Url) -> Result<Origin, Failure> {
        let tls = match url.scheme() {
            "http" => false,
            "https" => true,
            _ => return Err(invalid_schema(url.as_str())),
        };
        let host_str = match url.host_str() {
            Some(h) if !h.is_empty() => h,
            _ => return Err(no_host(url.as_str())),
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if tls { 443 } else { 80 });
        let authority_text = match url.port() {
            Some(p) => format!("{host_str}:{p}"),
            None => host_str.to_owned(),
        };
        let authority = Authority::try_from(authority_text.as_str())
            .map_err(|e| invalid_url(url.as_str(), &e.to_string()))?;
        let host_header = HeaderValue::from_str(&authority_text)
            .map_err(|e| invalid_url(url.as_str(), &e.to_string()))?;
        let host = host_str.trim_start_matches('[').trim_end_matches(']');
        let scheme = if tls { "https" } else { "http" };
        Ok(Origin {
            tls,
            host: host.into(),
            port,
            host_header,
            authority,
            key: format!("{scheme}://{host_str}:{port}").into(),
        })
    }

    pub fn scheme(&self) -> Scheme {
        if self.tls {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        }
    }
}

/// The session's base URL (the user's host), parsed once.
#[derive(Debug)]
pub(crate) struct Base {
    pub origin: Arc<Origin>,
    /// `scheme://authority[/path]` without credentials or trailing slash;
    /// relative URLs are appended to it, as Locust concatenates them.
    prefix: String,
    /// Length of `scheme://authority` within `prefix`.
    origin_len: usize,
    /// Basic auth taken from credentials in the host URL.
    pub auth: Option<HeaderValue>,
}

impl Base {
    pub fn parse(host: &str) -> Result<Base, Failure> {
        let url = Url::parse(host).map_err(|e| invalid_url(host, &e.to_string()))?;
        let origin = Origin::from_url(&url)?;
        let auth = if url.username().is_empty() && url.password().is_none() {
            None
        } else {
            let user = percent_decode(url.username());
            let pass = percent_decode(url.password().unwrap_or(""));
            Some(basic_auth_value(&user, &pass))
        };
        let scheme = if origin.tls { "https" } else { "http" };
        let mut prefix = format!("{scheme}://{}", origin.authority);
        let origin_len = prefix.len();
        prefix.push_str(url.path().trim_end_matches('/'));
        Ok(Base {
            origin: Arc::new(origin),
            prefix,
            origin_len,
            auth,
        })
    }
}

/// One hop's destination; shared, so that a request holds (and copies)
/// only a pointer.
#[derive(Debug, Clone)]
pub(crate) struct Target(Arc<TargetParts>);

#[derive(Debug)]
pub(crate) struct TargetParts {
    /// The full URL, without fragment.
    pub full: Bytes,
    /// Where the path starts in `full`.
    pub path_start: usize,
    pub origin: Arc<Origin>,
    /// The HTTP/1.1 request-target, built once.
    origin_form: Uri,
}

impl std::ops::Deref for Target {
    type Target = TargetParts;

    fn deref(&self) -> &TargetParts {
        &self.0
    }
}

impl Target {
    fn new(full: Bytes, path_start: usize, origin: Arc<Origin>) -> Result<Target, Failure> {
        let origin_form = PathAndQuery::from_maybe_shared(full.slice(path_start..))
            .map(Uri::from)
            .map_err(|e| invalid_url(std::str::from_utf8(&full).unwrap_or(""), &e.to_string()))?;
        Ok(Target(Arc::new(TargetParts {
            full,
            path_start,
            origin,
            origin_form,
        })))
    }

    /// Resolves a user-supplied URL: absolute, or relative to the base host.
    /// `query` is already form-encoded and appended after any query in `url`.
    pub fn resolve(base: Option<&Base>, url: &str, query: Option<&str>) -> Result<Target, Failure> {
        let url = url.split('#').next().unwrap_or("");
        if is_absolute(url) {
            let joined = with_query(url.to_owned(), query);
            return Target::parse(&joined, base);
        }
        let Some(base) = base else {
            return Err(Failure::Text(format!(
                "MissingSchema({})",
                py_repr(&format!(
                    "Invalid URL '{url}': no host to send it to (set the user's host or --host)"
                ))
            )));
        };
        let mut full = String::with_capacity(base.prefix.len() + url.len() + 1);
        full.push_str(&base.prefix);
        if base.prefix.len() == base.origin_len && !url.starts_with('/') {
            full.push('/');
        }
        full.push_str(url);
        let full = with_query(full, query);
        let path_ok = full.len() > base.origin_len
            && full.as_bytes()[base.origin_len] == b'/'
            && full.as_bytes()[base.origin_len..]
                .iter()
                .all(|&b| (0x21..0x7f).contains(&b) && b != b'#');
        if !path_ok {
            return Target::parse(&full, Some(base));
        }
        let full = Bytes::from(full);
        match Target::new(full.clone(), base.origin_len, base.origin.clone()) {
            Ok(t) => Ok(t),
            Err(_) => Target::parse(std::str::from_utf8(&full).unwrap_or(""), Some(base)),
        }
    }

    /// The slow path: parses and normalizes with the `url` crate.
    pub fn parse(text: &str, base: Option<&Base>) -> Result<Target, Failure> {
        let url = Url::parse(text).map_err(|e| invalid_url(text, &e.to_string()))?;
        Target::from_url(&url, base)
    }

    pub fn from_url(url: &Url, base: Option<&Base>) -> Result<Target, Failure> {
        let origin = Origin::from_url(url)?;
        let origin = match base {
            Some(b) if b.origin.key == origin.key => b.origin.clone(),
            _ => Arc::new(origin),
        };
        let full = &url[..Position::AfterQuery];
        let path_start = url[..Position::BeforePath].len();
        Target::new(Bytes::copy_from_slice(full.as_bytes()), path_start, origin)
    }

    pub fn as_str(&self) -> &str {
        // `full` is always built from a `String` or `&str`.
        std::str::from_utf8(&self.full).unwrap_or("")
    }

    /// Path and query: requests' `path_url`, Locust's default request name.
    #[cfg(test)]
    pub fn path_and_query(&self) -> &str {
        &self.as_str()[self.path_start..]
    }

    pub fn url(&self) -> Result<Url, Failure> {
        Url::parse(self.as_str()).map_err(|e| invalid_url(self.as_str(), &e.to_string()))
    }

    /// The HTTP/1.1 request-target (origin-form: path and query).
    pub fn request_target(&self) -> &str {
        self.origin_form
            .path_and_query()
            .map_or("/", |p| p.as_str())
    }

    /// The request URI: origin-form for HTTP/1.1, absolute for HTTP/2.
    pub fn uri(&self, absolute: bool) -> Result<Uri, Failure> {
        if !absolute {
            return Ok(self.origin_form.clone());
        }
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.origin.scheme());
        parts.authority = Some(self.origin.authority.clone());
        parts.path_and_query = self.origin_form.path_and_query().cloned();
        Uri::from_parts(parts).map_err(|e| invalid_url(self.as_str(), &e.to_string()))
    }
}

const TARGET_CACHE_SIZE: usize = 16;

struct CachedTarget {
    url: Box<str>,
    target: Target,
}

/// A small ring of recently resolved URLs.
#[derive(Default)]
pub(crate) struct TargetCache {
    entries: Vec<CachedTarget>,
    next: usize,
}

impl TargetCache {
    pub fn get(&self, url: &str) -> Option<Target> {
        self.entries
            .iter()
            .find(|c| &*c.url == url)
            .map(|c| c.target.clone())
    }

    pub fn insert(&mut self, url: &str, target: Target) {
        let entry = CachedTarget {
            url: url.into(),
            target,
        };
        if self.entries.len() < TARGET_CACHE_SIZE {
            // Most tasks use one or two URLs: grow one entry at a time.
            self.entries.reserve_exact(1);
            self.entries.push(entry);
        } else {
            self.entries[self.next] = entry;
            self.next = (self.next + 1) % TARGET_CACHE_SIZE;
        }
    }
}

fn with_query(mut url: String, query: Option<&str>) -> String {
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(q);
    }
    url
}

pub(crate) fn is_absolute(url: &str) -> bool {
    let b = url.as_bytes();
    (b.len() >= 7 && b[..7].eq_ignore_ascii_case(b"http://"))
        || (b.len() >= 8 && b[..8].eq_ignore_ascii_case(b"https://"))
}

pub(crate) fn basic_auth_value(user: &str, pass: &str) -> HeaderValue {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut v = HeaderValue::from_str(&format!("Basic {token}"))
        .unwrap_or_else(|_| HeaderValue::from_static("Basic"));
    v.set_sensitive(true);
    v
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn invalid_url(url: &str, why: &str) -> Failure {
    Failure::Text(format!(
        "InvalidURL({})",
        py_repr(&format!("Invalid URL {}: {why}", py_repr(url)))
    ))
}

fn no_host(url: &str) -> Failure {
    invalid_url(url, "No host supplied")
}

fn invalid_schema(url: &str) -> Failure {
    Failure::Text(format!(
        "InvalidSchema({})",
        py_repr(&format!(
            "No connection adapters were found for {}",
            py_repr(url)
        ))
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls_join_the_base_cheaply() {
        let base = Base::parse("http://127.0.0.1:8080").unwrap();
        let t = Target::resolve(Some(&base), "/a/b?x=1", None).unwrap();
        assert_eq!(t.as_str(), "http://127.0.0.1:8080/a/b?x=1");
        assert_eq!(t.path_and_query(), "/a/b?x=1");
        assert_eq!(t.uri(false).unwrap().to_string(), "/a/b?x=1");
        assert_eq!(
            t.uri(true).unwrap().to_string(),
            "http://127.0.0.1:8080/a/b?x=1"
        );
        assert!(Arc::ptr_eq(&t.origin, &base.origin));
        assert_eq!(base.origin.host_header, "127.0.0.1:8080");
    }

    #[test]
    fn base_path_credentials_and_default_port() {
        let base = Base::parse("https://us%40r:p%3Ass@Example.com/api/").unwrap();
        assert_eq!(base.origin.host_header, "example.com");
        assert_eq!(base.origin.port, 443);
        assert!(base.origin.tls);
        let t = Target::resolve(Some(&base), "/items", Some("q=1")).unwrap();
        assert_eq!(t.as_str(), "https://example.com/api/items?q=1");
        assert_eq!(t.path_and_query(), "/api/items?q=1");
        let auth = base.auth.unwrap();
        let expect = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("us@r:p:ss")
        );
        assert_eq!(auth.to_str().unwrap(), expect);
    }

    #[test]
    fn query_params_append_to_existing_query() {
        let base = Base::parse("http://h").unwrap();
        let t = Target::resolve(Some(&base), "/s?a=1#frag", Some("b=2&c=3")).unwrap();
        assert_eq!(t.as_str(), "http://h/s?a=1&b=2&c=3");
        let t = Target::resolve(Some(&base), "", None).unwrap();
        assert_eq!(t.as_str(), "http://h/");
        assert_eq!(t.path_and_query(), "/");
    }

    #[test]
    fn unsafe_characters_are_percent_encoded() {
        let base = Base::parse("http://h:81").unwrap();
        let t = Target::resolve(Some(&base), "/a b/é", None).unwrap();
        assert_eq!(t.as_str(), "http://h:81/a%20b/%C3%A9");
        assert_eq!(t.path_and_query(), "/a%20b/%C3%A9");
    }

    #[test]
    fn absolute_urls_and_bad_urls() {
        let base = Base::parse("http://h").unwrap();
        let t = Target::resolve(Some(&base), "HTTPS://other:444/x", None).unwrap();
        assert_eq!(t.origin.key.as_ref(), "https://other:444");
        assert!(!Arc::ptr_eq(&t.origin, &base.origin));
        let t = Target::resolve(Some(&base), "http://h:80/y", None).unwrap();
        assert!(Arc::ptr_eq(&t.origin, &base.origin));
        assert!(Target::resolve(None, "/x", None).is_err());
        let t = Target::resolve(Some(&base), "x/y", None).unwrap();
        assert_eq!(t.as_str(), "http://h/x/y");
        let e = Target::parse("ftp://h/x", Some(&base)).unwrap_err();
        assert_eq!(
            e.text(),
            "InvalidSchema(\"No connection adapters were found for 'ftp://h/x'\")"
        );
        assert!(Base::parse("not a url").is_err());
        let t = Target::resolve(Some(&base), "http://[::1]:9/x", None).unwrap();
        assert_eq!(t.origin.host.as_ref(), "::1");
        assert_eq!(t.origin.host_header, "[::1]:9");
    }
}
