//! Locust's `WorkerRunner`: users in this process, orders from the master.
//!
//! As in Locust: `client_ready` until the master acks (61 tries 5 s apart,
//! then exit 255), then heartbeats every second, stats deltas every 3 s and
//! the log buffer every 10 s; `spawn` carries absolute per-class counts;
//! the worker quits 60 s after the master's last heartbeat. Beyond Locust:
//! after the connection drops, the worker introduces itself again with
//! `client_ready`, so a restarted master adopts it instead of ignoring it.

mod reports;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use rmpv::Value;
use rocust_core::env::Environment;
use rocust_core::events::SpawningCompleteEvent;
use rocust_core::exec::{BoxFuture, UserBackend};
use rocust_core::runner::{
    apply_user_counts, final_or_now, JobTicket, QuitSignal, Runner, RunnerState, SpawnJobs,
};
use rocust_core::user::{TaskFilter, UserClassSettings};
use tokio::sync::{mpsc, watch};

use crate::codec::{self, Message};
use crate::custom::CustomMessages;
use crate::events::DistEvents;
use crate::messages::{
    kind, Ack, ClassCounts, ExceptionData, MasterSpawningComplete, Spawn, WorkerSpawningComplete,
};
use crate::timing::{CONNECT_RETRY_COUNT, CONNECT_TIMEOUT};
use crate::transport::{Link, LinkEvent};

/// How a worker connects and what it knows of itself.
#[derive(Clone)]
pub struct WorkerConfig {
    pub master_host: String,
    pub master_port: u16,
    /// Locust's `{hostname}_{uuid4 hex}`.
    pub node_id: String,
    /// The worker's own `--tags`/`--exclude-tags`/`--equal-weights`; the
    /// master's tags, when it sends them, take their place.
    pub task_filter: TaskFilter,
    /// `--web-base-path`, which Locust shows in its connection messages.
    pub web_base_path: String,
    /// The recent log lines, for the `logs` reports.
    pub log_lines: Option<Arc<dyn Fn() -> Vec<String> + Send + Sync>>,
    /// Tells users outside the Rust runtime (Python's) the host each spawn
    /// sets; Rust users read it from the environment.
    pub set_host: Option<Arc<dyn Fn(Option<String>) + Send + Sync>>,
}

/// Locust's node id: the host name and a random hex id.
pub fn node_id() -> String {
    format!("{}_{}", hostname(), uuid4_hex())
}

pub(crate) fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match ok {
        true => String::from_utf8_lossy(&buf[..end]).into_owned(),
        false => "localhost".to_owned(),
    }
}

pub(crate) fn uuid4_hex() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The worker's state as its heartbeats report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WorkerState {
    Ready,
    Spawning,
    Running,
}

impl WorkerState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Spawning => "spawning",
            Self::Running => "running",
        }
    }
}

struct Inner {
    worker_state: WorkerState,
    last_spawn_timestamp: f64,
    stop_timeout: Option<Duration>,
    tasks_filtered: bool,
    target_user_count: u64,
    final_user_classes_count: BTreeMap<String, usize>,
    last_master_heartbeat: Option<Instant>,
}

/// A worker: a [`Runner`] whose orders come from the master.
pub struct WorkerRunner {
    me: Weak<WorkerRunner>,
    env: Arc<Environment>,
    backend: Arc<dyn UserBackend>,
    config: WorkerConfig,
    link: Link,
    inner: Mutex<Inner>,
    spawn_jobs: SpawnJobs,
    worker_index: AtomicI64,
    /// The master asked for a new connection (`reconnect`): it knows this worker.
    reconnect_requested: AtomicBool,
    states: watch::Sender<RunnerState>,
    quit: QuitSignal,
    custom: CustomMessages,
    events: DistEvents,
}

