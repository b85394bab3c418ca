use rocust_core::stats::{ExceptionEntry, RequestStats};
use rocust_core::user::ratio::RatioNode;

use super::*;

const T0: f64 = 1_795_309_330.0;

/// A realistic run: 10 names over 60 s, failures on two of them, history
/// every 5 s (12 samples).
fn run() -> RequestStats {
    let mut rs = RequestStats::new(T0, true);
    let names = [
        "/",
        "/login",
        "/logout",
        "/items",
        "/item?id=[id]",
        "/cart",
        "/cart/add",
        "/checkout",
        "/search?q=[q]",
        "/api/v1/status",
    ];
    for step in 0..600u32 {
        let now = T0 + f64::from(step) * 0.1;
        let name = names[step as usize % names.len()];
        let method = if name.starts_with("/cart/") {
            "POST"
        } else {
            "GET"
        };
        let rt = 20.0 + f64::from(step % 37) * 3.7;
        rs.log_request(method, name, Some(rt), 1_000 + u64::from(step % 13), now);
        if name == "/checkout" && step % 3 == 0 {
            rs.log_error(
                method,
                name,
                "HTTPError('500 Server Error: boom for url: /checkout')",
                now,
            );
        }
        if name == "/login" && step % 7 == 0 {
            rs.log_error(
                method,
                name,
                "CatchResponseError('bad \"password\" & <user>')",
                now,
            );
        }
        if step % 50 == 49 {
            rs.update_history(u64::from(step / 50 + 1) * 5, now);
        }
    }
    rs
}

fn ratios() -> Vec<RatioNode> {
    vec![RatioNode {
        name: "WebsiteUser".into(),
        ratio: 1.0,
        tasks: Some(vec![
            RatioNode {
                name: "index".into(),
                ratio: 0.6,
                tasks: None,
            },
            RatioNode {
                name: "<b>about</b>".into(),
                ratio: 0.4,
                tasks: None,
            },
        ]),
    }]
}

fn exceptions() -> Vec<ExceptionEntry> {
    vec![ExceptionEntry {
        count: 3,
        msg: "ZeroDivisionError('division by zero')".into(),
        traceback: "Traceback (most recent call last):\n  File \"locustfile.py\", line 9, in <module>\n    1 / 0\n".into(),
        nodes: vec!["local".into()],
    }]
}

/// The text of the section with this id (empty when absent).
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let open = format!("<section id=\"{id}\">");
    match page.find(&open) {
        Some(start) => {
            let end = page[start..].find("</section>").unwrap() + start;
            &page[start..end]
        }
        None => "",
    }
}

#[test]
fn realistic_report_is_small() {
    let rs = run();
    let (per_class, total, ex) = (ratios(), ratios(), exceptions());
    assert_eq!(rs.history.len(), 12);
    assert_eq!(rs.num_entries(), 10);
    let page = render(&HtmlReport {
        host: Some("https://example.com"),
        exceptions: &ex,
        task_ratio_per_class: &per_class,
        task_ratio_total: &total,
        ..HtmlReport::new("locustfile.py", &rs)
    });
    // Locust's report is ~950 KB before data; the budget is a tenth of that,
    // and the real size is far below it.
    assert!(page.len() < 40_000, "report is {} bytes", page.len());
    assert!(!page.contains("<script"));
}

