//! What a run prints and writes: console tables, CSV files, JSON and the
//! HTML report, in Locust's formats and at Locust's moments (plus one last
//! CSV write at shutdown, and the HTML report on every kind of stop).

use std::io::IsTerminal;
use std::sync::Mutex;

use rocust_cli::Options;
use rocust_core::env::Environment;
use rocust_core::runner::Runner;
use rocust_core::user::UserClassInfo;
use rocust_report::console;
use rocust_report::{CsvWriter, ReportSettings};

use crate::logging::STATS_LOGGER;

pub struct Reports {
    /// Width of the name column, from the terminal size as Locust does.
    width: usize,
    csv: Option<Mutex<CsvWriter>>,
    settings: ReportSettings,
    /// The report's "Script:" and the classes of its final ratio.
    locustfile: String,
    user_classes: Vec<UserClassInfo>,
}

/// Columns of the terminal on stderr, if it is one.
fn terminal_columns() -> Option<usize> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let mut size = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize struct we pass.
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col as usize)
}

fn print_lines(lines: &[String]) {
    for line in lines {
        log::info!(target: STATS_LOGGER, "{line}");
    }
}

impl Reports {
    pub fn new(
        options: &Options,
        settings: ReportSettings,
        locustfile: String,
        user_classes: Vec<UserClassInfo>,
    ) -> Result<Self, String> {
        let csv = match &options.csv {
            Some(prefix) => Some(Mutex::new(
                CsvWriter::create(
                    prefix,
                    options.csv_full_history,
                    settings.percentiles.clone(),
                )
                .map_err(|e| format!("Could not write CSV files with prefix {prefix}: {e}"))?,
            )),
            None => None,
        };
        Ok(Self {
            width: settings
                .name_width
                .unwrap_or_else(|| console::stats_name_width(terminal_columns())),
            csv,
            settings,
            locustfile,
            user_classes,
        })
    }

    /// The intervals and columns the run's reports follow.
    pub fn settings(&self) -> &ReportSettings {
        &self.settings
    }

    /// The table printed every 2 s while running (current rates).
    pub fn print_current_stats(&self, env: &Environment) {
        let lines = env
            .stats
            .with_request_stats(|rs| console::periodic_stats(rs, self.width));
        print_lines(&lines);
    }

    /// The once-a-second CSV update (no-op without `--csv`).
    pub fn write_csv(&self, env: &Environment, user_count: usize) {
        if let Some(csv) = &self.csv {
            let mut csv = csv.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = csv.write_stats(&env.stats, user_count as u64) {
                log::error!("Could not write CSV files: {e}");
            }
        }
    }

    /// At shutdown: `--json`, `--json-file`, the final tables, the last CSV
    /// write and `--html`.
    pub fn write_final(&self, options: &Options, runner: &dyn Runner) {
        let env = runner.environment();
        let user_count = runner.user_count();
        if options.json {
            let entries = env
                .stats
                .with_request_stats_mut(|rs| rs.serialize_stats_and_reset(env.stats.now()));
            print!("{}", rocust_report::json::stats_json(&entries));
        }
        if let Some(name) = &options.json_file {
            let entries = env.stats.with_request_stats(|rs| rs.serialize_stats());
            if let Err(e) = rocust_report::json::write_json_file(name, &entries) {
                log::error!("Could not write {name}.json: {e}");
            }
        } else {
            let lines = env.stats.with_request_stats(|rs| {
                console::final_summary(rs, self.width, &self.settings.percentiles)
            });
            print_lines(&lines);
        }
        if let Some(csv) = &self.csv {
            let mut csv = csv.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = csv.write_final_stats(&env.stats, user_count as u64) {
                log::error!("Could not write CSV files: {e}");
            }
        }
        if let Some(template) = &options.html {
            self.write_html(options, runner, template);
        }
    }

    /// `--html FILE`: `{u}`, `{r}`, `{t}` substituted, its directory made.
    fn write_html(&self, options: &Options, runner: &dyn Runner, template: &str) {
        let name = rocust_report::html_file_name(
            template,
            options.users,
            options.spawn_rate,
            options.run_time,
        );
        let run = rocust_report::RunDescription {
            locustfile: &self.locustfile,
            host: runner.environment().host(),
            profile: options.profile.clone(),
            user_classes: &self.user_classes,
        };
        let html = rocust_report::run_report(runner, &run, rocust_report::Theme::Light, false);
        let path = std::path::Path::new(&name);
        log::debug!("Writing html report to file: {name}");
        let written = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => std::fs::create_dir_all(dir),
            None => Ok(()),
        }
        .and_then(|()| std::fs::write(path, html));
        if let Err(e) = written {
            log::error!("Could not write the HTML report {name}: {e}");
        }
    }
}
