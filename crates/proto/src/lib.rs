//! keepvip-proto: the VRRP protocol as a pure state machine ("sans-IO").
//!
//! ```text
//! let mut router = Router::new(config, now);
//! router.handle(now, Input::Advert { .. });        // also Tracker, Link, Address, Shutdown, Reload
//! while let Some(action) = router.poll_action() { /* Send, AddVips, RemoveVips, Garp, Notify, Log */ }
//! let next = router.poll_timeout();                // the caller sleeps until then, then handle_timeout(now)
//! ```
//!
//! CONTRACT: the types in this file and in `config` are what the daemon and
//! conf code against. They may be extended; changing them means updating
//! every user.

pub mod config;
pub mod time;

use core::net::IpAddr;

pub use config::*;
pub use keepvip_wire as wire;
pub use time::Instant;

/// Index of an instance in the router (stable for the life of the instance;
/// a reload keeps the id of a matched instance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct InstanceId(pub u32);

/// Interned interface name (see `Router::iface_id`). Stable across reloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct IfaceId(pub u32);

/// VRRP instance state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum State {
    /// not started yet
    Init,
    /// BACKUP
    Backup,
    /// MASTER
    Master,
    /// FAULT
    Fault,
}

/// State reported to notify scripts and the FIFO.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum NotifyState {
    /// MASTER
    Master,
    /// BACKUP
    Backup,
    /// FAULT
    Fault,
    /// STOP (daemon shutting down)
    Stop,
    /// DELETED (instance removed by a reload)
    Deleted,
    /// MASTER_RX_LOWER_PRI (master received a lower-priority advert)
    MasterRxLowerPri,
}

/// Who a notify is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum NotifyTarget {
    /// a vrrp_instance, by name
    Instance(String),
    /// a vrrp_sync_group, by name
    Group(String),
}

/// State of a tracker as reported by the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TrackerState {
    /// script succeeded (after `rise`), interface up, process in quorum
    Up,
    /// script failed (after `fall`), interface down, process out of quorum
    Down,
    /// track_file value
    Value(i64),
}

/// Where an advert goes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Destination {
    /// the multicast group (224.0.0.18 / ff02::12 unless configured)
    Multicast(IpAddr),
    /// each unicast peer
    Unicast(Vec<IpAddr>),
}

/// Everything the daemon tells the router.
#[derive(Debug, Clone)]
pub enum Input<'a> {
    /// A VRRP advert that parsed (structure and checksum) on `iface`.
    Advert {
        /// interface it arrived on
        iface: IfaceId,
        /// IP source
        src: IpAddr,
        /// IP destination
        dst: IpAddr,
        /// TTL / hop limit as received
        ttl: u8,
        /// the parsed advert
        advert: wire::VrrpRepr<'a>,
        /// checksum variant the sender used (to warn on a mismatched peer)
        checksum: wire::ChecksumMode,
    },
    /// A packet that failed to parse; counted against the instance if its VRID is known.
    Malformed {
        /// interface it arrived on
        iface: IfaceId,
        /// family of the socket
        family: wire::Family,
        /// VRID byte if the packet was long enough to have one
        vrid: Option<u8>,
        /// source address
        src: IpAddr,
        /// why it failed
        error: wire::Error,
    },
    /// A tracker changed.
    Tracker {
        /// which one
        key: TrackerKey,
        /// its new state
        state: TrackerState,
    },
    /// Interface operational state changed (running / not running).
    Link {
        /// interface
        iface: IfaceId,
        /// true when up and running
        up: bool,
    },
    /// An address appeared on or disappeared from an interface (primary
    /// address for the advert source, and externally deleted VIPs).
    Address {
        /// interface
        iface: IfaceId,
        /// the address
        addr: IpAddr,
        /// prefix length
        prefix_len: u8,
        /// true = added, false = removed
        added: bool,
    },
    /// Stop: masters send priority 0 and remove their VIPs; STOP notifies.
    Shutdown,
    /// Apply a new validated configuration.
    Reload(RouterConfig),
}

/// Everything the router asks the daemon to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Action {
    /// Send an advert for `instance`.
    SendAdvert {
        /// instance
        instance: InstanceId,
        /// interface to send on
        iface: IfaceId,
        /// source address (None: the daemon picks the interface primary / link-local)
        src: Option<IpAddr>,
        /// destination(s)
        dst: Destination,
        /// version
        version: wire::Version,
        /// family
        family: wire::Family,
        /// VRID
        vrid: u8,
        /// priority to advertise (0 when leaving)
        priority: u8,
        /// interval in the packet's unit (v2 s, v3 cs)
        max_adver_int: u16,
        /// v2 authentication
        auth: Option<AuthConfig>,
        /// checksum style for v3 over IPv4
        checksum: wire::ChecksumMode,
        /// TTL / hop limit to send with
        ttl: u8,
    },
    /// Install addresses (VIPs and excluded VIPs) for a new master.
    AddVips {
        /// instance
        instance: InstanceId,
        /// default interface
        iface: IfaceId,
        /// addresses
        vips: Vec<VipConfig>,
    },
    /// Remove addresses.
    RemoveVips {
        /// instance
        instance: InstanceId,
        /// default interface
        iface: IfaceId,
        /// addresses
        vips: Vec<VipConfig>,
    },
    /// Install virtual routes.
    AddRoutes {
        /// instance
        instance: InstanceId,
        /// routes
        routes: Vec<RouteConfig>,
    },
    /// Remove virtual routes.
    RemoveRoutes {
        /// instance
        instance: InstanceId,
        /// routes
        routes: Vec<RouteConfig>,
    },
    /// Send one burst of gratuitous ARPs (IPv4) / unsolicited NAs (IPv6):
    /// `repeat` rounds over `addrs`, `interval` apart.
    Garp {
        /// instance
        instance: InstanceId,
        /// interface
        iface: IfaceId,
        /// addresses to announce
        addrs: Vec<IpAddr>,
        /// rounds in this burst
        repeat: u32,
        /// gap between packets
        interval: core::time::Duration,
    },
    /// Run notify scripts / write the FIFO.
    Notify {
        /// instance or group
        target: NotifyTarget,
        /// state
        state: NotifyState,
        /// effective priority (0 for groups)
        priority: u8,
    },
    /// An instance changed state.
    StateChange {
        /// instance
        instance: InstanceId,
        /// previous
        from: State,
        /// new
        to: State,
    },
    /// Something to log; the daemon renders keepalived's text.
    Log(LogEvent),
}

/// Structured log events (rendered by the daemon as keepalived 2.x lines).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum LogEvent {
    /// `(VI_1) Entering BACKUP STATE (init)` etc.
    EnteringState {
        /// instance name
        instance: String,
        /// new state
        state: State,
        /// `(init)` suffix
        init: bool,
    },
    /// placeholder: the proto implementation adds the full list
    Other {
        /// instance name, if any
        instance: Option<String>,
        /// message
        text: String,
    },
}
