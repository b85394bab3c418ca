//! Options a locustfile adds through `init_command_line_parser`. rocust
//! cannot know their types, so it only finds them (command line, their
//! `env_var`, config files), applies Locust's precedence, and hands them to
//! the Python side as an argument list for its own argparse parser.
//!
//! Locust 2.47 gives a custom option an environment variable only when the
//! locustfile passes `env_var=...` (its parser has no automatic `LOCUST_`
//! prefix), and its `--help` never lists custom options (help is printed
//! before the locustfile is imported); rocust lists them.

use crate::command_line::CUSTOM_MARKER;
use crate::config::{self, RawValue};
use crate::convert;
use crate::error::{CliError, CliErrorKind};
use crate::options::Options;
use crate::spec::{self, Arity, META_LONGS, OPTIONS};

/// How many values a custom option takes after its name (argparse `nargs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CustomNargs {
    /// Exactly one value: argparse's default.
    #[default]
    One,
    /// `nargs="?"`: the option may stand alone.
    Optional,
    /// `nargs="*"`, `"+"` or a count: every following word that is not an option.
    Many,
}

/// One option declared by a locustfile, as its argparse action describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomOption {
    /// e.g. `["--my-arg", "-m"]`, in declaration order.
    pub option_strings: Vec<String>,
    /// `false` for flags (`store_true`, `store_false` and other `nargs=0` actions).
    pub takes_value: bool,
    /// Ignored for flags.
    pub nargs: CustomNargs,
    /// `action="append"`: a config file list gives one `--opt=value` per item.
    pub append: bool,
    /// The `env_var=` the locustfile gave, if any.
    pub env_var: Option<String>,
    /// Help text; argparse's `"==SUPPRESS=="` hides the option from `--help`.
    pub help: Option<String>,
    /// Shown after the option in `--help`; default: the dest in upper case.
    pub metavar: Option<String>,
}

/// What [`crate::parse_with_custom`] found.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedWithCustom {
    pub options: Options,
    /// Arguments for the custom options' argparse parser, lowest precedence
    /// first (config files, then environment, then command line), so that
    /// argparse's "last one wins" gives Locust's precedence. Each value is
    /// `--long=value` (`-s=value` for options without a long name); flags
    /// are `--flag`; `nargs` lists are `--long v1 v2`. As in ConfigArgParse,
    /// an option set on the command line keeps every occurrence there and
    /// nothing else; otherwise only its highest-precedence setting is
    /// included, and a flag set to false there adds nothing and hides the
    /// lower ones.
    pub custom_args: Vec<String>,
}

impl CustomOption {
    /// A single-value option (`takes_value`) or a flag with these option strings.
    pub fn new(option_strings: &[&str], takes_value: bool) -> Self {
        CustomOption {
            option_strings: option_strings.iter().map(|s| s.to_string()).collect(),
            takes_value,
            ..CustomOption::default()
        }
    }

    /// The spelling used in `custom_args`: the first `--` option string, else the first.
    pub(crate) fn preferred(&self) -> &str {
        self.option_strings
            .iter()
            .find(|s| s.starts_with("--"))
            .or(self.option_strings.first())
            .map_or("", String::as_str)
    }

    /// Long names without their dashes; these are also the config file keys.
    pub(crate) fn longs(&self) -> impl Iterator<Item = &str> {
        self.option_strings
            .iter()
            .filter_map(|s| s.strip_prefix("--"))
            .filter(|s| !s.is_empty())
    }

