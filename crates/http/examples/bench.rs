//! Micro benchmark of the hot path: small GETs on keep-alive connections.
//!
//! Server (its own process, so its CPU is not counted):
//!     cargo run --release -p rocust-http --example bench -- serve 127.0.0.1:8089
//! Client: N requests in total by C concurrent users on one engine thread:
//!     cargo run --release -p rocust-http --example bench -- client http://127.0.0.1:8089 100000 1
//! It prints the client's process CPU time (user + sys) per request, the
//! figure to hold against `wrk -t1 -cC` on the same server. `hyper` instead
//! of `client` runs a bare hyper client the same way, for the floor
//! (`inline`: the same, its connections driven inside the users' tasks).
//! Resident memory per idle user (one request each, then waiting), started
//! BATCH at a time (BATCH = USERS for everyone at once):
//!     cargo run --release -p rocust-http --example bench -- memory http://127.0.0.1:8089 10000 100

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use rocust_core::env::Environment;
use rocust_core::user::UserContext;
use rocust_http::HttpSession;

/// Counts heap allocations, to keep the hot path's count visible.
struct Counting;

static ALLOCS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
static ALLOC_BYTES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

// SAFETY: forwards to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new as u64, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> (u64, u64) {
    use std::sync::atomic::Ordering::Relaxed;
    (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed))
}

/// (user, system) CPU seconds of this process.
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (tv(u.ru_utime), tv(u.ru_stime))
}

fn serve(addr: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        eprintln!("serving on {addr}");
        while let Ok((s, _)) = listener.accept().await {
            let _ = s.set_nodelay(true);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(|_req| async {
                    Ok::<_, Infallible>(hyper::Response::new(Full::new(Bytes::from_static(
                        b"Hello World!",
                    ))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(s), svc)
                    .await;
            });
        }
    });
}

