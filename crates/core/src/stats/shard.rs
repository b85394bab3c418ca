//! The hot path: per-recorder shards of request deltas, merged into
//! [`RequestStats`] by [`super::Stats::flush`].
//!
//! A shard keeps, per (name, method), the counters logged since the last
//! merge. Slots, their error texts and their buffers stay allocated across
//! merges, so once a (name, method) pair has been seen, logging it again
//! allocates nothing (only a response time of 10 s or more, or a new error
//! text, may grow a buffer).

use std::collections::HashMap;

use super::entry::{bucket_response_time, StatsEntry};
use super::error::{ErrorOrigin, StatsError};
use super::number::Number;
use super::request_stats::RequestStats;

/// Buckets 0..=99 (step 1), 100..=990 (step 10), 1000..=9900 (step 100).
const DENSE_BUCKETS: usize = 280;

fn dense_index(key: i64) -> Option<usize> {
    match key {
        0..=99 => Some(key as usize),
        100..=999 if key % 10 == 0 => Some(100 + (key as usize - 100) / 10),
        1000..=9999 if key % 100 == 0 => Some(190 + (key as usize - 1000) / 100),
        _ => None,
    }
}

fn dense_key(index: usize) -> i64 {
    match index {
        0..=99 => index as i64,
        100..=189 => 100 + (index as i64 - 100) * 10,
        _ => 1000 + (index as i64 - 190) * 100,
    }
}

#[derive(Default)]
struct ErrorDelta {
    occurrences: u64,
    first_seen: f64,
    last_seen: f64,
}

/// What one (name, method) pair logged into one shard since the last merge.
struct DeltaEntry {
    method: String,
    dirty: bool,
    num_requests: u64,
    num_none_requests: u64,
    num_failures: u64,
    total_response_time: f64,
    min_response_time: f64,
    max_response_time: f64,
    total_content_length: u64,
    dense: Box<[u64; DENSE_BUCKETS]>,
    /// Touched range of `dense`, so merging scans only that.
    dense_lo: usize,
    dense_hi: usize,
    /// Buckets outside the dense range (10 s and more, negative times).
    sparse: Vec<(i64, u64)>,
    /// (epoch second, count), in logging order.
    reqs_per_sec: Vec<(i64, u64)>,
    fail_per_sec: Vec<(i64, u64)>,
    first_timestamp: f64,
    last_timestamp: f64,
    errors: HashMap<String, ErrorDelta>,
}

impl DeltaEntry {
    fn new(method: &str) -> Self {
        Self {
            method: method.to_owned(),
            dirty: false,
            num_requests: 0,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time: 0.0,
            min_response_time: f64::INFINITY,
            max_response_time: f64::NEG_INFINITY,
            total_content_length: 0,
            dense: Box::new([0; DENSE_BUCKETS]),
            dense_lo: DENSE_BUCKETS,
            dense_hi: 0,
            sparse: Vec::new(),
            reqs_per_sec: Vec::new(),
            fail_per_sec: Vec::new(),
            first_timestamp: 0.0,
            last_timestamp: 0.0,
            errors: HashMap::new(),
        }
    }

    fn log(&mut self, response_time: Option<f64>, content_length: u64, now: f64) {
        if !self.dirty {
            self.dirty = true;
            self.first_timestamp = now;
        }
        self.num_requests += 1;
        self.last_timestamp = self.last_timestamp.max(now);
        bump(&mut self.reqs_per_sec, now.trunc() as i64, 1);
        self.total_content_length = self.total_content_length.saturating_add(content_length);
        let Some(rt) = response_time.filter(|rt| rt.is_finite()) else {
            self.num_none_requests += 1;
            return;
        };
        self.total_response_time += rt;
        self.min_response_time = self.min_response_time.min(rt);
        self.max_response_time = self.max_response_time.max(rt);
        let key = bucket_response_time(rt);
        match dense_index(key) {
            Some(i) => {
                self.dense[i] += 1;
                self.dense_lo = self.dense_lo.min(i);
                self.dense_hi = self.dense_hi.max(i + 1);
            }
            None => bump(&mut self.sparse, key, 1),
        }
    }

    fn log_error(&mut self, error: &str, now: f64) {
        self.num_failures += 1;
        bump(&mut self.fail_per_sec, now.trunc() as i64, 1);
        let delta = match self.errors.get_mut(error) {
            Some(d) => d,
            None => self.errors.entry(error.to_owned()).or_default(),
        };
        if delta.occurrences == 0 {
            delta.first_seen = now;
        }
        delta.occurrences += 1;
        delta.last_seen = now;
    }

