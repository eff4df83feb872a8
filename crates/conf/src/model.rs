//! The typed model of keepalived.conf's VRRP side, built from the statement
//! tree with keepalived's defaults and checks, and lowered to proto's
//! `RouterConfig`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use keepvip_proto::{
    AuthConfig, Family, GarpConfig, InstanceConfig, RouteConfig, RouterConfig, StateHint,
    SyncGroupConfig, TrackRef, TrackerKey, UnicastPeer, Version, VipConfig,
};
use serde::Serialize;

use crate::diag::{suggest, Diagnostic, Span};
use crate::tree::{Node, Word};

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
    /// delay before acting on a change
    pub delay: Duration,
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
}

/// global_defs that matter to the VRRP side.
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
    /// vrrp_notify_fifo
    pub vrrp_notify_fifo: Option<Fifo>,
    /// notify_fifo
    pub notify_fifo: Option<Fifo>,
    /// vrrp_notify_priority_changes
    pub notify_priority_changes: bool,
    /// fifo_write_vrrp_states_on_reload
    pub fifo_write_states_on_reload: bool,
}

/// An instance's daemon-side settings (what proto does not carry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceExtra {
    /// instance name
    pub name: String,
    /// notify scripts
    pub notify: Notifies,
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
    /// notify settings per instance
    pub instances: Vec<InstanceExtra>,
    /// notify settings per sync group
    pub groups: Vec<GroupExtra>,
    /// static_ipaddress
    pub static_addresses: Vec<VipConfig>,
    /// static_routes
    pub static_routes: Vec<RouteConfig>,
    /// what the protocol core runs
    pub router: RouterConfig,
}

const TOP: &[&str] = &[
    "global_defs",
    "vrrp_script",
    "vrrp_track_process",
    "track_file",
    "vrrp_track_file",
    "vrrp_instance",
    "vrrp_sync_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "garp_group",
    "linkbeat_use_polling",
    "net_namespace",
    "instance",
];

/// keepalived's other parts: skipped as whole blocks with one warning.
const OTHER_PARTS: &[&str] = &[
    "virtual_server",
    "virtual_server_group",
    "real_server",
    "bfd_instance",
    "vrrp_bfd",
];

const GLOBAL_USED: &[&str] = &[
    "router_id",
    "enable_script_security",
    "script_user",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_connect_timeout",
    "smtp_helo_name",
    "vrrp_version",
    "vrrp_strict",
    "vrrp_skip_check_adv_addr",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_down_timer_adverts",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_priority_changes",
    "fifo_write_vrrp_states_on_reload",
    "vrrp_check_unicast_src",
];

/// Known keepalived global_defs keywords keepvip accepts and does not act on.
const GLOBAL_IGNORED: &[&str] = &[
    "max_auto_priority",
    "vrrp_priority",
    "vrrp_rt_priority",
    "vrrp_no_swap",
    "vrrp_cpu_affinity",
    "vrrp_rlimit_rttime",
    "dynamic_interfaces",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "kernel_rx_buf_size",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "vrrp_startup_delay",
    "vrrp_delay_after_boot",
    "vrrp_iptables",
    "vrrp_ipsets",
    "nftables",
    "nftables_priority",
    "nftables_ifindex",
    "nftables_counters",
    "vrrp_min_garp",
    "reload_check_config",
    "reload_time_file",
    "reload_file",
    "state_file_location",
    "stats_file_location",
    "json_file_location",
    "json_version",
    "no_email_faults",
    "smtp_alert",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "lvs_id",
    "lvs_timeouts",
    "lvs_sync_daemon",
    "lvs_flush",
    "lvs_flush_onstop",
    "checker_priority",
    "checker_rt_priority",
    "checker_no_swap",
    "checker_cpu_affinity",
    "bfd_priority",
    "bfd_rt_priority",
    "bfd_no_swap",
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_snmp_checker",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "snmp_socket",
    "enable_dbus",
    "dbus_service_name",
    "default_interface",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "bfd_process_name",
    "vrrp_owner_ignore_adverts",
    "timer_expired_backup",
    "thread_timer_expired",
    "set_supplementary_groups",
    "instance",
    "linkbeat_use_polling",
    "script_timeout",
    "umask",
    "net_namespace",
    "namespace_with_ipsets",
    "uninstall",
    "vrrp_tracking_weight",
    "random_seed",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "vrrp_garp_extra_if",
    "vrrp_garp_refresh",
    "vrrp_garp_refresh_repeat",
];

const INSTANCE_KEYS: &[&str] = &[
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "accept",
    "no_accept",
    "mcast_src_ip",
    "unicast_src_ip",
    "unicast_peer",
    "unicast_ttl",
    "track_src_ip",
    "check_unicast_src",
    "unicast_fault_no_peer",
    "old_unicast_checksum",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "no_virtual_ipaddress",
    "promote_secondaries",
    "virtual_routes",
    "virtual_rules",
    "track_interface",
    "dont_track_primary",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "track_group",
    "authentication",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify",
    "notify_master_rx_lower_pri",
    "smtp_alert",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "garp_interval",
    "gna_interval",
    "strict_mode",
    "skip_check_adv_addr",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "down_timer_adverts",
    "use_vmac",
    "vmac_xmit_base",
    "use_vmac_addr",
    "use_ipvlan",
    "mcast_dst_ip",
    "debug",
    "linkbeat_use_polling",
    "interface_up_down_delays",
    "kernel_rx_buf_size",
    "native_ipv6",
    "vrrp_sync_group",
];

/// Builds the model, collecting diagnostics.
pub struct Builder<'d> {
    diags: &'d mut Vec<Diagnostic>,
}

struct Defaults {
    version: Version,
    strict: bool,
    skip_check_adv_addr: bool,
    garp: GarpConfig,
    lower_prio_no_advert: bool,
    higher_prio_send_advert: bool,
    down_timer_adverts: u32,
    mcast4: Option<IpAddr>,
    mcast6: Option<IpAddr>,
}

impl<'d> Builder<'d> {
    /// A builder writing into `diags`.
    pub fn new(diags: &'d mut Vec<Diagnostic>) -> Self {
        Builder { diags }
    }

