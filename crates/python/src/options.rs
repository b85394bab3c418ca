//! The command line for Python locustfiles: the same Rust parser as the
//! native binary, plus the custom options a locustfile declared through
//! `events.init_command_line_parser` (which Python's argparse then parses).

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rocust_cli::{CustomNargs, CustomOption, Options};

/// The parsed command line, kept in Rust for the run.
#[pyclass(frozen, module = "rocust._engine")]
pub struct ParsedOptions {
    pub options: Options,
    /// Custom options' arguments for Python's parser, in precedence order.
    #[pyo3(get)]
    custom_args: Vec<String>,
}

fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(f)) => f.into_pyobject(py)?.into_any(),
            _ => py.None().into_bound(py),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

#[pymethods]
impl ParsedOptions {
    /// Every option under Locust's `parsed_options` attribute name.
    fn namespace<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (name, value) in self.options.namespace() {
            dict.set_item(name, json_to_py(py, &value)?)?;
        }
        Ok(dict)
    }

    /// The locustfile paths (`-f`), comma-separated ones split.
    #[getter]
    fn locustfile(&self) -> &str {
        &self.options.locustfile
    }
}

/// One custom option from `argument_parser.describe_custom_options`.
fn custom_option(d: &Bound<'_, PyAny>) -> PyResult<CustomOption> {
    let nargs = d.get_item("nargs")?;
    let nargs = if nargs.is_none() {
        CustomNargs::One
    } else if let Ok(n) = nargs.extract::<i64>() {
        if n > 1 {
            CustomNargs::Many
        } else {
            CustomNargs::One
        }
    } else {
        match nargs.extract::<String>()?.as_str() {
            "?" => CustomNargs::Optional,
            "*" | "+" => CustomNargs::Many,
            _ => CustomNargs::One,
        }
    };
    Ok(CustomOption {
        option_strings: d.get_item("option_strings")?.extract()?,
        takes_value: d.get_item("takes_value")?.extract()?,
        nargs,
        append: d.get_item("append")?.extract()?,
        env_var: d.get_item("env_var")?.extract()?,
        help: d.get_item("help")?.extract()?,
        metavar: d.get_item("metavar")?.extract()?,
    })
}

/// This process's working directory, home directory and environment, where
/// the config files and `LOCUST_*` variables are looked up.
fn process_context() -> (PathBuf, Option<PathBuf>, impl Fn(&str) -> Option<String>) {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from);
    (cwd, home, |name: &str| std::env::var(name).ok())
}

/// `-f/--locustfile` from `argv` (program name first), `LOCUST_LOCUSTFILE`
/// and the config files, before the locustfile is imported: options the
/// locustfile will declare are tolerated (Locust's
/// `parse_locustfile_option`). Prints a usage error (an unreadable config
/// file) itself and returns the exit code then.
#[pyfunction]
pub fn locustfile_option(py: Python<'_>, argv: Vec<String>) -> PyResult<Py<PyAny>> {
    let (cwd, home, env) = process_context();
    let args = argv.get(1..).unwrap_or_default();
    match rocust_cli::locustfile_option(args, &env, &cwd, home.as_deref()) {
        Ok(locustfile) => Ok(locustfile.into_pyobject(py)?.into_any().unbind()),
        Err(e) => {
            e.print();
            Ok(e.exit_code.into_pyobject(py)?.into_any().unbind())
        }
    }
}

/// The options that decide which processes run, from `argv` (program name
/// first), the environment and the config files, before the locustfile is
/// imported: a dict of `master`, `master_bind_port`, `worker`,
/// `master_host`, `master_port` and `processes` (None, -1 or a count).
/// Prints a usage error itself and returns the exit code then.
#[pyfunction]
pub fn early_options(py: Python<'_>, argv: Vec<String>) -> PyResult<Py<PyAny>> {
    let (cwd, home, env) = process_context();
    let args = argv.get(1..).unwrap_or_default();
    match rocust_cli::early_options(args, &env, &cwd, home.as_deref()) {
        Ok(o) => {
            let d = pyo3::types::PyDict::new(py);
            d.set_item("master", o.master)?;
            d.set_item("master_bind_port", o.master_bind_port)?;
            d.set_item("worker", o.worker)?;
            d.set_item("master_host", o.master_host)?;
            d.set_item("master_port", o.master_port)?;
            let processes: Option<i64> = o.processes.map(|p| match p {
                rocust_cli::Processes::PerCpu => -1,
                rocust_cli::Processes::Count(n) => n as i64,
            });
            d.set_item("processes", processes)?;
            Ok(d.into_any().unbind())
        }
        Err(e) => {
            e.print();
            Ok(e.exit_code.into_pyobject(py)?.into_any().unbind())
        }
    }
}

/// Parses `argv` (program name first) with this process's environment and
/// config files. `custom` lists the locustfile's own options as
/// `describe_custom_options` gives them. Prints help, version or the usage
/// error itself and returns the exit code in those cases.
#[pyfunction]
#[pyo3(signature = (argv, custom = None))]
pub fn parse_args(
    py: Python<'_>,
    argv: Vec<String>,
    custom: Option<&Bound<'_, PyList>>,
) -> PyResult<Py<PyAny>> {
    let (cwd, home, env) = process_context();
    let custom: Vec<CustomOption> = match custom {
        Some(list) => list
            .iter()
            .map(|d| custom_option(&d))
            .collect::<PyResult<_>>()?,
        None => Vec::new(),
    };
    let parsed = rocust_cli::parse_with_custom(
        argv.into_iter().skip(1),
        &env,
        &cwd,
        home.as_deref(),
        &custom,
    )
    .and_then(|p| p.options.validate().map(|()| p));
    match parsed {
        Ok(p) => Ok(Bound::new(
            py,
            ParsedOptions {
                options: p.options,
                custom_args: p.custom_args,
            },
        )?
        .into_any()
        .unbind()),
        Err(e) => {
            e.print();
            Ok(e.exit_code.into_pyobject(py)?.into_any().unbind())
        }
    }
}
