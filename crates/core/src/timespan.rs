//! Locust's time span syntax (`locust.util.parse_timespan`), read by the
//! command line and the web UI's run time field: `20` (seconds), `20s`, `3m`, `2h`, `1h20m`,
//! `3h30m10s`.

const FORMAT_HELP: &str =
    "Invalid time span format. Valid formats: 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.";

/// Parses a time span into whole seconds.
///
/// A bare integer is seconds; otherwise `^(\d+h)?(\d+m)?(\d+s)?$` with at
/// least one part, units lower case, no spaces or signs. Like Locust, a
/// single trailing newline after a bare integer is tolerated (its regex `$`
/// allows it) and parts may exceed their unit (`90m`, `10m70s`).
pub fn parse_timespan(text: &str) -> Result<u64, String> {
    if text.is_empty() {
        return Err("Invalid time span format".to_string());
    }
    let bare = text.strip_suffix('\n').unwrap_or(text);
    if !bare.is_empty() && bare.bytes().all(|b| b.is_ascii_digit()) {
        return bare.parse::<u64>().map_err(|_| too_large());
    }
    let mut rest = text;
    let mut total: u64 = 0;
    let mut parts = 0;
    for (unit, factor) in [('h', 3600u64), ('m', 60), ('s', 1)] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && rest[digits..].starts_with(unit) {
            let value: u64 = rest[..digits].parse().map_err(|_| too_large())?;
            total = value
                .checked_mul(factor)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(too_large)?;
            rest = &rest[digits + 1..];
            parts += 1;
        }
    }
    if parts == 0 || !rest.is_empty() {
        return Err(FORMAT_HELP.to_string());
    }
    Ok(total)
}

fn too_large() -> String {
    "Invalid time span format: the value is too large".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values produced by running Locust 2.47.0's own
    /// `locust.util.timespan.parse_timespan` in its venv.
    #[test]
    fn matches_locust() {
        let ok: &[(&str, u64)] = &[
            ("0", 0),
            ("20", 20),
            ("20s", 20),
            ("3m", 180),
            ("2h", 7200),
            ("1h20m", 4800),
            ("3h30m10s", 12610),
            ("1h30m", 5400),
            ("90s", 90),
            ("2m", 120),
            ("90m", 5400),
            ("1h1s", 3601),
            ("1m30s", 90),
            ("01h", 3600),
            ("0h0m0s", 0),
            ("100000", 100000),
            ("999h", 3596400),
            ("10m70s", 670),
            ("10\n", 10),
            ("4294967296", 4294967296),
        ];
        for (text, expected) in ok {
            assert_eq!(parse_timespan(text), Ok(*expected), "{text:?}");
        }
        let bad = [
            "5x", "h", "m", "s", "1m1h", "1s1m", "1.5", "-5", " 5", "5 ", "+5", "1H", "1h 2m",
            "1hh", "1d", "hm", "1h1m1s1",
        ];
        for text in bad {
            assert_eq!(
                parse_timespan(text),
                Err(FORMAT_HELP.to_string()),
                "{text:?}"
            );
        }
        assert_eq!(
            parse_timespan(""),
            Err("Invalid time span format".to_string())
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(parse_timespan("99999999999999999999").is_err());
        assert!(parse_timespan("9999999999999999h").is_err());
        assert!(parse_timespan("5124095576030431h1s").is_ok());
        assert!(parse_timespan("5124095576030432h").is_err());
    }

    #[test]
    fn multibyte_input_does_not_panic() {
        assert!(parse_timespan("1é").is_err());
        assert!(parse_timespan("é").is_err());
        assert!(parse_timespan("1hé").is_err());
    }
}
