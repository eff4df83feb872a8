//! keepalived's signal dumps, for the scripts and exporters that read them:
//! SIGUSR1 writes `$TMPDIR/keepalived.data` (the VRRP part of keepalived's
//! data dump: the lines people grep, such as `State = MASTER`), SIGUSR2
//! `keepalived.stats` (and SIGRTMAX-1 also clears the counters), and
//! SIGRTMIN+2 `keepalived.json` (keepalived's JSON, which
//! keepalived-exporter reads). Same file names, layout and field names as
//! keepalived 2.2.7 (vrrp_print.c, vrrp_data.c, vrrp_json.c); values
//! keepvip does not keep are written as keepalived writes their default.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::time::SystemTime;

use keepvip_conf::lower::InstanceExtra;
use keepvip_conf::model::NotifyCmd;
use keepvip_proto::{AuthConfig, Counters, InstanceView, State, TrackerKey, VipConfig};

use super::render::state_word;

/// One instance as the dumps see it.
pub struct DumpInstance<'a> {
    /// the router's view
    pub view: InstanceView<'a>,
    /// the daemon-side settings (notify scripts, VMAC)
    pub extra: Option<&'a InstanceExtra>,
    /// when it last changed state
    pub last_transition: Option<SystemTime>,
    /// the command lines of its tracked vrrp_scripts
    pub track_scripts: Vec<String>,
    /// its VRRP socket's descriptor
    pub fd: Option<i32>,
    /// its interface's index
    pub ifindex: Option<u32>,
    /// when its timer runs out, on the wall clock
    pub read_timeout: Option<SystemTime>,
}

/// keepalived's state numbers (vrrp.h: INIT 0, BACKUP 1, MASTER 2, FAULT 3).
fn state_num(s: State) -> u8 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
    }
}

/// The directory keepalived writes its dumps to: $TMPDIR if absolute, else /tmp.
pub fn dump_dir() -> PathBuf {
    match std::env::var_os("TMPDIR") {
        Some(d) if d.to_string_lossy().starts_with('/') => PathBuf::from(d),
        _ => PathBuf::from("/tmp"),
    }
}

/// Write `text` to `name` in the dump directory, replacing it; a symlink
/// planted there is not followed.
pub fn write_dump(name: &str, text: &str) -> io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dump_dir().join(name);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)?;
    f.write_all(text.as_bytes())?;
    Ok(path)
}

/// keepalived's counters from keepvip's.
struct Stats {
    advert_rcvd: u64,
    advert_sent: u64,
    become_master: u64,
    release_master: u64,
    packet_len_err: u64,
    ip_ttl_err: u64,
    invalid_type_rcvd: u64,
    advert_interval_err: u64,
    addr_list_err: u64,
    invalid_authtype: u64,
    authtype_mismatch: u64,
    auth_failure: u64,
    pri_zero_rcvd: u64,
    pri_zero_sent: u64,
}

impl From<&Counters> for Stats {
    fn from(c: &Counters) -> Stats {
        Stats {
            // keepalived counts an advert as received before it checks the
            // unicast source and the peer's TTL range, and one sent once
            // whatever the number of peers
            advert_rcvd: c.adverts_rx + c.drop_unknown_peer + c.drop_ttl_range,
            advert_sent: c.advert_events_tx,
            become_master: c.became_master,
            release_master: c.released_master,
            // keepalived 2.2.7 (measured): a length error only; a bad
            // checksum has no line in this file, a VRRPv2 interval
            // mismatch is dropped without a count
            packet_len_err: c.drop_length,
            ip_ttl_err: c.drop_ttl,
            invalid_type_rcvd: c.drop_type,
            advert_interval_err: 0,
            // keepalived counts a unicast/multicast mismatch here too
            addr_list_err: c.addr_list_mismatch + c.drop_cast_mismatch,
            invalid_authtype: 0,
            authtype_mismatch: c.drop_auth_type,
            auth_failure: c.drop_auth_failure,
            pri_zero_rcvd: c.prio0_rx,
            pri_zero_sent: c.prio0_tx,
        }
    }
}

