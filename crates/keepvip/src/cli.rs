//! Command line: keepalived's flags, plus keepvip's own subcommands.
//!
//! `keepvip [run] [keepalived flags]` runs the daemon, so an existing
//! `ExecStart=/usr/sbin/keepalived -n -l -D` line works with the binary name
//! swapped. `keepvip -t -f FILE` is keepalived's config test; `keepvip check`
//! is the friendlier spelling.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Default configuration file, as keepalived.
pub const DEFAULT_CONFIG: &str = "/etc/keepalived/keepalived.conf";

/// keepvip: VRRP high availability, a drop-in for keepalived's VRRP side.
#[derive(Debug, Parser)]
#[command(name = "keepvip", version, about, long_about = None, args_conflicts_with_subcommands = true, disable_version_flag = true)]
pub struct Cli {
    /// What to do (default: run the daemon).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// keepalived's flags for running the daemon.
    #[command(flatten)]
    pub run: RunArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the VRRP daemon (the default).
    Run(Box<RunArgs>),
    /// Check a configuration file and print diagnostics (exit 5 on errors).
    Check(CheckArgs),
    /// Show the state of a running daemon's instances.
    Status(StatusArgs),
    /// The two-node nginx failover demo in network namespaces.
    Lab(LabArgs),
    /// Listen to VRRP on the segment: who is master, takeovers, split
    /// brain, VRID conflicts (exit 3 if a split brain or conflict was seen).
    Watch(WatchArgs),
}

/// keepalived's command-line flags (those that matter to the VRRP side;
/// the others are accepted so existing unit files keep working).
#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Configuration file.
    #[arg(short = 'f', long = "use-file", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Only run the VRRP subsystem (accepted: it is all keepvip does).
    #[arg(short = 'P', long = "vrrp")]
    pub vrrp_only: bool,
    /// Only run health checkers (LVS): not supported, refused.
    #[arg(short = 'C', long = "check")]
    pub checkers_only: bool,
    /// Log to the console (stderr) too.
    #[arg(short = 'l', long = "log-console")]
    pub log_console: bool,
    /// Detailed log messages.
    #[arg(short = 'D', long = "log-detail")]
    pub log_detail: bool,
    /// Syslog facility local0..local7 (0-7).
    #[arg(short = 'S', long = "log-facility", value_name = "0-7")]
    pub log_facility: Option<u8>,
    /// Also log to a file.
    #[arg(short = 'g', long = "log-file", value_name = "FILE", num_args = 0..=1, default_missing_value = "/tmp/keepalived.log")]
    pub log_file: Option<PathBuf>,
    /// Don't log through syslog.
    #[arg(short = 'G', long = "no-syslog")]
    pub no_syslog: bool,
    /// The syslog identifier (default `keepvip`; `Keepalived_vrrp` keeps
    /// log filters written for keepalived working).
    #[arg(long = "syslog-ident", value_name = "NAME", default_value = "keepvip")]
    pub syslog_ident: String,
    /// Drop VIPs on a transition caused by a signal (keepalived's fix for
    /// a reload that lowers priority leaving duplicate VIPs). keepvip always
    /// removes the VIPs when an instance leaves MASTER, so this is the
    /// default behaviour; the flag is accepted for compatibility.
    #[arg(short = 'X', long = "release-vips")]
    pub release_vips: bool,
    /// Don't remove VRRP VIPs and routes on daemon stop.
    #[arg(short = 'V', long = "dont-release-vrrp")]
    pub dont_release_vrrp: bool,
    /// Don't fork: stay in the foreground (systemd, tests).
    #[arg(short = 'n', long = "dont-fork")]
    pub dont_fork: bool,
    /// Dump the configuration data (as JSON) at start.
    #[arg(short = 'd', long = "dump-conf")]
    pub dump_conf: bool,
    /// Main pidfile.
    #[arg(short = 'p', long = "pid", value_name = "FILE")]
    pub pidfile: Option<PathBuf>,
    /// VRRP child pidfile (keepvip has one process: it gets the same pid).
    #[arg(short = 'r', long = "vrrp_pid", value_name = "FILE")]
    pub vrrp_pidfile: Option<PathBuf>,
    /// Checkers pidfile (accepted, unused).
    #[arg(short = 'c', long = "checkers_pid", value_name = "FILE")]
    pub checkers_pidfile: Option<PathBuf>,
    /// Configuration id for `@ID` line conditionals (default: short hostname).
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Test the configuration and exit (keepalived's exit codes: 0 ok, 5
    /// errors); `--config-test=FILE` appends the report to FILE instead of
    /// stderr, as keepalived.
    #[arg(short = 't', long = "config-test", value_name = "LOG_FILE", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub config_test: Option<String>,
    /// Print the version and exit.
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// Print the number of the signal that asks the daemon for FUNC (STOP,
    /// RELOAD, DATA, STATS, STATS_CLEAR, JSON) and exit, as keepalived.
    #[arg(long = "signum", value_name = "FUNC")]
    pub signum: Option<String>,
    /// Run in network namespace NAME, one of `ip netns list` (as
    /// keepalived -s; overrides the configuration's `net_namespace`).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,
    /// Control socket path for `keepvip status`.
    #[arg(long = "control-socket", value_name = "PATH")]
    pub control_socket: Option<PathBuf>,
    /// File-creation mask, octal (as keepalived -u).
    #[arg(short = 'u', long = "umask", value_name = "MASK", value_parser = parse_umask)]
    pub umask: Option<u32>,
    /// Allow core dumps (RLIMIT_CORE unlimited, as keepalived -m).
    #[arg(short = 'm', long = "core-dump")]
    pub core_dump: bool,
    /// keepalived flags with nothing to do in keepvip, accepted so that
    /// existing unit files and /etc/default/keepalived keep working: -B
    /// (no BFD), --all, -e (all config), --flush-log-file, -I (IPVS), -R
    /// (keepvip has no child to respawn), -a (address monitoring), -L,
    /// --no-mem-check, --perf, --debug.
    #[command(flatten)]
    pub ignored: IgnoredArgs,
    /// SNMP (-x, -A SOCKET): not supported, accepted with a warning.
    #[arg(short = 'x', long = "snmp")]
    pub snmp: bool,
    /// SNMP agent socket (with -x).
    #[arg(short = 'A', long = "snmp-agent-socket", value_name = "SOCKET")]
    pub snmp_agent_socket: Option<String>,
    /// Core dump pattern (-M): keepvip leaves the system's, warning.
    #[arg(short = 'M', long = "core-dump-pattern", value_name = "PATTERN", num_args = 0..=1, default_missing_value = "core")]
    pub core_dump_pattern: Option<String>,
    /// BFD child pidfile (accepted, unused).
    #[arg(short = 'b', long = "bfd_pid", value_name = "FILE")]
    pub bfd_pidfile: Option<PathBuf>,
}

