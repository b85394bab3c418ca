//! Locust's `to_dict` forms of the stats, with Python's int/float types:
//! the web UI's `/stats/requests` and the data the HTML report carries for
//! tools that read Locust's reports.

use rocust_core::stats::{HistoryRow, Number, RequestStats, StatsEntry};
use serde_json::{json, Map, Value};

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

/// Locust's `StatsEntry.to_dict()`: `percentiles` are the table's columns
/// (`PERCENTILES_TO_STATISTICS`).
pub fn entry_dict(rs: &RequestStats, e: &StatsEntry, percentiles: &[f64]) -> Value {
    let window = rs.rate_window();
    // Python's current_rps is the int 0 until the first request, then a float.
    let rate = |x: f64| match window.last_request_timestamp {
        None => json!(0),
        Some(_) => json!(x),
    };
    let mut d = Map::new();
    d.insert("method".into(), json!(e.method));
    d.insert("name".into(), json!(e.name));
    d.insert("num_requests".into(), json!(e.num_requests));
    d.insert("num_failures".into(), json!(e.num_failures));
    d.insert(
        "min_response_time".into(),
        match e.min_response_time {
            None => json!(0),
            Some(min) => json!(proper_round(min.as_f64())),
        },
    );
    d.insert(
        "max_response_time".into(),
        json!(proper_round(e.max_response_time.as_f64())),
    );
    d.insert("current_rps".into(), rate(e.current_rps(window)));
    d.insert(
        "current_fail_per_sec".into(),
        rate(e.current_fail_per_sec(window)),
    );
    d.insert("avg_response_time".into(), json!(e.avg_response_time()));
    d.insert(
        "median_response_time".into(),
        number(e.median_response_time()),
    );
    d.insert("total_rps".into(), json!(e.total_rps(window)));
    d.insert(
        "total_fail_per_sec".into(),
        json!(e.total_fail_per_sec(window)),
    );
    for &p in percentiles {
        d.insert(
            format!("response_time_percentile_{}", percentile_key(p)),
            json!(e.get_response_time_percentile(p)),
        );
    }
    d.insert("avg_content_length".into(), number(e.avg_content_length()));
    Value::Object(d)
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
pub fn error_dict(e: &rocust_core::stats::StatsError) -> Value {
    json!({
        "method": e.method,
        "name": e.name,
        "error": rocust_core::stats::StatsError::parse_error(&e.error),
        "occurrences": e.occurrences,
        "first_seen": e.first_seen,
        "last_seen": e.last_seen,
    })
}
