//! What keepvip removed itself, so that the event the kernel sends about
//! it is not taken for someone else's deletion: the event sockets hear of
//! the daemon's own changes too. Each event uses up its entry; an entry
//! whose event never came (lost in an overrun) goes after 2 s, so it can
//! hide a real deletion for that long at most.

use std::time::{Duration, Instant};

/// How long an entry waits for its event.
const KEEP: Duration = Duration::from_secs(2);

/// Removals keepvip made, of addresses, routes or rules.
#[derive(Debug)]
pub struct OwnRemovals<T> {
    list: Vec<(T, Instant)>,
}

impl<T> Default for OwnRemovals<T> {
    fn default() -> Self {
        OwnRemovals { list: Vec::new() }
    }
}

impl<T> OwnRemovals<T> {
    /// keepvip just removed `what`.
    pub fn note(&mut self, what: T) {
        self.list.push((what, Instant::now()));
    }

    /// Whether a deletion event (`is` picks the entry it is about) was of
    /// keepvip's own removal; its entry is used up.
    pub fn take(&mut self, is: impl Fn(&T) -> bool) -> bool {
        let cutoff = Instant::now() - KEEP;
        self.list.retain(|(_, t)| *t > cutoff);
        match self.list.iter().position(|(w, _)| is(w)) {
            Some(k) => {
                self.list.remove(k);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_uses_up_one_entry() {
        let mut own = OwnRemovals::default();
        own.note(1);
        own.note(1);
        own.note(2);
        assert!(own.take(|w| *w == 1));
        assert!(own.take(|w| *w == 1));
        assert!(!own.take(|w| *w == 1), "a third deletion is someone's");
        assert!(own.take(|w| *w == 2));
        assert!(!own.take(|w| *w == 3));
    }
}
