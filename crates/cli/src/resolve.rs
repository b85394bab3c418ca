//! Layering of settings: command line > environment > `--config` >
//! `pyproject.toml` > `locust.conf` > `~/.locust.conf` > defaults, the way
//! ConfigArgParse merges them for Locust.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::command_line::CommandLine;
use crate::config::{self, ConfigFile, RawValue};
use crate::convert;
use crate::custom::{self, CustomOption, LongMatch};
use crate::error::CliError;
use crate::options::{Options, Source};
use crate::spec::{self, Arity, Kind, OptSpec, OPTIONS, USER_CLASSES_ENV};

/// A setting found in some layer, before conversion.
pub(crate) enum Found {
    Flag(bool),
    One(String),
    Many(Vec<String>),
}

/// A config file whose keys were matched to options.
struct Layer {
    path: PathBuf,
    /// long name -> (key as written, value); the last occurrence wins.
    values: HashMap<&'static str, (String, RawValue)>,
    /// Custom options by index, like `values`.
    custom: HashMap<usize, (String, RawValue)>,
}

/// How config file keys that name no option are treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keys {
    /// A usage error, as in Locust's full parse.
    Strict,
    /// Skipped: the locustfile option is resolved before the locustfile
    /// (and so its custom options) is known.
    Tolerant,
}

pub(crate) struct Resolver<'a> {
    line: CommandLine,
    env: &'a dyn Fn(&str) -> Option<String>,
    /// Highest priority first.
    layers: Vec<Layer>,
    custom: &'a [CustomOption],
}

impl<'a> Resolver<'a> {
    pub fn new(
        line: CommandLine,
        env: &'a dyn Fn(&str) -> Option<String>,
        cwd: &Path,
        home: Option<&Path>,
        custom: &'a [CustomOption],
        keys: Keys,
    ) -> Result<Self, CliError> {
        let mut files = Vec::new();
        let mut defaults: Vec<(PathBuf, PathBuf)> = Vec::new();
        if let Some(home) = home {
            let path = home.join(".locust.conf");
            defaults.push((path.clone(), path));
        }
        for name in ["locust.conf", "pyproject.toml"] {
            defaults.push((cwd.join(name), PathBuf::from(name)));
        }
        for (path, label) in defaults {
            if path.exists() {
                files.push(config::read(&path, &label)?);
            }
        }
        if let Some(Some(values)) = line.given.get("config") {
            if let Some(given) = values.last().filter(|v| !v.is_empty()) {
                let label = expand_user(given, home);
                files.push(config::read(&cwd.join(&label), &label)?);
            }
        }
        let mut layers = Vec::new();
        for file in files.into_iter().rev() {
            layers.push(Layer::new(file, custom, keys)?);
        }
        let resolver = Resolver {
            line,
            env,
            layers,
            custom,
        };
        if keys == Keys::Strict {
            resolver.refuse_removed()?;
        }
        Ok(resolver)
    }

    /// Removed options are refused wherever they appear.
    fn refuse_removed(&self) -> Result<(), CliError> {
        for spec in OPTIONS {
            let Kind::Removed { message, .. } = spec.kind else {
                continue;
            };
            if self.present(spec) {
                return Err(CliError::argument(&spec.display(), message));
            }
        }
        Ok(())
    }

    /// Whether this spelling appears in any layer.
    fn present(&self, spec: &OptSpec) -> bool {
        self.line.given.contains_key(spec.long)
            || spec.env.is_some_and(|var| (self.env)(var).is_some())
            || self.layers.iter().any(|l| l.values.contains_key(spec.long))
    }

