//! `rocust._engine`: the Rust engine under `rocust -f locustfile.py`.
//!
//! The Python main thread owns gevent's hub and every user greenlet. It calls
//! in here to parse the command line, start the run (the runner, timers and
//! reports live on a Rust control thread), send HTTP requests (run by Rust
//! threads) and record statistics. Everything Rust has for Python comes back
//! through one eventfd the hub watches (see `bridge`): `Engine.drain()`
//! returns it in batches, and Python answers commands with `Engine.reply()`.
//! No greenlet ever switches while a Rust frame is on the stack.

mod backend;
mod bridge;
mod http;
mod options;
mod response;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use rocust_core::shape::ShapeTick;
use rocust_core::stats::StatsRecorder;
use rocust_core::user::{TaskInfo, UserClassInfo};
use rocust_http::{Bytes, HeaderMap, HeaderName, HeaderValue, HttpSession, Method};

use crate::backend::{PythonSource, Shared};
use crate::bridge::{Bridge, Command, HttpOutcome, Reply};
use crate::http::{FailRule, Job, ReadJob, Work};
use crate::options::ParsedOptions;
use crate::response::{BodyStream, PyTls, RawResponse};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One user's HTTP session (cookie jar and connections) on an HTTP thread.
#[pyclass(frozen, module = "rocust._engine")]
struct Session {
    thread: usize,
    inner: Arc<HttpSession>,
    /// The user's host: cookies set without a domain belong to it.
    host: Option<String>,
}

#[pymethods]
impl Session {
    /// The jar's cookies as (name, value, domain, path).
    fn cookies(&self) -> Vec<(String, String, String, String)> {
        self.inner
            .cookies()
            .into_iter()
            .map(|(name, value)| (name, value, String::new(), "/".to_owned()))
            .collect()
    }

    /// A cookie as if `domain` (default: the user's host) had set it for `path`.
    #[pyo3(signature = (name, value, domain = "", path = "/"))]
    fn set_cookie(&self, name: &str, value: &str, domain: &str, path: &str) -> bool {
        let path = if path.is_empty() { "/" } else { path };
        let domain = domain.trim_start_matches('.');
        let url = if domain.is_empty() {
            match &self.host {
                Some(host) => host.clone(),
                None => return false,
            }
        } else {
            format!("http://{domain}/")
        };
        self.inner.set_cookie_for(&url, name, value, path)
    }

    fn clear_cookies(&self) {
        self.inner.clear_cookies();
    }

    fn close(&self) {
        self.inner.close_connections();
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

fn command_tuple<'py>(py: Python<'py>, command: Command) -> PyResult<Bound<'py, PyTuple>> {
    match command {
        Command::Select { token, names } => ("select", token, names).into_pyobject(py),
        Command::ApplyFilter {
            token,
            tags,
            exclude_tags,
            equal_weights,
        } => ("apply_filter", token, tags, exclude_tags, equal_weights).into_pyobject(py),
        Command::Spawn { class, count } => ("spawn", class, count).into_pyobject(py),
        Command::Stop {
            token,
            counts,
            stop_timeout,
        } => ("stop", token, counts, stop_timeout).into_pyobject(py),
        Command::KillAll => ("kill_all",).into_pyobject(py),
        Command::Event { token, name, arg } => ("event", token, name, arg).into_pyobject(py),
        Command::ShapeTick { token, started } => ("shape_tick", token, started).into_pyobject(py),
        Command::Exit(code) => ("exit", code).into_pyobject(py),
    }
}

