//! The seed articles' setup as tests (root, network namespaces, nginx):
//! two nginx nodes behind one VIP, `chk_nginx` against priorities 100/90,
//! a client fetching http://VIP/. Plus script timeouts and notify argv/FIFO.

use std::net::{IpAddr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use keepvip::lab::probe;
use keepvip::lab::seed::{self, CheckStyle, Node, Options, VIP};
use netlab::{is_root, Fifo, Lab, LabSpec, Proc, SpawnOpts};

const KEEPVIP: &str = env!("CARGO_BIN_EXE_keepvip");

struct Seed {
    lab: Lab,
    nodes: Vec<Node>,
    daemons: Vec<Option<Proc>>,
}

/// keepvip on router 0 of `lab` with `conf`, logging to `dir/k.log`,
/// control socket `dir/k.sock`.
fn keepvip_in(lab: &Lab, conf: &Path, dir: &Path) -> Proc {
    let sock = dir.join("k.sock");
    lab.spawn(
        lab.router_ns(0),
        &[
            KEEPVIP,
            "-n",
            "-l",
            "-G",
            "-f",
            conf.to_str().unwrap(),
            "--control-socket",
            sock.to_str().unwrap(),
            "-p",
            dir.join("k.pid").to_str().unwrap(),
        ],
        SpawnOpts::to_log(dir.join("k.log")),
    )
    .unwrap()
}

fn have_nginx() -> bool {
    std::process::Command::new("nginx")
        .arg("-v")
        .output()
        .is_ok()
}

impl Seed {
    fn new(name: &str, opts: &Options) -> Option<Seed> {
        if !is_root() || !have_nginx() {
            eprintln!("SKIPPED: needs root and nginx (scripts/test installs nginx-light)");
            return None;
        }
        let lab = Lab::new(LabSpec::new("kvsd", 2, 1, true)).unwrap();
        let mut nodes = Vec::new();
        for (i, prio) in [(0usize, 100u8), (1, 90)] {
            let n = Node {
                name: format!("r{}", i + 1),
                addr: lab.router_addr_v4(i, 0),
                priority: prio,
                master_hint: i == 0,
                dir: lab.path(&format!("{name}-r{}", i + 1)),
            };
            std::fs::create_dir_all(&n.dir).unwrap();
            std::fs::write(n.nginx_conf(), seed::nginx_conf(&n)).unwrap();
            std::fs::write(
                n.check_script(),
                seed::check_script(&n, opts, &n.daemon_pid()),
            )
            .unwrap();
            std::fs::set_permissions(n.check_script(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            std::fs::write(n.vrrp_conf(), seed::vrrp_conf(&n, opts)).unwrap();
            nodes.push(n);
        }
        let s = Seed {
            lab,
            nodes,
            daemons: vec![None, None],
        };
        for i in 0..2 {
            s.nginx_start(i);
        }
        Some(s)
    }

    fn nginx_start(&self, i: usize) {
        let conf = self.nodes[i].nginx_conf();
        self.lab
            .exec(
                self.lab.router_ns(i),
                &["nginx", "-c", conf.to_str().unwrap()],
            )
            .unwrap();
    }

    fn nginx_stop(&self, i: usize) {
        if let Ok(pid) = std::fs::read_to_string(self.nodes[i].nginx_pid()) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                // SAFETY: kill(2) on the nginx this test started.
                unsafe { libc::kill(pid, libc::SIGTERM) };
            }
        }
        let pidf = self.nodes[i].nginx_pid();
        let _ = self
            .lab
            .wait_for("nginx stopped", Duration::from_secs(3), || !pidf.exists());
    }

    fn start(&mut self, i: usize) {
        let n = &self.nodes[i];
        let log = n.dir.join("keepvip.log");
        let p = self
            .lab
            .spawn(
                self.lab.router_ns(i),
                &[
                    KEEPVIP,
                    "-n",
                    "-l",
                    "-D",
                    "-G",
                    "-f",
                    n.vrrp_conf().to_str().unwrap(),
                    "-p",
                    n.daemon_pid().to_str().unwrap(),
                    "--control-socket",
                    n.control_socket().to_str().unwrap(),
                ],
                SpawnOpts::to_log(log),
            )
            .unwrap();
        self.daemons[i] = Some(p);
    }

    fn has_vip(&self, i: usize) -> bool {
        self.lab
            .addresses(self.lab.router_ns(i), "eth0")
            .is_ok_and(|a| a.iter().any(|(x, _)| *x == IpAddr::V4(VIP)))
    }

    fn wait_master(&self, i: usize, timeout: Duration) -> Duration {
        self.lab
            .wait_for(&format!("r{} MASTER alone", i + 1), timeout, || {
                self.has_vip(i) && !self.has_vip(1 - i)
            })
            .unwrap_or_else(|e| panic!("{e}\n{}", self.logs()))
    }

    fn page(&self) -> Option<String> {
        let c = self.lab.client_ns().unwrap().to_string();
        self.lab
            .in_ns(&c, || {
                probe::fetch(
                    SocketAddr::new(IpAddr::V4(VIP), 80),
                    Duration::from_millis(500),
                )
            })
            .ok()
            .flatten()
    }

    fn log(&self, i: usize) -> String {
        std::fs::read_to_string(self.nodes[i].dir.join("keepvip.log")).unwrap_or_default()
    }

    fn logs(&self) -> String {
        format!("--- r1\n{}\n--- r2\n{}", self.log(0), self.log(1))
    }
}

impl Drop for Seed {
    fn drop(&mut self) {
        for d in self.daemons.iter_mut().flatten() {
            d.terminate(Duration::from_secs(2));
        }
        for i in 0..2 {
            self.nginx_stop(i);
        }
    }
}

fn start_both(s: &mut Seed) {
    s.start(0);
    s.start(1);
    s.wait_master(0, Duration::from_secs(5));
    assert_eq!(s.page().as_deref(), Some("node r1"));
}

#[test]
fn nginx_dies_vip_moves_and_comes_back() {
    let Some(mut s) = Seed::new("preempt", &Options::default()) else {
        return;
    };
    start_both(&mut s);
    let c = s.lab.client_ns().unwrap().to_string();
    let p = probe::Probe::start(
        SocketAddr::new(IpAddr::V4(VIP), 80),
        Duration::from_millis(10),
        Duration::from_millis(200),
        Duration::from_secs(60),
        {
            let f = format!("/run/netns/{c}");
            move || {
                let fd = std::fs::File::open(f)?;
                nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWNET)
                    .map_err(std::io::Error::from)
            }
        },
    )
    .unwrap();
    let t0 = p.elapsed();
    s.nginx_stop(0);
    s.wait_master(1, Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(s.page().as_deref(), Some("node r2"));
    let o = probe::outage(&p.samples(), t0, p.elapsed());
    assert_eq!(o.page_after.as_deref(), Some("node r2"));
    eprintln!(
        "outage on nginx failure: {:?} ({} failed requests)",
        o.gap(),
        o.failed
    );
    assert!(
        s.log(0)
            .contains("(VI_1) Changing effective priority from 100 to 80"),
        "{}",
        s.logs()
    );
    assert!(
        s.log(0)
            .contains("VRRP_Script(chk_nginx) failed (exited with status 1)"),
        "{}",
        s.logs()
    );
    // nginx back: failback (preempt)
    s.nginx_start(0);
    s.wait_master(0, Duration::from_secs(5));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(s.page().as_deref(), Some("node r1"));
    assert!(s.log(0).contains("VRRP_Script(chk_nginx) succeeded"));
    p.finish();
}

#[test]
fn nopreempt_no_failback() {
    // the seed's sticky-master pattern: both `state BACKUP` (state MASTER
    // would clear nopreempt), nopreempt, a weight-0 check. (With a weighted
    // check, nopreempt makes the backup accept the lowered master's adverts
    // and nothing moves, as in keepalived.)
    let opts = Options {
        nopreempt: true,
        check: CheckStyle::Fault,
        ..Options::default()
    };
    let Some(mut s) = Seed::new("nopre", &opts) else {
        return;
    };
    let c = std::fs::read_to_string(s.nodes[0].vrrp_conf())
        .unwrap()
        .replace("state MASTER", "state BACKUP");
    std::fs::write(s.nodes[0].vrrp_conf(), c).unwrap();
    s.start(0);
    s.wait_master(0, Duration::from_secs(5));
    s.start(1);
    std::thread::sleep(Duration::from_millis(500));
    s.nginx_stop(0);
    s.wait_master(1, Duration::from_secs(5));
    s.nginx_start(0);
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        s.has_vip(1) && !s.has_vip(0),
        "r1 took the VIP back despite nopreempt\n{}",
        s.logs()
    );
}