/// `keepalived.stats` (SIGUSR2).
pub fn stats(instances: &[DumpInstance<'_>]) -> String {
    let mut out = String::new();
    for i in instances {
        let s = Stats::from(i.view.counters);
        let _ = write!(
            out,
            "VRRP Instance: {}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: {}\n    TTL: {}\n    Invalid Type: {}\n    Advertisement Interval: {}\n    Address List: {}\n  Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    Failure: {}\n  Priority Zero:\n    Received: {}\n    Sent: {}\n",
            i.view.config.name,
            s.advert_rcvd,
            s.advert_sent,
            s.become_master,
            s.release_master,
            s.packet_len_err,
            s.ip_ttl_err,
            s.invalid_type_rcvd,
            s.advert_interval_err,
            s.addr_list_err,
            s.invalid_authtype,
            s.authtype_mismatch,
            s.auth_failure,
            s.pri_zero_rcvd,
            s.pri_zero_sent,
        );
    }
    out
}

/// An address as keepalived formats it (`192.0.2.200/24 dev eth0 scope global`).
fn vip_text(v: &VipConfig, default_dev: &str) -> String {
    let scope = match v.scope.unwrap_or(0) {
        0 => "global".to_string(),
        200 => "site".to_string(),
        253 => "link".to_string(),
        254 => "host".to_string(),
        255 => "nowhere".to_string(),
        n => n.to_string(),
    };
    let mut s = format!(
        "{}/{} dev {} scope {scope}",
        v.addr,
        v.prefix_len,
        v.dev.as_deref().unwrap_or(default_dev),
    );
    if let Some(l) = &v.label {
        let _ = write!(s, " label {l}");
    }
    if v.no_track {
        s.push_str(" no_track");
    }
    s
}

fn epoch_secs(t: Option<SystemTime>) -> f64 {
    t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64())
}

fn password(a: &Option<AuthConfig>) -> Option<String> {
    a.as_ref().map(|AuthConfig::Pass(p)| {
        String::from_utf8_lossy(p)
            .trim_end_matches('\0')
            .to_string()
    })
}

/// A sync group as the data dump sees it.
pub struct DumpGroup<'a> {
    /// its configuration (members, trackers)
    pub config: &'a keepvip_proto::SyncGroupConfig,
    /// its state
    pub state: State,
    /// its notify scripts
    pub notify: Option<&'a keepvip_conf::model::Notifies>,
}

/// `uid:gid` a notify command runs as.
pub type RunsAs<'a> = &'a dyn Fn(&NotifyCmd) -> (u32, u32);

/// keepalived's `ctime` with microseconds: `Tue Dec  8 00:25:19.371632 2026`.
fn ctime_us(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as libc::time_t;
    // SAFETY: localtime_r writes into `tm`, which outlives the call;
    // strftime writes at most buf.len() bytes.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return "invalid time".into();
        }
        let mut buf = [0u8; 64];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%a %b %e %H:%M:%S".as_ptr(),
            &tm,
        );
        format!(
            "{}.{:06} {}",
            String::from_utf8_lossy(&buf[..n]),
            d.subsec_micros(),
            tm.tm_year + 1900
        )
    }
}

/// `1796689519.371632 (Tue Dec  8 00:25:19.371632 2026)`
fn time_text(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06} ({})", d.as_secs(), d.subsec_micros(), ctime_us(t))
}

/// keepalived's dump_notify_script lines.
fn notify_lines(n: &keepvip_conf::model::Notifies, runs_as: RunsAs<'_>, w: &mut dyn FnMut(String)) {
    for (keyword, cmd) in n.commands() {
        let kind = match keyword {
            "notify_backup" => "Backup",
            "notify_master" => "Master",
            "notify_fault" => "Fault",
            "notify_stop" => "Stop",
            "notify_deleted" => "Deleted",
            "notify" => "Generic",
            _ => "Master rx lower pri",
        };
        if let Some(cmd) = cmd {
            let (uid, gid) = runs_as(cmd);
            w(format!(
                "   {kind} state transition script = {}, uid:gid {uid}:{gid}",
                super::scripts::cmd_str(&cmd.command)
            ));
        }
    }
}

