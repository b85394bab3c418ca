//! Content-Encoding decoding and large bodies; the recorded length is the
//! decoded length, like len(response.content).

mod common;

use std::io::Write;

use common::{hyper_server, respond_with, Recorded};
use rocust_http::HttpSession;

const TEXT: &str = "hello brotli! ";

/// "hello brotli! " * 40, compressed with Python's brotli module.
const BROTLI: &[u8] = &[
    27, 47, 2, 248, 29, 9, 54, 78, 114, 251, 198, 194, 107, 177, 50, 52, 57, 13, 18, 194, 70, 39,
    217, 210, 222, 130, 193, 120, 0, 238, 204, 240, 75, 0,
];

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[tokio::test]
async fn gzip_deflate_and_br_are_decoded() {
    let plain = TEXT.repeat(40);
    let server = hyper_server(move |seen| {
        let plain = TEXT.repeat(40);
        async move {
            assert_eq!(
                seen.headers.get("accept-encoding").unwrap(),
                "gzip, deflate, br"
            );
            match seen.uri.as_str() {
                "/gzip" => {
                    respond_with(200, &[("content-encoding", "gzip")], gzip(plain.as_bytes()))
                }
                "/deflate" => respond_with(
                    200,
                    &[("content-encoding", "deflate")],
                    zlib(plain.as_bytes()),
                ),
                "/br" => respond_with(200, &[("content-encoding", "br")], BROTLI),
                _ => respond_with(200, &[], plain),
            }
        }
    })
    .await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    for path in ["/gzip", "/deflate", "/br", "/plain"] {
        let r = client.get(path).send().await;
        assert!(r.ok(), "{path}: {:?}", r.error());
        assert_eq!(r.text(), plain, "{path}");
    }
    for e in rec.events() {
        assert_eq!(e.response_length, plain.len() as u64, "{}", e.name);
        assert!(e.exception.is_none());
    }
}

#[tokio::test]
async fn ten_megabyte_body() {
    const SIZE: usize = 10 * 1024 * 1024;
    let server = hyper_server(|_| async move {
        let body: Vec<u8> = (0..SIZE).map(|i| (i % 251) as u8).collect();
        respond_with(200, &[], body)
    })
    .await;
    let rec = Recorded::new(Some(&server.url()));
    let client = HttpSession::new(&rec.ctx);
    let r = client.get("/big").send().await;
    assert!(r.ok(), "{:?}", r.error());
    assert_eq!(r.bytes().len(), SIZE);
    assert!(r
        .bytes()
        .iter()
        .enumerate()
        .all(|(i, &b)| b == (i % 251) as u8));
    assert_eq!(rec.single().response_length, SIZE as u64);
    // The connection is reusable after a large body.
    assert!(client.get("/big").send().await.ok());
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn chunked_body_is_assembled() {
    let addr = common::raw_server(|mut s, _| async move {
        use tokio::io::AsyncWriteExt;
        if common::read_request(&mut s).await.is_some() {
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
                .await;
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let _ = s.write_all(b"6\r\n world\r\n0\r\n\r\n").await;
        }
    })
    .await;
    let rec = Recorded::new(Some(&format!("http://{addr}")));
    let r = HttpSession::new(&rec.ctx).get("/c").send().await;
    assert_eq!(r.text(), "hello world");
    assert_eq!(rec.single().response_length, 11);
}
