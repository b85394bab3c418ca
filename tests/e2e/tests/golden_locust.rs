//! Golden comparison with real Locust 2.47.0: the same user classes run by
//! `locust` (a locustfile written here) and by e2e-users against the demo
//! target, then the layout lines of their tables, their CSV headers, their
//! entries and errors, their JSON keys and their task ratios compared.
//!
//! Locust comes from `$ROCUST_LOCUST_VENV` (default: the repo's
//! `.venv-locust`), installed by scripts/install-test-deps.sh.

mod common;

use std::collections::BTreeSet;

use common::csv::{CsvFile, SUFFIXES};
use common::tables::Summary;
use common::{
    load_test, locust_binary, spawn, users, DemoTarget, Run, Running, TempDir, RUN_TIMEOUT,
};

const IMPORTS: &str = "from locust import HttpUser, task, constant\n";

/// The Python twin of e2e-users's GoldenUser.
const GOLDEN_USER: &str = r#"

class GoldenUser(HttpUser):
    wait_time = constant(0.1)

    def on_start(self):
        self.requests = 0

    @task
    def golden(self):
        self.requests += 1
        c = self.client
        c.get("/fast")
        c.get(f"/status/200?id={self.requests}", name="/status/[id]")
        c.get("/fail")
        c.get("/status/404")
        c.get("/redirect")
        c.post("/login", data={"username": "golden", "password": "secret"})
        with c.get("/json", catch_response=True) as r:
            r.failure("forced failure")
        raise ValueError("golden task error")
"#;

/// The Python twins of e2e-users's WeightA and WeightB.
const WEIGHT_USERS: &str = r#"

class WeightA(HttpUser):
    weight = 3
    wait_time = constant(0.5)

    @task(2)
    def index(self):
        self.client.get("/fast")

    @task
    def about(self):
        self.client.get("/about/")


class WeightB(HttpUser):
    wait_time = constant(0.5)

    @task
    def fast(self):
        self.client.get("/fast")
"#;

/// Runs Locust (with a locustfile of `classes`) and rocust with the same
/// arguments at once, each in its own dir; `rocust_only` is added for rocust.
struct Pair {
    locust: Run,
    rocust: Run,
}

fn run_both(
    label: &str,
    classes: &[&str],
    args: &[&str],
    rocust_only: &[&str],
    locust_dir: &TempDir,
    rocust_dir: &TempDir,
) -> Pair {
    let locustfile = locust_dir.file("locustfile.py");
    std::fs::write(&locustfile, IMPORTS.to_owned() + &classes.concat())
        .expect("write the locustfile");
    let mut locust_args = vec!["-f", locustfile.as_str()];
    locust_args.extend_from_slice(args);
    let binary = locust_binary();
    let locust: Running = spawn(load_test(
        binary.to_str().expect("UTF-8 path"),
        &locust_args,
        locust_dir.path(),
    ));
    let rocust_args = [args, rocust_only].concat();
    let rocust = spawn(users(&rocust_args, rocust_dir.path()));
    let rocust = rocust.wait(RUN_TIMEOUT);
    let locust = locust.wait(RUN_TIMEOUT);
    assert_eq!(
        locust.code, rocust.code,
        "{label}: exit codes differ\n--- locust ---\n{}\n--- rocust ---\n{}",
        locust.stderr, rocust.stderr
    );
    Pair { locust, rocust }
}

fn summary(run: &Run, who: &str) -> Summary {
    Summary::parse(&run.stderr)
        .unwrap_or_else(|e| panic!("{who}'s final summary: {e}\n{}", run.stderr))
}

/// The layout lines of a summary: requests header and separator, percentile
/// title, header and separator, error report title, header and separator.
fn layout(s: &Summary) -> Vec<String> {
    let l = &s.lines;
    let percentiles = l
        .iter()
        .position(|x| x == common::tables::PERCENTILE_TITLE)
        .expect("percentile table");
    let errors = l
        .iter()
        .position(|x| x == common::tables::ERROR_REPORT_TITLE)
        .expect("error report");
    [
        0,
        1,
        percentiles,
        percentiles + 1,
        percentiles + 2,
        errors,
        errors + 1,
        errors + 2,
    ]
    .iter()
    .map(|&i| l[i].clone())
    .collect()
}

/// The header line of a CSV file, with its line end.
fn csv_header_bytes(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let end = bytes
        .windows(2)
        .position(|w| w == b"\r\n")
        .map_or(bytes.len(), |i| i + 2);
    bytes[..end].to_vec()
}

/// A log message without its time and host: `INFO/locust.runners: All users spawned: ...`.
fn log_message<'a>(stderr: &'a str, needle: &str, who: &str) -> &'a str {
    let line = common::log_lines(stderr)
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{who}: no log line with {needle:?}\n{stderr}"));
    let after_time = &line[line.find("] ").expect("log line") + 2..];
    &after_time[after_time.find('/').expect("host/LEVEL") + 1..]
}

