//! Locust's `LocalRunner`: all users in this process.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use tokio::sync::watch;

use super::{
    apply_user_counts, final_or_now, format_user_classes_count, JobTicket, QuitSignal, Runner,
    RunnerConfig, RunnerState, ShapeDriver, SpawnJobs,
};
use crate::dispatch::{DispatchStep, UserClassSpec, UsersDispatcher};
use crate::env::Environment;
use crate::events::SpawningCompleteEvent;
use crate::exec::{BoxFuture, SpawnError, UserBackend};
use crate::shape::LoadTestShape;
use crate::user::UserClassSettings;

/// The id of the one worker node of a local run, as Locust names it.
const LOCAL_NODE: &str = "local";

struct Inner {
    state: RunnerState,
    dispatcher: Option<UsersDispatcher>,
    tasks_filtered: bool,
    /// Class counts just before the last stop, for the task ratio report.
    final_user_classes_count: BTreeMap<String, usize>,
}

/// Why a ramp ended early.
enum RampError {
    /// The dispatcher refused the classes or counts.
    Dispatch(String),
    /// Users of a class could not be created.
    Spawn(SpawnError),
}

/// Runs the users in this process; methods must be called inside a tokio runtime.
pub struct LocalRunner {
    me: Weak<LocalRunner>,
    env: Arc<Environment>,
    backend: Arc<dyn UserBackend>,
    config: RunnerConfig,
    shape: Option<Arc<ShapeDriver>>,
    inner: Mutex<Inner>,
    ramps: SpawnJobs,
    /// The user count the last `start` asked for (Locust's `target_user_count`,
    /// set before `test_start` fires).
    target_user_count: AtomicU64,
    quit: QuitSignal,
    /// Every state change, for whoever waits for one (the web UI's autostart).
    states: watch::Sender<RunnerState>,
}

