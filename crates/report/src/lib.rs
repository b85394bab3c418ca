//! rocust's exporters in Locust's exact formats: console tables, CSV files and
//! JSON, computed from the merged [`rocust_core::stats::RequestStats`], and
//! the HTML report ([`html`]) with Locust's sections, drawn without JavaScript.
//!
//! Everything returns text so it can be compared byte for byte with Locust's
//! output; [`CsvWriter`] and [`write_json_file`] write the files.

pub mod console;
pub mod csv;
mod csv_writer;
pub mod dicts;
pub mod html;
pub mod json;
mod run_report;
mod settings;

pub use console::{
    error_report_summary, final_summary, percentile_stats_summary, periodic_stats,
    stats_name_width, stats_summary,
};
pub use csv_writer::CsvWriter;
pub use html::{render as render_html, HtmlReport, Theme, PERCENTILES_FOR_HTML_REPORT};
pub use json::{stats_json, write_json_file};
pub use run_report::{html_file_name, run_report, RunDescription};
pub use settings::{interval, readable_percentile, Percentiles, ReportSettings};
