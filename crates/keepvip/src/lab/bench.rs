//! `keepvip lab --bench`: keepvip and keepalived side by side on the same
//! namespace LAN, K repetitions each of kill -9 and SIGTERM of the master,
//! measured from a packet capture on the client:
//!
//! - takeover lateness: the new master's first advert minus the protocol
//!   deadline (old master's last advert + Master_Down_Interval for kill -9,
//!   its priority-0 advert + Skew_Time for SIGTERM);
//! - first gratuitous ARP after that advert;
//! - first successful HTTP response through the VIP after the failure;
//! - RSS and CPU of the master daemon (one instance, VRRPv3 0.1 s).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use netlab::{Lab, LabSpec, Packet, Proc, SpawnOpts};

use super::cpu::Cpu;
use super::floor::SendPath;
use super::probe::Probe;
use super::seed::{self, CheckStyle, Node, Options, VIP};

/// Which daemon runs on both routers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    /// this project
    Keepvip,
    /// keepalived 2.2.x
    Keepalived,
}

impl Daemon {
    /// Both daemons, or the one `--only` names.
    fn selected(only: Option<&str>) -> Vec<Daemon> {
        [Daemon::Keepvip, Daemon::Keepalived]
            .into_iter()
            .filter(|d| only.is_none_or(|o| o.eq_ignore_ascii_case(&format!("{d:?}"))))
            .collect()
    }
}

/// How the daemons log during a failover run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logging {
    /// the defaults: keepalived to syslog (absent here), keepvip nowhere
    Default,
    /// `-l -D`: every detail line to stdout/stderr, a pipe drained into a
    /// file (as under systemd); keepalived's lateness grows with it
    Detail,
}

/// How the master fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// kill -9
    Kill9,
    /// SIGTERM (priority 0)
    Term,
}

/// One repetition's numbers (milliseconds).
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// new master's first advert minus the protocol deadline
    pub lateness_ms: Option<f64>,
    /// first GARP minus the new master's first advert
    pub garp_ms: Option<f64>,
    /// first HTTP 200 from the new master after the failure
    pub http_ms: Option<f64>,
}

const ADVERT: f64 = 0.1;
/// How long steady-state RSS and CPU are measured (KEEPVIP_BENCH_WINDOW
/// seconds overrides it, e.g. to leave time for `perf record`).
static STEADY_WINDOW: std::sync::LazyLock<Duration> = std::sync::LazyLock::new(|| {
    let secs = std::env::var("KEEPVIP_BENCH_WINDOW")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(secs)
});
const R1: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 11);
const R2: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 12);

/// Master_Down_Interval and Skew_Time of the backup (priority 90, v3 0.1 s), seconds.
fn mdi_skew() -> (f64, f64) {
    let skew = ((256 - 90) as f64 * ADVERT * 1e6 / 256.0).floor() / 1e6;
    (3.0 * ADVERT + skew, skew)
}

struct Bed {
    lab: Lab,
    nodes: Vec<Node>,
    daemon: Daemon,
    logging: Logging,
    procs: Vec<Option<Proc>>,
    keepvip: PathBuf,
}

fn err<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> String {
    move |e| format!("{what}: {e}")
}

