//! Why a request failed, and the text rocust records for it.
//!
//! Texts follow what Locust's HttpUser records (the `repr` of the Python
//! exception raised by requests/urllib3), so failure tables read the same and
//! group the same way.

/// Python's `repr()` of a `str`, so error texts match Locust's byte for byte.
pub(crate) use rocust_core::stats::pyfmt::python_repr_str as py_repr;
use std::error::Error as StdError;
use std::fmt::Write as _;
use std::io;
use std::time::Duration;

/// A failure before a complete response was read.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Name resolution or TCP connect failed.
    Connect(io::Error),
    ConnectTimeout {
        host: String,
        timeout: Duration,
    },
    /// The TLS handshake failed.
    Tls(io::Error),
    ReadTimeout {
        tls: bool,
        host: String,
        port: u16,
        timeout: Duration,
    },
    /// Waiting for more of a streamed body timed out (requests raises
    /// urllib3's read timeout as a ConnectionError then).
    BodyTimeout {
        tls: bool,
        host: String,
        port: u16,
    },
    /// Sending the request or reading the response head failed (HTTP/1.1).
    Io(io::Error),
    /// The server closed the connection without answering (HTTP/1.1).
    Closed,
    /// Reading an HTTP/1.1 body failed after `read` bytes.
    BodyIo {
        error: io::Error,
        read: u64,
        expected: Option<u64>,
    },
    /// An HTTP/1.1 body ended early, after `read` bytes.
    BodyEof {
        read: u64,
        expected: Option<u64>,
    },
    /// Sending the request or reading the response head failed (HTTP/2).
    Head(hyper::Error),
    /// Reading the response body failed after `read` bytes.
    Body {
        error: hyper::Error,
        read: u64,
        expected: Option<u64>,
    },
    Decode(String),
    TooManyRedirects(usize),
    /// The whole failure text, already formatted (bad URL, bad header...).
    Text(String),
}

impl Failure {
    pub(crate) fn text(&self) -> String {
        match self {
            Failure::Connect(e) => io_error_repr(e),
            Failure::ConnectTimeout { host, timeout } => format!(
                "ConnectTimeoutError({})",
                py_repr(&format!(
                    "Connection to {host} timed out. (connect timeout={})",
                    secs(*timeout)
                ))
            ),
            Failure::Tls(e) => tls_repr(e),
            Failure::ReadTimeout {
                tls,
                host,
                port,
                timeout,
            } => {
                let pool = if *tls {
                    "HTTPSConnectionPool"
                } else {
                    "HTTPConnectionPool"
                };
                let inner = format!(
                    "{pool}(host={}, port={port}): Read timed out. (read timeout={})",
                    py_repr(host),
                    secs(*timeout)
                );
                format!("ReadTimeout(ReadTimeoutError({}))", py_repr(&inner))
            }
            Failure::BodyTimeout { tls, host, port } => {
                let pool = if *tls {
                    "HTTPSConnectionPool"
                } else {
                    "HTTPConnectionPool"
                };
                let inner = format!(
                    "{pool}(host={}, port={port}): Read timed out.",
                    py_repr(host)
                );
                format!("ConnectionError(ReadTimeoutError({}))", py_repr(&inner))
            }
            Failure::Io(e) => io_error_repr(e),
            Failure::Closed => remote_disconnected(),
            Failure::BodyIo {
                error,
                read,
                expected,
            } => body_cut_text(
                error.kind() == io::ErrorKind::UnexpectedEof,
                Some(error),
                *read,
                *expected,
            ),
            Failure::BodyEof { read, expected } => body_cut_text(true, None, *read, *expected),
            Failure::Head(e) => head_error_repr(e),
            Failure::Body {
                error,
                read,
                expected,
            } => body_error_repr(error, *read, *expected),
            Failure::Decode(encoding) => format!(
                "ContentDecodingError({})",
                py_repr(&format!(
                    "Received response with content-encoding: {encoding}, but failed to decode it."
                ))
            ),
            Failure::TooManyRedirects(n) => {
                format!(
                    "TooManyRedirects({})",
                    py_repr(&format!("Exceeded {n} redirects."))
                )
            }
            Failure::Text(t) => t.clone(),
        }
    }

