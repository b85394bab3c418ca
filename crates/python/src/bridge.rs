//! The one way from Rust threads to the Python main thread: a queue plus a
//! descriptor that gevent's hub watches ([`Wakeup`]). Whoever pushes into an
//! empty queue wakes the hub once; the hub's callback drains everything at once.
//!
//! Runner commands travel the same way; the Rust side waits for Python's
//! answer (see `command`) either blocking (control thread) or as a future.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard};

use rocust_http::{BodyStream, Bytes, Response};
use tokio::sync::oneshot;

use crate::command::{Command, Reply};
use crate::http::FailRule;
use crate::wakeup::Wakeup;

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
    /// A WebSocket operation's outcome.
    WebSocket(Box<crate::websocket::WsDone>),
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
    wakeup: Wakeup,
    next_token: AtomicU64,
    waiting: Mutex<HashMap<u64, Waiter>>,
    /// Set when the Python side has exited: nobody answers any more.
    closed: AtomicBool,
}

/// Runs a blocking wait; on a worker of a multi-threaded runtime (the control
/// runtime) the worker's other tasks move to another thread meanwhile, so the
/// run-time limit and signals are not held up by a slow Python listener.
fn wait_blocking<T>(wait: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Bridge {
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            queue: Mutex::default(),
            wakeup: Wakeup::new()?,
            next_token: AtomicU64::new(1),
            waiting: Mutex::default(),
            closed: AtomicBool::new(false),
        })
    }

    /// The descriptor the hub watches for readability.
    pub fn fd(&self) -> i32 {
        self.wakeup.fd()
    }

    fn push(&self, f: impl FnOnce(&mut Queue)) {
        let was_empty = {
            let mut q = lock(&self.queue);
            let was_empty = q.is_empty();
            f(&mut q);
            was_empty
        };
        if was_empty {
            self.wakeup.wake();
        }
    }

    pub fn push_http(&self, done: HttpDone) {
        self.push(|q| q.http.push(done));
    }

    pub fn send(&self, command: Command) {
        self.push(|q| q.commands.push(command));
    }

    /// Everything queued so far; clears the wakeup first so that a push
    /// racing with this drain wakes the hub again.
    pub fn drain(&self) -> (Vec<HttpDone>, Vec<Command>) {
        self.wakeup.clear();
        let mut q = lock(&self.queue);
        (std::mem::take(&mut q.http), std::mem::take(&mut q.commands))
    }

    pub fn token(&self) -> u64 {
        self.next_token.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends a command made with a fresh token and blocks this (non-Python)
    /// thread until Python answers. `None` when Python is gone.
    pub fn call(&self, make: impl FnOnce(u64) -> Command) -> Option<Reply> {
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        let token = self.token();
        let (tx, rx) = mpsc::channel();
        lock(&self.waiting).insert(token, Waiter::Blocking(tx));
        self.send(make(token));
        wait_blocking(|| rx.recv().ok())
    }

    /// Like `call`, for async callers; the receiver fails when Python is gone.
    pub fn call_async(&self, make: impl FnOnce(u64) -> Command) -> oneshot::Receiver<Reply> {
        let token = self.token();
        let (tx, rx) = oneshot::channel();
        if !self.closed.load(Ordering::Acquire) {
            lock(&self.waiting).insert(token, Waiter::Async(tx));
            self.send(make(token));
        }
        rx
    }

    /// Sends a command whose answer nobody waits for (a failure is logged).
    pub fn notify(&self, make: impl FnOnce(u64) -> Command) {
        if !self.closed.load(Ordering::Acquire) {
            let token = self.token();
            self.send(make(token));
        }
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
            None => {
                if let Reply::Failed(why) = reply {
                    log::error!("{why}");
                }
            }
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
    use rocust_core::shape::ShapeTick;

    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn one_wakeup_per_batch_and_drain_clears_it() {
        let bridge = Bridge::new().unwrap();
        bridge.send(Command::KillAll { token: 1 });
        bridge.send(Command::Exit { code: 3 });
        let mut counter = 0u64;
        // The first push woke, the second did not add to the counter.
        let n = unsafe { libc::read(bridge.fd(), (&mut counter as *mut u64).cast(), 8) };
        assert_eq!((n, counter), (8, 1));
        bridge.wakeup.wake();
        let (http, commands) = bridge.drain();
        assert!(http.is_empty());
        assert_eq!(commands.len(), 2);
        let n = unsafe { libc::read(bridge.fd(), (&mut counter as *mut u64).cast(), 8) };
        assert_eq!(n, -1, "drain leaves the descriptor clear");
    }

    #[test]
    fn a_failed_answer_reaches_the_caller() {
        let bridge = std::sync::Arc::new(Bridge::new().unwrap());
        let answering = bridge.clone();
        let python = std::thread::spawn(move || loop {
            let (_, commands) = answering.drain();
            if let Some(Command::KillAll { token }) = commands.first() {
                answering.reply(*token, Reply::Failed("unknown command".into()));
                return;
            }
            std::thread::yield_now();
        });
        let reply = bridge.call(|token| Command::KillAll { token });
        python.join().unwrap();
        assert_eq!(reply, Some(Reply::Failed("unknown command".into())));
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
