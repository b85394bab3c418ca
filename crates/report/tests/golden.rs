//! Byte-for-byte comparisons with real Locust 2.47.0 output.
//!
//! `tests/golden/make_golden.py` replayed `tests/golden/scenario.jsonl` through
//! Locust's own stats code and saved what its console, CSV and JSON functions
//! printed (the other files in `tests/golden/`). These tests replay the same
//! events through rocust and compare.

use std::path::PathBuf;

use rocust_core::stats::{Exceptions, Number, RequestStats};
use rocust_report::csv::{
    exceptions_csv, failures_csv, requests_csv, stats_history_csv_header, stats_history_rows,
};
use rocust_report::{
    error_report_summary, percentile_stats_summary, stats_json, stats_summary, CsvWriter,
    Percentiles,
};
use serde_json::Value;

fn golden(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn float(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

struct Replay {
    rs: RequestStats,
    exceptions: Exceptions,
    now: f64,
    user_count: u64,
}

fn replay() -> Replay {
    let text = golden("scenario.jsonl");
    let mut lines = text.lines();
    let meta: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    let mut rs = RequestStats::new(float(&meta["start"]), true);
    let mut exceptions = Exceptions::default();
    for line in lines {
        let ev: Value = serde_json::from_str(line).unwrap();
        if let Some(r) = ev.get("req") {
            let rt = (!r[3].is_null()).then(|| float(&r[3]));
            rs.log_request(
                r[1].as_str().unwrap(),
                r[2].as_str().unwrap(),
                rt,
                r[4].as_u64().unwrap(),
                float(&r[0]),
            );
        } else if let Some(e) = ev.get("err") {
            rs.log_error(
                e[1].as_str().unwrap(),
                e[2].as_str().unwrap(),
                e[3].as_str().unwrap(),
                float(&e[0]),
            );
        } else if let Some(x) = ev.get("exc") {
            exceptions.log(
                x[0].as_str().unwrap(),
                x[1].as_str().unwrap(),
                x[2].as_str().unwrap(),
            );
        }
    }
    Replay {
        rs,
        exceptions,
        now: float(&meta["now"]),
        user_count: meta["user_count"].as_u64().unwrap(),
    }
}

fn lines(v: Vec<String>) -> String {
    v.join("\n") + "\n"
}

#[test]
fn console_tables_match_locust() {
    let r = replay();
    for w in [80, 40] {
        assert_eq!(
            lines(stats_summary(&r.rs, true, w)),
            golden(&format!("stats_current_w{w}.txt"))
        );
        assert_eq!(
            lines(stats_summary(&r.rs, false, w)),
            golden(&format!("stats_total_w{w}.txt"))
        );
        assert_eq!(
            lines(percentile_stats_summary(&r.rs, w, &Percentiles::default())),
            golden(&format!("percentiles_w{w}.txt"))
        );
        assert_eq!(
            lines(error_report_summary(&r.rs, w)),
            golden(&format!("errors_w{w}.txt"))
        );
    }
}

#[test]
fn csv_files_match_locust() {
    let r = replay();
    let p = Percentiles::default();
    assert_eq!(requests_csv(&r.rs, &p), golden("requests.csv"));
    assert_eq!(failures_csv(&r.rs), golden("failures.csv"));
    assert_eq!(
        exceptions_csv(r.exceptions.rows()),
        golden("exceptions.csv")
    );
    let history =
        stats_history_csv_header(&p) + &stats_history_rows(&r.rs, r.user_count, r.now, false, &p);
    assert_eq!(history, golden("history.csv"));
    let full =
        stats_history_csv_header(&p) + &stats_history_rows(&r.rs, r.user_count, r.now, true, &p);
    assert_eq!(full, golden("history_full.csv"));
}

#[test]
fn history_sample_matches_locust() {
    let mut r = replay();
    r.rs.update_history(r.user_count, r.now);
    let h = r.rs.history.last().unwrap();
    let want: Value = serde_json::from_str(&golden("history_row.json")).unwrap();
    assert_eq!(
        h.response_time_percentile_0_5,
        want["response_time_percentile_0.5"].as_i64().unwrap()
    );
    assert_eq!(
        h.response_time_percentile_0_95,
        want["response_time_percentile_0.95"].as_i64().unwrap()
    );
    assert_eq!(
        h.current_rps,
        Number::Float(want["current_rps"].as_f64().unwrap())
    );
    assert_eq!(
        h.current_fail_per_sec,
        Number::Float(want["current_fail_per_sec"].as_f64().unwrap())
    );
    assert_eq!(
        h.total_avg_response_time,
        want["total_avg_response_time"].as_f64().unwrap()
    );
    assert_eq!(h.user_count, want["user_count"].as_u64().unwrap());
}

#[test]
fn json_output_and_its_reset_match_locust() {
    let mut r = replay();
    let entries = r.rs.serialize_stats_and_reset(r.now);
    assert_eq!(stats_json(&entries), golden("stats.json"));
    // Locust's --json resets the entries before the final table is printed.
    assert_eq!(
        lines(stats_summary(&r.rs, false, 80)),
        golden("stats_after_json_w80.txt")
    );
}

#[test]
fn csv_writer_writes_the_four_files() {
    let r = replay();
    let dir = std::env::temp_dir().join(format!("rocust-report-csv-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let prefix = dir.join("sub/run");
    let prefix = prefix.to_str().unwrap();
    let mut w = CsvWriter::create(prefix, false, Percentiles::default()).unwrap();
    let empty = RequestStats::new(r.now - 20.0, true);
    w.write(&empty, &[], 0, r.now - 19.5).unwrap();
    w.write(&r.rs, r.exceptions.rows(), r.user_count, r.now)
        .unwrap();
    w.write_final(&r.rs, r.exceptions.rows(), r.user_count, r.now + 0.2)
        .unwrap();
    let read = |suffix: &str| std::fs::read_to_string(format!("{prefix}_{suffix}.csv")).unwrap();
    assert_eq!(read("stats"), golden("requests.csv"));
    assert_eq!(read("failures"), golden("failures.csv"));
    assert_eq!(read("exceptions"), golden("exceptions.csv"));
    let history = read("stats_history");
    let rows: Vec<&str> = history.split("\r\n").collect();
    // header, the idle row, one row at `now`; the final write adds none in the same second
    assert_eq!(rows.len(), 4, "{history}");
    assert_eq!(
        rows[1],
        "1699999996,0,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,0,0,0,0.0,0,0,0"
    );
    assert_eq!(
        format!("{}\r\n", rows[2]),
        golden("history.csv").split_once("\r\n").unwrap().1
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn percentiles_a_locustfile_chose_match_locust() {
    // make_golden.py: PERCENTILES_TO_REPORT = [0.07, 0.5, 0.999, 1.0], then [].
    let r = replay();
    for (label, values) in [("custom", vec![0.07, 0.5, 0.999, 1.0]), ("none", vec![])] {
        let p = Percentiles::new(values).unwrap();
        assert_eq!(
            lines(percentile_stats_summary(&r.rs, 40, &p)),
            golden(&format!("percentiles_{label}_w40.txt")),
            "{label}"
        );
        let csv = requests_csv(&r.rs, &p)
            + &stats_history_csv_header(&p)
            + &stats_history_rows(&r.rs, r.user_count, r.now, true, &p);
        assert_eq!(csv, golden(&format!("csv_{label}.csv")), "{label}");
    }
}
