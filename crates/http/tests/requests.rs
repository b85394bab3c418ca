//! Happy paths against a real hyper server: recording, naming, query,
//! bodies, auth, headers, keep-alive and cookies.

mod common;

use std::time::Duration;

use common::{hyper_server, respond, respond_with, Recorded};
use rocust_http::{HttpSession, Method};
use serde::{Deserialize, Serialize};

/// Echoes method, path+query, selected headers and the body as JSON.
async fn echo_server() -> common::HyperServer {
    hyper_server(|seen| async move {
        let h = |n: &str| {
            seen.headers
                .get(n)
                .map(|v| v.to_str().unwrap_or("").to_owned())
                .unwrap_or_default()
        };
        let body = serde_json::json!({
            "method": seen.method,
            "uri": seen.uri,
            "content_type": h("content-type"),
            "authorization": h("authorization"),
            "user_agent": h("user-agent"),
            "accept": h("accept"),
            "accept_encoding": h("accept-encoding"),
            "connection": h("connection"),
            "host": h("host"),
            "cookie": h("cookie"),
            "x_custom": h("x-custom"),
            "content_length": h("content-length"),
            "body": String::from_utf8_lossy(&seen.body),
        });
        respond_with(
            200,
            &[("content-type", "application/json")],
            body.to_string(),
        )
    })
    .await
}

#[tokio::test]
async fn get_is_recorded_once_with_locust_fields() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let r = client.get("/hello?x=1").send().await;
    assert_eq!(r.status(), 200);
    assert!(r.ok());
    assert_eq!(r.reason(), "OK");
    assert_eq!(r.error(), None);
    assert_eq!(r.url(), format!("{}/hello?x=1", server.url()));
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["method"], "GET");
    assert_eq!(v["uri"], "/hello?x=1");
    assert_eq!(v["user_agent"], "rocust/0.1.0");
    assert_eq!(v["accept"], "*/*");
    assert_eq!(v["accept_encoding"], "gzip, deflate, br");
    assert_eq!(v["connection"], "keep-alive");
    assert_eq!(v["host"], server.addr.to_string());
    let e = rec.single();
    assert_eq!(e.request_type, "GET");
    assert_eq!(e.name, "/hello?x=1");
    assert_eq!(e.url, format!("{}/hello?x=1", server.url()));
    assert_eq!(e.response_length, r.bytes().len() as u64);
    assert!(e.exception.is_none());
    let rt = e.response_time.unwrap();
    assert!(rt > 0.0 && rt < 5_000.0, "{rt}");
    assert!(e.start_time >= before - 1.0 && e.start_time <= before + 5.0);
}

#[tokio::test]
async fn name_override_and_query_params() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .get("/item/42?a=1")
        .query(&[("b", "x y"), ("c", "é&")])
        .name("/item/[id]")
        .send()
        .await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["uri"], "/item/42?a=1&b=x+y&c=%C3%A9%26");
    let e = rec.single();
    assert_eq!(e.name, "/item/[id]");
    assert_eq!(
        e.url,
        format!("{}/item/42?a=1&b=x+y&c=%C3%A9%26", server.url())
    );

    #[derive(Serialize)]
    struct Q {
        page: u32,
        q: &'static str,
    }
    rec.clear();
    let r = client
        .get("/s")
        .query(&Q { page: 2, q: "rust" })
        .send()
        .await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["uri"], "/s?page=2&q=rust");
    assert_eq!(rec.single().name, "/s?page=2&q=rust");
}

#[tokio::test]
async fn json_form_and_raw_bodies() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Login {
        user: String,
        n: i32,
    }
    let r = client
        .post("/login")
        .json(&Login {
            user: "ann".into(),
            n: 3,
        })
        .send()
        .await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["content_type"], "application/json");
    let sent: Login = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        sent,
        Login {
            user: "ann".into(),
            n: 3
        }
    );

    let r = client
        .put("/form")
        .form(&[("a", "1"), ("b", "two words")])
        .send()
        .await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["content_type"], "application/x-www-form-urlencoded");
    assert_eq!(v["body"], "a=1&b=two+words");

    let r = client
        .patch("/raw")
        .header("content-type", "text/plain")
        .body("plain text")
        .send()
        .await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["method"], "PATCH");
    assert_eq!(v["content_type"], "text/plain");
    assert_eq!(v["body"], "plain text");
    assert_eq!(v["content_length"], "10");

    let r = client.post("/empty").send().await;
    let v: serde_json::Value = r.json().unwrap();
    assert_eq!(v["body"], "");

    let r = client.delete("/thing").send().await;
    assert_eq!(r.json::<serde_json::Value>().unwrap()["method"], "DELETE");
    let r = client.options("/thing").send().await;
    assert_eq!(r.json::<serde_json::Value>().unwrap()["method"], "OPTIONS");
    let r = client
        .request(Method::from_bytes(b"PURGE").unwrap(), "/cache")
        .send()
        .await;
    assert_eq!(r.json::<serde_json::Value>().unwrap()["method"], "PURGE");
    let r = client.head("/thing").send().await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().is_empty());

    let types: Vec<String> = rec
        .events()
        .iter()
        .map(|e| e.request_type.clone())
        .collect();
    assert_eq!(
        types,
        ["POST", "PUT", "PATCH", "POST", "DELETE", "OPTIONS", "PURGE", "HEAD"]
    );
}