/// The keepalived flags keepvip accepts and has no use for.
#[derive(Debug, Clone, Default, Args)]
pub struct IgnoredArgs {
    #[arg(short = 'B', long = "no_bfd", hide = true)]
    no_bfd: bool,
    #[arg(long = "all", hide = true)]
    all: bool,
    #[arg(short = 'e', long = "all-config", hide = true)]
    all_config: bool,
    #[arg(long = "flush-log-file", hide = true)]
    flush_log_file: bool,
    #[arg(short = 'I', long = "dont-release-ipvs", hide = true)]
    dont_release_ipvs: bool,
    #[arg(short = 'R', long = "dont-respawn", hide = true)]
    dont_respawn: bool,
    #[arg(short = 'a', long = "address-monitoring", hide = true)]
    address_monitoring: bool,
    #[arg(short = 'L', long = "mem-check-log", hide = true)]
    mem_check_log: bool,
    #[arg(long = "no-mem-check", hide = true)]
    no_mem_check: bool,
    #[arg(long = "perf", num_args = 0..=1, default_missing_value = "run", hide = true)]
    perf: Option<String>,
    #[arg(long = "debug", num_args = 0..=1, default_missing_value = "", hide = true)]
    debug: Option<String>,
}

fn parse_umask(s: &str) -> Result<u32, String> {
    let digits = s.strip_prefix("0o").unwrap_or(s);
    u32::from_str_radix(digits, 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("`{s}` is not an octal mask (0..0777)"))
}

impl RunArgs {
    /// The pid files to write: `-p` and `-r` as given, or keepalived's
    /// defaults for `naming` when neither is (`/run/keepalived.pid` and
    /// `/run/vrrp.pid` without a namespace or instance), so its systemd
    /// units, scripts (`kill -HUP $(cat /run/keepalived.pid)`) and
    /// exporters find keepvip, and a keepalived still running is not
    /// doubled (a live pid in either is refused).
    pub fn pidfiles(&self, naming: &crate::naming::Naming) -> Vec<PathBuf> {
        naming.pidfiles(self.pidfile.as_deref(), self.vrrp_pidfile.as_deref())
    }

    /// The configuration file to read.
    pub fn config_path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG))
    }
}

