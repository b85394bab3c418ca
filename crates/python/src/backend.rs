//! The runner's side of Python users: a `UserBackend` and a `UserSource`
//! whose every call becomes a command for the Python main thread.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rocust::report::ReportSettings;
use rocust::UserSource;
use rocust_core::env::Environment;
use rocust_core::exec::{BoxFuture, UserBackend};
use rocust_core::runner::LocalRunner;
use rocust_core::shape::{LoadTestShape, ShapeContext, ShapeTick};
use rocust_core::user::{TaskFilter, UserClassInfo};

use crate::bridge::{Bridge, Command, Reply};
use crate::http::HttpThreads;

/// What the Python-facing `Engine` and the control thread share.
pub struct Shared {
    pub bridge: Arc<Bridge>,
    /// Live users per class, as the Python controller last reported them.
    pub counts: Mutex<BTreeMap<String, usize>>,
    pub env: OnceLock<Arc<Environment>>,
    pub runner: OnceLock<Arc<LocalRunner>>,
    pub control: OnceLock<tokio::runtime::Handle>,
    pub http: OnceLock<HttpThreads>,
}

impl Shared {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        Self {
            bridge,
            counts: Mutex::default(),
            env: OnceLock::new(),
            runner: OnceLock::new(),
            control: OnceLock::new(),
            http: OnceLock::new(),
        }
    }

    pub fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct PythonBackend {
    shared: Arc<Shared>,
    classes: Vec<UserClassInfo>,
}

impl UserBackend for PythonBackend {
    fn user_classes(&self) -> Vec<UserClassInfo> {
        self.classes.clone()
    }

    fn apply_filter(&self, filter: &TaskFilter) {
        let list = |tags: &Option<std::collections::BTreeSet<String>>| {
            tags.as_ref().map(|t| t.iter().cloned().collect::<Vec<_>>())
        };
        self.shared.bridge.call(|token| Command::ApplyFilter {
            token,
            tags: list(&filter.tags),
            exclude_tags: list(&filter.exclude_tags),
            equal_weights: filter.equal_weights,
        });
    }

    fn spawn(&self, class: &str, count: usize) {
        // Counted now: the runner reads counts before Python has spawned.
        *self.shared.counts().entry(class.to_owned()).or_default() += count;
        self.shared.bridge.send(Command::Spawn {
            class: class.to_owned(),
            count,
        });
    }

    fn stop(
        &self,
        counts: &BTreeMap<String, usize>,
        stop_timeout: Option<Duration>,
    ) -> BoxFuture<'static, ()> {
        let done = self.shared.bridge.call_async(|token| Command::Stop {
            token,
            counts: counts.clone(),
            stop_timeout: stop_timeout.map(|d| d.as_secs_f64()),
        });
        Box::pin(async move {
            let _ = done.await;
        })
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        let counts = self.shared.counts();
        self.classes
            .iter()
            .map(|c| (c.name.clone(), counts.get(&c.name).copied().unwrap_or(0)))
            .collect()
    }

    fn kill_all(&self) {
        self.shared.bridge.send(Command::KillAll);
    }

    fn shutdown(&self) {}
}

/// Locust's `LoadTestShape` of the locustfile: each tick asks Python.
struct PythonShape {
    bridge: Arc<Bridge>,
}

impl LoadTestShape for PythonShape {
    fn tick(&mut self, ctx: &ShapeContext) -> Option<ShapeTick> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let started = now - ctx.get_run_time().as_secs_f64();
        match self
            .bridge
            .call(|token| Command::ShapeTick { token, started })
        {
            Some(Reply::Shape(tick)) => tick,
            _ => None,
        }
    }
}

/// The classes of a Python locustfile, as the Python side described them.
pub struct PythonSource {
    pub shared: Arc<Shared>,
    pub classes: Vec<UserClassInfo>,
    pub has_shape: bool,
    pub http_threads: usize,
    /// What the locustfile set in `locust.stats` (percentiles, intervals).
    pub report: ReportSettings,
}

impl UserSource for PythonSource {
    fn user_classes(&self) -> Vec<UserClassInfo> {
        self.classes.clone()
    }

    fn host_required(&self) -> bool {
        false
    }

    fn report_settings(&self) -> ReportSettings {
        self.report.clone()
    }

    fn take_shape(&mut self) -> Option<Box<dyn LoadTestShape>> {
        self.has_shape.then(|| {
            Box::new(PythonShape {
                bridge: self.shared.bridge.clone(),
            }) as Box<dyn LoadTestShape>
        })
    }

    fn backend(
        &mut self,
        env: &Arc<Environment>,
        selected: &[String],
    ) -> Result<Arc<dyn UserBackend>, String> {
        let http = HttpThreads::start(self.http_threads, env, self.shared.bridge.clone())
            .map_err(|e| format!("Could not start the HTTP threads: {e}"))?;
        let _ = self.shared.http.set(http);
        let _ = self.shared.env.set(env.clone());
        self.shared.bridge.call(|token| Command::Select {
            token,
            names: selected.to_vec(),
        });
        let classes = self
            .classes
            .iter()
            .filter(|c| selected.contains(&c.name))
            .cloned()
            .collect();
        Ok(Arc::new(PythonBackend {
            shared: self.shared.clone(),
            classes,
        }))
    }

    fn init(&mut self, env: &Arc<Environment>, runner: &Arc<LocalRunner>) {
        let _ = self.shared.runner.set(runner.clone());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let _ = self.shared.control.set(handle);
        }
        bind_events(env, &self.shared.bridge);
    }
}

/// Rust fires the runner's events; Python's listeners run before the runner
/// goes on (Locust fires them synchronously too).
fn bind_events(env: &Arc<Environment>, bridge: &Arc<Bridge>) {
    let events = &env.events;
    let fire = |name: &'static str| {
        let bridge = bridge.clone();
        move |arg: Option<i64>| {
            bridge.call(|token| Command::Event { token, name, arg });
        }
    };
    let f = fire("init");
    events.init.add_listener(move |_| f(None));
    let f = fire("test_start");
    events.test_start.add_listener(move |_| f(None));
    let f = fire("test_stopping");
    events.test_stopping.add_listener(move |_| f(None));
    let f = fire("test_stop");
    events.test_stop.add_listener(move |_| f(None));
    let f = fire("spawning_complete");
    events
        .spawning_complete
        .add_listener(move |e| f(Some(e.user_count as i64)));
    let f = fire("reset_stats");
    events.reset_stats.add_listener(move |_| f(None));
    let f = fire("quitting");
    events.quitting.add_listener(move |_| f(None));
    let f = fire("quit");
    events
        .quit
        .add_listener(move |e| f(Some(e.exit_code as i64)));
}
