//! From a command line to a finished run: Locust's `main()` for Rust load tests.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use rocust_cli::Options;
use rocust_core::env::Environment;
use rocust_core::exec::{NativeBackend, UserBackend};
use rocust_core::runner::{LocalRunner, Runner, RunnerConfig};
use rocust_core::shape::LoadTestShape;
use rocust_core::user::ratio::{ratio_json, task_ratio, RatioNode};
use rocust_core::user::{DynUserClass, TaskFilter, UserClassInfo};
use rocust_report::ReportSettings;
use rocust_web::RunInfo;

use crate::processes::{self, Role};
use crate::reports::Reports;
use crate::web::WebStart;
use crate::{distributed, logging, run, InitHook};

/// The Locust version whose behaviour rocust reproduces.
pub const LOCUST_VERSION: &str = "2.47.0";

/// Locust's message when no host is known for an HTTP user.
const MISSING_HOST: &str = "You must specify the base host. Either in the host attribute in the User class, or on the command line using the --host option.";

/// Where a run's users come from: Rust classes compiled into the binary, or
/// a Python locustfile. The run itself (options, reports, runner) is the same.
pub trait UserSource {
    /// Every class, abstract ones included.
    fn user_classes(&self) -> Vec<UserClassInfo>;

    /// Whether a run without any host stops before it starts. Every Rust user
    /// is an HTTP user; Python's HttpUser raises StopTest itself when spawned.
    fn host_required(&self) -> bool {
        true
    }

    fn take_shape(&mut self) -> Option<Box<dyn LoadTestShape>>;

    /// The backend that runs the selected classes (by name).
    fn backend(
        &mut self,
        env: &Arc<Environment>,
        selected: &[String],
    ) -> Result<Arc<dyn UserBackend>, String>;

    /// Called once the runner exists, just before the `init` event fires.
    fn init(&mut self, env: &Arc<Environment>, runner: &Arc<dyn Runner>);

    /// Percentiles and intervals of the reports (a locustfile may change them).
    fn report_settings(&self) -> ReportSettings {
        ReportSettings::default()
    }

    /// The test's name in the web UI, reports and download names (Locust's
    /// `environment.locustfile`): the load test binary's name by default.
    fn locustfile_name(&self) -> String {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "rocust".to_owned())
    }

    /// What the web UI needs from the source beyond the classes (Python's
    /// host, custom options); Rust users need nothing more.
    fn web_ui_hooks(&self) -> WebUiHooks {
        WebUiHooks::default()
    }
}

/// A source's part in the web UI.
#[derive(Default)]
pub struct WebUiHooks {
    /// Tells users that live outside the Rust runtime (Python's) the host
    /// the web UI set; Rust users read it from the environment.
    pub set_host: Option<Arc<dyn Fn(Option<String>) + Send + Sync>>,
    /// The start form's custom parameters (Locust's `extra_options`).
    pub extra_options: serde_json::Map<String, serde_json::Value>,
    /// Checks (`false`) or sets (`true`) custom option values from `/swarm`.
    pub custom_options: Option<Arc<CustomOptionsHook>>,
    /// The locustfile's own routes and hooks (Python's `web_ui.app`).
    pub extension: Option<Arc<dyn rocust_web::WebExtension>>,
}

/// Checks or sets custom option values: the message of the first bad one.
pub type CustomOptionsHook = dyn Fn(Vec<(String, String)>, bool) -> rocust_core::exec::BoxFuture<'static, Result<(), String>>
    + Send
    + Sync;

/// The Rust classes of a load test binary.
struct NativeSource {
    classes: Vec<DynUserClass>,
    shape: Option<Box<dyn LoadTestShape>>,
    init: Vec<InitHook>,
}

impl UserSource for NativeSource {
    fn user_classes(&self) -> Vec<UserClassInfo> {
        self.classes.iter().map(|c| c.info()).collect()
    }

    fn take_shape(&mut self) -> Option<Box<dyn LoadTestShape>> {
        self.shape.take()
    }

    fn backend(
        &mut self,
        env: &Arc<Environment>,
        selected: &[String],
    ) -> Result<Arc<dyn UserBackend>, String> {
        let classes: Vec<DynUserClass> = std::mem::take(&mut self.classes)
            .into_iter()
            .filter(|c| selected.contains(&c.info().name))
            .collect();
        NativeBackend::with_default_threads(env.clone(), classes)
            .map(|b| Arc::new(b) as Arc<dyn UserBackend>)
            .map_err(|e| format!("Could not start the engine threads: {e}"))
    }

