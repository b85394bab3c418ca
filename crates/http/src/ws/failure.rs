//! Why a WebSocket operation failed, and the text rocust records for it.
//!
//! Locust has no WebSocket client of its own; its users reach for
//! websocket-client, and their failure tables show that library's
//! exceptions. The texts here are the Python `repr` of the same exception
//! classes (`WebSocketBadStatusException`, `WebSocketTimeoutException`,
//! `WebSocketConnectionClosedException`...) and of the socket errors
//! (`ConnectionRefusedError(111, 'Connection refused')`), with messages that
//! say what happened and stay the same from one occurrence to the next, so
//! failures group into a few rows.

use std::fmt;
use std::io;
use std::time::Duration;

use rocust_core::user::TaskError;
use tokio_tungstenite::tungstenite::error::{Error as TError, ProtocolError, SubProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::failure::{io_error_repr, py_repr, secs};

/// What kind of failure a [`WsError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WsErrorKind {
    /// No connection: a bad URL, DNS, a refused or timed out TCP connect, TLS.
    Connect,
    /// The server answered the upgrade request with this status, not 101.
    Status(u16),
    /// The server chose no subprotocol, or one that was not offered.
    Subprotocol,
    /// Another handshake failure (a bad answer, or none in time).
    Handshake,
    /// Nothing arrived in time. The connection stays open.
    Timeout,
    /// The server closed the connection, or it broke.
    Closed,
    /// There was no open connection to use.
    NotConnected,
    /// The peer broke the WebSocket protocol, or a message was too large.
    Protocol,
}

/// A failed WebSocket operation. It is already recorded in the statistics,
/// under [`text`](WsError::text), when the caller gets it.
///
/// It converts into [`TaskError::RescheduleTask`] with `?`: the task stops
/// there and the user waits for its next one, without the second report an
/// exception would make (which is why this type is not a
/// `std::error::Error`: those become [`TaskError::Exception`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsError {
    kind: WsErrorKind,
    text: String,
}

impl WsError {
    pub(crate) fn new(kind: WsErrorKind, text: String) -> WsError {
        WsError { kind, text }
    }

    pub fn kind(&self) -> WsErrorKind {
        self.kind
    }

    /// The failure text, as recorded (Python's `repr` of the exception).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A timeout leaves the connection open; every other failure closes it.
    pub fn is_timeout(&self) -> bool {
        self.kind == WsErrorKind::Timeout
    }
}

impl fmt::Display for WsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<WsError> for TaskError {
    fn from(_: WsError) -> TaskError {
        TaskError::RescheduleTask
    }
}

fn exception(class: &str, message: &str) -> String {
    format!("{class}({})", py_repr(message))
}

/// What was being waited for when a timeout struck.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Waiting {
    Handshake,
    Recv,
    Pong,
}

pub(crate) fn timeout(waiting: Waiting, after: Duration) -> WsError {
    let what = match waiting {
        Waiting::Handshake => "handshake",
        Waiting::Recv => "recv",
        Waiting::Pong => "ping",
    };
    WsError::new(
        WsErrorKind::Timeout,
        exception(
            "WebSocketTimeoutException",
            &format!("{what} timed out (timeout={})", secs(after)),
        ),
    )
}

/// websocket-client's text for using a socket that is not open.
pub(crate) fn not_connected() -> WsError {
    WsError::new(
        WsErrorKind::NotConnected,
        exception(
            "WebSocketConnectionClosedException",
            "Connection is already closed.",
        ),
    )
}

/// websocket-client's text for a connection that ended without a close frame.
pub(crate) fn lost() -> WsError {
    WsError::new(
        WsErrorKind::Closed,
        exception(
            "WebSocketConnectionClosedException",
            "Connection to remote host was lost.",
        ),
    )
}

/// The server sent a close frame.
pub(crate) fn closed_by_server(frame: Option<&CloseFrame>) -> WsError {
    let message = match frame {
        None => "Connection closed by the server".to_owned(),
        Some(f) if f.reason.is_empty() => {
            format!(
                "Connection closed by the server (code {})",
                u16::from(f.code)
            )
        }
        Some(f) => format!(
            "Connection closed by the server (code {}: {})",
            u16::from(f.code),
            f.reason.as_str()
        ),
    };
    WsError::new(
        WsErrorKind::Closed,
        exception("WebSocketConnectionClosedException", &message),
    )
}

/// A failure before the handshake: the text the HTTP client records for it.
pub(crate) fn connect(text: String) -> WsError {
    WsError::new(WsErrorKind::Connect, text)
}

