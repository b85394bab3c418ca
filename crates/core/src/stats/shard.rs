//! The hot path: per-recorder shards of request deltas, merged into
//! [`RequestStats`] by [`super::Stats::flush`].
//!
//! A shard keeps, per (name, method) and per epoch second, the counters
//! logged since the last merge. Slots, their error texts and their buffers
//! stay allocated across merges, so once a (name, method) pair has been seen,
//! logging it again allocates nothing (a new error text, a response time of
//! 10 s or more, or more seconds between merges than ever before may grow a
//! buffer). Merging once a second ([`super::Stats::tick`]) keeps shards small.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::entry::{bucket_response_time, StatsEntry};
use super::error::{ErrorOrigin, StatsError};
use super::number::Number;
use super::request_stats::RequestStats;

/// A small fast hash for the shard's name lookups (the hot path hashes every
/// request's name; SipHash's DoS resistance buys nothing here).
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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

/// What one (name, method) pair logged into one shard during one epoch second.
struct DeltaSlice {
    second: i64,
    num_requests: u64,
    num_none_requests: u64,
    num_failures: u64,
    total_response_time: f64,
    min_response_time: f64,
    max_response_time: f64,
    total_content_length: u64,
    dense: Box<[u32; DENSE_BUCKETS]>,
    /// Touched range of `dense`, so merging scans only that.
    dense_lo: usize,
    dense_hi: usize,
    /// Buckets outside the dense range (10 s and more, negative times).
    sparse: Vec<(i64, u64)>,
    first_timestamp: f64,
    last_timestamp: f64,
}

impl DeltaSlice {
    fn new() -> Self {
        Self {
            second: 0,
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
            first_timestamp: 0.0,
            last_timestamp: 0.0,
        }
    }

    /// Empties the slice for `second`, keeping its buffers.
    fn start(&mut self, second: i64, now: f64) {
        self.second = second;
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
        self.first_timestamp = now;
        self.last_timestamp = now;
    }

    fn log(&mut self, response_time: Option<f64>, content_length: u64, now: f64) {
        self.num_requests += 1;
        self.first_timestamp = self.first_timestamp.min(now);
        self.last_timestamp = self.last_timestamp.max(now);
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
                self.dense[i] = self.dense[i].saturating_add(1);
                self.dense_lo = self.dense_lo.min(i);
                self.dense_hi = self.dense_hi.max(i + 1);
            }
            None => match self.sparse.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 += 1,
                None => self.sparse.push((key, 1)),
            },
        }
    }

    /// Adds this slice into `e`: Locust's `log` for each of its requests,
    /// including the histogram snapshot when `e` enters a new second.
    fn apply_to(&self, e: &mut StatsEntry) {
        e.enter_second(self.second);
        e.last_request_timestamp = Some(
            e.last_request_timestamp
                .map_or(self.last_timestamp, |t| t.max(self.last_timestamp)),
        );
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
                *e.response_times.entry(dense_key(i)).or_insert(0) += u64::from(self.dense[i]);
            }
        }
        for &(k, v) in &self.sparse {
            *e.response_times.entry(k).or_insert(0) += v;
        }
        *e.num_reqs_per_sec.entry(self.second).or_insert(0) += self.num_requests;
        if self.num_failures > 0 {
            *e.num_fail_per_sec.entry(self.second).or_insert(0) += self.num_failures;
        }
    }
}

/// What one (name, method) pair logged into one shard since the last merge:
/// one slice per epoch second, so merging can replay Locust's per-second
/// histogram snapshots.
struct DeltaEntry {
    method: String,
    /// `slices[..used]` hold data; the rest are spare buffers.
    slices: Vec<DeltaSlice>,
    used: usize,
    errors: FxMap<String, ErrorDelta>,
    has_errors: bool,
    /// (status code, responses) since the last merge; zeroed, not removed.
    status_codes: Vec<(u16, u64)>,
}

impl DeltaEntry {
    fn new(method: &str) -> Self {
        Self {
            method: method.to_owned(),
            slices: Vec::new(),
            used: 0,
            errors: FxMap::default(),
            has_errors: false,
            status_codes: Vec::new(),
        }
    }

    fn count_status(&mut self, code: u16) {
        match self.status_codes.iter_mut().find(|(c, _)| *c == code) {
            Some(slot) => slot.1 += 1,
            None => self.status_codes.push((code, 1)),
        }
    }

