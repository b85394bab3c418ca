//! `GET /stats/requests`: Locust's keys, with Python's int/float types, so
//! the operators, autoscalers and exporters that poll it read the same values.

use rocust_core::stats::{RequestStats, StatsEntry, PERCENTILES_TO_CHART};
use rocust_report::dicts::{percentile_key, EntryDict, ErrorDict, PercentileColumns};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

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

/// The whole `/stats/requests` answer, as JSON text. Serialized straight
/// from the stats (no intermediate JSON values), so a thousand request names
/// cost a few milliseconds.
pub(crate) fn request_stats(
    rs: &RequestStats,
    now: f64,
    percentiles: &[f64],
    runner: &RunnerView<'_>,
) -> Vec<u8> {
    let columns = PercentileColumns::new(percentiles);
    let report = Report {
        rs,
        now,
        columns: &columns,
        runner,
    };
    // Serializing plain data into memory cannot fail.
    serde_json::to_vec(&report).unwrap_or_default()
}

struct Report<'a> {
    rs: &'a RequestStats,
    now: f64,
    columns: &'a PercentileColumns,
    runner: &'a RunnerView<'a>,
}

/// Rows serialized as a JSON array, one after another.
struct Rows<I>(std::cell::Cell<Option<I>>);

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Rows<I> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(rows) => s.collect_seq(rows),
            None => s.collect_seq(std::iter::empty::<T>()),
        }
    }
}

fn rows<I: Iterator<Item = T>, T: Serialize>(rows: I) -> Rows<I> {
    Rows(std::cell::Cell::new(Some(rows)))
}

/// Key-value pairs serialized as a JSON object.
struct Pairs<'a, K, V>(&'a [(K, V)]);

impl<K: Serialize, V: Serialize> Serialize for Pairs<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// rocust's own key: responses per HTTP status code of one entry.
struct StatusCodes<'a>(&'a StatsEntry);

impl Serialize for StatusCodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("name", &e.name)?;
        m.serialize_entry("method", &e.method)?;
        let codes: Vec<(String, u64)> = e
            .status_codes
            .iter()
            .map(|(c, n)| (c.to_string(), *n))
            .collect();
        m.serialize_entry("codes", &Pairs(&codes))?;
        m.end()
    }
}

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rs = self.rs;
        let total = &rs.total;
        let entry = |e| EntryDict {
            stats: rs,
            entry: e,
            columns: self.columns,
        };
        let mut m = s.serialize_map(None)?;
        // The total's rates, as in its row (Python's int 0 before the first request).
        let total_dict = serde_json::to_value(entry(total)).map_err(serde::ser::Error::custom)?;
        for key in [
            "current_rps",
            "current_fail_per_sec",
            "total_rps",
            "total_fail_per_sec",
        ] {
            m.serialize_entry(key, &total_dict[key])?;
        }
        let stats = rs.entries().take(MAX_ROWS).chain(std::iter::once(total));
        m.serialize_entry("stats", &rows(stats.map(entry)))?;
        m.serialize_entry(
            "errors",
            &rows(rs.errors().iter().take(MAX_ROWS).map(ErrorDict)),
        )?;
        let with_codes = rs
            .entries()
            .take(MAX_ROWS)
            .chain(std::iter::once(total))
            .filter(|e| !e.status_codes.is_empty());
        m.serialize_entry("status_codes", &rows(with_codes.map(StatusCodes)))?;
        m.serialize_entry("fail_ratio", &total.fail_ratio())?;
        let current: Vec<(String, Option<i64>)> = PERCENTILES_TO_CHART
            .iter()
            .map(|&p| {
                (
                    format!("response_time_percentile_{}", percentile_key(p)),
                    total.get_current_response_time_percentile(p, self.now),
                )
            })
            .collect();
        m.serialize_entry("current_response_time_percentiles", &Pairs(&current))?;
        if let Some((workers, count)) = &self.runner.workers {
            m.serialize_entry("workers", workers)?;
            m.serialize_entry("worker_count", count)?;
        }
        m.serialize_entry("state", self.runner.state)?;
        m.serialize_entry("user_count", &self.runner.user_count)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let report: Value =
            serde_json::from_slice(&request_stats(&rs, 1000.0, &[0.95, 0.99], &view())).unwrap();
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
        let report: Value =
            serde_json::from_slice(&request_stats(&rs, 1001.0, &[0.95, 0.99], &view())).unwrap();
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
