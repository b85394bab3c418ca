//! `--processes N`: this process forks N workers (one per CPU with -1) and,
//! unless `--worker` is given, becomes their master, as Locust does. The
//! fork happens before any thread exists, so each child is a whole copy.

use rocust_cli::{Options, Processes};

/// What this process is after the fork.
pub enum Role {
    /// No `--processes`: run as the options say.
    Alone,
    /// A forked worker, with the options it runs with.
    Child(Box<Options>),
    /// The process that forked: a master (its options say so) unless
    /// `--worker` was given, when it only waits for its children.
    Parent {
        options: Box<Options>,
        children: Vec<libc::pid_t>,
    },
}

/// How many workers `--processes` asks for.
fn count(processes: &Processes) -> usize {
    match processes {
        Processes::Count(n) => *n as usize,
        Processes::PerCpu => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// Forks the workers. Must run before any thread is started.
pub fn fork_workers(options: &Options) -> Result<Role, String> {
    let Some(processes) = &options.processes else {
        return Ok(Role::Alone);
    };
    let n = count(processes);
    // Children connect where the parent listens (Locust's children use
    // --master-port, which differs when only --master-bind-port is given).
    let port = if options.worker {
        options.master_port
    } else {
        options.master_bind_port
    };
    let mut children = Vec::with_capacity(n);
    for _ in 0..n {
        // SAFETY: no other thread exists yet; the child goes on with a copy
        // of this single-threaded process.
        match unsafe { libc::fork() } {
            -1 => {
                let e = std::io::Error::last_os_error();
                stop_children(&children, libc::SIGKILL);
                return Err(format!("Could not fork a worker process: {e}"));
            }
            0 => {
                let mut child = options.clone();
                child.worker = true;
                child.master = false;
                child.processes = None;
                child.master_host = if options.worker {
                    options.master_host.clone()
                } else {
                    "127.0.0.1".to_owned()
                };
                child.master_port = port;
                child.run_time = None;
                child.autostart = false;
                child.csv = None;
                child.csv_full_history = false;
                child.html = None;
                child.print_stats = false;
                return Ok(Role::Child(Box::new(child)));
            }
            pid => children.push(pid),
        }
    }
    let mut parent = options.clone();
    parent.processes = None;
    if !options.worker {
        parent.master = true;
        parent.expect_workers = n as u64;
    }
    Ok(Role::Parent {
        options: Box::new(parent),
        children,
    })
}

fn stop_children(children: &[libc::pid_t], signal: libc::c_int) {
    for &pid in children {
        // SAFETY: signalling our own children.
        unsafe {
            libc::kill(pid, signal);
        }
    }
}

/// Waits for one child without blocking; `Some(exit code)` once it ended.
fn try_wait(pid: libc::pid_t) -> Option<i32> {
    let mut status = 0;
    // SAFETY: waitpid on our own child with a valid status pointer.
    let ended = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if ended != pid {
        return None;
    }
    Some(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}

/// After the master's run: up to 3 s for the children to end, then SIGINT,
/// then the highest of their exit codes and the master's.
pub fn reap_after_master(children: Vec<libc::pid_t>, master_code: i32) -> i32 {
    let code = reap(children, std::time::Duration::from_secs(3));
    if code > 1 {
        log::error!("Bad response code from worker children: {code}");
    }
    master_code.max(code)
}

fn reap(mut children: Vec<libc::pid_t>, grace: std::time::Duration) -> i32 {
    let mut code = 0;
    let deadline = std::time::Instant::now() + grace;
    let mut interrupted = false;
    while !children.is_empty() {
        children.retain(|&pid| match try_wait(pid) {
            Some(c) => {
                code = code.max(c);
                false
            }
            None => true,
        });
        if !interrupted && std::time::Instant::now() >= deadline {
            stop_children(&children, libc::SIGINT);
            interrupted = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    code
}

/// `--processes` with `--worker`: this process only waits for its workers
/// and exits with the highest of their codes. The first Ctrl-C is theirs
/// to handle; a second one kills them.
pub fn supervise_workers(children: Vec<libc::pid_t>) -> i32 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log::error!("Could not wait for the worker processes: {e}");
            stop_children(&children, libc::SIGKILL);
            return 1;
        }
    };
    runtime.block_on(async {
        let mut interrupts = 0;
        let mut remaining = children;
        let mut code = 0;
        loop {
            remaining.retain(|&pid| match try_wait(pid) {
                Some(c) => {
                    code = code.max(c);
                    false
                }
                None => true,
            });
            if remaining.is_empty() {
                return code;
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => {}
                _ = tokio::signal::ctrl_c() => {
                    interrupts += 1;
                    if interrupts > 1 {
                        stop_children(&remaining, libc::SIGKILL);
                    }
                }
            }
        }
    })
}
