//! The command line proper, tokenised by clap and reported like argparse.

use std::collections::HashMap;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Command};

use crate::error::{CliError, CliErrorKind, PROG};
use crate::spec::{self, Arity, OPTIONS};

const USER_CLASSES: &str = "user_classes";
const CUSTOM_MARKER_ID: &str = "custom-option";

/// Stands in for a custom option (and its values) that was taken out of the
/// arguments before clap sees them: being an option, it ends a `-T a b` list
/// and splits positional user classes, as the custom option did.
pub(crate) const CUSTOM_MARKER: &str = "--\u{1}custom-option";

/// What the command line itself said.
#[derive(Debug, Default)]
pub(crate) struct CommandLine {
    /// Options given on the command line by long name: `None` for flags,
    /// otherwise their values (one for plain options).
    pub given: HashMap<&'static str, Option<Vec<String>>>,
    /// Positional user classes, if any were given.
    pub user_classes: Option<Vec<String>>,
}

/// Parses the arguments (without the program name). Help and version
/// requests come back as errors of kind Help/Version with empty messages;
/// the caller fills them in. `custom_names` (custom option strings) only
/// feed the "did you mean" hints.
pub(crate) fn parse(args: Vec<String>, custom_names: &[String]) -> Result<CommandLine, CliError> {
    let args = expand_abbreviations(args)?;
    let matches = command()
        .try_get_matches_from(&args)
        .map_err(|e| translate(&e, &args, custom_names))?;

    let mut line = CommandLine::default();
    for spec in OPTIONS {
        if matches.value_source(spec.long) != Some(ValueSource::CommandLine) {
            continue;
        }
        let values = match spec.takes_value() {
            false => None,
            true => Some(
                matches
                    .get_many::<String>(spec.long)
                    .map(|v| v.cloned().collect())
                    .unwrap_or_default(),
            ),
        };
        line.given.insert(spec.long, values);
    }
    if let Some(values) = matches.get_many::<String>(USER_CLASSES) {
        let indices: Vec<usize> = matches
            .indices_of(USER_CLASSES)
            .into_iter()
            .flatten()
            .collect();
        let values: Vec<String> = values.cloned().collect();
        // argparse takes the positionals only as one run; later ones are left over
        if let Some(gap) = indices.windows(2).position(|w| w[1] != w[0] + 1) {
            return Err(CliError::usage(format_args!(
                "unrecognized arguments: {}",
                values[gap + 1..].join(" ")
            )));
        }
        line.user_classes = Some(values);
    }
    Ok(line)
}

fn command() -> Command {
    let mut cmd = Command::new(PROG)
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true)
        .allow_negative_numbers(true)
        .args_override_self(true)
        .version(env!("CARGO_PKG_VERSION"))
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help),
        )
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version),
        );
    for spec in OPTIONS {
        let mut arg = Arg::new(spec.long).long(spec.long);
        if let Some(short) = spec.short {
            arg = arg.short(short);
        }
        arg = match spec.arity() {
            Arity::Flag => arg.action(ArgAction::SetTrue),
            Arity::One => arg.action(ArgAction::Set).num_args(1),
            Arity::Many => arg.action(ArgAction::Set).num_args(0..),
        };
        cmd = cmd.arg(arg);
    }
    cmd.arg(
        Arg::new(CUSTOM_MARKER_ID)
            .long(&CUSTOM_MARKER[2..])
            .action(ArgAction::Count)
            .hide(true),
    )
    .arg(
        Arg::new(USER_CLASSES)
            .num_args(0..)
            .action(ArgAction::Append),
    )
}

/// Rewrites unambiguous prefixes of long options to the full name, as
/// argparse accepts them (`--run 10` is `--run-time 10`).
fn expand_abbreviations(mut args: Vec<String>) -> Result<Vec<String>, CliError> {
    for arg in args.iter_mut() {
        if arg == "--" {
            break;
        }
        let Some(body) = arg.strip_prefix("--") else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        match spec::resolve_long(name) {
            Ok(Some(full)) if full != name => {
                *arg = match value {
                    Some(value) => format!("--{full}={value}"),
                    None => format!("--{full}"),
                };
            }
            Ok(_) => {}
            Err(candidates) => {
                let list: Vec<String> = candidates.iter().map(|c| format!("--{c}")).collect();
                return Err(CliError::usage(format_args!(
                    "ambiguous option: --{name} could match {}",
                    list.join(", ")
                )));
            }
        }
    }
    Ok(args)
}

