//! `WebSocketSession` against real WebSocket servers on 127.0.0.1
//! (tokio-tungstenite's server side): what is recorded for connects,
//! messages and pings, and for each way they fail.
// The handshake callbacks' error type is tungstenite's (an HTTP response).
#![allow(clippy::result_large_err)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::Recorded;
use futures_util::{SinkExt, StreamExt};
use rocust_http::{Bytes, Utf8Bytes, WebSocketSession, WsErrorKind, WsMessage};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

type ServerWs = WebSocketStream<tokio::net::TcpStream>;

/// How a test server answers the handshake.
#[derive(Clone, Copy)]
enum Accept {
    /// Chooses "echo" when offered.
    Echo,
    /// Refuses with this status.
    Status(u16),
}

/// A WebSocket server: each connection is handshaken per `accept`, then
/// handed to `session`.
async fn server<F, Fut>(accept: Accept, session: F) -> SocketAddr
where
    F: Fn(ServerWs) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let session = std::sync::Arc::new(session);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let session = session.clone();
            tokio::spawn(async move {
                let callback = move |req: &Request, mut resp: Response| match accept {
                    Accept::Status(code) => {
                        let mut e = ErrorResponse::new(None);
                        *e.status_mut() = http::StatusCode::from_u16(code).unwrap();
                        Err(e)
                    }
                    Accept::Echo => {
                        let offered = req
                            .headers()
                            .get("sec-websocket-protocol")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        if offered.split(',').any(|p| p.trim() == "echo") {
                            resp.headers_mut()
                                .insert("sec-websocket-protocol", "echo".parse().unwrap());
                        }
                        Ok(resp)
                    }
                };
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await {
                    session(ws).await;
                }
            });
        }
    });
    addr
}

/// Echoes text and binary messages until the client leaves.
async fn echo(mut ws: ServerWs) {
    while let Some(Ok(msg)) = ws.next().await {
        if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
            return;
        }
    }
}

fn host(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

fn names(rec: &Recorded) -> Vec<(String, String, Option<String>)> {
    rec.events()
        .into_iter()
        .map(|e| (e.request_type, e.name, e.exception))
        .collect()
}

fn ok(name: &str) -> (String, String, Option<String>) {
    ("WS".to_owned(), name.to_owned(), None)
}

fn failed(name: &str, text: &str) -> (String, String, Option<String>) {
    ("WS".to_owned(), name.to_owned(), Some(text.to_owned()))
}

#[tokio::test]
async fn connect_send_recv_and_ping_are_recorded() {
    let addr = server(Accept::Echo, echo).await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/chat?room=1")
        .subprotocol("echo")
        .await
        .unwrap();
    assert!(ws.is_connected());
    assert_eq!(ws.subprotocol(), Some("echo"));
    assert_eq!(ws.url(), format!("ws://{addr}/chat?room=1"));

    ws.send_text(Utf8Bytes::from_static("hello")).await.unwrap();
    let m = ws.recv().await.unwrap();
    assert_eq!(m.as_text(), Some("hello"));
    ws.send_binary(Bytes::from_static(&[1, 2, 3]))
        .name("bin")
        .await
        .unwrap();
    let m = ws.recv().name("bin echo").await.unwrap();
    assert_eq!(m, WsMessage::Binary(Bytes::from_static(&[1, 2, 3])));
    let rtt = ws.ping().await.unwrap();
    assert!(rtt < Duration::from_secs(5));
    ws.close().await;
    assert!(!ws.is_connected());

    assert_eq!(
        names(&rec),
        [
            ok("/chat"),
            ok("send"),
            ok("recv"),
            ok("bin"),
            ok("bin echo"),
            ok("ping")
        ]
    );
    let events = rec.events();
    let lengths: Vec<u64> = events.iter().map(|e| e.response_length).collect();
    assert_eq!(lengths, [0, 5, 5, 3, 3, 0]);
    for e in &events {
        assert_eq!(e.url, format!("ws://{addr}/chat?room=1"));
        assert!(e.response_time.is_some());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!((now - e.start_time).abs() < 30.0, "{}", e.start_time);
    }
    // An unblocked send costs no time.
    assert_eq!(events[1].response_time, Some(0.0));
}

#[tokio::test]
async fn stats_get_the_rows_without_event_listeners() {
    let addr = server(Accept::Echo, echo).await;
    let env = rocust_core::env::Environment::new(None);
    let ctx = rocust_core::user::UserContext::new(
        env.clone(),
        env.stats.recorder(),
        Some(host(addr).into()),
        "U".into(),
    );
    let mut ws = WebSocketSession::new(&ctx);
    ws.set_request_type("WebSocket");
    ws.connect("/ws").await.unwrap();
    for _ in 0..3 {
        ws.send_text("abcd").await.unwrap();
        ws.recv().await.unwrap();
    }
    env.stats.flush();
    env.stats.with_request_stats(|rs| {
        let send = rs.get("send", "WebSocket").expect("send row");
        assert_eq!(send.num_requests, 3);
        assert_eq!(send.total_content_length, 12);
        assert_eq!(rs.get("recv", "WebSocket").unwrap().num_requests, 3);
        assert_eq!(rs.get("/ws", "WebSocket").unwrap().num_requests, 1);
    });
}

#[tokio::test]
async fn ws_urls_and_hosts_are_accepted() {
    let addr = server(Accept::Echo, echo).await;
    let rec = Recorded::new(Some(&format!("ws://{addr}/api/")));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/socket").await.unwrap();
    assert_eq!(ws.url(), format!("ws://{addr}/api/socket"));
    ws.connect(format!("ws://{addr}/other"))
        .name("other")
        .await
        .unwrap();
    assert_eq!(ws.url(), format!("ws://{addr}/other"));
    assert_eq!(names(&rec), [ok("/api/socket"), ok("other")]);
}

#[tokio::test]
async fn a_refused_connect_is_a_failure_and_later_sends_fail_too() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    let e = ws.connect("/ws").await.unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Connect);
    assert!(!ws.is_connected());
    let e2 = ws.send_text("x").await.unwrap_err();
    assert_eq!(e2.kind(), WsErrorKind::NotConnected);
    let e3 = ws.recv().await.unwrap_err();
    assert_eq!(e3.kind(), WsErrorKind::NotConnected);
    assert_eq!(
        names(&rec),
        [
            failed("/ws", "ConnectionRefusedError(111, 'Connection refused')"),
            failed(
                "send",
                "WebSocketConnectionClosedException('Connection is already closed.')"
            ),
            failed(
                "recv",
                "WebSocketConnectionClosedException('Connection is already closed.')"
            ),
        ]
    );
    assert_eq!(
        e.text(),
        "ConnectionRefusedError(111, 'Connection refused')"
    );
}

