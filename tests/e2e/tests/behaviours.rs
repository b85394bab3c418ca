//! What the user classes of e2e-users do, seen from outside: cookies,
//! redirects, catch_response, `name=`, task errors and panics, tags,
//! weights and fixed counts, `-l` and the task ratio.

mod common;

use std::collections::BTreeSet;

use common::csv::CsvFile;
use common::{all_users_spawned, run, users, DemoTarget, Run, TempDir};

/// `e2e-users --headless -u USERS -r USERS -t SECONDS -H TARGET EXTRA...`
fn run_against(
    target: &DemoTarget,
    dir: &TempDir,
    users_n: &str,
    secs: &str,
    extra: &[&str],
) -> Run {
    let time = format!("{secs}s");
    let mut args = vec![
        "--headless",
        "-u",
        users_n,
        "-r",
        users_n,
        "-t",
        &time,
        "-H",
        &target.url,
    ];
    args.extend_from_slice(extra);
    run(users(&args, dir.path()))
}

fn row_names(run: &Run) -> BTreeSet<String> {
    run.summary().rows.iter().map(|r| r.name.clone()).collect()
}

#[test]
fn cookies_are_kept_across_requests() {
    let target = DemoTarget::start();
    let dir = TempDir::new("cookies");
    let run = run_against(&target, &dir, "2", "2", &["CookieUser"]);
    // /about/ fails through catch_response unless it greets the logged-in user.
    run.assert_code(0);
    let s = run.summary();
    assert_eq!(
        s.requests("POST", "/login"),
        2,
        "one login per user in on_start"
    );
    assert!(s.requests("GET", "/about/") > 5);
    assert_eq!(s.aggregated.failures, 0, "{:#?}", s.errors);
}

#[test]
fn redirects_are_recorded_under_the_original_path() {
    let target = DemoTarget::start();
    let dir = TempDir::new("redirects");
    let run = run_against(&target, &dir, "1", "2", &["RedirectUser"]);
    run.assert_code(0);
    let s = run.summary();
    // Followed: one entry named /redirect, nothing for /about/ where it ended.
    assert!(s.requests("GET", "/redirect") > 0);
    assert!(s.requests("GET", "/redirect (not followed)") > 0);
    assert_eq!(
        row_names(&run),
        BTreeSet::from([
            "/redirect".to_owned(),
            "/redirect (not followed)".to_owned()
        ])
    );
    assert_eq!(s.aggregated.failures, 0, "{:#?}", s.errors);
}

#[test]
fn catch_response_decides_success_and_failure() {
    let target = DemoTarget::start();
    let dir = TempDir::new("catch");
    let prefix = dir.file("catch");
    let run = run_against(&target, &dir, "1", "2", &["--csv", &prefix, "CatchUser"]);
    run.assert_code(1);
    let s = run.summary();
    // success() on a 500, failure() on a 200, neither on a 404.
    assert!(s.requests("GET", "/status/500") > 0);
    assert_eq!(s.failures("GET", "/status/500"), 0);
    assert_eq!(s.failures("GET", "/fast"), s.requests("GET", "/fast"));
    assert!(s.requests("GET", "/fast") > 0);
    assert_eq!(
        s.failures("GET", "/status/404"),
        s.requests("GET", "/status/404")
    );
    assert!(s.requests("GET", "/status/404") > 0);

    let report: Vec<&str> = s
        .errors
        .as_ref()
        .expect("an error report")
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert!(report.contains(&"GET /fast: forced failure"), "{report:?}");
    let failures = CsvFile::read(&format!("{prefix}_failures.csv"));
    let fast: Vec<&str> = failures
        .rows_where("Name", "/fast")
        .map(|r| failures.get(r, "Error"))
        .collect();
    assert_eq!(fast, ["CatchResponseError('forced failure')"]);
}

