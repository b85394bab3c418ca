//! What a worker sends on its own timers: heartbeats every second (with CPU
//! and memory), stats deltas every 3 s, its log buffer every 10 s.

use std::time::Instant;

use rmpv::Value;
use rocust_core::runner::Runner;

use super::WorkerRunner;
use crate::messages::{kind, ClassCounts, Heartbeat, Logs, StatsData};
use crate::timing::*;
use crate::usage::{resident_memory, CpuMonitor};

impl WorkerRunner {
    /// Every class, zeros included, as Locust's `user_classes_count`.
    pub(super) fn class_counts(&self) -> ClassCounts {
        let alive = self.backend.user_classes_count();
        self.backend
            .user_classes()
            .into_iter()
            .filter(|c| !c.is_abstract)
            .map(|c| {
                let n = alive.get(&c.name).copied().unwrap_or(0) as u64;
                (c.name, n)
            })
            .collect()
    }

    pub(super) fn report_stats(&self) {
        let report = self.env.stats.take_report();
        let counts = self.class_counts();
        let data = StatsData {
            stats: report.stats,
            stats_total: report.stats_total,
            errors: report.errors,
            user_count: counts.values().sum(),
            user_classes_count: counts,
            rocust_status_codes: report.status_codes,
        };
        let extras = self.events.report_extras(&self.config.node_id);
        if extras.is_empty() {
            self.send(kind::STATS, &data);
            return;
        }
        // Rare (a listener added keys): the report as a map, extended.
        let packed = rmp_serde::to_vec_named(&data).unwrap_or_default();
        let Ok(Value::Map(mut map)) = rmpv::decode::read_value(&mut &packed[..]) else {
            return self.send(kind::STATS, &data);
        };
        for (key, value) in extras {
            if !map.iter().any(|(k, _)| k.as_str() == Some(&key)) {
                map.push((key.into(), value));
            }
        }
        self.send(kind::STATS, &Value::Map(map));
    }

    pub(super) async fn heartbeats(self: std::sync::Arc<Self>) {
        let mut cpu = CpuMonitor::new();
        let (mut cpu_usage, mut memory) = (0.0, 0u64);
        let mut sampled = Instant::now();
        let mut last_reset: Option<Instant> = None;
        let mut every = tokio::time::interval(HEARTBEAT_INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if sampled.elapsed() >= CPU_MONITOR_INTERVAL {
                cpu_usage = cpu.sample();
                memory = resident_memory();
                sampled = Instant::now();
                if cpu_usage > CPU_WARNING_THRESHOLD {
                    log::warn!("CPU usage above {CPU_WARNING_THRESHOLD}%! This may constrain your throughput and may even give inconsistent response time measurements! See https://docs.locust.io/en/stable/running-distributed.html for how to distribute the load over multiple CPU cores or machines");
                }
            }
            let state = self.inner().worker_state;
            self.send(
                kind::HEARTBEAT,
                &Heartbeat {
                    state: state.as_str().to_owned(),
                    current_cpu_usage: cpu_usage,
                    current_memory_usage: Some(memory),
                },
            );
            let silent = self.inner().last_master_heartbeat.map(|t| t.elapsed());
            if silent.is_some_and(|s| s > MASTER_HEARTBEAT_TIMEOUT) {
                log::error!(
                    "Didn't get heartbeat from master in over {}s",
                    MASTER_HEARTBEAT_TIMEOUT.as_secs()
                );
                self.quit().await;
                return;
            }
            // A master that no longer echoes may be a new one that does not know
            // this worker (or a connection that died unnoticed): connect again and
            // say client_ready, which a restarted master takes as a new worker.
            if silent.is_some_and(|s| s > REINTRODUCE_AFTER)
                && last_reset.is_none_or(|t| t.elapsed() > REINTRODUCE_AFTER)
            {
                log::warn!(
                    "No heartbeat from master in {}s: connecting again",
                    REINTRODUCE_AFTER.as_secs()
                );
                self.link.reset();
                last_reset = Some(Instant::now());
            }
        }
    }

    pub(super) async fn stats_reports(self: std::sync::Arc<Self>) {
        let mut every = tokio::time::interval(WORKER_REPORT_INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            self.report_stats();
        }
    }

    /// Locust's `logs_reporter`: the whole buffer while it grows, and
    /// nothing more after an interval with more than 70 new lines.
    pub(super) async fn log_reports(self: std::sync::Arc<Self>) {
        let Some(lines) = self.config.log_lines.clone() else {
            return;
        };
        let mut sent = 0;
        loop {
            let current = lines();
            if current.len().saturating_sub(sent) > 70 {
                log::warn!("The worker attempted to send more than 70 log lines in one interval. Further log sending was disabled for this worker.");
                self.send_logs(lines());
                return;
            }
            if current.len() > sent {
                sent = current.len();
                self.send_logs(current);
            }
            tokio::time::sleep(WORKER_LOG_REPORT_INTERVAL).await;
        }
    }

    fn send_logs(&self, logs: Vec<String>) {
        let data = Logs {
            worker_id: self.config.node_id.clone(),
            logs,
        };
        self.send(kind::LOGS, &data);
    }
}
