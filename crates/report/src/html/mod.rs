//! The HTML report (`--html FILE` and the web UI's `/stats/report`): Locust's
//! sections, titles and columns, rendered entirely on the server.
//!
//! Locust's report is a React app with ECharts inlined (about 950 KB of
//! JavaScript before any data) that draws everything in the browser: with
//! JavaScript off, or in a mail client, it is a blank page. This one is plain
//! HTML tables and inline SVG charts written by Rust:
//!
//! - it needs no script at all, so it reads the same offline, in a viewer
//!   that blocks scripts, and in a browser's print-to-PDF;
//! - it stays small (tens of kilobytes for a typical run, see the size test);
//! - times are formatted here, in UTC, and the page says so, instead of in the
//!   reader's locale;
//! - print CSS drops the dark background, keeps rows and charts whole and
//!   scales the charts to the page width.
//!
//! Every piece of text goes through an escaping writer (`writer.rs`), so
//! names such as `/<script>` show as written. Locust's `"None"` for a missing
//! host is not copied (an em dash is shown).

pub(crate) mod format;
mod svg;
mod tables;
mod writer;

#[cfg(test)]
mod tests;

use rocust_core::stats::{ExceptionEntry, HistoryRow, RequestStats};
use rocust_core::user::ratio::RatioNode;

use self::format::{format_duration, iso_utc, utc_datetime};
use self::svg::{LineChart, Series};
use self::writer::Html;

/// Locust's `PERCENTILES_FOR_HTML_REPORT`: the Response Time Statistics columns.
pub const PERCENTILES_FOR_HTML_REPORT: [f64; 8] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];

