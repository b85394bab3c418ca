//! Opening connections: DNS, TCP, TLS with ALPN, and the socket type that
//! HTTP/1.1 keeps between requests.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::failure::{gaierror_repr, py_repr, Failure};
use crate::target::Origin;
use crate::tls;

/// What a connection is set up with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectOptions {
    pub verify: bool,
    pub http2: bool,
    pub connect_timeout: Option<Duration>,
}

/// An open connection to an origin: plain TCP or TLS.
pub(crate) struct Socket {
    stream: Stream,
    flags: Arc<IoFlags>,
    /// Writes are swallowed and reads wait until the next flush: hyper then
    /// writes a stand-in for a request that was already sent (see `h1`).
    replay: bool,
}

/// What happened on a socket while hyper owned it.
#[derive(Default, Debug)]
pub(crate) struct IoFlags {
    /// Bytes were written and not yet followed by a completed flush.
    unflushed: AtomicBool,
    /// Bytes were written since the last [`IoFlags::start_exchange`].
    wrote: AtomicBool,
    /// Bytes were read since the last [`IoFlags::start_exchange`].
    read_any: AtomicBool,
    /// A stand-in request was swallowed (see [`Socket::start_replay`]).
    replayed: AtomicBool,
}

impl IoFlags {
    /// Everything written was flushed.
    pub fn is_flushed(&self) -> bool {
        !self.unflushed.load(Ordering::Relaxed)
    }

    pub fn wrote(&self) -> bool {
        self.wrote.load(Ordering::Relaxed)
    }

    pub fn read_any(&self) -> bool {
        self.read_any.load(Ordering::Relaxed)
    }

    pub fn start_exchange(&self) {
        self.wrote.store(false, Ordering::Relaxed);
        self.read_any.store(false, Ordering::Relaxed);
    }

    fn note_write(&self, r: &Poll<io::Result<usize>>) {
        if let Poll::Ready(Ok(n)) = r {
            if *n > 0 {
                self.wrote.store(true, Ordering::Relaxed);
            }
        }
    }

    pub fn take_replayed(&self) -> bool {
        self.replayed.swap(false, Ordering::Relaxed)
    }
}

enum Stream {
    Tcp(TcpStream),
    /// Boxed: a TLS session is large and idle plain sockets should stay small.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Socket {
    fn new(stream: Stream) -> Socket {
        Socket {
            stream,
            flags: Arc::default(),
            replay: false,
        }
    }

    pub fn flags(&self) -> &Arc<IoFlags> {
        &self.flags
    }

    /// Whether TLS negotiated HTTP/2 through ALPN.
    pub fn is_h2(&self) -> bool {
        match &self.stream {
            Stream::Tcp(_) => false,
            Stream::Tls(t) => t.get_ref().1.alpn_protocol() == Some(b"h2"),
        }
    }

    /// Swallow the next request written, up to its flush.
    pub fn start_replay(&mut self) {
        self.replay = true;
    }

    /// Ready once the peer sent something (or closed).
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &self.stream {
            Stream::Tcp(s) => s.poll_read_ready(cx),
            Stream::Tls(s) => s.get_ref().0.poll_read_ready(cx),
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.replay {
            // Polled again once the stand-in request is flushed.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let before = buf.filled().len();
        let r = match &mut this.stream {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        };
        if buf.filled().len() > before {
            this.flags.read_any.store(true, Ordering::Relaxed);
        }
        r
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replay {
            return Poll::Ready(Ok(buf.len()));
        }
        this.flags.unflushed.store(true, Ordering::Relaxed);
        let r = match &mut this.stream {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        };
        this.flags.note_write(&r);
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replay {
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        this.flags.unflushed.store(true, Ordering::Relaxed);
        let r = match &mut this.stream {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        };
        this.flags.note_write(&r);
        r
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Stream::Tcp(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.replay {
            this.replay = false;
            this.flags.replayed.store(true, Ordering::Relaxed);
            return Poll::Ready(Ok(()));
        }
        let r = match &mut this.stream {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        };
        if let Poll::Ready(Ok(())) = r {
            this.flags.unflushed.store(false, Ordering::Relaxed);
        }
        r
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Connects to `origin`, within the connect timeout if there is one.
pub(crate) async fn connect(origin: &Origin, opts: ConnectOptions) -> Result<Socket, Failure> {
    match opts.connect_timeout {
        None => connect_inner(origin, opts).await,
        Some(t) => tokio::time::timeout(t, connect_inner(origin, opts))
            .await
            .unwrap_or_else(|_| {
                Err(Failure::ConnectTimeout {
                    host: origin.host.to_string(),
                    timeout: t,
                })
            }),
    }
}

async fn connect_inner(origin: &Origin, opts: ConnectOptions) -> Result<Socket, Failure> {
    let addrs: Vec<SocketAddr> = match origin.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, origin.port)],
        Err(_) => tokio::net::lookup_host((&*origin.host, origin.port))
            .await
            .map_err(Failure::Connect)?
            .collect(),
    };
    let mut last_err = None;
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let stream = match (stream, last_err) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(Failure::Connect(e)),
        (None, None) => {
            return Err(Failure::Text(gaierror_repr(
                "No address associated with hostname",
            )))
        }
    };
    // Small requests must not wait for Nagle's algorithm.
    let _ = stream.set_nodelay(true);
    if !origin.tls {
        return Ok(Socket::new(Stream::Tcp(stream)));
    }
    let config = tls::client_config(opts.verify, opts.http2).map_err(Failure::Text)?;
    let name = ServerName::try_from(origin.host.to_string()).map_err(|e| {
        Failure::Text(format!(
            "InvalidURL({})",
            py_repr(&format!("invalid TLS server name: {e}"))
        ))
    })?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(Failure::Tls)?;
    Ok(Socket::new(Stream::Tls(Box::new(tls))))
}
