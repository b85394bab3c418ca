//! The bare `rocust` binary of the Rust workspace. Locustfiles run with the
//! `rocust` command of the Python package (`pip install .`), Rust load tests
//! are their own binaries (see the README); this one answers --help and
//! --version and explains that.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let wants_info = args
        .iter()
        .skip(1)
        .any(|a| matches!(a.to_str(), Some("-h" | "--help" | "-V" | "--version")));
    if !wants_info {
        eprintln!(
            "rocust: error: this is the bare Rust binary; run locustfiles with the rocust command \
             of the Python package (`pip install .`), or write the load test in Rust (see the README)"
        );
        std::process::exit(2);
    }
    std::process::exit(rocust::Rocust::new().run_with_args(args));
}
