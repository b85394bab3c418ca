//! The runner: the test's state machine, ramping users up and down through
//! the dispatcher, load shapes and stopping. Local, master and worker runners
//! share these pieces.

mod jobs;
mod local;
mod shape_driver;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use jobs::{apply_user_counts, JobTicket, SpawnJobs};
pub use local::LocalRunner;
pub use shape_driver::ShapeDriver;

use crate::env::Environment;
use crate::exec::BoxFuture;
use crate::user::{TaskFilter, UserClassSettings};

/// What the front doors (command line, web UI, keyboard, reports) drive:
/// Locust's `LocalRunner` or `MasterRunner`. Methods that start work in the
/// background must be called inside a tokio runtime.
pub trait Runner: Send + Sync {
    fn environment(&self) -> &Arc<Environment>;

    /// The runner itself, for front doors that know the kinds of runner
    /// (a distributed runner's custom messages).
    fn as_any(&self) -> &dyn std::any::Any;

    fn state(&self) -> RunnerState;

    /// Every state change from now on.
    fn subscribe_state(&self) -> watch::Receiver<RunnerState>;

    /// Users alive now (on a master: as the workers last reported).
    fn user_count(&self) -> usize;

    /// The user count the last `start` asked for.
    fn target_user_count(&self) -> u64;

    /// Users alive now per class.
    fn user_classes_count(&self) -> BTreeMap<String, usize>;

    /// Class counts at the last stop (or now, while running).
    fn final_user_classes_count(&self) -> BTreeMap<String, usize>;

    fn has_shape(&self) -> bool;

    /// Ramps to `user_count` users at `spawn_rate` per second in the
    /// background, replacing any ramp under way (Locust's `start`).
    fn start(&self, user_count: u64, spawn_rate: f64, user_classes: Option<Vec<String>>);

    /// Starts the load shape: it ticks about once a second until it returns `None`.
    fn start_shape(&self);

    /// Stops all users (Locust's `stop`).
    fn stop(&self) -> BoxFuture<'_, ()>;

    /// Stops the test and ends the run (Locust's `quit`).
    fn quit(&self) -> BoxFuture<'_, ()>;

    /// Resolves once the runner has quit.
    fn wait_quit(&self) -> BoxFuture<'_, ()>;

    /// Kills every user at once, also those a stop is waiting for.
    fn kill_all(&self);

    /// Changes a class for the tests started from now on (Locust's `POST /user`).
    fn update_user_class<'a>(
        &'a self,
        class: &'a str,
        settings: &'a UserClassSettings,
        extra: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<(), String>>;

    /// The workers, on a master; `None` when not distributed.
    fn workers(&self) -> Option<Vec<WorkerSummary>> {
        None
    }

    /// Locust's `worker_count`: ready, spawning and running workers (0 when
    /// not distributed).
    fn worker_count(&self) -> usize {
        self.workers().map_or(0, |workers| {
            workers
                .iter()
                .filter(|w| matches!(w.state.as_str(), "ready" | "spawning" | "running"))
                .count()
        })
    }

    /// The last log lines each worker sent, on a master.
    fn worker_logs(&self) -> Vec<(String, Vec<String>)> {
        Vec::new()
    }
}

impl dyn Runner {
    /// Resolves once the runner enters a state for which `wanted` holds
    /// (at once if it is in one).
    pub async fn wait_for_state(&self, wanted: impl Fn(RunnerState) -> bool) {
        let mut rx = self.subscribe_state();
        let _ = rx.wait_for(|s| wanted(*s)).await.is_ok();
    }
}

/// One worker as a master sees it (a row of the web UI's Workers tab).
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerSummary {
    pub id: String,
    /// ready, spawning, running or missing.
    pub state: String,
    pub user_count: u64,
    pub cpu_usage: f64,
    pub memory_usage: u64,
}

/// Locust's runner states, with their wire names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunnerState {
    Ready,
    Spawning,
    Running,
    Cleanup,
    Stopping,
    Stopped,
}

impl RunnerState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Spawning => "spawning",
            Self::Running => "running",
            Self::Cleanup => "cleanup",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
        }
    }
}

impl fmt::Display for RunnerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Set once a runner has quit; what its `wait_quit` waits for.
pub struct QuitSignal(watch::Sender<bool>);

impl Default for QuitSignal {
    fn default() -> Self {
        Self(watch::channel(false).0)
    }
}

impl QuitSignal {
    pub fn set(&self) {
        self.0.send_replace(true);
    }

    /// Resolves once set (at once if it is).
    pub fn wait(&self) -> BoxFuture<'static, ()> {
        let mut rx = self.0.subscribe();
        Box::pin(async move {
            let _ = rx.wait_for(|q| *q).await;
        })
    }
}

/// Class counts at the last stop, or `now` before there was one (what
/// the task ratio report shows).
pub fn final_or_now(
    at_last_stop: &BTreeMap<String, usize>,
    now: impl FnOnce() -> BTreeMap<String, usize>,
) -> BTreeMap<String, usize> {
    if at_last_stop.is_empty() {
        now()
    } else {
        at_last_stop.clone()
    }
}

/// How a runner behaves, from the command line.
#[derive(Clone, Debug, Default)]
pub struct RunnerConfig {
    /// `--stop-timeout`; `None` or zero kills users at once.
    pub stop_timeout: Option<Duration>,
    /// `--reset-stats`: reset statistics when spawning completes.
    pub reset_stats: bool,
    pub task_filter: TaskFilter,
    /// `--headless`: a finished load shape quits instead of just stopping.
    pub headless: bool,
}

/// `{"A": 2, "B": 1} (3 total users)`, as Locust logs class counts.
pub fn format_user_classes_count(counts: &BTreeMap<String, usize>) -> String {
    let body: Vec<String> = counts
        .iter()
        .map(|(name, n)| format!("{}: {n}", serde_json::Value::from(name.as_str())))
        .collect();
    let total: usize = counts.values().sum();
    format!("{{{}}} ({total} total users)", body.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_counts_log_like_locust() {
        let counts = BTreeMap::from([("A".to_string(), 2), ("B\"x".to_string(), 1)]);
        assert_eq!(
            format_user_classes_count(&counts),
            r#"{"A": 2, "B\"x": 1} (3 total users)"#
        );
        assert_eq!(
            format_user_classes_count(&BTreeMap::new()),
            "{} (0 total users)"
        );
    }
}
