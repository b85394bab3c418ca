//! Behaviour of running users: task order, control outcomes, errors, stopping.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::run::{run_user, UserControl, UserState};
use super::*;
use crate::env::Environment;
use crate::wait_time::constant;

type Log = Arc<Mutex<Vec<String>>>;

struct U {
    log: Log,
    n: usize,
}

impl U {
    fn note(&self, what: &str) {
        self.log.lock().unwrap().push(what.to_owned());
    }
    async fn a(&mut self) -> TaskResult {
        self.note("a");
        Ok(())
    }
    async fn b(&mut self) -> TaskResult {
        self.note("b");
        Ok(())
    }
    async fn c(&mut self) -> TaskResult {
        self.note("c");
        Ok(())
    }
    async fn stop_after_8(&mut self) -> TaskResult {
        self.n += 1;
        if self.n >= 8 {
            return Err(TaskError::StopUser);
        }
        Ok(())
    }
    async fn on_start(&mut self) -> TaskResult {
        self.note("on_start");
        Ok(())
    }
    async fn on_stop(&mut self) -> TaskResult {
        self.note("on_stop");
        Ok(())
    }
}

fn new_class(name: &str, log: &Log) -> UserClass<U> {
    let log = log.clone();
    UserClass::new(name, move |_| U {
        log: log.clone(),
        n: 0,
    })
}