impl LocalRunner {
    pub fn new(
        env: Arc<Environment>,
        backend: Arc<dyn UserBackend>,
        config: RunnerConfig,
        shape: Option<Box<dyn LoadTestShape>>,
    ) -> Arc<Self> {
        let runner = Arc::new_cyclic(|me| Self {
            me: me.clone(),
            env: env.clone(),
            backend,
            config,
            shape: shape.map(|s| Arc::new(ShapeDriver::new(s))),
            inner: Mutex::new(Inner {
                state: RunnerState::Ready,
                dispatcher: None,
                tasks_filtered: false,
                final_user_classes_count: BTreeMap::new(),
            }),
            ramps: SpawnJobs::default(),
            target_user_count: AtomicU64::new(0),
            quit: QuitSignal::default(),
            states: watch::channel(RunnerState::Ready).0,
        });
        let weak = Arc::downgrade(&runner);
        env.events.spawning_complete.add_listener(move |_| {
            if let Some(runner) = weak.upgrade() {
                runner.on_spawning_complete();
            }
        });
        // Locust's local runner puts user errors in the exceptions table under node "local".
        let stats = env.stats.clone();
        env.events.user_error.add_listener(move |e| {
            stats.log_exception(LOCAL_NODE, &e.exception, &e.traceback);
        });
        runner
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_state(&self, state: RunnerState) {
        let mut inner = self.inner();
        log::debug!(
            "Updating state to '{state}', old state was '{}'",
            inner.state
        );
        self.enter_state(&mut inner, state);
    }

    fn enter_state(&self, inner: &mut Inner, state: RunnerState) {
        inner.state = state;
        self.states.send_replace(state);
    }

    fn on_spawning_complete(&self) {
        self.set_state(RunnerState::Running);
        if self.config.reset_stats {
            log::info!("Resetting stats\n");
            self.env.stats.reset_all();
        }
    }

    /// Locust's `_start`: one dispatch cycle, spawning and stopping users per iteration.
    async fn ramp(
        &self,
        user_count: u64,
        spawn_rate: f64,
        user_classes: Option<Vec<String>>,
        mut ticket: JobTicket,
    ) -> Result<(), RampError> {
        let first_start = !matches!(self.state(), RunnerState::Running | RunnerState::Spawning);
        if first_start {
            self.env.stats.clear_all();
            self.env.stats.clear_exceptions();
            let filter_now = !std::mem::replace(&mut self.inner().tasks_filtered, true);
            if filter_now {
                self.backend.apply_filter(&self.config.task_filter);
            }
            self.env.events.test_start.fire(&self.env);
        }
        self.set_state(RunnerState::Spawning);
        {
            let mut inner = self.inner();
            if inner.dispatcher.is_none() {
                let classes: Vec<UserClassSpec> = self
                    .backend
                    .user_classes()
                    .into_iter()
                    .filter(|c| !c.is_abstract)
                    .map(|c| UserClassSpec {
                        name: c.name,
                        weight: c.weight as f64,
                        fixed_count: c.fixed_count as u64,
                    })
                    .collect();
                let dispatcher = UsersDispatcher::new(vec![LOCAL_NODE.to_owned()], classes)
                    .map_err(|e| RampError::Dispatch(e.to_string()))?;
                inner.dispatcher = Some(dispatcher);
            }
            log::info!("Ramping to {user_count} users at a rate of {spawn_rate:.2} per second");
            let dispatcher = inner.dispatcher.as_mut().expect("dispatcher was just set");
            dispatcher
                .new_dispatch(user_count, spawn_rate, user_classes)
                .map_err(|e| RampError::Dispatch(e.to_string()))?;
        }
        loop {
            let step = match self.inner().dispatcher.as_mut() {
                Some(dispatcher) => dispatcher.step(Instant::now()),
                None => return Ok(()),
            };
            match step {
                DispatchStep::Dispatch(users) => {
                    let target = users.user_classes_count(LOCAL_NODE).unwrap_or_default();
                    let stop_timeout = self.config.stop_timeout;
                    apply_user_counts(&*self.backend, &target, stop_timeout, &ticket)
                        .await
                        .map_err(RampError::Spawn)?;
                }
                DispatchStep::Sleep(pause) => {
                    ticket.sleep(pause).await;
                }
                DispatchStep::Done => break,
            }
            if !ticket.is_current() {
                return Ok(());
            }
        }
        log::info!(
            "All users spawned: {}",
            format_user_classes_count(&self.user_classes_count())
        );
        let user_count = self.user_count();
        self.env
            .events
            .spawning_complete
            .fire(&SpawningCompleteEvent { user_count });
        Ok(())
    }
}

impl Runner for LocalRunner {
    fn environment(&self) -> &Arc<Environment> {
        &self.env
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn state(&self) -> RunnerState {
        self.inner().state
    }

    fn subscribe_state(&self) -> watch::Receiver<RunnerState> {
        self.states.subscribe()
    }

    fn user_count(&self) -> usize {
        self.backend.user_count()
    }

    fn target_user_count(&self) -> u64 {
        self.target_user_count.load(Ordering::Relaxed)
    }

    fn user_classes_count(&self) -> BTreeMap<String, usize> {
        self.backend.user_classes_count()
    }

    fn final_user_classes_count(&self) -> BTreeMap<String, usize> {
        let at_last_stop = self.inner().final_user_classes_count.clone();
        final_or_now(&at_last_stop, || self.user_classes_count())
    }

    fn has_shape(&self) -> bool {
        self.shape.is_some()
    }

    fn start(&self, user_count: u64, spawn_rate: f64, user_classes: Option<Vec<String>>) {
        let Some(runner) = self.me.upgrade() else {
            return;
        };
        if spawn_rate > 100.0 {
            log::warn!("Your selected spawn rate is very high (>100), and this is known to sometimes cause issues. Do you really need to ramp up that fast?");
        }
        self.target_user_count.store(user_count, Ordering::Relaxed);
        self.ramps.submit(move |ticket| async move {
            match runner
                .ramp(user_count, spawn_rate, user_classes, ticket)
                .await
            {
                Ok(()) => {}
                Err(RampError::Dispatch(e)) => log::error!("{e}"),
                // Like Locust's spawning greenlet, the ramp dies: no more users,
                // no spawning_complete, and the run ends with exit code 2. The
                // backend has logged the details where it happened.
                Err(RampError::Spawn(e)) => {
                    log::debug!("Spawning stopped: {e}");
                    runner.env.mark_unhandled_exception();
                }
            }
        });
    }

    fn start_shape(&self) {
        if let (Some(shape), Some(me)) = (&self.shape, self.me.upgrade()) {
            shape.start(me, self.config.headless, || {
                self.set_state(RunnerState::Ready)
            });
        }
    }

    /// Fires test_stopping, stops users with the stop timeout, then fires test_stop.
    fn stop(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            if self.state() == RunnerState::Stopped {
                return;
            }
            self.env.events.test_stopping.fire(&self.env);
            self.ramps.cancel().await;
            let counts = self.user_classes_count();
            {
                let mut inner = self.inner();
                inner.final_user_classes_count = counts.clone();
                self.enter_state(&mut inner, RunnerState::Cleanup);
            }
            if let Some(shape) = &self.shape {
                shape.cancel();
            }
            self.backend.stop(&counts, self.config.stop_timeout).await;
            {
                let mut inner = self.inner();
                inner.dispatcher = None;
                self.enter_state(&mut inner, RunnerState::Stopped);
            }
            self.env.events.test_stop.fire(&self.env);
        })
    }

