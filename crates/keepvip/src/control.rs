//! The control socket: `keepvip status` asks a running daemon for its state.
//!
//! Protocol: the client connects, writes one request line (`status` or
//! `metrics`), and reads the answer until EOF. The daemon's main loop owns
//! the protocol state, so the socket task forwards each request to it over a
//! channel and writes back what the loop answers.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::sync::{mpsc, oneshot};

/// Default control socket path.
pub const DEFAULT_SOCKET: &str = "/run/keepvip/keepvip.sock";

/// The path to use given an optional override.
pub fn socket_path(opt: Option<&Path>) -> PathBuf {
    opt.map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET))
}

/// What a client asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// JSON status of every instance
    Status,
    /// Prometheus text exposition
    Metrics,
}

/// A request waiting for the main loop's answer.
#[derive(Debug)]
pub struct Pending {
    /// what was asked
    pub request: Request,
    /// where the answer goes
    pub reply: oneshot::Sender<String>,
}

/// One instance as `keepvip status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstanceStatus {
    /// instance name
    pub name: String,
    /// interface
    pub interface: String,
    /// VRID
    pub vrid: u8,
    /// "IPv4" / "IPv6"
    pub family: String,
    /// 2 or 3
    pub version: u8,
    /// MASTER / BACKUP / FAULT / INIT
    pub state: String,
    /// configured priority
    pub base_priority: u8,
    /// priority after tracker weights
    pub effective_priority: u8,
    /// current master's address, if known
    pub master: Option<String>,
    /// virtual addresses
    pub vips: Vec<String>,
    /// counters by name
    pub counters: Vec<(String, u64)>,
    /// why it is in FAULT (`interface eth1 down`, `script chk_nginx`, …)
    #[serde(default)]
    pub fault_cause: Option<String>,
    /// when it last changed state (seconds since the Unix epoch)
    #[serde(default)]
    pub last_transition: Option<f64>,
    /// held in INIT at start until these weight-0 scripts answer
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<String>,
    /// BACKUP although its down timer ran out: its sync group waits for
    /// these members, which still hear a master
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_waits_for: Vec<String>,
    /// what each tracker does to it now: its own, then its sync group's
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trackers: Vec<TrackerStatus>,
}

/// One tracker of an instance, and what it does to the instance now.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrackerStatus {
    /// `script`, `file`, `process` or `interface`
    pub kind: String,
    /// the vrrp_script / track_file / vrrp_track_process name, or the interface
    pub name: String,
    /// the sync group it comes from (`track_*` in the group), if not the
    /// instance's own
    #[serde(default)]
    pub group: Option<String>,
    /// configured weight
    pub weight: i32,
    /// `reverse`
    #[serde(default)]
    pub reverse: bool,
    /// false: the weight is ignored as keepalived ignores it (a sync
    /// group member without `sync_group_tracking_weight`, an address
    /// owner): a failure means FAULT, or the tracker is dropped
    #[serde(default)]
    pub weight_counts: bool,
    /// keepalived drops the tracker at load (a weighted track_script or
    /// track_file of such an instance): it does nothing (since 2026-12-08)
    #[serde(default)]
    pub dropped: bool,
    /// `up`, `down`, `value N`, or `not run yet` (a script before its
    /// first result)
    pub state: String,
    /// what it adds to the priority now (0 while it puts it in FAULT)
    pub priority_change: i32,
    /// it puts the instance in FAULT
    pub fault: bool,
}

impl TrackerStatus {
    /// Its WEIGHT cell: `-20`, `10 reverse`, `-30 ignored`, `-30 dropped`.
    fn weight_text(&self) -> String {
        let mut w = self.weight.to_string();
        if self.reverse {
            w.push_str(" reverse");
        }
        if self.dropped {
            w.push_str(" dropped");
        } else if !self.weight_counts {
            w.push_str(" ignored");
        }
        w
    }

