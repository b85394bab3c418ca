//! Unrecorded requests (the Python engine records them itself, later):
//! nothing is recorded on send, the response carries what recording and
//! requests' `Response` need, and `HttpSession::record` records it.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{hyper_server, respond, respond_with, Recorded};
use rocust_http::HttpSession;

/// Echoes the request line and the headers it saw (lowercase name: value,
/// one a line, sorted); `/r/N` redirects to `/echo` with status N.
async fn server() -> common::HyperServer {
    hyper_server(|seen| async move {
        let path = seen.uri.split('?').next().unwrap().to_owned();
        if let Some(code) = path.strip_prefix("/r/") {
            return respond_with(
                code.parse().unwrap(),
                &[("location", "/echo"), ("set-cookie", "hop=1; Path=/")],
                "moved",
            );
        }
        if path == "/missing" {
            return respond(404, "nope");
        }
        let mut lines: Vec<String> = seen
            .headers
            .iter()
            .map(|(n, v)| format!("{}: {}", n, v.to_str().unwrap()))
            .collect();
        lines.sort();
        respond(
            200,
            format!(
                "{} {} {}\n{}",
                seen.method,
                seen.uri,
                seen.body.len(),
                lines.join("\n")
            ),
        )
    })
    .await
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// The request headers as the echo server prints them.
fn printed(headers: &http::HeaderMap) -> String {
    let mut lines: Vec<String> = headers
        .iter()
        .map(|(n, v)| format!("{}: {}", n, v.to_str().unwrap()))
        .collect();
    lines.sort();
    lines.join("\n")
}

#[tokio::test]
async fn unrecorded_requests_record_nothing_until_asked() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let before = now();
    let r = client.get("/echo?x=1").unrecorded().send().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.connection_error(), None);
    assert!(rec.events().is_empty());
    assert!(r.start_time() >= before - 0.001 && r.start_time() <= now());

    // The headers kept are exactly those the server got, defaults included.
    let text = r.text();
    let (first, seen) = text.split_once('\n').unwrap();
    assert_eq!(first, "GET /echo?x=1 0");
    assert_eq!(printed(r.request_headers()), seen);
    assert_eq!(r.request_headers()["user-agent"], "rocust/0.1.0");
    assert_eq!(
        r.request_headers()["host"],
        server.addr.to_string().as_str()
    );

    client.record("GET", "my name", &r, None);
    let e = rec.single();
    assert_eq!(e.request_type, "GET");
    assert_eq!(e.name, "my name");
    assert_eq!(e.url, format!("{}/echo?x=1", server.url()));
    assert_eq!(e.response_length, r.bytes().len() as u64);
    assert_eq!(e.response_time, Some(r.elapsed().as_secs_f64() * 1000.0));
    assert_eq!(e.start_time, r.start_time());
    assert!(e.exception.is_none());

    rec.clear();
    client.record("POST", "other", &r, Some("CatchResponseError('bad')"));
    let e = rec.single();
    assert_eq!(
        (e.request_type.as_str(), e.name.as_str()),
        ("POST", "other")
    );
    assert_eq!(e.exception.as_deref(), Some("CatchResponseError('bad')"));
}

#[tokio::test]
async fn recorded_requests_do_not_keep_request_headers() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/echo").send().await;
    assert!(r.request_headers().is_empty());
    assert!(r.start_time() > 0.0);
    assert_eq!(rec.events().len(), 1);
}

#[tokio::test]
async fn an_http_error_is_not_a_connection_error() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/missing").unrecorded().send().await;
    assert_eq!(r.status(), 404);
    assert_eq!(r.connection_error(), None);
    assert!(r.error().is_some());
    assert!(rec.events().is_empty());
}

#[tokio::test]
async fn a_refused_connection_is_a_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let before = now();
    let r = client.get("/x").unrecorded().send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.connection_error(),
        Some("ConnectionRefusedError(111, 'Connection refused')")
    );
    assert!(r.request_headers().is_empty());
    assert!(r.start_time() >= before - 0.001);
    assert!(rec.events().is_empty());
    client.record("GET", "/x", &r, r.connection_error());
    let e = rec.single();
    assert_eq!(e.url, format!("http://{addr}/x"));
    assert_eq!(e.exception.as_deref(), r.connection_error());
    assert_eq!(e.response_length, 0);
}

