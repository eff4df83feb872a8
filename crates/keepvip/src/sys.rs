//! Process-level plumbing: capabilities, pidfiles, forking, sd_notify.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

/// CAP_NET_ADMIN bit number (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
/// CAP_NET_RAW bit number.
const CAP_NET_RAW: u32 = 13;

/// A capability the daemon needs and lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapError {
    /// raw sockets for VRRP and gratuitous ARP
    #[error("missing CAP_NET_RAW: keepvip needs it to open raw VRRP (IP protocol 112) and ARP sockets; run as root or grant it (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)")]
    NetRaw,
    /// address and route changes
    #[error("missing CAP_NET_ADMIN: keepvip needs it to add and remove virtual IP addresses and routes; run as root or grant it (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)")]
    NetAdmin,
}

/// Effective capability mask of this process, from /proc/self/status.
fn effective_caps() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("CapEff:"))?;
    u64::from_str_radix(line.trim_start_matches("CapEff:").trim(), 16).ok()
}

/// Check that we may open raw sockets and change addresses.
pub fn check_capabilities() -> Result<(), CapError> {
    // If /proc is unreadable, let the socket calls report the real error.
    let Some(caps) = effective_caps() else {
        return Ok(());
    };
    if caps & (1 << CAP_NET_RAW) == 0 {
        return Err(CapError::NetRaw);
    }
    if caps & (1 << CAP_NET_ADMIN) == 0 {
        return Err(CapError::NetAdmin);
    }
    Ok(())
}

/// A pidfile removed when dropped.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
}

impl PidFile {
    /// Write our pid. An existing file whose process is gone is replaced
    /// (keepalived: "Remove a zombie pid file"); a live one is an error.
    pub fn create(path: &Path) -> io::Result<PidFile> {
        if let Ok(old) = std::fs::read_to_string(path) {
            if let Ok(pid) = old.trim().parse::<i32>() {
                // SAFETY: kill with signal 0 only checks existence.
                let alive = pid > 0 && unsafe { libc::kill(pid, 0) } == 0;
                if alive && pid != std::process::id() as i32 {
                    return Err(io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        format!(
                            "daemon is already running (pid {pid} in {})",
                            path.display()
                        ),
                    ));
                }
                tracing::info!("Remove a zombie pid file {}", path.display());
            }
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, format!("{}\n", std::process::id()))?;
        Ok(PidFile {
            path: path.to_path_buf(),
        })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Fork into the background as keepalived does without `-n`: the parent
/// exits 0, the child continues in a new session with stdio on /dev/null.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called before any thread or runtime is started.
    match unsafe { libc::fork() } {
        -1 => return Err(io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: plain syscalls on our own process.
    unsafe {
        libc::setsid();
        let devnull = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if devnull >= 0 {
            libc::dup2(devnull, 0);
            libc::dup2(devnull, 1);
            libc::dup2(devnull, 2);
            if devnull > 2 {
                libc::close(devnull);
            }
        }
    }
    let _ = std::env::set_current_dir("/");
    Ok(())
}

/// Tell systemd (Type=notify) something, e.g. "READY=1" or "RELOADING=1".
/// A no-op when not started by systemd.
pub fn sd_notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return;
    };
    let Ok(sock) = UnixDatagram::unbound() else {
        return;
    };
    let bytes = path.as_encoded_bytes();
    if let Some(abstract_name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        if let Ok(addr) = std::os::unix::net::SocketAddr::from_abstract_name(abstract_name) {
            let _ = sock.send_to_addr(state.as_bytes(), &addr);
        }
    } else {
        let _ = sock.send_to(state.as_bytes(), Path::new(&path));
    }
}

