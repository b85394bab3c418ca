//! The parsed options and what the program does with them before starting.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::CliError;

/// `-L/--loglevel` (case-insensitive on input).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    #[default]
    Info,
    Warning,
    Error,
    Critical,
}

impl LogLevel {
    pub const ALL: [LogLevel; 5] = [
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warning,
        LogLevel::Error,
        LogLevel::Critical,
    ];

    /// Python's level name, as printed in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warning => "WARNING",
            LogLevel::Error => "ERROR",
            LogLevel::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `--processes`: how many worker processes to fork.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Processes {
    /// `--processes -1`: one per CPU.
    PerCpu,
    /// A positive count.
    Count(u32),
}

/// Where an option's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Default,
    CommandLine,
    /// The environment variable's name.
    Env(String),
    /// The config file's path as it was opened.
    ConfigFile(PathBuf),
}

/// Declares the options struct with each field's default next to it
/// (`= value`; the type's default otherwise) and derives `Default` from them.
macro_rules! options_struct {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$field_attr:meta])* pub $field:ident : $ty:ty $(= $default:expr)? ),* $(,)?
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $( $(#[$field_attr])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $( $field: options_struct!(@default $($default)?), )*
                }
            }
        }
    };
    (@default) => { Default::default() };
    (@default $default:expr) => { $default };
}

options_struct! {
/// Every Locust 2.47.0 option, typed, with Locust's defaults. Field names
/// follow the long option names (`--spawn-rate` is `spawn_rate`). Each
/// option is defined by its item in `defs.rs`, which sets its field.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    // Common options
    /// `-f/--locustfile` as given: possibly several comma-separated paths,
    /// a directory, a URL, or `-` (fetch from master). See [`Options::locustfiles`].
    pub locustfile: String = "locustfile.py".to_string(),
    /// `--config`: the extra config file that was read.
    pub config: Option<String>,
    /// `-H/--host`; an empty value counts as not given.
    pub host: Option<String>,
    /// `-u/--users`; a headless run uses 1 when not given.
    pub users: Option<u64>,
    /// `-r/--spawn-rate`, finite and > 0; a headless run uses 1 when not given.
    pub spawn_rate: Option<f64>,
    /// `-t/--run-time` in seconds. `Some(0)` is accepted but, as in Locust,
    /// means no limit: use [`Options::run_time_limit`].
    pub run_time: Option<u64>,
    /// `-l/--list`.
    pub list: bool,
    /// `--config-users`: every user config object, flattened over all values.
    pub config_users: Vec<serde_json::Value>,
    /// `--config-users` as Locust keeps it: one list of objects per value given.
    pub config_users_by_value: Vec<Vec<serde_json::Value>>,

    // Web UI options
    /// `--web-host`; empty (the default) or `*` mean all interfaces.
    pub web_host: String,
    /// `--web-host-display-name` (hidden in Locust's help).
    pub web_host_display_name: Option<String>,
    /// `-P/--web-port`.
    pub web_port: u16 = 8089,
    /// `--headless`, already cleared by `--headful`.
    pub headless: bool,
    /// `--headful` (hidden): overrides a `headless` from a config file.
    pub headful: bool,
    /// `--autostart`.
    pub autostart: bool,
    /// `--autoquit` seconds; `None` for Locust's default -1 (never).
    pub autoquit: Option<u64>,
    /// `--web-login`.
    pub web_login: bool,
    /// `--tls-cert`; empty counts as not given.
    pub tls_cert: Option<String>,
    /// `--tls-key`; empty counts as not given.
    pub tls_key: Option<String>,
    /// `--class-picker`.
    pub class_picker: bool,
    /// `--build-path` (hidden): where web UI assets are served from.
    pub build_path: Option<String>,
    /// `--web-base-path`, e.g. `/locust`; empty is the root.
    pub web_base_path: String,

    // Master options
    /// `--master`.
    pub master: bool,
    /// `--master-bind-host`, `*` for all interfaces.
    pub master_bind_host: String = "*".to_string(),
    /// `--master-bind-port`.
    pub master_bind_port: u16 = 5557,
    /// `--expect-workers`, at least 1.
    pub expect_workers: u64 = 1,
    /// `--expect-workers-max-wait` seconds; 0 waits forever.
    pub expect_workers_max_wait: u64,
    /// `--enable-rebalancing`.
    pub enable_rebalancing: bool,

    // Worker options
    /// `--worker`.
    pub worker: bool,
    /// `--processes`; 0 counts as not given (Locust ignores it).
    pub processes: Option<Processes>,
    /// `--master-host`.
    pub master_host: String = "127.0.0.1".to_string(),
    /// `--master-port`.
    pub master_port: u16 = 5557,

    // Tag options
    /// `-T/--tags`; empty means no tag filter (Locust treats `-T` alone the same).
    pub tags: Vec<String>,
    /// `-E/--exclude-tags`; empty means no exclusion.
    pub exclude_tags: Vec<String>,

    // Request statistics options
    /// `--csv` file prefix; empty counts as not given.
    pub csv: Option<String>,
    /// `--csv-full-history`.
    pub csv_full_history: bool,
    /// `--print-stats`.
    pub print_stats: bool,
    /// `--only-summary`.
    pub only_summary: bool,
    /// `--reset-stats`.
    pub reset_stats: bool,
    /// `--html` file name, with `{u}`, `{r}`, `{t}` not yet substituted.
    pub html: Option<String>,
    /// `--json`.
    pub json: bool,
    /// `--json-file` (written as given; Locust appends `.json`).
    pub json_file: Option<String>,

    // Logging options
    /// `--skip-log-setup`.
    pub skip_log_setup: bool,
    /// `-L/--loglevel`.
    pub loglevel: LogLevel,
    /// `--logfile`; `None` logs to stderr.
    pub logfile: Option<String>,

    // Other options
    /// `--show-task-ratio`.
    pub show_task_ratio: bool,
    /// `--show-task-ratio-json`.
    pub show_task_ratio_json: bool,
    /// `--exit-code-on-error`.
    pub exit_code_on_error: i32 = 1,
    /// `-s/--stop-timeout` in seconds (a time span, so always whole seconds).
    pub stop_timeout: f64,
    /// `--equal-weights`.
    pub equal_weights: bool,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--otel`.
    pub otel: bool,

    /// `-n/--num-request` of older Locust versions (deprecated): stop the
    /// test once this many requests have completed.
    pub num_requests: Option<u64>,

    /// Positional user class names, else `LOCUST_USER_CLASSES` split on
    /// whitespace; empty means all classes.
    pub user_classes: Vec<String>,

    /// Where each option that was set came from, by long name
    /// (`"spawn-rate"`; `"user-classes"` for the positional names).
    /// Absent means [`Source::Default`].
    pub sources: BTreeMap<&'static str, Source>,

    /// One line per deprecated spelling used (`-c/--clients is deprecated:
    /// use -u/--users`), to log once logging is set up.
    pub warnings: Vec<String>,
}
}