    /// The server closed a kept-alive connection as it was reused: the
    /// request may be sent again on a new one.
    pub(crate) fn closed_before_answer(&self) -> bool {
        let io = match self {
            Failure::Closed => return true,
            Failure::Io(e) => e,
            Failure::Head(e) => {
                if e.is_canceled() || e.is_incomplete_message() || e.is_closed() {
                    return true;
                }
                match find_io_error(e) {
                    Some(io) => io,
                    None => return false,
                }
            }
            _ => return false,
        };
        matches!(
            io.kind(),
            io::ErrorKind::ConnectionReset
                | io::ErrorKind::BrokenPipe
                | io::ErrorKind::UnexpectedEof
        )
    }
}

fn remote_disconnected() -> String {
    format!(
        "RemoteDisconnected({})",
        py_repr("Remote end closed connection without response")
    )
}

/// Formats a timeout the way Python prints the number a user passed.
pub(crate) fn secs(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        d.as_secs_f64().to_string()
    }
}

/// requests' `raise_for_status` text; `url` is the request name, as Locust
/// swaps it in so failures group by name.
pub(crate) fn http_error_text(status: u16, reason: &str, url: &str) -> Option<String> {
    let kind = match status {
        400..=499 => "Client",
        500..=599 => "Server",
        _ => return None,
    };
    let msg = format!("{status} {kind} Error: {reason} for url: {url}");
    Some(format!("HTTPError({})", py_repr(&msg)))
}

/// Locust's text for `response.failure("msg")`.
pub(crate) fn catch_response_error_text(msg: &str) -> String {
    format!("CatchResponseError({})", py_repr(msg))
}

fn find_io_error<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a io::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn find_rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    let mut cur: Option<&(dyn StdError + 'static)> = e.get_ref().map(|inner| inner as _);
    while let Some(err) = cur {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        cur = err.source();
    }
    None
}

/// Python's `repr` of the `OSError` subclass that matches an I/O error.
pub(crate) fn io_error_repr(e: &io::Error) -> String {
    // After the handshake: the ssl module's error as is (requests'
    // ProtocolError around it is unwound by Locust).
    if let Some(tls) = find_rustls_error(e) {
        return ssl_module_repr(tls);
    }
    if is_ragged_eof(e) {
        return ssl_eof();
    }
    if let Some(code) = e.raw_os_error() {
        let class = match e.kind() {
            io::ErrorKind::ConnectionRefused => "ConnectionRefusedError",
            io::ErrorKind::ConnectionReset => "ConnectionResetError",
            io::ErrorKind::ConnectionAborted => "ConnectionAbortedError",
            io::ErrorKind::BrokenPipe => "BrokenPipeError",
            io::ErrorKind::TimedOut => "TimeoutError",
            io::ErrorKind::PermissionDenied => "PermissionError",
            _ => "OSError",
        };
        let full = io::Error::from_raw_os_error(code).to_string();
        let strerror = full
            .strip_suffix(&format!(" (os error {code})"))
            .unwrap_or(&full);
        return format!("{class}({code}, {})", py_repr(strerror));
    }
    let msg = e.to_string();
    if let Some(detail) = msg.strip_prefix("failed to lookup address information: ") {
        return gaierror_repr(detail);
    }
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return format!(
            "RemoteDisconnected({})",
            py_repr("Remote end closed connection without response")
        );
    }
    format!("OSError({})", py_repr(&msg))
}

/// Python's `socket.gaierror` for a getaddrinfo failure text.
pub(crate) fn gaierror_repr(detail: &str) -> String {
    let code = match detail {
        "Name or service not known" => Some(-2),
        "Temporary failure in name resolution" => Some(-3),
        "Non-recoverable failure in name resolution" => Some(-4),
        "No address associated with hostname" => Some(-5),
        _ => None,
    };
    match code {
        Some(c) => format!("gaierror({c}, {})", py_repr(detail)),
        None => format!("gaierror({})", py_repr(detail)),
    }
}

