//! The table of every option Locust 2.47 accepts: names, environment
//! variables, help groups. Parsing, config files and the help text are all
//! driven from this one table so they cannot drift apart.

/// How an option takes its value(s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `store_true`: no value on the command line; `true`/`false` in files and env.
    Flag,
    /// Exactly one value.
    Value,
    /// Zero or more values (`nargs="*"`), e.g. `-T a b c`.
    List,
    /// A removed option that Locust still recognises only to refuse it.
    Removed {
        takes_value: bool,
        message: &'static str,
    },
}

/// The help group an option is listed under (same grouping as Locust's `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Common,
    WebUi,
    Master,
    Worker,
    Tags,
    Stats,
    Logging,
    Other,
}

#[derive(Debug)]
pub(crate) struct OptSpec {
    /// Long name without the leading dashes; also the config file key.
    pub long: &'static str,
    pub short: Option<char>,
    /// argparse names an option in errors in declaration order: `-u/--users`
    /// but `--web-port/-P`.
    pub short_first: bool,
    pub metavar: &'static str,
    pub env: Option<&'static str>,
    pub kind: Kind,
    pub group: Group,
    /// `None` hides the option from `--help` (Locust hides these too).
    pub help: Option<&'static str>,
}

impl OptSpec {
    /// The name argparse uses in "argument X: ..." errors.
    pub fn display(&self) -> String {
        match self.short {
            Some(c) if self.short_first => format!("-{c}/--{}", self.long),
            Some(c) => format!("--{}/-{c}", self.long),
            None => format!("--{}", self.long),
        }
    }

    pub fn takes_value(&self) -> bool {
        match self.kind {
            Kind::Flag => false,
            Kind::Value | Kind::List => true,
            Kind::Removed { takes_value, .. } => takes_value,
        }
    }
}

const fn opt(
    long: &'static str,
    short: Option<char>,
    metavar: &'static str,
    env: Option<&'static str>,
    kind: Kind,
    group: Group,
    help: Option<&'static str>,
) -> OptSpec {
    OptSpec {
        long,
        short,
        short_first: true,
        metavar,
        env,
        kind,
        group,
        help,
    }
}

const fn short_last(mut spec: OptSpec) -> OptSpec {
    spec.short_first = false;
    spec
}

use Group::*;
use Kind::*;

/// The environment variable that supplies the positional user classes
/// (whitespace separated); it is their default, so the command line wins.
pub(crate) const USER_CLASSES_ENV: &str = "LOCUST_USER_CLASSES";