    /// Its EFFECT cell: `FAULT`, `+10`, `-40`, `0`.
    fn effect_text(&self) -> String {
        match (self.fault, self.priority_change) {
            (true, _) => "FAULT".into(),
            (false, c) if c > 0 => format!("+{c}"),
            (false, c) => c.to_string(),
        }
    }
}

/// A vrrp_sync_group as `keepvip status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GroupStatus {
    /// group name
    pub name: String,
    /// MASTER / BACKUP / FAULT / INIT
    pub state: String,
    /// its instances
    pub members: Vec<String>,
}

/// How long ago `then` (Unix seconds) was, for people: `42s`, `3m07s`,
/// `5h02m`, `12d04h`.
pub fn age(then: f64, now: f64) -> String {
    let s = (now - then).max(0.0) as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3600),
    }
}

/// The whole daemon as `keepvip status` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Status {
    /// daemon pid
    pub pid: u32,
    /// configuration file
    pub config: String,
    /// instances
    pub instances: Vec<InstanceStatus>,
    /// adverts received for a VRID no instance has on that interface (a
    /// neighbour's VRRP on the segment, or a VRID typed wrong)
    #[serde(default)]
    pub unknown_vrid_adverts: u64,
    /// sync groups
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_groups: Vec<GroupStatus>,
}

