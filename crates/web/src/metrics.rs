//! `GET /metrics`: the run in Prometheus' text format, so no separate
//! exporter is needed (Locust users run one that polls `/stats/requests`).
//!
//! Response times are a summary per entry: whole-run percentiles as
//! quantiles, with the sum and count of timed requests.

use std::fmt::Write;

use rocust_core::runner::RunnerState;
use rocust_core::stats::{RequestStats, StatsEntry};

/// The content type Prometheus expects for the text format.
pub(crate) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

const QUANTILES: [f64; 6] = [0.5, 0.75, 0.9, 0.95, 0.99, 1.0];

const STATES: [RunnerState; 6] = [
    RunnerState::Ready,
    RunnerState::Spawning,
    RunnerState::Running,
    RunnerState::Cleanup,
    RunnerState::Stopping,
    RunnerState::Stopped,
];

/// A label value with `\`, `"` and line feeds escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(e: &StatsEntry) -> String {
    format!(
        "method=\"{}\",name=\"{}\"",
        label(&e.method),
        label(&e.name)
    )
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

pub(crate) struct RunView {
    pub state: RunnerState,
    pub user_count: usize,
    pub worker_count: usize,
}

pub(crate) fn render(rs: &RequestStats, run: &RunView) -> String {
    let mut out = String::new();
    let entries: Vec<&StatsEntry> = rs.entries().chain(std::iter::once(&rs.total)).collect();
    let window = rs.rate_window();

    family(&mut out, "locust_users", "gauge", "Users running.");
    let _ = writeln!(out, "locust_users {}", run.user_count);
    family(
        &mut out,
        "locust_workers",
        "gauge",
        "Workers connected (0 when not distributed).",
    );
    let _ = writeln!(out, "locust_workers {}", run.worker_count);
    family(
        &mut out,
        "locust_state",
        "gauge",
        "1 for the runner's current state.",
    );
    for state in STATES {
        let _ = writeln!(
            out,
            "locust_state{{state=\"{}\"}} {}",
            state.as_str(),
            u8::from(state == run.state)
        );
    }
    family(
        &mut out,
        "locust_fail_ratio",
        "gauge",
        "Failed requests / requests.",
    );
    let _ = writeln!(out, "locust_fail_ratio {}", rs.total.fail_ratio());

    family(
        &mut out,
        "locust_requests_total",
        "counter",
        "Requests, per name and method (Aggregated: all).",
    );
    for e in &entries {
        let _ = writeln!(
            out,
            "locust_requests_total{{{}}} {}",
            labels(e),
            e.num_requests
        );
    }
    family(
        &mut out,
        "locust_failures_total",
        "counter",
        "Failed requests, per name and method.",
    );
    for e in &entries {
        let _ = writeln!(
            out,
            "locust_failures_total{{{}}} {}",
            labels(e),
            e.num_failures
        );
    }
    family(
        &mut out,
        "locust_current_rps",
        "gauge",
        "Requests per second over the last 10 s.",
    );
    for e in &entries {
        let _ = writeln!(
            out,
            "locust_current_rps{{{}}} {}",
            labels(e),
            e.current_rps(window)
        );
    }
    family(
        &mut out,
        "locust_current_fail_per_sec",
        "gauge",
        "Failures per second over the last 10 s.",
    );
    for e in &entries {
        let _ = writeln!(
            out,
            "locust_current_fail_per_sec{{{}}} {}",
            labels(e),
            e.current_fail_per_sec(window)
        );
    }
    family(
        &mut out,
        "locust_response_time_milliseconds",
        "summary",
        "Response times since the test started, in ms.",
    );
    for e in &entries {
        let l = labels(e);
        for q in QUANTILES {
            let _ = writeln!(
                out,
                "locust_response_time_milliseconds{{{l},quantile=\"{q}\"}} {}",
                e.get_response_time_percentile(q)
            );
        }
        let _ = writeln!(
            out,
            "locust_response_time_milliseconds_sum{{{l}}} {}",
            e.total_response_time.as_f64()
        );
        let _ = writeln!(
            out,
            "locust_response_time_milliseconds_count{{{l}}} {}",
            e.num_timed_requests().max(0)
        );
    }
    family(
        &mut out,
        "locust_responses_total",
        "counter",
        "Responses per HTTP status code (0: no response).",
    );
    for e in &entries {
        for (code, n) in &e.status_codes {
            let _ = writeln!(
                out,
                "locust_responses_total{{{},status_code=\"{code}\"}} {n}",
                labels(e)
            );
        }
    }
    family(
        &mut out,
        "locust_errors_total",
        "counter",
        "Occurrences of each failure.",
    );
    for error in rs.errors() {
        let d = error.serialize();
        let _ = writeln!(
            out,
            "locust_errors_total{{method=\"{}\",name=\"{}\",error=\"{}\"}} {}",
            label(&d.method),
            label(&d.name),
            label(&d.error),
            d.occurrences
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format_with_escaped_labels() {
        let mut rs = RequestStats::new(1000.0, true);
        rs.log_request("GET", "/a\"b", Some(12.0), 3, 1000.5);
        rs.log_error("GET", "/a\"b", "bad\nline", 1000.5);
        let text = render(
            &rs,
            &RunView {
                state: RunnerState::Running,
                user_count: 4,
                worker_count: 0,
            },
        );
        assert!(text.contains("locust_users 4\n"));
        assert!(text.contains("locust_state{state=\"running\"} 1\n"));
        assert!(text.contains("locust_state{state=\"ready\"} 0\n"));
        assert!(text.contains("locust_requests_total{method=\"GET\",name=\"/a\\\"b\"} 1\n"));
        assert!(text.contains("locust_requests_total{method=\"\",name=\"Aggregated\"} 1\n"));
        assert!(text.contains("locust_response_time_milliseconds{method=\"GET\",name=\"/a\\\"b\",quantile=\"0.5\"} 12\n"));
        assert!(text.contains("error=\"bad\\nline\"} 1\n"));
        // Every sample line is `name{labels} value` or `name value`.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}