#[test]
fn every_section_in_locusts_order() {
    let rs = run();
    let (per_class, total, ex) = (ratios(), ratios(), exceptions());
    let page = render(&HtmlReport {
        exceptions: &ex,
        task_ratio_per_class: &per_class,
        task_ratio_total: &total,
        show_download_link: true,
        ..HtmlReport::new("locustfile.py", &rs)
    });
    let titles = [
        "<h1>Locust Test Report</h1>",
        "Download the Report",
        "<b>During:</b>",
        "<b>Target Host:</b>",
        "<b>Script:</b>",
        "<h2>Request Statistics</h2>",
        "<h2>Response Time Statistics</h2>",
        "<h2>Failures Statistics</h2>",
        "<h2>Exceptions Statistics</h2>",
        "<h2>Charts</h2>",
        "Total Requests per Second",
        "Response Times (ms)",
        "Number of Users",
        "<h2>Final ratio</h2>",
        "<h3>Ratio Per Class</h3>",
        "<h3>Total Ratio</h3>",
    ];
    let mut at = 0;
    for t in titles {
        let found = page[at..]
            .find(t)
            .unwrap_or_else(|| panic!("{t} missing or out of order"));
        at += found + t.len();
    }
    assert!(!page.contains("Profile:"));
    for column in [
        "Type",
        "# Requests",
        "# Fails",
        "Average (ms)",
        "Min (ms)",
        "Max (ms)",
        "Average size (bytes)",
        "RPS",
        "Failures/s",
        "50%ile (ms)",
        "60%ile (ms)",
        "95%ile (ms)",
        "100%ile (ms)",
        "# Failures",
        "Message",
        "First Seen",
        "Last Seen",
        "# occurrences",
        "Traceback",
    ] {
        assert!(
            page.contains(&format!("<th class=\"n\">{column}</th>"))
                || page.contains(&format!("<th>{column}</th>")),
            "{column}"
        );
    }
    assert!(page.contains("<li>100.0% WebsiteUser<ul><li>60.0% index</li>"));
    assert!(page.contains("<title>Locust</title>"));
}

#[test]
fn header_lines() {
    let rs = RequestStats::new(T0, true);
    let page = render(&HtmlReport {
        host: Some("http://a\"b"),
        profile: Some("nightly & <weekly>"),
        end_time: T0 + 3_725.0,
        show_download_link: true,
        theme: Theme::Dark,
        ..HtmlReport::new("dir/<locust>.py", &rs)
    });
    assert!(page.contains(
        "<b>During:</b> <time datetime=\"2026-11-22T01:02:10Z\">2026-11-22 01:02:10</time> - \
         <time datetime=\"2026-11-22T02:04:15Z\">2026-11-22 02:04:15</time> UTC \
         (1 hour, 2 minutes and 5 seconds)</p>"
    ));
    assert!(page.contains("<b>Target Host:</b> http://a&quot;b</p>"));
    assert!(page.contains("<b>Script:</b> dir/&lt;locust&gt;.py</p>"));
    assert!(page.contains("<b>Profile:</b> nightly &amp; &lt;weekly&gt;</p>"));
    assert!(page.contains("<title>Locust - nightly &amp; &lt;weekly&gt;</title>"));
    assert!(page.contains("href=\"?download=1&amp;theme=dark\">Download the Report</a>"));
    // Profile comes first, as in Locust.
    assert!(page.find("Profile:") < page.find("During:"));
}

#[test]
fn no_host_is_not_none() {
    let rs = run();
    for host in [None, Some("")] {
        let page = render(&HtmlReport {
            host,
            ..HtmlReport::new("locustfile.py", &rs)
        });
        assert!(!page.contains("None"));
        assert!(page.contains("<b>Target Host:</b> \u{2014}</p>"));
    }
}

#[test]
fn names_and_messages_are_escaped() {
    let mut rs = RequestStats::new(T0, true);
    rs.log_request(
        "GET",
        "/<script>alert('x')</script>",
        Some(12.0),
        0,
        T0 + 1.0,
    );
    rs.log_request("GET\"><img>", "/a&b", Some(12.0), 0, T0 + 1.0);
    rs.log_error(
        "GET",
        "/<script>alert('x')</script>",
        "Error('<html> & \"q\"')",
        T0 + 1.0,
    );
    let ex = vec![ExceptionEntry {
        count: 1,
        msg: "<msg>".into(),
        traceback: "</pre><script>".into(),
        nodes: vec![],
    }];
    let ratio = ratios();
    let page = render(&HtmlReport {
        exceptions: &ex,
        task_ratio_per_class: &ratio,
        ..HtmlReport::new("locustfile.py", &rs)
    });
    assert!(!page.contains("<script"));
    assert!(!page.contains("<img"));
    assert!(!page.contains("<html> "));
    assert!(!page.contains("<b>about"));
    assert!(
        page.contains("<td class=\"name\">/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</td>")
    );
    assert!(page.contains("<td>GET&quot;&gt;&lt;img&gt;</td><td class=\"name\">/a&amp;b</td>"));
    assert!(page.contains("Error(&#39;&lt;html&gt; &amp; &quot;q&quot;&#39;)"));
    assert!(page.contains("<pre>&lt;/pre&gt;&lt;script&gt;</pre>"));
    assert!(page.contains("40.0% &lt;b&gt;about&lt;/b&gt;"));
}

