//! Starts the real binary on a free loopback port and speaks raw HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_rocust-demo-target");
const TIMEOUT: Duration = Duration::from_secs(10);

/// A running demo target; killed on drop so a failing test never leaks it.
struct Target {
    child: Child,
    addr: String,
}

impl Target {
    fn start(extra: &[&str]) -> Target {
        let mut child = Command::new(BIN)
            .args(["--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn demo target");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(TIMEOUT)
            .expect("no 'listening on' line within 10 s");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Target { child, addr }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).expect("connect");
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        s
    }

    fn request(&self, raw: &str) -> Response {
        let mut s = self.connect();
        s.write_all(raw.as_bytes()).unwrap();
        read_response(&mut s)
    }

    fn get(&self, path: &str) -> Response {
        self.request(&format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.addr
        ))
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("run kill")
            .success();
        assert!(ok, "kill {sig} failed");
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "target did not exit within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads exactly one response (head + Content-Length body), leaving the connection usable.
fn read_response(s: &mut TcpStream) -> Response {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).expect("read response head");
        assert!(
            n == 1,
            "connection closed mid-head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).expect("read body");
    Response {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

#[test]
fn fast_is_exactly_hello_world_with_keep_alive() {
    let t = Target::start(&[]);
    let mut s = t.connect();
    for _ in 0..3 {
        s.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let r = read_response(&mut s);
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "Hello World!");
        assert_eq!(r.header("content-length"), Some("12"));
    }
    // Pipelined requests on the same connection are answered in order.
    s.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut s).body, "Hello World!");
    assert!(read_response(&mut s).body.starts_with('{'));
}

#[test]
fn index_about_json_fail_redirect() {
    let t = Target::start(&[]);
    let r = t.get("/");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("<html>"));

    let r = t.get("/about/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("not logged in"), "{}", r.body);

    let r = t.get("/json");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.body,
        r#"{"greeting":"Hello World!","items":[1,2,3],"ok":true}"#
    );

    assert_eq!(t.get("/fail").status, 500);

    let r = t.get("/redirect");
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/about/"));

    assert_eq!(t.get("/missing").status, 404);
    let r = t.request("POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

#[test]
fn login_sets_session_cookie_and_about_says_hello() {
    let t = Target::start(&[]);
    let form = "username=ellen_key&password=education";
    let r = t.request(&format!(
        "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{form}",
        form.len()
    ));
    assert_eq!(r.status, 200);
    let cookie = r.header("set-cookie").expect("Set-Cookie");
    assert!(cookie.starts_with("session="), "{cookie}");
    let pair = cookie.split(';').next().unwrap();

    let r = t.request(&format!(
        "GET /about/ HTTP/1.1\r\nHost: x\r\nCookie: {pair}\r\n\r\n"
    ));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Hello, ellen_key!"), "{}", r.body);

    let r = t.request("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\npassword=x");
    assert_eq!(r.status, 400);
}

#[test]
fn slow_waits_and_validates() {
    let t = Target::start(&[]);
    let started = Instant::now();
    let r = t.get("/slow?ms=200");
    let took = started.elapsed();
    assert_eq!(r.status, 200);
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(3),
        "{took:?}"
    );

    let started = Instant::now();
    assert_eq!(t.get("/slow").status, 200);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(3),
        "{took:?}"
    );

    assert_eq!(t.get("/slow?ms=soon").status, 400);
}

#[test]
fn status_codes() {
    let t = Target::start(&[]);
    for code in [200, 201, 204, 301, 404, 418, 503, 599] {
        let r = t.get(&format!("/status/{code}"));
        assert_eq!(r.status, code);
    }
    assert_eq!(t.get("/status/204").body, "");
    assert_eq!(t.get("/status/100").status, 400);
    assert_eq!(t.get("/status/abc").status, 400);
}

