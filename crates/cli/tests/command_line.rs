//! Command line and environment parsing, compared with what Locust 2.47.0
//! does for the same input.

mod common;

use common::{ok, parse, parse_env, usage_error};
use rocust_cli::{CliErrorKind, LogLevel, Options, Processes, Source};

#[test]
fn defaults_are_locusts() {
    let o = ok(&[]);
    assert_eq!(o, Options::default());
    assert_eq!(o.locustfile, "locustfile.py");
    assert_eq!(o.locustfiles(), vec!["locustfile.py"]);
    assert_eq!(o.host, None);
    assert_eq!(o.users, None);
    assert_eq!(o.spawn_rate, None);
    assert_eq!(o.run_time, None);
    assert_eq!(o.web_host, "");
    assert_eq!(o.web_port, 8089);
    assert!(!o.headless);
    assert_eq!(o.autoquit, None);
    assert_eq!(o.master_bind_host, "*");
    assert_eq!(o.master_bind_port, 5557);
    assert_eq!(o.expect_workers, 1);
    assert_eq!(o.expect_workers_max_wait, 0);
    assert_eq!(o.master_host, "127.0.0.1");
    assert_eq!(o.master_port, 5557);
    assert_eq!(o.processes, None);
    assert!(o.tags.is_empty() && o.exclude_tags.is_empty());
    assert_eq!(o.loglevel, LogLevel::Info);
    assert_eq!(o.exit_code_on_error, 1);
    assert_eq!(o.stop_timeout, 0.0);
    assert!(o.user_classes.is_empty());
    assert_eq!(o.start_users(), 1);
    assert_eq!(o.start_spawn_rate(), 1.0);
    assert_eq!(o.source("users"), Source::Default);
}

#[test]
fn every_short_option() {
    let o = ok(&[
        "-f",
        "a.py,b.py",
        "-H",
        "http://h",
        "-u",
        "10",
        "-r",
        "2.5",
        "-t",
        "1h30m",
        "-l",
        "-P",
        "9000",
        "-L",
        "debug",
        "-s",
        "30",
        "-T",
        "t1",
        "t2",
        "-E",
        "x",
    ]);
    assert_eq!(o.locustfile, "a.py,b.py");
    assert_eq!(o.locustfiles(), vec!["a.py", "b.py"]);
    assert_eq!(o.host.as_deref(), Some("http://h"));
    assert_eq!(o.users, Some(10));
    assert_eq!(o.spawn_rate, Some(2.5));
    assert_eq!(o.run_time, Some(5400));
    assert!(o.list);
    assert_eq!(o.web_port, 9000);
    assert_eq!(o.loglevel, LogLevel::Debug);
    assert_eq!(o.stop_timeout, 30.0);
    assert_eq!(o.tags, vec!["t1", "t2"]);
    assert_eq!(o.exclude_tags, vec!["x"]);
    assert_eq!(o.source("users"), Source::CommandLine);
}

