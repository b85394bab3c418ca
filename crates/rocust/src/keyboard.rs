//! Keyboard control of a running test, as Locust's `input_events.py`: when
//! stdin is a terminal, `w`/`W` add 1/10 users and `s`/`S` remove 1/10
//! (ramping at 100 users per second), with Locust's warnings while a ramp
//! is under way.
//!
//! The terminal is put in cbreak mode (no echo, no line buffering; Ctrl-C
//! still interrupts) and restored when the control stops, when it is
//! dropped (also while a panic unwinds) and at process exit (an `atexit`
//! handler, for exits that skip destructors, e.g. `sys.exit()` in Python).
//! Keys are read on a thread of their own that waits in `poll(2)`, so
//! nothing is polled while no key is pressed; each key reaches the runner
//! on the control runtime.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Mutex, Once};
use std::thread::JoinHandle;

use rocust_core::runner::{Runner, RunnerState};

const STDIN: RawFd = libc::STDIN_FILENO;

/// The spawn rate of a key press (Locust's).
const KEY_SPAWN_RATE: f64 = 100.0;

/// stdin's terminal settings before cbreak mode, while they are changed.
static SAVED: Mutex<Option<libc::termios>> = Mutex::new(None);

fn saved() -> std::sync::MutexGuard<'static, Option<libc::termios>> {
    SAVED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Puts stdin's terminal back as it was, once.
fn restore_terminal() {
    if let Some(original) = saved().take() {
        // SAFETY: tcsetattr on stdin with settings tcgetattr gave for it.
        unsafe {
            libc::tcsetattr(STDIN, libc::TCSANOW, &original);
        }
    }
}

extern "C" fn restore_at_exit() {
    restore_terminal();
}

/// Locust's `tty.setcbreak(stdin, TCSANOW)`: no echo, no line editing, one
/// byte at a time. Remembers the settings for [`restore_terminal`].
fn enter_cbreak_mode() -> io::Result<()> {
    static AT_EXIT: Once = Once::new();
    // SAFETY: isatty/tcgetattr/tcsetattr on stdin with a termios owned here.
    unsafe {
        if libc::isatty(STDIN) != 1 {
            return Err(io::Error::other(
                "Terminal was not a tty. Keyboard input disabled",
            ));
        }
        let mut mode: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(STDIN, &mut mode) != 0 {
            return Err(io::Error::last_os_error());
        }
        let original = mode;
        mode.c_lflag &= !(libc::ECHO | libc::ICANON);
        mode.c_cc[libc::VMIN] = 1;
        mode.c_cc[libc::VTIME] = 0;
        *saved() = Some(original);
        AT_EXIT.call_once(|| {
            libc::atexit(restore_at_exit);
        });
        if libc::tcsetattr(STDIN, libc::TCSANOW, &mode) != 0 {
            saved().take();
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Keyboard control for one run; stops (and restores the terminal) on drop.
pub struct KeyboardControl {
    /// Writing to it wakes the reader thread up to end.
    wake: Option<OwnedFd>,
    reader: Option<JoinHandle<()>>,
    keys: tokio::task::JoinHandle<()>,
}

impl KeyboardControl {
    /// Starts reading keys if stdin is a terminal (`None` otherwise, as
    /// Locust logs at debug level). Call inside the control runtime.
    /// With the web UI, Enter opens its `url` in a browser, as in Locust.
    pub fn start(runner: &Arc<dyn Runner>, url: Option<String>) -> Option<Self> {
        if let Err(e) = enter_cbreak_mode() {
            log::debug!(target: "root", "{e}");
            return None;
        }
        let (wake_read, wake_write) = match pipe() {
            Ok(ends) => ends,
            Err(e) => {
                restore_terminal();
                log::warn!(target: "root", "Exception in keyboard input poller: {e}");
                return None;
            }
        };
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
        let reader = std::thread::Builder::new()
            .name("rocust-keys".into())
            .spawn(move || {
                if let Err(e) = read_keys(STDIN, &wake_read, |key| tx.send(key).is_ok()) {
                    log::warn!(target: "root", "Exception in keyboard input poller: {e}");
                }
            });
        let reader = match reader {
            Ok(handle) => handle,
            Err(e) => {
                restore_terminal();
                log::warn!(target: "root", "Exception in keyboard input poller: {e}");
                return None;
            }
        };
        let runner = runner.clone();
        let keys = tokio::spawn(async move {
            while let Some(key) = rx.recv().await {
                match (key, &url) {
                    (b'\r' | b'\n', Some(url)) => open_browser(url),
                    _ => on_key(&runner, key),
                }
            }
        });
        Some(KeyboardControl {
            wake: Some(wake_write),
            reader: Some(reader),
            keys,
        })
    }

    /// Stops reading keys and restores the terminal.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.keys.abort();
        if let Some(wake) = self.wake.take() {
            // SAFETY: writes one byte from a live buffer to our own pipe.
            unsafe {
                libc::write(wake.as_raw_fd(), [0u8].as_ptr().cast(), 1);
            }
        }
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        restore_terminal();
    }
}

impl Drop for KeyboardControl {
    fn drop(&mut self) {
        self.shut();
    }
}

/// Opens `url` in the desktop's browser (Python's `webbrowser.open_new_tab`).
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        log::debug!("Could not open a browser with {opener}: {e}");
    }
}

