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
//! A locustfile's own options (`init_command_line_parser`) are parsed with
//! [`parse_with_custom`]: rocust finds them on the command line, in their
//! `env_var` and in config files and hands them over as arguments for the
//! locustfile's argparse parser. [`Options::namespace`] gives the built-in
//! options as Locust's `parsed_options` attributes. [`locustfile_option`]
//! resolves `-f/--locustfile` alone, before the locustfile is imported.
//!
//! Every option is one item of the table in `defs.rs` (names, environment
//! variable, help, how it updates [`Options`], its `parsed_options`
//! attribute); the command line, environment, config files, `--help` and
//! the namespace are all driven from it. Adding an option is that item and
//! its typed field in `options.rs`.
//!
//! Where rocust deliberately differs from Locust 2.47.0:
//! - `-u` below 0, `--autoquit` below -1, a negative
//!   `--expect-workers-max-wait` and ports above 65535 are refused at parse
//!   time (exit 2); Locust accepts them and fails or misbehaves later.
//! - `--help`/`--version` win over bad environment values (Locust parses
//!   the environment first); `-hx` shows help instead of an error.
//! - Error wording is rocust's own; the "did you mean" hint is on the same
//!   line; removed options (`--web-auth`, `--legacy-ui`, `--expect-slaves`)
//!   give their explanation from any source.
//! - Spellings of older Locust versions that tutorials still show are
//!   accepted (Locust 2.47 refuses them), each with a one-line deprecation
//!   warning: `--no-web` (`--headless`), `-c/--clients` (`-u/--users`),
//!   `--hatch-rate` (`-r/--spawn-rate`), `--slave` (`--worker`) and
//!   `-n/--num-request`, which has no modern equivalent: the test stops once
//!   that many requests have completed (checked every 100 ms against the
//!   merged statistics, so requests finishing in that window, or in flight,
//!   may take the total a little past it). They work on the command line
//!   and as config file keys, only in full (never abbreviated), stay out of
//!   `--help` and `parsed_options`, and give way to a locustfile's custom
//!   option of the same name. In one source, today's option wins over its
//!   old spelling.
//! - `--help` lists a locustfile's custom options (Locust prints its help
//!   before importing the locustfile, so it never shows them).
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
mod custom;
mod defs;
mod error;
mod help;
mod locustfile;
mod namespace;
mod options;
mod resolve;
mod spec;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use custom::{CustomNargs, CustomOption, ParsedWithCustom};
pub use error::{CliError, CliErrorKind, PROG};
pub use help::{help_text, help_text_with};
pub use locustfile::{early_options, locustfile_option, EarlyOptions};
pub use options::{LogLevel, Options, Processes, Source};
pub use rocust_core::timespan::parse_timespan;

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
    parse_with_custom(args, env, cwd, home, &[]).map(|parsed| parsed.options)
}

/// [`parse`] for a locustfile that declared `custom` options (through
/// `init_command_line_parser`). They are accepted on the command line
/// (`--opt value`, `--opt=value`, unambiguous prefixes, short forms), from
/// their `env_var` and from config files (key: the long name), and come back
/// as [`ParsedWithCustom::custom_args`] for the locustfile's own argparse
/// parser. `--help` lists them. A custom option string that clashes with a
/// built-in one (or another custom one) is a usage error.
pub fn parse_with_custom(
    args: impl IntoIterator<Item = impl Into<OsString>>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
    home: Option<&Path>,
    custom: &[CustomOption],
) -> Result<ParsedWithCustom, CliError> {
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
    custom::check_declarations(custom)?;
    let extracted = match custom::extract(&strings, custom) {
        Ok(extracted) => extracted,
        Err(e) => {
            return Err(match custom::help_or_version(&strings, custom) {
                Some(kind) => early_exit(kind, custom),
                None => e,
            })
        }
    };
    let names: Vec<String> = custom
        .iter()
        .flat_map(|c| c.option_strings.iter().cloned())
        .collect();
    let line = match command_line::parse(extracted.args, &names) {
        Ok(line) => line,
        Err(e) if matches!(e.kind, CliErrorKind::Help | CliErrorKind::Version) => {
            return Err(early_exit(e.kind, custom))
        }
        Err(e) => return Err(e),
    };
    let resolver = resolve::Resolver::new(line, env, cwd, home, custom, resolve::Keys::Strict)?;
    let options = resolver.options(cwd)?;
    let custom_args = resolver.custom_args(&extracted.occurrences)?;
    Ok(ParsedWithCustom {
        options,
        custom_args,
    })
}

/// The `--help` or `--version` "error".
fn early_exit(kind: CliErrorKind, custom: &[CustomOption]) -> CliError {
    let message = match kind {
        CliErrorKind::Help => help_text_with(custom),
        _ => version_line(),
    };
    CliError {
        message,
        exit_code: 0,
        kind,
    }
}

/// [`parse`] with this process's arguments, environment, working directory
/// and home directory (`$HOME`).
pub fn parse_from_process() -> Result<Options, CliError> {
    parse_from_process_with_custom(&[]).map(|parsed| parsed.options)
}

/// [`parse_with_custom`] with this process's arguments, environment,
/// working directory and home directory (`$HOME`).
pub fn parse_from_process_with_custom(
    custom: &[CustomOption],
) -> Result<ParsedWithCustom, CliError> {
    let cwd = std::env::current_dir()
        .map_err(|e| CliError::usage(format_args!("cannot read the current directory: {e}")))?;
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    let env = |name: &str| std::env::var(name).ok();
    parse_with_custom(
        std::env::args_os().skip(1),
        &env,
        &cwd,
        home.as_deref(),
        custom,
    )
}
