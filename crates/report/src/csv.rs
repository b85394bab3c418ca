//! Locust's CSV formats (`--csv`, and the web UI's downloads): Python's `csv`
//! module defaults (QUOTE_MINIMAL, `""` doubling, CRLF line ends) and Python's
//! `str()` of each value.

use rocust_core::stats::pyfmt::{format_utc_timestamp, python_float_repr, python_format_f};
use rocust_core::stats::{ExceptionEntry, Number, RequestStats, StatsEntry, StatsError};

use crate::settings::Percentiles;

/// One CSV field, written as Python's `str()` would write the value.
#[derive(Clone, Debug, PartialEq)]
pub enum CsvField {
    Str(String),
    Int(i64),
    Float(f64),
}

impl From<&str> for CsvField {
    fn from(s: &str) -> Self {
        CsvField::Str(s.to_owned())
    }
}

impl From<String> for CsvField {
    fn from(s: String) -> Self {
        CsvField::Str(s)
    }
}

impl From<u64> for CsvField {
    fn from(v: u64) -> Self {
        CsvField::Int(v as i64)
    }
}

impl From<i64> for CsvField {
    fn from(v: i64) -> Self {
        CsvField::Int(v)
    }
}

impl From<f64> for CsvField {
    fn from(v: f64) -> Self {
        CsvField::Float(v)
    }
}

impl From<Number> for CsvField {
    fn from(v: Number) -> Self {
        match v {
            Number::Int(i) => CsvField::Int(i),
            Number::Float(f) => CsvField::Float(f),
        }
    }
}

/// One row as Python's `csv.writer(f).writerow(fields)` writes it, with `\r\n`.
pub fn csv_row(fields: &[CsvField]) -> String {
    let mut out = String::new();
    if let [CsvField::Str(s)] = fields {
        if s.is_empty() {
            // A lone empty field is quoted so the row is not mistaken for an empty line.
            return "\"\"\r\n".to_owned();
        }
    }
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match f {
            CsvField::Str(s) => {
                if s.contains([',', '"', '\r', '\n']) {
                    out.push('"');
                    out.push_str(&s.replace('"', "\"\""));
                    out.push('"');
                } else {
                    out.push_str(s);
                }
            }
            CsvField::Int(v) => out.push_str(&v.to_string()),
            CsvField::Float(v) => out.push_str(&python_float_repr(*v)),
        }
    }
    out.push_str("\r\n");
    out
}

fn percentile_labels(percentiles: &Percentiles) -> impl Iterator<Item = CsvField> + '_ {
    percentiles.iter().map(|(_, l)| CsvField::from(l))
}

/// Header of `PREFIX_stats.csv` (and the web UI's requests CSV).
pub fn requests_csv_header(percentiles: &Percentiles) -> String {
    let mut h: Vec<CsvField> = [
        "Type",
        "Name",
        "Request Count",
        "Failure Count",
        "Median Response Time",
        "Average Response Time",
        "Min Response Time",
        "Max Response Time",
        "Average Content Size",
        "Requests/s",
        "Failures/s",
    ]
    .into_iter()
    .map(CsvField::from)
    .collect();
    h.extend(percentile_labels(percentiles));
    csv_row(&h)
}

pub fn failures_csv_header() -> String {
    csv_row(
        &[
            "Method",
            "Name",
            "Error",
            "Occurrences",
            "First Seen",
            "Last Seen",
        ]
        .map(CsvField::from),
    )
}

pub fn exceptions_csv_header() -> String {
    csv_row(&["Count", "Message", "Traceback", "Nodes"].map(CsvField::from))
}

pub fn stats_history_csv_header(percentiles: &Percentiles) -> String {
    let mut h: Vec<CsvField> = [
        "Timestamp",
        "User Count",
        "Type",
        "Name",
        "Requests/s",
        "Failures/s",
    ]
    .into_iter()
    .map(CsvField::from)
    .collect();
    h.extend(percentile_labels(percentiles));
    h.extend(
        [
            "Total Request Count",
            "Total Failure Count",
            "Total Median Response Time",
            "Total Average Response Time",
            "Total Min Response Time",
            "Total Max Response Time",
            "Total Average Content Size",
        ]
        .map(CsvField::from),
    );
    csv_row(&h)
}

/// Locust's `_percentile_fields`: "N/A" for an entry without requests; with
/// `current_at`, the windowed percentiles as of that time.
fn percentile_fields(
    e: &StatsEntry,
    current_at: Option<f64>,
    percentiles: &Percentiles,
) -> Vec<CsvField> {
    if e.num_requests == 0 {
        return percentiles.iter().map(|_| "N/A".into()).collect();
    }
    percentiles
        .iter()
        .map(|(p, _)| {
            let v = match current_at {
                Some(now) if e.uses_response_times_cache() => {
                    e.get_current_response_time_percentile(p, now).unwrap_or(0)
                }
                _ => e.get_response_time_percentile(p),
            };
            CsvField::Int(v)
        })
        .collect()
}