    fn short(&self) -> impl Iterator<Item = char> + '_ {
        self.option_strings.iter().filter_map(|s| {
            let mut chars = s.strip_prefix('-')?.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c != '-' => Some(c),
                _ => None,
            }
        })
    }

    /// argparse's name in errors: `--my-arg/-m`.
    pub(crate) fn display(&self) -> String {
        self.option_strings.join("/")
    }

    /// argparse's `dest`: the first long name (else the first name) with
    /// dashes stripped and `-` turned into `_`.
    pub(crate) fn dest(&self) -> String {
        let name = self.longs().next().map_or_else(
            || self.preferred().trim_start_matches('-').to_string(),
            str::to_string,
        );
        name.replace('-', "_")
    }

    /// argparse's `help=SUPPRESS` keeps an option out of `--help`.
    pub(crate) fn hidden(&self) -> bool {
        self.help.as_deref() == Some("==SUPPRESS==")
    }

    fn has_nargs(&self) -> bool {
        self.takes_value && self.nargs != CustomNargs::One
    }

    fn with_value(&self, value: &str) -> String {
        format!("{}={value}", self.preferred())
    }

    /// The arguments for one config file or environment setting, the way
    /// ConfigArgParse turns it into command line arguments. `None`: the
    /// setting is skipped and lower-precedence sources may still set the
    /// option.
    fn setting_args(&self, key: &str, raw: RawValue) -> Result<Option<Vec<String>>, CliError> {
        if !self.takes_value {
            let RawValue::One(text) = raw else {
                return Err(self.not_a_list(key, &raw));
            };
            let on = convert::flag_value(key, &text)?;
            return Ok(Some(if on {
                vec![self.preferred().to_string()]
            } else {
                Vec::new()
            }));
        }
        let args = match raw {
            RawValue::One(text) if text.is_empty() && self.has_nargs() => return Ok(None),
            RawValue::One(text) => vec![self.with_value(&text)],
            RawValue::Many(values) if self.append => {
                values.iter().map(|v| self.with_value(v)).collect()
            }
            RawValue::Many(values) if self.nargs == CustomNargs::Many => {
                std::iter::once(self.preferred().to_string())
                    .chain(values)
                    .collect()
            }
            raw => return Err(self.not_a_list(key, &raw)),
        };
        Ok((!args.is_empty()).then_some(args))
    }

    fn not_a_list(&self, key: &str, raw: &RawValue) -> CliError {
        let shown = match raw {
            RawValue::One(v) => v.clone(),
            RawValue::Many(v) => format!("[{}]", v.join(", ")),
        };
        CliError::usage(format_args!(
            "{key} can't be set to a list '{shown}': {} takes a single value",
            self.display()
        ))
    }

    /// The arguments for the value of its `env_var`, if set.
    pub(crate) fn env_args(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Vec<String>>, CliError> {
        let Some(var) = self.env_var.as_deref() else {
            return Ok(None);
        };
        let Some(text) = env(var) else {
            return Ok(None);
        };
        let raw = if self.takes_value && (self.has_nargs() || self.append) {
            config::list_or_string(text)
        } else {
            RawValue::One(text)
        };
        self.setting_args(var, raw)
    }

    /// The arguments for a config file setting.
    pub(crate) fn config_args(
        &self,
        key: &str,
        raw: &RawValue,
    ) -> Result<Option<Vec<String>>, CliError> {
        self.setting_args(key, raw.clone())
    }
}