#[tokio::test]
async fn redirect_history_has_status_reason_url_and_headers() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.post("/r/302").body("x").unrecorded().send().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.url(), format!("{}/echo", server.url()));
    let [hop] = r.history() else {
        panic!("{:?}", r.history())
    };
    assert_eq!(hop.status, 302);
    assert_eq!(hop.reason, "Found");
    assert_eq!(hop.url, format!("{}/r/302", server.url()));
    assert_eq!(hop.headers["location"], "/echo");
    assert_eq!(hop.headers["set-cookie"], "hop=1; Path=/");
    assert_eq!(hop.headers["content-length"], "5");
    // The final hop is a GET without the body, with the cookie set by the
    // redirect: its headers are the ones kept.
    assert!(r.text().starts_with("GET /echo 0\n"), "{}", r.text());
    assert_eq!(r.request_headers()["cookie"], "hop=1");
    assert!(r.request_headers().get("content-length").is_none());

    client.record("POST", "/r/302", &r, None);
    assert_eq!(rec.single().url, format!("{}/r/302", server.url()));
}

#[tokio::test]
async fn bodies_show_their_length_and_type_in_the_headers_sent() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .post("/echo")
        .json(&serde_json::json!({"a": 1}))
        .unrecorded()
        .send()
        .await;
    let text = r.text();
    let (first, seen) = text.split_once('\n').unwrap();
    assert_eq!(first, "POST /echo 7");
    assert_eq!(printed(r.request_headers()), seen);
    assert_eq!(r.request_headers()["content-length"], "7");
    assert_eq!(r.request_headers()["content-type"], "application/json");
}

#[tokio::test]
async fn removed_headers_are_not_sent() {
    let server = server().await;
    let rec = Recorded::new(Some(&server.url()));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_header("X-Session", "s").unwrap();
    let r = client
        .get("/echo")
        .header("X-Mine", "m")
        .remove_header("user-agent")
        .remove_header("X-Session")
        .remove_header("x-mine")
        .remove_header("Host")
        .unrecorded()
        .send()
        .await;
    let text = r.text();
    let seen = text.split_once('\n').unwrap().1;
    assert!(!seen.contains("user-agent"), "{seen}");
    assert!(!seen.contains("x-session"), "{seen}");
    assert!(!seen.contains("x-mine"), "{seen}");
    assert!(seen.contains("host: "), "{seen}");
    assert!(seen.contains("accept: */*"), "{seen}");
    assert_eq!(printed(r.request_headers()), seen);

    // A header set after removing it is sent; the session's auth survives
    // removing Authorization, as in requests.
    client.set_basic_auth("u", "p");
    let r = client
        .get("/echo")
        .remove_header("Accept")
        .header("Accept", "text/plain")
        .remove_header("Authorization")
        .send()
        .await;
    let text = r.text();
    assert!(text.contains("accept: text/plain"), "{text}");
    assert!(text.contains("authorization: Basic dTpw"), "{text}");

    let r = client.get("/echo").remove_header("bad name").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("InvalidHeader("),
        "{:?}",
        r.error()
    );
}

#[tokio::test]
async fn a_timeout_is_a_connection_error_with_locust_text() {
    let addr = common::raw_server(|mut s, _| async move {
        let _ = common::read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .get("/slow")
        .timeout(Duration::from_millis(100))
        .unrecorded()
        .send()
        .await;
    assert_eq!(r.status(), 0);
    let text = format!(
        "ReadTimeout(ReadTimeoutError(\"HTTPConnectionPool(host='127.0.0.1', port={}): Read timed out. (read timeout=0.1)\"))",
        addr.port()
    );
    assert_eq!(r.connection_error(), Some(text.as_str()));
    assert!(rec.events().is_empty());
}
