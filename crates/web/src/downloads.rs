//! The downloads: the CSV files and the HTML report, under Locust's file
//! names (with the host's `://` and other unsafe characters replaced).

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::{refuse, AppState, Shared};

/// A file name part with anything but letters, digits, `.`, `-` and `_`
/// replaced (Locust puts the host's `://` in the name as it is).
fn file_name_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Locust's download name: `Locust_{start}_{locustfile}[_{host}]{suffix}`.
fn download_name(shared: &Shared, suffix: &str) -> String {
    let env = shared.runner.environment();
    let start = env.stats.with_request_stats(|rs| rs.start_time());
    let start = chrono::DateTime::from_timestamp(start.trunc() as i64, 0)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d-%Hh%M")
                .to_string()
        })
        .unwrap_or_default();
    let host = env
        .host()
        .map_or(String::new(), |h| format!("_{}", file_name_part(&h)));
    format!(
        "Locust_{start}_{}{host}{suffix}",
        file_name_part(&shared.info.locustfile)
    )
}

fn csv_download(shared: &Shared, kind: &str, body: String) -> Response {
    let name = download_name(shared, &format!("_{kind}.csv"));
    (
        [
            (header::CONTENT_TYPE, "text/csv".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment;filename={name}"),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn requests_csv(State(shared): AppState) -> Response {
    let percentiles = &shared.info.report_settings.percentiles;
    let body = shared
        .runner
        .environment()
        .stats
        .with_request_stats(|rs| rocust_report::csv::requests_csv(rs, percentiles));
    csv_download(&shared, "requests", body)
}

pub(crate) async fn failures_csv(State(shared): AppState) -> Response {
    let body = shared
        .runner
        .environment()
        .stats
        .with_request_stats(rocust_report::csv::failures_csv);
    csv_download(&shared, "failures", body)
}

pub(crate) async fn exceptions_csv(State(shared): AppState) -> Response {
    let exceptions = shared.runner.environment().stats.exceptions();
    let body = rocust_report::csv::exceptions_csv(&exceptions);
    csv_download(&shared, "exceptions", body)
}

pub(crate) async fn full_history_csv(State(shared): AppState) -> Response {
    let Some(path) = &shared.info.stats_history_csv else {
        return (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "Error: Server was not started with option to generate full history.",
        )
            .into_response();
    };
    match tokio::fs::read(path).await {
        Ok(body) => {
            let name = download_name(&shared, "_requests_full_history.csv");
            (
                [
                    (header::CONTENT_TYPE, "text/csv".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename={name}"),
                    ),
                    (header::CACHE_CONTROL, "no-cache".to_owned()),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => refuse(
            StatusCode::NOT_FOUND,
            &format!("Could not read {}: {e}", path.display()),
        ),
    }
}

#[derive(Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    theme: String,
    #[serde(default)]
    download: String,
}

/// The HTML report as of now; `download` (any value) makes it an attachment.
pub(crate) async fn report(State(shared): AppState, Query(q): Query<ReportQuery>) -> Response {
    let download = !q.download.is_empty();
    let classes = shared.classes_in_use();
    let run = rocust_report::RunDescription {
        locustfile: &shared.info.locustfile,
        host: shared.runner.environment().host(),
        profile: shared.profile(),
        user_classes: &classes,
    };
    let html = rocust_report::run_report(
        shared.runner.as_ref(),
        &run,
        rocust_report::Theme::from_name(&q.theme),
        !download,
    );
    if download {
        let name = download_name(&shared, ".html");
        return (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment;filename={name}"),
                ),
            ],
            html,
        )
            .into_response();
    }
    axum::response::Html(html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_only_safe_characters() {
        assert_eq!(
            file_name_part("http://127.0.0.1:8080/x?a=b"),
            "http___127.0.0.1_8080_x_a_b"
        );
        assert_eq!(file_name_part("locustfile.py"), "locustfile.py");
        assert_eq!(file_name_part("../../etc/passwd"), ".._.._etc_passwd");
    }
}
