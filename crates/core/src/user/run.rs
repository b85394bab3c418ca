//! Running one user: on_start, the task loop with Locust's control outcomes,
//! waits, graceful stop and kill, on_stop.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Once};
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use futures_util::FutureExt;
use rand::Rng;

use super::class::UserClass;
use super::context::UserContext;
use super::task::{TaskBody, TaskError, TaskFn, TaskOrder, TaskSet};
use crate::wait_time::{PacingState, WaitTime};

/// Where a user is in its life, as the stopper sees it (Locust's user `_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserState {
    Running,
    Waiting,
    /// Asked to stop gracefully: it stops at the next task boundary or wait.
    Stopping,
}

/// Shared between a running user and whoever may stop it (same engine thread).
pub struct UserControl {
    state: Cell<UserState>,
    killed: Cell<bool>,
    /// The user's task while it awaits a killable step, to wake it on kill.
    waker: RefCell<Option<Waker>>,
    finished: Cell<bool>,
    /// The user's task gave other tasks their turn (an await was pending)
    /// since its last wait.
    suspended: Cell<bool>,
}

impl Default for UserControl {
    fn default() -> Self {
        Self {
            state: Cell::new(UserState::Running),
            killed: Cell::new(false),
            waker: RefCell::new(None),
            finished: Cell::new(false),
            suspended: Cell::new(false),
        }
    }
}

impl UserControl {
    pub fn state(&self) -> UserState {
        self.state.get()
    }

    pub fn is_finished(&self) -> bool {
        self.finished.get()
    }

    pub(crate) fn set_finished(&self) {
        self.finished.set(true);
    }

    /// Locust's `User.stop(force)`: a waiting user (or any, when forced) is
    /// killed at once; a running one is asked to stop after its task.
    pub fn stop(&self, force: bool) {
        if force || self.state.get() == UserState::Waiting {
            self.kill();
        } else {
            self.state.set(UserState::Stopping);
        }
    }

    /// Ends whatever the user is awaiting now (task or wait); its on_stop methods still run.
    pub fn kill(&self) {
        self.killed.set(true);
        if let Some(waker) = self.waker.borrow_mut().take() {
            waker.wake();
        }
    }

    /// Runs `fut` unless the user is killed first. Cheaper than a
    /// `select!` on a notification: one flag check and a waker kept per poll.
    fn unless_killed<F: Future>(&self, fut: F) -> Killable<'_, F> {
        Killable { control: self, fut }
    }
}

pin_project_lite::pin_project! {
    struct Killable<'a, F> {
        control: &'a UserControl,
        #[pin]
        fut: F,
    }
}

impl<F: Future> Future for Killable<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if this.control.killed.get() {
            return Poll::Ready(None);
        }
        match this.fut.poll(cx) {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            Poll::Pending => {
                this.control.suspended.set(true);
                let mut slot = this.control.waker.borrow_mut();
                if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                    *slot = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}

/// Why a task set stops running.
enum Leave {
    /// Interrupted: the parent picks its next task, at once or after a wait.
    Interrupted {
        reschedule: bool,
    },
    Stop(StopReason),
}

#[derive(Clone)]
enum StopReason {
    StopUser,
    Killed,
    StopTest(String),
}

/// The outcome of running one step (a task body, on_start or on_stop).
enum Step {
    Done,
    Control(TaskError),
    /// An error or panic: message and where it happened.
    Failed(String, String),
    Killed,
}

thread_local! {
    /// Set while a user step runs, so the panic hook records instead of printing.
    static IN_STEP: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Marks the thread as running user code until dropped (also when unwinding).
struct InStepGuard(bool);

impl InStepGuard {
    fn enter() -> Self {
        Self(IN_STEP.with(|s| s.replace(true)))
    }
}

impl Drop for InStepGuard {
    fn drop(&mut self) {
        IN_STEP.with(|s| s.set(self.0));
    }
}

pin_project_lite::pin_project! {
    /// Sets the in-step flag only while the inner future is polled: other
    /// users on the same thread run between polls.
    struct InStep<F> {
        #[pin]
        fut: F,
    }
}

fn in_step<F: Future>(fut: F) -> InStep<F> {
    InStep { fut }
}

impl<F: Future> Future for InStep<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _in_step = InStepGuard::enter();
        self.project().fut.poll(cx)
    }
}

/// The message and place of the panic the hook recorded last on this thread.
fn take_panic() -> (String, String) {
    LAST_PANIC
        .with(|p| p.borrow_mut().take())
        .unwrap_or_else(|| ("panic".to_owned(), String::new()))
}

