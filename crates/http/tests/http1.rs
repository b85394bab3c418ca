//! HTTP/1.1 on the wire against raw servers: how bodies end (length,
//! chunked, close), interim answers, HTTP/1.0, heads and bodies cut into
//! pieces, headers read on demand, chunked request bodies.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{hyper_server, raw_server, read_request, respond, Recorded};
use rocust_http::HttpSession;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn host(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}")
}

/// Answers every request with `answer(path)`, counting connections; closes
/// after an answer when `close_after` is true.
async fn scripted(
    answer: fn(&str) -> Vec<u8>,
    close_after: bool,
) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let conns = Arc::new(AtomicUsize::new(0));
    let seen = conns.clone();
    let addr = raw_server(move |mut s, _| {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            while let Some(req) = read_request(&mut s).await {
                if s.write_all(&answer(&req.target)).await.is_err() || close_after {
                    return;
                }
            }
        }
    })
    .await;
    (addr, conns)
}

#[tokio::test]
async fn a_body_without_length_ends_when_the_server_closes() {
    let (addr, conns) = scripted(
        |_| b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end".to_vec(),
        true,
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..3 {
        let r = client.get("/").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, "until the end"),
            "{:?}",
            r.error()
        );
    }
    // Such a connection is never reused.
    assert_eq!(conns.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn http_1_0_answers_close_unless_kept_alive() {
    let (addr, conns) = scripted(
        |path| match path {
            "/keep" => {
                b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nkeep"
                    .to_vec()
            }
            _ => b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\none".to_vec(),
        },
        false,
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..3 {
        let r = client.get("/keep").send().await;
        assert_eq!(r.text(), "keep", "{:?}", r.error());
        assert_eq!(r.version(), rocust_http::Version::HTTP_10);
    }
    assert_eq!(conns.load(Ordering::SeqCst), 1);
    // The first goes on the kept socket; none of them is kept after.
    for _ in 0..3 {
        assert_eq!(client.get("/one").send().await.text(), "one");
    }
    assert_eq!(conns.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn interim_answers_are_skipped_and_empty_bodies_keep_the_socket() {
    let (addr, conns) = scripted(
        |path| match path {
            "/continue" => b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"
                .to_vec(),
            "/nothing" => b"HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n".to_vec(),
            "/modified" => b"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n".to_vec(),
            _ => b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n".to_vec(),
        },
        false,
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/continue").send().await;
    assert_eq!((r.status(), r.text().as_ref()), (200, "final"));
    assert!(r.header("link").is_none());
    for path in ["/nothing", "/modified"] {
        let r = client.get(path).send().await;
        assert!(r.bytes().is_empty(), "{path}: {:?}", r.error());
    }
    // HEAD: the length is announced, no body follows.
    let r = client.head("/head").send().await;
    assert_eq!((r.status(), r.bytes().len()), (200, 0));
    assert_eq!(r.header("content-length"), Some("9"));
    assert_eq!(client.get("/continue").send().await.text(), "final");
    assert_eq!(conns.load(Ordering::SeqCst), 1);
    assert!(rec.events().iter().all(|e| e.exception.is_none()));
}

#[tokio::test]
async fn answers_cut_into_small_pieces_are_put_back_together() {
    let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Big: ".to_owned()
        + &"v".repeat(20_000)
        + "\r\n\r\n";
    let body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nTrailer: t\r\n\r\n";
    let answer = Arc::new(format!("{head}{body}").into_bytes());
    let addr = raw_server(move |mut s, _| {
        let answer = answer.clone();
        async move {
            while read_request(&mut s).await.is_some() {
                for piece in answer.chunks(1500) {
                    if s.write_all(piece).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..2 {
        let r = client.get("/").send().await;
        assert_eq!(
            (r.status(), r.text().as_ref()),
            (200, "hello, world"),
            "{:?}",
            r.error()
        );
        assert_eq!(r.header("x-big").map(str::len), Some(20_000));
    }
}

#[tokio::test]
async fn too_many_headers_fail_like_http_client() {
    let (addr, _) = scripted(
        |_| {
            let mut a = b"HTTP/1.1 200 OK\r\n".to_vec();
            for i in 0..101 {
                a.extend_from_slice(format!("h{i}: v\r\n").as_bytes());
            }
            a.extend_from_slice(b"Content-Length: 0\r\n\r\n");
            a
        },
        false,
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let r = HttpSession::new(&rec.ctx).get("/").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("HTTPException('got more than 100 headers')")
    );
}

#[tokio::test]
async fn headers_are_all_there_when_asked_for() {
    let (addr, _) = scripted(
        |_| {
            b"HTTP/1.1 200 OK\r\nX-Multi: 1\r\nContent-Length: 2\r\nx-multi: 2\r\nX-Latin: caf\xe9\r\n\r\nok"
                .to_vec()
        },
        false,
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/").send().await;
    assert_eq!(r.text(), "ok");
    let multi: Vec<_> = r.headers().get_all("x-multi").iter().collect();
    assert_eq!(multi, ["1", "2"]);
    assert_eq!(r.headers()["x-latin"].as_bytes(), b"caf\xe9");
    assert_eq!(r.headers().len(), 4);
    // Unrecorded responses (the Python engine's) read them the same way.
    let r = client.get("/").unrecorded().send().await;
    assert_eq!(r.header("content-length"), Some("2"));
}

#[tokio::test]
async fn a_transfer_encoding_header_sends_the_body_chunked() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let server = hyper_server(move |s| {
        let log = log.clone();
        async move {
            let te = s
                .headers
                .get("transfer-encoding")
                .map(|v| v.to_str().unwrap().to_owned());
            log.lock()
                .unwrap()
                .push((te, s.headers.get("content-length").is_some()));
            respond(200, s.body)
        }
    })
    .await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .post("/")
        .header("Transfer-Encoding", "chunked")
        .body("streamed body")
        .send()
        .await;
    assert_eq!(r.text(), "streamed body", "{:?}", r.error());
    let big = "x".repeat(100_000);
    let r = client
        .put("/")
        .header("Transfer-Encoding", "gzip")
        .body(big.clone())
        .send()
        .await;
    assert_eq!(r.bytes().len(), big.len());
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (Some("chunked".to_owned()), false),
            (Some("gzip, chunked".to_owned()), false)
        ]
    );
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_request_head_is_written_in_one_piece_with_a_small_body() {
    // The whole request arrives in the first read: one write of head and body.
    let firsts = Arc::new(Mutex::new(Vec::new()));
    let log = firsts.clone();
    let addr = raw_server(move |mut s, _| {
        let log = log.clone();
        async move {
            let mut buf = vec![0u8; 65536];
            let n = s.read(&mut buf).await.unwrap_or(0);
            log.lock().unwrap().push(buf[..n].to_vec());
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .post("/p?q=1")
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.error());
    let first = String::from_utf8(firsts.lock().unwrap()[0].clone()).unwrap();
    assert!(first.starts_with("POST /p?q=1 HTTP/1.1\r\n"), "{first}");
    assert!(
        first.contains("\r\ncontent-type: application/json\r\n"),
        "{first}"
    );
    assert!(first.contains("\r\ncontent-length: 7\r\n"), "{first}");
    assert!(first.ends_with("\r\n\r\n{\"a\":1}"), "{first}");
}
