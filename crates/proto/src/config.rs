//! The typed, validated description of what to run: instances, sync groups
//! and the trackers they follow. `keepvip-conf` builds it from
//! keepalived.conf; tests build it directly. Defaults are keepalived's.
//!
//! CONTRACT: conf and the daemon code against these types. Extend them (new
//! fields need a default in the `Default`/constructor) rather than change them.

use core::net::IpAddr;
use core::time::Duration;

pub use keepvip_wire::{Family, Version};
use serde::Serialize;

/// Everything the router runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RouterConfig {
    /// VRRP instances, in configuration order.
    pub instances: Vec<InstanceConfig>,
    /// vrrp_sync_group blocks.
    pub sync_groups: Vec<SyncGroupConfig>,
}

/// Initial state requested by `state MASTER|BACKUP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum StateHint {
    /// `state MASTER` (only the address owner, priority 255, starts as MASTER).
    Master,
    /// `state BACKUP` or nothing.
    #[default]
    Backup,
}

/// Authentication for VRRPv2 (`authentication { auth_type PASS; auth_pass X }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthConfig {
    /// PASS with the password zero padded to 8 bytes.
    Pass([u8; 8]),
}

/// One `virtual_ipaddress` (or `_excluded`) entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VipConfig {
    /// the address
    pub addr: IpAddr,
    /// prefix length (default /32 or /128)
    pub prefix_len: u8,
    /// `dev IF`; None = the instance's interface
    pub dev: Option<String>,
    /// `brd X` (IPv4)
    pub broadcast: Option<IpAddr>,
    /// `scope S` as the kernel's numeric scope (0 global, 253 link, 254 host)
    pub scope: Option<u8>,
    /// `label L` (IFA_LABEL, e.g. `eth0:vip`)
    pub label: Option<String>,
    /// `peer IP`
    pub peer: Option<IpAddr>,
    /// `no_track`: deleting it externally does not make the master leave
    pub no_track: bool,
    /// `use_vmac` on the address: it goes on a VMAC of its own (the
    /// configuration resolves that into `dev`)
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub use_vmac: bool,
    /// IPv6 `preferred_lft` in seconds (None: forever). 0 marks the address
    /// deprecated, so the kernel does not pick it as a source; keepalived's
    /// default for a /128 VIP
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_lft: Option<u32>,
    /// IPv6 `-nodad`: duplicate address detection stays on (VIPs are
    /// added `nodad` otherwise, as keepalived adds them)
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dad: bool,
    /// further IFA_F_* flags: `home`, `mngtmpaddr`, `noprefixroute`,
    /// `autojoin`
    #[serde(skip_serializing_if = "is_zero")]
    pub ifa_flags: u32,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

impl VipConfig {
    /// A VIP with keepalived's defaults: full-length prefix, instance interface.
    pub fn new(addr: IpAddr) -> Self {
        let prefix_len = if addr.is_ipv4() { 32 } else { 128 };
        VipConfig {
            addr,
            prefix_len,
            dev: None,
            broadcast: None,
            scope: None,
            label: None,
            peer: None,
            no_track: false,
            use_vmac: false,
            preferred_lft: None,
            dad: false,
            ifa_flags: 0,
        }
    }
}

/// One `virtual_routes` entry (a subset of ip-route syntax).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteConfig {
    /// destination network
    pub dst: IpAddr,
    /// destination prefix length
    pub dst_len: u8,
    /// `via GW`
    pub gateway: Option<IpAddr>,
    /// `dev IF`
    pub dev: Option<String>,
    /// `src IP`
    pub src: Option<IpAddr>,
    /// `metric N`
    pub metric: Option<u32>,
    /// `table N`
    pub table: Option<u32>,
    /// `scope S` numeric
    pub scope: Option<u8>,
    /// `blackhole` (or unreachable/prohibit as the kernel route type number)
    pub route_type: Option<u8>,
    /// `no_track`
    pub no_track: bool,
    /// `prepend` (the default), `add` or `append`: how it goes in beside a
    /// route to the same destination someone else installed
    pub add_mode: RouteAddMode,
}

