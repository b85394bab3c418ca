//! One load test with many small user classes, each exercising one behaviour
//! of rocust end to end. The tests pick classes by name, as with `locust`:
//! `e2e-users --headless -u 2 -r 2 -t 2s -H http://127.0.0.1:PORT CookieUser`.
//!
//! Every class except `UnreachableUser` expects the demo target
//! (`rocust-demo-target`) as its host.

use rocust::prelude::*;

/// The user name `CookieUser` logs in with, and the greeting it expects.
const COOKIE_USER: &str = "e2e-cookie";
/// Requests a `StopTestUser` makes before it stops the whole test.
const STOP_TEST_AFTER: u32 = 3;

/// One struct for every class: each class picks the methods it runs.
struct E2eUser {
    client: HttpSession,
    requests: u32,
}

impl E2eUser {
    // CookieUser: the session cookie set by /login must come back on /about/.
    async fn login(&mut self) -> TaskResult {
        self.client
            .post("/login")
            .form(&[("username", COOKIE_USER), ("password", "secret")])
            .send()
            .await;
        Ok(())
    }

    async fn about_logged_in(&mut self) -> TaskResult {
        let mut r = self.client.get("/about/").catch_response().send().await;
        if r.status() == 200 && r.text().contains(&format!("Hello, {COOKIE_USER}!")) {
            r.success();
        } else {
            r.failure(format!("not logged in (status {})", r.status()));
        }
        Ok(())
    }

    // NamingUser: many URLs, one statistics entry.
    async fn named(&mut self) -> TaskResult {
        self.requests += 1;
        let url = format!("/status/200?id={}", self.requests);
        self.client.get(url).name("/status/[id]").send().await;
        Ok(())
    }

    // FailingUser: statuses that fail a request.
    async fn server_error(&mut self) -> TaskResult {
        self.client.get("/fail").send().await;
        Ok(())
    }

    async fn not_found(&mut self) -> TaskResult {
        self.client.get("/status/404").send().await;
        Ok(())
    }

    // ErrorUser: successful requests, then errors that end the task.
    async fn task_error(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Err(TaskError::msg("deliberate task error"))
    }

    async fn parse_error(&mut self) -> TaskResult {
        let body = self.client.get("/json").send().await;
        // The body is JSON, not a number: `?` turns the ParseIntError into a user error.
        let _number: u32 = body.text().trim().parse()?;
        Ok(())
    }

    async fn panics(&mut self) -> TaskResult {
        self.client.get("/").send().await;
        panic!("deliberate panic in a task");
    }

    // RedirectUser: followed, recorded under the original path; and not followed.
    async fn follow_redirect(&mut self) -> TaskResult {
        let mut r = self.client.get("/redirect").catch_response().send().await;
        let followed = r.status() == 200 && r.url().ends_with("/about/") && r.history().len() == 1;
        if !followed {
            r.failure(format!(
                "redirect not followed: status {} url {}",
                r.status(),
                r.url()
            ));
        }
        Ok(())
    }

    async fn keep_redirect(&mut self) -> TaskResult {
        let mut r = self
            .client
            .get("/redirect")
            .name("/redirect (not followed)")
            .allow_redirects(false)
            .catch_response()
            .send()
            .await;
        if r.status() != 302 || r.header("location") != Some("/about/") {
            r.failure(format!(
                "expected the 302 itself, got status {}",
                r.status()
            ));
        }
        Ok(())
    }

    // CatchUser: the task decides, or leaves it to the status.
    async fn forced_success(&mut self) -> TaskResult {
        let mut r = self.client.get("/status/500").catch_response().send().await;
        r.success();
        Ok(())
    }

    async fn forced_failure(&mut self) -> TaskResult {
        let mut r = self.client.get("/fast").catch_response().send().await;
        r.failure("forced failure");
        Ok(())
    }

    async fn undecided(&mut self) -> TaskResult {
        let _r = self.client.get("/status/404").catch_response().send().await;
        Ok(())
    }

    // TagUser: one request per task, named after the task's tags.
    async fn tagged_a(&mut self) -> TaskResult {
        self.client.get("/fast?tag=a").send().await;
        Ok(())
    }

    async fn tagged_b(&mut self) -> TaskResult {
        self.client.get("/fast?tag=b").send().await;
        Ok(())
    }

    async fn untagged(&mut self) -> TaskResult {
        self.client.get("/fast?tag=none").send().await;
        Ok(())
    }

    // StopTestUser: ends the whole run after a few requests.
    async fn stop_test_soon(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        self.requests += 1;
        if self.requests >= STOP_TEST_AFTER {
            return Err(TaskError::StopTest(format!(
                "e2e: stopping the test after {STOP_TEST_AFTER} requests"
            )));
        }
        Ok(())
    }

