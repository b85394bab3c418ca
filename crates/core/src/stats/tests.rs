//! Stats tests. Expected numbers marked "Locust 2.47.0" were computed by running
//! Locust 2.47.0's own stats code (locust/stats.py) under Python 3.11 with the
//! same inputs and a patched `time.time`.

use std::collections::BTreeMap;
use std::thread;

use super::*;

const PCTS: [f64; 11] = [
    0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0,
];

fn manual_stats(t: f64) -> (Stats, ManualClock) {
    let clock = ManualClock::new(t);
    (Stats::with_clock(Clock::Manual(clock.clone())), clock)
}

#[test]
fn bucketing_matches_locust() {
    // Locust 2.47.0: bucket_response_time(x)
    let cases: &[(f64, i64)] = &[
        (145.0, 140),
        (155.0, 160),
        (2.5, 2),
        (1450.0, 1400),
        (1550.0, 1600),
        (99.5, 100),
        (0.5, 0),
        (1.5, 2),
        (14500.0, 14000),
        (15500.0, 16000),
        (9950.0, 10000),
        (999.5, 1000),
        (147.0, 150),
        (3432.0, 3400),
        (58760.0, 59000),
        (94.5, 94),
        (95.5, 96),
        (0.4, 0),
        (1234.5678, 1200),
        (10500.0, 10000),
        (-0.6, -1),
        (995.0, 1000),
        (985.0, 980),
    ];
    for (x, want) in cases {
        assert_eq!(bucket_response_time(*x), *want, "bucket of {x}");
    }
}

#[test]
fn percentiles_match_locust() {
    let d: BTreeMap<i64, u64> = [(1, 5), (2, 3), (10, 1), (150, 1)].into();
    let got: Vec<i64> = PCTS
        .iter()
        .map(|p| calculate_response_time_percentile(&d, 10, *p))
        .collect();
    // Locust 2.47.0: calculate_response_time_percentile(d, 10, p)
    assert_eq!(got, [2, 2, 2, 10, 150, 150, 150, 150, 150, 150, 150]);
    let got: Vec<i64> = PCTS
        .iter()
        .map(|p| calculate_response_time_percentile(&d, 7, *p))
        .collect();
    assert_eq!(got, [2, 2, 10, 10, 150, 150, 150, 150, 150, 150, 150]);
    assert_eq!(
        calculate_response_time_percentile(&BTreeMap::new(), 0, 0.5),
        0
    );
}

const RTS: [f64; 20] = [
    3.2, 7.9, 12.4, 12.6, 99.4, 101.0, 147.3, 250.0, 480.0, 999.4, 1001.0, 3333.0, 12345.0,
    65000.1, 5.5, 5.5, 5.5, 6.49, 6.51, 40.0,
];

/// The scenario of the Locust reference run: 20 requests 0.7 s apart, every
/// third one failing, then one request without a response time.
fn log_scenario(mut log: impl FnMut(f64, Option<f64>, u64, Option<&str>)) -> f64 {
    let mut now = 0.0;
    for (i, rt) in RTS.iter().enumerate() {
        now = 1000.0 + i as f64 * 0.7;
        let err = (i % 3 == 0).then_some("CatchResponseError('x')");
        log(now, Some(*rt), 100 + i as u64, err);
    }
    log(now, None, 0, None);
    now
}

