//! Options a locustfile adds with `init_command_line_parser`: found on the
//! command line, in their `env_var` and in config files, with Locust
//! 2.47.0's precedence, and handed over as `custom_args`.

mod common;

use common::TempDir;
use rocust_cli::{CliError, CliErrorKind, CustomNargs, CustomOption, ParsedWithCustom};

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
            ..CustomOption::new(&["--my-list"], true)
        },
        CustomOption::new(&["--run-id"], true),
    ]
}

struct Setup {
    cwd: TempDir,
    home: TempDir,
}

impl Setup {
    fn new() -> Self {
        Setup {
            cwd: TempDir::new(),
            home: TempDir::new(),
        }
    }

    fn parse(&self, args: &[&str], env: &[(&str, &str)]) -> Result<ParsedWithCustom, CliError> {
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        rocust_cli::parse_with_custom(
            args.iter().copied(),
            &lookup,
            self.cwd.path(),
            Some(self.home.path()),
            &declared(),
        )
    }

    fn custom_args(&self, args: &[&str], env: &[(&str, &str)]) -> Vec<String> {
        self.parse(args, env)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"))
            .custom_args
    }

    fn error(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let err = self.parse(args, env).expect_err("should fail");
        assert_eq!((err.exit_code, err.kind), (2, CliErrorKind::Usage), "{err}");
        assert!(!err.message.contains('\n'), "{}", err.message);
        err.message
    }
}

fn custom_args(args: &[&str]) -> Vec<String> {
    Setup::new().custom_args(args, &[])
}

#[test]
fn command_line_forms() {
    assert_eq!(custom_args(&["--my-arg", "a"]), ["--my-arg=a"]);
    assert_eq!(custom_args(&["--my-arg=a"]), ["--my-arg=a"]);
    assert_eq!(custom_args(&["--my-arg="]), ["--my-arg="]);
    assert_eq!(custom_args(&["-m", "a"]), ["--my-arg=a"]);
    assert_eq!(custom_args(&["-ma"]), ["--my-arg=a"]);
    assert_eq!(custom_args(&["--my-a", "a"]), ["--my-arg=a"]);
    assert_eq!(custom_args(&["--my-arg", "-1"]), ["--my-arg=-1"]);
    // every occurrence is handed over, in order: argparse keeps the last
    assert_eq!(
        custom_args(&["--my-arg", "a", "--my-flag", "-m=b"]),
        ["--my-arg=a", "--my-flag", "--my-arg=b"]
    );
    assert_eq!(
        custom_args(&["--my-list", "a", "b", "-u", "3"]),
        ["--my-list", "a", "b"]
    );
    assert!(custom_args(&["--headless"]).is_empty());
}

#[test]
fn built_in_options_are_unaffected() {
    let s = Setup::new();
    let parsed = s
        .parse(
            &[
                "--headless",
                "-u",
                "3",
                "--my-arg",
                "v",
                "-T",
                "a",
                "--my-flag",
                "b",
                "U",
            ],
            &[],
        )
        .unwrap();
    let o = parsed.options;
    assert!(o.headless);
    assert_eq!(o.users, Some(3));
    // a custom option ends -T's list like any option
    assert_eq!(o.tags, vec!["a"]);
    assert_eq!(o.user_classes, vec!["b", "U"]);
    assert_eq!(parsed.custom_args, ["--my-arg=v", "--my-flag"]);
    // `parse` is `parse_with_custom` without custom options
    let plain = rocust_cli::parse(
        ["--headless", "-u", "3"],
        &|_: &str| None,
        s.cwd.path(),
        None,
    )
    .unwrap();
    assert_eq!(plain.users, Some(3));
}

#[test]
fn positional_user_classes_must_stay_together() {
    let s = Setup::new();
    assert_eq!(
        s.error(&["A", "--my-arg", "x", "B"], &[]),
        "rocust: error: unrecognized arguments: B"
    );
    let o = s.parse(&["--my-arg", "x", "A", "B"], &[]).unwrap().options;
    assert_eq!(o.user_classes, vec!["A", "B"]);
}

