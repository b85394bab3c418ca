use super::*;

fn session(host: Option<&str>) -> WebSocketSession {
    let env = rocust_core::env::Environment::new(None);
    let recorder = env.stats.recorder();
    let ctx = UserContext::new(env, recorder, host.map(Into::into), "U".into());
    WebSocketSession::new(&ctx)
}

#[test]
fn ws_schemes_map_to_http_and_back() {
    assert_eq!(as_http_url("ws://h:1/a"), "http://h:1/a");
    assert_eq!(as_http_url("WSS://h/a"), "https://h/a");
    assert_eq!(as_http_url("/a"), "/a");
    assert_eq!(as_http_url("http://h/a"), "http://h/a");

    let ws = session(Some("ws://127.0.0.1:8080/base/"));
    let t = ws.resolve("/chat?room=2").unwrap();
    assert_eq!(ws_url(&t), "ws://127.0.0.1:8080/base/chat?room=2");
    assert_eq!(url_path(&t), "/base/chat");
    let t = ws.resolve("wss://example.test/x").unwrap();
    assert_eq!(ws_url(&t), "wss://example.test/x");
    assert_eq!(url_path(&t), "/x");
}

#[test]
fn relative_urls_need_a_usable_host() {
    let ws = session(None);
    assert!(ws
        .resolve("/chat")
        .unwrap_err()
        .starts_with("MissingSchema("));
    assert!(ws.resolve("ws://127.0.0.1/chat").is_ok());
    let ws = session(Some("ftp://h"));
    assert!(ws.resolve("/chat").is_err());
}

#[test]
fn the_handshake_carries_the_upgrade_headers_and_the_offer() {
    let mut ws = session(Some("http://user:pw@127.0.0.1:9"));
    ws.set_header("x-token", "t").unwrap();
    let target = ws.resolve("/ws").unwrap();
    let mut extra = HeaderMap::new();
    extra.insert("x-token", HeaderValue::from_static("override"));
    let req = ws
        .handshake_request(&target, extra, &["echo", "chat"])
        .unwrap();
    let h = req.headers();
    assert_eq!(req.uri(), "ws://127.0.0.1:9/ws");
    assert_eq!(h[HOST], "127.0.0.1:9");
    assert_eq!(h[UPGRADE], "websocket");
    assert_eq!(h[CONNECTION], "Upgrade");
    assert_eq!(h[SEC_WEBSOCKET_VERSION], "13");
    assert_eq!(h[SEC_WEBSOCKET_KEY].len(), 24);
    assert_eq!(h[SEC_WEBSOCKET_PROTOCOL], "echo, chat");
    assert_eq!(h["x-token"], "override");
    assert!(h[AUTHORIZATION].to_str().unwrap().starts_with("Basic "));
}

#[test]
fn messages_report_their_payload() {
    let t = WsMessage::Text(Utf8Bytes::from_static("héllo"));
    assert_eq!(t.len(), 6);
    assert_eq!(t.as_text(), Some("héllo"));
    assert!(t.is_text());
    let b = WsMessage::Binary(Bytes::from_static(&[0, 1]));
    assert_eq!(b.as_bytes(), &[0, 1]);
    assert_eq!(b.as_text(), None);
    assert!(!b.is_empty());
}

#[test]
fn sessions_and_their_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let mut ws = session(Some("http://127.0.0.1:9"));
    send(&ws);
    send(&ws.send_text("x"));
    send(&ws.recv());
    send(&ws.ping());
    send(&ws.connect("/"));
    send(&ws.close());
}