/// Every option, in Locust's order.
pub(crate) static OPTIONS: &[OptSpec] = &[
    // Common options
    opt(
        "locustfile",
        Some('f'),
        "<filename>",
        Some("LOCUST_LOCUSTFILE"),
        Value,
        Common,
        Some("Python module or file holding the test, e.g. 'my_test.py'. Several .py files may be given separated by commas, or a package/directory, or the URL of a remote locustfile. Default: locustfile.py."),
    ),
    opt(
        "config",
        None,
        "<filename>",
        None,
        Value,
        Common,
        Some("Read more settings from this file (same syntax as locust.conf, or TOML with a [tool.locust] table)."),
    ),
    opt(
        "host",
        Some('H'),
        "<base url>",
        Some("LOCUST_HOST"),
        Value,
        Common,
        Some("Base URL of the system under test, e.g. https://www.example.com"),
    ),
    opt(
        "users",
        Some('u'),
        "<int>",
        Some("LOCUST_USERS"),
        Value,
        Common,
        Some("Peak number of simultaneous users. Mostly useful with --headless or --autostart. While a test runs, keys w/W add 1/10 users and s/S remove 1/10."),
    ),
    opt(
        "spawn-rate",
        Some('r'),
        "<float>",
        Some("LOCUST_SPAWN_RATE"),
        Value,
        Common,
        Some("How many users to start per second. Mostly useful with --headless or --autostart."),
    ),
    opt(
        "run-time",
        Some('t'),
        "<time string>",
        Some("LOCUST_RUN_TIME"),
        Value,
        Common,
        Some("Stop the test after this long, e.g. 300s, 20m, 3h, 1h30m (a bare number means seconds). Only with --headless or --autostart. Default: run until stopped."),
    ),
    opt(
        "list",
        Some('l'),
        "",
        None,
        Flag,
        Common,
        Some("List the available User classes and exit."),
    ),
    opt(
        "config-users",
        None,
        "[CONFIG_USERS ...]",
        Some("LOCUST_CONFIG_USERS"),
        List,
        Common,
        Some("Settings for User classes, as JSON strings or .json files; each is one object or an array of objects with a user_class_name key."),
    ),
    // Web UI options
    opt(
        "web-host",
        None,
        "<ip>",
        Some("LOCUST_WEB_HOST"),
        Value,
        WebUi,
        Some("Interface the web UI listens on. Default: all interfaces."),
    ),
    opt(
        "web-host-display-name",
        None,
        "<name>",
        Some("LOCUST_WEB_HOST_DISPLAY_NAME"),
        Value,
        WebUi,
        None,
    ),
    short_last(opt(
        "web-port",
        Some('P'),
        "<port number>",
        Some("LOCUST_WEB_PORT"),
        Value,
        WebUi,
        Some("Port of the web UI. Default: 8089."),
    )),
    opt(
        "headless",
        None,
        "",
        Some("LOCUST_HEADLESS"),
        Flag,
        WebUi,
        Some("Run without the web UI and start the test at once; control it with -u, -r and -t."),
    ),
    opt(
        "autostart",
        None,
        "",
        Some("LOCUST_AUTOSTART"),
        Flag,
        WebUi,
        Some("Start the test at once, like --headless, but keep the web UI."),
    ),
    opt(
        "autoquit",
        None,
        "<seconds>",
        Some("LOCUST_AUTOQUIT"),
        Value,
        WebUi,
        Some("Exit this many seconds after the test has finished. Only with --autostart. Default: keep running until Ctrl+C."),
    ),
    opt(
        "headful",
        None,
        "",
        Some("LOCUST_HEADFUL"),
        Flag,
        WebUi,
        None,
    ),
    opt(
        "web-auth",
        None,
        "<username:password>",
        Some("LOCUST_WEB_AUTH"),
        Removed {
            takes_value: true,
            message: "--web-auth is gone; use --web-login instead",
        },
        WebUi,
        None,
    ),
    opt(
        "web-login",
        None,
        "",
        Some("LOCUST_WEB_LOGIN"),
        Flag,
        WebUi,
        Some("Put a login page in front of the web UI."),
    ),
    opt(
        "tls-cert",
        None,
        "<filename>",
        Some("LOCUST_TLS_CERT"),
        Value,
        WebUi,
        Some("TLS certificate file, to serve the web UI over HTTPS."),
    ),
    opt(
        "tls-key",
        None,
        "<filename>",
        Some("LOCUST_TLS_KEY"),
        Value,
        WebUi,
        Some("TLS private key file, to serve the web UI over HTTPS."),
    ),
    opt(
        "class-picker",
        None,
        "",
        Some("LOCUST_USERCLASS_PICKER"),
        Flag,
        WebUi,
        Some("Let the web UI choose among all User classes and shape classes."),
    ),
    opt(
        "build-path",
        None,
        "<path>",
        Some("LOCUST_BUILD_PATH"),
        Value,
        WebUi,
        None,
    ),
    opt(
        "legacy-ui",
        None,
        "",
        Some("LOCUST_LEGACY_UI"),
        Removed {
            takes_value: false,
            message: "--legacy-ui is not supported any more; remove it",
        },
        WebUi,
        None,
    ),
    opt(
        "web-base-path",
        None,
        "<path>",
        Some("LOCUST_WEB_BASE_PATH"),
        Value,
        WebUi,
        Some("URL path under which the web UI is served, e.g. '/locust'. Default: the root."),
    ),
    // Master options
    opt(
        "master",
        None,
        "",
        Some("LOCUST_MODE_MASTER"),
        Flag,
        Master,
        Some("Run as the master of a distributed test; workers connect to it."),
    ),
    opt(
        "master-bind-host",
        None,
        "<ip>",
        Some("LOCUST_MASTER_BIND_HOST"),
        Value,
        Master,
        Some("Interface the master listens on, e.g. '192.168.1.1'. Default: * (all interfaces)."),
    ),
    opt(
        "master-bind-port",
        None,
        "<port number>",
        Some("LOCUST_MASTER_BIND_PORT"),
        Value,
        Master,
        Some("Port the master listens on. Default: 5557."),
    ),
    opt(
        "expect-workers",
        None,
        "<int>",
        Some("LOCUST_EXPECT_WORKERS"),
        Value,
        Master,
        Some("Wait for this many workers before starting (with --headless or --autostart). Default: 1."),
    ),
    opt(
        "expect-workers-max-wait",
        None,
        "<int>",
        Some("LOCUST_EXPECT_WORKERS_MAX_WAIT"),
        Value,
        Master,
        Some("Give up after waiting this many seconds for the workers. Default: 0, wait forever."),
    ),
    opt(
        "enable-rebalancing",
        None,
        "",
        None,
        Flag,
        Master,
        Some("Redistribute the users when workers join or leave during a test. Experimental."),
    ),
    opt(
        "expect-slaves",
        None,
        "",
        None,
        Removed {
            takes_value: false,
            message: "--expect-slaves is now called --expect-workers",
        },
        Master,
        None,
    ),
    // Worker options
    opt(
        "worker",
        None,
        "",
        Some("LOCUST_MODE_WORKER"),
        Flag,
        Worker,
        Some("Run as a worker of a distributed test. With --locustfile - the locustfile is fetched from the master."),
    ),
    opt(
        "processes",
        None,
        "<int>",
        Some("LOCUST_PROCESSES"),
        Value,
        Worker,
        Some("Fork this many worker processes (-1: one per CPU). With --worker they all connect to a master; alone, this process becomes their master. Not on Windows. Experimental."),
    ),
    opt(
        "slave",
        None,
        "",
        None,
        Removed {
            takes_value: false,
            message: "--slave is now called --worker",
        },
        Worker,
        None,
    ),
    opt(
        "master-host",
        None,
        "<hostname>",
        Some("LOCUST_MASTER_NODE_HOST"),
        Value,
        Worker,
        Some("Host name or address of the master to connect to. Default: 127.0.0.1."),
    ),
    opt(
        "master-port",
        None,
        "<port number>",
        Some("LOCUST_MASTER_NODE_PORT"),
        Value,
        Worker,
        Some("Port of the master to connect to. Default: 5557."),
    ),
    // Tag options
    opt(
        "tags",
        Some('T'),
        "[<tag> ...]",
        Some("LOCUST_TAGS"),
        List,
        Tags,
        Some("Only run tasks that carry at least one of these tags."),
    ),
    opt(
        "exclude-tags",
        Some('E'),
        "[<tag> ...]",
        Some("LOCUST_EXCLUDE_TAGS"),
        List,
        Tags,
        Some("Never run tasks that carry any of these tags."),
    ),
    // Request statistics options
    opt(
        "csv",
        None,
        "<filename>",
        Some("LOCUST_CSV"),
        Value,
        Stats,
        Some("Write request statistics as CSV to <filename>_stats.csv, <filename>_stats_history.csv, <filename>_failures.csv and <filename>_exceptions.csv. Missing folders in the prefix are created."),
    ),
    opt(
        "csv-full-history",
        None,
        "",
        Some("LOCUST_CSV_FULL_HISTORY"),
        Flag,
        Stats,
        Some("Write every entry, not only the aggregated one, to _stats_history.csv. Needs --csv."),
    ),
    opt(
        "print-stats",
        None,
        "",
        Some("LOCUST_PRINT_STATS"),
        Flag,
        Stats,
        Some("Print the statistics tables periodically in web UI runs too."),
    ),
    opt(
        "only-summary",
        None,
        "",
        Some("LOCUST_ONLY_SUMMARY"),
        Flag,
        Stats,
        Some("In --headless runs, print only the final summary, not the periodic tables."),
    ),
    opt(
        "reset-stats",
        None,
        "",
        Some("LOCUST_RESET_STATS"),
        Flag,
        Stats,
        Some("Zero the statistics when spawning completes. In distributed runs, give it to the master and the workers."),
    ),
    opt(
        "html",
        None,
        "<filename>",
        Some("LOCUST_HTML"),
        Value,
        Stats,
        Some("Write an HTML report to this file. {u}, {r} and {t} in the name become the user count, spawn rate and run time."),
    ),
    opt(
        "json",
        None,
        "",
        None,
        Flag,
        Stats,
        Some("Print the final statistics to stdout as JSON (with --headless and --skip-log-setup, stdout holds only the JSON)."),
    ),
    opt(
        "json-file",
        None,
        "<filename>",
        None,
        Value,
        Stats,
        Some("Write the final statistics as JSON to <filename>.json."),
    ),
    // Logging options
    opt(
        "skip-log-setup",
        None,
        "",
        Some("LOCUST_SKIP_LOG_SETUP"),
        Flag,
        Logging,
        Some("Leave logging unconfigured, for tests that set it up themselves."),
    ),
    short_last(opt(
        "loglevel",
        Some('L'),
        "<level>",
        Some("LOCUST_LOGLEVEL"),
        Value,
        Logging,
        Some("One of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case). Default: INFO."),
    )),
    opt(
        "logfile",
        None,
        "<filename>",
        Some("LOCUST_LOGFILE"),
        Value,
        Logging,
        Some("Write the log to this file instead of stderr."),
    ),
    // Other options
    opt(
        "show-task-ratio",
        None,
        "",
        None,
        Flag,
        Other,
        Some("Print the task execution ratios of the User classes as a table and exit. Give -u too when classes use fixed_count."),
    ),
    opt(
        "show-task-ratio-json",
        None,
        "",
        None,
        Flag,
        Other,
        Some("Print the task execution ratios of the User classes as JSON and exit. Give -u too when classes use fixed_count."),
    ),
    opt(
        "exit-code-on-error",
        None,
        "<int>",
        Some("LOCUST_EXIT_CODE_ON_ERROR"),
        Value,
        Other,
        Some("Exit code when the test recorded any failure or error. Default: 1."),
    ),
    opt(
        "stop-timeout",
        Some('s'),
        "<number>",
        Some("LOCUST_STOP_TIMEOUT"),
        Value,
        Other,
        Some("How long users may take to finish their current task when the test stops (a time span like -t). Default: 0, stop them at once. In distributed runs only the master needs it."),
    ),
    opt(
        "equal-weights",
        None,
        "",
        None,
        Flag,
        Other,
        Some("Give every task the same weight, ignoring the weights in the locustfile."),
    ),
    opt(
        "profile",
        None,
        "PROFILE",
        None,
        Value,
        Other,
        Some("Label that groups test runs together."),
    ),
    opt(
        "otel",
        None,
        "",
        Some("LOCUST_ENABLE_OPENTELEMETRY"),
        Flag,
        Other,
        Some("Instrument the test run with OpenTelemetry."),
    ),
];