    fn init(&mut self, env: &Arc<Environment>, runner: &Arc<dyn Runner>) {
        for hook in self.init.drain(..) {
            hook(env, runner);
        }
    }
}

pub fn run(
    user_classes: Vec<DynUserClass>,
    shape: Option<Box<dyn LoadTestShape>>,
    init: Vec<InitHook>,
    args: Vec<OsString>,
) -> i32 {
    let options = match parse_args(args) {
        Ok(options) => options,
        Err(e) => {
            e.print();
            return e.exit_code;
        }
    };
    let mut source = NativeSource {
        classes: user_classes,
        shape,
        init,
    };
    run_options(&options, &mut source)
}

/// Sets up logging, logs the deprecation warnings and refuses options of
/// later issues. `Err` is the exit code.
fn prepare(options: &Options) -> Result<(), i32> {
    if !options.skip_log_setup {
        let level = match logging::parse_level(options.loglevel.as_str()) {
            Ok(level) => level,
            Err(e) => {
                eprintln!("rocust: error: argument -L/--loglevel: {e}");
                return Err(2);
            }
        };
        if let Err(e) = logging::setup_logging(level, options.logfile.as_deref()) {
            eprintln!("rocust: error: {e}");
            return Err(1);
        }
    }
    // Before the refusal below, which names today's spelling (`--slave` is --worker).
    for warning in &options.warnings {
        log::warn!("{warning}");
    }
    if options.otel {
        log::warn!("--otel is ignored: rocust does not export OpenTelemetry data");
    }
    let unavailable = options.unavailable_options();
    if !unavailable.is_empty() {
        eprintln!(
            "rocust: error: {} not available yet in this version of rocust",
            describe_unavailable(&unavailable)
        );
        return Err(2);
    }
    log::info!(
        "Starting rocust {} (Locust {LOCUST_VERSION} compatible)",
        env!("CARGO_PKG_VERSION")
    );
    Ok(())
}

/// Locust's warnings when a shape comes with `-u`, `-r` or `-t` (given
/// and not 0) that it does not read: the shape runs until tick() returns
/// None whatever they say.
fn warn_about_common_options(options: &Options, shape: Option<&dyn LoadTestShape>) {
    if shape.is_none_or(|s| s.use_common_options()) {
        return;
    }
    let given = [
        ("--users", options.users.is_some_and(|u| u > 0)),
        ("--spawn-rate", options.spawn_rate.is_some_and(|r| r != 0.0)),
        ("--run-time", options.run_time.is_some_and(|t| t > 0)),
    ];
    let ignored: Vec<&str> = given.iter().filter(|g| g.1).map(|g| g.0).collect();
    if ignored.is_empty() {
        return;
    }
    log::warn!("--run-time, --users or --spawn-rate have no impact on LoadShapes unless the shape class explicitly reads them. See: docs.locust.io/en/stable/custom-load-shape.html#use-common-options");
    log::warn!(
        "The following option(s) will be ignored: {}",
        ignored.join(", ")
    );
}

/// Locust's `main()` after the command line is parsed: list or pick the user
/// classes, print task ratios, or run the test (headless or with the web UI);
/// returns the exit code.
pub fn run_options(options: &Options, source: &mut dyn UserSource) -> i32 {
    if let Err(code) = prepare(options) {
        return code;
    }
    let shape = source.take_shape();
    let available: Vec<UserClassInfo> = source
        .user_classes()
        .into_iter()
        .filter(|c| !c.is_abstract)
        .collect();
    if options.list {
        println!("Available Users:");
        for class in &available {
            println!("    {}", class.name);
        }
        return 0;
    }
    if available.is_empty() {
        log::error!("No User class found!");
        return 1;
    }
    let infos = match select_user_classes(available, &options.user_classes) {
        Ok(selected) => selected,
        Err(missing) => {
            log::error!("Unknown User(s): {missing}\n");
            return 1;
        }
    };
    if shape.is_none() {
        if let Some(users) = options.users {
            let fixed: u64 = infos.iter().map(|c| c.fixed_count as u64).sum();
            if fixed > users {
                log::info!("Total fixed_count of User classes ({fixed}) is greater than the specified number of users ({users}), so not all will be spawned.");
            }
        }
    }
    raise_open_file_limit();
    warn_about_common_options(options, shape.as_deref());

    if options.show_task_ratio {
        println!("\n Task ratio per User class");
        println!("{}", "-".repeat(80));
        print_task_ratio(&task_ratio(&infos, options.users, false), 0);
        println!("\n Total task ratio");
        println!("{}", "-".repeat(80));
        print_task_ratio(&task_ratio(&infos, options.users, true), 0);
        return 0;
    }
    if options.show_task_ratio_json {
        println!("{}", task_ratio_json(&infos, options.users));
        return 0;
    }

    match processes::fork_workers(options) {
        Ok(Role::Alone) => run_test(options, source, infos, shape),
        Ok(Role::Child(options)) => run_test(&options, source, infos, shape),
        Ok(Role::Parent { options, children }) if options.worker => {
            processes::supervise_workers(children)
        }
        Ok(Role::Parent { options, children }) => {
            let code = run_test(&options, source, infos, shape);
            processes::reap_after_master(children, code)
        }
        Err(e) => {
            log::error!("{e}");
            1
        }
    }
}

