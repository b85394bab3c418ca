//! The runner's side of Python users: a `UserBackend` and a `UserSource`
//! whose every call becomes a command for the Python main thread.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rocust::report::ReportSettings;
use rocust::{CustomOptionsHook, UserSource, WebUiHooks};
use rocust_core::env::Environment;
use rocust_core::exec::{BoxFuture, SpawnError, UserBackend};
use rocust_core::runner::Runner;
use rocust_core::shape::{LoadTestShape, ShapeContext, ShapeTick};
use rocust_core::user::{TaskFilter, UserClassInfo};

use crate::bridge::Bridge;
use crate::command::{Command, Event, Reply};
use crate::http::HttpThreads;

/// What the Python-facing `Engine` and the control thread share.
pub struct Shared {
    pub bridge: Arc<Bridge>,
    /// Live users per class, as the Python controller last reported them.
    pub counts: Mutex<BTreeMap<String, usize>>,
    pub env: OnceLock<Arc<Environment>>,
    pub runner: OnceLock<Arc<dyn Runner>>,
    pub control: OnceLock<tokio::runtime::Handle>,
    pub http: OnceLock<HttpThreads>,
    /// The locustfile's part of the web UI.
    pub web: Arc<crate::web::PythonWeb>,
    pub dist_events: crate::dist_events::WantedEvents,
}

impl Shared {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        let bridge_for_web = bridge.clone();
        Self {
            bridge,
            counts: Mutex::default(),
            env: OnceLock::new(),
            runner: OnceLock::new(),
            control: OnceLock::new(),
            http: OnceLock::new(),
            web: Arc::new(crate::web::PythonWeb::new(bridge_for_web)),
            dist_events: Default::default(),
        }
    }

    pub fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct PythonBackend {
    shared: Arc<Shared>,
    /// As declared, and as the web UI's class editor changed them.
    declared: Vec<UserClassInfo>,
    classes: Arc<Mutex<Vec<UserClassInfo>>>,
}

impl PythonBackend {
    fn classes(&self) -> std::sync::MutexGuard<'_, Vec<UserClassInfo>> {
        self.classes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl UserBackend for PythonBackend {
    fn user_classes(&self) -> Vec<UserClassInfo> {
        self.classes().clone()
    }

    fn update_user_class(
        &self,
        class: &str,
        settings: &rocust_core::user::UserClassSettings,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'static, Result<(), String>> {
        let Some(declared) = self.declared.iter().find(|c| c.name == class).cloned() else {
            let message = format!("Unknown user class {class}");
            return Box::pin(std::future::ready(Err(message)));
        };
        let mut json = extra.clone();
        json.insert("user_class_name".into(), class.into());
        if let Some(weight) = settings.weight {
            json.insert("weight".into(), weight.into());
        }
        if let Some(fixed) = settings.fixed_count {
            json.insert("fixed_count".into(), fixed.into());
        }
        if let Some(host) = &settings.host {
            json.insert("host".into(), host.clone().into());
        }
        if let Some(tasks) = &settings.tasks {
            json.insert("tasks".into(), tasks.clone().into());
        }
        let answer = self
            .shared
            .bridge
            .call_async(|token| Command::UpdateUserClass {
                token,
                settings: serde_json::Value::Object(json).to_string(),
            });
        let classes = self.classes.clone();
        let settings = settings.clone();
        Box::pin(async move {
            match answer.await {
                Ok(Reply::Done) => {
                    let mut classes = classes.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(info) = classes.iter_mut().find(|c| c.name == declared.name) {
                        *info = info.with_settings(&settings, &declared.tasks);
                    }
                    Ok(())
                }
                Ok(Reply::Failed(why)) => Err(why),
                _ => Err("the Python side did not answer".to_owned()),
            }
        })
    }

    fn apply_filter(&self, filter: &TaskFilter) {
        let list = |tags: &Option<std::collections::BTreeSet<String>>| {
            tags.as_ref().map(|t| t.iter().cloned().collect::<Vec<_>>())
        };
        let reply = self.shared.bridge.call(|token| Command::ApplyFilter {
            token,
            tags: list(&filter.tags),
            exclude_tags: list(&filter.exclude_tags),
            equal_weights: filter.equal_weights,
        });
        log_failure(reply);
    }

    fn spawn(&self, class: &str, count: usize) -> BoxFuture<'static, Result<(), SpawnError>> {
        let done = self.shared.bridge.call_async(|token| Command::Spawn {
            token,
            user_class: class.to_owned(),
            count,
        });
        Box::pin(async move {
            match done.await {
                Ok(Reply::Failed(why)) => Err(SpawnError(why)),
                // Done, or Python is gone (the run is ending anyway).
                _ => Ok(()),
            }
        })
    }