impl Bed {
    fn new(
        daemon: Daemon,
        logging: Logging,
        keepvip: &Path,
        base: &Path,
        rt_priority: Option<u8>,
    ) -> Result<Bed, String> {
        let lab = Lab::new(LabSpec::new("kvbn", 2, 1, true)).map_err(err("lab"))?;
        let opts = Options {
            version: 3,
            advert_int: ADVERT,
            check: CheckStyle::Weight(-20),
            check_interval: 1.0,
            rt_priority,
            ..Options::default()
        };
        let mut nodes = Vec::new();
        for (i, prio) in [(0usize, 100u8), (1, 90)] {
            let n = Node {
                name: format!("r{}", i + 1),
                addr: lab.router_addr_v4(i, 0),
                priority: prio,
                master_hint: false,
                dir: base.join(format!("{daemon:?}-{logging:?}-r{}", i + 1)),
            };
            std::fs::create_dir_all(&n.dir).map_err(err("dir"))?;
            std::fs::write(n.nginx_conf(), seed::nginx_conf(&n)).map_err(err("nginx.conf"))?;
            std::fs::write(
                n.check_script(),
                seed::check_script(&n, &opts, &n.daemon_pid()),
            )
            .map_err(err("check"))?;
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(
                    n.check_script(),
                    std::fs::Permissions::from_mode(0o755),
                );
            }
            std::fs::write(n.vrrp_conf(), seed::vrrp_conf(&n, &opts)).map_err(err("conf"))?;
            lab.exec(
                lab.router_ns(i),
                &["nginx", "-c", &n.nginx_conf().to_string_lossy()],
            )
            .map_err(err("nginx"))?;
            nodes.push(n);
        }
        Ok(Bed {
            lab,
            nodes,
            daemon,
            logging,
            procs: vec![None, None],
            keepvip: keepvip.to_path_buf(),
        })
    }

    fn start(&mut self, i: usize) -> Result<(), String> {
        let n = &self.nodes[i];
        let conf = n.vrrp_conf().to_string_lossy().into_owned();
        let pid = n.daemon_pid().to_string_lossy().into_owned();
        let log = n.dir.join("daemon.log");
        let mut argv: Vec<String> = match self.daemon {
            Daemon::Keepvip => vec![
                self.keepvip.to_string_lossy().into_owned(),
                "-n".into(),
                "-G".into(),
                "-f".into(),
                conf,
                "-p".into(),
                pid,
                "--control-socket".into(),
                n.control_socket().to_string_lossy().into_owned(),
            ],
            Daemon::Keepalived => vec![
                "keepalived".into(),
                "-n".into(),
                "-P".into(),
                "-f".into(),
                conf,
                "-p".into(),
                n.dir.join("ka.pid").to_string_lossy().into_owned(),
                "-r".into(),
                pid,
            ],
        };
        let out = match self.logging {
            Logging::Default => SpawnOpts::to_log(log),
            Logging::Detail => {
                argv.extend(["-l".into(), "-D".into()]);
                SpawnOpts::to_pipe(log)
            }
        };
        let argv = pinned(i, argv);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        self.procs[i] = Some(
            self.lab
                .spawn(self.lab.router_ns(i), &refs, out)
                .map_err(err("spawn"))?,
        );
        Ok(())
    }

    fn has_vip(&self, i: usize) -> bool {
        self.lab
            .addresses(self.lab.router_ns(i), "eth0")
            .is_ok_and(|a| a.iter().any(|(x, _)| *x == IpAddr::V4(VIP)))
    }

    fn wait_master(&self, i: usize) -> Result<(), String> {
        self.lab
            .wait_for("master", Duration::from_secs(15), || {
                self.has_vip(i) && !self.has_vip(1 - i)
            })
            .map(|_| ())
            .map_err(|e| format!("{e} (logs in {})", self.nodes[i].dir.display()))
    }

    /// Every PID of the daemon on router `i` (keepalived: parent and VRRP child).
    fn pids(&self, i: usize) -> Vec<i32> {
        let mut v: Vec<i32> = self.procs[i]
            .as_ref()
            .map(|p| p.pid())
            .into_iter()
            .collect();
        for f in [self.nodes[i].daemon_pid(), self.nodes[i].dir.join("ka.pid")] {
            if let Ok(t) = std::fs::read_to_string(f) {
                if let Ok(p) = t.trim().parse() {
                    if !v.contains(&p) {
                        v.push(p);
                    }
                }
            }
        }
        v
    }

    fn fail(&mut self, i: usize, how: Failure) {
        match how {
            Failure::Kill9 => {
                for p in self.pids(i) {
                    // SAFETY: kill(2) on daemons this bench started.
                    unsafe { libc::kill(p, libc::SIGKILL) };
                }
                let own = self.procs[i].as_ref().map(|p| p.pid());
                if let Some(p) = self.procs[i].as_mut() {
                    p.kill9();
                }
                // keepalived's VRRP child is an orphan now, ours (see
                // `run`): reap it, as systemd would, or the restarted
                // keepalived finds its PID still taken by a zombie and
                // exits with "daemon is already running"
                for p in self.pids(i).into_iter().filter(|p| Some(*p) != own) {
                    for _ in 0..200 {
                        let mut status = 0;
                        // SAFETY: waitpid on a process this bench adopted.
                        let r = unsafe { libc::waitpid(p, &mut status, libc::WNOHANG) };
                        if r != 0 {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(10));
                    }
                }
            }
            Failure::Term => {
                if let Some(p) = self.procs[i].as_ref() {
                    let _ = p.signal(libc::SIGTERM);
                }
            }
        }
    }

    fn reap(&mut self, i: usize) {
        if let Some(mut p) = self.procs[i].take() {
            p.terminate(Duration::from_secs(3));
        }
        // kill -9 left the VIP: remove it so the next round starts clean
        let _ = self.lab.ip(
            self.lab.router_ns(i),
            &["addr", "del", "192.0.2.200/24", "dev", "eth0"],
        );
    }

    /// RSS (kB) and CPU seconds of the daemon's processes on router `i`.
    fn usage(&self, i: usize) -> (u64, f64) {
        usage(&self.pids(i))
    }
}

