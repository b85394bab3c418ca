#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use rocust_cli::{CliError, Options};

/// A fresh empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "rocust-cli-test-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Parses with the given environment, in an empty directory and no home.
pub fn parse_env(args: &[&str], env: &[(&str, &str)]) -> Result<Options, CliError> {
    let dir = TempDir::new();
    parse_in(args, env, dir.path(), None)
}

pub fn parse_in(
    args: &[&str],
    env: &[(&str, &str)],
    cwd: &Path,
    home: Option<&Path>,
) -> Result<Options, CliError> {
    let vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| vars.get(name).cloned();
    rocust_cli::parse(args.iter().copied(), &lookup, cwd, home)
}

pub fn parse(args: &[&str]) -> Result<Options, CliError> {
    parse_env(args, &[])
}

pub fn ok(args: &[&str]) -> Options {
    parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// The error message of a failing parse, checked to be one line, exit 2.
pub fn usage_error(args: &[&str], env: &[(&str, &str)]) -> String {
    let err = parse_env(args, env).expect_err("should fail");
    assert_eq!(err.exit_code, 2, "{err}");
    assert_eq!(err.kind, rocust_cli::CliErrorKind::Usage);
    assert!(!err.message.contains('\n'), "not one line: {}", err.message);
    err.message
}
