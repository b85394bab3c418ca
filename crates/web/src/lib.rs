//! rocust's web UI: Locust's HTTP API, the page, `/metrics` and the live
//! HTML report.
//!
//! Scripts, Kubernetes operators, autoscalers and exporters written for
//! Locust call the same paths with the same form keys and read the same JSON
//! keys and messages, so they work unchanged. Where Locust is lax, rocust is
//! strict behind the same API: `/swarm` checks every field before it changes
//! anything and answers errors as JSON, the server binds loopback unless told
//! otherwise, and POSTs from other sites are refused.
//!
//! It is a front door: it drives the same [`Runner`] the command line
//! drives and reads the merged statistics (one flush per call, the same merge
//! the console does); nothing here runs per request.
//!
//! Modules:
//! - `server`: the listener (plain or TLS), the base path, shutdown;
//! - `api`: the routes and their handlers;
//! - `downloads`: the CSV files and the HTML report;
//! - `class_editor`: `POST /user`;
//! - `swarm`: `/swarm`'s form, checked as a whole before it is applied;
//! - `stats_json`: `/stats/requests`, Locust's `to_dict` per entry;
//! - `history`: the charts' history at one-second resolution;
//! - `page`: the embedded page and its `templateArgs`;
//! - `run_timer`: the run-time limit of a started test and `--autoquit`;
//! - `guard`: cross-site protection;
//! - `auth`: `--web-login` (a page and a cookie for browsers, Basic for scripts);
//! - `locustfile_login`: `--web-login` by the locustfile's own login (Locust's way);
//! - `metrics`: Prometheus text.

mod api;
mod auth;
mod class_editor;
mod downloads;
mod guard;
mod history;
mod locustfile_login;
mod metrics;
mod page;
mod run_timer;
mod server;
mod stats_json;
mod swarm;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use rocust_core::exec::BoxFuture;
use rocust_core::runner::Runner;
use rocust_core::user::UserClassInfo;
use rocust_report::ReportSettings;

pub use auth::{Credentials, LOGIN_FILE_VAR, LOGIN_VAR};
pub use run_timer::RunTimeEnd;

/// How the server listens (Locust's web UI options).
#[derive(Clone, Debug)]
pub struct WebUiConfig {
    /// `--web-host` as given, `None` when not given: rocust then binds
    /// 127.0.0.1, where Locust binds every interface. `""` and `*` mean
    /// every interface, as in Locust.
    pub web_host: Option<String>,
    /// `-P/--web-port`.
    pub web_port: u16,
    /// `--web-base-path`: `""` or a path starting with `/`.
    pub base_path: String,
    /// `--tls-cert` and `--tls-key`: HTTPS when both are given.
    pub tls: Option<TlsFiles>,
    /// `--web-host-display-name`: shown in the log line instead of the URL.
    pub display_name: Option<String>,
    /// `--web-login`: who may use the UI.
    pub login: Option<Credentials>,
    /// `--web-login` with the locustfile's own login (Locust's Flask-Login
    /// way): [`WebHost::is_logged_in`] decides.
    pub locustfile_login: bool,
}

#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// What the page and the API say about the run (set once at start).
#[derive(Clone, Debug, Default)]
pub struct RunInfo {
    /// The locustfile's name as Locust shows it (`locustfile.py`), or the
    /// load test binary's name.
    pub locustfile: String,
    /// The Locust version whose API this matches (templateArgs' `version`).
    pub version: String,
    /// rocust's own version (templateArgs' `rocust_version`).
    pub rocust_version: String,
    /// The user classes of the run.
    pub user_classes: Vec<UserClassInfo>,
    /// The shape class's name, if the run has one.
    pub shape_class: Option<String>,
    /// Whether the shape reads `-u`, `-r` and `-t` (`use_common_options`).
    pub shape_use_common_options: bool,
    /// `-u`, `-r`, `-t` from the command line (the start form's defaults).
    pub num_users: Option<u64>,
    pub spawn_rate: Option<f64>,
    pub run_time: Option<u64>,
    pub profile: Option<String>,
    /// `--csv` with `--csv-full-history`: the history file served as
    /// `/stats/requests_full_history/csv`.
    pub stats_history_csv: Option<PathBuf>,
    /// Percentiles and intervals of the run's reports.
    pub report_settings: ReportSettings,
    /// Whether a run needs a host (every Rust user is an HTTP user).
    pub host_required: bool,
    /// `--class-picker`.
    pub class_picker: bool,
    /// The start form's custom parameters (Locust's `extra_options`).
    pub extra_options: serde_json::Map<String, serde_json::Value>,
}

