//! A request's headers as they go out: the session's shared default headers
//! (the template) with the request's own changes on top, and their HTTP/1.1
//! encoding.
//!
//! The template is not copied per request: most requests change nothing in
//! it (or only add a few headers), and its HTTP/1.1 text is encoded once.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::header::{
    GetAll, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST,
    TRANSFER_ENCODING,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use crate::wire::has_token;

/// Bodies up to this size are copied behind the head: one write.
const INLINE_BODY: usize = 16 * 1024;

/// The default headers of a session's requests to its base origin: as a
/// map, and already written out for HTTP/1.1.
#[derive(Debug)]
pub(crate) struct Template {
    pub map: HeaderMap,
    /// `name: value\r\n` for every header of `map`.
    wire: Box<[u8]>,
    /// `Connection: close` is among them.
    closes: bool,
    /// No body-framing header among them (the encoded text fits any body).
    plain: bool,
    /// Which of `KNOWN` are among them, one bit each.
    known: u8,
}

/// Headers every request asks the template about.
const KNOWN: [HeaderName; 7] = [
    COOKIE,
    CONTENT_LENGTH,
    TRANSFER_ENCODING,
    CONTENT_TYPE,
    CONNECTION,
    AUTHORIZATION,
    HOST,
];

impl Template {
    fn new(map: HeaderMap) -> Template {
        let mut wire = Vec::new();
        for (name, value) in &map {
            put_header(&mut wire, name, value.as_bytes());
        }
        let known = KNOWN
            .iter()
            .enumerate()
            .filter(|(_, n)| map.contains_key(*n))
            .fold(0, |bits, (i, _)| bits | 1 << i);
        Template {
            known,
            closes: has_token(map.get_all(CONNECTION), "close"),
            plain: !map.contains_key(CONTENT_LENGTH) && !map.contains_key(TRANSFER_ENCODING),
            wire: wire.into_boxed_slice(),
            map,
        }
    }

    fn has(&self, name: &HeaderName) -> bool {
        match KNOWN.iter().position(|k| k == name) {
            Some(i) => self.known & 1 << i != 0,
            None => self.map.contains_key(name),
        }
    }

    /// The template for `map`. Templates are the same for every user of a
    /// class (same host, same defaults): one copy serves them all.
    pub fn shared(map: HeaderMap) -> Arc<Template> {
        const KEPT: usize = 32;
        static TEMPLATES: Mutex<Vec<Arc<Template>>> = Mutex::new(Vec::new());
        let mut kept = TEMPLATES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = kept.iter().find(|t| t.map == map) {
            return t.clone();
        }
        let t = Arc::new(Template::new(map));
        if kept.len() < KEPT {
            kept.push(t.clone());
        }
        t
    }
}

