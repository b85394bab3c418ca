//! The routes: Locust's paths, methods, form keys, JSON keys, status codes
//! and messages, plus rocust's `/stats/history` and `/metrics`.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rocust_core::runner::{Runner, RunnerState};
use rocust_core::user::ratio::{ratio_json, task_ratio_of_spawned};
use rocust_core::user::UserClassInfo;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::auth::{self, Login};
use crate::history::History;
use crate::run_timer::{RunTimeEnd, RunTimer};
use crate::stats_json::{request_stats, RunnerView};
use crate::swarm::{self, Known, Swarm, OWN_KEYS};
use crate::{
    class_editor, downloads, guard, metrics, page, CustomOptions, Forwarded, RunInfo, WebHost,
    WebUiConfig,
};

/// Bodies larger than this are refused (413): a `/swarm` form is a few
/// hundred bytes.
const MAX_BODY: usize = 64 * 1024;

/// Locust's message when a run has no host at all.
const MISSING_HOST: &str = "You must specify the base host. Either in the host attribute in the User class, or on the command line using the --host option.";

/// What every handler reads.
pub(crate) struct Shared {
    pub runner: Arc<dyn Runner>,
    pub info: RunInfo,
    pub host: Arc<dyn WebHost>,
    pub history: History,
    pub run_timer: RunTimer,
    /// The profile set by the last `/swarm` (Locust's `environment.profile`).
    profile: Mutex<Option<String>>,
    /// `-u`, `-r`, `-t` as the last good `/swarm` set them (Locust's
    /// `parsed_options`), the form's defaults.
    form: Mutex<FormDefaults>,
    /// One `/swarm` at a time: each checks, then applies, the whole form.
    swarm_lock: tokio::sync::Mutex<()>,
    /// The classes the class picker chose for the test under way.
    selected: Mutex<Vec<String>>,
    /// The run's classes, changed by `POST /user`.
    classes: Mutex<Vec<UserClassInfo>>,
    stop: watch::Sender<bool>,
}

impl Shared {
    pub(crate) fn new(runner: Arc<dyn Runner>, info: RunInfo, host: Arc<dyn WebHost>) -> Arc<Self> {
        let classes = info.user_classes.clone();
        let shared = Arc::new(Self {
            runner,
            profile: Mutex::new(info.profile.clone()),
            form: Mutex::new(FormDefaults {
                num_users: info.num_users,
                spawn_rate: info.spawn_rate,
                run_time: info.run_time,
            }),
            info,
            host,
            history: History::default(),
            run_timer: RunTimer::default(),
            swarm_lock: tokio::sync::Mutex::new(()),
            selected: Mutex::new(Vec::new()),
            classes: Mutex::new(classes),
            stop: watch::channel(false).0,
        });
        shared.run_timer.bind(Arc::downgrade(&shared));
        shared
    }

    pub(crate) fn request_stop(&self) {
        self.stop.send_replace(true);
    }

