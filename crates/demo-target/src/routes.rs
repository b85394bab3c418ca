//! The endpoints. Every outcome, including a bad request, is a response: nothing here panics.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::text::{form_value, hex_decode, hex_encode, html_escape, json_string};

pub type Reply = Response<Full<Bytes>>;

/// Request bodies above this are refused with 413.
pub const MAX_BODY: usize = 64 * 1024;
pub const SLOW_DEFAULT: Duration = Duration::from_millis(500);
pub const SLOW_MAX: Duration = Duration::from_secs(10);

const FAST_BODY: &[u8] = b"Hello World!";
pub(crate) const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json";

const INDEX_HTML: &str =
    "<!DOCTYPE html>\n<html><head><title>rocust demo target</title></head><body>\n\
<h1>rocust demo target</h1>\n<ul>\n\
<li><a href=\"/about/\">about</a></li>\n<li><a href=\"/login\">login</a></li>\n\
<li><a href=\"/fast\">fast</a></li>\n<li><a href=\"/slow\">slow</a></li>\n\
<li><a href=\"/json\">json</a></li>\n</ul>\n</body></html>\n";

const LOGIN_HTML: &str = "<!DOCTYPE html>\n<html><head><title>Log in</title></head><body>\n\
<form method=\"post\" action=\"/login\">\n\
<input name=\"username\"> <input name=\"password\" type=\"password\"> <button>Log in</button>\n\
</form>\n</body></html>\n";

const JSON_BODY: &str = r#"{"greeting":"Hello World!","items":[1,2,3],"ok":true}"#;

/// Routes one request. Generic over the body so tests can call it without a socket.
pub async fn handle<B>(req: Request<B>) -> Result<Reply, Infallible>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    // The benchmark's hot path: answered before any other routing work.
    if req.uri().path() == "/fast" && req.method() == Method::GET {
        return Ok(fast());
    }
    let path = req.uri().path().to_owned();
    let read_only = matches!(*req.method(), Method::GET | Method::HEAD);
    let reply = match path.as_str() {
        "/fast" if read_only => fast(),
        "/" if read_only => reply(StatusCode::OK, HTML, INDEX_HTML),
        "/login" if read_only => reply(StatusCode::OK, HTML, LOGIN_HTML),
        "/login" if req.method() == Method::POST => login(req).await,
        "/about/" | "/about" if read_only => about(&req),
        "/slow" if read_only => slow(req.uri().query()).await,
        "/fail" if read_only => reply(StatusCode::INTERNAL_SERVER_ERROR, TEXT, "failure\n"),
        "/redirect" if read_only => redirect(),
        "/json" if read_only => reply(StatusCode::OK, JSON, JSON_BODY),
        "/echo" => echo(req).await,
        "/ws" => crate::ws::upgrade(req),
        p if p.starts_with("/status/") => status(&p["/status/".len()..]),
        "/fast" | "/" | "/about/" | "/about" | "/slow" | "/fail" | "/redirect" | "/json" => {
            not_allowed("GET, HEAD")
        }
        "/login" => not_allowed("GET, HEAD, POST"),
        _ => reply(StatusCode::NOT_FOUND, TEXT, "not found\n"),
    };
    Ok(reply)
}

fn fast() -> Reply {
    let mut res = Response::new(Full::new(Bytes::from_static(FAST_BODY)));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    res
}

pub(crate) fn reply(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Reply {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

fn not_allowed(allow: &'static str) -> Reply {
    let mut res = reply(StatusCode::METHOD_NOT_ALLOWED, TEXT, "method not allowed\n");
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    res
}

fn redirect() -> Reply {
    let mut res = reply(StatusCode::FOUND, TEXT, "see /about/\n");
    res.headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static("/about/"));
    res
}

async fn read_body<B>(body: B) -> Result<Bytes, Reply>
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(reply(
            StatusCode::PAYLOAD_TOO_LARGE,
            TEXT,
            format!("request body over {MAX_BODY} bytes\n"),
        )),
        Err(e) => Err(reply(
            StatusCode::BAD_REQUEST,
            TEXT,
            format!("could not read request body: {e}\n"),
        )),
    }
}

/// Accepts any password; the session cookie carries the username (hex) so /about/ can greet it.
async fn login<B>(req: Request<B>) -> Reply
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let Ok(form) = std::str::from_utf8(&body) else {
        return reply(StatusCode::BAD_REQUEST, TEXT, "form body is not UTF-8\n");
    };
    let username = match form_value(form, "username") {
        Ok(Some(u)) if !u.is_empty() => u,
        Ok(_) => return reply(StatusCode::BAD_REQUEST, TEXT, "missing username\n"),
        Err(e) => return reply(StatusCode::BAD_REQUEST, TEXT, format!("{e}\n")),
    };
    let cookie = format!(
        "session={}; Path=/; HttpOnly",
        hex_encode(username.as_bytes())
    );
    let mut res = reply(
        StatusCode::OK,
        HTML,
        format!(
            "<!DOCTYPE html>\n<html><body><p>Logged in as {}.</p></body></html>\n",
            html_escape(&username)
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// The username from a valid `session` cookie, if any.
fn session_user<B>(req: &Request<B>) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix("session="))
        .find_map(|value| String::from_utf8(hex_decode(value)?).ok())
        .filter(|user| !user.is_empty())
}

fn about<B>(req: &Request<B>) -> Reply {
    let greeting = match session_user(req) {
        Some(user) => format!("<p>Hello, {}!</p>\n", html_escape(&user)),
        None => "<p>You are not logged in.</p>\n".to_string(),
    };
    reply(
        StatusCode::OK,
        HTML,
        format!(
            "<!DOCTYPE html>\n<html><head><title>About</title></head><body>\n\
             <h1>About</h1>\n{greeting}<p>A demo target for rocust.</p>\n</body></html>\n"
        ),
    )
}

