//! Streamed responses (`stream=True`): done at the head, timed and recorded
//! there; the body read on demand as it arrives (chunk by chunk for a chunked
//! one), decoded or not; the connection back in the pool once the body is
//! read, closed when it is dropped before its end.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{raw_server, read_request, Recorded};
use rocust_http::HttpSession;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::sleep;

const PAUSE: Duration = Duration::from_millis(300);

/// A server that answers each request with `head`, then after PAUSE `body`
/// (on keep-alive connections), counting connections.
async fn delayed_body(head: &'static str, body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let addr = raw_server(move |mut s: TcpStream, _| {
        seen.fetch_add(1, Ordering::SeqCst);
        async move {
            while read_request(&mut s).await.is_some() {
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                sleep(PAUSE).await;
                if s.write_all(body).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn the_request_is_done_at_the_head_and_the_body_read_on_demand() {
    let (host, _) = delayed_body(
        "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
        b"0123456789",
    )
    .await;
    let rec = Recorded::new(Some(&host));
    let client = HttpSession::new(&rec.ctx);
    let started = Instant::now();
    let mut r = client.get("/slow").stream().send().await;
    assert!(started.elapsed() < PAUSE, "{:?}", started.elapsed());
    assert!(r.elapsed() < PAUSE && r.bytes().is_empty());
    let e = rec.single();
    assert_eq!((e.name.as_str(), e.response_length), ("/slow", 10));
    let time = e.response_time.unwrap();
    assert!(time < PAUSE.as_secs_f64() * 1000.0, "{time}");
    let body = r.body().unwrap().read_to_end(true).await.unwrap();
    assert_eq!(&body[..], b"0123456789");
    assert!(started.elapsed() >= PAUSE);
}

#[tokio::test]
async fn a_chunked_body_arrives_chunk_by_chunk() {
    let addr = raw_server(|mut s: TcpStream, _| async move {
        read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        for i in 0..3 {
            sleep(Duration::from_millis(150)).await;
            let event = format!("data: {i}\n\n");
            let _ = s
                .write_all(format!("{:x}\r\n{event}\r\n", event.len()).as_bytes())
                .await;
        }
        let _ = s.write_all(b"0\r\n\r\n").await;
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/events").unrecorded().stream().send().await;
    assert!(r.body().unwrap().is_chunked());
    let mut arrivals = Vec::new();
    let started = Instant::now();
    while let Some(piece) = r.chunk().await.unwrap() {
        arrivals.push((piece, started.elapsed()));
    }
    let pieces: Vec<_> = arrivals.iter().map(|(p, _)| &p[..]).collect();
    assert_eq!(
        pieces,
        [&b"data: 0\n\n"[..], b"data: 1\n\n", b"data: 2\n\n"]
    );
    for pair in arrivals.windows(2) {
        assert!(
            pair[1].1 - pair[0].1 >= Duration::from_millis(100),
            "{arrivals:?}"
        );
    }
    assert!(rec.events().is_empty());
}

#[tokio::test]
async fn reads_wait_for_what_they_want_and_keep_the_rest() {
    let (host, _) = delayed_body(
        "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nabcd",
        b"efghijkl",
    )
    .await;
    let rec = Recorded::new(Some(&host));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/").unrecorded().stream().send().await;
    let body = r.body().unwrap();
    assert!(!body.is_chunked());
    let started = Instant::now();
    // Six bytes: two of them come after the pause.
    assert_eq!(&body.read(6, 6, false, false).await.unwrap()[..], b"abcdef");
    assert!(started.elapsed() >= PAUSE - Duration::from_millis(50));
    // Up to 4 of what already arrived, without waiting.
    assert_eq!(&body.read(1, 4, true, false).await.unwrap()[..], b"ghij");
    assert_eq!(&body.read(100, 100, false, false).await.unwrap()[..], b"kl");
    assert!(body.read(1, 1, false, false).await.unwrap().is_empty());
    assert!(body.is_done());
}

#[tokio::test]
async fn a_body_read_to_its_end_gives_its_connection_back() {
    let (host, connections) =
        delayed_body("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", b"abc").await;
    let rec = Recorded::new(Some(&host));
    let client = HttpSession::new(&rec.ctx);
    for _ in 0..3 {
        let mut r = client.get("/").stream().send().await;
        assert_eq!(
            &r.body().unwrap().read_to_end(false).await.unwrap()[..],
            b"abc"
        );
    }
    let r = client.get("/plain").send().await;
    assert_eq!(r.text(), "abc");
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_endless_body_dropped_early_closes_its_connection() {
    let closed = Arc::new(AtomicUsize::new(0));
    let seen = closed.clone();
    let addr = raw_server(move |mut s: TcpStream, _| {
        let seen = seen.clone();
        async move {
            read_request(&mut s).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await;
            loop {
                if s.write_all(b"5\r\ntick\n\r\n").await.is_err() {
                    seen.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                sleep(Duration::from_millis(20)).await;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/sse").stream().send().await;
    for _ in 0..3 {
        assert_eq!(&r.chunk().await.unwrap().unwrap()[..], b"tick\n");
    }
    drop(r);
    let deadline = Instant::now() + Duration::from_secs(5);
    while closed.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the server kept writing to an open connection"
        );
        sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_streamed_body_is_decoded_as_it_arrives_or_read_as_sent() {
    use std::io::Write;
    let text: Vec<u8> = b"streamed and compressed ".repeat(200);
    let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    g.write_all(&text).unwrap();
    let gz: &'static [u8] = Box::leak(g.finish().unwrap().into_boxed_slice());
    let addr = raw_server(move |mut s: TcpStream, _| async move {
        while read_request(&mut s).await.is_some() {
            let _ = s
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
                )
                .await;
            for part in gz.chunks(50) {
                let _ = s
                    .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                    .await;
                let _ = s.write_all(part).await;
                let _ = s.write_all(b"\r\n").await;
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
        }
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/gz").stream().send().await;
    let mut decoded = Vec::new();
    while let Some(piece) = r.chunk().await.unwrap() {
        decoded.extend_from_slice(&piece);
    }
    assert_eq!(decoded, text);
    let mut r = client.get("/gz").stream().send().await;
    let raw = r.body().unwrap().read_to_end(false).await.unwrap();
    assert_eq!(&raw[..], gz);
}

#[tokio::test]
async fn failures_while_reading_read_like_requests() {
    let addr = raw_server(|mut s: TcpStream, n| async move {
        read_request(&mut s).await;
        if n == 0 {
            // Cut short.
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd")
                .await;
        } else {
            // Stalls after the head.
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
                .await;
            let mut sink = [0u8; 1];
            let _ = s.read(&mut sink).await;
        }
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/short").stream().send().await;
    let e = r.body().unwrap().read_to_end(true).await.unwrap_err();
    assert_eq!(
        e.text(),
        "ChunkedEncodingError(ProtocolError('Connection broken: IncompleteRead(4 bytes read, 6 more expected)', IncompleteRead(4 bytes read, 6 more expected)))"
    );
    let mut r = client
        .get("/stall")
        .timeout(Duration::from_millis(200))
        .stream()
        .send()
        .await;
    assert!(r.ok(), "{:?}", r.error());
    let e = r.chunk().await.unwrap_err();
    assert_eq!(
        e.text(),
        format!(
            "ConnectionError(ReadTimeoutError(\"HTTPConnectionPool(host='127.0.0.1', port={}): Read timed out.\"))",
            addr.port()
        )
    );
}

#[tokio::test]
async fn redirects_are_followed_and_only_the_final_body_streams() {
    let addr = raw_server(|mut s: TcpStream, _| async move {
        while let Some(req) = read_request(&mut s).await {
            let out: &[u8] = if req.target == "/from" {
                b"HTTP/1.1 302 Found\r\nLocation: /to\r\nContent-Length: 5\r\n\r\nmoved"
            } else {
                b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhere"
            };
            if s.write_all(out).await.is_err() {
                return;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let client = HttpSession::new(&rec.ctx);
    let mut r = client.get("/from").stream().send().await;
    assert_eq!(r.history().len(), 1);
    assert!(r.url().ends_with("/to"));
    assert_eq!(&r.chunk().await.unwrap().unwrap()[..], b"here");
    assert_eq!(rec.single().name, "/from");
}
