//! What one option is: its names, environment variable, help group, how a
//! value found for it changes [`Options`] and how it shows in Locust's
//! `parsed_options`. The options themselves are the items of
//! [`crate::defs::OPTIONS`]; parsing, config files, `--help` and the
//! namespace are all driven from that one table.

use std::path::Path;

use serde_json::Value;

pub(crate) use crate::defs::OPTIONS;
use crate::error::CliError;
use crate::options::Options;

/// The environment variable that supplies the positional user classes
/// (whitespace separated); it is their default, so the command line wins.
pub(crate) const USER_CLASSES_ENV: &str = "LOCUST_USER_CLASSES";

/// A `store_true` option set to this value.
pub(crate) type FlagFn = fn(&mut Options, bool);
/// An option given one value; the spec is the spelling used, for errors.
pub(crate) type ValueFn = fn(&mut Options, &str, &OptSpec) -> Result<(), CliError>;
/// An `nargs="*"` option given these values; `&Path` is the working
/// directory (for values naming files).
pub(crate) type ListFn = fn(&mut Options, Vec<String>, &OptSpec, &Path) -> Result<(), CliError>;
/// The option's value as Locust's `parsed_options` attribute holds it.
pub(crate) type DestFn = fn(&Options, &OptSpec) -> Value;

/// How an option takes its value(s), and what it does with them.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    /// `store_true`: no value on the command line; `true`/`false` in files and env.
    Flag(FlagFn),
    /// Exactly one value.
    Value(ValueFn),
    /// Zero or more values (`nargs="*"`), e.g. `-T a b c`.
    List(ListFn),
    /// A removed option that Locust still recognises only to refuse it.
    Removed {
        takes_value: bool,
        message: &'static str,
    },
    /// An older spelling of the option with this long name: parsed and
    /// applied like it, with a deprecation warning.
    Alias { of: &'static str },
}

/// How many values an option takes on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arity {
    Flag,
    One,
    Many,
}

/// The help group an option is listed under (same grouping as Locust's `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    Common,
    WebUi,
    Master,
    Worker,
    Tags,
    Stats,
    Logging,
    Other,
}

/// One option: everything rocust knows about it, in one item.
pub(crate) struct OptSpec {
    /// Long name without the leading dashes; also the config file key.
    pub long: &'static str,
    pub short: Option<char>,
    /// argparse names an option in errors in declaration order: `-u/--users`
    /// but `--web-port/-P`.
    pub short_first: bool,
    pub metavar: &'static str,
    pub env: Option<&'static str>,
    pub kind: Kind,
    pub group: Group,
    /// `None` hides the option from `--help` (Locust hides these too).
    pub help: Option<&'static str>,
    /// Locust's `parsed_options` attribute: its name and value. `None` for
    /// spellings Locust 2.47 does not know at all (rocust's deprecated aliases).
    pub dest: Option<(&'static str, DestFn)>,
    /// A warning logged whenever the option is used (besides aliases, which
    /// always warn).
    pub deprecated: Option<&'static str>,
}

/// Builders for the items of the table, so each reads as one expression.
impl OptSpec {
    const fn new(long: &'static str, kind: Kind) -> Self {
        OptSpec {
            long,
            short: None,
            short_first: true,
            metavar: "",
            env: None,
            kind,
            group: Group::Other,
            help: None,
            dest: None,
            deprecated: None,
        }
    }

    pub(crate) const fn flag(long: &'static str, update: FlagFn) -> Self {
        Self::new(long, Kind::Flag(update))
    }

    pub(crate) const fn value(long: &'static str, update: ValueFn) -> Self {
        Self::new(long, Kind::Value(update))
    }

    pub(crate) const fn list(long: &'static str, update: ListFn) -> Self {
        Self::new(long, Kind::List(update))
    }

    pub(crate) const fn removed(
        long: &'static str,
        takes_value: bool,
        message: &'static str,
    ) -> Self {
        Self::new(
            long,
            Kind::Removed {
                takes_value,
                message,
            },
        )
    }

    pub(crate) const fn alias(long: &'static str, of: &'static str) -> Self {
        Self::new(long, Kind::Alias { of })
    }

    pub(crate) const fn short(mut self, short: char) -> Self {
        self.short = Some(short);
        self
    }

    /// argparse lists the long name first (`--web-port/-P`).
    pub(crate) const fn short_last(mut self, short: char) -> Self {
        self.short = Some(short);
        self.short_first = false;
        self
    }

    pub(crate) const fn metavar(mut self, metavar: &'static str) -> Self {
        self.metavar = metavar;
        self
    }

    pub(crate) const fn env(mut self, var: &'static str) -> Self {
        self.env = Some(var);
        self
    }

