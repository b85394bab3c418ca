//! Log lines in Locust's format: `[2024-01-01 12:00:00,123] host/INFO/locust.main: message`.
//! Console tables go to `locust.stats_logger`, printed without a prefix.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The logger name Locust uses for the console tables.
pub const STATS_LOGGER: &str = "locust.stats_logger";

/// How many log lines the web UI's `/logs` shows (Locust keeps 500).
const RECENT_LINES: usize = 500;

/// The last log lines, for the web UI's `/logs`.
static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// Keeps a formatted line (without its line feed) for `/logs`; Python's log
/// records come here too.
pub fn remember_line(line: &str) {
    let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if recent.len() == RECENT_LINES {
        recent.pop_front();
    }
    recent.push_back(line.to_owned());
}

/// The last log lines, oldest first.
pub fn recent_lines() -> Vec<String> {
    RECENT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .cloned()
        .collect()
}

struct LocustLogger {
    hostname: String,
    level: LevelFilter,
    /// `--logfile`: everything but the tables goes there instead of stderr.
    file: Option<Mutex<File>>,
}

/// Maps a Rust module path to the Locust logger a Locust user would expect.
fn locust_name(target: &str) -> &str {
    const NAMES: &[(&str, &str)] = &[
        ("rocust_core::runner", "locust.runners"),
        ("rocust_core::exec", "locust.runners"),
        ("rocust_core::user", "locust.user.task"),
        ("rocust_core::env", "locust.user.task"),
        ("rocust_core::stats", "locust.stats"),
        ("rocust_report", "locust.stats"),
        ("rocust_http", "locust.clients"),
        ("rocust_web", "locust.web"),
        ("rocust_dist", "locust.runners"),
        ("rocust", "locust.main"),
    ];
    NAMES
        .iter()
        .find(|(prefix, _)| target.starts_with(prefix))
        .map_or(target, |(_, name)| name)
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Error => "ERROR",
        Level::Warn => "WARNING",
        Level::Info => "INFO",
        Level::Debug | Level::Trace => "DEBUG",
    }
}

impl Log for LocustLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.target() == STATS_LOGGER || metadata.level() <= self.level
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if record.target() == STATS_LOGGER {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{}", record.args());
            return;
        }
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S,%3f");
        let line = format!(
            "[{now}] {}/{}/{}: {}\n",
            self.hostname,
            level_name(record.level()),
            locust_name(record.target()),
            record.args()
        );
        remember_line(line.trim_end_matches('\n'));
        match &self.file {
            Some(f) => {
                let mut f = f.lock().unwrap_or_else(|e| e.into_inner());
                let _ = f.write_all(line.as_bytes());
            }
            None => {
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
        }
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// The short host name, as Locust shows it in log lines.
pub fn short_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates on success.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".to_owned()
    };
    name.split('.').next().unwrap_or_default().to_owned()
}

/// Parses `--loglevel` the way Python's logging does (case-insensitive names).
pub fn parse_level(level: &str) -> Result<LevelFilter, String> {
    match level.to_ascii_uppercase().as_str() {
        "DEBUG" => Ok(LevelFilter::Debug),
        "INFO" => Ok(LevelFilter::Info),
        "WARNING" | "WARN" => Ok(LevelFilter::Warn),
        "ERROR" | "CRITICAL" | "FATAL" => Ok(LevelFilter::Error),
        other => Err(format!("Unknown level: '{other}'")),
    }
}

/// Installs the logger; a second call is a no-op.
pub fn setup_logging(level: LevelFilter, logfile: Option<&str>) -> Result<(), String> {
    let file = match logfile {
        Some(path) => {
            if let Some(dir) = std::path::Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
            {
                std::fs::create_dir_all(dir).map_err(|e| format!("--logfile {path}: {e}"))?;
            }
            let f = File::options()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("--logfile {path}: {e}"))?;
            Some(Mutex::new(f))
        }
        None => None,
    };
    let logger = LocustLogger {
        hostname: short_hostname(),
        level,
        file,
    };
    if log::set_boxed_logger(Box::new(logger)).is_ok() {
        log::set_max_level(level.max(LevelFilter::Info));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_map_to_locust_loggers() {
        assert_eq!(locust_name("rocust_core::runner::local"), "locust.runners");
        assert_eq!(locust_name("rocust::run"), "locust.main");
        assert_eq!(locust_name("rocust_http::session"), "locust.clients");
        assert_eq!(locust_name("hyper::proto"), "hyper::proto");
    }

    #[test]
    fn levels_parse_like_python_logging() {
        assert_eq!(parse_level("info"), Ok(LevelFilter::Info));
        assert_eq!(parse_level("WARNING"), Ok(LevelFilter::Warn));
        assert_eq!(parse_level("CRITICAL"), Ok(LevelFilter::Error));
        assert!(parse_level("loud").is_err());
    }

    #[test]
    fn hostname_is_short() {
        let h = short_hostname();
        assert!(!h.is_empty());
        assert!(!h.contains('.'));
    }
}
