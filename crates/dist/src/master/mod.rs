//! Locust's `MasterRunner`: no users of its own; it hands users out to its
//! workers with Locust's dispatcher, merges their stats reports, and follows
//! Locust's liveness rules. It is a [`Runner`], so the command line, the
//! keyboard and the web UI drive it as they drive a local runner.
//!
//! Messages are handled one at a time by one task ([`listen`]); ramps run
//! in a task of their own, so unlike Locust's master, messages keep being
//! handled while users are sent out.

mod handle;
mod nodes;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use rmpv::Value;
use rocust_core::dispatch::{DispatchStep, UserClassSpec, UsersDispatcher};
use rocust_core::env::Environment;
use rocust_core::events::SpawningCompleteEvent;
use rocust_core::exec::BoxFuture;
use rocust_core::runner::{
    final_or_now, format_user_classes_count, QuitSignal, Runner, RunnerState, ShapeDriver,
    WorkerSummary,
};
use rocust_core::shape::LoadTestShape;
use rocust_core::user::UserClassSettings;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use nodes::{WorkerNode, WorkerNodes};

use crate::codec;
use crate::custom::CustomMessages;
use crate::events::DistEvents;
use crate::messages::{kind, ClassCounts, MasterSpawningComplete, Spawn};
use crate::transport::{Router, RouterSender};

/// How a master runs, from the command line.
#[derive(Clone, Debug)]
pub struct MasterConfig {
    /// `--master-bind-host` (`*`: every interface).
    pub bind_host: String,
    pub bind_port: u16,
    /// `--enable-rebalancing`.
    pub enable_rebalancing: bool,
    /// `--headless`: the last worker quitting ends the run.
    pub headless: bool,
    /// `--reset-stats`.
    pub reset_stats: bool,
    /// `--stop-timeout`, sent to the workers with each spawn.
    pub stop_timeout: Option<f64>,
    /// The selected, non-abstract user classes.
    pub user_classes: Vec<UserClassSpec>,
    /// Locust's `vars(parsed_options)`, sent with each spawn.
    pub parsed_options: Value,
    /// The locustfiles a worker started with `-f -` receives.
    pub locustfiles: Vec<String>,
    /// How long a ramp waits for the workers' reports to match the target
    /// (`LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP`, default 1 s).
    pub report_wait: Duration,
}

/// Locust's `LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP`: seconds, or
/// `"<k> * WORKER_REPORT_INTERVAL"`.
pub fn report_wait_from_env(value: Option<&str>) -> Result<Duration, String> {
    let Some(value) = value else {
        return Ok(Duration::from_secs(1));
    };
    let seconds = match value.split_once('*') {
        Some((k, unit)) if unit.trim() == "WORKER_REPORT_INTERVAL" => k
            .trim()
            .parse::<f64>()
            .map(|k| k * crate::timing::WORKER_REPORT_INTERVAL.as_secs_f64()),
        _ => value.trim().parse::<f64>(),
    };
    match seconds {
        Ok(s) if s >= 0.0 && s.is_finite() => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "LOCUST_WAIT_FOR_WORKERS_REPORT_AFTER_RAMP_UP must be seconds (or '<k> * WORKER_REPORT_INTERVAL'), not '{value}'"
        )),
    }
}

impl Default for MasterConfig {
    fn default() -> Self {
        Self {
            bind_host: "*".to_owned(),
            bind_port: 5557,
            enable_rebalancing: false,
            headless: false,
            reset_stats: false,
            stop_timeout: None,
            user_classes: Vec::new(),
            parsed_options: Value::Map(Vec::new()),
            locustfiles: Vec::new(),
            report_wait: Duration::from_secs(1),
        }
    }
}

struct Inner {
    state: RunnerState,
    nodes: WorkerNodes,
    /// The dispatcher's classes, as the class editor last changed them.
    user_classes: Vec<UserClassSpec>,
    dispatcher: Option<UsersDispatcher>,
    ramp: Option<JoinHandle<()>>,
    /// A worker joined or left while the ramp waited for reports.
    restart_after_ramp: bool,
    spawning_completed: bool,
    target_user_count: u64,
    spawn_rate: f64,
    final_user_classes_count: BTreeMap<String, usize>,
    /// Index per node id, first-seen order, for the master's lifetime.
    worker_indexes: HashMap<String, i64>,
    worker_logs: Vec<(String, Vec<String>)>,
    worker_cpu_warning_emitted: bool,
}

