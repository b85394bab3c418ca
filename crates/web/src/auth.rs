//! `--web-login` without code: one user name and password, read from the
//! environment or a file (never only from the command line, where `ps`
//! shows it to everyone).
//!
//! Browsers log in on a page and get a session cookie; scripts send HTTP
//! Basic. API calls without credentials get a 401 JSON answer (Locust
//! redirects them to its login page, which a script cannot follow). Wrong
//! passwords are compared in constant time and rate-limited per client.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};

/// Where the credentials come from: `ROCUST_WEB_LOGIN=user:password`, or
/// `ROCUST_WEB_LOGIN_FILE=path` to a file whose first line is `user:password`.
pub const LOGIN_VAR: &str = "ROCUST_WEB_LOGIN";
pub const LOGIN_FILE_VAR: &str = "ROCUST_WEB_LOGIN_FILE";

const COOKIE: &str = "rocust_session";
const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Failed logins allowed per client per window before it must wait.
const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);
/// Sessions kept at most (oldest dropped first).
const MAX_SESSIONS: usize = 1000;

const LOGIN_PAGE: &str = include_str!("../assets/login.html");

/// The one user who may use the web UI.
#[derive(Clone)]
pub struct Credentials {
    user: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials {{ user: {:?}, password: <hidden> }}",
            self.user
        )
    }
}

impl Credentials {
    /// `user:password` (the password may contain `:`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim_end_matches(['\r', '\n']);
        match text.split_once(':') {
            Some((user, password)) if !user.is_empty() && !password.is_empty() => Ok(Self {
                user: user.to_owned(),
                password: password.to_owned(),
            }),
            _ => Err("expected user:password, both non-empty".to_owned()),
        }
    }

    /// From [`LOGIN_VAR`] or [`LOGIN_FILE_VAR`] (`env` reads a variable).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        if let Some(text) = env(LOGIN_VAR).filter(|t| !t.is_empty()) {
            return Self::parse(&text).map_err(|e| format!("{LOGIN_VAR}: {e}"));
        }
        if let Some(path) = env(LOGIN_FILE_VAR).filter(|t| !t.is_empty()) {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{LOGIN_FILE_VAR}={path}: {e}"))?;
            let first = text.lines().next().unwrap_or_default();
            return Self::parse(first).map_err(|e| format!("{LOGIN_FILE_VAR}={path}: {e}"));
        }
        Err(format!(
            "--web-login needs a user name and password: set {LOGIN_VAR}=user:password, or {LOGIN_FILE_VAR} to a file holding user:password"
        ))
    }

    fn matches(&self, user: &str, password: &str) -> bool {
        // Both compared whole, always, so the time says nothing about which part was wrong.
        let user_ok = same_secret(user, &self.user);
        let password_ok = same_secret(password, &self.password);
        user_ok & password_ok
    }
}

/// Constant-time comparison of the two texts' SHA-256 digests (equal
/// lengths, so nothing leaks through the length either).
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sessions, failed attempts and the cookie's settings.
pub(crate) struct Login {
    credentials: Credentials,
    sessions: Mutex<HashMap<String, Instant>>,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
    /// The cookie's `Path`: the base path, so two UIs on one host do not mix.
    cookie_path: String,
    secure: bool,
}

impl Login {
    pub(crate) fn new(credentials: Credentials, base_path: &str, secure: bool) -> Self {
        Self {
            credentials,
            sessions: Mutex::new(HashMap::new()),
            failures: Mutex::new(HashMap::new()),
            cookie_path: format!("{}/", base_path.trim_end_matches('/')),
            secure,
        }
    }

