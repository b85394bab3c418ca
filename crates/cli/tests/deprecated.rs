//! Spellings of older Locust versions (`--no-web`, `-c/--clients`,
//! `--hatch-rate`, `--slave`, `-n/--num-request`): a deliberate difference
//! from Locust 2.47, which refuses them. Each is accepted with a one-line
//! warning naming today's option.

mod common;

use common::{ok, parse_in, usage_error, TempDir};
use rocust_cli::{CustomNargs, CustomOption, Source};

#[test]
fn old_spellings_set_todays_options_with_a_warning() {
    let o = ok(&["--no-web", "-c", "10", "--hatch-rate", "2.5", "-n", "500"]);
    assert!(o.headless);
    assert_eq!(o.users, Some(10));
    assert_eq!(o.spawn_rate, Some(2.5));
    assert_eq!(o.num_requests, Some(500));
    assert_eq!(o.source("users"), Source::CommandLine);
    assert_eq!(
        o.warnings,
        [
            "--no-web is deprecated: use --headless",
            "-c/--clients is deprecated: use -u/--users",
            "--hatch-rate is deprecated: use -r/--spawn-rate",
            "-n/--num-request is deprecated (Locust 2.47 has no such option): rocust stops the test once this many requests have completed",
        ]
    );
    for warning in &o.warnings {
        assert!(!warning.contains('\n'));
    }
    let o = ok(&["--slave"]);
    assert!(o.worker);
    assert_eq!(o.warnings, ["--slave is deprecated: use --worker"]);
    assert!(o.unavailable_options().is_empty());
}

#[test]
fn every_argument_syntax_works() {
    assert_eq!(ok(&["-c5"]).users, Some(5));
    assert_eq!(ok(&["--clients=5"]).users, Some(5));
    assert_eq!(ok(&["-n=7"]).num_requests, Some(7));
    assert_eq!(ok(&["--num-request", "7"]).num_requests, Some(7));
    assert_eq!(ok(&["--hatch-rate=0.5"]).spawn_rate, Some(0.5));
}

#[test]
fn todays_spelling_wins_in_the_same_source() {
    let o = ok(&["-c", "10", "-u", "3"]);
    assert_eq!(o.users, Some(3));
    // the old spelling was still used, so it still warns
    assert_eq!(o.warnings.len(), 1);
    assert_eq!(ok(&["-u", "3", "--clients", "10"]).users, Some(3));
}

#[test]
fn the_command_line_spelling_beats_the_environment() {
    let dir = TempDir::new();
    let o = parse_in(&["-c", "10"], &[("LOCUST_USERS", "3")], dir.path(), None).unwrap();
    assert_eq!(o.users, Some(10));
}

#[test]
fn old_spellings_in_config_files() {
    let dir = TempDir::new();
    dir.write("locust.conf", "no-web\nclients = 4\nhatch-rate = 2\n");
    let o = parse_in(&[], &[], dir.path(), None).unwrap();
    assert!(o.headless);
    assert_eq!((o.users, o.spawn_rate), (Some(4), Some(2.0)));
    assert_eq!(o.warnings.len(), 3);
    assert!(matches!(o.source("users"), Source::ConfigFile(_)));
    // a higher file's modern key wins over a lower file's old one
    dir.write("pyproject.toml", "[tool.locust]\nusers = 9\n");
    assert_eq!(parse_in(&[], &[], dir.path(), None).unwrap().users, Some(9));
}

#[test]
fn bad_values_name_the_spelling_used() {
    assert_eq!(
        usage_error(&["-c", "x"], &[]),
        "rocust: error: argument -c/--clients: invalid int value: 'x'"
    );
    assert_eq!(
        usage_error(&["--hatch-rate", "0"], &[]),
        "rocust: error: argument --hatch-rate: must be > 0"
    );
    assert_eq!(
        usage_error(&["-n", "0"], &[]),
        "rocust: error: argument -n/--num-request: must be a positive number, got 0"
    );
}

#[test]
fn never_abbreviated_never_suggested_never_in_help_or_namespace() {
    // `--cl` stays Locust's --class-picker, `--no` matches nothing
    assert!(ok(&["--cl"]).class_picker);
    for (word, spelling) in [
        ("--no", "no-web"),
        ("--hatch", "hatch-rate"),
        ("--client", "clients"),
    ] {
        let message = usage_error(&[word], &[]);
        assert!(
            message.starts_with(&format!("rocust: error: unrecognized arguments: {word}")),
            "{message}"
        );
        assert!(!message.contains(spelling), "{message}");
    }
    let help = rocust_cli::help_text();
    for spelling in [
        "--no-web",
        "--clients",
        "--hatch-rate",
        "--slave",
        "--num-request",
    ] {
        assert!(!help.contains(spelling), "{spelling} in --help");
    }
    let names: Vec<&str> = ok(&["-c", "1", "-n", "2"])
        .namespace()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert!(!names.contains(&"clients") && !names.contains(&"num_requests"));
    // Locust's own attribute for the removed --slave stays, as None
    assert!(names.contains(&"slave"));
}

#[test]
fn a_locustfile_may_take_over_an_old_spelling() {
    let custom = [
        CustomOption {
            nargs: CustomNargs::One,
            ..CustomOption::new(&["-c", "--count"], true)
        },
        CustomOption::new(&["--no-web"], false),
    ];
    let env = |_: &str| None;
    let parsed = rocust_cli::parse_with_custom(
        ["-c", "3", "--no-web", "--clients", "5"],
        &env,
        std::path::Path::new("/nonexistent"),
        None,
        &custom,
    )
    .unwrap();
    assert_eq!(parsed.custom_args, ["--count=3", "--no-web"]);
    assert_eq!(parsed.options.users, Some(5));
    assert!(!parsed.options.headless);
    assert_eq!(
        parsed.options.warnings,
        ["-c/--clients is deprecated: use -u/--users"]
    );
}