/// The test itself, in this process: runner, reports, web UI, run.
fn run_test(
    options: &Options,
    source: &mut dyn UserSource,
    infos: Vec<UserClassInfo>,
    shape: Option<Box<dyn LoadTestShape>>,
) -> i32 {
    let env = Environment::new(options.host.clone());
    // Two threads: a listener that blocks (Python's run on the main thread while
    // the control side waits, as Locust fires events synchronously) holds one,
    // and the timers and signals go on on the other, as Locust's greenlets do.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("rocust-control")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("Could not start the control runtime: {e}");
            return 2;
        }
    };
    let names: Vec<String> = infos.iter().map(|c| c.name.clone()).collect();
    let backend = match source.backend(&env, &names) {
        Ok(b) => b,
        Err(e) => {
            log::error!("{e}");
            return 2;
        }
    };
    let shape_info = shape
        .as_deref()
        .map(|s| (s.name().to_owned(), s.use_common_options()));
    let mut worker = None;
    let runner: Arc<dyn Runner> = if options.master {
        let bound = runtime.block_on(distributed::bind_master(options, &env, &infos, shape));
        match bound {
            Ok(master) => master,
            Err(code) => {
                backend.shutdown();
                return code;
            }
        }
    } else if options.worker {
        let _context = runtime.enter();
        let filter = runner_config(options).task_filter;
        let set_host = source.web_ui_hooks().set_host;
        let (runner, events) =
            distributed::start_worker(options, &env, backend.clone(), filter, set_host);
        worker = Some((runner.clone(), events));
        runner
    } else {
        LocalRunner::new(env.clone(), backend.clone(), runner_config(options), shape)
    };
    let reports = match Reports::new(
        options,
        source.report_settings(),
        source.locustfile_name(),
        infos.clone(),
    ) {
        Ok(r) => r,
        Err(e) => {
            log::error!("{e}");
            return 1;
        }
    };
    {
        // Inside the runtime: a source may keep its handle to reach the runner later.
        let _context = runtime.enter();
        source.init(&env, &runner);
    }
    env.events.init.fire(&env);
    if env.has_unhandled_exception() {
        // Locust treats an exception in an init listener as fatal; the
        // listener's traceback is already logged.
        backend.shutdown();
        return 1;
    }

    if let Some((runner, events)) = worker {
        let code = runtime.block_on(distributed::run_worker(options, env, runner, events));
        backend.shutdown();
        runtime.shutdown_background();
        return code;
    }

    let starts_at_once = options.headless || options.autostart;
    if starts_at_once
        && source.host_required()
        && env.host().is_none()
        && infos.iter().any(|c| c.host.is_none())
    {
        // Locust's HttpUser raises StopTest when it is created without a host.
        // (The web UI's form asks for one instead.)
        env.request_stop_test(MISSING_HOST.to_owned());
    }
    let web = if options.web_ui_enabled() {
        let info = run_info(options, source, &infos, shape_info);
        match WebStart::new(options, info, source.web_ui_hooks()) {
            Ok(web) => Some(web),
            Err(e) => {
                log::error!("{e}");
                backend.shutdown();
                return 1;
            }
        }
    } else {
        None
    };
    let code = runtime.block_on(run::run(options, env, runner, reports, web));
    backend.shutdown();
    // A task may still wait for a listener that never returns: do not wait
    // for it, the run is over.
    runtime.shutdown_background();
    code
}

