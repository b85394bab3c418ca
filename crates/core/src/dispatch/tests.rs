use super::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn counts(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|&(c, n)| (c.to_string(), n)).collect()
}

/// Python's `repr` of the dict Locust yields, e.g. `{'w': {'A': 1}}`.
fn python_repr(users: &UsersOnWorkers) -> String {
    let workers: Vec<String> = users
        .iter()
        .map(|(id, counts)| {
            let classes: Vec<String> = users
                .class_names()
                .iter()
                .zip(counts)
                .map(|(c, n)| format!("'{c}': {n}"))
                .collect();
            format!("'{id}': {{{}}}", classes.join(", "))
        })
        .collect();
    format!("{{{}}}", workers.join(", "))
}

fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// Runs a script of the tiny language that /tmp's Locust driver also ran to
/// make `locust_vectors.txt` (ops separated by `;`), with a fake clock, and
/// returns the same transcript: `N` new dispatch, `D` dispatch, `S` sleep,
/// `E` end of cycle, `T` state, `ERR` refused dispatch, `LIMIT` drain cut.
fn run_script(script: &str) -> String {
    let mut out = String::new();
    let mut classes: Vec<UserClassSpec> = Vec::new();
    let mut disp: Option<UsersDispatcher> = None;
    let base = Instant::now();
    let mut clock = 0.0f64;
    let mut work = 0.0f64;
    for op in script.split(';').map(str::trim).filter(|o| !o.is_empty()) {
        let p: Vec<&str> = op.split_whitespace().collect();
        if p[0] == "classes" {
            for spec in &p[1..] {
                let f: Vec<&str> = spec.split(':').collect();
                let mut class = UserClassSpec::new(f[0], f[1].parse().unwrap());
                class.fixed_count = f.get(2).map_or(0, |n| n.parse().unwrap());
                classes.push(class);
            }
            continue;
        }
        if p[0] == "workers" {
            disp = Some(UsersDispatcher::new(ids(&p[1..]), classes.clone()).unwrap());
            continue;
        }
        let d = disp.as_mut().expect("workers before other ops");
        // One Locust `next(dispatcher)`: sleeps happen inside it.
        let next = |d: &mut UsersDispatcher, out: &mut String, clock: &mut f64| -> bool {
            let more = loop {
                let now = base + Duration::from_secs_f64(*clock);
                match d.step(now) {
                    DispatchStep::Sleep(pause) => {
                        writeln!(out, "S {:.6}", pause.as_secs_f64()).unwrap();
                        *clock += pause.as_secs_f64();
                    }
                    DispatchStep::Dispatch(users) => {
                        writeln!(out, "D {}", python_repr(&users)).unwrap();
                        break true;
                    }
                    DispatchStep::Done => {
                        let in_progress = python_bool(d.dispatch_in_progress());
                        writeln!(out, "E in_progress={in_progress}").unwrap();
                        break false;
                    }
                }
            };
            *clock += work;
            more
        };
        match p[0] {
            "work" => work = p[1].parse().unwrap(),
            "dispatch" => {
                let subset: Option<Vec<String>> = p.get(3).map(|s| match *s {
                    "@" => Vec::new(),
                    s => s.split(',').map(str::to_string).collect(),
                });
                let target = p[1].parse().unwrap();
                match d.new_dispatch(target, p[2].parse().unwrap(), subset) {
                    Ok(()) => writeln!(
                        out,
                        "N wait={:.6} per_iter={}",
                        d.wait_between_dispatch(),
                        d.user_count_per_dispatch_iteration().min(1_000_000_000)
                    )
                    .unwrap(),
                    Err(_) => writeln!(out, "ERR").unwrap(),
                }
            }
            "next" => {
                for _ in 0..p.get(1).map_or(1, |n| n.parse().unwrap()) {
                    next(d, &mut out, &mut clock);
                }
            }
            "drain" => {
                let limit: usize = p.get(1).map_or(1000, |n| n.parse().unwrap());
                let mut steps = 0;
                loop {
                    steps += 1;
                    if steps > limit {
                        writeln!(out, "LIMIT").unwrap();
                        break;
                    }
                    if !next(d, &mut out, &mut clock) {
                        break;
                    }
                }
            }
            "add" => d.add_worker(p[1]),
            "remove" => d.remove_worker(p[1]),
            "weight" | "fixed" => {
                let mut spec = d
                    .user_classes()
                    .iter()
                    .find(|c| c.name == p[1])
                    .unwrap()
                    .clone();
                if p[0] == "weight" {
                    spec.weight = p[2].parse().unwrap();
                } else {
                    spec.fixed_count = p[2].parse().unwrap();
                }
                d.update_user_class(spec).unwrap();
            }
            "state" => writeln!(
                out,
                "T users={} in_progress={} {}",
                d.current_user_count(),
                python_bool(d.dispatch_in_progress()),
                python_repr(d.users_on_workers())
            )
            .unwrap(),
            other => panic!("unknown op {other}"),
        }
    }
    out.trim_end().to_string()
}

