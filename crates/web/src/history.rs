//! The charts' history at one-second resolution (`GET /stats/history`, a
//! rocust endpoint), kept on the server so a page reload loses nothing.
//! Locust keeps a point every 5 s and its page draws its own 2 s points,
//! which a reload loses.
//!
//! A sampler takes one point a second while users run: the total's current
//! rates and current percentiles (every percentile the page can choose), and
//! for the few request names a page asked about, their current percentiles.
//! Per-name request and failure counts need no sampling: every entry keeps
//! its per-second counts for the whole run.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rocust_core::runner::RunnerState;
use rocust_core::stats::{RequestStats, StatsEntry};
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::api::Shared;
use rocust_report::dicts::percentile_key;

/// The percentiles a page may chart (Locust's `PERCENTILES_TO_REPORT`).
pub(crate) const PERCENTILE_CHOICES: [f64; 10] =
    [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 1.0];

/// A day of one-second points.
const MAX_POINTS: usize = 86_400;

/// Request names whose percentiles are sampled, once a page asked for them.
const MAX_TRACKED_NAMES: usize = 20;

#[derive(Clone, Debug, PartialEq)]
struct Point {
    time: f64,
    user_count: usize,
    current_rps: f64,
    current_fail_per_sec: f64,
    percentiles: Percentiles,
}

/// Current percentiles, one per [`PERCENTILE_CHOICES`].
type Percentiles = [Option<i64>; PERCENTILE_CHOICES.len()];

/// A request name and method.
type Key = (String, String);

#[derive(Default)]
struct Tracked {
    /// (name, method) -> (epoch second, percentiles), oldest first.
    names: Vec<(Key, VecDeque<(i64, Percentiles)>)>,
}

#[derive(Default)]
pub(crate) struct History {
    points: Mutex<VecDeque<Point>>,
    tracked: Mutex<Tracked>,
    sampler: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn current_percentiles(e: &StatsEntry, now: f64) -> Percentiles {
    PERCENTILE_CHOICES.map(|p| e.get_current_response_time_percentile(p, now))
}

impl History {
    /// Starts the one-second sampler on the current runtime.
    pub(crate) fn start(&self, shared: &Arc<Shared>) {
        let weak = Arc::downgrade(shared);
        let task = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let Some(shared) = weak.upgrade() else { return };
                let state = shared.runner.state();
                if matches!(
                    state,
                    RunnerState::Spawning | RunnerState::Running | RunnerState::Cleanup
                ) {
                    let user_count = shared.runner.user_count();
                    let env = shared.runner.environment();
                    let now = env.stats.now();
                    env.stats
                        .with_request_stats(|rs| shared.history.sample(rs, user_count, now));
                }
            }
        });
        if let Some(old) = lock(&self.sampler).replace(task) {
            old.abort();
        }
    }

    pub(crate) fn stop(&self) {
        if let Some(task) = lock(&self.sampler).take() {
            task.abort();
        }
    }

    fn sample(&self, rs: &RequestStats, user_count: usize, now: f64) {
        let window = rs.rate_window();
        let point = Point {
            time: now,
            user_count,
            current_rps: rs.total.current_rps(window),
            current_fail_per_sec: rs.total.current_fail_per_sec(window),
            percentiles: current_percentiles(&rs.total, now),
        };
        {
            let mut points = lock(&self.points);
            if points.len() == MAX_POINTS {
                points.pop_front();
            }
            points.push_back(point);
        }
        let mut tracked = lock(&self.tracked);
        for ((name, method), samples) in &mut tracked.names {
            if let Some(e) = rs.get(name, method) {
                if samples.len() == MAX_POINTS {
                    samples.pop_front();
                }
                samples.push_back((now.trunc() as i64, current_percentiles(e, now)));
            }
        }
    }

    /// Forgets everything (`/stats/reset`).
    pub(crate) fn clear(&self) {
        lock(&self.points).clear();
        for (_, samples) in &mut lock(&self.tracked).names {
            samples.clear();
        }
    }

    /// The total's points after `since` (epoch seconds).
    pub(crate) fn total_since(&self, since: f64) -> Value {
        let points = lock(&self.points);
        let start = points.partition_point(|p| p.time <= since);
        let points: Vec<Value> = points
            .range(start..)
            .map(|p| {
                json!({
                    "time": p.time,
                    "user_count": p.user_count,
                    "current_rps": p.current_rps,
                    "current_fail_per_sec": p.current_fail_per_sec,
                    "percentiles": percentiles_json(&p.percentiles),
                })
            })
            .collect();
        json!({"interval": 1, "points": points})
    }

    /// One entry's points after `since`: its requests and failures in each
    /// second, and its current percentiles where sampled. Asking starts the
    /// sampling of that entry's percentiles.
    pub(crate) fn entry_since(
        &self,
        rs: &RequestStats,
        name: &str,
        method: &str,
        since: f64,
    ) -> Value {
        let key = (name.to_owned(), method.to_owned());
        let mut tracked = lock(&self.tracked);
        if !tracked.names.iter().any(|(k, _)| *k == key) {
            if tracked.names.len() == MAX_TRACKED_NAMES {
                tracked.names.remove(0);
            }
            tracked.names.push((key.clone(), VecDeque::new()));
        }
        let Some(e) = rs.get(name, method) else {
            return json!({"interval": 1, "points": []});
        };
        let sampled: BTreeMap<i64, &Percentiles> = tracked
            .names
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, s)| s.iter().map(|(t, p)| (*t, p)).collect())
            .unwrap_or_default();
        let first = (since.floor() as i64).saturating_add(1);
        let (Some(&start), Some(&end)) = (
            e.num_reqs_per_sec.keys().next(),
            e.num_reqs_per_sec.keys().next_back(),
        ) else {
            return json!({"interval": 1, "points": []});
        };
        let none = [None; PERCENTILE_CHOICES.len()];
        let points: Vec<Value> = (start.max(first)..=end)
            .map(|second| {
                json!({
                    "time": second as f64,
                    "current_rps": e.num_reqs_per_sec.get(&second).copied().unwrap_or(0),
                    "current_fail_per_sec": e.num_fail_per_sec.get(&second).copied().unwrap_or(0),
                    "percentiles": percentiles_json(sampled.get(&second).copied().unwrap_or(&none)),
                })
            })
            .collect();
        json!({"interval": 1, "points": points})
    }
}