/// Data rows of `PREFIX_stats.csv`: sorted entries, then the Aggregated row.
pub fn requests_csv_rows(rs: &RequestStats, percentiles: &Percentiles) -> String {
    let mut out = String::new();
    for e in rs.entries().chain(std::iter::once(&rs.total)) {
        let mut row: Vec<CsvField> = vec![
            e.method.as_str().into(),
            e.name.as_str().into(),
            e.num_requests.into(),
            e.num_failures.into(),
            e.median_response_time().into(),
            e.avg_response_time().into(),
            e.min_response_time.unwrap_or_default().or_zero().into(),
            e.max_response_time.into(),
            e.avg_content_length().into(),
            rs.total_rps(e).into(),
            rs.total_fail_per_sec(e).into(),
        ];
        row.extend(percentile_fields(e, None, percentiles));
        out.push_str(&csv_row(&row));
    }
    out
}

/// The whole `PREFIX_stats.csv` (also the web UI's `/stats/requests/csv`).
pub fn requests_csv(rs: &RequestStats, percentiles: &Percentiles) -> String {
    requests_csv_header(percentiles) + &requests_csv_rows(rs, percentiles)
}

/// Data rows of `PREFIX_failures.csv`, sorted by error key like Locust.
pub fn failures_csv_rows(rs: &RequestStats) -> String {
    let seen = |t: Option<f64>| t.map(format_utc_timestamp).unwrap_or_default();
    rs.errors_sorted_by_key()
        .into_iter()
        .map(|(_, e)| {
            csv_row(&[
                e.method.as_str().into(),
                e.name.as_str().into(),
                StatsError::parse_error(&e.error).into(),
                e.occurrences.into(),
                seen(e.first_seen).into(),
                seen(e.last_seen).into(),
            ])
        })
        .collect()
}

/// The whole `PREFIX_failures.csv` (also `/stats/failures/csv`).
pub fn failures_csv(rs: &RequestStats) -> String {
    failures_csv_header() + &failures_csv_rows(rs)
}

pub fn exceptions_csv_rows(exceptions: &[ExceptionEntry]) -> String {
    exceptions
        .iter()
        .map(|x| {
            csv_row(&[
                x.count.into(),
                x.msg.as_str().into(),
                x.traceback.as_str().into(),
                x.nodes_joined().into(),
            ])
        })
        .collect()
}

/// The whole `PREFIX_exceptions.csv` (also `/exceptions/csv`).
pub fn exceptions_csv(exceptions: &[ExceptionEntry]) -> String {
    exceptions_csv_header() + &exceptions_csv_rows(exceptions)
}

/// The rows `PREFIX_stats_history.csv` gets each second at `now`: the
/// Aggregated row, preceded by every entry with `--csv-full-history` (which
/// also switches the percentiles to the windowed ones).
pub fn stats_history_rows(
    rs: &RequestStats,
    user_count: u64,
    now: f64,
    full_history: bool,
    percentiles: &Percentiles,
) -> String {
    let timestamp = now.trunc() as i64;
    let current_at = full_history.then_some(now);
    let mut out = String::new();
    let entries: Vec<&StatsEntry> = if full_history {
        rs.entries().collect()
    } else {
        Vec::new()
    };
    for e in entries.into_iter().chain(std::iter::once(&rs.total)) {
        let mut row: Vec<CsvField> = vec![
            timestamp.into(),
            user_count.into(),
            e.method.as_str().into(),
            e.name.as_str().into(),
            python_format_f(rs.current_rps(e), 6).into(),
            python_format_f(rs.current_fail_per_sec(e), 6).into(),
        ];
        row.extend(percentile_fields(e, current_at, percentiles));
        row.extend([
            e.num_requests.into(),
            e.num_failures.into(),
            e.median_response_time().into(),
            e.avg_response_time().into(),
            e.min_response_time.unwrap_or_default().or_zero().into(),
            e.max_response_time.into(),
            e.avg_content_length().into(),
        ]);
        out.push_str(&csv_row(&row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_quote_like_python_csv() {
        // Python 3.11: csv.writer(buf).writerow(row)
        assert_eq!(csv_row(&["".into()]), "\"\"\r\n");
        assert_eq!(csv_row(&["".into(), "".into()]), ",\r\n");
        let row: Vec<CsvField> = ["a b", " x", "y\tz", "q\"q", "c,d", "n\nl", "r\rr"]
            .map(CsvField::from)
            .to_vec();
        assert_eq!(
            csv_row(&row),
            "a b, x,y\tz,\"q\"\"q\",\"c,d\",\"n\nl\",\"r\rr\"\r\n"
        );
        assert_eq!(
            csv_row(&[
                CsvField::Float(1.0),
                CsvField::Float(1e-5),
                CsvField::Int(-3)
            ]),
            "1.0,1e-05,-3\r\n"
        );
    }
}
