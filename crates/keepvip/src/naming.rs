//! Where the daemon runs and what its files are called: keepalived's
//! `net_namespace` (or `-s NAME`), `instance`, `use_pid_dir` and
//! `data_use_instance`. They let several daemons run side by side on one
//! host, one per network namespace, each with its own pid files, syslog
//! ident, control socket and dump files.

use std::fs::File;
use std::path::{Path, PathBuf};

use keepvip_conf::lower::ProcessNaming;

/// Where `ip netns add` puts named namespaces (keepalived's netns_dir).
const NETNS_DIR: &str = "/run/netns";
/// keepalived's KEEPALIVED_PID_DIR.
const PID_DIR: &str = "/run/keepalived";

/// The names in force for this run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Naming {
    /// the network namespace entered at start
    pub namespace: Option<String>,
    /// `-s` named it: the configuration's `net_namespace` does not count
    pub namespace_from_cli: bool,
    /// `instance NAME`
    pub instance: Option<String>,
    /// pid files in /run/keepalived
    pub use_pid_dir: bool,
    /// dump files carry the names
    pub data_use_instance: bool,
}

impl Naming {
    /// The names from the configuration, `-s NAME` overriding its
    /// `net_namespace`; the second value is keepalived's log line for an
    /// override.
    pub fn new(conf: &ProcessNaming, cli_namespace: Option<&str>) -> (Naming, Option<String>) {
        let notice = match (cli_namespace, &conf.net_namespace) {
            (Some(cli), Some(c)) => Some(format!(
                "Overriding config net_namespace '{c}' with command line namespace '{cli}'"
            )),
            _ => None,
        };
        let namespace = cli_namespace
            .map(str::to_string)
            .or_else(|| conf.net_namespace.clone());
        let naming = Naming {
            use_pid_dir: conf.use_pid_dir || namespace.is_some(),
            namespace,
            namespace_from_cli: cli_namespace.is_some(),
            instance: conf.instance.clone(),
            data_use_instance: conf.data_use_instance,
        };
        (naming, notice)
    }

    /// The namespace and the instance name, those that are set.
    fn names(&self) -> impl Iterator<Item = &str> {
        [&self.namespace, &self.instance]
            .into_iter()
            .flatten()
            .map(String::as_str)
    }

    /// `_NS_INSTANCE`, for whichever of the two is set.
    fn suffix(&self) -> String {
        self.names().map(|n| format!("_{n}")).collect()
    }

    /// The pid files: `-p` and `-r` as given; else keepalived's defaults,
    /// `/run/keepalived.pid` and `/run/vrrp.pid`, or with a pid directory
    /// `/run/keepalived[/NS]/keepalived[_INSTANCE].pid` and `vrrp[…].pid`.
    /// (keepalived bind-mounts /run/keepalived/NS over /run/keepalived in a
    /// private mount namespace; keepvip writes to the path everyone else
    /// sees, which is the same file.)
    pub fn pidfiles(&self, main: Option<&Path>, vrrp: Option<&Path>) -> Vec<PathBuf> {
        if main.is_some() || vrrp.is_some() {
            return [main, vrrp]
                .into_iter()
                .flatten()
                .map(Path::to_path_buf)
                .collect();
        }
        if !self.use_pid_dir {
            return vec![
                PathBuf::from("/run/keepalived.pid"),
                PathBuf::from("/run/vrrp.pid"),
            ];
        }
        let mut dir = PathBuf::from(PID_DIR);
        if let Some(ns) = &self.namespace {
            dir.push(ns);
        }
        let inst = self
            .instance
            .as_ref()
            .map(|i| format!("_{i}"))
            .unwrap_or_default();
        vec![
            dir.join(format!("keepalived{inst}.pid")),
            dir.join(format!("vrrp{inst}.pid")),
        ]
    }

    /// keepalived's syslog ident: the name, then `_NS`, then `_INSTANCE`.
    pub fn syslog_ident(&self, base: &str) -> String {
        format!("{base}{}", self.suffix())
    }