fn header_map(headers: &Bound<'_, PyAny>) -> PyResult<HeaderMap> {
    let mut map = HeaderMap::new();
    for item in headers.try_iter()? {
        let (name, value): (String, String) = item?.extract()?;
        let name = HeaderName::try_from(name.as_str())
            .map_err(|e| PyValueError::new_err(format!("Invalid header name {name:?}: {e}")))?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|e| {
            PyValueError::new_err(format!("Invalid header value for {name}: {value:?}: {e}"))
        })?;
        map.append(name, value);
    }
    Ok(map)
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
        })
    }

    /// The descriptor gevent's hub watches (readable = call `drain`).
    #[getter]
    fn fd(&self) -> i32 {
        self.shared.bridge.fd()
    }

    /// Starts the run on the control thread: `classes` as
    /// `UserGroupController.user_classes_info()` gives them. Returns at once;
    /// the end arrives as an ("exit", code) command.
    #[pyo3(signature = (options, classes, has_shape, http_threads = 1))]
    fn run(
        &self,
        options: &ParsedOptions,
        classes: &Bound<'_, PyList>,
        has_shape: bool,
        http_threads: usize,
    ) -> PyResult<()> {
        let classes = classes
            .iter()
            .map(|c| info_from_dict(&c))
            .collect::<PyResult<Vec<_>>>()?;
        let mut source = PythonSource {
            shared: self.shared.clone(),
            classes,
            has_shape,
            http_threads,
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
                bridge.send(Command::Exit(code));
            })
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        Ok(())
    }

    /// Everything that arrived: finished requests as (waiter, RawResponse),
    /// reads of streamed bodies as (waiter, (bytes, error text or None)),
    /// and commands as tuples.
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
            }
        }
        let cmds = PyList::empty(py);
        for c in commands {
            cmds.append(command_tuple(py, c)?)?;
        }
        Ok((done, cmds))
    }

    /// Python's answer to the command `token`: None, or for a shape tick
    /// None / (users, rate) / (users, rate, [classes]).
    #[pyo3(signature = (token, value = None))]
    fn reply(&self, token: u64, value: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        let reply = match value {
            None => Reply::Done,
            Some(v) if v.is_none() => Reply::Shape(None),
            Some(v) => {
                let tuple = v.cast::<PyTuple>()?;
                let users: f64 = tuple.get_item(0)?.extract()?;
                let rate: f64 = tuple.get_item(1)?.extract()?;
                let mut tick = ShapeTick::new(users.max(0.0) as u64, rate);
                if tuple.len() > 2 {
                    let classes = tuple.get_item(2)?;
                    if !classes.is_none() {
                        let mut names = Vec::new();
                        for c in classes.try_iter()? {
                            let c = c?;
                            let name = match c.getattr("__name__") {
                                Ok(n) => n.extract::<String>()?,
                                Err(_) => c.extract::<String>()?,
                            };
                            names.push(name);
                        }
                        tick = tick.with_user_classes(names);
                    }
                }
                Reply::Shape(Some(tick))
            }
        };
        self.shared.bridge.reply(token, reply);
        Ok(())
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
                PyRuntimeError::new_err("the engine's HTTP threads are not running")
            })?;
        let (thread, inner) = http.session(user_class, verify);
        Ok(Session {
            thread,
            inner,
            host,
        })
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
    #[pyo3(signature = (request_type, name, response_time, response_length, error = None))]
    fn record(
        &mut self,
        request_type: &str,
        name: &str,
        response_time: Option<f64>,
        response_length: u64,
        error: Option<&str>,
    ) {
        if self.recorder.is_none() {
            self.recorder = self.shared.env.get().map(|env| env.stats.recorder());
        }
        if let Some(recorder) = &self.recorder {
            recorder.log(request_type, name, response_time, response_length, error);
        }
    }

    /// An exception from user code, for the exceptions table.
    fn log_exception(&self, msg: &str, traceback: &str) {
        if let Some(env) = self.shared.env.get() {
            env.stats.log_exception("local", msg, traceback);
        }
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

#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Engine>()?;
    m.add_class::<Session>()?;
    m.add_class::<RawResponse>()?;
    m.add_class::<BodyStream>()?;
    m.add_class::<PyTls>()?;
    m.add_class::<ParsedOptions>()?;
    m.add_function(wrap_pyfunction!(options::parse_args, m)?)?;
    m.add("LOCUST_VERSION", rocust::LOCUST_VERSION)?;
    m.add("VERSION", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
