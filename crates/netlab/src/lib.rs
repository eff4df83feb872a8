//! netlab: a LAN of Linux network namespaces for keepvip's integration
//! tests, benchmarks and demo.
//!
//! One bridge namespace holds the L2 segment (`br0`, multicast snooping off
//! so VRRP floods); N routers and an optional client each have `eth0` on it.
//! Every name starts with a per-run prefix (`<family><pid>x<n>-`), so runs in
//! parallel never collide; `Drop` kills what the lab started (by PID) and
//! deletes its namespaces, also while a test panics. Leftovers of earlier
//! crashed runs of the same family (their pid is gone) are removed first.
//!
//! Addresses (documentation ranges only): router i has 192.0.2.(11+i)/24 and
//! 2001:db8::(11+i)/64 (the number in hex: ::b, ::c, ...) with MAC 02:00:5e:10:00:(11+i); the client has
//! 192.0.2.100 and 2001:db8::100. Nothing touches the root namespace.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What went wrong while building or using the lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// a command could not run or failed
    #[error("{cmd}: {msg}")]
    Command {
        /// the command line
        cmd: String,
        /// stderr or the OS error
        msg: String,
    },
    /// a wait ran out of time
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
}

/// The lab's shape.
#[derive(Debug, Clone)]
pub struct LabSpec {
    /// name family, e.g. "kvt" (namespaces are `kvt<pid>x<n>-r1` ...)
    pub family: String,
    /// number of routers
    pub routers: usize,
    /// add a client namespace
    pub client: bool,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// True when running as root (the lab needs it).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A process started in a namespace; stopped by PID.
#[derive(Debug)]
pub struct Proc {
    child: Child,
}

impl Proc {
    /// Its PID.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Send a signal.
    pub fn signal(&self, sig: i32) -> io::Result<()> {
        // SAFETY: kill(2) on our own child.
        if unsafe { libc::kill(self.pid(), sig) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// kill -9 and reap.
    pub fn kill9(&mut self) {
        let _ = self.signal(libc::SIGKILL);
        let _ = self.child.wait();
    }

    /// Wait up to `d` for it to exit.
    pub fn wait_timeout(&mut self, d: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + d;
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return Some(st);
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Still running?
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM, wait up to 2 s, then SIGKILL.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if !self.is_running() {
            return self.child.try_wait().ok().flatten();
        }
        let _ = self.signal(libc::SIGTERM);
        if let Some(st) = self.wait_timeout(Duration::from_secs(2)) {
            return Some(st);
        }
        self.kill9();
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.is_running() {
            self.kill9();
        }
    }
}

/// The lab. Dropping it tears everything down.
#[derive(Debug)]
pub struct Lab {
    prefix: String,
    routers: Vec<String>,
    client: Option<String>,
    bridge: String,
    namespaces: Vec<String>,
    /// PIDs of helper processes started with `spawn_detached`
    detached: Mutex<Vec<i32>>,
}

fn run(cmd: &mut Command) -> Result<Output, LabError> {
    let text = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| LabError::Command {
        cmd: text.clone(),
        msg: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(LabError::Command {
            cmd: text,
            msg: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(out)
}

fn ip(args: &[&str]) -> Result<Output, LabError> {
    run(Command::new("ip").args(args))
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Delete namespaces of `family` left by runs whose process is gone.
pub fn remove_leftovers(family: &str) {
    let Ok(out) = ip(&["netns", "list"]) else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix(family) else {
            continue;
        };
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let Ok(pid) = digits.parse::<u32>() else {
            continue;
        };
        if !rest[digits.len()..].starts_with('x') {
            continue;
        }
        if !pid_alive(pid) {
            let _ = ip(&["netns", "del", name]);
        }
    }
}

impl Lab {
    /// Build the lab.
    pub fn new(spec: &LabSpec) -> Result<Lab, LabError> {
        remove_leftovers(&spec.family);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let prefix = format!("{}{}x{}-", spec.family, std::process::id(), n);
        let mut lab = Lab {
            bridge: format!("{prefix}br"),
            routers: (0..spec.routers)
                .map(|i| format!("{prefix}r{}", i + 1))
                .collect(),
            client: spec.client.then(|| format!("{prefix}c")),
            prefix,
            namespaces: Vec::new(),
            detached: Mutex::new(Vec::new()),
        };
        lab.build()?;
        Ok(lab)
    }

    fn add_ns(&mut self, name: &str) -> Result<(), LabError> {
        ip(&["netns", "add", name])?;
        self.namespaces.push(name.to_string());
        ip(&["-n", name, "link", "set", "lo", "up"])?;
        // IPv6 addresses usable at once (no DAD) inside the lab only
        for k in [
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ] {
            let _ = run(Command::new("ip").args(["netns", "exec", name, "sysctl", "-qw", k]));
        }
        Ok(())
    }

    fn build(&mut self) -> Result<(), LabError> {
        let br = self.bridge.clone();
        self.add_ns(&br)?;
        ip(&[
            "-n",
            &br,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "forward_delay",
            "0",
            "mcast_snooping",
            "0",
        ])?;
        ip(&["-n", &br, "link", "set", "br0", "up"])?;
        let mut hosts: Vec<(String, u8)> = self
            .routers
            .iter()
            .enumerate()
            .map(|(i, r)| (r.clone(), 11 + i as u8))
            .collect();
        if let Some(c) = &self.client {
            hosts.push((c.clone(), 100));
        }
        for (k, (ns, host)) in hosts.iter().enumerate() {
            self.add_ns(ns)?;
            let port = format!("p{k}");
            ip(&[
                "-n", &br, "link", "add", &port, "type", "veth", "peer", "name", "eth0", "netns",
                ns,
            ])?;
            ip(&["-n", &br, "link", "set", &port, "master", "br0", "up"])?;
            let mac = format!("02:00:5e:10:00:{host:02x}");
            ip(&["-n", ns, "link", "set", "eth0", "address", &mac])?;
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("192.0.2.{host}/24"),
                "dev",
                "eth0",
            ])?;
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &format!("2001:db8::{host:x}/64"),
                "dev",
                "eth0",
                "nodad",
            ])?;
            ip(&["-n", ns, "link", "set", "eth0", "up"])?;
        }
        // wait for the link-local addresses (IPv6 adverts come from them)
        for (ns, _) in &hosts {
            let ns = ns.clone();
            self.wait_for("link-local address", Duration::from_secs(5), || {
                ip(&[
                    "-n", &ns, "-6", "addr", "show", "dev", "eth0", "scope", "link",
                ])
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("fe80"))
                .unwrap_or(false)
            })?;
        }
        Ok(())
    }

