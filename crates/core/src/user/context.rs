//! What a running user knows about the test: its host, and where its requests go.

use std::sync::Arc;
use std::time::Duration;

use crate::env::Environment;
use crate::events::RequestEvent;
use crate::stats::StatsRecorder;

/// One request as a protocol client reports it.
pub struct RequestRecord<'a> {
    /// Locust's `request_type`: the HTTP method, or a protocol's own verb.
    pub request_type: &'a str,
    pub name: &'a str,
    /// `None` for a request that has no response time.
    pub response_time: Option<Duration>,
    pub response_length: u64,
    /// Error text when the request failed.
    pub error: Option<&'a str>,
    /// The HTTP status code (0: no response); `None` for other protocols.
    pub status_code: Option<u16>,
    /// Seconds since the epoch when the request started.
    pub start_time: f64,
    pub url: &'a str,
}

/// Handed to each user when it is created; protocol clients keep a clone.
#[derive(Clone)]
pub struct UserContext {
    env: Arc<Environment>,
    recorder: StatsRecorder,
    host: Option<Arc<str>>,
    user_class: Arc<str>,
}

impl UserContext {
    pub fn new(
        env: Arc<Environment>,
        recorder: StatsRecorder,
        host: Option<Arc<str>>,
        user_class: Arc<str>,
    ) -> Self {
        Self {
            env,
            recorder,
            host,
            user_class,
        }
    }

    /// The host to aim at: `--host` if given, else the user class's own.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    pub fn user_class(&self) -> &str {
        &self.user_class
    }

    pub fn environment(&self) -> &Arc<Environment> {
        &self.env
    }

    /// Records a request into the statistics and fires the `request` event.
    pub fn record_request(&self, r: &RequestRecord<'_>) {
        let response_time = r.response_time.map(|d| d.as_secs_f64() * 1000.0);
        self.recorder.log_response(
            r.request_type,
            r.name,
            response_time,
            r.response_length,
            r.error,
            r.status_code,
        );
        let hook = &self.env.events.request;
        if hook.has_listeners() {
            hook.fire(&RequestEvent {
                request_type: r.request_type.to_owned(),
                name: r.name.to_owned(),
                response_time,
                response_length: r.response_length,
                exception: r.error.map(str::to_owned),
                start_time: r.start_time,
                url: r.url.to_owned(),
            });
        }
    }
}
