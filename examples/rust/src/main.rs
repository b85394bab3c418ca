//! The Rust twin of Locust's classic locustfile:
//!
//! ```python
//! class WebsiteUser(HttpUser):
//!     wait_time = between(1, 5)
//!
//!     def on_start(self):
//!         self.client.post("/login", {"username": "ellen_key", "password": "education"})
//!
//!     @task(2)
//!     def index(self):
//!         self.client.get("/")
//!
//!     @task(1)
//!     def about(self):
//!         self.client.get("/about/")
//! ```
//!
//! Run it like Locust: `website --headless -u 20 -r 5 -t 20s -H http://127.0.0.1:8080`.

use rocust::prelude::*;

struct WebsiteUser {
    client: HttpSession,
}

impl WebsiteUser {
    async fn on_start(&mut self) -> TaskResult {
        self.client
            .post("/login")
            .form(&[("username", "ellen_key"), ("password", "education")])
            .send()
            .await;
        Ok(())
    }

    async fn index(&mut self) -> TaskResult {
        self.client.get("/").send().await;
        Ok(())
    }

    async fn about(&mut self) -> TaskResult {
        self.client.get("/about/").send().await;
        Ok(())
    }
}

fn main() {
    let website_user = UserClass::new("WebsiteUser", |ctx| WebsiteUser {
        client: HttpSession::new(ctx),
    })
    .wait_time(between(1.0, 5.0))
    .on_start(WebsiteUser::on_start)
    .weighted_task(2, WebsiteUser::index)
    .weighted_task(1, WebsiteUser::about);

    rocust::main([website_user]);
}
