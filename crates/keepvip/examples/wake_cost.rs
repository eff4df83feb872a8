//! What waking once every 10 ms costs a thread, by how it waits — the
//! part of the ten-instance 10 ms benchmark no daemon can avoid
//! (docs/performance.md). Nothing is sent and no network namespace is
//! used: each way of waiting runs for a 2 s slice, the ways take turns
//! (so a slow phase of the host hits them alike), and the CPU of each
//! slice is the thread's scheduler run time (`/proc/thread-self/schedstat`).
//!
//! ```sh
//! cargo run --release -p keepvip --example wake_cost -- 15
//! ```
//!
//! The ways: an absolute `clock_nanosleep` (the floor's), `epoll_wait` on
//! a timerfd armed at the absolute deadline (a hand-written event loop),
//! `epoll_pwait2` with the time left as its timeout (an event loop without
//! the timerfd), and a current-thread tokio runtime on keepvip's
//! `DeadlineTimer` (keepvip's main loop).

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant as StdInstant};

const INTERVAL: Duration = Duration::from_millis(10);
const WAKES_PER_SLICE: u32 = 200;

/// The ways of waiting, in the order they take turns.
const WAYS: [&str; 4] = [
    "clock_nanosleep",
    "epoll_wait on a timerfd",
    "epoll_pwait2 timeout",
    "tokio on keepvip's timerfd",
];

fn main() -> io::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10)
        .clamp(1, 1000);
    let waiter = Waiters::new()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut slices: Vec<Vec<f64>> = vec![Vec::new(); WAYS.len()];
    for _ in 0..rounds {
        for (way, out) in slices.iter_mut().enumerate() {
            let (cpu0, wall0) = (run_time_ns()?, StdInstant::now());
            match way {
                0 => waiter.nanosleep_slice(),
                1 => waiter.timerfd_slice()?,
                2 => waiter.pwait2_slice()?,
                _ => rt.block_on(tokio_slice())?,
            }
            let cpu = (run_time_ns()? - cpu0) as f64;
            out.push(100.0 * cpu / wall0.elapsed().as_nanos() as f64);
        }
    }
    for (name, mut s) in WAYS.iter().zip(slices) {
        s.sort_by(f64::total_cmp);
        println!(
            "{name:<28} median {:.3} % of one core (min {:.3}, max {:.3}; {} slices of 2 s)",
            s[s.len() / 2],
            s[0],
            s[s.len() - 1],
            s.len()
        );
    }
    Ok(())
}

/// This thread's CPU time so far, in nanoseconds.
fn run_time_ns() -> io::Result<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    text.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| io::Error::other("unreadable schedstat"))
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: d.as_secs() as libc::time_t,
        tv_nsec: d.subsec_nanos() as libc::c_long,
    }
}

fn cvt(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// The epoll sets and the timerfd the plain (non-tokio) ways wait on.
struct Waiters {
    /// an edge-triggered timerfd, never read: re-arming clears it, as in
    /// keepvip's `DeadlineTimer`
    timer: OwnedFd,
    with_timer: OwnedFd,
    /// a set whose one member never fires: only the timeout wakes it
    idle: OwnedFd,
    _never: OwnedFd,
}

impl Waiters {
    fn new() -> io::Result<Waiters> {
        // SAFETY: plain system calls; every fd is owned at once.
        let fd = |rc: libc::c_int| cvt(rc).map(|raw| unsafe { OwnedFd::from_raw_fd(raw) });
        let tfd_flags = libc::TFD_NONBLOCK | libc::TFD_CLOEXEC;
        let timer = fd(unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, tfd_flags) })?;
        let never = fd(unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, tfd_flags) })?;
        let with_timer = fd(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        let idle = fd(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        for (set, member) in [(&with_timer, &timer), (&idle, &never)] {
            let mut ev = libc::epoll_event {
                events: (libc::EPOLLIN | libc::EPOLLET) as u32,
                u64: 0,
            };
            // SAFETY: open fds; ev valid for the call.
            cvt(unsafe {
                libc::epoll_ctl(
                    set.as_raw_fd(),
                    libc::EPOLL_CTL_ADD,
                    member.as_raw_fd(),
                    &mut ev,
                )
            })?;
        }
        Ok(Waiters {
            timer,
            with_timer,
            idle,
            _never: never,
        })
    }

    fn nanosleep_slice(&self) {
        let mut next = keepvip::timer::monotonic();
        for _ in 0..WAKES_PER_SLICE {
            next += INTERVAL;
            let at = timespec(next);
            // SAFETY: valid timespec; an early return only wakes early.
            unsafe {
                libc::clock_nanosleep(
                    libc::CLOCK_MONOTONIC,
                    libc::TIMER_ABSTIME,
                    &at,
                    std::ptr::null_mut(),
                )
            };
        }
    }

    fn timerfd_slice(&self) -> io::Result<()> {
        let mut next = keepvip::timer::monotonic();
        for _ in 0..WAKES_PER_SLICE {
            next += INTERVAL;
            let at = libc::itimerspec {
                it_interval: timespec(Duration::ZERO),
                it_value: timespec(next),
            };
            // SAFETY: valid fd and itimerspec.
            cvt(unsafe {
                libc::timerfd_settime(
                    self.timer.as_raw_fd(),
                    libc::TFD_TIMER_ABSTIME,
                    &at,
                    std::ptr::null_mut(),
                )
            })?;
            let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
            // SAFETY: room for the 4 events asked for.
            unsafe { libc::epoll_wait(self.with_timer.as_raw_fd(), out.as_mut_ptr(), 4, 1_000) };
        }
        Ok(())
    }

    fn pwait2_slice(&self) -> io::Result<()> {
        let mut next = keepvip::timer::monotonic();
        for _ in 0..WAKES_PER_SLICE {
            next += INTERVAL;
            let left = timespec(next.saturating_sub(keepvip::timer::monotonic()));
            let mut out = [libc::epoll_event { events: 0, u64: 0 }; 4];
            // SAFETY: room for the 4 events asked for; a valid timeout; no
            // signal mask.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_epoll_pwait2,
                    self.idle.as_raw_fd(),
                    out.as_mut_ptr(),
                    4,
                    &left as *const libc::timespec,
                    std::ptr::null::<libc::sigset_t>(),
                    0usize,
                )
            };
            if rc < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
                return Err(io::Error::other("this kernel has no epoll_pwait2"));
            }
        }
        Ok(())
    }
}

async fn tokio_slice() -> io::Result<()> {
    let mut timer = keepvip::timer::DeadlineTimer::new()?;
    let mut next = keepvip::timer::now();
    for _ in 0..WAKES_PER_SLICE {
        next += INTERVAL;
        timer.arm(Some(next))?;
        timer.expired().await?;
    }
    Ok(())
}
