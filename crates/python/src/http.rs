//! HTTP for Python users: Rust threads run every exchange with
//! `rocust_http` and never take the GIL; results go back through the bridge.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rocust_core::env::Environment;
use rocust_core::stats::StatsRecorder;
use rocust_core::user::UserContext;
use rocust_http::{Bytes, HeaderMap, HttpSession, Method};
use tokio::sync::mpsc;

use crate::bridge::{Bridge, HttpDone};

/// Which statuses count as success when the engine records a request itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailRule {
    /// requests/HttpUser: a response with a status below 400.
    Requests,
    /// FastHttpUser: 200-208, 226, 301-304, 307, 308.
    FastHttp,
}

impl FailRule {
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::Requests),
            1 => Some(Self::FastHttp),
            _ => None,
        }
    }

    pub fn is_success(self, status: u16) -> bool {
        match self {
            Self::Requests => (1..400).contains(&status),
            Self::FastHttp => matches!(status, 200..=208 | 226 | 301..=304 | 307 | 308),
        }
    }
}

pub struct Job {
    pub id: u64,
    pub session: Arc<HttpSession>,
    pub method: Method,
    pub url: String,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    pub timeout: Option<Duration>,
    pub allow_redirects: bool,
    pub rule: FailRule,
    /// Record in the engine under this name if the rule says success.
    pub record: Option<String>,
}

/// The HTTP threads: one current-thread runtime each; a session stays on
/// the thread it was created for, so its connections do too.
pub struct HttpThreads {
    senders: Vec<mpsc::UnboundedSender<Job>>,
    recorders: Vec<StatsRecorder>,
    env: Arc<Environment>,
    next: AtomicUsize,
}

impl HttpThreads {
    pub fn start(
        count: usize,
        env: &Arc<Environment>,
        bridge: Arc<Bridge>,
    ) -> std::io::Result<Self> {
        let mut senders = Vec::new();
        let mut recorders = Vec::new();
        for i in 0..count.max(1) {
            let (tx, rx) = mpsc::unbounded_channel();
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let bridge = bridge.clone();
            std::thread::Builder::new()
                .name(format!("rocust-http-{i}"))
                .spawn(move || serve(runtime, rx, bridge))?;
            senders.push(tx);
            recorders.push(env.stats.recorder());
        }
        Ok(Self {
            senders,
            recorders,
            env: env.clone(),
            next: AtomicUsize::new(0),
        })
    }

    /// A session for one Python user, placed on the next thread in turn.
    pub fn session(&self, user_class: &str, verify: bool) -> (usize, Arc<HttpSession>) {
        let thread = self.next.fetch_add(1, Ordering::Relaxed) % self.senders.len();
        let ctx = UserContext::new(
            self.env.clone(),
            self.recorders[thread].clone(),
            None,
            user_class.into(),
        );
        let mut session = HttpSession::new(&ctx);
        session.set_verify(verify);
        (thread, Arc::new(session))
    }

    pub fn submit(&self, thread: usize, job: Job) -> bool {
        self.senders[thread].send(job).is_ok()
    }
}

fn serve(
    runtime: tokio::runtime::Runtime,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    bridge: Arc<Bridge>,
) {
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        while let Some(job) = jobs.recv().await {
            tokio::task::spawn_local(run(job, bridge.clone()));
        }
    });
}

async fn run(job: Job, bridge: Arc<Bridge>) {
    let Job {
        id,
        session,
        method,
        url,
        headers,
        body,
        timeout,
        allow_redirects,
        rule,
        record,
    } = job;
    let mut request = session
        .request(method.clone(), url)
        .headers(headers)
        .allow_redirects(allow_redirects);
    if let Some(body) = body {
        request = request.body(body);
    }
    if let Some(timeout) = timeout {
        request = request.timeout(timeout);
    }
    let response = request.unrecorded().send().await;
    let recorded = match &record {
        Some(name) if rule.is_success(response.status()) => {
            session.record(method.as_str(), name, &response, None);
            true
        }
        _ => false,
    };
    bridge.push_http(HttpDone {
        id,
        response,
        recorded,
        rule,
    });
}

/// FastHttpUser's (geventhttpclient's) text for a failure without a
/// response, from the requests-style text rocust_http gives.
pub fn fast_http_error(text: &str, url: &str) -> Option<String> {
    if text.starts_with("RemoteDisconnected(") {
        return Some("HTTPConnectionClosed('connection closed.')".to_owned());
    }
    if text.starts_with("ReadTimeout(") {
        let url = url.split('?').next().unwrap_or(url);
        return Some(format!("RetriesExceeded('{url}', 0, original=timed out)"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{fast_http_error, FailRule};

    #[test]
    fn fast_http_texts_for_closed_connections_and_timeouts() {
        assert_eq!(
            fast_http_error(
                "RemoteDisconnected('Remote end closed connection without response')",
                "http://h/x"
            )
            .as_deref(),
            Some("HTTPConnectionClosed('connection closed.')")
        );
        assert_eq!(
            fast_http_error(
                "ReadTimeout(ReadTimeoutError(\"...\"))",
                "http://h/slow?ms=5"
            )
            .as_deref(),
            Some("RetriesExceeded('http://h/slow', 0, original=timed out)")
        );
        assert_eq!(
            fast_http_error(
                "ConnectionRefusedError(111, 'Connection refused')",
                "http://h/"
            ),
            None
        );
    }

    #[test]
    fn fail_rules_follow_locust() {
        assert!(FailRule::Requests.is_success(399));
        assert!(!FailRule::Requests.is_success(400));
        assert!(!FailRule::Requests.is_success(0));
        assert!(FailRule::FastHttp.is_success(226));
        assert!(FailRule::FastHttp.is_success(304));
        assert!(!FailRule::FastHttp.is_success(305));
        assert!(!FailRule::FastHttp.is_success(209));
        assert!(!FailRule::FastHttp.is_success(0));
    }
}
