//! Differential test: `keepalived -t` and `keepvip check` agree on valid
//! versus invalid for every corpus file, except the documented
//! differences below (also in docs/compat-keywords.md).
//!
//! keepalived checks interfaces, so it runs in a fresh network namespace
//! (`kvconf<pid>-<n>`) holding eth0, eth1 and eth2 (veth pairs whose peers
//! stay in the same namespace), removed at the end even after a panic.
//! Needs root and keepalived; otherwise it prints SKIPPED and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use keepvip_conf::{load_for_check, LoadOptions};

/// Files where keepalived 2.2.7 and keepvip disagree on purpose, and why.
/// keepalived's `-t` exits non-zero on anything it reports, including
/// pure warnings and fix-ups; keepvip fails a check only on errors.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "invalid/include-loop.conf",
        "keepalived follows an include loop until it runs out of file descriptors and exits 0; keepvip stops at 32 levels with an error",
    ),
    (
        "valid/stock-strict.conf",
        "keepalived reports its strict-mode fix-ups (authentication dropped, state MASTER without priority 255) and rejects `vrrp_garp_interval 0`; keepvip warns / accepts 0 (the default)",
    ),
    (
        "valid/haproxy-pair.conf",
        "scripts without enable_script_security: keepalived -t exits 6 (SECURITY VIOLATION); keepvip warns",
    ),
    (
        "valid/kubeadm-api.conf",
        "the script file does not exist on the checking machine: keepalived -t fails (\"Disabling track script\"); keepvip warns",
    ),
    (
        "valid/quoted-and-comments.conf",
        "scripts without enable_script_security: keepalived -t exits 6; keepvip warns",
    ),
    (
        "valid/script-options.conf",
        "scripts without enable_script_security / script user missing: keepalived -t fails; keepvip warns",
    ),
    (
        "valid/seed-nginx-r1.conf",
        "the script file does not exist on the checking machine: keepalived -t fails; keepvip warns",
    ),
    (
        "valid/seed-nginx-r2.conf",
        "the script file does not exist on the checking machine: keepalived -t fails; keepvip warns",
    ),
    (
        "valid/sticky-nopreempt.conf",
        "scripts without enable_script_security: keepalived -t exits 6; keepvip warns",
    ),
    (
        "valid/router-pair-sync.conf",
        "a virtual route without `dev`: keepalived -t fails (\"cannot track route\"); keepvip warns",
    ),
    (
        "valid/static-and-routes.conf",
        "a virtual route without `dev`: keepalived -t fails (\"cannot track route\"); keepvip warns",
    ),
    (
        "valid/seed-article-master.conf",
        "nopreempt with state MASTER is cleared (keepalived -t exits 5, keepvip warns) and the script file does not exist on the checking machine",
    ),
    (
        "valid/v2-fractional-advert.conf",
        "VRRPv2 `advert_int 1.5` is rounded to 2: keepalived -t reports it and exits 5; keepvip warns",
    ),
    (
        "valid/v3-advert-rounding.conf",
        "VRRPv3 `advert_int 0.125` is rounded to 0.13: keepalived -t exits 5; keepvip warns",
    ),
    (
        "valid/long-auth-pass.conf",
        "auth_pass longer than 8 characters is truncated: keepalived -t exits 5; keepvip warns",
    ),
    (
        "valid/master-nopreempt.conf",
        "nopreempt / preempt_delay cleared for state MASTER: keepalived -t exits 5; keepvip warns",
    ),
    (
        "valid/excluded-only.conf",
        "no address in virtual_ipaddress (VRRPv2): keepalived -t exits 5 on its \"at least one is sensible\" warning; keepvip warns",
    ),
];

/// Files keepalived may judge either way depending on the machine (for
/// example whether a notify script exists); both answers are accepted.
const EITHER: &[(&str, &str)] = &[];

