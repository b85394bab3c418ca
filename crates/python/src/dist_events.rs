//! Locust's distributed events (`report_to_master`, `worker_report`,
//! `worker_connect`, `heartbeat_sent`, `heartbeat_received`) for a Python
//! locustfile's listeners. Each is forwarded only once Python has a
//! listener for it (`Engine.want_event`): a master under a big fleet would
//! otherwise call into Python for every heartbeat.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use rmpv::Value;
use rocust_dist::events::{DistEvents, WorkerEvent};

use crate::backend::Shared;
use crate::bridge::Bridge;
use crate::command::{Command, Reply};

/// The events Python listens to, and those already forwarded.
#[derive(Default)]
pub struct Wanted {
    wanted: BTreeSet<String>,
    bound: BTreeSet<String>,
}

/// [`Shared`]'s part.
pub type WantedEvents = Mutex<Wanted>;

/// Records that Python listens to `name` (when given) and forwards every
/// wanted event not forwarded yet, once the runner exists.
pub fn bind_wanted(shared: &Shared, name: Option<&str>) {
    let mut wanted = shared.dist_events.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(name) = name {
        wanted.wanted.insert(name.to_owned());
    }
    let Some(runner) = shared.runner.get() else {
        return;
    };
    let Some(dist) = rocust_dist::Distributed::of(runner.as_ref()) else {
        return;
    };
    let Wanted { wanted, bound } = &mut *wanted;
    for name in wanted.iter() {
        if !bound.contains(name) && forward(dist.events(), &shared.bridge, name) {
            bound.insert(name.clone());
        }
    }
}

/// A heartbeat event's listener: `client_id` and `timestamp`, as Locust fires it.
fn heartbeat(bridge: &Arc<Bridge>, name: &'static str) -> impl Fn(&WorkerEvent) {
    let bridge = bridge.clone();
    move |e| {
        let kwargs = vec![
            ("client_id", Value::from(e.client_id.as_str())),
            ("timestamp", Value::F64(e.timestamp)),
        ];
        notify(&bridge, name, kwargs);
    }
}

fn forward(events: &DistEvents, bridge: &Arc<Bridge>, name: &str) -> bool {
    match name {
        "worker_connect" => {
            let bridge = bridge.clone();
            events.worker_connect.add_listener(move |e| {
                notify(
                    &bridge,
                    "worker_connect",
                    vec![("client_id", e.client_id.as_str().into())],
                )
            });
        }
        "heartbeat_sent" => {
            events
                .heartbeat_sent
                .add_listener(heartbeat(bridge, "heartbeat_sent"));
        }
        "heartbeat_received" => {
            events
                .heartbeat_received
                .add_listener(heartbeat(bridge, "heartbeat_received"));
        }
        "worker_report" => {
            let bridge = bridge.clone();
            events.worker_report.add_listener(move |r| {
                let kwargs = vec![
                    ("client_id", Value::from(r.client_id.as_str())),
                    ("data", r.data.clone()),
                ];
                notify(&bridge, "worker_report", kwargs);
            });
        }
        "report_to_master" => {
            let bridge = bridge.clone();
            events.report_to_master.add_listener(move |r| {
                let kwargs = pack(vec![("client_id", r.client_id.as_str().into())]);
                let reply = bridge.call(|token| Command::DistEvent {
                    token,
                    name: "report_to_master".into(),
                    kwargs,
                });
                let added = match reply {
                    Some(Reply::Text(json)) => serde_json::from_str(&json).ok(),
                    Some(Reply::Failed(why)) => {
                        log::error!("report_to_master: {why}");
                        None
                    }
                    _ => None,
                };
                if let Some(serde_json::Value::Object(added)) = added {
                    let mut data = r.data.lock().unwrap_or_else(|e| e.into_inner());
                    for (key, value) in added {
                        data.push((key, rocust_dist::codec::json_to_value(&value)));
                    }
                }
            });
        }
        _ => return false,
    }
    true
}

fn pack(kwargs: Vec<(&str, Value)>) -> Vec<u8> {
    let map = Value::Map(kwargs.into_iter().map(|(k, v)| (k.into(), v)).collect());
    let mut packed = Vec::new();
    let _ = rmpv::encode::write_value(&mut packed, &map);
    packed
}

fn notify(bridge: &Bridge, name: &str, kwargs: Vec<(&str, Value)>) {
    let kwargs = pack(kwargs);
    bridge.notify(|token| Command::DistEvent {
        token,
        name: name.to_owned(),
        kwargs,
    });
}
