//! `Options::namespace` and the custom option arguments, checked against a
//! recording of real Locust 2.47.0 (fixtures/locust_namespace.json, made by
//! fixtures/record_locust_namespace.py: see there how to regenerate it).

mod common;

use std::collections::HashMap;

use common::TempDir;
use rocust_cli::{CustomNargs, CustomOption};
use serde_json::{json, Map, Value};

const RECORDING: &str = include_str!("fixtures/locust_namespace.json");

/// The options the recording's locustfile declares.
fn declared() -> Vec<CustomOption> {
    vec![
        CustomOption {
            env_var: Some("MY_ARG".into()),
            help: Some("My custom arg".into()),
            ..CustomOption::new(&["--my-arg", "-m"], true)
        },
        CustomOption {
            env_var: Some("MY_FLAG".into()),
            help: Some("A flag".into()),
            ..CustomOption::new(&["--my-flag"], false)
        },
        CustomOption {
            nargs: CustomNargs::Many,
            help: Some("Some values".into()),
            ..CustomOption::new(&["--my-list"], true)
        },
        CustomOption {
            append: true,
            help: Some("Repeatable".into()),
            ..CustomOption::new(&["--app"], true)
        },
    ]
}

/// What the locustfile's argparse parser makes of `custom_args` (the
/// declarations above, argparse's "last one wins").
fn interpret(args: &[String]) -> Map<String, Value> {
    let mut ns = json!({"my_arg": "x", "my_flag": false, "my_list": null, "app": null});
    let ns = ns.as_object_mut().unwrap();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if let Some(v) = arg.strip_prefix("--my-arg=") {
            ns["my_arg"] = json!(v);
        } else if arg == "--my-flag" {
            ns["my_flag"] = json!(true);
        } else if let Some(v) = arg.strip_prefix("--app=") {
            let mut list = ns["app"].as_array().cloned().unwrap_or_default();
            list.push(json!(v));
            ns["app"] = json!(list);
        } else if arg == "--my-list" {
            let values: Vec<&String> = args[i..]
                .iter()
                .take_while(|a| !a.starts_with('-'))
                .collect();
            i += values.len();
            ns["my_list"] = json!(values);
        } else {
            panic!("unexpected custom argument {arg:?} in {args:?}");
        }
    }
    ns.clone()
}

struct Case {
    name: String,
    event: String,
    args: Vec<String>,
    env: HashMap<String, String>,
    namespace: Map<String, Value>,
    custom: Map<String, Value>,
    dir: TempDir,
}

fn cases() -> Vec<Case> {
    let recording: Value = serde_json::from_str(RECORDING).unwrap();
    assert_eq!(recording["locust"], "locust 2.47.0");
    let common_files = recording["files_in_every_case"].as_object().unwrap();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    recording["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|case| {
            let dir = TempDir::new();
            std::fs::create_dir_all(dir.path().join("home")).unwrap();
            let files = case["files"].as_object().unwrap();
            for (name, text) in common_files.iter().chain(files) {
                dir.write(name, text.as_str().unwrap());
            }
            Case {
                name: case["name"].as_str().unwrap().to_string(),
                event: case["event"].as_str().unwrap().to_string(),
                args: strings(&case["args"]),
                env: case["env"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect(),
                namespace: case["namespace"].as_object().unwrap().clone(),
                custom: case["custom"].as_object().unwrap().clone(),
                dir,
            }
        })
        .collect()
}

fn parse(case: &Case) -> rocust_cli::ParsedWithCustom {
    let env = |name: &str| case.env.get(name).cloned();
    let home = case.dir.path().join("home");
    rocust_cli::parse_with_custom(&case.args, &env, case.dir.path(), Some(&home), &declared())
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

#[test]
fn namespace_matches_locusts_parsed_options() {
    let cases = cases();
    assert!(cases.len() >= 10);
    for case in cases.iter().filter(|c| c.event == "init") {
        let ours: Map<String, Value> = parse(case)
            .options
            .namespace()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let our_keys: Vec<&String> = ours.keys().collect();
        let locust_keys: Vec<&String> = case.namespace.keys().collect();
        assert_eq!(our_keys, locust_keys, "{}: names or order", case.name);
        for (key, value) in &case.namespace {
            assert_eq!(&ours[key], value, "{}: {key}", case.name);
        }
    }
}

#[test]
fn custom_arguments_give_locusts_values() {
    for case in cases() {
        let parsed = parse(&case);
        assert_eq!(
            interpret(&parsed.custom_args),
            case.custom,
            "{}: custom_args {:?}",
            case.name,
            parsed.custom_args
        );
    }
}

/// Locust's headless start fills in `num_users` and `spawn_rate` (as the
/// int 1) before `test_start`; nothing else changes.
#[test]
fn test_start_sees_the_headless_defaults() {
    let case = cases()
        .into_iter()
        .find(|c| c.event == "test_start")
        .unwrap();
    let mut ours: Map<String, Value> = parse(&case)
        .options
        .namespace()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    assert_eq!(
        (&ours["num_users"], &ours["spawn_rate"]),
        (&Value::Null, &Value::Null)
    );
    ours["num_users"] = json!(1);
    ours["spawn_rate"] = json!(1);
    assert_eq!(ours, case.namespace);
}