    fn err(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(Some(span), msg));
    }

    fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(Some(span), msg));
    }

    fn unknown(&mut self, w: &Word, known: &[&str], context: &str) {
        let mut d = Diagnostic::error(
            Some(w.span),
            format!("unknown keyword `{}` in {context}", w.text),
        );
        d.unknown_keyword = true;
        if let Some(s) = suggest(&w.text, known) {
            d = d.with_help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    fn arg<'n>(&mut self, n: &'n Node, i: usize) -> Option<&'n Word> {
        let a = n.args.get(i);
        if a.is_none() {
            self.err(n.key.span, format!("`{}` needs a value", n.key.text));
        }
        a
    }

    fn num(&mut self, n: &Node, i: usize, min: i64, max: i64) -> Option<i64> {
        let w = self.arg(n, i)?;
        match w.text.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Some(v),
            Ok(v) => {
                let (s, k) = (w.span, n.key.text.clone());
                self.err(s, format!("{k} {v} is outside the range {min}..={max}"));
                None
            }
            Err(_) => {
                let (s, t) = (w.span, w.text.clone());
                self.err(s, format!("`{t}` is not a whole number"));
                None
            }
        }
    }

    fn float(&mut self, n: &Node, i: usize, min: f64, max: f64) -> Option<f64> {
        let w = self.arg(n, i)?;
        match w.text.parse::<f64>() {
            Ok(v) if v >= min && v <= max => Some(v),
            _ => {
                let (s, t, k) = (w.span, w.text.clone(), n.key.text.clone());
                self.err(s, format!("{k} `{t}` must be a number in {min}..={max}"));
                None
            }
        }
    }

    fn secs(&mut self, n: &Node, i: usize, max: f64) -> Option<Duration> {
        self.float(n, i, 0.0, max).map(Duration::from_secs_f64)
    }

    fn ip(&mut self, w: &Word) -> Option<IpAddr> {
        match w.text.parse() {
            Ok(a) => Some(a),
            Err(_) => {
                self.err(w.span, format!("`{}` is not an IP address", w.text));
                None
            }
        }
    }

    fn notify_cmd(&mut self, n: &Node) -> Option<NotifyCmd> {
        let cmd = self.arg(n, 0)?.text.clone();
        Some(NotifyCmd {
            command: cmd,
            user: n.args.get(1).map(|w| w.text.clone()),
            group: n.args.get(2).map(|w| w.text.clone()),
        })
    }

    /// Build the whole configuration.
    pub fn build(&mut self, nodes: &[Node]) -> Config {
        let mut global = GlobalDefs {
            router_id: None,
            script_security: false,
            script_user: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            vrrp_notify_fifo: None,
            notify_fifo: None,
            notify_priority_changes: false,
            fifo_write_states_on_reload: false,
        };
        let mut defaults = Defaults {
            version: Version::V2,
            strict: false,
            skip_check_adv_addr: false,
            garp: GarpConfig::default(),
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            down_timer_adverts: 3,
            mcast4: None,
            mcast6: None,
        };
        // global_defs first: its defaults apply to every instance
        for n in nodes.iter().filter(|n| n.key.text == "global_defs") {
            self.global_defs(n, &mut global, &mut defaults);
        }
        let mut cfg = Config {
            global,
            scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            instances: Vec::new(),
            groups: Vec::new(),
            static_addresses: Vec::new(),
            static_routes: Vec::new(),
            router: RouterConfig::default(),
        };
        let mut spans: Vec<Span> = Vec::new();
        let mut track_spans: Vec<Vec<(TrackerKey, Span)>> = Vec::new();
        for n in nodes {
            match n.key.text.as_str() {
                "global_defs" => {}
                "vrrp_script" => {
                    if let Some(s) = self.script(n) {
                        cfg.scripts.push(s);
                    }
                }
                "track_file" | "vrrp_track_file" => {
                    if let Some(f) = self.track_file(n) {
                        cfg.track_files.push(f);
                    }
                }
                "vrrp_track_process" => {
                    if let Some(p) = self.track_process(n) {
                        cfg.track_processes.push(p);
                    }
                }
                "vrrp_instance" => {
                    if let Some((i, extra, tspans)) = self.instance(n, &defaults) {
                        spans.push(n.key.span);
                        track_spans.push(tspans);
                        cfg.router.instances.push(i);
                        cfg.instances.push(extra);
                    }
                }
                "vrrp_sync_group" => {
                    if let Some((g, extra)) = self.sync_group(n) {
                        cfg.router.sync_groups.push(g);
                        cfg.groups.push(extra);
                    }
                }
                "static_ipaddress" => {
                    for c in n.children() {
                        if let Some(v) = self.vip(c) {
                            cfg.static_addresses.push(v);
                        }
                    }
                    self.warn(
                        n.key.span,
                        "static_ipaddress is parsed but not installed by keepvip yet",
                    );
                }
                "static_routes" | "static_rules" | "garp_group" => {
                    self.warn(
                        n.key.span,
                        format!("{} is parsed but not acted on by keepvip yet", n.key.text),
                    );
                }
                k if OTHER_PARTS.contains(&k) => {
                    self.warn(
                        n.key.span,
                        format!("keepvip implements the VRRP side only; `{k}` block ignored"),
                    );
                }
                k if k.starts_with("enable_snmp") || k == "enable_dbus" => {
                    self.warn(
                        n.key.span,
                        format!("keepvip implements the VRRP side only; `{k}` ignored"),
                    );
                }
                _ => {
                    let mut known: Vec<&str> = TOP.to_vec();
                    known.push("global_defs");
                    self.unknown(&n.key, &known, "the top level");
                }
            }
        }
        self.cross_checks(&cfg, &spans, &track_spans);
        resolve_weights(&mut cfg);
        self.script_warnings(&cfg, nodes);
        cfg
    }

    /// keepalived's script checks, as warnings (keepalived -t fails on them;
    /// a config is often checked on another machine than it runs on).
    fn script_warnings(&mut self, cfg: &Config, nodes: &[Node]) {
        let has_notify = cfg
            .instances
            .iter()
            .map(|i| &i.notify)
            .chain(cfg.groups.iter().map(|g| &g.notify))
            .any(|n| {
                n.master.is_some()
                    || n.backup.is_some()
                    || n.fault.is_some()
                    || n.stop.is_some()
                    || n.generic.is_some()
            });
        if (!cfg.scripts.is_empty() || has_notify) && !cfg.global.script_security {
            self.diags.push(Diagnostic::warning(
                None,
                "scripts are configured but enable_script_security is not set: they run as the daemon's user (keepalived logs SECURITY VIOLATION)",
            ));
        }
        for n in nodes.iter().filter(|n| n.key.text == "vrrp_script") {
            let Some(s) = cfg
                .scripts
                .iter()
                .find(|s| Some(&s.name) == n.args.first().map(|w| &w.text))
            else {
                continue;
            };
            let Some(prog) = s.script.split_whitespace().next() else {
                continue;
            };
            if prog.starts_with('/') && !std::path::Path::new(prog).exists() {
                let span = n
                    .children()
                    .iter()
                    .find(|c| c.key.text == "script")
                    .map_or(n.key.span, |c| c.arg_span(0));
                self.warn(span, format!("vrrp_script {}: {prog} does not exist here; the check will fail until it does", s.name));
            }
        }
        for i in &cfg.router.instances {
            for r in &i.routes {
                if r.dev.is_none() && r.gateway.is_none() {
                    self.diags.push(Diagnostic::warning(
                        None,
                        format!(
                            "({}) virtual route {}/{} has no dev: it is installed but not tracked",
                            i.name, r.dst, r.dst_len
                        ),
                    ));
                }
            }
        }
    }

    fn global_defs(&mut self, n: &Node, g: &mut GlobalDefs, d: &mut Defaults) {
        for c in n.children() {
            let k = c.key.text.as_str();
            match k {
                "router_id" => g.router_id = c.args.first().map(|w| w.text.clone()),
                "enable_script_security" => g.script_security = true,
                "script_user" => {
                    if let Some(u) = self.arg(c, 0) {
                        g.script_user =
                            Some((u.text.clone(), c.args.get(1).map(|w| w.text.clone())));
                    }
                }
                "notification_email" => {
                    g.notification_email =
                        c.children().iter().map(|e| e.key.text.clone()).collect();
                    g.notification_email
                        .extend(c.args.iter().map(|w| w.text.clone()));
                }
                "notification_email_from" => {
                    g.notification_email_from = c.args.first().map(|w| w.text.clone())
                }
                "smtp_server" => {
                    g.smtp_server = c.args.first().map(|w| w.text.clone());
                    self.warn(
                        c.key.span,
                        "smtp_server: keepvip does not send email yet (smtp_alert is ignored)",
                    );
                }
                "vrrp_version" => {
                    if let Some(v) = self.num(c, 0, 2, 3) {
                        d.version = if v == 3 { Version::V3 } else { Version::V2 };
                    }
                }
                "vrrp_strict" => d.strict = true,
                "vrrp_skip_check_adv_addr" => d.skip_check_adv_addr = true,
                "vrrp_garp_master_repeat" => {
                    if let Some(v) = self.num(c, 0, 0, 255) {
                        d.garp.master_repeat = v as u32;
                    }
                }
                "vrrp_garp_master_delay" => {
                    if let Some(v) = self.secs(c, 0, 255.0) {
                        d.garp.master_delay = v;
                    }
                }
                "vrrp_garp_master_refresh" => {
                    if let Some(v) = self.secs(c, 0, 86400.0) {
                        d.garp.master_refresh = v;
                    }
                }
                "vrrp_garp_master_refresh_repeat" => {
                    if let Some(v) = self.num(c, 0, 1, 255) {
                        d.garp.master_refresh_repeat = v as u32;
                    }
                }
                "vrrp_garp_interval" | "vrrp_gna_interval" => {
                    if let Some(v) = self.secs(c, 0, 1.0) {
                        d.garp.interval = v;
                    }
                }
                "vrrp_garp_lower_prio_repeat" => {
                    if let Some(v) = self.num(c, 0, 0, 255) {
                        d.garp.lower_prio_repeat = v as u32;
                    }
                }
                "vrrp_garp_lower_prio_delay" => {
                    if let Some(v) = self.secs(c, 0, 255.0) {
                        d.garp.lower_prio_delay = v;
                    }
                }
                "vrrp_lower_prio_no_advert" => d.lower_prio_no_advert = bool_arg(c),
                "vrrp_higher_prio_send_advert" => d.higher_prio_send_advert = bool_arg(c),
                "vrrp_down_timer_adverts" => {
                    if let Some(v) = self.num(c, 0, 1, 100) {
                        d.down_timer_adverts = v as u32;
                    }
                }
                "vrrp_mcast_group4" | "vrrp_mcast_group6" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        let a = self.ip(&w);
                        if k.ends_with('4') {
                            d.mcast4 = a;
                        } else {
                            d.mcast6 = a;
                        }
                    }
                }
                "vrrp_notify_fifo" | "notify_fifo" => {
                    if let Some(w) = self.arg(c, 0) {
                        let f = Fifo {
                            path: PathBuf::from(&w.text),
                            script: None,
                        };
                        if k == "notify_fifo" {
                            g.notify_fifo = Some(f);
                        } else {
                            g.vrrp_notify_fifo = Some(f);
                        }
                    }
                }
                "vrrp_notify_fifo_script" | "notify_fifo_script" => {
                    let cmd = self.notify_cmd(c);
                    let fifo = if k == "notify_fifo_script" {
                        &mut g.notify_fifo
                    } else {
                        &mut g.vrrp_notify_fifo
                    };
                    match fifo {
                        Some(f) => f.script = cmd,
                        None => self.err(
                            c.key.span,
                            format!("{k} without its FIFO (set the FIFO first)"),
                        ),
                    }
                }
                "vrrp_notify_priority_changes" => g.notify_priority_changes = bool_arg(c),
                "fifo_write_vrrp_states_on_reload" => g.fifo_write_states_on_reload = true,
                "vrrp_check_unicast_src" | "smtp_connect_timeout" | "smtp_helo_name" => {}
                k if GLOBAL_IGNORED.contains(&k) => {
                    self.warn(
                        c.key.span,
                        format!("global_defs `{k}` is accepted but not acted on by keepvip"),
                    );
                }
                _ => {
                    let known: Vec<&str> = GLOBAL_USED
                        .iter()
                        .chain(GLOBAL_IGNORED.iter())
                        .copied()
                        .collect();
                    self.unknown(&c.key, &known, "global_defs");
                }
            }
        }
    }

    fn block_name(&mut self, n: &Node) -> Option<String> {
        match n.args.first() {
            Some(w) => Some(w.text.clone()),
            None => {
                self.err(n.key.span, format!("`{}` needs a name", n.key.text));
                None
            }
        }
    }

    fn script(&mut self, n: &Node) -> Option<VrrpScript> {
        let name = self.block_name(n)?;
        let mut s = VrrpScript {
            name,
            script: String::new(),
            interval: Duration::from_secs(1),
            timeout: Duration::ZERO,
            weight: 0,
            reverse: false,
            rise: 1,
            fall: 1,
            user: None,
            group: None,
            init_fail: false,
        };
        for c in n.children() {
            match c.key.text.as_str() {
                "script" => {
                    // keepalived joins the words of an unquoted script line
                    s.script = c
                        .args
                        .iter()
                        .map(|w| w.text.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    if s.script.is_empty() {
                        self.err(c.key.span, "`script` needs a command");
                    }
                }
                "interval" => s.interval = self.secs(c, 0, 86400.0).unwrap_or(s.interval),
                "timeout" => s.timeout = self.secs(c, 0, 86400.0).unwrap_or(s.timeout),
                "weight" => {
                    s.weight = self.num(c, 0, -253, 253).unwrap_or(0) as i32;
                    s.reverse = c.args.get(1).is_some_and(|w| w.text == "reverse");
                }
                "rise" => s.rise = self.num(c, 0, 1, 1_000_000).unwrap_or(1) as u32,
                "fall" => s.fall = self.num(c, 0, 1, 1_000_000).unwrap_or(1) as u32,
                "user" => {
                    s.user = c.args.first().map(|w| w.text.clone());
                    s.group = c.args.get(1).map(|w| w.text.clone());
                }
                "init_fail" => s.init_fail = true,
                _ => self.unknown(
                    &c.key,
                    &[
                        "script",
                        "interval",
                        "timeout",
                        "weight",
                        "rise",
                        "fall",
                        "user",
                        "init_fail",
                    ],
                    "vrrp_script",
                ),
            }
        }
        if s.script.is_empty() {
            self.err(
                n.key.span,
                format!("vrrp_script {} has no `script`", s.name),
            );
            return None;
        }
        if s.timeout.is_zero() {
            s.timeout = s.interval;
        }
        Some(s)
    }

    fn track_file(&mut self, n: &Node) -> Option<TrackFile> {
        let name = self.block_name(n)?;
        let mut f = TrackFile {
            name,
            file: PathBuf::new(),
            weight: 1,
            reverse: false,
            init_file: None,
            overwrite: false,
        };
        for c in n.children() {
            match c.key.text.as_str() {
                "file" => {
                    f.file =
                        PathBuf::from(self.arg(c, 0).map(|w| w.text.clone()).unwrap_or_default())
                }
                "weight" => {
                    f.weight = self.num(c, 0, -254, 254).unwrap_or(1) as i32;
                    f.reverse = c.args.get(1).is_some_and(|w| w.text == "reverse");
                }
                "init_file" => {
                    f.init_file = Some(
                        c.args
                            .first()
                            .and_then(|w| w.text.parse().ok())
                            .unwrap_or(0),
                    );
                    f.overwrite = c.args.iter().any(|w| w.text == "overwrite");
                }
                _ => self.unknown(&c.key, &["file", "weight", "init_file"], "track_file"),
            }
        }
        if f.file.as_os_str().is_empty() {
            self.err(n.key.span, format!("track_file {} has no `file`", f.name));
            return None;
        }
        Some(f)
    }

    fn track_process(&mut self, n: &Node) -> Option<TrackProcess> {
        let name = self.block_name(n)?;
        let mut p = TrackProcess {
            name,
            process: String::new(),
            params: Vec::new(),
            param_match: None,
            weight: 0,
            reverse: false,
            quorum: 1,
            quorum_max: None,
            delay: Duration::ZERO,
            full_command: false,
        };
        for c in n.children() {
            match c.key.text.as_str() {
                "process" => {
                    p.process = self.arg(c, 0).map(|w| w.text.clone()).unwrap_or_default();
                    p.params = c.args.iter().skip(1).map(|w| w.text.clone()).collect();
                }
                "param_match" => p.param_match = c.args.first().map(|w| w.text.clone()),
                "weight" => {
                    p.weight = self.num(c, 0, -254, 254).unwrap_or(0) as i32;
                    p.reverse = c.args.get(1).is_some_and(|w| w.text == "reverse");
                }
                "quorum" => p.quorum = self.num(c, 0, 1, 65535).unwrap_or(1) as u32,
                "quorum_max" => p.quorum_max = self.num(c, 0, 1, 65535).map(|v| v as u32),
                "delay" | "fork_delay" | "terminate_delay" => {
                    if let Some(d) = self.secs(c, 0, 3600.0) {
                        p.delay = p.delay.max(d);
                    }
                }
                "full_command" => p.full_command = true,
                _ => self.unknown(
                    &c.key,
                    &[
                        "process",
                        "param_match",
                        "weight",
                        "quorum",
                        "quorum_max",
                        "delay",
                        "fork_delay",
                        "terminate_delay",
                        "full_command",
                    ],
                    "vrrp_track_process",
                ),
            }
        }
        if p.process.is_empty() {
            self.err(
                n.key.span,
                format!("vrrp_track_process {} has no `process`", p.name),
            );
            return None;
        }
        Some(p)
    }

    /// `IP[/len] [brd X] [dev IF] [scope S] [label L] [peer IP] [no_track]`
    fn vip(&mut self, c: &Node) -> Option<VipConfig> {
        let mut words = std::iter::once(&c.key).chain(c.args.iter());
        let first = words.next()?;
        let (addr_s, len_s) = match first.text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (first.text.as_str(), None),
        };
        let Ok(addr) = addr_s.parse::<IpAddr>() else {
            self.err(first.span, format!("`{}` is not an IP address", first.text));
            return None;
        };
        let mut v = VipConfig::new(addr);
        if let Some(l) = len_s {
            let max = if addr.is_ipv4() { 32 } else { 128 };
            match l.parse::<u8>() {
                Ok(p) if p <= max => v.prefix_len = p,
                _ => {
                    self.err(first.span, format!("bad prefix length `/{l}`"));
                    return None;
                }
            }
        }
        let rest: Vec<&Word> = words.collect();
        let mut i = 0;
        while i < rest.len() {
            let k = rest[i].text.as_str();
            let val = rest.get(i + 1).copied();
            match (k, val) {
                ("brd" | "broadcast", Some(w)) => {
                    if w.text != "+" && w.text != "-" {
                        v.broadcast = self.ip(w);
                    } else if let IpAddr::V4(a) = addr {
                        // `brd +`: all host bits set
                        let mask = u32::MAX.checked_shr(u32::from(v.prefix_len)).unwrap_or(0);
                        v.broadcast = Some(IpAddr::V4((u32::from(a) | mask).into()));
                    }
                    i += 2;
                }
                ("dev", Some(w)) => {
                    v.dev = Some(w.text.clone());
                    i += 2;
                }
                ("scope", Some(w)) => {
                    v.scope = match w.text.as_str() {
                        "global" | "universe" => Some(0),
                        "site" => Some(200),
                        "link" => Some(253),
                        "host" => Some(254),
                        "nowhere" => Some(255),
                        n => match n.parse() {
                            Ok(s) => Some(s),
                            Err(_) => {
                                self.err(w.span, format!("unknown scope `{n}`"));
                                None
                            }
                        },
                    };
                    i += 2;
                }
                ("label", Some(w)) => {
                    v.label = Some(w.text.clone());
                    i += 2;
                }
                ("peer", Some(w)) => {
                    v.peer = self.ip(w);
                    i += 2;
                }
                ("no_track", _) => {
                    v.no_track = true;
                    i += 1;
                }
                ("preferred_lft" | "valid_lft", Some(_)) => i += 2,
                ("home" | "nodad" | "noprefixroute" | "autojoin" | "mngtmpaddr", _) => i += 1,
                ("use_vmac" | "track_group", _) => {
                    self.warn(
                        rest[i].span,
                        format!("`{k}` on a VIP is not supported by keepvip; ignored"),
                    );
                    i += 1;
                }
                _ => {
                    self.err(rest[i].span, format!("unexpected `{k}` in an address (brd, dev, scope, label, peer, no_track)"));
                    i += 1;
                }
            }
        }
        Some(v)
    }

    /// ip-route style: `DST[/len] [via GW] [dev IF] [src IP] [metric N] [table N] [scope S] [no_track]`,
    /// or `blackhole|unreachable|prohibit DST`.
    fn route(&mut self, c: &Node) -> Option<RouteConfig> {
        let words: Vec<&Word> = std::iter::once(&c.key).chain(c.args.iter()).collect();
        let mut i = 0;
        let mut route_type = None;
        if let Some(t) = match words[0].text.as_str() {
            "blackhole" => Some(6u8),
            "unreachable" => Some(7),
            "prohibit" => Some(8),
            _ => None,
        } {
            route_type = Some(t);
            i = 1;
        }
        let w = words.get(i)?;
        let (dst, dst_len) = match w.text.as_str() {
            "default" => ("0.0.0.0".parse().ok()?, 0),
            t => {
                let (a, l) = t.split_once('/').unwrap_or((t, ""));
                let Ok(addr) = a.parse::<IpAddr>() else {
                    self.err(w.span, format!("`{t}` is not a route destination"));
                    return None;
                };
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let len = if l.is_empty() {
                    max
                } else {
                    l.parse().unwrap_or(255)
                };
                if len > max {
                    self.err(w.span, format!("bad prefix length in `{t}`"));
                    return None;
                }
                (addr, len)
            }
        };
        let mut r = RouteConfig {
            dst,
            dst_len,
            gateway: None,
            dev: None,
            src: None,
            metric: None,
            table: None,
            scope: None,
            route_type,
            no_track: false,
        };
        i += 1;
        while i < words.len() {
            let k = words[i].text.as_str();
            let v = words.get(i + 1).copied();
            match (k, v) {
                ("via" | "gw", Some(w)) => r.gateway = self.ip(w),
                ("dev" | "oif", Some(w)) => r.dev = Some(w.text.clone()),
                ("src", Some(w)) => r.src = self.ip(w),
                ("metric" | "preference", Some(w)) => r.metric = w.text.parse().ok(),
                ("table", Some(w)) => r.table = w.text.parse().ok(),
                ("scope", Some(w)) => {
                    r.scope = match w.text.as_str() {
                        "global" => Some(0),
                        "link" => Some(253),
                        "host" => Some(254),
                        n => n.parse().ok(),
                    }
                }
                ("no_track", _) => {
                    r.no_track = true;
                    i += 1;
                    continue;
                }
                ("onlink", _) => {
                    i += 1;
                    continue;
                }
                (_, _) => {
                    self.warn(
                        words[i].span,
                        format!("route option `{k}` is not supported by keepvip; ignored"),
                    );
                }
            }
            i += 2;
        }
        Some(r)
    }

    fn tracks(
        &mut self,
        c: &Node,
        kind: fn(String) -> TrackerKey,
        max: i64,
        out: &mut Vec<TrackRef>,
        spans: &mut Vec<(TrackerKey, Span)>,
    ) {
        for t in c.children() {
            let key = kind(t.key.text.clone());
            // no `weight` here: the tracker block's own weight applies
            // (resolved in `resolve_weights`)
            let mut weight = WEIGHT_FROM_TRACKER;
            let mut reverse = false;
            let mut i = 0;
            while i < t.args.len() {
                match t.args[i].text.as_str() {
                    "weight" => {
                        weight = self.num(t, i + 1, -max, max).unwrap_or(0) as i32;
                        i += 2;
                    }
                    "reverse" => {
                        reverse = true;
                        i += 1;
                    }
                    "noreverse" => i += 1,
                    other => {
                        let s = t.args[i].span;
                        self.err(s, format!("unexpected `{other}` (weight N [reverse])"));
                        i += 1;
                    }
                }
            }
            spans.push((key.clone(), t.key.span));
            out.push(TrackRef {
                key,
                weight,
                reverse,
            });
        }
    }

    #[allow(clippy::type_complexity)]
    fn instance(
        &mut self,
        n: &Node,
        d: &Defaults,
    ) -> Option<(InstanceConfig, InstanceExtra, Vec<(TrackerKey, Span)>)> {
        let name = self.block_name(n)?;
        let mut i = InstanceConfig::new(name.clone(), "", 0);
        i.version = d.version;
        i.strict = d.strict;
        i.skip_check_adv_addr = d.skip_check_adv_addr;
        i.garp = d.garp.clone();
        i.lower_prio_no_advert = d.lower_prio_no_advert;
        i.higher_prio_send_advert = d.higher_prio_send_advert;
        i.down_timer_adverts = d.down_timer_adverts;
        let mut extra = InstanceExtra {
            name: name.clone(),
            notify: Notifies::default(),
        };
        let mut priority: Option<(u8, Span)> = None;
        let mut advert: Option<(f64, Span)> = None;
        let mut version_set: Option<Span> = None;
        let mut nopreempt_span = None;
        let mut preempt_delay_span = None;
        let mut auth_span = None;
        let mut tspans = Vec::new();
        let mut vrid_seen = false;
        for c in n.children() {
            match c.key.text.as_str() {
                "state" => match c.args.first().map(|w| w.text.as_str()) {
                    Some("MASTER") => i.state_hint = StateHint::Master,
                    Some("BACKUP") => i.state_hint = StateHint::Backup,
                    _ => self.err(c.arg_span(0), "state must be MASTER or BACKUP"),
                },
                "interface" => {
                    i.interface = self.arg(c, 0).map(|w| w.text.clone()).unwrap_or_default()
                }
                "virtual_router_id" => {
                    if let Some(v) = self.num(c, 0, 1, 255) {
                        i.vrid = v as u8;
                        vrid_seen = true;
                    }
                }
                "priority" => {
                    if let Some(v) = self.num(c, 0, 1, 255) {
                        priority = Some((v as u8, c.key.span));
                    }
                }
                "advert_int" => {
                    if let Some(v) = self.float(c, 0, 0.0, 255.0) {
                        advert = Some((v, c.arg_span(0)));
                    }
                }
                "version" => {
                    if let Some(v) = self.num(c, 0, 2, 3) {
                        i.version = if v == 3 { Version::V3 } else { Version::V2 };
                        version_set = Some(c.key.span);
                    }
                }
                "nopreempt" => {
                    i.nopreempt = true;
                    nopreempt_span = Some(c.key.span);
                }
                "preempt" => i.nopreempt = false,
                "preempt_delay" => {
                    if let Some(v) = self.float(c, 0, 0.0, 1000.0) {
                        i.preempt_delay = Duration::from_secs_f64(v);
                        preempt_delay_span = Some(c.key.span);
                    }
                }
                "accept" => i.accept = true,
                "no_accept" => i.accept = false,
                "mcast_src_ip" | "unicast_src_ip" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        i.src_ip = self.ip(&w);
                    }
                }
                "mcast_dst_ip" => {
                    if let Some(w) = self.arg(c, 0).cloned() {
                        i.mcast_dst = self.ip(&w);
                    }
                }
                "unicast_peer" => {
                    for p in c.children() {
                        let Some(addr) = self.ip(&p.key) else {
                            continue;
                        };
                        let mut peer = UnicastPeer {
                            addr,
                            min_ttl: None,
                            max_ttl: None,
                        };
                        let mut k = 0;
                        while k < p.args.len() {
                            match p.args[k].text.as_str() {
                                "min_ttl" => {
                                    peer.min_ttl = self.num(p, k + 1, 0, 255).map(|v| v as u8)
                                }
                                "max_ttl" => {
                                    peer.max_ttl = self.num(p, k + 1, 0, 255).map(|v| v as u8)
                                }
                                other => {
                                    let s = p.args[k].span;
                                    self.err(
                                        s,
                                        format!("unexpected `{other}` (min_ttl N, max_ttl N)"),
                                    );
                                }
                            }
                            k += 2;
                        }
                        i.unicast_peers.push(peer);
                    }
                }
                "unicast_ttl" => i.unicast_ttl = self.num(c, 0, 1, 255).unwrap_or(255) as u8,
                "virtual_ipaddress" => {
                    for v in c.children() {
                        if let Some(v) = self.vip(v) {
                            i.vips.push(v);
                        }
                    }
                }
                "virtual_ipaddress_excluded" => {
                    for v in c.children() {
                        if let Some(v) = self.vip(v) {
                            i.excluded_vips.push(v);
                        }
                    }
                }
                "virtual_routes" => {
                    for r in c.children() {
                        if let Some(r) = self.route(r) {
                            i.routes.push(r);
                        }
                    }
                }
                "track_interface" => {
                    self.tracks(c, TrackerKey::Interface, 253, &mut i.trackers, &mut tspans)
                }
                "track_script" => {
                    self.tracks(c, TrackerKey::Script, 253, &mut i.trackers, &mut tspans)
                }
                "track_file" => self.tracks(c, TrackerKey::File, 254, &mut i.trackers, &mut tspans),
                "track_process" => {
                    self.tracks(c, TrackerKey::Process, 254, &mut i.trackers, &mut tspans)
                }
                "dont_track_primary" => i.track_primary = false,
                "authentication" => {
                    auth_span = Some(c.key.span);
                    let mut kind = None;
                    let mut pass: Option<(String, Span)> = None;
                    for a in c.children() {
                        match a.key.text.as_str() {
                            "auth_type" => kind = a.args.first().map(|w| (w.text.clone(), w.span)),
                            "auth_pass" => pass = a.args.first().map(|w| (w.text.clone(), w.span)),
                            _ => {
                                self.unknown(&a.key, &["auth_type", "auth_pass"], "authentication")
                            }
                        }
                    }
                    match kind {
                        Some((k, _)) if k == "PASS" => {
                            let (p, span) = pass.unwrap_or_default();
                            let mut key = [0u8; 8];
                            if p.len() > 8 {
                                self.warn(span, format!("auth_pass `{p}` is longer than 8 characters: truncated to `{}`", &p[..8.min(p.len())]));
                            }
                            for (k, b) in key.iter_mut().zip(p.bytes()) {
                                *k = b;
                            }
                            i.auth = Some(AuthConfig::Pass(key));
                        }
                        Some((k, s)) if k == "AH" => {
                            self.err(s, "auth_type AH is not supported (it is deprecated in keepalived too); use PASS or none");
                        }
                        Some((k, s)) => {
                            self.err(s, format!("unknown auth_type `{k}` (PASS or AH)"))
                        }
                        None => self.err(c.key.span, "authentication needs auth_type"),
                    }
                }
                "notify_master" => extra.notify.master = self.notify_cmd(c),
                "notify_backup" => extra.notify.backup = self.notify_cmd(c),
                "notify_fault" => extra.notify.fault = self.notify_cmd(c),
                "notify_stop" => extra.notify.stop = self.notify_cmd(c),
                "notify_deleted" => {
                    extra.notify.deleted_set = true;
                    if !c.args.is_empty() {
                        extra.notify.deleted = self.notify_cmd(c);
                    }
                }
                "notify" => extra.notify.generic = self.notify_cmd(c),
                "notify_master_rx_lower_pri" => {
                    extra.notify.master_rx_lower_pri = self.notify_cmd(c)
                }
                "smtp_alert" => extra.notify.smtp_alert = bool_arg(c),
                "garp_master_delay" => {
                    i.garp.master_delay = self.secs(c, 0, 255.0).unwrap_or(i.garp.master_delay)
                }
                "garp_master_repeat" => {
                    i.garp.master_repeat = self.num(c, 0, 0, 255).unwrap_or(5) as u32
                }
                "garp_master_refresh" => {
                    i.garp.master_refresh = self.secs(c, 0, 86400.0).unwrap_or_default()
                }
                "garp_master_refresh_repeat" => {
                    i.garp.master_refresh_repeat = self.num(c, 0, 1, 255).unwrap_or(1) as u32
                }
                "garp_lower_prio_delay" => {
                    i.garp.lower_prio_delay = self.secs(c, 0, 255.0).unwrap_or_default()
                }
                "garp_lower_prio_repeat" => {
                    i.garp.lower_prio_repeat = self.num(c, 0, 0, 255).unwrap_or(0) as u32
                }
                "garp_interval" | "gna_interval" => {
                    i.garp.interval = self.secs(c, 0, 1.0).unwrap_or_default()
                }
                "strict_mode" => i.strict = bool_arg(c),
                "skip_check_adv_addr" => i.skip_check_adv_addr = bool_arg(c),
                "lower_prio_no_advert" => i.lower_prio_no_advert = bool_arg(c),
                "higher_prio_send_advert" => i.higher_prio_send_advert = bool_arg(c),
                "down_timer_adverts" => {
                    i.down_timer_adverts = self.num(c, 0, 1, 100).unwrap_or(3) as u32
                }
                "check_unicast_src"
                | "old_unicast_checksum"
                | "debug"
                | "native_ipv6"
                | "kernel_rx_buf_size"
                | "linkbeat_use_polling"
                | "promote_secondaries" => {}
                k @ ("use_vmac"
                | "vmac_xmit_base"
                | "use_vmac_addr"
                | "use_ipvlan"
                | "track_bfd"
                | "track_group"
                | "track_src_ip"
                | "unicast_fault_no_peer"
                | "interface_up_down_delays"
                | "virtual_rules"
                | "no_virtual_ipaddress") => {
                    self.warn(
                        c.key.span,
                        format!("`{k}` is parsed but not acted on by keepvip yet"),
                    );
                }
                _ => self.unknown(&c.key, INSTANCE_KEYS, "vrrp_instance"),
            }
        }
        // keepalived's defaults and fix-ups
        if i.interface.is_empty() {
            self.err(
                n.key.span,
                format!("vrrp_instance {name} has no `interface`"),
            );
            return None;
        }
        if !vrid_seen {
            self.err(
                n.key.span,
                format!("vrrp_instance {name} has no `virtual_router_id`"),
            );
            return None;
        }
        i.priority = match priority {
            Some((p, _)) => p,
            None if i.state_hint == StateHint::Master => 255,
            None => 100,
        };
        // family from the first VIP; the others must match
        let fam = i.vips.first().map(|v| {
            if v.addr.is_ipv4() {
                Family::V4
            } else {
                Family::V6
            }
        });
        if let Some(f) = fam {
            i.family = f;
            if i.vips.iter().any(|v| v.addr.is_ipv4() != (f == Family::V4)) {
                let s = n.key.span;
                self.err(s, format!("({name}) virtual_ipaddress mixes IPv4 and IPv6: one address family per instance (put the other family in virtual_ipaddress_excluded)"));
            }
        } else if let Some(src) = i.src_ip {
            i.family = if src.is_ipv4() {
                Family::V4
            } else {
                Family::V6
            };
        }
        if i.family == Family::V6 && i.version == Version::V2 {
            if let Some(s) = version_set {
                self.warn(s, format!("({name}) IPv6 needs VRRPv3: using version 3"));
            }
            i.version = Version::V3;
        }
        for p in &i.unicast_peers {
            if p.addr.is_ipv4() != (i.family == Family::V4) {
                let s = n.key.span;
                self.err(
                    s,
                    format!(
                        "({name}) unicast_peer {} is not of the instance's address family",
                        p.addr
                    ),
                );
            }
        }
        if let Some(src) = i.src_ip {
            if src.is_ipv4() != (i.family == Family::V4) {
                self.err(
                    n.key.span,
                    format!(
                        "({name}) source address {src} is not of the instance's address family"
                    ),
                );
            }
        }
        let adv = advert.map_or(1.0, |(v, _)| v);
        match i.version {
            Version::V2 => {
                let rounded = adv.round().max(1.0);
                if (rounded - adv).abs() > f64::EPSILON {
                    if let Some((_, s)) = advert {
                        self.warn(s, format!("({name}) VRRPv2 advertisement interval {adv}s must be an integer: rounded to {rounded}"));
                    }
                }
                i.advert_interval = Duration::from_secs(rounded as u64);
            }
            Version::V3 => {
                let cs = (adv * 100.0).round();
                if !(1.0..=4095.0).contains(&cs) {
                    if let Some((_, s)) = advert {
                        self.err(
                            s,
                            format!("({name}) VRRPv3 advertisement interval must be 0.01..40.95 s"),
                        );
                    }
                }
                i.advert_interval = Duration::from_millis(cs.clamp(1.0, 4095.0) as u64 * 10);
            }
        }
        if i.state_hint == StateHint::Master
            && i.priority < 255
            && (i.nopreempt || !i.preempt_delay.is_zero())
        {
            let s = nopreempt_span.or(preempt_delay_span).unwrap_or(n.key.span);
            self.warn(s, format!("({name}) state MASTER: nopreempt and preempt_delay are cleared (set state BACKUP to use them)"));
            i.nopreempt = false;
            i.preempt_delay = Duration::ZERO;
        }
        if i.version == Version::V3 && i.auth.is_some() {
            self.warn(
                auth_span.unwrap_or(n.key.span),
                format!("({name}) VRRPv3 has no authentication: ignored"),
            );
            i.auth = None;
        }
        if i.strict {
            if i.auth.is_some() {
                self.warn(
                    auth_span.unwrap_or(n.key.span),
                    format!("({name}) vrrp_strict: authentication ignored"),
                );
                i.auth = None;
            }
            if i.vips.is_empty() {
                self.err(
                    n.key.span,
                    format!("({name}) vrrp_strict needs at least one virtual_ipaddress"),
                );
            }
            i.lower_prio_no_advert = true;
            i.preempt_delay = Duration::ZERO;
            if priority.is_none_or(|(p, _)| p < 255) && !i.accept {
                // keepalived: accept defaults to off in strict mode; we
                // keep accept (no firewall rules are installed) and say so
            }
        }
        if i.vips.is_empty() && i.excluded_vips.is_empty() {
            self.warn(n.key.span, format!("({name}) has no virtual_ipaddress"));
        }
        i.v3_checksum_pseudo_header = true;
        Some((i, extra, tspans))
    }

    fn sync_group(&mut self, n: &Node) -> Option<(SyncGroupConfig, GroupExtra)> {
        let name = self.block_name(n)?;
        let mut g = SyncGroupConfig {
            name: name.clone(),
            members: Vec::new(),
            trackers: Vec::new(),
            tracking_weight: false,
        };
        let mut extra = GroupExtra {
            name,
            notify: Notifies::default(),
        };
        let mut spans = Vec::new();
        for c in n.children() {
            match c.key.text.as_str() {
                "group" => {
                    for m in c.children() {
                        g.members.push(m.key.text.clone());
                        g.members.extend(m.args.iter().map(|w| w.text.clone()));
                    }
                    g.members.extend(c.args.iter().map(|w| w.text.clone()));
                }
                "notify_master" => extra.notify.master = self.notify_cmd(c),
                "notify_backup" => extra.notify.backup = self.notify_cmd(c),
                "notify_fault" => extra.notify.fault = self.notify_cmd(c),
                "notify_stop" => extra.notify.stop = self.notify_cmd(c),
                "notify" => extra.notify.generic = self.notify_cmd(c),
                "smtp_alert" => extra.notify.smtp_alert = bool_arg(c),
                "sync_group_tracking_weight" => g.tracking_weight = true,
                "track_interface" => {
                    self.tracks(c, TrackerKey::Interface, 253, &mut g.trackers, &mut spans)
                }
                "track_script" => {
                    self.tracks(c, TrackerKey::Script, 253, &mut g.trackers, &mut spans)
                }
                "track_file" => self.tracks(c, TrackerKey::File, 254, &mut g.trackers, &mut spans),
                "track_process" => {
                    self.tracks(c, TrackerKey::Process, 254, &mut g.trackers, &mut spans)
                }
                "global_tracking" => g.tracking_weight = true,
                _ => self.unknown(
                    &c.key,
                    &[
                        "group",
                        "notify_master",
                        "notify_backup",
                        "notify_fault",
                        "notify_stop",
                        "notify",
                        "smtp_alert",
                        "sync_group_tracking_weight",
                        "track_interface",
                        "track_script",
                        "track_file",
                        "track_process",
                    ],
                    "vrrp_sync_group",
                ),
            }
        }
        if g.members.is_empty() {
            self.err(
                n.key.span,
                format!(
                    "vrrp_sync_group {} has no `group {{ ... }}` members",
                    g.name
                ),
            );
        }
        Some((g, extra))
    }

    fn cross_checks(
        &mut self,
        cfg: &Config,
        spans: &[Span],
        track_spans: &[Vec<(TrackerKey, Span)>],
    ) {
        for (k, a) in cfg.router.instances.iter().enumerate() {
            for b in &cfg.router.instances[..k] {
                if a.vrid == b.vrid && a.interface == b.interface && a.family == b.family {
                    self.err(
                        spans[k],
                        format!(
                            "{} and {} both use VRID {} with {} on interface {}",
                            b.name,
                            a.name,
                            a.vrid,
                            if a.family == Family::V4 {
                                "IPv4"
                            } else {
                                "IPv6"
                            },
                            a.interface
                        ),
                    );
                }
                if a.name == b.name {
                    self.err(
                        spans[k],
                        format!("vrrp_instance {} is defined twice", a.name),
                    );
                }
            }
            for (key, span) in &track_spans[k] {
                let (defined, what) = match key {
                    TrackerKey::Script(n) => {
                        (cfg.scripts.iter().any(|s| &s.name == n), "vrrp_script")
                    }
                    TrackerKey::File(n) => {
                        (cfg.track_files.iter().any(|s| &s.name == n), "track_file")
                    }
                    TrackerKey::Process(n) => (
                        cfg.track_processes.iter().any(|s| &s.name == n),
                        "vrrp_track_process",
                    ),
                    TrackerKey::Interface(_) => (true, ""),
                };
                if !defined {
                    let name = match key {
                        TrackerKey::Script(n)
                        | TrackerKey::File(n)
                        | TrackerKey::Process(n)
                        | TrackerKey::Interface(n) => n,
                    };
                    self.err(
                        *span,
                        format!("({}) tracks {what} `{name}`, which is not defined", a.name),
                    );
                }
            }
        }
        for g in &cfg.router.sync_groups {
            for m in &g.members {
                if !cfg.router.instances.iter().any(|i| &i.name == m) {
                    self.diags.push(Diagnostic::error(
                        None,
                        format!(
                            "vrrp_sync_group {}: member {m} is not a vrrp_instance",
                            g.name
                        ),
                    ));
                }
            }
        }
    }
}

