//! WebSocket clients for Python users (`locust.contrib.websocket`): each
//! lives on the HTTP thread of the session it was made from and runs one
//! operation at a time there; results go back through the bridge like HTTP
//! responses.
//!
//! The client records a success itself when Python says no listener needs
//! the request event (`record`); everything else Python fires, with the
//! outcome this module hands back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};
use rocust_http::{Recording, WebSocketSession, WsMessage};

use crate::bridge::{Bridge, HttpDone, HttpOutcome};
use crate::http::{HttpThreads, Work};

pub const WS_SEND: u8 = 0;
pub const WS_RECV: u8 = 1;
pub const WS_PING: u8 = 2;
pub const WS_CLOSE: u8 = 3;

/// A client between operations. The async mutex is only ever taken on its
/// own HTTP thread, so it orders a user's operations without blocking it.
pub struct WsSlot {
    session: tokio::sync::Mutex<WebSocketSession>,
    connected: AtomicBool,
    subprotocol: Mutex<Option<String>>,
}

/// `rocust._engine.WebSocket`: Python's handle on a client.
#[pyclass(frozen, module = "rocust._engine")]
pub struct WebSocket {
    pub thread: usize,
    pub slot: Arc<WsSlot>,
}

impl WebSocket {
    pub fn new(thread: usize, session: WebSocketSession) -> Self {
        WebSocket {
            thread,
            slot: Arc::new(WsSlot {
                session: tokio::sync::Mutex::new(session),
                connected: AtomicBool::new(false),
                subprotocol: Mutex::new(None),
            }),
        }
    }
}

impl WebSocket {
    /// Hands `op` to the client's HTTP thread; false once the threads stopped.
    pub fn submit(
        &self,
        http: &HttpThreads,
        id: u64,
        op: WsOp,
        name: Option<String>,
        record: bool,
    ) -> bool {
        let job = WsJob {
            id,
            slot: self.slot.clone(),
            op,
            name,
            record,
        };
        http.submit(self.thread, Work::WebSocket(job))
    }
}

#[pymethods]
impl WebSocket {
    /// The subprotocol the server chose for the open connection.
    #[getter]
    fn subprotocol(&self) -> Option<String> {
        self.slot
            .subprotocol
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    #[getter]
    fn connected(&self) -> bool {
        self.slot.connected.load(Ordering::Acquire)
    }
}

pub enum WsOp {
    Connect {
        url: String,
        headers: Vec<(String, String)>,
        subprotocols: Vec<String>,
        timeout: Option<Duration>,
    },
    SendText(String),
    SendBinary(Vec<u8>),
    Recv(Option<Duration>),
    Ping(Option<Duration>),
    Close,
}

impl WsOp {
    /// `Engine.ws_io`'s operation: `data` (str or bytes) for a send.
    pub fn of(op: u8, data: Option<&Bound<'_, PyAny>>, timeout: Option<f64>) -> PyResult<WsOp> {
        let timeout = timeout_of(timeout);
        Ok(match (op, data) {
            (WS_SEND, Some(d)) => {
                match d.extract::<String>() {
                    Ok(text) => WsOp::SendText(text),
                    Err(_) => WsOp::SendBinary(d.extract::<Vec<u8>>().map_err(|_| {
                        PyTypeError::new_err("a WebSocket message is a str or bytes")
                    })?),
                }
            }
            (WS_RECV, _) => WsOp::Recv(timeout),
            (WS_PING, _) => WsOp::Ping(timeout),
            (WS_CLOSE, _) => WsOp::Close,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "bad WebSocket operation {op}"
                )))
            }
        })
    }
}

pub struct WsJob {
    pub id: u64,
    pub slot: Arc<WsSlot>,
    pub op: WsOp,
    pub name: Option<String>,
    pub record: bool,
}

/// What Python gets: the row name, the failure text, the response time
/// (ms), the length and the message received.
pub struct WsDone {
    name: String,
    error: Option<String>,
    response_time: f64,
    length: u64,
    message: Option<WsMessage>,
}

impl WsDone {
    pub fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let message: Bound<'py, PyAny> = match &self.message {
            None => py.None().into_bound(py),
            Some(WsMessage::Text(t)) => PyString::new(py, t.as_str()).into_any(),
            Some(WsMessage::Binary(b)) => PyBytes::new(py, b).into_any(),
        };
        (
            self.name,
            self.error,
            self.response_time,
            self.length,
            message,
        )
            .into_pyobject(py)
    }
}

/// A timeout from Python: None keeps the client's default (60 s).
pub fn timeout_of(seconds: Option<f64>) -> Option<Duration> {
    seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
}

pub async fn run(job: WsJob, bridge: Arc<Bridge>) {
    let WsJob {
        id,
        slot,
        op,
        name,
        record,
    } = job;
    let mut ws = slot.session.lock().await;
    ws.set_recording(if record {
        Recording::Successes
    } else {
        Recording::Off
    });
    let mut message = None;
    let named = |default: &'static str| name.as_deref().unwrap_or(default);
    match op {
        WsOp::Connect {
            url,
            headers,
            subprotocols,
            timeout,
        } => {
            ws.set_connect_timeout(timeout);
            let mut connect = ws.connect(url);
            for (n, v) in &headers {
                connect = connect.header(n, v);
            }
            for p in subprotocols {
                connect = connect.subprotocol(p);
            }
            if let Some(n) = &name {
                connect = connect.name(n.clone());
            }
            let _ = connect.await;
        }
        WsOp::SendText(text) => {
            let _ = ws.send_text(text).name(named("send")).await;
        }
        WsOp::SendBinary(data) => {
            let _ = ws.send_binary(data).name(named("send")).await;
        }
        WsOp::Recv(timeout) => {
            let default = ws.recv_timeout();
            message = ws
                .recv()
                .name(named("recv"))
                .timeout(timeout.or(default))
                .await
                .ok();
        }
        WsOp::Ping(timeout) => {
            let default = ws.recv_timeout();
            let _ = ws
                .ping()
                .name(named("ping"))
                .timeout(timeout.or(default))
                .await;
        }
        WsOp::Close => ws.close().await,
    }
    let done = match ws.take_last_record() {
        Some(last) => WsDone {
            name: last.name,
            error: last.error,
            response_time: last.response_time.as_secs_f64() * 1000.0,
            length: last.length,
            message,
        },
        // A close: nothing recorded.
        None => WsDone {
            name: String::new(),
            error: None,
            response_time: 0.0,
            length: 0,
            message: None,
        },
    };
    slot.connected.store(ws.is_connected(), Ordering::Release);
    *slot.subprotocol.lock().unwrap_or_else(|e| e.into_inner()) = ws.subprotocol().map(Into::into);
    drop(ws);
    bridge.push_http(HttpDone {
        id,
        outcome: HttpOutcome::WebSocket(Box::new(done)),
    });
}
