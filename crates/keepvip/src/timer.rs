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
    Instant::from_micros(monotonic().as_micros() as u64)
}

/// CLOCK_MONOTONIC to the nanosecond (the clock `clock_nanosleep` and the
/// timerfds sleep on).
pub fn monotonic() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
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

    /// Wait until the armed deadline passes (forever if disarmed); returns
    /// that deadline, so the caller can tell how late it woke.
    ///
    /// The expiry count is never read: tokio registers the fd edge-triggered,
    /// so every expiry is a new readiness event whether or not the count was
    /// read, and the next `timerfd_settime` zeroes it. That leaves one
    /// syscall fewer per wake-up. A readiness left over from an earlier
    /// arming (the loop woke for something else first) is recognised by the
    /// clock and waited past, with the timer armed again.
    pub async fn expired(&mut self) -> io::Result<Instant> {
        loop {
            let mut guard = self.fd.readable().await?;
            guard.clear_ready();
            match self.armed {
                Some(deadline) if now() >= deadline => {
                    self.armed = None;
                    return Ok(deadline);
                }
                Some(deadline) => {
                    // a stale readiness, or one the clock does not agree
                    // with yet: arm again, so that the expiry this waits for
                    // is sure to be a fresh edge
                    self.armed = None;
                    self.arm(Some(deadline))?;
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Run `f` on a current-thread runtime, as the daemon does.
    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn fires_close_to_the_deadline() {
        block_on(async {
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
        block_on(async {
            let mut t = DeadlineTimer::new().unwrap();
            t.arm(Some(Instant::from_micros(1))).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.expired())
                .await
                .unwrap()
                .unwrap();
        });
    }

    #[test]
    fn fires_again_after_each_rearm_without_a_read() {
        block_on(async {
            let mut t = DeadlineTimer::new().unwrap();
            for _ in 0..5 {
                let deadline = now() + Duration::from_millis(5);
                t.arm(Some(deadline)).unwrap();
                tokio::time::timeout(Duration::from_secs(5), t.expired())
                    .await
                    .expect("the re-armed timer fired")
                    .unwrap();
                assert!(now() >= deadline, "woke before the deadline");
            }
        });
    }

    #[test]
    fn a_stale_expiry_does_not_fire_a_later_deadline() {
        block_on(async {
            let mut t = DeadlineTimer::new().unwrap();
            t.arm(Some(Instant::from_micros(1))).unwrap();
            // the expiry happens, but nobody waits for it
            std::thread::sleep(Duration::from_millis(5));
            t.arm(Some(now() + Duration::from_secs(3600))).unwrap();
            let early = tokio::time::timeout(Duration::from_millis(50), t.expired()).await;
            assert!(early.is_err(), "fired for the stale expiry");
            t.arm(None).unwrap();
            let disarmed = tokio::time::timeout(Duration::from_millis(20), t.expired()).await;
            assert!(disarmed.is_err(), "a disarmed timer fired");
        });
    }
}