#[test]
fn weight_0_check_means_fault() {
    let Some(mut s) = Seed::new(
        "fault",
        &Options {
            check: CheckStyle::Fault,
            ..Options::default()
        },
    ) else {
        return;
    };
    start_both(&mut s);
    s.nginx_stop(0);
    s.wait_master(1, Duration::from_secs(5));
    assert!(
        s.log(0).contains("(VI_1) Entering FAULT STATE"),
        "{}",
        s.logs()
    );
    s.nginx_start(0);
    s.wait_master(0, Duration::from_secs(5));
}

#[test]
fn weight_too_small_does_not_fail_over_and_says_so() {
    let Some(mut s) = Seed::new(
        "small",
        &Options {
            check: CheckStyle::Weight(-5),
            ..Options::default()
        },
    ) else {
        return;
    };
    start_both(&mut s);
    s.nginx_stop(0);
    std::thread::sleep(Duration::from_secs(2));
    assert!(s.has_vip(0) && !s.has_vip(1), "{}", s.logs());
    // the classic mistake is visible in the log: 95 is still above 90
    assert!(
        s.log(0)
            .contains("(VI_1) Changing effective priority from 100 to 95"),
        "{}",
        s.logs()
    );
    assert_eq!(
        s.page(),
        None,
        "nginx is down on the master: the client gets nothing"
    );
}

