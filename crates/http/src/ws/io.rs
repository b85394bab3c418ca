//! The per-message path: sending, receiving and pinging as plain futures
//! over the session, recorded when they complete.
//!
//! Hand-written futures rather than `async fn`s so that a call can take a
//! name (`ws.send_text(t).name("chat").await`) without boxing a future per
//! message. Each polls tokio-tungstenite's `Sink`/`Stream` directly.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio::time::Sleep;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as TError, Message};
use tokio_tungstenite::WebSocketStream;

use super::failure::{self, Waiting, WsError};
use super::{WebSocketSession, WsMessage, PING, RECV, SEND};
use crate::connect::Socket;

type WsStream = WebSocketStream<Socket>;

/// Writes `msg` (when still there) and flushes it out.
fn poll_send(
    stream: &mut WsStream,
    msg: &mut Option<Message>,
    cx: &mut Context<'_>,
) -> Poll<Result<(), TError>> {
    if msg.is_some() {
        ready!(Pin::new(&mut *stream).poll_ready(cx))?;
        if let Some(m) = msg.take() {
            Pin::new(&mut *stream).start_send(m)?;
        }
    }
    Pin::new(stream).poll_flush(cx)
}

/// What reading brought, control frames other than pong and close skipped
/// (tungstenite answers pings itself).
enum Read {
    Data(WsMessage),
    Pong,
    Failed(WsError),
}

fn poll_read(stream: &mut WsStream, cx: &mut Context<'_>) -> Poll<Read> {
    loop {
        let item = ready!(Pin::new(&mut *stream).poll_next(cx));
        return Poll::Ready(match item {
            Some(Ok(Message::Text(t))) => Read::Data(WsMessage::Text(t)),
            Some(Ok(Message::Binary(b))) => Read::Data(WsMessage::Binary(b)),
            Some(Ok(Message::Pong(_))) => Read::Pong,
            Some(Ok(Message::Ping(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Close(frame))) => Read::Failed(closed(stream, frame, cx)),
            Some(Err(e)) => Read::Failed(failure::transfer(e)),
            None => Read::Failed(failure::lost()),
        });
    }
}

/// The server closed: answer its close frame if the socket takes it now
/// (tungstenite queued the answer), then report.
fn closed(stream: &mut WsStream, frame: Option<CloseFrame>, cx: &mut Context<'_>) -> WsError {
    let _ = Pin::new(stream).poll_flush(cx);
    failure::closed_by_server(frame.as_ref())
}

/// Whether a wait that began at `started` has run past `timeout`. The
/// session's one timer is armed for it only once the wait really waits
/// (`armed`), so messages that are already there cost no timer work.
fn timed_out(
    timer: &mut Option<Pin<Box<Sleep>>>,
    armed: &mut bool,
    started: Instant,
    timeout: Option<Duration>,
    cx: &mut Context<'_>,
) -> bool {
    let Some(timeout) = timeout else {
        return false;
    };
    let deadline = tokio::time::Instant::from_std(started + timeout);
    let timer = match timer {
        Some(t) if *armed => t,
        Some(t) => {
            t.as_mut().reset(deadline);
            t
        }
        None => timer.insert(Box::pin(tokio::time::sleep_until(deadline))),
    };
    *armed = true;
    timer.as_mut().poll(cx).is_ready()
}

/// A message being sent; await it. Resolves once the message is written
/// to the socket.
#[must_use = "a message is sent only when awaited"]
pub struct SendMessage<'a> {
    ws: &'a mut WebSocketSession,
    msg: Option<Message>,
    length: u64,
    name: Option<&'a str>,
    /// When the socket first made the send wait.
    blocked_at: Option<Instant>,
}

impl<'a> SendMessage<'a> {
    pub(super) fn new(ws: &'a mut WebSocketSession, msg: Message, length: u64) -> Self {
        SendMessage {
            ws,
            msg: Some(msg),
            length,
            name: None,
            blocked_at: None,
        }
    }

    /// The name the send is recorded under (default `"send"`).
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }
}

impl Future for SendMessage<'_> {
    type Output = Result<(), WsError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let result = match this.ws.conn.as_mut() {
            None => Err(failure::not_connected()),
            Some(conn) => match poll_send(&mut conn.stream, &mut this.msg, cx) {
                Poll::Pending => {
                    this.blocked_at.get_or_insert_with(Instant::now);
                    return Poll::Pending;
                }
                Poll::Ready(r) => r.map_err(failure::transfer),
            },
        };
        let elapsed = this.blocked_at.map_or(Duration::ZERO, |t| t.elapsed());
        let name = this.name.unwrap_or(SEND);
        Poll::Ready(match result {
            Ok(()) => {
                this.ws.record(name, elapsed, this.length, None);
                Ok(())
            }
            Err(e) => Err(this.ws.fail(name, elapsed, e)),
        })
    }
}