#[test]
fn headless_run_matches_locust() {
    let target = DemoTarget::start();
    let (ld, rd) = (TempDir::new("golden-locust"), TempDir::new("golden-rocust"));
    // A relative CSV prefix: each tool writes into its own working dir.
    let Pair { locust, rocust } = run_both(
        "headless",
        &[GOLDEN_USER],
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
            "--csv",
            "out",
            "GoldenUser",
        ],
        &[],
        &ld,
        &rd,
    );
    rocust.assert_code(1);
    let (lprefix, rprefix) = (ld.file("out"), rd.file("out"));
    let (lprefix, rprefix) = (lprefix.as_str(), rprefix.as_str());

    let (ls, rs) = (summary(&locust, "locust"), summary(&rocust, "rocust"));
    assert_eq!(layout(&rs), layout(&ls), "table layout lines");
    assert_eq!(
        rs.names(),
        ls.names(),
        "(method, name) rows of the final summary"
    );
    let texts = |s: &Summary| -> BTreeSet<String> {
        s.errors.iter().flatten().map(|e| e.text.clone()).collect()
    };
    assert_eq!(texts(&rs), texts(&ls), "error report rows");

    for suffix in SUFFIXES {
        let (l, r) = (
            csv_header_bytes(&format!("{lprefix}{suffix}")),
            csv_header_bytes(&format!("{rprefix}{suffix}")),
        );
        assert_eq!(
            String::from_utf8_lossy(&r),
            String::from_utf8_lossy(&l),
            "header of {suffix}"
        );
    }
    let stats_keys = |prefix: &str| -> BTreeSet<(String, String)> {
        let f = CsvFile::read(&format!("{prefix}_stats.csv"));
        f.records
            .iter()
            .map(|r| (f.get(r, "Type").to_owned(), f.get(r, "Name").to_owned()))
            .collect()
    };
    assert_eq!(stats_keys(rprefix), stats_keys(lprefix), "stats CSV rows");
    let failures = |prefix: &str| -> BTreeSet<(String, String, String)> {
        let f = CsvFile::read(&format!("{prefix}_failures.csv"));
        f.records
            .iter()
            .map(|r| {
                (
                    f.get(r, "Method").to_owned(),
                    f.get(r, "Name").to_owned(),
                    f.get(r, "Error").to_owned(),
                )
            })
            .collect()
    };
    assert_eq!(failures(rprefix), failures(lprefix), "failures CSV rows");
    let messages = |prefix: &str| -> BTreeSet<String> {
        let f = CsvFile::read(&format!("{prefix}_exceptions.csv"));
        f.records
            .iter()
            .map(|r| f.get(r, "Message").to_owned())
            .collect()
    };
    assert_eq!(
        messages(rprefix),
        messages(lprefix),
        "exceptions CSV messages"
    );

    for needle in [
        "Run time limit set to",
        "Ramping to",
        "All users spawned:",
        "--run-time limit reached",
        "Shutting down (exit code",
    ] {
        assert_eq!(
            log_message(&rocust.stderr, needle, "rocust"),
            log_message(&locust.stderr, needle, "locust"),
            "log line {needle:?}"
        );
    }
}

#[test]
fn json_output_matches_locust() {
    let target = DemoTarget::start();
    let (ld, rd) = (
        TempDir::new("golden-json-locust"),
        TempDir::new("golden-json-rocust"),
    );
    let pair = run_both(
        "--json",
        &[WEIGHT_USERS],
        &[
            "--headless",
            "-u",
            "1",
            "-t",
            "1s",
            "-H",
            &target.url,
            "--json",
            "WeightB",
        ],
        &[],
        &ld,
        &rd,
    );
    let keys = |run: &Run, who: &str| -> Vec<Vec<String>> {
        let value: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{who}'s stdout is not JSON: {e}\n{}", run.stdout));
        value
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| e.as_object().expect("an object").keys().cloned().collect())
            .collect()
    };
    assert_eq!(keys(&pair.rocust, "rocust"), keys(&pair.locust, "locust"));
    // json.dumps(indent=4) then print: same framing.
    let frame = |s: &str| (s.lines().next().map(str::to_owned), s.ends_with("]\n"));
    assert_eq!(frame(&pair.rocust.stdout), frame(&pair.locust.stdout));
}

#[test]
fn task_ratio_matches_locust() {
    for option in ["--show-task-ratio", "--show-task-ratio-json"] {
        let (ld, rd) = (
            TempDir::new("golden-ratio-locust"),
            TempDir::new("golden-ratio-rocust"),
        );
        // Locust orders classes named on the command line by a set (hash order):
        // its locustfile has just these two, so it runs them all, in file order.
        let pair = run_both(
            option,
            &[WEIGHT_USERS],
            &[option],
            &["WeightA", "WeightB"],
            &ld,
            &rd,
        );
        assert_eq!(pair.rocust.stdout, pair.locust.stdout, "{option}");
        assert!(!pair.locust.stdout.is_empty());
    }
}
