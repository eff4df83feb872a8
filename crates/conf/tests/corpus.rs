//! The config corpus: every valid file loads with no error (unknown
//! keywords count as errors, as in `keepvip check`), and every broken file
//! reports its expected diagnostic at its expected place.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keepvip_conf::{load, LoadOptions, Loaded, Severity};
use keepvip_proto::{AuthConfig, Family, StateHint, TrackerKey, Version};

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    v.sort();
    v
}

fn load_id(p: &Path, id: &str) -> Loaded {
    load(
        p,
        &LoadOptions {
            config_id: Some(id.into()),
        },
    )
    .unwrap()
}

fn valid(name: &str) -> Loaded {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/valid")
        .join(name);
    load_id(&p, "lb1")
}

#[test]
fn every_valid_config_loads_without_errors() {
    let files = corpus("valid");
    assert!(files.len() >= 30, "{}", files.len());
    for f in files {
        let l = load_id(&f, "lb1");
        assert_eq!(l.error_count(true), 0, "{}:\n{}", f.display(), l.render());
        assert!(!l.config.router.instances.is_empty(), "{}", f.display());
    }
}

/// Each valid file's resolved model is a reviewed snapshot next to it
/// (`UPDATE_SNAPSHOTS=1 cargo test -p keepvip-conf` rewrites them).
#[test]
fn valid_configs_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for f in corpus("valid") {
        let l = load_id(&f, "lb1");
        let json = serde_json::to_string_pretty(&l.config).unwrap() + "\n";
        let snap = f.with_extension("json");
        if update {
            std::fs::write(&snap, &json).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(want) if want == json => {}
            Ok(_) => failures.push(format!(
                "{}: model differs from {}",
                f.display(),
                snap.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no snapshot (run with UPDATE_SNAPSHOTS=1)",
                f.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_invalid_config_reports_its_diagnostic_where_expected() {
    let files = corpus("invalid");
    assert!(files.len() >= 20, "{}", files.len());
    for f in files {
        let expect = std::fs::read_to_string(f.with_extension("expect")).unwrap();
        let expect = expect.trim();
        let l = load_id(&f, "lb1");
        assert!(l.error_count(true) > 0, "{} should fail", f.display());
        let (loc, text) = match expect.split_once(": ") {
            Some((loc, t))
                if loc.contains(':') && loc.chars().all(|c| c.is_ascii_digit() || c == ':') =>
            {
                (Some(loc), t)
            }
            _ => (None, expect),
        };
        let found = l.diagnostics.iter().any(|d| {
            let r = d.render(&l.sources);
            d.severity == Severity::Error
                && r.contains(text)
                && loc.is_none_or(|loc| {
                    d.span
                        .is_some_and(|s| format!("{}:{}", s.line, s.col) == loc)
                })
        });
        assert!(
            found,
            "{}: expected `{expect}`, got:\n{}",
            f.display(),
            l.render()
        );
    }
}

#[test]
fn seed_master_model() {
    let l = valid("seed-nginx-r1.conf");
    let i = &l.config.router.instances[0];
    assert_eq!(
        (i.name.as_str(), i.interface.as_str(), i.vrid, i.priority),
        ("VI_1", "eth0", 51, 100)
    );
    assert_eq!(i.state_hint, StateHint::Master);
    assert_eq!(i.auth, Some(AuthConfig::Pass(*b"1111\0\0\0\0")));
    assert_eq!(i.vips[0].prefix_len, 24);
    assert_eq!(i.vips[0].label.as_deref(), Some("eth0:vip"));
    assert_eq!(i.trackers[0].key, TrackerKey::Script("chk_nginx".into()));
    assert_eq!(
        i.trackers[0].weight, -20,
        "track_script without weight takes the vrrp_script's"
    );
    let s = &l.config.scripts[0];
    assert_eq!(
        (s.weight, s.interval, s.timeout),
        (-20, Duration::from_secs(2), Duration::from_secs(2))
    );
}

#[test]
fn conditionals_and_definitions() {
    let a = valid("one-file-all-nodes.conf");
    let i = &a.config.router.instances[0];
    assert_eq!(i.priority, 150);
    assert_eq!(
        i.unicast_peers.iter().map(|p| p.addr).collect::<Vec<_>>(),
        vec!["192.0.2.12".parse::<IpAddr>().unwrap()]
    );
    assert_eq!(i.vips[0].addr, "192.0.2.200".parse::<IpAddr>().unwrap());
    let p =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/valid/one-file-all-nodes.conf");
    let b = load_id(&p, "lb2");
    assert_eq!(b.config.router.instances[0].priority, 100);
}

#[test]
fn includes_seq_and_ipv6() {
    let l = valid("includes.conf");
    let names: Vec<_> = l
        .config
        .router
        .instances
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(names, vec!["VI_A", "VI_B"]);
    let s = valid("seq-many.conf");
    assert_eq!(s.config.router.instances[0].vips.len(), 5);
    let v6 = valid("ipv6-v3.conf");
    let i = &v6.config.router.instances[0];
    assert_eq!(
        (i.family, i.version, i.advert_interval),
        (Family::V6, Version::V3, Duration::from_millis(500))
    );
}

#[test]
fn strict_and_other_parts() {
    let l = valid("stock-strict.conf");
    let i = &l.config.router.instances[0];
    assert!(i.strict && i.auth.is_none() && i.lower_prio_no_advert);
    let warnings: Vec<_> = l
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("VRRP side only"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per skipped block:\n{}",
        l.render()
    );
}

#[test]
fn fractional_v2_interval_is_rounded_with_a_warning() {
    let l = keepvip_conf::parse_str(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n advert_int 1.5\n}\n",
    );
    assert_eq!(
        l.config.router.instances[0].advert_interval,
        Duration::from_secs(2)
    );
    assert_eq!(l.error_count(true), 0);
    assert!(l.render().contains("rounded to 2"));
}

#[test]
fn state_master_without_priority_is_255_and_clears_nopreempt() {
    let l = keepvip_conf::parse_str("vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance W {\n state MASTER\n priority 100\n nopreempt\n interface eth0\n virtual_router_id 2\n}\n");
    assert_eq!(l.config.router.instances[0].priority, 255);
    assert!(!l.config.router.instances[1].nopreempt);
    assert!(l
        .render()
        .contains("nopreempt and preempt_delay are cleared"));
}

#[test]
fn unknown_keywords_are_warnings_at_run_time() {
    let l = keepvip_conf::parse_str(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n priorty 5\n}\n",
    );
    assert_eq!(l.error_count(false), 0);
    assert_eq!(l.error_count(true), 1);
}
