//! `rocust._engine`: the Rust engine under `rocust -f locustfile.py`.
//!
//! The Python main thread owns gevent's hub and every user greenlet. It calls
//! in here to parse the command line, start the run (the runner, timers and
//! reports live on a Rust control thread), send HTTP requests (run by Rust
//! threads) and record statistics. Everything Rust has for Python comes back
//! through one descriptor the hub watches (see `bridge`): `Engine.drain()`
//! returns it in batches, and Python answers each command (see `command`)
//! with `Engine.done()`, `Engine.failed()` or `Engine.shape_tick()`.
//! No greenlet ever switches while a Rust frame is on the stack.

mod backend;
mod bridge;
mod command;
mod dist_events;
mod http;
mod msgpack;
mod options;
mod response;
mod wakeup;
mod web;
mod websocket;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rocust::report::{interval, Percentiles, ReportSettings};
use rocust_core::shape::ShapeTick;
use rocust_core::stats::StatsRecorder;
use rocust_core::user::{TaskInfo, UserClassInfo};
use rocust_http::{Bytes, Method, WebSocketSession};

use crate::backend::{PythonSource, Shared};
use crate::bridge::{Bridge, HttpOutcome};
use crate::command::{Command, Event, Reply};
use crate::http::{header_map, FailRule, HttpThreads, Job, ReadJob, Session, Work};
use crate::options::ParsedOptions;
use crate::response::{BodyStream, PyTls, RawResponse};
use crate::websocket::{WebSocket, WsOp};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

impl Engine {
    fn distributed(&self) -> Option<rocust_dist::Distributed<'_>> {
        let runner = self.shared.runner.get()?;
        rocust_dist::Distributed::of(runner.as_ref())
    }

    fn ws_submit(
        &mut self,
        socket: &WebSocket,
        waiter: Py<PyAny>,
        op: WsOp,
        name: Option<String>,
        record: bool,
    ) -> PyResult<()> {
        let http =
            self.shared.http.get().ok_or_else(|| {
                PyRuntimeError::new_err("the engine's HTTP threads are not running")
            })?;
        let id = self.next_id;
        self.next_id += 1;
        if !socket.submit(http, id, op, name, record) {
            return Err(PyRuntimeError::new_err(
                "the engine's HTTP threads have stopped",
            ));
        }
        self.waiters.insert(id, waiter);
        Ok(())
    }
}

/// The run as Python drives it. Lives on the main thread only.
#[pyclass(unsendable, module = "rocust._engine")]
struct Engine {
    shared: Arc<Shared>,
    next_id: u64,
    /// Greenlet waiters of the requests under way, by request id.
    waiters: HashMap<u64, Py<PyAny>>,
    /// Records requests Python reports itself (catch_response, listeners).
    recorder: Option<StatsRecorder>,
    /// Set by `set_report_settings` before `run`.
    report: ReportSettings,
}

fn info_from_dict(d: &Bound<'_, PyAny>) -> PyResult<UserClassInfo> {
    Ok(UserClassInfo {
        name: d.get_item("name")?.extract()?,
        weight: d.get_item("weight")?.extract()?,
        fixed_count: d.get_item("fixed_count")?.extract()?,
        host: d.get_item("host")?.extract()?,
        is_abstract: d.get_item("abstract")?.extract()?,
        tasks: tasks_from_list(&d.get_item("tasks")?)?,
    })
}

fn tasks_from_list(list: &Bound<'_, PyAny>) -> PyResult<Vec<TaskInfo>> {
    let mut tasks = Vec::new();
    for node in list.try_iter()? {
        let node = node?;
        let children = node.get_item("children")?;
        tasks.push(TaskInfo {
            name: node.get_item("name")?.extract()?,
            weight: node.get_item("weight")?.extract()?,
            children: if children.is_none() {
                None
            } else {
                Some(tasks_from_list(&children)?)
            },
        });
    }
    Ok(tasks)
}

#[pymethods]
impl Engine {
    #[new]
    fn new() -> PyResult<Self> {
        let bridge = Bridge::new().map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(Self {
            shared: Arc::new(Shared::new(Arc::new(bridge))),
            next_id: 1,
            waiters: HashMap::new(),
            recorder: None,
            report: ReportSettings::default(),
        })
    }

