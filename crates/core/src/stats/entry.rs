//! One row of the statistics (Locust's `StatsEntry`): a (name, method) pair, or
//! the "Aggregated" total.

use std::collections::{BTreeMap, VecDeque};

use super::number::Number;
use super::pyfmt::{python_round_int, python_round_to_power_of_ten};
use super::wire::StatsEntryDict;

/// Locust's `CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW`: seconds looked back by
/// the "current" percentiles.
pub const CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW: i64 = 10;

/// How many per-second snapshots an entry keeps.
const RESPONSE_TIMES_CACHE_SIZE: usize = CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW as usize + 10;

/// Locust's `bucket_response_time`: keeps about two significant digits so the
/// histogram stays small (147 -> 150, 3432 -> 3400, 58760 -> 59000), with
/// Python's ties-to-even rounding (145 -> 140, 155 -> 160).
pub fn bucket_response_time(response_time: f64) -> i64 {
    if response_time < 100.0 {
        python_round_int(response_time)
    } else if response_time < 1000.0 {
        python_round_to_power_of_ten(response_time, 1)
    } else if response_time < 10000.0 {
        python_round_to_power_of_ten(response_time, 2)
    } else {
        python_round_to_power_of_ten(response_time, 3)
    }
}

/// Locust's `calculate_response_time_percentile`: walks the buckets from the
/// slowest down until at most `int(num_requests * percent)` requests are left.
pub fn calculate_response_time_percentile(
    response_times: &BTreeMap<i64, u64>,
    num_requests: i64,
    percent: f64,
) -> i64 {
    let num_of_request = (num_requests as f64 * percent) as i64;
    let mut processed: i64 = 0;
    for (&rt, &count) in response_times.iter().rev() {
        processed = processed.saturating_add(count as i64);
        if num_requests - processed <= num_of_request {
            return rt;
        }
    }
    0
}

/// Locust's `diff_response_time_dicts`: `latest - old`, keeping non-zero keys.
pub fn diff_response_time_dicts(
    latest: &BTreeMap<i64, u64>,
    old: &BTreeMap<i64, u64>,
) -> BTreeMap<i64, u64> {
    latest
        .iter()
        .filter_map(|(&k, &v)| {
            let d = v.saturating_sub(old.get(&k).copied().unwrap_or(0));
            (d > 0).then_some((k, d))
        })
        .collect()
}

/// The total's timestamps, which Locust uses for every entry's rates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateWindow {
    pub last_request_timestamp: Option<f64>,
    pub start_time: f64,
}

/// A copy of the histogram taken at one second, for the "current" percentiles.
#[derive(Clone, Debug, Default)]
pub struct CachedResponseTimes {
    pub response_times: BTreeMap<i64, u64>,
    pub num_requests: u64,
    pub num_none_requests: u64,
}

#[derive(Clone, Debug)]
pub struct StatsEntry {
    pub name: String,
    pub method: String,
    pub num_requests: u64,
    /// Requests logged without a response time.
    pub num_none_requests: u64,
    pub num_failures: u64,
    /// Sum of the response times in ms.
    pub total_response_time: Number,
    pub min_response_time: Option<Number>,
    pub max_response_time: Number,
    /// Requests per epoch second.
    pub num_reqs_per_sec: BTreeMap<i64, u64>,
    pub num_fail_per_sec: BTreeMap<i64, u64>,
    /// Bucketed response time (ms) -> count.
    pub response_times: BTreeMap<i64, u64>,
    pub total_content_length: u64,
    /// Responses per HTTP status code (0: no response), a rocust statistic
    /// the web UI and the HTML report show; not sent on Locust's wire.
    pub status_codes: BTreeMap<u16, u64>,
    /// Epoch seconds of the creation or last reset.
    pub start_time: f64,
    pub last_request_timestamp: Option<f64>,
    /// (epoch second, snapshot), oldest first; `None` when disabled (workers).
    response_times_cache: Option<VecDeque<(i64, CachedResponseTimes)>>,
}