fn check_scenario(rs: &RequestStats) {
    let e = rs.get("/a", "GET").unwrap();
    let got: Vec<i64> = PCTS
        .iter()
        .map(|p| e.get_response_time_percentile(*p))
        .collect();
    // Locust 2.47.0 (see module doc)
    assert_eq!(
        got,
        [99, 250, 1000, 1000, 12000, 65000, 65000, 65000, 65000, 65000, 65000]
    );
    assert_eq!(e.median_response_time(), Number::Int(99));
    assert_eq!(e.min_response_time, Some(Number::Float(3.2)));
    assert_eq!(e.max_response_time, Number::Float(65000.1));
    assert_eq!(e.avg_content_length(), Number::Float(104.28571428571429));
    assert_eq!(e.fail_ratio(), 0.3333333333333333);
    assert_eq!(
        (e.num_requests, e.num_none_requests, e.num_failures),
        (21, 1, 7)
    );
    let buckets: BTreeMap<i64, u64> = [
        (3, 1),
        (6, 4),
        (7, 1),
        (8, 1),
        (12, 1),
        (13, 1),
        (40, 1),
        (99, 1),
        (100, 1),
        (150, 1),
        (250, 1),
        (480, 1),
        (1000, 2),
        (3300, 1),
        (12000, 1),
        (65000, 1),
    ]
    .into();
    assert_eq!(e.response_times, buckets);
    let per_sec: BTreeMap<i64, u64> = [
        (1000, 2),
        (1001, 1),
        (1002, 2),
        (1003, 1),
        (1004, 2),
        (1005, 1),
        (1006, 1),
        (1007, 2),
        (1008, 1),
        (1009, 2),
        (1010, 1),
        (1011, 2),
        (1012, 1),
        (1013, 2),
    ]
    .into();
    assert_eq!(e.num_reqs_per_sec, per_sec);
    assert_eq!(rs.current_rps(e), 1.4);
    assert_eq!(rs.current_fail_per_sec(e), 0.5);
    assert_eq!(rs.total.last_request_timestamp, Some(1013.3));
    assert_eq!(rs.errors().len(), 1);
    assert_eq!(rs.errors()[0].occurrences, 7);
    assert_eq!(rs.total.num_requests, 21);
    assert_eq!(rs.total.response_times, e.response_times);
}

#[test]
fn direct_logging_matches_locust() {
    let mut rs = RequestStats::new(1000.0, true);
    log_scenario(|now, rt, len, err| {
        rs.log_request("GET", "/a", rt, len, now);
        if let Some(err) = err {
            rs.log_error("GET", "/a", err, now);
        }
    });
    check_scenario(&rs);
    let e = rs.get("/a", "GET").unwrap();
    // Locust 2.47.0: the float sums come out the same when logged in order.
    assert_eq!(e.avg_response_time(), 4193.09);
    assert_eq!(rs.total_rps(e), 1.578947368421058);
    assert_eq!(rs.total_fail_per_sec(e), 0.526315789473686);
}

#[test]
fn recorder_logging_matches_direct_logging() {
    let (stats, clock) = manual_stats(1000.0);
    let rec = stats.recorder();
    log_scenario(|now, rt, len, err| {
        clock.set(now);
        rec.log("GET", "/a", rt, len, err);
        if now > 1005.0 && now < 1006.0 {
            stats.flush(); // a merge in the middle must not change anything
        }
    });
    stats.with_request_stats(|rs| {
        check_scenario(rs);
        let e = rs.get("/a", "GET").unwrap();
        assert!((e.avg_response_time() - 4193.09).abs() < 1e-9);
        assert_eq!(e.start_time, 1000.0);
    });
}

#[test]
fn median_is_clamped_to_min_and_max() {
    // Locust 2.47.0: one request of 0.4 ms has median 0.4; one of 147.3 ms has median 147.3
    for (rt, want) in [(0.4, Number::Float(0.4)), (147.3, Number::Float(147.3))] {
        let mut rs = RequestStats::new(5.0, true);
        rs.log_request("GET", "/b", Some(rt), 0, 5.0);
        assert_eq!(rs.get("/b", "GET").unwrap().median_response_time(), want);
    }
    // Locust 2.47.0: only a None response time: median 0, avg 0.0, max 0, min None, avg size 0.0
    let mut rs = RequestStats::new(5.0, true);
    rs.log_request("GET", "/d", None, 0, 5.0);
    let e = rs.get("/d", "GET").unwrap();
    assert_eq!(e.median_response_time(), Number::Int(0));
    assert_eq!(e.avg_response_time(), 0.0);
    assert_eq!(e.max_response_time, Number::Int(0));
    assert_eq!(e.min_response_time, None);
    assert_eq!(e.avg_content_length(), Number::Float(0.0));
}