#[test]
fn echo_reports_the_request() {
    let t = Target::start(&[]);
    let r = t.request(
        "PUT /echo?a=1&b=two HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\nX-Test: again\r\n\
         Content-Length: 5\r\n\r\nhello",
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    for part in [
        r#""method":"PUT""#,
        r#""path":"/echo""#,
        r#""query":"a=1&b=two""#,
        r#""x-test":"yes, again""#,
        r#""body":"hello""#,
    ] {
        assert!(r.body.contains(part), "{part} missing in {}", r.body);
    }
}

#[test]
fn bad_requests_do_not_hurt_the_server() {
    let t = Target::start(&[]);
    let mut s = t.connect();
    s.write_all(b"NOT HTTP AT ALL\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );

    let mut s = t.connect();
    s.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        .unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    assert!(
        buf.is_empty() || buf.starts_with(b"HTTP/1.1 400"),
        "{buf:?}"
    );

    // Half a request then a hang-up.
    let mut s = t.connect();
    s.write_all(b"POST /login HTTP/1.1\r\nContent-Length: 100\r\n\r\nuser")
        .unwrap();
    drop(s);

    assert_eq!(t.get("/fast").body, "Hello World!");
}

#[test]
fn several_threads_work() {
    let t = Target::start(&["--threads", "2"]);
    assert_eq!(t.get("/fast").body, "Hello World!");
}

#[test]
fn refuses_non_loopback_hosts() {
    for host in ["0.0.0.0", "192.0.2.1", "::"] {
        let out = Command::new(BIN)
            .args(["--host", host, "--port", "0"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{host}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("loopback"), "{host}: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn exits_cleanly_on_sigterm_and_sigint() {
    for sig in ["-TERM", "-INT"] {
        let mut t = Target::start(&[]);
        // An idle keep-alive connection must not hold the exit up.
        let mut idle = t.connect();
        idle.write_all(b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        read_response(&mut idle);
        t.signal(sig);
        let status = t.wait_exit();
        assert!(status.success(), "{sig}: {status:?}");
    }
}

/// GET /ws through tokio-tungstenite's client: the echo the WebSocket
/// example and benchmark use, and the failures tests ask it for.
mod websocket {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::{Bytes, Error, Message};

    type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    async fn handshake(addr: &str, path: &str, protocols: Option<&str>) -> Result<Ws, Error> {
        let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
        if let Some(p) = protocols {
            req.headers_mut()
                .insert("sec-websocket-protocol", p.parse().unwrap());
        }
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (ws, response) = tokio_tungstenite::client_async(req, tcp).await?;
        let chosen = response.headers().get("sec-websocket-protocol");
        assert_eq!(
            chosen.map(|v| v.to_str().unwrap()),
            protocols.filter(|p| p.contains("echo")).map(|_| "echo")
        );
        Ok(ws)
    }

    async fn next(ws: &mut Ws) -> Message {
        tokio::time::timeout(TIMEOUT, ws.next())
            .await
            .expect("an answer within 10 s")
            .expect("a message")
            .expect("no error")
    }

    #[test]
    fn echoes_text_and_binary_and_answers_pings() {
        let t = Target::start(&[]);
        block_on(async {
            let mut ws = handshake(&t.addr, "/ws", Some("chat, echo")).await.unwrap();
            ws.send(Message::text("hello")).await.unwrap();
            assert_eq!(next(&mut ws).await, Message::text("hello"));
            ws.send(Message::binary(vec![0u8, 1, 255])).await.unwrap();
            assert_eq!(next(&mut ws).await, Message::binary(vec![0u8, 1, 255]));
            ws.send(Message::Ping(Bytes::from_static(b"p")))
                .await
                .unwrap();
            assert_eq!(next(&mut ws).await, Message::Pong(Bytes::from_static(b"p")));
            ws.close(None).await.unwrap();
        });
        // The HTTP side goes on as before.
        assert_eq!(t.get("/fast").status, 200);
    }

    #[test]
    fn subprotocol_echo_only_and_strict_refuses_without_it() {
        let t = Target::start(&[]);
        block_on(async {
            // Offered something else: no subprotocol chosen, which the client rejects.
            let e = handshake(&t.addr, "/ws", Some("chat")).await.err().unwrap();
            assert!(e.to_string().contains("subprotocol"), "{e}");
            // No offer at all is fine...
            handshake(&t.addr, "/ws", None).await.unwrap();
            // ...unless strict.
            match handshake(&t.addr, "/ws?strict", None).await {
                Err(Error::Http(r)) => assert_eq!(r.status(), 400),
                other => panic!("expected 400, got {other:?}"),
            }
            handshake(&t.addr, "/ws?strict", Some("echo"))
                .await
                .unwrap();
        });
    }

    #[test]
    fn close_after_ends_the_connection_from_the_server() {
        let t = Target::start(&[]);
        block_on(async {
            let mut ws = handshake(&t.addr, "/ws?close_after=2", None).await.unwrap();
            for text in ["a", "b"] {
                ws.send(Message::text(text)).await.unwrap();
                assert_eq!(next(&mut ws).await, Message::text(text));
            }
            match next(&mut ws).await {
                Message::Close(Some(frame)) => {
                    assert_eq!(u16::from(frame.code), 1000);
                    assert_eq!(frame.reason.as_str(), "close_after");
                }
                other => panic!("expected a close frame, got {other:?}"),
            }
        });
    }

    #[test]
    fn a_plain_get_is_told_to_upgrade() {
        let t = Target::start(&[]);
        let r = t.get("/ws");
        assert_eq!(r.status, 426);
        assert_eq!(r.header("upgrade"), Some("websocket"));
        assert_eq!(t.get("/ws?close_after=x").status, 400);
    }
}
