//! `--json` and `--json-file`: the entries as Locust's dicts, formatted like
//! Python's `json.dumps(..., indent=4)` (ASCII only, floats as Python's repr).

use std::fs;
use std::io;
use std::path::Path;

use rocust_core::stats::pyfmt::python_float_repr;
use rocust_core::stats::{Number, StatsEntryDict};

/// A JSON value that keeps Python's distinctions (int versus float) and the
/// order of dict keys.
#[derive(Clone, Debug, PartialEq)]
pub enum PyJson {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<PyJson>),
    Dict(Vec<(String, PyJson)>),
}

impl From<Number> for PyJson {
    fn from(n: Number) -> Self {
        match n {
            Number::Int(i) => PyJson::Int(i),
            Number::Float(f) => PyJson::Float(f),
        }
    }
}

impl From<&str> for PyJson {
    fn from(s: &str) -> Self {
        PyJson::Str(s.to_owned())
    }
}

impl From<u64> for PyJson {
    fn from(v: u64) -> Self {
        PyJson::Int(v as i64)
    }
}

impl From<Option<f64>> for PyJson {
    fn from(v: Option<f64>) -> Self {
        v.map_or(PyJson::Null, PyJson::Float)
    }
}

fn int_keyed(map: &std::collections::BTreeMap<i64, u64>) -> PyJson {
    PyJson::Dict(
        map.iter()
            .map(|(k, v)| (k.to_string(), PyJson::Int(*v as i64)))
            .collect(),
    )
}

/// A stats entry dict in Locust's key order (int keys become strings).
pub fn entry_to_json(d: &StatsEntryDict) -> PyJson {
    PyJson::Dict(vec![
        ("name".into(), d.name.as_str().into()),
        ("method".into(), d.method.as_str().into()),
        (
            "last_request_timestamp".into(),
            d.last_request_timestamp.into(),
        ),
        ("start_time".into(), PyJson::Float(d.start_time)),
        ("num_requests".into(), d.num_requests.into()),
        ("num_none_requests".into(), d.num_none_requests.into()),
        ("num_failures".into(), d.num_failures.into()),
        ("total_response_time".into(), d.total_response_time.into()),
        ("max_response_time".into(), d.max_response_time.into()),
        (
            "min_response_time".into(),
            d.min_response_time.map_or(PyJson::Null, PyJson::from),
        ),
        ("total_content_length".into(), d.total_content_length.into()),
        ("response_times".into(), int_keyed(&d.response_times)),
        ("num_reqs_per_sec".into(), int_keyed(&d.num_reqs_per_sec)),
        ("num_fail_per_sec".into(), int_keyed(&d.num_fail_per_sec)),
    ])
}

/// Python's `json.dumps(value, indent=indent)`.
pub fn dumps(value: &PyJson, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, value, indent, 0);
    out
}

fn write_value(out: &mut String, v: &PyJson, indent: usize, level: usize) {
    match v {
        PyJson::Null => out.push_str("null"),
        PyJson::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        PyJson::Int(i) => out.push_str(&i.to_string()),
        PyJson::Float(f) => out.push_str(&json_float(*f)),
        PyJson::Str(s) => write_str(out, s),
        PyJson::List(items) if items.is_empty() => out.push_str("[]"),
        PyJson::Dict(items) if items.is_empty() => out.push_str("{}"),
        PyJson::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                newline(out, indent, level + 1, i > 0);
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level, false);
            out.push(']');
        }
        PyJson::Dict(items) => {
            out.push('{');
            for (i, (k, item)) in items.iter().enumerate() {
                newline(out, indent, level + 1, i > 0);
                write_str(out, k);
                out.push_str(": ");
                write_value(out, item, indent, level + 1);
            }
            newline(out, indent, level, false);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: usize, level: usize, comma: bool) {
    if comma {
        out.push(',');
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent * level));
}

fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".to_owned()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        python_float_repr(f)
    }
}

/// Python's `ensure_ascii` string encoding.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// The text `--json` prints to stdout (Locust's `print_stats_json`), newline
/// included. Pass `RequestStats::serialize_stats_and_reset` to reproduce
/// Locust exactly (it resets the entries it serializes), or
/// `RequestStats::serialize_stats` to leave the stats alone.
pub fn stats_json(entries: &[StatsEntryDict]) -> String {
    let list = PyJson::List(entries.iter().map(entry_to_json).collect());
    let mut s = dumps(&list, 4);
    s.push('\n');
    s
}

/// `--json-file NAME`: writes `NAME.json` (no trailing newline, like Locust's
/// `save_stats_json`), creating NAME's directory if missing.
pub fn write_json_file(name: &str, entries: &[StatsEntryDict]) -> io::Result<()> {
    if let Some(dir) = Path::new(name).parent() {
        if !dir.as_os_str().is_empty() {
            fs::create_dir_all(dir)?;
        }
    }
    let list = PyJson::List(entries.iter().map(entry_to_json).collect());
    fs::write(format!("{name}.json"), dumps(&list, 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dumps_like_python_json_with_indent_4() {
        let v = PyJson::List(vec![
            PyJson::Str("é\u{2028}\u{7f}\"\\\n\t\u{1}\u{8}\u{c}🎉 ok".into()),
            PyJson::Float(1e-05),
            PyJson::Float(1e16),
            PyJson::Float(f64::NAN),
            PyJson::Float(f64::INFINITY),
            PyJson::Null,
            PyJson::Bool(true),
            PyJson::Dict(vec![]),
            PyJson::List(vec![]),
            PyJson::Dict(vec![(
                "a".into(),
                PyJson::List(vec![PyJson::Int(1), PyJson::Float(2.5)]),
            )]),
        ]);
        // Python 3.11: json.dumps([...same values...], indent=4)
        let want = r#"[
    "\u00e9\u2028\u007f\"\\\n\t\u0001\b\f\ud83c\udf89 ok",
    1e-05,
    1e+16,
    NaN,
    Infinity,
    null,
    true,
    {},
    [],
    {
        "a": [
            1,
            2.5
        ]
    }
]"#;
        assert_eq!(dumps(&v, 4), want);
        assert_eq!(stats_json(&[]), "[]\n");
    }
}
