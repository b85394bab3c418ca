//! A descriptor that becomes readable when Rust has something for Python:
//! gevent's hub watches it. Linux has eventfd (one descriptor, a counter that
//! never fills); elsewhere (macOS, the BSDs) a non-blocking pipe does the same.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

pub struct Wakeup {
    /// What the hub watches and `clear` reads.
    read: OwnedFd,
    /// What `wake` writes: the same descriptor for an eventfd.
    #[cfg(not(target_os = "linux"))]
    write: OwnedFd,
}

impl Wakeup {
    #[cfg(target_os = "linux")]
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: eventfd returns a new descriptor or -1.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Self {
            // SAFETY: fd is a fresh descriptor we own.
            read: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn new() -> std::io::Result<Self> {
        let mut fds = [0 as libc::c_int; 2];
        // SAFETY: pipe writes two descriptors into a valid array of two.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: both are fresh descriptors we own from here on.
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        for fd in [read.as_raw_fd(), write.as_raw_fd()] {
            // SAFETY: fcntl on descriptors we own.
            unsafe {
                let flags = libc::fcntl(fd, libc::F_GETFL);
                if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
        }
        Ok(Self { read, write })
    }

    pub fn fd(&self) -> RawFd {
        self.read.as_raw_fd()
    }

    /// Makes the descriptor readable. Waking an already awake one is harmless:
    /// a full eventfd counter or pipe buffer (EAGAIN) is still readable.
    pub fn wake(&self) {
        let one: u64 = 1;
        #[cfg(target_os = "linux")]
        let (fd, len) = (self.read.as_raw_fd(), 8);
        #[cfg(not(target_os = "linux"))]
        let (fd, len) = (self.write.as_raw_fd(), 1);
        // SAFETY: writes `len` (<= 8) bytes from a valid u64.
        unsafe {
            libc::write(fd, (&one as *const u64).cast(), len);
        }
    }

    /// Makes the descriptor unreadable again (until the next `wake`).
    pub fn clear(&self) {
        let mut buf = [0u8; 64];
        loop {
            // SAFETY: reads into a valid buffer of its own length; an eventfd
            // read of 8 bytes takes the whole counter, a pipe is read empty.
            let n = unsafe { libc::read(self.fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if cfg!(target_os = "linux") || n < buf.len() as isize {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readable(w: &Wakeup) -> bool {
        let mut poll = libc::pollfd {
            fd: w.fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no timeout.
        unsafe { libc::poll(&mut poll, 1, 0) == 1 }
    }

    #[test]
    fn wake_then_clear() {
        let w = Wakeup::new().unwrap();
        assert!(!readable(&w));
        w.wake();
        w.wake();
        assert!(readable(&w));
        w.clear();
        assert!(!readable(&w));
        w.wake();
        assert!(readable(&w));
    }
}
