//! The web UI over real HTTP on loopback, driving a real runner with Rust
//! users: what Locust's API promises, and where rocust is stricter.
//! (The JSON keys and messages are compared with real Locust 2.47.0 by
//! python/tests/test_web_api.py.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rocust_core::env::Environment;
use rocust_core::exec::NativeBackend;
use rocust_core::runner::{LocalRunner, Runner, RunnerConfig, RunnerState};
use rocust_core::user::{RequestRecord, TaskResult, UserClass, UserContext};
use rocust_core::wait_time::constant;
use rocust_web::{Credentials, RunInfo, WebHost, WebUi, WebUiConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Worker {
    ctx: UserContext,
}

impl Worker {
    /// Records a request without any network: the web UI only reads stats.
    async fn work(&mut self) -> TaskResult {
        self.ctx.record_request(&RequestRecord {
            request_type: "GET",
            name: "/work",
            response_time: Some(Duration::from_millis(3)),
            response_length: 10,
            error: None,
            status_code: Some(200),
            start_time: 0.0,
            url: "http://127.0.0.1/work",
        });
        Ok(())
    }
}

struct Host;

impl WebHost for Host {
    fn log_lines(&self) -> Vec<String> {
        vec!["[2026-01-01 00:00:00,000] h/INFO/locust.main: hello".into()]
    }

    fn set_host(&self, _host: Option<String>) {}
}

struct Ui {
    web: WebUi,
    runner: Arc<dyn Runner>,
    env: Arc<Environment>,
    addr: SocketAddr,
}

fn config() -> WebUiConfig {
    WebUiConfig {
        web_host: None,
        web_port: 0,
        base_path: String::new(),
        tls: None,
        display_name: None,
        login: None,
        locustfile_login: false,
    }
}

async fn start(config: WebUiConfig) -> Ui {
    let env = Environment::new(Some("http://127.0.0.1:9".into()));
    let class = UserClass::new("Worker", |ctx| Worker { ctx: ctx.clone() })
        .wait_time(constant(0.01))
        .task(Worker::work);
    let backend = NativeBackend::new(env.clone(), vec![class.into()], 1).unwrap();
    let runner = LocalRunner::new(
        env.clone(),
        Arc::new(backend),
        RunnerConfig::default(),
        None,
    );
    let info = RunInfo {
        locustfile: "api.rs".into(),
        version: "2.47.0".into(),
        user_classes: runner_classes(),
        ..RunInfo::default()
    };
    let web = WebUi::start(config, runner.clone(), info, Arc::new(Host))
        .await
        .unwrap();
    let addr = web.local_addr();
    Ui {
        web,
        runner,
        env,
        addr,
    }
}

fn runner_classes() -> Vec<rocust_core::user::UserClassInfo> {
    let class = UserClass::new("Worker", |ctx| Worker { ctx: ctx.clone() }).task(Worker::work);
    vec![rocust_core::user::DynUserClass::from(class).info()]
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on its own connection.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    call(addr, "GET", path, &[], b"").await
}

async fn post_form(addr: SocketAddr, path: &str, form: &str) -> Answer {
    call(
        addr,
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    )
    .await
}

async fn wait_for(mut ok: impl FnMut() -> bool) {
    for _ in 0..500 {
        if ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_checks_every_field_before_it_changes_anything() {
    let ui = start(config()).await;
    let before = ui.env.host();
    let answer = post_form(
        ui.addr,
        "/swarm",
        "host=http://127.0.0.1:1&user_count=1&spawn_rate=1&run_time=10x",
    )
    .await;
    assert_eq!(answer.status, 200);
    let json = answer.json();
    assert_eq!(json["success"], false);
    assert_eq!(
        json["message"],
        "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."
    );
    assert_eq!(ui.env.host(), before, "a refused form changed the host");
    assert_eq!(ui.runner.state(), RunnerState::Ready);

    for (form, message) in [
        (
            "user_count=-1&spawn_rate=1",
            "Missing or invalid user_count or spawn_rate from /swarm request",
        ),
        (
            "user_count=1&spawn_rate=0",
            "Missing or invalid user_count or spawn_rate from /swarm request",
        ),
        (
            "user_count=1&spawn_rate=nan",
            "Missing or invalid user_count or spawn_rate from /swarm request",
        ),
        (
            "user_count=abc&spawn_rate=1",
            "Invalid user_count value: 'abc' (must be an integer)",
        ),
        (
            "user_count=%ZZ&spawn_rate=1",
            "Invalid user_count value: '%ZZ' (must be an integer)",
        ),
        (
            "user_count=1&spawn_rate=x",
            "Invalid spawn_rate value: 'x' (must be a number)",
        ),
    ] {
        let json = post_form(ui.addr, "/swarm", form).await.json();
        assert_eq!(json["success"], false, "{form}");
        assert_eq!(json["message"], message, "{form}");
    }
    let json = post_form(
        ui.addr,
        "/swarm",
        "user_count=99999999999999999999&spawn_rate=1",
    )
    .await
    .json();
    assert!(json["message"]
        .as_str()
        .unwrap()
        .contains("must be at most"));
    assert_eq!(ui.runner.state(), RunnerState::Ready);
    ui.web.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_edit_stop_and_reset_after_the_stop() {
    let ui = start(config()).await;
    let json = post_form(
        ui.addr,
        "/swarm",
        "user_count=3&spawn_rate=100&host=http://127.0.0.1:2",
    )
    .await
    .json();
    assert_eq!(json["success"], true);
    assert_eq!(json["message"], "Swarming started");
    assert_eq!(json["host"], "http://127.0.0.1:2");
    assert_eq!(ui.env.host().as_deref(), Some("http://127.0.0.1:2"));
    let runner = ui.runner.clone();
    wait_for(|| runner.user_count() == 3 && runner.state() == RunnerState::Running).await;
    // The same endpoint edits a running test.
    let json = post_form(ui.addr, "/swarm", "user_count=1&spawn_rate=100")
        .await
        .json();
    assert_eq!(json["success"], true);
    wait_for(|| runner.user_count() == 1).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let stats = get(ui.addr, "/stats/requests").await.json();
    assert_eq!(stats["state"], "running");
    assert_eq!(stats["user_count"], 1);
    let rows = stats["stats"].as_array().unwrap();
    assert_eq!(rows[0]["name"], "/work");
    assert_eq!(rows.last().unwrap()["name"], "Aggregated");
    assert!(rows[0]["num_requests"].as_u64().unwrap() > 0);
    assert_eq!(
        stats["status_codes"][0]["codes"]["200"],
        rows[0]["num_requests"]
    );
    let history = get(ui.addr, "/stats/history?since=0").await.json();
    assert!(!history["points"].as_array().unwrap().is_empty());
    let metrics = get(ui.addr, "/metrics").await;
    assert!(metrics
        .body
        .contains("locust_requests_total{method=\"GET\",name=\"/work\"}"));
    assert!(metrics.body.contains("locust_state{state=\"running\"} 1"));

    let json = post_form(ui.addr, "/stop", "").await.json();
    assert_eq!(
        json,
        serde_json::json!({"message": "Test stopped", "success": true})
    );
    wait_for(|| runner.state() == RunnerState::Stopped).await;
    let answer = post_form(ui.addr, "/stats/reset", "").await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    let stats = get(ui.addr, "/stats/requests").await.json();
    assert_eq!(stats["state"], "stopped");
    assert_eq!(
        stats["stats"].as_array().unwrap().last().unwrap()["num_requests"],
        0
    );
    assert!(
        get(ui.addr, "/stats/history?since=0").await.json()["points"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let csv = get(ui.addr, "/stats/requests/csv").await;
    assert_eq!(csv.header("content-type"), Some("text/csv"));
    let disposition = csv.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment;filename=Locust_"),
        "{disposition}"
    );
    assert!(
        disposition.ends_with("_api.rs_http___127.0.0.1_2_requests.csv"),
        "{disposition}"
    );
    assert!(csv.body.starts_with("Type,Name,Request Count,"));
    let logs = get(ui.addr, "/logs").await.json();
    assert_eq!(
        logs["master"][0],
        "[2026-01-01 00:00:00,000] h/INFO/locust.main: hello"
    );
    assert_eq!(logs["workers"], serde_json::json!({}));
    ui.web.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_answers() {
    let ui = start(config()).await;
    assert_eq!(get(ui.addr, "/nope").await.status, 404);
    assert_eq!(get(ui.addr, "/swarm").await.status, 405);
    assert_eq!(post_form(ui.addr, "/stats/requests", "").await.status, 405);
    let big = vec![b'a'; 70 * 1024];
    let answer = call(ui.addr, "POST", "/swarm", &[], &big).await;
    assert_eq!(answer.status, 413);
    // A POST from another web site (what a browser says) is refused; a script's is not.
    let answer = call(
        ui.addr,
        "POST",
        "/stop",
        &[("Origin", "http://evil.example")],
        b"",
    )
    .await;
    assert_eq!(answer.status, 403);
    let answer = call(
        ui.addr,
        "POST",
        "/stats/reset",
        &[("Sec-Fetch-Site", "cross-site")],
        b"",
    )
    .await;
    assert_eq!(answer.status, 403);
    assert_eq!(post_form(ui.addr, "/stop", "").await.status, 200);
    // No wildcard CORS.
    assert!(get(ui.addr, "/stats/requests")
        .await
        .header("access-control-allow-origin")
        .is_none());
    // The page carries the run's templateArgs, and nothing can close its script element.
    let page = get(ui.addr, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("window.templateArgs = {"));
    assert!(page.body.contains("\"locustfile\":\"api.rs\""));
    ui.web.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_is_an_error_and_a_base_path_redirects() {
    let ui = start(WebUiConfig {
        base_path: "/locust".into(),
        ..config()
    })
    .await;
    let answer = get(ui.addr, "/locust").await;
    assert_eq!(answer.status, 308);
    assert_eq!(answer.header("location"), Some("/locust/"));
    assert_eq!(get(ui.addr, "/locust/stats/requests").await.status, 200);
    assert_eq!(get(ui.addr, "/stats/requests").await.status, 404);
    assert_eq!(get(ui.addr, "/locustx").await.status, 404);

    let taken = WebUiConfig {
        web_port: ui.addr.port(),
        ..config()
    };
    let env = Environment::new(None);
    let backend = NativeBackend::new(env.clone(), vec![], 1).unwrap();
    let runner = LocalRunner::new(env, Arc::new(backend), RunnerConfig::default(), None);
    let Err(e) = WebUi::start(taken, runner, RunInfo::default(), Arc::new(Host)).await else {
        panic!("a second server bound the same port");
    };
    assert!(e.contains("already in use"), "{e}");
    ui.web.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_login_for_browsers_and_scripts() {
    let ui = start(WebUiConfig {
        login: Some(Credentials::parse("ann:s3cret").unwrap()),
        ..config()
    })
    .await;
    let addr = ui.addr;
    // API calls without credentials: 401 JSON (Locust: a 302 a script cannot follow).
    let answer = get(addr, "/stats/requests").await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.json()["success"], false);
    assert_eq!(
        post_form(addr, "/swarm", "user_count=1&spawn_rate=1")
            .await
            .status,
        401
    );
    // A browser opening the page goes to the login page; assets stay public.
    let answer = get(addr, "/").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), Some("./login?next="));
    assert_eq!(get(addr, "/login").await.status, 200);
    assert_eq!(get(addr, "/assets/app.css").await.status, 200);
    // Scripts: HTTP Basic ("ann:s3cret").
    let ok = call(
        addr,
        "GET",
        "/stats/requests",
        &[("Authorization", "Basic YW5uOnMzY3JldA==")],
        b"",
    )
    .await;
    assert_eq!(ok.status, 200);
    // Browsers: the login form, then the cookie.
    let answer = post_form(
        addr,
        "/login",
        "username=ann&password=s3cret&next=stats/report",
    )
    .await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("location"), Some("./stats/report"));
    let cookie = answer
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let answer = call(addr, "GET", "/stats/requests", &[("Cookie", &cookie)], b"").await;
    assert_eq!(answer.status, 200);
    let forged = call(
        addr,
        "GET",
        "/stats/requests",
        &[("Cookie", "rocust_session=AAAA")],
        b"",
    )
    .await;
    assert_eq!(forged.status, 401);
    // Logging out ends the session.
    let answer = call(addr, "POST", "/logout", &[("Cookie", &cookie)], b"").await;
    assert_eq!(answer.status, 303);
    let answer = call(addr, "GET", "/stats/requests", &[("Cookie", &cookie)], b"").await;
    assert_eq!(answer.status, 401);
    // Wrong passwords, then a lock-out for a while, the right password included.
    for _ in 0..5 {
        let answer = post_form(addr, "/login", "username=ann&password=wrong").await;
        assert_eq!(answer.status, 401);
        assert!(answer.body.contains("Wrong user name or password"));
    }
    let answer = post_form(addr, "/login", "username=ann&password=s3cret").await;
    assert_eq!(answer.status, 429);
    assert!(answer.header("retry-after").is_some());
    ui.web.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_editor_changes_a_class_for_the_next_test() {
    let ui = start(config()).await;
    let post_json = |body: &'static str| {
        call(
            ui.addr,
            "POST",
            "/user",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    };
    let answer =
        post_json(r#"{"user_class_name": "Worker", "weight": 3, "host": "http://127.0.0.1:5"}"#)
            .await;
    assert_eq!((answer.status, answer.json()), (201, serde_json::json!({})));
    let page = get(ui.addr, "/").await.body;
    assert!(
        page.contains(
            r#""Worker":{"fixed_count":0,"host":"http://127.0.0.1:5","tasks":["work"],"weight":3}"#
        ),
        "{page}"
    );
    // What the runner will dispatch from.
    let info = ui.runner.user_classes_count();
    assert!(info.contains_key("Worker"));
    for (body, status) in [
        (r#"{"user_class_name": "Nope", "weight": 1}"#, 400),
        (r#"{"user_class_name": "Worker", "weight": -1}"#, 400),
        (r#"{"user_class_name": "Worker", "tasks": "work"}"#, 400),
        (r#"["Worker"]"#, 400),
    ] {
        let answer = post_json(body).await;
        assert_eq!(answer.status, status, "{body}");
        assert_eq!(answer.json()["success"], false, "{body}");
    }
    ui.web.shutdown().await;
}

/// A self-signed certificate for 127.0.0.1 made with the openssl command
/// (scripts/install-test-deps.sh installs it).
fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let status = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the openssl command (scripts/install-test-deps.sh installs it)");
    assert!(status.success());
    (cert, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_tls_cert_and_tls_key() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};

    let dir = std::env::temp_dir().join(format!("rocust-web-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = self_signed(&dir);
    let ui = start(WebUiConfig {
        tls: Some(rocust_web::TlsFiles {
            cert: cert.clone(),
            key,
        }),
        ..config()
    })
    .await;
    assert!(
        ui.web.url().starts_with("https://127.0.0.1:"),
        "{}",
        ui.web.url()
    );

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&cert).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let tcp = tokio::net::TcpStream::connect(ui.addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"GET /stats/requests HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    let _ = tls.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("\"state\":\"ready\""), "{text}");
    // Plain HTTP to the HTTPS port gets no answer.
    let mut plain = tokio::net::TcpStream::connect(ui.addr).await.unwrap();
    plain
        .write_all(b"GET /stats/requests HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut raw = Vec::new();
    let _ = plain.read_to_end(&mut raw).await;
    assert!(!String::from_utf8_lossy(&raw).contains("\"state\""));
    ui.web.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
