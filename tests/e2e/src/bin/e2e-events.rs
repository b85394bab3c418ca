//! Event listeners added from user code: every hook a headless run fires,
//! printed to stdout in order, a request listener that counts requests, and a
//! custom process exit code set from a listener.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rocust::prelude::*;

struct EventsUser {
    client: HttpSession,
}

impl EventsUser {
    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }
}

fn main() {
    let requests = Arc::new(AtomicU64::new(0));
    rocust::Rocust::new()
        .user(
            UserClass::new("EventsUser", |ctx| EventsUser {
                client: HttpSession::new(ctx),
            })
            .wait_time(constant(0.1))
            .task(EventsUser::fast),
        )
        .on_init(move |env| {
            let ev = &env.events;
            ev.init.add_listener(|_| println!("event init"));
            ev.test_start.add_listener(|_| println!("event test_start"));
            ev.spawning_complete
                .add_listener(|e| println!("event spawning_complete user_count={}", e.user_count));
            ev.test_stopping
                .add_listener(|_| println!("event test_stopping"));
            let seen = requests.clone();
            ev.request.add_listener(move |r: &RequestEvent| {
                if r.request_type == "GET" && r.name == "/fast" && r.exception.is_none() {
                    seen.fetch_add(1, Ordering::Relaxed);
                }
            });
            let seen = requests.clone();
            ev.test_stop.add_listener(move |env: &Environment| {
                println!("event test_stop requests={}", seen.load(Ordering::Relaxed));
                env.set_process_exit_code(7);
            });
            ev.quitting.add_listener(|_| println!("event quitting"));
            ev.quit
                .add_listener(|e| println!("event quit exit_code={}", e.exit_code));
        })
        .main()
}
