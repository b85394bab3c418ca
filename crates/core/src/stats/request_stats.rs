//! All entries of one process or test (Locust's `RequestStats`): one per
//! (name, method), the "Aggregated" total, the errors and the history.

use std::collections::{BTreeMap, HashMap};

use super::entry::{RateWindow, StatsEntry};
use super::error::{ErrorOrigin, StatsError};
use super::history::{rate_or_zero, HistoryRow};
use super::pyfmt::proper_round;
use super::wire::{ErrorsMap, StatsEntryDict, StatsReport};

/// Name of the total entry (its method is "").
pub const AGGREGATED: &str = "Aggregated";

#[derive(Clone, Debug)]
pub struct RequestStats {
    /// In creation order, like Locust's dict (serialization order).
    entries: Vec<StatsEntry>,
    /// name -> method -> position in `entries`; iterates in sorted order.
    index: BTreeMap<String, BTreeMap<String, usize>>,
    pub total: StatsEntry,
    /// In first-seen order, like Locust's dict.
    errors: Vec<StatsError>,
    error_index: HashMap<String, usize>,
    pub history: Vec<HistoryRow>,
    use_response_times_cache: bool,
}

impl RequestStats {
    /// Empty stats as of `now` (epoch seconds). Workers pass
    /// `use_response_times_cache = false`: they never compute current percentiles.
    pub fn new(now: f64, use_response_times_cache: bool) -> Self {
        Self {
            entries: Vec::new(),
            index: BTreeMap::new(),
            total: StatsEntry::new(AGGREGATED, "", now, use_response_times_cache),
            errors: Vec::new(),
            error_index: HashMap::new(),
            history: Vec::new(),
            use_response_times_cache,
        }
    }

    pub fn num_requests(&self) -> u64 {
        self.total.num_requests
    }

    pub fn num_none_requests(&self) -> u64 {
        self.total.num_none_requests
    }

    pub fn num_failures(&self) -> u64 {
        self.total.num_failures
    }

    pub fn last_request_timestamp(&self) -> Option<f64> {
        self.total.last_request_timestamp
    }

    pub fn start_time(&self) -> f64 {
        self.total.start_time
    }

    /// Logs a request into its entry and the total (Locust's `log_request`).
    pub fn log_request(
        &mut self,
        method: &str,
        name: &str,
        response_time: Option<f64>,
        content_length: u64,
        now: f64,
    ) {
        self.total.log(response_time, content_length, now);
        self.entry_mut(name, method, now)
            .log(response_time, content_length, now);
    }

    /// Logs a failure into its entry, the total and the errors (Locust's `log_error`).
    pub fn log_error(&mut self, method: &str, name: &str, error: &str, now: f64) {
        self.total.log_error(now);
        self.entry_mut(name, method, now).log_error(now);
        let key = StatsError::create_key(method, name, error);
        self.error_mut(key, || {
            StatsError::new(method, name, error, ErrorOrigin::Local)
        })
        .occurred(now);
    }

    pub fn get(&self, name: &str, method: &str) -> Option<&StatsEntry> {
        let i = *self.index.get(name)?.get(method)?;
        Some(&self.entries[i])
    }

    /// The entry for (name, method), created as of `now` if missing.
    pub fn entry_mut(&mut self, name: &str, method: &str, now: f64) -> &mut StatsEntry {
        if let Some(&i) = self.index.get(name).and_then(|m| m.get(method)) {
            return &mut self.entries[i];
        }
        let entry = StatsEntry::new(name, method, now, self.use_response_times_cache);
        self.insert_entry(entry)
    }

    /// Adds a new entry; the caller checked that (name, method) is absent.
    pub(crate) fn insert_entry(&mut self, entry: StatsEntry) -> &mut StatsEntry {
        let i = self.entries.len();
        self.index
            .entry(entry.name.clone())
            .or_default()
            .insert(entry.method.clone(), i);
        self.entries.push(entry);
        &mut self.entries[i]
    }

    pub(crate) fn get_mut(&mut self, name: &str, method: &str) -> Option<&mut StatsEntry> {
        let i = *self.index.get(name)?.get(method)?;
        Some(&mut self.entries[i])
    }

    /// The error under `key`, inserted with `make` if missing.
    pub(crate) fn error_mut(
        &mut self,
        key: String,
        make: impl FnOnce() -> StatsError,
    ) -> &mut StatsError {
        let i = match self.error_index.get(&key) {
            Some(&i) => i,
            None => {
                self.errors.push(make());
                self.error_index.insert(key, self.errors.len() - 1);
                self.errors.len() - 1
            }
        };
        &mut self.errors[i]
    }