/// What the web UI asks of the program around it.
pub trait WebHost: Send + Sync {
    /// The last log lines of this process, oldest first (`/logs`).
    fn log_lines(&self) -> Vec<String>;

    /// Aims the users spawned from now on at `host` (`None`: each class's
    /// own). Called only once the whole `/swarm` form has been checked.
    fn set_host(&self, host: Option<String>);

    /// Checks the start form's custom parameters (the keys that are not
    /// Locust's own) and returns what applies them, or the message for the
    /// first bad one. Keys that are not options are ignored.
    fn check_custom_options(
        &self,
        _form: Vec<(String, String)>,
    ) -> BoxFuture<'static, Result<CustomOptions, String>> {
        Box::pin(std::future::ready(Ok(CustomOptions::none())))
    }

    /// A request no route of this server answers: the locustfile's own web
    /// routes (Locust's `web_ui.app`) may. `None`: not found.
    fn forward(&self, _request: Forwarded) -> BoxFuture<'static, Option<ForwardedResponse>> {
        Box::pin(std::future::ready(None))
    }

    /// The JSON body of an answer about to be sent (`/stats/requests`), for
    /// the locustfile's `after_request` hooks to change.
    fn after_response(&self, _path: &'static str, body: Vec<u8>) -> BoxFuture<'static, Vec<u8>> {
        Box::pin(std::future::ready(body))
    }

    /// Keys the locustfile added to `web_ui.template_args` (`extended_tabs`...).
    fn extra_template_args(
        &self,
    ) -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>> {
        Box::pin(std::future::ready(serde_json::Map::new()))
    }

    /// With the locustfile's own login: whether the request (its headers,
    /// the session cookie) is logged in.
    fn is_logged_in(&self, _headers: Vec<(String, String)>) -> BoxFuture<'static, bool> {
        Box::pin(std::future::ready(false))
    }

    /// With the locustfile's own login: its `auth_args` for the login page.
    fn auth_args(
        &self,
        _headers: Vec<(String, String)>,
    ) -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>> {
        Box::pin(std::future::ready(serde_json::Map::new()))
    }
}

/// The locustfile's part of the web UI (Python's `environment.web_ui`):
/// its own routes, `after_request` hooks and template args.
pub trait WebExtension: Send + Sync {
    /// The web UI is serving; `handle` reaches it from outside a request.
    fn started(&self, handle: WebUiHandle);
    fn forward(&self, request: Forwarded) -> BoxFuture<'static, Option<ForwardedResponse>>;
    fn after_response(&self, path: &'static str, body: Vec<u8>) -> BoxFuture<'static, Vec<u8>>;
    fn extra_template_args(&self)
        -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>>;
    /// Whether the locustfile set up its own login (`web_ui.login_manager`).
    fn has_own_login(&self) -> bool;
    fn is_logged_in(&self, headers: Vec<(String, String)>) -> BoxFuture<'static, bool>;
    fn auth_args(
        &self,
        headers: Vec<(String, String)>,
    ) -> BoxFuture<'static, serde_json::Map<String, serde_json::Value>>;
}

/// A request handed to the locustfile's web routes.
#[derive(Clone, Debug)]
pub struct Forwarded {
    pub method: String,
    /// The path under the base path, e.g. `/my-route`.
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Their answer.
#[derive(Clone, Debug)]
pub struct ForwardedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What the program may do with a running web UI from outside a request
/// (Locust's `web_ui.update_template_args()` and `web_ui.stop()`).
#[derive(Clone)]
pub struct WebUiHandle {
    shared: Arc<api::Shared>,
}

impl WebUiHandle {
    /// The page's `templateArgs` as of now.
    pub fn template_args(&self) -> serde_json::Map<String, serde_json::Value> {
        page::template_args(&self.shared)
    }