#[test]
fn abbreviations_see_custom_names() {
    let s = Setup::new();
    // `--run` was `--run-time`; with `--run-id` declared it is ambiguous, as in Locust
    assert_eq!(
        s.error(&["--run", "5"], &[]),
        "rocust: error: ambiguous option: --run could match --run-time, --run-id"
    );
    assert_eq!(
        s.parse(&["--run-t", "5"], &[]).unwrap().options.run_time,
        Some(5)
    );
    assert_eq!(s.custom_args(&["--run-i", "5"], &[]), ["--run-id=5"]);
    assert_eq!(
        s.error(&["--my", "x"], &[]),
        "rocust: error: ambiguous option: --my could match --my-arg, --my-flag, --my-list"
    );
}

#[test]
fn unknown_options_are_still_errors() {
    let s = Setup::new();
    assert_eq!(
        s.error(&["--bogus"], &[]),
        "rocust: error: unrecognized arguments: --bogus (did you mean '--tags'?)"
    );
    assert_eq!(
        s.error(&["--my-argg", "x"], &[]),
        "rocust: error: unrecognized arguments: --my-argg (did you mean '--my-arg'?)"
    );
    assert_eq!(
        s.error(&["--my-arg"], &[]),
        "rocust: error: argument --my-arg/-m: expected one argument"
    );
    assert_eq!(
        s.error(&["--my-flag=1"], &[]),
        "rocust: error: argument --my-flag: ignored explicit argument '1'"
    );
    s.cwd.write("locust.conf", "bogus-key = 1\n");
    assert_eq!(
        s.error(&[], &[]),
        "rocust: error: unrecognized arguments: --bogus-key=1 (did you mean '--tls-key'?)"
    );
}

#[test]
fn environment_variable_named_by_env_var() {
    let s = Setup::new();
    assert_eq!(s.custom_args(&[], &[("MY_ARG", "e")]), ["--my-arg=e"]);
    // Locust gives custom options no automatic LOCUST_ variable
    assert!(s
        .custom_args(&[], &[("LOCUST_MY_ARG", "e"), ("LOCUST_RUN_ID", "1")])
        .is_empty());
    assert_eq!(
        s.custom_args(&["--my-arg", "c"], &[("MY_ARG", "e")]),
        ["--my-arg=c"]
    );
    assert_eq!(s.custom_args(&[], &[("MY_FLAG", "Yes")]), ["--my-flag"]);
    assert!(s.custom_args(&[], &[("MY_FLAG", "off")]).is_empty());
    assert_eq!(
        s.error(&[], &[("MY_FLAG", "maybe")]),
        "rocust: error: Unexpected value for MY_FLAG: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
    );
}

#[test]
fn every_config_file_kind_with_precedence() {
    let s = Setup::new();
    s.home.write(".locust.conf", "my-arg = home\nrun-id = h\n");
    assert_eq!(s.custom_args(&[], &[]), ["--my-arg=home", "--run-id=h"]);

    s.cwd
        .write("locust.conf", "my-arg = conf\nmy-list = [a, b]\n");
    assert_eq!(
        s.custom_args(&[], &[]),
        ["--run-id=h", "--my-arg=conf", "--my-list", "a", "b"]
    );

    s.cwd.write(
        "pyproject.toml",
        "[tool.locust]\nmy-arg = \"py\"\nmy-flag = true\n",
    );
    assert_eq!(
        s.custom_args(&[], &[]),
        [
            "--run-id=h",
            "--my-list",
            "a",
            "b",
            "--my-arg=py",
            "--my-flag"
        ]
    );

    s.cwd.write("extra.conf", "--my-arg = extra\n");
    assert_eq!(
        s.custom_args(&["--config", "extra.conf"], &[]),
        [
            "--run-id=h",
            "--my-list",
            "a",
            "b",
            "--my-flag",
            "--my-arg=extra"
        ]
    );

    // environment beats every file, the command line beats the environment
    let env = [("MY_ARG", "env")];
    let args = s.custom_args(&["--config", "extra.conf"], &env);
    assert_eq!(args.last().map(String::as_str), Some("--my-arg=env"));
    assert!(!args.iter().any(|a| a.contains("extra")));
    let args = s.custom_args(&["--config", "extra.conf", "-m", "cli"], &env);
    assert_eq!(args.last().map(String::as_str), Some("--my-arg=cli"));
    assert!(!args.iter().any(|a| a == "--my-arg=env"));
}