fn percentiles_json(values: &Percentiles) -> Value {
    Value::Object(
        PERCENTILE_CHOICES
            .iter()
            .zip(values)
            .map(|(p, v)| (percentile_key(*p), json!(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_after_since_and_per_entry_counts() {
        let history = History::default();
        let mut rs = RequestStats::new(1000.0, true);
        for i in 0..30 {
            let t = 1000.0 + i as f64;
            rs.log_request("GET", "/a", Some(10.0 + i as f64), 1, t);
            if i % 2 == 0 {
                rs.log_error("GET", "/a", "x", t);
            }
            history.sample(&rs, 2, t + 0.5);
        }
        let all = history.total_since(0.0);
        assert_eq!(all["points"].as_array().unwrap().len(), 30);
        let later = history.total_since(1020.0);
        assert_eq!(later["points"].as_array().unwrap().len(), 10);
        assert_eq!(later["points"][0]["time"], json!(1020.5));
        assert_eq!(later["points"][0]["user_count"], json!(2));
        assert!(later["points"][0]["percentiles"]["0.5"].is_number());

        let entry = history.entry_since(&rs, "/a", "GET", 1025.0);
        let points = entry["points"].as_array().unwrap();
        assert_eq!(points.len(), 4);
        assert_eq!(points[0]["time"], json!(1026.0));
        assert_eq!(points[0]["current_rps"], json!(1));
        assert_eq!(points[0]["current_fail_per_sec"], json!(1));
        assert_eq!(points[1]["current_fail_per_sec"], json!(0));
        // Not sampled before it was asked for; sampled after.
        assert!(points[0]["percentiles"]["0.5"].is_null());
        history.sample(&rs, 2, 1029.2);
        let entry = history.entry_since(&rs, "/a", "GET", 1028.0);
        assert!(entry["points"][0]["percentiles"]["0.5"].is_number());

        history.clear();
        assert_eq!(history.total_since(0.0)["points"], json!([]));
    }
}