impl Status {
    /// A table a person can read.
    pub fn render_table(&self) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let mut out = format!(
            "keepvip pid {} config {}\n{:<16} {:<8} {:>4} {:<5} {:>2} {:<7} {:>7} {:>9} {:<18} VIPs\n",
            self.pid,
            self.config,
            "INSTANCE",
            "IFACE",
            "VRID",
            "FAM",
            "V",
            "STATE",
            "SINCE",
            "PRIO",
            "MASTER"
        );
        for i in &self.instances {
            let prio = if i.base_priority == i.effective_priority {
                format!("{}", i.effective_priority)
            } else {
                format!("{}({})", i.effective_priority, i.base_priority)
            };
            let since = i
                .last_transition
                .map_or_else(|| "-".into(), |t| age(t, now));
            out.push_str(&format!(
                "{:<16} {:<8} {:>4} {:<5} {:>2} {:<7} {:>7} {:>9} {:<18} {}\n",
                i.name,
                i.interface,
                i.vrid,
                i.family,
                i.version,
                i.state,
                since,
                prio,
                i.master.as_deref().unwrap_or("-"),
                i.vips.join(",")
            ));
        }
        for i in &self.instances {
            if let Some(cause) = &i.fault_cause {
                out.push_str(&format!("{}: FAULT: {cause}\n", i.name));
            }
            if !i.waiting_for.is_empty() {
                out.push_str(&format!(
                    "{}: INIT: waiting for the first result of {}\n",
                    i.name,
                    i.waiting_for.join(", ")
                ));
            }
            if !i.group_waits_for.is_empty() {
                out.push_str(&format!(
                    "{}: BACKUP: no master heard, but its sync group waits for {} (still hearing one)\n",
                    i.name,
                    i.group_waits_for.join(", ")
                ));
            }
        }
        if self.instances.iter().any(|i| !i.trackers.is_empty()) {
            out.push_str(&format!(
                "\n{:<16} {:<9} {:<20} {:<12} {:<14} EFFECT\n",
                "INSTANCE", "TRACKS", "NAME", "STATE", "WEIGHT"
            ));
            for i in &self.instances {
                for t in &i.trackers {
                    let name = match &t.group {
                        Some(g) => format!("{} (group {g})", t.name),
                        None => t.name.clone(),
                    };
                    out.push_str(&format!(
                        "{:<16} {:<9} {:<20} {:<12} {:<14} {}\n",
                        i.name,
                        t.kind,
                        name,
                        t.state,
                        t.weight_text(),
                        t.effect_text()
                    ));
                }
            }
        }
        if !self.sync_groups.is_empty() {
            out.push_str(&format!("\n{:<16} {:<7} MEMBERS\n", "SYNC GROUP", "STATE"));
            for g in &self.sync_groups {
                out.push_str(&format!(
                    "{:<16} {:<7} {}\n",
                    g.name,
                    g.state,
                    g.members.join(",")
                ));
            }
        }
        if self.unknown_vrid_adverts > 0 {
            out.push_str(&format!(
                "adverts for VRIDs no instance has: {}\n",
                self.unknown_vrid_adverts
            ));
        }
        out
    }

    /// Prometheus text exposition format.
    pub fn render_metrics(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP keepvip_instance_state 1 for the instance's current state.\n# TYPE keepvip_instance_state gauge\n");
        for i in &self.instances {
            for s in ["INIT", "BACKUP", "MASTER", "FAULT"] {
                out.push_str(&format!(
                    "keepvip_instance_state{{instance=\"{}\",vrid=\"{}\",interface=\"{}\",state=\"{}\"}} {}\n",
                    i.name,
                    i.vrid,
                    i.interface,
                    s,
                    u8::from(i.state == s)
                ));
            }
        }
        out.push_str("# HELP keepvip_effective_priority Priority after tracker weights.\n# TYPE keepvip_effective_priority gauge\n");
        for i in &self.instances {
            out.push_str(&format!(
                "keepvip_effective_priority{{instance=\"{}\"}} {}\n",
                i.name, i.effective_priority
            ));
        }
        out.push_str("# HELP keepvip_instance_last_transition_timestamp_seconds When the instance last changed state.\n# TYPE keepvip_instance_last_transition_timestamp_seconds gauge\n");
        for i in &self.instances {
            if let Some(t) = i.last_transition {
                out.push_str(&format!(
                    "keepvip_instance_last_transition_timestamp_seconds{{instance=\"{}\"}} {t:.3}\n",
                    i.name
                ));
            }
        }
        out.push_str("# HELP keepvip_events_total Per-instance protocol counters.\n# TYPE keepvip_events_total counter\n");
        for i in &self.instances {
            for (name, v) in &i.counters {
                out.push_str(&format!(
                    "keepvip_events_total{{instance=\"{}\",event=\"{}\"}} {}\n",
                    i.name, name, v
                ));
            }
        }
        if self.instances.iter().any(|i| !i.trackers.is_empty()) {
            out.push_str("# HELP keepvip_tracker_priority_change What a tracker adds to the instance's priority now.\n# TYPE keepvip_tracker_priority_change gauge\n");
            for i in &self.instances {
                for t in &i.trackers {
                    out.push_str(&format!(
                        "keepvip_tracker_priority_change{{instance=\"{}\",kind=\"{}\",tracker=\"{}\"}} {}\n",
                        i.name, t.kind, t.name, t.priority_change
                    ));
                }
            }
            out.push_str("# HELP keepvip_tracker_fault 1 while the tracker puts the instance in FAULT.\n# TYPE keepvip_tracker_fault gauge\n");
            for i in &self.instances {
                for t in &i.trackers {
                    out.push_str(&format!(
                        "keepvip_tracker_fault{{instance=\"{}\",kind=\"{}\",tracker=\"{}\"}} {}\n",
                        i.name,
                        t.kind,
                        t.name,
                        u8::from(t.fault)
                    ));
                }
            }
        }
        if !self.sync_groups.is_empty() {
            out.push_str("# HELP keepvip_sync_group_state 1 for the sync group's current state.\n# TYPE keepvip_sync_group_state gauge\n");
            for g in &self.sync_groups {
                for st in ["INIT", "BACKUP", "MASTER", "FAULT"] {
                    out.push_str(&format!(
                        "keepvip_sync_group_state{{group=\"{}\",state=\"{}\"}} {}\n",
                        g.name,
                        st,
                        u8::from(g.state == st)
                    ));
                }
            }
        }
        out.push_str("# HELP keepvip_unknown_vrid_adverts_total Adverts for a VRID no instance has on that interface.\n# TYPE keepvip_unknown_vrid_adverts_total counter\n");
        out.push_str(&format!(
            "keepvip_unknown_vrid_adverts_total {}\n",
            self.unknown_vrid_adverts
        ));
        out
    }
}