#[test]
fn restart_or_stop_check_restarts_nginx() {
    let Some(mut s) = Seed::new(
        "restart",
        &Options {
            check: CheckStyle::RestartOrStop,
            ..Options::default()
        },
    ) else {
        return;
    };
    start_both(&mut s);
    s.nginx_stop(0);
    let pidf = s.nodes[0].nginx_pid();
    s.lab
        .wait_for(
            "nginx restarted by the check",
            Duration::from_secs(5),
            || pidf.exists(),
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", s.logs()));
    std::thread::sleep(Duration::from_millis(500));
    assert!(s.has_vip(0) && !s.has_vip(1), "{}", s.logs());
    assert_eq!(s.page().as_deref(), Some("node r1"));
}

/// A keepalived.conf with a hanging and a timing-out script on one instance
/// and a healthy second instance: the hang must not delay anything.
#[test]
fn hanging_scripts_are_killed_at_their_timeout() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvsh", 1, 1, false)).unwrap();
    let dir = lab.path("hang");
    std::fs::create_dir_all(&dir).unwrap();
    let hang = dir.join("hang.sh");
    std::fs::write(&hang, "#!/bin/sh\nsleep 97.25\n").unwrap();
    std::fs::set_permissions(&hang, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "vrrp_script chk_hang {{\n script \"{}\"\n interval 1\n timeout 0.3\n weight -50\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n track_script {{\n  chk_hang\n }}\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n\
             vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 2\n priority 100\n advert_int 0.1\n version 3\n virtual_ipaddress {{\n  192.0.2.202\n }}\n}}\n",
            hang.display()
        ),
    )
    .unwrap();
    let log = dir.join("k.log");
    let mut d = keepvip_in(&lab, &conf, &dir);
    let t0 = Instant::now();
    lab.wait_for("VI_2 master", Duration::from_secs(3), || {
        lab.addresses(lab.router_ns(0), "eth0")
            .is_ok_and(|a| a.iter().any(|(x, _)| x.to_string() == "192.0.2.202"))
    })
    .unwrap();
    // VI_2 was not held up by the hanging script
    assert!(t0.elapsed() < Duration::from_secs(2));
    lab.wait_for("timed_out logged", Duration::from_secs(5), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("VRRP_Script(chk_hang) timed_out")
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("(VI_1) Changing effective priority from 100 to 50"),
        "{text}"
    );
    // the hung processes were killed with their process group
    std::thread::sleep(Duration::from_millis(400));
    let hung = count_procs("97.25");
    assert!(hung <= 1, "{hung} hanging scripts still alive");
    d.terminate(Duration::from_secs(2));
}

