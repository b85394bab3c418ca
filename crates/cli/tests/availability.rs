//! What the binary must refuse for now (`unavailable_options`) and the
//! checks Locust's main() makes after parsing (`validate`).

mod common;

use common::{ok, parse_env};
use rocust_cli::CliErrorKind;

#[test]
fn headless_local_run_is_available() {
    let o = ok(&[
        "--headless",
        "-u",
        "5",
        "-r",
        "2",
        "-t",
        "10s",
        "--csv",
        "x",
        "--csv-full-history",
        "--json",
        "--json-file",
        "j",
        "-T",
        "a",
        "-E",
        "b",
        "--only-summary",
        "--reset-stats",
        "-s",
        "3",
        "--exit-code-on-error",
        "4",
        "--equal-weights",
        "-L",
        "DEBUG",
        "--logfile",
        "l",
        "--print-stats",
        "-H",
        "http://x",
        "--profile",
        "p",
    ]);
    assert!(
        o.unavailable_options().is_empty(),
        "{:?}",
        o.unavailable_options()
    );
    assert!(o.validate().is_ok());
}

#[test]
fn web_ui_when_not_headless() {
    assert!(ok(&[]).unavailable_options().is_empty());
    assert_eq!(
        ok(&[
            "--autostart",
            "--autoquit",
            "3",
            "-P",
            "9000",
            "--web-login",
            "--class-picker"
        ])
        .unavailable_options(),
        Vec::<&str>::new()
    );
    // with --headless Locust ignores the web UI options
    assert!(
        ok(&["--headless", "-P", "9000", "--web-login", "--autostart"])
            .unavailable_options()
            .is_empty()
    );
    // --headful turns a configured headless off again
    let o = parse_env(
        &["--headful", "--build-path", "x"],
        &[("LOCUST_HEADLESS", "true")],
    )
    .unwrap();
    assert_eq!(o.unavailable_options(), vec!["--build-path"]);
    // commands that print and exit never start the web UI
    for flag in ["--list", "--show-task-ratio", "--show-task-ratio-json"] {
        assert!(
            ok(&[flag, "--build-path", "x"])
                .unavailable_options()
                .is_empty(),
            "{flag}"
        );
    }
}

#[test]
fn distributed_and_later_features() {
    assert!(ok(&["--headless", "--master", "--expect-workers", "2"])
        .unavailable_options()
        .is_empty());
    assert!(ok(&["--worker"]).unavailable_options().is_empty());
    assert!(ok(&["--headless", "--processes", "4"])
        .unavailable_options()
        .is_empty());
    assert!(ok(&["--headless", "--processes", "0"])
        .unavailable_options()
        .is_empty());
    assert!(ok(&["--headless", "--html", "r.html"])
        .unavailable_options()
        .is_empty());
    assert_eq!(
        ok(&[
            "--headless",
            "--config-users",
            r#"{"user_class_name": "A"}"#
        ])
        .unavailable_options(),
        vec!["--config-users"]
    );
    // accepted (the Kubernetes operator passes it) and ignored with a warning
    assert!(ok(&["--headless", "--otel"])
        .unavailable_options()
        .is_empty());
    // worker-side settings without --worker have no effect in Locust either
    assert!(
        ok(&["--headless", "--master-host", "h", "--master-port", "1"])
            .unavailable_options()
            .is_empty()
    );
}

#[test]
fn validate_like_locust_main() {
    let check = |args: &[&str]| {
        ok(args)
            .validate()
            .map_err(|e| (e.exit_code, e.kind, e.message))
    };
    assert_eq!(check(&["--headless"]), Ok(()));
    let autoquit = check(&["--autoquit", "5"]).unwrap_err();
    assert_eq!((autoquit.0, autoquit.1), (1, CliErrorKind::Invalid));
    assert!(autoquit.2.contains("--autoquit"));
    assert_eq!(check(&["--autostart", "--autoquit", "5"]), Ok(()));
    assert_eq!(check(&["--autoquit", "-1"]), Ok(()));
    assert_eq!(check(&["--master", "--processes", "2"]).unwrap_err().0, 1);
    assert_eq!(check(&["--master", "--worker"]).unwrap_err().0, 255);
    assert_eq!(check(&["-f", "-"]).unwrap_err().0, 1);
    assert_eq!(check(&["-f", "-", "--worker"]), Ok(()));
    let base = check(&["--web-base-path", "locust"]).unwrap_err();
    assert_eq!(base.0, 1);
    assert!(base.2.contains("locust"));
    assert_eq!(check(&["--web-base-path", "/locust"]), Ok(()));
    // only checked when the web UI runs
    assert_eq!(check(&["--headless", "--web-base-path", "locust"]), Ok(()));
}
