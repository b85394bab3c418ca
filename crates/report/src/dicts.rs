//! Locust's `to_dict` forms of the stats, with Python's int/float types:
//! the web UI's `/stats/requests` and the data the HTML report carries for
//! tools that read Locust's reports.

use rocust_core::stats::{HistoryRow, Number, RequestStats, StatsEntry, StatsError};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

/// A Python int or float, as JSON.
pub fn number(n: Number) -> Value {
    match n {
        Number::Int(i) => json!(i),
        Number::Float(f) => json!(f),
    }
}

/// Locust's `proper_round(x)` (half up, to a whole number, kept a float).
fn proper_round(x: f64) -> f64 {
    rocust_core::stats::pyfmt::proper_round(x, 0)
}

/// A Python int or float, serialized as itself.
struct Num(Number);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Number::Int(i) => s.serialize_i64(i),
            Number::Float(f) => s.serialize_f64(f),
        }
    }
}

/// The percentile columns of [`EntryDict`]: each percentile with its key
/// (`response_time_percentile_0.95`), made once per answer.
pub struct PercentileColumns(Vec<(f64, String)>);

impl PercentileColumns {
    pub fn new(percentiles: &[f64]) -> Self {
        Self(
            percentiles
                .iter()
                .map(|&p| (p, format!("response_time_percentile_{}", percentile_key(p))))
                .collect(),
        )
    }
}

/// Locust's `StatsEntry.to_dict()`, serialized straight from the entry (a
/// thousand entries a second must cost little): the percentile columns are
/// `PERCENTILES_TO_STATISTICS`.
pub struct EntryDict<'a> {
    pub stats: &'a RequestStats,
    pub entry: &'a StatsEntry,
    pub columns: &'a PercentileColumns,
}

impl Serialize for EntryDict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.entry;
        let window = self.stats.rate_window();
        // Python's current_rps is the int 0 until the first request, then a float.
        let rate = |x: f64| match window.last_request_timestamp {
            None => Num(Number::Int(0)),
            Some(_) => Num(Number::Float(x)),
        };
        let mut m = s.serialize_map(Some(15 + self.columns.0.len()))?;
        m.serialize_entry("method", &e.method)?;
        m.serialize_entry("name", &e.name)?;
        m.serialize_entry("num_requests", &e.num_requests)?;
        m.serialize_entry("num_failures", &e.num_failures)?;
        let min = match e.min_response_time {
            None => Num(Number::Int(0)),
            Some(min) => Num(Number::Float(proper_round(min.as_f64()))),
        };
        m.serialize_entry("min_response_time", &min)?;
        m.serialize_entry(
            "max_response_time",
            &proper_round(e.max_response_time.as_f64()),
        )?;
        m.serialize_entry("current_rps", &rate(e.current_rps(window)))?;
        m.serialize_entry(
            "current_fail_per_sec",
            &rate(e.current_fail_per_sec(window)),
        )?;
        m.serialize_entry("avg_response_time", &e.avg_response_time())?;
        m.serialize_entry("median_response_time", &Num(e.median_response_time()))?;
        m.serialize_entry("total_rps", &e.total_rps(window))?;
        m.serialize_entry("total_fail_per_sec", &e.total_fail_per_sec(window))?;
        for (p, key) in &self.columns.0 {
            m.serialize_entry(key, &e.get_response_time_percentile(*p))?;
        }
        m.serialize_entry("avg_content_length", &Num(e.avg_content_length()))?;
        m.end()
    }
}

/// [`EntryDict`] as a JSON value (for the report's data, not per second).
pub fn entry_dict(rs: &RequestStats, e: &StatsEntry, percentiles: &[f64]) -> Value {
    let columns = PercentileColumns::new(percentiles);
    serde_json::to_value(EntryDict {
        stats: rs,
        entry: e,
        columns: &columns,
    })
    .unwrap_or(Value::Null)
}

/// Locust's `StatsError.to_dict()`, serialized straight from the error.
pub struct ErrorDict<'a>(pub &'a StatsError);

impl Serialize for ErrorDict<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(Some(6))?;
        m.serialize_entry("method", &e.method)?;
        m.serialize_entry("name", &e.name)?;
        m.serialize_entry("error", &StatsError::parse_error(&e.error))?;
        m.serialize_entry("occurrences", &e.occurrences)?;
        m.serialize_entry("first_seen", &e.first_seen)?;
        m.serialize_entry("last_seen", &e.last_seen)?;
        m.end()
    }
}

/// A percentile as Python prints the float: `0.5`, `0.95`, `1.0`.
pub fn percentile_key(p: f64) -> String {
    rocust_core::stats::pyfmt::python_float_repr(p)
}

/// A history row as Locust's `update_stats_history` stores it.
pub fn history_row_json(row: &HistoryRow) -> Value {
    let t = row.time_str();
    json!({
        "current_rps": [t, number(row.current_rps)],
        "current_fail_per_sec": [t, number(row.current_fail_per_sec)],
        "response_time_percentile_0.5": [t, row.response_time_percentile_0_5],
        "response_time_percentile_0.95": [t, row.response_time_percentile_0_95],
        "total_avg_response_time": [t, row.total_avg_response_time],
        "user_count": [t, row.user_count],
        "time": t,
    })
}

/// Locust's `StatsError.to_dict()` (the error text cleaned as its tables show it).
pub fn error_dict(e: &StatsError) -> Value {
    serde_json::to_value(ErrorDict(e)).unwrap_or(Value::Null)
}
