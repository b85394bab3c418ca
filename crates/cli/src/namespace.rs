//! The options as Locust's `environment.parsed_options` holds them, for
//! Python locustfiles that read it.

use serde_json::{json, Value};

use crate::options::{Options, Processes};

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
    /// have their defaults, since rocust refuses them.
    pub fn namespace(&self) -> Vec<(&'static str, Value)> {
        // Options keeps "" as None; Locust keeps what was given.
        let text = |value: &Option<String>, long: &str| match value {
            Some(s) => json!(s),
            None if self.is_given(long) => json!(""),
            None => Value::Null,
        };
        let empty_default = |value: &Option<String>| json!(value.as_deref().unwrap_or(""));
        let list = |values: &[String], long: &str| match self.is_given(long) {
            true => json!(values),
            false => Value::Null,
        };
        let processes = match self.processes {
            Some(Processes::PerCpu) => json!(-1),
            Some(Processes::Count(n)) => json!(n),
            None if self.is_given("processes") => json!(0),
            None => Value::Null,
        };
        let stop_timeout = if self.stop_timeout.fract() == 0.0 && self.stop_timeout >= 0.0 {
            json!(self.stop_timeout as u64)
        } else {
            json!(self.stop_timeout)
        };
        let config_users = match self.is_given("config-users") {
            true => json!(self.config_users_by_value),
            false => Value::Null,
        };
        vec![
            ("locustfile", json!(self.locustfile)),
            ("config", text(&self.config, "config")),
            ("host", text(&self.host, "host")),
            ("num_users", json!(self.users)),
            ("spawn_rate", json!(self.spawn_rate)),
            ("run_time", json!(self.run_time)),
            ("list_commands", json!(self.list)),
            ("config_users", config_users),
            ("web_host", json!(self.web_host)),
            (
                "web_host_display_name",
                text(&self.web_host_display_name, "web-host-display-name"),
            ),
            ("web_port", json!(self.web_port)),
            ("headless", json!(self.headless)),
            ("autostart", json!(self.autostart)),
            ("autoquit", json!(self.autoquit.map_or(-1, |s| s as i128))),
            ("headful", json!(self.headful)),
            ("web_auth", Value::Null),
            ("web_login", json!(self.web_login)),
            ("tls_cert", empty_default(&self.tls_cert)),
            ("tls_key", empty_default(&self.tls_key)),
            ("class_picker", json!(self.class_picker)),
            ("build_path", empty_default(&self.build_path)),
            ("legacy_ui", json!(false)),
            ("master", json!(self.master)),
            ("master_bind_host", json!(self.master_bind_host)),
            ("master_bind_port", json!(self.master_bind_port)),
            ("expect_workers", json!(self.expect_workers)),
            (
                "expect_workers_max_wait",
                json!(self.expect_workers_max_wait),
            ),
            ("enable_rebalancing", json!(self.enable_rebalancing)),
            ("expect_slaves", Value::Null),
            ("worker", json!(self.worker)),
            ("processes", processes),
            ("slave", Value::Null),
            ("master_host", json!(self.master_host)),
            ("master_port", json!(self.master_port)),
            ("web_base_path", json!(self.web_base_path)),
            ("tags", list(&self.tags, "tags")),
            ("exclude_tags", list(&self.exclude_tags, "exclude-tags")),
            ("csv_prefix", text(&self.csv, "csv")),
            ("stats_history_enabled", json!(self.csv_full_history)),
            ("print_stats", json!(self.print_stats)),
            ("only_summary", json!(self.only_summary)),
            ("reset_stats", json!(self.reset_stats)),
            ("html_file", text(&self.html, "html")),
            ("json", json!(self.json)),
            ("json_file", text(&self.json_file, "json-file")),
            ("skip_log_setup", json!(self.skip_log_setup)),
            ("loglevel", json!(self.loglevel.as_str())),
            ("logfile", text(&self.logfile, "logfile")),
            ("show_task_ratio", json!(self.show_task_ratio)),
            ("show_task_ratio_json", json!(self.show_task_ratio_json)),
            ("exit_code_on_error", json!(self.exit_code_on_error)),
            ("stop_timeout", stop_timeout),
            ("equal_weights", json!(self.equal_weights)),
            ("profile", text(&self.profile, "profile")),
            ("otel", json!(self.otel)),
            ("user_classes", json!(self.user_classes)),
        ]
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
