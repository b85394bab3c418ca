//! `POST /swarm`: Locust's form keys and messages, checked as a whole.
//!
//! Locust applies each field as it reads it, so a bad run time after a good
//! host leaves the host changed, and a bad custom value is a plain-text 500.
//! Here the form is parsed into a [`Swarm`] first; nothing changes unless
//! every field is good.

use rocust_core::stats::pyfmt::python_repr_str;
use rocust_core::timespan::parse_timespan;

/// The most users one `/swarm` may ask for: far beyond any one machine, low
/// enough that a typo (`99999999999`) is an error rather than a ramp that
/// never ends.
pub(crate) const MAX_USERS: u64 = 100_000_000;

/// Locust's message for a missing or unusable user count or spawn rate.
pub(crate) const MISSING_COUNT_OR_RATE: &str =
    "Missing or invalid user_count or spawn_rate from /swarm request";

/// Locust's message for a bad run time.
pub(crate) const BAD_RUN_TIME: &str =
    "Valid run_time formats are : 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.";

/// The fields `/swarm` knows itself; any other key may be a custom option.
pub(crate) const OWN_KEYS: &[&str] = &[
    "user_count",
    "spawn_rate",
    "host",
    "run_time",
    "profile",
    "user_classes",
    "shape_class",
];

/// A checked `/swarm` form. `None` fields were not in the form.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Swarm {
    pub user_count: Option<u64>,
    pub spawn_rate: Option<f64>,
    /// `Some(None)`: the host field was sent empty (each class's own host).
    pub host: Option<Option<String>>,
    pub run_time: Option<u64>,
    pub profile: Option<Option<String>>,
    pub user_classes: Option<Vec<String>>,
    /// With the class picker: the shape chosen (`None`: "Default", no shape).
    pub shape_class: Option<String>,
}

/// What the form is checked against.
pub(crate) struct Known<'a> {
    pub user_classes: &'a [String],
    /// `--class-picker`: only then do `user_classes` and `shape_class` choose.
    pub class_picker: bool,
    /// The run's shape class, if it has one.
    pub shape_class: Option<&'a str>,
}

/// Parses and checks the form; `Err` is the message of the first bad field
/// in form order.
pub(crate) fn parse(form: &[(String, String)], known: &Known<'_>) -> Result<Swarm, String> {
    let mut swarm = Swarm::default();
    let mut user_count: Option<(i128, &str)> = None;
    let mut seen: Vec<&str> = Vec::new();
    for (key, value) in form {
        // Like Flask's `form.items()`: the first value of each key counts.
        if seen.contains(&key.as_str()) {
            continue;
        }
        seen.push(key);
        match key.as_str() {
            "user_count" => user_count = Some(parse_user_count(value)?),
            "spawn_rate" => swarm.spawn_rate = Some(parse_spawn_rate(value)?),
            "host" => {
                // Locust strips angle brackets (its guard against markup in the page).
                let host: String = value.chars().filter(|c| !matches!(c, '<' | '>')).collect();
                let host = host.trim().to_owned();
                swarm.host = Some((!host.is_empty()).then_some(host));
            }
            "run_time" if value.is_empty() => {}
            "run_time" => {
                swarm.run_time = Some(parse_timespan(value).map_err(|_| BAD_RUN_TIME.to_owned())?)
            }
            "profile" => swarm.profile = Some((!value.is_empty()).then(|| value.clone())),
            // Without the class picker Locust stores the names and uses none of them.
            "user_classes" if !known.class_picker => {}
            "user_classes" => {
                let wanted: Vec<String> = form
                    .iter()
                    .filter(|(k, _)| k == "user_classes")
                    .flat_map(|(_, v)| v.split(','))
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
                    .collect();
                let unknown: Vec<&str> = wanted
                    .iter()
                    .filter(|w| !known.user_classes.contains(w))
                    .map(String::as_str)
                    .collect();
                if !unknown.is_empty() {
                    return Err(format!(
                        "Unknown user class(es): {} (available: {})",
                        unknown.join(", "),
                        known.user_classes.join(", ")
                    ));
                }
                if wanted.is_empty() {
                    return Err("user_classes names no user class".to_owned());
                }
                swarm.user_classes = Some(wanted);
            }
            "shape_class" if !known.class_picker => {}
            "shape_class" if value == "Default" => {}
            "shape_class" => {
                if known.shape_class != Some(value.as_str()) {
                    let mut available = vec!["Default"];
                    available.extend(known.shape_class);
                    return Err(format!(
                        "Unknown shape class: {} (available: {})",
                        python_repr_str(value),
                        available.join(", ")
                    ));
                }
                swarm.shape_class = Some(value.clone());
            }
            _ => {}
        }
    }
    // Without the picker the run's shape, if any, is used; with it, the one chosen.
    let uses_shape = if known.class_picker {
        swarm.shape_class.is_some()
    } else {
        known.shape_class.is_some()
    };
    if uses_shape {
        // A shape reads neither (Locust does not check them on that path).
        swarm.user_count = user_count.and_then(|(n, _)| u64::try_from(n).ok());
        return Ok(swarm);
    }
    // Locust's check once the whole form is read: a count of 0 or more, a
    // finite rate above 0; then rocust's ceiling on the count.
    let rate_ok = swarm.spawn_rate.is_some_and(|r| r.is_finite() && r > 0.0);
    let Some((count, text)) = user_count.filter(|(n, _)| *n >= 0 && rate_ok) else {
        return Err(MISSING_COUNT_OR_RATE.to_owned());
    };
    if count > MAX_USERS as i128 {
        return Err(format!(
            "Invalid user_count value: {} (must be at most {MAX_USERS})",
            python_repr_str(text)
        ));
    }
    swarm.user_count = Some(count as u64);
    Ok(swarm)
}