    // SlowUser: a request still in flight when the run time ends.
    async fn slow(&mut self) -> TaskResult {
        self.client.get("/slow?ms=800").send().await;
        Ok(())
    }

    // WeightA / WeightB / FixedUser (names match golden_locust.rs's locustfile).
    async fn index(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }

    async fn about(&mut self) -> TaskResult {
        self.client.get("/about/").send().await;
        Ok(())
    }

    async fn fast(&mut self) -> TaskResult {
        self.client.get("/fast").send().await;
        Ok(())
    }

    // UnreachableUser: nothing listens on its host.
    async fn unreachable(&mut self) -> TaskResult {
        self.client.get("/").send().await;
        Ok(())
    }

    // GoldenUser: the same requests, in the same order, as golden_locust.rs's locustfile.
    async fn golden(&mut self) -> TaskResult {
        self.requests += 1;
        let c = &self.client;
        c.get("/fast").send().await;
        c.get(format!("/status/200?id={}", self.requests))
            .name("/status/[id]")
            .send()
            .await;
        c.get("/fail").send().await;
        c.get("/status/404").send().await;
        c.get("/redirect").send().await;
        c.post("/login")
            .form(&[("username", "golden"), ("password", "secret")])
            .send()
            .await;
        let mut r = c.get("/json").catch_response().send().await;
        r.failure("forced failure");
        drop(r);
        Err(TaskError::msg("golden task error"))
    }
}

fn class(name: &str) -> UserClass<E2eUser> {
    UserClass::new(name, |ctx| E2eUser {
        client: HttpSession::new(ctx),
        requests: 0,
    })
    .wait_time(constant(0.05))
}

fn main() {
    let classes = [
        class("AbstractUser")
            .abstract_class(true)
            .task(E2eUser::fast),
        class("CookieUser")
            .on_start(E2eUser::login)
            .task(E2eUser::about_logged_in),
        class("NamingUser").task(E2eUser::named),
        class("FailingUser")
            .task(E2eUser::server_error)
            .task(E2eUser::not_found),
        class("ErrorUser")
            .task(E2eUser::task_error)
            .task(E2eUser::parse_error)
            .task(E2eUser::panics),
        class("RedirectUser")
            .task(E2eUser::follow_redirect)
            .task(E2eUser::keep_redirect),
        class("CatchUser")
            .task(E2eUser::forced_success)
            .task(E2eUser::forced_failure)
            .task(E2eUser::undecided),
        class("TagUser")
            .task(task(E2eUser::tagged_a).tag("a"))
            .task(task(E2eUser::tagged_b).tag("b"))
            .task(E2eUser::untagged),
        class("StopTestUser").task(E2eUser::stop_test_soon),
        class("SlowUser")
            .wait_time(constant(0.0))
            .task(E2eUser::slow),
        class("WeightA")
            .weight(3)
            .wait_time(constant(0.5))
            .weighted_task(2, E2eUser::index)
            .task(E2eUser::about),
        class("WeightB")
            .wait_time(constant(0.5))
            .task(E2eUser::fast),
        class("FixedUser")
            .fixed_count(1)
            .wait_time(constant(0.5))
            .task(E2eUser::fast),
        class("UnreachableUser")
            .host("http://127.0.0.1:1")
            .wait_time(constant(0.2))
            .task(E2eUser::unreachable),
        class("GoldenUser")
            .wait_time(constant(0.1))
            .task(E2eUser::golden),
    ];
    let mut test = Rocust::new().on_runner(custom_messages);
    for class in classes {
        test = test.user(class);
    }
    test.main()
}

/// Custom messages both ways in a distributed run: the master pings every
/// worker at test start, each worker answers with its index; both log
/// what they got (the e2e tests read the logs).
fn custom_messages(runner: &std::sync::Arc<dyn rocust::core::runner::Runner>) {
    use rocust::dist::{rmpv::Value, Distributed};
    let Some(dist) = Distributed::of(runner.as_ref()) else {
        return;
    };
    match dist {
        Distributed::Master(_) => {
            let _ = dist.custom_messages().register("e2e_pong", |msg| {
                log::info!("e2e: got e2e_pong {} from a worker", msg.data);
            });
            let runner = runner.clone();
            runner
                .environment()
                .clone()
                .events
                .test_start
                .add_listener(move |_| {
                    if let Some(dist) = Distributed::of(runner.as_ref()) {
                        dist.send_message("e2e_ping", Value::from("ping"), None);
                    }
                });
        }
        Distributed::Worker(worker) => {
            let index = worker.worker_index();
            let runner = runner.clone();
            let _ = dist.custom_messages().register("e2e_ping", move |msg| {
                log::info!("e2e: got {} from the master", msg.data);
                if let Some(Distributed::Worker(w)) = Distributed::of(runner.as_ref()) {
                    w.send_message("e2e_pong", Value::from(w.worker_index().max(index)));
                }
            });
        }
    }
}
