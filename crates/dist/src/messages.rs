//! The data of Locust's own message types, with Locust's keys in Locust's
//! order. Every key a Locust master reads is always written: a Locust master
//! stops listening for good after one message with a missing key.

use std::collections::BTreeMap;

use rmpv::Value;
use rocust_core::stats::{EntryStatusCodes, ErrorsMap, StatsEntryDict};
use serde::{Deserialize, Serialize};

/// Message types (Locust's strings).
pub mod kind {
    pub const CLIENT_READY: &str = "client_ready";
    pub const ACK: &str = "ack";
    pub const HEARTBEAT: &str = "heartbeat";
    pub const STATS: &str = "stats";
    pub const SPAWN: &str = "spawn";
    pub const SPAWNING: &str = "spawning";
    pub const SPAWNING_COMPLETE: &str = "spawning_complete";
    pub const STOP: &str = "stop";
    pub const CLIENT_STOPPED: &str = "client_stopped";
    pub const QUIT: &str = "quit";
    pub const RECONNECT: &str = "reconnect";
    pub const EXCEPTION: &str = "exception";
    pub const LOGS: &str = "logs";
    pub const UPDATE_USER_CLASS: &str = "update_user_class";
    pub const LOCUSTFILE: &str = "locustfile";

    /// Types the protocol itself uses; custom messages may not take them.
    pub const BUILT_IN: [&str; 15] = [
        CLIENT_READY,
        ACK,
        HEARTBEAT,
        STATS,
        SPAWN,
        SPAWNING,
        SPAWNING_COMPLETE,
        STOP,
        CLIENT_STOPPED,
        QUIT,
        RECONNECT,
        EXCEPTION,
        LOGS,
        UPDATE_USER_CLASS,
        LOCUSTFILE,
    ];
}

/// Users per class, every class listed (zeros included), sorted by name.
pub type ClassCounts = BTreeMap<String, u64>;

/// `ack`: the worker's index, handed out by the master in first-seen order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    #[serde(default)]
    pub index: Option<i64>,
}

/// A worker's `heartbeat`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// ready, spawning or running.
    pub state: String,
    pub current_cpu_usage: f64,
    #[serde(default)]
    pub current_memory_usage: Option<u64>,
}

/// A worker's `stats` report: deltas since its last report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsData {
    pub stats: Vec<StatsEntryDict>,
    pub stats_total: StatsEntryDict,
    pub errors: ErrorsMap,
    pub user_classes_count: ClassCounts,
    #[serde(default)]
    pub user_count: u64,
    /// rocust's responses per status code (a key Locust masters ignore).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rocust_status_codes: Vec<EntryStatusCodes>,
}

/// The master's `spawn`: absolute user counts for this worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spawn {
    pub timestamp: f64,
    pub user_classes_count: ClassCounts,
    pub host: Option<String>,
    pub stop_timeout: Option<f64>,
    /// Locust's `vars(parsed_options)`.
    pub parsed_options: Value,
}

/// A worker's `spawning_complete`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkerSpawningComplete {
    pub user_classes_count: ClassCounts,
    pub user_count: u64,
}

/// The master's `spawning_complete`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MasterSpawningComplete {
    pub user_count: u64,
}

/// `exception`: an error raised in a task (Locust's `user_error`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionData {
    pub msg: String,
    pub traceback: String,
}

/// `logs`: the worker's whole in-memory log buffer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Logs {
    pub worker_id: String,
    pub logs: Vec<String>,
}

/// A worker's `locustfile` request (`-f -`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocustfileRequest {
    pub version: Option<String>,
}

/// One file of the master's `locustfile` answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocustfileContents {
    pub filename: String,
    pub contents: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode, encode};

    #[test]
    fn a_heartbeat_without_memory_is_read_and_one_without_cpu_is_refused() {
        let hb = |data: Value| decode(&encode("heartbeat", &data, "w")).unwrap();
        let ok = hb(Value::Map(vec![
            ("state".into(), "ready".into()),
            ("current_cpu_usage".into(), 3.into()),
        ]));
        let parsed: Heartbeat = ok.parse().unwrap();
        assert_eq!(parsed.current_cpu_usage, 3.0);
        assert_eq!(parsed.current_memory_usage, None);
        let bad = hb(Value::Map(vec![("state".into(), "ready".into())]));
        let err = bad.parse::<Heartbeat>().unwrap_err();
        assert!(err.0.contains("current_cpu_usage"), "{err}");
    }

    #[test]
    fn stats_keep_int_bucket_keys_and_key_order() {
        let entry = StatsEntryDict {
            name: "/".into(),
            method: "GET".into(),
            last_request_timestamp: Some(1.5),
            start_time: 1.0,
            num_requests: 2,
            num_none_requests: 0,
            num_failures: 0,
            total_response_time: rocust_core::stats::Number::Float(3.0),
            max_response_time: rocust_core::stats::Number::Float(2.0),
            min_response_time: Some(rocust_core::stats::Number::Float(1.0)),
            total_content_length: 10,
            response_times: BTreeMap::from([(1, 1), (2, 1)]),
            num_reqs_per_sec: BTreeMap::from([(1_700_000_000, 2)]),
            num_fail_per_sec: BTreeMap::new(),
        };
        let data = StatsData {
            stats: vec![entry.clone()],
            stats_total: entry,
            errors: ErrorsMap::default(),
            user_classes_count: ClassCounts::from([("A".into(), 1)]),
            user_count: 1,
            rocust_status_codes: Vec::new(),
        };
        let bytes = encode("stats", &data, "w");
        let msg = decode(&bytes).unwrap();
        let Value::Map(m) = &msg.data else { panic!() };
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.as_str().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "stats",
                "stats_total",
                "errors",
                "user_classes_count",
                "user_count"
            ]
        );
        let total = &m[1].1;
        let rt = total
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_str() == Some("response_times"))
            .unwrap();
        assert!(rt.1.as_map().unwrap()[0].0.is_i64() || rt.1.as_map().unwrap()[0].0.is_u64());
        assert_eq!(msg.parse::<StatsData>().unwrap(), data);
    }
}
