//! The console tables Locust prints (logger `locust.stats_logger`, plain
//! format): the periodic stats table, the final summary, the percentile table
//! and the error report. Each function returns the lines to print.

use rocust_core::stats::pyfmt::python_format_f;
use rocust_core::stats::{RequestStats, StatsEntry};

use crate::settings::Percentiles;

/// Width of the type column (Locust's `STATS_TYPE_WIDTH`).
const TYPE_WIDTH: usize = 8;

/// Locust's `STATS_NAME_WIDTH`: 80 when the output is not a terminal, else
/// `max(min(columns - 80, 80), 0)`.
pub fn stats_name_width(terminal_columns: Option<usize>) -> usize {
    match terminal_columns {
        Some(cols) => cols.saturating_sub(80).min(80),
        None => 80,
    }
}

/// Python's `"%7d" % x` for a float: truncates toward zero.
fn trunc(x: f64) -> i64 {
    x.trunc() as i64
}

/// Locust's `get_stats_summary`: header, separator, one row per entry sorted
/// by (name, method), separator, the Aggregated row. `current` picks the
/// windowed rates (periodic table) instead of whole-run rates (final summary).
pub fn stats_summary(rs: &RequestStats, current: bool, width: usize) -> Vec<String> {
    let name_width = (width + 4).saturating_sub(TYPE_WIDTH);
    let mut out = Vec::with_capacity(rs.num_entries() + 4);
    out.push(format!(
        "{:<tw$} {:<nw$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        "Type",
        "Name",
        "# reqs",
        "# fails",
        "Avg",
        "Min",
        "Max",
        "Med",
        "req/s",
        "failures/s",
        tw = TYPE_WIDTH,
        nw = name_width
    ));
    let separator = format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        "-".repeat(TYPE_WIDTH),
        "-".repeat(name_width),
        "-".repeat(7),
        "-".repeat(13),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(7),
        "-".repeat(8),
        "-".repeat(11)
    );
    out.push(separator.clone());
    for e in rs.entries() {
        out.push(entry_row(rs, e, current, name_width));
    }
    out.push(separator);
    out.push(entry_row(rs, &rs.total, current, name_width));
    out
}

/// Locust's `StatsEntry.to_string`.
fn entry_row(rs: &RequestStats, e: &StatsEntry, current: bool, name_width: usize) -> String {
    let (rps, fail_per_sec) = if current {
        (rs.current_rps(e), rs.current_fail_per_sec(e))
    } else {
        (rs.total_rps(e), rs.total_fail_per_sec(e))
    };
    let method = if e.method.is_empty() {
        String::new()
    } else {
        format!("{} ", e.method)
    };
    let fails = format!(
        "{}({}%)",
        e.num_failures,
        python_format_f(e.fail_ratio() * 100.0, 2)
    );
    format!(
        "{:<tw$} {:<nw$} {:>7} {:>12} |{:>7} {:>7} {:>7}{:>7} | {:>7} {:>11}",
        method,
        e.name,
        e.num_requests,
        fails,
        trunc(e.avg_response_time()),
        e.min_response_time.map_or(0, |m| m.trunc()),
        e.max_response_time.trunc(),
        e.median_response_time().trunc(),
        python_format_f(rps, 2),
        python_format_f(fail_per_sec, 2),
        tw = TYPE_WIDTH,
        nw = name_width
    )
}

/// What Locust logs every 2 s while a headless test runs: the table with
/// current rates, then an empty line.
pub fn periodic_stats(rs: &RequestStats, width: usize) -> Vec<String> {
    let mut out = stats_summary(rs, true, width);
    out.push(String::new());
    out
}

