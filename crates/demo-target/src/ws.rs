//! `GET /ws`: a WebSocket echo server, for rocust's WebSocket client, its
//! example and its benchmark.
//!
//! hyper answers the upgrade request (101 and the accept key) and hands the
//! connection over; tokio-tungstenite does the framing. Text and binary
//! messages come back as they came; pings are answered with pongs.
//!
//! - The subprotocol `echo` is chosen when the client offers it; any other
//!   offer is left unanswered (a client that insists fails the handshake).
//! - `?strict` refuses (400) a handshake that does not offer `echo`.
//! - `?close_after=N` closes the connection (1000, "close_after") once N
//!   messages have been echoed: a connection the server ends.

use futures_util::{SinkExt, StreamExt};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::WebSocketStream;

use crate::routes::{reply, Reply, TEXT};
use crate::text::form_value;

/// The one subprotocol the server speaks.
pub const SUBPROTOCOL: &str = "echo";

/// What `/ws?...` asks of the server.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Refuse handshakes that do not offer [`SUBPROTOCOL`].
    pub strict: bool,
    /// Close after echoing this many messages.
    pub close_after: Option<u64>,
}

pub fn options(query: Option<&str>) -> Result<Options, String> {
    let query = query.unwrap_or("");
    let strict = query
        .split('&')
        .any(|p| p == "strict" || p.starts_with("strict="));
    let close_after = match form_value(query, "close_after")? {
        None => None,
        Some(n) => Some(
            n.parse()
                .map_err(|_| format!("invalid close_after '{n}': expected a number of messages"))?,
        ),
    };
    Ok(Options {
        strict,
        close_after,
    })
}

fn has_token<B>(req: &Request<B>, name: header::HeaderName, token: &str) -> bool {
    req.headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// Answers an upgrade request and starts echoing on the upgraded connection.
pub fn upgrade<B>(mut req: Request<B>) -> Reply {
    if req.method() != Method::GET {
        return reply(StatusCode::METHOD_NOT_ALLOWED, TEXT, "method not allowed\n");
    }
    let opts = match options(req.uri().query()) {
        Ok(o) => o,
        Err(e) => return reply(StatusCode::BAD_REQUEST, TEXT, format!("{e}\n")),
    };
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY);
    let is_upgrade = has_token(&req, header::UPGRADE, "websocket")
        && has_token(&req, header::CONNECTION, "upgrade")
        && req
            .headers()
            .get(header::SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
    let (true, Some(key)) = (is_upgrade, key) else {
        let mut res = reply(
            StatusCode::UPGRADE_REQUIRED,
            TEXT,
            "expected a WebSocket handshake (version 13)\n",
        );
        res.headers_mut()
            .insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        return res;
    };
    let accept = derive_accept_key(key.as_bytes());
    let echo_offered = has_token(&req, header::SEC_WEBSOCKET_PROTOCOL, SUBPROTOCOL);
    if opts.strict && !echo_offered {
        return reply(
            StatusCode::BAD_REQUEST,
            TEXT,
            format!("subprotocol '{SUBPROTOCOL}' required\n"),
        );
    }
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            echo(ws, opts.close_after).await;
        }
    });

    let mut res = reply(StatusCode::SWITCHING_PROTOCOLS, TEXT, "");
    let h = res.headers_mut();
    h.remove(header::CONTENT_TYPE);
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if echo_offered {
        h.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(SUBPROTOCOL),
        );
    }
    res
}

/// Echoes until the client leaves (tungstenite answers pings and closes
/// while reading), or closes after `close_after` messages.
async fn echo<S>(mut ws: WebSocketStream<S>, close_after: Option<u64>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut echoed = 0u64;
    if close_after == Some(0) {
        let _ = ws.close(Some(close_frame())).await;
    }
    while let Some(Ok(msg)) = ws.next().await {
        if !(msg.is_text() || msg.is_binary()) {
            continue;
        }
        if ws.send(msg).await.is_err() {
            return;
        }
        echoed += 1;
        if close_after == Some(echoed) {
            let _ = ws.close(Some(close_frame())).await;
        }
    }
}

fn close_frame() -> CloseFrame {
    CloseFrame {
        code: CloseCode::Normal,
        reason: "close_after".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_from_the_query() {
        assert_eq!(options(None).unwrap(), Options::default());
        assert_eq!(
            options(Some("strict&close_after=3")).unwrap(),
            Options {
                strict: true,
                close_after: Some(3)
            }
        );
        assert!(options(Some("strict=1")).unwrap().strict);
        assert!(!options(Some("nostrict")).unwrap().strict);
        assert!(options(Some("close_after=x")).is_err());
    }
}
