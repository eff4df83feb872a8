//! The typed model of keepalived.conf's VRRP side: every keyword as
//! written (options stay `None` when not given), before keepalived's
//! defaults and fix-ups (`validate`) and the conversion to proto's types
//! (`lower`).
//!
//! The daemon-side types ([`VrrpScript`], [`TrackFile`], [`TrackProcess`],
//! [`NotifyCmd`], [`Notifies`], [`Fifo`]) are shared by the model and the
//! resolved [`Config`].

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use keepvip_proto::{
    Family, OldUnicastChecksum, RouteConfig, RuleConfig, StateHint, UnicastPeer, VipConfig,
};
use serde::Serialize;

use crate::span::Span;

pub use crate::lower::{Config, GlobalDefs, GroupExtra, InstanceExtra};

/// A notify command: `"cmd args" [user [group]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotifyCmd {
    /// the command line as written
    pub command: String,
    /// run as this user
    pub user: Option<String>,
    /// and group
    pub group: Option<String>,
}

/// notify_* of an instance or group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Notifies {
    /// notify_master
    pub master: Option<NotifyCmd>,
    /// notify_backup
    pub backup: Option<NotifyCmd>,
    /// notify_fault
    pub fault: Option<NotifyCmd>,
    /// notify_stop
    pub stop: Option<NotifyCmd>,
    /// notify_deleted (without arguments: DELETED to the generic notify only)
    pub deleted: Option<NotifyCmd>,
    /// notify_deleted given (changes FAULT into DELETED for removed instances)
    pub deleted_set: bool,
    /// notify (generic)
    pub generic: Option<NotifyCmd>,
    /// notify_master_rx_lower_pri
    pub master_rx_lower_pri: Option<NotifyCmd>,
    /// smtp_alert
    pub smtp_alert: bool,
    /// notify_priority_changes (None: from the group or global_defs)
    pub priority_changes: Option<bool>,
}

impl Notifies {
    /// Any script configured?
    pub fn any_script(&self) -> bool {
        self.commands().iter().any(|(_, c)| c.is_some())
    }

    /// Every command with the keyword that sets it, in keepalived's order
    /// (vrrp.c check_vrrp_script_security, vrrp_data.c dump_vrrp).
    pub fn commands(&self) -> [(&'static str, &Option<NotifyCmd>); 7] {
        [
            ("notify_backup", &self.backup),
            ("notify_master", &self.master),
            ("notify_fault", &self.fault),
            ("notify_stop", &self.stop),
            ("notify_deleted", &self.deleted),
            ("notify", &self.generic),
            ("notify_master_rx_lower_pri", &self.master_rx_lower_pri),
        ]
    }

    /// [`Notifies::commands`], to change them.
    pub fn commands_mut(&mut self) -> [(&'static str, &mut Option<NotifyCmd>); 7] {
        [
            ("notify_backup", &mut self.backup),
            ("notify_master", &mut self.master),
            ("notify_fault", &mut self.fault),
            ("notify_stop", &mut self.stop),
            ("notify_deleted", &mut self.deleted),
            ("notify", &mut self.generic),
            ("notify_master_rx_lower_pri", &mut self.master_rx_lower_pri),
        ]
    }
}

/// vrrp_script NAME { ... }
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VrrpScript {
    /// name
    pub name: String,
    /// the command line
    pub script: String,
    /// interval (1 s)
    pub interval: Duration,
    /// timeout (= interval)
    pub timeout: Duration,
    /// weight (0)
    pub weight: i32,
    /// weight reverse
    pub reverse: bool,
    /// rise (1)
    pub rise: u32,
    /// fall (1)
    pub fall: u32,
    /// user [group]
    pub user: Option<String>,
    /// group
    pub group: Option<String>,
    /// start as failed
    pub init_fail: bool,
}

/// track_file NAME { ... }
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackFile {
    /// name
    pub name: String,
    /// path
    pub file: PathBuf,
    /// weight (1)
    pub weight: i32,
    /// reverse
    pub reverse: bool,
    /// init_file [VALUE] — create the file with this value if missing
    pub init_file: Option<i64>,
    /// init_file ... overwrite
    pub overwrite: bool,
}

/// vrrp_track_process NAME { ... }
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackProcess {
    /// name
    pub name: String,
    /// process name (comm) or path
    pub process: String,
    /// parameters to match
    pub params: Vec<String>,
    /// param_match: initial | partial | exact
    pub param_match: Option<String>,
    /// weight (0)
    pub weight: i32,
    /// reverse
    pub reverse: bool,
    /// quorum (1)
    pub quorum: u32,
    /// quorum_max
    pub quorum_max: Option<u32>,
    /// the longest of delay / fork_delay / terminate_delay: how long a
    /// change must last before it counts
    pub delay: Duration,
    /// fork_delay (default: delay)
    pub fork_delay: Duration,
    /// terminate_delay (default: delay)
    pub terminate_delay: Duration,
    /// full_command
    pub full_command: bool,
}

/// A FIFO: `vrrp_notify_fifo PATH [user [group]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fifo {
    /// path
    pub path: PathBuf,
    /// `*_fifo_script`
    pub script: Option<NotifyCmd>,
    /// owner to create it with
    pub user: Option<String>,
    /// group to create it with
    pub group: Option<String>,
}

/// A `track_*` entry in an instance or a sync group:
/// `NAME [weight N [reverse|noreverse]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackEntry {
    /// the interface / script / file / process name
    pub name: String,
    /// `weight N` (None: the tracker's own weight; 0 for interfaces)
    pub weight: Option<i32>,
    /// `reverse` (Some(true)) / `noreverse` (Some(false))
    pub reverse: Option<bool>,
    /// where
    #[serde(skip)]
    pub span: Span,
}