#[test]
fn every_long_option() {
    let o = ok(&[
        "--locustfile=x.py",
        "--host",
        "http://h",
        "--users",
        "3",
        "--spawn-rate",
        "0.5",
        "--run-time",
        "90",
        "--list",
        "--config-users",
        r#"{"user_class_name": "A", "weight": 2}"#,
        r#"[{"user_class_name": "B"}, {"user_class_name": "C"}]"#,
        "--web-host",
        "127.0.0.1",
        "--web-host-display-name",
        "disp",
        "--web-port",
        "8090",
        "--headless",
        "--autostart",
        "--autoquit",
        "5",
        "--web-login",
        "--tls-cert",
        "c.pem",
        "--tls-key",
        "k.pem",
        "--class-picker",
        "--build-path",
        "/b",
        "--web-base-path",
        "/locust",
        "--master",
        "--master-bind-host",
        "0.0.0.0",
        "--master-bind-port",
        "6000",
        "--expect-workers",
        "4",
        "--expect-workers-max-wait",
        "30",
        "--enable-rebalancing",
        "--worker",
        "--processes",
        "-1",
        "--master-host",
        "m",
        "--master-port",
        "6001",
        "--tags",
        "a",
        "--exclude-tags",
        "b",
        "c",
        "--csv",
        "out/run",
        "--csv-full-history",
        "--print-stats",
        "--only-summary",
        "--reset-stats",
        "--html",
        "r_{u}.html",
        "--json",
        "--json-file",
        "stats",
        "--skip-log-setup",
        "--loglevel",
        "WARNING",
        "--logfile",
        "l.log",
        "--show-task-ratio",
        "--show-task-ratio-json",
        "--exit-code-on-error",
        "3",
        "--stop-timeout",
        "2m",
        "--equal-weights",
        "--profile",
        "p1",
        "--otel",
    ]);
    assert_eq!(o.locustfile, "x.py");
    assert_eq!(o.host.as_deref(), Some("http://h"));
    assert_eq!(o.users, Some(3));
    assert_eq!(o.spawn_rate, Some(0.5));
    assert_eq!(o.run_time, Some(90));
    assert!(o.list);
    assert_eq!(o.config_users.len(), 3);
    assert_eq!(o.config_users[0]["weight"], 2);
    assert_eq!(o.config_users[2]["user_class_name"], "C");
    assert_eq!(o.web_host, "127.0.0.1");
    assert_eq!(o.web_host_display_name.as_deref(), Some("disp"));
    assert_eq!(o.web_port, 8090);
    assert!(o.headless && o.autostart && o.web_login && o.class_picker);
    assert_eq!(o.autoquit, Some(5));
    assert_eq!(o.tls_cert.as_deref(), Some("c.pem"));
    assert_eq!(o.tls_key.as_deref(), Some("k.pem"));
    assert_eq!(o.build_path.as_deref(), Some("/b"));
    assert_eq!(o.web_base_path, "/locust");
    assert!(o.master && o.enable_rebalancing && o.worker);
    assert_eq!(o.master_bind_host, "0.0.0.0");
    assert_eq!(o.master_bind_port, 6000);
    assert_eq!(o.expect_workers, 4);
    assert_eq!(o.expect_workers_max_wait, 30);
    assert_eq!(o.processes, Some(Processes::PerCpu));
    assert_eq!(o.master_host, "m");
    assert_eq!(o.master_port, 6001);
    assert_eq!(o.tags, vec!["a"]);
    assert_eq!(o.exclude_tags, vec!["b", "c"]);
    assert_eq!(o.csv.as_deref(), Some("out/run"));
    assert!(o.csv_full_history && o.print_stats && o.only_summary && o.reset_stats && o.json);
    assert_eq!(o.html.as_deref(), Some("r_{u}.html"));
    assert_eq!(o.json_file.as_deref(), Some("stats"));
    assert!(o.skip_log_setup);
    assert_eq!(o.loglevel, LogLevel::Warning);
    assert_eq!(o.logfile.as_deref(), Some("l.log"));
    assert!(o.show_task_ratio && o.show_task_ratio_json && o.equal_weights && o.otel);
    assert_eq!(o.exit_code_on_error, 3);
    assert_eq!(o.stop_timeout, 120.0);
    assert_eq!(o.profile.as_deref(), Some("p1"));
}

#[test]
fn argparse_spellings() {
    // attached values, `=`, repeated options (last wins), abbreviations
    let o = ok(&["-u5", "-r=2", "--users=7", "--run", "10", "--headl", "-P=1"]);
    assert_eq!(o.users, Some(7));
    assert_eq!(o.spawn_rate, Some(2.0));
    assert_eq!(o.run_time, Some(10));
    assert!(o.headless);
    assert_eq!(o.web_port, 1);
    assert_eq!(ok(&["-Ta"]).tags, vec!["a"]);
    assert_eq!(ok(&["-T=a"]).tags, vec!["a"]);
    assert_eq!(ok(&["-T", "a", "-T", "b"]).tags, vec!["b"]);
    assert_eq!(ok(&["-u", " 7"]).users, Some(7));
    assert_eq!(ok(&["-u", "1_0"]).users, Some(10));
    assert_eq!(ok(&["-r", "1e1"]).spawn_rate, Some(10.0));
    assert_eq!(ok(&["-L", "critical"]).loglevel, LogLevel::Critical);
    assert_eq!(ok(&["--host", "-1"]).host.as_deref(), Some("-1"));
    assert_eq!(ok(&["-H=-x"]).host.as_deref(), Some("-x"));
    assert_eq!(ok(&["--exit-code-on-error", "-1"]).exit_code_on_error, -1);
    assert_eq!(ok(&["-u", "0"]).users, Some(0));
    let o = ok(&["-t", "0"]);
    assert_eq!(o.run_time, Some(0));
    assert_eq!(o.run_time_limit(), None);
    assert_eq!(
        ok(&["-t", "2m"]).run_time_limit(),
        Some(std::time::Duration::from_secs(120))
    );
}