    /// The control socket when `--control-socket` is not given:
    /// `/run/keepvip/keepvip[_NS][_INSTANCE].sock`, so that `keepvip status
    /// -s NS` finds the daemon of that namespace.
    pub fn control_socket(&self) -> PathBuf {
        let default = Path::new(crate::control::DEFAULT_SOCKET);
        let dir = default.parent().unwrap_or(Path::new("/run"));
        dir.join(format!("keepvip{}.sock", self.suffix()))
    }

    /// The name of a dump file (`keepalived.data`): with
    /// `data_use_instance` and a namespace or instance,
    /// `keepalived.NS_INSTANCE.data`, as keepalived.
    pub fn dump_file(&self, name: &str) -> String {
        let names: Vec<&str> = self.names().collect();
        if !self.data_use_instance || names.is_empty() {
            return name.to_string();
        }
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        format!("{stem}.{}.{ext}", names.join("_"))
    }

    /// keepalived's lines for a reload that names another namespace or
    /// instance: neither can change without a restart, so both stay.
    pub fn unchangeable(&self, new: &ProcessNaming) -> Vec<&'static str> {
        let mut lines = Vec::new();
        if !self.namespace_from_cli && new.net_namespace != self.namespace {
            lines.push("Cannot change network namespace at a reload - please restart keepvip");
        }
        if new.instance != self.instance {
            lines.push("Cannot change instance name at a reload - please restart keepvip");
        }
        lines
    }
}

/// Move this process into the named network namespace, as keepalived
/// does before it opens anything. Called before any thread starts, so the
/// event loop, its sockets and every script run there.
pub fn enter_namespace(name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(format!(
            "`{name}` is not a network namespace name (one of `ip netns list`)"
        ));
    }
    let path = Path::new(NETNS_DIR).join(name);
    let f = File::open(&path).map_err(|e| format!("Failed to open {} ({e})", path.display()))?;
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET)
        .map_err(|e| format!("setns() failed with error {}", e as i32))
}

/// Directories made for the pid files, removed again (if empty) when the
/// daemon stops, as keepalived removes /run/keepalived/NS.
#[derive(Debug, Default)]
pub struct MadeDirs(Vec<PathBuf>);