    /// HTTP threads without a run, for clients outside `rocust -f`; their
    /// statistics go nowhere (Python's listeners see every request).
    fn start_http(&self, threads: usize) -> PyResult<()> {
        if self.shared.http.get().is_some() {
            return Ok(());
        }
        let env = rocust_core::env::Environment::new(None);
        let http = HttpThreads::start(threads, &env, self.shared.bridge.clone()).map_err(|e| {
            PyRuntimeError::new_err(format!("Could not start the HTTP threads: {e}"))
        })?;
        let _ = self.shared.http.set(http);
        let _ = self.shared.env.set(env);
        Ok(())
    }

    /// The `locust.stats` settings as the imported locustfiles left them
    /// (PERCENTILES_TO_REPORT, CONSOLE_/CSV_/HISTORY_STATS_INTERVAL_SEC in
    /// seconds, STATS_NAME_WIDTH if a locustfile set it); call before `run`.
    #[pyo3(signature = (percentiles, console_interval, csv_interval, history_interval, name_width = None))]
    fn set_report_settings(
        &mut self,
        percentiles: Vec<f64>,
        console_interval: f64,
        csv_interval: f64,
        history_interval: f64,
        name_width: Option<usize>,
    ) -> PyResult<()> {
        let setting = |name: &str, seconds: f64| {
            interval(&format!("stats.{name}"), seconds).map_err(PyValueError::new_err)
        };
        self.report = ReportSettings {
            percentiles: Percentiles::new(percentiles)
                .map_err(|e| PyValueError::new_err(format!("stats.PERCENTILES_TO_REPORT: {e}")))?,
            console_interval: setting("CONSOLE_STATS_INTERVAL_SEC", console_interval)?,
            csv_interval: setting("CSV_STATS_INTERVAL_SEC", csv_interval)?,
            history_interval: setting("HISTORY_STATS_INTERVAL_SEC", history_interval)?,
            name_width,
            ..ReportSettings::default()
        };
        Ok(())
    }

    /// A Python log line, formatted, for the web UI's `/logs`.
    fn log_line(&self, line: &str) {
        rocust::remember_log_line(line);
    }

    /// The descriptor gevent's hub watches (readable = call `drain`).
    #[getter]
    fn fd(&self) -> i32 {
        self.shared.bridge.fd()
    }