    /// Adds this delta into `e` (the same as Locust's `extend`).
    fn apply_to(&self, e: &mut StatsEntry) {
        e.last_request_timestamp = Some(
            e.last_request_timestamp
                .map_or(self.last_timestamp, |t| t.max(self.last_timestamp)),
        );
        e.start_time = e.start_time.min(self.first_timestamp);
        e.num_requests += self.num_requests;
        e.num_none_requests += self.num_none_requests;
        e.num_failures += self.num_failures;
        e.total_content_length = e
            .total_content_length
            .saturating_add(self.total_content_length);
        if self.num_requests > self.num_none_requests {
            let (min, max) = (
                Number::Float(self.min_response_time),
                Number::Float(self.max_response_time),
            );
            e.total_response_time = e.total_response_time + Number::Float(self.total_response_time);
            e.min_response_time = Some(e.min_response_time.map_or(min, |m| m.py_min(min)));
            e.max_response_time = e.max_response_time.py_max(max);
        }
        for i in self.dense_lo..self.dense_hi {
            if self.dense[i] > 0 {
                *e.response_times.entry(dense_key(i)).or_insert(0) += self.dense[i];
            }
        }
        for &(k, v) in &self.sparse {
            *e.response_times.entry(k).or_insert(0) += v;
        }
        for &(k, v) in &self.reqs_per_sec {
            *e.num_reqs_per_sec.entry(k).or_insert(0) += v;
        }
        for &(k, v) in &self.fail_per_sec {
            *e.num_fail_per_sec.entry(k).or_insert(0) += v;
        }
    }

    /// Zeroes the counters, keeping every allocation.
    fn clear(&mut self) {
        self.dirty = false;
        self.num_requests = 0;
        self.num_none_requests = 0;
        self.num_failures = 0;
        self.total_response_time = 0.0;
        self.min_response_time = f64::INFINITY;
        self.max_response_time = f64::NEG_INFINITY;
        self.total_content_length = 0;
        if self.dense_lo < self.dense_hi {
            self.dense[self.dense_lo..self.dense_hi].fill(0);
        }
        self.dense_lo = DENSE_BUCKETS;
        self.dense_hi = 0;
        self.sparse.clear();
        self.reqs_per_sec.clear();
        self.fail_per_sec.clear();
        for d in self.errors.values_mut() {
            d.occurrences = 0;
        }
    }
}

/// Adds `n` to `key`, appending when the key is not the most recent one.
fn bump(v: &mut Vec<(i64, u64)>, key: i64, n: u64) {
    match v.iter_mut().rev().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 += n,
        None => v.push((key, n)),
    }
}

/// One recorder's pending deltas.
#[derive(Default)]
pub(crate) struct Shard {
    /// name -> entries of that name, one per method (usually one or two).
    by_name: HashMap<String, Vec<DeltaEntry>>,
    dirty: bool,
}

impl Shard {
    pub(crate) fn log(
        &mut self,
        method: &str,
        name: &str,
        response_time: Option<f64>,
        content_length: u64,
        error: Option<&str>,
        now: f64,
    ) {
        self.dirty = true;
        let list = match self.by_name.get_mut(name) {
            Some(l) => l,
            None => self.by_name.entry(name.to_owned()).or_default(),
        };
        let pos = match list.iter().position(|d| d.method == method) {
            Some(p) => p,
            None => {
                list.push(DeltaEntry::new(method));
                list.len() - 1
            }
        };
        let delta = &mut list[pos];
        delta.log(response_time, content_length, now);
        if let Some(error) = error {
            delta.log_error(error, now);
        }
    }

    /// Drops pending deltas (after a reset, they belong to the old numbers).
    pub(crate) fn clear(&mut self) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        for d in self.by_name.values_mut().flatten() {
            d.clear();
        }
    }

    /// Moves pending deltas into `rs`. Entries the merged stats do not have
    /// yet go to `new_entries` first, so the caller can create them in the
    /// order of their first request across all shards.
    pub(crate) fn drain_into(&mut self, rs: &mut RequestStats, new_entries: &mut Vec<StatsEntry>) {
        if !self.dirty {
            return;
        }
        self.dirty = false;
        let use_cache = rs.total.uses_response_times_cache();
        for (name, list) in self.by_name.iter_mut() {
            for d in list.iter_mut().filter(|d| d.dirty) {
                d.apply_to(&mut rs.total);
                match rs.get_mut(name, &d.method) {
                    Some(e) => d.apply_to(e),
                    None => match new_entries
                        .iter_mut()
                        .find(|e| e.name == *name && e.method == d.method)
                    {
                        Some(e) => d.apply_to(e),
                        None => {
                            let mut e =
                                StatsEntry::new(name, &d.method, d.first_timestamp, use_cache);
                            d.apply_to(&mut e);
                            new_entries.push(e);
                        }
                    },
                }
                for (error, ed) in d.errors.iter().filter(|(_, ed)| ed.occurrences > 0) {
                    let key = StatsError::create_key(&d.method, name, error);
                    rs.error_mut(key, || {
                        StatsError::new(&d.method, name, error, ErrorOrigin::Local)
                    })
                    .merge(
                        ed.occurrences,
                        Some(ed.first_seen),
                        Some(ed.last_seen),
                    );
                }
                d.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_index_round_trips() {
        for i in 0..DENSE_BUCKETS {
            assert_eq!(dense_index(dense_key(i)), Some(i));
        }
        assert_eq!(dense_index(10000), None);
        assert_eq!(dense_index(-1), None);
        assert_eq!(dense_index(105), None);
    }
}
