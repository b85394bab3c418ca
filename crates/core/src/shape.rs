//! Load test shapes: user code that sets the user count and spawn rate over time.

use std::time::{Duration, Instant};

/// What a shape asks for at one tick.
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeTick {
    pub user_count: u64,
    pub spawn_rate: f64,
    /// Only these user classes (by name); `None` for all.
    pub user_classes: Option<Vec<String>>,
}

impl ShapeTick {
    pub fn new(user_count: u64, spawn_rate: f64) -> Self {
        Self {
            user_count,
            spawn_rate,
            user_classes: None,
        }
    }

    pub fn with_user_classes(
        mut self,
        classes: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.user_classes = Some(classes.into_iter().map(Into::into).collect());
        self
    }
}

/// What a shape can see when it ticks (Locust's `get_run_time()` and `get_current_user_count()`).
#[derive(Clone, Copy, Debug)]
pub struct ShapeContext {
    started: Instant,
    current_user_count: usize,
}

impl ShapeContext {
    pub fn new(started: Instant, current_user_count: usize) -> Self {
        Self {
            started,
            current_user_count,
        }
    }

    /// Time since the shape test started.
    pub fn get_run_time(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn get_current_user_count(&self) -> usize {
        self.current_user_count
    }
}

/// Locust's `LoadTestShape`: `tick()` is called about once a second; `None` ends the test.
pub trait LoadTestShape: Send {
    fn tick(&mut self, ctx: &ShapeContext) -> Option<ShapeTick>;

    /// Locust's `use_common_options`: the shape reads `-u`, `-r` and `-t`
    /// itself, so giving them is not warned about.
    fn use_common_options(&self) -> bool {
        false
    }

    /// The shape's class name, as the web UI's shape picker and messages show it.
    fn name(&self) -> &str {
        "LoadTestShape"
    }
}

impl<F> LoadTestShape for F
where
    F: FnMut(&ShapeContext) -> Option<ShapeTick> + Send,
{
    fn tick(&mut self, ctx: &ShapeContext) -> Option<ShapeTick> {
        self(ctx)
    }
}
