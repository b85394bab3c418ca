//! Config files: syntax and precedence
//! (~/.locust.conf < locust.conf < pyproject.toml < --config < env < command line),
//! checked against Locust 2.47.0's behaviour for the same files.

mod common;

use common::{parse_in, TempDir};
use rocust_cli::{CliErrorKind, Source};

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

    fn parse(
        &self,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<rocust_cli::Options, rocust_cli::CliError> {
        parse_in(args, env, self.cwd.path(), Some(self.home.path()))
    }

    fn error(&self, args: &[&str]) -> String {
        let err = self.parse(args, &[]).expect_err("should fail");
        assert_eq!((err.exit_code, err.kind), (2, CliErrorKind::Usage), "{err}");
        assert!(!err.message.contains('\n'), "{}", err.message);
        err.message
    }
}

#[test]
fn precedence_of_all_layers() {
    let s = Setup::new();
    s.home.write(
        ".locust.conf",
        "users = 1\nheadless\ntags = [h1]\nrun-time = 1m\n",
    );
    s.cwd.write("locust.conf", "users = 2\nspawn-rate = 2\n");
    s.cwd.write(
        "pyproject.toml",
        "[tool.locust]\nusers = 3\nheadless = false\nhost = \"http://py\"\n",
    );
    s.cwd.write("extra.conf", "users = 4\nspawn-rate: 4\n");

    let o = s.parse(&[], &[]).unwrap();
    assert_eq!(o.users, Some(3));
    assert_eq!(o.spawn_rate, Some(2.0));
    assert_eq!(o.run_time, Some(60));
    assert_eq!(o.tags, vec!["h1"]);
    assert_eq!(o.host.as_deref(), Some("http://py"));
    // pyproject's `headless = false` outranks ~/.locust.conf's `headless`
    assert!(!o.headless);
    assert_eq!(
        o.source("users"),
        Source::ConfigFile("pyproject.toml".into())
    );
    assert_eq!(
        o.source("spawn-rate"),
        Source::ConfigFile("locust.conf".into())
    );
    assert_eq!(
        o.source("run-time"),
        Source::ConfigFile(s.home.path().join(".locust.conf"))
    );

    let o = s.parse(&["--config", "extra.conf"], &[]).unwrap();
    assert_eq!((o.users, o.spawn_rate), (Some(4), Some(4.0)));
    assert_eq!(o.config.as_deref(), Some("extra.conf"));
    assert_eq!(o.source("users"), Source::ConfigFile("extra.conf".into()));

    let env = [("LOCUST_USERS", "5"), ("LOCUST_SPAWN_RATE", "5")];
    let o = s.parse(&["--config", "extra.conf"], &env).unwrap();
    assert_eq!((o.users, o.spawn_rate), (Some(5), Some(5.0)));

    let o = s
        .parse(&["--config", "extra.conf", "-u", "6"], &env)
        .unwrap();
    assert_eq!((o.users, o.spawn_rate), (Some(6), Some(5.0)));
    assert_eq!(o.source("users"), Source::CommandLine);
}

#[test]
fn false_in_a_higher_layer_clears_a_flag() {
    let s = Setup::new();
    s.cwd
        .write("locust.conf", "headless = true\nprint-stats = yes\n");
    let o = s.parse(&[], &[]).unwrap();
    assert!(o.headless && o.print_stats);
    let o = s.parse(&[], &[("LOCUST_HEADLESS", "false")]).unwrap();
    assert!(!o.headless && o.print_stats);
    assert_eq!(o.source("headless"), Source::Env("LOCUST_HEADLESS".into()));
    s.cwd.write("off.conf", "print-stats = off\n");
    let o = s.parse(&["--config", "off.conf"], &[]).unwrap();
    assert!(o.headless && !o.print_stats);
    // the command line can only switch flags on; --headful is the way out
    let o = s.parse(&["--headful"], &[]).unwrap();
    assert!(!o.headless);
}

#[test]
fn locust_conf_syntax() {
    let s = Setup::new();
    s.cwd.write(
        "locust.conf",
        "# comment\n; comment\n[section]\n---\n\nusers = 5\nspawn-rate: 2\nrun-time 10s\nheadless\n\
         tags = [a, b c]\nexclude-tags = x y\nhost = \"http://x\"  # comment\n--csv out\n\
         locustfile = 'a.py' ; c\nhtml = a#b\njson-file = j #b\nloglevel = debug\n",
    );
    let o = s.parse(&[], &[]).unwrap();
    assert_eq!(o.users, Some(5));
    assert_eq!(o.spawn_rate, Some(2.0));
    assert_eq!(o.run_time, Some(10));
    assert!(o.headless);
    assert_eq!(o.tags, vec!["a", "b c"]);
    assert_eq!(o.exclude_tags, vec!["x y"]);
    assert_eq!(o.host.as_deref(), Some("http://x"));
    assert_eq!(o.csv.as_deref(), Some("out"));
    assert_eq!(o.locustfile, "a.py");
    assert_eq!(o.html.as_deref(), Some("a#b"));
    assert_eq!(o.json_file.as_deref(), Some("j"));
    assert_eq!(o.loglevel, rocust_cli::LogLevel::Debug);
}

#[test]
fn empty_values() {
    let s = Setup::new();
    s.home.write(".locust.conf", "tags = [keep]\n");
    s.cwd.write("locust.conf", "tags =\nhost =\n");
    let o = s.parse(&[], &[]).unwrap();
    // an empty list value is skipped, so the lower file's tags stay
    assert_eq!(o.tags, vec!["keep"]);
    assert_eq!(o.host, None);
    s.cwd.write("locust.conf", "users =\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: argument -u/--users: invalid int value: ''"
    );
}