/// `keepvip check`
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Configuration file.
    #[arg(short = 'f', long = "use-file", value_name = "FILE", default_value = DEFAULT_CONFIG)]
    pub config: PathBuf,
    /// Configuration id for `@ID` line conditionals (default: short hostname).
    #[arg(short = 'i', long = "config-id", value_name = "ID")]
    pub config_id: Option<String>,
    /// Print the resolved configuration as JSON.
    #[arg(long)]
    pub dump: bool,
}

/// `keepvip status`
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Control socket of the daemon.
    #[arg(long = "control-socket", value_name = "PATH")]
    pub control_socket: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print the Prometheus text exposition (states, priorities, counters).
    #[arg(long, conflicts_with = "json")]
    pub metrics: bool,
    /// The daemon of network namespace NAME (its `-s` or `net_namespace`).
    #[arg(short = 's', long = "namespace", value_name = "NAME")]
    pub namespace: Option<String>,
    /// The daemon whose configuration says `instance NAME`.
    #[arg(long = "instance", value_name = "NAME")]
    pub instance: Option<String>,
}

/// `keepvip watch`
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// Interface to listen on (repeat for several; default: every interface but lo).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interfaces: Vec<String>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many seconds (default: at SIGINT/SIGTERM).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub duration: Option<f64>,
    /// Put the interfaces in promiscuous mode: also see unicast VRRP
    /// between other hosts (a mirror port).
    #[arg(long)]
    pub promiscuous: bool,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number of seconds")),
    }
}

/// `keepvip lab`
#[derive(Debug, Clone, Args)]
pub struct LabArgs {
    /// Leave the lab running and print how to poke it.
    #[arg(long)]
    pub keep: bool,
    /// VRRP version for the demo (2 or 3).
    #[arg(long, default_value_t = 3)]
    pub vrrp_version: u8,
    /// Use keepalived instead of keepvip on the backup node (interop demo).
    #[arg(long)]
    pub keepalived_peer: bool,
    /// Run the failover benchmark (keepvip and keepalived side by side) instead of the demo.
    #[arg(long)]
    pub bench: bool,
    /// With --bench: the 1,000-instance scale run instead of the failover cases.
    #[arg(long)]
    pub scale: bool,
    /// With --bench: only the ten-instance VRRPv3 advert_int 0.01 case
    /// (the full --bench run includes it).
    #[arg(long)]
    pub fast: bool,
    /// With --bench --fast: measure each daemon's master while the
    /// raw-socket floor runs on the same core at the same time, and print
    /// its cost relative to the floor (robust to the host's slow phases).
    #[arg(long)]
    pub paired: bool,
    /// Repetitions per benchmark case.
    #[arg(long, default_value_t = 5)]
    pub reps: usize,
    /// With --bench: run only this daemon (keepvip or keepalived), or with
    /// --fast/--scale only the floor; the published numbers always come
    /// from a run of all of them.
    #[arg(long, value_name = "DAEMON", value_parser = ["keepvip", "keepalived", "floor"])]
    pub only: Option<String>,
    /// With --bench: run the failover cases with global_defs
    /// `vrrp_rt_priority N` for both daemons.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=99))]
    pub rt_priority: Option<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalived_style_flags_parse() {
        let cli = Cli::try_parse_from([
            "keepvip", "-n", "-l", "-D", "-f", "/x.conf", "-p", "/p", "-r", "/r", "-i", "lb1",
        ])
        .unwrap();
        assert!(cli.command.is_none());
        assert!(cli.run.dont_fork && cli.run.log_console && cli.run.log_detail);
        assert_eq!(cli.run.config_path(), PathBuf::from("/x.conf"));
        assert_eq!(cli.run.config_id.as_deref(), Some("lb1"));
    }

    #[test]
    fn every_keepalived_flag_is_accepted() {
        // keepalived 2.2.7's own options, so an existing unit file or
        // /etc/default/keepalived does not stop keepvip from starting
        let argv = [
            "keepvip",
            "-f",
            "/x.conf",
            "-P",
            "-B",
            "--all",
            "-l",
            "-D",
            "-S",
            "3",
            "-g",
            "-e",
            "--flush-log-file",
            "-G",
            "-u",
            "022",
            "-X",
            "-V",
            "-I",
            "-R",
            "-n",
            "-d",
            "-p",
            "/a.pid",
            "-r",
            "/b.pid",
            "-c",
            "/c.pid",
            "-a",
            "-b",
            "/d.pid",
            "-x",
            "-A",
            "/s",
            "-m",
            "-M",
            "--no-mem-check",
            "-L",
            "-s",
            "ns",
            "-i",
            "id",
            "--perf",
            "--debug",
        ];
        let c = Cli::try_parse_from(argv).unwrap();
        assert_eq!(c.run.umask, Some(0o22));
        assert!(c.run.core_dump && c.run.snmp && c.run.dont_fork);
        assert!(Cli::try_parse_from(["keepvip", "-u", "999"]).is_err());
    }