    fn stop(
        &self,
        counts: &BTreeMap<String, usize>,
        stop_timeout: Option<Duration>,
    ) -> BoxFuture<'static, ()> {
        let done = self.shared.bridge.call_async(|token| Command::StopUsers {
            token,
            counts: counts.clone(),
            stop_timeout: stop_timeout.map(|d| d.as_secs_f64()),
        });
        Box::pin(async move {
            if let Ok(reply) = done.await {
                log_failure(Some(reply));
            }
        })
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        let counts = self.shared.counts();
        self.classes()
            .iter()
            .map(|c| (c.name.clone(), counts.get(&c.name).copied().unwrap_or(0)))
            .collect()
    }

    fn kill_all(&self) {
        self.shared
            .bridge
            .notify(|token| Command::KillAll { token });
    }

    fn shutdown(&self) {}
}

/// Logs a failed answer (the command's work did not happen).
fn log_failure(reply: Option<Reply>) {
    if let Some(Reply::Failed(why)) = reply {
        log::error!("{why}");
    }
}

/// Locust's `LoadTestShape` of the locustfile: each tick asks Python.
struct PythonShape {
    shared: Arc<Shared>,
    use_common_options: bool,
    name: String,
}

impl LoadTestShape for PythonShape {
    fn use_common_options(&self) -> bool {
        self.use_common_options
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn tick(&mut self, ctx: &ShapeContext) -> Option<ShapeTick> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let started = now - ctx.get_run_time().as_secs_f64();
        match self
            .shared
            .bridge
            .call(|token| Command::ShapeTick { token, started })
        {
            Some(Reply::Shape(tick)) => tick,
            // tick() raised (Python logged it): like Locust's dead shape
            // greenlet, the shape ends and the run exits with code 2.
            Some(Reply::Failed(_)) => {
                if let Some(env) = self.shared.env.get() {
                    env.mark_unhandled_exception();
                }
                None
            }
            _ => None,
        }
    }
}

/// The classes of a Python locustfile, as the Python side described them.
pub struct PythonSource {
    pub shared: Arc<Shared>,
    pub classes: Vec<UserClassInfo>,
    pub has_shape: bool,
    /// The shape class's `use_common_options`.
    pub shape_use_common_options: bool,
    /// The shape class's name.
    pub shape_name: Option<String>,
    /// Locust's `environment.locustfile`: the first locustfile's file name.
    pub locustfile: String,
    /// The locustfile's options shown in the web UI's start form.
    pub web_ui_options: serde_json::Map<String, serde_json::Value>,
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

    fn locustfile_name(&self) -> String {
        self.locustfile.clone()
    }

