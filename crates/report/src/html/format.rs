//! Numbers and times as Locust's report shows them. Locust formats in the
//! browser (JavaScript's number printing, `Math.round`, `toFixed`); the same
//! rules are reproduced here so the page needs no script. Times are UTC.

use rocust_core::stats::pyfmt::format_utc_timestamp;

/// JavaScript's `Math.round(x * 10^places) / 10^places`, the `round: 2` of
/// Locust's tables (halves go up, towards +infinity).
pub(crate) fn js_round(x: f64, places: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let factor = 10f64.powi(places);
    let y = x * factor;
    let floor = y.floor();
    let rounded = if y - floor >= 0.5 { floor + 1.0 } else { floor };
    rounded / factor
}

/// JavaScript's `String(x)`: the shortest digits that round-trip, no `.0` on
/// whole numbers, exponent form below 1e-6 and from 1e21.
pub(crate) fn js_number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    if x == 0.0 {
        return "0".to_owned(); // also -0
    }
    let a = x.abs();
    if (1e-6..1e21).contains(&a) {
        return format!("{x}");
    }
    let sci = format!("{x:e}");
    match sci.split_once('e') {
        Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
        _ => sci,
    }
}

/// `js_number(js_round(x, 2))`: the cells Locust rounds.
pub(crate) fn round2(x: f64) -> String {
    js_number(js_round(x, 2))
}

/// JavaScript's `x.toFixed(digits)`: the exact binary value rounded half up.
pub(crate) fn js_to_fixed(x: f64, digits: usize) -> String {
    if !x.is_finite() {
        return js_number(x);
    }
    if x < 0.0 {
        let s = js_to_fixed(-x, digits);
        return if s.bytes().all(|b| b == b'0' || b == b'.') {
            s
        } else {
            format!("-{s}")
        };
    }
    // 80 decimals are exact for every double this sees (>= 2^-80 or rounded
    // to zero anyway), so the digits after `digits` show a true tie.
    let exact = format!("{x:.80}");
    let (int_part, frac) = exact.split_once('.').unwrap_or((&exact, ""));
    let (kept, rest) = frac.split_at(digits.min(frac.len()));
    let mut out: Vec<u8> = int_part.bytes().chain(kept.bytes()).collect();
    if rest.as_bytes().first().is_some_and(|&d| d >= b'5') {
        // Round up: add one to the last kept digit, carrying.
        let mut i = out.len();
        loop {
            if i == 0 {
                out.insert(0, b'1');
                break;
            }
            i -= 1;
            if out[i] == b'9' {
                out[i] = b'0';
            } else {
                out[i] += 1;
                break;
            }
        }
    }
    let split = out.len() - kept.len();
    let (i, f) = out.split_at(split);
    let (i, f) = (String::from_utf8_lossy(i), String::from_utf8_lossy(f));
    if digits == 0 {
        i.into_owned()
    } else {
        format!("{i}.{f}")
    }
}

/// Locust's `format_duration`: whole seconds between the two times as
/// `16 seconds`, `1 hour, 2 minutes and 5 seconds`, `0 seconds`.
pub(crate) fn format_duration(start: f64, end: f64) -> String {
    let seconds = (end.trunc() as i64 - start.trunc() as i64).max(0);
    let units = [
        (seconds / 86_400, "day"),
        (seconds % 86_400 / 3_600, "hour"),
        (seconds % 3_600 / 60, "minute"),
        (seconds % 60, "second"),
    ];
    let parts: Vec<String> = units
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    match parts.as_slice() {
        [] => "0 seconds".to_owned(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} and {last}", head.join(", ")),
    }
}

/// `2026-12-02T16:18:49Z`, for `<time datetime>`.
pub(crate) fn iso_utc(ts: f64) -> String {
    format_utc_timestamp(ts)
}

/// `2026-12-02 16:18:49` (UTC), for reading.
pub(crate) fn utc_datetime(ts: f64) -> String {
    let iso = format_utc_timestamp(ts);
    iso.trim_end_matches('Z').replacen('T', " ", 1)
}

/// The UTC time of day of an epoch second: `16:18:49`, or `16:18` when
/// `seconds` is false.
pub(crate) fn utc_clock(ts: i64, seconds: bool) -> String {
    let sod = ts.rem_euclid(86_400);
    let (h, m, s) = (sod / 3_600, sod % 3_600 / 60, sod % 60);
    if seconds {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_math_round() {
        // Node 20: Math.round(x * 100) / 100 for each x
        assert_eq!(round2(12.345), "12.35");
        assert_eq!(round2(1.005), "1"); // 100.49999999999999 rounds down
        assert_eq!(round2(2.5), "2.5");
        assert_eq!(round2(3.0), "3");
        assert_eq!(round2(0.004), "0");
        assert_eq!(round2(104.28571428571429), "104.29");
        assert_eq!(js_number(1e21), "1e+21");
        assert_eq!(js_number(1.5e-7), "1.5e-7");
        assert_eq!(js_number(-0.0), "0");
    }

    #[test]
    fn to_fixed_rounds_the_exact_value_half_up() {
        // Node 20: (x).toFixed(1)
        assert_eq!(js_to_fixed(60.0, 1), "60.0");
        assert_eq!(js_to_fixed(12.25, 1), "12.3"); // exact tie goes up
        assert_eq!(js_to_fixed(0.35, 1), "0.3"); // 0.34999999999999997...
        assert_eq!(js_to_fixed(99.96, 1), "100.0");
        assert_eq!(js_to_fixed(33.33333333333333, 1), "33.3");
        assert_eq!(js_to_fixed(0.0, 1), "0.0");
        assert_eq!(js_to_fixed(9.5, 0), "10");
    }

    #[test]
    fn durations_like_locust() {
        // Python: format_duration(0, n)
        assert_eq!(format_duration(100.9, 116.1), "16 seconds");
        assert_eq!(
            format_duration(0.0, 3725.0),
            "1 hour, 2 minutes and 5 seconds"
        );
        assert_eq!(format_duration(0.0, 3600.0), "1 hour");
        assert_eq!(
            format_duration(0.0, 90_061.0),
            "1 day, 1 hour, 1 minute and 1 second"
        );
        assert_eq!(format_duration(0.0, 120.0), "2 minutes");
        assert_eq!(format_duration(5.0, 5.5), "0 seconds");
        assert_eq!(format_duration(10.0, 5.0), "0 seconds");
    }

    #[test]
    fn utc_times() {
        assert_eq!(utc_datetime(1795309338.9), "2026-11-22 01:02:18");
        assert_eq!(iso_utc(1795309338.9), "2026-11-22T01:02:18Z");
        assert_eq!(utc_clock(1795309338, true), "01:02:18");
        assert_eq!(utc_clock(1795309338, false), "01:02");
    }
}
