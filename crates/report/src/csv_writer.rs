//! `--csv PREFIX`: the four CSV files, rewritten (and the history appended)
//! every second by the runner, and once more at shutdown.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rocust_core::stats::{ExceptionEntry, RequestStats, Stats};

use crate::csv::{
    exceptions_csv, failures_csv, requests_csv, stats_history_csv_header, stats_history_rows,
};
use crate::settings::Percentiles;

pub struct CsvWriter {
    prefix: String,
    full_history: bool,
    percentiles: Percentiles,
    history: File,
    last_history_second: Option<i64>,
}

impl CsvWriter {
    /// Creates `PREFIX_stats.csv`, `PREFIX_stats_history.csv`,
    /// `PREFIX_failures.csv` and `PREFIX_exceptions.csv` with their headers
    /// (and PREFIX's directory if missing). `full_history` is `--csv-full-history`;
    /// `percentiles` are the percentile columns.
    pub fn create(prefix: &str, full_history: bool, percentiles: Percentiles) -> io::Result<Self> {
        if let Some(dir) = Path::new(prefix).parent() {
            if !dir.as_os_str().is_empty() {
                fs::create_dir_all(dir)?;
            }
        }
        let empty = RequestStats::new(0.0, false);
        fs::write(
            format!("{prefix}_stats.csv"),
            crate::csv::requests_csv_header(&percentiles),
        )?;
        fs::write(format!("{prefix}_failures.csv"), failures_csv(&empty))?;
        fs::write(format!("{prefix}_exceptions.csv"), exceptions_csv(&[]))?;
        let mut history = File::create(format!("{prefix}_stats_history.csv"))?;
        history.write_all(stats_history_csv_header(&percentiles).as_bytes())?;
        let history = OpenOptions::new()
            .append(true)
            .open(format!("{prefix}_stats_history.csv"))?;
        Ok(Self {
            prefix: prefix.to_owned(),
            full_history,
            percentiles,
            history,
            last_history_second: None,
        })
    }

    pub fn stats_path(&self) -> PathBuf {
        PathBuf::from(format!("{}_stats.csv", self.prefix))
    }

    /// The file the web UI serves as `/stats/requests_full_history/csv`.
    pub fn stats_history_path(&self) -> PathBuf {
        PathBuf::from(format!("{}_stats_history.csv", self.prefix))
    }

    pub fn failures_path(&self) -> PathBuf {
        PathBuf::from(format!("{}_failures.csv", self.prefix))
    }

    pub fn exceptions_path(&self) -> PathBuf {
        PathBuf::from(format!("{}_exceptions.csv", self.prefix))
    }

    /// The once-a-second write: rewrites the stats, failures and exceptions
    /// files and appends history rows stamped `int(now)`.
    pub fn write(
        &mut self,
        rs: &RequestStats,
        exceptions: &[ExceptionEntry],
        user_count: u64,
        now: f64,
    ) -> io::Result<()> {
        self.rewrite(rs, exceptions)?;
        self.append_history(rs, user_count, now)
    }

    /// The write at shutdown: like [`CsvWriter::write`], but the history only
    /// gets rows if this second has none yet.
    pub fn write_final(
        &mut self,
        rs: &RequestStats,
        exceptions: &[ExceptionEntry],
        user_count: u64,
        now: f64,
    ) -> io::Result<()> {
        self.rewrite(rs, exceptions)?;
        if self.last_history_second != Some(now.trunc() as i64) {
            self.append_history(rs, user_count, now)?;
        }
        Ok(())
    }

    /// [`CsvWriter::write`] from a live [`Stats`] at its clock's time.
    pub fn write_stats(&mut self, stats: &Stats, user_count: u64) -> io::Result<()> {
        let now = stats.now();
        stats.with_stats_and_exceptions(|rs, ex| self.write(rs, ex.rows(), user_count, now))
    }

    /// [`CsvWriter::write_final`] from a live [`Stats`].
    pub fn write_final_stats(&mut self, stats: &Stats, user_count: u64) -> io::Result<()> {
        let now = stats.now();
        stats.with_stats_and_exceptions(|rs, ex| self.write_final(rs, ex.rows(), user_count, now))
    }

    fn rewrite(&self, rs: &RequestStats, exceptions: &[ExceptionEntry]) -> io::Result<()> {
        fs::write(self.stats_path(), requests_csv(rs, &self.percentiles))?;
        fs::write(self.failures_path(), failures_csv(rs))?;
        fs::write(self.exceptions_path(), exceptions_csv(exceptions))
    }

    fn append_history(&mut self, rs: &RequestStats, user_count: u64, now: f64) -> io::Result<()> {
        let rows = stats_history_rows(rs, user_count, now, self.full_history, &self.percentiles);
        self.history.write_all(rows.as_bytes())?;
        self.last_history_second = Some(now.trunc() as i64);
        Ok(())
    }
}