/// A failed handshake; `offered` are the subprotocols the client asked for.
pub(crate) fn handshake(e: TError, offered: &[&str]) -> WsError {
    match e {
        TError::Http(response) => {
            let status = response.status();
            WsError::new(
                WsErrorKind::Status(status.as_u16()),
                exception(
                    "WebSocketBadStatusException",
                    format!(
                        "Handshake status {} {}",
                        status.as_u16(),
                        status.canonical_reason().unwrap_or("")
                    )
                    .trim_end(),
                ),
            )
        }
        TError::Protocol(ProtocolError::SecWebSocketSubProtocolError(why)) => {
            let offered = offered.join(", ");
            let message = match why {
                SubProtocolError::NoSubProtocol => {
                    format!("Invalid subprotocol: the server chose none of {offered}")
                }
                SubProtocolError::InvalidSubProtocol => {
                    format!("Invalid subprotocol: the server chose one not in {offered}")
                }
                SubProtocolError::ServerSentSubProtocolNoneRequested => {
                    "Invalid subprotocol: the server chose one, none was offered".to_owned()
                }
            };
            WsError::new(
                WsErrorKind::Subprotocol,
                exception("WebSocketException", &message),
            )
        }
        TError::Io(e) => WsError::new(WsErrorKind::Handshake, io_text(&e)),
        other => WsError::new(
            WsErrorKind::Handshake,
            exception("WebSocketException", &format!("Handshake failed: {other}")),
        ),
    }
}

/// A failure reading or writing messages on an open connection.
pub(crate) fn transfer(e: TError) -> WsError {
    match e {
        TError::ConnectionClosed
        | TError::AlreadyClosed
        | TError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => lost(),
        TError::Io(e) => WsError::new(WsErrorKind::Closed, io_text(&e)),
        TError::Capacity(e) => WsError::new(
            WsErrorKind::Protocol,
            exception("WebSocketPayloadException", &e.to_string()),
        ),
        TError::Utf8(e) => WsError::new(
            WsErrorKind::Protocol,
            exception("WebSocketPayloadException", &format!("invalid UTF-8: {e}")),
        ),
        other => WsError::new(
            WsErrorKind::Protocol,
            exception("WebSocketProtocolException", &other.to_string()),
        ),
    }
}

/// A socket error as Python's `OSError` subclasses print; an end of stream
/// is websocket-client's lost connection.
fn io_text(e: &io::Error) -> String {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        return lost().text;
    }
    io_error_repr(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    #[test]
    fn texts_read_like_websocket_client() {
        assert_eq!(
            timeout(Waiting::Recv, Duration::from_millis(500)).text(),
            "WebSocketTimeoutException('recv timed out (timeout=0.5)')"
        );
        assert_eq!(
            timeout(Waiting::Pong, Duration::from_secs(2)).text(),
            "WebSocketTimeoutException('ping timed out (timeout=2)')"
        );
        assert_eq!(
            not_connected().text(),
            "WebSocketConnectionClosedException('Connection is already closed.')"
        );
        assert_eq!(
            lost().text(),
            "WebSocketConnectionClosedException('Connection to remote host was lost.')"
        );
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "bye".into(),
        };
        assert_eq!(
            closed_by_server(Some(&frame)).text(),
            "WebSocketConnectionClosedException('Connection closed by the server (code 1000: bye)')"
        );
        assert_eq!(
            closed_by_server(None).text(),
            "WebSocketConnectionClosedException('Connection closed by the server')"
        );
    }

    #[test]
    fn handshake_failures_name_the_status_and_the_subprotocols() {
        let response = http::Response::builder().status(403).body(None).unwrap();
        let e = handshake(TError::Http(Box::new(response)), &[]);
        assert_eq!(e.kind(), WsErrorKind::Status(403));
        assert_eq!(
            e.text(),
            "WebSocketBadStatusException('Handshake status 403 Forbidden')"
        );
        let e = handshake(
            TError::Protocol(ProtocolError::SecWebSocketSubProtocolError(
                SubProtocolError::NoSubProtocol,
            )),
            &["chat", "v2"],
        );
        assert_eq!(e.kind(), WsErrorKind::Subprotocol);
        assert_eq!(
            e.text(),
            "WebSocketException('Invalid subprotocol: the server chose none of chat, v2')"
        );
        let refused = io::Error::from_raw_os_error(libc::ECONNREFUSED);
        assert_eq!(
            handshake(TError::Io(refused), &[]).text(),
            "ConnectionRefusedError(111, 'Connection refused')"
        );
    }

    #[test]
    fn a_task_ending_on_a_failure_is_rescheduled_not_reported_again() {
        let e: TaskError = lost().into();
        assert!(matches!(e, TaskError::RescheduleTask));
        assert!(!not_connected().is_timeout());
        assert!(timeout(Waiting::Recv, Duration::from_secs(1)).is_timeout());
    }
}
