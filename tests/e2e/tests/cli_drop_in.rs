//! The command line of issue 7 for Rust load tests: a shape given -t/-u/-r
//! (Locust's warnings; the shape runs to its end), the old spellings of
//! older Locust versions, `-n/--num-request`, and keyboard control in a real
//! pseudo-terminal. python/tests/test_cli_drop_in.py runs the same behaviours
//! under `rocust -f` and compares them with real Locust 2.47.

mod common;

use std::ffi::CStr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Stdio;
use std::time::Duration;

use common::csv::CsvFile;
use common::{
    all_users_spawned, load_test, log_lines, run, spawn_with_stdin, users, DemoTarget, TempDir,
    SHAPE_BIN,
};

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

/// A pseudo-terminal: (controller, the terminal a child gets as stdin).
fn open_pty() -> (OwnedFd, OwnedFd) {
    // SAFETY: the POSIX pty calls on a descriptor we own; ptsname's buffer
    // is copied before any other pty call in this test.
    unsafe {
        let controller = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(controller >= 0, "posix_openpt failed");
        let controller = OwnedFd::from_raw_fd(controller);
        assert_eq!(libc::grantpt(controller.as_raw_fd()), 0);
        assert_eq!(libc::unlockpt(controller.as_raw_fd()), 0);
        let name = CStr::from_ptr(libc::ptsname(controller.as_raw_fd())).to_owned();
        let terminal = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(terminal >= 0, "cannot open {name:?}");
        (controller, OwnedFd::from_raw_fd(terminal))
    }
}

fn local_flags(terminal: &OwnedFd) -> libc::tcflag_t {
    // SAFETY: tcgetattr into a zeroed termios we own.
    unsafe {
        let mut mode: libc::termios = std::mem::zeroed();
        assert_eq!(libc::tcgetattr(terminal.as_raw_fd(), &mut mode), 0);
        mode.c_lflag
    }
}

fn press(controller: &OwnedFd, keys: &str) {
    // SAFETY: writes from a live buffer to our own descriptor.
    let n = unsafe { libc::write(controller.as_raw_fd(), keys.as_ptr().cast(), keys.len()) };
    assert_eq!(n, keys.len() as isize);
}

#[test]
fn keys_add_and_remove_users_in_a_terminal_and_it_is_restored() {
    let target = DemoTarget::start();
    let dir = TempDir::new("keys");
    let (controller, terminal) = open_pty();
    let stdin = Stdio::from(terminal.try_clone().unwrap());
    let running = spawn_with_stdin(
        users(
            &[
                "--headless",
                "-u",
                "3",
                "-r",
                "1",
                "-t",
                "30s",
                "-H",
                &target.url,
                "NamingUser",
            ],
            dir.path(),
        ),
        stdin,
    );
    let wait = |needle: &str| {
        assert!(
            running.wait_for_stderr(needle, Duration::from_secs(15)),
            "no {needle:?}:\n{}",
            running.stderr_so_far()
        )
    };
    wait("Ramping to 3 users");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while local_flags(&terminal) & libc::ICANON != 0 {
        assert!(std::time::Instant::now() < deadline, "no cbreak mode");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(local_flags(&terminal) & libc::ECHO, 0, "keys are echoed");
    // while the first ramp runs, Locust's warnings
    press(&controller, "w");
    wait("WARNING/root: Already spawning users, can't spawn more right now");
    press(&controller, "s");
    wait("WARNING/root: Spawning users, can't stop right now");
    wait("(3 total users)");
    for (key, total) in [("W", 13), ("s", 12), ("S", 2), ("w", 3)] {
        press(&controller, key);
        wait(&format!(
            "Ramping to {total} users at a rate of 100.00 per second"
        ));
    }
    running.signal(libc::SIGINT);
    let run = running.wait(Duration::from_secs(20));
    run.assert_code(0);
    let flags = local_flags(&terminal);
    assert!(
        flags & libc::ICANON != 0 && flags & libc::ECHO != 0,
        "the terminal was left in cbreak mode"
    );
}
