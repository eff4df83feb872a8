//! The config corpus.
//!
//! - `corpus/valid/*.conf` load with no error under `keepvip check` rules
//!   (unknown keywords are errors), read with config id `lb1`, and their
//!   resolved configuration equals the reviewed snapshot next to them
//!   (`*.json`; `UPDATE_SNAPSHOTS=1 cargo test -p keepvip-conf --test corpus`
//!   rewrites them).
//! - `corpus/invalid/*.conf` each report the diagnostics listed in their
//!   `*.expect` (one per line: `LINE:COL: error: SUBSTRING`) at exactly
//!   that place.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use keepvip_conf::{load, load_for_check, LoadOptions, Loaded};
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

fn opts(id: &str) -> LoadOptions {
    LoadOptions {
        config_id: Some(id.into()),
        ..Default::default()
    }
}

fn check_id(p: &Path, id: &str) -> Loaded {
    load_for_check(p, &opts(id)).unwrap()
}

fn valid(name: &str) -> Loaded {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus/valid")
        .join(name);
    check_id(&p, "lb1")
}

#[test]
fn every_valid_config_loads_without_errors() {
    let files = corpus("valid");
    assert!(files.len() >= 30, "{}", files.len());
    for f in files {
        let l = check_id(&f, "lb1");
        assert_eq!(l.error_count(true), 0, "{}:\n{}", f.display(), l.render());
        assert!(!l.config.router.instances.is_empty(), "{}", f.display());
    }
}

