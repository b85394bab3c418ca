//! Locust's events of distributed runs, for listeners beside the runner (a
//! Python locustfile's, a Rust load test's). The runner checks
//! `has_listeners` first, so an event nobody listens to costs nothing.

use std::sync::Mutex;

use rmpv::Value;
use rocust_core::events::EventHook;

/// A worker's stats report is about to leave: listeners add keys to
/// `data`, which the master's `worker_report` listeners see (Locust's
/// `report_to_master`). The report's own keys win over added ones.
pub struct ReportToMaster {
    pub client_id: String,
    pub data: Mutex<Vec<(String, Value)>>,
}

/// A worker's report reached the master (Locust's `worker_report`);
/// `data` is the whole message, Locust's keys and any added ones.
pub struct WorkerReport {
    pub client_id: String,
    pub data: Value,
}

/// `worker_connect` on a master, `heartbeat_sent` (the master echoed a
/// worker's heartbeat) and `heartbeat_received` (a worker got the echo):
/// `client_id` is the worker's id in all three, as in Locust.
pub struct WorkerEvent {
    pub client_id: String,
    /// Seconds since the Unix epoch (heartbeats only).
    pub timestamp: f64,
}

/// The distributed events of one runner.
#[derive(Default)]
pub struct DistEvents {
    pub report_to_master: EventHook<ReportToMaster>,
    pub worker_report: EventHook<WorkerReport>,
    pub worker_connect: EventHook<WorkerEvent>,
    pub heartbeat_sent: EventHook<WorkerEvent>,
    pub heartbeat_received: EventHook<WorkerEvent>,
}

impl DistEvents {
    /// Fires a [`WorkerEvent`] stamped now, if anyone listens.
    pub(crate) fn fire_now(hook: &EventHook<WorkerEvent>, client_id: &str) {
        if hook.has_listeners() {
            hook.fire(&WorkerEvent {
                client_id: client_id.to_owned(),
                timestamp: crate::unix_now(),
            });
        }
    }

    /// The keys `report_to_master` listeners add to a report, in order.
    pub(crate) fn report_extras(&self, client_id: &str) -> Vec<(String, Value)> {
        if !self.report_to_master.has_listeners() {
            return Vec::new();
        }
        let event = ReportToMaster {
            client_id: client_id.to_owned(),
            data: Mutex::new(Vec::new()),
        };
        self.report_to_master.fire(&event);
        event.data.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}
