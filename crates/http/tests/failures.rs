//! Failures: status >= 400, and every way a server or network can misbehave,
//! each recorded once with status 0 and Locust-like error text, no panics.

mod common;

use std::time::{Duration, Instant};

use common::{canned_server, raw_server, read_request, Recorded};
use rocust_http::HttpSession;
use tokio::io::AsyncWriteExt;

fn host(addr: std::net::SocketAddr) -> String {
    format!("http://{addr}")
}

#[tokio::test]
async fn status_400_and_above_fail_with_requests_text() {
    let addr = raw_server(|mut s, _| async move {
        while let Some(req) = read_request(&mut s).await {
            let resp: &[u8] = match req.target.as_str() {
                "/teapot" => b"HTTP/1.1 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n",
                "/odd" => b"HTTP/1.1 404 Gone Fishing\r\nContent-Length: 4\r\n\r\nfish",
                "/boom" => b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\nerror",
                "/created" => b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc",
            };
            s.write_all(resp).await.unwrap();
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);

    let r = client.get("/missing?a=b").send().await;
    assert_eq!(r.status(), 404);
    assert!(!r.ok());
    assert_eq!(r.text(), "abc");
    let expect = "HTTPError('404 Client Error: Not Found for url: /missing?a=b')";
    assert_eq!(r.error(), Some(expect));
    let e = rec.single();
    assert_eq!(e.exception.as_deref(), Some(expect));
    assert_eq!(e.response_length, 3);
    assert_eq!(e.url, format!("{}/missing?a=b", host(addr)));

    rec.clear();
    let r = client.get("/missing/7").name("/missing/[id]").send().await;
    assert_eq!(
        r.error(),
        Some("HTTPError('404 Client Error: Not Found for url: /missing/[id]')")
    );
    assert_eq!(rec.single().name, "/missing/[id]");

    let r = client.get("/teapot").send().await;
    assert_eq!(
        r.error(),
        Some("HTTPError(\"418 Client Error: I'm a teapot for url: /teapot\")")
    );
    let r = client.get("/odd").send().await;
    assert_eq!(r.reason(), "Gone Fishing");
    assert_eq!(
        r.error(),
        Some("HTTPError('404 Client Error: Gone Fishing for url: /odd')")
    );
    let r = client.post("/boom").send().await;
    assert_eq!(
        r.error(),
        Some("HTTPError('500 Server Error: Internal Server Error for url: /boom')")
    );
    let r = client.post("/created").send().await;
    assert!(r.ok() && r.status() == 201);
}

#[tokio::test]
async fn connection_refused_is_status_0() {
    // Bind then drop to get a port nobody listens on.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert!(!r.ok());
    assert_eq!(
        r.error(),
        Some("ConnectionRefusedError(111, 'Connection refused')")
    );
    let e = rec.single();
    assert_eq!(e.name, "/x");
    assert_eq!(e.response_length, 0);
    assert!(e.response_time.is_some());
    assert_eq!(e.exception.as_deref(), r.error());
}

#[tokio::test]
async fn dns_failure_is_status_0() {
    // A 70-character label cannot be put in a DNS query, so the resolver
    // fails locally without sending anything.
    let host = format!("http://{}.invalid", "a".repeat(70));
    let rec = Recorded::new(Some(&host));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(r.status(), 0);
    let err = r.error().unwrap();
    assert!(err.starts_with("gaierror("), "{err}");
    assert_eq!(rec.single().exception.as_deref(), Some(err));
}

#[tokio::test]
async fn read_timeout_when_the_server_never_answers() {
    let addr = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let t0 = Instant::now();
    let r = client
        .get("/slow")
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    let took = t0.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(3));
    assert_eq!(r.status(), 0);
    let expect = format!(
        "ReadTimeout(ReadTimeoutError(\"HTTPConnectionPool(host='127.0.0.1', port={}): Read timed out. (read timeout=0.3)\"))",
        addr.port()
    );
    assert_eq!(r.error(), Some(expect.as_str()));
    let e = rec.single();
    assert!(e.response_time.unwrap() >= 300.0);

    // The session-level timeout applies too, and the session still works.
    let mut client = HttpSession::new(&rec.ctx);
    client.set_timeout(Some(Duration::from_millis(100)));
    let r = client.get("/slow").send().await;
    assert!(r.error().unwrap().starts_with("ReadTimeout("));
}

#[tokio::test]
async fn timeout_covers_a_body_that_never_ends() {
    let addr = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstart")
            .await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client
        .get("/x")
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(
        r.error().unwrap().starts_with("ReadTimeout("),
        "{:?}",
        r.error()
    );
}

#[tokio::test]
async fn reset_mid_body() {
    let addr = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            .await;
        let _ = s.write_all(&[b'x'; 1000]).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Linger 0: close sends RST instead of FIN.
        #[allow(deprecated)]
        let _ = s.set_linger(Some(Duration::ZERO));
        drop(s);
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("ChunkedEncodingError(ProtocolError(\"Connection broken: ConnectionResetError(104, 'Connection reset by peer')\", ConnectionResetError(104, 'Connection reset by peer')))")
    );
    assert_eq!(rec.single().response_length, 0);
}

