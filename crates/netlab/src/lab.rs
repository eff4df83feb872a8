//! The lab itself: namespaces, links, processes, captures and teardown.

use std::borrow::Borrow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::addr::{self, MAX_ROUTERS, MAX_SEGMENTS};
use crate::cmd::{self, DEFAULT_TIMEOUT};
use crate::nsthread;
use crate::pcap::{self, Packet, PcapFile};
use crate::proc::{self, Proc, ProcInner, Shared, Sink, SpawnOpts};
use crate::LabError;

/// What to build. See the crate docs for the topology and address plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabSpec {
    /// Namespace-name family, 1 to 8 lowercase ASCII letters, e.g. `"kvt"`.
    /// Names are `<family><pid>x<n>-<role>`; leftovers of the same family
    /// whose pid is dead are deleted by [`Lab::new`].
    pub prefix_family: String,
    /// Number of routers, `0..=MAX_ROUTERS`.
    pub routers: usize,
    /// Number of L2 segments, `1..=MAX_SEGMENTS`.
    pub segments: usize,
    /// Whether to add a client namespace (attached to every segment).
    pub client: bool,
    /// Give every bridge port its own receive thread (veth GRO + threaded
    /// NAPI; needs `ethtool`), so a frame a host sends is switched and
    /// delivered to the other hosts by that kernel thread — as a NIC and
    /// the machines behind it would — instead of inside the sender's
    /// system call, where it is charged to the sending process. For CPU
    /// measurements; off by default.
    pub nic_threads: bool,
}

impl LabSpec {
    /// A spec with these fields.
    pub fn new(prefix_family: &str, routers: usize, segments: usize, client: bool) -> Self {
        LabSpec {
            prefix_family: prefix_family.to_string(),
            routers,
            segments,
            client,
            nic_threads: false,
        }
    }

    /// The same spec with [`LabSpec::nic_threads`] on.
    pub fn with_nic_threads(mut self) -> Self {
        self.nic_threads = true;
        self
    }

    fn validate(&self) -> Result<(), LabError> {
        let f = &self.prefix_family;
        if f.is_empty() || f.len() > 8 || !f.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(LabError::Spec(format!(
                "prefix_family {f:?}: want 1..=8 lowercase ASCII letters"
            )));
        }
        if self.routers > MAX_ROUTERS {
            return Err(LabError::Spec(format!(
                "{} routers: at most {MAX_ROUTERS}",
                self.routers
            )));
        }
        if !(1..=MAX_SEGMENTS).contains(&self.segments) {
            return Err(LabError::Spec(format!(
                "{} segments: want 1..={MAX_SEGMENTS}",
                self.segments
            )));
        }
        Ok(())
    }
}

impl Default for LabSpec {
    /// Family `kvt`, 2 routers, 1 segment, a client.
    fn default() -> Self {
        LabSpec::new("kvt", 2, 1, true)
    }
}

static LAB_COUNTER: AtomicU32 = AtomicU32::new(0);
static CAPTURE_COUNTER: AtomicU32 = AtomicU32::new(0);

/// How long [`Lab::new`] waits for link-local IPv6 addresses.
const LINK_LOCAL_WAIT: Duration = Duration::from_secs(5);

/// A built lab. Dropping it tears everything down; see the crate docs.
#[derive(Debug)]
pub struct Lab {
    spec: LabSpec,
    prefix: String,
    bridge_ns: String,
    routers: Vec<String>,
    client: Option<String>,
    /// Namespaces actually created, in creation order.
    created: Vec<String>,
    procs: Mutex<Vec<Shared>>,
    /// PIDs handed over with [`Lab::adopt_pid`].
    adopted: Mutex<Vec<i32>>,
    dir: PathBuf,
}

/// Parses `<family><pid>x<n>...` and returns the pid.
fn family_pid(name: &str, family: &str) -> Option<u32> {
    let rest = name.strip_prefix(family)?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || !rest[digits.len()..].starts_with('x') {
        return None;
    }
    digits.parse().ok()
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Lists network namespace names (`/run/netns`, as `ip netns list` does).
fn list_netns() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/run/netns")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn ns_exists(ns: &str) -> bool {
    Path::new("/run/netns").join(ns).exists()
}

/// True if `/proc/<pid>` is gone or a zombie.
fn pid_gone(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the ")" closing the command name.
        Ok(s) => s
            .rsplit_once(')')
            .map(|(_, r)| r.trim_start().starts_with('Z'))
            .unwrap_or(false),
    }
}

