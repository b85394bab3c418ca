//! Locust's `shape_worker`: a load shape ticking about once a second and
//! telling the runner (local or master) what to ramp to.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::{Runner, RunnerState};
use crate::shape::{LoadTestShape, ShapeContext, ShapeTick};

/// A runner's load shape and the task that ticks it.
pub struct ShapeDriver {
    shape: Mutex<Box<dyn LoadTestShape>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ShapeDriver {
    pub fn new(shape: Box<dyn LoadTestShape>) -> Self {
        Self {
            shape: Mutex::new(shape),
            task: Mutex::new(None),
        }
    }

    /// Starts ticking unless it already does (Locust's `start_shape`);
    /// `before` runs first (the runner's move to ready). When the shape
    /// returns `None` the test stops, and a headless run quits.
    pub fn start(self: &Arc<Self>, runner: Arc<dyn Runner>, headless: bool, before: impl FnOnce()) {
        // Checked and stored under the lock, so a shape that ends at its
        // first tick clears the slot after this.
        let mut slot = lock(&self.task);
        if slot.is_some() {
            log::info!("There is an ongoing shape test running. Editing is disabled");
            return;
        }
        log::info!("Shape test starting.");
        before();
        let driver = self.clone();
        *slot = Some(tokio::spawn(async move {
            driver.tick_until_done(runner, headless).await
        }));
    }

    /// Ends the ticking (a stop), unless the caller is the ticking task itself,
    /// which returns right after.
    pub fn cancel(&self) {
        if let Some(task) = lock(&self.task).take() {
            if !task.is_finished() {
                task.abort();
            }
        }
    }

    async fn tick_until_done(&self, runner: Arc<dyn Runner>, headless: bool) {
        log::info!("Shape worker starting");
        let started = Instant::now();
        let mut last: Option<ShapeTick> = None;
        while matches!(
            runner.state(),
            RunnerState::Ready | RunnerState::Spawning | RunnerState::Running
        ) {
            let tick_started = Instant::now();
            let ctx = ShapeContext::new(started, runner.user_count());
            let tick = lock(&self.shape).tick(&ctx);
            match tick {
                None => {
                    log::info!("Shape test stopping");
                    lock(&self.task).take();
                    if headless {
                        runner.quit().await;
                    } else {
                        runner.stop().await;
                    }
                    return;
                }
                Some(tick) if last.as_ref() != Some(&tick) => {
                    log::info!(
                        "Shape test updating to {} users at {:.2} spawn rate",
                        tick.user_count,
                        tick.spawn_rate
                    );
                    runner.start(tick.user_count, tick.spawn_rate, tick.user_classes.clone());
                    last = Some(tick);
                }
                Some(_) => {}
            }
            tokio::time::sleep(Duration::from_secs(1).saturating_sub(tick_started.elapsed())).await;
        }
    }
}
