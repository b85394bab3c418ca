//! The memory benchmark's load test: many users that mostly wait
//! (`between(1, 2)`) and make one small GET per task (`bench/memory.sh`).

use rocust::prelude::*;

struct IdleUser {
    client: HttpSession,
}

impl IdleUser {
    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }
}

fn main() {
    rocust::main([UserClass::new("IdleUser", |ctx| IdleUser {
        client: HttpSession::new(ctx),
    })
    .wait_time(between(1.0, 2.0))
    .task(IdleUser::fast)]);
}