#[tokio::test]
async fn a_bad_status_or_subprotocol_fails_the_connect() {
    let forbidden = server(Accept::Status(403), echo).await;
    let rec = Recorded::new(Some(&host(forbidden)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    let e = ws.connect("/ws").await.unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Status(403));

    let echoing = server(Accept::Echo, echo).await;
    let e = ws
        .connect(format!("ws://{echoing}/ws"))
        .subprotocol("chat")
        .subprotocol("v2")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Subprotocol);
    assert!(!ws.is_connected());
    // "echo" among others: chosen.
    ws.connect(format!("ws://{echoing}/ws"))
        .subprotocol("chat")
        .subprotocol("echo")
        .await
        .unwrap();
    assert_eq!(ws.subprotocol(), Some("echo"));

    assert_eq!(
        names(&rec),
        [
            failed(
                "/ws",
                "WebSocketBadStatusException('Handshake status 403 Forbidden')"
            ),
            failed(
                "/ws",
                "WebSocketException('Invalid subprotocol: the server chose none of chat, v2')"
            ),
            ok("/ws"),
        ]
    );
}

#[tokio::test]
async fn a_plain_http_server_is_a_bad_status() {
    let addr = common::canned_server(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok").await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    let e = ws.connect("/").await.unwrap_err();
    assert_eq!(
        e.text(),
        "WebSocketBadStatusException('Handshake status 200 OK')"
    );
}

#[tokio::test]
async fn a_recv_timeout_is_a_failure_that_keeps_the_connection() {
    let addr = server(Accept::Echo, echo).await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.set_recv_timeout(Some(Duration::from_millis(100)));
    ws.connect("/ws").await.unwrap();
    let e = ws.recv().name("push").await.unwrap_err();
    assert!(e.is_timeout());
    assert!(ws.is_connected());
    // The session's timer is reused by the next wait.
    ws.send_text("after").await.unwrap();
    let m = ws
        .recv()
        .timeout(Some(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(m.as_text(), Some("after"));
    let e = ws.recv().await.unwrap_err();
    assert!(e.is_timeout());

    let events = rec.events();
    assert_eq!(
        events[1].exception.as_deref(),
        Some("WebSocketTimeoutException('recv timed out (timeout=0.1)')")
    );
    assert_eq!(events[1].name, "push");
    let waited = events[1].response_time.unwrap();
    assert!((90.0..5000.0).contains(&waited), "{waited}");
    assert_eq!(events[4].exception, events[1].exception);
}

#[tokio::test]
async fn a_close_from_the_server_fails_the_recv() {
    let addr = server(Accept::Echo, |mut ws: ServerWs| async move {
        if let Some(Ok(m)) = ws.next().await {
            let _ = ws.send(m).await;
        }
        let frame = CloseFrame {
            code: CloseCode::Away,
            reason: "bye".into(),
        };
        let _ = ws.close(Some(frame)).await;
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/ws").await.unwrap();
    ws.send_text("one").await.unwrap();
    ws.recv().await.unwrap();
    let e = ws.recv().await.unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Closed);
    assert_eq!(
        e.text(),
        "WebSocketConnectionClosedException('Connection closed by the server (code 1001: bye)')"
    );
    assert!(!ws.is_connected());
}

#[tokio::test]
async fn a_dropped_connection_is_lost() {
    let addr = server(Accept::Echo, |ws: ServerWs| async move { drop(ws) }).await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/ws").await.unwrap();
    let e = ws.recv().await.unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Closed);
    assert_eq!(
        e.text(),
        "WebSocketConnectionClosedException('Connection to remote host was lost.')"
    );
}

#[tokio::test]
async fn server_pings_are_answered_and_messages_wait_for_a_ping() {
    let (pong_tx, pong_rx) = tokio::sync::oneshot::channel::<bool>();
    let pong_tx = std::sync::Mutex::new(Some(pong_tx));
    let addr = server(Accept::Echo, move |mut ws: ServerWs| {
        let tx = pong_tx.lock().unwrap().take();
        async move {
            // Pushed before the client's ping is even read: it arrives first.
            let _ = ws.send(Message::text("pushed")).await;
            let _ = ws.send(Message::Ping(Bytes::from_static(b"srv"))).await;
            let mut got_pong = false;
            while let Some(Ok(m)) = ws.next().await {
                match m {
                    Message::Pong(p) if &p[..] == b"srv" => got_pong = true,
                    Message::Text(_) | Message::Binary(_) => {
                        let _ = ws.send(m).await;
                    }
                    _ => {}
                }
            }
            if let Some(tx) = tx {
                let _ = tx.send(got_pong);
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/ws").await.unwrap();
    ws.ping().await.unwrap();
    // The push that came before the pong is kept for the next receive.
    assert_eq!(ws.recv().await.unwrap().as_text(), Some("pushed"));
    ws.send_text("x").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().as_text(), Some("x"));
    ws.close().await;
    assert!(pong_rx.await.unwrap(), "the server's ping was answered");
}

#[tokio::test]
async fn headers_reach_the_handshake() {
    let (tx, rx) = tokio::sync::oneshot::channel::<(String, String)>();
    let tx = std::sync::Mutex::new(Some(tx));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let callback = |req: &Request, resp: Response| {
            let h = |n: &str| {
                req.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            if let Some(tx) = tx.lock().unwrap().take() {
                let _ = tx.send((h("x-session"), h("x-connect")));
            }
            Ok(resp)
        };
        let _ = tokio_tungstenite::accept_hdr_async(stream, callback).await;
    });
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.set_header("x-session", "s").unwrap();
    ws.connect("/").header("x-connect", "c").await.unwrap();
    assert_eq!(rx.await.unwrap(), ("s".to_owned(), "c".to_owned()));
    assert!(ws.set_header("bad header", "x").is_err());
}

/// wss:// through the session's TLS settings, like https://.
#[tokio::test]
async fn wss_uses_the_tls_settings() {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let cert = CertificateDer::from(key.cert.der().to_vec());
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.signing_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(s).await else {
                    return;
                };
                if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
                    while let Some(Ok(m)) = ws.next().await {
                        if m.is_text() && ws.send(m).await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });

    let rec = Recorded::new(Some(&format!("wss://{addr}")));
    let mut ws = WebSocketSession::new(&rec.ctx);
    let e = ws.connect("/secure").await.unwrap_err();
    assert_eq!(e.kind(), WsErrorKind::Connect);
    assert!(e.text().starts_with("SSLError("), "{}", e.text());
    ws.set_verify(false);
    ws.connect("/secure").await.unwrap();
    assert_eq!(ws.url(), format!("wss://{addr}/secure"));
    ws.send_text("over tls").await.unwrap();
    assert_eq!(ws.recv().await.unwrap().as_text(), Some("over tls"));
}

#[tokio::test]
async fn a_ping_without_pong_times_out() {
    // The server never reads, so it never answers the ping.
    let addr = server(Accept::Echo, |ws: ServerWs| async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(ws);
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let mut ws = WebSocketSession::new(&rec.ctx);
    ws.connect("/ws").await.unwrap();
    let e = ws
        .ping()
        .name("heartbeat")
        .timeout(Some(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert!(e.is_timeout());
    assert_eq!(
        names(&rec)[1],
        failed(
            "heartbeat",
            "WebSocketTimeoutException('ping timed out (timeout=0.1)')"
        )
    );
    assert!(ws.is_connected());
}