/// Each valid file's resolved configuration is a reviewed snapshot.
#[test]
fn valid_configs_match_their_snapshots() {
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let mut failures = Vec::new();
    for f in corpus("valid") {
        let l = check_id(&f, "lb1");
        let json = serde_json::to_string_pretty(&l.config).unwrap() + "\n";
        let snap = f.with_extension("json");
        if update {
            std::fs::write(&snap, &json).unwrap();
            continue;
        }
        match std::fs::read_to_string(&snap) {
            Ok(want) if want == json => {}
            Ok(want) => {
                let first = want
                    .lines()
                    .zip(json.lines())
                    .enumerate()
                    .find(|(_, (a, b))| a != b)
                    .map(|(n, (a, b))| format!("line {}: want `{a}`, got `{b}`", n + 1))
                    .unwrap_or_else(|| "lengths differ".into());
                failures.push(format!(
                    "{}: resolved configuration differs from {} ({first})",
                    f.display(),
                    snap.display()
                ));
            }
            Err(_) => failures.push(format!(
                "{}: no snapshot (run with UPDATE_SNAPSHOTS=1)",
                f.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `LINE:COL: error: TEXT`
fn parse_expect(line: &str) -> Option<(u32, u32, &str)> {
    let (l, rest) = line.split_once(':')?;
    let (c, rest) = rest.split_once(':')?;
    let text = rest.trim_start().strip_prefix("error:")?.trim();
    Some((l.trim().parse().ok()?, c.trim().parse().ok()?, text))
}

#[test]
fn every_invalid_config_reports_its_diagnostic_where_expected() {
    let files = corpus("invalid");
    assert!(files.len() >= 20, "{}", files.len());
    let mut failures = Vec::new();
    for f in files {
        let expect = std::fs::read_to_string(f.with_extension("expect"))
            .unwrap_or_else(|_| panic!("{}: no .expect file", f.display()));
        let l = check_id(&f, "lb1");
        if l.error_count(true) == 0 {
            failures.push(format!("{}: no error reported", f.display()));
            continue;
        }
        for line in expect.lines().filter(|l| !l.trim().is_empty()) {
            let Some((ln, col, text)) = parse_expect(line) else {
                failures.push(format!("{}: bad expect line `{line}`", f.display()));
                continue;
            };
            let found = l.diagnostics.iter().any(|d| {
                d.is_error(true)
                    && (d.message.contains(text)
                        || d.help.as_deref().is_some_and(|h| h.contains(text)))
                    && d.span.is_some_and(|s| s.line == ln && s.col == col)
            });
            if !found {
                failures.push(format!(
                    "{}: expected `{line}`, got:\n{}",
                    f.display(),
                    l.render()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
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
fn seed_backup_differs_only_in_priority_state_and_router_id() {
    let a = valid("seed-nginx-r1.conf");
    let b = valid("seed-nginx-r2.conf");
    let (ia, ib) = (&a.config.router.instances[0], &b.config.router.instances[0]);
    assert_eq!((ib.priority, ib.state_hint), (90, StateHint::Backup));
    let mut ib2 = ib.clone();
    ib2.priority = ia.priority;
    ib2.state_hint = ia.state_hint;
    assert_eq!(&ib2, ia);
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
    let b = check_id(&p, "lb2");
    assert_eq!(b.error_count(true), 0, "{}", b.render());
    let ib = &b.config.router.instances[0];
    assert_eq!(ib.priority, 100);
    assert_eq!(
        ib.unicast_peers.iter().map(|p| p.addr).collect::<Vec<_>>(),
        vec!["192.0.2.11".parse::<IpAddr>().unwrap()]
    );
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
    // diagnostics in included files name them
    assert!(l.sources.len() >= 3);
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
    assert_eq!(
        i.state_hint,
        StateHint::Backup,
        "strict: MASTER only for the owner"
    );
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
    assert_eq!(l.model.skipped, vec!["virtual_server"]);
}

#[test]
fn fractional_v2_interval_is_rounded_with_a_warning() {
    let l = keepvip_conf::parse_str(
        "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n advert_int 1.5\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
    );
    assert_eq!(
        l.config.router.instances[0].advert_interval,
        Duration::from_secs(2)
    );
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    assert!(l.render().contains("rounded to 2"));
    let w = l
        .diagnostics
        .iter()
        .find(|d| d.message.contains("rounded"))
        .unwrap();
    let s = w.span.unwrap();
    assert_eq!((s.line, s.col, s.len), (4, 13, 3), "points at the value");
}

#[test]
fn state_master_without_priority_is_255_and_clears_nopreempt() {
    let l = keepvip_conf::parse_str("vrrp_instance V {\n state MASTER\n interface eth0\n virtual_router_id 1\n}\nvrrp_instance W {\n state MASTER\n priority 100\n nopreempt\n interface eth0\n virtual_router_id 2\n}\n");
    assert_eq!(l.config.router.instances[0].priority, 255);
    assert!(!l.config.router.instances[1].nopreempt);
    assert!(l.render().contains("state MASTER: nopreempt is cleared"));
}

#[test]
fn nopreempt_with_a_weighted_check_is_warned_and_weight_0_is_not() {
    let conf = |weight: &str| {
        format!("vrrp_script chk {{\n script \"/bin/true\"\n{weight}}}\nvrrp_instance V {{\n state BACKUP\n nopreempt\n interface eth0\n virtual_router_id 1\n priority 100\n virtual_ipaddress {{\n 192.0.2.1\n }}\n track_script {{\n  chk\n }}\n}}\n")
    };
    let l = keepvip_conf::parse_str(&conf(" weight -20\n"));
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    let w = l
        .diagnostics
        .iter()
        .find(|d| {
            d.message
                .contains("nopreempt with vrrp_script `chk` weight -20")
        })
        .unwrap_or_else(|| panic!("{}", l.render()));
    let s = w.span.unwrap();
    assert_eq!(
        (s.line, s.col),
        (7, 2),
        "points at nopreempt\n{}",
        l.render()
    );
    assert!(l.render().contains("give it `weight 0`"), "{}", l.render());
    // the sticky pattern done right: a failing check means FAULT
    let ok = keepvip_conf::parse_str(&conf(" weight 0\n"));
    assert!(!ok.render().contains("nopreempt with"), "{}", ok.render());
    // an entry's own weight counts
    let entry =
        keepvip_conf::parse_str(&conf(" weight 0\n").replace("  chk\n", "  chk weight -5\n"));
    assert!(entry.render().contains("weight -5"), "{}", entry.render());
}

#[test]
fn scheduling_knobs_are_read_and_checked() {
    let l = keepvip_conf::parse_str(
        "global_defs {\n vrrp_priority -5\n vrrp_rt_priority 30\n vrrp_no_swap\n vrrp_cpu_affinity 0 2-3\n vrrp_rlimit_rtime 5000\n}\nvrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n",
    );
    assert_eq!(l.error_count(true), 0, "{}", l.render());
    let s = &l.config.global.scheduling;
    assert_eq!(
        (s.nice, s.rt_priority, s.no_swap),
        (Some(-5), Some(30), true)
    );
    assert_eq!(s.cpu_affinity, [0, 2, 3]);
    assert_eq!(s.rlimit_rttime, Some(5_000), "the older spelling");
    assert!(!l.render().contains("not acted on"), "{}", l.render());
    // realtime without a limit gets keepalived's 10 ms
    let d = keepvip_conf::parse_str("global_defs {\n vrrp_rt_priority 1\n}\n");
    assert_eq!(d.config.global.scheduling.rlimit_rttime, Some(10_000));
    let bad = keepvip_conf::parse_str(
        "global_defs {\n vrrp_rt_priority 100\n vrrp_priority 20\n vrrp_cpu_affinity 1-x\n}\n",
    );
    let text = bad.render();
    assert_eq!(bad.error_count(true), 3, "{text}");
    assert!(
        text.contains("vrrp_rt_priority 100 is outside the range 1..=99"),
        "{text}"
    );
    assert!(
        text.contains("vrrp_priority 20 is outside the range -20..=19"),
        "{text}"
    );
    assert!(
        text.contains("`1-x` is not a CPU number or range"),
        "{text}"
    );
}

#[test]
fn unknown_keywords_are_warnings_at_run_time() {
    let text = "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n priorty 5\n virtual_ipaddress {\n 192.0.2.1\n }\n}\n";
    let l = keepvip_conf::parse_str(text);
    assert_eq!(l.error_count(false), 0);
    assert_eq!(l.error_count(true), 1);
    let dir = tempdir("unknown");
    let p = dir.join("k.conf");
    std::fs::write(&p, text).unwrap();
    let run = load(&p, &opts("lb1")).unwrap();
    assert!(run.is_ok());
    assert!(run.render().contains("warning: unknown keyword `priorty`"));
    let chk = load_for_check(&p, &opts("lb1")).unwrap();
    assert!(!chk.is_ok() || chk.error_count(true) == 1);
    assert!(chk.render().contains("error: unknown keyword `priorty`"));
    assert!(chk.render().contains("did you mean `priority`?"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn check_output_and_exit_codes() {
    let dir = tempdir("check");
    let bad = dir.join("bad.conf");
    std::fs::write(
        &bad,
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipadress {\n        192.0.2.200\n    }\n}\n",
    )
    .unwrap();
    let l = load_for_check(&bad, &opts("lb1")).unwrap();
    let out = keepvip_conf::check::render(&l.diagnostics, &l.sources);
    let want = format!(
        "{0}:4:5: error: unknown keyword `virtual_ipadress` in vrrp_instance\n  |\n4 |     virtual_ipadress {{\n  |     ^^^^^^^^^^^^^^^^\n  = help: did you mean `virtual_ipaddress`?\n",
        bad.display()
    );
    assert!(out.contains(&want), "{out}");
    assert!(
        out.ends_with("keepvip check: 1 error, 1 warning\n"),
        "{out}"
    );
    let run = |path: &Path| {
        keepvip_conf::check::run(&keepvip_conf::check::CheckOptions {
            path: path.to_path_buf(),
            config_id: Some("lb1".into()),
            dump: false,
        })
    };
    assert_eq!(run(&bad), keepvip_conf::check::EXIT_CONFIG_ERROR);
    assert_eq!(keepvip_conf::check::EXIT_CONFIG_ERROR, 5);
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/valid/active-active.conf");
    assert_eq!(run(&good), 0);
    assert_eq!(
        run(&dir.join("missing.conf")),
        keepvip_conf::check::EXIT_UNREADABLE
    );
    let ok = load_for_check(&good, &opts("lb1")).unwrap();
    assert_eq!(
        keepvip_conf::check::render(&ok.diagnostics, &ok.sources),
        "keepvip check: configuration OK\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kvconf-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
