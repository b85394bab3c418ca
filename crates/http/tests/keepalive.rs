//! Keep-alive: which sockets are reused between requests and which are not,
//! back to back and after pauses, with servers that close, ask to close or
//! send bytes nobody asked for.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{hyper_server, raw_server, read_request, respond, respond_with, Recorded};
use rocust_http::HttpSession;
use tokio::io::AsyncWriteExt;

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

fn host(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}")
}

/// A pause long enough for the runtime to see what happened to idle sockets.
const PAUSE: Duration = Duration::from_millis(70);

#[tokio::test]
async fn one_socket_serves_many_requests_back_to_back_and_after_pauses() {
    let server = hyper_server(|seen| async move { respond(200, seen.uri) }).await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for i in 0..100 {
        let r = client.get(format!("/a/{i}")).send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, format!("/a/{i}").as_str())
        );
    }
    for i in 0..5 {
        tokio::time::sleep(PAUSE).await;
        let r = client.post(format!("/b/{i}")).body("x").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, format!("/b/{i}").as_str())
        );
        let r = client.head("/h").send().await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(server.connections(), 1);
    assert_eq!(rec.events().len(), 110);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn connection_close_from_the_server_is_honoured() {
    // hyper closes after answering with Connection: close.
    let server =
        hyper_server(|_| async { respond_with(200, &[("connection", "close")], "ok") }).await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..5 {
        assert_eq!(client.get("/").send().await.status(), 200);
    }
    assert_eq!(server.connections(), 5);

    // A server that says close but keeps the socket open: still not reused.
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    let addr = raw_server(move |mut s, _| {
        let seen = seen.clone();
        async move {
            while read_request(&mut s).await.is_some() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = s
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
                    )
                    .await;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for pause in [None, Some(PAUSE), None] {
        if let Some(p) = pause {
            tokio::time::sleep(p).await;
        }
        let r = client.get("/").send().await;
        assert_eq!(r.status(), 200, "{:?}", r.error());
    }
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn requests_asking_to_close_do_not_reuse_the_socket() {
    let server = hyper_server(|_| async { respond(200, "ok") }).await;
    let rec = Recorded::new(Some(&server.url()));
    let mut client = HttpSession::new(&rec.ctx);
    client.set_header("Connection", "close").unwrap();
    for _ in 0..3 {
        assert_eq!(client.get("/").send().await.status(), 200);
    }
    assert_eq!(server.connections(), 3);
}

/// Answers one request per connection, then closes it after `linger`.
async fn one_answer_per_connection(linger: Duration) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let addr = raw_server(move |mut s, _| {
        let seen = seen.clone();
        async move {
            if read_request(&mut s).await.is_some() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = s.write_all(OK).await;
            }
            tokio::time::sleep(linger).await;
        }
    })
    .await;
    (addr, count)
}

#[tokio::test]
async fn a_socket_closed_while_idle_is_replaced_for_any_method() {
    // Closed right after answering: noticed on reuse, after short and long
    // pauses, for POST too since the request was never written.
    let (addr, count) = one_answer_per_connection(Duration::ZERO).await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for pause in [
        Duration::from_millis(20),
        PAUSE,
        Duration::from_millis(20),
        PAUSE,
    ] {
        let r = client.post("/").body("data").send().await;
        assert_eq!(r.status(), 200, "{:?}", r.error());
        tokio::time::sleep(pause).await;
    }
    let r = client.delete("/").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(count.load(Ordering::SeqCst), 5);
    assert!(
        rec.events().iter().all(|e| e.exception.is_none()),
        "{:?}",
        rec.events()
    );
}

#[tokio::test]
async fn stray_bytes_after_a_response_retire_the_socket() {
    // Same write: the byte arrives right behind the response.
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let addr = raw_server(move |mut s, _| {
        let seen = seen.clone();
        async move {
            while read_request(&mut s).await.is_some() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokX")
                    .await;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for pause in [None, None, Some(PAUSE), None] {
        if let Some(p) = pause {
            tokio::time::sleep(p).await;
        }
        let r = client.get("/").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, "ok"),
            "{:?}",
            r.error()
        );
    }
    assert_eq!(count.load(Ordering::SeqCst), 4);

    // Later: the byte arrives while the socket is idle in the pool.
    let count = Arc::new(AtomicUsize::new(0));
    let conns = Arc::new(AtomicUsize::new(0));
    let (seen, opened) = (count.clone(), conns.clone());
    let addr = raw_server(move |mut s, _| {
        let (seen, opened) = (seen.clone(), opened.clone());
        async move {
            opened.fetch_add(1, Ordering::SeqCst);
            while read_request(&mut s).await.is_some() {
                seen.fetch_add(1, Ordering::SeqCst);
                let _ = s.write_all(OK).await;
                tokio::time::sleep(Duration::from_millis(5)).await;
                let _ = s.write_all(b"X").await;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for pause in [Duration::from_millis(30), PAUSE, Duration::from_millis(30)] {
        let r = client.post("/").body("once").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, "ok"),
            "{:?}",
            r.error()
        );
        tokio::time::sleep(pause).await;
    }
    let r = client.get("/").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(count.load(Ordering::SeqCst), 4);
    assert_eq!(conns.load(Ordering::SeqCst), 4);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test(flavor = "current_thread")]
async fn many_requests_waiting_at_once_on_one_thread() {
    // Many requests in flight on one thread, each waiting with no buffer of
    // its own. Every answer still arrives whole,
    // and the sockets are reused afterwards.
    let server = hyper_server(|seen| async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        respond(200, seen.uri)
    })
    .await;
    let rec = Recorded::new(Some(&server.url()));
    let users: Vec<HttpSession> = (0..400).map(|_| HttpSession::new(&rec.ctx)).collect();
    let round = |tag: &'static str| {
        let users = &users;
        async move {
            let all = users.iter().enumerate().map(|(i, c)| async move {
                let r = if i % 3 == 0 {
                    c.head(format!("/{tag}/{i}")).send().await
                } else {
                    c.get(format!("/{tag}/{i}")).send().await
                };
                (i, r)
            });
            for (i, r) in futures_join_all(all).await {
                assert_eq!(r.status(), 200, "{:?}", r.error());
                if i % 3 != 0 {
                    assert_eq!(r.text(), format!("/{tag}/{i}"));
                } else {
                    assert!(r.bytes().is_empty());
                }
            }
        }
    };
    round("first").await;
    round("again").await;
    assert_eq!(server.connections(), 400);
    assert_eq!(rec.events().len(), 800);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn every_idle_socket_closed_meanwhile_is_passed_over() {
    // The server drops connections idle for 20 ms. Three requests at once
    // leave three idle sockets; all are closed when the next request comes,
    // which then goes out on a new one, whatever its method.
    let conns = Arc::new(AtomicUsize::new(0));
    let opened = conns.clone();
    let addr = raw_server(move |mut s, _| {
        let opened = opened.clone();
        async move {
            opened.fetch_add(1, Ordering::SeqCst);
            loop {
                let next = tokio::time::timeout(Duration::from_millis(20), read_request(&mut s));
                match next.await {
                    Ok(Some(_)) => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        if s.write_all(OK).await.is_err() {
                            return;
                        }
                    }
                    _ => return,
                }
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let all = (0..3).map(|_| client.get("/").send());
    for r in futures_join_all(all).await {
        assert_eq!(r.status(), 200, "{:?}", r.error());
    }
    assert_eq!(conns.load(Ordering::SeqCst), 3);
    tokio::time::sleep(PAUSE).await;
    let r = client.post("/").body("x").send().await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    assert_eq!(conns.load(Ordering::SeqCst), 4);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

/// Polls every future on this task until all are done (no extra crates).
async fn futures_join_all<F: std::future::Future>(futs: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut futs: Vec<_> = futs.map(|f| Some(Box::pin(f))).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, done) in futs.iter_mut().zip(out.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *done = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
