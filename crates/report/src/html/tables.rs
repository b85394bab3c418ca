//! The report's tables and the ratio lists, with Locust's columns and values.

use rocust_core::stats::pyfmt::proper_round;
use rocust_core::stats::{StatsEntry, StatsError};
use rocust_core::user::ratio::RatioNode;

use super::format::{iso_utc, js_number, js_to_fixed, round2, utc_datetime};
use super::writer::Html;
use super::HtmlReport;
use crate::settings::readable_percentile;

/// Whether a column holds text (left-aligned, may wrap) or a number.
#[derive(Clone, Copy, PartialEq)]
enum Col {
    Text,
    Num,
}

/// A table in a scrolling wrapper: the header row, then `body` writes rows.
fn table(h: &mut Html, class: &'static str, head: &[(&str, Col)], body: impl FnOnce(&mut Html)) {
    h.el("div", &[("class", "wrap")], |h| {
        h.el("table", &[("class", class)], |h| {
            h.el("thead", &[], |h| {
                h.el("tr", &[], |h| {
                    for (title, col) in head {
                        h.el_text("th", num_class(*col), title);
                    }
                });
            });
            h.el("tbody", &[], body);
        });
    });
    h.newline();
}

fn num_class(col: Col) -> &'static [(&'static str, &'static str)] {
    match col {
        Col::Num => &[("class", "n")],
        Col::Text => &[],
    }
}

fn cell(h: &mut Html, col: Col, text: &str) {
    h.el_text("td", num_class(col), text);
}

/// A row of the request table; the Aggregated row is marked as the total.
fn row(h: &mut Html, total: bool, cells: impl FnOnce(&mut Html)) {
    let attrs: &[(&str, &str)] = if total { &[("class", "total")] } else { &[] };
    h.el("tr", attrs, cells);
}

/// A row saying the table is empty, across all columns.
fn empty_row(h: &mut Html, columns: usize, text: &str) {
    h.el("tr", &[], |h| {
        h.el_text(
            "td",
            &[("class", "empty"), ("colspan", &columns.to_string())],
            text,
        );
    });
}

const REQUEST_COLUMNS: [(&str, Col); 10] = [
    ("Type", Col::Text),
    ("Name", Col::Text),
    ("# Requests", Col::Num),
    ("# Fails", Col::Num),
    ("Average (ms)", Col::Num),
    ("Min (ms)", Col::Num),
    ("Max (ms)", Col::Num),
    ("Average size (bytes)", Col::Num),
    ("RPS", Col::Num),
    ("Failures/s", Col::Num),
];

/// Request Statistics: one row per (name, method) sorted, the Aggregated row
/// last. Values are `StatsEntry.to_dict`'s, rounded where Locust rounds.
pub(crate) fn request_statistics(h: &mut Html, r: &HtmlReport<'_>) {
    let rows = r.stats.entries().chain(std::iter::once(&r.stats.total));
    let total_at = r.stats.num_entries();
    table(h, "requests", &REQUEST_COLUMNS, |h| {
        for (i, e) in rows.enumerate() {
            row(h, i == total_at, |h| request_cells(h, r, e));
        }
    });
}

fn request_cells(h: &mut Html, r: &HtmlReport<'_>, e: &StatsEntry) {
    // to_dict: min is 0 when unset, min and max go through proper_round.
    let min = e
        .min_response_time
        .map_or(0.0, |m| proper_round(m.as_f64(), 0));
    let max = proper_round(e.max_response_time.as_f64(), 0);
    cell(h, Col::Text, &e.method);
    h.el_text("td", &[("class", "name")], &e.name);
    cell(h, Col::Num, &e.num_requests.to_string());
    cell(h, Col::Num, &e.num_failures.to_string());
    cell(h, Col::Num, &round2(e.avg_response_time()));
    cell(h, Col::Num, &js_number(min));
    cell(h, Col::Num, &js_number(max));
    cell(h, Col::Num, &round2(e.avg_content_length().as_f64()));
    cell(h, Col::Num, &round2(r.stats.total_rps(e)));
    cell(h, Col::Num, &round2(r.stats.total_fail_per_sec(e)));
}

/// Response Time Statistics: the whole-run percentiles of every entry and the
/// Aggregated row.
pub(crate) fn response_time_statistics(h: &mut Html, r: &HtmlReport<'_>) {
    let titles: Vec<String> = r
        .percentiles
        .iter()
        .map(|&p| format!("{}ile (ms)", readable_percentile(p)))
        .collect();
    let mut head = vec![("Method", Col::Text), ("Name", Col::Text)];
    head.extend(titles.iter().map(|t| (t.as_str(), Col::Num)));
    let rows = r.stats.entries().chain(std::iter::once(&r.stats.total));
    let total_at = r.stats.num_entries();
    table(h, "percentiles", &head, |h| {
        for (i, e) in rows.enumerate() {
            row(h, i == total_at, |h| {
                cell(h, Col::Text, &e.method);
                h.el_text("td", &[("class", "name")], &e.name);
                for &p in r.percentiles {
                    cell(h, Col::Num, &e.get_response_time_percentile(p).to_string());
                }
            });
        }
    });
}

