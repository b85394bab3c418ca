//! The runner: the test's state machine, ramping users up and down through
//! the dispatcher, load shapes and stopping. Local, master and worker runners
//! share these pieces.

mod local;

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

pub use local::LocalRunner;

use crate::user::TaskFilter;

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
