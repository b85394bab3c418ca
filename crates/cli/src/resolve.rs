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
use crate::spec::{self, Kind, OptSpec, OPTIONS, USER_CLASSES_ENV};

/// A setting found in some layer, before conversion.
enum Found {
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
            layers.push(Layer::new(file, custom)?);
        }
        let resolver = Resolver {
            line,
            env,
            layers,
            custom,
        };
        resolver.refuse_removed()?;
        Ok(resolver)
    }

    /// Removed options are refused wherever they appear.
    fn refuse_removed(&self) -> Result<(), CliError> {
        for spec in OPTIONS {
            let Kind::Removed { message, .. } = spec.kind else {
                continue;
            };
            let present = self.line.given.contains_key(spec.long)
                || spec.env.is_some_and(|var| (self.env)(var).is_some())
                || self.layers.iter().any(|l| l.values.contains_key(spec.long));
            if present {
                return Err(CliError::argument(&spec.display(), message));
            }
        }
        Ok(())
    }

    /// The highest-priority setting of `spec`, if any layer has one.
    fn find(&self, spec: &'static OptSpec) -> Result<Option<(Found, Source)>, CliError> {
        if let Some(values) = self.line.given.get(spec.long) {
            let found = match (spec.kind, values) {
                (Kind::List, Some(values)) => Found::Many(values.clone()),
                (_, Some(values)) => Found::One(values.last().cloned().unwrap_or_default()),
                (_, None) => Found::Flag(true),
            };
            return Ok(Some((found, Source::CommandLine)));
        }
        if let Some(var) = spec.env {
            if let Some(text) = (self.env)(var) {
                let source = Source::Env(var.to_string());
                match spec.kind {
                    Kind::Flag => {
                        return Ok(Some((
                            Found::Flag(convert::flag_value(var, &text)?),
                            source,
                        )))
                    }
                    Kind::List if text.is_empty() => {}
                    Kind::List => {
                        let values = match config::list_or_string(text) {
                            RawValue::One(one) => vec![one],
                            RawValue::Many(many) => many,
                        };
                        return Ok(Some((Found::Many(values), source)));
                    }
                    _ => return Ok(Some((Found::One(text), source))),
                }
            }
        }
        for layer in &self.layers {
            let Some((key, raw)) = layer.values.get(spec.long) else {
                continue;
            };
            let source = Source::ConfigFile(layer.path.clone());
            let found = match (spec.kind, raw) {
                (Kind::Flag, RawValue::One(text)) => Found::Flag(convert::flag_value(key, text)?),
                (Kind::List, RawValue::One(text)) if text.is_empty() => continue,
                (Kind::List, RawValue::One(text)) => Found::Many(vec![text.clone()]),
                (Kind::List, RawValue::Many(values)) => Found::Many(values.clone()),
                (_, RawValue::One(text)) => Found::One(text.clone()),
                (_, RawValue::Many(values)) => {
                    return Err(CliError::usage(format_args!(
                        "{key} can't be set to a list '[{}]': {} takes a single value",
                        values.join(", "),
                        spec.display()
                    )))
                }
            };
            return Ok(Some((found, source)));
        }
        Ok(None)
    }

    /// Builds the options, converting every setting found.
    pub fn options(&self, cwd: &Path) -> Result<Options, CliError> {
        let mut o = Options::default();
        for spec in OPTIONS {
            let Some((found, source)) = self.find(spec)? else {
                continue;
            };
            o.sources.insert(spec.long, source);
            match found {
                Found::Flag(value) => set_flag(&mut o, spec.long, value),
                Found::One(text) => set_value(&mut o, spec, &text)?,
                Found::Many(values) => set_list(&mut o, spec, values, cwd)?,
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
        for field in [
            &mut o.host,
            &mut o.csv,
            &mut o.html,
            &mut o.json_file,
            &mut o.logfile,
            &mut o.tls_cert,
            &mut o.tls_key,
            &mut o.web_host_display_name,
            &mut o.build_path,
            &mut o.profile,
            &mut o.config,
        ] {
            if field.as_deref() == Some("") {
                *field = None;
            }
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
    fn new(file: ConfigFile, custom: &[CustomOption]) -> Result<Self, CliError> {
        let mut values = HashMap::new();
        let mut custom_values = HashMap::new();
        for (key, raw) in file.entries {
            match config_key(&key, &raw, custom)? {
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

fn set_flag(o: &mut Options, long: &str, value: bool) {
    let field = match long {
        "list" => &mut o.list,
        "headless" => &mut o.headless,
        "autostart" => &mut o.autostart,
        "headful" => &mut o.headful,
        "web-login" => &mut o.web_login,
        "class-picker" => &mut o.class_picker,
        "master" => &mut o.master,
        "enable-rebalancing" => &mut o.enable_rebalancing,
        "worker" => &mut o.worker,
        "csv-full-history" => &mut o.csv_full_history,
        "print-stats" => &mut o.print_stats,
        "only-summary" => &mut o.only_summary,
        "reset-stats" => &mut o.reset_stats,
        "json" => &mut o.json,
        "skip-log-setup" => &mut o.skip_log_setup,
        "show-task-ratio" => &mut o.show_task_ratio,
        "show-task-ratio-json" => &mut o.show_task_ratio_json,
        "equal-weights" => &mut o.equal_weights,
        "otel" => &mut o.otel,
        _ => return,
    };
    *field = value;
}

fn set_value(o: &mut Options, spec: &OptSpec, text: &str) -> Result<(), CliError> {
    let owned = || Some(text.to_string());
    match spec.long {
        "locustfile" => o.locustfile = text.to_string(),
        "config" => o.config = owned(),
        "host" => o.host = owned(),
        "users" => o.users = Some(convert::non_negative(spec, text)?),
        "spawn-rate" => o.spawn_rate = Some(convert::spawn_rate(spec, text)?),
        "run-time" => o.run_time = Some(convert::timespan(spec, text)?),
        "web-host" => o.web_host = text.to_string(),
        "web-host-display-name" => o.web_host_display_name = owned(),
        "web-port" => o.web_port = convert::port(spec, text)?,
        "autoquit" => o.autoquit = convert::autoquit(spec, text)?,
        "tls-cert" => o.tls_cert = owned(),
        "tls-key" => o.tls_key = owned(),
        "build-path" => o.build_path = owned(),
        "web-base-path" => o.web_base_path = text.to_string(),
        "master-bind-host" => o.master_bind_host = text.to_string(),
        "master-bind-port" => o.master_bind_port = convert::port(spec, text)?,
        "expect-workers" => o.expect_workers = convert::positive(spec, text)?,
        "expect-workers-max-wait" => o.expect_workers_max_wait = convert::non_negative(spec, text)?,
        "processes" => o.processes = convert::processes(spec, text)?,
        "master-host" => o.master_host = text.to_string(),
        "master-port" => o.master_port = convert::port(spec, text)?,
        "csv" => o.csv = owned(),
        "html" => o.html = owned(),
        "json-file" => o.json_file = owned(),
        "loglevel" => o.loglevel = convert::loglevel(spec, text)?,
        "logfile" => o.logfile = owned(),
        "exit-code-on-error" => o.exit_code_on_error = convert::int(spec, text)?,
        "stop-timeout" => o.stop_timeout = convert::timespan(spec, text)? as f64,
        "profile" => o.profile = owned(),
        _ => {}
    }
    Ok(())
}

fn set_list(
    o: &mut Options,
    spec: &OptSpec,
    values: Vec<String>,
    cwd: &Path,
) -> Result<(), CliError> {
    match spec.long {
        "tags" => o.tags = values,
        "exclude-tags" => o.exclude_tags = values,
        "config-users" => {
            let mut by_value = Vec::new();
            for value in &values {
                by_value.push(convert::config_users(spec, value, cwd)?);
            }
            o.config_users = by_value.iter().flatten().cloned().collect();
            o.config_users_by_value = by_value;
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_option_has_a_field() {
        // Each non-removed option must change Options when set to a valid value.
        let samples = |spec: &OptSpec| match spec.long {
            "users"
            | "web-port"
            | "master-bind-port"
            | "master-port"
            | "expect-workers"
            | "expect-workers-max-wait"
            | "processes"
            | "exit-code-on-error"
            | "autoquit" => "7",
            "spawn-rate" => "2.5",
            "run-time" | "stop-timeout" => "1m",
            "loglevel" => "debug",
            _ => "x",
        };
        for spec in OPTIONS {
            let mut o = Options::default();
            match spec.kind {
                Kind::Removed { .. } => continue,
                Kind::Flag => set_flag(&mut o, spec.long, true),
                Kind::Value => set_value(&mut o, spec, samples(spec)).unwrap(),
                Kind::List => {
                    let value = if spec.long == "config-users" {
                        r#"{"user_class_name": "A"}"#
                    } else {
                        "x"
                    };
                    set_list(&mut o, spec, vec![value.to_string()], Path::new(".")).unwrap()
                }
            }
            assert_ne!(o, Options::default(), "--{} has no field", spec.long);
        }
    }

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