/// argparse refuses an option string declared twice; so does rocust, also
/// for clashes with built-in options. rocust's deprecated spellings (`-c`,
/// `-n`, ...) are not Locust's: a locustfile may declare them, and then its
/// option wins.
pub(crate) fn check_declarations(custom: &[CustomOption]) -> Result<(), CliError> {
    let builtin = |s: &str| match s.strip_prefix("--") {
        Some(long) => {
            spec::by_long(long).is_some_and(|o| o.in_locust()) || META_LONGS.contains(&long)
        }
        None => {
            let mut chars = s.chars().skip(1);
            match (chars.next(), chars.next()) {
                (Some(c), None) => {
                    spec::by_short(c).is_some_and(|o| o.in_locust()) || c == 'h' || c == 'V'
                }
                _ => false,
            }
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for option in custom {
        for s in &option.option_strings {
            if !s.starts_with('-') || s.len() < 2 || s == "--" {
                return Err(CliError::usage(format_args!(
                    "custom option {}: invalid option string '{s}' (it must start with '-')",
                    option.display()
                )));
            }
            if builtin(s) || seen.contains(&s.as_str()) {
                return Err(CliError::usage(format_args!(
                    "argument {}: conflicting option string: {s}",
                    option.display()
                )));
            }
            seen.push(s);
        }
    }
    Ok(())
}

/// A long name (without `--`) matched against built-in and custom options.
pub(crate) enum LongMatch {
    Builtin,
    Custom(usize),
    Unknown,
    Ambiguous(Vec<String>),
}

/// Resolves a long name or an unambiguous prefix of one, over built-in and
/// custom options together, as argparse does.
pub(crate) fn match_long(name: &str, custom: &[CustomOption]) -> LongMatch {
    // Custom names first: they may take over rocust's deprecated spellings.
    if let Some(i) = custom.iter().position(|c| c.longs().any(|l| l == name)) {
        return LongMatch::Custom(i);
    }
    let all_builtin = OPTIONS.iter().map(|o| o.long);
    if all_builtin
        .chain(META_LONGS.iter().copied())
        .any(|l| l == name)
    {
        return LongMatch::Builtin;
    }
    if name.is_empty() {
        return LongMatch::Unknown;
    }
    let mut candidates: Vec<String> = OPTIONS
        .iter()
        .filter(|o| o.in_locust())
        .map(|o| o.long)
        .chain(META_LONGS.iter().copied())
        .filter(|l| l.starts_with(name))
        .map(|l| format!("--{l}"))
        .collect();
    let builtin_count = candidates.len();
    let mut custom_hit = None;
    for (i, option) in custom.iter().enumerate() {
        for long in option.longs().filter(|l| l.starts_with(name)) {
            candidates.push(format!("--{long}"));
            custom_hit = Some(i);
        }
    }
    match (candidates.len(), custom_hit) {
        (0, _) => LongMatch::Unknown,
        (1, Some(i)) => LongMatch::Custom(i),
        (1, None) => LongMatch::Builtin,
        _ if builtin_count == candidates.len() => LongMatch::Builtin,
        _ => LongMatch::Ambiguous(candidates),
    }
}

pub(crate) fn ambiguous(name: &str, candidates: &[String]) -> CliError {
    CliError::usage(format_args!(
        "ambiguous option: --{name} could match {}",
        candidates.join(", ")
    ))
}

/// The command line with the custom options taken out.
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    /// The remaining arguments for the built-in parser; each custom option
    /// occurrence is replaced by [`CUSTOM_MARKER`].
    pub args: Vec<String>,
    /// Every custom option occurrence in order: (index in `custom`, its
    /// normalised arguments).
    pub occurrences: Vec<(usize, Vec<String>)>,
}

/// argparse takes a word as a value (not an option) when it does not start
/// with `-`, is `-` alone, is a negative number, or contains a space.
pub(crate) fn is_value(word: &str) -> bool {
    !word.starts_with('-') || word == "-" || is_negative_number(word) || word.contains(' ')
}

/// argparse's `^-\d+$|^-\d*\.\d+$`.
fn is_negative_number(word: &str) -> bool {
    let Some(rest) = word.strip_prefix('-') else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once('.') {
        None => !rest.is_empty() && digits(rest),
        Some((int, frac)) => digits(int) && !frac.is_empty() && digits(frac),
    }
}

/// Takes the custom options (and their values) out of the command line.
pub(crate) fn extract(args: &[String], custom: &[CustomOption]) -> Result<Extracted, CliError> {
    let mut out = Extracted::default();
    if custom.is_empty() {
        out.args = args.to_vec();
        return Ok(out);
    }
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            out.args.extend_from_slice(&args[i..]);
            break;
        }
        let (head, explicit) = match arg.split_once('=') {
            Some((head, value)) => (head, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        // exact names first: `-m`, `-m=v`, single-dash long names
        let exact = custom
            .iter()
            .position(|c| c.option_strings.iter().any(|s| s == head));
        let found = match (exact, head.strip_prefix("--")) {
            (Some(index), _) => Some(index),
            (None, Some(name)) => match match_long(name, custom) {
                LongMatch::Custom(index) => Some(index),
                LongMatch::Ambiguous(candidates) => return Err(ambiguous(name, &candidates)),
                LongMatch::Builtin | LongMatch::Unknown => None,
            },
            (None, None) => None,
        };
        if let Some(index) = found {
            check_previous_has_value(args, i)?;
            let (taken, next) = take_values(&custom[index], explicit, args, i + 1)?;
            out.occurrences.push((index, taken));
            out.args.push(CUSTOM_MARKER.to_string());
            i = next;
            continue;
        }
        if arg.starts_with('-') && !arg.starts_with("--") && !is_value(arg) {
            if let Some(next) = split_short_cluster(arg, custom, args, i, &mut out)? {
                i = next;
                continue;
            }
        }
        out.args.push(arg.clone());
        i += 1;
    }
    Ok(out)
}

/// `-H --my-arg x`: argparse blames `-H`, which lacks its value.
fn check_previous_has_value(args: &[String], at: usize) -> Result<(), CliError> {
    let Some(previous) = at.checked_sub(1).map(|p| args[p].as_str()) else {
        return Ok(());
    };
    let spec = if let Some(name) = previous.strip_prefix("--") {
        match spec::resolve_long(name) {
            Ok(Some(long)) => spec::by_long(long),
            _ => None,
        }
    } else {
        let mut chars = previous.strip_prefix('-').unwrap_or_default().chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => spec::by_short(c),
            _ => None,
        }
    };
    match spec {
        Some(spec) if spec.arity() == Arity::One => {
            Err(CliError::argument(&spec.display(), "expected one argument"))
        }
        _ => Ok(()),
    }
}