    fn new_session(&self) -> String {
        let bytes: [u8; 32] = rand::random();
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        let mut sessions = lock(&self.sessions);
        let now = Instant::now();
        sessions.retain(|_, started| now.duration_since(*started) < SESSION_LIFETIME);
        if sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, t)| **t)
                .map(|(k, _)| k.clone())
            {
                sessions.remove(&oldest);
            }
        }
        sessions.insert(id.clone(), now);
        id
    }

    fn has_session(&self, headers: &HeaderMap) -> bool {
        let Some(id) = cookie(headers, COOKIE) else {
            return false;
        };
        let sessions = lock(&self.sessions);
        // A forged id finds nothing; a real one is compared by the map's hash.
        sessions
            .get(id)
            .is_some_and(|started| started.elapsed() < SESSION_LIFETIME)
    }

    fn end_session(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            lock(&self.sessions).remove(id);
        }
    }

    fn basic_auth_ok(&self, headers: &HeaderMap) -> Option<bool> {
        let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        let encoded = value.strip_prefix("Basic ")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok());
        let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return Some(false);
        };
        Some(self.credentials.matches(user, password))
    }

    /// `Some(wait)` when this client failed too often lately.
    fn locked_out(&self, client: IpAddr) -> Option<Duration> {
        let failures = lock(&self.failures);
        let (count, since) = failures.get(&client)?;
        let elapsed = since.elapsed();
        (*count >= MAX_FAILURES && elapsed < FAILURE_WINDOW).then(|| FAILURE_WINDOW - elapsed)
    }

    fn record_failure(&self, client: IpAddr) {
        let mut failures = lock(&self.failures);
        if failures.len() > 10_000 {
            failures.retain(|_, (_, since)| since.elapsed() < FAILURE_WINDOW);
        }
        let entry = failures.entry(client).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= FAILURE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn clear_failures(&self, client: IpAddr) {
        lock(&self.failures).remove(&client);
    }

    fn session_cookie(&self, id: &str) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{COOKIE}={id}; Path={}; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.cookie_path,
            SESSION_LIFETIME.as_secs()
        )
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn too_many(wait: Duration) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, wait.as_secs().max(1).to_string())],
        Json(json!({"success": false, "message": "Too many failed logins; try again later"})),
    )
        .into_response()
}

fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip())
}

/// Pages a browser opens by address: without a session they go to the login page.
fn is_page(request: &Request) -> bool {
    request.method() == Method::GET && matches!(request.uri().path(), "/" | "/stats/report")
}

/// The middleware in front of every route but the login page and assets.
pub(crate) async fn require_login(
    State(login): State<Arc<Login>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    if path == "/login" || path == "/logout" || path.starts_with("/assets/") {
        return next.run(request).await;
    }
    if login.has_session(request.headers()) {
        return next.run(request).await;
    }
    let client = client_ip(&request);
    match login.basic_auth_ok(request.headers()) {
        Some(true) => {
            login.clear_failures(client);
            return next.run(request).await;
        }
        Some(false) => {
            if let Some(wait) = login.locked_out(client) {
                return too_many(wait);
            }
            login.record_failure(client);
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"success": false, "message": "Wrong user name or password"})),
            )
                .into_response();
        }
        None => {}
    }
    if is_page(&request) {
        let next_url = request
            .uri()
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        let target = format!(
            "./login?next={}",
            urlencode(next_url.trim_start_matches('/'))
        );
        // Relative, so it stays under the base path.
        let target = if request.uri().path() == "/" {
            target
        } else {
            format!(".{target}")
        };
        return Redirect::to(&target).into_response();
    }
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"success": false, "message": "Authentication required: log in on the page, or send HTTP Basic credentials"})),
    )
        .into_response()
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A `next` target that stays on this server: a relative path without a
/// scheme, host, or `..`.
fn safe_next(next: &str) -> String {
    let ok = !next.contains("//")
        && !next.contains('\\')
        && !next.contains("..")
        && !next.starts_with('/')
        && !next.contains(':');
    if ok {
        format!("./{next}")
    } else {
        "./".to_owned()
    }
}

fn page(error: Option<&str>, next: &str, user: &str) -> Response {
    let error = match error {
        Some(text) => format!("<p class=\"error\" role=\"alert\">{}</p>", escape(text)),
        None => String::new(),
    };
    let body = LOGIN_PAGE
        .replacen("{{ERROR}}", &error, 1)
        .replacen("{{USER}}", &escape(user), 1)
        .replacen("{{NEXT}}", &escape(next), 1);
    ([(header::CACHE_CONTROL, "no-store")], Html(body)).into_response()
}

