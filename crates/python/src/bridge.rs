//! The one way from Rust threads to the Python main thread: a queue plus an
//! eventfd that gevent's hub watches. Whoever pushes into an empty queue
//! writes the eventfd once; the hub's callback drains everything at once.
//!
//! Runner commands travel the same way; the Rust side waits for Python's
//! `reply(token, ...)` either blocking (control thread) or as a future.

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard};

use rocust_core::shape::ShapeTick;
use rocust_http::{BodyStream, Bytes, Response};
use tokio::sync::oneshot;

use crate::http::FailRule;

/// A command for the Python side; `token` ones expect a `reply`.
#[derive(Debug)]
pub enum Command {
    /// The run's classes are known: set `environment.user_classes`.
    Select {
        token: u64,
        names: Vec<String>,
    },
    ApplyFilter {
        token: u64,
        tags: Option<Vec<String>>,
        exclude_tags: Option<Vec<String>>,
        equal_weights: bool,
    },
    Spawn {
        class: String,
        count: usize,
    },
    Stop {
        token: u64,
        counts: BTreeMap<String, usize>,
        stop_timeout: Option<f64>,
    },
    KillAll,
    /// Fire a Python event: name and its one integer argument, if any.
    Event {
        token: u64,
        name: &'static str,
        arg: Option<i64>,
    },
    /// `started` is when the runner started the shape (seconds since the
    /// epoch): Python's `get_run_time()` counts from there, as in Locust.
    ShapeTick {
        token: u64,
        started: f64,
    },
    /// The run is over: the process exits with this code.
    Exit(i32),
}

/// What Python answers to a command.
#[derive(Debug)]
pub enum Reply {
    Done,
    Shape(Option<ShapeTick>),
}

/// A finished HTTP exchange, or read of a streamed body, for a waiting
/// greenlet.
pub struct HttpDone {
    pub id: u64,
    pub outcome: HttpOutcome,
}

// Responses are the common case: boxing them would cost an allocation per
// request; the rare streamed body is boxed instead.
#[allow(clippy::large_enum_variant)]
pub enum HttpOutcome {
    Response {
        response: Response,
        recorded: bool,
        rule: FailRule,
        /// The body still to read, for a streamed request, and the HTTP
        /// thread that reads it.
        body: Option<(usize, Box<BodyStream>)>,
    },
    /// The next part of a streamed body, or requests' error text.
    Body(Result<Bytes, String>),
}

#[derive(Default)]
struct Queue {
    http: Vec<HttpDone>,
    commands: Vec<Command>,
}

impl Queue {
    fn is_empty(&self) -> bool {
        self.http.is_empty() && self.commands.is_empty()
    }
}

enum Waiter {
    Blocking(mpsc::Sender<Reply>),
    Async(oneshot::Sender<Reply>),
}

