//! Shared helpers: a user context that captures recorded requests, and real
//! servers on 127.0.0.1 (raw TCP for odd behaviour, hyper for the rest).
#![allow(dead_code)]

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use rocust_core::env::Environment;
use rocust_core::events::RequestEvent;
use rocust_core::user::UserContext;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A user context for `host` plus everything recorded through it.
pub struct Recorded {
    pub ctx: UserContext,
    events: Arc<Mutex<Vec<RequestEvent>>>,
}

impl Recorded {
    pub fn new(host: Option<&str>) -> Recorded {
        let env = Environment::new(host.map(str::to_owned));
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        env.events.request.add_listener(move |e: &RequestEvent| {
            sink.lock().unwrap().push(e.clone());
        });
        let recorder = env.stats.recorder();
        let ctx = UserContext::new(env, recorder, host.map(Arc::from), Arc::from("TestUser"));
        Recorded { ctx, events }
    }

    pub fn events(&self) -> Vec<RequestEvent> {
        self.events.lock().unwrap().clone()
    }

    /// The only request recorded so far.
    pub fn single(&self) -> RequestEvent {
        let ev = self.events();
        assert_eq!(ev.len(), 1, "expected exactly one recorded request: {ev:?}");
        ev.into_iter().next().unwrap()
    }

    pub fn clear(&self) {
        self.events.lock().unwrap().clear();
    }
}

/// A request as the raw server read it.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request (head and Content-Length body); None on EOF.
pub async fn read_request(s: &mut TcpStream) -> Option<RawRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// A raw TCP server: `handler` gets each accepted connection and its index.
pub async fn raw_server<F, Fut>(handler: F) -> SocketAddr
where
    F: Fn(TcpStream, usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handler(s, n));
            n += 1;
        }
    });
    addr
}

/// A raw server that answers every request on every connection with `resp`.
pub async fn canned_server(resp: &'static [u8]) -> SocketAddr {
    raw_server(move |mut s, _| async move {
        while read_request(&mut s).await.is_some() {
            if s.write_all(resp).await.is_err() {
                return;
            }
        }
    })
    .await
}

pub type HyperResponse = Response<Full<Bytes>>;

/// A request as the hyper server saw it, body included.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

/// A hyper HTTP/1.1 server; counts accepted connections.
pub struct HyperServer {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
}

impl HyperServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub async fn hyper_server<F, Fut>(handler: F) -> HyperServer
where
    F: Fn(Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HyperResponse> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let handler = Arc::new(handler);
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let handler = handler.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let handler = handler.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|c| c.to_bytes())
                            .unwrap_or_default();
                        let seen = Seen {
                            method: parts.method.to_string(),
                            uri: parts.uri.to_string(),
                            headers: parts.headers,
                            body,
                        };
                        Ok::<_, Infallible>(handler(seen).await)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                    .await;
            });
        }
    });
    HyperServer { addr, connections }
}

pub fn respond(status: u16, body: impl Into<Bytes>) -> HyperResponse {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    r
}

pub fn respond_with(
    status: u16,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HyperResponse {
    let mut r = respond(status, body);
    for (n, v) in headers {
        r.headers_mut().append(
            http::HeaderName::from_bytes(n.as_bytes()).unwrap(),
            http::HeaderValue::from_str(v).unwrap(),
        );
    }
    r
}