#[test]
fn aggregated_row_is_last() {
    let rs = run();
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    for id in ["requests", "response-times"] {
        let s = section(&page, id);
        let last_row = &s[s.rfind("<tr").unwrap()..];
        assert!(
            last_row.starts_with("<tr class=\"total\"><td></td><td class=\"name\">Aggregated</td>"),
            "{id}"
        );
        assert_eq!(
            s.matches("<tr").count(),
            1 + 10 + 1,
            "{id}: header, entries, total"
        );
        assert_eq!(s.matches("Aggregated").count(), 1);
    }
}

#[test]
fn values_are_rounded_like_locust() {
    let mut rs = RequestStats::new(T0, true);
    rs.log_request("GET", "/", Some(10.4), 100, T0 + 1.0);
    rs.log_request("GET", "/", Some(12.5), 101, T0 + 2.0);
    rs.log_request("GET", "/", Some(20.0), 102, T0 + 3.0);
    rs.log_error("GET", "/", "x", T0 + 3.0);
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    // avg 14.3 (42.9 / 3), min proper_round(10.4) = 10, max 20, size 101,
    // 3 requests over 3 s, 1 failure over 3 s.
    assert!(page.contains(
        "<td>GET</td><td class=\"name\">/</td><td class=\"n\">3</td><td class=\"n\">1</td>\
         <td class=\"n\">14.3</td><td class=\"n\">10</td><td class=\"n\">20</td>\
         <td class=\"n\">101</td><td class=\"n\">1</td><td class=\"n\">0.33</td></tr>"
    ));
    // Percentiles (ms), whole run: 50% .. 100%.
    let s = section(&page, "response-times");
    assert!(s.contains(
        "<td class=\"n\">12</td><td class=\"n\">12</td><td class=\"n\">20</td>\
         <td class=\"n\">20</td><td class=\"n\">20</td><td class=\"n\">20</td>\
         <td class=\"n\">20</td><td class=\"n\">20</td></tr>"
    ));
    let f = section(&page, "failures");
    assert!(f.contains(
        "<td class=\"n\">1</td><td>GET</td><td class=\"name\">/</td><td class=\"msg\">x</td>\
         <td class=\"time\"><time datetime=\"2026-11-22T01:02:13Z\">2026-11-22 01:02:13</time></td>"
    ));
}

#[test]
fn chart_lines_have_a_point_per_sample() {
    let rs = run();
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    let charts = section(&page, "charts");
    assert_eq!(charts.matches("<svg").count(), 3);
    let lines: Vec<&str> = charts.split("<polyline points=\"").skip(1).collect();
    assert_eq!(lines.len(), 5);
    for line in lines {
        let points = &line[..line.find('"').unwrap()];
        assert_eq!(points.split(' ').count(), rs.history.len());
        assert!(points.split(' ').all(|p| p.split(',').count() == 2));
    }
    for (name, color) in [
        ("RPS", "#00ca5a"),
        ("Failures/s", "#ff6d6d"),
        ("50th percentile", "#8b5cf6"),
        ("95th percentile", "#f59e0b"),
        ("Number of Users", "#0099ff"),
    ] {
        assert!(
            charts.contains(&format!("stroke=\"{color}\" data-series=\"{name}\"")),
            "{name}"
        );
    }
    assert!(charts.contains("Time (UTC)"));
    // 55 s of samples: a label every 10 s.
    assert!(charts.contains(">01:02:20</text>"));
}

