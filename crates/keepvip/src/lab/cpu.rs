//! Steady-state CPU of a process or thread, read from the scheduler.
//!
//! The window is cut into one-second slices. The mean over the window is
//! the figure; the median slice is printed beside it because on a shared
//! VM a neighbour's burst only ever adds time (never removes it), so the
//! median says what the code costs when the machine is quiet, and the two
//! agreeing says the window was quiet.

use std::time::{Duration, Instant};

/// One slice.
const SLICE: Duration = Duration::from_secs(1);

/// CPU over a window, in percent of one core.
#[derive(Debug, Clone, Default)]
pub struct Cpu {
    /// over the whole window
    pub mean: f64,
    /// the median one-second slice
    pub median_slice: f64,
}

impl std::fmt::Display for Cpu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CPU {:.2} % of one core (median 1 s slice {:.2} %)",
            self.mean, self.median_slice
        )
    }
}

/// Measure for `window`: `read` returns the CPU seconds used so far.
pub fn sample(window: Duration, mut read: impl FnMut() -> f64) -> Cpu {
    let start = Instant::now();
    let first = read();
    let mut last = (first, start);
    let mut slices = Vec::new();
    while start.elapsed() < window {
        std::thread::sleep(SLICE.min(window.saturating_sub(start.elapsed())));
        let now = (read(), Instant::now());
        let dt = (now.1 - last.1).as_secs_f64();
        if dt > 0.0 {
            slices.push((now.0 - last.0) / dt * 100.0);
        }
        last = now;
    }
    let total = last.1.duration_since(start).as_secs_f64();
    Cpu {
        mean: if total > 0.0 {
            (last.0 - first) / total * 100.0
        } else {
            0.0
        },
        median_slice: median(&mut slices),
    }
}

/// The median (the upper one of an even count); 0 for none.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Run time of one thread in seconds (`/proc/PID/task/TID/schedstat`).
pub fn thread_seconds(pid: i32, tid: i32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/task/{tid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 3.0);
        assert_eq!(median(&mut []), 0.0);
    }

    #[test]
    fn a_steady_counter_gives_equal_mean_and_median() {
        // a fake clock-driven counter: 0.5 s of CPU per second of wall time
        let t0 = Instant::now();
        let cpu = sample(Duration::from_millis(1200), || {
            t0.elapsed().as_secs_f64() * 0.5
        });
        assert!((cpu.mean - 50.0).abs() < 1.0, "{cpu:?}");
        assert!((cpu.median_slice - 50.0).abs() < 1.0, "{cpu:?}");
    }
}
