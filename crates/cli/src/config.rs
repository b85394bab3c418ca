//! Config files as Locust reads them (through ConfigArgParse): `locust.conf`
//! style files (`key = value`, `key: value`, `key value`, bare `flag`,
//! `[a, b]` lists, `#`/`;` comments, `[section]` and `---` lines ignored)
//! and TOML files (`*.toml`), whose `[tool.locust]` table is used.

use std::path::{Path, PathBuf};

use crate::error::CliError;

/// A value before it is converted for its option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RawValue {
    One(String),
    Many(Vec<String>),
}

/// One config file's settings, in file order (a later duplicate wins).
#[derive(Debug)]
pub(crate) struct ConfigFile {
    pub path: PathBuf,
    pub entries: Vec<(String, RawValue)>,
}

/// Reads a config file; TOML when its name ends in `.toml`.
pub(crate) fn read(path: &Path, label: &Path) -> Result<ConfigFile, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format_args!(
            "Unable to open config file: {}. Error: {e}",
            label.display()
        ))
    })?;
    let entries = if label.to_string_lossy().ends_with(".toml") {
        parse_toml(&text).map_err(|e| {
            CliError::usage(format_args!(
                "Couldn't parse TOML file {}: {e}",
                label.display()
            ))
        })?
    } else {
        parse_conf(&text, label)?
    };
    Ok(ConfigFile {
        path: label.to_path_buf(),
        entries,
    })
}

/// Parses the `locust.conf` syntax.
pub(crate) fn parse_conf(text: &str, label: &Path) -> Result<Vec<(String, RawValue)>, CliError> {
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';', '[']) || line.starts_with("---") {
            continue;
        }
        let Some((key, value)) = parse_conf_line(line) else {
            return Err(CliError::usage(format_args!(
                "Unexpected line {number} in {}: {line}",
                label.display()
            )));
        };
        entries.push((key.to_string(), list_or_string(value)));
    }
    Ok(entries)
}

/// Splits one (trimmed, non-comment) line into key and value, giving the
/// same results as ConfigArgParse's line regex: the key runs up to
/// whitespace or one of `:=;#`; the separator is `:`, `=` or whitespace; a
/// value may be quoted; ` #...` / ` ;...` after the value is a comment; a
/// bare key means `true`, and `key =` means an empty value.
fn parse_conf_line(line: &str) -> Option<(&str, String)> {
    let is_key_char = |c: char| !c.is_whitespace() && !matches!(c, ':' | '=' | ';' | '#');
    let key_end = line.find(|c: char| !is_key_char(c)).unwrap_or(line.len());
    if key_end == 0 {
        return None;
    }
    let key = &line[..key_end];
    let rest = &line[key_end..];
    if rest.is_empty() {
        return Some((key, "true".to_string()));
    }
    let after_ws = rest.trim_start();
    let had_ws = after_ws.len() < rest.len();
    let value_text = if let Some(stripped) = after_ws.strip_prefix([':', '=']) {
        stripped.trim_start()
    } else if had_ws {
        after_ws
    } else {
        // e.g. `key#x`: nothing can separate key and value
        return None;
    };
    Some((key, conf_value(value_text)))
}

/// Whether `tail` may follow a value: only whitespace, or whitespace and a
/// `#`/`;` comment.
fn is_value_tail(tail: &str) -> bool {
    let trimmed = tail.trim_start();
    trimmed.is_empty() || (trimmed.len() < tail.len() && trimmed.starts_with(['#', ';']))
}

fn conf_value(text: &str) -> String {
    if let Some(quote) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let inner = &text[1..];
        // shortest non-empty quoted value followed by a valid tail
        for (i, c) in inner.char_indices() {
            if i > 0 && c == quote && is_value_tail(&inner[i + 1..]) {
                return inner[..i].to_string();
            }
        }
        if inner.starts_with(quote) && is_value_tail(&inner[1..]) {
            return String::new();
        }
    }
    // shortest non-empty unquoted value followed by a valid tail
    for (i, _) in text.char_indices().skip(1) {
        if is_value_tail(&text[i..]) {
            return text[..i].to_string();
        }
    }
    text.to_string()
}