    pub(crate) async fn wait_stop(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|s| *s).await.is_ok();
    }

    /// The classes a `/swarm` runs, by Locust's class picker rules: the
    /// ones named; none named while a test runs, the ones running; else all.
    /// Classes of weight 0 (and no fixed count) never run; none left is an error.
    fn chosen_classes(&self, swarm: &Swarm) -> Result<Vec<String>, String> {
        let all = &self.classes();
        let running = matches!(
            self.runner.state(),
            RunnerState::Spawning | RunnerState::Running
        );
        let named: Vec<String> = match &swarm.user_classes {
            Some(names) => names.clone(),
            None if running && self.info.class_picker => self
                .selected
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            None => all.iter().map(|c| c.name.clone()).collect(),
        };
        let chosen: Vec<String> = all
            .iter()
            .filter(|c| named.contains(&c.name) && (c.weight > 0 || c.fixed_count > 0))
            .map(|c| c.name.clone())
            .collect();
        if chosen.is_empty() {
            return Err("None of the chosen User classes can run: each has weight 0".to_owned());
        }
        Ok(chosen)
    }

    /// Locust's runner sets each class's host to `--host` (or the form's)
    /// when it spawns it: the class editor and the form show that host after.
    fn spawning_with_host(&self, chosen: &[String]) {
        if let Some(host) = self.runner.environment().host() {
            let mut classes = self.classes.lock().unwrap_or_else(|e| e.into_inner());
            for class in classes.iter_mut().filter(|c| chosen.contains(&c.name)) {
                class.host = Some(host.clone());
            }
        }
    }

    /// Applies the class editor's settings to the class `name` as shown.
    pub(crate) fn update_class(
        &self,
        name: &str,
        settings: &rocust_core::user::UserClassSettings,
        declared: &[rocust_core::user::TaskInfo],
    ) {
        let mut classes = self.classes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(info) = classes.iter_mut().find(|c| c.name == name) {
            *info = info.with_settings(settings, declared);
        }
    }

    /// Every class of the run, as the class editor (`POST /user`) left them.
    pub(crate) fn classes(&self) -> Vec<UserClassInfo> {
        self.classes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The test's classes: with the class picker, those it chose last.
    pub(crate) fn classes_in_use(&self) -> Vec<UserClassInfo> {
        let selected = self
            .selected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.classes()
            .into_iter()
            .filter(|c| selected.is_empty() || selected.contains(&c.name))
            .collect()
    }

    pub(crate) fn form_defaults(&self) -> FormDefaults {
        *self.form.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn profile(&self) -> Option<String> {
        self.profile
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The start form's values, as Locust keeps them in `parsed_options`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FormDefaults {
    pub num_users: Option<u64>,
    pub spawn_rate: Option<f64>,
    pub run_time: Option<u64>,
}

pub(crate) type AppState = State<Arc<Shared>>;

pub(crate) fn router(shared: Arc<Shared>, config: &WebUiConfig) -> Router {
    let routes = Router::new()
        .route("/", get(index))
        .route("/assets/{file}", get(asset))
        .route("/swarm", post(swarm))
        .route("/stop", post(stop))
        .route("/stats/reset", post(reset_stats))
        .route("/stats/requests", get(stats_requests))
        .route("/stats/requests/csv", get(downloads::requests_csv))
        .route("/stats/failures/csv", get(downloads::failures_csv))
        .route("/exceptions/csv", get(downloads::exceptions_csv))
        .route(
            "/stats/requests_full_history/csv",
            get(downloads::full_history_csv),
        )
        .route("/stats/report", get(downloads::report))
        .route("/exceptions", get(exceptions))
        .route("/tasks", get(tasks))
        .route("/logs", get(logs))
        .route("/worker-count", get(worker_count))
        .route("/user", post(class_editor::update_user))
        .route("/stats/history", get(history))
        .route("/metrics", get(prometheus))
        .fallback(fallback)
        .with_state(shared.clone());
    let routes = match &config.login {
        Some(credentials) => {
            let login = Arc::new(Login::new(
                credentials.clone(),
                &config.base_path,
                config.tls.is_some(),
            ));
            let pages = Router::new()
                .route("/login", get(auth::login_page).post(auth::login_submit))
                .route("/logout", post(auth::logout))
                .with_state(login.clone());
            routes
                .merge(pages)
                .layer(middleware::from_fn_with_state(login, auth::require_login))
        }
        None if config.locustfile_login => routes
            .merge(
                Router::new()
                    .route("/login", get(crate::locustfile_login::page))
                    .with_state(shared.clone()),
            )
            .layer(middleware::from_fn_with_state(
                shared,
                crate::locustfile_login::require,
            )),
        None => {
            // Locust sends browsers from its login page to the UI: 302 to the root.
            let root = format!("{}/", config.base_path.trim_end_matches('/'));
            routes.route(
                "/login",
                get(move || async move { (StatusCode::FOUND, [(header::LOCATION, root)]) }),
            )
        }
    };
    routes.layer(DefaultBodyLimit::max(MAX_BODY))
}

/// `{"success": false, "message": ...}`, Locust's answer to a bad request (HTTP 200).
fn failure(message: impl Into<String>, host: Option<String>) -> Json<Value> {
    let message = message.into();
    log::error!("{message}");
    Json(json!({"success": false, "message": message, "host": host}))
}

/// A request refused before any handler logic (403, 400, 404...), as JSON.
pub(crate) fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"success": false, "message": message}))).into_response()
}

pub(crate) fn cross_site() -> Response {
    refuse(
        StatusCode::FORBIDDEN,
        "Cross-site request refused: this POST came from another web site",
    )
}

pub(crate) async fn not_found() -> Response {
    refuse(StatusCode::NOT_FOUND, "Not found")
}