/// Text for the login page, escaped for HTML; braces too, so a value can
/// never look like one of the page's `{{SLOTS}}`.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
        .replace('{', "&#123;")
}

#[derive(serde::Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
}

pub(crate) async fn login_page(
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    page(None, &q.next, "")
}

#[derive(serde::Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn login_submit(
    State(login): State<Arc<Login>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    axum::extract::Form(form): axum::extract::Form<LoginForm>,
) -> Response {
    if !crate::guard::same_origin(&headers) {
        return crate::api::cross_site();
    }
    let client = peer.ip();
    if let Some(wait) = login.locked_out(client) {
        return too_many(wait);
    }
    if !login.credentials.matches(&form.username, &form.password) {
        login.record_failure(client);
        log::warn!("Failed web UI login from {client}");
        let mut answer = page(
            Some("Wrong user name or password"),
            &form.next,
            &form.username,
        );
        *answer.status_mut() = StatusCode::UNAUTHORIZED;
        return answer;
    }
    login.clear_failures(client);
    let id = login.new_session();
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, login.session_cookie(&id)),
            (header::LOCATION, safe_next(&form.next)),
        ],
    )
        .into_response()
}

pub(crate) async fn logout(State(login): State<Arc<Login>>, headers: HeaderMap) -> Response {
    if !crate::guard::same_origin(&headers) {
        return crate::api::cross_site();
    }
    login.end_session(&headers);
    let expired = format!(
        "{COOKIE}=; Path={}; HttpOnly; SameSite=Strict; Max-Age=0",
        login.cookie_path
    );
    (
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, expired),
            (header::LOCATION, "./login".to_owned()),
        ],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_come_from_the_environment_or_a_file() {
        let c =
            Credentials::from_env(|k| (k == LOGIN_VAR).then(|| "ann:pa:ss".to_owned())).unwrap();
        assert!(c.matches("ann", "pa:ss"));
        assert!(!c.matches("ann", "pa:s"));
        assert!(!c.matches("bob", "pa:ss"));
        assert!(Credentials::from_env(|_| None)
            .unwrap_err()
            .contains("ROCUST_WEB_LOGIN=user:password"));
        assert!(Credentials::parse("nopassword").is_err());
        assert!(Credentials::parse(":x").is_err());
        let dir = std::env::temp_dir().join(format!("rocust-login-{}", std::process::id()));
        std::fs::write(&dir, "ann:secret\nignored\n").unwrap();
        let path = dir.to_string_lossy().into_owned();
        let c = Credentials::from_env(|k| (k == LOGIN_FILE_VAR).then(|| path.clone())).unwrap();
        assert!(c.matches("ann", "secret"));
        std::fs::remove_file(&dir).unwrap();
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(
            safe_next("stats/report?theme=dark"),
            "./stats/report?theme=dark"
        );
        assert_eq!(safe_next(""), "./");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/abs",
            "../up",
            "\\\\x",
        ] {
            assert_eq!(safe_next(bad), "./", "{bad}");
        }
    }

    #[test]
    fn failures_lock_a_client_out() {
        let login = Login::new(Credentials::parse("a:b").unwrap(), "", false);
        let ip = IpAddr::from([127, 0, 0, 2]);
        for _ in 0..MAX_FAILURES {
            assert!(login.locked_out(ip).is_none());
            login.record_failure(ip);
        }
        assert!(login.locked_out(ip).is_some());
        assert!(login.locked_out(IpAddr::from([127, 0, 0, 3])).is_none());
    }

    #[test]
    fn sessions_are_random_and_checked() {
        let login = Login::new(Credentials::parse("a:b").unwrap(), "/base", true);
        let id = login.new_session();
        assert_eq!(id.len(), 43);
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("x=1; {COOKIE}={id}").parse().unwrap(),
        );
        assert!(login.has_session(&headers));
        headers.insert(header::COOKIE, format!("{COOKIE}=forged").parse().unwrap());
        assert!(!login.has_session(&headers));
        let cookie = login.session_cookie(&id);
        assert!(cookie.contains("Path=/base/; HttpOnly; SameSite=Strict"));
        assert!(cookie.ends_with("; Secure"));
    }
}
