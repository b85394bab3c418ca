//! Writes a sample HTML report from made-up statistics, to look at it:
//!
//! ```text
//! cargo run -p rocust-report --example html_report -- /tmp/report-sample.html [dark]
//! ```

use rocust_core::stats::{ExceptionEntry, RequestStats};
use rocust_core::user::ratio::RatioNode;
use rocust_report::{HtmlReport, Theme};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "report-sample.html".into());
    let theme = Theme::from_name(&args.next().unwrap_or_default());

    let start = 1_795_309_330.0;
    let mut stats = RequestStats::new(start, true);
    let names = [
        ("GET", "/"),
        ("GET", "/login"),
        ("POST", "/login"),
        ("GET", "/items"),
        ("GET", "/item?id=[id]"),
        ("GET", "/cart"),
        ("POST", "/cart/add"),
        ("POST", "/checkout"),
        ("GET", "/search?q=<script>alert(\"x\")</script>"),
        ("GET", "/api/v1/status"),
    ];
    // One minute, ramping up to 50 users: more requests per second as it goes.
    let mut n: u64 = 0;
    for tenth in 0..600u32 {
        let now = start + f64::from(tenth) / 10.0;
        let users = (tenth / 12 + 1).min(50);
        for u in 0..users.div_ceil(5) {
            n += 1;
            let (method, name) = names[(n as usize * 7 + u as usize) % names.len()];
            let wave = ((f64::from(tenth) / 40.0).sin() + 1.0) * 40.0;
            let rt = 18.0 + (n % 23) as f64 * 2.9 + wave + if n % 97 == 0 { 900.0 } else { 0.0 };
            stats.log_request(method, name, Some(rt), 800 + n % 1700, now);
            if name == "/checkout" && n % 4 == 0 {
                stats.log_error(
                    method,
                    name,
                    "HTTPError('500 Server Error: INTERNAL SERVER ERROR for url: /checkout')",
                    now,
                );
            }
            if method == "POST" && name == "/login" && n % 9 == 0 {
                stats.log_error(
                    method,
                    name,
                    "CatchResponseError('wrong \"password\" for <user> & co')",
                    now,
                );
            }
        }
        if tenth % 50 == 49 {
            stats.update_history(u64::from(users), now);
        }
    }
    let exceptions = [ExceptionEntry {
        count: 4,
        msg: "ZeroDivisionError('division by zero')".into(),
        traceback: "Traceback (most recent call last):\n  File \"locustfile.py\", line 21, in checkout\n    total / count\nZeroDivisionError: division by zero\n".into(),
        nodes: vec!["local".into()],
    }];
    let task = |name: &str, ratio: f64| RatioNode {
        name: name.into(),
        ratio,
        tasks: None,
    };
    let per_class = [
        RatioNode {
            name: "WebsiteUser".into(),
            ratio: 0.8,
            tasks: Some(vec![
                task("index", 0.6),
                task("browse", 0.3),
                task("checkout", 0.1),
            ]),
        },
        RatioNode {
            name: "ApiUser".into(),
            ratio: 0.2,
            tasks: Some(vec![task("status", 1.0)]),
        },
    ];
    let total = [
        RatioNode {
            name: "WebsiteUser".into(),
            ratio: 0.8,
            tasks: Some(vec![
                task("index", 0.48),
                task("browse", 0.24),
                task("checkout", 0.08),
            ]),
        },
        RatioNode {
            name: "ApiUser".into(),
            ratio: 0.2,
            tasks: Some(vec![task("status", 0.2)]),
        },
    ];
    let report = HtmlReport {
        host: Some("https://shop.example.com"),
        exceptions: &exceptions,
        task_ratio_per_class: &per_class,
        task_ratio_total: &total,
        theme,
        show_download_link: true,
        ..HtmlReport::new("locustfile.py", &stats)
    };
    let page = report.render();
    std::fs::write(&path, &page)?;
    println!("{path}: {} bytes", page.len());
    Ok(())
}