    pub(crate) const fn group(mut self, group: Group) -> Self {
        self.group = group;
        self
    }

    pub(crate) const fn help(mut self, help: &'static str) -> Self {
        self.help = Some(help);
        self
    }

    pub(crate) const fn dest(mut self, name: &'static str, value: DestFn) -> Self {
        self.dest = Some((name, value));
        self
    }

    pub(crate) const fn deprecated(mut self, warning: &'static str) -> Self {
        self.deprecated = Some(warning);
        self
    }
}

impl OptSpec {
    /// The name argparse uses in "argument X: ..." errors.
    pub fn display(&self) -> String {
        match self.short {
            Some(c) if self.short_first => format!("-{c}/--{}", self.long),
            Some(c) => format!("--{}/-{c}", self.long),
            None => format!("--{}", self.long),
        }
    }

    /// The option an alias stands for; the option itself otherwise.
    pub fn target(&'static self) -> &'static OptSpec {
        match self.kind {
            Kind::Alias { of } => by_long(of).unwrap_or(self),
            _ => self,
        }
    }

    /// How many values the option (for an alias: the option it stands for) takes.
    pub fn arity(&'static self) -> Arity {
        match self.target().kind {
            Kind::Flag(_)
            | Kind::Removed {
                takes_value: false, ..
            } => Arity::Flag,
            // an alias of an option missing from the table (a unit test catches it)
            Kind::Alias { .. } => Arity::Flag,
            Kind::Value(_)
            | Kind::Removed {
                takes_value: true, ..
            } => Arity::One,
            Kind::List(_) => Arity::Many,
        }
    }

    pub fn takes_value(&'static self) -> bool {
        self.arity() != Arity::Flag
    }

    /// Whether Locust 2.47's own parser has this option (a removed one
    /// included): only those are suggested and matched by abbreviation.
    pub fn in_locust(&self) -> bool {
        self.dest.is_some()
    }

    /// The one-line warning logged when this spelling is used.
    pub fn deprecation(&'static self) -> Option<String> {
        match self.kind {
            Kind::Alias { .. } => Some(format!(
                "{} is deprecated: use {}",
                self.display(),
                self.target().display()
            )),
            _ => self.deprecated.map(str::to_string),
        }
    }
}

pub(crate) fn by_long(long: &str) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|o| o.long == long)
}

pub(crate) fn by_short(short: char) -> Option<&'static OptSpec> {
    OPTIONS.iter().find(|o| o.short == Some(short))
}

/// Long names the command line also knows besides the table's options.
pub(crate) const META_LONGS: &[&str] = &["help", "version"];

/// Resolves an argparse-style abbreviation (`--run` for `--run-time`).
/// `Ok(None)`: matches nothing; `Err(candidates)`: ambiguous.
pub(crate) fn resolve_long(name: &str) -> Result<Option<&'static str>, Vec<&'static str>> {
    let exact = OPTIONS.iter().map(|o| o.long);
    if let Some(exact) = exact.chain(META_LONGS.iter().copied()).find(|l| *l == name) {
        return Ok(Some(exact));
    }
    if name.is_empty() {
        return Ok(None);
    }
    // rocust's own deprecated spellings match only in full, so that every
    // abbreviation means what it means in Locust (`--cl` is --class-picker).
    let matches: Vec<&'static str> = OPTIONS
        .iter()
        .filter(|o| o.in_locust())
        .map(|o| o.long)
        .chain(META_LONGS.iter().copied())
        .filter(|l| l.starts_with(name))
        .collect();
    match matches.len() {
        0 => Ok(None),
        1 => Ok(Some(matches[0])),
        _ => Err(matches),
    }
}

/// The closest known option spelling for "did you mean" hints, chosen like
/// Python's `difflib.get_close_matches(word, options, n=1)` that Locust
/// uses; `extra` holds the option strings of a locustfile's custom options.
pub(crate) fn suggest_among(unknown: &str, extra: &[String]) -> Option<String> {
    let mut names: Vec<String> = vec![
        "-h".into(),
        "--help".into(),
        "--version".into(),
        "-V".into(),
    ];
    for spec in OPTIONS.iter().filter(|o| o.in_locust()) {
        names.push(format!("--{}", spec.long));
        if let Some(c) = spec.short {
            names.push(format!("-{c}"));
        }
    }
    names.extend(extra.iter().cloned());
    let word: Vec<char> = unknown.chars().collect();
    let mut best: Option<(f64, String)> = None;
    for name in names {
        let candidate: Vec<char> = name.chars().collect();
        let total = candidate.len() + word.len();
        if total == 0 {
            continue;
        }
        let score = 2.0 * matching_chars(&candidate, &word) as f64 / total as f64;
        let better = match &best {
            None => true,
            Some((s, n)) => score > *s || (score == *s && name > *n),
        };
        if score >= 0.6 && better {
            best = Some((score, name));
        }
    }
    best.map(|(_, n)| n)
}

