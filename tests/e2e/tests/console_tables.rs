//! The console tables on stderr: the final summary's layout, row format,
//! Aggregated row, percentiles table and error report, as Locust prints them
//! when stderr is a pipe (width 80).

mod common;

use common::tables::{self, Summary};
use common::{run, users, DemoTarget, TempDir};

/// Locust 2.47's lines, copied from its output, to check the helpers that build them.
const STATS_HEADER: &str = "Type     Name                                                                          # reqs      # fails |    Avg     Min     Max    Med |   req/s  failures/s";
const STATS_SEPARATOR: &str = "--------|----------------------------------------------------------------------------|-------|-------------|-------|-------|-------|-------|--------|-----------";
const PERCENTILE_HEADER: &str = "Type     Name                                                                                  50%    66%    75%    80%    90%    95%    98%    99%  99.9% 99.99%   100% # reqs";
const PERCENTILE_SEPARATOR: &str = "--------|--------------------------------------------------------------------------------|--------|------|------|------|------|------|------|------|------|------|------|------";
const ERROR_HEADER: &str = "# occurrences      Error                                                                                               ";

#[test]
fn expected_lines_are_locusts() {
    assert_eq!(tables::stats_header(), STATS_HEADER);
    assert_eq!(tables::stats_separator(), STATS_SEPARATOR);
    assert_eq!(tables::percentile_header(), PERCENTILE_HEADER);
    assert_eq!(tables::percentile_separator(), PERCENTILE_SEPARATOR);
    assert_eq!(tables::error_report_header(), ERROR_HEADER);
    assert_eq!(
        tables::error_report_separator(),
        format!("{}|{}", "-".repeat(18), "-".repeat(141))
    );
}

#[test]
fn final_summary_has_locusts_layout() {
    let target = DemoTarget::start();
    let dir = TempDir::new("console");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "3",
            "-r",
            "3",
            "-t",
            "3s",
            "-H",
            &target.url,
            "FailingUser",
            "NamingUser",
            "CatchUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    // Parsing checks every line's exact layout; what is left is the content.
    let s: Summary = run.summary();
    assert_eq!(s.exit_code, 1);
    assert_eq!(s.lines[0], STATS_HEADER);
    assert_eq!(s.lines[1], STATS_SEPARATOR);

    let names = s.names();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    assert_eq!(names, sorted, "rows sorted by (name, method)");
    let want: Vec<(String, String)> = [
        "/fail",
        "/fast",
        "/status/404",
        "/status/500",
        "/status/[id]",
    ]
    .iter()
    .map(|n| ("GET".to_owned(), n.to_string()))
    .collect();
    assert_eq!(names, want);
    assert!(s.rows.iter().all(|r| r.requests > 0));

    let requests: u64 = s.rows.iter().map(|r| r.requests).sum();
    let failures: u64 = s.rows.iter().map(|r| r.failures).sum();
    assert_eq!(s.aggregated.requests, requests, "Aggregated requests");
    assert_eq!(s.aggregated.failures, failures, "Aggregated failures");
    assert_eq!(s.failures("GET", "/fail"), s.requests("GET", "/fail"));
    assert_eq!(s.failures("GET", "/status/[id]"), 0);

    // One percentile row per entry, same counts, percentiles never decreasing.
    let pnames: Vec<(String, String)> = s
        .percentile_rows
        .iter()
        .map(|r| (r.method.clone(), r.name.clone()))
        .collect();
    assert_eq!(pnames, names);
    for (p, r) in s.percentile_rows.iter().zip(&s.rows) {
        assert_eq!(p.requests, r.requests, "{}", r.name);
        assert!(p.percentiles.windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    }
    let total = s
        .percentile_aggregated
        .as_ref()
        .expect("an Aggregated percentiles row");
    assert_eq!(
        (total.method.as_str(), total.name.as_str()),
        ("", "Aggregated")
    );
    assert_eq!(total.requests, requests);

    // The error report: one row per distinct error; catch_response failures show the bare text.
    let errors = s.errors.as_ref().expect("an error report");
    let mut texts: Vec<&str> = errors.iter().map(|e| e.text.as_str()).collect();
    texts.sort_unstable();
    assert_eq!(
        texts,
        vec![
            "GET /fail: HTTPError('500 Server Error: Internal Server Error for url: /fail')",
            "GET /fast: forced failure",
            "GET /status/404: HTTPError('404 Client Error: Not Found for url: /status/404')",
        ]
    );
    let occurrences: u64 = errors.iter().map(|e| e.occurrences).sum();
    assert_eq!(occurrences, failures);

    // The periodic table (every 2 s) came before the shutdown.
    let before = &run.stderr[..run.stderr.find("Shutting down").unwrap()];
    assert!(
        before.contains(STATS_HEADER),
        "no periodic table:\n{before}"
    );
}

#[test]
fn no_error_report_without_failures() {
    let target = DemoTarget::start();
    let dir = TempDir::new("console-clean");
    let run = run(users(
        &[
            "--headless",
            "-u",
            "1",
            "-t",
            "1s",
            "-H",
            &target.url,
            "NamingUser",
        ],
        dir.path(),
    ));
    run.assert_code(0);
    let s = run.summary();
    assert!(s.errors.is_none(), "{:#?}", s.lines);
    assert!(!run.stderr.contains(tables::ERROR_REPORT_TITLE));
    assert!(s.aggregated.requests > 0);
}
