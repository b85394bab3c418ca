//! `-f/--locustfile` on its own, before the locustfile is imported: the full
//! parse needs the locustfile's custom options, so Locust first parses the
//! locustfile option alone (its `parse_locustfile_option`), ignoring what it
//! does not know. rocust does the same with the full parser's precedence
//! (command line > `LOCUST_LOCUSTFILE` > `--config` > `pyproject.toml` >
//! `locust.conf` > `~/.locust.conf` > `locustfile.py`), so both parses agree.

use std::collections::HashMap;
use std::path::Path;

use crate::command_line::CommandLine;
use crate::custom::is_value;
use crate::error::CliError;
use crate::options::{Options, Processes};
use crate::resolve::{Found, Keys, Resolver};
use crate::spec::{self, Arity};

/// The options the early parse needs from the command line (a worker
/// with `-f -` needs its master's address before the locustfile exists).
const WANTED: [&str; 9] = [
    "locustfile",
    "config",
    "master",
    "master-bind-port",
    "worker",
    "slave",
    "master-host",
    "master-port",
    "processes",
];

/// Finds `-f/--locustfile` and `--config` on a command line that may hold
/// options nobody knows yet; unknown words are skipped. Spellings are the
/// full parser's (`-fx`, `-f=x`, `--locustfile=x`, unambiguous prefixes),
/// and the values of other built-in options are stepped over, so that
/// `-H -f` is not read as a locustfile option.
fn scan(args: &[String]) -> CommandLine {
    let mut given: HashMap<&'static str, Option<Vec<String>>> = HashMap::new();
    let mut found = |long: &'static str, value: Option<String>| {
        if WANTED.contains(&long) {
            given.insert(long, value.map(|v| vec![v]));
        }
    };
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if arg == "--" {
            break;
        }
        if let Some(body) = arg.strip_prefix("--") {
            let (name, explicit) = match body.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (body, None),
            };
            let Some(spec) = spec::resolve_long(name)
                .ok()
                .flatten()
                .and_then(spec::by_long)
            else {
                continue;
            };
            match (spec.arity(), explicit) {
                (Arity::Flag, _) => found(spec.long, None),
                (_, Some(value)) => found(spec.long, Some(value)),
                (Arity::One, None) => {
                    if let Some(value) = args.get(i) {
                        found(spec.long, Some(value.clone()));
                        i += 1;
                    }
                }
                (Arity::Many, None) => {
                    while args.get(i).is_some_and(|a| is_value(a)) {
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !arg.starts_with('-') || is_value(arg) {
            continue;
        }
        // a cluster of short options: flags, then at most one that takes a value
        for (at, c) in arg.char_indices().skip(1) {
            let Some(spec) = spec::by_short(c) else {
                break;
            };
            let rest = &arg[at + c.len_utf8()..];
            match spec.arity() {
                Arity::Flag => continue,
                Arity::One if !rest.is_empty() => {
                    found(
                        spec.long,
                        Some(rest.strip_prefix('=').unwrap_or(rest).to_string()),
                    );
                }
                Arity::One => {
                    if let Some(value) = args.get(i) {
                        found(spec.long, Some(value.clone()));
                        i += 1;
                    }
                }
                Arity::Many => {
                    if rest.is_empty() {
                        while args.get(i).is_some_and(|a| is_value(a)) {
                            i += 1;
                        }
                    }
                }
            }
            break;
        }
    }
    CommandLine {
        given,
        user_classes: None,
    }
}

/// `-f/--locustfile` as the full parse will see it, from `args` (without
/// the program name), the environment and the config files, tolerating
/// options a locustfile has yet to declare (on the command line and as
/// config file keys). Unreadable config files are errors, as in the full
/// parse.
pub fn locustfile_option(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<String, CliError> {
    let resolver = Resolver::new(scan(args), env, cwd, home, &[], Keys::Tolerant)?;
    let spec = spec::by_long("locustfile").expect("--locustfile is in the table");
    Ok(match resolver.find(spec)? {
        Some((Found::One(value), _, _)) => value,
        _ => Options::default().locustfile,
    })
}

/// The options that decide, before the locustfile is imported, which
/// processes run: `--processes` forks first, and a worker with `-f -` needs
/// its master's address to fetch the locustfile.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyOptions {
    pub master: bool,
    pub master_bind_port: u16,
    pub worker: bool,
    pub master_host: String,
    pub master_port: u16,
    pub processes: Option<Processes>,
}

/// [`EarlyOptions`] as the full parse will see them, found as
/// [`locustfile_option`] finds the locustfile.
pub fn early_options(
    args: &[String],
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<EarlyOptions, CliError> {
    let resolver = Resolver::new(scan(args), env, cwd, home, &[], Keys::Tolerant)?;
    let defaults = Options::default();
    let spec = |long: &str| spec::by_long(long).expect("the early options are in the table");
    let text = |long: &str| -> Result<Option<String>, CliError> {
        Ok(match resolver.find(spec(long))? {
            Some((Found::One(value), _, _)) => Some(value),
            _ => None,
        })
    };
    let flag = |long: &str| -> Result<bool, CliError> {
        Ok(matches!(
            resolver.find(spec(long))?,
            Some((Found::Flag(true), _, _))
        ))
    };
    let port = |long: &str, default: u16| -> Result<u16, CliError> {
        match text(long)? {
            Some(port) => crate::convert::port(spec(long), &port),
            None => Ok(default),
        }
    };
    let processes = match text("processes")? {
        Some(n) => crate::convert::processes(spec("processes"), &n)?,
        None => None,
    };
    Ok(EarlyOptions {
        master: flag("master")?,
        master_bind_port: port("master-bind-port", defaults.master_bind_port)?,
        worker: flag("worker")?,
        master_host: text("master-host")?.unwrap_or(defaults.master_host),
        master_port: port("master-port", defaults.master_port)?,
        processes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(args: &[&str]) -> Option<String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        scan(&args)
            .given
            .get("locustfile")
            .cloned()
            .flatten()
            .and_then(|v| v.last().cloned())
    }

    #[test]
    fn spellings() {
        assert_eq!(scanned(&["-f", "a.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["-fa.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["-f=a.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["--locustfile", "a.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["--locustfile=a.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["--locustf", "a.py"]).as_deref(), Some("a.py"));
        assert_eq!(scanned(&["-lf", "a.py"]).as_deref(), Some("a.py"));
        assert_eq!(
            scanned(&["-f", "a.py", "-f", "b.py"]).as_deref(),
            Some("b.py")
        );
    }

    #[test]
    fn values_of_other_options_and_unknown_words_are_stepped_over() {
        assert_eq!(scanned(&["-H", "-f", "x"]), None);
        assert_eq!(scanned(&["--host", "-f"]), None);
        assert_eq!(
            scanned(&["-T", "a", "b", "-f", "c.py"]).as_deref(),
            Some("c.py")
        );
        assert_eq!(
            scanned(&["--my-opt", "9", "-f", "c.py", "--other"]).as_deref(),
            Some("c.py")
        );
        assert_eq!(scanned(&["--", "-f", "c.py"]), None);
        assert_eq!(scanned(&["User", "-u", "5"]), None);
    }

    #[test]
    fn a_worker_finds_its_master_before_the_locustfile_exists() {
        let dir = std::env::temp_dir();
        let connection = |args: &[&str], vars: &[(&str, &str)]| {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let env =
                move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            early_options(&args, &env, &dir, None).map(|o| (o.worker, o.master_host, o.master_port))
        };
        assert_eq!(
            connection(&["-f", "-", "--worker", "--my-opt", "1"], &[]).unwrap(),
            (true, "127.0.0.1".to_string(), 5557)
        );
        assert_eq!(
            connection(
                &["--slave", "--master-host=m", "--master-port", "6000"],
                &[]
            )
            .unwrap(),
            (true, "m".to_string(), 6000)
        );
        assert_eq!(
            connection(
                &[],
                &[
                    ("LOCUST_MODE_WORKER", "true"),
                    ("LOCUST_MASTER_NODE_HOST", "svc"),
                    ("LOCUST_MASTER_NODE_PORT", "5558")
                ]
            )
            .unwrap(),
            (true, "svc".to_string(), 5558)
        );
        assert!(!connection(&["-f", "-"], &[]).unwrap().0);
        let early = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            early_options(&args, &|_: &str| None, &dir, None).unwrap()
        };
        assert_eq!(
            early(&["--processes", "4"]).processes,
            Some(Processes::Count(4))
        );
        assert_eq!(
            early(&["--processes=-1"]).processes,
            Some(Processes::PerCpu)
        );
        assert_eq!(early(&["--processes", "0"]).processes, None);
        let master = early(&["--master", "--master-bind-port", "6001"]);
        assert!(master.master && !master.worker);
        assert_eq!(master.master_bind_port, 6001);
        assert!(connection(&["--master-port", "x"], &[]).is_err());
    }
}
