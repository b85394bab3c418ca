//! This process's CPU and memory use, as Locust's heartbeats carry them
//! (psutil's `cpu_percent()` and RSS), sampled every 10 s.

use std::time::Instant;

/// CPU use since the previous sample, in percent of one core (above 100
/// when several threads are busy, as psutil counts it).
pub struct CpuMonitor {
    last: Option<(Instant, f64)>,
}

impl Default for CpuMonitor {
    fn default() -> Self {
        Self::new()
    }
}

impl CpuMonitor {
    pub fn new() -> Self {
        Self {
            last: process_cpu_seconds().map(|cpu| (Instant::now(), cpu)),
        }
    }

    /// Percent of one core used since the last call (0.0 when unknown).
    pub fn sample(&mut self) -> f64 {
        let now = Instant::now();
        let Some(cpu) = process_cpu_seconds() else {
            return 0.0;
        };
        let percent = match self.last {
            Some((then, before)) => {
                let wall = now.duration_since(then).as_secs_f64();
                if wall > 0.0 {
                    ((cpu - before) / wall * 100.0).max(0.0)
                } else {
                    0.0
                }
            }
            None => 0.0,
        };
        self.last = Some((now, cpu));
        percent
    }
}

/// User plus system CPU seconds of this process.
fn process_cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage fills the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return None;
        }
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Some(secs(usage.ru_utime) + secs(usage.ru_stime))
}

/// Resident memory of this process in bytes (0 when unknown).
pub fn resident_memory() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * page_size.max(0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_loop_shows_as_cpu_and_memory_is_counted() {
        let mut monitor = CpuMonitor::new();
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed().as_millis() < 200 {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let percent = monitor.sample();
        assert!(percent > 30.0, "{percent}");
        assert!(resident_memory() > 1_000_000);
    }
}
