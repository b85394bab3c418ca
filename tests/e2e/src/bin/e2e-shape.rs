//! A load test driven by a LoadTestShape: 2 users, then 4 users, then the
//! shape ends the test by itself (about 4 s in all).
//! `e2e-shape --headless -H http://127.0.0.1:PORT`.

use std::time::Duration;

use rocust::prelude::*;

struct ShapeUser {
    client: HttpSession,
}

impl ShapeUser {
    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }
}

/// Steps of (until this run time, users, spawn rate).
struct StepShape {
    steps: Vec<(Duration, u64, f64)>,
}

impl LoadTestShape for StepShape {
    fn tick(&mut self, ctx: &ShapeContext) -> Option<ShapeTick> {
        let run_time = ctx.get_run_time();
        self.steps
            .iter()
            .find(|(until, _, _)| run_time < *until)
            .map(|&(_, users, rate)| ShapeTick::new(users, rate))
    }
}

fn main() {
    let shape = StepShape {
        steps: vec![
            (Duration::from_secs(2), 2, 10.0),
            (Duration::from_secs(4), 4, 10.0),
        ],
    };
    Rocust::new()
        .user(
            UserClass::new("ShapeUser", |ctx| ShapeUser {
                client: HttpSession::new(ctx),
            })
            .wait_time(constant(0.1))
            .task(ShapeUser::fast),
        )
        .shape(shape)
        .main()
}