pub struct Bridge {
    queue: Mutex<Queue>,
    wakeup: OwnedFd,
    next_token: AtomicU64,
    waiting: Mutex<HashMap<u64, Waiter>>,
    /// Set when the Python side has exited: nobody answers any more.
    closed: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bridge {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: eventfd returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            queue: Mutex::default(),
            // SAFETY: fd is a fresh descriptor we own.
            wakeup: unsafe { OwnedFd::from_raw_fd(fd) },
            next_token: AtomicU64::new(1),
            waiting: Mutex::default(),
            closed: AtomicBool::new(false),
        })
    }

    /// The descriptor the hub watches for readability.
    pub fn fd(&self) -> RawFd {
        self.wakeup.as_raw_fd()
    }

    fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to our eventfd. A full
        // counter (EAGAIN) still leaves it readable, which is all we need.
        unsafe {
            libc::write(self.fd(), (&one as *const u64).cast(), 8);
        }
    }

    fn push(&self, f: impl FnOnce(&mut Queue)) {
        let was_empty = {
            let mut q = lock(&self.queue);
            let was_empty = q.is_empty();
            f(&mut q);
            was_empty
        };
        if was_empty {
            self.wake();
        }
    }

    pub fn push_http(&self, done: HttpDone) {
        self.push(|q| q.http.push(done));
    }

    pub fn send(&self, command: Command) {
        self.push(|q| q.commands.push(command));
    }

    /// Everything queued so far; clears the eventfd first so that a push
    /// racing with this drain wakes the hub again.
    pub fn drain(&self) -> (Vec<HttpDone>, Vec<Command>) {
        let mut counter: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64; EAGAIN when already clear.
        unsafe {
            libc::read(self.fd(), (&mut counter as *mut u64).cast(), 8);
        }
        let mut q = lock(&self.queue);
        (std::mem::take(&mut q.http), std::mem::take(&mut q.commands))
    }

    pub fn token(&self) -> u64 {
        self.next_token.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends a command made with a fresh token and blocks this (non-Python)
    /// thread until Python replies. `None` when Python is gone.
    pub fn call(&self, make: impl FnOnce(u64) -> Command) -> Option<Reply> {
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        let token = self.token();
        let (tx, rx) = mpsc::channel();
        lock(&self.waiting).insert(token, Waiter::Blocking(tx));
        self.send(make(token));
        rx.recv().ok()
    }

    /// Like `call`, for async callers.
    pub fn call_async(&self, make: impl FnOnce(u64) -> Command) -> oneshot::Receiver<Reply> {
        let token = self.token();
        let (tx, rx) = oneshot::channel();
        if !self.closed.load(Ordering::Acquire) {
            lock(&self.waiting).insert(token, Waiter::Async(tx));
            self.send(make(token));
        }
        rx
    }

    /// Python's answer to the command with this token.
    pub fn reply(&self, token: u64, reply: Reply) {
        match lock(&self.waiting).remove(&token) {
            Some(Waiter::Blocking(tx)) => {
                let _ = tx.send(reply);
            }
            Some(Waiter::Async(tx)) => {
                let _ = tx.send(reply);
            }
            None => {}
        }
    }

    /// Python is gone: release every waiter (they see `None`/a closed channel).
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        lock(&self.waiting).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_wakeup_per_batch_and_drain_clears_it() {
        let bridge = Bridge::new().unwrap();
        bridge.send(Command::KillAll);
        bridge.send(Command::Exit(3));
        let mut counter = 0u64;
        // The first push woke, the second did not add to the counter.
        let n = unsafe { libc::read(bridge.fd(), (&mut counter as *mut u64).cast(), 8) };
        assert_eq!((n, counter), (8, 1));
        bridge.wake();
        let (http, commands) = bridge.drain();
        assert!(http.is_empty());
        assert_eq!(commands.len(), 2);
        let n = unsafe { libc::read(bridge.fd(), (&mut counter as *mut u64).cast(), 8) };
        assert_eq!(n, -1, "drain leaves the eventfd clear");
    }

    #[test]
    fn blocking_call_returns_the_reply() {
        let bridge = std::sync::Arc::new(Bridge::new().unwrap());
        let answering = bridge.clone();
        let python = std::thread::spawn(move || loop {
            let (_, commands) = answering.drain();
            for c in commands {
                if let Command::ShapeTick { token, .. } = c {
                    answering.reply(token, Reply::Shape(Some(ShapeTick::new(5, 2.0))));
                    return;
                }
            }
            std::thread::yield_now();
        });
        let reply = bridge.call(|token| Command::ShapeTick {
            token,
            started: 0.0,
        });
        python.join().unwrap();
        match reply {
            Some(Reply::Shape(Some(tick))) => assert_eq!(tick.user_count, 5),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn closed_bridge_does_not_block() {
        let bridge = Bridge::new().unwrap();
        bridge.close();
        assert!(bridge
            .call(|token| Command::ShapeTick {
                token,
                started: 0.0
            })
            .is_none());
    }
}
