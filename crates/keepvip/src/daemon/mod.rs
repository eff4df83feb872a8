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
pub mod notify_fifo;
pub mod own;
pub mod render;
pub mod run;
pub mod script_check;
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

/// Capacity of the event channel between I/O tasks and the loop. A full
/// queue makes the socket tasks wait, so a flood of packets is dropped
/// (and counted) by the kernel, not queued here without bound.
pub const EVENT_QUEUE: usize = 4096;

/// Everything that wakes the loop besides its protocol timer, on one
/// channel. A wake-up for an advert then polls one receiver instead of one
/// per source: each idle channel polled is a few cache lines the 10 ms
/// sleep left cold, and at 100 wake-ups a second four of them cost a
/// measurable tenth of the daemon's CPU (docs/performance.md). The price:
/// under a flood, a signal, a control request or a link change waits
/// behind at most `EVENT_QUEUE` packets, a few microseconds each, so
/// milliseconds; order within a source is kept.
pub enum Event {
    /// a VRRP packet from a socket task
    Packet(Packet),
    /// a link, address, route or rule change from netlink
    Net(crate::net::netlink::NetEvent),
    /// a script's, file's or process's new state
    Tracker(keepvip_proto::TrackerKey, keepvip_proto::TrackerState),
    /// a request on the control socket
    Control(crate::control::Pending),
    /// a signal, folded by the signal task
    Signal(Signal),
}

impl From<crate::net::netlink::NetEvent> for Event {
    fn from(ev: crate::net::netlink::NetEvent) -> Self {
        Event::Net(ev)
    }
}

impl From<crate::control::Pending> for Event {
    fn from(p: crate::control::Pending) -> Self {
        Event::Control(p)
    }
}

/// The loop's event channel (bounded: see `EVENT_QUEUE`).
pub fn event_channel() -> (mpsc::Sender<Event>, mpsc::Receiver<Event>) {
    mpsc::channel(EVENT_QUEUE)
}

/// A packet from a socket task.
pub struct Packet {
    /// kernel receive time (CLOCK_REALTIME), if the kernel gave one
    pub arrival: Option<Duration>,
    pub ifindex: u32,
    pub family: keepvip_proto::wire::Family,
    pub src: std::net::IpAddr,
    pub dst: std::net::IpAddr,
    pub ttl: u8,
    pub payload: Vec<u8>,
}

/// What a signal asks of the loop.
pub enum Signal {
    /// SIGTERM, SIGINT
    Stop,
    /// SIGHUP
    Reload,
    /// SIGUSR1: keepalived.data
    Data,
    /// SIGUSR2: keepalived.stats; SIGRTMAX-1 (STATS_CLEAR) also clears
    Stats {
        /// clear the counters after writing them
        clear: bool,
    },
    /// SIGRTMIN+2: keepalived.json
    Json,
    /// SIGXCPU: half of vrrp_rlimit_rttime used without a pause
    CpuTime,
}

/// How long the STOP notify scripts may run on shutdown (keepalived: 1 s).
pub const STOP_SCRIPT_WAIT: Duration = Duration::from_secs(1);