    /// Stops serving (the run then ends, as when Locust's web UI stops).
    pub fn stop(&self) {
        self.shared.request_stop();
    }
}

/// The page with a Jinja slot where its `templateArgs` go, for locustfiles
/// that render Locust's `index.html` from their own routes.
pub fn page_template_for_jinja() -> String {
    page::jinja_template()
}

/// Custom parameter values checked by [`WebHost::check_custom_options`],
/// applied only when the whole form is good.
pub struct CustomOptions(Option<Box<dyn FnOnce() + Send>>);

impl CustomOptions {
    pub fn none() -> Self {
        Self(None)
    }

    pub fn new(apply: impl FnOnce() + Send + 'static) -> Self {
        Self(Some(Box::new(apply)))
    }

    fn apply(self) {
        if let Some(apply) = self.0 {
            apply();
        }
    }
}

/// A running web UI.
pub struct WebUi {
    server: server::Server,
    shared: Arc<api::Shared>,
    url: String,
}

impl WebUi {
    /// Binds and starts serving on the current tokio runtime. `Err` is
    /// Locust's message (e.g. the port is in use); Locust exits 1 on it.
    pub async fn start(
        config: WebUiConfig,
        runner: Arc<dyn Runner>,
        info: RunInfo,
        host: Arc<dyn WebHost>,
    ) -> Result<WebUi, String> {
        let shared = api::Shared::new(runner, info, host);
        let router = api::router(shared.clone(), &config);
        let server = server::Server::start(&config, router).await?;
        shared.history.start(&shared);
        let url = server::url(&config, server.local_addr());
        Ok(WebUi {
            server,
            shared,
            url,
        })
    }

    /// A handle for the program (the locustfile's `web_ui`).
    pub fn handle(&self) -> WebUiHandle {
        WebUiHandle {
            shared: self.shared.clone(),
        }
    }

    /// Where the server listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The page's address, as the log line shows it.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Once the test stops (a shape ended, or someone pressed Stop), does
    /// what the end of the run time does: for `--autostart`, Locust's
    /// "stop and optionally quit".
    pub fn finish_run_when_stopped(&self, reason: &'static str, end: RunTimeEnd) {
        let shared = self.shared.clone();
        tokio::spawn(async move {
            shared
                .runner
                .wait_for_state(|s| s == rocust_core::runner::RunnerState::Stopped)
                .await;
            run_timer::finish_run(shared, reason, end).await;
        });
    }

    /// Arms the run-time limit of an automatic start (`--autostart -t`),
    /// as `/swarm` does with its `run_time` field.
    pub fn arm_run_time(&self, seconds: u64, end: RunTimeEnd) {
        self.shared.run_timer.arm(seconds, end);
    }

    /// Resolves once the server was asked to stop ([`WebUi::stop`], or
    /// `--autoquit`).
    pub async fn stopped(&self) {
        self.shared.wait_stop().await;
    }

    /// Stops serving (Locust's `web_ui.stop()`).
    pub fn stop(&self) {
        self.shared.request_stop();
    }

    /// Stops the listener and the history sampler; open connections end.
    pub async fn shutdown(self) {
        self.shared.request_stop();
        self.shared.history.stop();
        self.shared.run_timer.cancel();
        self.server.shutdown().await;
    }
}
