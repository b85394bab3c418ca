//! The contract between the control thread and the Python main thread: what
//! Rust asks ([`Command`], a Python class per variant) and what Python answers
//! ([`Reply`], through `Engine.done/failed/shape_tick`).
//!
//! Every command but `Exit` carries a token and gets exactly one answer, also
//! a command Python does not know (an error answer), so no Rust caller waits
//! forever.

use std::collections::BTreeMap;

use pyo3::prelude::*;
use rocust_core::shape::ShapeTick;

/// The runner events whose Python listeners run before the runner goes on.
#[pyclass(frozen, eq, eq_int, from_py_object, module = "rocust._engine")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    Init,
    TestStart,
    TestStopping,
    TestStop,
    ResetStats,
    Quitting,
}

/// A command for the Python main thread; in Python `Command.Spawn` etc.
#[pyclass(frozen, module = "rocust._engine")]
#[derive(Clone, Debug)]
pub enum Command {
    /// The run's classes are known: set `environment.user_classes`.
    SelectClasses { token: u64, names: Vec<String> },
    /// `--tags`, `--exclude-tags`, `--equal-weights`, once per run.
    ApplyFilter {
        token: u64,
        tags: Option<Vec<String>>,
        exclude_tags: Option<Vec<String>>,
        equal_weights: bool,
    },
    /// Create `count` users of `user_class` and start them; answered once
    /// their constructors have run, `failed` if one raised.
    Spawn {
        token: u64,
        user_class: String,
        count: usize,
    },
    /// Stop that many users per class (newest first) with the stop timeout
    /// in seconds; answered when they are gone.
    StopUsers {
        token: u64,
        counts: BTreeMap<String, usize>,
        stop_timeout: Option<f64>,
    },
    /// Kill every user now; answered when they are gone.
    KillAll { token: u64 },
    /// Fire an event's Python listeners; answered when they have run.
    FireEvent { token: u64, event: Event },
    /// `spawning_complete(user_count=...)`.
    SpawningComplete { token: u64, user_count: usize },
    /// `quit(exit_code=...)`.
    Quit { token: u64, exit_code: i32 },
    /// One `LoadTestShape.tick()`; `started` is when the runner started the
    /// shape (seconds since the epoch): `get_run_time()` counts from there.
    ShapeTick { token: u64, started: f64 },
    /// The web UI set the host: `environment.host` (None: each class's own).
    SetHost { token: u64, host: Option<String> },
    /// The web UI's `/swarm` values for `parsed_options`: converted as Locust
    /// does, then set only when `apply` (a check first, so a bad value
    /// changes nothing); `failed` with the first bad value's message.
    CustomOptions {
        token: u64,
        form: Vec<(String, String)>,
        apply: bool,
    },
    /// A web UI request for the locustfile's own routes (`web_ui.app`);
    /// answered with `Engine.web_reply`.
    WebRequest {
        token: u64,
        method: String,
        path: String,
        query: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A JSON answer of the web UI (`/stats/requests`) through the
    /// locustfile's `after_request` hooks; answered with `Engine.web_reply`.
    WebAfterRequest {
        token: u64,
        path: String,
        body: Vec<u8>,
    },
    /// The web UI's class editor (Locust's `POST /user`): the JSON object
    /// Locust's `environment.update_user_class` takes.
    UpdateUserClass { token: u64, settings: String },
    /// The keys the locustfile put in `web_ui.template_args`, as JSON;
    /// answered with `Engine.text_reply`.
    WebTemplateArgs { token: u64 },
    /// With the locustfile's own login: is this request (its headers)
    /// logged in? `done` when it is, `failed` when not.
    WebAuthCheck {
        token: u64,
        headers: Vec<(String, String)>,
    },
    /// With the locustfile's own login: `web_ui.auth_args` with the
    /// session's error and info, as JSON (`Engine.text_reply`).
    WebAuthArgs {
        token: u64,
        headers: Vec<(String, String)>,
    },
    /// A custom message from the master or a worker for the listener
    /// `runner.register_message` set; `data` is msgpack (`Engine.unpack`).
    /// Not answered.
    CustomMessage {
        token: u64,
        msg_type: String,
        data: Vec<u8>,
        node_id: String,
    },
    /// One of Locust's distributed events (`dist_events.rs`); `kwargs` is a
    /// msgpack map (`Engine.unpack`). Only `report_to_master` is answered:
    /// the keys its listeners added, as JSON (`Engine.text_reply`).
    DistEvent {
        token: u64,
        name: String,
        kwargs: Vec<u8>,
    },
    /// The run is over: the process exits with this code. Not answered.
    Exit { code: i32 },
}

/// Python's answer to a command.
#[derive(Debug, PartialEq)]
pub enum Reply {
    Done,
    /// The command failed or was not understood; the text says why.
    Failed(String),
    /// A shape tick: `None` ends the shape.
    Shape(Option<ShapeTick>),
    /// An HTTP answer of the locustfile's web routes.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A text answer (JSON).
    Text(String),
}