    fn slice_for(&mut self, now: f64) -> &mut DeltaSlice {
        let second = now.trunc() as i64;
        if let Some(i) = self.slices[..self.used]
            .iter()
            .rposition(|s| s.second == second)
        {
            return &mut self.slices[i];
        }
        if self.used == self.slices.len() {
            self.slices.push(DeltaSlice::new());
        }
        self.used += 1;
        let slice = &mut self.slices[self.used - 1];
        slice.start(second, now);
        slice
    }

    fn log_error(&mut self, error: &str, now: f64) {
        self.slice_for(now).num_failures += 1;
        self.has_errors = true;
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

    /// Forgets the pending data, keeping every allocation.
    fn clear(&mut self) {
        self.used = 0;
        for slot in &mut self.status_codes {
            slot.1 = 0;
        }
        if self.has_errors {
            self.has_errors = false;
            for d in self.errors.values_mut() {
                d.occurrences = 0;
            }
        }
    }
}

/// One recorder's pending deltas.
#[derive(Default)]
pub(crate) struct Shard {
    /// name -> entries of that name, one per method (usually one or two).
    by_name: FxMap<String, Vec<DeltaEntry>>,
    dirty: bool,
}

impl Shard {
    // One call per request: plain arguments, as StatsRecorder received them.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn log(
        &mut self,
        method: &str,
        name: &str,
        response_time: Option<f64>,
        content_length: u64,
        error: Option<&str>,
        status_code: Option<u16>,
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
        delta.slice_for(now).log(response_time, content_length, now);
        if let Some(code) = status_code {
            delta.count_status(code);
        }
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
}

/// Moves the pending deltas of all `shards` into `rs`, oldest second first,
/// so entries take their histogram snapshots as if each request had been
/// logged directly. Entries new to `rs` are created in the order of their
/// first request.
pub(crate) fn merge_shards(shards: &mut [&mut Shard], rs: &mut RequestStats) {
    let use_cache = rs.total.uses_response_times_cache();
    {
        // (name, delta, slice) for every pending slice of every shard
        let mut slices: Vec<(&str, &DeltaEntry, &DeltaSlice)> = Vec::new();
        for shard in shards.iter().filter(|s| s.dirty) {
            for (name, list) in &shard.by_name {
                for d in list {
                    slices.extend(d.slices[..d.used].iter().map(|s| (name.as_str(), d, s)));
                }
            }
        }
        slices.sort_by_key(|(_, _, s)| s.second);
        for (_, _, s) in &slices {
            s.apply_to(&mut rs.total);
        }

        slices.sort_by(|a, b| (a.0, a.1.method.as_str()).cmp(&(b.0, b.1.method.as_str())));
        let mut new_entries: Vec<(f64, &str, &str)> = Vec::new();
        for group in slices.chunk_by(|a, b| a.0 == b.0 && a.1.method == b.1.method) {
            let (name, d, _) = group[0];
            if rs.get(name, &d.method).is_none() {
                let first = group
                    .iter()
                    .map(|(_, _, s)| s.first_timestamp)
                    .fold(f64::INFINITY, f64::min);
                new_entries.push((first, name, &d.method));
            }
        }
        new_entries.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (first, name, method) in new_entries {
            rs.insert_entry(StatsEntry::new(name, method, first, use_cache));
        }
        for group in slices.chunk_by(|a, b| a.0 == b.0 && a.1.method == b.1.method) {
            let (name, d, _) = group[0];
            if let Some(e) = rs.get_mut(name, &d.method) {
                for (_, _, s) in group {
                    s.apply_to(e);
                }
            }
        }

        for shard in shards.iter().filter(|s| s.dirty) {
            for (name, list) in &shard.by_name {
                for d in list {
                    for &(code, n) in d.status_codes.iter().filter(|(_, n)| *n > 0) {
                        *rs.total.status_codes.entry(code).or_insert(0) += n;
                        if let Some(e) = rs.get_mut(name, &d.method) {
                            *e.status_codes.entry(code).or_insert(0) += n;
                        }
                    }
                }
                for d in list.iter().filter(|d| d.has_errors) {
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
                }
            }
        }
    }
    for shard in shards.iter_mut() {
        shard.clear();
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