impl StatsEntry {
    /// A fresh entry as of `now` (epoch seconds). With `use_response_times_cache`
    /// it keeps per-second snapshots for the "current" percentiles.
    pub fn new(name: &str, method: &str, now: f64, use_response_times_cache: bool) -> Self {
        let mut e = Self {
            name: name.to_owned(),
            method: method.to_owned(),
            num_requests: 0,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time: Number::Int(0),
            min_response_time: None,
            max_response_time: Number::Int(0),
            num_reqs_per_sec: BTreeMap::new(),
            num_fail_per_sec: BTreeMap::new(),
            response_times: BTreeMap::new(),
            total_content_length: 0,
            status_codes: BTreeMap::new(),
            start_time: now,
            last_request_timestamp: None,
            response_times_cache: use_response_times_cache.then(VecDeque::new),
        };
        e.reset(now);
        e
    }

    pub fn uses_response_times_cache(&self) -> bool {
        self.response_times_cache.is_some()
    }

    /// Zeroes the counters, keeping the name; `start_time` becomes `now`.
    pub fn reset(&mut self, now: f64) {
        self.start_time = now;
        self.num_requests = 0;
        self.num_none_requests = 0;
        self.num_failures = 0;
        self.total_response_time = Number::Int(0);
        self.response_times.clear();
        self.min_response_time = None;
        self.max_response_time = Number::Int(0);
        self.last_request_timestamp = None;
        self.num_reqs_per_sec.clear();
        self.num_fail_per_sec.clear();
        self.total_content_length = 0;
        self.status_codes.clear();
        if let Some(cache) = &mut self.response_times_cache {
            cache.clear();
            self.cache_response_times(now.trunc() as i64);
        }
    }

    /// Logs one request at `now` (epoch seconds); `None` = no response time.
    pub fn log(&mut self, response_time: Option<f64>, content_length: u64, now: f64) {
        self.enter_second(now.trunc() as i64);
        self.num_requests += 1;
        *self.num_reqs_per_sec.entry(now.trunc() as i64).or_insert(0) += 1;
        self.last_request_timestamp = Some(now);
        match response_time {
            Some(rt) if rt.is_finite() => {
                let rt = Number::Float(rt);
                self.total_response_time = self.total_response_time + rt;
                self.min_response_time = Some(match self.min_response_time {
                    None => rt,
                    Some(m) => m.py_min(rt),
                });
                self.max_response_time = self.max_response_time.py_max(rt);
                *self
                    .response_times
                    .entry(bucket_response_time(rt.as_f64()))
                    .or_insert(0) += 1;
            }
            // Non-finite times cannot be bucketed; they count as "no response time".
            _ => self.num_none_requests += 1,
        }
        self.total_content_length = self.total_content_length.saturating_add(content_length);
    }

    /// Counts one failure at `now`.
    pub fn log_error(&mut self, now: f64) {
        self.num_failures += 1;
        *self.num_fail_per_sec.entry(now.trunc() as i64).or_insert(0) += 1;
    }

    /// Requests that have a response time.
    pub fn num_timed_requests(&self) -> i64 {
        self.num_requests as i64 - self.num_none_requests as i64
    }

    pub fn fail_ratio(&self) -> f64 {
        if self.num_requests == 0 {
            if self.num_failures > 0 {
                1.0
            } else {
                0.0
            }
        } else {
            self.num_failures as f64 / self.num_requests as f64
        }
    }

    pub fn avg_response_time(&self) -> f64 {
        let n = self.num_timed_requests();
        if n == 0 {
            0.0
        } else {
            self.total_response_time.as_f64() / n as f64
        }
    }

    /// The 50th percentile clamped to [min, max] (an int, or the raw float
    /// min/max when clamped, as in Locust).
    pub fn median_response_time(&self) -> Number {
        if self.response_times.is_empty() {
            return Number::Int(0);
        }
        let median = Number::Int(calculate_response_time_percentile(
            &self.response_times,
            self.num_timed_requests(),
            0.5,
        ));
        if median.py_cmp(self.max_response_time).is_gt() {
            self.max_response_time
        } else {
            match self.min_response_time {
                Some(min) if median.py_cmp(min).is_lt() => min,
                _ => median,
            }
        }
    }

