//! How a run ends: the run-time limit with and without a stop timeout,
//! SIGTERM and SIGINT, StopTest from a task, a load shape ending by itself,
//! and `--reset-stats`.

mod common;

use std::time::Duration;

use common::csv::CsvFile;
use common::{all_users_spawned, load_test, run, spawn, users, DemoTarget, TempDir, SHAPE_BIN};

const SLOW: &str = "/slow?ms=800";

/// SlowUser's requests take 0.8 s back to back, so at -t 2s the third one
/// (1.6 s → 2.4 s) is in flight.
fn slow_run(dir: &TempDir, target: &DemoTarget, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "--headless",
        "-u",
        "1",
        "-r",
        "1",
        "-t",
        "2s",
        "-H",
        &target.url,
    ];
    args.extend_from_slice(extra);
    args.push("SlowUser");
    run(users(&args, dir.path()))
}

#[test]
fn stop_timeout_lets_the_request_in_flight_finish() {
    let target = DemoTarget::start();
    let dir = TempDir::new("stop-timeout");
    let run = slow_run(&dir, &target, &["-s", "5"]);
    run.assert_code(0);
    assert_eq!(run.summary().requests("GET", SLOW), 3, "{}", run.stderr);
    // It waits for the task, not for the whole stop timeout.
    assert!(
        run.elapsed < Duration::from_millis(4500),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn without_stop_timeout_the_request_in_flight_is_cut() {
    let target = DemoTarget::start();
    let dir = TempDir::new("no-stop-timeout");
    let run = slow_run(&dir, &target, &[]);
    run.assert_code(0);
    assert_eq!(run.summary().requests("GET", SLOW), 2, "{}", run.stderr);
    assert!(
        run.elapsed < Duration::from_millis(2400),
        "took {:?}",
        run.elapsed
    );
}

/// Starts a long run, lets it make requests, sends `signal`, and checks the
/// run ends promptly with the shutdown line, the final tables and the CSV files.
fn signal_ends_the_run(signal: libc::c_int, label: &str) -> common::Run {
    let target = DemoTarget::start();
    let dir = TempDir::new(label);
    let prefix = dir.file("sig");
    let running = spawn(users(
        &[
            "--headless",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "60s",
            "-H",
            &target.url,
            "--csv",
            &prefix,
            "NamingUser",
        ],
        dir.path(),
    ));
    assert!(
        running.wait_for_stderr("All users spawned", Duration::from_secs(10)),
        "users not spawned:\n{}",
        running.stderr_so_far()
    );
    std::thread::sleep(Duration::from_millis(1200));
    running.signal(signal);
    let run = running.wait(Duration::from_secs(10));
    assert!(
        run.elapsed < Duration::from_secs(8),
        "took {:?}",
        run.elapsed
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains("Shutting down (exit code 0)"),
        "{}",
        run.stderr
    );
    let s = run.summary();
    assert!(s.aggregated.requests > 0);
    let stats = CsvFile::read(&format!("{prefix}_stats.csv"));
    let total = stats.records.last().expect("the Aggregated row");
    assert_eq!(stats.get(total, "Name"), "Aggregated");
    assert_eq!(
        stats.get(total, "Request Count"),
        s.aggregated.requests.to_string()
    );
    for suffix in common::csv::SUFFIXES {
        assert!(
            std::path::Path::new(&format!("{prefix}{suffix}")).is_file(),
            "{suffix}"
        );
    }
    run
}

#[test]
fn sigterm_ends_the_run_with_reports() {
    let run = signal_ends_the_run(libc::SIGTERM, "sigterm");
    assert!(run.stderr.contains("Got SIGTERM signal"), "{}", run.stderr);
}

#[test]
fn sigint_ends_the_run_with_reports() {
    signal_ends_the_run(libc::SIGINT, "sigint");
}

#[test]
fn stop_test_ends_the_run_before_the_time_limit() {
    let target = DemoTarget::start();
    let dir = TempDir::new("stop-test");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "1",
            "-t",
            "60s",
            "-H",
            &target.url,
            "StopTestUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    assert!(
        run.elapsed < Duration::from_secs(5),
        "took {:?}",
        run.elapsed
    );
    assert!(
        run.stderr
            .contains("e2e: stopping the test after 3 requests"),
        "{}",
        run.stderr
    );
    assert_eq!(run.summary().requests("GET", "/fast"), 3);
}

#[test]
fn shape_steps_up_then_ends_the_test() {
    let target = DemoTarget::start();
    let dir = TempDir::new("shape");
    let run = run(load_test(
        SHAPE_BIN,
        &["--headless", "-H", &target.url],
        dir.path(),
    ));
    run.assert_code(0);
    assert!(
        run.elapsed > Duration::from_secs(3) && run.elapsed < Duration::from_secs(9),
        "took {:?}",
        run.elapsed
    );
    let logs: Vec<&str> = common::log_lines(&run.stderr).collect();
    let position = |needle: &str| {
        logs.iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no log line with {needle:?}:\n{}", run.stderr))
    };
    let two = position("Shape test updating to 2 users at 10.00 spawn rate");
    let four = position("Shape test updating to 4 users at 10.00 spawn rate");
    let stopping = position("Shape test stopping");
    assert!(two < four && four < stopping, "{logs:#?}");
    assert_eq!(all_users_spawned(&run.stderr)["ShapeUser"], 4);
    assert!(run.summary().requests("GET", "/fast") > 10);
}

#[test]
fn reset_stats_logs_and_keeps_counting() {
    let target = DemoTarget::start();
    let dir = TempDir::new("reset-stats");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "2s",
            "-H",
            &target.url,
            "--reset-stats",
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    let reset = run
        .stderr
        .find("Resetting stats")
        .unwrap_or_else(|| panic!("no 'Resetting stats':\n{}", run.stderr));
    // Locust resets when spawning completes, right after logging it.
    let spawned = run.stderr.find("All users spawned").expect("spawned line");
    assert!(spawned < reset, "{}", run.stderr);
    assert!(run.summary().requests("GET", "/status/[id]") > 5);
}