/// The report's colour theme (Locust's `?theme=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    /// Locust's rule: `"dark"` is dark, anything else light.
    pub fn from_name(name: &str) -> Self {
        if name == "dark" {
            Theme::Dark
        } else {
            Theme::Light
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// What the report shows. Build it with [`HtmlReport::new`] and change the
/// fields that apply.
#[derive(Clone, Debug)]
pub struct HtmlReport<'a> {
    /// "Script:" (Locust prints `str(environment.locustfile)`).
    pub locustfile: &'a str,
    /// "Target Host:"; `None` shows an em dash.
    pub host: Option<&'a str>,
    /// "Profile:", shown only when set; also names the browser tab.
    pub profile: Option<&'a str>,
    /// Epoch seconds: Locust uses the stats' `start_time`.
    pub start_time: f64,
    /// Epoch seconds: Locust uses the last request's timestamp, else the start.
    pub end_time: f64,
    pub stats: &'a RequestStats,
    /// First seen first (Locust's `runner.exceptions` order).
    pub exceptions: &'a [ExceptionEntry],
    /// The charts' samples. Locust first appends a sample at `end_time` when
    /// the last one is older (its `update_stats_history`); the caller does that.
    pub history: &'a [HistoryRow],
    /// Task ratios per class and of the total (`task_ratio(.., false/true)`);
    /// Locust counts the users of the final spawn once the test has stopped.
    pub task_ratio_per_class: &'a [RatioNode],
    pub task_ratio_total: &'a [RatioNode],
    pub theme: Theme,
    /// The "Download the Report" link, for a report served live.
    pub show_download_link: bool,
    /// Response Time Statistics columns, as fractions.
    pub percentiles: &'a [f64],
    /// Locust's report data (its `templateArgs`, JSON), carried in a
    /// `<script>` for tools that read Locust reports; the page itself does
    /// not need it.
    pub template_args: Option<&'a str>,
}

impl<'a> HtmlReport<'a> {
    /// A light report of `stats` with Locust's times: from the stats' start to
    /// the last request (or the start when there was none), the stats' own
    /// history, no host, exceptions or ratios, no download link.
    pub fn new(locustfile: &'a str, stats: &'a RequestStats) -> Self {
        let start_time = stats.start_time();
        let end_time = stats
            .last_request_timestamp()
            .filter(|t| *t != 0.0)
            .unwrap_or(start_time);
        Self {
            locustfile,
            host: None,
            profile: None,
            start_time,
            end_time,
            stats,
            exceptions: &[],
            history: &stats.history,
            task_ratio_per_class: &[],
            task_ratio_total: &[],
            theme: Theme::Light,
            show_download_link: false,
            percentiles: &PERCENTILES_FOR_HTML_REPORT,
            template_args: None,
        }
    }

    /// The whole page.
    pub fn render(&self) -> String {
        render(self)
    }
}

/// One section of the page, in Locust's order, with rocust's status code
/// breakdown after Response Time Statistics.
struct Section {
    id: &'static str,
    title: &'static str,
    shown: fn(&HtmlReport<'_>) -> bool,
    body: fn(&mut Html, &HtmlReport<'_>),
}

const SECTIONS: [Section; 7] = [
    Section {
        id: "requests",
        title: "Request Statistics",
        shown: |_| true,
        body: tables::request_statistics,
    },
    Section {
        id: "response-times",
        title: "Response Time Statistics",
        // Locust's list always holds the Aggregated row; without any request
        // every cell would be 0, so the section is left out.
        shown: |r| r.stats.num_requests() > 0 && !r.percentiles.is_empty(),
        body: tables::response_time_statistics,
    },
    Section {
        id: "status-codes",
        title: "Response Status Codes",
        shown: |r| !r.stats.total.status_codes.is_empty(),
        body: tables::status_codes,
    },
    Section {
        id: "failures",
        title: "Failures Statistics",
        shown: |_| true,
        body: tables::failures_statistics,
    },
    Section {
        id: "exceptions",
        title: "Exceptions Statistics",
        shown: |r| !r.exceptions.is_empty(),
        body: tables::exceptions_statistics,
    },
    Section {
        id: "charts",
        title: "Charts",
        shown: |_| true,
        body: charts,
    },
    Section {
        id: "ratios",
        title: "Final ratio",
        shown: |_| true,
        body: tables::final_ratio,
    },
];

const STYLE: &str = include_str!("report.css");

/// Renders the report as one self-contained HTML page (no script, no
/// external resource).
pub fn render(report: &HtmlReport<'_>) -> String {
    let mut h = Html::with_capacity(16 * 1024 + report.history.len() * 64);
    h.trusted("<!DOCTYPE html>\n");
    let class = match report.theme {
        Theme::Light => "theme-light",
        Theme::Dark => "theme-dark",
    };
    h.el("html", &[("lang", "en"), ("class", class)], |h| {
        h.el("head", &[], |h| {
            h.empty("meta", &[("charset", "utf-8")]);
            h.empty(
                "meta",
                &[
                    ("name", "viewport"),
                    ("content", "width=device-width, initial-scale=1"),
                ],
            );
            let title = match report.profile {
                Some(p) => format!("Locust - {p}"),
                None => "Locust".to_owned(),
            };
            h.el_text("title", &[], &title);
            // No icon to fetch: the file stands alone.
            h.empty("link", &[("rel", "icon"), ("href", "data:,")]);
            h.el("style", &[], |h| h.trusted(STYLE));
            if let Some(json) = report.template_args {
                h.script_data("templateArgs", json);
                h.script_data(
                    "theme",
                    match report.theme {
                        Theme::Light => "\"light\"",
                        Theme::Dark => "\"dark\"",
                    },
                );
            }
        });
        h.newline();
        h.el("body", &[], |h| {
            h.el("main", &[], |h| {
                header(h, report);
                for s in &SECTIONS {
                    if (s.shown)(report) {
                        h.el("section", &[("id", s.id)], |h| {
                            h.el_text("h2", &[], s.title);
                            (s.body)(h, report);
                        });
                        h.newline();
                    }
                }
            });
        });
    });
    h.newline();
    h.finish()
}

fn header(h: &mut Html, r: &HtmlReport<'_>) {
    h.el("div", &[("class", "top")], |h| {
        h.el_text("h1", &[], "Locust Test Report");
        if r.show_download_link {
            let href = format!("?download=1&theme={}", r.theme.name());
            h.el_text(
                "a",
                &[("class", "download"), ("href", &href)],
                "Download the Report",
            );
        }
    });
    h.el("div", &[("class", "meta")], |h| {
        if let Some(profile) = r.profile {
            meta_line(h, "Profile:", |h| h.text(profile));
        }
        meta_line(h, "During:", |h| {
            time(h, r.start_time);
            h.text(" - ");
            time(h, r.end_time);
            h.text(" UTC (");
            h.text(&format_duration(r.start_time, r.end_time));
            h.text(")");
        });
        meta_line(h, "Target Host:", |h| {
            h.text(r.host.filter(|s| !s.is_empty()).unwrap_or("\u{2014}"))
        });
        meta_line(h, "Script:", |h| h.text(r.locustfile));
    });
    h.newline();
}

fn meta_line(h: &mut Html, label: &'static str, value: impl FnOnce(&mut Html)) {
    h.el("p", &[], |h| {
        h.el_text("b", &[], label);
        h.text(" ");
        value(h);
    });
}

fn time(h: &mut Html, ts: f64) {
    h.el_text("time", &[("datetime", &iso_utc(ts))], &utc_datetime(ts));
}

/// The three charts of Locust's report, from the history samples.
fn charts(h: &mut Html, r: &HtmlReport<'_>) {
    if r.history.is_empty() {
        h.el_text(
            "p",
            &[("class", "empty")],
            "No samples were recorded (one is taken every 5 seconds while a test runs).",
        );
        return;
    }
    let times: Vec<f64> = r.history.iter().map(|row| row.time).collect();
    let column = |f: fn(&HistoryRow) -> f64| r.history.iter().map(f).collect::<Vec<f64>>();
    let charts = [
        LineChart {
            title: "Total Requests per Second",
            times: &times,
            series: vec![
                Series {
                    name: "RPS",
                    color: "#00ca5a",
                    values: column(|row| row.current_rps.as_f64()),
                },
                Series {
                    name: "Failures/s",
                    color: "#ff6d6d",
                    values: column(|row| row.current_fail_per_sec.as_f64()),
                },
            ],
        },
        LineChart {
            title: "Response Times (ms)",
            times: &times,
            series: vec![
                Series {
                    name: "50th percentile",
                    color: "#8b5cf6",
                    values: column(|row| row.response_time_percentile_0_5 as f64),
                },
                Series {
                    name: "95th percentile",
                    color: "#f59e0b",
                    values: column(|row| row.response_time_percentile_0_95 as f64),
                },
            ],
        },
        LineChart {
            title: "Number of Users",
            times: &times,
            series: vec![Series {
                name: "Number of Users",
                color: "#0099ff",
                values: column(|row| row.user_count as f64),
            }],
        },
    ];
    for chart in &charts {
        h.el("figure", &[], |h| svg::line_chart(h, chart));
        h.newline();
    }
}
