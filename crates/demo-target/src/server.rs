//! Accept loop, per-connection HTTP/1.1 serving with keep-alive, and graceful shutdown.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, watch};

use crate::routes;

/// How long in-flight requests get to finish once a stop signal arrives.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections that may wait to be accepted: tokio's default (1024) drops
/// SYNs when thousands of users connect at once (a fast spawn), and each drop
/// costs its user a second or more. The kernel caps it at `somaxconn`.
const BACKLOG: u32 = 65535;

fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Binds, prints the `listening on` line, serves until SIGINT/SIGTERM, then drains connections.
pub async fn run(addr: SocketAddr) -> io::Result<()> {
    let listener =
        listen(addr).map_err(|e| io::Error::new(e.kind(), format!("cannot bind {addr}: {e}")))?;
    let local = listener.local_addr()?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "listening on http://{local}")?;
        out.flush()?;
    }

    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection task holds a clone; recv() returns None once all of them are gone.
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let mut stop = Box::pin(stop_signal());
    let mut accept_error_reported = false;

    loop {
        let stream = tokio::select! {
            res = &mut stop => {
                res?;
                break;
            }
            res = listener.accept() => match res {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Typically EMFILE: back off instead of spinning, and say so once.
                    if !accept_error_reported {
                        eprintln!("rocust-demo-target: accept failed: {e} (will keep retrying)");
                        accept_error_reported = true;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let mut stop_rx = stop_rx.clone();
        let alive = alive_tx.clone();
        tokio::spawn(async move {
            let conn = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service_fn(routes::handle))
                // GET /ws hands its connection over to the WebSocket echo.
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop_rx.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(alive);
        });
    }

    drop(listener);
    let _ = stop_tx.send(true);
    drop(alive_tx);
    let _ = tokio::time::timeout(DRAIN_TIMEOUT, alive_rx.recv()).await;
    Ok(())
}

async fn stop_signal() -> io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
