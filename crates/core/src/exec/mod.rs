//! Execution backends: where users run. The runner drives them through
//! [`UserBackend`]; the native backend runs Rust users as tokio tasks, and other
//! backends (Python greenlets) implement the same interface.

mod native;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

pub use native::NativeBackend;

use crate::user::{TaskFilter, UserClassInfo, UserClassSettings};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A user class whose users could not be created (an exception in a Python
/// user's `__init__`, an unknown class). Whoever saw it first has logged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpawnError(pub String);

impl std::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpawnError {}

/// Starts, stops and counts users of the classes a backend knows.
pub trait UserBackend: Send + Sync {
    /// The classes this backend can run, abstract ones included.
    fn user_classes(&self) -> Vec<UserClassInfo>;

    /// Applies `--tags`, `--exclude-tags` and `--equal-weights`; called once at test start.
    fn apply_filter(&self, filter: &TaskFilter);

    /// Starts `count` more users of the class `class`; resolves once their
    /// constructors have run (Locust's `spawning_complete` comes after them).
    /// `Err` when a user could not be created: the users made before it keep
    /// running, and the runner stops ramping, as Locust's spawning greenlet dies.
    fn spawn(&self, class: &str, count: usize) -> BoxFuture<'static, Result<(), SpawnError>>;

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

    /// Changes a class for the users spawned from now on (the web UI's class
    /// editor, Locust's `POST /user`). `extra` are other attributes, which
    /// only Python classes have.
    fn update_user_class(
        &self,
        class: &str,
        settings: &UserClassSettings,
        extra: &serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'static, Result<(), String>> {
        let _ = (settings, extra);
        let message = format!("User class {class} cannot be changed here");
        Box::pin(std::future::ready(Err(message)))
    }

    /// Ends everything at once (process exit); users do not run on_stop.
    fn shutdown(&self);
}
