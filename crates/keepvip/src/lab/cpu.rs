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
    /// every slice, in order
    pub slices: Vec<f64>,
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
    sample_together(window, &mut [&mut read]).remove(0)
}

/// Measure several processes over the same window and the same slices
/// (each reader returns the CPU seconds its process used so far), so
/// that their slices can be compared one by one.
pub fn sample_together(window: Duration, readers: &mut [&mut dyn FnMut() -> f64]) -> Vec<Cpu> {
    let start = Instant::now();
    let first: Vec<f64> = readers.iter_mut().map(|r| r()).collect();
    let mut last = (first.clone(), start);
    let mut slices = vec![Vec::new(); readers.len()];
    while start.elapsed() < window {
        std::thread::sleep(SLICE.min(window.saturating_sub(start.elapsed())));
        let now: Vec<f64> = readers.iter_mut().map(|r| r()).collect();
        let t = Instant::now();
        let dt = (t - last.1).as_secs_f64();
        if dt > 0.0 {
            for (i, s) in slices.iter_mut().enumerate() {
                s.push((now[i] - last.0[i]) / dt * 100.0);
            }
        }
        last = (now, t);
    }
    let total = last.1.duration_since(start).as_secs_f64();
    slices
        .into_iter()
        .enumerate()
        .map(|(i, slices)| Cpu {
            mean: if total > 0.0 {
                (last.0[i] - first[i]) / total * 100.0
            } else {
                0.0
            },
            median_slice: median(&mut slices.clone()),
            slices,
        })
        .collect()
}

/// The median of `a`'s slices divided by `b`'s, slice by slice: how much
/// `a` cost relative to `b` at the same moments.
pub fn median_ratio(a: &Cpu, b: &Cpu) -> f64 {
    let mut r: Vec<f64> = a
        .slices
        .iter()
        .zip(&b.slices)
        .filter(|(_, y)| **y > 0.0)
        .map(|(x, y)| x / y)
        .collect();
    median(&mut r)
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

    #[test]
    fn readers_sampled_together_give_their_ratio() {
        let t0 = Instant::now();
        let mut a = || t0.elapsed().as_secs_f64() * 0.3;
        let mut b = || t0.elapsed().as_secs_f64() * 0.2;
        let v = sample_together(Duration::from_millis(1200), &mut [&mut a, &mut b]);
        assert!((median_ratio(&v[0], &v[1]) - 1.5).abs() < 0.01, "{v:?}");
        assert_eq!(v[0].slices.len(), v[1].slices.len());
    }
}
