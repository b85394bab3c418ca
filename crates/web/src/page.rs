//! The page: written in this project (no framework, no build step) and
//! embedded in the binary, with Locust's `window.templateArgs` so the same
//! keys mean the same things.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::api::Shared;
use crate::history::PERCENTILE_CHOICES;
use rocust_report::dicts::history_row_json;

const INDEX: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// Where the page's `templateArgs` go.
const TEMPLATE_ARGS: &str = "{{ROCUST_TEMPLATE_ARGS}}";

/// `GET /assets/{file}`.
pub(crate) fn asset(file: &str) -> Option<Response> {
    let (body, content_type) = match file {
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        "app.css" => (APP_CSS, "text/css; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return None,
    };
    Some(
        (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            body,
        )
            .into_response(),
    )
}

/// `GET /`: the page with the run's `templateArgs`; `extra` are the keys the
/// locustfile added (Locust keeps them beside its own, which win).
pub(crate) fn index(shared: &Shared, extra: Map<String, Value>) -> Html<String> {
    let mut args = extra;
    args.extend(template_args(shared));
    Html(INDEX.replacen(TEMPLATE_ARGS, &script_json(&Value::Object(args)), 1))
}

/// The page with Jinja's `tojson` where its `templateArgs` go.
pub(crate) fn jinja_template() -> String {
    INDEX.replacen(TEMPLATE_ARGS, "{{ template_args|tojson }}", 1)
}

/// JSON that is safe inside a `<script>` element: no `</script>` or `<!--`
/// can appear, since every `<` is escaped.
pub(crate) fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c")
}

/// The host the form shows, and Locust's two warnings: classes with
/// different hosts (`override_host_warning`), or no host where one is
/// needed (`missing_host_warning`), by Locust's rules.
fn host_and_warnings(shared: &Shared) -> (String, bool, bool) {
    if let Some(host) = shared.runner.environment().host() {
        return (host, false, false);
    }
    let classes = &shared.classes();
    let mut hosts: Vec<Option<&str>> = classes.iter().map(|c| c.host.as_deref()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    match hosts.as_slice() {
        [] => (String::new(), false, true),
        [one] => (one.unwrap_or_default().to_owned(), false, one.is_none()),
        several => (String::new(), true, several.contains(&None)),
    }
}

/// Locust's `update_template_args`, plus rocust's own keys (`percentile_choices`,
/// `shape_class`).
pub(crate) fn template_args(shared: &Shared) -> Map<String, Value> {
    let info = &shared.info;
    let runner = &shared.runner;
    let (host, override_host_warning, missing_host_warning) = host_and_warnings(shared);
    let history: Vec<Value> = runner.environment().stats.with_request_stats(|rs| {
        if rs.num_requests() == 0 {
            Vec::new()
        } else {
            rs.history.iter().map(history_row_json).collect()
        }
    });
    let classes = shared.classes();
    let mut class_names: Vec<String> = classes.iter().map(|c| c.name.clone()).collect();
    class_names.sort();
    // A class's tasks as Locust lists them: each repeated by its weight.
    let tasks_of = |c: &rocust_core::user::UserClassInfo| -> Vec<String> {
        c.tasks
            .iter()
            .flat_map(|t| std::iter::repeat_n(t.name.clone(), t.weight as usize))
            .collect()
    };
    let users: Map<String, Value> = classes
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                json!({
                    "fixed_count": c.fixed_count,
                    "host": c.host,
                    "tasks": tasks_of(c),
                    "weight": c.weight,
                }),
            )
        })
        .collect();
    // The tasks a class may have (the editor's choices): as declared.
    let user_tasks: Map<String, Value> = info
        .user_classes
        .iter()
        .map(|c| (c.name.clone(), json!(tasks_of(c))))
        .collect();
    let mut shapes = vec!["Default".to_owned()];
    shapes.extend(info.shape_class.iter().cloned());
    let settings = &info.report_settings;
    let form = shared.form_defaults();
    // Locust: `shape_class and ...`, so null without a shape.
    let shape_flag = |flag: bool| match &info.shape_class {
        Some(_) => json!(flag),
        None => Value::Null,
    };
    let mut args = Map::new();
    let mut put = |k: &str, v: Value| {
        args.insert(k.to_owned(), v);
    };
    put("available_shape_classes", json!(shapes));
    put("available_user_classes", json!(class_names));
    put("available_user_tasks", Value::Object(user_tasks));
    put("extra_options", Value::Object(info.extra_options.clone()));
    put(
        "hide_common_options",
        shape_flag(!(info.class_picker || info.shape_use_common_options)),
    );
    put("history", Value::Array(history));
    put("host", json!(host));
    put("is_distributed", json!(runner.workers().is_some()));
    put("is_host_required", json!(info.host_required));
    put("locustfile", json!(info.locustfile));
    put("missing_host_warning", json!(missing_host_warning));
    put("num_users", json!(form.num_users));
    put("override_host_warning", json!(override_host_warning));
    put("percentiles_to_chart", json!(settings.chart_percentiles));
    put(
        "percentiles_to_statistics",
        json!(settings.statistics_percentiles),
    );
    put("profile", json!(shared.profile()));
    put("run_time", json!(form.run_time));
    put(
        "shape_use_common_options",
        shape_flag(info.shape_use_common_options),
    );
    put("show_userclass_picker", json!(info.class_picker));
    put("spawn_rate", json!(form.spawn_rate));
    put("state", json!(runner.state().as_str()));
    put(
        "stats_history_enabled",
        json!(info.stats_history_csv.is_some()),
    );
    put("tasks", json!("{}"));
    put("user_count", json!(runner.user_count()));
    put("users", Value::Object(users));
    put("version", json!(info.version));
    put("rocust_version", json!(info.rocust_version));
    put("worker_count", json!(runner.worker_count()));
    put("percentile_choices", json!(PERCENTILE_CHOICES));
    put("shape_class", json!(info.shape_class));
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_script_element() {
        let v = json!({"name": "</script><script>alert(1)</script><!--"});
        let text = script_json(&v);
        assert!(!text.contains('<'));
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn the_page_has_a_slot_for_template_args() {
        assert!(INDEX.contains(TEMPLATE_ARGS));
    }
}