/// Panics inside tasks become user errors: record their message and place
/// instead of printing them; other panics go to the previous hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_STEP.with(Cell::get) {
                let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
                    (*s).to_owned()
                } else if let Some(s) = info.payload().downcast_ref::<String>() {
                    s.clone()
                } else {
                    "panic".to_owned()
                };
                let place = info
                    .location()
                    .map(|l| format!("panicked at {}:{}:{}", l.file(), l.line(), l.column()))
                    .unwrap_or_else(|| "panicked".to_owned());
                LAST_PANIC.with(|p| *p.borrow_mut() = Some((msg, place)));
            } else {
                previous(info);
            }
        }));
    });
}

struct Runner<'a, U> {
    class: &'a UserClass<U>,
    ctx: &'a UserContext,
    ctl: &'a UserControl,
    /// The user's own pacing state, for sets that use the user's wait time.
    pacing: RefCell<PacingState>,
}

impl<U: 'static> Runner<'_, U> {
    async fn step(&self, f: &TaskFn<U>, user: &mut U, what: &str) -> Step {
        let fut = AssertUnwindSafe(in_step(f.call(user))).catch_unwind();
        match self.ctl.unless_killed(fut).await {
            None => Step::Killed,
            Some(Ok(Ok(()))) => Step::Done,
            Some(Ok(Err(TaskError::Exception(e)))) => {
                Step::Failed(e.to_string(), format!("{}.{what}", self.class.name))
            }
            Some(Ok(Err(control))) => Step::Control(control),
            Some(Err(_)) => {
                let (msg, place) = take_panic();
                Step::Failed(msg, format!("{}.{what}: {place}", self.class.name))
            }
        }
    }

    /// Reports an error that escaped a task: `user_error` event, exceptions table, log.
    fn user_error(&self, msg: &str, traceback: &str) {
        self.ctx
            .environment()
            .report_user_error(&self.class.name, msg, traceback);
    }

    /// Runs an on_stop method; it cannot be killed, and its errors are only logged.
    async fn on_stop(&self, f: &Option<TaskFn<U>>, user: &mut U, owner: &str) {
        let Some(f) = f else { return };
        let msg = match AssertUnwindSafe(in_step(f.call(user))).catch_unwind().await {
            Ok(Ok(())) | Ok(Err(TaskError::StopUser)) => return,
            Ok(Err(e)) => e.to_string(),
            Err(_) => {
                let (msg, place) = take_panic();
                format!("{msg} ({place})")
            }
        };
        log::error!("Uncaught exception in on_stop of {owner}: \n{msg}");
    }

    /// Locust's `TaskSet.wait()`: stop instead when asked to, and be killable while waiting.
    async fn wait(
        &self,
        own: Option<&WaitTime>,
        own_pacing: &mut PacingState,
    ) -> Result<(), StopReason> {
        if self.ctl.state() == UserState::Stopping {
            return Err(StopReason::StopUser);
        }
        let delay = match own {
            Some(w) => w.next_wait(own_pacing),
            None => self
                .class
                .wait_time
                .next_wait(&mut self.pacing.borrow_mut()),
        };
        self.ctl.state.set(UserState::Waiting);
        let suspended = self.ctl.suspended.get();
        let slept = if delay.is_zero() && suspended {
            // Other users already had their turn while this one's task
            // waited (on I/O): no need to yield again.
            self.ctl.unless_killed(std::future::ready(())).await
        } else if delay.is_zero() {
            // No timer for no wait: a timer rounds up to the next millisecond.
            self.ctl.unless_killed(tokio::task::yield_now()).await
        } else {
            self.ctl.unless_killed(tokio::time::sleep(delay)).await
        };
        self.ctl.suspended.set(false);
        if slept.is_none() {
            return Err(StopReason::Killed);
        }
        if self.ctl.state() == UserState::Stopping {
            return Err(StopReason::StopUser);
        }
        self.ctl.state.set(UserState::Running);
        Ok(())
    }

