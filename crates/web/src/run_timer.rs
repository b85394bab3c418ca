//! The run-time limit of a test started from the web UI (`/swarm`'s
//! `run_time`, or `--autostart -t`), and `--autoquit`.
//!
//! One timer at a time: a new `/swarm` or `/stop` cancels the previous one,
//! as Locust 2.47 does.

use std::sync::{Mutex, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::api::Shared;

/// What happens when the run time is up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunTimeEnd {
    /// Stop the test; the UI stays (a `run_time` sent to `/swarm`).
    Stop,
    /// `--autostart`: stop the test, then with `--autoquit N` quit N seconds
    /// later and stop the UI.
    Autostart { autoquit: Option<u64> },
}

#[derive(Default)]
pub(crate) struct RunTimer {
    task: Mutex<Option<JoinHandle<()>>>,
    shared: Mutex<Weak<Shared>>,
}

impl RunTimer {
    pub(crate) fn bind(&self, shared: Weak<Shared>) {
        *self.shared.lock().unwrap_or_else(|e| e.into_inner()) = shared;
    }

    pub(crate) fn arm(&self, seconds: u64, end: RunTimeEnd) {
        let shared = self
            .shared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(seconds)).await;
            if let Some(shared) = shared.upgrade() {
                finish_run(shared, "--run-time limit reached", end).await;
            }
        });
        if let Some(old) = self
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(task)
        {
            old.abort();
        }
    }

    pub(crate) fn cancel(&self) {
        if let Some(old) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            old.abort();
        }
    }
}

/// Locust's `stop_and_optionally_quit`: stops the test, and for an
/// automatic start with `--autoquit`, quits after that many seconds.
pub(crate) async fn finish_run(shared: std::sync::Arc<Shared>, reason: &str, end: RunTimeEnd) {
    match end {
        RunTimeEnd::Stop => {
            log::info!("{reason}, stopping test");
            shared.runner.stop().await;
        }
        RunTimeEnd::Autostart { autoquit } => {
            log::info!("{reason}, stopping test");
            shared.runner.stop().await;
            match autoquit {
                Some(seconds) => {
                    log::debug!("Autoquit time limit set to {seconds} seconds");
                    tokio::time::sleep(Duration::from_secs(seconds)).await;
                    log::info!("--autoquit time reached, shutting down");
                    shared.runner.quit().await;
                    shared.request_stop();
                }
                None => {
                    log::info!("--autoquit not specified, leaving web ui running indefinitely")
                }
            }
        }
    }
}