/// A failed TLS handshake: urllib3's SSLError around the ssl module's error.
fn tls_repr(e: &io::Error) -> String {
    if let Some(tls) = find_rustls_error(e) {
        return format!("SSLError({})", ssl_module_repr(tls));
    }
    if is_ragged_eof(e) || (e.kind() == io::ErrorKind::UnexpectedEof && e.raw_os_error().is_none())
    {
        return format!("SSLError({})", ssl_eof());
    }
    io_error_repr(e)
}

/// A TLS peer that closed without close_notify: Python's SSLEOFError.
fn is_ragged_eof(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::UnexpectedEof && e.to_string().contains("close_notify")
}

fn ssl_eof() -> String {
    format!(
        "SSLEOFError(8, {})",
        py_repr("EOF occurred in violation of protocol")
    )
}

/// The repr of the exception Python's ssl module raises for `e` (without
/// the `(_ssl.c:NNNN)` source position, which depends on the Python build).
fn ssl_module_repr(e: &rustls::Error) -> String {
    use rustls::AlertDescription as A;
    let openssl = |code: &str, text: &str| {
        format!("SSLError(1, {})", py_repr(&format!("[SSL: {code}] {text}")))
    };
    match e {
        rustls::Error::InvalidCertificate(c) => {
            let detail = certificate_detail(c);
            let msg =
                format!("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {detail}");
            format!("SSLCertVerificationError(1, {})", py_repr(&msg))
        }
        rustls::Error::AlertReceived(alert) => {
            let (code, text) = match alert {
                A::HandshakeFailure => (
                    "SSLV3_ALERT_HANDSHAKE_FAILURE",
                    "sslv3 alert handshake failure",
                ),
                A::BadCertificate => ("SSLV3_ALERT_BAD_CERTIFICATE", "sslv3 alert bad certificate"),
                A::CertificateUnknown => (
                    "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
                    "sslv3 alert certificate unknown",
                ),
                A::CertificateExpired => (
                    "SSLV3_ALERT_CERTIFICATE_EXPIRED",
                    "sslv3 alert certificate expired",
                ),
                A::CertificateRevoked => (
                    "SSLV3_ALERT_CERTIFICATE_REVOKED",
                    "sslv3 alert certificate revoked",
                ),
                A::UnknownCA => ("TLSV1_ALERT_UNKNOWN_CA", "tlsv1 alert unknown ca"),
                A::AccessDenied => ("TLSV1_ALERT_ACCESS_DENIED", "tlsv1 alert access denied"),
                A::DecryptError => ("TLSV1_ALERT_DECRYPT_ERROR", "tlsv1 alert decrypt error"),
                A::ProtocolVersion => (
                    "TLSV1_ALERT_PROTOCOL_VERSION",
                    "tlsv1 alert protocol version",
                ),
                A::InternalError => ("TLSV1_ALERT_INTERNAL_ERROR", "tlsv1 alert internal error"),
                A::UnrecognisedName => ("TLSV1_UNRECOGNIZED_NAME", "tlsv1 unrecognized name"),
                A::CertificateRequired => (
                    "TLSV13_ALERT_CERTIFICATE_REQUIRED",
                    "tlsv13 alert certificate required",
                ),
                other => return openssl("UNKNOWN_ALERT", &format!("alert {other:?}")),
            };
            openssl(code, text)
        }
        // A plain HTTP server on the other end.
        rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType) => {
            openssl("WRONG_VERSION_NUMBER", "wrong version number")
        }
        other => format!("SSLError(1, {})", py_repr(&other.to_string())),
    }
}

fn certificate_detail(c: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match c {
        C::Other(other) => match other.0.downcast_ref::<crate::tls_verify::VerifyFailed>() {
            Some(v) => v.0.clone(),
            None => format!("{other:?}"),
        },
        C::UnknownIssuer => "unable to get local issuer certificate".into(),
        C::Expired | C::ExpiredContext { .. } => "certificate has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "certificate is not yet valid".into(),
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "Hostname mismatch, certificate is not valid for this host.".into()
        }
        C::Revoked => "certificate revoked".into(),
        other => format!("{other:?}"),
    }
}

fn hyper_message(e: &hyper::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let _ = write!(msg, ": {s}");
        cur = s.source();
    }
    msg
}