    /// Entries sorted by (name, method), the order of every table and CSV.
    pub fn entries(&self) -> impl Iterator<Item = &StatsEntry> + '_ {
        self.index
            .values()
            .flat_map(|m| m.values())
            .map(|&i| &self.entries[i])
    }

    /// Entries in creation order (Locust's dict order, used when serializing).
    pub fn entries_in_creation_order(&self) -> &[StatsEntry] {
        &self.entries
    }

    pub fn num_entries(&self) -> usize {
        self.entries.len()
    }

    /// Errors in first-seen order (the console error report's order).
    pub fn errors(&self) -> &[StatsError] {
        &self.errors
    }

    /// Errors sorted by key (the failures CSV's order), with their keys.
    pub fn errors_sorted_by_key(&self) -> Vec<(String, &StatsError)> {
        let mut v: Vec<(String, &StatsError)> = self.errors.iter().map(|e| (e.key(), e)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// The total's window, which every entry's rates use.
    pub fn rate_window(&self) -> RateWindow {
        self.total.rate_window()
    }

    pub fn current_rps(&self, entry: &StatsEntry) -> f64 {
        entry.current_rps(self.rate_window())
    }

    pub fn current_fail_per_sec(&self, entry: &StatsEntry) -> f64 {
        entry.current_fail_per_sec(self.rate_window())
    }

    pub fn total_rps(&self, entry: &StatsEntry) -> f64 {
        entry.total_rps(self.rate_window())
    }

    pub fn total_fail_per_sec(&self, entry: &StatsEntry) -> f64 {
        entry.total_fail_per_sec(self.rate_window())
    }

    /// Zeroes every entry, the errors and the history; entry names stay.
    pub fn reset_all(&mut self, now: f64) {
        self.total.reset(now);
        self.errors.clear();
        self.error_index.clear();
        for e in &mut self.entries {
            e.reset(now);
        }
        self.history.clear();
    }

    /// Removes every entry, error and history row.
    pub fn clear_all(&mut self, now: f64) {
        self.total = StatsEntry::new(AGGREGATED, "", now, self.use_response_times_cache);
        self.entries.clear();
        self.index.clear();
        self.errors.clear();
        self.error_index.clear();
        self.history.clear();
    }

    /// Appends a history sample of the total (Locust's `update_stats_history`).
    pub fn update_history(&mut self, user_count: u64, now: f64) {
        let window = self.rate_window();
        let row = HistoryRow {
            time: now,
            user_count,
            current_rps: rate_or_zero(self.total.current_rps(window)),
            current_fail_per_sec: rate_or_zero(self.total.current_fail_per_sec(window)),
            response_time_percentile_0_5: self
                .total
                .get_current_response_time_percentile(0.5, now)
                .unwrap_or(0),
            response_time_percentile_0_95: self
                .total
                .get_current_response_time_percentile(0.95, now)
                .unwrap_or(0),
            total_avg_response_time: proper_round(self.total.avg_response_time(), 2),
        };
        self.history.push(row);
    }

    /// Wire dicts of the entries that have requests or failures, in creation
    /// order, without changing anything.
    pub fn serialize_stats(&self) -> Vec<StatsEntryDict> {
        self.entries
            .iter()
            .filter(|e| e.num_requests > 0 || e.num_failures > 0)
            .map(StatsEntry::serialize)
            .collect()
    }

    /// Locust's `serialize_stats`, which also resets each serialized entry as of
    /// `now`. Locust's `--json` goes through it, so its final table shows the
    /// entries zeroed (only the total keeps its numbers).
    pub fn serialize_stats_and_reset(&mut self, now: f64) -> Vec<StatsEntryDict> {
        let mut out = Vec::new();
        for e in &mut self.entries {
            if e.num_requests > 0 || e.num_failures > 0 {
                out.push(e.serialize());
                e.reset(now);
            }
        }
        out
    }

    pub fn serialize_errors(&self) -> ErrorsMap {
        ErrorsMap(
            self.errors
                .iter()
                .map(|e| (e.key(), e.serialize()))
                .collect(),
        )
    }

    /// A worker's periodic report: the deltas since the previous one. Entries
    /// and the total are reset as of `now` and the errors cleared.
    pub fn take_report(&mut self, now: f64) -> StatsReport {
        let status_codes = self
            .entries
            .iter()
            .filter(|e| !e.status_codes.is_empty())
            .map(|e| (e.name.clone(), e.method.clone(), e.status_codes.clone()))
            .collect();
        let stats = self.serialize_stats_and_reset(now);
        let stats_total = self.total.serialize();
        self.total.reset(now);
        let errors = self.serialize_errors();
        self.errors.clear();
        self.error_index.clear();
        StatsReport {
            stats,
            stats_total,
            errors,
            status_codes,
        }
    }

    /// Merges a worker's report (Locust's master `on_worker_report`): entries
    /// are extended, the total is extended from `stats_total` (not recomputed),
    /// errors are added by key.
    pub fn apply_report(&mut self, report: StatsReport, now: f64) {
        for data in report.stats {
            let incoming = StatsEntry::unserialize(data);
            self.entry_mut(&incoming.name, &incoming.method, now)
                .extend(&incoming);
        }
        for (key, data) in report.errors.0 {
            let (occurrences, first, last) = (data.occurrences, data.first_seen, data.last_seen);
            let mut created = false;
            let e = self.error_mut(key, || {
                created = true;
                StatsError::unserialize(data)
            });
            if !created {
                e.merge(occurrences, first, last);
            }
        }
        self.total
            .extend(&StatsEntry::unserialize(report.stats_total));
        for (name, method, codes) in report.status_codes {
            let entry = self.entry_mut(&name, &method, now);
            for (&code, &n) in &codes {
                *entry.status_codes.entry(code).or_insert(0) += n;
            }
            for (code, n) in codes {
                *self.total.status_codes.entry(code).or_insert(0) += n;
            }
        }
    }
}