/// Reads an occurrence's values: `explicit` is what followed `=` (or a
/// short option's attached text); otherwise values come from `args[next..]`.
/// Returns the normalised arguments and the index after them.
fn take_values(
    option: &CustomOption,
    explicit: Option<String>,
    args: &[String],
    next: usize,
) -> Result<(Vec<String>, usize), CliError> {
    if !option.takes_value {
        if let Some(value) = explicit {
            return Err(CliError::argument(
                &option.display(),
                format_args!("ignored explicit argument '{value}'"),
            ));
        }
        return Ok((vec![option.preferred().to_string()], next));
    }
    if let Some(value) = explicit {
        return Ok((vec![option.with_value(&value)], next));
    }
    let following = args.get(next).filter(|a| is_value(a));
    match option.nargs {
        CustomNargs::One => match following {
            Some(value) => Ok((vec![option.with_value(value)], next + 1)),
            None => Err(CliError::argument(
                &option.display(),
                "expected one argument",
            )),
        },
        CustomNargs::Optional => match following {
            Some(value) => Ok((vec![option.with_value(value)], next + 1)),
            None => Ok((vec![option.preferred().to_string()], next)),
        },
        CustomNargs::Many => {
            let count = args[next..].iter().take_while(|a| is_value(a)).count();
            let mut taken = vec![option.preferred().to_string()];
            taken.extend_from_slice(&args[next..next + count]);
            Ok((taken, next + count))
        }
    }
}

/// A cluster of short options such as `-lm` or `-mvalue` that holds a custom
/// short option. Built-in ones are kept together for clap. `Ok(None)`: the
/// word holds no custom option.
fn split_short_cluster(
    arg: &str,
    custom: &[CustomOption],
    args: &[String],
    at: usize,
    out: &mut Extracted,
) -> Result<Option<usize>, CliError> {
    let custom_short = |c: char| custom.iter().position(|o| o.short().any(|s| s == c));
    let builtin_flag =
        |c: char| c == 'h' || c == 'V' || spec::by_short(c).is_some_and(|s| !s.takes_value());
    let chars: Vec<(usize, char)> = arg.char_indices().skip(1).collect();
    if !chars.iter().any(|&(_, c)| custom_short(c).is_some()) {
        return Ok(None);
    }
    let mut builtin = String::new();
    let mut found = Vec::new();
    let mut next = at + 1;
    for (n, &(pos, c)) in chars.iter().enumerate() {
        let rest = &arg[pos + c.len_utf8()..];
        if let Some(index) = custom_short(c) {
            let option = &custom[index];
            if !option.takes_value {
                found.push((index, vec![option.preferred().to_string()]));
                let next_char = chars.get(n + 1).map(|&(_, c)| c);
                match next_char {
                    None => break,
                    Some(d) if custom_short(d).is_some() || spec::by_short(d).is_some() => continue,
                    Some(_) => {
                        return Err(CliError::argument(
                            &option.display(),
                            format_args!("ignored explicit argument '{rest}'"),
                        ))
                    }
                }
            }
            let explicit = (!rest.is_empty()).then(|| rest.to_string());
            let (taken, after) = take_values(option, explicit, args, at + 1)?;
            found.push((index, taken));
            next = after;
            break;
        }
        if builtin_flag(c) {
            builtin.push(c);
            continue;
        }
        builtin.push(c);
        builtin.push_str(rest);
        break;
    }
    if !builtin.is_empty() {
        out.args.push(format!("-{builtin}"));
    }
    for occurrence in found {
        out.occurrences.push(occurrence);
        out.args.push(CUSTOM_MARKER.to_string());
    }
    Ok(Some(next))
}