#[test]
fn one_sample_is_marked() {
    let mut rs = RequestStats::new(T0, true);
    rs.log_request("GET", "/", Some(10.0), 0, T0 + 1.0);
    rs.update_history(1, T0 + 5.0);
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    assert_eq!(section(&page, "charts").matches("<circle").count(), 5);
}

#[test]
fn themes() {
    let rs = run();
    let dark = render(&HtmlReport {
        theme: Theme::Dark,
        ..HtmlReport::new("locustfile.py", &rs)
    });
    assert!(dark.contains("<html lang=\"en\" class=\"theme-dark\">"));
    let light = render(&HtmlReport::new("locustfile.py", &rs));
    assert!(light.contains("<html lang=\"en\" class=\"theme-light\">"));
    // Printing always uses light colours.
    assert!(STYLE.contains("@media print{\n:root,.theme-dark{--bg:#fff"));
    assert_eq!(Theme::from_name("dark"), Theme::Dark);
    assert_eq!(Theme::from_name("auto"), Theme::Light);
    assert!(!light.contains("Download the Report"));
}

#[test]
fn empty_sections_are_hidden() {
    let rs = RequestStats::new(T0, true);
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    assert!(section(&page, "response-times").is_empty());
    assert!(section(&page, "exceptions").is_empty());
    assert!(!page.contains("Exceptions Statistics"));
    // Locust always shows these; empty, they say so.
    assert!(section(&page, "requests").contains("Aggregated"));
    assert!(section(&page, "failures").contains("No failures"));
    assert!(section(&page, "charts").contains("No samples were recorded"));
    assert!(!section(&page, "charts").contains("<svg"));
    assert!(section(&page, "ratios").contains("No user classes"));
    assert!(page.contains("(0 seconds)"));
}

#[test]
fn a_day_of_history_stays_small() {
    use rocust_core::stats::{HistoryRow, Number};
    let rs = run();
    let history: Vec<HistoryRow> = (0..17_281u32)
        .map(|i| HistoryRow {
            time: T0 + f64::from(i) * 5.0,
            user_count: 100,
            current_rps: Number::Float(200.0 + f64::from(i % 97)),
            current_fail_per_sec: Number::Int(0),
            response_time_percentile_0_5: 40 + i64::from(i % 13),
            response_time_percentile_0_95: 90 + i64::from(i % 31),
            total_avg_response_time: 50.0,
        })
        .collect();
    let page = render(&HtmlReport {
        history: &history,
        ..HtmlReport::new("locustfile.py", &rs)
    });
    assert!(page.len() < 200_000, "report is {} bytes", page.len());
    for line in section(&page, "charts")
        .split("<polyline points=\"")
        .skip(1)
    {
        let points = line[..line.find('"').unwrap()].split(' ').count();
        assert!(
            points <= svg::MAX_POINTS && points > svg::MAX_POINTS / 2,
            "{points}"
        );
    }
    // A day: labels carry the date.
    assert!(page.contains(">11-22 12:00</text>"));
}

#[test]
fn status_codes_section_when_the_stats_count_them() {
    let mut rs = run();
    assert!(!render(&HtmlReport::new("locustfile.py", &rs)).contains("Response Status Codes"));
    rs.entry_mut("/checkout", "GET", T0)
        .status_codes
        .insert(500, 20);
    rs.entry_mut("/checkout", "GET", T0)
        .status_codes
        .insert(200, 40);
    rs.total.status_codes.insert(500, 20);
    rs.total.status_codes.insert(200, 580);
    let page = render(&HtmlReport::new("locustfile.py", &rs));
    let at = page
        .find("<h2>Response Status Codes</h2>")
        .expect("section");
    assert!(page.find("<h2>Response Time Statistics</h2>").unwrap() < at);
    assert!(at < page.find("<h2>Failures Statistics</h2>").unwrap());
    let section = &page[at..page.find("<h2>Failures Statistics</h2>").unwrap()];
    assert!(
        section.contains(">200<") && section.contains(">500<"),
        "{section}"
    );
    assert!(
        section.contains(">580<") && section.contains(">40<"),
        "{section}"
    );
}