impl WorkerRunner {
    /// Starts connecting (inside a tokio runtime); [`WorkerRunner::run`]
    /// does the rest.
    pub fn new(
        env: Arc<Environment>,
        backend: Arc<dyn UserBackend>,
        config: WorkerConfig,
    ) -> (Arc<Self>, mpsc::Receiver<LinkEvent>) {
        let (link, events) =
            Link::connect(&config.master_host, config.master_port, &config.node_id);
        let runner = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            env: env.clone(),
            backend,
            config,
            link,
            inner: Mutex::new(Inner {
                worker_state: WorkerState::Ready,
                last_spawn_timestamp: 0.0,
                stop_timeout: None,
                tasks_filtered: false,
                target_user_count: 0,
                final_user_classes_count: BTreeMap::new(),
                last_master_heartbeat: None,
            }),
            spawn_jobs: SpawnJobs::default(),
            worker_index: AtomicI64::new(-1),
            reconnect_requested: AtomicBool::new(false),
            states: watch::channel(RunnerState::Ready).0,
            quit: QuitSignal::default(),
            custom: CustomMessages::default(),
            events: DistEvents::default(),
        });
        let weak = Arc::downgrade(&runner);
        env.events.user_error.add_listener(move |e| {
            if let Some(runner) = weak.upgrade() {
                let data = ExceptionData {
                    msg: e.exception.clone(),
                    traceback: e.traceback.clone(),
                };
                runner.send(kind::EXCEPTION, &data);
            }
        });
        (runner, events)
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn node_id(&self) -> &str {
        &self.config.node_id
    }

    /// The index the master gave this worker (-1 until the ack).
    pub fn worker_index(&self) -> i64 {
        self.worker_index.load(Ordering::Relaxed)
    }

    pub fn custom_messages(&self) -> &CustomMessages {
        &self.custom
    }

    /// Locust's distributed events of this runner.
    pub fn events(&self) -> &DistEvents {
        &self.events
    }

    /// Sends a message of the locustfile's own to the master.
    pub fn send_message(&self, msg_type: &str, data: Value) {
        log::debug!("Sending {msg_type} message to master");
        self.send(msg_type, &data);
    }

    fn send<T: serde::Serialize + ?Sized>(&self, msg_type: &str, data: &T) {
        self.link
            .send(codec::encode(msg_type, data, &self.config.node_id));
    }

    fn client_ready(&self) {
        self.send(kind::CLIENT_READY, crate::LOCUST_VERSION);
    }

    /// Connects, then follows the master's orders until it says quit (or
    /// the run is ended here); returns Locust's exit code for a worker that
    /// could not connect (255) or `None` after a normal end.
    pub async fn run(self: &Arc<Self>, mut events: mpsc::Receiver<LinkEvent>) -> Option<i32> {
        if let Err(e) = self.connect_to_master(&mut events).await {
            log::error!("Failed to connect to the Locust master: {e}");
            return Some(255);
        }
        let background = [
            tokio::spawn(self.clone().heartbeats()),
            tokio::spawn(self.clone().stats_reports()),
            tokio::spawn(self.clone().log_reports()),
        ];
        let mut quit = self.quit.wait();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(LinkEvent::Message(payload)) => {
                        self.on_payload(&payload).await;
                    }
                    Some(LinkEvent::Connected) => self.reintroduce().await,
                    Some(LinkEvent::Disconnected(_)) => {}
                    None => break,
                },
                _ = &mut quit => break,
            }
        }
        for task in background {
            task.abort();
        }
        None
    }

    /// Connected again: whoever listens now (a restarted master, or the same
    /// one after a broken connection) gets this worker as a ready one, its
    /// last stats included; the master sends users again if a test runs.
    async fn reintroduce(&self) {
        let asked = self.reconnect_requested.swap(false, Ordering::Relaxed);
        if asked {
            return;
        }
        if self.inner().worker_state != WorkerState::Ready {
            log::info!("Connected to the master again: stopping this worker's users until it sends new ones");
            self.stop().await;
            self.report_stats();
            self.inner().worker_state = WorkerState::Ready;
            self.states.send_replace(RunnerState::Ready);
        }
        self.client_ready();
    }

    /// Locust's `connect_to_master`: `client_ready` every 5 s until an ack.
    async fn connect_to_master(
        &self,
        events: &mut mpsc::Receiver<LinkEvent>,
    ) -> Result<(), String> {
        let (host, port, base) = (
            &self.config.master_host,
            self.config.master_port,
            &self.config.web_base_path,
        );
        let mut last_problem = String::from("no answer");
        for retry in 1..=CONNECT_RETRY_COUNT + 1 {
            self.client_ready();
            let deadline = tokio::time::Instant::now() + CONNECT_TIMEOUT;
            loop {
                let event = tokio::time::timeout_at(deadline, events.recv()).await;
                match event {
                    Err(_) => break,
                    Ok(None) => return Err("the connection task ended".into()),
                    Ok(Some(LinkEvent::Message(payload))) => {
                        if self.on_payload(&payload).await {
                            return Ok(());
                        }
                    }
                    // The client_ready queued above goes out now; a second
                    // one would list this worker twice in a Locust master's
                    // dispatcher (users spread unevenly).
                    Ok(Some(LinkEvent::Connected)) => {}
                    Ok(Some(LinkEvent::Disconnected(why))) => last_problem = why,
                }
            }
            let message = format!(
                "Failed to connect to master {host}:{port}{base}, retry {retry}/{CONNECT_RETRY_COUNT}."
            );
            if retry < 30 / CONNECT_TIMEOUT.as_secs() as u32 {
                log::debug!("{message}");
            } else {
                log::info!("{message}");
            }
        }
        Err(last_problem)
    }

    /// Handles one payload; `true` when it was the master's ack.
    async fn on_payload(&self, payload: &[u8]) -> bool {
        match codec::decode(payload) {
            Ok(msg) => self.handle(msg).await,
            Err(e) => {
                log::error!("RPCError found when receiving from master: {e}");
                false
            }
        }
    }

    async fn handle(&self, msg: Message) -> bool {
        let parsed = |r: Result<(), crate::codec::DecodeError>| {
            if let Err(e) = r {
                log::error!("{e}");
            }
        };
        match msg.kind.as_str() {
            kind::ACK => {
                if let Ok(Ack { index: Some(index) }) = msg.parse::<Ack>() {
                    self.worker_index.store(index, Ordering::Relaxed);
                }
                // The master's silence is counted from here until its first echo.
                self.inner().last_master_heartbeat = Some(Instant::now());
                return true;
            }
            kind::SPAWN => parsed(msg.parse::<Spawn>().map(|spawn| self.on_spawn(spawn))),
            kind::STOP => self.on_stop().await,
            kind::QUIT => {
                log::info!("Got quit message from master, shutting down...");
                // The master is gone: its silence while the users stop means nothing.
                self.inner().last_master_heartbeat = None;
                self.stop().await;
                self.report_stats();
                self.quit.set();
            }
            kind::RECONNECT => {
                log::warn!("Received reconnect message from master. Resetting RPC connection.");
                // As Locust's worker: a new connection, no new client_ready.
                self.reconnect_requested.store(true, Ordering::Relaxed);
                self.link.reset();
            }
            kind::HEARTBEAT => {
                self.inner().last_master_heartbeat = Some(Instant::now());
                DistEvents::fire_now(&self.events.heartbeat_received, &msg.node_id);
            }
            kind::UPDATE_USER_CLASS => self.on_update_user_class(&msg.data).await,
            kind::SPAWNING_COMPLETE => parsed(msg.parse::<MasterSpawningComplete>().map(|m| {
                self.env
                    .events
                    .spawning_complete
                    .fire(&SpawningCompleteEvent {
                        user_count: m.user_count as usize,
                    })
            })),
            _ => {
                if !self.custom.dispatch(&msg) {
                    log::warn!("Unknown message type received: {}", msg.kind);
                }
            }
        }
        false
    }

    fn on_spawn(&self, spawn: Spawn) {
        self.send(kind::SPAWNING, &Value::Nil);
        let Some(me) = self.me.upgrade() else { return };
        let mut inner = self.inner();
        if spawn.timestamp <= inner.last_spawn_timestamp {
            log::info!("Discard spawn message with older or equal timestamp than timestamp of previous spawn message");
            return;
        }
        self.env.set_host(spawn.host.clone());
        if let Some(set_host) = &self.config.set_host {
            set_host(spawn.host.clone());
        }
        inner.stop_timeout = spawn
            .stop_timeout
            .filter(|t| *t > 0.0 && t.is_finite())
            .map(Duration::from_secs_f64);
        if !matches!(
            inner.worker_state,
            WorkerState::Running | WorkerState::Spawning
        ) {
            self.env.stats.clear_all();
            self.env.stats.clear_exceptions();
            if !std::mem::replace(&mut inner.tasks_filtered, true) {
                self.backend
                    .apply_filter(&filter_from_master(&self.config.task_filter, &spawn));
            }
            drop(inner);
            self.env.events.test_start.fire(&self.env);
            inner = self.inner();
        }
        inner.worker_state = WorkerState::Spawning;
        self.states.send_replace(RunnerState::Spawning);
        inner.last_spawn_timestamp = spawn.timestamp;
        inner.target_user_count = spawn.user_classes_count.values().sum();
        let target = spawn.user_classes_count;
        self.spawn_jobs
            .submit(move |ticket| async move { me.start_worker(target, ticket).await });
    }

    /// Locust's `start_worker`: spawn first, then stop, then report.
    async fn start_worker(&self, target: ClassCounts, ticket: JobTicket) {
        let stop_timeout = self.inner().stop_timeout;
        if let Err(e) = apply_user_counts(&*self.backend, &target, stop_timeout, &ticket).await {
            log::error!("Spawning stopped: {e}");
            self.env.mark_unhandled_exception();
            return;
        }
        if !ticket.is_current() {
            return;
        }
        let counts = self.class_counts();
        let user_count = counts.values().sum();
        self.send(
            kind::SPAWNING_COMPLETE,
            &WorkerSpawningComplete {
                user_classes_count: counts,
                user_count,
            },
        );
        self.inner().worker_state = WorkerState::Running;
        self.states.send_replace(RunnerState::Running);
    }

    async fn on_stop(&self) {
        self.stop().await;
        self.send(kind::CLIENT_STOPPED, &Value::Nil);
        let additional = std::env::var("LOCUST_WORKER_ADDITIONAL_WAIT_BEFORE_READY_AFTER_STOP")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        let wait = self.inner().stop_timeout.unwrap_or_default() + Duration::from_secs(additional);
        tokio::time::sleep(wait).await;
        self.client_ready();
        self.inner().worker_state = WorkerState::Ready;
        self.states.send_replace(RunnerState::Ready);
    }

    async fn on_update_user_class(&self, data: &Value) {
        let json = codec::value_to_json(data);
        let Some(mut map) = json.as_object().cloned() else {
            log::error!("bad 'update_user_class' message: not a map");
            return;
        };
        let Some(name) = map
            .remove("user_class_name")
            .and_then(|n| n.as_str().map(str::to_owned))
        else {
            log::error!("bad 'update_user_class' message: no user_class_name");
            return;
        };
        let settings = match UserClassSettings::take_from_json(&mut map) {
            Ok(settings) => settings,
            Err(e) => {
                log::error!("bad 'update_user_class' message: {e}");
                return;
            }
        };
        if let Err(e) = self.backend.update_user_class(&name, &settings, &map).await {
            log::error!("{e}");
        }
    }

    /// The end of the worker's run (Locust's `quitting` listener): tells the
    /// master and gives the message a moment to leave.
    pub async fn say_goodbye(&self) {
        self.send(kind::QUIT, &Value::Nil);
        self.link.flush(Duration::from_secs(1)).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The master's `tags`/`exclude_tags`, when it sends them, replace the
/// worker's own (Locust copies them into the worker's options).
fn filter_from_master(own: &TaskFilter, spawn: &Spawn) -> TaskFilter {
    let mut filter = own.clone();
    let Value::Map(options) = &spawn.parsed_options else {
        return filter;
    };
    let tags = |key: &str| {
        options
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| match v {
                Value::Array(items) => Some(
                    items
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect(),
                ),
                _ => None,
            })
    };
    if let Some(t) = tags("tags") {
        filter.tags = t;
    }
    if let Some(t) = tags("exclude_tags") {
        filter.exclude_tags = t;
    }
    filter
}