impl Drop for Bed {
    fn drop(&mut self) {
        for i in 0..2 {
            self.reap(i);
            if let Ok(p) = std::fs::read_to_string(self.nodes[i].nginx_pid()) {
                if let Ok(p) = p.trim().parse::<i32>() {
                    // SAFETY: kill(2) on the nginx this bench started.
                    unsafe { libc::kill(p, libc::SIGTERM) };
                }
            }
        }
    }
}

/// Summed RSS (kB) and CPU seconds of `pids` (every thread), from /proc.
/// CPU is the scheduler's run time in nanoseconds (`schedstat`), not
/// `stat`'s utime + stime, which come in 10 ms ticks — as coarse as the
/// whole budget of a 10 s window at 0.1 %. Kernel work done in the
/// process's context (sending, and the softirq that delivers the packet to
/// the other namespace) counts: the kernel has no IRQ time accounting here.
fn usage(pids: &[i32]) -> (u64, f64) {
    let mut rss = 0;
    let mut cpu = 0.0;
    for p in pids {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{p}/status")) {
            rss += s
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
                .unwrap_or(0);
        }
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for t in tasks.flatten() {
            let ns = std::fs::read_to_string(t.path().join("schedstat"))
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
                .unwrap_or(0);
            cpu += ns as f64 / 1e9;
        }
    }
    (rss, cpu)
}

fn vrrp(p: &Packet) -> Option<(Ipv4Addr, u8)> {
    if p.ethertype()? != 0x0800 || p.ip_proto()? != 112 {
        return None;
    }
    let ip = p.eth_payload();
    let ihl = usize::from(ip.first()? & 0x0f) * 4;
    let src = Ipv4Addr::new(*ip.get(12)?, *ip.get(13)?, *ip.get(14)?, *ip.get(15)?);
    Some((src, *ip.get(ihl + 2)?))
}

fn is_garp(p: &Packet) -> bool {
    p.ethertype() == Some(0x0806)
        && keepvip_wire::ArpFrame::parse(&p.data).is_some_and(|a| a.is_gratuitous())
}

fn enter(ns: String) -> impl FnOnce() -> std::io::Result<()> + Send + 'static {
    move || super::enter_netns(&ns)
}