/// Python's `int(value)`: spaces around, a sign, `_` between digits.
fn parse_user_count(value: &str) -> Result<(i128, &str), String> {
    let text = value.trim().replace('_', "");
    match text.parse::<i128>() {
        Ok(n) => Ok((n, value)),
        // Beyond i128 is beyond any ceiling: keep it as "too many".
        Err(_)
            if !text.is_empty()
                && text
                    .trim_start_matches(['+', '-'])
                    .chars()
                    .all(|c| c.is_ascii_digit())
                && !text.starts_with('-') =>
        {
            Ok((i128::MAX, value))
        }
        Err(_) => Err(format!(
            "Invalid user_count value: {} (must be an integer)",
            python_repr_str(value)
        )),
    }
}

/// Python's `float(value)`: spaces around, `inf`, `nan`, exponents, `_`.
fn parse_spawn_rate(value: &str) -> Result<f64, String> {
    let text = value.trim().replace('_', "");
    text.parse::<f64>().map_err(|_| {
        format!(
            "Invalid spawn_rate value: {} (must be a number)",
            python_repr_str(value)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn check(pairs: &[(&str, &str)]) -> Result<Swarm, String> {
        let classes = ["A".to_owned(), "B".to_owned()];
        parse(
            &form(pairs),
            &Known {
                user_classes: &classes,
                class_picker: true,
                shape_class: Some("Ramp"),
            },
        )
    }

    #[test]
    fn a_good_form() {
        let swarm = check(&[
            ("user_count", "5"),
            ("spawn_rate", "2.5"),
            ("host", "http://127.0.0.1:8080"),
            ("run_time", "1m30s"),
            ("profile", "p"),
            ("other", "x"),
        ])
        .unwrap();
        assert_eq!(
            swarm,
            Swarm {
                user_count: Some(5),
                spawn_rate: Some(2.5),
                host: Some(Some("http://127.0.0.1:8080".into())),
                run_time: Some(90),
                profile: Some(Some("p".into())),
                user_classes: None,
                shape_class: None,
            }
        );
    }

    #[test]
    fn bad_counts_and_rates_in_every_way() {
        let missing = Err(MISSING_COUNT_OR_RATE.to_owned());
        for bad in ["-1", "-5"] {
            assert_eq!(check(&[("user_count", bad), ("spawn_rate", "1")]), missing);
        }
        for bad in ["abc", "", "1e3", "1.5", "NaN"] {
            assert_eq!(
                check(&[("user_count", bad), ("spawn_rate", "1")]),
                Err(format!(
                    "Invalid user_count value: {} (must be an integer)",
                    python_repr_str(bad)
                )),
                "{bad}"
            );
        }
        assert!(
            check(&[("user_count", "99999999999999999999"), ("spawn_rate", "1")])
                .unwrap_err()
                .contains("must be at most 100000000")
        );
        for bad in ["0", "-1", "nan", "inf", "-inf"] {
            assert_eq!(
                check(&[("user_count", "1"), ("spawn_rate", bad)]),
                missing,
                "{bad}"
            );
        }
        assert_eq!(
            check(&[("user_count", "1"), ("spawn_rate", "x")]),
            Err("Invalid spawn_rate value: 'x' (must be a number)".to_owned())
        );
        assert_eq!(check(&[("spawn_rate", "1")]), missing);
        assert_eq!(check(&[("user_count", "1")]), missing);
        // Python's int() and float() take spaces, signs and underscores.
        let ok = check(&[("user_count", " +1_000 "), ("spawn_rate", "1e1")]).unwrap();
        assert_eq!((ok.user_count, ok.spawn_rate), (Some(1000), Some(10.0)));
    }

    #[test]
    fn the_first_bad_field_in_form_order_is_reported() {
        assert_eq!(
            check(&[
                ("host", "http://x"),
                ("run_time", "10x"),
                ("user_count", "abc")
            ]),
            Err(BAD_RUN_TIME.to_owned())
        );
        assert_eq!(
            check(&[("run_time", ""), ("user_count", "1"), ("spawn_rate", "1")])
                .unwrap()
                .run_time,
            None
        );
    }

    #[test]
    fn like_locust_the_count_and_rate_are_checked_after_every_field_is_read() {
        // Locust reads -1 as a number, fails on the rate's text first.
        assert_eq!(
            check(&[("user_count", "-1"), ("spawn_rate", "0x10")]),
            Err("Invalid spawn_rate value: '0x10' (must be a number)".to_owned())
        );
        for bad in [" 10s", "1.5s", "-5s"] {
            assert_eq!(
                check(&[("user_count", "-1"), ("spawn_rate", "1"), ("run_time", bad)]),
                Err(BAD_RUN_TIME.to_owned()),
                "{bad:?}"
            );
        }
        assert_eq!(
            check(&[("user_count", "99999999999999999999"), ("spawn_rate", "0")]),
            Err(MISSING_COUNT_OR_RATE.to_owned())
        );
    }

    #[test]
    fn host_is_stripped_of_angle_brackets_and_empty_means_none() {
        let swarm = check(&[
            ("user_count", "1"),
            ("spawn_rate", "1"),
            ("host", "http://<b>x"),
        ])
        .unwrap();
        assert_eq!(swarm.host, Some(Some("http://bx".into())));
        let swarm = check(&[("user_count", "1"), ("spawn_rate", "1"), ("host", "")]).unwrap();
        assert_eq!(swarm.host, Some(None));
    }

    #[test]
    fn user_classes_must_exist() {
        let swarm = check(&[
            ("user_count", "1"),
            ("spawn_rate", "1"),
            ("user_classes", "A"),
            ("user_classes", "B"),
        ])
        .unwrap();
        assert_eq!(swarm.user_classes, Some(vec!["A".into(), "B".into()]));
        assert!(check(&[
            ("user_count", "1"),
            ("spawn_rate", "1"),
            ("user_classes", "Nope")
        ])
        .unwrap_err()
        .starts_with("Unknown user class(es): Nope"));
    }

    #[test]
    fn the_picker_chooses_a_known_shape_or_none() {
        let swarm = check(&[("shape_class", "Ramp")]).unwrap();
        assert_eq!(swarm.shape_class.as_deref(), Some("Ramp"));
        // "Default" is no shape: the count and rate are needed then.
        assert_eq!(
            check(&[("shape_class", "Default")]),
            Err(MISSING_COUNT_OR_RATE.to_owned())
        );
        assert_eq!(
            check(&[("shape_class", "Nope")]),
            Err("Unknown shape class: 'Nope' (available: Default, Ramp)".to_owned())
        );
    }

    #[test]
    fn a_shape_needs_no_count_or_rate() {
        let classes = ["A".to_owned()];
        let known = Known {
            user_classes: &classes,
            class_picker: false,
            shape_class: Some("Ramp"),
        };
        assert!(parse(&[], &known).is_ok());
    }
}