#[tokio::test]
async fn body_shorter_than_content_length() {
    let addr = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            .await;
        let _ = s.write_all(&[b'x'; 1000]).await;
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(
        r.error(),
        Some("ChunkedEncodingError(ProtocolError('Connection broken: IncompleteRead(1000 bytes read, 99000 more expected)', IncompleteRead(1000 bytes read, 99000 more expected)))")
    );
}

#[tokio::test]
async fn malformed_response_and_closed_without_response() {
    let garbage = canned_server(b"garbage garbage\r\n\r\n").await;
    let rec = Recorded::new(Some(&host(garbage)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(r.status(), 0);
    let err = r.error().unwrap();
    assert!(err.starts_with("BadStatusLine("), "{err}");

    let closer = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
    })
    .await;
    let rec = Recorded::new(Some(&host(closer)));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/x").send().await;
    assert_eq!(
        r.error(),
        Some("RemoteDisconnected('Remote end closed connection without response')")
    );
    assert_eq!(rec.single().exception.as_deref(), r.error());

    let bad_header = canned_server(b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n").await;
    let rec = Recorded::new(Some(&host(bad_header)));
    let r = HttpSession::new(&rec.ctx).get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert!(r.error().is_some());

    let bad_chunked = canned_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot hex\r\n0\r\n\r\n",
    )
    .await;
    let rec = Recorded::new(Some(&host(bad_chunked)));
    let r = HttpSession::new(&rec.ctx).get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert!(
        r.error().unwrap().starts_with("ChunkedEncodingError("),
        "{:?}",
        r.error()
    );
    assert_eq!(rec.events().len(), 1);
}

#[tokio::test]
async fn bad_content_encoding_is_a_decoding_failure() {
    let addr = canned_server(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    )
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let r = HttpSession::new(&rec.ctx).get("/x").send().await;
    assert_eq!(r.status(), 0);
    assert_eq!(
        r.error(),
        Some("ContentDecodingError('Received response with content-encoding: gzip, but failed to decode it.')")
    );
}

#[tokio::test]
async fn response_time_includes_the_body() {
    let addr = raw_server(|mut s, _| async move {
        let _ = read_request(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = s.write_all(b"body").await;
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let r = HttpSession::new(&rec.ctx).get("/x").send().await;
    assert_eq!(r.text(), "body");
    assert!(r.elapsed() >= Duration::from_millis(300));
    let e = rec.single();
    let rt = e.response_time.unwrap();
    assert!((300.0..3000.0).contains(&rt), "{rt}");
}

#[tokio::test]
async fn empty_post_sends_content_length_zero() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let addr = raw_server(move |mut s, _| {
        let tx = tx.clone();
        async move {
            if let Some(req) = read_request(&mut s).await {
                let _ = tx.send(req);
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    .await;
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&host(addr)));
    let r = HttpSession::new(&rec.ctx).post("/x").send().await;
    assert!(r.ok());
    let req = rx.recv().await.unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.header("content-length"), Some("0"));
}
