//! Redirects like requests: on/off, 301/302/303/307/308, POST -> GET,
//! cookies across hops, naming by the first request, 30 hops at most.

mod common;

use common::{hyper_server, respond, respond_with, Recorded};
use rocust_http::HttpSession;

async fn redirect_server() -> common::HyperServer {
    hyper_server(|seen| async move {
        let path = seen.uri.split('?').next().unwrap().to_owned();
        let cookie = seen
            .headers
            .get("cookie")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let ct = seen
            .headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let echo = format!(
            "{} {} body={} ct={} cookie={}",
            seen.method,
            seen.uri,
            String::from_utf8_lossy(&seen.body),
            ct,
            cookie
        );
        if let Some(code) = path.strip_prefix("/r/") {
            let code: u16 = code.parse().unwrap();
            return respond_with(code, &[("location", "/final?from=r")], "moved");
        }
        if let Some(n) = path.strip_prefix("/loop/") {
            let n: u32 = n.parse().unwrap();
            let loc = if n == 0 {
                "/final".to_owned()
            } else {
                format!("/loop/{}", n - 1)
            };
            return respond_with(302, &[("location", &loc)], "");
        }
        match path.as_str() {
            "/setcookie" => respond_with(
                302,
                &[("location", "/final"), ("set-cookie", "hop=1; Path=/")],
                "",
            ),
            "/forever" => respond_with(302, &[("location", "/forever")], ""),
            "/nolocation" => respond(302, "no location"),
            "/to-missing" => respond_with(301, &[("location", "/missing")], ""),
            "/missing" => respond(404, "nope"),
            _ => respond(200, echo),
        }
    })
    .await
}

#[tokio::test]
async fn redirects_are_followed_and_named_by_the_first_request() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for code in [301, 302, 303, 307, 308] {
        rec.clear();
        let r = client.get(format!("/r/{code}?x=1")).send().await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.text(), "GET /final?from=r body= ct= cookie=");
        assert_eq!(r.url(), format!("{}/final?from=r", server.url()));
        assert_eq!(r.history().len(), 1);
        assert_eq!(r.history()[0].status, code);
        assert_eq!(r.history()[0].url, format!("{}/r/{code}?x=1", server.url()));
        let e = rec.single();
        assert_eq!(e.name, format!("/r/{code}?x=1"));
        assert_eq!(e.url, format!("{}/r/{code}?x=1", server.url()));
        assert_eq!(e.response_length, r.bytes().len() as u64);
        assert!(e.exception.is_none());
    }
}

#[tokio::test]
async fn post_becomes_get_except_307_and_308() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for (code, expect) in [
        (301, "GET /final?from=r body= ct= cookie="),
        (302, "GET /final?from=r body= ct= cookie="),
        (303, "GET /final?from=r body= ct= cookie="),
        (
            307,
            "POST /final?from=r body=a=1 ct=application/x-www-form-urlencoded cookie=",
        ),
        (
            308,
            "POST /final?from=r body=a=1 ct=application/x-www-form-urlencoded cookie=",
        ),
    ] {
        let r = client
            .post(format!("/r/{code}"))
            .form(&[("a", "1")])
            .send()
            .await;
        assert_eq!(r.text(), expect, "status {code}");
    }
    // 303 turns PUT into GET too; 301 keeps PUT but, like requests, drops
    // the body.
    let r = client.put("/r/303").body("x").send().await;
    assert!(r.text().starts_with("GET /final"));
    let r = client.put("/r/301").body("x").send().await;
    assert_eq!(r.text(), "PUT /final?from=r body= ct= cookie=");
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
    assert_eq!(rec.events()[0].request_type, "POST");
}

#[tokio::test]
async fn redirects_off_returns_the_redirect() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let mut client = HttpSession::new(&rec.ctx);
    let r = client.get("/r/302").allow_redirects(false).send().await;
    assert_eq!(r.status(), 302);
    assert!(r.ok());
    assert_eq!(r.header("location"), Some("/final?from=r"));
    assert_eq!(r.text(), "moved");
    assert!(r.history().is_empty());
    assert!(rec.single().exception.is_none());

    client.set_allow_redirects(false);
    assert_eq!(client.get("/r/301").send().await.status(), 301);
    assert_eq!(
        client
            .get("/r/301")
            .allow_redirects(true)
            .send()
            .await
            .status(),
        200
    );
    // HEAD does not follow by default, like Locust.
    let client = HttpSession::new(&rec.ctx);
    assert_eq!(client.head("/r/302").send().await.status(), 302);
    assert_eq!(
        client
            .head("/r/302")
            .allow_redirects(true)
            .send()
            .await
            .status(),
        200
    );
    // A 3xx without Location is just a response.
    assert_eq!(client.get("/nolocation").send().await.status(), 302);
}

#[tokio::test]
async fn cookies_set_on_a_redirect_are_sent_to_the_next_hop() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/setcookie").send().await;
    assert_eq!(r.text(), "GET /final body= ct= cookie=hop=1");
}

#[tokio::test]
async fn thirty_hops_at_most() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/loop/29").send().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.history().len(), 30);
    rec.clear();
    let r = client.get("/forever").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("TooManyRedirects('Exceeded 30 redirects.')")
    );
    let e = rec.single();
    assert_eq!(e.name, "/forever");
    assert_eq!(e.exception.as_deref(), r.error());
}

#[tokio::test]
async fn a_redirect_to_a_404_fails_under_the_first_name() {
    let server = redirect_server().await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/to-missing").send().await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.error(),
        Some("HTTPError('404 Client Error: Not Found for url: /to-missing')")
    );
    assert_eq!(rec.single().name, "/to-missing");
}
