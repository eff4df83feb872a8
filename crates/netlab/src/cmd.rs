//! Running external commands with a bounded wall-clock time.

use std::io::Read;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::LabError;

/// Default time limit for one `ip …` invocation or [`crate::Lab::exec`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Renders an argv for error messages.
pub(crate) fn render(argv: &[&str]) -> String {
    argv.join(" ")
}

/// Runs `argv` (no shell), stdin from /dev/null, and collects stdout and
/// stderr. The child is killed (SIGKILL, by its PID through `Child::kill`)
/// if it has not exited after `timeout`; that is reported as
/// [`LabError::Timeout`]. A non-zero exit status is *not* an error here.
pub(crate) fn run_with_timeout(argv: &[&str], timeout: Duration) -> Result<Output, LabError> {
    let (prog, args) = argv
        .split_first()
        .ok_or_else(|| LabError::Spec("empty argv".into()))?;
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| LabError::io(format!("spawning `{}`", render(argv)), e))?;

    // One reader thread per pipe, appending to a shared buffer as bytes
    // arrive (so output is kept even when a daemonised grandchild keeps the
    // pipe open), and sending its tag at EOF.
    let bufs = [
        Arc::new(Mutex::new(Vec::<u8>::new())),
        Arc::new(Mutex::new(Vec::<u8>::new())),
    ];
    let (tx, rx) = mpsc::channel::<usize>();
    let pipes: [Option<Box<dyn Read + Send>>; 2] = [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ];
    for (tag, pipe) in pipes.into_iter().enumerate() {
        let tx = tx.clone();
        let buf = bufs[tag].clone();
        if let Some(mut pipe) = pipe {
            thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) => break,
                        Ok(n) => buf
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .extend_from_slice(&chunk[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
                let _ = tx.send(tag);
            });
        } else {
            let _ = tx.send(tag);
        }
    }
    drop(tx);

    let start = Instant::now();
    let mut eof = [false, false];
    let mut status: Option<ExitStatus> = None;
    let mut exited_at: Option<Instant> = None;
    // Bounded: ends at `timeout`, or 200 ms after the child exited (a
    // daemonised grandchild may keep the pipes open: we do not wait for it).
    loop {
        if status.is_none() {
            match child.try_wait() {
                Ok(Some(st)) => {
                    status = Some(st);
                    exited_at = Some(Instant::now());
                }
                Ok(None) => {}
                Err(e) => return Err(LabError::io(format!("waiting for `{}`", render(argv)), e)),
            }
        }
        if status.is_some() && eof == [true, true] {
            break;
        }
        if let Some(t) = exited_at {
            if t.elapsed() > Duration::from_millis(200) {
                break;
            }
        }
        if status.is_none() && start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LabError::Timeout {
                what: format!("command `{}`", render(argv)),
                after: start.elapsed(),
            });
        }
        match rx.recv_timeout(Duration::from_millis(5)) {
            Ok(tag) => eof[tag] = true,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Both readers are done; only the exit status is missing.
                eof = [true, true];
                if status.is_none() {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }
    let take =
        |b: &Arc<Mutex<Vec<u8>>>| std::mem::take(&mut *b.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Output {
        status: status.expect("loop only breaks with a status"),
        stdout: take(&bufs[0]),
        stderr: take(&bufs[1]),
    })
}

/// Like [`run_with_timeout`] but a non-zero exit status is an error
/// carrying stderr.
pub(crate) fn run_ok(argv: &[&str], timeout: Duration) -> Result<Output, LabError> {
    let out = run_with_timeout(argv, timeout)?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(LabError::Command {
            cmd: render(argv),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_output_and_status() {
        let out = run_with_timeout(
            &["sh", "-c", "echo hi; echo err >&2; exit 3"],
            DEFAULT_TIMEOUT,
        )
        .unwrap();
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.stderr, b"err\n");
        assert_eq!(out.status.code(), Some(3));
        assert!(run_ok(&["false"], DEFAULT_TIMEOUT).is_err());
        assert!(run_ok(&["true"], DEFAULT_TIMEOUT).is_ok());
    }

    #[test]
    fn times_out() {
        let t = Instant::now();
        let err = run_with_timeout(&["sleep", "5"], Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, LabError::Timeout { .. }), "{err}");
        assert!(t.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn daemonised_grandchild_does_not_block() {
        let t = Instant::now();
        let out =
            run_with_timeout(&["sh", "-c", "sleep 1 & echo started"], DEFAULT_TIMEOUT).unwrap();
        assert!(out.status.success());
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
}
