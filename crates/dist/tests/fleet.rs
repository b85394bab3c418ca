//! A rocust master and rocust workers on loopback: users handed out, stats
//! merged, garbage ignored, a restarted master adopting its workers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rmpv::Value;
use rocust_core::dispatch::UserClassSpec;
use rocust_core::env::Environment;
use rocust_core::exec::NativeBackend;
use rocust_core::runner::{Runner, RunnerState};
use rocust_core::user::{RequestRecord, TaskResult, UserClass, UserContext};
use rocust_core::wait_time::constant;
use rocust_dist::codec;
use rocust_dist::master::{MasterConfig, MasterRunner};
use rocust_dist::worker::{node_id, WorkerConfig, WorkerRunner};
use zeromq::prelude::*;

/// Records one fake request per task run and counts them.
struct Recorder {
    ctx: UserContext,
    sent: Arc<AtomicU64>,
}

impl Recorder {
    async fn hit(&mut self) -> TaskResult {
        self.ctx.record_request(&RequestRecord {
            request_type: "GET",
            name: "/a",
            response_time: Some(Duration::from_millis(3)),
            response_length: 10,
            error: None,
            status_code: Some(200),
            start_time: 0.0,
            url: "/a",
        });
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn classes(sent: &Arc<AtomicU64>) -> Vec<rocust_core::user::DynUserClass> {
    ["A", "B"]
        .into_iter()
        .zip([3, 1])
        .map(|(name, weight)| {
            let sent = sent.clone();
            UserClass::new(name, move |ctx| Recorder {
                ctx: ctx.clone(),
                sent: sent.clone(),
            })
            .wait_time(constant(0.05))
            .weight(weight)
            .task(Recorder::hit)
            .into_dyn()
        })
        .collect()
}

async fn master() -> Arc<MasterRunner> {
    master_of(vec![
        UserClassSpec::new("A", 3.0),
        UserClassSpec::new("B", 1.0),
    ])
    .await
}

async fn master_of(user_classes: Vec<UserClassSpec>) -> Arc<MasterRunner> {
    let config = MasterConfig {
        bind_host: "127.0.0.1".into(),
        bind_port: 0,
        headless: true,
        user_classes,
        ..MasterConfig::default()
    };
    MasterRunner::bind(Environment::new(None), config, None)
        .await
        .unwrap()
}

fn worker_config(port: u16) -> WorkerConfig {
    WorkerConfig {
        master_host: "127.0.0.1".into(),
        master_port: port,
        node_id: node_id(),
        task_filter: Default::default(),
        web_base_path: String::new(),
        log_lines: None,
        set_host: None,
    }
}

struct Worker {
    runner: Arc<WorkerRunner>,
    sent: Arc<AtomicU64>,
    done: tokio::task::JoinHandle<Option<i32>>,
}

fn worker(port: u16) -> Worker {
    let env = Environment::new(None);
    let sent = Arc::new(AtomicU64::new(0));
    let backend = Arc::new(NativeBackend::new(env.clone(), classes(&sent), 1).unwrap());
    let (runner, events) = WorkerRunner::new(env, backend, worker_config(port));
    let r = runner.clone();
    let done = tokio::spawn(async move { r.run(events).await });
    Worker { runner, sent, done }
}

async fn until(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn ready(master: &MasterRunner) -> usize {
    master
        .workers()
        .unwrap()
        .iter()
        .filter(|w| w.state == "ready")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_master_spreads_users_and_merges_every_request_its_workers_made() {
    let master = master().await;
    let port = master.local_addr().port();
    let workers = [worker(port), worker(port)];
    until("2 ready workers", Duration::from_secs(10), || {
        ready(&master) == 2
    })
    .await;

    master.start(8, 100.0, None);
    until("running", Duration::from_secs(5), || {
        master.state() == RunnerState::Running && master.user_count() == 8
    })
    .await;
    for w in &workers {
        assert_eq!(w.runner.user_count(), 4);
        assert!(w.runner.worker_index() >= 0);
    }
    let counts = master.user_classes_count();
    assert_eq!(counts.get("A"), Some(&6));
    assert_eq!(counts.get("B"), Some(&2));

    tokio::time::sleep(Duration::from_millis(3500)).await;
    let midway = master
        .environment()
        .stats
        .with_request_stats(|s| s.num_requests());
    assert!(midway > 0, "one report every 3 s");

    // Each worker sends a final report on quit: nothing is lost.
    master.quit().await;
    let mut sent = 0;
    for w in workers {
        assert_eq!(w.done.await.unwrap(), None);
        sent += w.sent.load(Ordering::SeqCst);
    }
    let (merged, ok) = master
        .environment()
        .stats
        .with_request_stats(|s| {
            s.get("/a", "GET")
                .map(|e| (e.num_requests, e.status_codes.get(&200).copied()))
        })
        .unwrap();
    assert!(merged > midway);
    assert_eq!(merged, sent);
    assert_eq!(ok, Some(sent), "responses per status code travel too");
}

/// A raw DEALER, to say what a well-behaved worker never would.
async fn raw_peer(port: u16, identity: &str) -> zeromq::DealerSocket {
    let mut options = zeromq::SocketOptions::default();
    options.peer_identity(identity.as_bytes().to_vec().try_into().unwrap());
    let mut socket = zeromq::DealerSocket::with_options(options);
    socket
        .connect(&format!("tcp://127.0.0.1:{port}"))
        .await
        .unwrap();
    socket
}

async fn send(socket: &mut zeromq::DealerSocket, payload: Vec<u8>) {
    socket
        .send(zeromq::ZmqMessage::from(payload))
        .await
        .unwrap();
}

async fn recv(socket: &mut zeromq::DealerSocket) -> codec::Message {
    let message = tokio::time::timeout(Duration::from_secs(5), socket.recv())
        .await
        .expect("an answer within 5 s")
        .unwrap();
    let payload: Bytes = message.into_vec().remove(0);
    codec::decode(&payload).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_missing_keys_never_make_the_master_deaf() {
    let master = master().await;
    let port = master.local_addr().port();
    let mut peer = raw_peer(port, "raw_1").await;

    // Unknown sender, undecodable: logged and ignored.
    send(&mut peer, b"\x00\x01garbage".to_vec()).await;
    send(&mut peer, vec![0x93, 0xa3]).await;
    // Known sender: a heartbeat without current_cpu_usage, stats without
    // user_classes_count, a truncated frame (which asks it to reconnect).
    send(&mut peer, codec::encode("client_ready", "2.47.0", "raw_1")).await;
    let ack = recv(&mut peer).await;
    assert_eq!(ack.kind, "ack");
    let heartbeat = Value::Map(vec![("state".into(), "ready".into())]);
    send(&mut peer, codec::encode("heartbeat", &heartbeat, "raw_1")).await;
    let stats = Value::Map(vec![("stats".into(), Value::Array(vec![]))]);
    send(&mut peer, codec::encode("stats", &stats, "raw_1")).await;
    send(
        &mut peer,
        codec::encode("spawning_complete", &Value::Nil, "raw_1"),
    )
    .await;
    let quit = recv(&mut peer).await;
    assert_eq!(quit.kind, "quit", "a spawning_complete without its keys");
    let mut truncated = codec::encode("heartbeat", &heartbeat, "raw_1");
    truncated.truncate(5);
    send(&mut peer, truncated).await;
    assert_eq!(recv(&mut peer).await.kind, "reconnect");

    // Still listening: a good heartbeat is echoed, a real worker joins.
    let good = Value::Map(vec![
        ("state".into(), "ready".into()),
        ("current_cpu_usage".into(), Value::F64(1.0)),
        ("current_memory_usage".into(), 1000.into()),
    ]);
    send(&mut peer, codec::encode("heartbeat", &good, "raw_1")).await;
    assert_eq!(recv(&mut peer).await.kind, "heartbeat");
    let w = worker(port);
    until("the real worker", Duration::from_secs(10), || {
        ready(&master) == 2
    })
    .await;
    master.quit().await;
    assert_eq!(w.done.await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_master_adopts_the_workers_of_the_one_before() {
    let first = master().await;
    let port = first.local_addr().port();
    let w = worker(port);
    until("a ready worker", Duration::from_secs(10), || {
        ready(&first) == 1
    })
    .await;
    drop(first);
    // The old master's socket closes at its next message (a heartbeat, within 1 s).
    let deadline = Instant::now() + Duration::from_secs(10);
    let second = loop {
        let config = MasterConfig {
            bind_host: "127.0.0.1".into(),
            bind_port: port,
            headless: true,
            user_classes: vec![UserClassSpec::new("A", 3.0), UserClassSpec::new("B", 1.0)],
            ..MasterConfig::default()
        };
        match MasterRunner::bind(Environment::new(None), config, None).await {
            Ok(m) => break m,
            Err(e) => {
                assert!(Instant::now() < deadline, "port still taken: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    until("the worker back", Duration::from_secs(10), || {
        ready(&second) == 1
    })
    .await;
    second.start(2, 100.0, None);
    until("its users", Duration::from_secs(5), || {
        second.user_count() == 2
    })
    .await;
    second.quit().await;
    assert_eq!(w.done.await.unwrap(), None);
}

/// A master running 4 users on its one worker.
async fn four_users_on_one_worker() -> (Arc<MasterRunner>, Worker) {
    let master = master().await;
    let first = worker(master.local_addr().port());
    until("a ready worker", Duration::from_secs(10), || {
        ready(&master) == 1
    })
    .await;
    master.start(4, 100.0, None);
    until("4 users on one worker", Duration::from_secs(5), || {
        first.runner.user_count() == 4
    })
    .await;
    (master, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_joins_a_running_test_gets_its_share() {
    let (master, first) = four_users_on_one_worker().await;
    let port = master.local_addr().port();
    // Locust redistributes on every join, with or without --enable-rebalancing.
    let late = worker(port);
    until("users spread over both", Duration::from_secs(10), || {
        first.runner.user_count() == 2 && late.runner.user_count() == 2
    })
    .await;
    master.quit().await;
    assert_eq!(first.done.await.unwrap(), None);
    assert_eq!(late.done.await.unwrap(), None);
}

/// Locust's distributed events: a worker adds to its reports, the master
/// sees them whole; connects and heartbeats are announced on both sides.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn distributed_events_carry_what_listeners_add() {
    let master = master().await;
    let port = master.local_addr().port();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen.clone();
    master.events().worker_report.add_listener(move |r| {
        let data = codec::value_to_json(&r.data);
        s.lock().unwrap().push((r.client_id.clone(), data));
    });
    let connects = Arc::new(std::sync::Mutex::new(Vec::new()));
    let c = connects.clone();
    master
        .events()
        .worker_connect
        .add_listener(move |e| c.lock().unwrap().push(e.client_id.clone()));
    let echoed = Arc::new(AtomicU64::new(0));
    let e = echoed.clone();
    master.events().heartbeat_sent.add_listener(move |_| {
        e.fetch_add(1, Ordering::SeqCst);
    });
    let w = worker(port);
    w.runner.events().report_to_master.add_listener(|r| {
        let mut data = r.data.lock().unwrap();
        data.push(("custom".into(), Value::from(r.client_id.as_str())));
        // Locust's own keys are the report's, whatever a listener says.
        data.push(("user_count".into(), Value::from(-1)));
    });
    let received = Arc::new(AtomicU64::new(0));
    let r = received.clone();
    w.runner.events().heartbeat_received.add_listener(move |e| {
        assert!(e.timestamp > 1.7e9);
        r.fetch_add(1, Ordering::SeqCst);
    });
    let id = w.runner.node_id().to_owned();
    until("a report and heartbeats", Duration::from_secs(10), || {
        !seen.lock().unwrap().is_empty() && received.load(Ordering::SeqCst) > 0
    })
    .await;
    let (from, data) = seen.lock().unwrap()[0].clone();
    assert_eq!(from, id);
    assert_eq!(data["custom"], serde_json::json!(id));
    assert_eq!(data["user_count"], serde_json::json!(0));
    assert!(data["stats"].is_array() && data["stats_total"].is_object());
    assert_eq!(*connects.lock().unwrap(), [id]);
    assert!(echoed.load(Ordering::SeqCst) > 0);
    master.quit().await;
    assert_eq!(w.done.await.unwrap(), None);
}

/// A late ack makes a worker say client_ready twice: it still gets one share.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_says_ready_twice_gets_one_share() {
    let (master, first) = four_users_on_one_worker().await;
    let port = master.local_addr().port();
    // Sorts before node_id()'s host-named ids, where a second listing would
    // have given it 3 of the 4 users.
    let mut peer = raw_peer(port, "0_raw").await;
    for _ in 0..2 {
        send(&mut peer, codec::encode("client_ready", "2.47.0", "0_raw")).await;
    }
    let mut last_spawn = None;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && (last_spawn.is_none() || first.runner.user_count() != 2) {
        if let Ok(Ok(m)) = tokio::time::timeout(Duration::from_millis(100), peer.recv()).await {
            let message = codec::decode(&m.into_vec().remove(0)).unwrap();
            if message.kind == "spawn" {
                last_spawn = Some(message.data);
            }
        }
    }
    let counts = codec::value_to_json(&last_spawn.expect("a spawn message"));
    assert_eq!(
        counts["user_classes_count"],
        serde_json::json!({"A": 2, "B": 0})
    );
    assert_eq!(first.runner.user_count(), 2);
    master.quit().await;
    assert_eq!(first.done.await.unwrap(), None);
}

/// A master that says what a well-behaved master never would.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_from_the_master_leaves_the_worker_working() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut fake = zeromq::RouterSocket::new();
    fake.bind_listener(listener).await.unwrap();
    let w = worker(port);
    let first = tokio::time::timeout(Duration::from_secs(10), fake.recv())
        .await
        .unwrap()
        .unwrap();
    let identity = first.get(0).unwrap().clone();
    let send = |payload: Vec<u8>| {
        let mut message = zeromq::ZmqMessage::from(payload);
        message.push_front(identity.clone());
        message
    };
    let id = String::from_utf8(identity.to_vec()).unwrap();
    for payload in [
        b"\xff\x00garbage".to_vec(),
        vec![0x93, 0xa5],
        codec::encode(
            "spawn",
            &Value::Map(vec![("timestamp".into(), 1.into())]),
            &id,
        ),
        codec::encode("update_user_class", &Value::Nil, &id),
        codec::encode("no_such_type", &Value::Nil, &id),
        codec::encode("ack", &Value::Map(vec![("index".into(), 7.into())]), &id),
    ] {
        fake.send(send(payload)).await.unwrap();
    }
    until("the ack", Duration::from_secs(5), || {
        w.runner.worker_index() == 7
    })
    .await;
    let spawn = Value::Map(vec![
        ("timestamp".into(), Value::F64(2.0)),
        (
            "user_classes_count".into(),
            Value::Map(vec![("A".into(), 2.into()), ("B".into(), 0.into())]),
        ),
        ("host".into(), Value::Nil),
        ("stop_timeout".into(), Value::Nil),
        ("parsed_options".into(), Value::Map(vec![])),
    ]);
    fake.send(send(codec::encode("spawn", &spawn, &id)))
        .await
        .unwrap();
    until("its users", Duration::from_secs(5), || {
        w.runner.user_count() == 2
    })
    .await;
    fake.send(send(codec::encode("quit", &Value::Nil, &id)))
        .await
        .unwrap();
    assert_eq!(w.done.await.unwrap(), None);
}

/// Tasks that hold their engine thread do not stop the heartbeats, which
/// come from the control runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_tasks_block_their_thread_still_heartbeats() {
    struct Blocker;
    impl Blocker {
        async fn block(&mut self) -> TaskResult {
            std::thread::sleep(Duration::from_secs(8));
            Ok(())
        }
    }
    let master = master_of(vec![UserClassSpec::new("Blocker", 1.0)]).await;
    let port = master.local_addr().port();
    let env = Environment::new(None);
    let class = UserClass::new("Blocker", |_| Blocker)
        .task(Blocker::block)
        .into_dyn();
    let backend = Arc::new(NativeBackend::new(env.clone(), vec![class], 1).unwrap());
    let (runner, events) = WorkerRunner::new(env, backend, worker_config(port));
    let r = runner.clone();
    let done = tokio::spawn(async move { r.run(events).await });
    until("a ready worker", Duration::from_secs(10), || {
        ready(&master) == 1
    })
    .await;
    master.start(1, 100.0, None);
    until("the blocking user", Duration::from_secs(5), || {
        runner.user_count() == 1
    })
    .await;
    // Locust marks a worker missing after about 5 s without heartbeats.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let states: Vec<String> = master
        .workers()
        .unwrap()
        .into_iter()
        .map(|w| w.state)
        .collect();
    assert_eq!(states, ["running"]);
    master.quit().await;
    let _ = tokio::time::timeout(Duration::from_secs(15), done).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_class_editor_on_a_master_changes_the_next_dispatch() {
    let master = master().await;
    let port = master.local_addr().port();
    let w = worker(port);
    until("a ready worker", Duration::from_secs(10), || {
        ready(&master) == 1
    })
    .await;
    let settings = rocust_core::user::UserClassSettings {
        fixed_count: Some(3),
        ..Default::default()
    };
    master
        .update_user_class("B", &settings, &Default::default())
        .await
        .unwrap();
    assert!(master
        .update_user_class("Nope", &settings, &Default::default())
        .await
        .is_err());
    master.start(4, 100.0, None);
    until("3 fixed B users and 1 A", Duration::from_secs(5), || {
        let counts = w.runner.user_classes_count();
        counts.get("B") == Some(&3) && counts.get("A") == Some(&1)
    })
    .await;
    master.quit().await;
    assert_eq!(w.done.await.unwrap(), None);
}
