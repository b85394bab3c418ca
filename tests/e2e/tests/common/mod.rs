//! Shared by the end-to-end tests: the demo target, temp dirs, running the
//! load-test binaries with a time limit, and reading what they print and write.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod csv;
pub mod tables;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The load test with one user class per behaviour (src/bin/e2e-users.rs).
pub const USERS_BIN: &str = env!("CARGO_BIN_EXE_e2e-users");
/// The load test driven by a LoadTestShape (src/bin/e2e-shape.rs).
pub const SHAPE_BIN: &str = env!("CARGO_BIN_EXE_e2e-shape");

/// Upper bound for any one run; runs are 1–5 s, so hitting it means a hang.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// A directory under the system temp dir, removed on drop unless the test failed
/// (then it is kept and its path printed, to look at the files).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "rocust-e2e-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside the dir, as a string for command lines.
    pub fn file(&self, name: &str) -> String {
        self.path.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept for inspection: {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// `target/<profile>/rocust-demo-target`: next to the `deps` folder holding this test.
pub fn demo_target_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    profile_dir.join(format!(
        "rocust-demo-target{}",
        std::env::consts::EXE_SUFFIX
    ))
}

/// `target/<profile>/NAME`: a binary of another workspace package (the
/// examples), built by `cargo build --workspace --bins` like the demo target.
pub fn workspace_binary(name: &str) -> PathBuf {
    let binary =
        demo_target_binary().with_file_name(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: build it first with `cargo build --workspace --bins` \
         (scripts/test.sh does)",
        binary.display()
    );
    binary
}

/// The demo HTTP server on a free loopback port, killed on drop.
pub struct DemoTarget {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl DemoTarget {
    pub fn start() -> DemoTarget {
        let binary = demo_target_binary();
        assert!(
            binary.exists(),
            "the demo target binary is missing at {}: build it first with \
             `cargo build --workspace --bins` (scripts/test.sh does)",
            binary.display()
        );
        let mut child = Command::new(&binary)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("the demo target did not print its address within 10 s");
            }
        };
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line from the demo target: {line:?}"))
            .to_owned();
        DemoTarget { child, url }
    }
}

impl Drop for DemoTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command for a load-test binary, isolated from the caller's Locust
/// settings: no `LOCUST_*` variables, and `dir` as working and home
/// directory so no `locust.conf` is picked up.
pub fn load_test(binary: &str, args: &[&str], dir: &Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(args).current_dir(dir).env("HOME", dir);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LOCUST_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// `e2e-users ARGS` in `dir`.
pub fn users(args: &[&str], dir: &Path) -> Command {
    load_test(USERS_BIN, args, dir)
}

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// The exit code; fails the test if the process died from a signal.
    pub fn exit_code(&self) -> i32 {
        match self.code {
            Some(code) => code,
            None => panic!("the process was killed by a signal\n{}", self.stderr),
        }
    }

    /// The final summary's tables, parsed (fails if they are missing).
    pub fn summary(&self) -> tables::Summary {
        tables::Summary::parse(&self.stderr)
            .unwrap_or_else(|e| panic!("final summary: {e}\n--- stderr ---\n{}", self.stderr))
    }

    /// Fails with the whole output unless the exit code is `code`.
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
    }
}

/// A process being run; stdout and stderr are collected as they come.
pub struct Running {
    child: Child,
    started: Instant,
    stdout: JoinHandle<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: JoinHandle<()>,
}

pub fn spawn(cmd: Command) -> Running {
    spawn_with_stdin(cmd, Stdio::null())
}

/// [`spawn`] with this stdin (a terminal, for keyboard control).
pub fn spawn_with_stdin(mut cmd: Command, stdin: Stdio) -> Running {
    let mut child = cmd
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let started = Instant::now();
    let mut out = child.stdout.take().expect("stdout is piped");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err = child.stderr.take().expect("stderr is piped");
    let stderr = Arc::new(Mutex::new(String::new()));
    let collected = stderr.clone();
    let stderr_reader = std::thread::spawn(move || {
        let mut reader = BufReader::new(err);
        let mut line = Vec::new();
        while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
            collected
                .lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
    });
    Running {
        child,
        started,
        stdout,
        stderr,
        stderr_reader,
    }
}

/// Runs to the end (at most [`RUN_TIMEOUT`]).
pub fn run(cmd: Command) -> Run {
    spawn(cmd).wait(RUN_TIMEOUT)
}

impl Running {
    pub fn stderr_so_far(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `needle`; false after `timeout`.
    pub fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.stderr.lock().unwrap().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Sends a signal (SIGTERM, SIGINT...) to the process.
    pub fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) on our own child's pid; it has not been waited for yet.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
    }

    /// Waits for the exit; kills the process and fails the test after `timeout`.
    pub fn wait(mut self, timeout: Duration) -> Run {
        let deadline = self.started + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Ok(None) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    panic!(
                        "still running after {timeout:?}, killed\n--- stderr ---\n{}",
                        self.stderr_so_far()
                    );
                }
                Err(e) => panic!("waiting for the child failed: {e}"),
            }
        };
        let elapsed = self.started.elapsed();
        let stdout = self.stdout.join().unwrap_or_default();
        let _ = self.stderr_reader.join();
        let stderr = self.stderr.lock().unwrap().clone();
        Run {
            code: status.code(),
            stdout,
            stderr,
            elapsed,
        }
    }
}

/// The class counts of the last "All users spawned: {...} (N total users)" log line.
pub fn all_users_spawned(stderr: &str) -> serde_json::Map<String, serde_json::Value> {
    const PREFIX: &str = "All users spawned: ";
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.contains(PREFIX))
        .unwrap_or_else(|| panic!("no '{PREFIX}' line in\n{stderr}"));
    let json = &line[line.find(PREFIX).unwrap() + PREFIX.len()..];
    let json = &json[..json.rfind(" (").unwrap_or(json.len())];
    match serde_json::from_str(json) {
        Ok(serde_json::Value::Object(map)) => map,
        other => panic!("'{line}': class counts are not a JSON object: {other:?}"),
    }
}

/// Lines of stderr that are log records (`[date] host/LEVEL/logger: message`).
pub fn log_lines(stderr: &str) -> impl Iterator<Item = &str> {
    stderr.lines().filter(|l| tables::is_log_line(l))
}

const LOCUST_VERSION: &str = "2.47.0";

/// `locust` from the venv; fails (never skips) when it is not installed.
pub fn locust_binary() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = match std::env::var_os("ROCUST_LOCUST_VENV").filter(|v| !v.is_empty()) {
        Some(v) => PathBuf::from(v),
        None => repo.join(".venv-locust"),
    };
    let binary = venv.join("bin").join("locust");
    assert!(
        binary.is_file(),
        "real Locust {LOCUST_VERSION} is needed at {} for the golden comparison: run \
         `bash scripts/install-test-deps.sh` (it creates the venv; ROCUST_LOCUST_VENV picks another)",
        binary.display()
    );
    let installed = std::fs::read_dir(venv.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|python| {
            python
                .path()
                .join(format!("site-packages/locust-{LOCUST_VERSION}.dist-info"))
                .is_dir()
        });
    assert!(
        installed,
        "{} is not Locust {LOCUST_VERSION}: run `bash scripts/install-test-deps.sh`",
        venv.display()
    );
    binary
}