#[test]
fn later_duplicate_key_wins() {
    let s = Setup::new();
    s.cwd.write("locust.conf", "users = 1\nusers = 2\n");
    assert_eq!(s.parse(&[], &[]).unwrap().users, Some(2));
}

#[test]
fn keys_use_dashes_like_the_long_options() {
    let s = Setup::new();
    s.cwd.write("locust.conf", "web_port = 1\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: unrecognized arguments: --web_port=1 (did you mean '--web-port'?)"
    );
    s.cwd.write("locust.conf", "bogus = 1\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: unrecognized arguments: --bogus=1"
    );
    // argparse abbreviations and dashed keys work as on the command line
    s.cwd.write("locust.conf", "--spawn = 3\nu = 4\n");
    let o = s.parse(&[], &[]).unwrap();
    assert_eq!((o.spawn_rate, o.users), (Some(3.0), Some(4)));
    s.cwd.write("locust.conf", "headl = true\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: argument --headless: ignored explicit argument 'true'"
    );
}

#[test]
fn bad_config_values() {
    let s = Setup::new();
    s.cwd.write("locust.conf", "headless = maybe\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: Unexpected value for headless: 'maybe'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
    );
    s.cwd.write("locust.conf", "users = [1]\n");
    assert!(s
        .error(&[])
        .starts_with("rocust: error: users can't be set to a list"));
    s.cwd.write("locust.conf", "key#x\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: Unexpected line 0 in locust.conf: key#x"
    );
    s.cwd.write("locust.conf", "run-time = 5x\n");
    assert!(s
        .error(&[])
        .starts_with("rocust: error: argument -t/--run-time: Invalid time span format"));
    s.cwd.write("locust.conf", "legacy-ui = true\n");
    assert!(s
        .error(&[])
        .starts_with("rocust: error: argument --legacy-ui: "));
}

#[test]
fn pyproject_toml() {
    let s = Setup::new();
    s.cwd.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.locust]\nusers = 5\nspawn-rate = 1.5\nheadless = true\n\
         tags = [\"a\", \"b c\", 3]\nrun-time = \"1m\"\nlocustfile = \"x.py\"\n",
    );
    let o = s.parse(&[], &[]).unwrap();
    assert_eq!(o.users, Some(5));
    assert_eq!(o.spawn_rate, Some(1.5));
    assert!(o.headless);
    assert_eq!(o.tags, vec!["a", "b c", "3"]);
    assert_eq!(o.run_time, Some(60));
    assert_eq!(o.locustfile, "x.py");

    // a float where an int is needed fails like int("5.0") does in Locust
    s.cwd
        .write("pyproject.toml", "[tool.locust]\nusers = 5.0\n");
    assert_eq!(
        s.error(&[]),
        "rocust: error: argument -u/--users: invalid int value: '5.0'"
    );
    s.cwd
        .write("pyproject.toml", "[tool.locust]\nusers = [1, 2]\n");
    assert!(s
        .error(&[])
        .starts_with("rocust: error: users can't be set to a list"));
    s.cwd.write("pyproject.toml", "[tool.locust\n");
    assert!(s
        .error(&[])
        .starts_with("rocust: error: Couldn't parse TOML file pyproject.toml: "));
    // no [tool.locust] table: nothing to read, no error
    s.cwd.write("pyproject.toml", "[tool.other]\nusers = 3\n");
    assert_eq!(s.parse(&[], &[]).unwrap().users, None);
}

#[test]
fn config_option() {
    let s = Setup::new();
    assert_eq!(
        s.error(&["--config", "nonexist.conf"])
            .split(". Error:")
            .next()
            .unwrap(),
        "rocust: error: Unable to open config file: nonexist.conf"
    );
    // TOML when the name ends in .toml, and then only [tool.locust] counts
    s.cwd.write("c.toml", "users = 3\n");
    assert_eq!(s.parse(&["--config", "c.toml"], &[]).unwrap().users, None);
    s.cwd.write("c.toml", "[tool.locust]\nusers = 8\n");
    assert_eq!(
        s.parse(&["--config", "c.toml"], &[]).unwrap().users,
        Some(8)
    );
    s.cwd.write("c.ini", "users = 9\n");
    assert_eq!(s.parse(&["--config", "c.ini"], &[]).unwrap().users, Some(9));
    // ~ is the home directory; absolute paths work too
    s.home.write("mine.conf", "users = 10\n");
    assert_eq!(
        s.parse(&["--config", "~/mine.conf"], &[]).unwrap().users,
        Some(10)
    );
    let absolute = s.home.path().join("mine.conf");
    let absolute = absolute.to_str().unwrap();
    assert_eq!(
        s.parse(&["--config", absolute], &[]).unwrap().users,
        Some(10)
    );
    // abbreviated, with =
    assert_eq!(s.parse(&["--config=c.ini"], &[]).unwrap().users, Some(9));
}

#[test]
fn help_skips_config_files() {
    let s = Setup::new();
    s.cwd.write("locust.conf", "key#x\n");
    let e = s.parse(&["--help"], &[]).unwrap_err();
    assert_eq!(e.kind, CliErrorKind::Help);
    assert_eq!(
        s.error(&[]),
        "rocust: error: Unexpected line 0 in locust.conf: key#x"
    );
}

#[test]
fn config_users_file_is_relative_to_cwd() {
    let s = Setup::new();
    s.cwd.write(
        "users.json",
        r#"[{"user_class_name": "A", "weight": 3}, {"user_class_name": "B"}]"#,
    );
    let o = s.parse(&["--config-users", "users.json"], &[]).unwrap();
    assert_eq!(o.config_users.len(), 2);
    assert_eq!(o.config_users[0]["weight"], 3);
}
