use std::path::Path;
fn p(args: &[&str]) {
    let env = |_: &str| None;
    match rocust_cli::parse(args.iter().copied(), &env, Path::new("/nonexistent"), None) {
        Ok(o) => println!("{args:?} => OK users={:?} rate={:?} rt={:?} tags={:?} ex={:?} uc={:?} host={:?} headless={} cu={:?}", o.users, o.spawn_rate, o.run_time, o.tags, o.exclude_tags, o.user_classes, o.host, o.headless, o.config_users),
        Err(e) => println!("{args:?} => ERR[{}] {}", e.exit_code, if e.exit_code == 0 { e.message.lines().next().unwrap().to_string() } else { e.message }),
    }
}
#[test]
fn probe() {
    for a in [
        &["-u", "-1"][..], &["-u", "abc"], &["-r", "0"], &["-t", "5x"], &["-t", ""], &["--foo"], &["--run", "10"], &["--master-"],
        &["-u5", "-r=2", "--users=7"], &["-T", "a", "b", "A"], &["-T"], &["-T", "a", "-T", "b"], &["A", "-u", "1", "B"], &["A", "B", "-u", "2"],
        &["-u", "1", "A", "B"], &["--tags=a", "b"], &["-Ta"], &["-T=a"], &["-T", "a", "--", "B"], &["--", "B", "-u", "1"], &["-H", "-x"], &["-H=-x"], &["--host", "-1"],
        &["--users"], &["-u"], &["--headless=x"], &["--headless=true"], &["-lV"], &["-hx"], &["-h", "--foo"], &["--foo", "-h"], &["--hel"], &["--he"], &["--vers"],
        &["--headlesss"], &["-x"], &["--legacy-ui"], &["--web-auth", "a:b"], &["--config-users"], &["--config-users", r#"{"user_class_name":"A"}"#, r#"[{"user_class_name":"B"}]"#],
        &["-L", "foo"], &["-P", "99999"], &["--processes", "-5"], &["--autoquit", "-3"], &["-s", "1.5"], &["--csv-full-history"], &["-T", "a", "-u", "3", "A"],
        &["-E"], &["-u", "1", "-u", "2"], &["-f"], &["-T", "-u", "3"], &["-uabc"], &["--web-port="], &["--host="], &["-r", "inf"], &["--spawn-rate", "abc"],
    ] { p(a); }
}
