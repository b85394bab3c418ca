//! Distributed runs of a Rust load test: `--processes`, a real Locust
//! master driving rocust's Rust users, a worker killed mid-test, and the
//! master's own refusals (port in use, workers that never come).

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::csv::CsvFile;
use common::{load_test, locust_binary, run, spawn, users, DemoTarget, TempDir};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn aggregated(dir: &TempDir, prefix: &str) -> (u64, u64) {
    let csv = CsvFile::read(&dir.file(&format!("{prefix}_stats.csv")));
    let row = csv
        .rows_where("Name", "Aggregated")
        .next()
        .expect("an Aggregated row");
    let count = |column: &str| csv.get(row, column).parse::<u64>().unwrap();
    (count("Request Count"), count("Failure Count"))
}

#[test]
fn processes_fork_workers_that_report_to_their_master() {
    let target = DemoTarget::start();
    let dir = TempDir::new("processes");
    let port = free_port().to_string();
    let run = run(users(
        &[
            "--processes",
            "2",
            "--headless",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "3s",
            "-H",
            &target.url,
            "--master-bind-port",
            &port,
            "--csv",
            "out",
            "FailingUser",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    assert!(run.stderr.contains("2 workers connected"), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("Got quit message from master").count(),
        2
    );
    // Custom messages from Rust (e2e-users' on_runner hook), both ways.
    let pings = run.stderr.matches("e2e: got \"ping\" from the master");
    assert_eq!(pings.count(), 2, "{}", run.stderr);
    assert_eq!(run.stderr.matches("e2e: got e2e_pong").count(), 2);
    let (requests, failures) = aggregated(&dir, "out");
    assert!(
        requests > 0 && failures == requests,
        "{requests} {failures}"
    );
}

const LOCUST_MASTER_FILE: &str = r#"
from locust import HttpUser, task

class FailingUser(HttpUser):
    @task
    def never_run_on_the_master(self):
        pass
"#;

#[test]
fn a_locust_master_runs_rust_users_on_a_rocust_worker() {
    let target = DemoTarget::start();
    let dir = TempDir::new("locust-master");
    std::fs::write(dir.path().join("master.py"), LOCUST_MASTER_FILE).unwrap();
    let port = free_port().to_string();
    let master = spawn(load_test(
        locust_binary().to_str().unwrap(),
        &[
            "-f",
            "master.py",
            "--master",
            "--headless",
            "-u",
            "3",
            "-r",
            "3",
            "-t",
            "4s",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &port,
            "-H",
            &target.url,
            "--csv",
            "out",
        ],
        dir.path(),
    ));
    let worker = spawn(users(&["--worker", "--master-port", &port], dir.path()));
    let master = master.wait(Duration::from_secs(40));
    let worker = worker.wait(Duration::from_secs(20));
    // Failures reported by the worker fail Locust's run; the worker itself is fine.
    master.assert_code(1);
    worker.assert_code(0);
    let spawned = common::all_users_spawned(&master.stderr);
    assert_eq!(
        spawned.get("FailingUser"),
        Some(&3.into()),
        "{}",
        master.stderr
    );
    let (requests, failures) = aggregated(&dir, "out");
    assert!(
        requests > 0 && failures == requests,
        "{requests} {failures}"
    );
}

#[test]
fn a_worker_killed_mid_test_goes_missing_and_the_other_takes_its_users() {
    let target = DemoTarget::start();
    let dir = TempDir::new("killed-worker");
    let port = free_port().to_string();
    let master = spawn(users(
        &[
            "--master",
            "--headless",
            "-u",
            "4",
            "-r",
            "100",
            "-t",
            "12s",
            "--expect-workers",
            "2",
            "--enable-rebalancing",
            "--master-bind-port",
            &port,
            "-H",
            &target.url,
            "--csv",
            "out",
            "NamingUser",
        ],
        dir.path(),
    ));
    let doomed = spawn(users(&["--worker", "--master-port", &port], dir.path()));
    let survivor = spawn(users(&["--worker", "--master-port", &port], dir.path()));
    assert!(master.wait_for_stderr("All users spawned", Duration::from_secs(15)));
    std::thread::sleep(Duration::from_millis(3500));
    doomed.signal(libc::SIGKILL);
    let master = master.wait(Duration::from_secs(40));
    let survivor = survivor.wait(Duration::from_secs(10));
    master.assert_code(0);
    survivor.assert_code(0);
    let missing = master
        .stderr
        .find("failed to send heartbeat, setting state to missing")
        .unwrap_or_else(|| panic!("no worker went missing\n{}", master.stderr));
    let after = &master.stderr[missing..];
    let spawned = common::all_users_spawned(after);
    assert_eq!(
        spawned.get("NamingUser"),
        Some(&4.into()),
        "the survivor did not get every user\n{after}"
    );
    // What the killed worker reported before it died is kept.
    let (requests, _) = aggregated(&dir, "out");
    assert!(requests > 0);
}

#[test]
fn a_master_whose_workers_never_come_gives_up_with_exit_1() {
    let dir = TempDir::new("no-workers");
    let port = free_port().to_string();
    let run = run(users(
        &[
            "--master",
            "--headless",
            "-u",
            "1",
            "-t",
            "5s",
            "--expect-workers",
            "2",
            "--expect-workers-max-wait",
            "1",
            "--master-bind-port",
            &port,
            "-H",
            "http://127.0.0.1:1",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("Gave up waiting for workers to connect"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_master_port_in_use_is_a_clear_error() {
    let dir = TempDir::new("port-in-use");
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let run = run(users(
        &[
            "--master",
            "--headless",
            "-t",
            "2s",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            &port,
            "-H",
            "http://127.0.0.1:1",
        ],
        dir.path(),
    ));
    run.assert_code(1);
    assert!(
        run.stderr.contains(&format!(
            "The Locust master port (127.0.0.1:{port}) was busy"
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn workers_rejoin_a_master_killed_and_started_again() {
    let target = DemoTarget::start();
    let dir = TempDir::new("master-restart");
    let port = free_port().to_string();
    let master_args = |run_time: &'static str| {
        vec![
            "--master".to_string(),
            "--headless".into(),
            "-u".into(),
            "2".into(),
            "-r".into(),
            "100".into(),
            "-t".into(),
            run_time.into(),
            "--master-bind-port".into(),
            port.clone(),
            "-H".into(),
            target.url.clone(),
            "NamingUser".into(),
        ]
    };
    let args: Vec<String> = master_args("60s");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let first = spawn(users(&args, dir.path()));
    let worker = spawn(users(&["--worker", "--master-port", &port], dir.path()));
    assert!(first.wait_for_stderr("All users spawned", Duration::from_secs(15)));
    first.signal(libc::SIGKILL);
    let _ = first.wait(Duration::from_secs(5));
    // Locust's workers would ignore the new master until they quit 60 s later.
    let args: Vec<String> = master_args("3s");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let second = spawn(users(&args, dir.path())).wait(Duration::from_secs(40));
    second.assert_code(0);
    assert!(
        second.stderr.contains("1 workers connected"),
        "{}",
        second.stderr
    );
    let spawned = common::all_users_spawned(&second.stderr);
    assert_eq!(spawned.get("NamingUser"), Some(&2.into()));
    worker.wait(Duration::from_secs(10)).assert_code(0);
}
