use std::fmt;
use std::io::Write;

/// Program name used in error lines (`rocust: error: ...`).
pub const PROG: &str = "rocust";

/// Why parsing stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CliErrorKind {
    /// `-h/--help`: `message` is the help text; exit 0 on stdout.
    Help,
    /// `-V/--version`: `message` is the version line; exit 0 on stdout.
    Version,
    /// Unknown option, missing or bad value, unreadable config file (exit 2).
    Usage,
    /// An option that Locust refuses after parsing (main.py checks), with
    /// Locust's exit code (1, or 255 for its `sys.exit(-1)` cases).
    Invalid,
}

/// An early end of the program decided by the command line: help and
/// version output as well as errors. `message` is the complete text to
/// print (without trailing newline): the help text, the version line, or
/// one line like `rocust: error: argument -t/--run-time: Invalid time span format`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CliError {
    pub message: String,
    pub exit_code: i32,
    pub kind: CliErrorKind,
}

impl CliError {
    pub(crate) fn usage(detail: impl fmt::Display) -> Self {
        CliError {
            message: format!("{PROG}: error: {detail}"),
            exit_code: 2,
            kind: CliErrorKind::Usage,
        }
    }

    /// An "argument X: problem" usage error, as argparse words them.
    pub(crate) fn argument(display: &str, problem: impl fmt::Display) -> Self {
        Self::usage(format_args!("argument {display}: {problem}"))
    }

    pub(crate) fn invalid(message: impl Into<String>, exit_code: i32) -> Self {
        CliError {
            message: message.into(),
            exit_code,
            kind: CliErrorKind::Invalid,
        }
    }

    /// Help and version go to stdout, errors to stderr.
    pub fn use_stderr(&self) -> bool {
        matches!(self.kind, CliErrorKind::Usage | CliErrorKind::Invalid)
    }

    /// Prints the message where it belongs.
    pub fn print(&self) {
        if self.use_stderr() {
            let _ = writeln!(std::io::stderr(), "{}", self.message);
        } else {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}", self.message);
            let _ = out.flush();
        }
    }

    /// Prints the message and ends the process with `exit_code`.
    pub fn exit(&self) -> ! {
        self.print();
        std::process::exit(self.exit_code)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}
