//! rocust's HTTP client: the Rust-native equivalent of Locust's
//! `HttpUser.client`.
//!
//! Each user owns an [`HttpSession`]: its own cookie jar and keep-alive
//! connections (HTTP/1.1 with its own small codec, HTTP/2 with hyper 1;
//! rustls for TLS). Every request is timed with a monotonic
//! clock, including reading and decoding the whole body, and recorded once
//! through the user's [`UserContext`](rocust_core::user::UserContext) with
//! Locust's naming and failure rules:
//!
//! ```no_run
//! # async fn task(client: &rocust_http::HttpSession) {
//! client.get("/items").query(&[("page", "2")]).send().await;
//! client.post("/login").json(&serde_json::json!({"user": "u"})).send().await;
//! client.get("/item/42").name("/item/[id]").send().await;
//! let mut r = client.get("/search").catch_response().send().await;
//! if !r.text().contains("results") {
//!     r.failure("no results");
//! }
//! # }
//! ```
//!
//! TLS settings ([`Tls`]: CA certificates, a client certificate, the
//! hostname check) are set per session or per request, like requests'
//! `verify=`/`cert=`; connections made with one setting never serve another.
//! A streamed request ([`RequestBuilder::stream`], Locust's `stream=True`)
//! is done at the response head and its body is read on demand:
//!
//! ```no_run
//! # async fn task(client: &rocust_http::HttpSession) {
//! let mut events = client.get("/events").stream().send().await;
//! while let Ok(Some(event)) = events.chunk().await {
//!     // each chunk as the server sends it
//! #   let _ = event;
//! }
//! # }
//! ```
//!
//! WebSockets: a [`WebSocketSession`] per user connects (`ws://`, or
//! `wss://` with the same TLS settings), sends and receives, and records
//! each connect, message and ping the same way, with request type `"WS"`:
//!
//! ```no_run
//! # async fn task(ws: &mut rocust_http::WebSocketSession) -> Result<(), rocust_http::WsError> {
//! if !ws.is_connected() {
//!     ws.connect("/ws").subprotocol("echo").await?; // recorded as "/ws"
//! }
//! ws.send_text("hello").await?; // "send"
//! let echo = ws.recv().await?; // "recv", with the time waited
//! # let _ = echo;
//! # Ok(())
//! # }
//! ```

mod builder;
mod connect;
mod decode;
mod failure;
mod h1;
mod hop;
mod outgoing;
mod response;
mod session;
mod stream;
mod target;
mod tls;
mod tls_verify;
mod transport;
mod wire;
mod ws;

pub use builder::{Caught, Recorded, RequestBuilder, Streamed, Unrecorded, UnrecordedStreamed};
pub use response::{CatchResponse, Redirect, Response, StreamedResponse};
pub use session::{HttpSession, InvalidHeader};
pub use stream::{BodyError, BodyStream};
pub use tls::{CaSource, ClientCert, Tls, TlsSettings, TlsVersion};
pub use ws::{
    Connect, LastRecord, Ping, Recording, Recv, SendMessage, WebSocketSession, WsError,
    WsErrorKind, WsMessage, DEFAULT_RECV_TIMEOUT,
};

pub use bytes::Bytes;
pub use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version};
pub use tokio_tungstenite::tungstenite::Utf8Bytes;

#[cfg(test)]
mod tests {
    use super::*;

    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}

    /// Engine threads run users on a LocalSet, so `Send` is not required;
    /// keeping it anyway lets a session be used on any tokio runtime.
    #[test]
    fn sessions_and_their_futures_are_send() {
        send_sync::<HttpSession>();
        send_sync::<Response>();
        let env = rocust_core::env::Environment::new(None);
        let recorder = env.stats.recorder();
        let ctx = rocust_core::user::UserContext::new(env, recorder, None, "U".into());
        let session = HttpSession::new(&ctx);
        send(&session.get("/").send());
        send(&session.post("/").catch_response().send());
    }
}