    pub fn get_response_time_percentile(&self, percent: f64) -> i64 {
        calculate_response_time_percentile(&self.response_times, self.num_timed_requests(), percent)
    }

    /// The percentile over roughly the last 10 s, from the snapshot nearest to
    /// `now - 10` (searching up to 8 s either side). `None` without a snapshot.
    pub fn get_current_response_time_percentile(&self, percent: f64, now: f64) -> Option<i64> {
        let cache = self.response_times_cache.as_ref()?;
        let t = now.trunc() as i64 - CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW;
        let candidates = std::iter::once(t).chain((1..9).flat_map(|i| [t - i, t + i].into_iter()));
        for ts in candidates {
            if let Some((_, cached)) = cache.iter().find(|(k, _)| *k == ts) {
                let n = self.num_timed_requests()
                    - (cached.num_requests as i64 - cached.num_none_requests as i64);
                let diff = diff_response_time_dicts(&self.response_times, &cached.response_times);
                return Some(calculate_response_time_percentile(&diff, n, percent));
            }
        }
        None
    }

    /// Requests per second over the 10 s before the last 2 s, using the
    /// total's window (Locust's `current_rps`).
    pub fn current_rps(&self, window: RateWindow) -> f64 {
        windowed_average(&self.num_reqs_per_sec, window)
    }

    pub fn current_fail_per_sec(&self, window: RateWindow) -> f64 {
        windowed_average(&self.num_fail_per_sec, window)
    }

    /// Requests per second over the whole run (Locust's `total_rps`).
    pub fn total_rps(&self, window: RateWindow) -> f64 {
        whole_run_rate(self.num_requests, window)
    }

    pub fn total_fail_per_sec(&self, window: RateWindow) -> f64 {
        whole_run_rate(self.num_failures, window)
    }

    /// Average response size in bytes: an int 0 without requests, else a float.
    pub fn avg_content_length(&self) -> Number {
        if self.num_requests == 0 {
            Number::Int(0)
        } else {
            Number::Float(self.total_content_length as f64 / self.num_requests as f64)
        }
    }

    /// This entry's own window, as used when it is the total.
    pub fn rate_window(&self) -> RateWindow {
        RateWindow {
            last_request_timestamp: self.last_request_timestamp,
            start_time: self.start_time,
        }
    }

    /// Adds another entry's data (Locust's `extend`), for worker reports. A
    /// merge that moves the last request into a later second snapshots the
    /// histogram at that second, as Locust's master does.
    pub fn extend(&mut self, other: &StatsEntry) {
        let old_last_second = self
            .last_request_timestamp
            .filter(|t| *t != 0.0)
            .map_or(0, |t| t.trunc() as i64);
        self.last_request_timestamp =
            match (self.last_request_timestamp, other.last_request_timestamp) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        self.start_time = self.start_time.min(other.start_time);
        self.num_requests += other.num_requests;
        self.num_none_requests += other.num_none_requests;
        self.num_failures += other.num_failures;
        self.total_response_time = self.total_response_time + other.total_response_time;
        self.max_response_time = self.max_response_time.py_max(other.max_response_time);
        self.min_response_time = match (self.min_response_time, other.min_response_time) {
            (Some(a), Some(b)) => Some(a.py_min(b)),
            (a, b) => a.or(b),
        };
        self.total_content_length = self
            .total_content_length
            .saturating_add(other.total_content_length);
        add_counts(&mut self.response_times, &other.response_times);
        for (&code, &n) in &other.status_codes {
            *self.status_codes.entry(code).or_insert(0) += n;
        }
        add_counts(&mut self.num_reqs_per_sec, &other.num_reqs_per_sec);
        add_counts(&mut self.num_fail_per_sec, &other.num_fail_per_sec);
        if let Some(last) = self.last_request_timestamp.filter(|t| *t != 0.0) {
            let last_second = last.trunc() as i64;
            if last_second != 0 && last_second > old_last_second {
                self.cache_response_times(last_second);
            }
        }
    }