/// `authentication { auth_type PASS|AH; auth_pass X }`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Authentication {
    /// PASS or AH
    pub auth_type: Option<String>,
    /// the password (at most 8 characters are used)
    pub auth_pass: Option<String>,
}

/// One line of `interface_up_down_delays`: how long a link change on
/// the interface waits before instances see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterfaceDelay {
    /// interface name
    pub interface: String,
    /// before a down is acted on
    pub down: Duration,
    /// before an up is acted on (default: as `down`)
    pub up: Duration,
    /// where it is written
    #[serde(skip)]
    pub span: Span,
}

/// A `garp_group`: interfaces whose gratuitous ARPs (and unsolicited NAs)
/// share one spacing, as keepalived's garp_delay. An interface in no group
/// gets global_defs' `vrrp_garp_interval` / `vrrp_gna_interval` for itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GarpGroup {
    /// `garp_interval`: the least time between two GARPs on these interfaces
    pub garp_interval: Option<Duration>,
    /// `gna_interval`: the same for unsolicited NAs
    pub gna_interval: Option<Duration>,
    /// `interface IF` lines and `interfaces { … }` blocks
    pub interfaces: Vec<String>,
    /// where each of `interfaces` is named
    #[serde(skip)]
    pub interface_spans: Vec<Span>,
    /// keepalived's number for the group in its messages: 0 unless it has
    /// an `interfaces` block, else one more than the earlier such groups
    #[serde(skip)]
    pub number: usize,
    /// where it is written
    #[serde(skip)]
    pub span: Span,
}

/// A `track_group NAME { group { VI_1 … } }`: the instances that track
/// the interfaces of the static addresses, routes and rules that name it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackGroup {
    /// its name
    pub name: String,
    /// the instances in it
    pub members: Vec<String>,
    /// where each member is named
    #[serde(skip)]
    pub member_spans: Vec<Span>,
    /// where it is written
    #[serde(skip)]
    pub span: Span,
}

/// Which static list a `track_group` option is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StaticKind {
    /// static_ipaddress
    Address,
    /// static_routes
    Route,
    /// static_rules
    Rule,
}

/// `track_group G` on a static address, route or rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaticTrack {
    /// which list
    pub kind: StaticKind,
    /// the entry's place in that list
    pub index: usize,
    /// the group's name
    pub group: String,
    /// where the name is written
    #[serde(skip)]
    pub span: Span,
}

/// `use_vmac [NAME] [MAC]`
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UseVmac {
    /// interface name (default vrrp.VRID)
    pub name: Option<String>,
    /// MAC address (default 00:00:5e:00:01:VRID)
    pub mac: Option<[u8; 6]>,
}

/// Per-instance GARP settings (None: from global_defs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GarpSettings {
    /// garp_master_delay
    pub master_delay: Option<Duration>,
    /// garp_master_repeat
    pub master_repeat: Option<u32>,
    /// garp_master_refresh
    pub master_refresh: Option<Duration>,
    /// garp_master_refresh_repeat
    pub master_refresh_repeat: Option<u32>,
    /// garp_lower_prio_delay
    pub lower_prio_delay: Option<Duration>,
    /// garp_lower_prio_repeat
    pub lower_prio_repeat: Option<u32>,
    /// garp_extra_if [all] SECONDS (vmac_garp_intvl)
    pub extra_if: Option<ExtraIfGarp>,
}

