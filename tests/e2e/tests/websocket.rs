//! The WebSocket example (`examples/rust/src/bin/websocket.rs`) against the
//! demo target's `/ws` echo: the rows its connects, messages and failures
//! leave in the CSV and JSON outputs.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::csv::{self, CsvFile};
use common::{load_test, run, workspace_binary, DemoTarget, TempDir};

/// The example's text message and binary message sizes.
const TEXT_LEN: u64 = 39;
const BINARY_LEN: u64 = 10;

fn int(s: &str) -> u64 {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} is not a count: {e}"))
}

fn float(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} is not a number: {e}"))
}

#[test]
fn the_websocket_example_records_connects_messages_and_failures() {
    let target = DemoTarget::start();
    let dir = TempDir::new("websocket");
    let prefix = dir.file("ws");
    let binary = workspace_binary("websocket");
    let run = run(load_test(
        &binary.to_string_lossy(),
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
            "--json-file",
            &prefix,
            "EchoUser",
            "FloodUser",
            "PushUser",
            "OfflineUser",
        ],
        dir.path(),
    ));
    // Failures were recorded: Locust's exit code 1.
    run.assert_code(1);

    let stats = CsvFile::read(&format!("{prefix}_stats.csv"));
    assert_eq!(stats.header, csv::STATS_HEADER);
    let rows: BTreeMap<(String, String), &Vec<String>> = stats
        .records
        .iter()
        .map(|r| {
            let key = (
                stats.get(r, "Type").to_owned(),
                stats.get(r, "Name").to_owned(),
            );
            (key, r)
        })
        .collect();
    let row = |name: &str| {
        *rows
            .get(&("WS".to_owned(), name.to_owned()))
            .unwrap_or_else(|| panic!("no WS {name:?} row in {:?}", rows.keys()))
    };
    let count = |name: &str| int(stats.get(row(name), "Request Count"));
    let failures = |name: &str| int(stats.get(row(name), "Failure Count"));
    let size = |name: &str| float(stats.get(row(name), "Average Content Size")) as u64;

    // Every user but OfflineUser connects to /ws, once (no failure closes it).
    assert_eq!(count("/ws"), 3);
    assert_eq!(failures("/ws"), 0);
    assert_eq!(size("/ws"), 0);
    // Echoes: each message sent comes back; the last may be cut by the stop.
    for (send, recv, len) in [
        ("send", "recv", TEXT_LEN),
        ("send binary", "recv binary", BINARY_LEN),
    ] {
        assert!(count(send) > 100, "{send}: {}", count(send));
        assert_eq!(failures(send), 0);
        assert_eq!(failures(recv), 0);
        assert!(count(send) - count(recv) <= 2, "{send} vs {recv}");
        assert_eq!(size(send), len);
        assert_eq!(size(recv), len);
    }
    // PushUser's receive times out each time, after half a second.
    assert!(count("push") >= 1);
    assert_eq!(failures("push"), count("push"));
    let waited = float(stats.get(row("push"), "Min Response Time"));
    assert!((500.0..2000.0).contains(&waited), "{waited}");
    // OfflineUser's connect is refused each time.
    assert!(count("offline") >= 1);
    assert_eq!(failures("offline"), count("offline"));

    let failures_csv = CsvFile::read(&format!("{prefix}_failures.csv"));
    let errors: BTreeSet<(&str, &str, &str)> = failures_csv
        .records
        .iter()
        .map(|r| {
            (
                failures_csv.get(r, "Method"),
                failures_csv.get(r, "Name"),
                failures_csv.get(r, "Error"),
            )
        })
        .collect();
    assert_eq!(
        errors,
        BTreeSet::from([
            (
                "WS",
                "offline",
                "ConnectionRefusedError(111, 'Connection refused')"
            ),
            (
                "WS",
                "push",
                "WebSocketTimeoutException('recv timed out (timeout=0.5)')"
            ),
        ])
    );

    let text = std::fs::read_to_string(format!("{prefix}.json"))
        .unwrap_or_else(|e| panic!("{prefix}.json: {e}\n{}", run.stderr));
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let entries = value.as_array().expect("a JSON list");
    for e in entries {
        let name = e["name"].as_str().unwrap();
        assert_eq!(e["method"], "WS", "{name}");
        assert_eq!(e["num_requests"].as_u64().unwrap(), count(name), "{name}");
        assert_eq!(
            e["num_failures"].as_u64().unwrap(),
            failures(name),
            "{name}"
        );
    }
    let send = entries.iter().find(|e| e["name"] == "send").unwrap();
    assert_eq!(
        send["total_content_length"].as_u64().unwrap(),
        count("send") * TEXT_LEN
    );
    let names: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in [
        "/ws",
        "send",
        "recv",
        "send binary",
        "recv binary",
        "push",
        "offline",
    ] {
        assert!(names.contains(name), "{name} in {names:?}");
    }
}
