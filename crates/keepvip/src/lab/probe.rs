//! A client that fetches `http://VIP/` on a fixed period and records what it
//! got, to measure what a user of the VIP sees during a failover.
//!
//! Runs on its own thread (so the caller can put that thread in the client's
//! network namespace first). Every loop is bounded by a stop flag and a
//! maximum duration.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// when the request started, since the probe started
    pub at: Duration,
    /// the response body's first line (the page names its node), or None on failure
    pub page: Option<String>,
}

/// A running probe.
pub struct Probe {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<Sample>>>,
    started: Instant,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Fetch `/` once; the first non-empty line of the body.
pub fn fetch(addr: SocketAddr, timeout: Duration) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&addr, timeout).ok()?;
    s.set_read_timeout(Some(timeout)).ok()?;
    s.set_write_timeout(Some(timeout)).ok()?;
    let req = format!(
        "GET / HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
        addr.ip()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut buf = Vec::with_capacity(512);
    // Bounded: at most 64 KiB.
    s.take(65536).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status_ok = head.starts_with("HTTP/1.") && head.split_whitespace().nth(1) == Some("200");
    if !status_ok {
        return None;
    }
    body.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

impl Probe {
    /// Start probing `addr` every `period` with `timeout` per request, for at
    /// most `max_run`. `enter` runs first on the probe thread (e.g. setns).
    pub fn start(
        addr: SocketAddr,
        period: Duration,
        timeout: Duration,
        max_run: Duration,
        enter: impl FnOnce() -> std::io::Result<()> + Send + 'static,
    ) -> std::io::Result<Probe> {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let started = Instant::now();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (st, sm) = (stop.clone(), samples.clone());
        let thread = std::thread::spawn(move || {
            if let Err(e) = enter() {
                let _ = ready_tx.send(Err(e));
                return;
            }
            let _ = ready_tx.send(Ok(()));
            let mut next = Instant::now();
            while !st.load(Ordering::Relaxed) && started.elapsed() < max_run {
                let at = started.elapsed();
                let page = fetch(addr, timeout);
                if let Ok(mut v) = sm.lock() {
                    v.push(Sample { at, page });
                }
                next += period;
                let now = Instant::now();
                if next > now {
                    std::thread::sleep(next - now);
                } else {
                    next = now;
                }
            }
        });
        match ready_rx.recv_timeout(Duration::from_secs(5)) {
            Ok(Ok(())) => Ok(Probe {
                stop,
                samples,
                started,
                thread: Some(thread),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(std::io::Error::other("probe thread did not start")),
        }
    }

    /// Time since the probe started (the samples' time base).
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// A copy of the samples so far.
    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Stop and return every sample.
    pub fn finish(mut self) -> Vec<Sample> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.samples()
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What the client saw around one event that happened at `event_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// last successful request before the first failure at or after the event
    pub last_ok_before: Option<Duration>,
    /// first successful request after the gap
    pub first_ok_after: Option<Duration>,
    /// page served after the gap
    pub page_after: Option<String>,
    /// failed requests in the gap
    pub failed: usize,
}

impl Outage {
    /// Length of the gap in service (zero if nothing failed).
    pub fn gap(&self) -> Duration {
        match (self.last_ok_before, self.first_ok_after) {
            (Some(a), Some(b)) if self.failed > 0 => b.saturating_sub(a),
            _ => Duration::ZERO,
        }
    }
}

/// Analyse the samples in `[from, to)`: the first run of failures and what
/// came after it; or, with no failure, the page served at the end.
pub fn outage(samples: &[Sample], from: Duration, to: Duration) -> Outage {
    let window: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at >= from && s.at < to)
        .collect();
    let mut last_ok = samples
        .iter()
        .rev()
        .find(|s| s.at < from && s.page.is_some())
        .map(|s| s.at);
    let mut failed = 0;
    let mut in_gap = false;
    for s in &window {
        match (&s.page, in_gap) {
            (Some(_), false) => last_ok = Some(s.at),
            (None, _) => {
                in_gap = true;
                failed += 1;
            }
            (Some(p), true) => {
                return Outage {
                    last_ok_before: last_ok,
                    first_ok_after: Some(s.at),
                    page_after: Some(p.clone()),
                    failed,
                }
            }
        }
    }
    Outage {
        last_ok_before: last_ok,
        first_ok_after: None,
        page_after: window.iter().rev().find_map(|s| s.page.clone()),
        failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(ms: u64, page: Option<&str>) -> Sample {
        Sample {
            at: Duration::from_millis(ms),
            page: page.map(str::to_string),
        }
    }

    #[test]
    fn outage_measures_the_gap() {
        let v = vec![
            s(0, Some("r1")),
            s(10, Some("r1")),
            s(20, None),
            s(30, None),
            s(40, Some("r2")),
            s(50, Some("r2")),
        ];
        let o = outage(&v, Duration::from_millis(15), Duration::from_millis(100));
        assert_eq!(o.failed, 2);
        assert_eq!(o.gap(), Duration::from_millis(30));
        assert_eq!(o.page_after.as_deref(), Some("r2"));
    }

    #[test]
    fn no_outage() {
        let v = vec![s(0, Some("r1")), s(10, Some("r1"))];
        let o = outage(&v, Duration::ZERO, Duration::from_millis(100));
        assert_eq!(o.failed, 0);
        assert_eq!(o.gap(), Duration::ZERO);
        assert_eq!(o.page_after.as_deref(), Some("r1"));
    }

    #[test]
    fn fetch_from_a_local_server() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            let mut b = [0u8; 512];
            let _ = c.read(&mut b);
            c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n\nnode r1\n")
                .unwrap();
        });
        assert_eq!(
            fetch(addr, Duration::from_secs(2)).as_deref(),
            Some("node r1")
        );
        t.join().unwrap();
    }
}
