//! The options as Locust's `environment.parsed_options` holds them, for
//! Python locustfiles that read it.

use serde_json::{json, Value};

use crate::options::Options;
use crate::spec::{OptSpec, OPTIONS};

impl Options {
    /// Every built-in option as an attribute of Locust's `parsed_options`:
    /// argparse `dest` names in Locust's order, with Locust's value types
    /// (`null` where Locust has `None`, ints, floats, strings, lists).
    ///
    /// These are the values Locust's `init` listeners see: parsing plus
    /// `--headful` clearing `headless`. Later, Locust's `main()` changes
    /// some in place: a headless (or autostart) run sets `num_users` and
    /// `spawn_rate` to 1 / 1.0 when they are `None`, and `--processes -1`
    /// becomes the CPU count before forking (here it stays -1).
    /// Removed options (`web_auth`, `legacy_ui`, `expect_slaves`, `slave`)
    /// have their defaults, since Locust refuses them.
    pub fn namespace(&self) -> Vec<(&'static str, Value)> {
        OPTIONS
            .iter()
            .filter_map(|spec| spec.dest.map(|(name, value)| (name, value(self, spec))))
            .chain([("user_classes", json!(self.user_classes))])
            .collect()
    }
}

/// Options keeps an empty text as `None`; Locust keeps what was given, and
/// `None` when nothing was.
pub(crate) fn given_text(o: &Options, value: &Option<String>, spec: &OptSpec) -> Value {
    match value {
        Some(s) => json!(s),
        None if o.is_given(spec.long) => json!(""),
        None => Value::Null,
    }
}

/// A text whose default in Locust is `""`.
pub(crate) fn text_or_empty(value: &Option<String>) -> Value {
    json!(value.as_deref().unwrap_or(""))
}

/// An `nargs="*"` list: `None` unless given (an empty list when given bare).
pub(crate) fn given_list(o: &Options, values: &[String], spec: &OptSpec) -> Value {
    match o.is_given(spec.long) {
        true => json!(values),
        false => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn namespace(args: &[&str]) -> serde_json::Map<String, Value> {
        let env = |_: &str| None;
        let options = crate::parse(args.iter().copied(), &env, Path::new("/nonexistent"), None)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        options
            .namespace()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    #[test]
    fn defaults() {
        let ns = namespace(&[]);
        assert_eq!(ns.len(), 56);
        let expected = json!({
            "locustfile": "locustfile.py", "config": null, "host": null, "num_users": null,
            "spawn_rate": null, "run_time": null, "list_commands": false, "config_users": null,
            "web_host": "", "web_port": 8089, "headless": false, "autoquit": -1,
            "tls_cert": "", "build_path": "", "legacy_ui": false, "web_auth": null,
            "master_bind_host": "*", "master_bind_port": 5557, "expect_workers": 1,
            "processes": null, "master_host": "127.0.0.1", "tags": null, "exclude_tags": null,
            "csv_prefix": null, "loglevel": "INFO", "exit_code_on_error": 1, "stop_timeout": 0,
            "user_classes": [],
        });
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(ns.get(key), Some(value), "{key}");
        }
    }

    #[test]
    fn given_values_have_locusts_types() {
        let ns = namespace(&[
            "-u",
            "5",
            "-r",
            "2",
            "-t",
            "1m30s",
            "-s",
            "10",
            "U",
            "-T",
            "-E",
            "a",
            "b",
            "--csv",
            "",
            "--processes",
            "0",
            "-L",
            "debug",
            "--headless",
            "--headful",
            "--autoquit",
            "3",
            "--config-users",
            r#"{"user_class_name": "A"}"#,
            r#"[{"user_class_name": "B"}]"#,
        ]);
        let expected = json!({
            "num_users": 5, "spawn_rate": 2.0, "run_time": 90, "stop_timeout": 10,
            "tags": [], "exclude_tags": ["a", "b"], "csv_prefix": "", "processes": 0,
            "loglevel": "DEBUG", "headless": false, "headful": true, "autoquit": 3,
            "config_users": [[{"user_class_name": "A"}], [{"user_class_name": "B"}]],
            "user_classes": ["U"],
        });
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(ns.get(key), Some(value), "{key}");
        }
        assert!(ns["spawn_rate"].is_f64());
        assert!(ns["num_users"].is_u64());
        assert_eq!(namespace(&["--processes", "-1"])["processes"], json!(-1));
    }
}