/// Turns clap's multi-line errors into argparse's one-line messages.
fn translate(error: &clap::Error, args: &[String], custom_names: &[String]) -> CliError {
    match error.kind() {
        ErrorKind::DisplayHelp => {
            return CliError {
                message: String::new(),
                exit_code: 0,
                kind: CliErrorKind::Help,
            }
        }
        ErrorKind::DisplayVersion => {
            return CliError {
                message: String::new(),
                exit_code: 0,
                kind: CliErrorKind::Version,
            }
        }
        _ => {}
    }
    let invalid_arg = match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    let spec = invalid_arg.as_deref().and_then(spec_of_rendered);
    match (error.kind(), spec) {
        (ErrorKind::UnknownArgument, _) => {
            let arg = invalid_arg.unwrap_or_default();
            if let Some(option) = flag_given_a_value(&arg, args) {
                return option;
            }
            if let Some(option) = value_missing_before(&arg, args) {
                return option;
            }
            let mut message = format!("unrecognized arguments: {arg}");
            if let Some(hint) = spec::suggest_among(&arg, custom_names) {
                message.push_str(&format!(" (did you mean '{hint}'?)"));
            }
            CliError::usage(message)
        }
        (
            ErrorKind::InvalidValue | ErrorKind::NoEquals | ErrorKind::WrongNumberOfValues,
            Some(spec),
        ) if error
            .get(ContextKind::InvalidValue)
            .is_none_or(is_empty_value) =>
        {
            CliError::argument(&spec.display(), "expected one argument")
        }
        (ErrorKind::TooManyValues, Some(spec)) => {
            let value = match error.get(ContextKind::InvalidValue) {
                Some(ContextValue::String(v)) => v.clone(),
                _ => String::new(),
            };
            CliError::argument(
                &spec.display(),
                format_args!("ignored explicit argument '{value}'"),
            )
        }
        _ => {
            let text = error.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            CliError::usage(first)
        }
    }
}

fn is_empty_value(value: &ContextValue) -> bool {
    matches!(value, ContextValue::String(s) if s.is_empty()) || matches!(value, ContextValue::None)
}

/// clap reports `--headless=x` as an unknown `=x`-style argument in some
/// versions; argparse says the flag "ignored explicit argument".
fn flag_given_a_value(arg: &str, args: &[String]) -> Option<CliError> {
    let body = arg.strip_prefix("--")?;
    let (name, value) = body.split_once('=')?;
    let spec = spec::by_long(name)?;
    if spec.takes_value() || !args.iter().any(|a| a == arg) {
        return None;
    }
    Some(CliError::argument(
        &spec.display(),
        format_args!("ignored explicit argument '{value}'"),
    ))
}

/// `-H -x`: clap blames `-x`; argparse says `-H` lacks its value.
fn value_missing_before(arg: &str, args: &[String]) -> Option<CliError> {
    let at = args.iter().position(|a| a == arg)?;
    let previous = args.get(at.checked_sub(1)?)?;
    let spec = spec_of_rendered(previous)?;
    let bare = previous == &format!("--{}", spec.long)
        || spec.short.is_some_and(|c| previous == &format!("-{c}"));
    (bare && spec.arity() == Arity::One)
        .then(|| CliError::argument(&spec.display(), "expected one argument"))
}

/// Finds the option in clap's rendering of it, e.g. `--users <users>` or `-u <users>`.
fn spec_of_rendered(rendered: &str) -> Option<&'static spec::OptSpec> {
    let first = rendered.split([' ', '=']).next()?;
    if let Some(long) = first.strip_prefix("--") {
        return spec::by_long(long);
    }
    let mut chars = first.strip_prefix('-')?.chars();
    let short = chars.next()?;
    spec::by_short(short)
}