/// The tracked interfaces, scripts, files and processes of an instance or
/// group, as keepalived lists them.
fn tracker_lines(
    trackers: &[keepvip_proto::TrackRef],
    process_heading: &str,
    w: &mut dyn FnMut(String),
) {
    // keepalived's order: interfaces, scripts, files, processes
    let kind = |k: &TrackerKey| -> (usize, String) {
        match k {
            TrackerKey::Interface(n) => (0, n.clone()),
            TrackerKey::Script(n) => (1, n.clone()),
            TrackerKey::File(n) => (2, n.clone()),
            TrackerKey::Process(n) => (3, format!("{n},")),
        }
    };
    let headings = [
        "   Tracked interfaces :",
        "   Tracked scripts :",
        "   Tracked files :",
        process_heading,
    ];
    for (k, heading) in headings.iter().enumerate() {
        let these: Vec<(String, &keepvip_proto::TrackRef)> = trackers
            .iter()
            .map(|t| (kind(&t.key), t))
            .filter(|((n, _), _)| *n == k)
            .map(|((_, name), t)| (name, t))
            .collect();
        if these.is_empty() {
            continue;
        }
        w(heading.to_string());
        for (name, t) in these {
            let reverse = if t.reverse { " reverse" } else { "" };
            w(format!("     {name} weight {}{reverse}", t.weight));
        }
    }
}