/// Apply keepalived's scheduling knobs to the daemon (the calling thread,
/// which runs the event loop; threads it starts later inherit them). What
/// fails is returned as warnings and changes nothing else. Scripts and
/// notifies started later run at the normal policy: realtime is set with
/// SCHED_RESET_ON_FORK, as keepalived does.
pub fn apply_scheduling(s: &keepvip_conf::lower::Scheduling) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut check = |what: String, rc: libc::c_int| {
        if rc != 0 {
            warnings.push(format!("{what}: {}", io::Error::last_os_error()));
        }
    };
    if !s.cpu_affinity.is_empty() {
        // SAFETY: plain data; CPU_SET stays inside the set for cpu < 1024.
        let rc = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            for &cpu in &s.cpu_affinity {
                libc::CPU_SET(cpu, &mut set);
            }
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        check(format!("vrrp_cpu_affinity {:?}", s.cpu_affinity), rc);
    }
    if let Some(nice) = s.nice {
        // SAFETY: plain syscall on this thread.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
        check(format!("vrrp_priority {nice}"), rc);
    }
    if let Some(prio) = s.rt_priority {
        if let Some(us) = s.rlimit_rttime {
            // half as the soft limit, as keepalived: SIGXCPU (logged as
            // a warning) comes before the kernel's SIGKILL at the limit
            let lim = libc::rlimit {
                rlim_cur: us / 2,
                rlim_max: us,
            };
            // SAFETY: valid rlimit.
            let rc = unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &lim) };
            check(format!("vrrp_rlimit_rttime {us}"), rc);
        }
        let param = libc::sched_param {
            sched_priority: prio,
        };
        // SAFETY: valid sched_param; this thread only.
        let rc = unsafe {
            libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param)
        };
        check(format!("vrrp_rt_priority {prio}"), rc);
    }
    if s.no_swap {
        // SAFETY: plain syscall.
        let rc = unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) };
        check("vrrp_no_swap".to_string(), rc);
    }
    warnings
}

/// The realtime priority this thread runs at (None: not realtime).
pub fn current_rt_priority() -> Option<i32> {
    // SAFETY: plain syscalls on this thread with a valid out-pointer.
    unsafe {
        let policy = libc::sched_getscheduler(0);
        if policy < 0 || policy & !libc::SCHED_RESET_ON_FORK != libc::SCHED_RR {
            return None;
        }
        let mut p = libc::sched_param { sched_priority: 0 };
        (libc::sched_getparam(0, &mut p) == 0).then_some(p.sched_priority)
    }
}

/// max_auto_priority: the daemon ran late, so run at a higher priority:
/// SCHED_RR at priority 1 if not realtime yet (with RLIMIT_RTTIME
/// `rlimit_rttime` µs), else one step higher, never above `max`. Returns
/// the new realtime priority, or None when it is already at `max`.
pub fn raise_rt_priority(
    current: Option<i32>,
    max: i32,
    rlimit_rttime: Option<u64>,
) -> io::Result<Option<i32>> {
    let next = match current {
        Some(p) if p >= max => return Ok(None),
        Some(p) => p + 1,
        None => {
            if let Some(us) = rlimit_rttime {
                // half as the soft limit: SIGXCPU (a warning) before SIGKILL
                let lim = libc::rlimit {
                    rlim_cur: us / 2,
                    rlim_max: us,
                };
                // SAFETY: valid rlimit.
                if unsafe { libc::setrlimit(libc::RLIMIT_RTTIME, &lim) } != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            1
        }
    };
    let param = libc::sched_param {
        sched_priority: next,
    };
    // SAFETY: valid sched_param; this thread only (the daemon's one thread).
    let rc =
        unsafe { libc::sched_setscheduler(0, libc::SCHED_RR | libc::SCHED_RESET_ON_FORK, &param) };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Some(next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pidfile_written_and_removed() {
        let dir = std::env::temp_dir().join(format!("kv-pid-{}", std::process::id()));
        let p = dir.join("x.pid");
        {
            let _f = PidFile::create(&p).unwrap();
            let s = std::fs::read_to_string(&p).unwrap();
            assert_eq!(s.trim(), std::process::id().to_string());
        }
        assert!(!p.exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stale_pidfile_replaced() {
        let dir = std::env::temp_dir().join(format!("kv-pid2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.pid");
        // pid 0x7ffffff0 does not exist
        std::fs::write(&p, "2147483632\n").unwrap();
        let f = PidFile::create(&p).unwrap();
        drop(f);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_live_pid_refuses_the_start_with_keepalived_s_words() {
        let dir = std::env::temp_dir().join(format!("kv-pid3-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.pid");
        // the test runner's parent is alive, and not this process
        let parent = std::os::unix::process::parent_id();
        std::fs::write(&p, format!("{parent}\n")).unwrap();
        let e = PidFile::create(&p).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(
            e.to_string(),
            format!(
                "daemon is already running (pid {parent} in {})",
                p.display()
            )
        );
        // and the file is left as it was
        assert_eq!(std::fs::read_to_string(&p).unwrap(), format!("{parent}\n"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