#[test]
fn name_groups_urls_into_one_entry() {
    let target = DemoTarget::start();
    let dir = TempDir::new("naming");
    let run = run_against(&target, &dir, "2", "1", &["NamingUser"]);
    run.assert_code(0);
    assert_eq!(row_names(&run), BTreeSet::from(["/status/[id]".to_owned()]));
    assert!(run.summary().requests("GET", "/status/[id]") > 5);
}

#[test]
fn task_errors_and_panics_are_counted_and_the_user_goes_on() {
    let target = DemoTarget::start();
    let dir = TempDir::new("errors");
    let prefix = dir.file("errors");
    let run = run_against(&target, &dir, "1", "2", &["--csv", &prefix, "ErrorUser"]);
    run.assert_code(1);
    let s = run.summary();
    // Each task makes one request before failing: all three kept running.
    for name in ["/fast", "/json", "/"] {
        assert!(s.requests("GET", name) > 1, "{name}: {:#?}", s.rows);
    }
    assert_eq!(s.aggregated.failures, 0);
    let exceptions = CsvFile::read(&format!("{prefix}_exceptions.csv"));
    for (message, place) in [
        ("deliberate task error", "task_error"),
        ("invalid digit found in string", "parse_error"),
        ("deliberate panic in a task", "panics"),
    ] {
        let rows: Vec<&Vec<String>> = exceptions.rows_where("Message", message).collect();
        assert_eq!(rows.len(), 1, "{message}: {:?}", exceptions.records);
        let count: u64 = exceptions.get(rows[0], "Count").parse().unwrap();
        assert!(count > 1, "{message} counted {count} times");
        assert!(
            exceptions.get(rows[0], "Traceback").contains(place),
            "{message}: {:?}",
            rows[0]
        );
    }
    assert!(run.stderr.contains("deliberate task error"));
}

/// Several users panicking on the same engine thread: each panic is recorded
/// with its own message and place, and none reaches the default panic hook.
#[test]
fn panics_keep_their_message_with_many_users() {
    let target = DemoTarget::start();
    let dir = TempDir::new("panics");
    let prefix = dir.file("panics");
    let run = run_against(&target, &dir, "6", "2", &["--csv", &prefix, "ErrorUser"]);
    run.assert_code(1);
    let exceptions = CsvFile::read(&format!("{prefix}_exceptions.csv"));
    let messages: BTreeSet<&str> = exceptions
        .records
        .iter()
        .map(|r| exceptions.get(r, "Message"))
        .collect();
    assert_eq!(
        messages,
        BTreeSet::from([
            "deliberate panic in a task",
            "deliberate task error",
            "invalid digit found in string"
        ]),
        "{:?}",
        exceptions.records
    );
    assert!(
        !run.stderr.contains("thread '"),
        "a panic went to the default hook:\n{}",
        run.stderr
    );
}

// -T/-E take any number of values, as in Locust: the class name goes first.
#[test]
fn tags_select_tasks() {
    let target = DemoTarget::start();
    let dir = TempDir::new("tags");
    let run = run_against(&target, &dir, "1", "1", &["TagUser", "--tags", "a"]);
    run.assert_code(0);
    assert_eq!(row_names(&run), BTreeSet::from(["/fast?tag=a".to_owned()]));
}

#[test]
fn exclude_tags_removes_tasks() {
    let target = DemoTarget::start();
    let dir = TempDir::new("exclude-tags");
    let run = run_against(&target, &dir, "1", "1", &["TagUser", "--exclude-tags", "a"]);
    run.assert_code(0);
    assert_eq!(
        row_names(&run),
        BTreeSet::from(["/fast?tag=b".to_owned(), "/fast?tag=none".to_owned()])
    );
}

