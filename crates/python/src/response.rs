//! A finished exchange as Python sees it before `clients.py` wraps it: the
//! attributes of the transport's RawResponse, converted only when read.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rocust_http::{HeaderMap, Response};

use crate::http::{fast_http_error, FailRule};

fn header_list<'py>(py: Python<'py>, headers: &HeaderMap) -> PyResult<Bound<'py, PyList>> {
    let items: Vec<(&str, String)> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    PyList::new(py, items)
}

#[pyclass(frozen, module = "rocust._engine")]
pub struct RawResponse {
    response: Response,
    recorded: bool,
    /// FastHttpUser's error texts differ for some failures.
    rule: FailRule,
}

impl RawResponse {
    pub fn new(response: Response, recorded: bool, rule: FailRule) -> Self {
        Self {
            response,
            recorded,
            rule,
        }
    }
}

#[pymethods]
impl RawResponse {
    #[getter]
    fn status(&self) -> u16 {
        self.response.status()
    }

    #[getter]
    fn reason(&self) -> &str {
        self.response.reason()
    }

    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        header_list(py, self.response.headers())
    }

    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.response.bytes())
    }

    #[getter]
    fn url(&self) -> &str {
        self.response.url()
    }

    #[getter]
    fn history(&self) -> Vec<RawRedirect> {
        self.response
            .history()
            .iter()
            .map(|r| RawRedirect {
                status: r.status,
                url: r.url.clone(),
                reason: r.reason.clone(),
                headers: r
                    .headers
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_owned(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
            })
            .collect()
    }

    /// Seconds from the start to the last byte of the body.
    #[getter]
    fn elapsed(&self) -> f64 {
        self.response.elapsed().as_secs_f64()
    }

    /// Locust's text for a failure without any HTTP response.
    #[getter]
    fn error(&self) -> Option<String> {
        let text = self.response.connection_error()?;
        match self.rule {
            FailRule::FastHttp => {
                fast_http_error(text, self.response.url()).or_else(|| Some(text.to_owned()))
            }
            FailRule::Requests => Some(text.to_owned()),
        }
    }

    #[getter]
    fn recorded(&self) -> bool {
        self.recorded
    }

    #[getter]
    fn request_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        header_list(py, self.response.request_headers())
    }

    #[getter]
    fn start_time(&self) -> f64 {
        self.response.start_time()
    }

    fn __repr__(&self) -> String {
        format!("<RawResponse [{}]>", self.response.status())
    }
}

/// One redirect hop of a RawResponse's history.
#[pyclass(frozen, module = "rocust._engine")]
pub struct RawRedirect {
    #[pyo3(get)]
    status: u16,
    #[pyo3(get)]
    url: String,
    #[pyo3(get)]
    reason: String,
    #[pyo3(get)]
    headers: Vec<(String, String)>,
}

#[pymethods]
impl RawRedirect {
    #[getter]
    fn body<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, b"")
    }

    #[getter]
    fn history<'py>(&self, py: Python<'py>) -> Bound<'py, PyList> {
        PyList::empty(py)
    }
}
