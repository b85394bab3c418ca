//! The environment a test runs in: what every part of the engine shares.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::events::{Events, UserErrorEvent};
use crate::stats::Stats;

/// Shared by the runner, the users and the exporters (Locust's `Environment`).
pub struct Environment {
    pub events: Events,
    pub stats: Stats,
    /// `--host` (or the web UI's host field): overrides every user class's own host.
    host: Mutex<Option<String>>,
    /// Whether errors escaping tasks are caught (the user goes on) rather than
    /// ending the user, as Locust's `catch_exceptions`.
    pub catch_exceptions: bool,
    stop_test: Mutex<Option<String>>,
    stop_test_notify: Notify,
    process_exit_code: Mutex<Option<i32>>,
    unhandled_exception: AtomicBool,
}

impl Environment {
    pub fn new(host: Option<String>) -> Arc<Self> {
        Arc::new(Self {
            events: Events::default(),
            stats: Stats::new(),
            host: Mutex::new(host),
            catch_exceptions: true,
            stop_test: Mutex::new(None),
            stop_test_notify: Notify::new(),
            process_exit_code: Mutex::new(None),
            unhandled_exception: AtomicBool::new(false),
        })
    }

    /// The host every user aims at, overriding its class's own (`--host`).
    /// Users read it when they are spawned, as Locust's runner does.
    pub fn host(&self) -> Option<String> {
        self.host.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the host for users spawned from now on (the web UI's host field).
    pub fn set_host(&self, host: Option<String>) {
        *self.host.lock().unwrap_or_else(|e| e.into_inner()) = host;
    }

    /// Sets the process exit code, overriding the one from failures (Locust's
    /// `environment.process_exit_code`).
    pub fn set_process_exit_code(&self, code: i32) {
        *self
            .process_exit_code
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(code);
    }

    pub fn process_exit_code(&self) -> Option<i32> {
        *self
            .process_exit_code
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Something raised and nobody handled it: an event listener, a user's
    /// constructor, a background task (Locust's `log.unhandled_greenlet_exception`).
    /// Fatal after `init`; otherwise the run goes on and exits with code 2.
    pub fn mark_unhandled_exception(&self) {
        self.unhandled_exception.store(true, Ordering::Relaxed);
    }

    pub fn has_unhandled_exception(&self) -> bool {
        self.unhandled_exception.load(Ordering::Relaxed)
    }

    /// The exit code of a run that has ended, by Locust's rules: the code user
    /// code set, else `exit_code_on_error` if any request failed or a user
    /// raised, else 2 after an unhandled exception, else 0.
    pub fn exit_code(&self, exit_code_on_error: i32) -> i32 {
        if let Some(code) = self.process_exit_code() {
            code
        } else if self.stats.has_errors_or_exceptions() {
            exit_code_on_error
        } else if self.has_unhandled_exception() {
            2
        } else {
            0
        }
    }

    /// A user asked to stop the whole test (Locust's `StopTest`); the first reason wins.
    pub fn request_stop_test(&self, reason: String) {
        let mut slot = self.stop_test.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(reason);
        }
        self.stop_test_notify.notify_one();
    }

    /// The reason, if some user already asked to stop the test.
    pub fn stop_test_reason(&self) -> Option<String> {
        self.stop_test
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Resolves with the reason once some user asked to stop the test.
    pub async fn stop_test_requested(&self) -> String {
        loop {
            if let Some(reason) = self
                .stop_test
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            {
                return reason;
            }
            self.stop_test_notify.notified().await;
        }
    }

    /// An error escaped a task: log it and fire `user_error` (the runner's
    /// listener puts it in the exceptions table).
    pub fn report_user_error(&self, user_class: &str, exception: &str, traceback: &str) {
        log::error!("{exception}\n{traceback}");
        self.events.user_error.fire(&UserErrorEvent {
            user_class: user_class.to_owned(),
            exception: exception.to_owned(),
            traceback: traceback.to_owned(),
        });
    }
}