fn put_header(out: &mut Vec<u8>, name: &HeaderName, value: &[u8]) {
    out.extend_from_slice(name.as_str().as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Puts every header of `layer` into `h`, replacing values of the same
/// name; with `skip_body_headers`, leaves out Content-Type, -Length and
/// Transfer-Encoding.
pub(crate) fn layer_headers(h: &mut HeaderMap, layer: &HeaderMap, skip_body_headers: bool) {
    for name in layer.keys() {
        if skip_body_headers && is_body_header(name) {
            continue;
        }
        h.remove(name);
        for v in layer.get_all(name) {
            h.append(name.clone(), v.clone());
        }
    }
}

fn is_body_header(name: &HeaderName) -> bool {
    name == CONTENT_TYPE || name == CONTENT_LENGTH || name == TRANSFER_ENCODING
}

/// A request as it goes out on one hop: the template's headers, less those
/// dropped and those the request sets itself, then the request's own.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub method: Method,
    template: Arc<Template>,
    dropped: Vec<HeaderName>,
    own: HeaderMap,
    pub body: Bytes,
}

/// A request as written out: head (and a small body) in `head`, then
/// `body`, then `tail` (the end of a chunked body).
pub(crate) struct Wire {
    pub head: Vec<u8>,
    pub body: Bytes,
    pub tail: &'static [u8],
}

impl Outgoing {
    pub fn new(method: Method, template: Arc<Template>, body: Bytes) -> Outgoing {
        Outgoing {
            method,
            template,
            dropped: Vec::new(),
            own: HeaderMap::new(),
            body,
        }
    }

    fn template_has(&self, name: &HeaderName) -> bool {
        self.template.has(name) && !self.dropped.contains(name)
    }

    pub fn contains(&self, name: &HeaderName) -> bool {
        self.own.contains_key(name) || self.template_has(name)
    }

    /// The values sent for `name`.
    pub fn get_all(&self, name: &HeaderName) -> GetAll<'_, HeaderValue> {
        if self.own.contains_key(name) || !self.template_has(name) {
            self.own.get_all(name)
        } else {
            self.template.map.get_all(name)
        }
    }

    /// Sets a header, replacing any value it had.
    pub fn insert(&mut self, name: HeaderName, value: HeaderValue) {
        self.own.insert(name, value);
    }

    /// Leaves a header out entirely.
    pub fn remove(&mut self, name: &HeaderName) {
        self.own.remove(name);
        if self.template_has(name) {
            self.dropped.push(name.clone());
        }
    }

    /// Puts the request's own headers on top (see `layer_headers`).
    pub fn layer(&mut self, layer: &HeaderMap, skip_body_headers: bool) {
        if self.own.is_empty() && !skip_body_headers {
            self.own.clone_from(layer);
        } else {
            layer_headers(&mut self.own, layer, skip_body_headers);
        }
    }

    /// Every header as one map (HTTP/2, and requests that keep them).
    pub fn merged(&self) -> HeaderMap {
        let mut h = self.template.map.clone();
        for name in &self.dropped {
            h.remove(name);
        }
        layer_headers(&mut h, &self.own, false);
        h
    }

    /// The request asks the server to close the connection after it.
    pub fn closes(&self) -> bool {
        if self.own.contains_key(CONNECTION) || !self.template_has(&CONNECTION) {
            has_token(self.own.get_all(CONNECTION), "close")
        } else {
            self.template.closes
        }
    }

    /// The HTTP/1.1 request to `target` (origin-form). A body goes as the
    /// headers say: chunked when there is a Transfer-Encoding (made to end
    /// in chunked), else as is (the session sets Content-Length for a body).
    pub fn encode(&self, target: &str) -> Wire {
        let body = &self.body;
        let chunked = !body.is_empty() && self.contains(&TRANSFER_ENCODING);
        let inline = !chunked && body.len() <= INLINE_BODY;
        let t = &*self.template;
        let mut size = self.method.as_str().len() + target.len() + 16 + t.wire.len();
        for (name, value) in &self.own {
            size += name.as_str().len() + value.len() + 4;
        }
        if inline {
            size += body.len();
        }
        let mut head = Vec::with_capacity(size + 32);
        head.extend_from_slice(self.method.as_str().as_bytes());
        head.push(b' ');
        head.extend_from_slice(target.as_bytes());
        head.extend_from_slice(b" HTTP/1.1\r\n");
        let untouched = t.plain && self.dropped.is_empty() && self.own.keys().all(|k| !t.has(k));
        if untouched {
            head.extend_from_slice(&t.wire);
        } else {
            for (name, value) in &t.map {
                if !self.dropped.contains(name) && !self.own.contains_key(name) {
                    self.put(&mut head, name, value, chunked);
                }
            }
        }
        for (name, value) in &self.own {
            self.put(&mut head, name, value, chunked);
        }
        head.extend_from_slice(b"\r\n");
        if chunked {
            head.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
            return Wire {
                head,
                body: body.clone(),
                tail: b"\r\n0\r\n\r\n",
            };
        }
        if inline {
            head.extend_from_slice(body);
            return Wire {
                head,
                body: Bytes::new(),
                tail: b"",
            };
        }
        Wire {
            head,
            body: body.clone(),
            tail: b"",
        }
    }

    /// Writes one header line; body-framing headers as the body needs them.
    fn put(&self, head: &mut Vec<u8>, name: &HeaderName, value: &HeaderValue, chunked: bool) {
        if name == TRANSFER_ENCODING {
            if self.body.is_empty() {
                return;
            }
            if !ends_chunked(value.as_bytes()) && self.is_last_te(value) {
                let mut v = value.as_bytes().to_vec();
                v.extend_from_slice(b", chunked");
                put_header(head, name, &v);
                return;
            }
        }
        if chunked && name == CONTENT_LENGTH {
            return;
        }
        put_header(head, name, value.as_bytes());
    }

    fn is_last_te(&self, value: &HeaderValue) -> bool {
        self.get_all(&TRANSFER_ENCODING)
            .iter()
            .next_back()
            .is_some_and(|last| std::ptr::eq(last, value))
    }
}

