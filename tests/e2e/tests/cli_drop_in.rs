//! The command line of issue 7 for Rust load tests: a shape given -t/-u/-r
//! (Locust's warnings; the shape runs to its end), the old spellings of
//! older Locust versions and `-n/--num-request`. python/tests/test_cli_drop_in.py runs the same behaviours
//! under `rocust -f` and compares them with real Locust 2.47.

mod common;

use std::time::Duration;

use common::csv::CsvFile;
use common::{all_users_spawned, load_test, log_lines, run, users, DemoTarget, TempDir, SHAPE_BIN};

/// Log messages without their `[time] host/` prefix: `WARNING/locust.main: ...`.
fn messages(stderr: &str) -> Vec<String> {
    log_lines(stderr)
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest))
        .filter_map(|rest| rest.split_once('/').map(|(_, m)| m.to_string()))
        .collect()
}

#[test]
fn a_shape_warns_about_run_time_users_and_spawn_rate_and_runs_to_its_end() {
    let target = DemoTarget::start();
    let dir = TempDir::new("shape-options");
    let run = run(load_test(
        SHAPE_BIN,
        &[
            "--headless",
            "-H",
            &target.url,
            "-t",
            "1",
            "-u",
            "9",
            "-r",
            "5",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    let found = messages(&run.stderr);
    let warnings: Vec<&String> = found.iter().filter(|m| m.starts_with("WARNING")).collect();
    assert_eq!(
        warnings,
        [
            "WARNING/locust.main: --run-time, --users or --spawn-rate have no impact on LoadShapes unless the shape class explicitly reads them. See: docs.locust.io/en/stable/custom-load-shape.html#use-common-options",
            "WARNING/locust.main: The following option(s) will be ignored: --users, --spawn-rate, --run-time",
        ],
        "{}",
        run.stderr
    );
    // the 4 s shape, not -t 1
    assert!(run.elapsed > Duration::from_secs(3), "{:?}", run.elapsed);
    assert!(!run.stderr.contains("--run-time limit reached"));
    let completed = found
        .iter()
        .position(|m| m == "INFO/locust.main: Shape test completed, shutting down")
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert_eq!(
        found[completed + 1],
        "INFO/locust.main: Run time limit set to 1 seconds"
    );
    assert_eq!(all_users_spawned(&run.stderr)["ShapeUser"], 4);
}

#[test]
fn old_spellings_run_with_a_warning_each() {
    let target = DemoTarget::start();
    let dir = TempDir::new("old-spellings");
    let run = run(users(
        &[
            "--no-web",
            "-c",
            "3",
            "--hatch-rate",
            "100",
            "-t",
            "2s",
            "-H",
            &target.url,
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    let found = messages(&run.stderr);
    for warning in [
        "WARNING/locust.main: --no-web is deprecated: use --headless",
        "WARNING/locust.main: -c/--clients is deprecated: use -u/--users",
        "WARNING/locust.main: --hatch-rate is deprecated: use -r/--spawn-rate",
    ] {
        assert_eq!(
            found.iter().filter(|m| *m == warning).count(),
            1,
            "{warning}\n{}",
            run.stderr
        );
    }
    assert_eq!(all_users_spawned(&run.stderr)["NamingUser"], 3);
}

#[test]
fn num_request_stops_after_that_many_requests() {
    let target = DemoTarget::start();
    let dir = TempDir::new("num-request");
    let csv = dir.file("out");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "2",
            "-r",
            "100",
            "-n",
            "60",
            "-H",
            &target.url,
            "--csv",
            &csv,
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("-n/--num-request limit of 60 requests reached, shutting down"),
        "{}",
        run.stderr
    );
    let stats = CsvFile::read(&format!("{csv}_stats.csv"));
    let total: u64 = stats
        .rows_where("Name", "Aggregated")
        .next()
        .map(|r| stats.get(r, "Request Count").parse().unwrap())
        .unwrap_or_else(|| panic!("no Aggregated row"));
    // two users at 20 requests/s each, checked every 100 ms
    assert!((60..=75).contains(&total), "{total} requests");
}
