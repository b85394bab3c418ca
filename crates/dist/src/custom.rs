//! Custom messages between master and workers (Locust's `register_message`
//! and `send_message`).

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use crate::codec::Message;
use crate::messages::kind;

/// Called with each message of its type.
pub type Listener = Arc<dyn Fn(&Message) + Send + Sync>;

/// The listeners of one runner, by message type. Cloning shares them.
#[derive(Clone, Default)]
pub struct CustomMessages {
    listeners: Arc<Mutex<HashMap<String, Listener>>>,
    /// Takes every custom message no Rust listener wants (Python's registry).
    fallback: Arc<Mutex<Option<Listener>>>,
}

impl CustomMessages {
    /// Registers the listener of `msg_type`; a type has at most one.
    pub fn register(
        &self,
        msg_type: &str,
        listener: impl Fn(&Message) + Send + Sync + 'static,
    ) -> Result<(), String> {
        if kind::BUILT_IN.contains(&msg_type) {
            return Err(format!("'{msg_type}' is one of Locust's own message types"));
        }
        let mut listeners = self.listeners.lock().unwrap_or_else(|e| e.into_inner());
        if listeners.contains_key(msg_type) {
            return Err(format!(
                "Tried to register listener method for {msg_type}, but it already had a listener!"
            ));
        }
        listeners.insert(msg_type.to_owned(), Arc::new(listener));
        Ok(())
    }

    /// Where messages go that no listener registered here takes.
    pub fn set_fallback(&self, listener: impl Fn(&Message) + Send + Sync + 'static) {
        *self.fallback.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(listener));
    }

    /// Calls the listener of `msg`'s type; `false` when there is none.
    pub fn dispatch(&self, msg: &Message) -> bool {
        let listener = self
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&msg.kind)
            .cloned()
            .or_else(|| {
                self.fallback
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone()
            });
        let Some(listener) = listener else {
            return false;
        };
        if catch_unwind(AssertUnwindSafe(|| listener(msg))).is_err() {
            log::error!("Uncaught exception in handler for {}", msg.kind);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmpv::Value;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn one_listener_per_type_and_a_panicking_one_is_contained() {
        let messages = CustomMessages::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        messages
            .register("hello", move |_| {
                s.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        assert!(messages.register("hello", |_| {}).is_err());
        assert!(messages.register("stats", |_| {}).is_err());
        messages.register("boom", |_| panic!("boom")).unwrap();
        assert!(messages.dispatch(&Message::new("hello", Value::Nil, "w")));
        assert!(messages.dispatch(&Message::new("boom", Value::Nil, "w")));
        assert!(!messages.dispatch(&Message::new("other", Value::Nil, "w")));
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }
}
