//! `rocust_cli::locustfile_option`: `-f/--locustfile` resolved before the
//! locustfile (and so its custom options) is known, with the full parse's
//! precedence, like Locust's `parse_locustfile_option`.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::TempDir;

fn early(args: &[&str], env: &[(&str, &str)], cwd: &Path, home: Option<&Path>) -> String {
    let vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |name: &str| vars.get(name).cloned();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    rocust_cli::locustfile_option(&args, &lookup, cwd, home)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn full(args: &[&str], env: &[(&str, &str)], cwd: &Path, home: Option<&Path>) -> String {
    common::parse_in(args, env, cwd, home)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .locustfile
}

#[test]
fn every_layer_in_order() {
    let cwd = TempDir::new();
    let home = TempDir::new();
    let at = |args: &[&str], env: &[(&str, &str)]| {
        let early = early(args, env, cwd.path(), Some(home.path()));
        assert_eq!(
            early,
            full(args, env, cwd.path(), Some(home.path())),
            "{args:?} {env:?}: the early and the full parse disagree"
        );
        early
    };
    assert_eq!(at(&[], &[]), "locustfile.py");
    home.write(".locust.conf", "locustfile = home.py\n");
    assert_eq!(at(&[], &[]), "home.py");
    cwd.write("locust.conf", "locustfile = conf.py\nusers = 2\n");
    assert_eq!(at(&[], &[]), "conf.py");
    cwd.write("pyproject.toml", "[tool.locust]\nlocustfile = \"py.py\"\n");
    assert_eq!(at(&[], &[]), "py.py");
    cwd.write("extra.conf", "locustfile = extra.py\n");
    assert_eq!(at(&["--config", "extra.conf"], &[]), "extra.py");
    assert_eq!(at(&["--config=extra.conf"], &[]), "extra.py");
    let env = [("LOCUST_LOCUSTFILE", "env.py")];
    assert_eq!(at(&["--config", "extra.conf"], &env), "env.py");
    assert_eq!(
        at(&["--config", "extra.conf", "-f", "cli.py"], &env),
        "cli.py"
    );
}

#[test]
fn options_nobody_knows_yet_are_tolerated() {
    let cwd = TempDir::new();
    // a custom option of the locustfile, in the config file and on the command line
    cwd.write("locust.conf", "my-opt = 3\nlocustfile = conf.py\n");
    let get = |args: &[&str]| early(args, &[], cwd.path(), None);
    assert_eq!(get(&["--my-opt", "x", "--headless"]), "conf.py");
    assert_eq!(get(&["--my-opt", "x", "-f", "a.py", "-u", "3"]), "a.py");
    assert_eq!(get(&["-f", "a.py", "--my-flag", "User"]), "a.py");
    // removed options are the full parse's business
    assert_eq!(get(&["--legacy-ui", "-f", "b.py"]), "b.py");
}

#[test]
fn spellings_agree_with_the_full_parse() {
    let cwd = TempDir::new();
    for args in [
        &["-f", "a.py"][..],
        &["-fa.py"],
        &["-f=a.py"],
        &["--locustfile", "a.py"],
        &["--locustfile=a.py"],
        &["--locust", "a.py"],
        &["-f", "a.py,b.py"],
        &["-f", "a.py", "-f", "b.py"],
        &["--headless", "-lf", "a.py"],
        &["-T", "x", "y", "-f", "a.py"],
        &["-H", "http://h", "-f", "a.py", "U1", "U2"],
        &["-f", ""],
    ] {
        assert_eq!(
            early(args, &[], cwd.path(), None),
            full(args, &[], cwd.path(), None),
            "{args:?}"
        );
    }
}

#[test]
fn an_unreadable_config_file_is_an_error() {
    let cwd = TempDir::new();
    let args = vec!["--config".to_string(), "missing.conf".to_string()];
    let env = |_: &str| None;
    let err = rocust_cli::locustfile_option(&args, &env, cwd.path(), None).unwrap_err();
    assert_eq!(err.exit_code, 2);
    assert!(
        err.message
            .starts_with("rocust: error: Unable to open config file: missing.conf"),
        "{}",
        err.message
    );
}
