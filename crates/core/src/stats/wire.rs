//! Locust's serialized stats dicts, as workers send them to the master and as
//! `--json` prints them.
//!
//! Field order is Locust's key order. The histogram and per-second maps have
//! integer keys: serde formats that allow them (msgpack through
//! `rmp_serde::encode::to_vec_named`) keep them integers, JSON turns them into
//! strings and reads them back. Map entries are in ascending key order (Locust
//! keeps first-seen order; no reader depends on it).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::number::Number;

/// Locust's `StatsEntryDict`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsEntryDict {
    pub name: String,
    pub method: String,
    pub last_request_timestamp: Option<f64>,
    pub start_time: f64,
    pub num_requests: u64,
    pub num_none_requests: u64,
    pub num_failures: u64,
    pub total_response_time: Number,
    pub max_response_time: Number,
    pub min_response_time: Option<Number>,
    pub total_content_length: u64,
    pub response_times: BTreeMap<i64, u64>,
    pub num_reqs_per_sec: BTreeMap<i64, u64>,
    pub num_fail_per_sec: BTreeMap<i64, u64>,
}

/// Locust's `StatsErrorDict`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsErrorDict {
    pub name: String,
    pub method: String,
    pub error: String,
    pub occurrences: u64,
    pub first_seen: Option<f64>,
    pub last_seen: Option<f64>,
}

/// The `errors` map of a report: error key -> error, in insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorsMap(pub Vec<(String, StatsErrorDict)>);

impl Serialize for ErrorsMap {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ErrorsMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = ErrorsMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of error key to error")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<ErrorsMap, A::Error> {
                let mut out = Vec::with_capacity(access.size_hint().unwrap_or(0));
                while let Some((k, v)) = access.next_entry::<String, StatsErrorDict>()? {
                    out.push((k, v));
                }
                Ok(ErrorsMap(out))
            }
        }
        d.deserialize_map(MapVisitor)
    }
}

/// The stats part of a worker's `stats` message: `stats`, `stats_total` and
/// `errors` (the runner adds `user_classes_count` and `user_count`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatsReport {
    /// Only entries with requests or failures.
    pub stats: Vec<StatsEntryDict>,
    pub stats_total: StatsEntryDict,
    pub errors: ErrorsMap,
    /// rocust's responses per status code, per entry: `[name, method,
    /// {code: count}]`. A key Locust does not have; a Locust master ignores it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_codes: Vec<EntryStatusCodes>,
}

/// One entry's responses per HTTP status code in a worker's report.
pub type EntryStatusCodes = (String, String, BTreeMap<u16, u64>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_with_int_keys_and_key_order() {
        let text = r#"{"name": "/", "method": "GET", "last_request_timestamp": 1795309342.8456771,
            "start_time": 1795309338.526756, "num_requests": 31, "num_none_requests": 0,
            "num_failures": 6, "total_response_time": 244.48056100004578,
            "max_response_time": 55.7387939999785, "min_response_time": 2.5219519999950535,
            "total_content_length": 16678, "response_times": {"4": 3, "56": 1},
            "num_reqs_per_sec": {"1795309338": 5}, "num_fail_per_sec": {}}"#;
        let d: StatsEntryDict = serde_json::from_str(text).unwrap();
        assert_eq!(d.response_times.get(&56), Some(&1));
        assert_eq!(d.num_reqs_per_sec.get(&1795309338), Some(&5));
        assert_eq!(d.min_response_time, Some(Number::Float(2.5219519999950535)));
        let out = serde_json::to_string(&d).unwrap();
        assert!(out.starts_with(
            r#"{"name":"/","method":"GET","last_request_timestamp":1795309342.8456771,"start_time""#
        ));
        assert!(out.contains(r#""response_times":{"4":3,"56":1},"num_reqs_per_sec""#));
        let back: StatsEntryDict = serde_json::from_str(&out).unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn errors_map_keeps_order_and_rejects_garbage() {
        let e = |n: &str| StatsErrorDict {
            name: n.into(),
            method: "GET".into(),
            error: "x".into(),
            occurrences: 1,
            first_seen: None,
            last_seen: Some(2.5),
        };
        let m = ErrorsMap(vec![("b".into(), e("/b")), ("a".into(), e("/a"))]);
        let s = serde_json::to_string(&m).unwrap();
        assert!(s.find("\"b\"").unwrap() < s.find("\"a\"").unwrap());
        assert_eq!(serde_json::from_str::<ErrorsMap>(&s).unwrap(), m);
        assert!(serde_json::from_str::<ErrorsMap>("[1]").is_err());
        assert!(serde_json::from_str::<StatsEntryDict>(r#"{"name": "/"}"#).is_err());
    }
}
