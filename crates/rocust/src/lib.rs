//! rocust: Locust's load testing model on a Rust engine.
//!
//! A Rust load test is a small binary that describes its users and hands the
//! command line to rocust, which then behaves like the `locust` command:
//!
//! ```no_run
//! use rocust::prelude::*;
//!
//! struct WebsiteUser {
//!     client: HttpSession,
//! }
//!
//! impl WebsiteUser {
//!     async fn index(&mut self) -> TaskResult {
//!         self.client.get("/").send().await;
//!         Ok(())
//!     }
//! }
//!
//! fn main() {
//!     rocust::main([UserClass::new("WebsiteUser", |ctx| WebsiteUser {
//!         client: HttpSession::new(ctx),
//!     })
//!     .wait_time(between(1.0, 5.0))
//!     .task(WebsiteUser::index)]);
//! }
//! ```

pub mod app;
mod distributed;
mod keyboard;
mod logging;
mod processes;
mod reports;
mod run;
mod web;

use std::ffi::OsString;
use std::sync::Arc;

pub use rocust_core as core;
pub use rocust_dist as dist;
pub use rocust_http as http;
pub use rocust_report as report;

pub use app::{run_options, CustomOptionsHook, UserSource, WebUiHooks, LOCUST_VERSION};
pub use logging::remember_line as remember_log_line;

use rocust_core::env::Environment;
use rocust_core::runner::Runner;
use rocust_core::shape::LoadTestShape;
use rocust_core::user::DynUserClass;

/// Everything a load test file usually needs.
pub mod prelude {
    pub use rocust_core::env::Environment;
    pub use rocust_core::events::{Events, RequestEvent, UserErrorEvent};
    pub use rocust_core::shape::{LoadTestShape, ShapeContext, ShapeTick};
    pub use rocust_core::user::{
        task, Task, TaskError, TaskResult, TaskSet, UserClass, UserContext,
    };
    pub use rocust_core::wait_time::{
        between, constant, constant_pacing, constant_throughput, poisson, WaitTime,
    };
    pub use rocust_http::{CatchResponse, HttpSession, Response, WebSocketSession};

    pub use crate::Rocust;
}

/// An `on_init` or `on_runner` hook: both run when the runner exists, in order.
type InitHook = Box<dyn FnOnce(&Arc<Environment>, &Arc<dyn Runner>)>;

/// A load test: its user classes, an optional shape and init hooks; `run`
/// parses the command line and runs it like `locust` would.
#[derive(Default)]
pub struct Rocust {
    user_classes: Vec<DynUserClass>,
    shape: Option<Box<dyn LoadTestShape>>,
    init: Vec<InitHook>,
}

impl Rocust {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn user(mut self, class: impl Into<DynUserClass>) -> Self {
        self.user_classes.push(class.into());
        self
    }

    /// Drives the user count with a load shape instead of `-u`/`-r`/`-t`.
    pub fn shape(mut self, shape: impl LoadTestShape + 'static) -> Self {
        self.shape = Some(Box::new(shape));
        self
    }

    /// Runs when the environment exists, before the test starts (Locust's
    /// `init` event): the place to add event listeners.
    pub fn on_init(mut self, f: impl FnOnce(&Arc<Environment>) + 'static) -> Self {
        self.init.push(Box::new(move |env, _| f(env)));
        self
    }

    /// Like `on_init`, with the runner: a distributed run's custom messages
    /// (`rocust::dist::Distributed::of(runner.as_ref())`, Locust's
    /// `runner.register_message` and `send_message`) start here.
    pub fn on_runner(mut self, f: impl FnOnce(&Arc<dyn Runner>) + 'static) -> Self {
        self.init.push(Box::new(move |_, runner| f(runner)));
        self
    }

    /// Runs with this process's command line; returns the exit code.
    pub fn run(self) -> i32 {
        self.run_with_args(std::env::args_os())
    }

    pub fn run_with_args(self, args: impl IntoIterator<Item = OsString>) -> i32 {
        app::run(
            self.user_classes,
            self.shape,
            self.init,
            args.into_iter().collect(),
        )
    }

    /// Runs and exits the process with the run's exit code.
    pub fn main(self) -> ! {
        let code = self.run();
        std::process::exit(code)
    }
}

/// Runs these user classes with this process's command line, then exits.
pub fn main<C: Into<DynUserClass>>(user_classes: impl IntoIterator<Item = C>) -> ! {
    user_classes
        .into_iter()
        .fold(Rocust::new(), |r, c| r.user(c))
        .main()
}
