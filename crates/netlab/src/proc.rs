//! Processes spawned inside a lab namespace.
//!
//! The child handle is shared (behind a mutex) between the [`Proc`] given to
//! the caller and the [`crate::Lab`] that started it, so that a PID is only
//! ever signalled while the child is un-reaped: a reaped PID could have been
//! reused by an unrelated process.

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Where a spawned process's stdout or stderr goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Sink {
    /// `/dev/null` (the default).
    #[default]
    Null,
    /// Truncate and write to this file.
    File(PathBuf),
    /// Append to this file.
    Append(PathBuf),
    /// The test harness's own stdout/stderr.
    Inherit,
    /// A pipe, drained by a thread that appends to this file: what a
    /// daemon logging to stdout under systemd or `| logger` writes into.
    Pipe(PathBuf),
}

/// Copy everything from `from` to the end of `path` until the writer
/// closes its end (the thread then ends on its own).
pub(crate) fn drain_pipe(from: impl io::Read + Send + 'static, path: PathBuf) -> io::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut from = from;
    thread::spawn(move || {
        let _ = io::copy(&mut from, &mut out);
    });
    Ok(())
}

impl Sink {
    pub(crate) fn to_stdio(&self) -> io::Result<Stdio> {
        Ok(match self {
            Sink::Null => Stdio::null(),
            Sink::Inherit => Stdio::inherit(),
            Sink::Pipe(_) => Stdio::piped(),
            Sink::File(p) => Stdio::from(File::create(p)?),
            Sink::Append(p) => Stdio::from(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            ),
        })
    }
}

/// Options for [`crate::Lab::spawn`].
#[derive(Debug, Clone, Default)]
pub struct SpawnOpts {
    /// Where stdout goes.
    pub stdout: Sink,
    /// Where stderr goes.
    pub stderr: Sink,
    /// Extra environment variables (added to the inherited environment).
    pub env: Vec<(String, String)>,
    /// Working directory, if not the harness's.
    pub cwd: Option<PathBuf>,
}

impl SpawnOpts {
    /// stdout and stderr both to (truncated) files.
    pub fn to_files(stdout: impl Into<PathBuf>, stderr: impl Into<PathBuf>) -> Self {
        SpawnOpts {
            stdout: Sink::File(stdout.into()),
            stderr: Sink::File(stderr.into()),
            ..Default::default()
        }
    }

    /// stdout and stderr both through pipes appended to one file.
    pub fn to_pipe(path: impl Into<PathBuf>) -> Self {
        let p = path.into();
        SpawnOpts {
            stdout: Sink::Pipe(p.clone()),
            stderr: Sink::Pipe(p),
            ..Default::default()
        }
    }

    /// stdout and stderr both appended to one file.
    pub fn to_log(path: impl Into<PathBuf>) -> Self {
        let p = path.into();
        SpawnOpts {
            stdout: Sink::Append(p.clone()),
            stderr: Sink::Append(p),
            ..Default::default()
        }
    }

    /// Adds an environment variable.
    pub fn env(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
}

#[derive(Debug)]
pub(crate) struct ProcInner {
    child: Child,
    status: Option<ExitStatus>,
}

pub(crate) type Shared = Arc<Mutex<ProcInner>>;

fn lock(s: &Shared) -> MutexGuard<'_, ProcInner> {
    s.lock().unwrap_or_else(|e| e.into_inner())
}

impl ProcInner {
    pub(crate) fn new_shared(child: Child) -> Shared {
        Arc::new(Mutex::new(ProcInner {
            child,
            status: None,
        }))
    }

    pub(crate) fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub(crate) fn is_running(&mut self) -> bool {
        self.poll().is_none()
    }

    /// Reaps if exited; returns the status if it has exited.
    fn poll(&mut self) -> Option<ExitStatus> {
        if self.status.is_none() {
            if let Ok(Some(st)) = self.child.try_wait() {
                self.status = Some(st);
            }
        }
        self.status
    }

    /// Sends `sig` unless the child has already been reaped.
    fn signal(&mut self, sig: i32) -> io::Result<()> {
        if self.poll().is_some() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "process has already exited",
            ));
        }
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: plain kill(2) on the PID of our own un-reaped child.
        let r = unsafe { libc::kill(pid, sig) };
        if r == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

/// Polls `s` until it has exited or `d` has passed (every 5 ms).
fn wait_shared(s: &Shared, d: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + d;
    loop {
        if let Some(st) = lock(s).poll() {
            return Some(st);
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
}

/// SIGTERM to every live process of `procs`, wait up to `grace` for all of
/// them, then SIGKILL the rest and wait up to 1 s more. Never panics.
pub(crate) fn terminate_all(procs: &[Shared], grace: Duration) {
    for p in procs {
        let _ = lock(p).signal(libc::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    for p in procs {
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = wait_shared(p, left);
    }
    for p in procs {
        let _ = lock(p).signal(libc::SIGKILL);
    }
    for p in procs {
        let _ = wait_shared(p, Duration::from_secs(1));
    }
}

/// A process started by [`crate::Lab::spawn`]. Dropping a `Proc` does not
/// stop it; the [`crate::Lab`] stops it when the lab is dropped.
#[derive(Debug)]
pub struct Proc {
    pid: i32,
    argv: Vec<String>,
    ns: String,
    inner: Shared,
}

impl Proc {
    pub(crate) fn new(pid: i32, ns: &str, argv: &[&str], inner: Shared) -> Self {
        Proc {
            pid,
            argv: argv.iter().map(|s| s.to_string()).collect(),
            ns: ns.to_string(),
            inner,
        }
    }

    /// The PID (of the program itself: `ip netns exec` execs it).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The namespace it runs in.
    pub fn ns(&self) -> &str {
        &self.ns
    }

    /// The argv it was started with.
    pub fn argv(&self) -> &[String] {
        &self.argv
    }

    /// Sends a signal (`libc::SIGTERM`, `libc::SIGHUP`, …). Fails with
    /// `NotFound` if the process has already exited (and been reaped).
    pub fn signal(&self, sig: i32) -> io::Result<()> {
        lock(&self.inner).signal(sig)
    }

    /// SIGKILL, then reap (waits at most 2 s).
    pub fn kill9(&mut self) {
        let _ = self.signal(libc::SIGKILL);
        let _ = wait_shared(&self.inner, Duration::from_secs(2));
    }

    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status
    /// if it was reaped.
    pub fn terminate(&mut self, grace: Duration) -> Option<ExitStatus> {
        terminate_all(std::slice::from_ref(&self.inner), grace);
        self.try_status()
    }

    /// SIGTERM, wait up to 2 s, then SIGKILL; the exit status if reaped.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        self.terminate(Duration::from_secs(2))
    }

    /// Waits (polling every 5 ms) up to `d` for the process to exit.
    pub fn wait_timeout(&mut self, d: Duration) -> Option<ExitStatus> {
        wait_shared(&self.inner, d)
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        lock(&self.inner).poll().is_none()
    }

    /// The exit status, if it has exited (non-blocking).
    pub fn try_status(&mut self) -> Option<ExitStatus> {
        lock(&self.inner).poll()
    }
}