/// The master of a distributed run.
pub struct MasterRunner {
    me: Weak<MasterRunner>,
    env: Arc<Environment>,
    config: MasterConfig,
    sender: RouterSender,
    local_addr: SocketAddr,
    shape: Option<Arc<ShapeDriver>>,
    inner: Mutex<Inner>,
    states: watch::Sender<RunnerState>,
    quit: QuitSignal,
    has_quit: AtomicBool,
    custom: CustomMessages,
    events: DistEvents,
}

impl MasterRunner {
    /// Binds the master's port and starts listening (inside a tokio runtime).
    pub async fn bind(
        env: Arc<Environment>,
        config: MasterConfig,
        shape: Option<Box<dyn LoadTestShape>>,
    ) -> io::Result<Arc<Self>> {
        let router = Router::bind(&config.bind_host, config.bind_port).await?;
        let user_classes = config.user_classes.clone();
        let runner = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            env: env.clone(),
            sender: router.sender(),
            local_addr: router.local_addr(),
            shape: shape.map(|s| Arc::new(ShapeDriver::new(s))),
            config,
            inner: Mutex::new(Inner {
                state: RunnerState::Ready,
                nodes: WorkerNodes::default(),
                user_classes,
                dispatcher: None,
                ramp: None,
                restart_after_ramp: false,
                spawning_completed: false,
                target_user_count: 0,
                spawn_rate: 0.0,
                final_user_classes_count: BTreeMap::new(),
                worker_indexes: HashMap::new(),
                worker_logs: Vec::new(),
                worker_cpu_warning_emitted: false,
            }),
            states: watch::channel(RunnerState::Ready).0,
            quit: QuitSignal::default(),
            has_quit: AtomicBool::new(false),
            custom: CustomMessages::default(),
            events: DistEvents::default(),
        });
        let weak = Arc::downgrade(&runner);
        env.events.spawning_complete.add_listener(move |_| {
            if let Some(runner) = weak.upgrade() {
                runner.set_state(RunnerState::Running);
                if runner.config.reset_stats {
                    log::info!("Resetting stats\n");
                    runner.env.stats.reset_all();
                }
            }
        });
        tokio::spawn(handle::listen(Arc::downgrade(&runner), router));
        tokio::spawn(handle::heartbeat_worker(Arc::downgrade(&runner)));
        Ok(runner)
    }

    /// Where the master listens (the port, when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn custom_messages(&self) -> &CustomMessages {
        &self.custom
    }

    /// Locust's distributed events of this runner.
    pub fn events(&self) -> &DistEvents {
        &self.events
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, state: RunnerState) {
        let mut inner = self.inner();
        self.enter_state(&mut inner, state);
    }

    fn enter_state(&self, inner: &mut Inner, state: RunnerState) {
        if inner.state != state {
            log::debug!(
                "Updating state to '{state}', old state was '{}'",
                inner.state
            );
        }
        inner.state = state;
        self.states.send_replace(state);
    }

    /// Workers that are ready (what `--expect-workers` counts).
    pub fn ready_worker_count(&self) -> usize {
        self.inner().nodes.with_state(nodes::READY).count()
    }

    /// The index of a worker, handed out in first-seen order.
    fn worker_index(inner: &mut Inner, id: &str) -> i64 {
        let next = inner.worker_indexes.len() as i64;
        *inner.worker_indexes.entry(id.to_owned()).or_insert(next)
    }

    /// Every worker's id, missing ones included.
    fn node_ids(&self) -> Vec<String> {
        self.inner().nodes.all().map(|n| n.id.clone()).collect()
    }

    fn send_to<T: serde::Serialize + ?Sized>(&self, id: &str, msg_type: &str, data: &T) {
        self.sender.send(id, codec::encode(msg_type, data, id));
    }

    /// Sends a message of the locustfile's own to one worker, or to every
    /// worker (missing ones included, as Locust does) when `client_id` is `None`.
    pub fn send_message(&self, msg_type: &str, data: Value, client_id: Option<&str>) {
        match client_id {
            Some(id) => {
                log::debug!("Sending {msg_type} message to worker {id}");
                self.send_to(id, msg_type, &data);
            }
            None => {
                for id in self.node_ids() {
                    log::debug!("Sending {msg_type} message to worker {id}");
                    self.send_to(&id, msg_type, &data);
                }
            }
        }
    }

    /// Locust's `check_stopped`, after every message: stopped once every
    /// worker is ready again after a stop, or when none is left active.
    fn check_stopped(&self, inner: &mut Inner) {
        // Lazy: on a big fleet this runs for every message; the first active
        // worker usually settles it.
        let all_ready = || inner.nodes.all().all(|n| n.state == nodes::READY);
        let none_active = || inner.nodes.all().all(|n| !n.is_active());
        if (inner.state == RunnerState::Stopping && all_ready()) || none_active() {
            self.enter_state(inner, RunnerState::Stopped);
        }
    }

    /// Locust's `MasterRunner.start`: checks and bookkeeping here, the
    /// dispatch cycle in a task.
    fn start_ramp(&self, user_count: u64, spawn_rate: f64, user_classes: Option<Vec<String>>) {
        let Some(me) = self.me.upgrade() else { return };
        let first_start = {
            let mut inner = self.inner();
            inner.spawning_completed = false;
            inner.target_user_count = user_count;
            let active = inner.nodes.active_ids();
            if active.is_empty() {
                log::warn!("You can't start a distributed test before at least one worker processes has connected");
                return;
            }
            inner.spawn_rate = spawn_rate;
            if inner.dispatcher.is_none() {
                match UsersDispatcher::new(active.clone(), inner.user_classes.clone()) {
                    Ok(d) => inner.dispatcher = Some(d),
                    Err(e) => {
                        log::error!("{e}");
                        return;
                    }
                }
            }
            log::info!(
                "Sending spawn jobs of {user_count} users at {spawn_rate:.2} spawn rate to {} ready workers",
                active.len()
            );
            if spawn_rate / active.len() as f64 > 100.0 {
                log::warn!("Your selected spawn rate is very high (>100/worker), and this is known to sometimes cause issues. Do you really need to ramp up that fast?");
            }
            !matches!(inner.state, RunnerState::Running | RunnerState::Spawning)
        };
        if first_start {
            self.env.stats.clear_all();
            self.env.stats.clear_exceptions();
            self.env.events.test_start.fire(&self.env);
        }
        let mut inner = self.inner();
        self.enter_state(&mut inner, RunnerState::Spawning);
        let Some(dispatcher) = inner.dispatcher.as_mut() else {
            return;
        };
        if let Err(e) = dispatcher.new_dispatch(user_count, spawn_rate, user_classes) {
            log::error!("{e}");
            return;
        }
        let ramp = tokio::spawn(async move { me.ramp().await });
        if let Some(previous) = inner.ramp.replace(ramp) {
            previous.abort();
        }
    }

    async fn ramp(&self) {
        let mut last: Option<ClassCounts> = None;
        loop {
            let step = match self.inner().dispatcher.as_mut() {
                Some(d) => d.step(Instant::now()),
                None => return,
            };
            match step {
                DispatchStep::Dispatch(users) => {
                    let host = self.env.host();
                    for (id, _) in users.iter() {
                        let spawn = Spawn {
                            timestamp: crate::unix_now(),
                            user_classes_count: users.user_classes_count(id).unwrap_or_default(),
                            host: host.clone(),
                            stop_timeout: self.config.stop_timeout,
                            parsed_options: self.config.parsed_options.clone(),
                        };
                        self.send_to(id, kind::SPAWN, &spawn);
                    }
                    log::debug!(
                        "Sending spawn messages for {} total users to {} worker(s)",
                        users.user_count(),
                        users.len()
                    );
                    last = Some(users.total_user_classes_count());
                }
                DispatchStep::Sleep(pause) => tokio::time::sleep(pause).await,
                DispatchStep::Done => break,
            }
        }
        let target = last.unwrap_or_default();
        let target_total: u64 = target.values().sum();
        let deadline = Instant::now() + self.config.report_wait;
        let mut prefix = "All users spawned";
        while !self.reports_match_target() {
            if Instant::now() >= deadline {
                prefix = "Spawning is complete and report waittime is expired, but not all reports received from workers";
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.env
            .events
            .spawning_complete
            .fire(&SpawningCompleteEvent {
                user_count: target_total as usize,
            });
        let done = MasterSpawningComplete {
            user_count: target_total,
        };
        for id in self.node_ids() {
            self.send_to(&id, kind::SPAWNING_COMPLETE, &done);
        }
        let (reported, restart) = {
            let mut inner = self.inner();
            inner.spawning_completed = true;
            let restart = std::mem::take(&mut inner.restart_after_ramp);
            let reported = as_usize_counts(&inner.nodes.reported_user_classes_count());
            (
                reported,
                restart.then_some((inner.target_user_count, inner.spawn_rate)),
            )
        };
        log::info!("{prefix}: {}", format_user_classes_count(&reported));
        if let Some((users, rate)) = restart {
            self.start_ramp(users, rate, None);
        }
    }

    fn reports_match_target(&self) -> bool {
        let inner = self.inner();
        inner.nodes.user_count() == inner.target_user_count
    }

    /// Locust's `stop(send_stop_to_client)`.
    async fn stop_test(&self, send_stop_to_client: bool) {
        let ids: Vec<String> = {
            let mut inner = self.inner();
            if matches!(
                inner.state,
                RunnerState::Ready | RunnerState::Stopped | RunnerState::Stopping
            ) {
                return;
            }
            drop(inner);
            log::debug!("Stopping...");
            self.env.events.test_stopping.fire(&self.env);
            inner = self.inner();
            inner.final_user_classes_count =
                as_usize_counts(&inner.nodes.reported_user_classes_count());
            self.enter_state(&mut inner, RunnerState::Stopping);
            inner.dispatcher = None;
            inner.restart_after_ramp = false;
            if let Some(ramp) = inner.ramp.take() {
                ramp.abort();
            }
            drop(inner);
            self.node_ids()
        };
        if let Some(shape) = &self.shape {
            shape.cancel();
        }
        if send_stop_to_client {
            for id in &ids {
                log::debug!("Sending stop message to worker {id}");
                self.send_to(id, kind::STOP, &Value::Nil);
            }
            let limit = Duration::from_secs_f64(self.config.stop_timeout.unwrap_or(0.0))
                + Duration::from_secs(60);
            let deadline = Instant::now() + limit;
            while self.inner().nodes.user_count() != 0 {
                if Instant::now() >= deadline {
                    log::error!("Timeout waiting for all workers to stop");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        self.env.events.test_stop.fire(&self.env);
    }

    /// Why a run that ends now fails, beyond errors: Locust's
    /// "CPU usage threshold was exceeded on workers" warning.
    pub fn cpu_log_warning(&self) -> bool {
        let emitted = self.inner().worker_cpu_warning_emitted;
        if emitted {
            log::warn!("CPU usage threshold was exceeded on workers during the test!");
        }
        emitted
    }
}

fn as_usize_counts(counts: &ClassCounts) -> BTreeMap<String, usize> {
    counts
        .iter()
        .map(|(k, v)| (k.clone(), *v as usize))
        .collect()
}

impl Runner for MasterRunner {
    fn environment(&self) -> &Arc<Environment> {
        &self.env
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn state(&self) -> RunnerState {
        self.inner().state
    }

    fn subscribe_state(&self) -> watch::Receiver<RunnerState> {
        self.states.subscribe()
    }

    fn user_count(&self) -> usize {
        self.inner().nodes.user_count() as usize
    }

    fn target_user_count(&self) -> u64 {
        self.inner().target_user_count
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        as_usize_counts(&self.inner().nodes.reported_user_classes_count())
    }

    fn final_user_classes_count(&self) -> BTreeMap<String, usize> {
        let at_last_stop = self.inner().final_user_classes_count.clone();
        final_or_now(&at_last_stop, || self.user_classes_count())
    }

    fn has_shape(&self) -> bool {
        self.shape.is_some()
    }

    fn start(&self, user_count: u64, spawn_rate: f64, user_classes: Option<Vec<String>>) {
        self.start_ramp(user_count, spawn_rate, user_classes);
    }

    fn start_shape(&self) {
        if let (Some(shape), Some(me)) = (&self.shape, self.me.upgrade()) {
            shape.start(me, self.config.headless, || {
                self.set_state(RunnerState::Ready)
            });
        }
    }

    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.stop_test(true))
    }

    /// Locust's `quit`: stop without telling the workers, `quit` to each of
    /// them, and half a second for their final reports.
    fn quit(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.stop_test(false).await;
            if self.has_quit.swap(true, Ordering::SeqCst) {
                return;
            }
            log::debug!("Quitting...");
            for id in self.node_ids() {
                self.send_to(&id, kind::QUIT, &Value::Nil);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            self.quit.set();
        })
    }

    fn wait_quit(&self) -> BoxFuture<'_, ()> {
        self.quit.wait()
    }

    /// The workers' users are theirs to kill.
    fn kill_all(&self) {}

    /// Locust's `update_user_class` on a master: the dispatcher's weights
    /// and every worker's class.
    fn update_user_class<'a>(
        &'a self,
        class: &'a str,
        settings: &'a UserClassSettings,
        extra: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            {
                let mut inner = self.inner();
                let Some(spec) = inner.user_classes.iter_mut().find(|c| c.name == class) else {
                    return Err(format!("Unknown user class {class}"));
                };
                if let Some(w) = settings.weight {
                    spec.weight = w as f64;
                }
                if let Some(f) = settings.fixed_count {
                    spec.fixed_count = f as u64;
                }
                let spec = spec.clone();
                if let Some(d) = inner.dispatcher.as_mut() {
                    d.update_user_class(spec).map_err(|e| e.to_string())?;
                }
            }
            let mut data = vec![(Value::from("user_class_name"), Value::from(class))];
            if let Some(w) = settings.weight {
                data.push(("weight".into(), w.into()));
            }
            if let Some(f) = settings.fixed_count {
                data.push(("fixed_count".into(), f.into()));
            }
            if let Some(host) = &settings.host {
                data.push(("host".into(), host.clone().map_or(Value::Nil, Value::from)));
            }
            if let Some(tasks) = &settings.tasks {
                let names = tasks.iter().map(|t| Value::from(t.as_str())).collect();
                data.push(("tasks".into(), Value::Array(names)));
            }
            for (key, value) in extra {
                data.push((key.as_str().into(), codec::json_to_value(value)));
            }
            self.send_message(kind::UPDATE_USER_CLASS, Value::Map(data), None);
            Ok(())
        })
    }

    fn workers(&self) -> Option<Vec<WorkerSummary>> {
        let inner = self.inner();
        Some(
            inner
                .nodes
                .all()
                .map(|n| WorkerSummary {
                    id: n.id.clone(),
                    state: n.state.clone(),
                    user_count: n.user_count(),
                    cpu_usage: n.cpu_usage,
                    memory_usage: n.memory_usage,
                })
                .collect(),
        )
    }

    fn worker_count(&self) -> usize {
        self.inner().nodes.worker_count()
    }

    fn worker_logs(&self) -> Vec<(String, Vec<String>)> {
        self.inner().worker_logs.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_wait_reads_locusts_variable() {
        assert_eq!(report_wait_from_env(None), Ok(Duration::from_secs(1)));
        assert_eq!(
            report_wait_from_env(Some("2.5")),
            Ok(Duration::from_millis(2500))
        );
        assert_eq!(
            report_wait_from_env(Some("1.5 * WORKER_REPORT_INTERVAL")),
            Ok(Duration::from_millis(4500))
        );
        assert!(report_wait_from_env(Some("-1")).is_err());
        assert!(report_wait_from_env(Some("soon")).is_err());
    }
}