/// `garp_extra_if [all] SECONDS`: periodic GARPs on the interfaces of VIPs
/// that send no adverts (VMACs; every one with `all`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExtraIfGarp {
    /// seconds between them (0: off)
    pub every: u32,
    /// not only VMACs
    pub all: bool,
}

/// Where each keyword of a block was (keyword → span of its first word).
pub type Spans = BTreeMap<String, Span>;

/// One `vrrp_instance NAME { ... }`, as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VrrpInstance {
    /// NAME
    pub name: String,
    /// state MASTER|BACKUP
    pub state: Option<StateHint>,
    /// interface
    pub interface: Option<String>,
    /// virtual_router_id
    pub virtual_router_id: Option<u8>,
    /// priority
    pub priority: Option<u8>,
    /// advert_int (seconds as written)
    pub advert_int: Option<f64>,
    /// version 2|3
    pub version: Option<u8>,
    /// nopreempt (preempt clears it)
    pub nopreempt: bool,
    /// preempt_delay (seconds)
    pub preempt_delay: Option<f64>,
    /// accept (Some(true)) / no_accept (Some(false))
    pub accept: Option<bool>,
    /// mcast_src_ip
    pub mcast_src_ip: Option<IpAddr>,
    /// unicast_src_ip
    pub unicast_src_ip: Option<IpAddr>,
    /// mcast_dst_ip
    pub mcast_dst_ip: Option<IpAddr>,
    /// unicast_peer { ... }
    pub unicast_peers: Vec<UnicastPeer>,
    /// spans of the unicast peers
    #[serde(skip)]
    pub peer_spans: Vec<Span>,
    /// unicast_ttl
    pub unicast_ttl: Option<u8>,
    /// track_src_ip
    pub track_src_ip: bool,
    /// check_unicast_src
    pub check_unicast_src: bool,
    /// unicast_fault_no_peer
    pub unicast_fault_no_peer: bool,
    /// `old_unicast_checksum [never]` (None: not given, keepalived detects
    /// the old checksum)
    pub old_unicast_checksum: Option<OldUnicastChecksum>,
    /// virtual_ipaddress { ... }
    pub virtual_ipaddress: Vec<VipConfig>,
    /// spans of the virtual_ipaddress entries
    #[serde(skip)]
    pub vip_spans: Vec<Span>,
    /// virtual_ipaddress_excluded { ... }
    pub virtual_ipaddress_excluded: Vec<VipConfig>,
    /// no_virtual_ipaddress
    pub no_virtual_ipaddress: bool,
    /// promote_secondaries
    pub promote_secondaries: bool,
    /// virtual_routes { ... }
    pub virtual_routes: Vec<RouteConfig>,
    /// spans of the virtual_routes entries
    #[serde(skip)]
    pub route_spans: Vec<Span>,
    /// virtual_rules { ... } (a rule without a prefix is IPv4 here and
    /// takes the instance's family in `lower`)
    pub virtual_rules: Vec<RuleConfig>,
    /// track_interface { ... }
    pub track_interface: Vec<TrackEntry>,
    /// track_script { ... }
    pub track_script: Vec<TrackEntry>,
    /// track_file { ... }
    pub track_file: Vec<TrackEntry>,
    /// track_process { ... }
    pub track_process: Vec<TrackEntry>,
    /// track_bfd { ... }
    pub track_bfd: Vec<String>,
    /// dont_track_primary
    pub dont_track_primary: bool,
    /// authentication { ... }
    pub authentication: Option<Authentication>,
    /// notify_* / smtp_alert
    pub notify: Notifies,
    /// garp_*
    pub garp: GarpSettings,
    /// strict_mode
    pub strict_mode: Option<bool>,
    /// skip_check_adv_addr
    pub skip_check_adv_addr: Option<bool>,
    /// lower_prio_no_advert
    pub lower_prio_no_advert: Option<bool>,
    /// higher_prio_send_advert
    pub higher_prio_send_advert: Option<bool>,
    /// down_timer_adverts
    pub down_timer_adverts: Option<u32>,
    /// use_vmac
    pub use_vmac: Option<UseVmac>,
    /// vmac_xmit_base
    pub vmac_xmit_base: bool,
    /// use_vmac_addr
    pub use_vmac_addr: bool,
    /// use_ipvlan (its arguments)
    pub use_ipvlan: Option<Vec<String>>,
    /// native_ipv6
    pub native_ipv6: bool,
    /// debug N
    pub debug: Option<u32>,
    /// kernel_rx_buf_size
    pub kernel_rx_buf_size: Option<u64>,
    /// the address family (decided by `validate`)
    pub family: Option<Family>,
    /// where each keyword was
    #[serde(skip)]
    pub spans: Spans,
    /// the instance's name
    #[serde(skip)]
    pub span: Span,
}

