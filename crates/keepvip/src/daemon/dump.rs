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
use keepvip_proto::{AuthConfig, Counters, InstanceView, State, VipConfig};

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
        .mode(0o644)
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
            advert_rcvd: c.adverts_rx,
            advert_sent: c.adverts_tx,
            become_master: c.became_master,
            release_master: c.released_master,
            // keepvip does not tell a short packet from another bad one
            packet_len_err: c.drop_malformed + c.drop_checksum,
            ip_ttl_err: c.drop_ttl,
            invalid_type_rcvd: 0,
            advert_interval_err: c.drop_interval,
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

/// `keepalived.data` (SIGUSR1): keepalived's VRRP topology section.
pub fn data(instances: &[DumpInstance<'_>]) -> String {
    let mut out = String::from("------< VRRP Topology >------\n");
    for i in instances {
        let v = &i.view;
        let c = v.config;
        let mut w = |line: String| {
            out.push_str(&line);
            out.push('\n');
        };
        w(format!(" VRRP Instance = {}", c.name));
        w(format!(
            "   VRRP Version = {}",
            if c.version == keepvip_proto::Version::V2 {
                2
            } else {
                3
            }
        ));
        if let Some(g) = v.sync_group {
            w(format!("   Sync group = {g}"));
        }
        w(format!("   State = {}", state_word(v.state)));
        if v.state == State::Backup {
            if let Some(m) = v.master_ip {
                w(format!("   Master router = {m}"));
            }
            if let Some(p) = v.master_priority {
                w(format!("   Master priority = {p}"));
            }
        }
        w(format!("   Wantstate = {}", state_word(v.state)));
        if let Some(t) = i.last_transition {
            let secs = epoch_secs(Some(t));
            w(format!(
                "   Last transition = {}.{:06}",
                secs.trunc() as u64,
                (secs.fract() * 1e6) as u64
            ));
        }
        if let Some(cause) = &v.fault_cause {
            w(format!("   Fault cause = {cause}"));
        }
        if let Some(vm) = i.extra.and_then(|e| e.vmac.as_ref()) {
            w(format!(
                "   Use VMAC, i/f name {}, is_up = true, xmit_base = {}",
                vm.name, vm.xmit_base
            ));
        }
        w(format!("   Interface = {}", c.interface));
        if let Some(src) = c.src_ip {
            w(format!("   Using src_ip = {src}"));
        }
        w(format!("   Virtual Router ID = {}", c.vrid));
        w(format!("   Priority = {}", c.priority));
        w(format!("   Effective priority = {}", v.effective_priority));
        w(match c.version {
            keepvip_proto::Version::V2 => {
                format!("   Advert interval = {} sec", c.advert_interval.as_secs())
            }
            keepvip_proto::Version::V3 => {
                format!(
                    "   Advert interval = {} milli-sec",
                    c.advert_interval.as_millis()
                )
            }
        });
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
        w(match password(&c.auth) {
            Some(_) => "   Authentication type = SIMPLE_PASSWORD".to_string(),
            None => "   Authentication type = none".to_string(),
        });
        if !c.vips.is_empty() {
            w(format!("   Virtual IP ({}):", c.vips.len()));
            for vip in &c.vips {
                w(format!("     {}", vip_text(vip, &c.interface)));
            }
        }
        if !c.excluded_vips.is_empty() {
            w("   Virtual IP Excluded :".to_string());
            for vip in &c.excluded_vips {
                w(format!("     {}", vip_text(vip, &c.interface)));
            }
        }
        if !c.unicast_peers.is_empty() {
            w("   Unicast Peer :".to_string());
            for p in &c.unicast_peers {
                w(format!("     {}", p.addr));
            }
        }
    }
    out
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
                for (key, cmd) in [
                    ("script_backup", &n.backup),
                    ("script_master", &n.master),
                    ("script_fault", &n.fault),
                    ("script_stop", &n.stop),
                    ("script_deleted", &n.deleted),
                    ("script", &n.generic),
                    ("script_master_rx_lower_pri", &n.master_rx_lower_pri),
                ] {
                    if let Some(cmd) = cmd {
                        obj.insert(key.into(), super::scripts::cmd_str(&cmd.command).into());
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
