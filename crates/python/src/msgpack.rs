//! Python objects as the msgpack values of custom messages, converted as
//! Locust's `msgpack.dumps(..., default=encode)` and `msgpack.loads(...,
//! raw=False, strict_map_key=False, object_hook=decode)` do: datetimes
//! travel as `{"__datetime__": True, "as_str": "%Y%m%dT%H:%M:%S.%f"}`,
//! tuples as arrays, bytes as bin, any other type is refused.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use rmpv::Value;

const DATETIME_FORMAT: &str = "%Y%m%dT%H:%M:%S.%f";

/// Deeper nesting is refused (a cycle would otherwise never end).
const MAX_DEPTH: usize = 512;

pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    to_value_at(obj, 0)
}

fn to_value_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(PyTypeError::new_err("message data is nested too deeply"));
    }
    if obj.is_none() {
        return Ok(Value::Nil);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Boolean(b.is_true()));
    }
    if obj.cast::<PyInt>().is_ok() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(PyTypeError::new_err("Integer value out of range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::F64(f.value()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::from(s.to_cow()?.as_ref()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Binary(b.as_bytes().to_vec()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut entries = Vec::with_capacity(d.len());
        for (k, v) in d.iter() {
            entries.push((to_value_at(&k, depth + 1)?, to_value_at(&v, depth + 1)?));
        }
        return Ok(Value::Map(entries));
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let items: PyResult<Vec<Value>> = l.iter().map(|i| to_value_at(&i, depth + 1)).collect();
        return Ok(Value::Array(items?));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let items: PyResult<Vec<Value>> = t.iter().map(|i| to_value_at(&i, depth + 1)).collect();
        return Ok(Value::Array(items?));
    }
    let py = obj.py();
    let datetime = py.import("datetime")?.getattr("datetime")?;
    if obj.is_instance(&datetime)? {
        let text: String = obj
            .call_method1("strftime", (DATETIME_FORMAT,))?
            .extract()?;
        return Ok(Value::Map(vec![
            (Value::from("__datetime__"), Value::Boolean(true)),
            (Value::from("as_str"), Value::from(text)),
        ]));
    }
    let name = obj.get_type().name()?;
    Err(PyTypeError::new_err(format!(
        "can not serialize {:?} object",
        name.to_string()
    )))
}

pub fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Nil => py.None().into_bound(py),
        Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(n), _) => n.into_pyobject(py)?.into_any(),
            (None, Some(n)) => n.into_pyobject(py)?.into_any(),
            (None, None) => py.None().into_bound(py),
        },
        Value::F32(f) => PyFloat::new(py, *f as f64).into_any(),
        Value::F64(f) => PyFloat::new(py, *f).into_any(),
        Value::String(s) => match s.as_str() {
            Some(text) => PyString::new(py, text).into_any(),
            None => PyBytes::new(py, s.as_bytes()).into_any(),
        },
        Value::Binary(b) => PyBytes::new(py, b).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_python(py, item)?)?;
            }
            list.into_any()
        }
        Value::Map(entries) => {
            let dict = PyDict::new(py);
            for (k, v) in entries {
                dict.set_item(to_python(py, k)?, to_python(py, v)?)?;
            }
            object_hook(py, dict)?
        }
        Value::Ext(_, bytes) => PyBytes::new(py, bytes).into_any(),
    })
}

/// Locust's `decode`: maps marked `__datetime__` become datetimes.
fn object_hook<'py>(py: Python<'py>, dict: Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
    if dict.contains("__datetime__")? {
        if let Some(text) = dict.get_item("as_str")? {
            let datetime = py.import("datetime")?.getattr("datetime")?;
            return datetime.call_method1("strptime", (text, DATETIME_FORMAT));
        }
    }
    Ok(dict.into_any())
}
