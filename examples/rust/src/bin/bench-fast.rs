//! The benchmark's load test: one small GET per task and no wait, to measure
//! the engine's CPU per request (`bench/cpu.sh`).

use rocust::prelude::*;

struct FastUser {
    client: HttpSession,
}

impl FastUser {
    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }
}

fn main() {
    rocust::main([UserClass::new("FastUser", |ctx| FastUser {
        client: HttpSession::new(ctx),
    })
    .task(FastUser::fast)]);
}