/// Web UI options rocust does not serve yet (only when the web UI runs).
const WEB_UI_OPTIONS: &[&str] = &["--build-path"];

impl Options {
    /// Where the option with this long name (e.g. `"spawn-rate"`) got its value.
    pub fn source(&self, long: &str) -> Source {
        self.sources.get(long).cloned().unwrap_or(Source::Default)
    }

    /// Whether the option was set by the command line, environment or a config file.
    pub fn is_given(&self, long: &str) -> bool {
        self.sources.contains_key(long)
    }

    /// The locustfile paths/URLs/modules, split on commas like Locust does.
    pub fn locustfiles(&self) -> Vec<String> {
        self.locustfile
            .split(',')
            .map(|s| s.trim().to_string())
            .collect()
    }

    /// The run time limit, `None` when absent or 0 (Locust runs forever then).
    pub fn run_time_limit(&self) -> Option<Duration> {
        self.run_time.filter(|&s| s > 0).map(Duration::from_secs)
    }

    /// `-s/--stop-timeout` as a duration.
    pub fn stop_timeout_duration(&self) -> Duration {
        Duration::from_secs_f64(self.stop_timeout)
    }

    /// User count of an automatic start (headless/autostart): 1 when not given.
    pub fn start_users(&self) -> u64 {
        self.users.unwrap_or(1)
    }

    /// Spawn rate of an automatic start: 1 when not given.
    pub fn start_spawn_rate(&self) -> f64 {
        self.spawn_rate.unwrap_or(1.0)
    }

    /// Whether Locust would start its web UI: not headless, not a worker,
    /// and not a command that prints and exits (`--list`, `--show-task-ratio*`).
    pub fn web_ui_enabled(&self) -> bool {
        !self.headless
            && !self.worker
            && !self.list
            && !self.show_task_ratio
            && !self.show_task_ratio_json
    }

    /// The features this run asks for that rocust does not provide yet, as
    /// option spellings (`"--master"`). Empty for a headless local run. Options that Locust
    /// itself ignores in this run (e.g. `--master-host` without `--worker`,
    /// web UI options with `--headless`) are not listed.
    pub fn unavailable_options(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.web_ui_enabled() {
            for &option in WEB_UI_OPTIONS {
                if self.is_given(&option[2..]) {
                    out.push(option);
                }
            }
        }
        if !self.config_users.is_empty() {
            out.push("--config-users");
        }
        out
    }

    /// The checks Locust's `main()` makes after parsing that do not need the
    /// locustfile, with its exit codes. Run it after handling `--help`,
    /// `--version`, and (like Locust) after loading the locustfile.
    ///
    /// Not checked here (they need the user classes): unknown positional
    /// user class names (exit 1), `--config-users` naming an unknown class
    /// (exit 255), a missing locustfile (exit 1).
    pub fn validate(&self) -> Result<(), CliError> {
        if self.locustfile == "-" && !self.worker {
            return Err(CliError::invalid(
                "locustfile '-' means fetching it from the master, which needs --worker",
                1,
            ));
        }
        if self.autoquit.is_some() && !self.autostart {
            return Err(CliError::invalid(
                "--autoquit is only meaningful in combination with --autostart",
                1,
            ));
        }
        if self.processes.is_some() && self.master {
            return Err(CliError::invalid(
                "--master cannot be combined with --processes: drop --master, the forking process is the master unless --worker is given",
                1,
            ));
        }
        if self.master && self.worker {
            return Err(CliError::invalid(
                "--master cannot be combined with --worker",
                255,
            ));
        }
        if self.web_ui_enabled()
            && !self.web_base_path.is_empty()
            && !self.web_base_path.starts_with('/')
        {
            return Err(CliError::invalid(
                format!(
                    "Invalid format for --web-base-path argument ({}): the url path must start with a slash.",
                    self.web_base_path
                ),
                1,
            ));
        }
        Ok(())
    }
}
