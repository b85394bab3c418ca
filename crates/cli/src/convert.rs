//! Turning option strings into typed values, with argparse-style messages.

use crate::error::CliError;
use crate::options::{LogLevel, Processes};
use crate::spec::OptSpec;
use rocust_core::timespan::parse_timespan;

/// Python's `int()` of a string: surrounding whitespace, a sign, and
/// single underscores between digits are allowed.
pub(crate) fn py_int(text: &str) -> Option<i128> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut value: i128 = 0;
    for b in digits.bytes().filter(u8::is_ascii_digit) {
        value = value.checked_mul(10)?.checked_add(i128::from(b - b'0'))?;
    }
    Some(if negative { -value } else { value })
}

/// Python's `float()` of a string (whitespace allowed, `inf`/`nan` accepted).
pub(crate) fn py_float(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    t.replace('_', "").parse::<f64>().ok()
}

fn int_in<T: TryFrom<i128>>(spec: &OptSpec, text: &str) -> Result<T, CliError> {
    py_int(text)
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| invalid_int(spec, text))
}

fn invalid_int(spec: &OptSpec, text: &str) -> CliError {
    CliError::argument(&spec.display(), format_args!("invalid int value: '{text}'"))
}

/// Any int that fits (Locust's `type=int`).
pub(crate) fn int<T: TryFrom<i128>>(spec: &OptSpec, text: &str) -> Result<T, CliError> {
    int_in(spec, text)
}

/// A non-negative int. Locust accepts e.g. `-u -1` and fails later; rocust
/// refuses it up front.
pub(crate) fn non_negative(spec: &OptSpec, text: &str) -> Result<u64, CliError> {
    let value: i128 = py_int(text).ok_or_else(|| invalid_int(spec, text))?;
    if value < 0 {
        return Err(CliError::argument(
            &spec.display(),
            format_args!("must be 0 or more, got {value}"),
        ));
    }
    u64::try_from(value).map_err(|_| invalid_int(spec, text))
}

/// A TCP port.
pub(crate) fn port(spec: &OptSpec, text: &str) -> Result<u16, CliError> {
    let value: i128 = py_int(text).ok_or_else(|| invalid_int(spec, text))?;
    u16::try_from(value).map_err(|_| {
        CliError::argument(
            &spec.display(),
            format_args!("invalid port number: {value} (must be 0 to 65535)"),
        )
    })
}

/// `--expect-workers`: a positive int.
pub(crate) fn positive(spec: &OptSpec, text: &str) -> Result<u64, CliError> {
    let value: i128 = py_int(text).ok_or_else(|| invalid_int(spec, text))?;
    if value < 1 {
        return Err(CliError::argument(
            &spec.display(),
            format_args!("must be a positive number, got {value}"),
        ));
    }
    u64::try_from(value).map_err(|_| invalid_int(spec, text))
}

/// `-r/--spawn-rate`: a finite float > 0.
pub(crate) fn spawn_rate(spec: &OptSpec, text: &str) -> Result<f64, CliError> {
    let value = py_float(text).ok_or_else(|| {
        CliError::argument(
            &spec.display(),
            format_args!("invalid float value: '{text}'"),
        )
    })?;
    if !value.is_finite() {
        return Err(CliError::argument(
            &spec.display(),
            "must be a finite number",
        ));
    }
    if value <= 0.0 {
        return Err(CliError::argument(&spec.display(), "must be > 0"));
    }
    Ok(value)
}

pub(crate) fn timespan(spec: &OptSpec, text: &str) -> Result<u64, CliError> {
    parse_timespan(text).map_err(|e| CliError::argument(&spec.display(), e))
}

/// `--autoquit`: -1 (Locust's default) means never.
pub(crate) fn autoquit(spec: &OptSpec, text: &str) -> Result<Option<u64>, CliError> {
    let value: i128 = py_int(text).ok_or_else(|| invalid_int(spec, text))?;
    match value {
        -1 => Ok(None),
        v if v < -1 => Err(CliError::argument(
            &spec.display(),
            format_args!("must be -1 (never) or a number of seconds, got {v}"),
        )),
        v => u64::try_from(v)
            .map(Some)
            .map_err(|_| invalid_int(spec, text)),
    }
}

