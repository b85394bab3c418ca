//! `--web-login` as Locust does it, for locustfiles that bring their own
//! login (Flask-Login: a user loader, `web_ui.auth_args`, their own
//! callback routes): the locustfile's session decides who is logged in.
//!
//! rocust's routes ask the locustfile ([`WebHost::is_logged_in`]); the
//! locustfile's own routes decide for themselves, as in Locust (its login
//! callbacks are open, routes under `auth_required_if_enabled` are not). The
//! login page shows `auth_args`: the user name and password form, the
//! custom form and the providers, with the locustfile's error or info.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use crate::api::Shared;
use crate::auth::escape;

const PAGE: &str = include_str!("../assets/login.html");

fn headers_of(request: &Request) -> Vec<(String, String)> {
    request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.to_str().ok()?.to_owned())))
        .collect()
}

/// In front of rocust's routes: the page goes to the login page, API calls
/// get a 401. The locustfile's own routes (no route of rocust matched) and
/// the login page pass.
pub(crate) async fn require(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let own_route = request.extensions().get::<MatchedPath>().is_some();
    if !own_route || path == "/login" || path.starts_with("/assets/") {
        return next.run(request).await;
    }
    if shared.host.is_logged_in(headers_of(&request)).await {
        return next.run(request).await;
    }
    if request.method() == axum::http::Method::GET && matches!(path, "/" | "/stats/report") {
        let target = if path == "/" {
            "./login".to_owned()
        } else {
            "../login".to_owned()
        };
        return (StatusCode::FOUND, [(header::LOCATION, target)]).into_response();
    }
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"success": false, "message": "Authentication required: log in on the page"})),
    )
        .into_response()
}

fn text(args: &Map<String, Value>, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `GET /login`: the locustfile's `auth_args` as a form, no script needed.
pub(crate) async fn page(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let args = shared.host.auth_args(headers_of(&request)).await;
    let mut body = String::new();
    for (key, class) in [("error", "error"), ("info", "info")] {
        if let Some(message) = text(&args, key) {
            body.push_str(&format!(
                "<p class=\"{class}\" role=\"alert\">{}</p>",
                escape(&message)
            ));
        }
    }
    if let Some(action) = text(&args, "username_password_callback") {
        body.push_str(&format!(
            "<form method=\"post\" action=\"{}\"><label>User name <input name=\"username\" autocomplete=\"username\" required autofocus></label><label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label><button type=\"submit\">Log in</button></form>",
            escape(&action)
        ));
    }
    if let Some(Value::Object(form)) = args.get("custom_form") {
        let action = text(form, "callback_url").unwrap_or_default();
        let submit = text(form, "submit_button_text").unwrap_or_else(|| "Log in".to_owned());
        body.push_str(&format!(
            "<form method=\"post\" action=\"{}\">",
            escape(&action)
        ));
        for input in form
            .get("inputs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(input) = input.as_object() else {
                continue;
            };
            let name = text(input, "name").unwrap_or_default();
            let label = text(input, "label").unwrap_or_else(|| name.clone());
            let kind = if input.get("is_secret").and_then(Value::as_bool) == Some(true) {
                "password".to_owned()
            } else {
                text(input, "type").unwrap_or_else(|| "text".to_owned())
            };
            body.push_str(&format!(
                "<label>{} <input name=\"{}\" type=\"{}\"></label>",
                escape(&label),
                escape(&name),
                escape(&kind)
            ));
        }
        body.push_str(&format!(
            "<button type=\"submit\">{}</button></form>",
            escape(&submit)
        ));
    }
    for provider in args
        .get("auth_providers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(provider) = provider.as_object() else {
            continue;
        };
        let url = text(provider, "callback_url").unwrap_or_default();
        let label = text(provider, "label").unwrap_or_else(|| url.clone());
        body.push_str(&format!(
            "<a class=\"provider\" href=\"{}\">Log in with {}</a>",
            escape(&url),
            escape(&label)
        ));
    }
    // The built-in page's frame, with these forms instead of its own.
    let start = PAGE.find("<form").unwrap_or(PAGE.len());
    let end = PAGE
        .rfind("</form>")
        .map_or(PAGE.len(), |i| i + "</form>".len());
    // Locust's page data too, for scripts that read it.
    let data = crate::page::script_json(&Value::Object(args));
    let html = format!(
        "{}<main class=\"forms\"><h1><span>rocust</span> web UI</h1>{body}</main><script>window.authArgs = {data};</script>{}",
        &PAGE[..start],
        &PAGE[end..]
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}