pub(crate) fn by_long(long: &str) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|o| o.long == long)
}

pub(crate) fn by_short(short: char) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|o| o.short == Some(short))
}

/// Long names the command line also knows besides the table's options.
pub(crate) const META_LONGS: &[&str] = &["help", "version"];

/// Resolves an argparse-style abbreviation (`--run` for `--run-time`).
/// `Ok(None)`: matches nothing; `Err(candidates)`: ambiguous.
pub(crate) fn resolve_long(name: &str) -> Result<Option<&'static str>, Vec<&'static str>> {
    let all = || {
        OPTIONS
            .iter()
            .map(|o| o.long)
            .chain(META_LONGS.iter().copied())
    };
    if let Some(exact) = all().find(|l| *l == name) {
        return Ok(Some(exact));
    }
    if name.is_empty() {
        return Ok(None);
    }
    let matches: Vec<&'static str> = all().filter(|l| l.starts_with(name)).collect();
    match matches.len() {
        0 => Ok(None),
        1 => Ok(Some(matches[0])),
        _ => Err(matches),
    }
}

/// The closest known option spelling for "did you mean" hints, chosen like
/// Python's `difflib.get_close_matches(word, options, n=1)` that Locust
/// uses; `extra` holds the option strings of a locustfile's custom options.
pub(crate) fn suggest_among(unknown: &str, extra: &[String]) -> Option<String> {
    let mut names: Vec<String> = vec![
        "-h".into(),
        "--help".into(),
        "--version".into(),
        "-V".into(),
    ];
    for spec in OPTIONS {
        names.push(format!("--{}", spec.long));
        if let Some(c) = spec.short {
            names.push(format!("-{c}"));
        }
    }
    names.extend(extra.iter().cloned());
    let word: Vec<char> = unknown.chars().collect();
    let mut best: Option<(f64, String)> = None;
    for name in names {
        let candidate: Vec<char> = name.chars().collect();
        let total = candidate.len() + word.len();
        if total == 0 {
            continue;
        }
        let score = 2.0 * matching_chars(&candidate, &word) as f64 / total as f64;
        let better = match &best {
            None => true,
            Some((s, n)) => score > *s || (score == *s && name > *n),
        };
        if score >= 0.6 && better {
            best = Some((score, name));
        }
    }
    best.map(|(_, n)| n)
}