/// `--processes`: -1 is one per CPU, 0 is ignored like in Locust, below -1
/// is refused with Locust's exit code 1.
pub(crate) fn processes(spec: &OptSpec, text: &str) -> Result<Option<Processes>, CliError> {
    let value: i128 = py_int(text).ok_or_else(|| invalid_int(spec, text))?;
    match value {
        0 => Ok(None),
        -1 => Ok(Some(Processes::PerCpu)),
        v if v < -1 => Err(CliError::invalid(
            format!("Invalid --processes count {v}"),
            1,
        )),
        v => u32::try_from(v)
            .map(|n| Some(Processes::Count(n)))
            .map_err(|_| invalid_int(spec, text)),
    }
}

pub(crate) fn loglevel(spec: &OptSpec, text: &str) -> Result<LogLevel, CliError> {
    let upper = text.to_uppercase();
    LogLevel::ALL
        .into_iter()
        .find(|level| level.as_str() == upper)
        .ok_or_else(|| {
            CliError::argument(
                &spec.display(),
                format_args!(
                    "invalid choice: '{upper}' (choose from 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')"
                ),
            )
        })
}

/// One `--config-users` value: a JSON text, or a `.json` file (relative to
/// `cwd`) holding one; an object or an array of objects, each naming its
/// `user_class_name`.
pub(crate) fn config_users(
    spec: &OptSpec,
    text: &str,
    cwd: &std::path::Path,
) -> Result<Vec<serde_json::Value>, CliError> {
    let fail = |problem: String| CliError::argument(&spec.display(), problem);
    let json_text = if text.ends_with(".json") {
        std::fs::read_to_string(cwd.join(text))
            .map_err(|e| fail(format!("cannot read '{text}': {e}")))?
    } else {
        text.to_string()
    };
    let value: serde_json::Value = serde_json::from_str(&json_text).map_err(|e| {
        fail(format!(
            "The --config-users argument must be a valid JSON string or file: {e}"
        ))
    })?;
    let configs = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    if configs.iter().any(|c| c.get("user_class_name").is_none()) {
        return Err(fail(
            "every user config must have a user_class_name".to_string(),
        ));
    }
    Ok(configs)
}

/// Config file / environment spelling of a flag.
pub(crate) fn flag_value(key: &str, text: &str) -> Result<bool, CliError> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Ok(true),
        "false" | "no" | "off" | "0" => Ok(false),
        _ => Err(CliError::usage(format_args!(
            "Unexpected value for {key}: '{text}'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_syntax() {
        assert_eq!(py_int("5"), Some(5));
        assert_eq!(py_int(" 7 "), Some(7));
        assert_eq!(py_int("+3"), Some(3));
        assert_eq!(py_int("-1"), Some(-1));
        assert_eq!(py_int("1_000"), Some(1000));
        for bad in [
            "", " ", "1.5", "abc", "_1", "1_", "1__0", "--1", "0x10", "1e3", "+",
        ] {
            assert_eq!(py_int(bad), None, "{bad:?}");
        }
        assert_eq!(py_int("99999999999999999999999999999999999999999999"), None);
    }

    #[test]
    fn python_float_syntax() {
        assert_eq!(py_float("2"), Some(2.0));
        assert_eq!(py_float(" 2.5 "), Some(2.5));
        assert_eq!(py_float("1e1"), Some(10.0));
        assert_eq!(py_float("1_0.5"), Some(10.5));
        assert!(py_float("inf").unwrap().is_infinite());
        assert!(py_float("nan").unwrap().is_nan());
        assert_eq!(py_float("abc"), None);
        assert_eq!(py_float(""), None);
    }

    #[test]
    fn flag_spellings() {
        for t in ["true", "TRUE", "yes", "On", "1"] {
            assert_eq!(flag_value("k", t), Ok(true));
        }
        for f in ["false", "No", "off", "0"] {
            assert_eq!(flag_value("k", f), Ok(false));
        }
        let err = flag_value("LOCUST_HEADLESS", "abc").unwrap_err();
        assert_eq!(
            err.message,
            "rocust: error: Unexpected value for LOCUST_HEADLESS: 'abc'. Expecting 'true', 'false', 'yes', 'no', 'on', 'off', '1' or '0'"
        );
    }
}
