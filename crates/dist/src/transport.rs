//! ZeroMQ sockets as Locust uses them: the master's ROUTER, each worker's
//! DEALER with its node id as identity. Built on the pure-Rust `zeromq`
//! crate, with what it lacks next to libzmq covered here:
//!
//! - Sends never block the caller: each side has a queue drained by its own
//!   task, bounded like libzmq's high-water mark (1000), dropping beyond it.
//! - The DEALER does not reconnect by itself: the link reconnects with the
//!   same identity after any error or disconnect, and keeps what was sent
//!   meanwhile queued (as libzmq does before a connection is up).
//! - TCP keepalive (Locust sets it on both sockets) is set on the master's
//!   listener, whose accepted connections inherit it.

use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use zeromq::prelude::*;
use zeromq::{DealerSocket, RouterSocket, SocketEvent, SocketOptions, ZmqMessage};

/// libzmq's default send high-water mark.
const HIGH_WATER_MARK: usize = 1000;

/// How long one send may wait for a peer's full queue before it is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(1);

/// Pause between connection attempts (libzmq retries every 100 ms; a worker
/// waiting for its master's Service to resolve needs no more than this).
const RECONNECT_PAUSE: Duration = Duration::from_millis(500);

/// What Locust sets on its sockets: keepalive after 30 s idle.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// The master's listening address for Locust's `--master-bind-host`: `*`
/// is every interface, IPv6 too when the machine has it.
fn bind_addresses(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    if host == "*" || host.is_empty() {
        return Ok(vec![
            SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, port)),
            SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, port)),
        ]);
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Ok((host, port).to_socket_addrs()?.collect())
}

fn listener(addr: SocketAddr) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, TcpKeepalive, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    if addr.is_ipv6() {
        // `*` on a dual-stack machine takes IPv4 too, as libzmq's IPV6 option does.
        socket.set_only_v6(false)?;
    }
    socket.set_reuse_address(true)?;
    socket.set_keepalive(true)?;
    socket.set_tcp_keepalive(&TcpKeepalive::new().with_time(KEEPALIVE_IDLE))?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// The master's ROUTER: messages in with the sender's identity; sends
/// through [`RouterSender`].
pub struct Router {
    incoming: zeromq::RouterRecvHalf,
    sender: RouterSender,
    local_addr: SocketAddr,
}

/// Sends to workers by identity; cheap to clone, never blocks.
#[derive(Clone)]
pub struct RouterSender {
    queue: mpsc::Sender<(Bytes, Vec<u8>)>,
}

impl RouterSender {
    /// Queues `payload` for the worker `identity`. A send to an identity
    /// that is not connected is dropped, as libzmq's ROUTER drops it.
    pub fn send(&self, identity: &str, payload: Vec<u8>) {
        let identity = Bytes::copy_from_slice(identity.as_bytes());
        if self.queue.try_send((identity, payload)).is_err() {
            log::debug!("Dropped a message: the master's send queue is full");
        }
    }
}

