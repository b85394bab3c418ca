//! `GET /stats/requests`: Locust's keys, with Python's int/float types, so
//! the operators, autoscalers and exporters that poll it read the same values.

use rocust_core::stats::{RequestStats, PERCENTILES_TO_CHART};
use rocust_report::dicts::{entry_dict, error_dict, percentile_key};
use serde_json::{json, Map, Value};

/// Locust shows at most 500 entries and 500 errors, because its page
/// slowed down beyond that; rocust's page stays usable with thousands.
pub(crate) const MAX_ROWS: usize = 10_000;

/// What the runner says besides the stats.
pub(crate) struct RunnerView<'a> {
    pub state: &'a str,
    pub user_count: usize,
    /// `Some` on a master: the workers' rows and count.
    pub workers: Option<(Vec<Value>, usize)>,
}

/// The whole `/stats/requests` answer.
pub(crate) fn request_stats(
    rs: &RequestStats,
    now: f64,
    percentiles: &[f64],
    runner: &RunnerView<'_>,
) -> Map<String, Value> {
    let mut stats: Vec<Value> = rs
        .entries()
        .take(MAX_ROWS)
        .map(|e| entry_dict(rs, e, percentiles))
        .collect();
    let total = entry_dict(rs, &rs.total, percentiles);
    let mut report = Map::new();
    for key in [
        "current_rps",
        "current_fail_per_sec",
        "total_rps",
        "total_fail_per_sec",
    ] {
        report.insert(key.into(), total[key].clone());
    }
    stats.push(total);
    report.insert("stats".into(), Value::Array(stats));
    let errors: Vec<Value> = rs.errors().iter().take(MAX_ROWS).map(error_dict).collect();
    report.insert("errors".into(), Value::Array(errors));
    // rocust's own key: responses per HTTP status code, per entry and in total.
    let status_codes: Vec<Value> = rs
        .entries()
        .take(MAX_ROWS)
        .chain(std::iter::once(&rs.total))
        .filter(|e| !e.status_codes.is_empty())
        .map(|e| {
            let codes: Map<String, Value> = e
                .status_codes
                .iter()
                .map(|(code, n)| (code.to_string(), json!(n)))
                .collect();
            json!({"name": e.name, "method": e.method, "codes": codes})
        })
        .collect();
    report.insert("status_codes".into(), Value::Array(status_codes));
    report.insert("fail_ratio".into(), json!(rs.total.fail_ratio()));
    let current: Map<String, Value> = PERCENTILES_TO_CHART
        .iter()
        .map(|&p| {
            (
                format!("response_time_percentile_{}", percentile_key(p)),
                json!(rs.total.get_current_response_time_percentile(p, now)),
            )
        })
        .collect();
    report.insert(
        "current_response_time_percentiles".into(),
        Value::Object(current),
    );
    if let Some((workers, count)) = &runner.workers {
        report.insert("workers".into(), Value::Array(workers.clone()));
        report.insert("worker_count".into(), json!(count));
    }
    report.insert("state".into(), json!(runner.state));
    report.insert("user_count".into(), json!(runner.user_count));
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> RunnerView<'static> {
        RunnerView {
            state: "running",
            user_count: 3,
            workers: None,
        }
    }

    #[test]
    fn ready_state_has_only_the_aggregated_row_with_python_types() {
        let rs = RequestStats::new(1000.0, true);
        let report = request_stats(&rs, 1000.0, &[0.95, 0.99], &view());
        let stats = report["stats"].as_array().unwrap();
        assert_eq!(stats.len(), 1);
        let total = &stats[0];
        assert_eq!(total["name"], "Aggregated");
        assert_eq!(total["method"], "");
        assert_eq!(total["min_response_time"], json!(0));
        assert_eq!(total["max_response_time"], json!(0.0));
        assert_eq!(total["avg_response_time"], json!(0.0));
        assert_eq!(total["median_response_time"], json!(0));
        assert_eq!(total["current_rps"], json!(0));
        assert_eq!(total["total_rps"], json!(0.0));
        assert_eq!(total["avg_content_length"], json!(0));
        assert_eq!(total["response_time_percentile_0.95"], json!(0));
        assert_eq!(report["current_rps"], json!(0));
        assert_eq!(report["fail_ratio"], json!(0.0));
        assert_eq!(report["state"], "running");
        assert_eq!(report["user_count"], 3);
        assert!(report.get("workers").is_none());
    }

    #[test]
    fn entries_sorted_by_name_then_method_with_aggregated_last() {
        let mut rs = RequestStats::new(1000.0, true);
        rs.log_request("GET", "/b", Some(10.0), 5, 1000.5);
        rs.log_request("POST", "/a", Some(20.0), 5, 1000.6);
        rs.log_request("GET", "/a", Some(30.0), 5, 1000.7);
        rs.log_error("GET", "/b", "boom", 1000.7);
        let report = request_stats(&rs, 1001.0, &[0.95, 0.99], &view());
        let names: Vec<(String, String)> = report["stats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_owned(),
                    e["method"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("/a".into(), "GET".into()),
                ("/a".into(), "POST".into()),
                ("/b".into(), "GET".into()),
                ("Aggregated".into(), "".into())
            ]
        );
        let a = &report["stats"][0];
        assert_eq!(a["min_response_time"], json!(30.0));
        assert_eq!(a["response_time_percentile_0.99"], json!(30));
        assert_eq!(report["errors"][0]["error"], "boom");
        assert_eq!(report["errors"][0]["occurrences"], 1);
    }
}