/// One `vrrp_sync_group NAME { ... }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncGroup {
    /// NAME
    pub name: String,
    /// group { ... }
    pub group: Vec<String>,
    /// spans of the members
    #[serde(skip)]
    pub member_spans: Vec<Span>,
    /// notify_* / smtp_alert
    pub notify: Notifies,
    /// track_interface
    pub track_interface: Vec<TrackEntry>,
    /// track_script
    pub track_script: Vec<TrackEntry>,
    /// track_file
    pub track_file: Vec<TrackEntry>,
    /// track_process
    pub track_process: Vec<TrackEntry>,
    /// track_bfd
    pub track_bfd: Vec<String>,
    /// sync_group_tracking_weight (or the deprecated global_tracking)
    pub sync_group_tracking_weight: bool,
    /// the group's name
    #[serde(skip)]
    pub span: Span,
}

/// `global_defs { ... }` as written (only what the VRRP side uses is
/// kept; the rest is listed in `accepted`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Global {
    /// router_id
    pub router_id: Option<String>,
    /// vmac_prefix: the start of an instance's VMAC name (default `vrrp`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vmac_prefix: Option<String>,
    /// vmac_addr_prefix: the start of an address VMAC's name (default
    /// vmac_prefix)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vmac_addr_prefix: Option<String>,
    /// enable_script_security
    pub enable_script_security: bool,
    /// script_user USER [GROUP]
    pub script_user: Option<(String, Option<String>)>,
    /// notification_email { ... }
    pub notification_email: Vec<String>,
    /// notification_email_from
    pub notification_email_from: Option<String>,
    /// smtp_server ADDRESS [PORT]
    pub smtp_server: Option<String>,
    /// the port of smtp_server
    pub smtp_port: Option<u16>,
    /// smtp_helo_name
    pub smtp_helo_name: Option<String>,
    /// smtp_connect_timeout
    pub smtp_connect_timeout: Option<u32>,
    /// smtp_alert
    pub smtp_alert: Option<bool>,
    /// smtp_alert_vrrp
    pub smtp_alert_vrrp: Option<bool>,
    /// vrrp_version
    pub vrrp_version: Option<u8>,
    /// vrrp_strict
    pub vrrp_strict: bool,
    /// vrrp_skip_check_adv_addr
    pub vrrp_skip_check_adv_addr: bool,
    /// vrrp_check_unicast_src
    pub vrrp_check_unicast_src: bool,
    /// vrrp_garp_master_repeat
    pub vrrp_garp_master_repeat: Option<u32>,
    /// vrrp_garp_master_delay
    pub vrrp_garp_master_delay: Option<Duration>,
    /// vrrp_garp_master_refresh
    pub vrrp_garp_master_refresh: Option<Duration>,
    /// vrrp_garp_master_refresh_repeat
    pub vrrp_garp_master_refresh_repeat: Option<u32>,
    /// vrrp_garp_interval
    pub vrrp_garp_interval: Option<Duration>,
    /// vrrp_gna_interval
    pub vrrp_gna_interval: Option<Duration>,
    /// vrrp_garp_lower_prio_repeat
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// vrrp_garp_lower_prio_delay
    pub vrrp_garp_lower_prio_delay: Option<Duration>,
    /// vrrp_garp_extra_if [all] SECONDS (vrrp_vmac_garp_intvl)
    pub vrrp_garp_extra_if: Option<ExtraIfGarp>,
    /// vrrp_min_garp
    pub vrrp_min_garp: bool,
    /// vrrp_lower_prio_no_advert
    pub vrrp_lower_prio_no_advert: Option<bool>,
    /// vrrp_higher_prio_send_advert
    pub vrrp_higher_prio_send_advert: Option<bool>,
    /// vrrp_down_timer_adverts
    pub vrrp_down_timer_adverts: Option<u32>,
    /// vrrp_mcast_group4
    pub vrrp_mcast_group4: Option<IpAddr>,
    /// vrrp_mcast_group6
    pub vrrp_mcast_group6: Option<IpAddr>,
    /// vrrp_notify_fifo (+ vrrp_notify_fifo_script)
    pub vrrp_notify_fifo: Option<Fifo>,
    /// notify_fifo (+ notify_fifo_script)
    pub notify_fifo: Option<Fifo>,
    /// vrrp_notify_priority_changes
    pub vrrp_notify_priority_changes: bool,
    /// fifo_write_vrrp_states_on_reload
    pub fifo_write_vrrp_states_on_reload: bool,
    /// max_auto_priority [N] (None: not set; no N: 99; -1 and 0: off)
    pub max_auto_priority: Option<i32>,
    /// min_auto_priority_delay µs (1..10,000,000; keepalived's default 1 s)
    pub min_auto_priority_delay: Option<u64>,
    /// vrrp_priority N: the nice value of the VRRP process (-20..19)
    pub vrrp_priority: Option<i32>,
    /// vrrp_rt_priority N: SCHED_RR at priority N (1..99)
    pub vrrp_rt_priority: Option<i32>,
    /// vrrp_no_swap: lock the process's memory
    pub vrrp_no_swap: bool,
    /// vrrp_cpu_affinity CPU...: the CPUs it may run on
    pub vrrp_cpu_affinity: Vec<usize>,
    /// vrrp_rlimit_rttime µs: RLIMIT_RTTIME when realtime
    pub vrrp_rlimit_rttime: Option<u64>,
    /// vrrp_owner_ignore_adverts
    pub vrrp_owner_ignore_adverts: bool,
    /// vrrp_startup_delay
    pub vrrp_startup_delay: Option<Duration>,
    /// dynamic_interfaces
    pub dynamic_interfaces: bool,
    /// disable_local_igmp: no IGMP reports for 224.0.0.0/24 (VMACs)
    pub disable_local_igmp: bool,
    /// log_unknown_vrids: log adverts for VRIDs no instance has
    pub log_unknown_vrids: bool,
    /// vrrp_netlink_monitor_rcv_bufs BYTES: the netlink event socket's buffer
    pub vrrp_netlink_monitor_rcv_bufs: Option<u32>,
    /// vrrp_netlink_monitor_rcv_bufs_force: set it past rmem_max
    pub vrrp_netlink_monitor_rcv_bufs_force: bool,
    /// data_use_instance: dump files named after the namespace and instance
    pub data_use_instance: bool,
    /// net_namespace NAME (top level): the network namespace to run in
    pub net_namespace: Option<String>,
    /// instance NAME (top level): names the pid files and syslog ident
    pub instance: Option<String>,
    /// use_pid_dir (top level; implied by the two above): pid files in
    /// /run/keepalived
    pub use_pid_dir: bool,
    /// keywords accepted without effect in keepvip
    pub accepted: Vec<String>,
    /// where each keyword was
    #[serde(skip)]
    pub spans: Spans,
}