/// Whether a Transfer-Encoding value's last coding is `chunked`.
pub(crate) fn ends_chunked(value: &[u8]) -> bool {
    value
        .rsplit(|&b| b == b',')
        .next()
        .is_some_and(|t| t.trim_ascii().eq_ignore_ascii_case(b"chunked"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::header::{ACCEPT, COOKIE, HOST, USER_AGENT};

    fn template() -> Arc<Template> {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_static("a:1"));
        h.insert(USER_AGENT, HeaderValue::from_static("ua"));
        h.insert(ACCEPT, HeaderValue::from_static("*/*"));
        h.insert(CONNECTION, HeaderValue::from_static("keep-alive"));
        Arc::new(Template::new(h))
    }

    #[test]
    fn the_template_is_sent_as_is_with_the_request_headers_after_it() {
        let mut out = Outgoing::new(Method::POST, template(), Bytes::from_static(b"hi"));
        out.insert(CONTENT_LENGTH, HeaderValue::from(2));
        out.insert(COOKIE, HeaderValue::from_static("a=1"));
        let w = out.encode("/x?y=1");
        assert_eq!(
            String::from_utf8(w.head).unwrap(),
            "POST /x?y=1 HTTP/1.1\r\nhost: a:1\r\nuser-agent: ua\r\naccept: */*\r\n\
             connection: keep-alive\r\ncontent-length: 2\r\ncookie: a=1\r\n\r\nhi"
        );
        assert!(w.body.is_empty() && w.tail.is_empty());
        assert!(!out.closes());
        assert_eq!(out.merged().len(), 6);
    }

    #[test]
    fn replaced_and_dropped_template_headers_are_left_out() {
        let mut out = Outgoing::new(Method::GET, template(), Bytes::new());
        let mut own = HeaderMap::new();
        own.insert(ACCEPT, HeaderValue::from_static("text/plain"));
        own.insert(CONNECTION, HeaderValue::from_static("close"));
        out.remove(&USER_AGENT);
        out.layer(&own, false);
        assert!(!out.contains(&USER_AGENT) && out.contains(&HOST));
        assert!(out.closes());
        let w = out.encode("/");
        assert_eq!(
            String::from_utf8(w.head).unwrap(),
            "GET / HTTP/1.1\r\nhost: a:1\r\naccept: text/plain\r\nconnection: close\r\n\r\n"
        );
        let m = out.merged();
        assert_eq!(m.len(), 3);
        assert_eq!(m[ACCEPT], "text/plain");
        assert!(m.get(USER_AGENT).is_none());
    }

    #[test]
    fn a_transfer_encoding_makes_the_body_chunked() {
        let mut out = Outgoing::new(Method::POST, template(), Bytes::from_static(b"abc"));
        out.insert(TRANSFER_ENCODING, HeaderValue::from_static("gzip"));
        out.insert(CONTENT_LENGTH, HeaderValue::from(3));
        let w = out.encode("/");
        let head = String::from_utf8(w.head).unwrap();
        assert!(
            head.ends_with("transfer-encoding: gzip, chunked\r\n\r\n3\r\n"),
            "{head}"
        );
        assert!(!head.contains("content-length"));
        assert_eq!((&w.body[..], w.tail), (&b"abc"[..], &b"\r\n0\r\n\r\n"[..]));

        // No body: no transfer coding either.
        out.body = Bytes::new();
        let head = String::from_utf8(out.encode("/").head).unwrap();
        assert!(head.ends_with("content-length: 3\r\n\r\n"), "{head}");

        let big = Bytes::from(vec![b'x'; INLINE_BODY + 1]);
        let w = Outgoing::new(Method::PUT, template(), big).encode("/");
        assert!(w.head.ends_with(b"\r\n\r\n"));
        assert_eq!(w.body.len(), INLINE_BODY + 1);
    }
}
