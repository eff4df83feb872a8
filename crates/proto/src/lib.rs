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
mod router;
pub mod sim;
pub mod time;
pub mod timing;

use core::net::IpAddr;
use core::time::Duration;

pub use config::*;
pub use keepvip_wire as wire;
pub use router::{InstanceView, Router, TrackerEffect};
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
    /// An address the daemon removed itself is gone (a VIP given up, a
    /// leftover cleared): only the interface's address list changes, and
    /// with it perhaps the advert source; never taken for a VIP someone
    /// deleted.
    OwnAddressRemoved {
        /// interface
        iface: IfaceId,
        /// the address
        addr: IpAddr,
    },
    /// Someone deleted a virtual route from the kernel (the daemon found
    /// the configured route it matches): a MASTER that tracks it goes to
    /// BACKUP, as keepalived does, and takes over again after its timer.
    RouteRemoved(&'a RouteConfig),
    /// The same for a virtual rule.
    RuleRemoved(&'a RuleConfig),
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
    /// Install virtual policy-routing rules.
    AddRules {
        /// instance
        instance: InstanceId,
        /// rules
        rules: Vec<RuleConfig>,
    },
    /// Remove virtual policy-routing rules.
    RemoveRules {
        /// instance
        instance: InstanceId,
        /// rules
        rules: Vec<RuleConfig>,
    },
    /// Send one burst of gratuitous ARPs (IPv4) / unsolicited NAs (IPv6):
    /// `repeat` rounds over `addrs` (how far apart they go out is the
    /// interface's pacing, the daemon's business: keepalived paces them
    /// per interface, whatever instance sends them).
    Garp {
        /// instance
        instance: InstanceId,
        /// interface
        iface: IfaceId,
        /// addresses to announce
        addrs: Vec<IpAddr>,
        /// rounds in this burst
        repeat: u32,
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

/// Why an instance is in FAULT.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum FaultCause {
    /// a vrrp_script with weight 0 failed
    Script(String),
    /// a tracked file with weight 0 is not 0, or its value took the priority below 1
    File {
        /// track_file name
        name: String,
        /// the value read
        value: i64,
    },
    /// a tracked process lost its quorum (weight 0)
    Process(String),
    /// a tracked interface (or the instance's own) is down
    Interface(String),
    /// no source address: the interface has no address of the family
    /// (IPv4, or an IPv6 link-local) and none is configured
    NoAddress(wire::Family),
    /// `track_src_ip`: the configured source address is not on the interface
    SourceMissing(IpAddr),
    /// `unicast_fault_no_peer` and no peers
    NoUnicastPeers,
    /// another member of its sync group is in FAULT
    GroupMember(String),
}

impl core::fmt::Display for FaultCause {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FaultCause::Script(n) => write!(f, "script {n}"),
            FaultCause::File { name, value } => write!(f, "tracked file {name} has status {value}"),
            FaultCause::Process(n) => write!(f, "tracked process {n} quorum not achieved"),
            FaultCause::Interface(n) => write!(f, "interface {n} down"),
            FaultCause::NoAddress(wire::Family::V4) => f.write_str("no IPv4 address for interface"),
            FaultCause::NoAddress(wire::Family::V6) => f.write_str("no IPv6 address for interface"),
            FaultCause::SourceMissing(_) => f.write_str("src address not configured"),
            FaultCause::NoUnicastPeers => f.write_str("unicast without any peers"),
            FaultCause::GroupMember(n) => write!(f, "sync group member {n}"),
        }
    }
}

/// Why an advert was dropped (each has its own counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum DropReason {
    /// multicast advert with TTL / hop limit other than 255
    Ttl {
        /// as received
        got: u8,
    },
    /// unicast advert outside the peer's min_ttl..=max_ttl
    TtlRange {
        /// as received
        got: u8,
        /// the peer's min_ttl (0 unless given)
        min: u8,
        /// the peer's max_ttl (255 unless given)
        max: u8,
    },
    /// VRRP version differs from the instance's
    Version {
        /// as received
        got: u8,
    },
    /// auth type differs (v2)
    AuthType {
        /// as received (0 none, 1 PASS)
        got: u8,
        /// configured
        expected: u8,
    },
    /// PASS password differs (v2)
    AuthFailure,
    /// v2 advert interval differs from ours
    Interval {
        /// as received, seconds
        got: u16,
        /// configured, seconds
        ours: u16,
    },
    /// unicast instance: the source is not a configured peer
    UnknownPeer,
    /// multicast advert to a unicast instance or the reverse
    CastMismatch,
    /// the checksum is wrong (keepalived names the instance's version)
    Checksum {
        /// the instance's VRRP version, 2 or 3
        version: u8,
    },
    /// failed to parse (structure, ...)
    Malformed(wire::Error),
    /// the instance is not running (FAULT, stopped)
    NotRunning,
}