#[tokio::test]
async fn basic_auth_headers_and_session_defaults() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let mut client = HttpSession::new(&rec.ctx);
    let r = client.get("/a").basic_auth("user", "p:w").send().await;
    let v: serde_json::Value = r.json().unwrap();
    // base64("user:p:w")
    assert_eq!(v["authorization"], "Basic dXNlcjpwOnc=");

    client.set_basic_auth("sess", "pw");
    client.set_header("X-Custom", "session").unwrap();
    client.set_header("User-Agent", "my-agent").unwrap();
    assert!(client.set_header("bad header", "x").is_err());
    let v: serde_json::Value = client.get("/b").send().await.json().unwrap();
    assert_eq!(v["authorization"], "Basic c2Vzczpwdw==");
    assert_eq!(v["x_custom"], "session");
    assert_eq!(v["user_agent"], "my-agent");

    let v: serde_json::Value = client
        .get("/c")
        .header("x-custom", "request")
        .send()
        .await
        .json()
        .unwrap();
    assert_eq!(v["x_custom"], "request");

    // Credentials in the host URL become basic auth, like Locust.
    let host = format!("http://us%40er:se%3Acret@{}", server.addr);
    let rec2 = Recorded::new(Some(&host));
    let client2 = HttpSession::new(&rec2.ctx);
    let v: serde_json::Value = client2.get("/d").send().await.json().unwrap();
    // base64("us@er:se:cret")
    assert_eq!(v["authorization"], "Basic dXNAZXI6c2U6Y3JldA==");
    assert_eq!(rec2.single().url, format!("http://{}/d", server.addr));
}

#[tokio::test]
async fn invalid_header_is_a_recorded_failure_not_a_panic() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").header("x", "bad\nvalue").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("InvalidHeader("),
        "{:?}",
        r.error()
    );
    assert_eq!(rec.single().exception.as_deref(), r.error());
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn keep_alive_reuses_one_connection() {
    let server = hyper_server(|_| async { respond(200, "ok") }).await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..50 {
        assert_eq!(client.get("/").send().await.status(), 200);
    }
    assert_eq!(server.connections(), 1);
    assert_eq!(rec.events().len(), 50);
    // Concurrent requests on one session each get a connection.
    let (a, b) = tokio::join!(client.get("/1").send(), client.get("/2").send());
    assert!(a.ok() && b.ok());
    assert!(server.connections() <= 2);
}

