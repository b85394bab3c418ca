//! The native backend: Rust users as tasks on a few single-threaded tokio
//! runtimes ("engine threads"), one per core by default. Users never move
//! between threads, so user structs need not be `Send`, and each thread records
//! into its own statistics shard.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::{BoxFuture, SpawnError, UserBackend};
use crate::env::Environment;
use crate::user::{
    DynUserClass, TaskFilter, UserClassInfo, UserClassSettings, UserContext, UserControl,
};

enum Command {
    Spawn {
        class: DynUserClass,
        host: Option<Arc<str>>,
        count: usize,
    },
    Stop {
        counts: BTreeMap<String, usize>,
        stop_timeout: Option<Duration>,
        /// Answers whether the stop timeout ran out before the users were done.
        done: oneshot::Sender<bool>,
    },
    KillAll,
    /// Ends the engine and drops its users without running on_stop.
    Shutdown,
}

type Counts = Arc<Mutex<BTreeMap<String, usize>>>;

struct Engine {
    commands: mpsc::UnboundedSender<Command>,
    counts: Counts,
}

pub struct NativeBackend {
    env: Arc<Environment>,
    classes: Mutex<Vec<DynUserClass>>,
    engines: Vec<Engine>,
    /// For each class, the engine of each of its users, oldest first: stops take the newest.
    placement: Mutex<HashMap<String, Vec<usize>>>,
    next_engine: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl NativeBackend {
    /// Starts `threads` engine threads (at least one).
    pub fn new(
        env: Arc<Environment>,
        classes: Vec<DynUserClass>,
        threads: usize,
    ) -> std::io::Result<Self> {
        let engines = (0..threads.max(1))
            .map(|i| {
                let (tx, rx) = mpsc::unbounded_channel();
                let counts: Counts = Arc::default();
                let (env, thread_counts) = (env.clone(), counts.clone());
                std::thread::Builder::new()
                    .name(format!("rocust-engine-{i}"))
                    .spawn(move || engine_main(env, rx, thread_counts))?;
                Ok(Engine {
                    commands: tx,
                    counts,
                })
            })
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(Self {
            env,
            classes: Mutex::new(classes),
            engines,
            placement: Mutex::default(),
            next_engine: AtomicUsize::new(0),
        })
    }

    /// `ROCUST_ENGINE_THREADS` engine threads, else one per available core,
    /// or one per two cores when every host the users aim at is on this
    /// machine (see `default_threads`).
    pub fn with_default_threads(
        env: Arc<Environment>,
        classes: Vec<DynUserClass>,
    ) -> std::io::Result<Self> {
        let n = std::env::var("ROCUST_ENGINE_THREADS")
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or_else(|| {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                let hosts: Vec<String> = match env.host() {
                    Some(h) => vec![h],
                    None => classes.iter().filter_map(|c| c.info().host).collect(),
                };
                default_threads(cores, &hosts)
            });
        log::debug!("{n} engine threads");
        Self::new(env, classes, n)
    }
}

/// Engine threads for `cores` cores: one per core, but half as many when
/// every host is a loopback one. Such a target runs on the same cores, and
/// engine threads that outnumber the cores left to them cost more CPU per
/// request (they keep parking and waking, and preempt each other and the
/// target) without adding throughput.
fn default_threads(cores: usize, hosts: &[String]) -> usize {
    let local = !hosts.is_empty() && hosts.iter().all(|h| is_loopback_url(h));
    if local {
        (cores / 2).max(1)
    } else {
        cores.max(1)
    }
}

/// `http://127.0.0.1:8089/path`, `https://[::1]`, `http://localhost`...
fn is_loopback_url(url: &str) -> bool {
    let url = url.trim();
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl UserBackend for NativeBackend {
    fn user_classes(&self) -> Vec<UserClassInfo> {
        lock(&self.classes).iter().map(|c| c.info()).collect()
    }

    fn apply_filter(&self, filter: &TaskFilter) {
        if filter.is_empty() {
            return;
        }
        let mut classes = lock(&self.classes);
        *classes = classes.iter().map(|c| c.filtered(filter)).collect();
    }

    fn update_user_class(
        &self,
        class: &str,
        settings: &UserClassSettings,
        _extra: &serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'static, Result<(), String>> {
        let mut classes = lock(&self.classes);
        let result = match classes.iter_mut().find(|c| c.info().name == class) {
            Some(c) => {
                *c = c.with_settings(settings);
                Ok(())
            }
            None => Err(format!("Unknown user class {class}")),
        };
        Box::pin(std::future::ready(result))
    }

    /// Resolves at once: a Rust user's factory is a plain function the engine
    /// thread runs right away, so there is nothing to wait for.
    fn spawn(&self, class: &str, count: usize) -> BoxFuture<'static, Result<(), SpawnError>> {
        let Some(user_class) = lock(&self.classes)
            .iter()
            .find(|c| c.info().name == class)
            .cloned()
        else {
            let error = SpawnError(format!("Unknown user class {class}: no users spawned"));
            log::error!("{error}");
            return Box::pin(std::future::ready(Err(error)));
        };
        let host = self
            .env
            .host()
            .or_else(|| user_class.info().host)
            .map(Arc::from);
        let mut per_engine = vec![0usize; self.engines.len()];
        {
            let mut placement = lock(&self.placement);
            let placed = placement.entry(class.to_owned()).or_default();
            for _ in 0..count {
                let e = self.next_engine.fetch_add(1, Ordering::Relaxed) % self.engines.len();
                per_engine[e] += 1;
                placed.push(e);
            }
        }
        for (engine, n) in self.engines.iter().zip(per_engine) {
            if n > 0 {
                // Counted here, not on the engine, so the runner's next look is exact.
                *lock(&engine.counts).entry(class.to_owned()).or_default() += n;
                let _ = engine.commands.send(Command::Spawn {
                    class: user_class.clone(),
                    host: host.clone(),
                    count: n,
                });
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn stop(
        &self,
        counts: &BTreeMap<String, usize>,
        stop_timeout: Option<Duration>,
    ) -> BoxFuture<'static, ()> {
        let mut per_engine: Vec<BTreeMap<String, usize>> =
            vec![BTreeMap::new(); self.engines.len()];
        {
            let mut placement = lock(&self.placement);
            for (class, &n) in counts {
                let placed = placement.entry(class.clone()).or_default();
                for e in placed.drain(placed.len().saturating_sub(n)..) {
                    *per_engine[e].entry(class.clone()).or_default() += 1;
                }
            }
        }
        let waits: Vec<oneshot::Receiver<bool>> = self
            .engines
            .iter()
            .zip(per_engine)
            .filter(|(_, c)| !c.is_empty())
            .filter_map(|(engine, counts)| {
                let (done, wait) = oneshot::channel();
                let cmd = Command::Stop {
                    counts,
                    stop_timeout,
                    done,
                };
                engine.commands.send(cmd).ok().map(|_| wait)
            })
            .collect();
        Box::pin(async move {
            let timed_out = join_all(waits)
                .await
                .into_iter()
                .any(|r| r.unwrap_or(false));
            if let (true, Some(t)) = (timed_out, stop_timeout) {
                log::info!(
                    "Not all users finished their tasks & terminated in {} seconds. Stopping them...",
                    t.as_secs_f64()
                );
            }
        })
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        let mut total: BTreeMap<String, usize> = lock(&self.classes)
            .iter()
            .map(|c| (c.info().name, 0))
            .collect();
        for engine in &self.engines {
            for (class, n) in lock(&engine.counts).iter() {
                *total.entry(class.clone()).or_default() += n;
            }
        }
        total
    }

    fn kill_all(&self) {
        for engine in &self.engines {
            let _ = engine.commands.send(Command::KillAll);
        }
    }

    fn shutdown(&self) {
        for engine in &self.engines {
            let _ = engine.commands.send(Command::Shutdown);
        }
    }
}

struct LiveUser {
    control: Rc<UserControl>,
    handle: JoinHandle<()>,
}

fn engine_main(
    env: Arc<Environment>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    counts: Counts,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("Could not start an engine thread: {e}");
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let recorder = env.stats.recorder();
        let users: Rc<RefCell<HashMap<String, Vec<LiveUser>>>> = Rc::default();
        // Users handed to a stop that is still waiting for them.
        let stopping_now: Rc<RefCell<Vec<Rc<UserControl>>>> = Rc::default();
        while let Some(command) = commands.recv().await {
            match command {
                Command::Spawn { class, host, count } => {
                    let name: Arc<str> = Arc::from(class.info().name);
                    let mut users = users.borrow_mut();
                    let live = users.entry(name.to_string()).or_default();
                    live.retain(|u| !u.control.is_finished());
                    for _ in 0..count {
                        let control = Rc::new(UserControl::default());
                        let ctx = UserContext::new(
                            env.clone(),
                            recorder.clone(),
                            host.clone(),
                            name.clone(),
                        );
                        let user = class.clone().run(ctx, control.clone());
                        let (counts, name) = (counts.clone(), name.clone());
                        let handle = tokio::task::spawn_local(async move {
                            user.await;
                            if let Some(n) = lock(&counts).get_mut(&*name) {
                                *n = n.saturating_sub(1);
                            }
                        });
                        live.push(LiveUser { control, handle });
                    }
                }
                Command::Stop {
                    counts: to_stop,
                    stop_timeout,
                    done,
                } => {
                    let mut stopping = Vec::new();
                    {
                        let mut users = users.borrow_mut();
                        for (class, n) in to_stop {
                            if let Some(live) = users.get_mut(&class) {
                                live.retain(|u| !u.control.is_finished());
                                stopping.extend(live.drain(live.len().saturating_sub(n)..).rev());
                            }
                        }
                    }
                    stopping_now
                        .borrow_mut()
                        .extend(stopping.iter().map(|u| u.control.clone()));
                    let stopping_now = stopping_now.clone();
                    tokio::task::spawn_local(async move {
                        let timed_out = stop_users(stopping, stop_timeout).await;
                        stopping_now.borrow_mut().retain(|c| !c.is_finished());
                        let _ = done.send(timed_out);
                    });
                }
                Command::KillAll => {
                    let users = users.borrow();
                    let live = users.values().flatten().map(|u| &u.control);
                    for control in live.chain(stopping_now.borrow().iter()) {
                        control.kill();
                    }
                }
                Command::Shutdown => break,
            }
        }
        for live in users.borrow().values().flatten() {
            live.handle.abort();
        }
    });
}

/// Locust's `Runner.stop_users` for the users of one engine; returns whether
/// the stop timeout ran out.
async fn stop_users(mut users: Vec<LiveUser>, stop_timeout: Option<Duration>) -> bool {
    let graceful = stop_timeout.filter(|t| !t.is_zero());
    for u in &users {
        u.control.stop(graceful.is_none());
    }
    if let Some(timeout) = graceful {
        let all_done = join_all(users.iter_mut().map(|u| &mut u.handle));
        if tokio::time::timeout(timeout, all_done).await.is_ok() {
            return false;
        }
        for u in &users {
            u.control.kill();
        }
    }
    // A handle the timed-out join already saw complete must not be polled
    // again (tokio panics): only wait for the ones still running.
    let running = users.iter_mut().filter(|u| !u.handle.is_finished());
    join_all(running.map(|u| &mut u.handle)).await;
    graceful.is_some()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;
    use std::time::Instant;

    use futures_util::FutureExt;

    use super::*;
    use crate::user::{TaskResult, UserClass};
    use crate::wait_time::constant;

    type Log = Arc<Mutex<Vec<String>>>;

    struct Slow {
        id: usize,
        log: Log,
    }

    impl Slow {
        async fn work(&mut self) -> TaskResult {
            self.log.lock().unwrap().push(format!("{} start", self.id));
            tokio::time::sleep(Duration::from_millis(400)).await;
            self.log.lock().unwrap().push(format!("{} end", self.id));
            Ok(())
        }
        async fn on_stop(&mut self) -> TaskResult {
            self.log
                .lock()
                .unwrap()
                .push(format!("{} on_stop", self.id));
            Ok(())
        }
    }

    /// A native spawn is done when `spawn` returns: its future is ready at once.
    fn spawn(b: &NativeBackend, count: usize) {
        assert_eq!(b.spawn("Slow", count).now_or_never(), Some(Ok(())));
    }

    fn backend(wait: f64, log: &Log, threads: usize) -> NativeBackend {
        let env = Environment::new(None);
        let ids = Arc::new(AtomicUsize::new(0));
        let log = log.clone();
        let class = UserClass::new("Slow", move |_| Slow {
            id: ids.fetch_add(1, Ordering::SeqCst),
            log: log.clone(),
        })
        .wait_time(constant(wait))
        .on_stop(Slow::on_stop)
        .task(Slow::work);
        NativeBackend::new(env, vec![class.into_dyn()], threads).unwrap()
    }

    fn stop_all(b: &NativeBackend, n: usize, timeout: Option<Duration>) -> Duration {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let started = Instant::now();
        rt.block_on(b.stop(&BTreeMap::from([("Slow".to_string(), n)]), timeout));
        started.elapsed()
    }

    fn entries(log: &Log) -> Vec<String> {
        let mut v = log.lock().unwrap().clone();
        v.sort();
        v
    }

    fn wait_for_count(b: &NativeBackend, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(2);
        while b.user_count() != n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(b.user_count(), n);
    }

    #[test]
    fn loopback_targets_leave_half_the_cores_to_the_target() {
        let hosts = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        for local in [
            "http://127.0.0.1:8089",
            "https://[::1]:443/x",
            "http://LOCALHOST/",
            "http://u:p@127.0.0.2",
            "localhost:80",
        ] {
            assert_eq!(default_threads(4, &hosts(&[local])), 2, "{local}");
        }
        assert_eq!(default_threads(1, &hosts(&["http://127.0.0.1"])), 1);
        assert_eq!(default_threads(2, &hosts(&["http://127.0.0.1"])), 1);
        for remote in [
            "http://10.0.0.1:80",
            "https://example.com",
            "http://[::2]",
            "",
        ] {
            assert_eq!(default_threads(4, &hosts(&[remote])), 4, "{remote}");
        }
        // Every host must be local; none known is not local.
        let mixed = hosts(&["http://127.0.0.1", "http://example.com"]);
        assert_eq!(default_threads(4, &mixed), 4);
        assert_eq!(default_threads(4, &[]), 4);
    }

    #[test]
    fn no_stop_timeout_kills_at_once_but_runs_on_stop() {
        let log = Log::default();
        let b = backend(0.0, &log, 2);
        spawn(&b, 2);
        wait_for_count(&b, 2);
        std::thread::sleep(Duration::from_millis(100));
        let took = stop_all(&b, 2, None);
        assert!(took < Duration::from_millis(300), "{took:?}");
        assert_eq!(b.user_count(), 0);
        assert_eq!(
            entries(&log),
            ["0 on_stop", "0 start", "1 on_stop", "1 start"]
        );
    }

    #[test]
    fn stop_timeout_lets_running_users_finish_their_task() {
        let log = Log::default();
        let b = backend(10.0, &log, 1);
        spawn(&b, 1);
        std::thread::sleep(Duration::from_millis(100));
        let took = stop_all(&b, 1, Some(Duration::from_secs(3)));
        assert!(
            took >= Duration::from_millis(250) && took < Duration::from_secs(2),
            "{took:?}"
        );
        assert_eq!(entries(&log), ["0 end", "0 on_stop", "0 start"]);
    }

    #[test]
    fn stop_timeout_stops_waiting_users_at_once() {
        let log = Log::default();
        let b = backend(30.0, &log, 1);
        spawn(&b, 1);
        // After its first task the user waits 30 s.
        std::thread::sleep(Duration::from_millis(600));
        let took = stop_all(&b, 1, Some(Duration::from_secs(5)));
        assert!(took < Duration::from_millis(200), "{took:?}");
        assert_eq!(entries(&log), ["0 end", "0 on_stop", "0 start"]);
    }

    #[test]
    fn users_still_busy_at_the_timeout_are_killed() {
        let log = Log::default();
        let b = backend(0.0, &log, 1);
        spawn(&b, 1);
        std::thread::sleep(Duration::from_millis(50));
        let took = stop_all(&b, 1, Some(Duration::from_millis(100)));
        assert!(
            took >= Duration::from_millis(90) && took < Duration::from_millis(300),
            "{took:?}"
        );
        assert_eq!(entries(&log), ["0 on_stop", "0 start"]);
    }

    #[test]
    fn stopping_takes_the_newest_users_first() {
        let log = Log::default();
        // One engine: ids then follow spawn order.
        let b = backend(30.0, &log, 1);
        spawn(&b, 3);
        wait_for_count(&b, 3);
        std::thread::sleep(Duration::from_millis(600));
        stop_all(&b, 1, None);
        assert_eq!(b.user_count(), 2);
        assert!(
            entries(&log).contains(&"2 on_stop".to_string()),
            "{:?}",
            entries(&log)
        );
        stop_all(&b, 1, None);
        assert!(
            entries(&log).contains(&"1 on_stop".to_string()),
            "{:?}",
            entries(&log)
        );
        assert!(!entries(&log).contains(&"0 on_stop".to_string()));
        assert_eq!(
            b.user_classes_count(),
            BTreeMap::from([("Slow".to_string(), 1)])
        );
        b.shutdown();
    }
}