/// What Locust's `main` maps the keys to.
fn on_key(runner: &Arc<dyn Runner>, key: u8) {
    let (delta, adds): (usize, bool) = match key {
        b'w' => (1, true),
        b'W' => (10, true),
        b's' => (1, false),
        b'S' => (10, false),
        _ => return,
    };
    if runner.state() == RunnerState::Spawning {
        if adds {
            log::warn!(target: "root", "Already spawning users, can't spawn more right now");
        } else {
            log::warn!(target: "root", "Spawning users, can't stop right now");
        }
        return;
    }
    let count = runner.user_count();
    let target = if adds {
        count + delta
    } else {
        count.saturating_sub(delta)
    };
    runner.start(target as u64, KEY_SPAWN_RATE, None);
}

/// A pipe (read end, write end), closed on exec.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe fills two descriptors that we then own; fcntl on them.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        let ends = (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1]));
        for fd in fds {
            libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
        }
        Ok(ends)
    }
}

/// Reads `input` a byte at a time until `wake` becomes readable, `input`
/// ends, or `deliver` refuses a key.
fn read_keys(input: RawFd, wake: &OwnedFd, mut deliver: impl FnMut(u8) -> bool) -> io::Result<()> {
    loop {
        let mut fds = [
            libc::pollfd {
                fd: input,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: poll on two initialised pollfd entries.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if fds[1].revents != 0 {
            return Ok(());
        }
        if fds[0].revents & (libc::POLLIN | libc::POLLHUP) == 0 {
            if fds[0].revents != 0 {
                return Ok(()); // POLLERR / POLLNVAL: no more keys
            }
            continue;
        }
        let mut byte = 0u8;
        // SAFETY: reads at most one byte into a local.
        let n = unsafe { libc::read(input, (&mut byte as *mut u8).cast(), 1) };
        match n {
            1 if deliver(byte) => {}
            1 | 0 => return Ok(()),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(fd: &OwnedFd, bytes: &[u8]) {
        // SAFETY: writes from a live buffer to our own pipe.
        let n = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        assert_eq!(n, bytes.len() as isize);
    }

    #[test]
    fn keys_arrive_in_order_until_woken() {
        let (input, typing) = pipe().unwrap();
        let (wake_read, wake) = pipe().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            read_keys(input.as_raw_fd(), &wake_read, |k| tx.send(k).is_ok()).unwrap();
            drop(input);
        });
        write(&typing, b"wWsS");
        let got: Vec<u8> = (0..4)
            .map(|_| rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap())
            .collect();
        assert_eq!(got, b"wWsS");
        write(&wake, b"x");
        reader.join().unwrap();
    }

    #[test]
    fn the_end_of_input_ends_reading() {
        let (input, typing) = pipe().unwrap();
        let (wake_read, _wake) = pipe().unwrap();
        write(&typing, b"w");
        drop(typing);
        let mut keys = Vec::new();
        read_keys(input.as_raw_fd(), &wake_read, |k| {
            keys.push(k);
            true
        })
        .unwrap();
        assert_eq!(keys, b"w");
    }
}