/// What no route answers goes to the locustfile's own web routes, if any.
async fn fallback(State(shared): AppState, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large");
    };
    let forwarded = Forwarded {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().unwrap_or_default().to_owned(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
            .collect(),
        body: body.to_vec(),
    };
    if parts.method != axum::http::Method::GET
        && parts.method != axum::http::Method::HEAD
        && !guard::same_origin(&parts.headers)
    {
        return cross_site();
    }
    match shared.host.forward(forwarded).await {
        Some(answer) => {
            let mut response = Response::new(axum::body::Body::from(answer.body));
            *response.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            for (name, value) in answer.headers {
                if let (Ok(name), Ok(value)) = (
                    axum::http::HeaderName::try_from(name),
                    axum::http::HeaderValue::try_from(value),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            response
        }
        None => not_found().await,
    }
}

async fn index(State(shared): AppState) -> Response {
    let extra = shared.host.extra_template_args().await;
    page::index(&shared, extra).into_response()
}

async fn asset(Path(file): Path<String>) -> Response {
    page::asset(&file).unwrap_or_else(|| refuse(StatusCode::NOT_FOUND, "Not found"))
}

async fn swarm(State(shared): AppState, headers: HeaderMap, body: Bytes) -> Response {
    if !guard::same_origin(&headers) {
        return cross_site();
    }
    let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(&body) {
        Ok(form) => form,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                &format!("Malformed form data in /swarm request: {e}"),
            )
        }
    };
    let _one_at_a_time = shared.swarm_lock.lock().await;
    let env = shared.runner.environment().clone();
    let class_names: Vec<String> = shared.classes().into_iter().map(|c| c.name).collect();
    let known = Known {
        user_classes: &class_names,
        class_picker: shared.info.class_picker,
        shape_class: shared.info.shape_class.as_deref(),
    };
    let parsed = swarm::parse(&form, &known);
    let custom_form: Vec<(String, String)> = form
        .iter()
        .filter(|(k, _)| !OWN_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    let custom = match &parsed {
        Ok(_) => shared.host.check_custom_options(custom_form).await,
        Err(_) => Ok(CustomOptions::none()),
    };
    let checked: Result<(Swarm, CustomOptions, Vec<String>), String> = parsed
        .and_then(|swarm| Ok((swarm, custom?)))
        .and_then(|(swarm, custom)| {
            let classes = shared.chosen_classes(&swarm)?;
            let host = match &swarm.host {
                Some(host) => host.clone(),
                None => env.host(),
            };
            let class_without_host = shared
                .classes()
                .iter()
                .any(|c| classes.contains(&c.name) && c.host.is_none());
            if shared.info.host_required && host.is_none() && class_without_host {
                return Err(MISSING_HOST.to_owned());
            }
            Ok((swarm, custom, classes))
        });
    let (swarm, custom, classes) = match checked {
        Ok(checked) => checked,
        Err(message) => return failure(message, env.host()).into_response(),
    };

    // Every field is good: apply them all.
    if let Some(host) = swarm.host {
        env.set_host(host.clone());
        shared.host.set_host(host);
    }
    if let Some(profile) = swarm.profile {
        *shared.profile.lock().unwrap_or_else(|e| e.into_inner()) = profile;
    }
    custom.apply();
    {
        let mut form = shared.form.lock().unwrap_or_else(|e| e.into_inner());
        form.num_users = swarm.user_count.or(form.num_users);
        form.spawn_rate = swarm.spawn_rate.or(form.spawn_rate);
        form.run_time = swarm.run_time.or(form.run_time);
    }
    let picker = shared.info.class_picker;
    if picker {
        *shared.selected.lock().unwrap_or_else(|e| e.into_inner()) = classes.clone();
    }
    let shape = match picker {
        true => swarm.shape_class.as_ref(),
        false => shared.info.shape_class.as_ref(),
    };
    if let Some(shape) = shape {
        shared.runner.start_shape();
        return Json(json!({
            "success": true,
            "message": format!("Swarming started using shape class '{shape}'"),
            "host": env.host(),
        }))
        .into_response();
    }
    shared.run_timer.cancel();
    let (Some(user_count), Some(spawn_rate)) = (swarm.user_count, swarm.spawn_rate) else {
        // parse() refuses a form without both when there is no shape.
        return failure(swarm::MISSING_COUNT_OR_RATE, env.host()).into_response();
    };
    shared
        .runner
        .start(user_count, spawn_rate, picker.then(|| classes.clone()));
    shared.spawning_with_host(&classes);
    let mut answer = json!({"success": true, "message": "Swarming started", "host": env.host()});
    if let Some(run_time) = swarm.run_time {
        shared.run_timer.arm(run_time, RunTimeEnd::Stop);
        answer["run_time"] = json!(run_time);
    }
    if picker {
        let mut classes = classes;
        classes.sort();
        answer["user_classes"] = json!(classes);
    }
    Json(answer).into_response()
}

async fn stop(State(shared): AppState, headers: HeaderMap) -> Response {
    if !guard::same_origin(&headers) {
        return cross_site();
    }
    shared.run_timer.cancel();
    let runner = shared.runner.clone();
    // Users may take up to the stop timeout to finish their task; answer now.
    tokio::spawn(async move { runner.stop().await });
    Json(json!({"message": "Test stopped", "success": true})).into_response()
}

async fn reset_stats(State(shared): AppState, headers: HeaderMap) -> Response {
    if !guard::same_origin(&headers) {
        return cross_site();
    }
    let env = shared.runner.environment();
    env.events.reset_stats.fire(&());
    env.stats.reset_all();
    env.stats.clear_exceptions();
    shared.history.clear();
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "ok").into_response()
}