fn one(bed: &mut Bed, how: Failure) -> Result<Sample, String> {
    bed.start(0)?;
    bed.wait_master(0)?;
    std::thread::sleep(Duration::from_millis(700));
    let client = bed.lab.client_ns().unwrap_or_default().to_string();
    let cap = bed
        .lab
        .capture(&client, "eth0", "vrrp or arp")
        .map_err(err("capture"))?;
    let probe = Probe::start(
        SocketAddr::new(IpAddr::V4(VIP), 80),
        Duration::from_millis(5),
        Duration::from_millis(100),
        Duration::from_secs(20),
        enter(client),
    )
    .map_err(err("probe"))?;
    std::thread::sleep(Duration::from_millis(400));
    let failed_at = probe.elapsed();
    bed.fail(0, how);
    // after kill -9 the old master keeps its (stale) VIP: wait for r2 only
    bed.lab
        .wait_for("r2 takes the VIP", Duration::from_secs(15), || {
            bed.has_vip(1)
        })
        .map_err(err("failover"))?;
    std::thread::sleep(Duration::from_millis(300));
    let samples = probe.finish();
    let packets = cap.stop().map_err(err("capture"))?;
    bed.reap(0);
    let (mdi, skew) = mdi_skew();
    let t = |p: &Packet| p.ts.as_secs_f64();
    let old: Vec<&Packet> = packets
        .iter()
        .filter(|p| vrrp(p).is_some_and(|(s, _)| s == R1))
        .collect();
    let deadline = match how {
        Failure::Kill9 => old
            .iter()
            .rev()
            .find(|p| vrrp(p).is_some_and(|(_, pr)| pr > 0))
            .map(|p| t(p) + mdi),
        Failure::Term => old
            .iter()
            .find(|p| vrrp(p).is_some_and(|(_, pr)| pr == 0))
            .map(|p| t(p) + skew),
    };
    let first_new = packets
        .iter()
        .find(|p| vrrp(p).is_some_and(|(s, pr)| s == R2 && pr > 0));
    let lateness_ms = match (deadline, first_new) {
        (Some(d), Some(f)) => Some((t(f) - d) * 1000.0),
        _ => None,
    };
    let garp_ms = first_new.and_then(|f| {
        packets
            .iter()
            .find(|p| t(p) >= t(f) && is_garp(p))
            .map(|g| (t(g) - t(f)) * 1000.0)
    });
    let http_ms = samples
        .iter()
        .find(|s| s.at >= failed_at && s.page.as_deref() == Some("node r2"))
        .map(|s| (s.at - failed_at).as_secs_f64() * 1000.0);
    Ok(Sample {
        lateness_ms,
        garp_ms,
        http_ms,
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    Some(v[v.len() / 2])
}

fn fmt(v: Vec<f64>) -> String {
    let n = v.len();
    let max = v.iter().cloned().fold(f64::NAN, f64::max);
    match median(v) {
        Some(m) => format!("{m:7.2} ms (max {max:.2}, n={n})"),
        None => "      -".into(),
    }
}

/// Run the benchmark and print the tables; the exit code.
/// `rt_priority`: global_defs `vrrp_rt_priority` for both daemons in the
/// failover cases (None: their normal policy).
pub fn run(reps: usize, only: Option<&str>, rt_priority: Option<u8>) -> i32 {
    if !netlab::is_root() {
        eprintln!("keepvip lab --bench: needs root");
        return 1;
    }
    for prog in ["nginx", "keepalived", "tcpdump"] {
        if !netlab::have_program(prog) {
            eprintln!("keepvip lab --bench: {prog} is not installed (apt-get install nginx-light keepalived tcpdump)");
            return 1;
        }
    }
    let Ok(exe) = std::env::current_exe() else {
        return 1;
    };
    // adopt the daemons' orphans (keepalived's VRRP child after a kill -9)
    // so they can be reaped at once, as under systemd
    // SAFETY: prctl with plain integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let base = std::env::temp_dir().join(format!("kvbench-{}", std::process::id()));
    let rt = rt_priority.map_or(String::new(), |p| {
        format!(", vrrp_rt_priority {p} on both daemons")
    });
    println!("failover benchmark: VRRPv3 advert_int {ADVERT} s, priorities 100/90, {reps} repetitions per case{rt}; client captures on its eth0");
    let mut rows = Vec::new();
    let mut steady = Vec::new();
    let mut failures = 0;
    for daemon in Daemon::selected(only) {
        for logging in [Logging::Default, Logging::Detail] {
            let mut bed = match Bed::new(daemon, logging, &exe, &base, rt_priority) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("keepvip lab --bench: {e}");
                    return 1;
                }
            };
            if let Err(e) = bed.start(1) {
                eprintln!("{e}");
                return 1;
            }
            for how in [Failure::Kill9, Failure::Term] {
                let mut s = Vec::new();
                for _ in 0..reps {
                    match one(&mut bed, how) {
                        Ok(x) => s.push(x),
                        Err(e) => {
                            failures += 1;
                            eprintln!("  {daemon:?} {logging:?} {how:?}: {e}");
                        }
                    }
                }
                rows.push((daemon, logging, how, s));
            }
            if logging != Logging::Default {
                continue;
            }
            // steady state: r1 master, one instance
            if bed.start(0).is_ok() && bed.wait_master(0).is_ok() {
                std::thread::sleep(Duration::from_secs(1));
                let cpu = super::cpu::sample(*STEADY_WINDOW, || bed.usage(0).1);
                let (rss, _) = bed.usage(0);
                steady.push(format!(
                    "{:<11} 1 instance, VRRPv3 0.1 s: master RSS {:.1} MB, {cpu}",
                    format!("{daemon:?}"),
                    rss as f64 / 1024.0
                ));
            }
        }
        // ten instances advertising every 10 ms
        for wire in Wire::available() {
            match pair_one(daemon, &FAST, wire, &exe, &base, false) {
                Ok(r) => steady.push(r.line),
                Err(e) => steady.push(format!("{daemon:?} {}: {e}", FAST.name)),
            }
        }
    }
    for wire in Wire::available() {
        for path in SendPath::ALL {
            steady.push(floor_one(&FAST, wire, path).0);
        }
    }
    println!(
        "\n{:<11} {:<8} {:<6} {:<34} {:<34} {:<34}",
        "daemon",
        "logging",
        "fail",
        "takeover lateness (median)",
        "first GARP after advert",
        "first HTTP 200 from new master"
    );
    for (d, logging, how, s) in rows {
        println!(
            "{:<11} {:<8} {:<6} {:<34} {:<34} {:<34}",
            format!("{d:?}"),
            if logging == Logging::Detail {
                "-l -D"
            } else {
                "default"
            },
            format!("{how:?}"),
            fmt(s.iter().filter_map(|x| x.lateness_ms).collect()),
            fmt(s.iter().filter_map(|x| x.garp_ms).collect()),
            fmt(s.iter().filter_map(|x| x.http_ms).collect()),
        );
    }
    println!();
    for line in steady {
        println!("{line}");
    }
    if failures == 0 {
        let _ = std::fs::remove_dir_all(&base);
    } else {
        println!(
            "\n{failures} repetition(s) failed; logs kept in {}",
            base.display()
        );
    }
    0
}