/// How a route is added, as keepalived's route options: the kernel's
/// `ip route prepend` unless `add` or `append` is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum RouteAddMode {
    /// in front of a matching route of another protocol (IPv4), or as one
    /// more next hop of it (IPv6): NLM_F_CREATE
    #[default]
    Prepend,
    /// only if no matching route exists: NLM_F_CREATE | NLM_F_EXCL
    Add,
    /// behind a matching route: NLM_F_CREATE | NLM_F_APPEND
    Append,
}

/// What a matching policy-routing rule does (ip-rule's `table`, `goto`,
/// `nop` and `type blackhole|unreachable|prohibit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum RuleAction {
    /// look the packet up in `table` (or the l3mdev's table)
    #[default]
    ToTable,
    /// jump to the rule with this priority
    Goto(u32),
    /// do nothing (only counts)
    Nop,
    /// drop silently
    Blackhole,
    /// drop with "network unreachable"
    Unreachable,
    /// drop with "administratively prohibited"
    Prohibit,
}

/// One `virtual_rules` / `static_rules` entry: the part of ip-rule syntax
/// the kernel's FIB rule netlink message carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleConfig {
    /// address family (from the prefixes; else the instance's, else IPv4)
    pub family: Family,
    /// `from PREFIX` (None: all)
    pub src: Option<IpAddr>,
    /// source prefix length
    pub src_len: u8,
    /// `to PREFIX` (None: all)
    pub dst: Option<IpAddr>,
    /// destination prefix length
    pub dst_len: u8,
    /// `not`: the selector is inverted
    pub invert: bool,
    /// `priority|preference|order N` (keepalived's 16384 when not given)
    pub priority: u32,
    /// `tos|dsfield N`
    pub tos: u8,
    /// `fwmark N[/MASK]`
    pub fwmark: Option<u32>,
    /// the mask of `fwmark N/MASK`
    pub fwmask: Option<u32>,
    /// `iif|dev IF`
    pub iif: Option<String>,
    /// `oif IF`
    pub oif: Option<String>,
    /// `table|lookup N|main|local|default` (None with `l3mdev` or another
    /// action)
    pub table: Option<u32>,
    /// what the rule does
    pub action: RuleAction,
    /// `suppress_prefixlength N`
    pub suppress_prefixlen: Option<u32>,
    /// `suppress_ifgroup N`
    pub suppress_ifgroup: Option<u32>,
    /// `uidrange A-B`
    pub uid_range: Option<(u32, u32)>,
    /// `ipproto N|tcp|udp|...`
    pub ip_proto: Option<u8>,
    /// `sport A[-B]`
    pub sport: Option<(u16, u16)>,
    /// `dport A[-B]`
    pub dport: Option<(u16, u16)>,
    /// `l3mdev`: the table of the VRF device
    pub l3mdev: bool,
    /// who installed the rule: 18 (RTPROT_KEEPALIVED) as keepalived sets
    /// it, or `protocol N` on a `no_track` rule
    pub protocol: u8,
    /// `no_track`
    pub no_track: bool,
}

impl RuleConfig {
    /// A rule that matches everything of `family` and looks up table main,
    /// at keepalived's default priority.
    pub fn new(family: Family) -> Self {
        RuleConfig {
            family,
            src: None,
            src_len: 0,
            dst: None,
            dst_len: 0,
            invert: false,
            priority: 16384,
            tos: 0,
            fwmark: None,
            fwmask: None,
            iif: None,
            oif: None,
            table: Some(254),
            action: RuleAction::ToTable,
            suppress_prefixlen: None,
            suppress_ifgroup: None,
            uid_range: None,
            ip_proto: None,
            sport: None,
            dport: None,
            l3mdev: false,
            protocol: 18,
            no_track: false,
        }
    }
}

