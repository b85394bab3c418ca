//! The HTML report of a run, gathered as Locust's `get_html_report` does:
//! stats and exceptions as they are now, the end at the last request, one
//! more history sample at the end when the last one is older, and the task
//! ratio of the users running (or of the last spawn, once stopped). Used by
//! `--html` at shutdown and by the web UI's `/stats/report`.

use rocust_core::runner::Runner;
use rocust_core::stats::{ExceptionEntry, RequestStats};
use rocust_core::user::ratio::{ratio_json, task_ratio_of_spawned, RatioNode};
use rocust_core::user::UserClassInfo;
use serde_json::{json, Map, Value};

use crate::dicts::{entry_dict, error_dict, history_row_json, percentile_key};
use crate::html::format::{format_duration, iso_utc};
use crate::html::{HtmlReport, Theme, PERCENTILES_FOR_HTML_REPORT};

/// What the report says about the run besides the stats.
pub struct RunDescription<'a> {
    /// Locust's `environment.locustfile`.
    pub locustfile: &'a str,
    pub host: Option<String>,
    pub profile: Option<String>,
    pub user_classes: &'a [UserClassInfo],
}

/// The whole report page of `runner`'s run.
pub fn run_report(
    runner: &dyn Runner,
    run: &RunDescription<'_>,
    theme: Theme,
    show_download_link: bool,
) -> String {
    let env = runner.environment();
    let mut stats = env.stats.snapshot();
    let exceptions = env.stats.exceptions();
    let end_time = stats
        .last_request_timestamp()
        .filter(|t| *t != 0.0)
        .unwrap_or(stats.start_time());
    if stats
        .history
        .last()
        .is_some_and(|row| row.time.trunc() < end_time.trunc())
    {
        stats.update_history(runner.user_count() as u64, end_time);
    }
    let counts = runner.final_user_classes_count();
    let per_class = task_ratio_of_spawned(run.user_classes, &counts, false);
    let total = task_ratio_of_spawned(run.user_classes, &counts, true);
    let report = HtmlReport::new(run.locustfile, &stats);
    let data = Data {
        stats: &stats,
        exceptions: &exceptions,
        per_class: &per_class,
        total: &total,
        end_time,
    };
    let template_args = data.template_args(run, show_download_link).to_string();
    let report = HtmlReport {
        template_args: Some(&template_args),
        host: run.host.as_deref(),
        profile: run.profile.as_deref(),
        exceptions: &exceptions,
        history: &stats.history,
        stats: &stats,
        task_ratio_per_class: &per_class,
        task_ratio_total: &total,
        theme,
        show_download_link,
        ..report
    };
    report.render()
}

struct Data<'a> {
    stats: &'a RequestStats,
    exceptions: &'a [ExceptionEntry],
    per_class: &'a [RatioNode],
    total: &'a [RatioNode],
    end_time: f64,
}

impl Data<'_> {
    /// Locust's report `templateArgs` (its `get_html_report`), but no
    /// `"None"` for a missing host (null).
    fn template_args(&self, run: &RunDescription<'_>, show_download_link: bool) -> Value {
        let rs = self.stats;
        let entries = || rs.entries().chain(std::iter::once(&rs.total));
        let requests: Vec<Value> = entries()
            .map(|e| entry_dict(rs, e, &[0.95, 0.99]))
            .collect();
        let response_times: Vec<Value> = entries()
            .map(|e| {
                let mut row = Map::new();
                row.insert("name".into(), json!(e.name));
                row.insert("method".into(), json!(e.method));
                for p in PERCENTILES_FOR_HTML_REPORT {
                    row.insert(percentile_key(p), json!(e.get_response_time_percentile(p)));
                }
                Value::Object(row)
            })
            .collect();
        let exceptions: Vec<Value> = self
            .exceptions
            .iter()
            .map(|x| json!({"count": x.count, "msg": x.msg, "traceback": x.traceback, "nodes": x.nodes_joined()}))
            .collect();
        let start = rs.start_time();
        json!({
            "is_report": true,
            "locustfile": run.locustfile,
            "host": run.host,
            "profile": run.profile,
            "start_time": iso_utc(start),
            "end_time": iso_utc(self.end_time),
            "duration": format_duration(start, self.end_time),
            "requests_statistics": requests,
            "failures_statistics": rs.errors_sorted_by_key().into_iter().map(|(_, e)| error_dict(e)).collect::<Vec<_>>(),
            "exceptions_statistics": exceptions,
            "response_time_statistics": response_times,
            "history": rs.history.iter().map(history_row_json).collect::<Vec<_>>(),
            "tasks": {"per_class": ratio_json(self.per_class), "total": ratio_json(self.total)},
            "show_download_link": show_download_link,
            "percentiles_to_chart": [0.5, 0.95],
        })
    }
}

/// Locust's `process_html_filename`: `{u}`, `{r}` and `{t}` become the user
/// count, spawn rate and run time (seconds) when those options are given; a
/// whole spawn rate is written without decimals (`5`, but `0.5`).
pub fn html_file_name(
    template: &str,
    users: Option<u64>,
    spawn_rate: Option<f64>,
    run_time: Option<u64>,
) -> String {
    let mut name = template.to_owned();
    if let Some(u) = users {
        name = name.replace("{u}", &u.to_string());
    }
    if let Some(r) = spawn_rate {
        let text = if r.fract() == 0.0 && r.abs() < 1e15 {
            format!("{}", r as i64)
        } else {
            rocust_core::stats::pyfmt::python_float_repr(r)
        };
        name = name.replace("{r}", &text);
    }
    if let Some(t) = run_time {
        name = name.replace("{t}", &t.to_string());
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_substitutions_like_locust() {
        assert_eq!(
            html_file_name("out/rep_{u}_{r}_{t}.html", Some(3), Some(0.5), Some(4)),
            "out/rep_3_0.5_4.html"
        );
        assert_eq!(
            html_file_name("r_{u}_{r}.html", Some(10), Some(2.0), None),
            "r_10_2.html"
        );
        assert_eq!(html_file_name("r_{t}.html", None, None, None), "r_{t}.html");
    }
}
