//! The daemon's clock and its one protocol timer.
//!
//! Protocol time is CLOCK_MONOTONIC in microseconds, so a deadline from
//! `Router::poll_timeout` maps straight onto an absolute timerfd expiry.
//! tokio's own timer wheel rounds up to whole milliseconds; a timerfd armed
//! with TFD_TIMER_ABSTIME wakes within microseconds of the deadline, which is
//! what makes a takeover land on Master_Down_Interval.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use keepvip_proto::Instant;
use tokio::io::unix::AsyncFd;

/// Now, on the protocol clock.
pub fn now() -> Instant {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Instant::from_micros(ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1_000)
}

/// A one-shot timer at an absolute protocol time.
pub struct DeadlineTimer {
    fd: AsyncFd<OwnedFd>,
    armed: Option<Instant>,
}

impl DeadlineTimer {
    /// Create the timerfd (non-blocking, registered with tokio).
    pub fn new() -> io::Result<Self> {
        // SAFETY: plain syscall; the fd is owned right after.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: raw is a fresh fd we own.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: `owned` is a valid open fd that only this AsyncFd holds,
        // so it stays open and unchanged for the AsyncFd's lifetime.
        let fd = unsafe { AsyncFd::register_with_interest(owned, tokio::io::Interest::READABLE) }
            .map_err(io::Error::from)?;
        Ok(DeadlineTimer { fd, armed: None })
    }

    /// Arm for `deadline` (None disarms). Re-arming for the same deadline is free.
    pub fn arm(&mut self, deadline: Option<Instant>) -> io::Result<()> {
        if self.armed == deadline {
            return Ok(());
        }
        // A zero it_value disarms, so a deadline at time 0 becomes 1 ns.
        let value = match deadline {
            Some(t) => {
                let us = t.as_micros();
                libc::timespec {
                    tv_sec: (us / 1_000_000) as libc::time_t,
                    tv_nsec: ((us % 1_000_000) * 1_000).max(1) as libc::c_long,
                }
            }
            None => libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: value,
        };
        // SAFETY: valid fd and itimerspec; old value not requested.
        let rc = unsafe {
            libc::timerfd_settime(
                self.fd.as_raw_fd(),
                libc::TFD_TIMER_ABSTIME,
                &spec,
                std::ptr::null_mut(),
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        self.armed = deadline;
        Ok(())
    }

    /// Wait until the armed deadline passes (forever if disarmed).
    pub async fn expired(&mut self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; 8];
            // SAFETY: reading 8 bytes into a local buffer from our fd.
            let n =
                unsafe { libc::read(guard.get_inner().as_raw_fd(), buf.as_mut_ptr().cast(), 8) };
            if n == 8 {
                // one-shot: nothing more to read until the next arm, so
                // forget the readiness now instead of finding out with a
                // second read that returns EAGAIN
                guard.clear_ready();
                self.armed = None;
                return Ok(());
            }
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::WouldBlock {
                guard.clear_ready();
                continue;
            }
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fires_close_to_the_deadline() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut t = DeadlineTimer::new().unwrap();
            let deadline = now() + Duration::from_millis(20);
            t.arm(Some(deadline)).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.expired())
                .await
                .unwrap()
                .unwrap();
            let woke = now();
            assert!(woke >= deadline, "woke before the deadline");
        });
    }

    #[test]
    fn past_deadline_fires_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut t = DeadlineTimer::new().unwrap();
            t.arm(Some(Instant::from_micros(1))).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.expired())
                .await
                .unwrap()
                .unwrap();
        });
    }
}