/// When the custom options make the command line fail, a help or version
/// request before the failure still wins, as in Locust (which handles
/// `--help` before it imports the locustfile).
pub(crate) fn help_or_version(args: &[String], custom: &[CustomOption]) -> Option<CliErrorKind> {
    for arg in args {
        if arg == "--" {
            break;
        }
        match arg.as_str() {
            "-h" => return Some(CliErrorKind::Help),
            "-V" => return Some(CliErrorKind::Version),
            _ => {}
        }
        let Some(name) = arg.strip_prefix("--") else {
            continue;
        };
        if let LongMatch::Builtin = match_long(name, custom) {
            match spec::resolve_long(name) {
                Ok(Some("help")) => return Some(CliErrorKind::Help),
                Ok(Some("version")) => return Some(CliErrorKind::Version),
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn sample() -> Vec<CustomOption> {
        vec![
            CustomOption::new(&["--my-arg", "-m"], true),
            CustomOption::new(&["--my-flag", "-q"], false),
            CustomOption {
                nargs: CustomNargs::Many,
                ..CustomOption::new(&["--my-list"], true)
            },
            CustomOption {
                nargs: CustomNargs::Optional,
                ..CustomOption::new(&["--maybe"], true)
            },
        ]
    }

    fn run(args: &[&str]) -> Result<(Vec<String>, Vec<Vec<String>>), String> {
        extract(&strings(args), &sample())
            .map(|e| {
                let args = e
                    .args
                    .into_iter()
                    .map(|a| {
                        if a == CUSTOM_MARKER {
                            "#".to_string()
                        } else {
                            a
                        }
                    })
                    .collect();
                (args, e.occurrences.into_iter().map(|(_, a)| a).collect())
            })
            .map_err(|e| e.message)
    }

    #[test]
    fn long_forms_and_abbreviations() {
        let (rest, found) =
            run(&["-u", "3", "--my-arg", "a", "--my-arg=b", "--my-a", "c"]).unwrap();
        assert_eq!(rest, ["-u", "3", "#", "#", "#"]);
        assert_eq!(
            found,
            [["--my-arg=a"], ["--my-arg=b"], ["--my-arg=c"]].map(|a| strings(&a))
        );
        // `--run` stays a built-in abbreviation; `--my` is ambiguous
        assert_eq!(run(&["--run", "5"]).unwrap().0, ["--run", "5"]);
        assert_eq!(
            run(&["--my", "x"]).unwrap_err(),
            "rocust: error: ambiguous option: --my could match --my-arg, --my-flag, --my-list"
        );
        // a prefix shared with built-in options is ambiguous too
        assert_eq!(
            run(&["--ma", "x"]).unwrap_err(),
            "rocust: error: ambiguous option: --ma could match --master, --master-bind-host, --master-bind-port, --master-host, --master-port, --maybe"
        );
    }

    #[test]
    fn values_like_argparse() {
        assert_eq!(
            run(&["--my-arg", "-5"]).unwrap().1,
            [strings(&["--my-arg=-5"])]
        );
        assert_eq!(run(&["--my-arg", ""]).unwrap().1, [strings(&["--my-arg="])]);
        assert_eq!(
            run(&["--my-arg", "-x"]).unwrap_err(),
            "rocust: error: argument --my-arg/-m: expected one argument"
        );
        assert_eq!(
            run(&["--my-arg"]).unwrap_err(),
            "rocust: error: argument --my-arg/-m: expected one argument"
        );
        assert_eq!(
            run(&["-H", "--my-arg", "x"]).unwrap_err(),
            "rocust: error: argument -H/--host: expected one argument"
        );
        assert_eq!(
            run(&["--my-flag=yes"]).unwrap_err(),
            "rocust: error: argument --my-flag/-q: ignored explicit argument 'yes'"
        );
        let (rest, found) = run(&["--my-list", "a", "b", "--maybe", "-u", "1", "U"]).unwrap();
        assert_eq!(rest, ["#", "#", "-u", "1", "U"]);
        assert_eq!(
            found,
            [strings(&["--my-list", "a", "b"]), strings(&["--maybe"])]
        );
        assert_eq!(run(&["--maybe", "v"]).unwrap().1, [strings(&["--maybe=v"])]);
    }

    #[test]
    fn short_forms() {
        for form in [&["-m", "v"][..], &["-mv"], &["-m=v"]] {
            assert_eq!(
                run(form).unwrap(),
                (strings(&["#"]), vec![strings(&["--my-arg=v"])])
            );
        }
        let (rest, found) = run(&["-lqm", "v"]).unwrap();
        assert_eq!(rest, ["-l", "#", "#"]);
        assert_eq!(found, [strings(&["--my-flag"]), strings(&["--my-arg=v"])]);
        let (rest, found) = run(&["-qu5"]).unwrap();
        assert_eq!(rest, ["-u5", "#"]);
        assert_eq!(found, [strings(&["--my-flag"])]);
        assert_eq!(
            run(&["-qz"]).unwrap_err(),
            "rocust: error: argument --my-flag/-q: ignored explicit argument 'z'"
        );
        // -H takes the rest of the word as its value
        assert_eq!(run(&["-Hm"]).unwrap().0, ["-Hm"]);
    }

    #[test]
    fn double_dash_ends_options() {
        let (rest, found) = run(&["--", "--my-arg", "x"]).unwrap();
        assert_eq!(rest, ["--", "--my-arg", "x"]);
        assert!(found.is_empty());
    }

    #[test]
    fn negative_numbers() {
        for yes in ["-1", "-12", "-.5", "-1.5"] {
            assert!(is_negative_number(yes), "{yes}");
        }
        for no in ["-", "-a", "-1.", "-1.2.3", "--1", "1"] {
            assert!(!is_negative_number(no), "{no}");
        }
    }

    #[test]
    fn declarations_are_checked() {
        assert!(check_declarations(&sample()).is_ok());
        let clash = [CustomOption::new(&["--host"], true)];
        assert_eq!(
            check_declarations(&clash).unwrap_err().message,
            "rocust: error: argument --host: conflicting option string: --host"
        );
        let clash = [CustomOption::new(&["-u"], false)];
        assert!(check_declarations(&clash).is_err());
        let twice = [
            CustomOption::new(&["--a"], false),
            CustomOption::new(&["--b", "--a"], false),
        ];
        assert!(check_declarations(&twice).is_err());
        assert!(check_declarations(&[CustomOption::new(&["x"], false)]).is_err());
    }

    #[test]
    fn dest_and_display() {
        let options = sample();
        assert_eq!(options[0].dest(), "my_arg");
        assert_eq!(options[0].display(), "--my-arg/-m");
        assert_eq!(CustomOption::new(&["-x"], true).dest(), "x");
        assert_eq!(CustomOption::new(&["-x"], true).preferred(), "-x");
        assert_eq!(CustomOption::new(&["-x", "--ex-y"], true).dest(), "ex_y");
    }

    #[test]
    fn settings_become_arguments() {
        let options = sample();
        let one = |s: &str| RawValue::One(s.to_string());
        let many = |v: &[&str]| RawValue::Many(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(
            options[0].config_args("my-arg", &one("x")).unwrap(),
            Some(strings(&["--my-arg=x"]))
        );
        assert_eq!(
            options[0].config_args("my-arg", &one("")).unwrap(),
            Some(strings(&["--my-arg="]))
        );
        assert!(options[0].config_args("my-arg", &many(&["a"])).is_err());
        assert_eq!(
            options[1].config_args("my-flag", &one("On")).unwrap(),
            Some(strings(&["--my-flag"]))
        );
        assert_eq!(
            options[1].config_args("my-flag", &one("no")).unwrap(),
            Some(vec![])
        );
        assert!(options[1].config_args("my-flag", &one("maybe")).is_err());
        assert_eq!(
            options[2]
                .config_args("my-list", &many(&["a", "b"]))
                .unwrap(),
            Some(strings(&["--my-list", "a", "b"]))
        );
        assert_eq!(options[2].config_args("my-list", &one("")).unwrap(), None);
        let append = CustomOption {
            append: true,
            ..CustomOption::new(&["--app"], true)
        };
        assert_eq!(
            append.config_args("app", &many(&["a", "b"])).unwrap(),
            Some(strings(&["--app=a", "--app=b"]))
        );
        assert_eq!(append.config_args("app", &many(&[])).unwrap(), None);
    }
}
