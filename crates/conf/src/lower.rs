//! The validated model → what runs: proto's [`RouterConfig`] (instances,
//! trackers with their weights, sync groups) plus the daemon-side
//! settings proto does not carry (scripts, notify commands, FIFOs,
//! track_file / track_process definitions, script security), together the
//! resolved [`Config`] that `keepvip check --dump` prints.

use std::net::IpAddr;
use std::time::Duration;

use keepvip_proto::{
    AuthConfig, Family, GarpConfig, InstanceConfig, RouteConfig, RouterConfig, RuleConfig,
    StateHint, SyncGroupConfig, TrackRef, TrackerKey, Version, VipConfig,
};
use serde::Serialize;

use crate::model::{
    Fifo, Global, Model, Notifies, StaticKind, TrackEntry, TrackFile, TrackProcess, VrrpInstance,
    VrrpScript,
};

/// global_defs as the daemon uses them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlobalDefs {
    /// router_id (defaults to the hostname)
    pub router_id: Option<String>,
    /// enable_script_security
    pub script_security: bool,
    /// script_user USER [GROUP]
    pub script_user: Option<(String, Option<String>)>,
    /// notification_email
    pub notification_email: Vec<String>,
    /// notification_email_from
    pub notification_email_from: Option<String>,
    /// smtp_server
    pub smtp_server: Option<String>,
    /// smtp_connect_timeout (seconds)
    pub smtp_connect_timeout: Option<u32>,
    /// vrrp_notify_fifo
    pub vrrp_notify_fifo: Option<Fifo>,
    /// notify_fifo
    pub notify_fifo: Option<Fifo>,
    /// vrrp_notify_priority_changes
    pub notify_priority_changes: bool,
    /// fifo_write_vrrp_states_on_reload
    pub fifo_write_states_on_reload: bool,
    /// vrrp_check_unicast_src (keepvip always checks)
    pub check_unicast_src: bool,
    /// vrrp_startup_delay
    pub startup_delay: Option<Duration>,
    /// dynamic_interfaces
    pub dynamic_interfaces: bool,
    /// disable_local_igmp: igmp_link_local_mcast_reports 0 while running
    pub disable_local_igmp: bool,
    /// vrrp_priority, vrrp_rt_priority, vrrp_no_swap, vrrp_cpu_affinity,
    /// vrrp_rlimit_rttime
    pub scheduling: Scheduling,
    /// log_unknown_vrids
    pub log_unknown_vrids: bool,
    /// vrrp_netlink_monitor_rcv_bufs (and _force): the receive buffer of
    /// the netlink event sockets, in bytes (None: the kernel's default for
    /// links and addresses, 4 MB for routes and rules)
    pub netlink_rcvbuf: Option<(u32, bool)>,
    /// where the daemon runs and how its files are named
    pub naming: ProcessNaming,
    /// keywords accepted without effect
    pub accepted: Vec<String>,
}

/// keepalived's `net_namespace`, `instance`, `use_pid_dir` and
/// `data_use_instance`: the network namespace the daemon enters and the
/// names of its pid files, syslog ident and dump files, so that several
/// daemons run side by side, one per namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProcessNaming {
    /// net_namespace NAME: /run/netns/NAME is entered before anything opens
    pub net_namespace: Option<String>,
    /// instance NAME
    pub instance: Option<String>,
    /// pid files in /run/keepalived (set by either name too)
    pub use_pid_dir: bool,
    /// dump files carry the namespace and instance names
    pub data_use_instance: bool,
}

/// How the daemon asks to be scheduled: keepalived's knobs against a busy
/// host delaying adverts ("A thread timer expired").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scheduling {
    /// nice value (vrrp_priority, -20..19)
    pub nice: Option<i32>,
    /// SCHED_RR priority (vrrp_rt_priority, 1..99)
    pub rt_priority: Option<i32>,
    /// mlockall (vrrp_no_swap)
    pub no_swap: bool,
    /// CPUs to run on (vrrp_cpu_affinity; empty: any)
    pub cpu_affinity: Vec<usize>,
    /// RLIMIT_RTTIME in µs while realtime (vrrp_rlimit_rttime; keepalived's
    /// default 10,000), so a runaway loop cannot hold a CPU
    pub rlimit_rttime: Option<u64>,
    /// max_auto_priority: when a timer fires later than
    /// `min_auto_priority_delay`, switch to SCHED_RR (priority 1) or raise
    /// it by one, up to this (None: never)
    pub max_auto_priority: Option<i32>,
    /// how late a timer may fire before "A thread timer expired … ago" is
    /// logged (and the priority raised)
    pub min_auto_priority_delay: Duration,
}