fn count_procs(needle: &str) -> usize {
    std::fs::read_dir("/proc")
        .map(|rd| {
            rd.flatten()
                .filter(|e| {
                    std::fs::read(e.path().join("cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn notify_argv_and_fifo_lines_are_exact() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvnf", 1, 1, false)).unwrap();
    let dir = lab.path("notify");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("argv.log");
    let script = dir.join("notify.sh");
    std::fs::write(
        &script,
        format!(
            // one write per line: the notify scripts run concurrently, and
            // a line written in two pieces can be split by another's
            "#!/bin/sh\nline=$(printf '%s|' \"$@\")\nprintf '%s\\n' \"$line\" >> {}\n",
            out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let fifo = dir.join("events.fifo");
    let fifo_lines = Fifo::create(&fifo).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n vrrp_notify_fifo {}\n vrrp_notify_fifo_script \"{} fifo_script\"\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n virtual_ipaddress {{\n  192.0.2.201\n }}\n notify_master \"{} notify_master\"\n notify \"{}\"\n}}\n",
            fifo.display(),
            script.display(),
            script.display(),
            script.display()
        ),
    )
    .unwrap();
    let mut d = keepvip_in(&lab, &conf, &dir);
    let mut lines = Vec::new();
    let until = Instant::now() + Duration::from_secs(5);
    while lines.len() < 2 && Instant::now() < until {
        if let Some((_, l)) = fifo_lines.next(Duration::from_millis(100)) {
            lines.push(l);
        }
    }
    assert_eq!(
        lines,
        vec![
            "INSTANCE \"VI_1\" BACKUP 100",
            "INSTANCE \"VI_1\" MASTER 100"
        ]
    );
    d.terminate(Duration::from_secs(2));
    let until = Instant::now() + Duration::from_secs(3);
    while lines.len() < 3 && Instant::now() < until {
        if let Some((_, l)) = fifo_lines.next(Duration::from_millis(100)) {
            lines.push(l);
        }
    }
    assert_eq!(
        lines.get(2).map(String::as_str),
        Some("INSTANCE \"VI_1\" STOP 100")
    );
    // notify scripts run asynchronously: wait for their lines
    let fifo_line = format!("fifo_script|{}|", fifo.display());
    let want = [
        "notify_master|",
        "INSTANCE|VI_1|BACKUP|100|",
        "INSTANCE|VI_1|MASTER|100|",
        "INSTANCE|VI_1|STOP|100|",
        fifo_line.as_str(),
    ];
    let got = lab
        .wait_for("notify argv lines", Duration::from_secs(3), || {
            let t = std::fs::read_to_string(&out).unwrap_or_default();
            want.iter().all(|w| t.lines().any(|l| l == *w))
        })
        .map(|_| ());
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(got.is_ok(), "argv log:\n{text}");
    let _ = (Path::new("/"), PathBuf::new());
}

/// vrrp_startup_delay holds the instance in BACKUP for the delay plus its
/// Master_Down_Interval; vrrp_notify_priority_changes writes
/// MASTER_PRIORITY lines; fifo_write_vrrp_states_on_reload writes the
/// unchanged state again after SIGHUP.
#[test]
fn startup_delay_priority_changes_and_states_on_reload_reach_the_fifo() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvsd", 1, 1, false)).unwrap();
    let dir = lab.path("sd");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("events.fifo");
    let fifo_lines = Fifo::create(&fifo).unwrap();
    let flag = dir.join("maint");
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n vrrp_notify_fifo {}\n vrrp_startup_delay 1.5\n vrrp_notify_priority_changes\n fifo_write_vrrp_states_on_reload\n}}\n\
             track_file maint {{\n file \"{}\"\n weight -30\n init_file 0\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n\
             track_file {{\n  maint\n }}\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            fifo.display(),
            flag.display()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let mut d = keepvip_in(&lab, &conf, &dir);
    let (_, first) = fifo_lines
        .next(Duration::from_secs(5))
        .expect("a BACKUP line");
    assert_eq!(first, "INSTANCE \"VI_1\" BACKUP 100");
    let (t, second) = fifo_lines
        .next(Duration::from_secs(6))
        .expect("a MASTER line");
    assert_eq!(second, "INSTANCE \"VI_1\" MASTER 100");
    // 1.5 s of delay, then the 0.36 s Master_Down_Interval of priority 100
    let waited = t - started;
    assert!(
        waited >= Duration::from_millis(1800),
        "MASTER after {waited:?}"
    );
    let log = std::fs::read_to_string(dir.join("k.log")).unwrap_or_default();
    assert!(
        log.contains("Delaying startup for 1.5 seconds"),
        "log:\n{log}"
    );
    // the tracked file lowers the priority by 30
    std::fs::write(&flag, "1\n").unwrap();
    let (_, third) = fifo_lines
        .next(Duration::from_secs(5))
        .expect("a priority line");
    assert_eq!(third, "INSTANCE \"VI_1\" MASTER_PRIORITY 70");
    // a reload that changes nothing re-sends the state
    d.signal(libc::SIGHUP).unwrap();
    let (_, fourth) = fifo_lines
        .next(Duration::from_secs(5))
        .expect("a line after SIGHUP");
    assert_eq!(fourth, "INSTANCE \"VI_1\" MASTER 70");
    d.terminate(Duration::from_secs(2));
    let (_, fifth) = fifo_lines
        .next(Duration::from_secs(3))
        .expect("a STOP line");
    assert_eq!(fifth, "INSTANCE \"VI_1\" STOP 70");
}

#[test]
fn track_file_process_and_interface_change_the_priority() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvtr", 1, 2, false)).unwrap();
    let dir = lab.path("trk");
    std::fs::create_dir_all(&dir).unwrap();
    let flag = dir.join("maint");
    let mut sleeper = lab
        .spawn(lab.router_ns(0), &["sleep", "93.5"], SpawnOpts::default())
        .unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "track_file maint {{\n file \"{}\"\n weight -100\n init_file 0\n}}\n\
             vrrp_track_process sleeper {{\n process sleep\n param_match partial\n weight -30\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 200\n advert_int 0.1\n version 3\n\
             track_file {{\n  maint\n }}\n track_interface {{\n  eth1 weight -20\n }}\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            flag.display()
        )
        .replace("process sleep\n", "process sleep 93.5\n"),
    )
    .unwrap();
    // the process tracker belongs to a second instance so each change is visible alone
    let mut text = std::fs::read_to_string(&conf).unwrap();
    text.push_str("vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 2\n priority 200\n advert_int 0.1\n version 3\n track_process {\n  sleeper\n }\n virtual_ipaddress {\n  192.0.2.202\n }\n}\n");
    std::fs::write(&conf, text).unwrap();
    let log = dir.join("k.log");
    let mut d = keepvip_in(&lab, &conf, &dir);
    let logged = |needle: &str| {
        lab.wait_for(needle, Duration::from_secs(5), || {
            std::fs::read_to_string(&log)
                .unwrap_or_default()
                .contains(needle)
        })
        .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
    };
    logged("(VI_1) Entering MASTER STATE");
    assert!(
        flag.exists(),
        "init_file creates the file\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    std::fs::write(&flag, "1\n").unwrap();
    logged("(VI_1) Changing effective priority from 200 to 100");
    lab.set_link(lab.router_ns(0), "eth1", false).unwrap();
    logged("(VI_1) Changing effective priority from 100 to 80");
    sleeper.kill9();
    logged("(VI_2) Changing effective priority from 200 to 170");
    d.terminate(Duration::from_secs(2));
}

#[test]
fn script_security_refuses_writable_scripts_and_user_is_applied() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvss", 1, 1, false)).unwrap();
    let dir = lab.path("sec");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // a world-writable script: refused with enable_script_security
    let unsafe_script = dir.join("unsafe.sh");
    std::fs::write(&unsafe_script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&unsafe_script, std::fs::Permissions::from_mode(0o777)).unwrap();
    // a safe one that records who runs it
    let who = dir.join("who.txt");
    let safe = dir.join("safe.sh");
    std::fs::write(
        &safe,
        format!("#!/bin/sh\nid -u > {}\nexit 0\n", who.display()),
    )
    .unwrap();
    std::fs::set_permissions(&safe, std::fs::Permissions::from_mode(0o755)).unwrap();
    // world-writable so `nobody` can record its uid
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n enable_script_security\n script_user root\n}}\n\
             vrrp_script chk_unsafe {{\n script \"{}\"\n interval 1\n weight -10\n}}\n\
             vrrp_script chk_who {{\n script \"{}\"\n interval 1\n user nobody\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n track_script {{\n  chk_unsafe\n  chk_who\n }}\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            unsafe_script.display(),
            safe.display()
        ),
    )
    .unwrap();
    let log = dir.join("k.log");
    let mut d = keepvip_in(&lab, &conf, &dir);
    lab.wait_for("unsafe script refused", Duration::from_secs(5), || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("Unsafe permissions found for script")
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
    // chk_who runs as `nobody`: the security check only guards root scripts
    lab.wait_for("chk_who ran", Duration::from_secs(5), || {
        std::fs::read_to_string(&who).is_ok_and(|t| !t.trim().is_empty())
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()));
    let nobody = nix::unistd::User::from_name("nobody")
        .unwrap()
        .unwrap()
        .uid
        .as_raw();
    assert_eq!(
        std::fs::read_to_string(&who).unwrap().trim(),
        nobody.to_string()
    );
    d.terminate(Duration::from_secs(2));
}