/// Instances for a two-router run: `per_segment` VRIDs on each of
/// `segments` L2 segments, the same on both routers but for priority.
struct Layout {
    name: &'static str,
    segments: usize,
    per_segment: u32,
    /// `advert_int` as written in the config
    advert_int: &'static str,
    /// VRRPv3 on the IPv4 segments too (IPv6 is always v3)
    v3_everywhere: bool,
    /// wait this long after convergence before measuring
    settle: Duration,
}

/// 1,000 instances: 250 VRIDs on each of four L2 segments (eth0, eth1
/// IPv4 VRRPv2; eth2, eth3 IPv6 VRRPv3 — the documentation ranges hold
/// too few IPv4 addresses for 1,000 VIPs), advert_int 1.
const SCALE: Layout = Layout {
    name: "1,000 instances, advert_int 1",
    segments: 4,
    per_segment: 250,
    advert_int: "1",
    v3_everywhere: false,
    settle: Duration::from_secs(6),
};

/// Ten VRRPv3 instances advertising every 10 ms (1,000 adverts a second,
/// like SCALE, but in 100 wake-ups instead of one).
const FAST: Layout = Layout {
    name: "10 instances, VRRPv3 advert_int 0.01",
    segments: 1,
    per_segment: 10,
    advert_int: "0.01",
    v3_everywhere: true,
    settle: Duration::from_secs(2),
};

/// The floor for a layout (see [`super::floor`]), on a lab like the
/// daemons': one line for the table.
fn floor_one(layout: &Layout, wire: Wire, path: SendPath) -> (String, Option<Cpu>) {
    let spec = pair_lab(layout, wire);
    let r = Lab::new(spec).map_err(|e| e.to_string()).and_then(|lab| {
        super::floor::measure(&lab, floor_spec(layout, path), *STEADY_WINDOW)
            .map_err(|e| e.to_string())
    });
    match r {
        Ok(cpu) => (
            format!(
                "{:<11} {}, {}: {}: {cpu}",
                "floor",
                layout.name,
                wire.label(),
                path.description()
            ),
            Some(cpu),
        ),
        Err(e) => (format!("floor {}: {e}", layout.name), None),
    }
}

/// Two routers with the layout's segments, wired as `wire` says.
fn pair_lab(layout: &Layout, wire: Wire) -> LabSpec {
    let spec = LabSpec::new("kvsc", 2, layout.segments, false);
    match wire {
        Wire::NicThreads => spec.with_nic_threads(),
        Wire::Shared => spec,
    }
}

/// Who pays for carrying an advert to the other router in a pair run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    /// veth and bridge as they come: the sender's system call also runs the
    /// bridge and the receiver's whole IP input (softirq in its context)
    Shared,
    /// every bridge port has a NAPI thread ([`LabSpec::nic_threads`]): the
    /// sender pays up to handing the frame over, like handing it to a NIC
    NicThreads,
}

impl Wire {
    fn label(self) -> &'static str {
        match self {
            Wire::Shared => "all-in (sender also delivers)",
            Wire::NicThreads => "NIC threads (own cost)",
        }
    }

    /// Both, when ethtool is there to set up NIC threads.
    fn available() -> Vec<Wire> {
        if netlab::have_program("ethtool") {
            vec![Wire::NicThreads, Wire::Shared]
        } else {
            println!("  (ethtool not installed: all-in CPU only; apt-get install ethtool)");
            vec![Wire::Shared]
        }
    }
}

/// The config for one router (r1 priority 150, r2 100) and every VIP.
fn pair_conf(layout: &Layout, prio: u8) -> (String, Vec<IpAddr>) {
    let mut s = String::new();
    let mut vips = Vec::new();
    let reserved = [11u8, 12, 100];
    for seg in 0..layout.segments {
        let mut hosts = (1u8..=254).filter(|h| !reserved.contains(h));
        for vrid in 1..=layout.per_segment {
            let vip: IpAddr = match seg {
                0 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, hosts.next().unwrap_or(1))),
                1 => IpAddr::V4(Ipv4Addr::new(198, 51, 100, hosts.next().unwrap_or(1))),
                _ => IpAddr::V6(std::net::Ipv6Addr::new(
                    0x2001,
                    0xdb8,
                    seg as u16,
                    0,
                    0,
                    0,
                    0xf,
                    vrid as u16,
                )),
            };
            let len = if vip.is_ipv4() { 32 } else { 128 };
            let version = if layout.v3_everywhere && vip.is_ipv4() {
                "    version 3\n"
            } else {
                ""
            };
            s.push_str(&format!(
                "vrrp_instance VI_{seg}_{vrid} {{\n    state BACKUP\n    interface eth{seg}\n    virtual_router_id {vrid}\n    priority {prio}\n{version}    advert_int {}\n    virtual_ipaddress {{\n        {vip}/{len}\n    }}\n}}\n",
                layout.advert_int
            ));
            vips.push(vip);
        }
    }
    (s, vips)
}

