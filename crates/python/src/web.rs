//! The locustfile's part of the web UI (Locust's `environment.web_ui`): its
//! Flask routes, `after_request` hooks and template args live on the Python
//! side; the Rust server asks for them through the bridge.
//!
//! Nothing crosses the bridge until the locustfile touches `web_ui.app`
//! (`Engine.web_extended`), but for the page's template args on page loads.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use rocust_core::exec::BoxFuture;
use rocust_web::{Forwarded, ForwardedResponse, WebExtension, WebUiHandle};
use serde_json::{Map, Value};

use crate::bridge::Bridge;
use crate::command::{Command, Reply};

pub struct PythonWeb {
    bridge: Arc<Bridge>,
    /// Whether the locustfile built `web_ui.app` (routes, hooks).
    extended: AtomicBool,
    /// Whether it set up its own login (`web_ui.login_manager`).
    own_login: AtomicBool,
    handle: OnceLock<WebUiHandle>,
}

impl PythonWeb {
    pub fn new(bridge: Arc<Bridge>) -> Self {
        Self {
            bridge,
            extended: AtomicBool::new(false),
            own_login: AtomicBool::new(false),
            handle: OnceLock::new(),
        }
    }

    pub fn set_extended(&self) {
        self.extended.store(true, Ordering::Relaxed);
    }

    pub fn set_own_login(&self) {
        self.own_login.store(true, Ordering::Relaxed);
    }

    /// The running web UI, once it serves.
    pub fn handle(&self) -> Option<&WebUiHandle> {
        self.handle.get()
    }

    fn extended(&self) -> bool {
        self.extended.load(Ordering::Relaxed)
    }
}

impl WebExtension for PythonWeb {
    fn started(&self, handle: WebUiHandle) {
        let _ = self.handle.set(handle);
    }

    fn forward(&self, request: Forwarded) -> BoxFuture<'static, Option<ForwardedResponse>> {
        if !self.extended() {
            return Box::pin(std::future::ready(None));
        }
        let answer = self.bridge.call_async(|token| Command::WebRequest {
            token,
            method: request.method,
            path: request.path,
            query: request.query,
            headers: request.headers,
            body: request.body,
        });
        Box::pin(async move {
            match answer.await {
                Ok(Reply::Http {
                    status,
                    headers,
                    body,
                }) => Some(ForwardedResponse {
                    status,
                    headers,
                    body,
                }),
                Ok(Reply::Failed(why)) => Some(ForwardedResponse {
                    status: 500,
                    headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
                    body: why.into_bytes(),
                }),
                _ => None,
            }
        })
    }

    fn after_response(&self, path: &'static str, body: Vec<u8>) -> BoxFuture<'static, Vec<u8>> {
        if !self.extended() {
            return Box::pin(std::future::ready(body));
        }
        let answer = self.bridge.call_async(|token| Command::WebAfterRequest {
            token,
            path: path.to_owned(),
            body: body.clone(),
        });
        Box::pin(async move {
            match answer.await {
                Ok(Reply::Http { body, .. }) => body,
                _ => body,
            }
        })
    }

    fn has_own_login(&self) -> bool {
        self.own_login.load(Ordering::Relaxed)
    }

    fn is_logged_in(&self, headers: Vec<(String, String)>) -> BoxFuture<'static, bool> {
        let answer = self
            .bridge
            .call_async(|token| Command::WebAuthCheck { token, headers });
        Box::pin(async move { matches!(answer.await, Ok(Reply::Done)) })
    }

    fn auth_args(&self, headers: Vec<(String, String)>) -> BoxFuture<'static, Map<String, Value>> {
        let answer = self
            .bridge
            .call_async(|token| Command::WebAuthArgs { token, headers });
        Box::pin(json_object(answer))
    }

    fn extra_template_args(&self) -> BoxFuture<'static, Map<String, Value>> {
        let answer = self
            .bridge
            .call_async(|token| Command::WebTemplateArgs { token });
        Box::pin(json_object(answer))
    }
}

/// Python's text answer as a JSON object; empty when it is not one (or
/// Python did not answer).
async fn json_object(answer: tokio::sync::oneshot::Receiver<Reply>) -> Map<String, Value> {
    match answer.await {
        Ok(Reply::Text(json)) => match serde_json::from_str(&json) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        },
        _ => Map::new(),
    }
}
