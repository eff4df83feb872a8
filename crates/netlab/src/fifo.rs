//! A FIFO a daemon writes notify lines to (`vrrp_notify_fifo`), read on a
//! thread of its own so the daemon never blocks on it.

use std::ffi::CString;
use std::io::{self, BufRead};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The reader keeps at most this many lines (a test's FIFO carries a few).
const MAX_LINES: usize = 100;

type Lines = (Mutex<Vec<(Instant, String)>>, Condvar);

/// The lines written to a FIFO so far, each with the time it was read.
pub struct Fifo {
    lines: Arc<Lines>,
    /// how many lines `next` has handed out
    taken: AtomicUsize,
}

impl Fifo {
    /// A fresh FIFO at `path` (an old file there is removed) and its reader.
    /// The reader opens it read-write, so neither side blocks on open and
    /// a writer that closes and reopens it loses nothing.
    pub fn create(path: &Path) -> io::Result<Fifo> {
        let _ = std::fs::remove_file(path);
        let c_path = CString::new(path.as_os_str().as_bytes())?;
        // SAFETY: c_path is a valid NUL-terminated string.
        if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } != 0 {
            return Err(io::Error::last_os_error());
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        let lines: Arc<Lines> = Arc::default();
        let shared = lines.clone();
        std::thread::spawn(move || {
            for line in io::BufReader::new(file)
                .lines()
                .map_while(Result::ok)
                .take(MAX_LINES)
            {
                let (list, arrived) = &*shared;
                list.lock().unwrap().push((Instant::now(), line));
                arrived.notify_all();
            }
        });
        Ok(Fifo {
            lines,
            taken: AtomicUsize::new(0),
        })
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        let list = self.lines.0.lock().unwrap();
        list.iter().map(|(_, l)| l.clone()).collect()
    }

    /// Wait at most `limit` until there are `n` lines; whether there are.
    pub fn wait(&self, n: usize, limit: Duration) -> bool {
        n == 0 || self.line_at(n - 1, limit).is_some()
    }

    /// The line after the last one `next` returned, waiting at most
    /// `limit` for it, with the time it was read.
    pub fn next(&self, limit: Duration) -> Option<(Instant, String)> {
        let i = self.taken.load(Ordering::Relaxed);
        let line = self.line_at(i, limit)?;
        self.taken.store(i + 1, Ordering::Relaxed);
        Some(line)
    }

    /// Line `i` (from 0), waiting at most `limit` for it.
    fn line_at(&self, i: usize, limit: Duration) -> Option<(Instant, String)> {
        let (list, arrived) = &*self.lines;
        let list = list.lock().unwrap();
        let (list, _) = arrived
            .wait_timeout_while(list, limit, |l| l.len() <= i)
            .unwrap();
        list.get(i).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_written_are_read_in_order_and_waits_are_bounded() {
        let dir = std::env::temp_dir().join(format!("netlab-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        let fifo = Fifo::create(&path).unwrap();
        let started = Instant::now();
        assert!(fifo.next(Duration::from_millis(50)).is_none());
        assert!(!fifo.wait(1, Duration::from_millis(50)));
        assert!(started.elapsed() >= Duration::from_millis(100));
        let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        w.write_all(b"one\ntwo\n").unwrap();
        assert!(fifo.wait(2, Duration::from_secs(5)));
        assert_eq!(fifo.lines(), ["one", "two"]);
        assert_eq!(fifo.next(Duration::from_secs(5)).unwrap().1, "one");
        // a writer that reopens the FIFO loses nothing
        drop(w);
        let mut w = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        w.write_all(b"three\n").unwrap();
        assert_eq!(fifo.next(Duration::from_secs(5)).unwrap().1, "two");
        assert_eq!(fifo.next(Duration::from_secs(5)).unwrap().1, "three");
        assert!(fifo.next(Duration::from_millis(10)).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