/// Marker for a track_* entry without its own `weight`.
const WEIGHT_FROM_TRACKER: i32 = i32::MIN;

/// keepalived: a `track_script` entry without `weight` takes the
/// vrrp_script's weight (and `reverse`); likewise for files and processes.
/// Interfaces without a weight mean FAULT (weight 0).
fn resolve_weights(cfg: &mut Config) {
    let lookup = |key: &TrackerKey| -> (i32, bool) {
        match key {
            TrackerKey::Script(n) => cfg
                .scripts
                .iter()
                .find(|s| &s.name == n)
                .map_or((0, false), |s| (s.weight, s.reverse)),
            TrackerKey::File(n) => cfg
                .track_files
                .iter()
                .find(|s| &s.name == n)
                .map_or((0, false), |s| (s.weight, s.reverse)),
            TrackerKey::Process(n) => cfg
                .track_processes
                .iter()
                .find(|s| &s.name == n)
                .map_or((0, false), |s| (s.weight, s.reverse)),
            TrackerKey::Interface(_) => (0, false),
        }
    };
    let mut fixes = Vec::new();
    for (i, inst) in cfg.router.instances.iter().enumerate() {
        for (j, t) in inst.trackers.iter().enumerate() {
            if t.weight == WEIGHT_FROM_TRACKER {
                fixes.push((Some(i), j, lookup(&t.key)));
            }
        }
    }
    for (i, g) in cfg.router.sync_groups.iter().enumerate() {
        for (j, t) in g.trackers.iter().enumerate() {
            if t.weight == WEIGHT_FROM_TRACKER {
                fixes.push((None, i * 100_000 + j, lookup(&t.key)));
            }
        }
    }
    for (inst, j, (w, rev)) in fixes {
        let t = match inst {
            Some(i) => &mut cfg.router.instances[i].trackers[j],
            None => &mut cfg.router.sync_groups[j / 100_000].trackers[j % 100_000],
        };
        t.weight = w;
        t.reverse = t.reverse || rev;
    }
}

fn bool_arg(c: &Node) -> bool {
    !matches!(
        c.args.first().map(|w| w.text.as_str()),
        Some("false" | "off" | "no" | "0")
    )
}