/// Runs one user on a local task set until it ends or `limit` passes; returns the log.
fn run_one(
    class: UserClass<U>,
    limit: Duration,
    env: &Arc<Environment>,
    control: Option<Rc<UserControl>>,
) -> bool {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let control = control.unwrap_or_default();
    let ctx = UserContext::new(
        env.clone(),
        env.stats.recorder(),
        None,
        Arc::from(class.name.as_str()),
    );
    local.block_on(&rt, async move {
        let fut = run_user(Arc::new(class), ctx, control);
        tokio::time::timeout(limit, fut).await.is_ok()
    })
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

#[test]
fn sequential_weights_repeat_in_a_row() {
    let log = Log::default();
    let env = Environment::new(None);
    let flow = TaskSet::sequential("Flow")
        .weighted_task(2, U::a)
        .task(U::b)
        .task(U::c)
        .task(U::stop_after_8);
    let class = new_class("Seq", &log).task(flow);
    assert!(run_one(class, Duration::from_secs(5), &env, None));
    assert_eq!(
        take(&log),
        [
            "a", "a", "b", "c", "a", "a", "b", "c", "a", "a", "b", "c", "a", "a", "b", "c", "a",
            "a", "b", "c", "a", "a", "b", "c", "a", "a", "b", "c", "a", "a", "b", "c"
        ]
    );
}

#[test]
fn on_start_and_on_stop_wrap_the_user() {
    let log = Log::default();
    let env = Environment::new(None);
    let class = new_class("Life", &log)
        .on_start(U::on_start)
        .on_stop(U::on_stop)
        .task(TaskSet::sequential("s").task(U::a).task(U::stop_after_8));
    assert!(run_one(class, Duration::from_secs(5), &env, None));
    let got = take(&log);
    assert_eq!(got.first().map(String::as_str), Some("on_start"));
    assert_eq!(got.last().map(String::as_str), Some("on_stop"));
    assert_eq!(got.iter().filter(|s| *s == "a").count(), 8);
}

#[test]
fn weighted_random_choice_follows_weights() {
    let log = Log::default();
    let env = Environment::new(None);
    async fn count(u: &mut U) -> TaskResult {
        u.n += 1;
        if u.n >= 4000 {
            return Err(TaskError::StopUser);
        }
        Ok(())
    }
    let class = new_class("W", &log).task(
        TaskSet::new("r")
            .weighted_task(3, async |u: &mut U| {
                u.note("a");
                count(u).await
            })
            .weighted_task(1, async |u: &mut U| {
                u.note("b");
                count(u).await
            }),
    );
    assert!(run_one(class, Duration::from_secs(10), &env, None));
    let got = take(&log);
    let a = got.iter().filter(|s| *s == "a").count() as f64;
    let share = a / got.len() as f64;
    assert!((share - 0.75).abs() < 0.03, "share of a: {share}");
}

#[test]
fn interrupt_hands_control_back_and_runs_on_stop() {
    let log = Log::default();
    let env = Environment::new(None);
    let nested = TaskSet::sequential("Nested")
        .on_start(async |u: &mut U| {
            u.note("nested.on_start");
            Ok(())
        })
        .on_stop(async |u: &mut U| {
            u.note("nested.on_stop");
            Ok(())
        })
        .task(U::b)
        .task(async |u: &mut U| {
            u.note("interrupt");
            Err(TaskError::interrupt())
        });
    let root = TaskSet::sequential("Root")
        .task(U::a)
        .task(nested)
        .task(U::c)
        .task(async |_u: &mut U| Err(TaskError::StopUser));
    let class = new_class("I", &log).task(root).on_stop(U::on_stop);
    assert!(run_one(class, Duration::from_secs(5), &env, None));
    assert_eq!(
        take(&log),
        [
            "a",
            "nested.on_start",
            "b",
            "interrupt",
            "nested.on_stop",
            "c",
            "on_stop"
        ]
    );
}

/// Time between consecutive notes, for wait checks.
fn timed_class(log: &Log, body: Task<U>) -> UserClass<U> {
    new_class("T", log).wait_time(constant(0.2)).task(
        TaskSet::sequential("s")
            .task(body)
            .task(U::a)
            .task(async |_u: &mut U| Err(TaskError::StopUser)),
    )
}

#[test]
fn reschedule_task_waits_and_immediately_does_not() {
    let env = Environment::new(None);
    for (outcome, expect_wait) in [(false, true), (true, false)] {
        let log = Log::default();
        let started = Instant::now();
        let class = timed_class(
            &log,
            task(async move |u: &mut U| {
                u.note("x");
                if outcome {
                    Err(TaskError::RescheduleTaskImmediately)
                } else {
                    Err(TaskError::RescheduleTask)
                }
            }),
        );
        assert!(run_one(class, Duration::from_secs(5), &env, None));
        // One wait after `a` always; one more after `x` only for RescheduleTask.
        let took = started.elapsed();
        if expect_wait {
            assert!(took >= Duration::from_millis(400), "{took:?}");
        } else {
            assert!(took < Duration::from_millis(390), "{took:?}");
        }
        assert_eq!(take(&log), ["x", "a"]);
    }
}

#[test]
fn errors_and_panics_become_user_errors_and_the_user_goes_on() {
    let log = Log::default();
    let env = Environment::new(None);
    let errors: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let seen = errors.clone();
    env.events.user_error.add_listener(move |e| {
        seen.lock()
            .unwrap()
            .push((e.exception.clone(), e.traceback.clone()));
    });
    let class = new_class("E", &log).task(
        TaskSet::sequential("s")
            .task(async |_u: &mut U| Err(TaskError::msg("boom")))
            .task(Task::new(async |_u: &mut U| -> TaskResult { panic!("kaboom") }).name("panicky"))
            .task(async |_u: &mut U| {
                let n: u32 = "x".parse()?;
                let _ = n;
                Ok(())
            })
            .task(U::a)
            .task(async |_u: &mut U| Err(TaskError::StopUser)),
    );
    assert!(run_one(class, Duration::from_secs(5), &env, None));
    assert_eq!(take(&log), ["a"]);
    let errors = errors.lock().unwrap();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0].0, "boom");
    assert_eq!(errors[1].0, "kaboom");
    assert!(
        errors[1].1.starts_with("E.panicky: panicked at"),
        "{}",
        errors[1].1
    );
    assert!(errors[1].1.contains("tests.rs"), "{}", errors[1].1);
    assert_eq!(errors[2].0, "invalid digit found in string");
    // Each error also lands in the exceptions table once the runner listens; here only the event.
}

#[test]
fn stop_test_asks_the_environment_to_stop() {
    let log = Log::default();
    let env = Environment::new(None);
    let class = new_class("S", &log)
        .on_stop(U::on_stop)
        .task(async |_u: &mut U| Err(TaskError::StopTest("enough".into())));
    assert!(run_one(class, Duration::from_secs(5), &env, None));
    assert_eq!(env.stop_test_reason().as_deref(), Some("enough"));
    assert_eq!(take(&log), ["on_stop"]);
}