/// The delay `/slow` waits: `?ms=N`, default 500 ms, capped at 10 s.
pub fn slow_delay(query: Option<&str>) -> Result<Duration, String> {
    let Some(raw) = form_value(query.unwrap_or(""), "ms")? else {
        return Ok(SLOW_DEFAULT);
    };
    let ms: u64 = raw
        .parse()
        .map_err(|_| format!("invalid ms '{raw}': expected milliseconds as a whole number"))?;
    Ok(Duration::from_millis(ms).min(SLOW_MAX))
}

async fn slow(query: Option<&str>) -> Reply {
    match slow_delay(query) {
        Ok(delay) => {
            tokio::time::sleep(delay).await;
            reply(
                StatusCode::OK,
                TEXT,
                format!("slept {} ms\n", delay.as_millis()),
            )
        }
        Err(e) => reply(StatusCode::BAD_REQUEST, TEXT, format!("{e}\n")),
    }
}

/// Final statuses only: 1xx would confuse the connection, so it is refused like garbage.
fn status(code: &str) -> Reply {
    let status = match code.parse::<u16>().ok().filter(|c| (200..=599).contains(c)) {
        Some(c) => StatusCode::from_u16(c).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        None => {
            return reply(
                StatusCode::BAD_REQUEST,
                TEXT,
                format!("invalid status code '{code}': expected 200..=599\n"),
            )
        }
    };
    let body = match status.as_u16() {
        204 | 205 | 304 => String::new(),
        _ => format!(
            "{} {}\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
    };
    reply(status, TEXT, body)
}

/// The request as JSON; repeated headers are joined with ", ".
async fn echo<B>(req: Request<B>) -> Reply
where
    B: Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(res) => return res,
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match headers.iter_mut().find(|(n, _)| n == name.as_str()) {
            Some((_, v)) => {
                v.push_str(", ");
                v.push_str(&value);
            }
            None => headers.push((name.as_str().to_string(), value)),
        }
    }
    let headers_json = headers
        .iter()
        .map(|(n, v)| format!("{}:{}", json_string(n), json_string(v)))
        .collect::<Vec<_>>()
        .join(",");
    let json = format!(
        "{{\"method\":{},\"path\":{},\"query\":{},\"headers\":{{{}}},\"body\":{}}}",
        json_string(parts.method.as_str()),
        json_string(parts.uri.path()),
        json_string(parts.uri.query().unwrap_or("")),
        headers_json,
        json_string(&String::from_utf8_lossy(&body)),
    );
    reply(StatusCode::OK, JSON, json)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, uri: &str, body: &str) -> Request<Full<Bytes>> {
        Request::builder()
            .method(method)
            .uri(uri)
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap()
    }

    async fn call(req: Request<Full<Bytes>>) -> (StatusCode, String) {
        let res = handle(req).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[test]
    fn slow_delay_parsing() {
        assert_eq!(slow_delay(None).unwrap(), SLOW_DEFAULT);
        assert_eq!(slow_delay(Some("x=1")).unwrap(), SLOW_DEFAULT);
        assert_eq!(
            slow_delay(Some("ms=20")).unwrap(),
            Duration::from_millis(20)
        );
        assert_eq!(slow_delay(Some("ms=999999999")).unwrap(), SLOW_MAX);
        assert!(slow_delay(Some("ms=-1")).is_err());
        assert!(slow_delay(Some("ms=abc")).is_err());
    }

    #[tokio::test]
    async fn status_bounds() {
        assert_eq!(
            call(request("GET", "/status/418", "")).await.0.as_u16(),
            418
        );
        assert_eq!(
            call(request("PUT", "/status/201", "")).await.0.as_u16(),
            201
        );
        let (s, b) = call(request("GET", "/status/204", "")).await;
        assert_eq!((s.as_u16(), b.as_str()), (204, ""));
        for bad in ["/status/101", "/status/600", "/status/x", "/status/"] {
            assert_eq!(
                call(request("GET", bad, "")).await.0,
                StatusCode::BAD_REQUEST
            );
        }
    }

    #[tokio::test]
    async fn login_sets_cookie_that_about_reads() {
        let res = handle(request("POST", "/login", "username=Tom+%26+Co&password=x"))
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let cookie = res.headers()[header::SET_COOKIE].to_str().unwrap();
        let pair = cookie.split(';').next().unwrap().to_string();
        let about = Request::builder()
            .uri("/about/")
            .header(header::COOKIE, format!("other=1; {pair}"))
            .body(Full::new(Bytes::new()))
            .unwrap();
        let (_, body) = call(about).await;
        assert!(body.contains("Hello, Tom &amp; Co!"), "{body}");
    }

    #[tokio::test]
    async fn bad_inputs_get_4xx() {
        let (s, _) = call(request("POST", "/login", "password=x")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = call(request("POST", "/login", "username=%zz")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let big = "a".repeat(MAX_BODY + 1);
        let (s, _) = call(request("POST", "/login", &big)).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        let (s, _) = call(request("GET", "/slow?ms=abc", "")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = call(request("DELETE", "/login", "")).await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        let (s, _) = call(request("GET", "/nope", "")).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn invalid_session_cookie_is_ignored() {
        let about = Request::builder()
            .uri("/about/")
            .header(header::COOKIE, "session=zz")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let (s, body) = call(about).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("not logged in"));
        let empty = Request::builder()
            .uri("/about/")
            .header(header::COOKIE, "session=")
            .body(Full::new(Bytes::new()))
            .unwrap();
        assert!(call(empty).await.1.contains("not logged in"));
    }
}