fn head_error_repr(e: &hyper::Error) -> String {
    if let Some(io) = find_io_error(e) {
        return io_error_repr(io);
    }
    if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
        return remote_disconnected();
    }
    let msg = hyper_message(e);
    if e.is_parse_status() || e.is_parse_version_h2() || msg.contains("HTTP version") {
        return format!("BadStatusLine({})", py_repr(&msg));
    }
    if e.is_parse_too_large() {
        return format!("LineTooLong({})", py_repr(&msg));
    }
    if e.is_parse() {
        return format!("InvalidHeader({})", py_repr(&msg));
    }
    format!("ProtocolError({})", py_repr(&msg))
}

fn body_error_repr(e: &hyper::Error, read: u64, expected: Option<u64>) -> String {
    let io = find_io_error(e);
    let eof =
        e.is_incomplete_message() || io.is_some_and(|io| io.kind() == io::ErrorKind::UnexpectedEof);
    if !eof && io.is_none() {
        return format!(
            "ChunkedEncodingError(ProtocolError({}))",
            py_repr(&format!("Connection broken: {}", hyper_message(e)))
        );
    }
    body_cut_text(eof, io, read, expected)
}

/// requests' text for a body cut short: by the end of the stream (`eof`),
/// else by `io`.
fn body_cut_text(eof: bool, io: Option<&io::Error>, read: u64, expected: Option<u64>) -> String {
    let cause = if eof {
        match expected {
            Some(total) if total > read => format!(
                "IncompleteRead({read} bytes read, {} more expected)",
                total - read
            ),
            _ => format!("IncompleteRead({read} bytes read)"),
        }
    } else {
        io.map(io_error_repr).unwrap_or_default()
    };
    crate::wire::broken(&cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_repr_picks_quotes_like_python() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(py_repr("a\nb\\"), "'a\\nb\\\\'");
        assert_eq!(py_repr("\x01é"), "'\\x01é'");
    }

    #[test]
    fn http_error_matches_requests() {
        assert_eq!(
            http_error_text(404, "Not Found", "/missing?a=b").unwrap(),
            "HTTPError('404 Client Error: Not Found for url: /missing?a=b')"
        );
        assert_eq!(
            http_error_text(418, "I'm a teapot", "/t").unwrap(),
            "HTTPError(\"418 Client Error: I'm a teapot for url: /t\")"
        );
        assert_eq!(
            http_error_text(503, "Service Unavailable", "x").unwrap(),
            "HTTPError('503 Server Error: Service Unavailable for url: x')"
        );
        assert!(http_error_text(302, "Found", "x").is_none());
        assert!(http_error_text(600, "", "x").is_none());
    }

    #[test]
    fn os_errors_read_like_python() {
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(
            io_error_repr(&e),
            "ConnectionRefusedError(111, 'Connection refused')"
        );
        let e = io::Error::from_raw_os_error(104);
        assert_eq!(
            io_error_repr(&e),
            "ConnectionResetError(104, 'Connection reset by peer')"
        );
        let e = io::Error::other("failed to lookup address information: Name or service not known");
        assert_eq!(
            io_error_repr(&e),
            "gaierror(-2, 'Name or service not known')"
        );
    }

    #[test]
    fn timeouts_read_like_requests() {
        let f = Failure::ReadTimeout {
            tls: false,
            host: "127.0.0.1".into(),
            port: 8080,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(
            f.text(),
            "ReadTimeout(ReadTimeoutError(\"HTTPConnectionPool(host='127.0.0.1', port=8080): Read timed out. (read timeout=1)\"))"
        );
        let f = Failure::ConnectTimeout {
            host: "10.0.0.1".into(),
            timeout: Duration::from_millis(500),
        };
        assert_eq!(
            f.text(),
            "ConnectTimeoutError('Connection to 10.0.0.1 timed out. (connect timeout=0.5)')"
        );
        assert_eq!(
            Failure::TooManyRedirects(30).text(),
            "TooManyRedirects('Exceeded 30 redirects.')"
        );
    }

    #[test]
    fn catch_response_text() {
        assert_eq!(
            catch_response_error_text("bad body"),
            "CatchResponseError('bad body')"
        );
    }
}
