//! Locust's distributed mode, on Locust 2.47.0's own wire protocol (ZeroMQ
//! ROUTER/DEALER carrying msgpack), so rocust and Locust processes mix in
//! one fleet:
//!
//! - [`codec`] and [`messages`]: the envelope and the data of each message;
//! - [`transport`]: the sockets;
//! - [`master`]: Locust's `MasterRunner`, a [`Runner`](rocust_core::runner::Runner)
//!   that the command line and the web UI drive as they drive a local one;
//! - [`worker`]: Locust's `WorkerRunner`, whose orders come from the wire.
//!
//! The master's work is per message, never per request: workers send their
//! stats as deltas every 3 s and the master merges them into its stats.

pub mod codec;
pub mod custom;
pub mod download;
pub mod events;
pub mod master;
pub mod messages;
pub mod transport;
mod usage;
pub mod worker;

/// The Locust version rocust speaks for (sent in `client_ready`).
pub const LOCUST_VERSION: &str = "2.47.0";

pub use rmpv;
use rmpv::Value;
use rocust_core::runner::Runner;

/// A distributed runner, for what masters and workers share.
#[derive(Clone, Copy)]
pub enum Distributed<'a> {
    Master(&'a master::MasterRunner),
    Worker(&'a worker::WorkerRunner),
}

impl<'a> Distributed<'a> {
    /// `None` for a local runner.
    pub fn of(runner: &'a dyn Runner) -> Option<Self> {
        let any = runner.as_any();
        if let Some(master) = any.downcast_ref::<master::MasterRunner>() {
            return Some(Self::Master(master));
        }
        any.downcast_ref::<worker::WorkerRunner>().map(Self::Worker)
    }

    /// Locust's `send_message`: a master sends to one worker or all of them,
    /// a worker to its master (`client_id` unused).
    pub fn send_message(self, msg_type: &str, data: Value, client_id: Option<&str>) {
        match self {
            Self::Master(m) => m.send_message(msg_type, data, client_id),
            Self::Worker(w) => w.send_message(msg_type, data),
        }
    }

    pub fn custom_messages(self) -> &'a custom::CustomMessages {
        match self {
            Self::Master(m) => m.custom_messages(),
            Self::Worker(w) => w.custom_messages(),
        }
    }

    pub fn events(self) -> &'a events::DistEvents {
        match self {
            Self::Master(m) => m.events(),
            Self::Worker(w) => w.events(),
        }
    }
}

/// Seconds since the epoch, as Python's `time.time()`.
pub(crate) fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Locust's timers and limits (`locust/runners.py`).
pub mod timing {
    use std::time::Duration;

    pub const WORKER_REPORT_INTERVAL: Duration = Duration::from_secs(3);
    pub const WORKER_LOG_REPORT_INTERVAL: Duration = Duration::from_secs(10);
    pub const CPU_MONITOR_INTERVAL: Duration = Duration::from_secs(10);
    pub const CPU_WARNING_THRESHOLD: f64 = 90.0;
    pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);
    pub const HEARTBEAT_LIVENESS: i32 = 3;
    pub const HEARTBEAT_DEAD_INTERNAL: i32 = -60;
    pub const MASTER_HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(60);
    pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
    pub const CONNECT_RETRY_COUNT: u32 = 60;
    /// rocust's own: a worker whose master has not echoed its heartbeats
    /// for this long connects again and says client_ready (Locust's workers
    /// wait for MASTER_HEARTBEAT_TIMEOUT and quit).
    pub const REINTRODUCE_AFTER: Duration = Duration::from_secs(15);
}