/// Characters in matching blocks, as difflib's SequenceMatcher counts them:
/// the longest common run (earliest in `a`, then in `b`), then recursively
/// the parts left and right of it.
fn matching_chars(a: &[char], b: &[char]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let (mut best_i, mut best_j, mut best_k) = (0, 0, 0);
    let mut previous = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                let k = previous[j] + 1;
                current[j + 1] = k;
                if k > best_k {
                    (best_i, best_j, best_k) = (i + 1 - k, j + 1 - k, k);
                }
            }
        }
        previous = current;
    }
    if best_k == 0 {
        return 0;
    }
    best_k
        + matching_chars(&a[..best_i], &b[..best_j])
        + matching_chars(&a[best_i + best_k..], &b[best_j + best_k..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in OPTIONS.iter().enumerate() {
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.long, b.long);
                if a.short.is_some() {
                    assert_ne!(a.short, b.short, "{} and {}", a.long, b.long);
                }
                if a.env.is_some() {
                    assert_ne!(a.env, b.env, "{} and {}", a.long, b.long);
                }
            }
        }
    }

    #[test]
    fn abbreviations() {
        assert_eq!(resolve_long("run"), Ok(Some("run-time")));
        assert_eq!(resolve_long("web-host"), Ok(Some("web-host")));
        assert_eq!(resolve_long("headl"), Ok(Some("headless")));
        assert_eq!(resolve_long("hel"), Ok(Some("help")));
        assert_eq!(resolve_long("nope"), Ok(None));
        assert_eq!(resolve_long("conf"), Err(vec!["config", "config-users"]));
        assert_eq!(
            resolve_long("master-"),
            Err(vec![
                "master-bind-host",
                "master-bind-port",
                "master-host",
                "master-port"
            ])
        );
    }

    #[test]
    fn display_names_follow_declaration_order() {
        assert_eq!(by_long("users").unwrap().display(), "-u/--users");
        assert_eq!(by_long("web-port").unwrap().display(), "--web-port/-P");
        assert_eq!(by_long("loglevel").unwrap().display(), "--loglevel/-L");
        assert_eq!(by_long("headless").unwrap().display(), "--headless");
    }

    #[test]
    fn suggestions() {
        // expected values from difflib.get_close_matches over Locust's options
        let cases = [
            ("--bogus", Some("--tags")),
            ("--bogus=1", None),
            ("--web_port=1", Some("--web-port")),
            ("--headlesss", Some("--headless")),
            ("--fooo", None),
            ("-x", None),
            ("--zzzzzzzzzzzzzz", None),
            ("--user-class", Some("--users")),
            ("--csvs", Some("--csv")),
            ("--tag", Some("--tags")),
        ];
        for (word, expected) in cases {
            assert_eq!(suggest_among(word, &[]).as_deref(), expected, "{word}");
        }
    }
}
