//! Exit codes, bad command lines, options that are not available yet, a
//! missing host and an unreachable host.

mod common;

use common::{run, users, DemoTarget, Run, TempDir};

/// Runs `e2e-users ARGS CLASS` for 1 s against a fresh demo target.
fn short_run(label: &str, class: &str, extra: &[&str]) -> Run {
    let target = DemoTarget::start();
    let dir = TempDir::new(label);
    let mut args = vec!["--headless", "-u", "1", "-t", "1s", "-H", &target.url];
    args.extend_from_slice(extra);
    args.push(class);
    run(users(&args, dir.path()))
}

#[test]
fn clean_run_exits_0() {
    let run = short_run("exit-0", "NamingUser", &[]);
    run.assert_code(0);
    assert!(run.stderr.contains("Shutting down (exit code 0)"));
    assert!(run.summary().aggregated.requests > 0);
}

#[test]
fn failed_requests_exit_1() {
    let run = short_run("exit-1", "FailingUser", &[]);
    run.assert_code(1);
    assert!(run.stderr.contains("Shutting down (exit code 1)"));
}

#[test]
fn task_errors_alone_exit_1() {
    // ErrorUser's requests all succeed; only its tasks fail.
    let run = short_run("exit-1-errors", "ErrorUser", &[]);
    run.assert_code(1);
    assert_eq!(run.summary().aggregated.failures, 0);
}

#[test]
fn exit_code_on_error_is_used() {
    let run = short_run("exit-3", "FailingUser", &["--exit-code-on-error", "3"]);
    run.assert_code(3);
    assert!(run.stderr.contains("Shutting down (exit code 3)"));
}

/// Runs with a bad command line: exit 2, one error line naming `names`, nothing run.
fn assert_usage_error(args: &[&str], names: &str) {
    let dir = TempDir::new("bad-args");
    let mut all = vec!["--headless", "-H", "http://127.0.0.1:1", "-t", "1s"];
    all.extend_from_slice(args);
    let run = run(users(&all, dir.path()));
    run.assert_code(2);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "one error line for {args:?}:\n{}",
        run.stderr
    );
    assert!(lines[0].contains("error"), "{}", lines[0]);
    assert!(
        lines[0].contains(names),
        "{args:?}: {:?} does not name {names}",
        lines[0]
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn negative_users_is_a_usage_error() {
    assert_usage_error(&["-u", "-1"], "-u/--users");
}

#[test]
fn zero_spawn_rate_is_a_usage_error() {
    assert_usage_error(&["-r", "0"], "-r/--spawn-rate");
}

#[test]
fn bad_run_time_is_a_usage_error() {
    assert_usage_error(&["-t", "5x"], "-t/--run-time");
}

#[test]
fn unknown_option_is_a_usage_error() {
    assert_usage_error(&["--nope"], "--nope");
}

/// Modes that are not implemented yet: exit 2 with "not available yet".
fn assert_not_available(args: &[&str], names: &str) {
    let dir = TempDir::new("unavailable");
    let mut all = vec!["-H", "http://127.0.0.1:1", "-t", "1s"];
    all.extend_from_slice(args);
    let run = run(users(&all, dir.path()));
    run.assert_code(2);
    assert!(
        run.stderr.contains("not available yet") && run.stderr.contains(names),
        "{args:?}:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Shutting down"), "{}", run.stderr);
}

#[test]
fn options_of_later_issues_are_not_available_yet() {
    assert_not_available(
        &[
            "--headless",
            "--config-users",
            r#"{"user_class_name": "CatchUser"}"#,
        ],
        "--config-users",
    );
}

#[test]
fn web_ui_autostart_autoquit_and_the_html_report() {
    let target = DemoTarget::start();
    let dir = TempDir::new("web-autostart");
    let report = dir.path().join("out/report_{u}.html");
    let report = report.to_string_lossy();
    let run = run(users(
        &[
            "-H",
            &target.url,
            "--web-host",
            "127.0.0.1",
            "-P",
            "0",
            "--autostart",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "2s",
            "--autoquit",
            "1",
            "--html",
            &report,
        ],
        dir.path(),
    ));
    run.assert_code(0);
    for line in [
        "Starting web interface at http://127.0.0.1:",
        "--run-time limit reached, stopping test",
        "--autoquit time reached, shutting down",
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
    let html = std::fs::read_to_string(dir.path().join("out/report_2.html")).unwrap();
    assert!(html.contains("<h2>Request Statistics</h2>"), "{html}");
}

#[test]
fn the_html_report_is_written_on_sigterm_with_the_web_ui() {
    let dir = TempDir::new("web-sigterm");
    let report = dir.path().join("report.html");
    let running = common::spawn(users(
        &[
            "-H",
            "http://127.0.0.1:1",
            "--web-host",
            "127.0.0.1",
            "-P",
            "0",
            "--html",
            &report.to_string_lossy(),
        ],
        dir.path(),
    ));
    assert!(
        running.wait_for_stderr("Starting web interface", std::time::Duration::from_secs(20)),
        "{}",
        running.stderr_so_far()
    );
    running.signal(libc::SIGTERM);
    let run = running.wait(std::time::Duration::from_secs(30));
    run.assert_code(0);
    assert!(run.stderr.contains("Got SIGTERM signal"), "{}", run.stderr);
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("Locust Test Report"));
}

#[test]
fn unknown_user_class_exits_1() {
    let dir = TempDir::new("unknown-class");
    let run = run(users(
        &[
            "--headless",
            "-H",
            "http://127.0.0.1:1",
            "-t",
            "1s",
            "NoSuchUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    assert!(
        run.stderr.contains("Unknown User(s): NoSuchUser"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_host_stops_the_test_with_locusts_message() {
    let dir = TempDir::new("no-host");
    let run = run(users(
        &["--headless", "-u", "2", "-t", "5s", "NamingUser"],
        dir.path(),
    ));
    assert!(
        run.stderr.contains(
            "You must specify the base host. Either in the host attribute in the User class, \
             or on the command line using the --host option."
        ),
        "{}",
        run.stderr
    );
    // Locust stops the test at once, without requests, with exit code 0.
    run.assert_code(0);
    let s = run.summary();
    assert_eq!(s.aggregated.requests, 0);
    assert!(s.rows.is_empty());
    assert!(run.elapsed.as_secs_f64() < 4.0, "took {:?}", run.elapsed);
}

#[test]
fn unreachable_host_records_failures_and_runs_to_the_end() {
    let dir = TempDir::new("unreachable");
    let prefix = dir.file("down");
    // The class's own host (nothing listens on port 1); no -H.
    let run = run(users(
        &[
            "--headless",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "2s",
            "--csv",
            &prefix,
            "UnreachableUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    assert!(
        run.elapsed.as_secs_f64() >= 2.0,
        "ended early: {:?}",
        run.elapsed
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let s = run.summary();
    let requests = s.requests("GET", "/");
    assert!(requests >= 4, "{requests} requests in 2 s with 0.2 s waits");
    assert_eq!(s.failures("GET", "/"), requests);
    let errors = s.errors.as_ref().expect("an error report");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].text.starts_with("GET /: ") && errors[0].text.contains("Connection refused"),
        "{:?}",
        errors[0].text
    );
    let failures = common::csv::CsvFile::read(&format!("{prefix}_failures.csv"));
    assert_eq!(failures.records.len(), 1);
    assert!(failures
        .get(&failures.records[0], "Error")
        .contains("Connection refused"));
}