#[test]
fn tags_take_every_following_word() {
    // like Locust, -T swallows the words after it, commas and spaces stay in the tag
    assert_eq!(ok(&["-T", "a", "b", "A"]).tags, vec!["a", "b", "A"]);
    assert_eq!(ok(&["-T", "a,b", "c d"]).tags, vec!["a,b", "c d"]);
    let o = ok(&["-T", "a", "--", "B"]);
    assert_eq!(
        (o.tags, o.user_classes),
        (vec!["a".into()], vec!["B".into()])
    );
    let o = ok(&["--tags=a", "b"]);
    assert_eq!(
        (o.tags, o.user_classes),
        (vec!["a".into()], vec!["b".into()])
    );
    let o = ok(&["-T"]);
    assert!(o.tags.is_empty());
    assert!(o.is_given("tags"));
    let o = ok(&["-T", "-u", "3"]);
    assert!(o.tags.is_empty());
    assert_eq!(o.users, Some(3));
}

#[test]
fn positional_user_classes() {
    assert_eq!(ok(&["A", "B", "-u", "2"]).user_classes, vec!["A", "B"]);
    assert_eq!(ok(&["-u", "1", "A", "B"]).user_classes, vec!["A", "B"]);
    assert_eq!(
        ok(&["--", "B", "-u", "1"]).user_classes,
        vec!["B", "-u", "1"]
    );
    // argparse takes positionals as one run only
    assert_eq!(
        usage_error(&["A", "-u", "1", "B"], &[]),
        "rocust: error: unrecognized arguments: B"
    );
    let o = parse_env(&[], &[("LOCUST_USER_CLASSES", " A  B ")]).unwrap();
    assert_eq!(o.user_classes, vec!["A", "B"]);
    let o = parse_env(&["C"], &[("LOCUST_USER_CLASSES", "A B")]).unwrap();
    assert_eq!(o.user_classes, vec!["C"]);
    assert_eq!(o.source("user-classes"), Source::CommandLine);
}