const LOCUST_VECTORS: &str = include_str!("locust_vectors.txt");

#[test]
fn matches_locust_on_named_scenarios() {
    let mut scenarios: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    let mut lines = LOCUST_VECTORS.lines().filter(|l| !l.starts_with("~~ "));
    while let Some(line) = lines.next() {
        if let Some(name) = line.strip_prefix("== ") {
            scenarios.push((name, lines.next().unwrap(), Vec::new()));
        } else if let Some((_, _, transcript)) = scenarios.last_mut() {
            transcript.push(line);
        }
    }
    assert_eq!(scenarios.len(), 18);
    for (name, script, expected) in scenarios {
        assert_eq!(
            run_script(script),
            expected.join("\n"),
            "scenario {name}: {script}"
        );
    }
}

#[test]
fn matches_locust_on_random_scenarios() {
    let mut seen = 0;
    for line in LOCUST_VECTORS.lines().filter_map(|l| l.strip_prefix("~~ ")) {
        let (script, sha) = line.split_once('\t').unwrap();
        let transcript = run_script(script);
        let got: String = Sha256::digest(transcript.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(got, sha, "script {script}\ntranscript:\n{transcript}");
        seen += 1;
    }
    assert_eq!(seen, 150);
}

fn drain(d: &mut UsersDispatcher) -> Vec<BTreeMap<String, BTreeMap<String, u64>>> {
    d.by_ref().map(|u| u.to_btree_map()).collect()
}

#[test]
fn facts_sheet_example() {
    let classes = vec![
        UserClassSpec::new("A", 3.0),
        UserClassSpec::new("B", 1.0),
        UserClassSpec::fixed("F", 1),
    ];
    let mut d = UsersDispatcher::new(ids(&["hostb_1", "hosta_2", "hosta_1"]), classes).unwrap();
    assert_eq!(d.worker_ids(), ["hosta_1", "hostb_1", "hosta_2"]);
    d.new_dispatch(9, 4.0, None).unwrap();
    let it = drain(&mut d);
    assert_eq!(it.len(), 3);
    let at = |i: usize, w: &str| it[i][w].clone();
    assert_eq!(at(0, "hostb_1"), counts(&[("A", 1), ("B", 0), ("F", 0)]));
    assert_eq!(at(0, "hosta_2"), counts(&[("A", 0), ("B", 1), ("F", 0)]));
    assert_eq!(at(0, "hosta_1"), counts(&[("A", 1), ("B", 0), ("F", 1)]));
    assert_eq!(at(1, "hostb_1"), counts(&[("A", 3), ("B", 0), ("F", 0)]));
    assert_eq!(at(1, "hosta_2"), counts(&[("A", 1), ("B", 1), ("F", 0)]));
    assert_eq!(at(1, "hosta_1"), counts(&[("A", 1), ("B", 1), ("F", 1)]));
    assert_eq!(at(2, "hostb_1"), counts(&[("A", 3), ("B", 0), ("F", 0)]));
    assert_eq!(at(2, "hosta_2"), counts(&[("A", 2), ("B", 1), ("F", 0)]));
    assert_eq!(at(2, "hosta_1"), counts(&[("A", 1), ("B", 1), ("F", 1)]));
}

/// The class each one-user iteration added, on a single worker.
fn spawn_order(classes: Vec<UserClassSpec>, users: u64) -> String {
    let mut d = UsersDispatcher::new(ids(&["local"]), classes).unwrap();
    d.new_dispatch(users, 1.0, None).unwrap();
    let mut before = d.users_on_workers().clone();
    let mut order = String::new();
    for after in d.by_ref() {
        for (c, name) in after.class_names().iter().enumerate() {
            if after.counts("local").unwrap()[c] > before.counts("local").unwrap()[c] {
                order.push_str(name);
            }
        }
        before = after;
    }
    order
}

#[test]
fn weighted_classes_interleave_like_locust() {
    let five_to_one = vec![UserClassSpec::new("A", 5.0), UserClassSpec::new("B", 1.0)];
    assert_eq!(spawn_order(five_to_one, 12), "AABAAAAABAAA");
    let three_to_one = vec![UserClassSpec::new("B", 1.0), UserClassSpec::new("A", 3.0)];
    assert_eq!(spawn_order(three_to_one, 12), "ABAAABAAABAA");
}

#[test]
fn fixed_count_users_come_first() {
    let classes = vec![
        UserClassSpec::new("A", 1.0),
        UserClassSpec::fixed("Y", 1),
        UserClassSpec::fixed("X", 2),
    ];
    assert_eq!(spawn_order(classes, 6), "XYXAAA");
}

#[test]
fn ramp_down_stops_newest_users_first() {
    let classes = vec![UserClassSpec::new("A", 1.0), UserClassSpec::new("B", 1.0)];
    let mut d = UsersDispatcher::new(ids(&["w_1", "w_2"]), classes).unwrap();
    d.new_dispatch(3, 1.0, None).unwrap();
    let up = drain(&mut d);
    // Users started: A on w_1, B on w_2, A on w_1.
    assert_eq!(up[2]["w_1"], counts(&[("A", 2), ("B", 0)]));
    d.new_dispatch(1, 1.0, None).unwrap();
    let down = drain(&mut d);
    assert_eq!(down.len(), 2);
    assert_eq!(down[0]["w_1"], counts(&[("A", 1), ("B", 0)]));
    assert_eq!(down[0]["w_2"], counts(&[("A", 0), ("B", 1)]));
    assert_eq!(down[1]["w_2"], counts(&[("A", 0), ("B", 0)]));
    assert_eq!(down[1]["w_1"], counts(&[("A", 1), ("B", 0)]));
}

#[test]
fn adding_and_removing_workers_rebalances() {
    let classes = vec![UserClassSpec::new("A", 1.0)];
    let mut d = UsersDispatcher::new(ids(&["a_1"]), classes).unwrap();
    d.new_dispatch(6, 10.0, None).unwrap();
    assert_eq!(drain(&mut d).len(), 1);
    d.add_worker("b_1");
    // Like Locust's master: restart the dispatch at the same count.
    d.new_dispatch(6, 10.0, None).unwrap();
    let rebalanced = d.next_iteration().unwrap();
    assert_eq!(rebalanced.worker_user_count("a_1"), 3);
    assert_eq!(rebalanced.worker_user_count("b_1"), 3);
    assert_eq!(d.next_iteration(), None);
    assert!(
        d.dispatch_in_progress(),
        "Locust leaves it set after a rebalance-only cycle"
    );
    d.remove_worker("a_1");
    d.new_dispatch(6, 10.0, None).unwrap();
    let rebalanced = d.next_iteration().unwrap();
    assert_eq!(rebalanced.worker_ids(), ["b_1"]);
    assert_eq!(rebalanced.worker_user_count("b_1"), 6);
}

#[test]
fn steps_wait_between_iterations_but_not_after_the_last() {
    let classes = vec![UserClassSpec::new("A", 1.0)];
    let mut d = UsersDispatcher::new(ids(&["local"]), classes).unwrap();
    d.new_dispatch(3, 0.5, None).unwrap();
    assert_eq!(d.wait_between_dispatch(), 2.0);
    assert_eq!(d.user_count_per_dispatch_iteration(), 1);
    let t0 = Instant::now();
    let ms = |n| t0 + Duration::from_millis(n);
    assert!(matches!(d.step(t0), DispatchStep::Dispatch(u) if u.user_count() == 1));
    // 300 ms went into starting the user: 1.7 s left of the 2 s period.
    assert_eq!(
        d.step(ms(300)),
        DispatchStep::Sleep(Duration::from_millis(1700))
    );
    assert!(matches!(d.step(ms(2000)), DispatchStep::Dispatch(u) if u.user_count() == 2));
    // Late already: no sleep.
    assert!(matches!(d.step(ms(4500)), DispatchStep::Dispatch(u) if u.user_count() == 3));
    assert!(d.dispatch_in_progress());
    assert_eq!(d.step(ms(9000)), DispatchStep::Done);
    assert!(!d.dispatch_in_progress());
    assert_eq!(d.dispatch_iteration_durations().len(), 3);
    assert_eq!(
        d.dispatch_iteration_durations()[1],
        Duration::from_millis(2500)
    );
}

#[test]
fn fractional_spawn_rate() {
    let classes = vec![UserClassSpec::new("A", 1.0)];
    let mut d = UsersDispatcher::new(ids(&["local"]), classes).unwrap();
    d.new_dispatch(5, 2.5, None).unwrap();
    assert_eq!(d.user_count_per_dispatch_iteration(), 2);
    assert_eq!(d.wait_between_dispatch(), 0.8);
    let totals: Vec<u64> = d.by_ref().map(|u| u.user_count()).collect();
    assert_eq!(totals, [2, 4, 5]);
}

#[test]
fn user_classes_subset_on_new_dispatch() {
    let classes = vec![
        UserClassSpec::new("A", 1.0),
        UserClassSpec::new("B", 1.0),
        UserClassSpec::new("C", 1.0),
    ];
    let mut d = UsersDispatcher::new(ids(&["w"]), classes).unwrap();
    d.new_dispatch(4, 10.0, Some(ids(&["C", "A"]))).unwrap();
    let last = d.by_ref().last().unwrap();
    assert_eq!(
        last.to_btree_map()["w"],
        counts(&[("A", 2), ("B", 0), ("C", 2)])
    );
    d.new_dispatch(6, 10.0, Some(ids(&["B"]))).unwrap();
    let last = d.by_ref().last().unwrap();
    assert_eq!(
        last.total_user_classes_count(),
        counts(&[("A", 2), ("B", 2), ("C", 2)])
    );
}

#[test]
fn bad_input_is_an_error() {
    let a = || vec![UserClassSpec::new("A", 1.0)];
    assert_eq!(
        UsersDispatcher::new(vec![], a()).unwrap_err(),
        DispatchError::NoWorkers
    );
    assert_eq!(
        UsersDispatcher::new(ids(&["w"]), vec![]).unwrap_err(),
        DispatchError::NoUserClasses
    );
    let twice = vec![UserClassSpec::new("A", 1.0), UserClassSpec::new("A", 2.0)];
    assert_eq!(
        UsersDispatcher::new(ids(&["w"]), twice).unwrap_err(),
        DispatchError::DuplicateUserClass("A".into())
    );
    let nan = vec![UserClassSpec::new("A", f64::NAN)];
    assert!(matches!(
        UsersDispatcher::new(ids(&["w"]), nan),
        Err(DispatchError::InvalidWeight { .. })
    ));
    let mut d = UsersDispatcher::new(ids(&["w"]), a()).unwrap();
    let err = d.new_dispatch(1, 0.0, None).unwrap_err();
    assert_eq!(err.to_string(), "spawn_rate must be > 0, got 0.0");
    let err = d.new_dispatch(1, f64::INFINITY, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spawn_rate must be a finite number, got inf"
    );
    let err = d.new_dispatch(1, f64::NAN, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spawn_rate must be a finite number, got nan"
    );
    assert_eq!(
        d.new_dispatch(1, 1.0, Some(ids(&["Z"]))).unwrap_err(),
        DispatchError::UnknownUserClass("Z".into())
    );
    assert_eq!(
        d.new_dispatch(1, 1.0, Some(ids(&["A", "A"]))).unwrap_err(),
        DispatchError::DuplicateUserClass("A".into())
    );
    assert!(d.update_user_class(UserClassSpec::new("Z", 1.0)).is_err());
    // Nothing dispatched by the refused calls.
    assert_eq!(d.next_iteration(), None);
}