impl Default for Scheduling {
    fn default() -> Scheduling {
        Scheduling {
            nice: None,
            rt_priority: None,
            no_swap: false,
            cpu_affinity: Vec::new(),
            rlimit_rttime: None,
            max_auto_priority: None,
            min_auto_priority_delay: Duration::from_secs(1),
        }
    }
}

/// An instance's daemon-side settings (what proto does not carry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceExtra {
    /// instance name
    pub name: String,
    /// notify scripts
    pub notify: Notifies,
    /// notify_priority_changes, resolved (instance, group, global_defs)
    pub notify_priority_changes: bool,
    /// the sync group it belongs to
    pub sync_group: Option<String>,
    /// use_vmac, resolved
    pub vmac: Option<Vmac>,
    /// use_vmac_addr: the VMACs its addresses on other interfaces (or of
    /// the other family) go on (see [`address_vmacs`])
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub address_vmacs: Vec<Vmac>,
    /// check_unicast_src (keepvip always checks)
    pub check_unicast_src: bool,
    /// track_bfd names (parsed; not acted on)
    pub track_bfd: Vec<String>,
    /// debug level
    pub debug: Option<u32>,
}

/// A sync group's daemon-side settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupExtra {
    /// group name
    pub name: String,
    /// notify scripts
    pub notify: Notifies,
}

/// The whole resolved configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// global_defs
    pub global: GlobalDefs,
    /// vrrp_script blocks
    pub scripts: Vec<VrrpScript>,
    /// track_file blocks
    pub track_files: Vec<TrackFile>,
    /// vrrp_track_process blocks
    pub track_processes: Vec<TrackProcess>,
    /// daemon-side settings per instance (same order as `router.instances`)
    pub instances: Vec<InstanceExtra>,
    /// daemon-side settings per sync group
    pub groups: Vec<GroupExtra>,
    /// static_ipaddress
    pub static_addresses: Vec<VipConfig>,
    /// static_routes
    pub static_routes: Vec<RouteConfig>,
    /// static_rules
    pub static_rules: Vec<RuleConfig>,
    /// interface_up_down_delays (validated), with each VMAC given the
    /// delays of the interface under it, as keepalived
    pub link_delays: Vec<LinkDelay>,
    /// how far apart GARPs / NAs go out on each interface
    pub garp_pacing: GarpPacing,
    /// what the protocol core runs
    pub router: RouterConfig,
}

/// The daemon-side configuration (an alias: it carries `router` too).
pub type DaemonConfig = Config;

/// Convert a validated model. Instances that lack an interface or a VRID
/// (already reported as errors) are left out.
pub fn lower(m: &Model) -> Config {
    let g = &m.global;
    let mut router = RouterConfig::default();
    let mut instances = Vec::new();
    let vmacs = VmacPlan::new(m);
    for (k, i) in m.instances.iter().enumerate() {
        let vmac = vmacs.own[k].clone();
        let address_vmacs = vmacs.addresses[k].clone();
        let group = m
            .sync_groups
            .iter()
            .find(|s| s.group.iter().any(|n| n == &i.name));
        if let Some(ic) = instance(m, i, &vmacs, vmac.clone(), &address_vmacs) {
            router.instances.push(ic);
            instances.push(InstanceExtra {
                name: i.name.clone(),
                notify: i.notify.clone(),
                notify_priority_changes: i
                    .notify
                    .priority_changes
                    .or(group.and_then(|s| s.notify.priority_changes))
                    .unwrap_or(g.vrrp_notify_priority_changes),
                sync_group: group.map(|s| s.name.clone()),
                vmac,
                address_vmacs,
                check_unicast_src: i.check_unicast_src || g.vrrp_check_unicast_src,
                track_bfd: i.track_bfd.clone(),
                debug: i.debug,
            });
        }
    }
    let mut groups = Vec::new();
    for s in &m.sync_groups {
        let members: Vec<String> = s
            .group
            .iter()
            .filter(|n| router.instances.iter().any(|i| &i.name == *n))
            .cloned()
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut trackers = Vec::new();
        trackers_of(
            m,
            &s.track_interface,
            &s.track_script,
            &s.track_file,
            &s.track_process,
            &mut trackers,
        );
        router.sync_groups.push(SyncGroupConfig {
            name: s.name.clone(),
            members,
            trackers,
            tracking_weight: s.sync_group_tracking_weight,
        });
        groups.push(GroupExtra {
            name: s.name.clone(),
            notify: s.notify.clone(),
        });
    }
    Config {
        global: global_defs(g),
        scripts: m.scripts.clone(),
        track_files: m.track_files.clone(),
        track_processes: m.track_processes.clone(),
        instances,
        groups,
        static_addresses: m.static_ipaddress.clone(),
        static_routes: m.static_routes.clone(),
        static_rules: m.static_rules.clone(),
        link_delays: link_delays(m, &vmacs),
        garp_pacing: GarpPacing {
            default_garp: g.vrrp_garp_interval.unwrap_or_default(),
            default_gna: g.vrrp_gna_interval.unwrap_or_default(),
            groups: m
                .garp_groups
                .iter()
                .map(|gg| GarpPacingGroup {
                    interfaces: gg.interfaces.clone(),
                    garp: gg.garp_interval.unwrap_or_default(),
                    gna: gg.gna_interval.unwrap_or_default(),
                })
                .collect(),
        },
        router,
    }
}

