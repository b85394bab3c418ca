//! `--csv`, `--csv-full-history`, `--json` and `--json-file`: files and
//! stdout in Locust's formats, consistent with the final summary.

mod common;

use std::collections::BTreeSet;

use common::csv::{self, CsvFile};
use common::{run, users, DemoTarget, TempDir};

/// Keys of a `--json` entry, in Locust's order.
const ENTRY_KEYS: [&str; 14] = [
    "name",
    "method",
    "last_request_timestamp",
    "start_time",
    "num_requests",
    "num_none_requests",
    "num_failures",
    "total_response_time",
    "max_response_time",
    "min_response_time",
    "total_content_length",
    "response_times",
    "num_reqs_per_sec",
    "num_fail_per_sec",
];

fn int(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} is not a count: {e}"))
}

#[test]
fn csv_files_match_the_final_summary() {
    let target = DemoTarget::start();
    let dir = TempDir::new("csv");
    let prefix = dir.file("run");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "-H",
            &target.url,
            "--csv",
            &prefix,
            "FailingUser",
            "ErrorUser",
            "CatchUser",
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    let summary = run.summary();

    let stats = CsvFile::read(&format!("{prefix}_stats.csv"));
    assert_eq!(stats.header, csv::STATS_HEADER);
    let (last, entries) = stats.records.split_last().expect("stats rows");
    assert_eq!(stats.get(last, "Type"), "");
    assert_eq!(stats.get(last, "Name"), "Aggregated");
    let keys: Vec<(String, String)> = entries
        .iter()
        .map(|r| {
            (
                stats.get(r, "Type").to_owned(),
                stats.get(r, "Name").to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(keys, sorted, "stats rows sorted by (name, method)");
    assert_eq!(keys, summary.names(), "same entries as the final summary");
    // Written once more at shutdown: the counts are the final ones.
    for r in entries {
        let (method, name) = (stats.get(r, "Type"), stats.get(r, "Name"));
        let row = summary.row(method, name).unwrap();
        assert_eq!(int(stats.get(r, "Request Count")), row.requests, "{name}");
        assert_eq!(int(stats.get(r, "Failure Count")), row.failures, "{name}");
    }
    assert_eq!(
        int(stats.get(last, "Request Count")),
        summary.aggregated.requests
    );
    assert_eq!(
        int(stats.get(last, "Failure Count")),
        summary.aggregated.failures
    );

    let failures = CsvFile::read(&format!("{prefix}_failures.csv"));
    assert_eq!(failures.header, csv::FAILURES_HEADER);
    let errors: BTreeSet<(String, String, String)> = failures
        .records
        .iter()
        .map(|r| {
            (
                failures.get(r, "Method").to_owned(),
                failures.get(r, "Name").to_owned(),
                failures.get(r, "Error").to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = [
        (
            "/fail",
            "HTTPError('500 Server Error: Internal Server Error for url: /fail')",
        ),
        ("/fast", "CatchResponseError('forced failure')"),
        (
            "/status/404",
            "HTTPError('404 Client Error: Not Found for url: /status/404')",
        ),
    ]
    .iter()
    .map(|(n, e)| ("GET".to_owned(), n.to_string(), e.to_string()))
    .collect();
    assert_eq!(errors, want);
    let occurrences: u64 = failures
        .records
        .iter()
        .map(|r| int(failures.get(r, "Occurrences")))
        .sum();
    assert_eq!(occurrences, summary.aggregated.failures);
    for r in &failures.records {
        for column in ["First Seen", "Last Seen"] {
            let t = failures.get(r, column);
            assert!(
                t.len() == 20 && t.ends_with('Z') && t.as_bytes()[10] == b'T',
                "{column} {t:?}"
            );
        }
    }

    let exceptions = CsvFile::read(&format!("{prefix}_exceptions.csv"));
    assert_eq!(exceptions.header, csv::EXCEPTIONS_HEADER);
    for message in [
        "deliberate task error",
        "invalid digit found in string",
        "deliberate panic in a task",
    ] {
        let count: u64 = exceptions
            .rows_where("Message", message)
            .map(|r| int(exceptions.get(r, "Count")))
            .sum();
        // The user goes on after each error: the same error is counted many times.
        assert!(count > 1, "{message}: {count} in {:?}", exceptions.records);
    }
    assert!(exceptions
        .records
        .iter()
        .all(|r| exceptions.get(r, "Nodes") == "local"));

    let history = CsvFile::read(&format!("{prefix}_stats_history.csv"));
    assert_eq!(history.header, csv::HISTORY_HEADER);
    assert!(
        history.records.len() >= 2,
        "one row a second: {:?}",
        history.records
    );
    assert!(history
        .records
        .iter()
        .all(|r| history.get(r, "Name") == "Aggregated" && history.get(r, "Type").is_empty()));
    let stamps: Vec<u64> = history
        .records
        .iter()
        .map(|r| int(history.get(r, "Timestamp")))
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{stamps:?}");
    let counts: Vec<u64> = history
        .records
        .iter()
        .map(|r| int(history.get(r, "Total Request Count")))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
    assert!(*counts.last().unwrap() <= summary.aggregated.requests);
    assert!(*counts.last().unwrap() > 0, "{counts:?}");
}

#[test]
fn csv_full_history_has_rows_per_entry() {
    let target = DemoTarget::start();
    let dir = TempDir::new("csv-full");
    let prefix = dir.file("full");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "3s",
            "-H",
            &target.url,
            "--csv",
            &prefix,
            "--csv-full-history",
            "FailingUser",
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    for suffix in csv::SUFFIXES {
        assert!(
            std::path::Path::new(&format!("{prefix}{suffix}")).is_file(),
            "{suffix} missing"
        );
    }
    let history = CsvFile::read(&format!("{prefix}_stats_history.csv"));
    assert_eq!(history.header, csv::HISTORY_HEADER);
    let names: BTreeSet<&str> = history
        .records
        .iter()
        .map(|r| history.get(r, "Name"))
        .collect();
    for name in ["/fail", "/status/404", "/status/[id]", "Aggregated"] {
        assert!(names.contains(name), "{name} not in {names:?}");
    }
    // Rows are appended each second: several timestamps, each with its Aggregated row.
    let aggregated = history.rows_where("Name", "Aggregated").count();
    assert!(aggregated >= 2, "{:?}", history.records);
    for r in history.rows_where("Name", "/status/[id]") {
        assert_eq!(history.get(r, "Type"), "GET");
    }
}

fn check_entries(value: &serde_json::Value) -> Vec<&serde_json::Map<String, serde_json::Value>> {
    let list = value.as_array().expect("a JSON list");
    list.iter()
        .map(|e| {
            let e = e.as_object().expect("entries are objects");
            let keys: Vec<&str> = e.keys().map(String::as_str).collect();
            assert_eq!(keys, ENTRY_KEYS, "keys in Locust's order");
            e
        })
        .collect()
}

#[test]
fn json_prints_the_entries_to_stdout() {
    let target = DemoTarget::start();
    let dir = TempDir::new("json");
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
            "--json",
            "FailingUser",
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", run.stdout));
    let entries = check_entries(&value);
    let names: BTreeSet<(&str, &str)> = entries
        .iter()
        .map(|e| (e["method"].as_str().unwrap(), e["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        BTreeSet::from([
            ("GET", "/fail"),
            ("GET", "/status/404"),
            ("GET", "/status/[id]")
        ])
    );
    let requests: u64 = entries
        .iter()
        .map(|e| e["num_requests"].as_u64().unwrap())
        .sum();
    let failures: u64 = entries
        .iter()
        .map(|e| e["num_failures"].as_u64().unwrap())
        .sum();
    let summary = run.summary();
    assert_eq!(requests, summary.aggregated.requests);
    assert_eq!(failures, summary.aggregated.failures);
    // Indented by 4 like json.dumps(..., indent=4).
    assert!(
        run.stdout.starts_with("[\n    {\n        \"name\": "),
        "{}",
        run.stdout
    );
}

#[test]
fn json_file_is_written_instead_of_the_summary() {
    let target = DemoTarget::start();
    let dir = TempDir::new("json-file");
    let out = dir.file("stats");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "1",
            "-t",
            "2s",
            "-H",
            &target.url,
            "--json-file",
            &out,
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    let text = std::fs::read_to_string(format!("{out}.json"))
        .unwrap_or_else(|e| panic!("{out}.json: {e}\n{}", run.stderr));
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let entries = check_entries(&value);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["name"], "/status/[id]");
    assert!(entries[0]["num_requests"].as_u64().unwrap() > 0);
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    // No final tables: nothing but log lines after the shutdown line.
    let after = &run.stderr[run.stderr.find("Shutting down").expect("shutdown line")..];
    assert!(
        after
            .lines()
            .skip(1)
            .all(|l| l.is_empty() || common::tables::is_log_line(l)),
        "{after}"
    );
    assert!(!run.stderr.contains(common::tables::PERCENTILE_TITLE));
}