/// A receive; await it for the next text or binary message.
#[must_use = "nothing is received unless awaited"]
pub struct Recv<'a> {
    ws: &'a mut WebSocketSession,
    name: Option<&'a str>,
    timeout: Option<Duration>,
    started: Option<Instant>,
    armed: bool,
}

impl<'a> Recv<'a> {
    pub(super) fn new(ws: &'a mut WebSocketSession, timeout: Option<Duration>) -> Self {
        Recv {
            ws,
            name: None,
            timeout,
            started: None,
            armed: false,
        }
    }

    /// The name the message is recorded under (default `"recv"`).
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }

    /// This receive's limit instead of the session's (`None`: no limit).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }
}

impl Future for Recv<'_> {
    type Output = Result<WsMessage, WsError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let ws = &mut *this.ws;
        let started = *this.started.get_or_insert_with(Instant::now);
        let name = this.name.unwrap_or(RECV);
        let read = match (ws.pending.pop_front(), ws.conn.as_mut()) {
            (Some(msg), _) => Ok(msg),
            (None, None) => Err(failure::not_connected()),
            (None, Some(conn)) => loop {
                match poll_read(&mut conn.stream, cx) {
                    Poll::Ready(Read::Pong) => continue,
                    Poll::Ready(Read::Data(msg)) => break Ok(msg),
                    Poll::Ready(Read::Failed(e)) => break Err(e),
                    Poll::Pending => {
                        if !timed_out(&mut ws.timer, &mut this.armed, started, this.timeout, cx) {
                            return Poll::Pending;
                        }
                        let t = this.timeout.unwrap_or_default();
                        break Err(failure::timeout(Waiting::Recv, t));
                    }
                }
            },
        };
        let elapsed = started.elapsed();
        Poll::Ready(match read {
            Ok(msg) => {
                ws.record(name, elapsed, msg.len() as u64, None);
                Ok(msg)
            }
            Err(e) => Err(ws.fail(name, elapsed, e)),
        })
    }
}

/// A ping; await it for the round trip to its pong.
#[must_use = "nothing is sent unless awaited"]
pub struct Ping<'a> {
    ws: &'a mut WebSocketSession,
    name: Option<&'a str>,
    timeout: Option<Duration>,
    started: Option<Instant>,
    armed: bool,
    /// The ping until it is handed to the socket.
    msg: Option<Message>,
    flushed: bool,
}

impl<'a> Ping<'a> {
    pub(super) fn new(ws: &'a mut WebSocketSession, timeout: Option<Duration>) -> Self {
        Ping {
            ws,
            name: None,
            timeout,
            started: None,
            armed: false,
            msg: Some(Message::Ping(Bytes::new())),
            flushed: false,
        }
    }

    /// The name the ping is recorded under (default `"ping"`).
    pub fn name(mut self, name: &'a str) -> Self {
        self.name = Some(name);
        self
    }

    /// This ping's limit instead of the session's receive timeout.
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }
}

impl Future for Ping<'_> {
    type Output = Result<Duration, WsError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let ws = &mut *this.ws;
        let started = *this.started.get_or_insert_with(Instant::now);
        let name = this.name.unwrap_or(PING);
        let outcome = match ws.conn.as_mut() {
            None => Err(failure::not_connected()),
            Some(conn) => 'wait: {
                if !this.flushed {
                    match poll_send(&mut conn.stream, &mut this.msg, cx) {
                        Poll::Ready(Ok(())) => this.flushed = true,
                        Poll::Ready(Err(e)) => break 'wait Err(failure::transfer(e)),
                        Poll::Pending => {}
                    }
                }
                if this.flushed {
                    loop {
                        match poll_read(&mut conn.stream, cx) {
                            Poll::Ready(Read::Pong) => break 'wait Ok(()),
                            Poll::Ready(Read::Data(msg)) => ws.pending.push_back(msg),
                            Poll::Ready(Read::Failed(e)) => break 'wait Err(e),
                            Poll::Pending => break,
                        }
                    }
                }
                if !timed_out(&mut ws.timer, &mut this.armed, started, this.timeout, cx) {
                    return Poll::Pending;
                }
                let t = this.timeout.unwrap_or_default();
                Err(failure::timeout(Waiting::Pong, t))
            }
        };
        let elapsed = started.elapsed();
        Poll::Ready(match outcome {
            Ok(()) => {
                ws.record(name, elapsed, 0, None);
                Ok(elapsed)
            }
            Err(e) => Err(ws.fail(name, elapsed, e)),
        })
    }
}