/// `[a, b]` becomes a list: JSON if it parses, else split on commas.
pub(crate) fn list_or_string(value: String) -> RawValue {
    if value.starts_with('[') && value.ends_with(']') {
        if let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&value) {
            return RawValue::Many(items.iter().map(json_str).collect());
        }
        return RawValue::Many(
            value[1..value.len() - 1]
                .split(',')
                .map(|s| s.trim().to_string())
                .collect(),
        );
    }
    RawValue::One(value)
}

/// Python's `str()` of a JSON-decoded value.
fn json_str(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Null => "None".to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if !n.is_i64() && !n.is_u64() => py_float(f),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// Parses a TOML file and returns its `[tool.locust]` settings (none when
/// the table is missing or empty).
pub(crate) fn parse_toml(text: &str) -> Result<Vec<(String, RawValue)>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let mut message = e.message().trim().to_string();
        if let Some(span) = e.span() {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            message = format!("{message} (at line {line}, column {column})");
        }
        message.replace('\n', " ")
    })?;
    let Some(toml::Value::Table(locust)) = table.get("tool").and_then(|tool| tool.get("locust"))
    else {
        return Ok(Vec::new());
    };
    Ok(locust
        .iter()
        .map(|(key, value)| {
            let raw = match value {
                toml::Value::Array(items) => RawValue::Many(items.iter().map(toml_str).collect()),
                other => RawValue::One(toml_str(other)),
            };
            (key.clone(), raw)
        })
        .collect())
}

/// Python's `str()` of a TOML value as `tomllib` decodes it.
fn toml_str(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => py_float(*f),
        toml::Value::Boolean(true) => "True".to_string(),
        toml::Value::Boolean(false) => "False".to_string(),
        toml::Value::Datetime(d) => d.to_string().replace('T', " "),
        toml::Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(toml_str).collect();
            format!("[{}]", inner.join(", "))
        }
        toml::Value::Table(t) => format!("{t}").replace('\n', " "),
    }
}

