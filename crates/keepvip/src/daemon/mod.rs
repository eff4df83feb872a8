//! The daemon: a single-threaded tokio loop that drives the protocol core.
//!
//! Everything that happens (a packet, a timer, a netlink event, a tracker
//! result, a signal, a control request) becomes one `Router::handle` call;
//! then every action the router queued is carried out, in order. The advert
//! a new master sends is the router's first action, so nothing (logging,
//! netlink, GARP) sits between the deadline and the advert.

pub mod dump;
pub mod garp_pacing;
pub mod ifaces;
pub mod own;
pub mod render;
pub mod run;
pub mod scripts;
pub mod text;
pub mod trackers;
pub mod vmac;

use std::time::Duration;

use tokio::sync::mpsc;

/// Why the daemon stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// the configuration did not load
    #[error("{0}")]
    Config(String),
    /// missing privileges
    #[error(transparent)]
    Capability(#[from] crate::sys::CapError),
    /// an OS call failed
    #[error("{what}: {source}")]
    Io {
        /// what we were doing
        what: String,
        /// the OS error
        #[source]
        source: std::io::Error,
    },
}

impl DaemonError {
    /// Wrap an io::Error with what we were doing.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        DaemonError::Io {
            what: what.into(),
            source,
        }
    }
}

/// Capacity of the event channel between I/O tasks and the loop.
pub const EVENT_QUEUE: usize = 4096;

/// How long the STOP notify scripts may run on shutdown (keepalived: 1 s).
pub const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);

/// A bounded event channel.
pub fn channel<T>() -> (mpsc::Sender<T>, mpsc::Receiver<T>) {
    mpsc::channel(EVENT_QUEUE)
}
