//! Spawn jobs, one at a time: each new ramp (a start, a worker's spawn
//! message, a shape tick) supersedes the ones before it, but waits for the
//! running one to finish its backend call instead of aborting it. A job
//! cut off in the middle of a spawn or a graceful stop leaves users
//! starting or stopping that the next job miscounts (a worker given its
//! share twice in a row ended up with too few users).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::exec::{SpawnError, UserBackend};

/// The jobs of one runner.
pub struct SpawnJobs {
    generation: watch::Sender<u64>,
    last: Mutex<Option<JoinHandle<()>>>,
}

/// A job's pass: it stays valid until a newer job or a cancel supersedes it.
/// Jobs check it between backend calls and end early once it is stale.
pub struct JobTicket {
    generation: u64,
    current: watch::Receiver<u64>,
}

impl JobTicket {
    pub fn is_current(&self) -> bool {
        *self.current.borrow() == self.generation
    }

    /// Sleeps for `pause`, waking early when superseded; whether the job
    /// should go on.
    pub async fn sleep(&mut self, pause: Duration) -> bool {
        let generation = self.generation;
        let superseded = self.current.wait_for(|g| *g != generation);
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = superseded => {}
        }
        self.is_current()
    }
}

impl Default for SpawnJobs {
    fn default() -> Self {
        Self {
            generation: watch::channel(0).0,
            last: Mutex::new(None),
        }
    }
}

impl SpawnJobs {
    /// Runs `job` once the running job has ended; every earlier job is
    /// superseded. Must be called inside a tokio runtime.
    pub fn submit<F, Fut>(&self, job: F)
    where
        F: FnOnce(JobTicket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let ticket = self.supersede();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let previous = last.take();
        *last = Some(tokio::spawn(async move {
            if let Some(previous) = previous {
                let _ = previous.await;
            }
            if ticket.is_current() {
                job(ticket).await;
            }
        }));
    }

    /// Supersedes every job and waits until the running one has ended (a
    /// stop counts the users after that, so none starts behind its back).
    pub async fn cancel(&self) {
        self.supersede();
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(job) = last {
            let _ = job.await;
        }
    }

    fn supersede(&self) -> JobTicket {
        self.generation.send_modify(|g| *g += 1);
        JobTicket {
            generation: *self.generation.borrow(),
            current: self.generation.subscribe(),
        }
    }
}

/// Spawns and stops users so each class has its target count: spawns
/// first (their constructors have run when it returns), then stops, which
/// may wait for the stop timeout, as Locust's `_start` and `start_worker` do.
/// Ends early, between backend calls, once the job is superseded.
pub async fn apply_user_counts(
    backend: &dyn UserBackend,
    target: &BTreeMap<String, u64>,
    stop_timeout: Option<Duration>,
    ticket: &JobTicket,
) -> Result<(), SpawnError> {
    let current = backend.user_classes_count();
    let mut to_stop = BTreeMap::new();
    for (class, &want) in target {
        let have = current.get(class).copied().unwrap_or(0) as u64;
        if want > have && ticket.is_current() {
            backend.spawn(class, (want - have) as usize).await?;
        } else if want < have {
            to_stop.insert(class.clone(), (have - want) as usize);
        }
    }
    if !to_stop.is_empty() && ticket.is_current() {
        backend.stop(&to_stop, stop_timeout).await;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn a_new_job_waits_for_the_running_one_and_skips_superseded_ones() {
        let jobs = SpawnJobs::default();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let l = log.clone();
        jobs.submit(move |ticket| async move {
            l.lock().unwrap().push("first begins");
            let _ = released.await;
            l.lock().unwrap().push(if ticket.is_current() {
                "first current"
            } else {
                "first superseded"
            });
        });
        tokio::task::yield_now().await;
        for name in ["second", "third"] {
            let l = log.clone();
            jobs.submit(move |_| async move { l.lock().unwrap().push(name) });
        }
        release.send(()).unwrap();
        jobs.cancel().await;
        let l = log.clone();
        jobs.submit(move |_| async move { l.lock().unwrap().push("fourth") });
        jobs.cancel().await;
        // Only the first ran (the others were superseded before their turn),
        // and it saw it was superseded.
        assert_eq!(*log.lock().unwrap(), ["first begins", "first superseded"]);
    }

    #[tokio::test]
    async fn a_sleeping_job_wakes_when_superseded() {
        let jobs = SpawnJobs::default();
        let (tx, rx) = tokio::sync::oneshot::channel();
        jobs.submit(move |mut ticket| async move {
            let went_on = ticket.sleep(Duration::from_secs(3600)).await;
            let _ = tx.send(went_on);
        });
        tokio::task::yield_now().await;
        jobs.cancel().await;
        assert_eq!(rx.await, Ok(false));
    }
}