    fn web_ui_hooks(&self) -> WebUiHooks {
        let bridge = self.shared.bridge.clone();
        let set_host: Arc<dyn Fn(Option<String>) + Send + Sync> =
            Arc::new(move |host| bridge.notify(|token| Command::SetHost { token, host }));
        let bridge = self.shared.bridge.clone();
        // Setting is sent at once (before any command the start sends next);
        // checking waits for Python's answer.
        let custom_options: Arc<CustomOptionsHook> = Arc::new(move |form, apply| {
            if apply {
                bridge.notify(|token| Command::CustomOptions { token, form, apply });
                return Box::pin(std::future::ready(Ok(())));
            }
            let answer = bridge.call_async(|token| Command::CustomOptions { token, form, apply });
            Box::pin(async move {
                match answer.await {
                    Ok(Reply::Done) => Ok(()),
                    Ok(Reply::Failed(message)) => Err(message),
                    Ok(other) => Err(format!("unexpected answer {other:?}")),
                    Err(_) => Err("the Python side is gone".to_owned()),
                }
            })
        });
        WebUiHooks {
            set_host: Some(set_host),
            extra_options: self.web_ui_options.clone(),
            custom_options: Some(custom_options),
            extension: Some(self.shared.web.clone()),
        }
    }

    fn take_shape(&mut self) -> Option<Box<dyn LoadTestShape>> {
        self.has_shape.then(|| {
            Box::new(PythonShape {
                shared: self.shared.clone(),
                use_common_options: self.shape_use_common_options,
                name: self
                    .shape_name
                    .clone()
                    .unwrap_or_else(|| "LoadTestShape".to_owned()),
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
        log_failure(self.shared.bridge.call(|token| Command::SelectClasses {
            token,
            names: selected.to_vec(),
        }));
        let classes: Vec<UserClassInfo> = self
            .classes
            .iter()
            .filter(|c| selected.contains(&c.name))
            .cloned()
            .collect();
        Ok(Arc::new(PythonBackend {
            shared: self.shared.clone(),
            declared: classes.clone(),
            classes: Arc::new(Mutex::new(classes)),
        }))
    }

    fn init(&mut self, env: &Arc<Environment>, runner: &Arc<dyn Runner>) {
        let _ = self.shared.runner.set(runner.clone());
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let _ = self.shared.control.set(handle);
        }
        bind_events(env, &self.shared.bridge);
        crate::dist_events::bind_wanted(&self.shared, None);
        if let Some(dist) = rocust_dist::Distributed::of(runner.as_ref()) {
            let bridge = self.shared.bridge.clone();
            dist.custom_messages().set_fallback(move |msg| {
                let mut data = Vec::new();
                let _ = rmpv::encode::write_value(&mut data, &msg.data);
                bridge.notify(|token| Command::CustomMessage {
                    token,
                    msg_type: msg.kind.clone(),
                    data,
                    node_id: msg.node_id.clone(),
                });
            });
        }
    }
}

/// Rust fires the runner's events; Python's listeners run before the runner
/// goes on (Locust fires them synchronously too).
fn bind_events(env: &Arc<Environment>, bridge: &Arc<Bridge>) {
    let events = &env.events;
    let fire = |event: Event| {
        let bridge = bridge.clone();
        move || log_failure(bridge.call(|token| Command::FireEvent { token, event }))
    };
    let f = fire(Event::Init);
    events.init.add_listener(move |_| f());
    let f = fire(Event::TestStart);
    events.test_start.add_listener(move |_| f());
    let f = fire(Event::TestStopping);
    events.test_stopping.add_listener(move |_| f());
    let f = fire(Event::TestStop);
    events.test_stop.add_listener(move |_| f());
    let f = fire(Event::ResetStats);
    events.reset_stats.add_listener(move |_| f());
    let f = fire(Event::Quitting);
    events.quitting.add_listener(move |_| f());
    let b = bridge.clone();
    events.spawning_complete.add_listener(move |e| {
        log_failure(b.call(|token| Command::SpawningComplete {
            token,
            user_count: e.user_count,
        }))
    });
    let b = bridge.clone();
    events.quit.add_listener(move |e| {
        log_failure(b.call(|token| Command::Quit {
            token,
            exit_code: e.exit_code,
        }))
    });
}
