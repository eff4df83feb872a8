//! netlab: a LAN of Linux network namespaces for keepvip's integration
//! tests, benchmarks and demo.
//!
//! [`Lab::new`] builds, from a [`LabSpec`]:
//!
//! * one **bridge namespace** `<prefix>br` holding the bridges
//!   `br0..br{segments-1}` (STP off, `forward_delay 0`, multicast snooping
//!   off so VRRP multicast floods, IPv6 disabled so the bridges themselves
//!   stay silent);
//! * one namespace per **router**, `<prefix>r<i>`, with interfaces
//!   `eth0..eth{segments-1}`: `ethK` is a veth whose peer `r<i>k<K>` is a
//!   port of `brK` in the bridge namespace;
//! * optionally a **client** namespace `<prefix>c`, with one interface per
//!   segment too (`ethK`, bridge port `ck<K>`).
//!
//! `<prefix>` is `<family><pid>x<n>-`, e.g. `kvt4242x0-`, unique per lab in
//! this process. Every link is created inside a lab namespace; the root
//! namespace is never touched. Dropping the [`Lab`] (also while unwinding
//! from a panic) stops every process it spawned (SIGTERM, 1 s, SIGKILL, by
//! PID), then every process still inside its namespaces (daemons that
//! forked away, found with `ip netns pids`), then deletes its namespaces
//! and its scratch directory [`Lab::dir`] (kept if `NETLAB_KEEP` is set). Namespaces of the same family left behind by a process that
//! no longer exists are deleted by the next [`Lab::new`].
//!
//! # Address plan
//!
//! Host numbers are the same on every segment: router `i` is host `11 + i`
//! (at most [`MAX_ROUTERS`] routers), the client is host `100`
//! ([`CLIENT_HOST`]), and the free host numbers `101..121` are meant for
//! virtual addresses ([`vip_v4`], [`vip_v6`]).
//!
//! | segment | IPv4 subnet | router i | client | IPv6 subnet |
//! |---|---|---|---|---|
//! | 0 | 192.0.2.0/24 | 192.0.2.(11+i) | 192.0.2.100 | 2001:db8::/64 |
//! | 1 | 198.51.100.0/24 | 198.51.100.(11+i) | 198.51.100.100 | 2001:db8:1::/64 |
//! | 2 | 203.0.113.0/25 | 203.0.113.(11+i) | 203.0.113.100 | 2001:db8:2::/64 |
//! | 3 | 203.0.113.128/25 | 203.0.113.(139+i) | 203.0.113.228 | 2001:db8:3::/64 |
//!
//! Only three IPv4 documentation /24s exist, so segments 2 and 3 split
//! 203.0.113.0/24 in two /25s (host `h` is `base + h` in each).
//!
//! IPv6 addresses are `2001:db8:<seg>::<h>/64` where the last group is the
//! host number *written* in decimal and read as hex, so that
//! 192.0.2.11 pairs with 2001:db8::11 and 192.0.2.100 with 2001:db8::100.
//! They are added with `nodad`; inside router and client namespaces
//! `accept_dad` is 0 (link-local addresses are usable at once) and
//! `keep_addr_on_down` is 1 (addresses survive [`Lab::set_link`] down/up).
//!
//! MACs are fixed: router `i` on segment `s` is `02:00:00:<s>:<i>:01`
//! ([`router_mac`]), the client `02:00:00:<s>:64:01` ([`client_mac`]); the
//! bridge-side peers end in `:02`.
//!
//! # Tools used
//!
//! `ip` (iproute2) for everything, `sysctl` inside lab namespaces, `tcpdump`
//! for [`Lab::capture`]. The `ping` binary is *not* needed: [`Lab::ping`]
//! sends ICMP echo from a thread that has `setns(2)`ed into the namespace.

mod addr;
mod cmd;
mod fifo;
mod lab;
mod nsthread;
pub mod pcap;
mod proc;

use std::time::{Duration, Instant};

pub use addr::*;
pub use cmd::DEFAULT_TIMEOUT;
pub use fifo::Fifo;
pub use lab::{Capture, Lab, LabSpec};
pub use pcap::Packet;
pub use proc::{Proc, Sink, SpawnOpts};

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The [`LabSpec`] or an argument is out of range.
    #[error("invalid lab spec or argument: {0}")]
    Spec(String),
    /// An I/O error, with what was being done.
    #[error("{what}: {source}")]
    Io {
        /// What failed.
        what: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A command exited with a non-zero status.
    #[error("command `{cmd}` failed ({status}): {stderr}")]
    Command {
        /// The argv, space-joined.
        cmd: String,
        /// Its exit status.
        status: String,
        /// Its stderr, trimmed.
        stderr: String,
    },
    /// A bounded wait ran out.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long it waited.
        after: Duration,
    },
    /// A namespace that is not part of this lab was named.
    #[error("namespace `{0}` is not part of this lab")]
    UnknownNs(String),
    /// Unexpected output (JSON from `ip -j`, a pcap file).
    #[error("parse error: {0}")]
    Parse(String),
}

impl LabError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        LabError::Io {
            what: what.into(),
            source,
        }
    }
}

/// Polls `f` every 5 ms until it returns true or `timeout` passes. Returns
/// how long it took; the error names `what`.
pub fn wait_for(
    what: &str,
    timeout: Duration,
    mut f: impl FnMut() -> bool,
) -> Result<Duration, LabError> {
    let start = Instant::now();
    // Bounded by `timeout`.
    loop {
        if f() {
            return Ok(start.elapsed());
        }
        if start.elapsed() >= timeout {
            return Err(LabError::Timeout {
                what: what.to_string(),
                after: start.elapsed(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// True when running as root (euid 0), which building a lab needs.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// True when the programs a lab needs are installed (`ip`).
pub fn have_ip() -> bool {
    have_program("ip")
}

/// True when `name` is an executable in `$PATH` (or the sbin dirs).
pub fn have_program(name: &str) -> bool {
    let path = std::env::var("PATH").unwrap_or_default();
    let found = path
        .split(':')
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
        .any(|d| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(std::path::Path::new(d).join(name))
                .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
                .unwrap_or(false)
        });
    found
}

/// Why a lab cannot be built here (not root, no `ip`), or `None` if it
/// can. Tests print `SKIPPED: <reason>` and return when this is `Some`.
pub fn skip_reason() -> Option<String> {
    if !is_root() {
        return Some("needs root".into());
    }
    if !have_ip() {
        return Some("needs the `ip` program (iproute2)".into());
    }
    if !std::path::Path::new("/proc/self/ns/net").exists() {
        return Some("needs network namespaces".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_for_succeeds_and_times_out() {
        let mut n = 0;
        let d = wait_for("three calls", Duration::from_secs(1), || {
            n += 1;
            n >= 3
        })
        .unwrap();
        assert!(d < Duration::from_secs(1));
        let e = wait_for("never", Duration::from_millis(20), || false).unwrap_err();
        assert!(e.to_string().contains("never"), "{e}");
    }

    #[test]
    fn finds_sh() {
        assert!(have_program("sh"));
        assert!(!have_program("no-such-program-netlab"));
    }
}
