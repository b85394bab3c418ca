//! catch_response: recorded when dropped; success()/failure() decide, else
//! the status; not recorded when dropped by a panic.

mod common;

use common::{hyper_server, respond, Recorded};
use rocust_http::HttpSession;

async fn server() -> common::HyperServer {
    hyper_server(|seen| async move {
        match seen.uri.as_str() {
            "/missing" => respond(404, "not here"),
            _ => respond(200, "fine"),
        }
    })
    .await
}

#[tokio::test]
async fn success_turns_a_404_into_a_success() {
    let s = server().await;
    let rec = Recorded::new(Some(&s.url()));
    let client = HttpSession::new(&rec.ctx);
    {
        let mut r = client.get("/missing").catch_response().send().await;
        assert_eq!(r.status(), 404);
        assert!(rec.events().is_empty(), "recorded before the block ended");
        r.success();
    }
    let e = rec.single();
    assert!(e.exception.is_none());
    assert_eq!(e.name, "/missing");
    assert_eq!(e.response_length, 8);
}

#[tokio::test]
async fn failure_turns_a_200_into_a_catch_response_error() {
    let s = server().await;
    let rec = Recorded::new(Some(&s.url()));
    let client = HttpSession::new(&rec.ctx);
    {
        let mut r = client
            .get("/ok?id=1")
            .name("/ok")
            .catch_response()
            .send()
            .await;
        assert_eq!(r.text(), "fine");
        assert_eq!(r.name(), "/ok");
        r.failure("it's \"wrong\"");
    }
    let e = rec.single();
    assert_eq!(e.name, "/ok");
    assert_eq!(
        e.exception.as_deref(),
        Some("CatchResponseError('it\\'s \"wrong\"')")
    );
    // The last verdict wins, as in Locust.
    rec.clear();
    {
        let mut r = client.get("/ok").catch_response().send().await;
        r.failure("first");
        r.success();
    }
    assert!(rec.single().exception.is_none());
}

#[tokio::test]
async fn neither_lets_the_status_decide() {
    let s = server().await;
    let rec = Recorded::new(Some(&s.url()));
    let client = HttpSession::new(&rec.ctx);
    drop(client.get("/ok").catch_response().send().await);
    drop(client.get("/missing").catch_response().send().await);
    let ev = rec.events();
    assert_eq!(ev.len(), 2);
    assert!(ev[0].exception.is_none());
    assert_eq!(
        ev[1].exception.as_deref(),
        Some("HTTPError('404 Client Error: Not Found for url: /missing')")
    );
}

#[tokio::test]
async fn into_response_records_now() {
    let s = server().await;
    let rec = Recorded::new(Some(&s.url()));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/ok").catch_response().send().await;
    r.failure("nope");
    let plain = r.into_response();
    assert_eq!(plain.text(), "fine");
    assert_eq!(
        rec.single().exception.as_deref(),
        Some("CatchResponseError('nope')")
    );
}

#[tokio::test]
async fn a_panic_inside_the_block_is_not_recorded() {
    let s = server().await;
    let rec = Recorded::new(Some(&s.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/ok").catch_response().send().await;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _held = r;
        panic!("task error inside the block");
    }));
    assert!(outcome.is_err());
    assert!(rec.events().is_empty());
    // The session is still usable afterwards.
    assert!(client.get("/ok").send().await.ok());
    assert_eq!(rec.events().len(), 1);
}

#[tokio::test]
async fn connection_errors_can_be_caught_too() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    {
        let r = client.get("/x").catch_response().send().await;
        assert_eq!(r.status(), 0);
    }
    assert_eq!(
        rec.single().exception.as_deref(),
        Some("ConnectionRefusedError(111, 'Connection refused')")
    );
    rec.clear();
    {
        let mut r = client.get("/x").catch_response().send().await;
        r.success();
    }
    assert!(rec.single().exception.is_none());
}
