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
    let settings = match UserClassSettings::take_from_json(&mut fields) {
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