impl Runner for WorkerRunner {
    fn environment(&self) -> &Arc<Environment> {
        &self.env
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn state(&self) -> RunnerState {
        *self.states.borrow()
    }

    fn subscribe_state(&self) -> watch::Receiver<RunnerState> {
        self.states.subscribe()
    }

    fn user_count(&self) -> usize {
        self.backend.user_count()
    }

    fn target_user_count(&self) -> u64 {
        self.inner().target_user_count
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        self.backend.user_classes_count()
    }

    fn final_user_classes_count(&self) -> BTreeMap<String, usize> {
        let at_last_stop = self.inner().final_user_classes_count.clone();
        final_or_now(&at_last_stop, || self.user_classes_count())
    }

    fn has_shape(&self) -> bool {
        false
    }

    /// A worker's users come from the master (Locust raises here).
    fn start(&self, _user_count: u64, _spawn_rate: f64, _user_classes: Option<Vec<String>>) {
        log::error!("A worker cannot start a test; its master does");
    }

    fn start_shape(&self) {}

    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.state() == RunnerState::Stopped {
                return;
            }
            self.env.events.test_stopping.fire(&self.env);
            self.spawn_jobs.cancel().await;
            let counts = self.backend.user_classes_count();
            let timeout = {
                let mut inner = self.inner();
                inner.final_user_classes_count = counts.clone();
                inner.stop_timeout
            };
            self.states.send_replace(RunnerState::Cleanup);
            self.backend.stop(&counts, timeout).await;
            self.states.send_replace(RunnerState::Stopped);
            self.env.events.test_stop.fire(&self.env);
        })
    }

    fn quit(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.stop().await;
            self.quit.set();
        })
    }

    fn wait_quit(&self) -> BoxFuture<'_, ()> {
        self.quit.wait()
    }

    fn kill_all(&self) {
        self.backend.kill_all();
    }

    fn update_user_class<'a>(
        &'a self,
        class: &'a str,
        settings: &'a UserClassSettings,
        extra: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<(), String>> {
        self.backend.update_user_class(class, settings, extra)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_look_like_locusts() {
        let id = node_id();
        let (host, hex) = id.rsplit_once('_').unwrap();
        assert!(!host.is_empty());
        assert_eq!(hex.len(), 32);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(&hex[12..13], "4");
        assert_ne!(node_id(), id);
    }

    #[test]
    fn the_masters_tags_replace_the_workers_own() {
        let own = TaskFilter {
            tags: Some(["a".to_string()].into()),
            ..TaskFilter::default()
        };
        let spawn = |options: Value| Spawn {
            timestamp: 1.0,
            user_classes_count: ClassCounts::new(),
            host: None,
            stop_timeout: None,
            parsed_options: options,
        };
        let from_master = filter_from_master(
            &own,
            &spawn(Value::Map(vec![
                ("tags".into(), Value::Array(vec!["b".into()])),
                ("exclude_tags".into(), Value::Nil),
            ])),
        );
        assert_eq!(from_master.tags, Some(["b".to_string()].into()));
        assert_eq!(from_master.exclude_tags, None);
        assert_eq!(filter_from_master(&own, &spawn(Value::Nil)).tags, own.tags);
    }
}