    /// The highest-priority setting of `spec`, if any layer has one, with
    /// the spelling that gave it: in each layer the option itself wins over
    /// its deprecated aliases.
    pub fn find(
        &self,
        spec: &'static OptSpec,
    ) -> Result<Option<(Found, Source, &'static OptSpec)>, CliError> {
        let spellings: Vec<&'static OptSpec> = std::iter::once(spec)
            .chain(
                OPTIONS
                    .iter()
                    .filter(|o| matches!(o.kind, Kind::Alias { of } if of == spec.long)),
            )
            .collect();
        let arity = spec.arity();
        for &spelling in &spellings {
            if let Some(values) = self.line.given.get(spelling.long) {
                let found = match (arity, values) {
                    (Arity::Many, Some(values)) => Found::Many(values.clone()),
                    (_, Some(values)) => Found::One(values.last().cloned().unwrap_or_default()),
                    (_, None) => Found::Flag(true),
                };
                return Ok(Some((found, Source::CommandLine, spelling)));
            }
        }
        if let Some(var) = spec.env {
            if let Some(text) = (self.env)(var) {
                let source = Source::Env(var.to_string());
                match arity {
                    Arity::Flag => {
                        let on = convert::flag_value(var, &text)?;
                        return Ok(Some((Found::Flag(on), source, spec)));
                    }
                    Arity::Many if text.is_empty() => {}
                    Arity::Many => {
                        let values = match config::list_or_string(text) {
                            RawValue::One(one) => vec![one],
                            RawValue::Many(many) => many,
                        };
                        return Ok(Some((Found::Many(values), source, spec)));
                    }
                    Arity::One => return Ok(Some((Found::One(text), source, spec))),
                }
            }
        }
        for layer in &self.layers {
            for &spelling in &spellings {
                let Some((key, raw)) = layer.values.get(spelling.long) else {
                    continue;
                };
                let source = Source::ConfigFile(layer.path.clone());
                let found = match (arity, raw) {
                    (Arity::Flag, RawValue::One(text)) => {
                        Found::Flag(convert::flag_value(key, text)?)
                    }
                    (Arity::Many, RawValue::One(text)) if text.is_empty() => continue,
                    (Arity::Many, RawValue::One(text)) => Found::Many(vec![text.clone()]),
                    (Arity::Many, RawValue::Many(values)) => Found::Many(values.clone()),
                    (_, RawValue::One(text)) => Found::One(text.clone()),
                    (_, RawValue::Many(values)) => {
                        return Err(CliError::usage(format_args!(
                            "{key} can't be set to a list '[{}]': {} takes a single value",
                            values.join(", "),
                            spelling.display()
                        )))
                    }
                };
                return Ok(Some((found, source, spelling)));
            }
        }
        Ok(None)
    }

    /// Builds the options, converting every setting found.
    pub fn options(&self, cwd: &Path) -> Result<Options, CliError> {
        let mut o = Options::default();
        for spec in OPTIONS {
            if let Some(warning) = spec.deprecation().filter(|_| self.present(spec)) {
                o.warnings.push(warning);
            }
            if matches!(spec.kind, Kind::Alias { .. }) {
                continue; // applied as the option it stands for
            }
            let Some((found, source, spelling)) = self.find(spec)? else {
                continue;
            };
            o.sources.insert(spec.long, source);
            match (spec.kind, found) {
                (Kind::Flag(update), Found::Flag(value)) => update(&mut o, value),
                (Kind::Value(update), Found::One(text)) => update(&mut o, &text, spelling)?,
                (Kind::List(update), Found::Many(values)) => update(&mut o, values, spelling, cwd)?,
                _ => {}
            }
        }
        match &self.line.user_classes {
            Some(classes) => {
                o.user_classes = classes.clone();
                o.sources.insert("user-classes", Source::CommandLine);
            }
            None => {
                if let Some(text) = (self.env)(USER_CLASSES_ENV) {
                    o.user_classes = text.split_whitespace().map(str::to_string).collect();
                    o.sources
                        .insert("user-classes", Source::Env(USER_CLASSES_ENV.to_string()));
                }
            }
        }
        if o.headful {
            o.headless = false;
        }
        if o.csv_full_history && o.csv.is_none() {
            return Err(CliError::usage("'--csv-full-history' requires '--csv'."));
        }
        Ok(o)
    }
}

impl Resolver<'_> {
    /// The custom options' arguments, lowest precedence first: each option
    /// is taken from the highest-precedence source that sets it (the command
    /// line, its environment variable, the config files in order), as
    /// ConfigArgParse does; a flag set to false there hides the lower ones.
    pub fn custom_args(
        &self,
        occurrences: &[(usize, Vec<String>)],
    ) -> Result<Vec<String>, CliError> {
        let mut from_layers: Vec<Vec<String>> = vec![Vec::new(); self.layers.len()];
        let mut from_env = Vec::new();
        for (index, option) in self.custom.iter().enumerate() {
            if occurrences.iter().any(|(i, _)| *i == index) {
                continue;
            }
            if let Some(args) = option.env_args(self.env)? {
                from_env.extend(args);
                continue;
            }
            for (at, layer) in self.layers.iter().enumerate() {
                let Some((key, raw)) = layer.custom.get(&index) else {
                    continue;
                };
                if let Some(args) = option.config_args(key, raw)? {
                    from_layers[at].extend(args);
                    break;
                }
            }
        }
        let mut all: Vec<String> = from_layers.into_iter().rev().flatten().collect();
        all.extend(from_env);
        all.extend(
            occurrences
                .iter()
                .flat_map(|(_, args)| args.iter().cloned()),
        );
        Ok(all)
    }
}