/// What the web UI shows about the run.
fn run_info(
    options: &Options,
    source: &dyn UserSource,
    infos: &[UserClassInfo],
    shape: Option<(String, bool)>,
) -> RunInfo {
    let stats_history_csv = options
        .csv
        .as_ref()
        .filter(|_| options.csv_full_history)
        .map(|prefix| PathBuf::from(format!("{prefix}_stats_history.csv")));
    let (shape_class, shape_use_common_options) = match shape {
        Some((name, common)) => (Some(name), common),
        None => (None, false),
    };
    RunInfo {
        locustfile: source.locustfile_name(),
        version: LOCUST_VERSION.to_owned(),
        rocust_version: env!("CARGO_PKG_VERSION").to_owned(),
        user_classes: infos.to_vec(),
        shape_class,
        shape_use_common_options,
        num_users: options.users,
        spawn_rate: options.spawn_rate,
        run_time: options.run_time,
        profile: options.profile.clone(),
        stats_history_csv,
        report_settings: source.report_settings(),
        host_required: source.host_required(),
        class_picker: options.class_picker,
        extra_options: Default::default(),
    }
}

fn runner_config(options: &Options) -> RunnerConfig {
    let tag_set =
        |tags: &[String]| (!tags.is_empty()).then(|| tags.iter().cloned().collect::<BTreeSet<_>>());
    RunnerConfig {
        stop_timeout: Some(options.stop_timeout_duration()).filter(|d| !d.is_zero()),
        reset_stats: options.reset_stats,
        task_filter: TaskFilter {
            tags: tag_set(&options.tags),
            exclude_tags: tag_set(&options.exclude_tags),
            equal_weights: options.equal_weights,
        },
        headless: options.headless,
    }
}

/// The command line (program name first), with this process's environment,
/// working directory and home directory for config files.
fn parse_args(args: Vec<OsString>) -> Result<Options, rocust_cli::CliError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let env = |name: &str| std::env::var(name).ok();
    let options = rocust_cli::parse(args.into_iter().skip(1), &env, &cwd, home.as_deref())?;
    options.validate()?;
    Ok(options)
}

fn describe_unavailable(options: &[&str]) -> String {
    match options {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(", ")),
    }
}

/// Keeps the classes named on the command line (all when none are named).
fn select_user_classes(
    available: Vec<UserClassInfo>,
    wanted: &[String],
) -> Result<Vec<UserClassInfo>, String> {
    if wanted.is_empty() {
        return Ok(available);
    }
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|w| !available.iter().any(|c| &c.name == *w))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(missing.join(", "));
    }
    Ok(available
        .into_iter()
        .filter(|c| wanted.contains(&c.name))
        .collect())
}

/// Like Locust: at least 10,000 open files if the hard limit allows.
fn raise_open_file_limit() {
    const MINIMUM: libc::rlim_t = 10_000;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain libc calls on a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 || limit.rlim_cur >= MINIMUM {
            return;
        }
        let wanted = libc::rlimit {
            rlim_cur: MINIMUM.min(limit.rlim_max),
            rlim_max: limit.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 || wanted.rlim_cur < MINIMUM {
            log::warn!("System open file limit '{}' is below minimum setting '{MINIMUM}'.\nIt's not high enough for load testing, and the OS didn't allow rocust to increase it by itself.", limit.rlim_cur);
        }
    }
}

fn print_task_ratio(nodes: &[RatioNode], level: usize) {
    let padding = "  ".repeat(level);
    for node in nodes {
        let percent = format!("{:<6.1}", node.ratio * 100.0);
        println!(
            " {:<10} {:<50}",
            format!("{padding}{percent}"),
            format!("{padding}{}", node.name)
        );
        if let Some(tasks) = &node.tasks {
            print_task_ratio(tasks, level + 1);
        }
    }
}

/// `--show-task-ratio-json`: `json.dumps(..., indent=4)` of per-class and total ratios.
fn task_ratio_json(infos: &[UserClassInfo], users: Option<u64>) -> String {
    let value = serde_json::json!({
        "per_class": ratio_json(&task_ratio(infos, users, false)),
        "total": ratio_json(&task_ratio(infos, users, true)),
    });
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    serde::Serialize::serialize(&value, &mut ser).expect("serialising a JSON value cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}