/// Characters in matching blocks, as difflib's SequenceMatcher counts them:
/// the longest common run (earliest in `a`, then in `b`), then recursively
/// the parts left and right of it.
fn matching_chars(a: &[char], b: &[char]) -> usize {
    if a.is_empty() || b.is_empty() {
        return 0;
    }
    let (mut best_i, mut best_j, mut best_k) = (0, 0, 0);
    let mut previous = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                let k = previous[j] + 1;
                current[j + 1] = k;
                if k > best_k {
                    (best_i, best_j, best_k) = (i + 1 - k, j + 1 - k, k);
                }
            }
        }
        previous = current;
    }
    if best_k == 0 {
        return 0;
    }
    best_k
        + matching_chars(&a[..best_i], &b[..best_j])
        + matching_chars(&a[best_i + best_k..], &b[best_j + best_k..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        for (i, a) in OPTIONS.iter().enumerate() {
            for b in &OPTIONS[i + 1..] {
                assert_ne!(a.long, b.long);
                if a.short.is_some() {
                    assert_ne!(a.short, b.short, "{} and {}", a.long, b.long);
                }
                if a.env.is_some() {
                    assert_ne!(a.env, b.env, "{} and {}", a.long, b.long);
                }
                if let (Some((x, _)), Some((y, _))) = (a.dest, b.dest) {
                    assert_ne!(x, y, "{} and {}", a.long, b.long);
                }
            }
        }
    }

    #[test]
    fn aliases_name_a_real_option_and_warn() {
        for spec in OPTIONS {
            if let Kind::Alias { of } = spec.kind {
                let target = by_long(of).unwrap_or_else(|| panic!("--{}: no --{of}", spec.long));
                assert!(
                    !matches!(target.kind, Kind::Alias { .. }),
                    "--{}",
                    spec.long
                );
                assert!(spec.deprecation().is_some());
                assert!(spec.help.is_none() && spec.env.is_none(), "--{}", spec.long);
            }
        }
        assert_eq!(
            by_long("clients").unwrap().deprecation().as_deref(),
            Some("-c/--clients is deprecated: use -u/--users")
        );
        assert_eq!(by_long("no-web").unwrap().arity(), Arity::Flag);
        assert_eq!(by_long("hatch-rate").unwrap().arity(), Arity::One);
    }

    #[test]
    fn deprecated_spellings_match_only_in_full() {
        assert_eq!(resolve_long("no-web"), Ok(Some("no-web")));
        assert_eq!(resolve_long("clients"), Ok(Some("clients")));
        assert_eq!(resolve_long("cl"), Ok(Some("class-picker")));
        assert_eq!(resolve_long("no"), Ok(None));
        assert_eq!(resolve_long("hatch"), Ok(None));
        assert_eq!(resolve_long("sla"), Ok(Some("slave")));
    }

    #[test]
    fn abbreviations() {
        assert_eq!(resolve_long("run"), Ok(Some("run-time")));
        assert_eq!(resolve_long("web-host"), Ok(Some("web-host")));
        assert_eq!(resolve_long("headl"), Ok(Some("headless")));
        assert_eq!(resolve_long("hel"), Ok(Some("help")));
        assert_eq!(resolve_long("nope"), Ok(None));
        assert_eq!(resolve_long("conf"), Err(vec!["config", "config-users"]));
        assert_eq!(
            resolve_long("master-"),
            Err(vec![
                "master-bind-host",
                "master-bind-port",
                "master-host",
                "master-port"
            ])
        );
    }

    #[test]
    fn display_names_follow_declaration_order() {
        assert_eq!(by_long("users").unwrap().display(), "-u/--users");
        assert_eq!(by_long("web-port").unwrap().display(), "--web-port/-P");
        assert_eq!(by_long("loglevel").unwrap().display(), "--loglevel/-L");
        assert_eq!(by_long("headless").unwrap().display(), "--headless");
    }

    #[test]
    fn suggestions() {
        // expected values from difflib.get_close_matches over Locust's options
        let cases = [
            ("--bogus", Some("--tags")),
            ("--bogus=1", None),
            ("--web_port=1", Some("--web-port")),
            ("--headlesss", Some("--headless")),
            ("--fooo", None),
            ("-x", None),
            ("--zzzzzzzzzzzzzz", None),
            ("--user-class", Some("--users")),
            ("--csvs", Some("--csv")),
            ("--tag", Some("--tags")),
        ];
        for (word, expected) in cases {
            assert_eq!(suggest_among(word, &[]).as_deref(), expected, "{word}");
        }
    }
}