#[test]
fn current_rps_window_edges() {
    let mut e = StatsEntry::new("/x", "GET", 1000.0, false);
    e.num_reqs_per_sec = (1000..1025).map(|t| (t, (t - 1000) as u64)).collect();
    let w = |last: f64, start: f64| RateWindow {
        last_request_timestamp: Some(last),
        start_time: start,
    };
    // Locust 2.47.0: current_rps with the total's (last_request_timestamp, start_time)
    assert_eq!(e.current_rps(w(1020.5, 1000.2)), 12.5);
    assert_eq!(e.current_rps(w(1020.5, 1015.9)), 16.0);
    assert_eq!(e.current_rps(w(1002.9, 1000.0)), 0.0);
    assert_eq!(e.current_rps(w(1003.0, 1000.0)), 0.0);
    assert_eq!(e.current_rps(w(1013.99, 1000.0)), 5.5);
    let idle = RateWindow {
        last_request_timestamp: None,
        start_time: 1000.0,
    };
    assert_eq!(e.current_rps(idle), 0.0);
    assert_eq!(e.total_rps(idle), 0.0);
}

#[test]
fn current_percentiles_follow_the_last_ten_seconds() {
    let (stats, clock) = manual_stats(2000.0);
    let rec = stats.recorder();
    for s in 0..30 {
        clock.set(2000.0 + s as f64 + 0.5);
        let rt = if s < 15 { 10.0 } else { 500.0 };
        for _ in 0..4 {
            rec.log("GET", "/p", Some(rt), 0, None);
        }
        stats.tick();
        if s == 19 {
            // 5 s into the 500 ms phase the window still reaches into the 10 ms phase
            let now = stats.now();
            stats.with_request_stats(|rs| {
                let e = rs.get("/p", "GET").unwrap();
                assert_eq!(e.get_current_response_time_percentile(0.45, now), Some(10));
                assert_eq!(e.get_current_response_time_percentile(0.55, now), Some(500));
            });
        }
    }
    let now = stats.now();
    stats.with_request_stats(|rs| {
        let total = &rs.total;
        assert_eq!(total.get_response_time_percentile(0.4), 10);
        assert_eq!(
            total.get_current_response_time_percentile(0.5, now),
            Some(500)
        );
        assert_eq!(
            total.get_current_response_time_percentile(0.05, now),
            Some(500)
        );
        let e = rs.get("/p", "GET").unwrap();
        assert_eq!(e.get_current_response_time_percentile(0.95, now), Some(500));
    });
    // No snapshot within reach after a long idle time: unknown, like Locust.
    clock.advance(40.0);
    stats.tick();
    let now = stats.now();
    stats.with_request_stats(|rs| {
        assert_eq!(
            rs.total.get_current_response_time_percentile(0.5, now),
            None
        );
    });
}

#[test]
fn reset_keeps_names_and_drops_pending_deltas() {
    let (stats, clock) = manual_stats(100.0);
    let rec = stats.recorder();
    rec.log("GET", "/a", Some(5.0), 10, Some("boom"));
    rec.log("POST", "/b", Some(7.0), 10, None);
    stats.flush();
    rec.log("GET", "/a", Some(5.0), 10, None); // pending in the shard
    clock.set(150.0);
    stats.reset_all();
    stats.with_request_stats(|rs| {
        let names: Vec<(&str, &str)> = rs
            .entries()
            .map(|e| (e.name.as_str(), e.method.as_str()))
            .collect();
        assert_eq!(names, [("/a", "GET"), ("/b", "POST")]);
        for e in rs.entries().chain([&rs.total]) {
            assert_eq!(
                (e.num_requests, e.num_failures, e.start_time),
                (0, 0, 150.0)
            );
            assert!(e.response_times.is_empty() && e.num_reqs_per_sec.is_empty());
            assert_eq!(e.max_response_time, Number::Int(0));
        }
        assert!(rs.errors().is_empty());
    });
    rec.log("GET", "/a", Some(5.0), 10, None);
    rec.log("GET", "/a", None, 10, Some("boom"));
    stats.clear_all();
    stats.with_request_stats(|rs| {
        assert_eq!((rs.num_entries(), rs.num_requests()), (0, 0));
        assert!(rs.errors().is_empty());
    });
    stats.log_exception("local", "m", "tb");
    stats.reset_all();
    assert_eq!(stats.exceptions().len(), 1);
    stats.clear_exceptions();
    assert!(stats.exceptions().is_empty());
}