fn global_defs(g: &Global) -> GlobalDefs {
    // -1 and 0 switch it off (-1 also silences keepalived's start-up notice)
    let auto_priority = g.max_auto_priority.filter(|p| *p > 0);
    GlobalDefs {
        router_id: g.router_id.clone(),
        script_security: g.enable_script_security,
        script_user: g.script_user.clone(),
        notification_email: g.notification_email.clone(),
        notification_email_from: g.notification_email_from.clone(),
        smtp_server: g.smtp_server.clone(),
        smtp_connect_timeout: g.smtp_connect_timeout,
        vrrp_notify_fifo: g.vrrp_notify_fifo.clone(),
        notify_fifo: g.notify_fifo.clone(),
        notify_priority_changes: g.vrrp_notify_priority_changes,
        fifo_write_states_on_reload: g.fifo_write_vrrp_states_on_reload,
        check_unicast_src: g.vrrp_check_unicast_src,
        startup_delay: g.vrrp_startup_delay,
        dynamic_interfaces: g.dynamic_interfaces,
        disable_local_igmp: g.disable_local_igmp,
        scheduling: Scheduling {
            nice: g.vrrp_priority,
            rt_priority: g.vrrp_rt_priority,
            no_swap: g.vrrp_no_swap,
            cpu_affinity: g.vrrp_cpu_affinity.clone(),
            rlimit_rttime: (g.vrrp_rt_priority.is_some() || auto_priority.is_some())
                .then(|| g.vrrp_rlimit_rttime.unwrap_or(10_000)),
            max_auto_priority: auto_priority,
            min_auto_priority_delay: Duration::from_micros(
                g.min_auto_priority_delay.unwrap_or(1_000_000),
            ),
        },
        log_unknown_vrids: g.log_unknown_vrids,
        netlink_rcvbuf: g
            .vrrp_netlink_monitor_rcv_bufs
            .filter(|n| *n > 0)
            .map(|n| (n, g.vrrp_netlink_monitor_rcv_bufs_force)),
        naming: ProcessNaming {
            net_namespace: g.net_namespace.clone(),
            instance: g.instance.clone(),
            use_pid_dir: g.use_pid_dir,
            data_use_instance: g.data_use_instance,
        },
        accepted: g.accepted.clone(),
    }
}

/// The effective GARP settings: instance, then global_defs, then
/// keepalived's defaults. (How far apart the packets of a burst go is the
/// interface's business: `GarpPacing`.)
fn garp(g: &Global, i: &VrrpInstance) -> GarpConfig {
    let d = GarpConfig::default();
    let master_repeat = i
        .garp
        .master_repeat
        .or(g.vrrp_garp_master_repeat)
        .unwrap_or(d.master_repeat);
    GarpConfig {
        master_repeat,
        master_delay: i
            .garp
            .master_delay
            .or(g.vrrp_garp_master_delay)
            .unwrap_or(d.master_delay),
        master_refresh: i
            .garp
            .master_refresh
            .or(g.vrrp_garp_master_refresh)
            .unwrap_or(d.master_refresh),
        master_refresh_repeat: i
            .garp
            .master_refresh_repeat
            .or(g.vrrp_garp_master_refresh_repeat)
            .unwrap_or(d.master_refresh_repeat),
        // keepalived: unset, it is the global vrrp_garp_master_repeat (5),
        // not the instance's garp_master_repeat
        lower_prio_repeat: i
            .garp
            .lower_prio_repeat
            .or(g.vrrp_garp_lower_prio_repeat)
            .or(g.vrrp_garp_master_repeat)
            .unwrap_or(d.master_repeat),
        // keepalived: unset, it is the global garp_master_delay (5 s)
        lower_prio_delay: i
            .garp
            .lower_prio_delay
            .or(g.vrrp_garp_lower_prio_delay)
            .or(g.vrrp_garp_master_delay)
            .unwrap_or(d.master_delay),
        // set by instance() once the VIPs' interfaces are known
        extra_if: Duration::ZERO,
        extra_if_targets: Vec::new(),
    }
}

/// `garp_extra_if` of the instance, else global_defs' (with its `all`).
fn extra_if_every(g: &Global, i: &VrrpInstance) -> Option<crate::model::ExtraIfGarp> {
    i.garp
        .extra_if
        .or(g.vrrp_garp_extra_if)
        .filter(|e| e.every > 0)
}