    fn quit(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            self.stop().await;
            self.quit.set();
        })
    }

    fn wait_quit(&self) -> BoxFuture<'_, ()> {
        self.quit.wait()
    }

    fn kill_all(&self) {
        self.backend.kill_all();
    }

    fn update_user_class<'a>(
        &'a self,
        class: &'a str,
        settings: &'a UserClassSettings,
        extra: &'a serde_json::Map<String, serde_json::Value>,
    ) -> BoxFuture<'a, Result<(), String>> {
        self.backend.update_user_class(class, settings, extra)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::exec::NativeBackend;
    use crate::shape::{ShapeContext, ShapeTick};
    use crate::user::{TaskResult, UserClass};
    use crate::wait_time::constant;

    struct Idle;
    impl Idle {
        async fn idle(&mut self) -> TaskResult {
            Ok(())
        }
    }

    fn runner(shape: Option<Box<dyn LoadTestShape>>, headless: bool) -> Arc<LocalRunner> {
        let env = Environment::new(None);
        let class = |name: &str, weight| {
            UserClass::new(name, |_| Idle)
                .wait_time(constant(0.05))
                .weight(weight)
                .task(Idle::idle)
                .into_dyn()
        };
        let backend =
            NativeBackend::new(env.clone(), vec![class("A", 3), class("B", 1)], 2).unwrap();
        let config = RunnerConfig {
            headless,
            ..RunnerConfig::default()
        };
        LocalRunner::new(env, Arc::new(backend), config, shape)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn ramps_at_the_spawn_rate_then_completes() {
        let runner = runner(None, true);
        let completed = Arc::new(AtomicUsize::new(usize::MAX));
        let seen = completed.clone();
        runner
            .environment()
            .events
            .spawning_complete
            .add_listener(move |e| seen.store(e.user_count, Ordering::SeqCst));
        let starts = Arc::new(AtomicUsize::new(0));
        let s = starts.clone();
        runner
            .environment()
            .events
            .test_start
            .add_listener(move |_| {
                s.fetch_add(1, Ordering::SeqCst);
            });
        rt().block_on(async {
            let started = Instant::now();
            runner.start(8, 4.0, None);
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(runner.state(), RunnerState::Spawning);
            assert_eq!(runner.user_count(), 4);
            while runner.state() != RunnerState::Running {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let took = started.elapsed();
            assert!(
                took >= Duration::from_millis(950) && took < Duration::from_millis(1500),
                "{took:?}"
            );
            assert_eq!(completed.load(Ordering::SeqCst), 8);
            assert_eq!(
                runner.user_classes_count(),
                BTreeMap::from([("A".to_string(), 6), ("B".to_string(), 2)])
            );

            // Ramping down is one cycle too, and does not fire test_start again.
            runner.start(2, 100.0, None);
            while runner.user_count() != 2 || runner.state() != RunnerState::Running {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert_eq!(starts.load(Ordering::SeqCst), 1);

            runner.quit().await;
            assert_eq!(runner.state(), RunnerState::Stopped);
            assert_eq!(runner.user_count(), 0);
            runner.wait_quit().await;
        });
    }

    #[test]
    fn a_shape_drives_the_user_count_and_ends_the_test() {
        let ticks = Arc::new(AtomicUsize::new(0));
        let t = ticks.clone();
        let shape = move |_ctx: &ShapeContext| {
            let n = t.fetch_add(1, Ordering::SeqCst);
            match n {
                0 => Some(ShapeTick::new(2, 10.0)),
                1 => Some(ShapeTick::new(4, 10.0).with_user_classes(["B"])),
                _ => None,
            }
        };
        let runner = runner(Some(Box::new(shape)), true);
        rt().block_on(async {
            runner.start_shape();
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert_eq!(runner.user_count(), 2);
            tokio::time::sleep(Duration::from_millis(1000)).await;
            let counts = runner.user_classes_count();
            assert_eq!(counts.values().sum::<usize>(), 4, "{counts:?}");
            tokio::time::timeout(Duration::from_secs(3), runner.wait_quit())
                .await
                .expect("a shape returning None quits a headless run");
        });
        assert_eq!(runner.state(), RunnerState::Stopped);
        assert!(ticks.load(Ordering::SeqCst) >= 3);
    }

    /// A backend whose users of class "Second" fail in their constructor.
    struct FailingBackend {
        counts: Mutex<BTreeMap<String, usize>>,
    }

    impl UserBackend for FailingBackend {
        fn user_classes(&self) -> Vec<crate::user::UserClassInfo> {
            ["First", "Second"]
                .into_iter()
                .map(|name| crate::user::UserClassInfo {
                    name: name.into(),
                    weight: 1,
                    fixed_count: 0,
                    host: None,
                    is_abstract: false,
                    tasks: Vec::new(),
                })
                .collect()
        }
        fn apply_filter(&self, _filter: &crate::user::TaskFilter) {}
        fn spawn(
            &self,
            class: &str,
            count: usize,
        ) -> crate::exec::BoxFuture<'static, Result<(), SpawnError>> {
            let result = if class == "Second" {
                Err(SpawnError("ValueError('boom')".into()))
            } else {
                *self.counts.lock().unwrap().entry(class.into()).or_default() += count;
                Ok(())
            };
            Box::pin(std::future::ready(result))
        }
        fn stop(
            &self,
            _counts: &BTreeMap<String, usize>,
            _stop_timeout: Option<Duration>,
        ) -> crate::exec::BoxFuture<'static, ()> {
            self.counts.lock().unwrap().clear();
            Box::pin(std::future::ready(()))
        }
        fn user_classes_count(&self) -> BTreeMap<String, usize> {
            self.counts.lock().unwrap().clone()
        }
        fn kill_all(&self) {}
        fn shutdown(&self) {}
    }

    #[test]
    fn a_user_that_cannot_be_created_ends_the_ramp_like_locusts_greenlet() {
        let env = Environment::new(None);
        let backend = Arc::new(FailingBackend {
            counts: Mutex::default(),
        });
        let runner = LocalRunner::new(env.clone(), backend, RunnerConfig::default(), None);
        let completed = Arc::new(AtomicUsize::new(0));
        let seen = completed.clone();
        env.events.spawning_complete.add_listener(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        rt().block_on(async {
            runner.start(10, 100.0, None);
            assert_eq!(runner.target_user_count(), 10);
            tokio::time::sleep(Duration::from_millis(300)).await;
            // "First" comes first in the dispatch and was spawned; then the ramp died.
            assert_eq!(runner.user_classes_count().get("First"), Some(&5));
            assert_eq!(completed.load(Ordering::SeqCst), 0);
            assert!(env.has_unhandled_exception());
            assert_eq!(env.exit_code(1), 2);
            assert_eq!(runner.state(), RunnerState::Spawning);
            runner.quit().await;
        });
    }
}