/// Per-instance counters (keepalived's `keepalived.stats` and more).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// adverts that passed validation
    pub adverts_rx: u64,
    /// adverts sent (each unicast peer counts once)
    pub adverts_tx: u64,
    /// priority-0 adverts received
    pub prio0_rx: u64,
    /// priority-0 adverts sent
    pub prio0_tx: u64,
    /// transitions to MASTER
    pub became_master: u64,
    /// MASTER → BACKUP/FAULT
    pub released_master: u64,
    /// transitions to BACKUP
    pub became_backup: u64,
    /// transitions to FAULT
    pub became_fault: u64,
    /// dropped: TTL / hop limit
    pub drop_ttl: u64,
    /// dropped: version
    pub drop_version: u64,
    /// dropped: auth type mismatch
    pub drop_auth_type: u64,
    /// dropped: wrong password
    pub drop_auth_failure: u64,
    /// dropped: v2 advert interval mismatch
    pub drop_interval: u64,
    /// dropped: source not a unicast peer
    pub drop_unknown_peer: u64,
    /// dropped: unicast/multicast mismatch
    pub drop_cast_mismatch: u64,
    /// dropped: bad checksum
    pub drop_checksum: u64,
    /// dropped: other parse errors
    pub drop_malformed: u64,
    /// received while not running (FAULT)
    pub drop_not_running: u64,
    /// VIP list differs from ours (logged, still processed)
    pub addr_list_mismatch: u64,
    /// v3 advert interval differs from ours (logged, still processed)
    pub interval_mismatch: u64,
    /// v3 over IPv4 peer uses the other checksum variant (accepted)
    pub checksum_variant_mismatch: u64,
    /// adverts sent, one per advert whatever the number of unicast peers
    /// (keepalived's `Sent`)
    pub advert_events_tx: u64,
    /// dropped: a unicast advert outside its peer's min_ttl..=max_ttl (in
    /// `drop_ttl` too)
    pub drop_ttl_range: u64,
    /// dropped: too short or long for its address count (in
    /// `drop_malformed` too)
    pub drop_length: u64,
    /// dropped: not an advertisement (in `drop_malformed` too)
    pub drop_type: u64,
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
    /// `(VI_1) Receive advertisement timeout` (detail)
    ReceiveTimeout {
        /// instance name
        instance: String,
    },
    /// `Assigned address 192.0.2.1 for interface eth0` (detail): an
    /// interface an instance uses got an address to send adverts from
    AddressAssigned {
        /// interface name
        iface: String,
        /// the address (IPv4, or IPv6 link-local)
        addr: IpAddr,
    },
    /// `Deassigned address 192.0.2.1 from interface eth0` (detail): it lost
    /// the last one
    AddressDeassigned {
        /// interface name
        iface: String,
        /// the address that went
        addr: IpAddr,
    },
    /// `(VI_1) Master received advert from X with higher priority P, ours Q`
    MasterRxHigher {
        /// instance name
        instance: String,
        /// sender
        from: IpAddr,
        /// their priority
        theirs: u8,
        /// ours
        ours: u8,
    },
    /// `(VI_1) Master received advert from X with same priority P but higher IP address than ours`
    MasterRxSameHigherIp {
        /// instance name
        instance: String,
        /// sender
        from: IpAddr,
        /// the priority
        prio: u8,
    },
    /// `(VI_1) Received advert from X with lower priority P, ours Q, forcing new election`
    MasterRxLower {
        /// instance name
        instance: String,
        /// sender
        from: IpAddr,
        /// their priority
        theirs: u8,
        /// ours
        ours: u8,
        /// an advert is sent in answer (not with `lower_prio_no_advert`)
        forcing: bool,
    },
    /// `(VI_1) Master received priority 0 message`
    MasterRxPrio0 {
        /// instance name
        instance: String,
    },
    /// `(VI_1) received lower priority (90) advert from X - discarding`
    BackupRxLower {
        /// instance name
        instance: String,
        /// sender
        from: IpAddr,
        /// their priority
        theirs: u8,
    },
    /// `(VI_1) CONFIGURATION ERROR: local instance and a remote instance are
    /// both configured as address owner, please fix - reducing local
    /// priority`: a MASTER at 255 heard another 255 and steps down to 254
    TwoOwners {
        /// instance name
        instance: String,
    },
    /// `(VI_1) WARNING - equal priority advert received from remote host
    /// with our IP address.` (ignored)
    EqualPriorityFromOurAddress {
        /// instance name
        instance: String,
    },
    /// `VRRP_Group(VG): Syncing VI_1 to FAULT state`: at start, the first
    /// member of a sync group found in FAULT takes the group with it
    GroupFaultAtStart {
        /// the group
        group: String,
        /// the member in FAULT
        instance: String,
    },
    /// `(VI_1) start preempt delay (2.000000)` (detail): a BACKUP with
    /// `preempt_delay` heard its first lower-priority advert
    PreemptDelayStart {
        /// instance name
        instance: String,
        /// the configured delay
        delay: Duration,
    },
    /// `(VI_1) stop preempt delay` (detail): a master at least as good
    /// as us came back while the delay ran
    PreemptDelayStop {
        /// instance name
        instance: String,
    },
    /// `(VI_1) Backup received priority 0 advertisement` (detail)
    BackupRxPrio0 {
        /// instance name
        instance: String,
    },
    /// `(VI_1) sent 0 priority` (detail)
    SentPrio0 {
        /// instance name
        instance: String,
    },
    /// `(VI_1) setting VIPs.`
    SettingVips {
        /// instance name
        instance: String,
    },
    /// `(VI_1) removing VIPs.`
    RemovingVips {
        /// instance name
        instance: String,
    },
    /// `(VI_1) setting E-VIPs.` / `(VI_1) removing E-VIPs.` (detail): the
    /// excluded addresses, after the others
    ExcludedVips {
        /// instance name
        instance: String,
        /// setting (else removing)
        set: bool,
    },
    /// `(VI_1) setting Virtual Routes` / `(VI_1) removing Virtual Routes`
    /// (detail)
    VirtualRoutes {
        /// instance name
        instance: String,
        /// setting (else removing)
        set: bool,
    },
    /// `(VI_1) setting Virtual Rules` / `(VI_1) removing Virtual Rules`
    /// (detail)
    VirtualRules {
        /// instance name
        instance: String,
        /// setting (else removing)
        set: bool,
    },
    /// `(VI_1) ip address 192.0.2.201/24 dev eth0, no longer exist`: a
    /// reload took a MASTER's VIP away
    VipGone {
        /// instance name
        instance: String,
        /// the address
        addr: IpAddr,
        /// its prefix length
        prefix_len: u8,
        /// the interface it was on
        dev: String,
    },
    /// `(VI_1) Changing effective priority from 100 to 80`
    PriorityChange {
        /// instance name
        instance: String,
        /// before
        from: u8,
        /// after
        to: u8,
    },
    /// `VRRP_Group(G1) Syncing instances to MASTER state`
    GroupSyncing {
        /// group name
        group: String,
        /// target state
        state: State,
    },
    /// Why an instance starts in FAULT (keepalived logs one line per cause).
    FaultDueTo {
        /// instance name
        instance: String,
        /// what caused it
        cause: FaultCause,
    },
    /// An advert was dropped (the daemon rate-limits these lines).
    Dropped {
        /// instance name
        instance: String,
        /// sender
        from: IpAddr,
        /// why
        reason: DropReason,
    },
    /// `(VI_1) received an unexpected ip number count 2, expected 1!`
    AddrCountMismatch {
        /// instance name
        instance: String,
        /// in the advert
        got: usize,
        /// ours
        expected: usize,
    },
    /// `(VI_1) ip address associated with VRID 51 not present in MASTER advert: X`
    AddrMissing {
        /// instance name
        instance: String,
        /// VRID
        vrid: u8,
        /// our VIP the advert lacks
        addr: IpAddr,
    },
    /// v3, -D: `(VI_1) advertisement interval updated from 100ms to
    /// 1000ms by master` (a BACKUP adopts the master's interval)
    MasterAdverIntUpdated {
        /// instance name
        instance: String,
        /// the interval in use until now
        from: Duration,
        /// the master's
        to: Duration,
    },
    /// v3, -D: `(VI_1) changing advert interval from 1000ms to locally
    /// configured 100ms` (a new MASTER goes back to its own)
    AdverIntRestored {
        /// instance name
        instance: String,
        /// the master's interval it used as BACKUP
        from: Duration,
        /// its own
        to: Duration,
    },
    /// A VRRPv3/IPv4 peer uses the other checksum variant than we send.
    PeerChecksumVariant {
        /// instance name
        instance: String,
        /// the peer
        from: IpAddr,
        /// the variant it used
        theirs: wire::ChecksumMode,
    },
    /// An advert for a VRID we do not run on this interface (watcher material).
    UnknownVrid {
        /// interface
        iface: IfaceId,
        /// VRID
        vrid: u8,
        /// sender
        from: IpAddr,
    },
    /// anything else
    Other {
        /// instance name, if any
        instance: Option<String>,
        /// message
        text: String,
    },
}
