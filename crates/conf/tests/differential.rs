//! Differential test: `keepalived -t` and keepvip's check agree on valid
//! versus invalid for every corpus file, except where docs/compat.md says
//! why they differ. keepalived runs in a network namespace that has the
//! interfaces the configs name (eth0, eth1, eth2).

use std::path::{Path, PathBuf};
use std::time::Duration;

use keepvip_conf::{load, LoadOptions};
use netlab::{is_root, Lab, LabSpec};

/// Files where keepalived 2.2.7 and keepvip disagree on purpose.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    (
        "invalid/include-loop.conf",
        "keepalived follows an include loop up to its own limit and exits 0; keepvip reports it",
    ),
    (
        "valid/stock-strict.conf",
        "keepalived -t fails on the strict-mode fix-ups (authentication dropped); keepvip warns",
    ),
    // keepalived -t fails when scripts run without enable_script_security
    // ("SECURITY VIOLATION") or a script file is missing on the checking
    // machine; keepvip warns: warnings never fail a check
    (
        "valid/haproxy-pair.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/kubeadm-api.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/quoted-and-comments.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/script-options.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/seed-nginx-r1.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/seed-nginx-r2.conf",
        "script security / script path: warning in keepvip",
    ),
    (
        "valid/sticky-nopreempt.conf",
        "script security / script path: warning in keepvip",
    ),
    // keepalived -t fails on "cannot track route ... with no interface"
    (
        "valid/router-pair-sync.conf",
        "virtual route without dev: warning in keepvip",
    ),
    (
        "valid/static-and-routes.conf",
        "virtual route without dev: warning in keepvip",
    ),
];

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

#[test]
fn keepalived_and_keepvip_agree_on_valid_versus_invalid() {
    if !is_root() {
        eprintln!("SKIPPED: needs root for the network namespace");
        return;
    }
    if std::process::Command::new("keepalived")
        .arg("-v")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: keepalived not installed (scripts/test installs it)");
        return;
    }
    let lab = Lab::new(LabSpec::new("kvdf", 1, 3, false)).unwrap();
    let ns = lab.router_ns(0).to_string();
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
        let ours = load(
            &f,
            &LoadOptions {
                config_id: Some("lb1".into()),
            },
        )
        .map(|l| l.error_count(true) == 0)
        .unwrap_or(false);
        let out = lab
            .exec_timeout(
                &ns,
                &[
                    "keepalived",
                    "-t",
                    "-n",
                    "-l",
                    "-i",
                    "lb1",
                    "-f",
                    f.to_str().unwrap(),
                ],
                Duration::from_secs(10),
            )
            .unwrap();
        let theirs = out.status.success();
        match (
            ours == theirs,
            KNOWN_DIFFERENCES.iter().find(|(k, _)| *k == rel),
        ) {
            (true, None) => agreed += 1,
            (true, Some(_)) => agreed += 1,
            (false, Some((_, why))) => observed_known.push(format!("{rel}: {why}")),
            (false, None) => disagreements.push(format!(
                "{rel}: keepalived says {}, keepvip says {}\n{}",
                if theirs { "valid" } else { "invalid" },
                if ours { "valid" } else { "invalid" },
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .chain(String::from_utf8_lossy(&out.stdout).lines())
                    .take(5)
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    }
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