#[test]
fn flags_set_to_false_hide_lower_sources() {
    let s = Setup::new();
    s.home.write(".locust.conf", "my-flag\n");
    assert_eq!(s.custom_args(&[], &[]), ["--my-flag"]);
    s.cwd.write("locust.conf", "my-flag = false\n");
    assert!(s.custom_args(&[], &[]).is_empty());
    assert_eq!(s.custom_args(&[], &[("MY_FLAG", "1")]), ["--my-flag"]);
    s.cwd.write("locust.conf", "my-flag = true\n");
    assert!(s.custom_args(&[], &[("MY_FLAG", "no")]).is_empty());
    assert_eq!(
        s.custom_args(&["--my-flag"], &[("MY_FLAG", "no")]),
        ["--my-flag"]
    );
}

#[test]
fn config_file_values_are_checked() {
    let s = Setup::new();
    s.cwd.write("locust.conf", "my-flag = maybe\n");
    assert_eq!(
        s.error(&[], &[]),
        "rocust: error: Unexpected value for my-flag: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
    );
    s.cwd.write("locust.conf", "my-arg = [a, b]\n");
    assert_eq!(
        s.error(&[], &[]),
        "rocust: error: my-arg can't be set to a list '[a, b]': --my-arg/-m takes a single value"
    );
    // argparse takes an abbreviated key as `--my-a=v`
    s.cwd.write("locust.conf", "my-a = v\n");
    assert_eq!(s.custom_args(&[], &[]), ["--my-arg=v"]);
    s.cwd.write("locust.conf", "my-fl = true\n");
    assert_eq!(
        s.error(&[], &[]),
        "rocust: error: argument --my-flag: ignored explicit argument 'true'"
    );
}

#[test]
fn help_lists_custom_options() {
    let s = Setup::new();
    for args in [
        &["-h"][..],
        &["--my-arg", "x", "--help"],
        &["--my-arg", "-h"],
    ] {
        let err = s.parse(args, &[]).expect_err("help");
        assert_eq!(
            (err.kind, err.exit_code),
            (CliErrorKind::Help, 0),
            "{args:?}"
        );
        assert!(err.message.contains("\nCustom options:\n"), "{args:?}");
        assert!(err
            .message
            .contains("  --my-arg MY_ARG, -m MY_ARG\n                        My custom arg\n"));
        assert!(err.message.contains("  --my-flag             A flag\n"));
        assert!(err.message.contains("  --my-list [MY_LIST ...]\n"));
        assert!(err.message.contains("  --run-id RUN_ID\n"));
    }
    let err = s.parse(&["--my-arg", "-V"], &[]).expect_err("version");
    assert_eq!(err.kind, CliErrorKind::Version);
}

#[test]
fn clashing_declarations_are_refused() {
    let s = Setup::new();
    let clash = [CustomOption::new(&["--users"], true)];
    let err =
        rocust_cli::parse_with_custom(["-u", "1"], &|_: &str| None, s.cwd.path(), None, &clash)
            .unwrap_err();
    assert_eq!(
        err.message,
        "rocust: error: argument --users: conflicting option string: --users"
    );
}
