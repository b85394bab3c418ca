//! A finished exchange as Python sees it before `clients.py` wraps it: the
//! attributes of the transport's RawResponse, converted only when read; a
//! streamed body's handle; and the TLS settings Python hands to requests.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use rocust_http::{CaSource, ClientCert, HeaderMap, Response, Tls, TlsSettings, TlsVersion};

use crate::http::{fast_http_error, FailRule, StreamSlot};

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
    /// A streamed response's body, still to read.
    stream: Option<Py<BodyStream>>,
}

impl RawResponse {
    pub fn new(
        response: Response,
        recorded: bool,
        rule: FailRule,
        stream: Option<Py<BodyStream>>,
    ) -> Self {
        Self {
            response,
            recorded,
            rule,
            stream,
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

    /// The body of a streamed response (read with `Engine.read_body`).
    #[getter]
    fn stream(&self, py: Python<'_>) -> Option<Py<BodyStream>> {
        self.stream.as_ref().map(|s| s.clone_ref(py))
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

/// A streamed response's body on its HTTP thread. Forgetting it (or
/// `close()`) closes the connection unless the body was read to its end.
#[pyclass(frozen, module = "rocust._engine")]
pub struct BodyStream {
    pub thread: usize,
    pub slot: Arc<StreamSlot>,
    chunked: bool,
}

impl BodyStream {
    pub fn new(thread: usize, body: rocust_http::BodyStream) -> Self {
        Self {
            thread,
            chunked: body.is_chunked(),
            slot: Arc::new(StreamSlot::new(body)),
        }
    }
}

#[pymethods]
impl BodyStream {
    /// Whether the body comes in chunks of its own (HTTP/1.1 chunked
    /// transfer coding, HTTP/2 frames), which `read_body(per_chunk=True)`
    /// hands out one at a time.
    #[getter]
    fn chunked(&self) -> bool {
        self.chunked
    }

    fn close(&self) {
        self.slot.close();
    }
}

fn tls_version(name: Option<&str>) -> PyResult<Option<TlsVersion>> {
    match name {
        None => Ok(None),
        Some("TLSv1_2") => Ok(Some(TlsVersion::Tls12)),
        Some("TLSv1_3") => Ok(Some(TlsVersion::Tls13)),
        Some(other) => Err(PyValueError::new_err(format!(
            "rocust supports TLS 1.2 and 1.3 only, not {other}"
        ))),
    }
}

/// A TLS setting for requests: how the server is verified and which client
/// certificate is shown. Equal settings share one handle, one rustls
/// configuration and one pool of connections.
#[pyclass(frozen, name = "Tls", module = "rocust._engine")]
pub struct PyTls(pub Tls);

#[pymethods]
impl PyTls {
    /// `default_roots` adds the bundled CA roots to the given ones; with no
    /// CA given at all, the bundled roots are used.
    #[new]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (verify = true, check_hostname = true, ca_files = Vec::new(), ca_dirs = Vec::new(), ca_data = Vec::new(), default_roots = false, cert_file = None, key_file = None, min_version = None, max_version = None))]
    fn new(
        verify: bool,
        check_hostname: bool,
        ca_files: Vec<PathBuf>,
        ca_dirs: Vec<PathBuf>,
        ca_data: Vec<Vec<u8>>,
        default_roots: bool,
        cert_file: Option<PathBuf>,
        key_file: Option<PathBuf>,
        min_version: Option<&str>,
        max_version: Option<&str>,
    ) -> PyResult<Self> {
        let given = !ca_files.is_empty() || !ca_dirs.is_empty() || !ca_data.is_empty();
        let mut roots = Vec::new();
        if default_roots && given {
            roots.push(CaSource::Bundled);
        }
        roots.extend(ca_files.into_iter().map(CaSource::File));
        roots.extend(ca_dirs.into_iter().map(CaSource::Dir));
        roots.extend(ca_data.into_iter().map(CaSource::Data));
        let client_cert = cert_file.map(|cert_file| ClientCert {
            cert_file,
            key_file,
        });
        Ok(PyTls(Tls::new(TlsSettings {
            verify,
            check_hostname: verify && check_hostname,
            roots,
            client_cert,
            min_version: tls_version(min_version)?,
            max_version: tls_version(max_version)?,
        })))
    }

    fn __repr__(&self) -> String {
        format!("<Tls {:?}>", self.0)
    }
}