fn client(host: &str, total: usize, users: usize) {
    let env = Environment::new(Some(host.to_owned()));
    let recorder = env.stats.recorder();
    let ctx = UserContext::new(env, recorder, Some(Arc::from(host)), Arc::from("Bench"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    let per_user = total / users.max(1);
    let (cpu, wall, failures, (n_alloc, alloc_bytes)) = local.block_on(&rt, async {
        // Warm up: connect every user and fill caches.
        let sessions: Vec<HttpSession> = (0..users).map(|_| HttpSession::new(&ctx)).collect();
        for s in &sessions {
            for _ in 0..100 {
                s.get("/").send().await;
            }
        }
        let a0 = allocs();
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let mut handles = Vec::new();
        for s in sessions {
            handles.push(tokio::task::spawn_local(async move {
                let mut failures = 0usize;
                for _ in 0..per_user {
                    if !s.get("/").send().await.ok() {
                        failures += 1;
                    }
                }
                failures
            }));
        }
        let mut failures = 0;
        for h in handles {
            failures += h.await.unwrap_or(per_user);
        }
        let a1 = allocs();
        let cpu1 = cpu_seconds();
        let cpu = (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1);
        (
            cpu,
            t0.elapsed().as_secs_f64(),
            failures,
            (a1.0 - a0.0, a1.1 - a0.1),
        )
    });
    let n = (per_user * users) as f64;
    println!(
        "{} requests by {users} users: {:.2} µs CPU/request (user {:.2}, sys {:.2}), {:.0} requests/s, \
         {failures} failures, {:.1} allocations ({:.0} bytes)/request",
        n,
        (cpu.0 + cpu.1) / n * 1e6,
        cpu.0 / n * 1e6,
        cpu.1 / n * 1e6,
        n / wall,
        n_alloc as f64 / n,
        alloc_bytes as f64 / n
    );
}

/// The floor: bare hyper http1 client, same runtime layout, nothing recorded.
fn raw_hyper(addr: &str, total: usize, users: usize) {
    use http_body_util::BodyExt;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    let per_user = total / users.max(1);
    let addr = addr.trim_start_matches("http://").to_owned();
    let cpu = local.block_on(&rt, async {
        let mut senders = Vec::new();
        for _ in 0..users {
            let s = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            let _ = s.set_nodelay(true);
            let (sender, conn) = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(
                hyper_util::rt::TokioIo::new(s),
            )
            .await
            .expect("handshake");
            tokio::spawn(conn);
            senders.push(sender);
        }
        let cpu0 = cpu_seconds();
        let mut handles = Vec::new();
        for mut sender in senders {
            let host = addr.clone();
            handles.push(tokio::task::spawn_local(async move {
                for _ in 0..per_user {
                    let _ = sender.ready().await;
                    let req = hyper::Request::get("/")
                        .header("host", host.as_str())
                        .body(Full::new(Bytes::new()))
                        .expect("request");
                    if let Ok(resp) = sender.send_request(req).await {
                        let _ = resp.into_body().collect().await;
                    }
                }
            }));
        }
        for h in handles {
            let _ = h.await;
        }
        let cpu1 = cpu_seconds();
        (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1)
    });
    let n = (per_user * users) as f64;
    println!(
        "bare hyper, {n} requests by {users} users: {:.2} µs CPU/request (user {:.2}, sys {:.2})",
        (cpu.0 + cpu.1) / n * 1e6,
        cpu.0 / n * 1e6,
        cpu.1 / n * 1e6
    );
}

/// The floor for driving hyper's connection inside the user's task.
fn inline_hyper(addr: &str, total: usize, users: usize) {
    use hyper::body::Body as _;
    use std::future::{poll_fn, Future};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    let per_user = total / users.max(1);
    let addr = addr.trim_start_matches("http://").to_owned();
    let cpu = local.block_on(&rt, async {
        let mut conns = Vec::new();
        for _ in 0..users {
            let s = tokio::net::TcpStream::connect(&addr)
                .await
                .expect("connect");
            let _ = s.set_nodelay(true);
            conns.push(
                hyper::client::conn::http1::handshake::<_, Full<Bytes>>(
                    hyper_util::rt::TokioIo::new(s),
                )
                .await
                .expect("handshake"),
            );
        }
        let cpu0 = cpu_seconds();
        let mut handles = Vec::new();
        for (mut sender, mut conn) in conns {
            let host = addr.clone();
            handles.push(tokio::task::spawn_local(async move {
                for _ in 0..per_user {
                    let req = hyper::Request::get("/")
                        .header("host", host.as_str())
                        .body(Full::new(Bytes::new()))
                        .expect("request");
                    let mut fut = std::pin::pin!(sender.try_send_request(req));
                    let resp = poll_fn(|cx| {
                        let _ = conn.poll_without_shutdown(cx);
                        fut.as_mut().poll(cx)
                    })
                    .await;
                    if let Ok(resp) = resp {
                        let mut body = resp.into_body();
                        loop {
                            let f = poll_fn(|cx| {
                                let _ = conn.poll_without_shutdown(cx);
                                std::pin::Pin::new(&mut body).poll_frame(cx)
                            })
                            .await;
                            if f.is_none() {
                                break;
                            }
                        }
                    }
                }
            }));
        }
        for h in handles {
            let _ = h.await;
        }
        let cpu1 = cpu_seconds();
        (cpu1.0 - cpu0.0, cpu1.1 - cpu0.1)
    });
    let n = (per_user * users) as f64;
    println!(
        "inline hyper, {n} requests by {users} users: {:.2} µs CPU/request (user {:.2}, sys {:.2})",
        (cpu.0 + cpu.1) / n * 1e6,
        cpu.0 / n * 1e6,
        cpu.1 / n * 1e6
    );
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Resident memory per idle user: `users` sessions make one request each
/// (`batch` at a time; `batch` = `users` for a burst), then wait.
fn memory(host: &str, users: usize, batch: usize) {
    let env = Environment::new(Some(host.to_owned()));
    let recorder = env.stats.recorder();
    let ctx = UserContext::new(env, recorder, Some(Arc::from(host)), Arc::from("Bench"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let before = rss_kb();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut started = 0;
        while started < users {
            let n = batch.min(users - started);
            for _ in 0..n {
                let ctx = ctx.clone();
                let tx = tx.clone();
                tokio::task::spawn_local(async move {
                    let s = HttpSession::new(&ctx);
                    let ok = s.get("/").send().await.ok();
                    let _ = tx.send(());
                    if ok {
                        std::future::pending::<()>().await;
                    }
                    drop(s);
                });
            }
            for _ in 0..n {
                let _ = rx.recv().await;
            }
            started += n;
        }
        let after = rss_kb();
        // SAFETY: malloc_trim only releases free heap pages.
        unsafe { libc::malloc_trim(0) };
        let trimmed = rss_kb();
        println!(
            "{users} idle users (batches of {batch}): {:.2} KB each ({} KB -> {} KB; {:.2} KB each after malloc_trim)",
            (after - before) as f64 / users as f64,
            before,
            after,
            (trimmed - before) as f64 / users as f64,
        );
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(args.get(1).map_or("127.0.0.1:8089", String::as_str)),
        Some("client") => client(
            args.get(1).map_or("http://127.0.0.1:8089", String::as_str),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000),
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1),
        ),
        Some("hyper") => raw_hyper(
            args.get(1).map_or("http://127.0.0.1:8089", String::as_str),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000),
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1),
        ),
        Some("inline") => inline_hyper(
            args.get(1).map_or("http://127.0.0.1:8089", String::as_str),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100_000),
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(1),
        ),
        Some("memory") => memory(
            args.get(1).map_or("http://127.0.0.1:8089", String::as_str),
            args.get(2).and_then(|n| n.parse().ok()).unwrap_or(10_000),
            args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100),
        ),
        _ => eprintln!(
            "usage: bench serve ADDR | bench client|hyper|inline URL [REQUESTS] [USERS] \
             | bench memory URL [USERS] [BATCH]"
        ),
    }
}
