//! The scale benchmark's load test (`bench/scale.sh`): three user classes,
//! each on its own target process (`BENCH_SCALE_HOSTS`, comma-separated
//! base URLs), one small GET then a wait of `between(1, 2)`.

use rocust::prelude::*;

struct Idle {
    client: HttpSession,
}

impl Idle {
    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }
}

fn main() {
    let hosts = std::env::var("BENCH_SCALE_HOSTS").unwrap_or_default();
    let hosts: Vec<&str> = hosts.split(',').filter(|h| !h.is_empty()).collect();
    if hosts.is_empty() {
        eprintln!("bench-scale: set BENCH_SCALE_HOSTS to the targets' base URLs");
        std::process::exit(2);
    }
    let classes = ["TargetA", "TargetB", "TargetC"]
        .into_iter()
        .zip(hosts.iter().cycle())
        .map(|(name, host)| {
            UserClass::new(name, |ctx| Idle {
                client: HttpSession::new(ctx),
            })
            .host(*host)
            .wait_time(between(1.0, 2.0))
            .task(Idle::fast)
        });
    rocust::main(classes);
}
