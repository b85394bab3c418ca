//! Locust's `POST /user`: the class picker's editor changes a class for the
//! tests started from now on.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rocust_core::user::UserClassSettings;
use serde_json::{json, Value};

use crate::api::{cross_site, refuse, AppState};
use crate::guard;

/// Locust's `POST /user` (the class picker's editor): a JSON object with
/// `user_class_name` and the settings to change (`weight`, `fixed_count`,
/// `host`, `tasks`: the names of the class's tasks to keep); 201 `{}`.
pub(crate) async fn update_user(
    State(shared): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !guard::same_origin(&headers) {
        return cross_site();
    }
    let Ok(Value::Object(mut fields)) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "POST /user takes a JSON object");
    };
    let Some(Value::String(name)) = fields.remove("user_class_name") else {
        return refuse(StatusCode::BAD_REQUEST, "user_class_name is missing");
    };
    let declared = shared
        .info
        .user_classes
        .iter()
        .find(|c| c.name == name)
        .cloned();
    let Some(declared) = declared else {
        return refuse(
            StatusCode::BAD_REQUEST,
            &format!("Unknown user class: {name}"),
        );
    };
    let settings = match class_settings(&mut fields) {
        Ok(settings) => settings,
        Err(message) => return refuse(StatusCode::BAD_REQUEST, &message),
    };
    if let Err(message) = shared
        .runner
        .update_user_class(&name, &settings, &fields)
        .await
    {
        return refuse(StatusCode::BAD_REQUEST, &message);
    }
    shared.update_class(&name, &settings, &declared.tasks);
    (StatusCode::CREATED, Json(json!({}))).into_response()
}

/// The settings rocust itself reads, taken out of `fields` (the rest are
/// other attributes, which Python classes get as they are).
fn class_settings(
    fields: &mut serde_json::Map<String, Value>,
) -> Result<UserClassSettings, String> {
    let count = |key: &str, value: Option<Value>| -> Result<Option<u32>, String> {
        match value {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("{key} must be a whole number of 0 or more, not {v}")),
        }
    };
    let host = match fields.remove("host") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(h)) if h.is_empty() => Some(None),
        Some(Value::String(h)) => Some(Some(h)),
        Some(other) => return Err(format!("host must be text, not {other}")),
    };
    let tasks = match fields.remove("tasks") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .map(|t| match t {
                    Value::String(s) => Ok(s),
                    other => Err(format!("tasks must be task names, not {other}")),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => return Err(format!("tasks must be a list of task names, not {other}")),
    };
    Ok(UserClassSettings {
        weight: count("weight", fields.remove("weight"))?,
        fixed_count: count("fixed_count", fields.remove("fixed_count"))?,
        host,
        tasks,
    })
}