/// `unicast_peer { IP [min_ttl N] [max_ttl N] }`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnicastPeer {
    /// peer address
    pub addr: IpAddr,
    /// accept adverts only with TTL >= this
    pub min_ttl: Option<u8>,
    /// accept adverts only with TTL <= this
    pub max_ttl: Option<u8>,
}

/// What a tracker watches; the key that `Input::Tracker` refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TrackerKey {
    /// vrrp_script NAME (result ok / failed)
    Script(String),
    /// track_file NAME (integer value)
    File(String),
    /// vrrp_track_process NAME (in quorum / out of quorum)
    Process(String),
    /// track_interface IF (up / down)
    Interface(String),
}

/// A tracker as followed by an instance or a sync group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackRef {
    /// which tracker
    pub key: TrackerKey,
    /// weight -253..=253 (-254..=254 for processes); 0 = FAULT on failure
    pub weight: i32,
    /// `reverse`: the weight applies in the opposite condition
    pub reverse: bool,
}

/// Gratuitous ARP / unsolicited NA behaviour (keepalived defaults in `Default`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GarpConfig {
    /// `garp_master_repeat` (5): GARPs per burst on becoming MASTER
    pub master_repeat: u32,
    /// `garp_master_delay` (5 s): delay before the second burst; zero = none
    pub master_delay: Duration,
    /// `garp_master_refresh` (0 = off): periodic refresh while MASTER
    pub master_refresh: Duration,
    /// `garp_master_refresh_repeat` (1)
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_repeat`: GARPs when a MASTER receives a lower-priority
    /// advert. keepalived 2.2.7 measured here sends `garp_master_repeat` (5)
    /// when it is not set, so that is the default; 0 turns it off.
    pub lower_prio_repeat: u32,
    /// `garp_lower_prio_delay`: after the burst a lower-priority advert
    /// sets off, another this much later (zero: none). conf's default is
    /// keepalived's, the global `vrrp_garp_master_delay` (5 s).
    pub lower_prio_delay: Duration,
    /// `garp_extra_if` (0 = off): while MASTER, one GARP / NA this often
    /// on each of `extra_if_targets`, to keep switches' MAC caches for
    /// interfaces that send no adverts
    pub extra_if: Duration,
    /// (interface, its first VIP) for `extra_if`, chosen as keepalived
    /// does by conf: VMACs (every interface with `all`) other than the one
    /// the adverts leave by
    pub extra_if_targets: Vec<(String, IpAddr)>,
}

impl Default for GarpConfig {
    fn default() -> Self {
        GarpConfig {
            master_repeat: 5,
            master_delay: Duration::from_secs(5),
            master_refresh: Duration::ZERO,
            master_refresh_repeat: 1,
            lower_prio_repeat: 5,
            lower_prio_delay: Duration::ZERO,
            extra_if: Duration::ZERO,
            extra_if_targets: Vec::new(),
        }
    }
}

/// One vrrp_instance, validated, with keepalived's defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceConfig {
    /// instance name (`VI_1`), used in logs and notifies
    pub name: String,
    /// `interface`
    pub interface: String,
    /// `virtual_router_id` 1..=255
    pub vrid: u8,
    /// address family of the VIPs carried in adverts
    pub family: Family,
    /// `version` / `vrrp_version` (IPv6 is always V3)
    pub version: Version,
    /// `priority` 1..=255 (255 = address owner)
    pub priority: u8,
    /// `advert_int` (v2: whole seconds; v3: multiple of 10 ms)
    pub advert_interval: Duration,
    /// `state`
    pub state_hint: StateHint,
    /// `nopreempt`
    pub nopreempt: bool,
    /// `preempt_delay` (0..=1000 s)
    pub preempt_delay: Duration,
    /// `accept` / `no_accept` (keepalived default: accept unless strict)
    pub accept: bool,
    /// `virtual_ipaddress` (carried in adverts)
    pub vips: Vec<VipConfig>,
    /// `virtual_ipaddress_excluded` (installed with MASTER, not advertised)
    pub excluded_vips: Vec<VipConfig>,
    /// `virtual_routes`
    pub routes: Vec<RouteConfig>,
    /// `virtual_rules` (installed with MASTER, like the routes)
    pub rules: Vec<RuleConfig>,
    /// `unicast_peer`; empty = multicast
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_src_ip` / `mcast_src_ip`; None = interface primary address
    pub src_ip: Option<IpAddr>,
    /// `track_src_ip`: FAULT while `src_ip` is not on the interface
    pub track_src_ip: bool,
    /// `unicast_fault_no_peer` with no `unicast_peer`: always FAULT
    /// (rather than keepalived's old fall-back to multicast)
    pub unicast_without_peers: bool,
    /// where the advert source address comes from when `src_ip` is None
    /// (None: `interface`; with `use_vmac`, the interface under the VMAC)
    pub source_iface: Option<String>,
    /// `mcast_dst_ip` / vrrp_mcast_group4/6; None = 224.0.0.18 / ff02::12
    pub mcast_dst: Option<IpAddr>,
    /// `unicast_ttl` (default 255)
    pub unicast_ttl: u8,
    /// `authentication` (v2 only)
    pub auth: Option<AuthConfig>,
    /// track_script / track_interface / track_file / track_process entries
    pub trackers: Vec<TrackRef>,
    /// false with `dont_track_primary`
    pub track_primary: bool,
    /// GARP / NA timing
    pub garp: GarpConfig,
    /// emit the VRRPv3-over-IPv4 checksum with the pseudo-header (keepalived 2.2.7 way)
    pub v3_checksum_pseudo_header: bool,
    /// `old_unicast_checksum`: unicast VRRPv3 over IPv4 with the multicast
    /// group in the pseudo-header, as keepalived before 1.3.7
    pub old_unicast_checksum: OldUnicastChecksum,
    /// `strict_mode` / `vrrp_strict`
    pub strict: bool,
    /// `skip_check_adv_addr`
    pub skip_check_adv_addr: bool,
    /// `lower_prio_no_advert`
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`
    pub higher_prio_send_advert: bool,
    /// `down_timer_adverts` (3)
    pub down_timer_adverts: u32,
}

impl InstanceConfig {
    /// An instance with keepalived's defaults.
    pub fn new(name: impl Into<String>, interface: impl Into<String>, vrid: u8) -> Self {
        InstanceConfig {
            name: name.into(),
            interface: interface.into(),
            vrid,
            family: Family::V4,
            version: Version::V2,
            priority: 100,
            advert_interval: Duration::from_secs(1),
            state_hint: StateHint::Backup,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            accept: true,
            vips: Vec::new(),
            excluded_vips: Vec::new(),
            routes: Vec::new(),
            rules: Vec::new(),
            unicast_peers: Vec::new(),
            src_ip: None,
            track_src_ip: false,
            unicast_without_peers: false,
            source_iface: None,
            mcast_dst: None,
            unicast_ttl: 255,
            auth: None,
            trackers: Vec::new(),
            track_primary: true,
            garp: GarpConfig::default(),
            v3_checksum_pseudo_header: true,
            old_unicast_checksum: OldUnicastChecksum::Detect,
            strict: false,
            skip_check_adv_addr: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            down_timer_adverts: 3,
        }
    }
}

/// Which checksum a unicast VRRPv3-over-IPv4 instance sends (keepalived's
/// unicast_chksum_compat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OldUnicastChecksum {
    /// the current one, until an advert with the old one comes (keepalived's
    /// default: it switches, and says so)
    Detect,
    /// `old_unicast_checksum never`: the current one only; an old one is a
    /// bad checksum
    Never,
    /// `old_unicast_checksum`: the old one from the start
    Always,
}

/// One vrrp_sync_group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncGroupConfig {
    /// group name
    pub name: String,
    /// member instance names
    pub members: Vec<String>,
    /// trackers of the group (weights ignored unless `tracking_weight`)
    pub trackers: Vec<TrackRef>,
    /// `sync_group_tracking_weight`
    pub tracking_weight: bool,
}
