//! A fleet of lightweight fake workers in one process, for measuring a
//! master (rocust's or Locust's) under many workers: each speaks Locust's
//! protocol like a real worker (client_ready, heartbeats every second,
//! stats every 3 s with 20 request names, spawning/spawning_complete), runs
//! no users, and times each heartbeat's echo.
//!
//!     fake_fleet --workers 1000 --port 5557 [--names 20] [--seconds 60]
//!
//! Prints one JSON line at the end: heartbeats sent and echoed, echo round
//! trips (p50/p99/max ms), workers that never got an ack, and whether the
//! master said quit.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmpv::Value;
use rocust_core::stats::{ErrorsMap, Number, StatsEntryDict};
use rocust_dist::codec;
use rocust_dist::messages::{kind, Heartbeat, StatsData, WorkerSpawningComplete};
use rocust_dist::transport::{Link, LinkEvent};

#[derive(Default)]
struct Totals {
    heartbeats: AtomicU64,
    echoes: AtomicU64,
    acked: AtomicUsize,
    quit: AtomicUsize,
    round_trips_us: Mutex<Vec<u64>>,
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// What a worker with a few users reports for one name in 3 s.
fn entry(name: &str, second: i64) -> StatsEntryDict {
    StatsEntryDict {
        name: name.to_owned(),
        method: "GET".to_owned(),
        last_request_timestamp: Some(now()),
        start_time: now() - 3.0,
        num_requests: 6,
        num_none_requests: 0,
        num_failures: 0,
        total_response_time: Number::Float(36.5),
        max_response_time: Number::Float(9.25),
        min_response_time: Some(Number::Float(4.0)),
        total_content_length: 1800,
        response_times: BTreeMap::from([(4, 2), (5, 2), (7, 1), (9, 1)]),
        num_reqs_per_sec: BTreeMap::from([(second - 2, 2), (second - 1, 2), (second, 2)]),
        num_fail_per_sec: BTreeMap::new(),
    }
}

fn stats(names: &[String], users: &BTreeMap<String, u64>) -> StatsData {
    let second = now() as i64;
    let entries: Vec<StatsEntryDict> = names.iter().map(|n| entry(n, second)).collect();
    let mut total = entry("Aggregated", second);
    total.method = String::new();
    total.num_requests = 6 * names.len() as u64;
    StatsData {
        stats: entries,
        stats_total: total,
        errors: ErrorsMap::default(),
        user_classes_count: users.clone(),
        user_count: users.values().sum(),
        rocust_status_codes: Vec::new(),
    }
}

async fn fake_worker(
    host: String,
    port: u16,
    index: usize,
    names: Arc<Vec<String>>,
    totals: Arc<Totals>,
) {
    let id = format!("fake{index:05}_{:032x}", rand_id(index));
    let (link, mut events) = Link::connect(&host, port, &id);
    let mut acked = false;
    let mut users: BTreeMap<String, u64> = BTreeMap::new();
    let mut sent_at: Option<Instant> = None;
    // Spread the fleet's messages over the 3 s report interval, as real workers drift apart.
    tokio::time::sleep(Duration::from_millis((index as u64 * 997) % 3000)).await;
    let mut beat = tokio::time::interval(Duration::from_secs(1));
    let mut report = tokio::time::interval(Duration::from_secs(3));
    loop {
        tokio::select! {
            _ = beat.tick() => {
                if !acked {
                    link.send(codec::encode(kind::CLIENT_READY, rocust_dist::LOCUST_VERSION, &id));
                    continue;
                }
                let hb = Heartbeat {
                    state: if users.values().sum::<u64>() > 0 { "running" } else { "ready" }.to_owned(),
                    current_cpu_usage: 1.0,
                    current_memory_usage: Some(30_000_000),
                };
                link.send(codec::encode(kind::HEARTBEAT, &hb, &id));
                sent_at = Some(Instant::now());
                totals.heartbeats.fetch_add(1, Ordering::Relaxed);
            }
            _ = report.tick(), if acked => {
                link.send(codec::encode(kind::STATS, &stats(&names, &users), &id));
            }
            event = events.recv() => {
                let Some(LinkEvent::Message(payload)) = event else {
                    if event.is_none() { return; }
                    continue;
                };
                let Ok(msg) = codec::decode(&payload) else { continue };
                match msg.kind.as_str() {
                    kind::ACK if !acked => {
                        acked = true;
                        totals.acked.fetch_add(1, Ordering::Relaxed);
                    }
                    kind::HEARTBEAT => {
                        if let Some(at) = sent_at.take() {
                            totals.echoes.fetch_add(1, Ordering::Relaxed);
                            totals.round_trips_us.lock().unwrap().push(at.elapsed().as_micros() as u64);
                        }
                    }
                    kind::SPAWN => {
                        link.send(codec::encode(kind::SPAWNING, &Value::Nil, &id));
                        if let Ok(spawn) = msg.parse::<rocust_dist::messages::Spawn>() {
                            users = spawn.user_classes_count;
                            let done = WorkerSpawningComplete {
                                user_count: users.values().sum(),
                                user_classes_count: users.clone(),
                            };
                            link.send(codec::encode(kind::SPAWNING_COMPLETE, &done, &id));
                        }
                    }
                    kind::STOP => {
                        users.values_mut().for_each(|n| *n = 0);
                        link.send(codec::encode(kind::CLIENT_STOPPED, &Value::Nil, &id));
                        link.send(codec::encode(kind::CLIENT_READY, rocust_dist::LOCUST_VERSION, &id));
                    }
                    kind::QUIT => {
                        totals.quit.fetch_add(1, Ordering::Relaxed);
                        link.send(codec::encode(kind::STATS, &stats(&names, &users), &id));
                        link.send(codec::encode(kind::QUIT, &Value::Nil, &id));
                        link.flush(Duration::from_secs(1)).await;
                        return;
                    }
                    _ => {}
                }
            }
        }
    }
}

fn rand_id(index: usize) -> u128 {
    let seed = std::process::id() as u128;
    (seed << 64) ^ (index as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn main() {
    let workers = arg("--workers", 100) as usize;
    let port = arg("--port", 5557) as u16;
    let seconds = arg("--seconds", 60);
    let names: Arc<Vec<String>> =
        Arc::new((0..arg("--names", 20)).map(|i| format!("/n{i}")).collect());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let totals = Arc::new(Totals::default());
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..workers {
            tasks.push(tokio::spawn(fake_worker(
                "127.0.0.1".into(),
                port,
                i,
                names.clone(),
                totals.clone(),
            )));
        }
        let all = futures_util::future::join_all(tasks);
        let _ = tokio::time::timeout(Duration::from_secs(seconds), all).await;
    });
    let mut trips = totals.round_trips_us.lock().unwrap().clone();
    trips.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "workers": workers,
            "acked": totals.acked.load(Ordering::Relaxed),
            "told_to_quit": totals.quit.load(Ordering::Relaxed),
            "heartbeats": totals.heartbeats.load(Ordering::Relaxed),
            "echoes": totals.echoes.load(Ordering::Relaxed),
            "echo_ms_p50": percentile(&trips, 0.5),
            "echo_ms_p99": percentile(&trips, 0.99),
            "echo_ms_max": percentile(&trips, 1.0),
        })
    );
}
