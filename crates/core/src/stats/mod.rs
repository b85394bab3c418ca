//! Request statistics with Locust's semantics.
//!
//! Engine threads record through [`StatsRecorder`]s, each owning a shard of
//! deltas behind its own (uncontended) lock. [`Stats`] merges the shards into
//! one [`RequestStats`] when asked: every reader flushes first, so it always
//! sees every request logged before the call.
//!
//! Merging replays each second's requests in order, so the per-second
//! histogram snapshots behind the "current" percentiles come out as if every
//! request had been logged directly, like in Locust.
//!
//! The runner calls [`Stats::tick`] once per second (a merge that keeps the
//! shards small) and [`Stats::update_history`] every 5 s while a test runs. At
//! test start it calls [`Stats::clear_all`] and [`Stats::clear_exceptions`],
//! like Locust.

mod clock;
mod entry;
mod error;
mod exceptions;
mod history;
mod number;
pub mod pyfmt;
mod request_stats;
mod shard;
mod wire;

#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex, MutexGuard};

pub use clock::{Clock, ManualClock};
pub use entry::{
    bucket_response_time, calculate_response_time_percentile, diff_response_time_dicts,
    CachedResponseTimes, RateWindow, StatsEntry, CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW,
};
pub use error::{ErrorOrigin, StatsError};
pub use exceptions::{ExceptionEntry, Exceptions};
pub use history::HistoryRow;
pub use number::Number;
pub use request_stats::{RequestStats, AGGREGATED};
pub use wire::{EntryStatusCodes, ErrorsMap, StatsEntryDict, StatsErrorDict, StatsReport};

use shard::Shard;

/// Locust's `PERCENTILES_TO_REPORT`, with the labels its tables and CSVs use.
pub const PERCENTILES_TO_REPORT: [(f64, &str); 11] = [
    (0.50, "50%"),
    (0.66, "66%"),
    (0.75, "75%"),
    (0.80, "80%"),
    (0.90, "90%"),
    (0.95, "95%"),
    (0.98, "98%"),
    (0.99, "99%"),
    (0.999, "99.9%"),
    (0.9999, "99.99%"),
    (1.0, "100%"),
];

/// Locust's `PERCENTILES_TO_CHART` (history and charts).
pub const PERCENTILES_TO_CHART: [f64; 2] = [0.5, 0.95];

/// Seconds between history samples (Locust's `HISTORY_STATS_INTERVAL_SEC`).
pub const HISTORY_STATS_INTERVAL_SEC: u64 = 5;

/// The live statistics store of one process. Cloning shares it.
#[derive(Clone)]
pub struct Stats {
    inner: Arc<Inner>,
}

struct Inner {
    clock: Clock,
    /// Lock order: `merged`, then `shards`, then one shard at a time.
    merged: Mutex<Merged>,
    shards: Mutex<Vec<Arc<Mutex<Shard>>>>,
}

struct Merged {
    stats: RequestStats,
    exceptions: Exceptions,
}

impl Default for Stats {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Stats {
    /// Stats on the system clock, keeping snapshots for current percentiles.
    pub fn new() -> Self {
        Self::with_clock(Clock::System)
    }

    /// Stats on a given clock (tests use [`ManualClock`]).
    pub fn with_clock(clock: Clock) -> Self {
        Self::build(clock, true)
    }

    /// Stats for a worker process: no snapshots for current percentiles
    /// (the master computes those).
    pub fn for_worker(clock: Clock) -> Self {
        Self::build(clock, false)
    }

    fn build(clock: Clock, use_response_times_cache: bool) -> Self {
        let now = clock.now();
        Self {
            inner: Arc::new(Inner {
                clock,
                merged: Mutex::new(Merged {
                    stats: RequestStats::new(now, use_response_times_cache),
                    exceptions: Exceptions::default(),
                }),
                shards: Mutex::new(Vec::new()),
            }),
        }
    }

    /// The current time of this store's clock (epoch seconds).
    pub fn now(&self) -> f64 {
        self.inner.clock.now()
    }

    /// A recording handle with its own shard; give one to each engine thread.
    pub fn recorder(&self) -> StatsRecorder {
        let shard = Arc::new(Mutex::new(Shard::default()));
        lock(&self.inner.shards).push(shard.clone());
        StatsRecorder {
            shard,
            clock: self.inner.clock.clone(),
        }
    }

    fn lock_and_flush(&self) -> MutexGuard<'_, Merged> {
        let mut merged = lock(&self.inner.merged);
        self.drain_shards(&mut merged.stats);
        merged
    }

    fn drain_shards(&self, rs: &mut RequestStats) {
        let mut shards = lock(&self.inner.shards);
        // Counted before draining: once only Stats holds a shard, no recorder
        // can log into it again, so this drain is its last.
        let orphaned: Vec<bool> = shards.iter().map(|s| Arc::strong_count(s) == 1).collect();
        {
            let mut guards: Vec<MutexGuard<'_, Shard>> = shards.iter().map(|s| lock(s)).collect();
            let mut refs: Vec<&mut Shard> = guards.iter_mut().map(|g| &mut **g).collect();
            shard::merge_shards(&mut refs, rs);
        }
        let mut i = 0;
        shards.retain(|_| {
            i += 1;
            !orphaned[i - 1]
        });
    }