/// A network namespace that is deleted when dropped.
struct Netns {
    name: String,
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Netns {
    fn create() -> Option<Netns> {
        remove_leftovers();
        let name = format!("kvconf{}-0", std::process::id());
        if !ip(&["netns", "add", &name]) {
            return None;
        }
        let ns = Netns { name };
        let n = ns.name.as_str();
        let mut ok = ip(&["-n", n, "link", "set", "lo", "up"]);
        for i in 0..3 {
            let (a, b) = (format!("eth{i}"), format!("peth{i}"));
            ok &= ip(&[
                "-n", n, "link", "add", &a, "type", "veth", "peer", "name", &b,
            ]);
            ok &= ip(&["-n", n, "link", "set", &a, "up"]);
            ok &= ip(&["-n", n, "link", "set", &b, "up"]);
        }
        ok &= ip(&["-n", n, "addr", "add", "192.0.2.1/24", "dev", "eth0"]);
        ok &= ip(&["-n", n, "addr", "add", "198.51.100.1/24", "dev", "eth1"]);
        ok &= ip(&["-n", n, "addr", "add", "203.0.113.1/24", "dev", "eth2"]);
        ok &= ip(&[
            "-n",
            n,
            "addr",
            "add",
            "2001:db8::1/64",
            "dev",
            "eth0",
            "nodad",
        ]);
        ok.then_some(ns)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        ip(&["netns", "del", &self.name]);
    }
}

/// Namespaces of earlier runs of this test whose process is gone.
fn remove_leftovers() {
    let Ok(out) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        let Some(rest) = name.strip_prefix("kvconf") else {
            continue;
        };
        let Some((pid, _)) = rest.split_once('-') else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new("/proc").join(pid).exists() {
            ip(&["netns", "del", name]);
        }
    }
}

/// Run with a time limit; None when it did not finish.
fn run_bounded(cmd: &mut Command, limit: Duration) -> Option<Output> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().ok(),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v = Vec::new();
    for kind in ["valid", "invalid"] {
        for e in std::fs::read_dir(root.join(kind)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "conf") {
                v.push(e.path());
            }
        }
    }
    v.sort();
    v
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions
    unsafe { libc::geteuid() == 0 }
}

#[test]
fn keepalived_and_keepvip_agree_on_valid_versus_invalid() {
    let have_keepalived = Command::new("keepalived")
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !have_keepalived || !is_root() {
        eprintln!("SKIPPED: keepalived not installed (or not root)");
        return;
    }
    let Some(ns) = Netns::create() else {
        eprintln!("SKIPPED: cannot create a network namespace");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut disagreements = Vec::new();
    let mut agreed = 0;
    let mut observed_known = Vec::new();
    for f in corpus() {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let ours = load_for_check(
            &f,
            &LoadOptions {
                config_id: Some("lb1".into()),
                ..Default::default()
            },
        )
        .map(|l| l.error_count(true) == 0)
        .unwrap_or(false);
        let out = run_bounded(
            Command::new("ip").args([
                "netns",
                "exec",
                &ns.name,
                "keepalived",
                "-t",
                "-n",
                "-l",
                "-i",
                "lb1",
                "-f",
                &f.to_string_lossy(),
            ]),
            Duration::from_secs(10),
        );
        let Some(out) = out else {
            disagreements.push(format!("{rel}: keepalived -t did not finish within 10 s"));
            continue;
        };
        let theirs = out.status.success();
        let known = KNOWN_DIFFERENCES.iter().find(|(k, _)| *k == rel);
        if EITHER.iter().any(|(k, _)| *k == rel) || ours == theirs {
            agreed += 1;
        } else if let Some((_, why)) = known {
            observed_known.push(format!("{rel}: {why}"));
        } else {
            disagreements.push(format!(
                "{rel}: keepalived says {} (exit {:?}), keepvip says {}\n{}",
                if theirs { "valid" } else { "invalid" },
                out.status.code(),
                if ours { "valid" } else { "invalid" },
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .chain(String::from_utf8_lossy(&out.stdout).lines())
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    drop(ns);
    eprintln!(
        "{agreed} files agree; documented differences seen:\n{}",
        observed_known.join("\n")
    );
    assert!(
        disagreements.is_empty(),
        "undocumented disagreements:\n{}",
        disagreements.join("\n\n")
    );
}