/// The whole file, as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Model {
    /// global_defs
    pub global: Global,
    /// vrrp_script blocks
    pub scripts: Vec<VrrpScript>,
    /// track_file / vrrp_track_file blocks
    pub track_files: Vec<TrackFile>,
    /// vrrp_track_process blocks
    pub track_processes: Vec<TrackProcess>,
    /// vrrp_instance blocks
    pub instances: Vec<VrrpInstance>,
    /// vrrp_sync_group blocks
    pub sync_groups: Vec<SyncGroup>,
    /// static_ipaddress
    pub static_ipaddress: Vec<VipConfig>,
    /// static_routes
    pub static_routes: Vec<RouteConfig>,
    /// static_rules
    pub static_rules: Vec<RuleConfig>,
    /// interface_up_down_delays { IF DOWN [UP] }
    pub interface_delays: Vec<InterfaceDelay>,
    /// garp_group blocks
    pub garp_groups: Vec<GarpGroup>,
    /// track_group blocks
    pub track_groups: Vec<TrackGroup>,
    /// `track_group G` options of static addresses, routes and rules
    pub static_tracks: Vec<StaticTrack>,
    /// blocks of keepalived's other parts, skipped
    pub skipped: Vec<String>,
    /// where each vrrp_script / track_file / vrrp_track_process was
    #[serde(skip)]
    pub tracker_spans: BTreeMap<String, Span>,
}

impl Model {
    /// The instance called `name`.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
    }
}