impl MadeDirs {
    /// Make the missing directories above `files` (rwxr-xr-x).
    pub fn for_files(files: &[PathBuf]) -> std::io::Result<MadeDirs> {
        use std::os::unix::fs::DirBuilderExt;
        let mut made = Vec::new();
        for f in files {
            let mut missing: Vec<&Path> = f
                .ancestors()
                .skip(1)
                .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
                .collect();
            missing.reverse();
            for d in missing {
                match std::fs::DirBuilder::new().mode(0o755).create(d) {
                    Ok(()) => made.push(d.to_path_buf()),
                    // another daemon starting beside us made it first: it is
                    // theirs to remove
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(MadeDirs(made))
    }
}

impl Drop for MadeDirs {
    fn drop(&mut self) {
        for d in self.0.iter().rev() {
            // not empty (another daemon's files): it stays
            let _ = std::fs::remove_dir(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(ns: Option<&str>, inst: Option<&str>, pid_dir: bool, data: bool) -> ProcessNaming {
        ProcessNaming {
            net_namespace: ns.map(str::to_string),
            instance: inst.map(str::to_string),
            use_pid_dir: pid_dir || ns.is_some() || inst.is_some(),
            data_use_instance: data,
        }
    }

    #[test]
    fn default_names_are_keepalived_s() {
        let (n, notice) = Naming::new(&ProcessNaming::default(), None);
        assert_eq!(notice, None);
        assert_eq!(
            n.pidfiles(None, None),
            vec![
                PathBuf::from("/run/keepalived.pid"),
                PathBuf::from("/run/vrrp.pid")
            ]
        );
        assert_eq!(n.syslog_ident("Keepalived_vrrp"), "Keepalived_vrrp");
        assert_eq!(
            n.control_socket(),
            PathBuf::from(crate::control::DEFAULT_SOCKET)
        );
        assert_eq!(n.dump_file("keepalived.data"), "keepalived.data");
    }

    #[test]
    fn namespace_and_instance_name_everything() {
        let (n, _) = Naming::new(&conf(Some("blue"), Some("web"), false, true), None);
        assert_eq!(
            n.pidfiles(None, None),
            vec![
                PathBuf::from("/run/keepalived/blue/keepalived_web.pid"),
                PathBuf::from("/run/keepalived/blue/vrrp_web.pid")
            ]
        );
        assert_eq!(n.syslog_ident("keepvip"), "keepvip_blue_web");
        assert_eq!(
            n.control_socket(),
            PathBuf::from("/run/keepvip/keepvip_blue_web.sock")
        );
        assert_eq!(n.dump_file("keepalived.data"), "keepalived.blue_web.data");
        assert_eq!(n.dump_file("keepalived.json"), "keepalived.blue_web.json");
        // -p still wins
        assert_eq!(
            n.pidfiles(Some(Path::new("/tmp/k.pid")), None),
            vec![PathBuf::from("/tmp/k.pid")]
        );
    }

    #[test]
    fn use_pid_dir_alone_and_data_use_instance_off() {
        let (n, _) = Naming::new(&conf(None, None, true, false), None);
        assert_eq!(
            n.pidfiles(None, None),
            vec![
                PathBuf::from("/run/keepalived/keepalived.pid"),
                PathBuf::from("/run/keepalived/vrrp.pid")
            ]
        );
        let (n, _) = Naming::new(&conf(None, Some("web"), false, false), None);
        assert_eq!(n.dump_file("keepalived.stats"), "keepalived.stats");
        assert_eq!(n.syslog_ident("keepvip"), "keepvip_web");
    }

    #[test]
    fn command_line_namespace_overrides_and_survives_reload() {
        let (n, notice) = Naming::new(&conf(Some("blue"), None, false, false), Some("red"));
        assert_eq!(n.namespace.as_deref(), Some("red"));
        assert_eq!(
            notice.as_deref(),
            Some("Overriding config net_namespace 'blue' with command line namespace 'red'")
        );
        assert!(n
            .unchangeable(&conf(Some("green"), None, false, false))
            .is_empty());
        let (n, notice) = Naming::new(&ProcessNaming::default(), Some("red"));
        assert_eq!(notice, None);
        assert!(n.use_pid_dir);
    }

    #[test]
    fn a_reload_cannot_move_namespace_or_rename() {
        let (n, _) = Naming::new(&conf(Some("blue"), Some("web"), false, false), None);
        assert!(n
            .unchangeable(&conf(Some("blue"), Some("web"), false, false))
            .is_empty());
        assert_eq!(
            n.unchangeable(&conf(None, Some("db"), false, false)),
            vec![
                "Cannot change network namespace at a reload - please restart keepvip",
                "Cannot change instance name at a reload - please restart keepvip"
            ]
        );
    }

    #[test]
    fn bad_namespace_names_are_refused_before_any_path() {
        for bad in ["", "a/b", "..", "."] {
            assert!(enter_namespace(bad).is_err(), "{bad}");
        }
        let e = enter_namespace("keepvip-no-such-namespace-x").unwrap_err();
        assert!(
            e.starts_with("Failed to open /run/netns/keepvip-no-such-namespace-x"),
            "{e}"
        );
    }

    #[test]
    fn made_dirs_go_away_when_empty() {
        let base = std::env::temp_dir().join(format!("keepvip-naming-{}", std::process::id()));
        let file = base.join("a/b/vrrp.pid");
        {
            let _made = MadeDirs::for_files(std::slice::from_ref(&file)).unwrap();
            assert!(base.join("a/b").is_dir());
        }
        assert!(!base.exists());
    }
}