fn count_vips(lab: &Lab, i: usize, vips: &std::collections::HashSet<IpAddr>) -> usize {
    let ns = lab.router_ns(i);
    let Ok(out) = lab.ip(ns, &["-o", "addr", "show"]) else {
        return 0;
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            w.find(|x| *x == "inet" || *x == "inet6")?;
            w.next()?.split('/').next()?.parse::<IpAddr>().ok()
        })
        .filter(|a| vips.contains(a))
        .count()
}

/// One daemon on two routers started at the same moment: time until
/// every VIP is on r1 and none on r2, spurious MASTER entries on r2,
/// steady RSS/CPU of the master, and how long SIGTERM takes.
///
/// `wire` says who pays for delivering a sent advert to the other router
/// (see [`Wire`]). `paired` runs the raw-socket floor beside the master
/// (see [`pairs`]).
fn pair_one(
    daemon: Daemon,
    layout: &Layout,
    wire: Wire,
    keepvip: &Path,
    base: &Path,
    paired: bool,
) -> Result<PairRun, String> {
    let spec = pair_lab(layout, wire);
    let lab = Lab::new(spec).map_err(err("lab"))?;
    let (c1, vips) = pair_conf(layout, 150);
    let (c2, _) = pair_conf(layout, 100);
    let dir = base.join(format!("pair-{daemon:?}-{wire:?}-{}", layout.per_segment));
    // a fresh directory per repetition: the logs are appended to, and r2's
    // takeover when the last repetition stopped its master must not count
    // as a spurious MASTER entry of this one
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(err("dir"))?;
    let set: std::collections::HashSet<IpAddr> = vips.iter().copied().collect();
    if set.len() != vips.len() {
        return Err(format!(
            "config has duplicate VIPs ({} unique of {})",
            set.len(),
            vips.len()
        ));
    }
    let mut procs = Vec::new();
    let t0 = Instant::now();
    for (i, text) in [(0usize, &c1), (1, &c2)] {
        let conf = dir.join(format!("r{}.conf", i + 1));
        std::fs::write(&conf, text).map_err(err("conf"))?;
        let log = dir.join(format!("r{}.log", i + 1));
        let pid = dir.join(format!("r{}.pid", i + 1));
        let c = conf.to_string_lossy().into_owned();
        let p = pid.to_string_lossy().into_owned();
        let argv: Vec<String> = match daemon {
            Daemon::Keepvip => vec![
                keepvip.to_string_lossy().into_owned(),
                "-n".into(),
                "-l".into(),
                "-G".into(),
                "-f".into(),
                c,
                "-p".into(),
                p,
                "--control-socket".into(),
                dir.join(format!("r{}.sock", i + 1))
                    .to_string_lossy()
                    .into_owned(),
            ],
            Daemon::Keepalived => vec![
                "keepalived".into(),
                "-n".into(),
                "-l".into(),
                "-P".into(),
                "-f".into(),
                c,
                "-p".into(),
                dir.join(format!("r{}.ka.pid", i + 1))
                    .to_string_lossy()
                    .into_owned(),
                "-r".into(),
                p,
            ],
        };
        let argv = pinned(i, argv);
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        procs.push(
            lab.spawn(lab.router_ns(i), &refs, SpawnOpts::to_log(log))
                .map_err(err("spawn"))?,
        );
    }
    let total = set.len();
    let converged = lab
        .wait_for("convergence", Duration::from_secs(120), || {
            count_vips(&lab, 0, &set) == total && count_vips(&lab, 1, &set) == 0
        })
        .map_err(err("converge"));
    let converge_s = t0.elapsed().as_secs_f64();
    let spurious = std::fs::read_to_string(dir.join("r2.log"))
        .unwrap_or_default()
        .matches("Entering MASTER STATE")
        .count();
    let conv_text = match converged {
        Ok(_) => format!("{converge_s:.2} s"),
        Err(e) => format!("not converged ({e})"),
    };
    // steady state on the master
    std::thread::sleep(layout.settle);
    let pids: Vec<i32> = [dir.join("r1.pid"), dir.join("r1.ka.pid")]
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok()?.trim().parse().ok())
        .chain(std::iter::once(procs[0].pid()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    println!(
        "  {daemon:?}, {}: master pids {pids:?}, measuring for {:?}",
        layout.name, *STEADY_WINDOW
    );
    let (cpu, beside) = match paired {
        false => (super::cpu::sample(*STEADY_WINDOW, || usage(&pids).1), None),
        true => {
            // the raw-socket floor on a lab of its own, its sender on the
            // master's core, measured over the same slices
            let spec = pair_lab(layout, wire);
            let floor_lab = Lab::new(spec).map_err(err("floor lab"))?;
            let floor =
                super::floor::Running::start(&floor_lab, floor_spec(layout, SendPath::RawIp))
                    .map_err(err("floor"))?;
            std::thread::sleep(Duration::from_secs(2));
            let mut v = super::cpu::sample_together(
                *STEADY_WINDOW,
                &mut [&mut || usage(&pids).1, &mut || floor.cpu_seconds()],
            );
            floor.finish().map_err(err("floor"))?;
            let f = v.pop().unwrap_or_default();
            let d = v.pop().unwrap_or_default();
            let ratio = super::cpu::median_ratio(&d, &f);
            (d, Some((f, ratio)))
        }
    };
    let (rss, _) = usage(&pids);
    // did the backup hear the master? (keepvip counts both; keepalived's
    // counters are only in its SIGUSR2 dump)
    let delivery = match daemon {
        Daemon::Keepvip => {
            // the backup first: what it counts can only lag the master
            let got = advert_count(&dir.join("r2.sock"), "adverts_rx");
            let sent = advert_count(&dir.join("r1.sock"), "adverts_tx");
            match (got, sent) {
                (Some(g), Some(s)) if s > 0 => format!(
                    "; r2 received {g} of the {s} adverts r1 sent ({:.1} %)",
                    g as f64 * 100.0 / s as f64
                ),
                _ => "; advert counts unavailable".into(),
            }
        }
        Daemon::Keepalived => String::new(),
    };
    // a flap after convergence shows as more MASTER entries on r2
    let later = std::fs::read_to_string(dir.join("r2.log"))
        .unwrap_or_default()
        .matches("Entering MASTER STATE")
        .count()
        - spurious;
    // SIGTERM to the master: time until the process has exited
    let s0 = Instant::now();
    let _ = procs[0].signal(libc::SIGTERM);
    let stopped = procs[0].wait_timeout(Duration::from_secs(30));
    let stop_s = s0.elapsed().as_secs_f64();
    for p in procs.iter_mut() {
        p.terminate(Duration::from_secs(5));
    }
    let line = format!(
        "{:<11} {}, {}: converged {conv_text}, spurious MASTER on r2 {spurious} (+{later} in steady state); master RSS {:.1} MB, {cpu}{delivery}; SIGTERM {}{}",
        format!("{daemon:?}"),
        layout.name,
        wire.label(),
        rss as f64 / 1024.0,
        if stopped.is_some() { format!("{stop_s:.2} s") } else { "did not stop within 30 s".into() },
        match &beside {
            Some((f, r)) => format!("; raw-socket floor at the same time: {f}; {daemon:?} / floor, median over the slices: {r:.2}"),
            None => String::new(),
        }
    );
    Ok(PairRun { line, cpu, beside })
}

/// What [`pair_one`] measured.
struct PairRun {
    line: String,
    /// the master's CPU
    cpu: Cpu,
    /// with `paired`: the floor's CPU over the same slices, and the
    /// master's cost relative to it
    beside: Option<(Cpu, f64)>,
}

/// The sum of counter `name` over the instances of the keepvip whose
/// control socket is `sock`.
fn advert_count(sock: &Path, name: &str) -> Option<u64> {
    let json = crate::control::query(sock, crate::control::Request::Status).ok()?;
    let status: crate::control::Status = serde_json::from_str(&json).ok()?;
    Some(
        status
            .instances
            .iter()
            .flat_map(|i| &i.counters)
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .sum(),
    )
}

/// Add `value` to `case`'s list, keeping the cases in the order they
/// first ran.
fn record<T>(cases: &mut Vec<(String, Vec<T>)>, case: String, value: T) {
    match cases.iter_mut().find(|(k, _)| *k == case) {
        Some((_, v)) => v.push(value),
        None => cases.push((case, vec![value])),
    }
}

/// The floor's spec for a layout.
fn floor_spec(layout: &Layout, path: SendPath) -> super::floor::FloorSpec {
    super::floor::FloorSpec {
        segments: layout.segments,
        per_segment: layout.per_segment as usize,
        interval: Duration::from_secs_f64(layout.advert_int.parse().unwrap_or(1.0)),
        path,
    }
}

/// Router `i` runs on core `i` (when the machine has that many): two
/// routers are two machines, and a backup woken by an advert should not
/// preempt the master that sent it, which on one shared core it does, a
/// context switch the master would be charged for on every other packet.
fn pinned(i: usize, argv: Vec<String>) -> Vec<String> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || !netlab::have_program("taskset") {
        return argv;
    }
    let mut v = vec!["taskset".into(), "-c".into(), (i % cores).to_string()];
    v.extend(argv);
    v
}