#[test]
fn graceful_stop_finishes_the_task_and_kill_cuts_it() {
    let env = Environment::new(None);
    for kill in [false, true] {
        let log = Log::default();
        let control = Rc::new(UserControl::default());
        let class = new_class("G", &log)
            .on_stop(U::on_stop)
            .task(async |u: &mut U| {
                u.note("start");
                tokio::time::sleep(Duration::from_millis(300)).await;
                u.note("end");
                Ok(())
            });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let local = tokio::task::LocalSet::new();
        let ctx = UserContext::new(env.clone(), env.stats.recorder(), None, Arc::from("G"));
        let ctl = control.clone();
        local.block_on(&rt, async move {
            let user = tokio::task::spawn_local(run_user(Arc::new(class), ctx, ctl.clone()));
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(ctl.state(), UserState::Running);
            ctl.stop(kill);
            tokio::time::timeout(Duration::from_secs(2), user)
                .await
                .unwrap()
                .unwrap();
        });
        assert!(control.is_finished());
        if kill {
            assert_eq!(take(&log), ["start", "on_stop"]);
        } else {
            assert_eq!(take(&log), ["start", "end", "on_stop"]);
        }
    }
}

#[test]
fn a_waiting_user_is_stopped_at_once() {
    let env = Environment::new(None);
    let log = Log::default();
    let control = Rc::new(UserControl::default());
    let class = new_class("W", &log)
        .wait_time(constant(30.0))
        .on_stop(U::on_stop)
        .task(U::a);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let ctx = UserContext::new(env.clone(), env.stats.recorder(), None, Arc::from("W"));
    let ctl = control.clone();
    let started = Instant::now();
    local.block_on(&rt, async move {
        let user = tokio::task::spawn_local(run_user(Arc::new(class), ctx, ctl.clone()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(ctl.state(), UserState::Waiting);
        ctl.stop(false);
        tokio::time::timeout(Duration::from_secs(2), user)
            .await
            .unwrap()
            .unwrap();
    });
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(take(&log), ["a", "on_stop"]);
}

#[test]
fn users_without_wait_share_the_thread() {
    // No wait time: a task that never suspends yields after each run, one
    // that awaits something has already let the others run. Neither kind
    // starves the other, and a user killed between tasks stops at once.
    struct Busy {
        runs: Arc<Mutex<[usize; 2]>>,
        slot: usize,
    }
    impl Busy {
        async fn spin(&mut self) -> TaskResult {
            self.runs.lock().unwrap()[self.slot] += 1;
            if self.slot == 1 {
                tokio::task::yield_now().await;
            }
            Ok(())
        }
    }
    let env = Environment::new(None);
    let runs = Arc::new(Mutex::new([0usize; 2]));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    let controls: Vec<Rc<UserControl>> = (0..2).map(|_| Rc::default()).collect();
    let users: Vec<_> = (0..2)
        .map(|slot| {
            let runs = runs.clone();
            let class = UserClass::new("Busy", move |_| Busy {
                runs: runs.clone(),
                slot,
            })
            .task(Busy::spin);
            let ctx = UserContext::new(env.clone(), env.stats.recorder(), None, Arc::from("B"));
            (class, ctx, controls[slot].clone())
        })
        .collect();
    local.block_on(&rt, async move {
        let handles: Vec<_> = users
            .into_iter()
            .map(|(class, ctx, ctl)| tokio::task::spawn_local(run_user(Arc::new(class), ctx, ctl)))
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        for c in &controls {
            c.kill();
        }
        for h in handles {
            tokio::time::timeout(Duration::from_secs(1), h)
                .await
                .unwrap()
                .unwrap();
        }
    });
    let [cpu, io] = *runs.lock().unwrap();
    assert!(cpu > 100 && io > 100, "{cpu} {io}");
    // Turns alternate: neither ran much more often than the other.
    assert!(cpu.abs_diff(io) <= cpu.max(io) / 2, "{cpu} {io}");
}