    #[test]
    fn syslog_ident_defaults_to_keepvip() {
        let c = Cli::try_parse_from(["keepvip", "-n"]).unwrap();
        assert_eq!(c.run.syslog_ident, "keepvip");
        let c = Cli::try_parse_from(["keepvip", "--syslog-ident", "Keepalived_vrrp"]).unwrap();
        assert_eq!(c.run.syslog_ident, "Keepalived_vrrp");
    }

    #[test]
    fn pidfiles_default_to_keepalived_s_unless_one_is_given() {
        let naming = crate::naming::Naming::default();
        let run = |argv: &[&str]| Cli::try_parse_from(argv).unwrap().run.pidfiles(&naming);
        assert_eq!(
            run(&["keepvip", "-n"]),
            [
                PathBuf::from("/run/keepalived.pid"),
                PathBuf::from("/run/vrrp.pid")
            ]
        );
        assert_eq!(
            run(&["keepvip", "-p", "/x/a.pid"]),
            [PathBuf::from("/x/a.pid")]
        );
        assert_eq!(
            run(&["keepvip", "-p", "/x/a.pid", "-r", "/x/b.pid"]),
            [PathBuf::from("/x/a.pid"), PathBuf::from("/x/b.pid")]
        );
    }

    #[test]
    fn config_test_flag() {
        let cli = Cli::try_parse_from(["keepvip", "-t", "-f", "/x.conf"]).unwrap();
        assert_eq!(cli.run.config_test.as_deref(), Some(""));
        assert_eq!(
            cli.run.config.as_deref(),
            Some(std::path::Path::new("/x.conf"))
        );
        let cli =
            Cli::try_parse_from(["keepvip", "--config-test=/tmp/t.log", "-f", "/x.conf"]).unwrap();
        assert_eq!(cli.run.config_test.as_deref(), Some("/tmp/t.log"));
        let cli = Cli::try_parse_from(["keepvip", "-t=/tmp/t.log"]).unwrap();
        assert_eq!(cli.run.config_test.as_deref(), Some("/tmp/t.log"));
        assert_eq!(
            Cli::try_parse_from(["keepvip", "-n"])
                .unwrap()
                .run
                .config_test,
            None
        );
    }

    #[test]
    fn status_finds_a_namespace_s_daemon() {
        let cli =
            Cli::try_parse_from(["keepvip", "status", "-s", "blue", "--instance", "web"]).unwrap();
        let Some(Command::Status(a)) = cli.command else {
            panic!("not status")
        };
        assert_eq!(a.namespace.as_deref(), Some("blue"));
        assert_eq!(a.instance.as_deref(), Some("web"));
    }

    #[test]
    fn watch_parses_interfaces_and_duration() {
        let cli = Cli::try_parse_from([
            "keepvip",
            "watch",
            "-i",
            "eth0",
            "-i",
            "eth1",
            "--json",
            "--duration",
            "2.5",
        ])
        .unwrap();
        let Some(Command::Watch(w)) = cli.command else {
            panic!("not watch")
        };
        assert_eq!(w.interfaces, ["eth0", "eth1"]);
        assert!(w.json && !w.promiscuous);
        assert_eq!(w.duration, Some(2.5));
        assert!(Cli::try_parse_from(["keepvip", "watch", "--duration", "-1"]).is_err());
        assert!(Cli::try_parse_from(["keepvip", "watch", "--duration", "x"]).is_err());
    }

    #[test]
    fn subcommands_parse() {
        let cli = Cli::try_parse_from(["keepvip", "check", "-f", "/y", "--dump"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Check(ref c)) if c.dump));
        let cli = Cli::try_parse_from(["keepvip", "run", "-n", "-f", "/y"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Run(ref r)) if r.dont_fork));
        let cli = Cli::try_parse_from(["keepvip", "-V", "-v"]).unwrap();
        assert!(cli.run.dont_release_vrrp && cli.run.version);
        let cli = Cli::try_parse_from(["keepvip", "-g"]).unwrap();
        assert_eq!(cli.run.log_file, Some(PathBuf::from("/tmp/keepalived.log")));
    }
}