/// Serve the control socket: each request goes to `to_loop`.
pub async fn serve<T: From<Pending> + Send + 'static>(
    path: PathBuf,
    to_loop: mpsc::Sender<T>,
) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // A socket file left by a killed daemon would make bind fail.
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    loop {
        let (stream, _) = listener.accept().await?;
        let to_loop = to_loop.clone();
        tokio::spawn(async move {
            let (rd, mut wr) = stream.into_split();
            let mut line = String::new();
            let mut rd = BufReader::new(rd);
            let read = tokio::time::timeout(Duration::from_secs(2), rd.read_line(&mut line)).await;
            if !matches!(read, Ok(Ok(_))) {
                return;
            }
            let request = match line.trim() {
                "metrics" => Request::Metrics,
                _ => Request::Status,
            };
            let (tx, rx) = oneshot::channel();
            if to_loop
                .send(Pending { request, reply: tx }.into())
                .await
                .is_err()
            {
                return;
            }
            if let Ok(answer) = rx.await {
                let _ = wr.write_all(answer.as_bytes()).await;
            }
        });
    }
}

/// Client side: ask a running daemon.
pub fn query(path: &Path, request: Request) -> std::io::Result<String> {
    let mut s = UnixStream::connect(path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot reach the daemon at {}: {e} (is keepvip running? see --control-socket)",
                path.display()
            ),
        )
    })?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    let req = match request {
        Request::Status => "status\n",
        Request::Metrics => "metrics\n",
    };
    s.write_all(req.as_bytes())?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Status {
        Status {
            pid: 42,
            config: "/etc/keepalived/keepalived.conf".into(),
            instances: vec![InstanceStatus {
                name: "VI_1".into(),
                interface: "eth0".into(),
                vrid: 51,
                family: "IPv4".into(),
                version: 2,
                state: "MASTER".into(),
                base_priority: 100,
                effective_priority: 80,
                master: Some("192.0.2.11".into()),
                vips: vec!["192.0.2.200/24".into()],
                counters: vec![("adverts_sent".into(), 7)],
                fault_cause: None,
                last_transition: Some(1_700_000_000.25),
                waiting_for: Vec::new(),
                group_waits_for: Vec::new(),
                trackers: Vec::new(),
            }],
            unknown_vrid_adverts: 0,
            sync_groups: Vec::new(),
        }
    }

    #[test]
    fn trackers_and_sync_groups_show_what_they_do() {
        let mut s = sample();
        let tracker =
            |kind: &str, name: &str, weight: i32, state: &str, change: i32| TrackerStatus {
                kind: kind.into(),
                name: name.into(),
                group: None,
                weight,
                reverse: false,
                weight_counts: true,
                dropped: false,
                state: state.into(),
                priority_change: change,
                fault: false,
            };
        s.instances[0].trackers = vec![
            tracker("script", "chk_nginx", -20, "down", -20),
            TrackerStatus {
                reverse: true,
                ..tracker("file", "maint", 10, "value 2", -20)
            },
            TrackerStatus {
                fault: true,
                ..tracker("interface", "eth1", 0, "down", 0)
            },
            TrackerStatus {
                group: Some("G".into()),
                weight_counts: false,
                ..tracker("process", "nginx", 5, "up", 0)
            },
        ];
        s.sync_groups = vec![GroupStatus {
            name: "G".into(),
            state: "MASTER".into(),
            members: vec!["VI_1".into(), "VI_2".into()],
        }];
        let t = s.render_table();
        for line in [
            "INSTANCE         TRACKS    NAME                 STATE        WEIGHT         EFFECT\n",
            "VI_1             script    chk_nginx            down         -20            -20\n",
            "VI_1             file      maint                value 2      10 reverse     -20\n",
            "VI_1             interface eth1                 down         0              FAULT\n",
            "VI_1             process   nginx (group G)      up           5 ignored      0\n",
            "SYNC GROUP       STATE   MEMBERS\nG                MASTER  VI_1,VI_2\n",
        ] {
            assert!(t.contains(line), "no {line:?} in\n{t}");
        }
        let m = s.render_metrics();
        for line in [
            "keepvip_tracker_priority_change{instance=\"VI_1\",kind=\"script\",tracker=\"chk_nginx\"} -20\n",
            "keepvip_tracker_fault{instance=\"VI_1\",kind=\"interface\",tracker=\"eth1\"} 1\n",
            "keepvip_sync_group_state{group=\"G\",state=\"MASTER\"} 1\n",
        ] {
            assert!(m.contains(line), "no {line:?} in\n{m}");
        }
        // and the JSON carries it
        let back: Status = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn table_and_metrics() {
        let s = sample();
        let t = s.render_table();
        assert!(t.contains("VI_1"), "{t}");
        assert!(t.contains("80(100)"), "{t}");
        assert!(!t.contains("FAULT:"), "{t}");
        let mut f = s.clone();
        f.instances[0].state = "FAULT".into();
        f.instances[0].fault_cause = Some("interface eth1 down".into());
        assert!(f
            .render_table()
            .ends_with("VI_1: FAULT: interface eth1 down\n"));
        let mut w = s.clone();
        w.instances[0].state = "INIT".into();
        w.instances[0].waiting_for = vec!["chk_nginx".into()];
        assert!(w
            .render_table()
            .ends_with("VI_1: INIT: waiting for the first result of chk_nginx\n"));
        let mut g = s.clone();
        g.instances[0].state = "BACKUP".into();
        g.instances[0].group_waits_for = vec!["VI_IN".into()];
        assert!(g.render_table().ends_with(
            "VI_1: BACKUP: no master heard, but its sync group waits for VI_IN (still hearing one)\n"
        ));
        let m = s.render_metrics();
        assert!(m.contains("keepvip_instance_state{instance=\"VI_1\",vrid=\"51\",interface=\"eth0\",state=\"MASTER\"} 1"));
        assert!(m.contains("keepvip_events_total{instance=\"VI_1\",event=\"adverts_sent\"} 7"));
        assert!(m.contains("keepvip_unknown_vrid_adverts_total 0"));
        assert!(m.contains(
            "keepvip_instance_last_transition_timestamp_seconds{instance=\"VI_1\"} 1700000000.250"
        ));
        assert!(t.contains(" SINCE "), "{t}");
        assert!(!t.contains("no instance has"), "{t}");
        let mut u = s.clone();
        u.unknown_vrid_adverts = 3;
        assert!(u
            .render_table()
            .ends_with("adverts for VRIDs no instance has: 3\n"));
        assert!(u
            .render_metrics()
            .contains("keepvip_unknown_vrid_adverts_total 3"));
    }

    #[test]
    fn ages_read_like_uptime() {
        let cases = [
            (0.0, "0s"),
            (42.9, "42s"),
            (187.0, "3m07s"),
            (18_120.0, "5h02m"),
            (1_051_200.0, "12d04h"),
            (-5.0, "0s"),
        ];
        for (ago, want) in cases {
            assert_eq!(age(1000.0, 1000.0 + ago), want, "{ago}");
        }
    }

    #[test]
    fn socket_round_trip() {
        let dir = std::env::temp_dir().join(format!("kv-ctl-{}", std::process::id()));
        let path = dir.join("ctl.sock");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let p2 = path.clone();
        let answer = rt.block_on(async move {
            let (tx, mut rx) = mpsc::channel::<Pending>(4);
            tokio::spawn(serve(p2.clone(), tx));
            tokio::spawn(async move {
                while let Some(p) = rx.recv().await {
                    let _ = p.reply.send(serde_json::to_string(&sample()).unwrap());
                }
            });
            // wait for the socket to appear (bounded)
            for _ in 0..200 {
                if p2.exists() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tokio::task::spawn_blocking(move || query(&p2, Request::Status))
                .await
                .unwrap()
                .unwrap()
        });
        let st: Status = serde_json::from_str(&answer).unwrap();
        assert_eq!(st, sample());
        let _ = std::fs::remove_dir_all(dir);
    }
}