/// `keepvip lab --bench --scale` (1,000 instances) or `--fast` (ten at 10 ms).
/// `--fast` repeats every case `reps` times and ends with each case's
/// median CPU: at half a percent of a core, one window on a shared machine
/// moves by a tenth of a percent from run to run.
///
/// `paired` (with `--fast`): while each daemon's master is measured, the
/// raw-socket floor runs on a lab of its own with its sender on the same
/// core, and both are read over the same one-second slices. This VM has
/// slow phases lasting minutes in which everything costs more; a daemon
/// and the floor measured at the same moments share them, so the ratio of
/// the two is what the daemon adds, whatever the phase. (Two senders on
/// one core each wake 100 times a second for tens of microseconds: they
/// rarely meet.) The separate floor runs are left out.
pub fn pairs(only: Option<&str>, fast: bool, reps: usize, paired: bool) -> i32 {
    let mode = if fast { "--fast" } else { "--scale" };
    if !netlab::is_root() {
        eprintln!("keepvip lab --bench {mode}: needs root");
        return 1;
    }
    // keepalived only when it is one of the daemons measured
    if Daemon::selected(only).contains(&Daemon::Keepalived) && !netlab::have_program("keepalived") {
        eprintln!("keepvip lab --bench {mode}: needs keepalived (or --only keepvip / floor)");
        return 1;
    }
    let Ok(exe) = std::env::current_exe() else {
        return 1;
    };
    let base = std::env::temp_dir().join(format!("kvscale-{}", std::process::id()));
    let layout = if fast { &FAST } else { &SCALE };
    let reps = if fast { reps.max(1) } else { 1 };
    println!(
        "{}: {} segment(s) × {} VRIDs, both nodes started together",
        layout.name, layout.segments, layout.per_segment
    );
    // CPU readings per case, in the order the cases first ran
    let mut cpu: Vec<(String, Vec<Cpu>)> = Vec::new();
    // with `paired`: each daemon's slice-by-slice ratio to the floor
    let mut ratios: Vec<(String, Vec<f64>)> = Vec::new();
    let paired = paired && fast;
    let wires = Wire::available();
    for rep in 1..=reps {
        if reps > 1 {
            println!("-- repetition {rep} of {reps}");
        }
        for d in Daemon::selected(only) {
            for &wire in &wires {
                match pair_one(d, layout, wire, &exe, &base, paired) {
                    Ok(r) => {
                        println!("{}", r.line);
                        record(&mut cpu, format!("{d:?}, {}", wire.label()), r.cpu);
                        if let Some((f, ratio)) = r.beside {
                            let w = wire.label();
                            record(&mut cpu, format!("floor beside {d:?}, {w}"), f);
                            record(&mut ratios, format!("{d:?} / floor, {w}"), ratio);
                        }
                    }
                    Err(e) => println!("{d:?}: {e}"),
                }
            }
        }
        // paired runs had their floor beside each daemon
        let floor_wires = if paired { &[][..] } else { &wires[..] };
        for &wire in floor_wires {
            for path in SendPath::ALL {
                let (line, c) = floor_one(layout, wire, path);
                println!("{line}");
                if let Some(c) = c {
                    let case = format!("floor, {}, {}", wire.label(), path.label());
                    record(&mut cpu, case, c);
                }
            }
        }
    }
    if reps > 1 {
        println!(
            "-- steady-state CPU of the master, % of one core, over {reps} runs: median (min–max) of the window means; median of the runs' median 1 s slices"
        );
        for (case, v) in cpu {
            let mut means: Vec<f64> = v.iter().map(|c| c.mean).collect();
            let mut slices: Vec<f64> = v.iter().map(|c| c.median_slice).collect();
            let m = super::cpu::median(&mut means);
            println!(
                "{case:<60} {m:.2} ({:.2}–{:.2}); {:.2}",
                means[0],
                means[means.len() - 1],
                super::cpu::median(&mut slices)
            );
        }
        if !ratios.is_empty() {
            println!("-- CPU of the master / the floor's at the same moments: median (min–max) of {reps} runs' median slice ratios");
        }
        for (case, mut v) in ratios {
            let m = super::cpu::median(&mut v);
            println!("{case:<60} {m:.2} ({:.2}–{:.2})", v[0], v[v.len() - 1]);
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    0
}