/// `keepalived.data` (SIGUSR1): keepalived's VRRP Topology and VRRP Sync
/// groups sections, field by field as its dump_vrrp and dump_sync_group
/// write them (vrrp_data.c, 2.2.7). Counters keepvip does not keep are
/// written as keepalived has them on a healthy instance.
pub fn data(
    instances: &[DumpInstance<'_>],
    groups: &[DumpGroup<'_>],
    runs_as: RunsAs<'_>,
) -> String {
    let mut out = String::new();
    let mut w = |line: String| {
        out.push_str(&line);
        out.push('\n');
    };
    if !instances.is_empty() {
        w("------< VRRP Topology >------".into());
    }
    for i in instances {
        instance_lines(i, runs_as, &mut w);
    }
    if !groups.is_empty() {
        w("------< VRRP Sync groups >------".into());
    }
    for g in groups {
        w(format!(
            " VRRP Sync Group = {}, {}",
            g.config.name,
            state_word(g.state)
        ));
        let members_fault = instances
            .iter()
            .filter(|i| i.view.sync_group == Some(g.config.name.as_str()))
            .filter(|i| {
                i.view
                    .fault_cause
                    .as_ref()
                    .is_some_and(|c| !matches!(c, keepvip_proto::FaultCause::GroupMember(_)))
            })
            .count();
        w(format!(
            "   Num member fault {members_fault}, num member init 0"
        ));
        if !g.config.members.is_empty() {
            w("   VRRP member instances :".into());
            for m in &g.config.members {
                w(format!("     {m}"));
            }
        }
        if g.config.tracking_weight {
            w("   sync group tracking weight set".into());
        }
        w("   Using smtp notification = no".into());
        tracker_lines(&g.config.trackers, "   Tracked process :", &mut w);
        if let Some(n) = g.notify {
            notify_lines(n, runs_as, &mut w);
        }
    }
    out
}

/// One instance of keepalived's dump_vrrp.
fn instance_lines(i: &DumpInstance<'_>, runs_as: RunsAs<'_>, w: &mut dyn FnMut(String)) {
    let v = &i.view;
    let c = v.config;
    let v3 = c.version == keepvip_proto::Version::V3;
    w(format!(" VRRP Instance = {}", c.name));
    w(format!("   VRRP Version = {}", if v3 { 3 } else { 2 }));
    if let Some(g) = v.sync_group {
        w(format!("   Sync group = {g}"));
    }
    if c.family == keepvip_proto::Family::V6 {
        w("   Using Native IPv6".into());
    }
    w(format!("   State = {}", state_word(v.state)));
    if v.state == State::Backup {
        let m = v
            .master_ip
            .map_or_else(|| "[0.0.0.0]:0".to_string(), |m| m.to_string());
        w(format!("   Master router = {m}"));
        w(format!(
            "   Master priority = {}",
            v.master_priority.unwrap_or(0)
        ));
        if v3 {
            w(format!(
                "   Master advert int = {:.2} sec",
                v.master_adver_int.as_secs_f64()
            ));
        }
    }
    let unicast = !c.unicast_peers.is_empty();
    if unicast || c.unicast_without_peers {
        w("   Flags:".into());
        if unicast {
            w("     Using unicast".into());
        }
        if c.unicast_without_peers {
            w("     If unicast go to fault state if no peers".into());
        }
    } else {
        w("   Flags: none".into());
    }
    w(format!("   Wantstate = {}", state_word(v.state)));
    w("   Number of config faults = 0".into());
    let own_fault = v
        .fault_cause
        .as_ref()
        .is_some_and(|c| !matches!(c, keepvip_proto::FaultCause::GroupMember(_)));
    w(format!(
        "   Number of interface and track script faults = {}",
        u8::from(own_fault)
    ));
    w("   Number of track scripts init = 0".into());
    if let Some(t) = i.last_transition {
        w(format!("   Last transition = {}", time_text(t)));
    }
    match i.read_timeout {
        Some(t) => w(format!("   Read timeout = {}", time_text(t))),
        None => w("   Read timeout = DISABLED".into()),
    }
    w(format!(
        "   Master down timer = {} usecs",
        v.master_down_interval.as_micros()
    ));
    let vmac = i.extra.and_then(|e| e.vmac.as_ref());
    if let Some(vm) = vmac {
        w(format!(
            "   Use VMAC, i/f name {}, is_up = true, xmit_base = {}",
            vm.name, vm.xmit_base
        ));
        w(format!(
            "   Interface = {}, vmac on {}{}",
            vm.name,
            vm.base,
            if vm.xmit_base { ", xmit base i/f" } else { "" }
        ));
    } else {
        w(format!("   Interface = {}", c.interface));
    }
    if !c.track_primary {
        w("   VRRP interface tracking disabled".into());
    }
    if c.skip_check_adv_addr {
        w("   Skip checking advert IP addresses".into());
    }
    if c.strict {
        w("   Enforcing strict VRRP compliance".into());
    }
    match (c.src_ip, v.source) {
        (Some(s), _) => w(format!("   Using src_ip = {s} (from configuration)")),
        (None, Some(s)) => w(format!("   Using src_ip = {s}")),
        (None, None) => w("   Using src_ip = (none)".into()),
    }
    if !unicast {
        let group = c.mcast_dst.unwrap_or(match c.family {
            keepvip_proto::Family::V4 => "224.0.0.18".parse().expect("an address"),
            keepvip_proto::Family::V6 => "ff02::12".parse().expect("an address"),
        });
        match c.family {
            keepvip_proto::Family::V4 => w(format!("   Multicast address {group}")),
            keepvip_proto::Family::V6 => w(format!(
                "   Multicast address {group}, ifindex {}",
                i.ifindex.unwrap_or(0)
            )),
        }
    }
    let g = &c.garp;
    w(format!(
        "   Gratuitous ARP delay = {}",
        g.master_delay.as_secs()
    ));
    w(format!("   Gratuitous ARP repeat = {}", g.master_repeat));
    w(format!(
        "   Gratuitous ARP refresh = {}",
        g.master_refresh.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP refresh repeat = {}",
        g.master_refresh_repeat
    ));
    w(format!(
        "   Gratuitous ARP lower priority delay = {}",
        g.lower_prio_delay.as_secs()
    ));
    w(format!(
        "   Gratuitous ARP lower priority repeat = {}",
        g.lower_prio_repeat
    ));
    w(format!("   Down timer adverts = {}", c.down_timer_adverts));
    w(format!(
        "   Send advert after receive lower priority advert = {}",
        !c.lower_prio_no_advert
    ));
    w(format!(
        "   Send advert after receive higher priority advert = {}",
        c.higher_prio_send_advert
    ));
    w(format!("   Virtual Router ID = {}", c.vrid));
    w(format!("   Priority = {}", c.priority));
    w(format!("   Effective priority = {}", v.effective_priority));
    w(format!("   Total priority = {}", v.effective_priority));
    w(if v3 {
        format!(
            "   Advert interval = {} milli-sec",
            c.advert_interval.as_millis()
        )
    } else {
        format!("   Advert interval = {} sec", c.advert_interval.as_secs())
    });
    if v.state == State::Backup && v3 {
        w(format!(
            "   Master advert interval = {} milli-sec",
            v.master_adver_int.as_millis()
        ));
    }
    w(format!(
        "   Accept = {}",
        if c.accept { "enabled" } else { "disabled" }
    ));
    w(format!(
        "   Preempt = {}",
        if c.nopreempt { "disabled" } else { "enabled" }
    ));
    if !c.preempt_delay.is_zero() {
        w(format!(
            "   Preempt delay = {} secs",
            c.preempt_delay.as_secs_f64()
        ));
    }
    w("   Promote_secondaries = disabled".into());
    match password(&c.auth) {
        Some(p) => {
            w("   Authentication type = SIMPLE_PASSWORD".into());
            w(format!("   Password = {p}"));
        }
        None if !v3 => w("   Authentication type = none".into()),
        None => {}
    }
    // keepalived marks an address it has installed with " set"
    let set = if v.state == State::Master { " set" } else { "" };
    if !c.vips.is_empty() {
        w(format!("   Virtual IP ({}):", c.vips.len()));
        for vip in &c.vips {
            w(format!("     {}{set}", vip_text(vip, &c.interface)));
        }
    }
    if !c.excluded_vips.is_empty() {
        w("   Virtual IP Excluded :".to_string());
        for vip in &c.excluded_vips {
            w(format!("     {}{set}", vip_text(vip, &c.interface)));
        }
    }
    if unicast {
        w(format!("   Unicast TTL = {}", c.unicast_ttl));
        w(format!(
            "   Check unicast src : {}",
            if i.extra.is_some_and(|e| e.check_unicast_src) {
                "yes"
            } else {
                "no"
            }
        ));
        w("   Unicast Peer :".to_string());
        for p in &c.unicast_peers {
            let mut line = format!("     {}", p.addr);
            if let Some(t) = p.min_ttl {
                let _ = write!(line, " min_ttl {t}");
            }
            if let Some(t) = p.max_ttl {
                let _ = write!(line, " max_ttl {t}");
            }
            w(line);
        }
    }
    match i.fd {
        Some(fd) => w(format!("   fd_in {fd}, fd_out {fd}")),
        None => w("   No sockets allocated".into()),
    }
    if !c.routes.is_empty() {
        w("   Virtual Routes :".into());
        for r in &c.routes {
            w(format!("     {}", super::text::route(r)));
        }
    }
    if !c.rules.is_empty() {
        w("   Virtual Rules :".into());
        for r in &c.rules {
            w(format!("     {}", super::text::rule(r)));
        }
    }
    tracker_lines(&c.trackers, "   Tracked processes :", w);
    w("   Using smtp notification = no".into());
    let deleted = i.extra.is_some_and(|e| e.notify.deleted_set);
    w(format!(
        "   Notify deleted = {}",
        if deleted { "Deleted" } else { "Fault" }
    ));
    if let Some(e) = i.extra {
        notify_lines(&e.notify, runs_as, w);
    }
    w(format!(
        "   Notify priority changes = {}",
        i.extra.is_some_and(|e| e.notify_priority_changes)
    ));
}

/// `keepalived.json` (SIGRTMIN+2): an array of `{"data": …, "stats": …}`.
pub fn json(instances: &[DumpInstance<'_>]) -> String {
    let list: Vec<serde_json::Value> = instances
        .iter()
        .map(|i| {
            let v = &i.view;
            let c = v.config;
            let s = Stats::from(v.counters);
            let mut data = serde_json::json!({
                "iname": c.name,
                "dont_track_primary": u8::from(!c.track_primary),
                "skip_check_adv_addr": u8::from(c.skip_check_adv_addr),
                "strict_mode": u8::from(c.strict),
                "vmac_ifname": i.extra.and_then(|e| e.vmac.as_ref()).map_or("", |m| m.name.as_str()),
                "ifp_ifname": c.interface,
                "master_priority": v.master_priority.unwrap_or(0),
                "last_transition": epoch_secs(i.last_transition),
                "garp_delay": c.garp.master_delay.as_secs_f64(),
                "garp_refresh": c.garp.master_refresh.as_secs(),
                "garp_rep": c.garp.master_repeat,
                "garp_refresh_rep": c.garp.master_refresh_repeat,
                "garp_lower_prio_delay": c.garp.lower_prio_delay.as_secs(),
                "garp_lower_prio_rep": c.garp.lower_prio_repeat,
                "lower_prio_no_advert": u8::from(c.lower_prio_no_advert),
                "higher_prio_send_advert": u8::from(c.higher_prio_send_advert),
                "vrid": c.vrid,
                "base_priority": c.priority,
                "effective_priority": v.effective_priority,
                "vipset": v.state == State::Master,
                "promote_secondaries": false,
                "adver_int": c.advert_interval.as_secs_f64(),
                "master_adver_int": v.master_adver_int.as_secs_f64(),
                "accept": u8::from(c.accept),
                "nopreempt": c.nopreempt,
                "preempt_delay": c.preempt_delay.as_secs(),
                "state": state_num(v.state),
                "wantstate": state_num(v.state),
                "version": if c.version == keepvip_proto::Version::V2 { 2 } else { 3 },
                "smtp_alert": false,
                "notify_deleted": i.extra.is_some_and(|e| e.notify.deleted_set),
            });
            let obj = data.as_object_mut().expect("an object");
            if let Some(n) = i.extra.map(|e| &e.notify) {
                for (keyword, cmd) in n.commands() {
                    if let Some(cmd) = cmd {
                        // notify_backup → script_backup, notify → script
                        let key = keyword.replacen("notify", "script", 1);
                        obj.insert(key, super::scripts::cmd_str(&cmd.command).into());
                    }
                }
            }
            // keepalived marks an address it has installed with " set"
            let set = if v.state == State::Master { " set" } else { "" };
            let vips = |l: &[VipConfig]| -> Vec<String> {
                l.iter()
                    .map(|x| vip_text(x, &c.interface) + set)
                    .collect()
            };
            if !c.vips.is_empty() {
                obj.insert("vips".into(), vips(&c.vips).into());
            }
            if !c.excluded_vips.is_empty() {
                obj.insert("evips".into(), vips(&c.excluded_vips).into());
            }
            let track_ifp: Vec<String> = c
                .trackers
                .iter()
                .filter_map(|t| match &t.key {
                    // keepalived does not list the instance's own interface
                    keepvip_proto::TrackerKey::Interface(n)
                        if *n != c.interface && Some(n) != c.source_iface.as_ref() =>
                    {
                        Some(n.clone())
                    }
                    _ => None,
                })
                .collect();
            if !track_ifp.is_empty() {
                obj.insert("track_ifp".into(), track_ifp.into());
            }
            if !i.track_scripts.is_empty() {
                let lines: Vec<String> = i
                    .track_scripts
                    .iter()
                    .map(|l| super::scripts::cmd_str(l))
                    .collect();
                obj.insert("track_script".into(), lines.into());
            }
            obj.insert(
                "auth_type".into(),
                u8::from(c.auth.is_some()).into(),
            );
            if let Some(p) = password(&c.auth) {
                obj.insert("auth_data".into(), p.into());
            }
            serde_json::json!({
                "data": data,
                "stats": {
                    "advert_rcvd": s.advert_rcvd,
                    "advert_sent": s.advert_sent,
                    "become_master": s.become_master,
                    "release_master": s.release_master,
                    "packet_len_err": s.packet_len_err,
                    "advert_interval_err": s.advert_interval_err,
                    "ip_ttl_err": s.ip_ttl_err,
                    "invalid_type_rcvd": s.invalid_type_rcvd,
                    "addr_list_err": s.addr_list_err,
                    "invalid_authtype": s.invalid_authtype,
                    "authtype_mismatch": s.authtype_mismatch,
                    "auth_failure": s.auth_failure,
                    "pri_zero_rcvd": s.pri_zero_rcvd,
                    "pri_zero_sent": s.pri_zero_sent,
                }
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

#[cfg(test)]
mod stats_tests {
    use super::*;

    /// keepalived.stats counts as keepalived 2.2.7 counts (measured side
    /// by side): one `Sent` per advert whatever the unicast peers, adverts
    /// from an unknown unicast source or outside a peer's TTL range as
    /// received, only length errors under `Length`, bad types under
    /// `Invalid Type`, no VRRPv2 interval drops.
    #[test]
    fn keepalived_s_classification() {
        let c = Counters {
            adverts_rx: 10,
            adverts_tx: 30,
            advert_events_tx: 15,
            drop_unknown_peer: 2,
            drop_ttl: 3,
            drop_ttl_range: 1,
            drop_malformed: 5,
            drop_length: 2,
            drop_type: 1,
            drop_checksum: 4,
            drop_interval: 6,
            ..Counters::default()
        };
        let s = Stats::from(&c);
        assert_eq!(
            (
                s.advert_rcvd,
                s.advert_sent,
                s.packet_len_err,
                s.ip_ttl_err,
                s.invalid_type_rcvd,
                s.advert_interval_err
            ),
            (13, 15, 2, 3, 1, 0)
        );
    }
}
