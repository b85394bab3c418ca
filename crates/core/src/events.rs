//! Locust's event hooks, with the same names and arguments, so listeners written
//! for Locust translate one to one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use crate::env::Environment;

type Listener<A> = Arc<dyn Fn(&A) + Send + Sync>;

/// A list of listeners fired in the order they were added (Locust's `EventHook`).
pub struct EventHook<A: ?Sized> {
    listeners: RwLock<Vec<Listener<A>>>,
    /// Lets the hot path skip building arguments when nobody listens.
    has_listeners: AtomicBool,
}

impl<A: ?Sized> Default for EventHook<A> {
    fn default() -> Self {
        Self {
            listeners: RwLock::new(Vec::new()),
            has_listeners: AtomicBool::new(false),
        }
    }
}

/// Returned by `add_listener`, to remove that listener again.
#[derive(Clone)]
pub struct ListenerHandle(usize);

impl<A: ?Sized> EventHook<A> {
    pub fn add_listener(&self, f: impl Fn(&A) + Send + Sync + 'static) -> ListenerHandle {
        let f: Listener<A> = Arc::new(f);
        let handle = ListenerHandle(Arc::as_ptr(&f) as *const () as usize);
        let mut listeners = self.listeners.write().unwrap_or_else(|e| e.into_inner());
        listeners.push(f);
        self.has_listeners.store(true, Ordering::Release);
        handle
    }

    pub fn remove_listener(&self, handle: &ListenerHandle) {
        let mut listeners = self.listeners.write().unwrap_or_else(|e| e.into_inner());
        listeners.retain(|l| Arc::as_ptr(l) as *const () as usize != handle.0);
        self.has_listeners
            .store(!listeners.is_empty(), Ordering::Release);
    }

    pub fn has_listeners(&self) -> bool {
        self.has_listeners.load(Ordering::Acquire)
    }

    /// Calls every listener with `args`. Listeners are cloned out first, so a
    /// listener may add or remove listeners without deadlocking.
    pub fn fire(&self, args: &A) {
        if !self.has_listeners() {
            return;
        }
        let listeners: Vec<Listener<A>> = self
            .listeners
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for l in listeners {
            l(args);
        }
    }
}

/// Arguments of the `request` event.
///
/// Built only when somebody listens (see [`EventHook::has_listeners`]), so owning
/// its strings costs nothing on an unobserved hot path.
#[derive(Clone, Debug)]
pub struct RequestEvent {
    pub request_type: String,
    pub name: String,
    /// Milliseconds; `None` for requests that have no response time.
    pub response_time: Option<f64>,
    pub response_length: u64,
    /// The error text, for a failed request.
    pub exception: Option<String>,
    /// Seconds since the epoch when the request started.
    pub start_time: f64,
    pub url: String,
}

/// Arguments of the `user_error` event: an error or panic escaped a task.
#[derive(Clone, Debug)]
pub struct UserErrorEvent {
    /// Name of the user class the task belongs to.
    pub user_class: String,
    pub exception: String,
    /// Where it happened, like a Python traceback.
    pub traceback: String,
}

pub struct SpawningCompleteEvent {
    pub user_count: usize,
}

pub struct QuitEvent {
    pub exit_code: i32,
}

/// All of Locust's events that a headless run fires.
#[derive(Default)]
pub struct Events {
    /// After the environment and runner exist, before the test starts.
    pub init: EventHook<Environment>,
    pub test_start: EventHook<Environment>,
    pub test_stopping: EventHook<Environment>,
    pub test_stop: EventHook<Environment>,
    pub request: EventHook<RequestEvent>,
    pub user_error: EventHook<UserErrorEvent>,
    pub spawning_complete: EventHook<SpawningCompleteEvent>,
    pub reset_stats: EventHook<()>,
    pub quitting: EventHook<Environment>,
    pub quit: EventHook<QuitEvent>,
}