/// Where `garp_extra_if` sends, as keepalived 2.2.7 (vrrp_send_vmac_update):
/// one GARP / NA for the first VIP on each interface other than the
/// instance's own (keepalived's own is the VMAC, also with
/// `vmac_xmit_base`, whose VMAC still gets them), VMACs only unless `all`.
/// None at all, as in keepalived, when no VIP is on a VMAC other than the
/// instance's own and either none is on another interface or `all` is off.
fn extra_if_targets(
    vmacs: &VmacPlan,
    c: &InstanceConfig,
    vmac: Option<&Vmac>,
    all: bool,
) -> Vec<(String, IpAddr)> {
    let is_vmac = |ifname: &str| vmacs.is_vmac(ifname);
    let xmit_base = vmac.is_some_and(|v| v.xmit_base);
    // keepalived's vrrp->ifp
    let own = match vmac {
        Some(v) if v.xmit_base => v.name.as_str(),
        _ => c.interface.as_str(),
    };
    let vips: Vec<(&str, IpAddr)> = c
        .vips
        .iter()
        .chain(c.excluded_vips.iter())
        .map(|v| (v.dev.as_deref().unwrap_or(&c.interface), v.addr))
        .collect();
    let extra_vmac = vips.iter().any(|(d, _)| *d != own && is_vmac(d));
    let extra_if = vips.iter().any(|(d, _)| *d != own && !is_vmac(d));
    // keepalived's rule: another VMAC, or another interface with `all`
    let wanted = extra_vmac || (extra_if && all);
    if !wanted {
        return Vec::new();
    }
    let mut out: Vec<(String, IpAddr)> = Vec::new();
    for (dev, addr) in vips {
        if (!is_vmac(dev) && !all) || (dev == own && !xmit_base) {
            continue;
        }
        if !out.iter().any(|(d, _)| d == dev) {
            out.push((dev.to_string(), addr));
        }
    }
    out
}

/// The advert interval as sent: VRRPv2 in whole seconds, VRRPv3 in
/// centiseconds.
pub(crate) fn advert_interval(i: &VrrpInstance) -> Duration {
    let adv = i.advert_int.unwrap_or(1.0);
    if i.version == Some(3) {
        Duration::from_millis(((adv * 100.0).round() as u64).clamp(1, 4095) * 10)
    } else {
        Duration::from_secs((adv.round() as u64).clamp(1, 255))
    }
}

/// How far apart gratuitous ARPs and unsolicited NAs go out, as keepalived
/// paces them: per interface, whatever instance sends them (a VMAC's with
/// the interface under it), or per `garp_group`, whose interfaces share
/// one spacing. Zero: a burst goes out at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GarpPacing {
    /// global_defs' `vrrp_garp_interval`: for an interface in no group
    pub default_garp: Duration,
    /// global_defs' `vrrp_gna_interval`: for an interface in no group
    pub default_gna: Duration,
    /// the garp_group blocks
    pub groups: Vec<GarpPacingGroup>,
}

/// One `garp_group` as the daemon paces it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GarpPacingGroup {
    /// the interfaces that share it
    pub interfaces: Vec<String>,
    /// between two GARPs on any of them (zero: not paced, as keepalived
    /// when the group sets no `garp_interval`)
    pub garp: Duration,
    /// between two unsolicited NAs on any of them
    pub gna: Duration,
}

/// How long a link change on `interface` waits before instances see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkDelay {
    /// interface name
    pub interface: String,
    /// before a down counts
    pub down: Duration,
    /// before an up counts
    pub up: Duration,
}

fn link_delays(m: &Model, vmacs: &VmacPlan) -> Vec<LinkDelay> {
    let mut out: Vec<LinkDelay> = m
        .interface_delays
        .iter()
        .map(|d| LinkDelay {
            interface: d.interface.clone(),
            down: d.down,
            up: d.up,
        })
        .collect();
    let every = vmacs
        .own
        .iter()
        .flatten()
        .chain(vmacs.addresses.iter().flatten());
    for v in every {
        if out.iter().any(|d| d.interface == v.name) {
            continue;
        }
        if let Some(base) = out.iter().find(|d| d.interface == v.base).cloned() {
            out.push(LinkDelay {
                interface: v.name.clone(),
                ..base
            });
        }
    }
    out
}

/// `use_vmac` as the daemon carries it out: the macvlan to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vmac {
    /// its name (`vrrp.VRID` unless given)
    pub name: String,
    /// the interface it sits on (the instance's `interface`)
    pub base: String,
    /// its MAC: 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID) unless given
    pub mac: [u8; 6],
    /// an IPv6 instance's (IPv6 stays on, with a link-local address)
    pub ipv6: bool,
    /// vmac_xmit_base: adverts go out on `base`, only the VIPs live on the VMAC
    pub xmit_base: bool,
    /// the instance it is made for (the first, for an address VMAC
    /// instances share): keepalived names it in its log lines
    pub instance: String,
}