/// Scripts are checked when the configuration is loaded, as keepalived's
/// check_vrrp_script_security: a program named without a path is looked up
/// once and run by its full path; a check whose program cannot be found, or
/// (with enable_script_security) that root would run from a path others
/// can write, is disabled, and the instance goes on without it. Until
/// 2026-12-08 keepvip ran them anyway and counted each failed start as a
/// failed check: a weight-0 check with a missing program (`killall` not
/// installed) kept every node in FAULT, where keepalived 2.2.7 (measured)
/// logs `Cannot find script killall in path - disabling` and takes the VIP.
#[test]
fn scripts_that_cannot_run_are_disabled_at_load_as_keepalived_disables_them() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvsc", 1, 1, false)).unwrap();
    let dir = lab.path("sc");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let writable = dir.join("writable.sh");
    std::fs::write(&writable, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&writable, std::fs::Permissions::from_mode(0o777)).unwrap();
    let touched = dir.join("master.txt");
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n enable_script_security\n script_user root\n}}\n\
             vrrp_script chk_missing {{\n script \"no_such_program_kv --check\"\n interval 1\n}}\n\
             vrrp_script chk_writable {{\n script \"{}\"\n interval 1\n}}\n\
             vrrp_script chk_bare {{\n script \"true\"\n interval 1\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n\
             track_script {{\n  chk_missing\n  chk_writable\n  chk_bare\n }}\n\
             notify_master \"touch {}\"\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            writable.display(),
            touched.display()
        ),
    )
    .unwrap();
    let log = || std::fs::read_to_string(dir.join("k.log")).unwrap_or_default();
    let mut d = keepvip_in(&lab, &conf, &dir);
    lab.wait_for("MASTER, its notify run", Duration::from_secs(5), || {
        touched.exists()
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", log()));
    d.terminate(Duration::from_secs(2));
    let text = log();
    for line in [
        "Cannot find script no_such_program_kv in path - disabling",
        "Disabling track script chk_missing since not found/accessible",
        &format!(
            "Unsafe permissions found for script '{}' - disabling.",
            writable.display()
        ),
        "Disabling track script chk_writable due to insecure",
        "WARNING - script `true` resolved by path search to `",
        "WARNING - script `touch` resolved by path search to `",
        "VRRP_Script(chk_bare) succeeded",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    assert!(!text.contains("VRRP_Script(chk_missing)"), "{text}");
}

/// A check still running when the daemon stops is terminated, with its
/// children, as keepalived's script_killall does (measured: keepalived's
/// ended at once; keepvip's finished 5 s after the daemon had gone until
/// 2026-12-08).
#[test]
fn a_check_running_at_stop_is_terminated() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvks", 1, 1, false)).unwrap();
    let dir = lab.path("ks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pid_file = dir.join("check.pid");
    let check = dir.join("slow.sh");
    std::fs::write(
        &check,
        format!("#!/bin/sh\necho $$ > {}\nsleep 30\n", pid_file.display()),
    )
    .unwrap();
    std::fs::set_permissions(&check, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n enable_script_security\n script_user root\n}}\n\
             vrrp_script chk {{\n script \"{}\"\n interval 60\n timeout 50\n weight -10\n}}\n\
             vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n\
             track_script {{\n  chk\n }}\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            check.display()
        ),
    )
    .unwrap();
    let mut d = keepvip_in(&lab, &conf, &dir);
    lab.wait_for("the check running", Duration::from_secs(5), || {
        std::fs::read_to_string(&pid_file).is_ok_and(|t| t.trim().parse::<i32>().is_ok())
    })
    .unwrap();
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    d.terminate(Duration::from_secs(3));
    // SAFETY: signal 0 only checks that the process exists.
    let alive = || unsafe { libc::kill(pid, 0) } == 0;
    lab.wait_for("the check gone", Duration::from_secs(3), || !alive())
        .unwrap_or_else(|e| panic!("{e}: the check outlived the daemon"));
}

/// A notify FIFO that does not exist is created as keepalived creates it:
/// rw-r--r--, owned by the user named on its line.
#[test]
fn a_missing_notify_fifo_is_created_for_its_user() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvff", 1, 1, false)).unwrap();
    let dir = lab.path("ff");
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("made.fifo");
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n vrrp_notify_fifo {} nobody\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            fifo.display()
        ),
    )
    .unwrap();
    let mut d = keepvip_in(&lab, &conf, &dir);
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
    // mkfifo, then chown: wait for both, not only for the file
    lab.wait_for("the FIFO, given to nobody", Duration::from_secs(5), || {
        std::fs::metadata(&fifo).is_ok_and(|m| m.uid() == nobody.uid.as_raw())
    })
    .unwrap();
    let m = std::fs::metadata(&fifo).unwrap();
    assert!(m.file_type().is_fifo());
    assert_eq!(m.uid(), nobody.uid.as_raw());
    assert_eq!(m.mode() & 0o777, 0o644);
    d.terminate(Duration::from_secs(2));
    // made by the daemon: removed at stop, as keepalived removes its own
    assert!(!fifo.exists());
}