    /// Starts the run on the control thread: `classes` as
    /// `UserGroupController.user_classes_info()` gives them. Returns at once;
    /// the end arrives as an ("exit", code) command.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (options, classes, has_shape, http_threads = 1, shape_use_common_options = false, locustfile = String::from("locustfile.py"), shape_name = None, web_ui_options = String::from("{}")))]
    fn run(
        &self,
        options: &ParsedOptions,
        classes: &Bound<'_, PyList>,
        has_shape: bool,
        http_threads: usize,
        shape_use_common_options: bool,
        locustfile: String,
        shape_name: Option<String>,
        web_ui_options: String,
    ) -> PyResult<()> {
        let web_ui_options = match serde_json::from_str(&web_ui_options) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(PyValueError::new_err(
                    "web_ui_options must be a JSON object",
                ))
            }
        };
        let classes = classes
            .iter()
            .map(|c| info_from_dict(&c))
            .collect::<PyResult<Vec<_>>>()?;
        let mut source = PythonSource {
            shared: self.shared.clone(),
            classes,
            has_shape,
            shape_use_common_options,
            shape_name,
            locustfile,
            web_ui_options,
            http_threads,
            report: self.report.clone(),
        };
        let options = options.options.clone();
        let bridge = self.shared.bridge.clone();
        std::thread::Builder::new()
            .name("rocust-control".into())
            .spawn(move || {
                let code = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    rocust::run_options(&options, &mut source)
                }))
                .unwrap_or(2);
                bridge.send(Command::Exit { code });
            })
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(())
    }

    /// Everything that arrived: finished requests as (waiter, RawResponse),
    /// reads of streamed bodies as (waiter, (bytes, error text or None)),
    /// and `Command`s.
    fn drain<'py>(
        &mut self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let (http, commands) = self.shared.bridge.drain();
        let done = PyList::empty(py);
        for d in http {
            let Some(waiter) = self.waiters.remove(&d.id) else {
                continue;
            };
            match d.outcome {
                HttpOutcome::Response {
                    response,
                    recorded,
                    rule,
                    body,
                } => {
                    let stream = match body {
                        Some((thread, body)) => Some(Py::new(py, BodyStream::new(thread, *body))?),
                        None => None,
                    };
                    let raw = Bound::new(py, RawResponse::new(response, recorded, rule, stream))?;
                    done.append((waiter, raw))?;
                }
                HttpOutcome::Body(Ok(data)) => {
                    done.append((waiter, (PyBytes::new(py, &data), None::<String>)))?;
                }
                HttpOutcome::Body(Err(text)) => {
                    done.append((waiter, (PyBytes::new(py, b""), Some(text))))?;
                }
                HttpOutcome::WebSocket(ws) => done.append((waiter, ws.into_py(py)?))?,
            }
        }
        let cmds = PyList::empty(py);
        for c in commands {
            cmds.append(c)?;
        }
        Ok((done, cmds))
    }

    /// The command `token` has been carried out.
    fn done(&self, token: u64) {
        self.shared.bridge.reply(token, Reply::Done);
    }

    /// The command `token` failed (or was not understood): `message` says why.
    fn failed(&self, token: u64, message: String) {
        self.shared.bridge.reply(token, Reply::Failed(message));
    }

    /// The answer to a `ShapeTick`: `user_count` None ends the shape.
    #[pyo3(signature = (token, user_count = None, spawn_rate = 0.0, user_classes = None))]
    fn shape_tick(
        &self,
        token: u64,
        user_count: Option<u64>,
        spawn_rate: f64,
        user_classes: Option<Vec<String>>,
    ) {
        let tick = user_count.map(|users| {
            let tick = ShapeTick::new(users, spawn_rate);
            match user_classes {
                Some(names) => tick.with_user_classes(names),
                None => tick,
            }
        });
        self.shared.bridge.reply(token, Reply::Shape(tick));
    }

    /// The answer to a `WebRequest` or `WebAfterRequest`.
    fn web_reply(&self, token: u64, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) {
        self.shared.bridge.reply(
            token,
            Reply::Http {
                status,
                headers,
                body,
            },
        );
    }

    /// A text answer (`WebTemplateArgs`).
    fn text_reply(&self, token: u64, text: String) {
        self.shared.bridge.reply(token, Reply::Text(text));
    }

    /// The locustfile built `web_ui.app`: requests no route answers go to it.
    fn web_extended(&self) {
        self.shared.web.set_extended();
    }

    /// The locustfile set up its own login (`web_ui.login_manager`).
    fn web_own_login(&self) {
        self.shared.web.set_own_login();
    }

    /// The page's `templateArgs` as JSON, once the web UI serves.
    fn web_template_args(&self) -> Option<String> {
        let handle = self.shared.web.handle()?;
        Some(serde_json::Value::Object(handle.template_args()).to_string())
    }

    /// Stops the web UI (Locust's `web_ui.stop()`); the run then ends.
    fn web_stop(&self) {
        if let Some(handle) = self.shared.web.handle() {
            handle.stop();
        }
    }

    /// The page as a Jinja template (`render_template("index.html", template_args=...)`).
    #[staticmethod]
    fn web_page_template() -> String {
        rocust_web::page_template_for_jinja()
    }

    /// Live users of a class, as the Python controller counts them.
    fn set_count(&self, class_name: String, count: usize) {
        self.shared.counts().insert(class_name, count);
    }

    /// A new HTTP session for a user of `user_class` whose host is `host`.
    #[pyo3(signature = (user_class, verify = true, host = None))]
    fn session(&self, user_class: &str, verify: bool, host: Option<String>) -> PyResult<Session> {
        let http =
            self.shared.http.get().ok_or_else(|| {
                PyRuntimeError::new_err("HTTP sessions of a rocust -f run can be made once the run has started (init listeners, on_start, tasks), not while the locustfile is imported")
            })?;
        let (thread, inner) = http.session(user_class, verify);
        Ok(Session {
            thread,
            inner,
            host,
        })
    }

    /// A WebSocket client on `session`'s HTTP thread, for the same user and
    /// TLS settings, recording as `request_type`.
    fn websocket(&self, session: &Session, request_type: &str) -> WebSocket {
        let mut ws = WebSocketSession::new(session.inner.context());
        ws.set_tls(session.inner.tls().clone())
            .set_request_type(request_type);
        WebSocket::new(session.thread, ws)
    }

    /// Opens `socket`'s connection to `url` (absolute, `ws(s)://` or
    /// `http(s)://`); `waiter` gets the outcome (see `websocket::WsDone`).
    #[allow(clippy::too_many_arguments)]
    fn ws_connect(
        &mut self,
        socket: &WebSocket,
        waiter: Py<PyAny>,
        url: String,
        headers: Vec<(String, String)>,
        subprotocols: Vec<String>,
        timeout: Option<f64>,
        name: Option<String>,
        record: bool,
    ) -> PyResult<()> {
        let op = WsOp::Connect {
            url,
            headers,
            subprotocols,
            timeout: websocket::timeout_of(timeout),
        };
        self.ws_submit(socket, waiter, op, name, record)
    }

    /// Sends (`data`: str or bytes), receives, pings or closes on `socket`
    /// (`op`: WS_SEND, WS_RECV, WS_PING, WS_CLOSE); `waiter` gets the outcome.
    #[allow(clippy::too_many_arguments)]
    fn ws_io(
        &mut self,
        socket: &WebSocket,
        waiter: Py<PyAny>,
        op: u8,
        data: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
        name: Option<String>,
        record: bool,
    ) -> PyResult<()> {
        let op = WsOp::of(op, data, timeout)?;
        self.ws_submit(socket, waiter, op, name, record)
    }

    /// Starts a request; `waiter` (a gevent Waiter) gets the RawResponse
    /// through `drain`. `tls` (default: the session's) sets how the server
    /// is verified and the client certificate; with `stream` the response
    /// comes at its head and its body is read with `read_body`.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (session, waiter, method, url, headers, body, timeout, allow_redirects, record_name, fail_rule, tls = None, stream = false))]
    fn send(
        &mut self,
        session: &Session,
        waiter: Py<PyAny>,
        method: &str,
        url: String,
        headers: &Bound<'_, PyAny>,
        body: Option<Vec<u8>>,
        timeout: Option<f64>,
        allow_redirects: bool,
        record_name: Option<String>,
        fail_rule: u8,
        tls: Option<PyRef<'_, PyTls>>,
        stream: bool,
    ) -> PyResult<()> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| PyValueError::new_err(format!("Invalid HTTP method {method:?}")))?;
        let rule = FailRule::from_code(fail_rule)
            .ok_or_else(|| PyValueError::new_err(format!("Unknown fail rule {fail_rule}")))?;
        let timeout = match timeout {
            Some(t) if t.is_finite() && t > 0.0 => Some(Duration::from_secs_f64(t)),
            Some(t) if t <= 0.0 => {
                return Err(PyValueError::new_err(format!(
                    "Attempted to set timeout to {t}, but the timeout cannot be set to a value less than or equal to 0."
                )))
            }
            _ => None,
        };
        let http =
            self.shared.http.get().ok_or_else(|| {
                PyRuntimeError::new_err("the engine's HTTP threads are not running")
            })?;
        let id = self.next_id;
        self.next_id += 1;
        let job = Job {
            id,
            session: session.inner.clone(),
            method,
            url,
            headers: header_map(headers)?,
            body: body.map(Bytes::from),
            timeout,
            allow_redirects,
            rule,
            record: record_name,
            tls: tls.map(|t| t.0.clone()),
            stream,
            thread: session.thread,
        };
        if !http.submit(session.thread, Work::Request(job)) {
            return Err(PyRuntimeError::new_err(
                "the engine's HTTP threads have stopped",
            ));
        }
        self.waiters.insert(id, waiter);
        Ok(())
    }

    /// Reads the next part of a streamed body (see `rocust_http::BodyStream::read`);
    /// `waiter` gets (bytes, None), or (b"", requests' error text), through
    /// `drain`. Empty bytes: the body has ended.
    #[pyo3(signature = (stream, waiter, want, limit, per_chunk, decode))]
    fn read_body(
        &mut self,
        stream: &BodyStream,
        waiter: Py<PyAny>,
        want: usize,
        limit: usize,
        per_chunk: bool,
        decode: bool,
    ) -> PyResult<()> {
        let http =
            self.shared.http.get().ok_or_else(|| {
                PyRuntimeError::new_err("the engine's HTTP threads are not running")
            })?;
        let id = self.next_id;
        self.next_id += 1;
        let job = ReadJob {
            id,
            slot: stream.slot.clone(),
            want,
            limit,
            per_chunk,
            decode,
        };
        if !http.submit(stream.thread, Work::Read(job)) {
            return Err(PyRuntimeError::new_err(
                "the engine's HTTP threads have stopped",
            ));
        }
        self.waiters.insert(id, waiter);
        Ok(())
    }

    /// Records one request in the engine's stats (`events.request` from Python).
    #[pyo3(signature = (request_type, name, response_time, response_length, error = None, status_code = None))]
    fn record(
        &mut self,
        request_type: &str,
        name: &str,
        response_time: Option<f64>,
        response_length: u64,
        error: Option<&str>,
        status_code: Option<u16>,
    ) {
        if self.recorder.is_none() {
            self.recorder = self.shared.env.get().map(|env| env.stats.recorder());
        }
        if let Some(recorder) = &self.recorder {
            recorder.log_response(
                request_type,
                name,
                response_time,
                response_length,
                error,
                status_code,
            );
        }
    }

    /// An exception from user code, for the exceptions table.
    /// An error in a task (`user_error`): the runner puts it in the
    /// exceptions table, or a worker sends it to its master.
    fn log_exception(&self, msg: &str, traceback: &str) {
        if let Some(env) = self.shared.env.get() {
            env.events
                .user_error
                .fire(&rocust_core::events::UserErrorEvent {
                    user_class: String::new(),
                    exception: msg.to_owned(),
                    traceback: traceback.to_owned(),
                });
        }
    }

    /// `runner.send_message(...)` on a master or a worker.
    #[pyo3(signature = (msg_type, data = None, client_id = None))]
    fn send_message(
        &self,
        msg_type: &str,
        data: Option<&Bound<'_, PyAny>>,
        client_id: Option<&str>,
    ) -> PyResult<()> {
        let value = match data {
            Some(d) => msgpack::to_value(d)?,
            None => rmpv::Value::Nil,
        };
        if let Some(dist) = self.distributed() {
            dist.send_message(msg_type, value, client_id);
        }
        Ok(())
    }

    /// A locustfile listens to one of Locust's distributed events
    /// (`report_to_master`, `worker_report`, ...): the runner forwards it
    /// from now on.
    fn want_event(&self, name: &str) {
        dist_events::bind_wanted(&self.shared, Some(name));
    }

    /// The data of a `CustomMessage` command as Python objects.
    fn unpack<'py>(&self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        let value = rmpv::decode::read_value(&mut &data[..])
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        msgpack::to_python(py, &value)
    }

    /// "master", "worker" or "local".
    #[getter]
    fn mode(&self) -> &'static str {
        match self.distributed() {
            Some(rocust_dist::Distributed::Master(_)) => "master",
            Some(rocust_dist::Distributed::Worker(_)) => "worker",
            None => "local",
        }
    }

    /// A worker's index from its master (-1 before the ack); 0 elsewhere.
    #[getter]
    fn worker_index(&self) -> i64 {
        match self.distributed() {
            Some(rocust_dist::Distributed::Worker(w)) => w.worker_index(),
            _ => 0,
        }
    }

    /// A worker's node id (Locust's `client_id`).
    #[getter]
    fn node_id(&self) -> Option<String> {
        match self.distributed() {
            Some(rocust_dist::Distributed::Worker(w)) => Some(w.node_id().to_owned()),
            _ => None,
        }
    }

    /// A master's workers: (id, state, user_count, cpu_usage, memory_usage).
    fn workers(&self) -> Vec<(String, String, u64, f64, u64)> {
        self.shared
            .runner
            .get()
            .and_then(|r| r.workers())
            .unwrap_or_default()
            .into_iter()
            .map(|w| (w.id, w.state, w.user_count, w.cpu_usage, w.memory_usage))
            .collect()
    }

    #[getter]
    fn worker_count(&self) -> usize {
        self.shared
            .runner
            .get()
            .map(|r| r.worker_count())
            .unwrap_or(0)
    }

    /// `runner.start(...)`: ramp to `user_count` users at `spawn_rate`.
    #[pyo3(signature = (user_count, spawn_rate, user_classes = None))]
    fn start(&self, user_count: u64, spawn_rate: f64, user_classes: Option<Vec<String>>) {
        if let (Some(runner), Some(handle)) = (self.shared.runner.get(), self.shared.control.get())
        {
            let runner = runner.clone();
            handle.spawn(async move { runner.start(user_count, spawn_rate, user_classes) });
        }
    }

    /// `runner.stop()`.
    fn stop(&self) {
        if let (Some(runner), Some(handle)) = (self.shared.runner.get(), self.shared.control.get())
        {
            let runner = runner.clone();
            handle.spawn(async move { runner.stop().await });
        }
    }

    /// `runner.quit()`: stop and end the run.
    fn quit(&self) {
        if let (Some(runner), Some(handle)) = (self.shared.runner.get(), self.shared.control.get())
        {
            let runner = runner.clone();
            handle.spawn(async move { runner.quit().await });
        }
    }

    /// StopTest: log the reason and end the run.
    fn stop_test(&self, reason: String) {
        if let Some(env) = self.shared.env.get() {
            env.request_stop_test(reason);
        }
    }

    /// Something raised unhandled on the Python side (Locust's
    /// `log.unhandled_greenlet_exception`): fatal during `init`, else exit code 2.
    fn mark_unhandled_exception(&self) {
        if let Some(env) = self.shared.env.get() {
            env.mark_unhandled_exception();
        }
    }

    /// `runner.target_user_count`: what the last start asked for.
    #[getter]
    fn target_user_count(&self) -> u64 {
        self.shared
            .runner
            .get()
            .map(|r| r.target_user_count())
            .unwrap_or(0)
    }

    fn set_process_exit_code(&self, code: i32) {
        if let Some(env) = self.shared.env.get() {
            env.set_process_exit_code(code);
        }
    }

    #[getter]
    fn runner_state(&self) -> &'static str {
        self.shared
            .runner
            .get()
            .map(|r| r.state().as_str())
            .unwrap_or("ready")
    }

    /// The stats as Locust's serialized dicts, JSON-encoded:
    /// {"stats": [...], "stats_total": {...}, "errors": {...}}.
    fn stats_json(&self) -> String {
        let Some(env) = self.shared.env.get() else {
            return "{}".into();
        };
        env.stats.flush();
        env.stats.with_request_stats(|rs| {
            serde_json::json!({
                "stats": rs.serialize_stats(),
                "stats_total": rs.total.serialize(),
                "errors": rs.serialize_errors(),
            })
            .to_string()
        })
    }

    /// `StatsEntry.get_current_response_time_percentile` of the entry (name,
    /// method), or of the total for ("Aggregated", ""): the percentile of about
    /// the last 10 seconds, None while that window is not covered.
    fn current_response_time_percentile(
        &self,
        name: &str,
        method: &str,
        percent: f64,
    ) -> Option<i64> {
        let env = self.shared.env.get()?;
        let now = env.stats.now();
        env.stats.with_request_stats(|rs| {
            let entry = if name == rocust_core::stats::AGGREGATED && method.is_empty() {
                Some(&rs.total)
            } else {
                rs.get(name, method)
            };
            entry?.get_current_response_time_percentile(percent, now)
        })
    }

    /// `environment.stats.reset_all()`.
    fn reset_stats(&self) {
        if let Some(env) = self.shared.env.get() {
            env.stats.reset_all();
        }
    }

    /// Python has finished: release anything waiting for an answer.
    fn close(&self) {
        self.shared.bridge.close();
    }
}

