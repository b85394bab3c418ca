//! The `rocust` command. Rust load tests are their own binaries (see the
//! README); this one takes Locust's command line and, until Python
//! locustfiles are supported, explains how to run a test.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let wants_info = args
        .iter()
        .skip(1)
        .any(|a| matches!(a.to_str(), Some("-h" | "--help" | "-V" | "--version")));
    if !wants_info {
        eprintln!(
            "rocust: error: running Python locustfiles (-f) is not available yet; \
             write the load test in Rust (see the README) and run its binary with the same options"
        );
        std::process::exit(2);
    }
    std::process::exit(rocust::Rocust::new().run_with_args(args));
}
