//! rocust's command line: every option of Locust 2.47.0 with the same long
//! and short names, defaults, `LOCUST_*` environment variables, config files
//! and precedence (command line > environment > `--config` file >
//! `./pyproject.toml` `[tool.locust]` > `./locust.conf` > `~/.locust.conf`
//! > defaults).
//!
//! Command line syntax follows argparse: `-u5`, `-u=5`, `--users=5`,
//! unambiguous prefixes (`--run 10`), the last of a repeated option wins,
//! `-T a b c` takes every following word, positional user classes form one
//! run. Config keys are the long names (`spawn-rate`, not `spawn_rate`).
//!
//! Where rocust deliberately differs from Locust 2.47.0:
//! - `-u` below 0, `--autoquit` below -1, a negative
//!   `--expect-workers-max-wait` and ports above 65535 are refused at parse
//!   time (exit 2); Locust accepts them and fails or misbehaves later.
//! - `--help`/`--version` win over bad environment values (Locust parses
//!   the environment first); `-hx` shows help instead of an error.
//! - Error wording is rocust's own; the "did you mean" hint is on the same
//!   line; removed options (`--web-auth`, `--legacy-ui`, `--slave`,
//!   `--expect-slaves`) give their explanation from any source.
//!
//! ```
//! let env = |_: &str| None;
//! let options = rocust_cli::parse(["--headless", "-u", "10", "-t", "1m30s"], &env, std::path::Path::new("/nonexistent"), None).unwrap();
//! assert_eq!(options.users, Some(10));
//! assert_eq!(options.run_time, Some(90));
//! ```

mod command_line;
mod config;
mod convert;
mod error;
mod help;
mod options;
mod resolve;
mod spec;
mod timespan;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use error::{CliError, CliErrorKind, PROG};
pub use help::help_text;
pub use options::{LogLevel, Options, Processes, Source, WEB_UI};
pub use timespan::parse_timespan;

/// The Locust release whose command line this crate reproduces.
pub const LOCUST_VERSION: &str = "2.47.0";

/// The `-V/--version` line.
pub fn version_line() -> String {
    format!(
        "{PROG} {} (compatible with locust {LOCUST_VERSION})",
        env!("CARGO_PKG_VERSION")
    )
}

/// Parses `args` (without the program name) together with the environment
/// (`env` looks a variable up), the config files `cwd/locust.conf`,
/// `cwd/pyproject.toml` and `home/.locust.conf`, and a `--config` file
/// (relative to `cwd`, `~` meaning `home`).
///
/// `Err` also carries `--help` and `--version` (kinds Help/Version, exit
/// code 0, text for stdout). Usage errors are one line with exit code 2.
/// The checks Locust makes later, in its `main()`, are in
/// [`Options::validate`].
pub fn parse(
    args: impl IntoIterator<Item = impl Into<OsString>>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
) -> Result<Options, CliError> {
    let mut strings = Vec::new();
    for arg in args {
        let arg: OsString = arg.into();
        match arg.into_string() {
            Ok(s) => strings.push(s),
            Err(bad) => {
                return Err(CliError::usage(format_args!(
                    "argument is not valid UTF-8: {}",
                    bad.to_string_lossy()
                )))
            }
        }
    }
    let line = match command_line::parse(strings) {
        Ok(line) => line,
        Err(e) if e.kind == CliErrorKind::Help => {
            return Err(CliError {
                message: help_text(),
                ..e
            })
        }
        Err(e) if e.kind == CliErrorKind::Version => {
            return Err(CliError {
                message: version_line(),
                ..e
            })
        }
        Err(e) => return Err(e),
    };
    let resolver = resolve::Resolver::new(line, env, cwd, home)?;
    resolver.options(cwd)
}

/// [`parse`] with this process's arguments, environment, working directory
/// and home directory (`$HOME`).
pub fn parse_from_process() -> Result<Options, CliError> {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::usage(format_args!("cannot read the current directory: {e}")))?;
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let env = |name: &str| std::env::var(name).ok();
    parse(std::env::args_os().skip(1), &env, &cwd, home.as_deref())
}