    /// The name prefix of this lab.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Namespace of router `i` (0-based).
    pub fn router_ns(&self, i: usize) -> &str {
        &self.routers[i]
    }

    /// Namespace of the client.
    pub fn client_ns(&self) -> Option<&str> {
        self.client.as_deref()
    }

    /// Namespace of the bridge.
    pub fn bridge_ns(&self) -> &str {
        &self.bridge
    }

    /// IPv4 address of router `i`.
    pub fn router_v4(&self, i: usize) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, 11 + i as u8)
    }

    /// IPv6 global address of router `i`.
    pub fn router_v6(&self, i: usize) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 11 + i as u16)
    }

    /// MAC of router `i`.
    pub fn router_mac(&self, i: usize) -> [u8; 6] {
        [0x02, 0x00, 0x5e, 0x10, 0x00, 11 + i as u8]
    }

    /// Run a command in a namespace and wait for it.
    pub fn exec(&self, ns: &str, argv: &[&str]) -> Result<Output, LabError> {
        run(Command::new("ip").args(["netns", "exec", ns]).args(argv))
    }

    /// Start a process in a namespace, stdout and stderr to `log` (or null).
    pub fn spawn(&self, ns: &str, argv: &[&str], log: Option<&Path>) -> Result<Proc, LabError> {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", ns])
            .args(argv)
            .stdin(Stdio::null());
        match log {
            Some(p) => {
                let f = std::fs::File::create(p).map_err(|e| LabError::Command {
                    cmd: p.display().to_string(),
                    msg: e.to_string(),
                })?;
                let f2 = f.try_clone().map_err(|e| LabError::Command {
                    cmd: p.display().to_string(),
                    msg: e.to_string(),
                })?;
                c.stdout(f).stderr(f2);
            }
            None => {
                c.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        let child = c.spawn().map_err(|e| LabError::Command {
            cmd: format!("{argv:?}"),
            msg: e.to_string(),
        })?;
        Ok(Proc { child })
    }

    /// Remember a PID the lab must kill on drop (e.g. nginx's master).
    pub fn adopt_pid(&self, pid: i32) {
        if let Ok(mut v) = self.detached.lock() {
            v.push(pid);
        }
    }

    /// Addresses on `ifname` in `ns`.
    pub fn addresses(&self, ns: &str, ifname: &str) -> Result<Vec<IpAddr>, LabError> {
        let out = ip(&["-n", ns, "-o", "addr", "show", "dev", ifname])?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                w.find(|x| *x == "inet" || *x == "inet6")?;
                w.next()?.split('/').next()?.parse().ok()
            })
            .collect())
    }

    /// True if `addr` is on `ns`'s `ifname`.
    pub fn has_addr(&self, ns: &str, ifname: &str, addr: IpAddr) -> bool {
        self.addresses(ns, ifname).is_ok_and(|a| a.contains(&addr))
    }

    /// Poll `f` every 5 ms until it is true or `timeout` passes.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        mut f: impl FnMut() -> bool,
    ) -> Result<Duration, LabError> {
        let start = Instant::now();
        loop {
            if f() {
                return Ok(start.elapsed());
            }
            if start.elapsed() >= timeout {
                return Err(LabError::Timeout(timeout, what.to_string()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The MAC `ns` has in its neighbour table for `addr`.
    pub fn neighbour_mac(&self, ns: &str, addr: IpAddr) -> Result<Option<[u8; 6]>, LabError> {
        let a = addr.to_string();
        let out = ip(&["-n", ns, "neigh", "show", &a])?;
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(pos) = text.find("lladdr ") else {
            return Ok(None);
        };
        let mac: Vec<u8> = text[pos + 7..]
            .split_whitespace()
            .next()
            .unwrap_or("")
            .split(':')
            .filter_map(|h| u8::from_str_radix(h, 16).ok())
            .collect();
        Ok(mac.try_into().ok())
    }

    /// Bring a router's port on the bridge down or up (a partition the
    /// router's own link state does not show).
    pub fn set_port(&self, router: usize, up: bool) -> Result<(), LabError> {
        ip(&[
            "-n",
            &self.bridge,
            "link",
            "set",
            &format!("p{router}"),
            if up { "up" } else { "down" },
        ])?;
        Ok(())
    }

    /// Set a namespace's interface up or down.
    pub fn set_link(&self, ns: &str, ifname: &str, up: bool) -> Result<(), LabError> {
        ip(&[
            "-n",
            ns,
            "link",
            "set",
            ifname,
            if up { "up" } else { "down" },
        ])?;
        Ok(())
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Ok(pids) = self.detached.lock() {
            for pid in pids.iter() {
                // SAFETY: kill(2) on processes this lab started.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
        }
        for ns in self.namespaces.iter().rev() {
            let _ = ip(&["netns", "del", ns]);
        }
    }
}