/// Every instance's own VMAC (`use_vmac`), in `m.instances` order. A name
/// not given is chosen as keepalived's create_vmac_name does, in instance
/// order: `vrrp.VRID` unless another VMAC has it, so the IPv6 instance of
/// a dual-stack pair sharing the VRID gets `vrrp6.VRID`.
fn own_vmacs(m: &Model) -> Vec<Option<Vmac>> {
    let prefix = m.global.vmac_prefix.as_deref().unwrap_or("vrrp");
    let mut taken: Vec<String> = m
        .instances
        .iter()
        .filter_map(|i| i.use_vmac.as_ref()?.name.clone())
        .collect();
    m.instances
        .iter()
        .map(|i| {
            let given = i.use_vmac.as_ref()?.name.clone();
            let vrid = i.virtual_router_id?;
            let ipv6 = i.family.unwrap_or(Family::V4) == Family::V6;
            let name = given.unwrap_or_else(|| {
                let name = free_vmac_name(prefix, &taken, vrid, ipv6);
                taken.push(name.clone());
                name
            });
            vmac_named(i, name)
        })
        .collect()
}

/// The VMAC of an instance with `use_vmac`, called `name`.
fn vmac_named(i: &VrrpInstance, name: String) -> Option<Vmac> {
    let v = i.use_vmac.as_ref()?;
    let vrid = i.virtual_router_id?;
    let ipv6 = i.family.unwrap_or(Family::V4) == Family::V6;
    Some(Vmac {
        name,
        base: i.interface.clone()?,
        mac: v
            .mac
            .unwrap_or([0, 0, 0x5e, 0, if ipv6 { 2 } else { 1 }, vrid]),
        ipv6,
        xmit_base: i.vmac_xmit_base,
        instance: i.name.clone(),
    })
}

/// Where `use_vmac_addr`, or `use_vmac` on the address, puts an address of
/// instance `i` (keepalived 2.2.7's vrrp_complete_instance): on a VMAC of
/// its own on the interface it is on. `use_vmac_addr` does it when that
/// interface is not the instance's own or the address is of the other
/// family; the address's `use_vmac` also on the instance's own interface,
/// unless the instance's own VMAC carries it (`use_vmac` on both: the
/// check warns). The interface and family of that VMAC. An address that
/// names a VMAC stays.
fn address_vmac_place(
    i: &VrrpInstance,
    vip: &VipConfig,
    vmac_names: &[String],
) -> Option<(String, Family)> {
    if !i.use_vmac_addr && !vip.use_vmac {
        return None;
    }
    let own = i.interface.as_deref()?;
    let family = if vip.addr.is_ipv4() {
        Family::V4
    } else {
        Family::V6
    };
    let dev = vip.dev.as_deref().unwrap_or(own);
    if vmac_names.iter().any(|n| n == dev) {
        return None;
    }
    let other_family = family != i.family.unwrap_or(Family::V4);
    let on_own_vmac = dev == own && !other_family && i.use_vmac.is_some();
    let moves = if dev != own || other_family {
        true
    } else {
        vip.use_vmac && !on_own_vmac
    };
    moves.then(|| (dev.to_string(), family))
}

/// The VMACs of every instance's `use_vmac_addr` addresses, one list per
/// instance (in `m.instances` order): one per interface and family, with
/// the VRRP MAC of the instance's VRID for that family (or `use_vmac`'s
/// MAC when given), shared with another instance's VMAC of the same
/// interface, family and MAC (keepalived's if_get_by_vmac). Named by
/// [`free_vmac_name`] after the instances' own (`own_names`). keepalived
/// also skips names of interfaces that exist at start; keepvip names them
/// from the configuration alone, so a reload cannot rename one.
fn address_vmacs(m: &Model, own_names: &[String]) -> Vec<Vec<Vmac>> {
    let g = &m.global;
    let prefix = g
        .vmac_addr_prefix
        .as_deref()
        .or(g.vmac_prefix.as_deref())
        .unwrap_or("vrrp");
    let mut names = own_names.to_vec();
    let mut made: Vec<Vmac> = Vec::new();
    let mut out = Vec::new();
    for i in &m.instances {
        let mut mine: Vec<Vmac> = Vec::new();
        let Some(vrid) = i.virtual_router_id else {
            out.push(mine);
            continue;
        };
        for vip in i
            .virtual_ipaddress
            .iter()
            .chain(&i.virtual_ipaddress_excluded)
        {
            let Some((base, family)) = address_vmac_place(i, vip, own_names) else {
                continue;
            };
            let ipv6 = family == Family::V6;
            let mac = i.use_vmac.as_ref().and_then(|v| v.mac).unwrap_or([
                0,
                0,
                0x5e,
                0,
                if ipv6 { 2 } else { 1 },
                vrid,
            ]);
            let same = |v: &&Vmac| v.base == base && v.mac == mac && v.ipv6 == ipv6;
            if mine.iter().any(|v| same(&v)) {
                continue;
            }
            if let Some(shared) = made.iter().find(same) {
                mine.push(shared.clone());
                continue;
            }
            let v = Vmac {
                name: free_vmac_name(prefix, &names, vrid, ipv6),
                base,
                mac,
                ipv6,
                xmit_base: false,
                instance: i.name.clone(),
            };
            names.push(v.name.clone());
            made.push(v.clone());
            mine.push(v);
        }
        out.push(mine);
    }
    out
}

