//! Every option, one item each, in the order Locust 2.47 declares them
//! (which is the order of its `parsed_options`; `--help` groups them).
//!
//! An item carries the option's names, environment variable, help group and
//! text, how a value found for it (on the command line, in the environment
//! or in a config file) updates [`Options`], and its attribute in Locust's
//! `parsed_options`. Adding an option is this item plus its typed field (and
//! Locust's default) in `options.rs`; parsing, config files, `--help` and the
//! namespace follow from here.

use serde_json::{json, Value};

use crate::convert;
use crate::namespace::{given_list, given_text, text_or_empty};
use crate::options::Processes;
use crate::spec::Group::*;
use crate::spec::OptSpec;

/// `Some(text)`, except that an empty value counts as not given.
fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

pub(crate) static OPTIONS: &[OptSpec] = &[
    // Common options
    OptSpec::value("locustfile", |o, t, _| {
        o.locustfile = t.to_string();
        Ok(())
    })
    .short('f')
    .metavar("<filename>")
    .env("LOCUST_LOCUSTFILE")
    .group(Common)
    .help("Python module or file holding the test, e.g. 'my_test.py'. Several .py files may be given separated by commas, or a package/directory, or the URL of a remote locustfile. Default: locustfile.py.")
    .dest("locustfile", |o, _| json!(o.locustfile)),
    OptSpec::value("config", |o, t, _| {
        o.config = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .group(Common)
    .help("Read more settings from this file (same syntax as locust.conf, or TOML with a [tool.locust] table).")
    .dest("config", |o, s| given_text(o, &o.config, s)),
    OptSpec::value("host", |o, t, _| {
        o.host = non_empty(t);
        Ok(())
    })
    .short('H')
    .metavar("<base url>")
    .env("LOCUST_HOST")
    .group(Common)
    .help("Base URL of the system under test, e.g. https://www.example.com")
    .dest("host", |o, s| given_text(o, &o.host, s)),
    OptSpec::value("users", |o, t, s| {
        o.users = Some(convert::non_negative(s, t)?);
        Ok(())
    })
    .short('u')
    .metavar("<int>")
    .env("LOCUST_USERS")
    .group(Common)
    .help("Peak number of simultaneous users. Mostly useful with --headless or --autostart. While a test runs, keys w/W add 1/10 users and s/S remove 1/10.")
    .dest("num_users", |o, _| json!(o.users)),
    OptSpec::value("spawn-rate", |o, t, s| {
        o.spawn_rate = Some(convert::spawn_rate(s, t)?);
        Ok(())
    })
    .short('r')
    .metavar("<float>")
    .env("LOCUST_SPAWN_RATE")
    .group(Common)
    .help("How many users to start per second. Mostly useful with --headless or --autostart.")
    .dest("spawn_rate", |o, _| json!(o.spawn_rate)),
    OptSpec::value("run-time", |o, t, s| {
        o.run_time = Some(convert::timespan(s, t)?);
        Ok(())
    })
    .short('t')
    .metavar("<time string>")
    .env("LOCUST_RUN_TIME")
    .group(Common)
    .help("Stop the test after this long, e.g. 300s, 20m, 3h, 1h30m (a bare number means seconds). Only with --headless or --autostart. Default: run until stopped.")
    .dest("run_time", |o, _| json!(o.run_time)),
    OptSpec::flag("list", |o, v| o.list = v)
        .short('l')
        .group(Common)
        .help("List the available User classes and exit.")
        .dest("list_commands", |o, _| json!(o.list)),
    OptSpec::list("config-users", |o, values, s, cwd| {
        let mut by_value = Vec::new();
        for value in &values {
            by_value.push(convert::config_users(s, value, cwd)?);
        }
        o.config_users = by_value.iter().flatten().cloned().collect();
        o.config_users_by_value = by_value;
        Ok(())
    })
    .metavar("[CONFIG_USERS ...]")
    .env("LOCUST_CONFIG_USERS")
    .group(Common)
    .help("Settings for User classes, as JSON strings or .json files; each is one object or an array of objects with a user_class_name key.")
    .dest("config_users", |o, s| match o.is_given(s.long) {
        // Locust keeps one list of objects per value given
        true => json!(o.config_users_by_value),
        false => Value::Null,
    }),
    // Web UI options
    OptSpec::value("web-host", |o, t, _| {
        o.web_host = t.to_string();
        Ok(())
    })
    .metavar("<ip>")
    .env("LOCUST_WEB_HOST")
    .group(WebUi)
    .help("Interface the web UI listens on. Default: all interfaces.")
    .dest("web_host", |o, _| json!(o.web_host)),
    OptSpec::value("web-host-display-name", |o, t, _| {
        o.web_host_display_name = non_empty(t);
        Ok(())
    })
    .metavar("<name>")
    .env("LOCUST_WEB_HOST_DISPLAY_NAME")
    .group(WebUi)
    .dest("web_host_display_name", |o, s| {
        given_text(o, &o.web_host_display_name, s)
    }),
    OptSpec::value("web-port", |o, t, s| {
        o.web_port = convert::port(s, t)?;
        Ok(())
    })
    .short_last('P')
    .metavar("<port number>")
    .env("LOCUST_WEB_PORT")
    .group(WebUi)
    .help("Port of the web UI. Default: 8089.")
    .dest("web_port", |o, _| json!(o.web_port)),
    OptSpec::flag("headless", |o, v| o.headless = v)
        .env("LOCUST_HEADLESS")
        .group(WebUi)
        .help("Run without the web UI and start the test at once; control it with -u, -r and -t.")
        .dest("headless", |o, _| json!(o.headless)),
    OptSpec::flag("autostart", |o, v| o.autostart = v)
        .env("LOCUST_AUTOSTART")
        .group(WebUi)
        .help("Start the test at once, like --headless, but keep the web UI.")
        .dest("autostart", |o, _| json!(o.autostart)),
    OptSpec::value("autoquit", |o, t, s| {
        o.autoquit = convert::autoquit(s, t)?;
        Ok(())
    })
    .metavar("<seconds>")
    .env("LOCUST_AUTOQUIT")
    .group(WebUi)
    .help("Exit this many seconds after the test has finished. Only with --autostart. Default: keep running until Ctrl+C.")
    .dest("autoquit", |o, _| json!(o.autoquit.map_or(-1, |s| s as i128))),
    OptSpec::flag("headful", |o, v| o.headful = v)
        .env("LOCUST_HEADFUL")
        .group(WebUi)
        .dest("headful", |o, _| json!(o.headful)),
    OptSpec::removed(
        "web-auth",
        true,
        "--web-auth is gone; use --web-login instead",
    )
    .metavar("<username:password>")
    .env("LOCUST_WEB_AUTH")
    .group(WebUi)
    .dest("web_auth", |_, _| Value::Null),
    OptSpec::flag("web-login", |o, v| o.web_login = v)
        .env("LOCUST_WEB_LOGIN")
        .group(WebUi)
        .help("Put a login page in front of the web UI.")
        .dest("web_login", |o, _| json!(o.web_login)),
    OptSpec::value("tls-cert", |o, t, _| {
        o.tls_cert = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .env("LOCUST_TLS_CERT")
    .group(WebUi)
    .help("TLS certificate file, to serve the web UI over HTTPS.")
    .dest("tls_cert", |o, _| text_or_empty(&o.tls_cert)),
    OptSpec::value("tls-key", |o, t, _| {
        o.tls_key = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .env("LOCUST_TLS_KEY")
    .group(WebUi)
    .help("TLS private key file, to serve the web UI over HTTPS.")
    .dest("tls_key", |o, _| text_or_empty(&o.tls_key)),
    OptSpec::flag("class-picker", |o, v| o.class_picker = v)
        .env("LOCUST_USERCLASS_PICKER")
        .group(WebUi)
        .help("Let the web UI choose among all User classes and shape classes.")
        .dest("class_picker", |o, _| json!(o.class_picker)),
    OptSpec::value("build-path", |o, t, _| {
        o.build_path = non_empty(t);
        Ok(())
    })
    .metavar("<path>")
    .env("LOCUST_BUILD_PATH")
    .group(WebUi)
    .dest("build_path", |o, _| text_or_empty(&o.build_path)),
    OptSpec::removed(
        "legacy-ui",
        false,
        "--legacy-ui is not supported any more; remove it",
    )
    .env("LOCUST_LEGACY_UI")
    .group(WebUi)
    .dest("legacy_ui", |_, _| json!(false)),
    // Master options
    OptSpec::flag("master", |o, v| o.master = v)
        .env("LOCUST_MODE_MASTER")
        .group(Master)
        .help("Run as the master of a distributed test; workers connect to it.")
        .dest("master", |o, _| json!(o.master)),
    OptSpec::value("master-bind-host", |o, t, _| {
        o.master_bind_host = t.to_string();
        Ok(())
    })
    .metavar("<ip>")
    .env("LOCUST_MASTER_BIND_HOST")
    .group(Master)
    .help("Interface the master listens on, e.g. '192.168.1.1'. Default: * (all interfaces).")
    .dest("master_bind_host", |o, _| json!(o.master_bind_host)),
    OptSpec::value("master-bind-port", |o, t, s| {
        o.master_bind_port = convert::port(s, t)?;
        Ok(())
    })
    .metavar("<port number>")
    .env("LOCUST_MASTER_BIND_PORT")
    .group(Master)
    .help("Port the master listens on. Default: 5557.")
    .dest("master_bind_port", |o, _| json!(o.master_bind_port)),
    OptSpec::value("expect-workers", |o, t, s| {
        o.expect_workers = convert::positive(s, t)?;
        Ok(())
    })
    .metavar("<int>")
    .env("LOCUST_EXPECT_WORKERS")
    .group(Master)
    .help("Wait for this many workers before starting (with --headless or --autostart). Default: 1.")
    .dest("expect_workers", |o, _| json!(o.expect_workers)),
    OptSpec::value("expect-workers-max-wait", |o, t, s| {
        o.expect_workers_max_wait = convert::non_negative(s, t)?;
        Ok(())
    })
    .metavar("<int>")
    .env("LOCUST_EXPECT_WORKERS_MAX_WAIT")
    .group(Master)
    .help("Give up after waiting this many seconds for the workers. Default: 0, wait forever.")
    .dest("expect_workers_max_wait", |o, _| {
        json!(o.expect_workers_max_wait)
    }),
    OptSpec::flag("enable-rebalancing", |o, v| o.enable_rebalancing = v)
        .group(Master)
        .help("Redistribute the users when workers join or leave during a test. Experimental.")
        .dest("enable_rebalancing", |o, _| json!(o.enable_rebalancing)),
    OptSpec::removed(
        "expect-slaves",
        false,
        "--expect-slaves is now called --expect-workers",
    )
    .group(Master)
    .dest("expect_slaves", |_, _| Value::Null),
    // Worker options
    OptSpec::flag("worker", |o, v| o.worker = v)
        .env("LOCUST_MODE_WORKER")
        .group(Worker)
        .help("Run as a worker of a distributed test. With --locustfile - the locustfile is fetched from the master.")
        .dest("worker", |o, _| json!(o.worker)),
    OptSpec::value("processes", |o, t, s| {
        o.processes = convert::processes(s, t)?;
        Ok(())
    })
    .metavar("<int>")
    .env("LOCUST_PROCESSES")
    .group(Worker)
    .help("Fork this many worker processes (-1: one per CPU). With --worker they all connect to a master; alone, this process becomes their master. Not on Windows. Experimental.")
    .dest("processes", |o, s| match o.processes {
        Some(Processes::PerCpu) => json!(-1),
        Some(Processes::Count(n)) => json!(n),
        None if o.is_given(s.long) => json!(0),
        None => Value::Null,
    }),
    // Locust refuses it; rocust accepts what tutorials still show
    OptSpec::alias("slave", "worker")
        .group(Worker)
        .dest("slave", |_, _| Value::Null),
    OptSpec::value("master-host", |o, t, _| {
        o.master_host = t.to_string();
        Ok(())
    })
    .metavar("<hostname>")
    .env("LOCUST_MASTER_NODE_HOST")
    .group(Worker)
    .help("Host name or address of the master to connect to. Default: 127.0.0.1.")
    .dest("master_host", |o, _| json!(o.master_host)),
    OptSpec::value("master-port", |o, t, s| {
        o.master_port = convert::port(s, t)?;
        Ok(())
    })
    .metavar("<port number>")
    .env("LOCUST_MASTER_NODE_PORT")
    .group(Worker)
    .help("Port of the master to connect to. Default: 5557.")
    .dest("master_port", |o, _| json!(o.master_port)),
    // Locust declares it here, after the worker options, though it lists it with the web UI's
    OptSpec::value("web-base-path", |o, t, _| {
        o.web_base_path = t.to_string();
        Ok(())
    })
    .metavar("<path>")
    .env("LOCUST_WEB_BASE_PATH")
    .group(WebUi)
    .help("URL path under which the web UI is served, e.g. '/locust'. Default: the root.")
    .dest("web_base_path", |o, _| json!(o.web_base_path)),
    // Tag options
    OptSpec::list("tags", |o, values, _, _| {
        o.tags = values;
        Ok(())
    })
    .short('T')
    .metavar("[<tag> ...]")
    .env("LOCUST_TAGS")
    .group(Tags)
    .help("Only run tasks that carry at least one of these tags.")
    .dest("tags", |o, s| given_list(o, &o.tags, s)),
    OptSpec::list("exclude-tags", |o, values, _, _| {
        o.exclude_tags = values;
        Ok(())
    })
    .short('E')
    .metavar("[<tag> ...]")
    .env("LOCUST_EXCLUDE_TAGS")
    .group(Tags)
    .help("Never run tasks that carry any of these tags.")
    .dest("exclude_tags", |o, s| given_list(o, &o.exclude_tags, s)),
    // Request statistics options
    OptSpec::value("csv", |o, t, _| {
        o.csv = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .env("LOCUST_CSV")
    .group(Stats)
    .help("Write request statistics as CSV to <filename>_stats.csv, <filename>_stats_history.csv, <filename>_failures.csv and <filename>_exceptions.csv. Missing folders in the prefix are created.")
    .dest("csv_prefix", |o, s| given_text(o, &o.csv, s)),
    OptSpec::flag("csv-full-history", |o, v| o.csv_full_history = v)
        .env("LOCUST_CSV_FULL_HISTORY")
        .group(Stats)
        .help("Write every entry, not only the aggregated one, to _stats_history.csv. Needs --csv.")
        .dest("stats_history_enabled", |o, _| json!(o.csv_full_history)),
    OptSpec::flag("print-stats", |o, v| o.print_stats = v)
        .env("LOCUST_PRINT_STATS")
        .group(Stats)
        .help("Print the statistics tables periodically in web UI runs too.")
        .dest("print_stats", |o, _| json!(o.print_stats)),
    OptSpec::flag("only-summary", |o, v| o.only_summary = v)
        .env("LOCUST_ONLY_SUMMARY")
        .group(Stats)
        .help("In --headless runs, print only the final summary, not the periodic tables.")
        .dest("only_summary", |o, _| json!(o.only_summary)),
    OptSpec::flag("reset-stats", |o, v| o.reset_stats = v)
        .env("LOCUST_RESET_STATS")
        .group(Stats)
        .help("Zero the statistics when spawning completes. In distributed runs, give it to the master and the workers.")
        .dest("reset_stats", |o, _| json!(o.reset_stats)),
    OptSpec::value("html", |o, t, _| {
        o.html = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .env("LOCUST_HTML")
    .group(Stats)
    .help("Write an HTML report to this file. {u}, {r} and {t} in the name become the user count, spawn rate and run time.")
    .dest("html_file", |o, s| given_text(o, &o.html, s)),
    OptSpec::flag("json", |o, v| o.json = v)
        .group(Stats)
        .help("Print the final statistics to stdout as JSON (with --headless and --skip-log-setup, stdout holds only the JSON).")
        .dest("json", |o, _| json!(o.json)),
    OptSpec::value("json-file", |o, t, _| {
        o.json_file = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .group(Stats)
    .help("Write the final statistics as JSON to <filename>.json.")
    .dest("json_file", |o, s| given_text(o, &o.json_file, s)),
    // Logging options
    OptSpec::flag("skip-log-setup", |o, v| o.skip_log_setup = v)
        .env("LOCUST_SKIP_LOG_SETUP")
        .group(Logging)
        .help("Leave logging unconfigured, for tests that set it up themselves.")
        .dest("skip_log_setup", |o, _| json!(o.skip_log_setup)),
    OptSpec::value("loglevel", |o, t, s| {
        o.loglevel = convert::loglevel(s, t)?;
        Ok(())
    })
    .short_last('L')
    .metavar("<level>")
    .env("LOCUST_LOGLEVEL")
    .group(Logging)
    .help("One of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case). Default: INFO.")
    .dest("loglevel", |o, _| json!(o.loglevel.as_str())),
    OptSpec::value("logfile", |o, t, _| {
        o.logfile = non_empty(t);
        Ok(())
    })
    .metavar("<filename>")
    .env("LOCUST_LOGFILE")
    .group(Logging)
    .help("Write the log to this file instead of stderr.")
    .dest("logfile", |o, s| given_text(o, &o.logfile, s)),
    // Other options
    OptSpec::flag("show-task-ratio", |o, v| o.show_task_ratio = v)
        .group(Other)
        .help("Print the task execution ratios of the User classes as a table and exit. Give -u too when classes use fixed_count.")
        .dest("show_task_ratio", |o, _| json!(o.show_task_ratio)),
    OptSpec::flag("show-task-ratio-json", |o, v| o.show_task_ratio_json = v)
        .group(Other)
        .help("Print the task execution ratios of the User classes as JSON and exit. Give -u too when classes use fixed_count.")
        .dest("show_task_ratio_json", |o, _| json!(o.show_task_ratio_json)),
    OptSpec::value("exit-code-on-error", |o, t, s| {
        o.exit_code_on_error = convert::int(s, t)?;
        Ok(())
    })
    .metavar("<int>")
    .env("LOCUST_EXIT_CODE_ON_ERROR")
    .group(Other)
    .help("Exit code when the test recorded any failure or error. Default: 1.")
    .dest("exit_code_on_error", |o, _| json!(o.exit_code_on_error)),
    OptSpec::value("stop-timeout", |o, t, s| {
        o.stop_timeout = convert::timespan(s, t)? as f64;
        Ok(())
    })
    .short('s')
    .metavar("<number>")
    .env("LOCUST_STOP_TIMEOUT")
    .group(Other)
    .help("How long users may take to finish their current task when the test stops (a time span like -t). Default: 0, stop them at once. In distributed runs only the master needs it.")
    .dest("stop_timeout", |o, _| {
        // an int when whole, as Locust's time span parser gives it
        if o.stop_timeout.fract() == 0.0 && o.stop_timeout >= 0.0 {
            json!(o.stop_timeout as u64)
        } else {
            json!(o.stop_timeout)
        }
    }),
    OptSpec::flag("equal-weights", |o, v| o.equal_weights = v)
        .group(Other)
        .help("Give every task the same weight, ignoring the weights in the locustfile.")
        .dest("equal_weights", |o, _| json!(o.equal_weights)),
    OptSpec::value("profile", |o, t, _| {
        o.profile = non_empty(t);
        Ok(())
    })
    .metavar("PROFILE")
    .group(Other)
    .help("Label that groups test runs together.")
    .dest("profile", |o, s| given_text(o, &o.profile, s)),
    OptSpec::flag("otel", |o, v| o.otel = v)
        .env("LOCUST_ENABLE_OPENTELEMETRY")
        .group(Other)
        .help("Instrument the test run with OpenTelemetry (accepted and ignored: rocust exports no OpenTelemetry data).")
        .dest("otel", |o, _| json!(o.otel)),
    // Spellings of older Locust versions that tutorials still show. Locust
    // 2.47 refuses them; rocust accepts them with a warning. Not in
    // `parsed_options`, not in `--help`, never matched by abbreviation.
    OptSpec::alias("no-web", "headless"),
    OptSpec::alias("clients", "users").short('c'),
    OptSpec::alias("hatch-rate", "spawn-rate"),
    OptSpec::value("num-request", |o, t, s| {
        o.num_requests = Some(convert::positive(s, t)?);
        Ok(())
    })
    .short('n')
    .metavar("<int>")
    .deprecated("-n/--num-request is deprecated (Locust 2.47 has no such option): rocust stops the test once this many requests have completed"),
];

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::options::Options;
    use crate::spec::Kind;

    /// Each option with a value of its own must change Options when set to a
    /// valid value (a forgotten assignment shows here).
    #[test]
    fn every_option_updates_options() {
        let sample = |spec: &OptSpec| match spec.long {
            "users"
            | "web-port"
            | "master-bind-port"
            | "master-port"
            | "expect-workers"
            | "expect-workers-max-wait"
            | "processes"
            | "exit-code-on-error"
            | "autoquit"
            | "num-request" => "7",
            "spawn-rate" => "2.5",
            "run-time" | "stop-timeout" => "1m",
            "loglevel" => "debug",
            _ => "x",
        };
        for spec in OPTIONS {
            let mut o = Options::default();
            match spec.kind {
                Kind::Removed { .. } | Kind::Alias { .. } => continue,
                Kind::Flag(update) => update(&mut o, true),
                Kind::Value(update) => update(&mut o, sample(spec), spec).unwrap(),
                Kind::List(update) => {
                    let value = if spec.long == "config-users" {
                        r#"{"user_class_name": "A"}"#
                    } else {
                        "x"
                    };
                    update(&mut o, vec![value.to_string()], spec, Path::new(".")).unwrap()
                }
            }
            assert_ne!(o, Options::default(), "--{} changes nothing", spec.long);
        }
    }

    #[test]
    fn hidden_options_are_the_ones_locust_hides() {
        let hidden: Vec<&str> = OPTIONS
            .iter()
            .filter(|o| o.help.is_none() && o.in_locust())
            .map(|o| o.long)
            .collect();
        assert_eq!(
            hidden,
            [
                "web-host-display-name",
                "headful",
                "web-auth",
                "build-path",
                "legacy-ui",
                "expect-slaves",
                "slave"
            ]
        );
    }
}
