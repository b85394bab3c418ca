//! Opening connections: DNS, TCP, TLS with ALPN, and the socket type that
//! HTTP/1.1 keeps between requests.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::failure::{gaierror_repr, py_repr, Failure};
use crate::target::Origin;
use crate::tls::Tls;

/// What a connection is set up with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnectOptions<'a> {
    /// Used only for https origins.
    pub tls: &'a Tls,
    pub http2: bool,
    pub connect_timeout: Option<Duration>,
}

/// An open connection to an origin: plain TCP or TLS.
pub(crate) struct Socket {
    stream: Stream,
}

enum Stream {
    Tcp(TcpStream),
    /// Boxed: a TLS session is large and idle plain sockets should stay small.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Socket {
    fn new(stream: Stream) -> Socket {
        Socket { stream }
    }

    /// Nothing arrived while the socket was idle: no close, no stray bytes.
    /// Reads at most one byte, and only when the socket is known to be
    /// readable.
    pub fn still_open(&mut self) -> bool {
        let mut probe = [0u8; 1];
        match &mut self.stream {
            Stream::Tcp(s) => {
                matches!(s.try_read(&mut probe), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
            }
            Stream::Tls(s) => {
                let mut buf = ReadBuf::new(&mut probe);
                let mut cx = Context::from_waker(std::task::Waker::noop());
                Pin::new(s.as_mut())
                    .poll_read(&mut cx, &mut buf)
                    .is_pending()
            }
        }
    }

    /// Whether TLS negotiated HTTP/2 through ALPN.
    pub fn is_h2(&self) -> bool {
        match &self.stream {
            Stream::Tcp(_) => false,
            Stream::Tls(t) => t.get_ref().1.alpn_protocol() == Some(b"h2"),
        }
    }
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.stream {
            Stream::Tcp(s) => s.is_write_vectored(),
            Stream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().stream {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Connects to `origin`, within the connect timeout if there is one.
pub(crate) async fn connect(origin: &Origin, opts: ConnectOptions<'_>) -> Result<Socket, Failure> {
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

async fn connect_inner(origin: &Origin, opts: ConnectOptions<'_>) -> Result<Socket, Failure> {
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
    let config = opts.tls.client_config(opts.http2).map_err(Failure::Text)?;
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