impl Router {
    /// Binds `host:port` (`*` for every interface, port 0 for any free port).
    pub async fn bind(host: &str, port: u16) -> io::Result<Router> {
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no address to bind");
        for addr in bind_addresses(host, port)? {
            match listener(addr) {
                Ok(listener) => return Self::adopt(listener).await,
                // No IPv6 on this machine: `*` falls back to IPv4.
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => return Err(e),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    async fn adopt(listener: TcpListener) -> io::Result<Router> {
        let local_addr = listener.local_addr()?;
        let mut socket = RouterSocket::new();
        socket
            .bind_listener(listener)
            .await
            .map_err(|e| io::Error::other(e.to_string()))?;
        let (mut send_half, recv_half) = socket.split();
        let (queue, mut outgoing) = mpsc::channel::<(Bytes, Vec<u8>)>(HIGH_WATER_MARK * 16);
        tokio::spawn(async move {
            while let Some((identity, payload)) = outgoing.recv().await {
                let mut message = ZmqMessage::from(payload);
                message.push_front(identity);
                match tokio::time::timeout(SEND_TIMEOUT, send_half.send(message)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => log::debug!("Could not send to a worker: {e}"),
                    Err(_) => log::debug!("Dropped a message to a worker that does not read"),
                }
            }
        });
        Ok(Router {
            incoming: recv_half,
            sender: RouterSender { queue },
            local_addr,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn sender(&self) -> RouterSender {
        self.sender.clone()
    }

    /// The next message: the sender's identity and the payload (frames after
    /// the first payload frame are ignored, as Locust ignores them).
    pub async fn recv(&mut self) -> Result<(Bytes, Bytes), String> {
        let message = self.incoming.recv().await.map_err(|e| e.to_string())?;
        let mut frames = message.into_vec().into_iter();
        let identity = frames.next().unwrap_or_default();
        let payload = frames.next().unwrap_or_default();
        Ok((identity, payload))
    }
}

/// What a worker's link reports.
#[derive(Debug)]
pub enum LinkEvent {
    /// Connected (again) to the master.
    Connected,
    /// The connection was lost or could not be made; the link goes on trying.
    Disconnected(String),
    Message(Bytes),
}

/// A worker's connection to its master: a DEALER with the worker's node id
/// as identity, kept connected by a task of its own. Cloning shares it.
#[derive(Clone)]
pub struct Link {
    outgoing: mpsc::Sender<Vec<u8>>,
    reset: mpsc::Sender<()>,
}

impl Link {
    /// Starts connecting to `host:port` in the background; the receiver
    /// gets what happens on the connection.
    pub fn connect(host: &str, port: u16, identity: &str) -> (Link, mpsc::Receiver<LinkEvent>) {
        let (outgoing, queued) = mpsc::channel(HIGH_WATER_MARK);
        let (reset, resets) = mpsc::channel(1);
        let (events_tx, events) = mpsc::channel(HIGH_WATER_MARK);
        let endpoint = endpoint(host, port);
        let identity = identity.to_owned();
        tokio::spawn(run_link(endpoint, identity, queued, resets, events_tx));
        (Link { outgoing, reset }, events)
    }

    /// Queues a payload; while disconnected it waits for the connection, and
    /// beyond the high-water mark it is dropped, as with libzmq.
    pub fn send(&self, payload: Vec<u8>) {
        if self.outgoing.try_send(payload).is_err() {
            log::debug!("Dropped a message: the send queue to the master is full");
        }
    }

    /// Drops the connection and makes a new one with the same identity.
    pub fn reset(&self) {
        let _ = self.reset.try_send(());
    }

    /// Resolves once everything queued so far has been handed to the
    /// socket, or after `limit`.
    pub async fn flush(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.outgoing.capacity() < self.outgoing.max_capacity()
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn endpoint(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("tcp://[{host}]:{port}")
    } else {
        format!("tcp://{host}:{port}")
    }
}

async fn run_link(
    endpoint: String,
    identity: String,
    mut queued: mpsc::Receiver<Vec<u8>>,
    mut resets: mpsc::Receiver<()>,
    events: mpsc::Sender<LinkEvent>,
) {
    let mut last_error = String::new();
    loop {
        let mut options = SocketOptions::default();
        options.connect_timeout(Duration::from_secs(5));
        match identity.as_bytes().to_vec().try_into() {
            Ok(id) => {
                options.peer_identity(id);
            }
            Err(e) => {
                let _ = events
                    .send(LinkEvent::Disconnected(format!("bad node id: {e}")))
                    .await;
                return;
            }
        }
        let mut socket = DealerSocket::with_options(options);
        let mut monitor = socket.monitor();
        if let Err(e) = socket.connect(&endpoint).await {
            let error = e.to_string();
            if error != last_error {
                log::debug!("Could not connect to the master at {endpoint}: {error}");
                last_error = error.clone();
            }
            if events.send(LinkEvent::Disconnected(error)).await.is_err() {
                return;
            }
            tokio::time::sleep(RECONNECT_PAUSE).await;
            continue;
        }
        last_error.clear();
        if events.send(LinkEvent::Connected).await.is_err() {
            return;
        }
        let (mut send_half, mut recv_half) = socket.split();
        let why = loop {
            tokio::select! {
                payload = queued.recv() => {
                    let Some(payload) = payload else { return };
                    if let Err(e) = send_half.send(ZmqMessage::from(payload)).await {
                        break e.to_string();
                    }
                }
                message = recv_half.recv() => match message {
                    Ok(message) => {
                        let payload = message.into_vec().into_iter().next().unwrap_or_default();
                        if events.send(LinkEvent::Message(payload)).await.is_err() {
                            return;
                        }
                    }
                    Err(e) => break e.to_string(),
                },
                event = monitor.next() => {
                    if let Some(SocketEvent::Disconnected(_)) | None = event {
                        break "the master closed the connection".to_owned();
                    }
                }
                _ = resets.recv() => break "reset".to_owned(),
            }
        };
        log::debug!("Connection to the master lost ({why}); reconnecting");
        if events.send(LinkEvent::Disconnected(why)).await.is_err() {
            return;
        }
        tokio::time::sleep(RECONNECT_PAUSE).await;
    }
}