#[tokio::test]
async fn reconnects_when_the_server_closes_the_connection() {
    // Answers one request per connection, then closes it (no Connection: close).
    let addr = common::raw_server(|mut s, _| async move {
        use tokio::io::AsyncWriteExt;
        if common::read_request(&mut s).await.is_some() {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    for i in 0..5 {
        let r = client.get(format!("/{i}")).send().await;
        assert_eq!(r.status(), 200, "{:?}", r.error());
        assert_eq!(r.text(), "ok");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn idempotent_requests_are_retried_when_a_kept_alive_connection_drops() {
    // Answers the first request of each connection; on the second it closes
    // without answering, as a server whose keep-alive timeout just expired.
    let addr = common::raw_server(|mut s, _| async move {
        use tokio::io::AsyncWriteExt;
        if common::read_request(&mut s).await.is_some() {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                .await;
        }
        let _ = common::read_request(&mut s).await;
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..10 {
        let r = client.get("/").send().await;
        assert_eq!(r.status(), 200, "{:?}", r.error());
        let r = client.delete("/").send().await;
        assert_eq!(r.status(), 200, "{:?}", r.error());
    }
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
    // POST is not retried: it may have had an effect (requests does not
    // retry either).
    rec.clear();
    let r = client.post("/").send().await;
    assert_eq!(
        r.error(),
        Some("RemoteDisconnected('Remote end closed connection without response')")
    );
    let r = client.post("/").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(rec.events().len(), 2);
}

#[tokio::test]
async fn cookies_are_kept_per_session() {
    let server = hyper_server(|seen| async move {
        let cookie = seen
            .headers
            .get("cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        match seen.uri.as_str() {
            "/login" => respond_with(
                200,
                &[
                    ("set-cookie", "session=abc123; Path=/"),
                    ("set-cookie", "theme=dark; Path=/"),
                ],
                "",
            ),
            "/logout" => respond_with(200, &[("set-cookie", "session=; Max-Age=0; Path=/")], ""),
            _ => respond(200, cookie),
        }
    })
    .await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let other = HttpSession::new(&rec.ctx);
    assert_eq!(client.get("/me").send().await.text(), "");
    let r = client.get("/login").send().await;
    let mut set = r.cookies();
    set.sort();
    assert_eq!(
        set,
        [
            ("session".to_owned(), "abc123".to_owned()),
            ("theme".to_owned(), "dark".to_owned())
        ]
    );
    let sent = client.get("/me").send().await.text().into_owned();
    let mut parts: Vec<&str> = sent.split("; ").collect();
    parts.sort();
    assert_eq!(parts, ["session=abc123", "theme=dark"]);
    assert_eq!(client.cookie("session").as_deref(), Some("abc123"));
    // Another user's session has its own jar.
    assert_eq!(other.get("/me").send().await.text(), "");
    client.get("/logout").send().await;
    assert_eq!(client.get("/me").send().await.text(), "theme=dark");
    client.clear_cookies();
    assert_eq!(client.get("/me").send().await.text(), "");
    assert!(client.set_cookie("token", "t1"));
    assert_eq!(client.get("/me").send().await.text(), "token=t1");
}

#[tokio::test]
async fn cookies_set_for_a_host_in_a_session_without_base() {
    let server = hyper_server(|seen| async move {
        let cookie = seen
            .headers
            .get("cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        respond(200, cookie)
    })
    .await;
    // Python users' sessions have no base host: their requests use absolute URLs.
    let rec = Recorded::new(None);
    let client = HttpSession::new(&rec.ctx);
    assert!(!client.set_cookie("nobase", "x"));
    assert!(client.set_cookie_for(&server.url(), "token", "t1", "/"));
    assert!(client.set_cookie_for(&server.url(), "scoped", "s", "/api"));
    let url = |path: &str| format!("{}{path}", server.url());
    assert_eq!(client.get(url("/me")).send().await.text(), "token=t1");
    let mut sent: Vec<String> = client
        .get(url("/api/x"))
        .send()
        .await
        .text()
        .split("; ")
        .map(str::to_owned)
        .collect();
    sent.sort();
    assert_eq!(sent, ["scoped=s", "token=t1"]);
    assert!(!client.set_cookie_for("not a url", "a", "b", "/"));
}

#[tokio::test]
async fn absolute_urls_and_base_path() {
    let server = echo_server().await;
    let rec = Recorded::new(Some(&format!("{}/api/", server.url())));
    let client = HttpSession::new(&rec.ctx);
    let v: serde_json::Value = client.get("/v1/x").send().await.json().unwrap();
    assert_eq!(v["uri"], "/api/v1/x");
    let v: serde_json::Value = client
        .get(format!("{}/abs?q=1", server.url()))
        .send()
        .await
        .json()
        .unwrap();
    assert_eq!(v["uri"], "/abs?q=1");
    let names: Vec<String> = rec.events().iter().map(|e| e.name.clone()).collect();
    assert_eq!(names, ["/api/v1/x", "/abs?q=1"]);
}

#[tokio::test]
async fn missing_host_is_a_failure_with_a_clear_text() {
    let rec = Recorded::new(None);
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(r.status(), 0);
    let err = r.error().unwrap();
    assert!(
        err.starts_with("MissingSchema(") && err.contains("--host"),
        "{err}"
    );
    let e = rec.single();
    assert_eq!(e.name, "/x");
    assert_eq!(e.exception.as_deref(), Some(err));

    let rec = Recorded::new(Some("not a url"));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert!(
        r.error().unwrap().starts_with("InvalidURL("),
        "{:?}",
        r.error()
    );
}