impl Layer {
    fn new(file: ConfigFile, custom: &[CustomOption], keys: Keys) -> Result<Self, CliError> {
        let mut values = HashMap::new();
        let mut custom_values = HashMap::new();
        for (key, raw) in file.entries {
            let found = match (config_key(&key, &raw, custom), keys) {
                (Ok(found), _) => found,
                (Err(_), Keys::Tolerant) => continue,
                (Err(e), Keys::Strict) => return Err(e),
            };
            match found {
                ConfigKey::Builtin(spec) => values.insert(spec.long, (key, raw)),
                ConfigKey::Custom(index) => custom_values.insert(index, (key, raw)),
            };
        }
        Ok(Layer {
            path: file.path,
            values,
            custom: custom_values,
        })
    }
}

enum ConfigKey {
    Builtin(&'static OptSpec),
    /// Index into the custom options.
    Custom(usize),
}

/// Matches a config key (`users`, `--users`, or an abbreviation that
/// argparse would accept) to its option.
fn config_key(key: &str, raw: &RawValue, custom: &[CustomOption]) -> Result<ConfigKey, CliError> {
    let name = key.trim_start_matches('-');
    let shown_value = match raw {
        RawValue::One(v) => v.clone(),
        RawValue::Many(v) => format!("[{}]", v.join(", ")),
    };
    let unknown = || {
        let arg = format!("--{name}={shown_value}");
        let mut message = format!("unrecognized arguments: {arg}");
        let names: Vec<String> = custom
            .iter()
            .flat_map(|c| c.option_strings.iter().cloned())
            .collect();
        if let Some(hint) = spec::suggest_among(&arg, &names) {
            message.push_str(&format!(" (did you mean '{hint}'?)"));
        }
        CliError::usage(message)
    };
    match custom::match_long(name, custom) {
        LongMatch::Custom(index) => {
            let option = &custom[index];
            // argparse gets an abbreviated key as `--abbr=value`, which a flag refuses
            if !option.takes_value && !option.longs().any(|l| l == name) {
                return Err(CliError::argument(
                    &option.display(),
                    format_args!("ignored explicit argument '{shown_value}'"),
                ));
            }
            return Ok(ConfigKey::Custom(index));
        }
        LongMatch::Ambiguous(candidates) => return Err(custom::ambiguous(name, &candidates)),
        LongMatch::Unknown => return Err(unknown()),
        LongMatch::Builtin => {}
    }
    let spec = match spec::resolve_long(name) {
        Ok(Some(long)) => match spec::by_long(long) {
            // argparse passes the value as `--flag=value`, which a flag refuses
            Some(spec) if !spec.takes_value() && long != name => Err(CliError::argument(
                &spec.display(),
                format_args!("ignored explicit argument '{shown_value}'"),
            )),
            Some(spec) => Ok(spec),
            None => Err(unknown()),
        },
        Ok(None) => Err(unknown()),
        Err(candidates) => {
            let list: Vec<String> = candidates.iter().map(|c| format!("--{c}")).collect();
            Err(CliError::usage(format_args!(
                "ambiguous option: --{name} could match {}",
                list.join(", ")
            )))
        }
    };
    spec.map(ConfigKey::Builtin)
}

/// `~` and `~/x` refer to the home directory, as Python's expanduser does.
fn expand_user(path: &str, home: Option<&Path>) -> PathBuf {
    match (home, path.strip_prefix('~')) {
        (Some(home), Some("")) => home.to_path_buf(),
        (Some(home), Some(rest)) if rest.starts_with('/') => home.join(&rest[1..]),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_user_paths() {
        let home = Path::new("/home/u");
        assert_eq!(
            expand_user("~/a.conf", Some(home)),
            PathBuf::from("/home/u/a.conf")
        );
        assert_eq!(expand_user("~", Some(home)), PathBuf::from("/home/u"));
        assert_eq!(expand_user("a.conf", Some(home)), PathBuf::from("a.conf"));
        assert_eq!(expand_user("~x/a", Some(home)), PathBuf::from("~x/a"));
        assert_eq!(expand_user("~/a", None), PathBuf::from("~/a"));
    }
}