/// keepalived's create_vmac_name: `PREFIX.VRID`, then `PREFIX1.VRID`, …
/// (IPv6 tries `PREFIX6.VRID` second), the first no other VMAC has; the
/// prefix is cut so the name fits an interface name (15 characters).
fn free_vmac_name(prefix: &str, taken: &[String], vrid: u8, ipv6: bool) -> String {
    const NAME_MAX: usize = 15;
    let mut num = 0u32;
    loop {
        let tail = if num == 0 {
            format!(".{vrid}")
        } else {
            format!("{num}.{vrid}")
        };
        let keep = NAME_MAX.saturating_sub(tail.len());
        let head: String = prefix.chars().take(keep).collect();
        let name = format!("{head}{tail}");
        if !taken.contains(&name) {
            return name;
        }
        num = match (ipv6, num) {
            (true, 0) => 6,
            (true, 6) => 1,
            (true, 5) => 7,
            (_, n) => n + 1,
        };
    }
}

/// Every VMAC the configuration makes, worked out once per load: the
/// names depend on every instance, so nothing works them out again per
/// instance.
pub(crate) struct VmacPlan {
    /// each instance's own (`use_vmac`), in `m.instances` order
    own: Vec<Option<Vmac>>,
    /// each instance's address VMACs (`use_vmac_addr`, an address's
    /// `use_vmac`), in `m.instances` order
    addresses: Vec<Vec<Vmac>>,
    /// the names of the instances' own
    own_names: Vec<String>,
    /// the names of all of them, each once
    names: Vec<String>,
}

impl VmacPlan {
    pub(crate) fn new(m: &Model) -> Self {
        let own = own_vmacs(m);
        let own_names: Vec<String> = own.iter().flatten().map(|v| v.name.clone()).collect();
        let addresses = address_vmacs(m, &own_names);
        let mut names = own_names.clone();
        for v in addresses.iter().flatten() {
            if !names.contains(&v.name) {
                names.push(v.name.clone());
            }
        }
        VmacPlan {
            own,
            addresses,
            own_names,
            names,
        }
    }

    /// Whether `ifname` is one of the configuration's VMACs.
    pub(crate) fn is_vmac(&self, ifname: &str) -> bool {
        self.names.iter().any(|n| n == ifname)
    }
}

