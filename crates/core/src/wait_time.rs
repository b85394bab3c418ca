//! Wait times between tasks: Locust's `between`, `constant`, `constant_pacing`,
//! `constant_throughput` and `poisson`.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

/// How long a user waits after each task. Cheap to clone.
#[derive(Clone)]
pub enum WaitTime {
    Constant(f64),
    Between(f64, f64),
    /// Task plus wait take this many seconds.
    ConstantPacing(f64),
    /// Exponentially distributed waits with this many tasks per second on average.
    Poisson(f64),
    /// Any function returning seconds.
    Custom(Arc<dyn Fn() -> f64 + Send + Sync>),
}

impl fmt::Debug for WaitTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Constant(s) => write!(f, "constant({s})"),
            Self::Between(a, b) => write!(f, "between({a}, {b})"),
            Self::ConstantPacing(s) => write!(f, "constant_pacing({s})"),
            Self::Poisson(r) => write!(f, "poisson({r})"),
            Self::Custom(_) => write!(f, "custom"),
        }
    }
}

impl Default for WaitTime {
    /// Locust's default: no wait.
    fn default() -> Self {
        Self::Constant(0.0)
    }
}

/// A uniformly random wait in `[min_wait, max_wait]` seconds.
pub fn between(min_wait: f64, max_wait: f64) -> WaitTime {
    WaitTime::Between(min_wait, max_wait)
}

pub fn constant(seconds: f64) -> WaitTime {
    WaitTime::Constant(seconds)
}

/// Waits so that each task plus its wait takes `seconds` (no wait if the task took longer).
pub fn constant_pacing(seconds: f64) -> WaitTime {
    WaitTime::ConstantPacing(seconds)
}

/// At most `task_runs_per_second` tasks per second per user: `constant_pacing(1 / rate)`.
///
/// # Panics
/// If the rate is not positive, like Locust's `ValueError` at class definition.
pub fn constant_throughput(task_runs_per_second: f64) -> WaitTime {
    assert!(
        task_runs_per_second > 0.0,
        "constant_throughput() requires a positive rate, got: {task_runs_per_second}"
    );
    WaitTime::ConstantPacing(1.0 / task_runs_per_second)
}

/// Exponentially distributed waits with mean `1 / rate` seconds: tasks arrive as a Poisson process.
///
/// # Panics
/// If the rate is not positive, like Locust's `ValueError` at class definition.
pub fn poisson(rate: f64) -> WaitTime {
    assert!(
        rate > 0.0,
        "poisson() requires a positive rate, got: {rate}"
    );
    WaitTime::Poisson(rate)
}

/// What `constant_pacing` remembers between calls; one per user or task set that waits.
#[derive(Debug, Clone, Copy)]
pub struct PacingState {
    last_run: Instant,
    last_wait: f64,
}

impl Default for PacingState {
    fn default() -> Self {
        Self::new(Instant::now())
    }
}

impl PacingState {
    pub fn new(now: Instant) -> Self {
        Self {
            last_run: now,
            last_wait: 0.0,
        }
    }
}

impl WaitTime {
    /// The next wait in seconds, as Locust computes it at `now`.
    pub fn next_wait_at(&self, pacing: &mut PacingState, now: Instant) -> f64 {
        match self {
            Self::Constant(s) => *s,
            Self::Between(a, b) => a + rand::rng().random::<f64>() * (b - a),
            Self::ConstantPacing(period) => {
                let run_time = now.duration_since(pacing.last_run).as_secs_f64() - pacing.last_wait;
                pacing.last_wait = (period - run_time).max(0.0);
                pacing.last_run = now;
                pacing.last_wait
            }
            Self::Poisson(rate) => {
                // Inverse transform sampling; 1 - u keeps ln away from 0.
                let u: f64 = rand::rng().random();
                -(1.0 - u).ln() / rate
            }
            Self::Custom(f) => f(),
        }
    }

    pub fn next_wait(&self, pacing: &mut PacingState) -> Duration {
        let secs = self.next_wait_at(pacing, Instant::now());
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_is_constant() {
        let mut p = PacingState::default();
        assert_eq!(constant(2.5).next_wait_at(&mut p, Instant::now()), 2.5);
        assert_eq!(
            WaitTime::default().next_wait_at(&mut p, Instant::now()),
            0.0
        );
    }

    #[test]
    fn between_stays_in_range_and_spreads() {
        let w = between(1.0, 5.0);
        let mut p = PacingState::default();
        let samples: Vec<f64> = (0..10_000)
            .map(|_| w.next_wait_at(&mut p, Instant::now()))
            .collect();
        assert!(samples.iter().all(|&s| (1.0..=5.0).contains(&s)));
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        assert!((mean - 3.0).abs() < 0.1, "mean {mean}");
        assert!(samples.iter().any(|&s| s < 1.5) && samples.iter().any(|&s| s > 4.5));
    }

    #[test]
    fn constant_pacing_subtracts_task_time() {
        let t0 = Instant::now();
        let mut p = PacingState::new(t0);
        let w = constant_pacing(10.0);
        // First task took 3 s: wait 7.
        let first = w.next_wait_at(&mut p, t0 + Duration::from_secs(3));
        assert!((first - 7.0).abs() < 1e-9);
        // Next task starts after the 7 s wait and takes 4 s: wait 6.
        let second = w.next_wait_at(&mut p, t0 + Duration::from_secs(3 + 7 + 4));
        assert!((second - 6.0).abs() < 1e-9);
        // A task longer than the period: no wait.
        let third = w.next_wait_at(&mut p, t0 + Duration::from_secs(3 + 7 + 4 + 6 + 12));
        assert_eq!(third, 0.0);
    }

    #[test]
    fn constant_throughput_is_inverse_pacing() {
        let t0 = Instant::now();
        let mut p = PacingState::new(t0);
        let w = constant_throughput(0.5);
        let wait = w.next_wait_at(&mut p, t0 + Duration::from_millis(500));
        assert!((wait - 1.5).abs() < 1e-9);
    }

    #[test]
    #[should_panic(expected = "positive rate")]
    fn constant_throughput_rejects_zero() {
        constant_throughput(0.0);
    }

    #[test]
    #[should_panic(expected = "positive rate")]
    fn poisson_rejects_negative() {
        poisson(-1.0);
    }

    #[test]
    fn poisson_has_mean_one_over_rate() {
        let w = poisson(4.0);
        let mut p = PacingState::default();
        let n = 20_000;
        let samples: Vec<f64> = (0..n)
            .map(|_| w.next_wait_at(&mut p, Instant::now()))
            .collect();
        assert!(samples.iter().all(|&s| s >= 0.0));
        let mean = samples.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.25).abs() < 0.01, "mean {mean}");
        // Exponential: P(X > mean) = e^-1.
        let above = samples.iter().filter(|&&s| s > 0.25).count() as f64 / n as f64;
        assert!((above - (-1.0f64).exp()).abs() < 0.02, "above {above}");
    }

    #[test]
    fn custom_function() {
        let w = WaitTime::Custom(Arc::new(|| 0.125));
        assert_eq!(
            w.next_wait(&mut PacingState::default()),
            Duration::from_millis(125)
        );
    }
}
