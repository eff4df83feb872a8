//! The story `keepvip lab` tells: two nginx nodes behind one VIP (the seed
//! articles' setup), a client fetching http://VIP/ every 10 ms, and a
//! timeline of what happens when nginx dies, comes back, and when the
//! master's daemon is killed or stopped.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use netlab::{Lab, LabSpec, Proc, SpawnOpts};

use super::probe::{outage, Probe};
use super::seed::{self, CheckStyle, Node, Options, VIP};
use crate::cli::LabArgs;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Why the demo stopped early.
#[derive(Debug)]
pub struct DemoError(pub String);

type Result<T> = std::result::Result<T, DemoError>;

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> DemoError + '_ {
    move |e| DemoError(format!("{what}: {e}"))
}

fn check_interrupt() -> Result<()> {
    if INTERRUPTED.load(Ordering::SeqCst) {
        return Err(DemoError("interrupted".into()));
    }
    Ok(())
}

struct Demo {
    lab: Lab,
    nodes: Vec<Node>,
    daemons: Vec<Option<Proc>>,
    probe: Option<Probe>,
    keepvip: PathBuf,
    started: Instant,
    rows: Vec<(String, String)>,
}

fn mac_text(m: Option<[u8; 6]>) -> String {
    m.map_or("-".into(), |m| {
        m.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
}

impl Demo {
    fn t(&self) -> String {
        format!("{:7.3}s", self.started.elapsed().as_secs_f64())
    }

    fn say(&self, text: &str) {
        println!("{}  {text}", self.t());
    }

    fn holder(&self) -> Vec<usize> {
        (0..2)
            .filter(|i| {
                self.lab
                    .addresses(self.lab.router_ns(*i), "eth0")
                    .is_ok_and(|a| a.iter().any(|(x, _)| *x == IpAddr::V4(VIP)))
            })
            .collect()
    }

    fn client_mac(&self) -> String {
        let c = self.lab.client_ns().unwrap_or_default();
        mac_text(self.lab.neighbour_mac(c, IpAddr::V4(VIP)).ok().flatten())
    }

    fn start_nginx(&self, i: usize) -> Result<()> {
        let n = &self.nodes[i];
        let conf = n.nginx_conf();
        self.lab
            .exec(
                self.lab.router_ns(i),
                &["nginx", "-c", &conf.to_string_lossy()],
            )
            .map_err(err("start nginx"))?;
        Ok(())
    }

    fn stop_nginx(&self, i: usize) -> Result<()> {
        let pid =
            std::fs::read_to_string(self.nodes[i].nginx_pid()).map_err(err("nginx pid file"))?;
        let pid: i32 = pid.trim().parse().map_err(err("nginx pid"))?;
        // SAFETY: kill(2) on the nginx master this demo started.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        Ok(())
    }

    fn start_daemon(&mut self, i: usize) -> Result<()> {
        let n = &self.nodes[i];
        let log = n.dir.join("keepvip.log");
        let p = self
            .lab
            .spawn(
                self.lab.router_ns(i),
                &[
                    &self.keepvip.to_string_lossy(),
                    "-n",
                    "-l",
                    "-G",
                    "-f",
                    &n.vrrp_conf().to_string_lossy(),
                    "-p",
                    &n.daemon_pid().to_string_lossy(),
                    "--control-socket",
                    &n.control_socket().to_string_lossy(),
                ],
                SpawnOpts::to_log(log),
            )
            .map_err(err("start keepvip"))?;
        self.daemons[i] = Some(p);
        Ok(())
    }

    /// Wait until only `who` holds the VIP (bounded), then report.
    fn wait_master(&self, who: usize, timeout: Duration) -> Result<Duration> {
        let t0 = Instant::now();
        loop {
            check_interrupt()?;
            let h = self.holder();
            if h.contains(&who) && (h.len() == 1 || self.daemons[1 - who].is_none()) {
                return Ok(t0.elapsed());
            }
            if t0.elapsed() > timeout {
                return Err(DemoError(format!(
                    "r{} did not become MASTER within {timeout:?} (VIP on {:?}); logs in {}",
                    who + 1,
                    h,
                    self.nodes[who].dir.display()
                )));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn settle(&self, d: Duration) -> Result<()> {
        let until = Instant::now() + d;
        while Instant::now() < until {
            check_interrupt()?;
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Run one step: do `action`, wait for `who` to be master, print what the client saw.
    fn step(
        &mut self,
        title: &str,
        who: usize,
        action: impl FnOnce(&mut Demo) -> Result<()>,
    ) -> Result<()> {
        check_interrupt()?;
        let probe_at = self.probe.as_ref().map(|p| p.elapsed()).unwrap_or_default();
        self.say(&format!("▶ {title}"));
        action(self)?;
        let took = self.wait_master(who, Duration::from_secs(15))?;
        // give the client time to see the new master's page
        self.settle(Duration::from_millis(1500))?;
        let samples = self.probe.as_ref().map(|p| p.samples()).unwrap_or_default();
        let end = self.probe.as_ref().map(|p| p.elapsed()).unwrap_or_default();
        let o = outage(&samples, probe_at, end);
        let page = o.page_after.clone().unwrap_or_else(|| "-".into());
        self.say(&format!(
            "  r{} is MASTER after {:.0} ms; client's MAC for {VIP}: {}; client gets \"{page}\"; outage {} ms ({} failed requests)",
            who + 1,
            took.as_secs_f64() * 1000.0,
            self.client_mac(),
            o.gap().as_millis(),
            o.failed
        ));
        self.rows.push((
            title.to_string(),
            format!(
                "r{} MASTER, outage {} ms, page \"{page}\"",
                who + 1,
                o.gap().as_millis()
            ),
        ));
        Ok(())
    }
}

fn write_file(path: &Path, text: &str, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).map_err(err("write lab file"))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(err("chmod"))?;
    Ok(())
}

/// `keepvip lab`: returns the exit code.
pub fn run(args: &LabArgs) -> i32 {
    if !netlab::is_root() {
        eprintln!("keepvip lab: needs root (it creates network namespaces)");
        return 1;
    }
    if std::process::Command::new("nginx")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!(
            "keepvip lab: nginx is not installed; install it with: apt-get install nginx-light"
        );
        return 1;
    }
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_sigint as *const () as libc::sighandler_t);
    }
    match story(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("keepvip lab: {}", e.0);
            1
        }
    }
}

fn story(args: &LabArgs) -> Result<()> {
    let keepvip = std::env::current_exe().map_err(err("own path"))?;
    let lab = Lab::new(LabSpec::new("kvlab", 2, 1, true)).map_err(err("build the lab"))?;
    let base = PathBuf::from("/run/kvlab").join(lab.prefix().trim_end_matches('-'));
    let opts = Options {
        version: args.vrrp_version,
        advert_int: if args.vrrp_version == 2 { 1.0 } else { 0.1 },
        check: CheckStyle::Weight(-20),
        ..Options::default()
    };
    let mut nodes = Vec::new();
    for (i, prio) in [(0usize, 100u8), (1, 90)] {
        let n = Node {
            name: format!("r{}", i + 1),
            addr: lab.router_addr_v4(i, 0),
            priority: prio,
            master_hint: i == 0,
            dir: base.join(format!("r{}", i + 1)),
        };
        std::fs::create_dir_all(&n.dir).map_err(err("lab directory"))?;
        write_file(&n.nginx_conf(), &seed::nginx_conf(&n), 0o644)?;
        write_file(
            &n.check_script(),
            &seed::check_script(&n, &opts, &n.daemon_pid()),
            0o755,
        )?;
        write_file(&n.vrrp_conf(), &seed::vrrp_conf(&n, &opts), 0o644)?;
        nodes.push(n);
    }
    println!("keepvip lab: two nginx nodes behind VIP {VIP} (VRRPv{}, priorities 100 and 90, chk_nginx weight -20)", opts.version);
    println!(
        "  namespaces: r1 = {}, r2 = {}, client = {}, bridge = {}; files in {}",
        lab.router_ns(0),
        lab.router_ns(1),
        lab.client_ns().unwrap_or("-"),
        lab.bridge_ns(),
        base.display()
    );
    let mut d = Demo {
        lab,
        nodes,
        daemons: vec![None, None],
        probe: None,
        keepvip,
        started: Instant::now(),
        rows: Vec::new(),
    };
    let result = run_story(&mut d, args);
    if let Some(p) = d.probe.take() {
        p.finish();
    }
    if args.keep && result.is_ok() {
        let (r1, r2, c) = (
            d.lab.router_ns(0).to_string(),
            d.lab.router_ns(1).to_string(),
            d.lab.client_ns().unwrap_or_default().to_string(),
        );
        println!("\nThe lab keeps running. Poke it:");
        println!("  ip netns exec {c} curl -s http://{VIP}/");
        println!("  ip netns exec {r1} ip addr show dev eth0");
        println!(
            "  {} status --control-socket {}",
            d.keepvip.display(),
            d.nodes[0].control_socket().display()
        );
        println!(
            "  kill $(cat {})    # stop r1's daemon: the VIP moves to r2",
            d.nodes[0].daemon_pid().display()
        );
        println!("Remove it: ip netns del {} ; ip netns del {} ; ip netns del {c} ; ip netns del {} ; kill the pids in {}/*/*.pid", r1, r2, d.lab.bridge_ns(), base.display());
        for p in d.daemons.iter_mut().flatten() {
            // leave the daemons running: forget the handles
            let _ = p.pid();
        }
        std::mem::forget(d.daemons);
        std::mem::forget(d.lab);
        return Ok(());
    }
    for p in d.daemons.iter_mut().flatten() {
        p.terminate(Duration::from_secs(2));
    }
    for i in 0..2 {
        let _ = d.stop_nginx(i);
    }
    let _ = std::fs::remove_dir_all(&base);
    println!("lab removed");
    result
}

fn run_story(d: &mut Demo, args: &LabArgs) -> Result<()> {
    for i in 0..2 {
        d.start_nginx(i)?;
    }
    let client = d.lab.client_ns().unwrap_or_default().to_string();
    let client_ns = client.clone();
    let addr = SocketAddr::new(IpAddr::V4(VIP), 80);
    d.probe = Some(
        Probe::start(
            addr,
            Duration::from_millis(10),
            Duration::from_millis(200),
            Duration::from_secs(300),
            move || super::enter_netns(&client),
        )
        .map_err(err("start the client"))?,
    );
    // `keepvip watch` on the client hears every advert of the story
    let watch_out = d.nodes[0].dir.with_file_name("watch.out");
    let watcher = d
        .lab
        .spawn(
            &client_ns,
            &[&d.keepvip.to_string_lossy(), "watch", "-i", "eth0"],
            SpawnOpts::to_files(&watch_out, watch_out.with_extension("err")),
        )
        .map_err(err("start keepvip watch"))?;
    d.started = Instant::now();
    d.step(
        "start keepvip on r1 (priority 100) and r2 (priority 90)",
        0,
        |d| {
            d.start_daemon(0)?;
            d.start_daemon(1)
        },
    )?;
    d.step(
        "nginx dies on r1: chk_nginx fails, r1's priority drops to 80 < 90",
        1,
        |d| d.stop_nginx(0),
    )?;
    d.step(
        "nginx is back on r1: priority 100 again, r1 preempts",
        0,
        |d| d.start_nginx(0),
    )?;
    d.step(
        "kill -9 of keepvip on r1: r2 takes over after Master_Down_Interval",
        1,
        |d| {
            if let Some(p) = d.daemons[0].as_mut() {
                p.kill9();
            }
            d.daemons[0] = None;
            Ok(())
        },
    )?;
    d.step(
        "keepvip restarts on r1: removes the VIP kill -9 left behind, then preempts",
        0,
        |d| d.start_daemon(0),
    )?;
    d.step(
        "SIGTERM to keepvip on r1: priority 0, r2 takes over after Skew_Time",
        1,
        |d| {
            if let Some(mut p) = d.daemons[0].take() {
                p.terminate(Duration::from_secs(2));
            }
            Ok(())
        },
    )?;
    let _ = args;
    println!("\nsummary");
    for (title, what) in &d.rows {
        println!("  {what:<45} {title}");
    }
    let mut watcher = watcher;
    watcher.terminate(Duration::from_secs(2));
    let seen = std::fs::read_to_string(&watch_out).unwrap_or_default();
    println!(
        "\nwhat `keepvip watch -i eth0` on the client saw (r1 = {}, r2 = {}):",
        d.nodes[0].addr, d.nodes[1].addr
    );
    for line in seen.lines().filter(|l| !l.starts_with("keepvip watch:")) {
        println!("  {line}");
    }
    Ok(())
}