/// A FIFO script as people write them for keepalived (`while read line;
/// do …; done < "$1"`) gets every line: the daemon holds the FIFO open
/// while it runs, as keepalived does, so the reader meets end of file only
/// after the STOP line. Until 2026-12-08 keepvip opened the FIFO for each
/// line: the first line was lost (the script had not opened it yet), the
/// reader's loop ended after the second, and the rest were lost too.
/// (keepalived 2.2.7, measured: BACKUP and MASTER reach the same reader,
/// then it is sent SIGTERM before the STOP line; after a reload its FIFO
/// takes no more lines.)
#[test]
fn a_fifo_script_reads_every_line_until_the_daemon_stops() {
    if !is_root() {
        eprintln!("SKIPPED: needs root");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvfr", 1, 1, false)).unwrap();
    let dir = lab.path("fr");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let fifo = dir.join("events.fifo");
    let out = dir.join("read.txt");
    let reader = dir.join("reader.sh");
    std::fs::write(
        &reader,
        format!(
            "#!/bin/sh\nwhile read line; do echo \"$line\" >> {out}; done < \"$1\"\necho EOF >> {out}\n",
            out = out.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&reader, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = dir.join("k.conf");
    std::fs::write(
        &conf,
        format!(
            "global_defs {{\n enable_script_security\n script_user root\n vrrp_notify_fifo {}\n vrrp_notify_fifo_script {}\n fifo_write_vrrp_states_on_reload\n}}\nvrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n advert_int 0.1\n version 3\n virtual_ipaddress {{\n  192.0.2.201\n }}\n}}\n",
            fifo.display(),
            reader.display()
        ),
    )
    .unwrap();
    let read = || std::fs::read_to_string(&out).unwrap_or_default();
    let mut d = keepvip_in(&lab, &conf, &dir);
    lab.wait_for("BACKUP and MASTER read", Duration::from_secs(5), || {
        read().lines().count() >= 2
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", read()));
    d.signal(libc::SIGHUP).unwrap();
    lab.wait_for("the reload's line read", Duration::from_secs(5), || {
        read().lines().count() >= 3
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", read()));
    d.terminate(Duration::from_secs(3));
    lab.wait_for("the reader's end of file", Duration::from_secs(3), || {
        read().contains("EOF")
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", read()));
    assert_eq!(
        read().lines().collect::<Vec<_>>(),
        [
            "INSTANCE \"VI_1\" BACKUP 100",
            "INSTANCE \"VI_1\" MASTER 100",
            "INSTANCE \"VI_1\" MASTER 100",
            "INSTANCE \"VI_1\" STOP 100",
            "EOF"
        ]
    );
    assert!(!fifo.exists());
}