    /// Called before adding requests of epoch second `t`: the first request
    /// of a new second snapshots the histogram as of the end of second `t - 1`
    /// (Locust's `log`).
    pub(crate) fn enter_second(&mut self, t: i64) {
        if self.response_times_cache.is_some()
            && self
                .last_request_timestamp
                .is_some_and(|last| last != 0.0 && t > last.trunc() as i64)
        {
            self.cache_response_times(t - 1);
        }
    }

    fn cache_response_times(&mut self, t: i64) {
        let Some(cache) = &mut self.response_times_cache else {
            return;
        };
        let snapshot = CachedResponseTimes {
            response_times: self.response_times.clone(),
            num_requests: self.num_requests,
            num_none_requests: self.num_none_requests,
        };
        match cache.iter_mut().find(|(k, _)| *k == t) {
            Some(slot) => slot.1 = snapshot,
            None => cache.push_back((t, snapshot)),
        }
        while cache.len() > RESPONSE_TIMES_CACHE_SIZE {
            cache.pop_front();
        }
    }

    /// Locust's wire dict of this entry.
    pub fn serialize(&self) -> StatsEntryDict {
        StatsEntryDict {
            name: self.name.clone(),
            method: self.method.clone(),
            last_request_timestamp: self.last_request_timestamp,
            start_time: self.start_time,
            num_requests: self.num_requests,
            num_none_requests: self.num_none_requests,
            num_failures: self.num_failures,
            total_response_time: self.total_response_time,
            max_response_time: self.max_response_time,
            min_response_time: self.min_response_time,
            total_content_length: self.total_content_length,
            response_times: self.response_times.clone(),
            num_reqs_per_sec: self.num_reqs_per_sec.clone(),
            num_fail_per_sec: self.num_fail_per_sec.clone(),
        }
    }

    /// An entry (without snapshots) holding a wire dict's data.
    pub fn unserialize(data: StatsEntryDict) -> Self {
        Self {
            name: data.name,
            method: data.method,
            num_requests: data.num_requests,
            num_none_requests: data.num_none_requests,
            num_failures: data.num_failures,
            total_response_time: data.total_response_time,
            min_response_time: data.min_response_time,
            max_response_time: data.max_response_time,
            num_reqs_per_sec: data.num_reqs_per_sec,
            num_fail_per_sec: data.num_fail_per_sec,
            response_times: data.response_times,
            total_content_length: data.total_content_length,
            status_codes: BTreeMap::new(),
            start_time: data.start_time,
            last_request_timestamp: data.last_request_timestamp,
            response_times_cache: None,
        }
    }
}

fn add_counts(into: &mut BTreeMap<i64, u64>, from: &BTreeMap<i64, u64>) {
    for (&k, &v) in from {
        *into.entry(k).or_insert(0) += v;
    }
}

fn windowed_average(per_sec: &BTreeMap<i64, u64>, window: RateWindow) -> f64 {
    let Some(last) = window.last_request_timestamp else {
        return 0.0;
    };
    let last = last.trunc() as i64;
    let start = (last - 12).max(window.start_time.trunc() as i64);
    let end = last - 2;
    if end <= start {
        return 0.0;
    }
    let sum: u64 = per_sec.range(start..end).map(|(_, v)| *v).sum();
    sum as f64 / (end - start) as f64
}

fn whole_run_rate(count: u64, window: RateWindow) -> f64 {
    match window.last_request_timestamp {
        Some(last) if last != 0.0 && window.start_time != 0.0 => {
            let span = last - window.start_time;
            if span == 0.0 {
                0.0
            } else {
                count as f64 / span
            }
        }
        _ => 0.0,
    }
}