fn instance(
    m: &Model,
    i: &VrrpInstance,
    vmacs: &VmacPlan,
    vmac: Option<Vmac>,
    address_vmacs: &[Vmac],
) -> Option<InstanceConfig> {
    let g = &m.global;
    let interface = i.interface.clone()?;
    let vrid = i.virtual_router_id?;
    let family = i.family.unwrap_or(Family::V4);
    let mut c = InstanceConfig::new(i.name.clone(), interface, vrid);
    c.family = family;
    c.version = if i.version == Some(3) {
        Version::V3
    } else {
        Version::V2
    };
    c.priority = i.priority.unwrap_or(100);
    c.advert_interval = advert_interval(i);
    c.state_hint = i.state.unwrap_or(StateHint::Backup);
    c.nopreempt = i.nopreempt;
    c.preempt_delay = Duration::from_secs_f64(i.preempt_delay.unwrap_or(0.0).clamp(0.0, 1000.0));
    c.accept = i.accept.unwrap_or(true);
    c.vips = i.virtual_ipaddress.clone();
    c.excluded_vips = i.virtual_ipaddress_excluded.clone();
    for vip in c.vips.iter_mut().chain(c.excluded_vips.iter_mut()) {
        let family = if vip.addr.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        };
        if let Some((base, _)) = address_vmac_place(i, vip, &vmacs.own_names) {
            let ipv6 = family == Family::V6;
            if let Some(v) = address_vmacs
                .iter()
                .find(|v| v.base == base && v.ipv6 == ipv6)
            {
                vip.dev = Some(v.name.clone());
            }
        } else if vmac.is_some() && vip.dev.is_none() && family != c.family {
            // keepalived: the other family's addresses stay on the
            // interface, not on this family's VMAC
            vip.dev = Some(c.interface.clone());
        }
    }
    if let Some(v) = &vmac {
        if v.xmit_base {
            // adverts stay on the interface; the addresses go on the VMAC
            for vip in c.vips.iter_mut().chain(c.excluded_vips.iter_mut()) {
                if vip.dev.is_none() {
                    vip.dev = Some(v.name.clone());
                }
            }
        } else {
            // adverts, VIPs and GARPs on the VMAC, so they carry its MAC;
            // the advert source is still the interface's own address
            c.source_iface = Some(std::mem::replace(&mut c.interface, v.name.clone()));
        }
    }
    c.routes = i.virtual_routes.clone();
    c.rules = i.virtual_rules.clone();
    // a rule that names no address is of the instance's family (keepalived)
    for r in &mut c.rules {
        if r.src.is_none() && r.dst.is_none() {
            r.family = family;
        }
    }
    c.unicast_peers = i.unicast_peers.clone();
    let unicast = !c.unicast_peers.is_empty();
    c.src_ip = if unicast {
        i.unicast_src_ip.or(i.mcast_src_ip)
    } else {
        i.mcast_src_ip.or(i.unicast_src_ip)
    }
    .filter(|a: &IpAddr| a.is_ipv4() == (family == Family::V4));
    // keepalived clears it when no source address is configured
    c.track_src_ip = i.track_src_ip && c.src_ip.is_some();
    c.unicast_without_peers = i.unicast_fault_no_peer && c.unicast_peers.is_empty();
    c.mcast_dst = if unicast { None } else { i.mcast_dst_ip };
    c.unicast_ttl = i.unicast_ttl.unwrap_or(255);
    c.auth = match &i.authentication {
        Some(a) if a.auth_type.as_deref() == Some("PASS") && c.version == Version::V2 => {
            let mut pass = [0u8; 8];
            for (d, s) in pass
                .iter_mut()
                .zip(a.auth_pass.as_deref().unwrap_or("").bytes())
            {
                *d = s;
            }
            Some(AuthConfig::Pass(pass))
        }
        _ => None,
    };
    trackers_of(
        m,
        &i.track_interface,
        &i.track_script,
        &i.track_file,
        &i.track_process,
        &mut c.trackers,
    );
    c.track_primary = !i.dont_track_primary;
    track_own_interfaces(m, i, vmacs, &mut c);
    c.garp = garp(g, i);
    if let Some(every) = extra_if_every(g, i) {
        c.garp.extra_if_targets = extra_if_targets(vmacs, &c, vmac.as_ref(), every.all);
        if !c.garp.extra_if_targets.is_empty() {
            c.garp.extra_if = Duration::from_secs(every.every as u64);
        }
    }
    c.v3_checksum_pseudo_header = true;
    c.old_unicast_checksum = i
        .old_unicast_checksum
        .unwrap_or(keepvip_proto::OldUnicastChecksum::Detect);
    c.strict = i.strict_mode.unwrap_or(false);
    c.skip_check_adv_addr = i.skip_check_adv_addr.unwrap_or(false);
    c.lower_prio_no_advert = i.lower_prio_no_advert.unwrap_or(false);
    c.higher_prio_send_advert = i.higher_prio_send_advert.unwrap_or(false);
    c.down_timer_adverts = i.down_timer_adverts.unwrap_or(3);
    Some(c)
}

/// keepalived's add_vrrp_to_interface for addresses, routes and rules: an
/// instance also tracks (FAULT while it is down) each interface its VIPs
/// are on other than its own, the `dev` of its virtual routes, the
/// `iif`/`oif` of its virtual rules, and the interface of every static
/// address, route (`dev`) and rule (`iif`) whose `track_group` it is in;
/// never for `no_track` ones, nor for a VMAC (it follows the interface
/// under it).
pub(crate) fn interfaces_tracked_for(m: &Model, i: &VrrpInstance, vmacs: &VmacPlan) -> Vec<String> {
    let own = i.interface.as_deref().unwrap_or("");
    let mut devs: Vec<&str> = Vec::new();
    for v in i
        .virtual_ipaddress
        .iter()
        .chain(&i.virtual_ipaddress_excluded)
    {
        match v.dev.as_deref() {
            Some(d) if !v.no_track && d != own => devs.push(d),
            _ => {}
        }
    }
    // keepalived tracks a route's or rule's interface even when it is the
    // instance's own with dont_track_primary
    let wanted = |d: &str| d != own || i.dont_track_primary;
    for r in i.virtual_routes.iter().filter(|r| !r.no_track) {
        devs.extend(r.dev.as_deref().filter(|d| wanted(d)));
    }
    for r in i.virtual_rules.iter().filter(|r| !r.no_track) {
        devs.extend(r.iif.as_deref().filter(|d| wanted(d)));
        devs.extend(r.oif.as_deref().filter(|d| wanted(d)));
    }
    for t in &m.static_tracks {
        let member = m
            .track_groups
            .iter()
            .any(|g| g.name == t.group && g.members.contains(&i.name));
        if !member {
            continue;
        }
        let dev = match t.kind {
            StaticKind::Address => m
                .static_ipaddress
                .get(t.index)
                .and_then(|a| a.dev.as_deref()),
            StaticKind::Route => m.static_routes.get(t.index).and_then(|r| r.dev.as_deref()),
            StaticKind::Rule => m.static_rules.get(t.index).and_then(|r| r.iif.as_deref()),
        };
        devs.extend(dev);
    }
    let mut unique: Vec<String> = Vec::new();
    for d in devs {
        if !vmacs.is_vmac(d) && !unique.iter().any(|u| u == d) {
            unique.push(d.to_string());
        }
    }
    unique
}