fn runner_view(runner: &dyn Runner) -> RunnerView<'static> {
    let workers = runner.workers().map(|workers| {
        let rows = workers
            .into_iter()
            .map(|w| {
                json!({
                    "id": w.id,
                    "state": w.state,
                    "user_count": w.user_count,
                    "cpu_usage": w.cpu_usage,
                    "memory_usage": w.memory_usage,
                })
            })
            .collect();
        (rows, runner.worker_count())
    });
    RunnerView {
        state: runner.state().as_str(),
        user_count: runner.user_count(),
        workers,
    }
}

async fn stats_requests(State(shared): AppState) -> Response {
    let env = shared.runner.environment();
    let view = runner_view(shared.runner.as_ref());
    let percentiles = &shared.info.report_settings.statistics_percentiles;
    let now = env.stats.now();
    let report = env
        .stats
        .with_request_stats(|rs| request_stats(rs, now, percentiles, &view));
    let report = shared.host.after_response("/stats/requests", report).await;
    ([(header::CONTENT_TYPE, "application/json")], report).into_response()
}

async fn exceptions(State(shared): AppState) -> Response {
    let rows: Vec<Value> = shared
        .runner
        .environment()
        .stats
        .exceptions()
        .iter()
        .map(|x| {
            json!({
                "count": x.count,
                "msg": x.msg,
                "traceback": x.traceback,
                "nodes": x.nodes_joined(),
            })
        })
        .collect();
    Json(json!({ "exceptions": rows })).into_response()
}

async fn tasks(State(shared): AppState) -> Response {
    let spawned = shared.runner.user_classes_count();
    let classes = shared.classes_in_use();
    let classes = &classes;
    Json(json!({
        "per_class": ratio_json(&task_ratio_of_spawned(classes, &spawned, false)),
        "total": ratio_json(&task_ratio_of_spawned(classes, &spawned, true)),
    }))
    .into_response()
}

async fn logs(State(shared): AppState) -> Response {
    let workers: serde_json::Map<String, Value> = shared
        .runner
        .worker_logs()
        .into_iter()
        .map(|(id, lines)| (id, json!(lines)))
        .collect();
    Json(json!({"master": shared.host.log_lines(), "workers": workers})).into_response()
}

async fn worker_count(State(shared): AppState) -> Response {
    Json(json!({"worker_count": shared.runner.worker_count()})).into_response()
}

#[derive(Deserialize)]
struct HistoryQuery {
    #[serde(default)]
    since: Option<f64>,
    name: Option<String>,
    method: Option<String>,
}

async fn history(State(shared): AppState, Query(q): Query<HistoryQuery>) -> Response {
    let since = q.since.filter(|s| s.is_finite()).unwrap_or(0.0);
    let body = match q.name {
        Some(name) => {
            let method = q.method.unwrap_or_default();
            shared
                .runner
                .environment()
                .stats
                .with_request_stats(|rs| shared.history.entry_since(rs, &name, &method, since))
        }
        None => shared.history.total_since(since),
    };
    Json(body).into_response()
}

async fn prometheus(State(shared): AppState) -> Response {
    let run = metrics::RunView {
        state: shared.runner.state(),
        user_count: shared.runner.user_count(),
        worker_count: shared.runner.worker_count(),
    };
    let body = shared
        .runner
        .environment()
        .stats
        .with_request_stats(|rs| metrics::render(rs, &run));
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], body).into_response()
}