#[test]
fn weights_and_fixed_count_decide_user_counts() {
    let target = DemoTarget::start();
    let dir = TempDir::new("weights");
    let run = run_against(
        &target,
        &dir,
        "9",
        "1",
        &["WeightA", "WeightB", "FixedUser"],
    );
    run.assert_code(0);
    // One fixed user first, then 8 users at 3:1.
    let counts = all_users_spawned(&run.stderr);
    assert_eq!(counts["FixedUser"], 1, "{counts:?}");
    assert_eq!(counts["WeightA"], 6, "{counts:?}");
    assert_eq!(counts["WeightB"], 2, "{counts:?}");
    assert!(run.stderr.contains("(9 total users)"), "{}", run.stderr);
}

#[test]
fn equal_weights_is_accepted_and_evens_out_classes() {
    let target = DemoTarget::start();
    let dir = TempDir::new("equal-weights");
    let run = run_against(
        &target,
        &dir,
        "4",
        "1",
        &["--equal-weights", "WeightA", "WeightB"],
    );
    run.assert_code(0);
    // Like Locust's assign_equal_weights: every class weight becomes 1.
    let counts = all_users_spawned(&run.stderr);
    assert_eq!(counts["WeightA"], 2, "{counts:?}");
    assert_eq!(counts["WeightB"], 2, "{counts:?}");
    assert!(run.summary().aggregated.requests > 0);
}

#[test]
fn list_prints_the_concrete_classes() {
    let dir = TempDir::new("list");
    let run = run(users(&["-l"], dir.path()));
    run.assert_code(0);
    let want = [
        "CookieUser",
        "NamingUser",
        "FailingUser",
        "ErrorUser",
        "RedirectUser",
        "CatchUser",
        "TagUser",
        "StopTestUser",
        "SlowUser",
        "WeightA",
        "WeightB",
        "FixedUser",
        "UnreachableUser",
        "GoldenUser",
    ]
    .iter()
    .fold("Available Users:\n".to_owned(), |out, c| {
        out + "    " + c + "\n"
    });
    assert_eq!(run.stdout, want);
}

#[test]
fn show_task_ratio_prints_locusts_format() {
    const DASHES: &str =
        "--------------------------------------------------------------------------------";
    let dir = TempDir::new("ratio");
    let run = run(users(
        &["--show-task-ratio", "WeightA", "WeightB"],
        dir.path(),
    ));
    run.assert_code(0);
    // Locust 2.47's output for the same classes (golden_locust.rs checks it against Locust itself).
    let want = [
        "",
        " Task ratio per User class",
        DASHES,
        " 75.0       WeightA                                           ",
        "   66.7       index                                           ",
        "   33.3       about                                           ",
        " 25.0       WeightB                                           ",
        "   100.0      fast                                            ",
        "",
        " Total task ratio",
        DASHES,
        " 75.0       WeightA                                           ",
        "   50.0       index                                           ",
        "   25.0       about                                           ",
        " 25.0       WeightB                                           ",
        "   25.0       fast                                            ",
        "",
    ]
    .join("\n");
    assert_eq!(run.stdout, want);
}

#[test]
fn show_task_ratio_json_prints_locusts_format() {
    let dir = TempDir::new("ratio-json");
    let run = run(users(
        &["--show-task-ratio-json", "WeightA", "WeightB"],
        dir.path(),
    ));
    run.assert_code(0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let want = serde_json::json!({
        "per_class": {
            "WeightA": {"ratio": 0.75, "tasks": {
                "index": {"ratio": 0.6666666666666666}, "about": {"ratio": 0.3333333333333333}}},
            "WeightB": {"ratio": 0.25, "tasks": {"fast": {"ratio": 1.0}}}
        },
        "total": {
            "WeightA": {"ratio": 0.75, "tasks": {"index": {"ratio": 0.5}, "about": {"ratio": 0.25}}},
            "WeightB": {"ratio": 0.25, "tasks": {"fast": {"ratio": 0.25}}}
        }
    });
    assert_eq!(value, want);
    assert!(run
        .stdout
        .starts_with("{\n    \"per_class\": {\n        \"WeightA\": {\n"));
}
