//! The web UI benchmark's load test (`bench/web.sh`): small GETs with no
//! wait, spread over many request names (`BENCH_NAMES`, default 1,000), so
//! `/stats/requests` and the page have that many rows to show.

use std::sync::atomic::{AtomicUsize, Ordering};

use rocust::prelude::*;

static NEXT: AtomicUsize = AtomicUsize::new(0);

struct NamesUser {
    client: HttpSession,
    names: usize,
}

impl NamesUser {
    async fn fast(&mut self) -> TaskResult {
        let n = NEXT.fetch_add(1, Ordering::Relaxed) % self.names;
        self.client
            .get("/fast")
            .name(format!("/fast/{n:04}"))
            .send()
            .await;
        Ok(())
    }
}

fn main() {
    let names = std::env::var("BENCH_NAMES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1000);
    rocust::main([UserClass::new("NamesUser", move |ctx| NamesUser {
        client: HttpSession::new(ctx),
        names,
    })
    .task(NamesUser::fast)]);
}