/// Add the trackers of `interfaces_tracked_for`. As in keepalived, a
/// weighted `track_interface` on such an interface loses its weight
/// (`keepvip check` warns).
fn track_own_interfaces(m: &Model, i: &VrrpInstance, vmacs: &VmacPlan, c: &mut InstanceConfig) {
    for d in interfaces_tracked_for(m, i, vmacs) {
        let key = TrackerKey::Interface(d);
        match c.trackers.iter_mut().find(|t| t.key == key) {
            Some(t) => t.weight = 0,
            None => c.trackers.push(TrackRef {
                key,
                weight: 0,
                reverse: false,
            }),
        }
    }
}

/// track_* entries → proto's tracker references. An entry without its
/// own `weight` takes the tracker's weight (and `reverse`); an interface
/// without a weight means FAULT (weight 0). Undefined trackers (already
/// reported) are left out.
pub(crate) fn trackers_of(
    m: &Model,
    ifaces: &[TrackEntry],
    scripts: &[TrackEntry],
    files: &[TrackEntry],
    processes: &[TrackEntry],
    out: &mut Vec<TrackRef>,
) {
    for e in ifaces {
        out.push(TrackRef {
            key: TrackerKey::Interface(e.name.clone()),
            weight: e.weight.unwrap_or(0),
            reverse: e.reverse.unwrap_or(false),
        });
    }
    for e in scripts {
        if let Some(s) = m.scripts.iter().find(|s| s.name == e.name) {
            out.push(TrackRef {
                key: TrackerKey::Script(e.name.clone()),
                weight: e.weight.unwrap_or(s.weight),
                reverse: e.reverse.unwrap_or(s.reverse),
            });
        }
    }
    for e in files {
        if let Some(f) = m.track_files.iter().find(|f| f.name == e.name) {
            out.push(TrackRef {
                key: TrackerKey::File(e.name.clone()),
                weight: e.weight.unwrap_or(f.weight),
                reverse: e.reverse.unwrap_or(f.reverse),
            });
        }
    }
    for e in processes {
        if let Some(p) = m.track_processes.iter().find(|p| p.name == e.name) {
            out.push(TrackRef {
                key: TrackerKey::Process(e.name.clone()),
                weight: e.weight.unwrap_or(p.weight),
                reverse: e.reverse.unwrap_or(p.reverse),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::free_vmac_name;

    /// keepalived's create_vmac_name order: IPv4 vrrp.51, vrrp1.51, …;
    /// IPv6 vrrp.51, vrrp6.51, vrrp1.51, … vrrp5.51, vrrp7.51.
    #[test]
    fn vmac_names_are_tried_in_keepalived_s_order() {
        let mut taken: Vec<String> = Vec::new();
        let mut v4 = Vec::new();
        for _ in 0..3 {
            let n = free_vmac_name("vrrp", &taken, 51, false);
            taken.push(n.clone());
            v4.push(n);
        }
        assert_eq!(v4, ["vrrp.51", "vrrp1.51", "vrrp2.51"]);
        let mut taken: Vec<String> = Vec::new();
        let mut v6 = Vec::new();
        for _ in 0..8 {
            let n = free_vmac_name("vrrp", &taken, 51, true);
            taken.push(n.clone());
            v6.push(n);
        }
        assert_eq!(
            v6,
            [
                "vrrp.51", "vrrp6.51", "vrrp1.51", "vrrp2.51", "vrrp3.51", "vrrp4.51", "vrrp5.51",
                "vrrp7.51"
            ]
        );
        // a long prefix is cut to fit 15 characters, as keepalived cuts it
        assert_eq!(
            free_vmac_name("averyverylongprefix", &[], 51, false),
            "averyverylon.51"
        );
        assert_eq!(
            free_vmac_name(
                "averyverylongprefix",
                &["averyverylon.51".into()],
                51,
                false
            ),
            "averyverylo1.51"
        );
    }
}
