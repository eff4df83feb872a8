//! Running external commands with a bounded wall-clock time.

use std::io::Read;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
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

    // One reader thread per pipe; each sends its bytes when it hits EOF.
    let (tx, rx) = mpsc::channel::<(u8, Vec<u8>)>();
    for (tag, pipe) in [
        (0u8, child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
        (1u8, child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>)),
    ] {
        let tx = tx.clone();
        if let Some(mut pipe) = pipe {
            thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = pipe.read_to_end(&mut buf);
                let _ = tx.send((tag, buf));
            });
        } else {
            let _ = tx.send((tag, Vec::new()));
        }
    }
    drop(tx);

    let start = Instant::now();
    let mut stdout = None;
    let mut stderr = None;
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
        if status.is_some() && stdout.is_some() && stderr.is_some() {
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
            Ok((0, b)) => stdout = Some(b),
            Ok((_, b)) => stderr = Some(b),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // Both readers are done; only the exit status is missing.
                if status.is_none() {
                    thread::sleep(Duration::from_millis(1));
                }
            }
        }
    }
    Ok(Output {
        status: status.expect("loop only breaks with a status"),
        stdout: stdout.unwrap_or_default(),
        stderr: stderr.unwrap_or_default(),
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
        let out = run_with_timeout(&["sh", "-c", "echo hi; echo err >&2; exit 3"], DEFAULT_TIMEOUT)
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
        let out = run_with_timeout(&["sh", "-c", "sleep 3 & echo started"], DEFAULT_TIMEOUT).unwrap();
        assert!(out.status.success());
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
}