    /// Locust's `TaskSet.run()`.
    fn run_set<'s>(
        &'s self,
        set: &'s TaskSet<U>,
        user: &'s mut U,
        is_root: bool,
    ) -> super::task::LocalBoxFuture<'s, Leave> {
        Box::pin(async move {
            if let Some(f) = &set.on_start {
                match self.step(f, user, &format!("{}.on_start", set.name)).await {
                    Step::Done => {}
                    Step::Killed => return Leave::Stop(StopReason::Killed),
                    Step::Control(c) => match c {
                        TaskError::InterruptTaskSet(r) => {
                            return Leave::Interrupted { reschedule: r }
                        }
                        TaskError::RescheduleTaskImmediately => {
                            return Leave::Interrupted { reschedule: true }
                        }
                        TaskError::RescheduleTask => {
                            return Leave::Interrupted { reschedule: false }
                        }
                        TaskError::StopUser => return Leave::Stop(StopReason::StopUser),
                        TaskError::StopTest(m) => return Leave::Stop(StopReason::StopTest(m)),
                        TaskError::Exception(_) => unreachable!("exceptions are Step::Failed"),
                    },
                    Step::Failed(msg, tb) => {
                        // The parent catches it like any task error: report, then wait.
                        self.user_error(&msg, &tb);
                        return Leave::Interrupted { reschedule: false };
                    }
                }
            }
            let leave = self.task_loop(set, user, is_root).await;
            self.on_stop(&set.on_stop, user, &set.name).await;
            leave
        })
    }

    async fn task_loop(&self, set: &TaskSet<U>, user: &mut U, is_root: bool) -> Leave {
        let schedule = set.schedule();
        if schedule.is_empty() {
            let msg = format!(
                "No tasks defined on {}. Add tasks to it, or mark the user class as abstract if it is only a base",
                set.name
            );
            self.user_error(&msg, &set.name);
            return Leave::Stop(StopReason::StopUser);
        }
        let mut next_in_sequence = 0;
        let mut own_pacing = PacingState::new(Instant::now());
        loop {
            let idx = match set.order {
                TaskOrder::Random => schedule[rand::rng().random_range(0..schedule.len())],
                TaskOrder::Sequential => {
                    let i = schedule[next_in_sequence];
                    next_in_sequence = (next_in_sequence + 1) % schedule.len();
                    i
                }
            };
            if self.ctl.state() == UserState::Stopping {
                return Leave::Stop(StopReason::StopUser);
            }
            let task = &set.tasks[idx];
            // Whether to wait before the next task.
            let wait = match &task.body {
                TaskBody::Fn(f, _) => match self.step(f, user, &task.name).await {
                    Step::Done => true,
                    Step::Killed => return Leave::Stop(StopReason::Killed),
                    Step::Failed(msg, tb) => {
                        self.user_error(&msg, &tb);
                        true
                    }
                    Step::Control(c) => match c {
                        TaskError::RescheduleTask => true,
                        TaskError::RescheduleTaskImmediately => false,
                        TaskError::InterruptTaskSet(reschedule) => {
                            if is_root {
                                // Locust's root task set has no parent to hand over to: keep going.
                                !reschedule
                            } else {
                                return Leave::Interrupted { reschedule };
                            }
                        }
                        TaskError::StopUser => return Leave::Stop(StopReason::StopUser),
                        TaskError::StopTest(m) => return Leave::Stop(StopReason::StopTest(m)),
                        TaskError::Exception(_) => unreachable!("exceptions are Step::Failed"),
                    },
                },
                TaskBody::Set(child) => match self.run_set(child, user, false).await {
                    Leave::Interrupted { reschedule } => !reschedule,
                    stop @ Leave::Stop(_) => return stop,
                },
            };
            if wait {
                if let Err(reason) = self.wait(set.wait_time.as_ref(), &mut own_pacing).await {
                    return Leave::Stop(reason);
                }
            }
        }
    }
}

/// Runs one user of `class` to its end.
pub(crate) async fn run_user<U: 'static>(
    class: Arc<UserClass<U>>,
    ctx: UserContext,
    ctl: Rc<UserControl>,
) {
    install_panic_hook();
    let runner = Runner {
        class: &class,
        ctx: &ctx,
        ctl: &ctl,
        pacing: RefCell::new(PacingState::new(Instant::now())),
    };
    let built = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let _in_step = InStepGuard::enter();
        (class.factory)(&ctx)
    }));
    let mut user = match built {
        Ok(u) => u,
        Err(_) => {
            let (msg, place) = take_panic();
            runner.user_error(&msg, &format!("{}.__init__: {place}", class.name));
            ctl.set_finished();
            return;
        }
    };
    ctl.state.set(UserState::Running);

    let reason = 'run: {
        if let Some(f) = &class.on_start {
            match runner.step(f, &mut user, "on_start").await {
                Step::Done => {}
                Step::Killed => break 'run StopReason::Killed,
                Step::Control(TaskError::StopUser) => break 'run StopReason::StopUser,
                Step::Control(TaskError::StopTest(m)) => break 'run StopReason::StopTest(m),
                Step::Control(other) => {
                    // Locust: any other exception from on_start ends the user without on_stop.
                    let msg = format!("{other:?} raised in on_start");
                    runner.user_error(&msg, &format!("{}.on_start", class.name));
                    ctl.set_finished();
                    return;
                }
                Step::Failed(msg, tb) => {
                    runner.user_error(&msg, &tb);
                    ctl.set_finished();
                    return;
                }
            }
        }
        match runner.run_set(&class.tasks, &mut user, true).await {
            Leave::Stop(reason) => reason,
            Leave::Interrupted { .. } => StopReason::StopUser,
        }
    };
    runner.on_stop(&class.on_stop, &mut user, &class.name).await;
    if let StopReason::StopTest(msg) = reason {
        ctx.environment().request_stop_test(msg);
    }
    ctl.set_finished();
}
