//! rocust-demo-target: a small HTTP/1.1 server on loopback for rocust's demo and benchmarks.

mod args;
mod routes;
mod server;
mod text;
mod ws;

use std::net::SocketAddr;
use std::process::ExitCode;

use args::Command;

fn main() -> ExitCode {
    let opts = match args::parse(std::env::args().skip(1)) {
        Ok(Command::Run(opts)) => opts,
        Ok(Command::Help) => {
            println!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("rocust-demo-target {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("rocust-demo-target: error: {e}");
            return ExitCode::from(2);
        }
    };

    // One thread runs the whole server on the current thread: no cross-thread wakeups.
    let runtime = if opts.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(opts.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rocust-demo-target: error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };

    let addr = SocketAddr::new(opts.host, opts.port);
    let result = runtime.block_on(server::run(addr));
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rocust-demo-target: error: {e}");
            ExitCode::FAILURE
        }
    }
}
