//! The master's message handling and liveness loop (Locust's
//! `client_listener`, `handle_message` and `heartbeat_worker`).
//!
//! A message that cannot be read, or lacks a key, is logged and ignored:
//! the master never goes deaf (Locust's listener dies on a missing key).

use std::sync::Weak;

use rmpv::Value;
use rocust_core::dispatch::UsersDispatcher;
use rocust_core::runner::{Runner, RunnerState};
use rocust_core::stats::StatsReport;

use super::nodes::{WorkerNode, MISSING, READY, RUNNING, SPAWNING};
use super::{Inner, MasterRunner};
use crate::codec::{self, Message};
use crate::events::{DistEvents, WorkerReport};
use crate::messages::{
    kind, ExceptionData, Heartbeat, LocustfileContents, LocustfileRequest, Logs, StatsData,
    WorkerSpawningComplete,
};
use crate::timing::{
    CPU_WARNING_THRESHOLD, HEARTBEAT_DEAD_INTERNAL, HEARTBEAT_INTERVAL, HEARTBEAT_LIVENESS,
};
use crate::transport::Router;

/// Receives and handles messages until the runner is gone.
pub(super) async fn listen(runner: Weak<MasterRunner>, mut router: Router) {
    loop {
        let received = router.recv().await;
        let Some(runner) = runner.upgrade() else {
            return;
        };
        let (identity, payload) = match received {
            Ok(frames) => frames,
            Err(e) => {
                log::debug!("RPCError when receiving from worker: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let client_id = String::from_utf8_lossy(&identity).into_owned();
        if runner.handle_frequent(&payload) {
            continue;
        }
        match codec::decode(&payload) {
            Ok(msg) => runner.handle_message(&client_id, msg),
            Err(e) => {
                if runner.inner().nodes.contains(&client_id) {
                    log::error!(
                        "RPCError when receiving from client: {e}. Will reset client {client_id}."
                    );
                    runner.send_to(&client_id, kind::RECONNECT, &Value::Nil);
                } else {
                    log::error!("Unrecognized message detected: {e} from {client_id}");
                }
            }
        }
    }
}

/// Locust's `heartbeat_worker`: every second, each worker loses one
/// heartbeat of credit; below zero it goes missing, and 60 s later it is
/// deleted.
pub(super) async fn heartbeat_worker(runner: Weak<MasterRunner>) {
    let mut every = tokio::time::interval(HEARTBEAT_INTERVAL);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    every.tick().await;
    loop {
        every.tick().await;
        let Some(runner) = runner.upgrade() else {
            return;
        };
        runner.check_liveness();
    }
}

impl MasterRunner {
    fn check_liveness(&self) {
        let mut restart = false;
        let mut last_went_missing = false;
        let mut full_restart = false;
        {
            let mut inner = self.inner();
            let rebalance = self.config.enable_rebalancing
                && inner.state == RunnerState::Running
                && inner.spawning_completed;
            let mut dead = Vec::new();
            let mut gone_missing = Vec::new();
            for node in inner.nodes.all_mut() {
                if node.state == MISSING && node.heartbeat <= HEARTBEAT_DEAD_INTERNAL {
                    dead.push(node.id.clone());
                }
                if node.heartbeat < 0 && node.state != MISSING {
                    log::info!(
                        "Worker {} failed to send heartbeat, setting state to missing.",
                        node.id
                    );
                    node.state = MISSING.to_owned();
                    node.user_classes_count.clear();
                    gone_missing.push(node.id.clone());
                } else {
                    node.heartbeat -= 1;
                }
            }
            for id in &gone_missing {
                if let Some(d) = inner.dispatcher.as_mut() {
                    d.remove_worker(id);
                    restart |= rebalance;
                }
                if inner.nodes.worker_count() == 0 {
                    last_went_missing = true;
                }
            }
            if !dead.is_empty() {
                for id in &dead {
                    inner.nodes.remove(id);
                }
                if matches!(inner.state, RunnerState::Running | RunnerState::Spawning) {
                    inner.dispatcher = None;
                    full_restart = true;
                }
            }
        }
        if last_went_missing {
            log::info!("The last worker went missing, stopping test.");
            self.spawn_stop();
            return;
        }
        if restart || full_restart {
            let (users, rate) = self.target();
            self.start_ramp(users, rate, None);
        }
    }

    fn target(&self) -> (u64, f64) {
        let inner = self.inner();
        (inner.target_user_count, inner.spawn_rate)
    }

    /// Stops in the background (the stop waits for the workers' reports,
    /// which this task must go on handling).
    fn spawn_stop(&self) {
        if let Some(me) = self.me.upgrade() {
            tokio::spawn(async move { me.stop().await });
        }
    }

    /// After a worker joins or leaves: redistribute when a test runs and no
    /// dispatch is under way (Locust does this whatever `--enable-rebalancing`
    /// says). During a ramp's wait for reports it is done when the ramp ends:
    /// Locust's master handles such a message only after its ramp.
    fn needs_restart(inner: &mut Inner) -> bool {
        let idle = inner
            .dispatcher
            .as_ref()
            .is_some_and(|d| !d.dispatch_in_progress());
        if idle && inner.state == RunnerState::Spawning {
            inner.restart_after_ramp = true;
        }
        idle && inner.state == RunnerState::Running
    }

    /// Heartbeats and stats, most of what a big fleet sends, decoded straight
    /// into their types; `false` when the payload needs the general path.
    fn handle_frequent(&self, payload: &[u8]) -> bool {
        match codec::peek_kind(payload) {
            Some(kind::HEARTBEAT) => match codec::decode_as::<Heartbeat>(payload) {
                Some((hb, node_id)) => self.on_heartbeat(&node_id, hb),
                None => return false,
            },
            // worker_report listeners get the whole message: the general path.
            Some(kind::STATS) if self.events.worker_report.has_listeners() => return false,
            Some(kind::STATS) => match codec::decode_as::<StatsData>(payload) {
                Some((data, node_id)) => self.on_stats(&node_id, data),
                None => return false,
            },
            _ => return false,
        }
        let mut inner = self.inner();
        self.check_stopped(&mut inner);
        true
    }

    pub(super) fn handle_message(&self, client_id: &str, msg: Message) {
        let bad = |e: codec::DecodeError| log::error!("{e} (from {client_id})");
        match msg.kind.as_str() {
            kind::CLIENT_READY => self.on_client_ready(client_id, &msg),
            kind::LOCUSTFILE => match msg.parse::<LocustfileRequest>() {
                Ok(_) => self.send_locustfile(client_id),
                Err(e) => bad(e),
            },
            kind::CLIENT_STOPPED => self.on_worker_left(&msg.node_id, client_id, false),
            kind::HEARTBEAT => match msg.parse::<Heartbeat>() {
                Ok(hb) => self.on_heartbeat(&msg.node_id, hb),
                Err(e) => bad(e),
            },
            kind::STATS => match msg.parse::<StatsData>() {
                Ok(data) => {
                    self.on_stats(&msg.node_id, data);
                    // After the merge, as Locust's own listener comes first.
                    self.events.worker_report.fire(&WorkerReport {
                        client_id: msg.node_id.clone(),
                        data: msg.data.clone(),
                    });
                }
                Err(e) => bad(e),
            },
            kind::SPAWNING => {
                let known = match self.inner().nodes.get_mut(&msg.node_id) {
                    Some(node) => {
                        node.state = SPAWNING.to_owned();
                        true
                    }
                    None => false,
                };
                if !known {
                    log::warn!(
                        "Got spawning message from unknown worker {}. Asking worker to quit.",
                        msg.node_id
                    );
                    self.send_to(&msg.node_id, kind::QUIT, &Value::Nil);
                }
            }
            kind::SPAWNING_COMPLETE => {
                let parsed = msg.parse::<WorkerSpawningComplete>();
                let known = match (self.inner().nodes.get_mut(&msg.node_id), parsed) {
                    (Some(node), Ok(data)) => {
                        node.state = RUNNING.to_owned();
                        node.user_classes_count = data.user_classes_count;
                        true
                    }
                    _ => false,
                };
                if !known {
                    log::warn!("Got spawning_complete message from unknown worker {}. Asking worker to quit.", msg.node_id);
                    self.send_to(&msg.node_id, kind::QUIT, &Value::Nil);
                }
            }
            kind::LOGS => match msg.parse::<Logs>() {
                Ok(logs) => {
                    let mut inner = self.inner();
                    match inner
                        .worker_logs
                        .iter_mut()
                        .find(|(id, _)| *id == logs.worker_id)
                    {
                        Some(entry) => entry.1 = logs.logs,
                        None => inner.worker_logs.push((logs.worker_id, logs.logs)),
                    }
                }
                Err(e) => bad(e),
            },
            kind::QUIT => self.on_worker_left(&msg.node_id, client_id, true),
            kind::EXCEPTION => match msg.parse::<ExceptionData>() {
                Ok(e) => self
                    .env
                    .stats
                    .log_exception(&msg.node_id, &e.msg, &e.traceback),
                Err(e) => bad(e),
            },
            _ => {
                let index = {
                    let mut inner = self.inner();
                    Self::worker_index(&mut inner, &msg.node_id)
                };
                if self.custom.dispatch(&msg) {
                    log::debug!(
                        "Received {} message from worker {} (index {index})",
                        msg.kind,
                        msg.node_id
                    );
                } else {
                    log::warn!(
                        "Unknown message type received from worker {} (index {index}): {}",
                        msg.node_id,
                        msg.kind
                    );
                }
            }
        }
        let mut inner = self.inner();
        self.check_stopped(&mut inner);
    }

    fn on_client_ready(&self, client_id: &str, msg: &Message) {
        let version = &msg.data;
        let falsy = match version {
            Value::Nil => true,
            Value::String(s) => s.as_bytes().is_empty(),
            Value::Boolean(b) => !b,
            Value::Integer(i) => i.as_i64() == Some(0),
            _ => false,
        };
        if falsy {
            log::error!(
                "An old (pre 2.0) worker tried to connect ({client_id}). That's not going to work."
            );
            return;
        }
        if let Some(v) = version.as_str() {
            if v != crate::LOCUST_VERSION {
                if v.get(..4) == crate::LOCUST_VERSION.get(..4) {
                    log::debug!("A worker ({client_id}) running a different patch version ({v:?}) connected, master version is {:?}", crate::LOCUST_VERSION);
                } else {
                    log::warn!("A worker ({client_id}) running a different version ({v}) connected, master version is {}", crate::LOCUST_VERSION);
                }
            }
        }
        let index = Self::worker_index(&mut self.inner(), client_id);
        self.send_to(
            client_id,
            kind::ACK,
            &Value::Map(vec![("index".into(), index.into())]),
        );
        DistEvents::fire_now(&self.events.worker_connect, &msg.node_id);
        let (restart, rebalance, connected, duplicate) = {
            let mut inner = self.inner();
            let duplicate = inner.nodes.contains(client_id);
            inner.nodes.insert(WorkerNode::new(client_id));
            let mut restart = false;
            if let Some(d) = inner.dispatcher.as_mut() {
                add_worker(d, client_id);
                restart = Self::needs_restart(&mut inner);
            }
            let rebalance = self.config.enable_rebalancing
                && inner.state == RunnerState::Running
                && inner.spawning_completed;
            (restart, rebalance, inner.nodes.worker_count(), duplicate)
        };
        if duplicate {
            log::debug!("{client_id} (index {index}) reported as ready (duplicate message). {connected} workers connected.");
        } else {
            log::info!(
                "{client_id} (index {index}) reported as ready. {connected} workers connected."
            );
        }
        if restart || rebalance {
            let (users, rate) = self.target();
            self.start_ramp(users, rate, None);
        }
    }

    fn on_heartbeat(&self, node_id: &str, hb: Heartbeat) {
        let mut restart = false;
        {
            let mut inner = self.inner();
            let Some(node) = inner.nodes.get_mut(node_id) else {
                log::debug!("Got heartbeat message from unknown worker {node_id}");
                return;
            };
            node.heartbeat = HEARTBEAT_LIVENESS;
            let healed = node.state == MISSING;
            if healed {
                log::info!(
                    "Worker {node_id} self-healed with heartbeat, setting state to {}.",
                    hb.state
                );
            }
            node.state = hb.state;
            node.cpu_usage = hb.current_cpu_usage;
            let warn = !node.cpu_warning_emitted && node.cpu_usage > CPU_WARNING_THRESHOLD;
            if warn {
                node.cpu_warning_emitted = true;
            }
            if let Some(memory) = hb.current_memory_usage {
                node.memory_usage = memory;
            }
            if warn {
                inner.worker_cpu_warning_emitted = true;
                let index = Self::worker_index(&mut inner, node_id);
                log::warn!("Worker {node_id} (index {index}) exceeded cpu threshold (will only log this once per worker)");
            }
            if healed {
                if let Some(d) = inner.dispatcher.as_mut() {
                    add_worker(d, node_id);
                    restart = Self::needs_restart(&mut inner);
                }
            }
        }
        DistEvents::fire_now(&self.events.heartbeat_sent, node_id);
        self.send_to(node_id, kind::HEARTBEAT, &Value::Nil);
        if restart {
            let (users, rate) = self.target();
            self.start_ramp(users, rate, None);
        }
    }

    /// Locust's `worker_report`: merged even from unknown workers.
    fn on_stats(&self, node_id: &str, data: StatsData) {
        self.env.stats.apply_report(StatsReport {
            stats: data.stats,
            stats_total: data.stats_total,
            errors: data.errors,
            status_codes: data.rocust_status_codes,
        });
        let mut inner = self.inner();
        match inner.nodes.get_mut(node_id) {
            Some(node) => node.user_classes_count = data.user_classes_count,
            None => log::info!("Discarded report from unrecognized worker {node_id}"),
        }
    }

    /// `client_stopped` or `quit` from a worker.
    fn on_worker_left(&self, node_id: &str, client_id: &str, quit: bool) {
        let (restart, index, remaining, ready) = {
            let mut inner = self.inner();
            if inner.nodes.remove(node_id).is_none() {
                if !quit {
                    log::warn!(
                        "Received client_stopped message from an unknown worker: {node_id}."
                    );
                }
                return;
            }
            let mut restart = false;
            if let Some(d) = inner.dispatcher.as_mut() {
                d.remove_worker(node_id);
                restart = Self::needs_restart(&mut inner);
            }
            let index = Self::worker_index(&mut inner, if quit { node_id } else { client_id });
            (
                restart,
                index,
                inner.nodes.worker_count(),
                inner.nodes.with_state(READY).count(),
            )
        };
        if restart {
            let (users, rate) = self.target();
            self.start_ramp(users, rate, None);
        }
        if !quit {
            log::info!("{node_id} (index {index}) reported that it has stopped");
            return;
        }
        log::info!("Worker {node_id:?} (index {index}) quit. {ready} workers ready.");
        if remaining == 0 {
            log::info!("The last worker quit, stopping test.");
            let Some(me) = self.me.upgrade() else { return };
            let headless = self.config.headless;
            tokio::spawn(async move {
                me.stop().await;
                if headless {
                    me.quit().await;
                }
            });
        }
    }

    /// The master's answer to `-f -`: the locustfiles' names and contents.
    fn send_locustfile(&self, client_id: &str) {
        log::debug!("Worker requested locust file");
        let mut files = Vec::new();
        for name in &self.config.locustfiles {
            if name.starts_with("http://") || name.starts_with("https://") {
                files.push(Value::from(name.as_str()));
                continue;
            }
            let read = std::fs::read_to_string(name).map(|contents| {
                let filename = std::path::Path::new(name)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone());
                LocustfileContents { filename, contents }
            });
            match read {
                Ok(file) => files.push(Value::Map(vec![
                    ("filename".into(), file.filename.into()),
                    ("contents".into(), file.contents.into()),
                ])),
                Err(e) => {
                    let message = "locustfile must be a full path to a single locustfile, a comma-separated list of .py files, or a URL for file distribution to work";
                    log::error!("{message} {e}");
                    let data = Value::Map(vec![(
                        "error".into(),
                        format!("{message} (was '{name}')").into(),
                    )]);
                    self.send_to(client_id, kind::LOCUSTFILE, &data);
                    return;
                }
            }
        }
        let data = Value::Map(vec![("locustfiles".into(), Value::Array(files))]);
        self.send_to(client_id, kind::LOCUSTFILE, &data);
    }
}

/// Adds a worker to the dispatcher once: a worker that says `client_ready`
/// again (its connection broke, or an ack came late) is not listed twice,
/// which in Locust's dispatcher gives it two shares. It is still rebalanced.
fn add_worker(dispatcher: &mut UsersDispatcher, id: &str) {
    if dispatcher.worker_ids().iter().any(|w| w == id) {
        dispatcher.remove_worker(id);
    }
    dispatcher.add_worker(id);
}