/// Python's `repr(float)`: shortest round-trip digits, `.0` on integral
/// values, exponent notation outside 1e-4..1e16.
pub(crate) fn py_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..16).contains(&exp) {
        let plain = format!("{f}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Option<(String, RawValue)> {
        parse_conf(line, Path::new("t.conf"))
            .ok()
            .and_then(|mut v| v.pop())
    }

    fn s(k: &str, v: &str) -> Option<(String, RawValue)> {
        Some((k.to_string(), RawValue::One(v.to_string())))
    }

    fn l(k: &str, v: &[&str]) -> Option<(String, RawValue)> {
        Some((
            k.to_string(),
            RawValue::Many(v.iter().map(|x| x.to_string()).collect()),
        ))
    }

    /// Expected results come from ConfigArgParse 1.9.0's
    /// DefaultConfigFileParser run on the same lines.
    #[test]
    fn lines_parse_like_configargparse() {
        assert_eq!(one("headless"), s("headless", "true"));
        assert_eq!(one("users = 5"), s("users", "5"));
        assert_eq!(one("users=5"), s("users", "5"));
        assert_eq!(one("users:5"), s("users", "5"));
        assert_eq!(one("users 5"), s("users", "5"));
        assert_eq!(one("users   =   5"), s("users", "5"));
        assert_eq!(one("host = \"http://x\"  # c"), s("host", "http://x"));
        assert_eq!(one("locustfile = 'a.py' ; c"), s("locustfile", "a.py"));
        assert_eq!(one("html = a#b"), s("html", "a#b"));
        assert_eq!(one("json-file = a #b"), s("json-file", "a"));
        assert_eq!(one("csv = 'x"), s("csv", "'x"));
        assert_eq!(one("users="), s("users", ""));
        assert_eq!(one("users:"), s("users", ""));
        assert_eq!(one("headless #c"), s("headless", "#c"));
        assert_eq!(one("key#x"), None);
        assert_eq!(one("key;x"), None);
        assert_eq!(one("=x"), None);
        assert_eq!(one(":x"), None);
        assert_eq!(one("key = ;comment"), s("key", ";comment"));
        assert_eq!(one("key = a # b # c"), s("key", "a"));
        assert_eq!(one("tags = [a, b c]"), l("tags", &["a", "b c"]));
        assert_eq!(one("tags = [\"a\", 1]"), l("tags", &["a", "1"]));
        assert_eq!(one("tags = [a"), s("tags", "[a"));
        assert_eq!(one("k = \"\""), s("k", ""));
        assert_eq!(one("k = ''"), s("k", ""));
        assert_eq!(one("k = \"a\" b\""), s("k", "a\" b"));
        assert_eq!(one("k = \"a b\" ;x"), s("k", "a b"));
        assert_eq!(one("k\tv"), s("k", "v"));
        assert_eq!(one("k = v ;"), s("k", "v"));
        assert_eq!(one("k = v #"), s("k", "v"));
        assert_eq!(one("k = a\""), s("k", "a\""));
        assert_eq!(one("--csv out"), s("--csv", "out"));
        assert_eq!(one("k=\"x\"#y"), s("k", "\"x\"#y"));
        assert_eq!(one("k = \"x\" #y"), s("k", "x"));
        assert_eq!(one("k: [1, 2]"), l("k", &["1", "2"]));
        assert_eq!(one("k = []"), l("k", &[]));
        assert_eq!(one("k = [ ]"), l("k", &[]));
        assert_eq!(one("k = [\"\"]"), l("k", &[""]));
        assert_eq!(one("k =  \"a\"\""), s("k", "a\""));
        assert_eq!(one("k==x"), s("k", "=x"));
        assert_eq!(one("k = =x"), s("k", "=x"));
        assert_eq!(one("k :=x"), s("k", "=x"));
        assert_eq!(one("k = é"), s("k", "é"));
    }

    #[test]
    fn comments_sections_and_blank_lines_are_skipped() {
        let text = "# c\n; c\n[section]\n---\n\n   users = 3  \nusers = 4\n";
        let entries = parse_conf(text, Path::new("x")).unwrap();
        assert_eq!(
            entries,
            vec![
                ("users".to_string(), RawValue::One("3".to_string())),
                ("users".to_string(), RawValue::One("4".to_string())),
            ]
        );
    }

    #[test]
    fn bad_line_names_file_and_line() {
        let err = parse_conf("users = 1\nkey#x\n", Path::new("my.conf")).unwrap_err();
        assert_eq!(
            err.message,
            "rocust: error: Unexpected line 1 in my.conf: key#x"
        );
        assert_eq!(err.exit_code, 2);
    }

    #[test]
    fn toml_values_become_python_strings() {
        let text = r#"
[tool.locust]
users = 5
spawn-rate = 1.5
headless = true
tags = ["a", "b c", 3]
run-time = "1m"
weird = 5.0
[tool.other]
x = 1
"#;
        let entries = parse_toml(text).unwrap();
        let get = |k: &str| {
            entries
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("users"), Some(RawValue::One("5".into())));
        assert_eq!(get("spawn-rate"), Some(RawValue::One("1.5".into())));
        assert_eq!(get("headless"), Some(RawValue::One("True".into())));
        assert_eq!(get("weird"), Some(RawValue::One("5.0".into())));
        assert_eq!(
            get("tags"),
            Some(RawValue::Many(vec!["a".into(), "b c".into(), "3".into()]))
        );
        assert_eq!(get("x"), None);
    }

    #[test]
    fn toml_without_locust_table_is_empty() {
        assert!(parse_toml("[tool.other]\nusers = 3\n").unwrap().is_empty());
        assert!(parse_toml("users = 3\n").unwrap().is_empty());
        assert!(parse_toml("[tool.locust]\n").unwrap().is_empty());
    }

    #[test]
    fn toml_errors_are_one_line() {
        let err = parse_toml("[tool.locust\n").unwrap_err();
        assert!(!err.contains('\n'), "{err}");
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(py_float(1.5), "1.5");
        assert_eq!(py_float(5.0), "5.0");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1e-5), "1e-05");
        assert_eq!(py_float(0.0001), "0.0001");
        assert_eq!(py_float(-2.5e20), "-2.5e+20");
        assert_eq!(py_float(f64::INFINITY), "inf");
    }
}