/// Response Status Codes (rocust's): responses per HTTP status code of every
/// entry and of the Aggregated row; 0 counts requests that got no response.
pub(crate) fn status_codes(h: &mut Html, r: &HtmlReport<'_>) {
    let codes: std::collections::BTreeSet<u16> =
        r.stats.total.status_codes.keys().copied().collect();
    let titles: Vec<String> = codes.iter().map(|c| c.to_string()).collect();
    let mut head = vec![("Method", Col::Text), ("Name", Col::Text)];
    head.extend(titles.iter().map(|t| (t.as_str(), Col::Num)));
    let rows = r.stats.entries().chain(std::iter::once(&r.stats.total));
    let total_at = r.stats.num_entries();
    table(h, "status-codes", &head, |h| {
        for (i, e) in rows.enumerate() {
            row(h, i == total_at, |h| {
                cell(h, Col::Text, &e.method);
                h.el_text("td", &[("class", "name")], &e.name);
                for code in &codes {
                    let n = e.status_codes.get(code).copied().unwrap_or(0);
                    cell(h, Col::Num, &n.to_string());
                }
            });
        }
    });
}

const FAILURE_COLUMNS: [(&str, Col); 6] = [
    ("# Failures", Col::Num),
    ("Method", Col::Text),
    ("Name", Col::Text),
    ("Message", Col::Text),
    ("First Seen", Col::Text),
    ("Last Seen", Col::Text),
];

/// Failures Statistics, in Locust's order (sorted by error key).
pub(crate) fn failures_statistics(h: &mut Html, r: &HtmlReport<'_>) {
    let errors = r.stats.errors_sorted_by_key();
    table(h, "failures", &FAILURE_COLUMNS, |h| {
        if errors.is_empty() {
            empty_row(h, FAILURE_COLUMNS.len(), "No failures");
        }
        for (_, e) in &errors {
            failure_row(h, e);
        }
    });
}

fn failure_row(h: &mut Html, e: &StatsError) {
    h.el("tr", &[], |h| {
        cell(h, Col::Num, &e.occurrences.to_string());
        cell(h, Col::Text, &e.method);
        h.el_text("td", &[("class", "name")], &e.name);
        h.el_text(
            "td",
            &[("class", "msg")],
            &StatsError::parse_error(&e.error),
        );
        for seen in [e.first_seen, e.last_seen] {
            h.el("td", &[("class", "time")], |h| {
                // Locust leaves the cell empty when unknown.
                if let Some(ts) = seen.filter(|t| *t != 0.0) {
                    h.el_text("time", &[("datetime", &iso_utc(ts))], &utc_datetime(ts));
                }
            });
        }
    });
}

/// Exceptions Statistics: count, message and traceback of each distinct
/// traceback, first seen first.
pub(crate) fn exceptions_statistics(h: &mut Html, r: &HtmlReport<'_>) {
    let head = [
        ("# occurrences", Col::Num),
        ("Message", Col::Text),
        ("Traceback", Col::Text),
    ];
    table(h, "exceptions", &head, |h| {
        for ex in r.exceptions {
            h.el("tr", &[], |h| {
                cell(h, Col::Num, &ex.count.to_string());
                h.el_text("td", &[("class", "msg")], &ex.msg);
                h.el("td", &[], |h| h.el_text("pre", &[], &ex.traceback));
            });
        }
    });
}

/// Final ratio: the per-class and total task ratios as nested lists.
pub(crate) fn final_ratio(h: &mut Html, r: &HtmlReport<'_>) {
    if r.task_ratio_per_class.is_empty() && r.task_ratio_total.is_empty() {
        h.el_text("p", &[("class", "empty")], "No user classes");
        return;
    }
    for (title, nodes) in [
        ("Ratio Per Class", r.task_ratio_per_class),
        ("Total Ratio", r.task_ratio_total),
    ] {
        if !nodes.is_empty() {
            h.el_text("h3", &[], title);
            ratio_list(h, nodes);
        }
    }
}

fn ratio_list(h: &mut Html, nodes: &[RatioNode]) {
    h.el("ul", &[], |h| {
        for node in nodes {
            h.el("li", &[], |h| {
                h.text(&js_to_fixed(node.ratio * 100.0, 1));
                h.text("% ");
                h.text(&node.name);
                if let Some(tasks) = node.tasks.as_deref().filter(|t| !t.is_empty()) {
                    ratio_list(h, tasks);
                }
            });
        }
    });
}