/// Stops every process still inside namespace `ns` (found with
/// `ip netns pids`): these can only have been started by a lab (e.g. a
/// daemon that forked away from its spawned parent). SIGTERM, up to 1 s,
/// SIGKILL. Never panics.
fn kill_ns_pids(ns: &str) {
    let Ok(out) = cmd::run_with_timeout(&["ip", "netns", "pids", ns], DEFAULT_TIMEOUT) else {
        return;
    };
    let me = std::process::id() as i32;
    let pids: Vec<i32> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .filter(|&p| p > 1 && p != me)
        .collect();
    stop_pids(&pids);
}

/// SIGTERM to `pids`, up to 1 s, SIGKILL to the rest, up to 1 s more.
/// Callers only pass PIDs of processes inside lab namespaces.
fn stop_pids(pids: &[i32]) {
    if pids.is_empty() {
        return;
    }
    for &p in pids {
        // SAFETY: kill(2) on a process living in a lab namespace.
        unsafe { libc::kill(p, libc::SIGTERM) };
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline && !pids.iter().all(|&p| pid_gone(p)) {
        std::thread::sleep(Duration::from_millis(5));
    }
    for &p in pids {
        if !pid_gone(p) {
            // SAFETY: as above.
            unsafe { libc::kill(p, libc::SIGKILL) };
        }
    }
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline && !pids.iter().all(|&p| pid_gone(p)) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Deletes namespace `ns` (after stopping its processes) and waits, at
/// most 2 s, until its name is gone. Never panics.
fn delete_ns(ns: &str) {
    kill_ns_pids(ns);
    let _ = cmd::run_with_timeout(&["ip", "netns", "del", ns], DEFAULT_TIMEOUT);
    let deadline = Instant::now() + Duration::from_secs(2);
    while ns_exists(ns) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Deletes namespaces (and temp dirs) of `family` whose creating pid no
/// longer exists. Namespaces of live pids are never touched.
fn cleanup_leftovers(family: &str) {
    for ns in list_netns() {
        if let Some(pid) = family_pid(&ns, family) {
            if !pid_alive(pid) {
                delete_ns(&ns);
            }
        }
    }
    let tmp = std::env::temp_dir();
    if let Ok(rd) = std::fs::read_dir(&tmp) {
        for e in rd.filter_map(|e| e.ok()) {
            let Ok(name) = e.file_name().into_string() else {
                continue;
            };
            if let Some(pid) = family_pid(&name, family) {
                if !pid_alive(pid) && name.ends_with("-netlab") {
                    let _ = std::fs::remove_dir_all(tmp.join(&name));
                }
            }
        }
    }
}

fn parse_json(out: &Output, what: &str) -> Result<serde_json::Value, LabError> {
    let s = String::from_utf8_lossy(&out.stdout);
    if s.trim().is_empty() {
        return Ok(serde_json::Value::Array(Vec::new()));
    }
    serde_json::from_str(&s).map_err(|e| LabError::Parse(format!("{what}: {e}: {s}")))
}

impl Lab {
    /// Builds the lab (takes a `LabSpec` or a `&LabSpec`). On error
    /// everything already made is torn down.
    pub fn new(spec: impl Borrow<LabSpec>) -> Result<Lab, LabError> {
        let spec = spec.borrow().clone();
        spec.validate()?;
        cleanup_leftovers(&spec.prefix_family);
        let n = LAB_COUNTER.fetch_add(1, Ordering::Relaxed);
        let stem = format!("{}{}x{}", spec.prefix_family, std::process::id(), n);
        let prefix = format!("{stem}-");
        let dir = std::env::temp_dir().join(format!("{stem}-netlab"));
        let mut lab = Lab {
            bridge_ns: format!("{prefix}br"),
            routers: (0..spec.routers).map(|i| format!("{prefix}r{i}")).collect(),
            client: spec.client.then(|| format!("{prefix}c")),
            prefix,
            created: Vec::new(),
            procs: Mutex::new(Vec::new()),
            adopted: Mutex::new(Vec::new()),
            dir,
            spec,
        };
        // If any step fails, `lab` is dropped here and tears down.
        lab.build()?;
        Ok(lab)
    }

    fn build(&mut self) -> Result<(), LabError> {
        if self.dir.exists() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| LabError::io(format!("creating {}", self.dir.display()), e))?;

        let mut all = vec![self.bridge_ns.clone()];
        all.extend(self.hosts().into_iter().map(|(ns, _)| ns));
        for ns in &all {
            if ns_exists(ns) {
                return Err(LabError::Spec(format!("namespace {ns} already exists")));
            }
            cmd::run_ok(&["ip", "netns", "add", ns], DEFAULT_TIMEOUT)?;
            self.created.push(ns.clone());
        }

        // Sysctls, inside lab namespaces only.
        let br = self.bridge_ns.clone();
        self.exec_ok(
            &br,
            &[
                "sysctl",
                "-q",
                "-w",
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ],
        )?;
        // A LAN switch does not run the host's firewall: when br_netfilter
        // is loaded (docker loads it), bridged frames would otherwise pass
        // through iptables hooks, work the sending daemon gets charged
        // for. Only present with the module, hence best-effort.
        let _ = self.exec(
            &br,
            &[
                "sysctl",
                "-q",
                "-e",
                "-w",
                "net.bridge.bridge-nf-call-iptables=0",
                "net.bridge.bridge-nf-call-ip6tables=0",
                "net.bridge.bridge-nf-call-arptables=0",
            ],
        );
        for (ns, _) in self.hosts() {
            self.exec_ok(
                &ns,
                &[
                    "sysctl",
                    "-q",
                    "-w",
                    "net.ipv6.conf.all.accept_dad=0",
                    "net.ipv6.conf.default.accept_dad=0",
                    "net.ipv6.conf.all.keep_addr_on_down=1",
                    "net.ipv6.conf.default.keep_addr_on_down=1",
                ],
            )?;
        }
        for ns in &all {
            self.ip(ns, &["link", "set", "lo", "up"])?;
        }

        for k in 0..self.spec.segments {
            let b = format!("br{k}");
            self.ip(
                &br,
                &[
                    "link",
                    "add",
                    &b,
                    "type",
                    "bridge",
                    "forward_delay",
                    "0",
                    "stp_state",
                    "0",
                    "mcast_snooping",
                    "0",
                ],
            )?;
            self.ip(&br, &["link", "set", &b, "up"])?;
        }

        for (ns, who) in self.hosts() {
            for k in 0..self.spec.segments {
                let (port, mac, v4, v6) = match who {
                    Some(i) => (
                        self.router_port(i, k),
                        addr::router_mac(i, k),
                        addr::router_v4(i, k),
                        addr::router_v6(i, k),
                    ),
                    None => (
                        self.client_port(k),
                        addr::client_mac(k),
                        addr::client_v4(k),
                        addr::client_v6(k),
                    ),
                };
                let mut peer_mac = mac;
                peer_mac[5] = 0x02;
                let eth = format!("eth{k}");
                self.ip(
                    &ns,
                    &[
                        "link",
                        "add",
                        &eth,
                        "address",
                        &addr::fmt_mac(&mac),
                        "type",
                        "veth",
                        "peer",
                        "name",
                        &port,
                        "address",
                        &addr::fmt_mac(&peer_mac),
                        "netns",
                        &br,
                    ],
                )?;
                self.ip(
                    &br,
                    &["link", "set", &port, "master", &format!("br{k}"), "up"],
                )?;
                let len4 = addr::segment_v4(k).1;
                self.ip(&ns, &["addr", "add", &format!("{v4}/{len4}"), "dev", &eth])?;
                self.ip(
                    &ns,
                    &[
                        "addr",
                        "add",
                        &format!("{v6}/{}", addr::V6_PREFIX_LEN),
                        "dev",
                        &eth,
                        "nodad",
                    ],
                )?;
                self.ip(&ns, &["link", "set", &eth, "up"])?;
                if self.spec.nic_threads {
                    // veth hands a frame to the peer's NAPI only when it
                    // is GRO-eligible: no TSO on the sending side
                    self.exec_ok(&ns, &["ethtool", "-K", &eth, "tso", "off"])?;
                    // the receive ring holds 256 frames; a queue in front
                    // of it (as a NIC has) holds a burst of adverts back
                    // instead of dropping it
                    self.exec_ok(
                        &ns,
                        &[
                            "tc", "qdisc", "replace", "dev", &eth, "root", "pfifo", "limit", "1000",
                        ],
                    )?;
                    self.exec_ok(&br, &["ethtool", "-K", &port, "gro", "on"])?;
                    let before = napi_threads();
                    self.exec_ok(
                        &br,
                        &[
                            "sh",
                            "-c",
                            &format!("echo 1 > /sys/class/net/{port}/threaded"),
                        ],
                    )?;
                    // The thread is the wire, not a task on the sender's
                    // machine: woken by the sender's transmit, it must not
                    // preempt the sender in the middle of its system call
                    // (a NIC never does). SCHED_BATCH tasks get no wakeup
                    // preemption; it runs as soon as the sender yields.
                    for pid in napi_threads().difference(&before) {
                        no_wakeup_preemption(*pid).map_err(|source| LabError::Io {
                            what: format!("SCHED_BATCH for the NAPI thread of {port}"),
                            source,
                        })?;
                    }
                }
            }
        }

        // Link-local addresses appear once the links are up (no DAD).
        for (ns, _) in self.hosts() {
            for k in 0..self.spec.segments {
                let eth = format!("eth{k}");
                let what = format!("a link-local IPv6 address on {ns}/{eth}");
                let mut last_err = None;
                let r = crate::wait_for(&what, LINK_LOCAL_WAIT, || {
                    match self.link_local_v6(&ns, &eth) {
                        Ok(a) => a.is_some(),
                        Err(e) => {
                            last_err = Some(e);
                            false
                        }
                    }
                });
                if let Err(e) = r {
                    return Err(last_err.unwrap_or(e));
                }
            }
        }
        Ok(())
    }

    /// (namespace, Some(router index) | None for the client).
    fn hosts(&self) -> Vec<(String, Option<usize>)> {
        let mut v: Vec<(String, Option<usize>)> = self
            .routers
            .iter()
            .enumerate()
            .map(|(i, ns)| (ns.clone(), Some(i)))
            .collect();
        if let Some(c) = &self.client {
            v.push((c.clone(), None));
        }
        v
    }

    fn check_ns(&self, ns: &str) -> Result<(), LabError> {
        if self.created.iter().any(|c| c == ns) {
            Ok(())
        } else {
            Err(LabError::UnknownNs(ns.to_string()))
        }
    }

    /// The spec this lab was built from.
    pub fn spec(&self) -> &LabSpec {
        &self.spec
    }

    /// The per-lab name prefix, e.g. `kvt4242x0-`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Every namespace of this lab (bridge, routers, client).
    pub fn namespaces(&self) -> &[String] {
        &self.created
    }

    /// A per-lab scratch directory (logs, configs, captures), removed on
    /// drop unless the environment variable `NETLAB_KEEP` is set.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `dir().join(name)`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Namespace of router `i`. Panics if out of range.
    pub fn router_ns(&self, i: usize) -> &str {
        &self.routers[i]
    }

    /// Number of routers.
    pub fn routers(&self) -> usize {
        self.routers.len()
    }

    /// Number of segments.
    pub fn segments(&self) -> usize {
        self.spec.segments
    }

    /// Namespace of the client, if the spec asked for one.
    pub fn client_ns(&self) -> Option<&str> {
        self.client.as_deref()
    }

    /// Namespace holding the bridges `br0..`.
    pub fn bridge_ns(&self) -> &str {
        &self.bridge_ns
    }

    /// Interface name, inside every host namespace, for segment `seg`.
    pub fn ifname(&self, seg: usize) -> String {
        format!("eth{seg}")
    }

    /// Bridge-side port (in [`Lab::bridge_ns`]) of router `i` on `seg`.
    pub fn router_port(&self, i: usize, seg: usize) -> String {
        format!("r{i}k{seg}")
    }

    /// Bridge-side port of the client on `seg`.
    pub fn client_port(&self, seg: usize) -> String {
        format!("ck{seg}")
    }

    /// IPv4 address of router `i` on segment `seg`.
    pub fn router_addr_v4(&self, i: usize, seg: usize) -> Ipv4Addr {
        addr::router_v4(i, seg)
    }

    /// IPv6 global address of router `i` on segment `seg`.
    pub fn router_addr_v6(&self, i: usize, seg: usize) -> Ipv6Addr {
        addr::router_v6(i, seg)
    }

    /// IPv4 address of the client on segment `seg`.
    pub fn client_addr_v4(&self, seg: usize) -> Ipv4Addr {
        addr::client_v4(seg)
    }

    /// IPv6 address of the client on segment `seg`.
    pub fn client_addr_v6(&self, seg: usize) -> Ipv6Addr {
        addr::client_v6(seg)
    }

    /// MAC of router `i` on segment `seg` (`02:00:00:<seg>:<i>:01`).
    pub fn router_mac(&self, i: usize, seg: usize) -> [u8; 6] {
        addr::router_mac(i, seg)
    }

    /// MAC of the client on segment `seg`.
    pub fn client_mac(&self, seg: usize) -> [u8; 6] {
        addr::client_mac(seg)
    }

    /// Runs `ip -n NS args…`; a non-zero exit is an error.
    pub fn ip(&self, ns: &str, args: &[&str]) -> Result<Output, LabError> {
        self.check_ns(ns)?;
        let mut argv = vec!["ip", "-n", ns];
        argv.extend_from_slice(args);
        cmd::run_ok(&argv, DEFAULT_TIMEOUT)
    }

    /// Runs `ip netns exec NS argv…` and returns its output whatever its
    /// exit status (killed after [`DEFAULT_TIMEOUT`]).
    pub fn exec(&self, ns: &str, argv: &[&str]) -> Result<Output, LabError> {
        self.exec_timeout(ns, argv, DEFAULT_TIMEOUT)
    }

    /// [`Lab::exec`] with an explicit time limit.
    pub fn exec_timeout(
        &self,
        ns: &str,
        argv: &[&str],
        timeout: Duration,
    ) -> Result<Output, LabError> {
        self.check_ns(ns)?;
        let mut full = vec!["ip", "netns", "exec", ns];
        full.extend_from_slice(argv);
        cmd::run_with_timeout(&full, timeout)
    }

    /// [`Lab::exec`], but a non-zero exit is an error; returns stdout.
    pub fn exec_ok(&self, ns: &str, argv: &[&str]) -> Result<String, LabError> {
        self.check_ns(ns)?;
        let mut full = vec!["ip", "netns", "exec", ns];
        full.extend_from_slice(argv);
        let out = cmd::run_ok(&full, DEFAULT_TIMEOUT)?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Starts `argv` in `ns` (`ip netns exec NS argv…`, which execs it, so
    /// [`Proc::pid`] is the program's own PID). The lab stops it on drop.
    pub fn spawn(&self, ns: &str, argv: &[&str], opts: SpawnOpts) -> Result<Proc, LabError> {
        self.check_ns(ns)?;
        if argv.is_empty() {
            return Err(LabError::Spec("spawn: empty argv".into()));
        }
        let what = || format!("spawning `{}` in {ns}", cmd::render(argv));
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(
                opts.stdout
                    .to_stdio()
                    .map_err(|e| LabError::io(what(), e))?,
            )
            .stderr(
                opts.stderr
                    .to_stdio()
                    .map_err(|e| LabError::io(what(), e))?,
            );
        for (k, v) in &opts.env {
            c.env(k, v);
        }
        if let Some(d) = &opts.cwd {
            c.current_dir(d);
        }
        let mut child = c.spawn().map_err(|e| LabError::io(what(), e))?;
        if let (Sink::Pipe(path), Some(out)) = (&opts.stdout, child.stdout.take()) {
            proc::drain_pipe(out, path.clone()).map_err(|e| LabError::io(what(), e))?;
        }
        if let (Sink::Pipe(path), Some(err)) = (&opts.stderr, child.stderr.take()) {
            proc::drain_pipe(err, path.clone()).map_err(|e| LabError::io(what(), e))?;
        }
        let pid = child.id() as i32;
        let shared = ProcInner::new_shared(child);
        self.procs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(shared.clone());
        Ok(Proc::new(pid, ns, argv, shared))
    }

    /// Addresses (with prefix length) on `ifname` in `ns`, from
    /// `ip -j addr show dev IF`: IPv4 first, then IPv6, in kernel order.
    pub fn addresses(&self, ns: &str, ifname: &str) -> Result<Vec<(IpAddr, u8)>, LabError> {
        let out = self.ip(ns, &["-j", "addr", "show", "dev", ifname])?;
        let v = parse_json(&out, "ip -j addr")?;
        let mut res = Vec::new();
        for link in v.as_array().into_iter().flatten() {
            for a in link["addr_info"].as_array().into_iter().flatten() {
                let (Some(local), Some(len)) = (a["local"].as_str(), a["prefixlen"].as_u64())
                else {
                    continue;
                };
                let ip: IpAddr = local
                    .parse()
                    .map_err(|e| LabError::Parse(format!("address {local:?}: {e}")))?;
                res.push((ip, len as u8));
            }
        }
        Ok(res)
    }

    /// True if `addr` is on `ifname` in `ns` (false on any error).
    pub fn has_addr(&self, ns: &str, ifname: &str, addr: IpAddr) -> bool {
        self.addresses(ns, ifname)
            .is_ok_and(|v| v.iter().any(|(a, _)| *a == addr))
    }

    /// The link-local IPv6 address of `ifname` in `ns`, if it has one.
    pub fn link_local_v6(&self, ns: &str, ifname: &str) -> Result<Option<Ipv6Addr>, LabError> {
        Ok(self
            .addresses(ns, ifname)?
            .into_iter()
            .find_map(|(a, _)| match a {
                IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => Some(a),
                _ => None,
            }))
    }

    /// Polls `f` every 5 ms until true or `timeout`; see [`crate::wait_for`].
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        f: impl FnMut() -> bool,
    ) -> Result<Duration, LabError> {
        crate::wait_for(what, timeout, f)
    }

    /// The MAC that `ns`'s neighbour table holds for `addr` (`ip -j neigh
    /// show to ADDR`), ignoring FAILED/INCOMPLETE entries.
    pub fn neighbour_mac(&self, ns: &str, addr: IpAddr) -> Result<Option<[u8; 6]>, LabError> {
        let a = addr.to_string();
        let out = self.ip(ns, &["-j", "neigh", "show", "to", &a])?;
        let v = parse_json(&out, "ip -j neigh")?;
        for e in v.as_array().into_iter().flatten() {
            if e["dst"].as_str() != Some(a.as_str()) {
                continue;
            }
            let bad = e["state"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|s| matches!(s.as_str(), Some("FAILED") | Some("INCOMPLETE")));
            if bad {
                continue;
            }
            if let Some(m) = e["lladdr"].as_str().and_then(addr::parse_mac) {
                return Ok(Some(m));
            }
        }
        Ok(None)
    }

    /// Deletes `ns`'s neighbour entry for `addr` on `ifname` (ignores "no
    /// such entry").
    pub fn flush_neighbour(&self, ns: &str, ifname: &str, addr: IpAddr) -> Result<(), LabError> {
        let a = addr.to_string();
        match self.ip(ns, &["neigh", "del", &a, "dev", ifname]) {
            Ok(_) => Ok(()),
            Err(LabError::Command { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Runs `f` on a thread inside namespace `ns` (sockets it opens stay
    /// there). Panics in `f` propagate.
    pub fn in_ns<T: Send>(&self, ns: &str, f: impl FnOnce() -> T + Send) -> Result<T, LabError> {
        self.check_ns(ns)?;
        nsthread::in_netns(ns, f)
    }

    /// One ICMP (or ICMPv6) echo from `ns` to `addr`; true if the reply
    /// came within `timeout`. Needs no `ping` binary.
    pub fn ping(&self, ns: &str, addr: IpAddr, timeout: Duration) -> Result<bool, LabError> {
        self.in_ns(ns, move || nsthread::icmp_echo(addr, 0, timeout))?
            .map_err(|e| LabError::io(format!("ping {addr} from {ns}"), e))
    }

    /// Like [`Lab::ping`] out of interface `ifname` (needed for link-local
    /// IPv6 destinations).
    pub fn ping_dev(
        &self,
        ns: &str,
        ifname: &str,
        addr: IpAddr,
        timeout: Duration,
    ) -> Result<bool, LabError> {
        let name = std::ffi::CString::new(ifname)
            .map_err(|_| LabError::Spec(format!("bad interface name {ifname:?}")))?;
        self.in_ns(ns, move || {
            // SAFETY: valid NUL-terminated string.
            let idx = unsafe { libc::if_nametoindex(name.as_ptr()) };
            if idx == 0 {
                return Err(std::io::Error::last_os_error());
            }
            nsthread::icmp_echo(addr, idx, timeout)
        })?
        .map_err(|e| LabError::io(format!("ping {addr} from {ns} dev {ifname}"), e))
    }

    /// Starts `tcpdump -i IF -U --immediate-mode -w FILE -s 256 -n -Z root
    /// FILTER` in `ns` and waits (at most 5 s) until it says "listening
    /// on". `filter` may be empty. (Without `--immediate-mode` tcpdump
    /// holds packets in its ring for up to a second and a SIGINT loses
    /// them.)
    pub fn capture(&self, ns: &str, ifname: &str, filter: &str) -> Result<Capture, LabError> {
        self.check_ns(ns)?;
        let n = CAPTURE_COUNTER.fetch_add(1, Ordering::Relaxed);
        let role = ns.strip_prefix(&self.prefix).unwrap_or(ns);
        let file = self.dir.join(format!("cap{n}-{role}-{ifname}.pcap"));
        let log = self.dir.join(format!("cap{n}-{role}-{ifname}.log"));
        let file_s = file.to_string_lossy().into_owned();
        let mut argv = vec![
            "tcpdump",
            "-i",
            ifname,
            "-U",
            "--immediate-mode",
            "-w",
            &file_s,
            "-s",
            "256",
            "-n",
            "-Z",
            "root",
        ];
        if !filter.trim().is_empty() {
            argv.push(filter);
        }
        let mut p = self.spawn(
            ns,
            &argv,
            SpawnOpts {
                stdout: Sink::Null,
                stderr: Sink::File(log.clone()),
                ..Default::default()
            },
        )?;
        let what = format!("tcpdump on {ns}/{ifname} to listen");
        let mut exited = false;
        let r = crate::wait_for(&what, Duration::from_secs(5), || {
            if !p.is_running() {
                exited = true;
                return true;
            }
            std::fs::read_to_string(&log)
                .map(|s| s.contains("listening on"))
                .unwrap_or(false)
        });
        let msg = || std::fs::read_to_string(&log).unwrap_or_default();
        if exited || r.is_err() {
            p.kill9();
            return Err(LabError::Command {
                cmd: cmd::render(&argv),
                status: if exited {
                    "exited"
                } else {
                    "not listening after 5 s"
                }
                .into(),
                stderr: msg().trim().to_string(),
            });
        }
        // "listening on" is printed just before the capture is live; under
        // load the first frames can still be missed without a short pause
        std::thread::sleep(Duration::from_millis(150));
        Ok(Capture {
            proc: Some(p),
            file,
            log,
        })
    }

    /// Brings `ifname` in `ns` up or down.
    pub fn set_link(&self, ns: &str, ifname: &str, up: bool) -> Result<(), LabError> {
        self.ip(
            ns,
            &["link", "set", "dev", ifname, if up { "up" } else { "down" }],
        )
        .map(|_| ())
    }

    /// Silently cuts router `i` off segment `seg`: its bridge port stops
    /// forwarding in both directions while both veth ends stay up, so the
    /// router sees no carrier change. Undo with [`Lab::heal`].
    ///
    /// The port is put in STP state `listening` (1): with STP off the
    /// kernel immediately turns `disabled` and `blocking` back into
    /// `forwarding`, but leaves `listening` alone, and a listening port
    /// neither delivers nor accepts data frames.
    pub fn partition(&self, i: usize, seg: usize) -> Result<(), LabError> {
        self.set_port_state(&self.router_port(i, seg), 1)
    }

    /// Undoes [`Lab::partition`] (bridge port state `forwarding`).
    pub fn heal(&self, i: usize, seg: usize) -> Result<(), LabError> {
        self.set_port_state(&self.router_port(i, seg), 3)
    }

    fn set_port_state(&self, port: &str, state: u8) -> Result<(), LabError> {
        let s = state.to_string();
        self.ip(
            &self.bridge_ns,
            &[
                "link",
                "set",
                "dev",
                port,
                "type",
                "bridge_slave",
                "state",
                &s,
            ],
        )
        .map(|_| ())
    }

    /// Hands the lab a PID it did not spawn itself (e.g. the master of a
    /// daemon started with [`Lab::exec`] that forked away). On drop the lab
    /// stops it (SIGTERM, then SIGKILL), but only if that process still
    /// lives in one of the lab's namespaces. (Every process left in a lab
    /// namespace is stopped on drop anyway; this makes it explicit and
    /// stops it first.)
    pub fn adopt_pid(&self, pid: i32) {
        self.adopted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(pid);
    }

    /// True if process `pid` lives in one of this lab's namespaces.
    pub fn pid_in_lab(&self, pid: i32) -> bool {
        use std::os::unix::fs::MetadataExt;
        let Ok(p) = std::fs::metadata(format!("/proc/{pid}/ns/net")) else {
            return false;
        };
        self.created.iter().any(|ns| {
            std::fs::metadata(Path::new("/run/netns").join(ns))
                .is_ok_and(|m| m.dev() == p.dev() && m.ino() == p.ino())
        })
    }

    /// PIDs of the processes this lab spawned that are still running.
    pub fn running_pids(&self) -> Vec<i32> {
        let procs = self.procs.lock().unwrap_or_else(|e| e.into_inner());
        procs
            .iter()
            .filter_map(|p| {
                let mut g = p.lock().unwrap_or_else(|e| e.into_inner());
                g.is_running().then(|| g.pid())
            })
            .collect()
    }

    /// Tears down explicitly (same as dropping).
    pub fn teardown(self) {}
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Never panic here: this also runs while unwinding.
        let procs: Vec<Shared> = {
            let mut g = self.procs.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *g)
        };
        proc::terminate_all(&procs, Duration::from_secs(1));
        let adopted: Vec<i32> = {
            let mut g = self.adopted.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::take(&mut *g)
        };
        let adopted: Vec<i32> = adopted
            .into_iter()
            .filter(|&p| p > 1 && !pid_gone(p) && self.pid_in_lab(p))
            .collect();
        stop_pids(&adopted);
        for ns in self.created.iter().rev() {
            delete_ns(ns);
        }
        if std::env::var_os("NETLAB_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            eprintln!("netlab: NETLAB_KEEP set, keeping {}", self.dir.display());
        }
    }
}

/// A running `tcpdump`, from [`Lab::capture`].
#[derive(Debug)]
pub struct Capture {
    proc: Option<Proc>,
    file: PathBuf,
    log: PathBuf,
}

impl Capture {
    /// The pcap file being written (in the lab's directory).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Stops tcpdump (SIGINT, up to 3 s, then SIGKILL) and returns the
    /// captured frames. Call it before the lab is dropped (the file lives
    /// in the lab's directory).
    pub fn stop(self) -> Result<Vec<Packet>, LabError> {
        Ok(self.stop_file()?.packets)
    }

    /// Like [`Capture::stop`], returning the whole parsed file.
    pub fn stop_file(mut self) -> Result<PcapFile, LabError> {
        if let Some(mut p) = self.proc.take() {
            // tcpdump leaves at SIGINT without draining its socket, so a
            // frame sent just before `stop` could be lost; with -U it writes
            // each frame as it reads it, so wait until the file has stopped
            // growing (50 ms quiet, at most 1 s)
            let mut last = None;
            for _ in 0..20 {
                let len = std::fs::metadata(&self.file).map(|m| m.len()).ok();
                if len.is_some() && len == last {
                    break;
                }
                last = len;
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = p.signal(libc::SIGINT);
            if p.wait_timeout(Duration::from_secs(3)).is_none() {
                p.kill9();
            }
        }
        let bytes = std::fs::read(&self.file).map_err(|e| {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            LabError::io(
                format!(
                    "reading {} (tcpdump said: {})",
                    self.file.display(),
                    log.trim()
                ),
                e,
            )
        })?;
        let f = pcap::parse(&bytes)?;
        if f.linktype != pcap::LINKTYPE_ETHERNET {
            return Err(LabError::Parse(format!(
                "pcap linktype {} is not Ethernet",
                f.linktype
            )));
        }
        Ok(f)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(p) = self.proc.take() {
            // The lab reaps it; just ask it to stop.
            let _ = p.signal(libc::SIGTERM);
        }
    }
}

/// The process ids of the kernel's threaded-NAPI threads (`napi/<dev>-<id>`).
fn napi_threads() -> std::collections::BTreeSet<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Default::default();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.starts_with("napi/"))
        })
        .collect()
}

/// Move `pid` to SCHED_BATCH: it runs at its usual share, but waking it
/// does not preempt the task running on that core.
fn no_wakeup_preemption(pid: i32) -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: plain syscall with a valid sched_param.
    if unsafe { libc::sched_setscheduler(pid, libc::SCHED_BATCH, &param) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_pid_parses() {
        assert_eq!(family_pid("kvt123x0-br", "kvt"), Some(123));
        assert_eq!(family_pid("kvt123x", "kvt"), Some(123));
        assert_eq!(family_pid("kvt123-br", "kvt"), None);
        assert_eq!(family_pid("kvtx123x0", "kvt"), None);
        assert_eq!(family_pid("kvq123x0", "kvt"), None);
        assert_eq!(family_pid("kvt", "kvt"), None);
    }

    #[test]
    fn spec_validation() {
        assert!(LabSpec::new("kvt", 2, 1, true).validate().is_ok());
        assert!(LabSpec::new("", 2, 1, true).validate().is_err());
        assert!(LabSpec::new("KVT", 2, 1, true).validate().is_err());
        assert!(LabSpec::new("kv1", 2, 1, true).validate().is_err());
        assert!(LabSpec::new("kvt", 2, 0, true).validate().is_err());
        assert!(LabSpec::new("kvt", 2, 5, true).validate().is_err());
        assert!(LabSpec::new("kvt", 51, 1, true).validate().is_err());
    }
}
