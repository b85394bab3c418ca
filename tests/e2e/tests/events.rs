//! Listeners added with `Rocust::on_init` see Locust's events in Locust's order
//! (with `-t`, the runner stops before shutdown fires `quitting`).

mod common;

use common::{load_test, run, DemoTarget, TempDir};

#[test]
fn listeners_see_every_event_in_order_and_can_set_the_exit_code() {
    let target = DemoTarget::start();
    let dir = TempDir::new("events");
    let run = run(load_test(
        env!("CARGO_BIN_EXE_e2e-events"),
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
        ],
        dir.path(),
    ));
    run.assert_code(7);
    let events: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("event "))
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e.split(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "init",
            "test_start",
            "spawning_complete",
            "test_stopping",
            "test_stop",
            "quitting",
            "quit"
        ],
        "{events:?}"
    );
    assert!(
        events.contains(&"spawning_complete user_count=2"),
        "{events:?}"
    );
    assert!(events.contains(&"quit exit_code=7"), "{events:?}");
    // The request listener saw exactly the requests the statistics counted.
    let counted = run.summary().aggregated.requests;
    let seen: u64 = events
        .iter()
        .find_map(|e| e.strip_prefix("test_stop requests="))
        .and_then(|n| n.parse().ok())
        .expect("test_stop line");
    assert!(counted > 10, "{counted}");
    assert_eq!(seen, counted);
}