/// `-f -`: the master's locustfiles, as (filename, contents) pairs or URLs;
/// RuntimeError with Locust's message when the master does not give them.
#[pyfunction]
fn download_locustfiles(
    py: Python<'_>,
    master_host: String,
    master_port: u16,
) -> PyResult<Vec<Py<PyAny>>> {
    use rocust_dist::download::LocustfileSource;
    let sources = py
        .detach(|| rocust_dist::download::download_locustfiles(&master_host, master_port))
        .map_err(pyo3::exceptions::PyRuntimeError::new_err)?;
    sources
        .into_iter()
        .map(|source| match source {
            LocustfileSource::File { filename, contents } => {
                Ok((filename, contents).into_pyobject(py)?.into_any().unbind())
            }
            LocustfileSource::Url(url) => Ok(url.into_pyobject(py)?.into_any().unbind()),
        })
        .collect()
}

#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Command>()?;
    m.add_class::<Event>()?;
    m.add_class::<Session>()?;
    m.add_class::<RawResponse>()?;
    m.add_class::<BodyStream>()?;
    m.add_class::<PyTls>()?;
    m.add_class::<ParsedOptions>()?;
    m.add_class::<WebSocket>()?;
    m.add("WS_SEND", websocket::WS_SEND)?;
    m.add("WS_RECV", websocket::WS_RECV)?;
    m.add("WS_PING", websocket::WS_PING)?;
    m.add("WS_CLOSE", websocket::WS_CLOSE)?;
    m.add_function(wrap_pyfunction!(options::parse_args, m)?)?;
    m.add_function(wrap_pyfunction!(options::locustfile_option, m)?)?;
    m.add_function(wrap_pyfunction!(options::early_options, m)?)?;
    m.add_function(wrap_pyfunction!(download_locustfiles, m)?)?;
    m.add("LOCUST_VERSION", rocust::LOCUST_VERSION)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