#[test]
fn shards_from_many_threads_sum_up() {
    let (stats, _clock) = manual_stats(500.0);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let rec = stats.recorder();
            let reader = stats.clone();
            thread::spawn(move || {
                for i in 0..5000u64 {
                    let name = ["/a", "/b", "/c"][(i % 3) as usize];
                    let err = (i % 10 == 0).then_some("CatchResponseError('bad')");
                    rec.log("GET", name, Some((i % 200) as f64 + t as f64), 1, err);
                    if i % 1000 == 0 {
                        reader.flush();
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let mut direct = RequestStats::new(500.0, true);
    for t in 0..4u64 {
        for i in 0..5000u64 {
            let name = ["/a", "/b", "/c"][(i % 3) as usize];
            direct.log_request("GET", name, Some((i % 200) as f64 + t as f64), 1, 500.0);
            if i % 10 == 0 {
                direct.log_error("GET", name, "CatchResponseError('bad')", 500.0);
            }
        }
    }
    stats.with_request_stats(|rs| {
        assert_eq!(rs.num_requests(), 20000);
        assert_eq!(rs.num_failures(), 2000);
        for (a, b) in rs.entries().zip(direct.entries()) {
            assert_eq!(
                (&a.name, a.num_requests, a.num_failures),
                (&b.name, b.num_requests, b.num_failures)
            );
            assert_eq!(a.response_times, b.response_times);
            assert_eq!(a.num_reqs_per_sec, b.num_reqs_per_sec);
            assert_eq!(a.min_response_time, b.min_response_time);
            assert_eq!(a.max_response_time, b.max_response_time);
            assert!((a.total_response_time.as_f64() - b.total_response_time.as_f64()).abs() < 1e-6);
        }
        assert_eq!(rs.total.response_times, direct.total.response_times);
        let errs: Vec<(String, u64)> = rs
            .errors_sorted_by_key()
            .into_iter()
            .map(|(k, e)| (k, e.occurrences))
            .collect();
        let want: Vec<(String, u64)> = direct
            .errors_sorted_by_key()
            .into_iter()
            .map(|(k, e)| (k, e.occurrences))
            .collect();
        assert_eq!(errs, want);
    });
}

#[test]
fn entries_are_created_in_first_request_order_across_shards() {
    let (stats, clock) = manual_stats(10.0);
    let (r1, r2) = (stats.recorder(), stats.recorder());
    clock.set(11.0);
    r2.log("GET", "/first", Some(1.0), 0, None);
    clock.set(12.0);
    r1.log("GET", "/second", Some(1.0), 0, None);
    r2.log("GET", "/second", Some(1.0), 0, None);
    stats.with_request_stats(|rs| {
        let order: Vec<String> = rs.serialize_stats().into_iter().map(|d| d.name).collect();
        assert_eq!(order, ["/first", "/second"]);
        assert_eq!(rs.get("/first", "GET").unwrap().start_time, 11.0);
    });
}

#[test]
fn worker_reports_merge_on_the_master() {
    let (worker, wclock) = manual_stats(300.0);
    let (master, _mclock) = manual_stats(290.0);
    let rec = worker.recorder();
    for i in 0..10 {
        wclock.set(300.0 + i as f64);
        rec.log_response(
            "GET",
            "/w",
            Some(20.0 + i as f64),
            5,
            (i % 2 == 0).then_some("HTTPError('500')"),
            Some(if i % 2 == 0 { 500 } else { 200 }),
        );
    }
    let report = worker.take_report();
    assert_eq!(report.stats.len(), 1);
    assert_eq!(report.errors.0.len(), 1);
    // The report travels as JSON here (msgpack in the real protocol).
    let text = serde_json::to_string(&report).unwrap();
    let report: StatsReport = serde_json::from_str(&text).unwrap();
    master.apply_report(report.clone());
    master.apply_report(report);
    master.with_request_stats(|rs| {
        let e = rs.get("/w", "GET").unwrap();
        assert_eq!((e.num_requests, e.num_failures), (20, 10));
        assert_eq!(e.start_time, 290.0); // min of the master's creation time and the worker's
        assert_eq!(e.min_response_time, Some(Number::Float(20.0)));
        assert_eq!(rs.total.num_requests, 20);
        assert_eq!(rs.errors().len(), 1);
        assert_eq!(rs.errors()[0].occurrences, 10);
        assert_eq!(rs.errors()[0].origin, ErrorOrigin::Remote);
        assert_eq!(rs.errors()[0].first_seen, Some(300.0));
        let codes = std::collections::BTreeMap::from([(200, 10), (500, 10)]);
        assert_eq!(e.status_codes, codes);
        assert_eq!(rs.total.status_codes, codes);
    });
    // The worker starts over after a report.
    worker.with_request_stats(|rs| {
        assert_eq!(rs.num_requests(), 0);
        assert!(rs.errors().is_empty());
        assert!(rs.serialize_stats().is_empty());
    });
}

#[test]
fn extend_combines_like_locust() {
    let mut a = StatsEntry::new("/", "GET", 100.0, false);
    a.log(Some(5.0), 10, 101.0);
    let mut b = StatsEntry::new("/", "GET", 90.0, false);
    b.log(Some(2.0), 20, 105.5);
    b.log(None, 0, 106.0);
    b.log_error(106.0);
    a.extend(&b);
    assert_eq!(
        (a.num_requests, a.num_none_requests, a.num_failures),
        (3, 1, 1)
    );
    assert_eq!(
        (a.start_time, a.last_request_timestamp),
        (90.0, Some(106.0))
    );
    assert_eq!(a.min_response_time, Some(Number::Float(2.0)));
    assert_eq!(a.max_response_time, Number::Float(5.0));
    assert_eq!(a.total_content_length, 30);
    assert_eq!(a.response_times, [(2, 1), (5, 1)].into());
    assert_eq!(a.num_reqs_per_sec, [(101, 1), (105, 1), (106, 1)].into());
    assert_eq!(a.num_fail_per_sec, [(106, 1)].into());
    let back = StatsEntry::unserialize(a.serialize());
    assert_eq!(back.serialize(), a.serialize());
}

#[test]
fn history_rows_follow_locust_or_zero_rules() {
    let (stats, clock) = manual_stats(1000.0);
    stats.update_history(0);
    let rec = stats.recorder();
    for s in 0..6 {
        clock.set(1000.5 + s as f64);
        rec.log("GET", "/", Some(7.125), 0, None);
        stats.tick();
    }
    stats.update_history(3);
    stats.with_request_stats(|rs| {
        let h = &rs.history;
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].current_rps, Number::Int(0));
        assert_eq!(h[0].total_avg_response_time, 0.0);
        assert_eq!(h[0].time_str(), "1970-01-01T00:16:40Z");
        assert_eq!(h[1].user_count, 3);
        assert_eq!(h[1].current_rps, Number::Float(1.0));
        assert_eq!(h[1].response_time_percentile_0_5, 7);
        assert_eq!(h[1].total_avg_response_time, 7.13);
    });
}

#[test]
fn requests_of_a_dropped_recorder_still_count() {
    let (stats, _clock) = manual_stats(10.0);
    let rec = stats.recorder();
    rec.log("GET", "/gone", Some(1.0), 0, Some("x"));
    drop(rec);
    stats.flush();
    stats.flush();
    assert_eq!(stats.snapshot().num_requests(), 1);
    assert!(stats.has_errors_or_exceptions());
}

#[test]
fn shard_merges_reproduce_direct_current_percentiles() {
    let (stats, clock) = manual_stats(3000.0);
    let recs = [stats.recorder(), stats.recorder(), stats.recorder()];
    let mut direct = RequestStats::new(3000.0, true);
    let mut next_flush = 3001.7;
    for i in 0..900u64 {
        // irregular gaps, a pause between 3015 and 3022, names that come and go
        let t = 3000.0 + (i as f64) * 0.043 + if i > 350 { 7.0 } else { 0.0 };
        clock.set(t);
        let name = if i % 5 == 0 { "/rare" } else { "/common" };
        let rt = ((i * 37) % 700) as f64 + 0.25;
        recs[(i % 3) as usize].log("GET", name, Some(rt), 1, None);
        direct.log_request("GET", name, Some(rt), 1, t);
        if t >= next_flush {
            stats.flush();
            next_flush += 1.7;
        }
    }
    stats.with_request_stats(|rs| {
        for now in [3010.2, 3019.0, 3025.5, 3030.0, 3035.9, 3041.0, 3055.0] {
            for (a, b) in rs
                .entries()
                .chain([&rs.total])
                .zip(direct.entries().chain([&direct.total]))
            {
                for p in PCTS {
                    assert_eq!(
                        a.get_current_response_time_percentile(p, now),
                        b.get_current_response_time_percentile(p, now),
                        "{} p{p} at {now}",
                        a.name
                    );
                }
            }
        }
    });
}
