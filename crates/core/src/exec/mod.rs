//! Execution backends: where users run. The runner drives them through
//! [`UserBackend`]; the native backend runs Rust users as tokio tasks, and other
//! backends (Python greenlets) implement the same interface.

mod native;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use native::NativeBackend;

use crate::user::{TaskFilter, UserClassInfo};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Starts, stops and counts users of the classes a backend knows.
pub trait UserBackend: Send + Sync {
    /// The classes this backend can run, abstract ones included.
    fn user_classes(&self) -> Vec<UserClassInfo>;

    /// Applies `--tags`, `--exclude-tags` and `--equal-weights`; called once at test start.
    fn apply_filter(&self, filter: &TaskFilter);

    /// Starts `count` more users of the class `class`.
    fn spawn(&self, class: &str, count: usize);

    /// Stops, for each class, that many of its most recently started users,
    /// with Locust's stop-timeout semantics: with no timeout they are killed at
    /// once; otherwise waiting users are killed, running ones finish their task,
    /// and whatever is left when the timeout ends is killed. Resolves when they
    /// are gone.
    fn stop(
        &self,
        counts: &BTreeMap<String, usize>,
        stop_timeout: Option<Duration>,
    ) -> BoxFuture<'static, ()>;

    /// How many users of each class are alive now.
    fn user_classes_count(&self) -> BTreeMap<String, usize>;

    fn user_count(&self) -> usize {
        self.user_classes_count().values().sum()
    }

    /// Kills every user now, also those already being stopped; their on_stop still runs.
    fn kill_all(&self);

    /// Ends everything at once (process exit); users do not run on_stop.
    fn shutdown(&self);
}