#[test]
fn environment_variables() {
    let env = [
        ("LOCUST_LOCUSTFILE", "e.py"),
        ("LOCUST_HOST", "http://env"),
        ("LOCUST_USERS", "11"),
        ("LOCUST_SPAWN_RATE", " 3"),
        ("LOCUST_RUN_TIME", "2m"),
        ("LOCUST_CONFIG_USERS", r#"{"user_class_name": "A"}"#),
        ("LOCUST_WEB_HOST", "wh"),
        ("LOCUST_WEB_HOST_DISPLAY_NAME", "wd"),
        ("LOCUST_WEB_PORT", "1234"),
        ("LOCUST_HEADLESS", "true"),
        ("LOCUST_AUTOSTART", "yes"),
        ("LOCUST_AUTOQUIT", "9"),
        ("LOCUST_WEB_LOGIN", "on"),
        ("LOCUST_TLS_CERT", "c"),
        ("LOCUST_TLS_KEY", "k"),
        ("LOCUST_USERCLASS_PICKER", "1"),
        ("LOCUST_BUILD_PATH", "bp"),
        ("LOCUST_WEB_BASE_PATH", "/b"),
        ("LOCUST_MODE_MASTER", "TRUE"),
        ("LOCUST_MASTER_BIND_HOST", "mbh"),
        ("LOCUST_MASTER_BIND_PORT", "1"),
        ("LOCUST_EXPECT_WORKERS", "2"),
        ("LOCUST_EXPECT_WORKERS_MAX_WAIT", "3"),
        ("LOCUST_MODE_WORKER", "true"),
        ("LOCUST_PROCESSES", "4"),
        ("LOCUST_MASTER_NODE_HOST", "mh"),
        ("LOCUST_MASTER_NODE_PORT", "5"),
        ("LOCUST_TAGS", "[a, b c]"),
        ("LOCUST_EXCLUDE_TAGS", "x y"),
        ("LOCUST_CSV", "pre"),
        ("LOCUST_CSV_FULL_HISTORY", "true"),
        ("LOCUST_PRINT_STATS", "true"),
        ("LOCUST_ONLY_SUMMARY", "true"),
        ("LOCUST_RESET_STATS", "true"),
        ("LOCUST_HTML", "r.html"),
        ("LOCUST_SKIP_LOG_SETUP", "true"),
        ("LOCUST_LOGLEVEL", "error"),
        ("LOCUST_LOGFILE", "f.log"),
        ("LOCUST_EXIT_CODE_ON_ERROR", "7"),
        ("LOCUST_STOP_TIMEOUT", "1m"),
        ("LOCUST_ENABLE_OPENTELEMETRY", "true"),
        ("LOCUST_USER_CLASSES", "U1 U2"),
    ];
    let o = parse_env(&[], &env).unwrap();
    assert_eq!(o.locustfile, "e.py");
    assert_eq!(o.host.as_deref(), Some("http://env"));
    assert_eq!(o.users, Some(11));
    assert_eq!(o.spawn_rate, Some(3.0));
    assert_eq!(o.run_time, Some(120));
    assert_eq!(o.config_users.len(), 1);
    assert_eq!(o.web_host, "wh");
    assert_eq!(o.web_host_display_name.as_deref(), Some("wd"));
    assert_eq!(o.web_port, 1234);
    assert!(o.headless && o.autostart && o.web_login && o.class_picker);
    assert_eq!(o.autoquit, Some(9));
    assert_eq!(o.tls_cert.as_deref(), Some("c"));
    assert_eq!(o.tls_key.as_deref(), Some("k"));
    assert_eq!(o.build_path.as_deref(), Some("bp"));
    assert_eq!(o.web_base_path, "/b");
    assert!(o.master && o.worker);
    assert_eq!(o.master_bind_host, "mbh");
    assert_eq!(o.master_bind_port, 1);
    assert_eq!(o.expect_workers, 2);
    assert_eq!(o.expect_workers_max_wait, 3);
    assert_eq!(o.processes, Some(Processes::Count(4)));
    assert_eq!(o.master_host, "mh");
    assert_eq!(o.master_port, 5);
    assert_eq!(o.tags, vec!["a", "b c"]);
    assert_eq!(o.exclude_tags, vec!["x y"]);
    assert_eq!(o.csv.as_deref(), Some("pre"));
    assert!(o.csv_full_history && o.print_stats && o.only_summary && o.reset_stats);
    assert_eq!(o.html.as_deref(), Some("r.html"));
    assert!(o.skip_log_setup && o.otel);
    assert_eq!(o.loglevel, LogLevel::Error);
    assert_eq!(o.logfile.as_deref(), Some("f.log"));
    assert_eq!(o.exit_code_on_error, 7);
    assert_eq!(o.stop_timeout, 60.0);
    assert_eq!(o.user_classes, vec!["U1", "U2"]);
    assert_eq!(o.source("users"), Source::Env("LOCUST_USERS".into()));
}

#[test]
fn options_without_environment_variables_ignore_lookalikes() {
    let env = [
        ("LOCUST_JSON", "true"),
        ("LOCUST_JSON_FILE", "x"),
        ("LOCUST_ENABLE_REBALANCING", "true"),
        ("LOCUST_EQUAL_WEIGHTS", "true"),
        ("LOCUST_PROFILE", "p"),
        ("LOCUST_SHOW_TASK_RATIO", "true"),
        ("LOCUST_LIST", "true"),
        ("LOCUST_CONFIG", "x.conf"),
        ("LOCUST_MASTER", "true"),
        ("LOCUST_WORKER", "true"),
    ];
    assert_eq!(parse_env(&[], &env).unwrap(), Options::default());
}

#[test]
fn command_line_beats_environment() {
    let o = parse_env(
        &["-u", "3", "--run", "5", "-T", "cli"],
        &[
            ("LOCUST_USERS", "9"),
            ("LOCUST_RUN_TIME", "9"),
            ("LOCUST_TAGS", "env"),
        ],
    )
    .unwrap();
    assert_eq!(o.users, Some(3));
    assert_eq!(o.run_time, Some(5));
    assert_eq!(o.tags, vec!["cli"]);
}

#[test]
fn environment_list_and_flag_forms() {
    let tags = |value: &str| parse_env(&[], &[("LOCUST_TAGS", value)]).unwrap().tags;
    assert_eq!(tags("a b"), vec!["a b"]);
    assert_eq!(tags("a,b"), vec!["a,b"]);
    assert_eq!(tags("[a, b]"), vec!["a", "b"]);
    assert_eq!(tags(r#"["a","b c"]"#), vec!["a", "b c"]);
    assert!(tags("").is_empty());
    let headless = |value: &str| parse_env(&[], &[("LOCUST_HEADLESS", value)]).map(|o| o.headless);
    assert_eq!(headless("0"), Ok(false));
    assert_eq!(headless("off"), Ok(false));
    assert_eq!(headless("Yes"), Ok(true));
    assert_eq!(
        usage_error(&[], &[("LOCUST_HEADLESS", "abc")]),
        "rocust: error: Unexpected value for LOCUST_HEADLESS: 'abc'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
    );
    assert!(usage_error(&[], &[("LOCUST_HEADLESS", "")]).contains("LOCUST_HEADLESS: ''"));
    // an empty string is a value for plain options
    assert_eq!(
        usage_error(&[], &[("LOCUST_USERS", "")]),
        "rocust: error: argument -u/--users: invalid int value: ''"
    );
    let o = parse_env(&[], &[("LOCUST_HOST", "")]).unwrap();
    assert_eq!(o.host, None);
    assert!(o.is_given("host"));
}

#[test]
fn headful_overrides_headless() {
    let o = parse_env(&["--headful"], &[("LOCUST_HEADLESS", "true")]).unwrap();
    assert!(!o.headless && o.headful);
    assert!(!ok(&["--headless", "--headful"]).headless);
}

#[test]
fn bad_values_give_one_line_errors() {
    let cases: &[(&[&str], &str)] = &[
        (&["-u", "abc"], "argument -u/--users: invalid int value: 'abc'"),
        (&["-u", "1.5"], "argument -u/--users: invalid int value: '1.5'"),
        (&["-u", "-1"], "argument -u/--users: must be 0 or more, got -1"),
        (&["-uabc"], "argument -u/--users: invalid int value: 'abc'"),
        (&["-r", "0"], "argument -r/--spawn-rate: must be > 0"),
        (&["-r", "-1"], "argument -r/--spawn-rate: must be > 0"),
        (&["-r", "inf"], "argument -r/--spawn-rate: must be a finite number"),
        (&["-r", "nan"], "argument -r/--spawn-rate: must be a finite number"),
        (&["--spawn-rate", "abc"], "argument -r/--spawn-rate: invalid float value: 'abc'"),
        (
            &["-t", "5x"],
            "argument -t/--run-time: Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.",
        ),
        (&["-t", ""], "argument -t/--run-time: Invalid time span format"),
        (
            &["-s", "1.5"],
            "argument -s/--stop-timeout: Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.",
        ),
        (&["--web-port", "abc"], "argument --web-port/-P: invalid int value: 'abc'"),
        (&["-P", "99999"], "argument --web-port/-P: invalid port number: 99999 (must be 0 to 65535)"),
        (
            &["-L", "foo"],
            "argument --loglevel/-L: invalid choice: 'FOO' (choose from 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')",
        ),
        (&["--expect-workers", "0"], "argument --expect-workers: must be a positive number, got 0"),
        (&["--expect-workers", "x"], "argument --expect-workers: invalid int value: 'x'"),
        (&["--processes", "x"], "argument --processes: invalid int value: 'x'"),
        (&["--autoquit", "-3"], "argument --autoquit: must be -1 (never) or a number of seconds, got -3"),
        (&["--foo"], "unrecognized arguments: --foo"),
        (&["-x"], "unrecognized arguments: -x"),
        (&["--headlesss"], "unrecognized arguments: --headlesss (did you mean '--headless'?)"),
        (
            &["--master-"],
            "ambiguous option: --master- could match --master-bind-host, --master-bind-port, --master-host, --master-port",
        ),
        (&["--conf", "x"], "ambiguous option: --conf could match --config, --config-users"),
        (&["--users"], "argument -u/--users: expected one argument"),
        (&["-u"], "argument -u/--users: expected one argument"),
        (&["-H", "-x"], "argument -H/--host: expected one argument"),
        (&["--headless=true"], "argument --headless: ignored explicit argument 'true'"),
        (&["--csv-full-history"], "'--csv-full-history' requires '--csv'."),
        (&["--config-users", "{\"a\": 1}"], "argument --config-users: every user config must have a user_class_name"),
        (&["--legacy-ui"], "argument --legacy-ui: --legacy-ui is not supported any more; remove it"),
        (&["--expect-slaves"], "argument --expect-slaves: --expect-slaves is now called --expect-workers"),
        (&["--web-auth", "a:b"], "argument --web-auth: --web-auth is gone; use --web-login instead"),
    ];
    for (args, expected) in cases {
        assert_eq!(
            usage_error(args, &[]),
            format!("rocust: error: {expected}"),
            "{args:?}"
        );
    }
    assert!(usage_error(&["--config-users", "nojson"], &[])
        .starts_with("rocust: error: argument --config-users: The --config-users argument must be a valid JSON string or file: "));
    assert!(usage_error(&["--config-users", "missing.json"], &[])
        .starts_with("rocust: error: argument --config-users: cannot read 'missing.json': "));
    // environment values are checked the same way
    assert_eq!(
        usage_error(&[], &[("LOCUST_RUN_TIME", "5x")]),
        "rocust: error: argument -t/--run-time: Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc."
    );
    assert_eq!(
        usage_error(&[], &[("LOCUST_LEGACY_UI", "1")]),
        "rocust: error: argument --legacy-ui: --legacy-ui is not supported any more; remove it"
    );
}

#[test]
fn processes_values() {
    assert_eq!(ok(&["--processes", "0"]).processes, None);
    assert_eq!(
        ok(&["--processes", "3"]).processes,
        Some(Processes::Count(3))
    );
    let err = parse(&["--processes", "-5"]).unwrap_err();
    assert_eq!(err.exit_code, 1);
    assert_eq!(err.kind, CliErrorKind::Invalid);
    assert_eq!(err.message, "Invalid --processes count -5");
}

#[test]
fn help_and_version() {
    for args in [
        &["-h"][..],
        &["--help"],
        &["--hel"],
        &["-u", "5", "-h", "--bogus"],
    ] {
        let e = parse(args).unwrap_err();
        assert_eq!((e.kind, e.exit_code), (CliErrorKind::Help, 0), "{args:?}");
        assert!(!e.use_stderr());
        assert!(e
            .message
            .starts_with("Usage: rocust [options] [UserClass ...]\n"));
        assert!(e.message.contains("\nCommon options:\n"));
        assert!(e
            .message
            .contains("-t <time string>, --run-time <time string>"));
    }
    for args in [&["-V"][..], &["--version"], &["-lV"]] {
        let e = parse(args).unwrap_err();
        assert_eq!(
            (e.kind, e.exit_code),
            (CliErrorKind::Version, 0),
            "{args:?}"
        );
        assert_eq!(
            e.message,
            format!(
                "rocust {} (compatible with locust 2.47.0)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
    // errors before -h win, as in argparse
    assert_eq!(
        usage_error(&["--foo", "-h"], &[]),
        "rocust: error: unrecognized arguments: --foo"
    );
}

#[test]
fn non_utf8_argument_is_an_error() {
    #[cfg(unix)]
    {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let env = |_: &str| None;
        let bad = OsString::from_vec(vec![b'-', b'H', 0xff]);
        let err =
            rocust_cli::parse([bad], &env, std::path::Path::new("/nonexistent"), None).unwrap_err();
        assert_eq!(err.exit_code, 2);
    }
}