/// Locust's `get_percentile_stats_summary` for the `percentiles` columns:
/// entries without response times (and an empty total) have no row.
pub fn percentile_stats_summary(
    rs: &RequestStats,
    width: usize,
    percentiles: &Percentiles,
) -> Vec<String> {
    let mut out = vec!["Response time percentiles (approximated)".to_owned()];
    let mut titles: Vec<&str> = percentiles.iter().map(|(_, label)| label).collect();
    titles.push("# reqs");
    out.push(format!(
        "{:<tw$} {:<width$} {}",
        "Type",
        "Name",
        columns(&titles),
        tw = TYPE_WIDTH
    ));
    let mut separator = format!(
        "{}|{}|{}|",
        "-".repeat(TYPE_WIDTH),
        "-".repeat(width),
        "-".repeat(8)
    );
    for _ in 0..percentiles.len() {
        separator.push_str("------|");
    }
    separator.pop();
    out.push(separator.clone());
    for e in rs.entries().filter(|e| !e.response_times.is_empty()) {
        out.push(percentile_row(e, width, percentiles));
    }
    out.push(separator);
    if !rs.total.response_times.is_empty() {
        out.push(percentile_row(&rs.total, width, percentiles));
    }
    out
}

/// Locust's percentile columns: the first 8 wide, the others 6 wide, one space
/// apart (and a space after the first even when no other follows).
fn columns<T: std::fmt::Display>(values: &[T]) -> String {
    let mut out = format!("{:>8} ", values[0]);
    let rest: Vec<String> = values[1..].iter().map(|v| format!("{v:>6}")).collect();
    out.push_str(&rest.join(" "));
    out
}

/// Locust's `StatsEntry.percentile`.
fn percentile_row(e: &StatsEntry, width: usize, percentiles: &Percentiles) -> String {
    let mut values: Vec<i64> = percentiles
        .iter()
        .map(|(p, _)| e.get_response_time_percentile(p))
        .collect();
    values.push(e.num_requests as i64);
    format!(
        "{:<tw$} {:<width$} {}",
        e.method,
        e.name,
        columns(&values),
        tw = TYPE_WIDTH
    )
}

/// Locust's `get_error_report_summary` (it ends with an empty line). Locust
/// prints it only when there are errors: see [`final_summary`].
pub fn error_report_summary(rs: &RequestStats, width: usize) -> Vec<String> {
    let mut out = vec![
        "Error report".to_owned(),
        format!("{:<18} {:<100}", "# occurrences", "Error"),
    ];
    let separator = format!("{}|{}", "-".repeat(18), "-".repeat((80 + width) - 19));
    out.push(separator.clone());
    for e in rs.errors() {
        out.push(format!("{:<18} {:<100}", e.occurrences, e.to_name()));
    }
    out.push(separator);
    out.push(String::new());
    out
}

/// What Locust prints at shutdown (not on workers, and not when `--json-file`
/// is given): the stats table with whole-run rates, the percentile table and,
/// when there are errors, the error report, each followed by an empty line.
/// Exceptions are not printed at shutdown (they were logged when raised).
pub fn final_summary(rs: &RequestStats, width: usize, percentiles: &Percentiles) -> Vec<String> {
    let mut out = stats_summary(rs, false, width);
    out.push(String::new());
    out.extend(percentile_stats_summary(rs, width, percentiles));
    out.push(String::new());
    if !rs.errors().is_empty() {
        out.extend(error_report_summary(rs, width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_width_follows_the_terminal() {
        assert_eq!(stats_name_width(None), 80);
        assert_eq!(stats_name_width(Some(120)), 40);
        assert_eq!(stats_name_width(Some(300)), 80);
        assert_eq!(stats_name_width(Some(60)), 0);
    }

    #[test]
    fn final_summary_is_the_three_tables() {
        let mut rs = RequestStats::new(100.0, true);
        rs.log_request("GET", "/", Some(12.0), 5, 101.0);
        let out = final_summary(&rs, 80, &Percentiles::default());
        assert_eq!(out.len(), 5 + 1 + 6 + 1);
        assert_eq!(out[6], "Response time percentiles (approximated)");
        assert_eq!(out.last().map(String::as_str), Some(""));
        assert!(!out.iter().any(|l| l == "Error report"));
        rs.log_error("GET", "/", "CatchResponseError('nope')", 101.0);
        let out = final_summary(&rs, 80, &Percentiles::default());
        let i = out.iter().position(|l| l == "Error report").unwrap();
        assert_eq!(out[i + 3].trim_end(), "1                  GET /: nope");
        assert_eq!(out.last().map(String::as_str), Some(""));
        assert_eq!(periodic_stats(&rs, 80).last().map(String::as_str), Some(""));
    }
}