    /// Merges every shard's pending requests into the merged stats.
    pub fn flush(&self) {
        drop(self.lock_and_flush());
    }

    /// The once-a-second merge the runner does, so shards stay small even
    /// when nothing reads the stats.
    pub fn tick(&self) {
        self.flush();
    }

    /// Runs `f` on the merged stats, flushed first. The store stays locked
    /// while `f` runs (recorders keep recording into their shards), so `f`
    /// must not call back into this `Stats`.
    pub fn with_request_stats<R>(&self, f: impl FnOnce(&RequestStats) -> R) -> R {
        f(&self.lock_and_flush().stats)
    }

    /// Like [`Stats::with_request_stats`], with write access (master merges
    /// worker reports through [`RequestStats::apply_report`]).
    pub fn with_request_stats_mut<R>(&self, f: impl FnOnce(&mut RequestStats) -> R) -> R {
        f(&mut self.lock_and_flush().stats)
    }

    /// A flushed copy of the merged stats.
    pub fn snapshot(&self) -> RequestStats {
        self.lock_and_flush().stats.clone()
    }

    /// Runs `f` on the merged stats and the exceptions table together.
    pub fn with_stats_and_exceptions<R>(
        &self,
        f: impl FnOnce(&RequestStats, &Exceptions) -> R,
    ) -> R {
        let merged = self.lock_and_flush();
        f(&merged.stats, &merged.exceptions)
    }

    /// Zeroes all entries, errors and history, keeping entry names; pending
    /// shard deltas are dropped. Exceptions are kept (see [`Stats::clear_exceptions`]).
    pub fn reset_all(&self) {
        let now = self.now();
        let mut merged = lock(&self.inner.merged);
        self.clear_shards();
        merged.stats.reset_all(now);
    }

    /// Removes all entries, errors and history; pending shard deltas are dropped.
    pub fn clear_all(&self) {
        let now = self.now();
        let mut merged = lock(&self.inner.merged);
        self.clear_shards();
        merged.stats.clear_all(now);
    }

    fn clear_shards(&self) {
        for shard in lock(&self.inner.shards).iter() {
            lock(shard).clear();
        }
    }

    /// Appends a history sample (every 5 s while running).
    pub fn update_history(&self, user_count: u64) {
        let now = self.now();
        self.lock_and_flush().stats.update_history(user_count, now);
    }

    /// A worker's periodic report (deltas since the last one; resets the stats).
    pub fn take_report(&self) -> StatsReport {
        let now = self.now();
        self.lock_and_flush().stats.take_report(now)
    }

    /// Merges a worker's report into the merged stats (master side).
    pub fn apply_report(&self, report: StatsReport) {
        let now = self.now();
        self.lock_and_flush().stats.apply_report(report, now);
    }

    /// Counts an exception raised in user code (`node_id` is "local" when standalone).
    pub fn log_exception(&self, node_id: &str, msg: &str, traceback: &str) {
        lock(&self.inner.merged)
            .exceptions
            .log(node_id, msg, traceback);
    }

    /// A copy of the exceptions table, in first-seen order.
    pub fn exceptions(&self) -> Vec<ExceptionEntry> {
        lock(&self.inner.merged).exceptions.rows().to_vec()
    }

    pub fn clear_exceptions(&self) {
        lock(&self.inner.merged).exceptions.clear();
    }

    /// Whether any failure was recorded or any exception raised (decides
    /// `--exit-code-on-error`).
    pub fn has_errors_or_exceptions(&self) -> bool {
        let merged = self.lock_and_flush();
        !merged.stats.errors().is_empty() || !merged.exceptions.is_empty()
    }
}

/// Records requests into one shard of [`Stats`]. Clones share the shard (and
/// its lock): give each thread its own from [`Stats::recorder`].
#[derive(Clone)]
pub struct StatsRecorder {
    shard: Arc<Mutex<Shard>>,
    clock: Clock,
}

impl StatsRecorder {
    /// Logs one request (and its failure, when `error` is set) into the entry
    /// (name, method) and the Aggregated total. `response_time` is in ms;
    /// `None` (or a non-finite value) counts as a request without a response
    /// time. `error` is the failure's text: for exceptions, Python's `repr`
    /// of it, e.g. `HTTPError('404 Client Error: ...')` or
    /// `CatchResponseError('message')`.
    pub fn log(
        &self,
        method: &str,
        name: &str,
        response_time: Option<f64>,
        content_length: u64,
        error: Option<&str>,
    ) {
        self.log_response(method, name, response_time, content_length, error, None);
    }

    /// Like [`StatsRecorder::log`], also counting the response's HTTP status
    /// code (0 when there was no response) for the status code breakdown.
    pub fn log_response(
        &self,
        method: &str,
        name: &str,
        response_time: Option<f64>,
        content_length: u64,
        error: Option<&str>,
        status_code: Option<u16>,
    ) {
        let now = self.clock.now();
        lock(&self.shard).log(
            method,
            name,
            response_time,
            content_length,
            error,
            status_code,
            now,
        );
    }
}
