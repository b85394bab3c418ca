//! A WebSocket load test: each user holds one connection to an echo server
//! and sends text and binary messages, reading each echo back, as a chat or
//! game client would.
//!
//! Aimed at the demo target's echo endpoint (`GET /ws`):
//!
//! ```text
//! rocust-demo-target &
//! websocket --headless -u 20 -r 5 -t 20s -H http://127.0.0.1:8080 EchoUser
//! ```
//!
//! Its user classes (name some on the command line to run only those, as
//! with `locust`; without names all four run):
//!
//! - `EchoUser`: connects with the `echo` subprotocol, then sends a text
//!   message (recorded as `send`, its echo as `recv`), a binary one (`send
//!   binary`, `recv binary`) or a ping, waiting 0.5 to 1 s between tasks.
//! - `FloodUser`: the same echoes without waiting: `bench/websocket.sh`'s user.
//! - `PushUser`: waits half a second for a server push that never comes,
//!   to show a receive timeout in the failures table.
//! - `OfflineUser`: connects to a loopback port nobody listens on, to show
//!   a refused connect there.
//!
//! Everything is recorded with request type `WS`; connects under the URL's
//! path (`/ws`).

use std::time::Duration;

use rocust::http::{Bytes, Utf8Bytes, WebSocketSession, WsError};
use rocust::prelude::*;

const TEXT: &str = "hello from rocust: a small chat message";
const BINARY: &[u8] = &[0x72, 0x6f, 0x63, 0x75, 0x73, 0x74, 0x00, 0x01, 0xfe, 0xff];
/// Nothing listens on port 1 of the loopback interface.
const OFFLINE_URL: &str = "ws://127.0.0.1:1/ws";
const PUSH_TIMEOUT: Duration = Duration::from_millis(500);

struct EchoUser {
    ws: WebSocketSession,
    /// Sent as clones: a message costs no copy of its payload.
    text: Utf8Bytes,
    binary: Bytes,
}

impl EchoUser {
    fn new(ctx: &UserContext) -> EchoUser {
        EchoUser {
            ws: WebSocketSession::new(ctx),
            text: Utf8Bytes::from_static(TEXT),
            binary: Bytes::from_static(BINARY),
        }
    }

    /// Connects unless connected: after a failure the next task reconnects.
    async fn connected(&mut self) -> Result<(), WsError> {
        if !self.ws.is_connected() {
            self.ws.connect("/ws").subprotocol("echo").await?;
        }
        Ok(())
    }

    async fn echo_text(&mut self) -> TaskResult {
        self.connected().await?;
        self.ws.send_text(self.text.clone()).await?;
        let echo = self.ws.recv().await?;
        if echo.as_text() != Some(TEXT) {
            return Err(TaskError::msg("the text echo differs from the message"));
        }
        Ok(())
    }

    async fn echo_binary(&mut self) -> TaskResult {
        self.connected().await?;
        self.ws
            .send_binary(self.binary.clone())
            .name("send binary")
            .await?;
        let echo = self.ws.recv().name("recv binary").await?;
        if echo.as_bytes() != BINARY {
            return Err(TaskError::msg("the binary echo differs from the message"));
        }
        Ok(())
    }

    async fn ping(&mut self) -> TaskResult {
        self.connected().await?;
        self.ws.ping().await?;
        Ok(())
    }

    async fn wait_for_push(&mut self) -> TaskResult {
        self.connected().await?;
        self.ws
            .recv()
            .name("push")
            .timeout(Some(PUSH_TIMEOUT))
            .await?;
        Ok(())
    }

    async fn connect_offline(&mut self) -> TaskResult {
        self.ws.connect(OFFLINE_URL).name("offline").await?;
        Ok(())
    }

    async fn on_stop(&mut self) -> TaskResult {
        self.ws.close().await;
        Ok(())
    }
}

fn main() {
    let echo_user = UserClass::new("EchoUser", EchoUser::new)
        .wait_time(between(0.5, 1.0))
        .weighted_task(4, EchoUser::echo_text)
        .weighted_task(2, EchoUser::echo_binary)
        .weighted_task(1, EchoUser::ping)
        .on_stop(EchoUser::on_stop);
    let flood_user = UserClass::new("FloodUser", EchoUser::new)
        .task(EchoUser::echo_text)
        .task(EchoUser::echo_binary)
        .on_stop(EchoUser::on_stop);
    let push_user = UserClass::new("PushUser", EchoUser::new)
        .wait_time(between(0.5, 1.0))
        .task(EchoUser::wait_for_push)
        .on_stop(EchoUser::on_stop);
    let offline_user = UserClass::new("OfflineUser", EchoUser::new)
        .wait_time(between(0.5, 1.0))
        .task(EchoUser::connect_offline);

    rocust::Rocust::new()
        .user(echo_user)
        .user(flood_user)
        .user(push_user)
        .user(offline_user)
        .main();
}
